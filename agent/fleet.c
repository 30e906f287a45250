/* The fleet view's rows: the published manifest (verified as the agents verify it, or
 * only validated), the reports read strictly, and each named server's report compared
 * with the published serial and bytes. Printing is fleet_print.c's and fleet_html.c's. */
#include "fleet.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "fsutil.h"
#include "intake.h"
#include "manifest.h"
#include "strbuf.h"
#include "strmap.h"
#include "window.h"

const char *fleet_status_name(int s)
{
    switch (s) {
    case FLEET_NO_REPORT: return "no_report";
    case FLEET_BEHIND: return "behind";
    case FLEET_OTHER_MANIFEST: return "other_manifest";
    default: break;
    }
    if (s >= 0 && s < REPORT_NSTATUS)
        return report_status_name((enum report_status)s);
    return "unknown";
}

const char *fleet_status_words(int s)
{
    switch (s) {
    case REPORT_PENDING_RESTART: return "pending restart";
    case REPORT_FUTURE: return "dated in the future";
    case FLEET_NO_REPORT: return "no report";
    case FLEET_OTHER_MANIFEST: return "other manifest";
    default: return fleet_status_name(s);
    }
}

int fleet_status_severity(int s)
{
    switch (s) {
    case REPORT_CONVERGED: return 0;
    case REPORT_DRIFTING:
    case REPORT_PENDING_RESTART:
    case FLEET_BEHIND: return 2;
    default: return 1; /* anything else, a status added later included, needs a look */
    }
}

const char *fleet_manifest_name(enum fleet_manifest m)
{
    switch (m) {
    case FLEET_M_NONE: return "none";
    case FLEET_M_VERIFIED: return "verified";
    case FLEET_M_UNVERIFIED: return "unverified";
    case FLEET_M_REFUSED: return "refused";
    }
    return "unknown";
}

/* Length of the well-formed UTF-8 character at s (1 to 4), or 0 when s does not start
 * one (a stray continuation byte, an overlong form, a surrogate, above U+10FFFF). */
static size_t utf8_char(const unsigned char *s)
{
    unsigned char c = s[0];
    size_t n, i;
    unsigned char lo = 0x80, hi = 0xBF;

    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        n = 2;
    else if (c >= 0xE0 && c <= 0xEF)
        n = 3;
    else if (c >= 0xF0 && c <= 0xF4)
        n = 4;
    else
        return 0;
    if (c == 0xE0)
        lo = 0xA0;
    else if (c == 0xED)
        hi = 0x9F;
    else if (c == 0xF0)
        lo = 0x90;
    else if (c == 0xF4)
        hi = 0x8F;
    if (s[1] < lo || s[1] > hi)
        return 0;
    for (i = 2; i < n; i++)
        if (s[i] < 0x80 || s[i] > 0xBF)
            return 0;
    return n;
}

void fleet_append_text(struct strbuf *sb, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n;

    while (*p) {
        if ((n = utf8_char(p)) == 0) {
            sb_append(sb, "\xEF\xBF\xBD"); /* U+FFFD */
            p++;
        } else if (n == 1 && (*p < 0x20 || *p == 0x7f)) {
            sb_appendc(sb, ' ');
            p++;
        } else {
            sb_appendn(sb, (const char *)p, n);
            p += n;
        }
    }
}

char *fleet_text(const char *s)
{
    struct strbuf sb = {0};

    sb_append(&sb, ""); /* "" rather than NULL for an empty s */
    fleet_append_text(&sb, s ? s : "");
    return sb.oom ? (sb_free(&sb), NULL) : sb_take(&sb);
}

static void refuse(struct fleet *f, const char *reason, const char *fmt, ...) OFD_PRINTF(3, 4);
static void refuse(struct fleet *f, const char *reason, const char *fmt, ...)
{
    va_list ap;
    char *p;

    f->mstate = FLEET_M_REFUSED;
    f->serial = 0;
    snprintf(f->reason, sizeof(f->reason), "%s", reason);
    va_start(ap, fmt);
    vsnprintf(f->msg, sizeof(f->msg), fmt, ap);
    va_end(ap);
    ofd_utf8_trim(f->msg);
    for (p = f->msg; *p; p++) /* the first diagnostic may quote the manifest */
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = ' ';
}

/* Reads SHARE/manifest.json into *m: verified through intake (the agent's own decision,
 * without a state file: no serial floor) when an anchor is given, otherwise parsed and
 * validated with the files it names checked against their pins. Sets f->mstate. */
static enum ofd_code load_manifest(struct fleet *f, const struct fleet_options *o, struct manifest **m, ofd_err *e)
{
    struct strbuf sig = {0};
    struct intake_result res;
    struct diags d = {0};
    unsigned char sha[CS_SHA256_LEN];
    char *text = NULL, *dir = NULL, diag[OFD_ERR_MSG_MAX];
    size_t len = 0, i;
    ofd_err te;
    enum ofd_code rc;

    memset(&res, 0, sizeof(res));
    ofd_err_clear(&te);
    rc = ofd_read_file(f->manifest_path, MANIFEST_MAX_BYTES, &text, &len, &te);
    if (rc == OFD_E_NOTFOUND) {
        f->mstate = FLEET_M_NONE;
        rc = OFD_OK;
        goto out;
    }
    if (rc == OFD_E_NOMEM) {
        rc = ofd_err_nomem(e);
        goto out;
    }
    if (rc != OFD_OK) {
        refuse(f, rc == OFD_E_INVALID ? "invalid" : "unreadable", "%s", te.msg);
        rc = OFD_OK;
        goto out;
    }
    if ((rc = cs_sha256(text, len, sha, e)) != OFD_OK)
        goto out;
    cs_sha256_hex(sha, f->sha256);
    if (o->anchor) {
        sb_printf(&sig, "%s.p7s", f->manifest_path);
        if (sig.oom) {
            rc = ofd_err_nomem(e);
            goto out;
        }
        rc = intake_check_files(f->manifest_path, sb_str(&sig), o->anchor, NULL, NULL, 0, &res, &te);
        if (rc == OFD_E_NOMEM) {
            rc = ofd_err_nomem(e);
            goto out;
        }
        if (rc != OFD_OK) {
            refuse(f, "unreadable", "%s", te.msg);
            rc = OFD_OK;
            goto out;
        }
        /* The hash of the bytes intake decided on (it read the file again). */
        cs_sha256_hex(res.sha256, f->sha256);
        if (res.decision == INTAKE_REFUSE) {
            refuse(f, intake_reason_name(res.reason), "%s", res.msg);
            goto out;
        }
        f->mstate = FLEET_M_VERIFIED;
        cs_thumbprint_hex(o->anchor->tp, f->signer);
        *m = res.manifest;
        res.manifest = NULL;
        goto out;
    }
    if (!(dir = manifest_dir_of(f->manifest_path))) {
        rc = ofd_err_nomem(e);
        goto out;
    }
    rc = manifest_parse(text, len, dir, NULL, 0, m, &d, &te);
    if (rc == OFD_E_INVALID) {
        rc = OFD_OK;
        if (!d.nerrors) {
            refuse(f, "invalid", "%s", te.msg);
            goto out;
        }
        /* As intake words it: the count and the first error, with its position. */
        diags_sort(&d);
        for (i = 0; i < d.n && d.v[i].sev != DIAG_ERROR; i++)
            ;
        diags_format(&d, i, f->manifest_path, diag, sizeof(diag));
        refuse(f, d.nfile_errors == d.nerrors ? "file_mismatch" : "invalid",
               "the manifest is not valid (%zu error%s), first: %s", d.nerrors, d.nerrors == 1 ? "" : "s", diag);
        goto out;
    }
    if (rc != OFD_OK) {
        ofd_err_set(e, rc, "%s", te.msg);
        goto out;
    }
    f->mstate = FLEET_M_UNVERIFIED;
    snprintf(f->msg, sizeof(f->msg),
             "its signature was not checked: give --signer THUMBPRINT (the agents' TrustedSigner) to verify it as "
             "they do");
out:
    intake_result_free(&res);
    diags_free(&d);
    sb_free(&sig);
    free(dir);
    free(text);
    return rc;
}

/* The row's status and hash comparison. Named rows at the published serial keep their
 * report's status; a working server at another manifest is behind (older serial) or at
 * another manifest (newer serial, other bytes). */
static void classify(const struct fleet *f, struct fleet_row *row, const unsigned char pub[CS_SHA256_LEN], int named)
{
    const struct report_row *r = row->rep;
    unsigned char d[CS_SHA256_LEN];

    row->sha_match = -1;
    if (!r) {
        row->status = FLEET_NO_REPORT;
        return;
    }
    row->status = (int)r->status;
    if (r->status == REPORT_UNREADABLE || !pub)
        return;
    if (r->rep.sha256)
        row->sha_match = cs_sha256_parse(r->rep.sha256, d) == 0 && memcmp(d, pub, CS_SHA256_LEN) == 0;
    if (!named
        || (r->status != REPORT_CONVERGED && r->status != REPORT_DRIFTING && r->status != REPORT_PENDING_RESTART))
        return; /* failing, refused, silent: worse than any serial question */
    if (r->rep.serial < f->serial)
        row->status = FLEET_BEHIND;
    else if (r->rep.serial > f->serial || row->sha_match != 1)
        row->status = FLEET_OTHER_MANIFEST;
}

/* The restart slot of a named server and, when its report has a restart pending, when
 * the slot next opens. */
static enum ofd_code restart_of(const struct fleet *f, const struct manifest *m, struct fleet_row *row, ofd_err *e)
{
    const struct report_row *r = row->rep;

    row->next_restart = -1;
    if (!m->window.present)
        return OFD_OK;
    if (!(row->slot = window_text(m, row->server)))
        return ofd_err_nomem(e);
    if (r && r->status != REPORT_UNREADABLE && (r->rep.restart_pending || r->status == REPORT_PENDING_RESTART))
        row->next_restart = window_next_restart(m, row->server, f->now, f->local_offset);
    return OFD_OK;
}

/* The name a row apart goes by: the report's server, or its file's name when it is not
 * a report. */
static const char *name_apart(const struct report_row *r)
{
    return r->status == REPORT_UNREADABLE ? r->file : r->rep.server;
}

enum ofd_code fleet_load(const struct fleet_options *o, struct fleet *out, ofd_err *e)
{
    struct fleet f;
    struct strbuf sb = {0};
    struct manifest *m = NULL;
    struct strmap idx;
    unsigned char pub[CS_SHA256_LEN];
    char *key = NULL;
    size_t i, k;
    enum ofd_code rc;

    memset(&f, 0, sizeof(f));
    memset(&idx, 0, sizeof(idx));
    f.now = o->now;
    f.stale_after = o->stale_after;
    f.local_offset = o->local_offset;
    sb_printf(&sb, "%s/manifest.json", o->share);
    f.manifest_path = sb_take(&sb);
    if (o->reports_dir)
        f.reports_dir = ofd_strdup(o->reports_dir);
    else {
        sb_printf(&sb, "%s/reports", o->share);
        f.reports_dir = sb_take(&sb);
    }
    if (!f.manifest_path || !f.reports_dir) {
        rc = ofd_err_nomem(e);
        goto out;
    }
    if ((rc = load_manifest(&f, o, &m, e)) != OFD_OK)
        goto out;
    if (m) {
        f.serial = m->serial;
        f.has_window = m->window.present;
        f.window_utc = m->window.utc;
    }
    if ((rc = report_fleet_load(f.reports_dir, o->now, o->stale_after, &f.reports, e)) != OFD_OK)
        goto out;
    if (!m) {
        /* No manifest to go by: every report is a row, as the folder holds them. */
        if (f.reports.n && !(f.rows = calloc(f.reports.n, sizeof(*f.rows)))) {
            rc = ofd_err_nomem(e);
            goto out;
        }
        for (i = 0; i < f.reports.n; i++, f.nrows++) {
            f.rows[i].rep = &f.reports.v[i];
            f.rows[i].next_restart = -1;
            if (!(f.rows[i].server = ofd_strdup(name_apart(&f.reports.v[i])))) {
                rc = ofd_err_nomem(e);
                goto out;
            }
            classify(&f, &f.rows[i], NULL, 0);
        }
    } else {
        if (cs_sha256_parse(f.sha256, pub) != 0) {
            rc = ofd_err_set(e, OFD_E_INTERNAL, "the manifest's hash is not known");
            goto out;
        }
        if ((m->nservers && !(f.rows = calloc(m->nservers, sizeof(*f.rows))))
            || (f.reports.n && !(f.others = calloc(f.reports.n, sizeof(*f.others))))
            || strmap_init(&idx, m->nservers, 1) != 0) {
            rc = ofd_err_nomem(e);
            goto out;
        }
        for (i = 0; i < m->nservers; i++, f.nrows++) {
            if (!(f.rows[i].server = ofd_strdup(m->servers[i].fqdn)) || strmap_put(&idx, f.rows[i].server, i) < 0) {
                rc = ofd_err_nomem(e);
                goto out;
            }
        }
        /* A report goes to the server its file is named after (reports/<fqdn>.json),
         * readable or not; a second file for one server, and the rest, go apart. */
        for (i = 0; i < f.reports.n; i++) {
            const struct report_row *r = &f.reports.v[i];
            size_t hit;

            free(key);
            if (!(key = ofd_strndup(r->file, strlen(r->file) - 5))) {
                rc = ofd_err_nomem(e);
                goto out;
            }
            hit = strmap_get(&idx, key);
            if (hit && !f.rows[hit - 1].rep) {
                f.rows[hit - 1].rep = r;
                continue;
            }
            k = f.nothers++;
            f.others[k].rep = r;
            f.others[k].next_restart = -1;
            if (!(f.others[k].server = ofd_strdup(name_apart(r)))) {
                rc = ofd_err_nomem(e);
                goto out;
            }
            classify(&f, &f.others[k], pub, 0);
        }
        for (i = 0; i < f.nrows; i++) {
            classify(&f, &f.rows[i], pub, 1);
            if ((rc = restart_of(&f, m, &f.rows[i], e)) != OFD_OK)
                goto out;
        }
    }
    for (i = 0; i < f.nrows; i++)
        f.counts[f.rows[i].status]++;
    *out = f;
    memset(&f, 0, sizeof(f));
    rc = OFD_OK;
out:
    free(key);
    strmap_free(&idx);
    manifest_free(m);
    sb_free(&sb);
    fleet_free(&f);
    return rc;
}

static void free_rows(struct fleet_row *v, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        free(v[i].server);
        free(v[i].slot);
    }
    free(v);
}

void fleet_free(struct fleet *f)
{
    if (!f)
        return;
    free_rows(f->rows, f->nrows);
    free_rows(f->others, f->nothers);
    report_fleet_free(&f->reports);
    free(f->manifest_path);
    free(f->reports_dir);
    memset(f, 0, sizeof(*f));
}

int fleet_exit(const struct fleet *f)
{
    size_t i;
    int worst = f->mstate == FLEET_M_REFUSED ? 1 : 0;

    if (f->nrows == 0)
        return 1; /* nothing reported, and no manifest naming anyone */
    for (i = 0; i < f->nrows && worst != 1; i++) {
        int s = fleet_status_severity(f->rows[i].status);
        if (s)
            worst = s;
    }
    return worst;
}

void fleet_format_when(const struct fleet *f, long long t, char buf[32])
{
    char iso[21];

    report_format_time(t + (f->window_utc ? 0 : f->local_offset), iso);
    snprintf(buf, 32, "%.10s %.5s %s", iso, iso + 11, f->window_utc ? "utc" : "local");
}

void fleet_row_summary(const struct fleet *f, const struct fleet_row *row, int named, char *buf, size_t n)
{
    const struct report_row *r = row->rep;
    char base[256], when[32];
    char *p;

    if (!r) {
        snprintf(buf, n, "no report: %s.json is not in the reports folder", row->server);
        return;
    }
    report_row_summary(r, f->now, base, sizeof(base));
    if (row->status == FLEET_BEHIND) {
        snprintf(buf, n, "still at serial %lld, the published one is %lld; last said: %s", r->rep.serial, f->serial,
                 base);
    } else if (row->status == FLEET_OTHER_MANIFEST) {
        if (r->rep.serial > f->serial)
            snprintf(buf, n,
                     "at serial %lld, newer than the published %lld (an older manifest put back?); last said: %s",
                     r->rep.serial, f->serial, base);
        else
            snprintf(buf, n, "at serial %lld but %s; last said: %s", r->rep.serial,
                     r->rep.sha256 ? "other bytes than the published manifest (SHA-256 differs)"
                                   : "the report names no SHA-256",
                     base);
    } else if (named && row->status == REPORT_PENDING_RESTART && !f->has_window) {
        snprintf(buf, n,
                 "%zu applied; no maintenance window: the Front End restart waits for 'ocsfed apply --restart-now' on "
                 "the server",
                 r->rep.applied);
    } else if (named && row->status == REPORT_PENDING_RESTART && row->slot && row->next_restart >= 0) {
        fleet_format_when(f, row->next_restart, when);
        snprintf(buf, n, "%zu applied; Front End restart in its slot %s, next %s", r->rep.applied, row->slot, when);
    } else {
        snprintf(buf, n, "%s", base);
    }
    for (p = buf; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = ' ';
    ofd_utf8_trim(buf);
}
