/* The fleet view: every report in the reports folder, each classified at one "now",
 * printed as `ocsfed status`'s table with its exit status. */
#include "report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsutil.h"
#include "strbuf.h"

enum report_status report_classify(const struct report *r, long long now, long long stale_after)
{
    /* A clock far ahead on the server would otherwise keep a dead server fresh; it is
     * a clock to fix, not silence. */
    if (r->time > now + 300)
        return REPORT_FUTURE;
    if (now - r->time > stale_after)
        return REPORT_SILENT;
    return r->status;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);

    return a > b && strcmp(s + a - b, suffix) == 0;
}

enum ofd_code report_fleet_load(const char *reports_dir, long long now, long long stale_after, struct report_fleet *out,
                                ofd_err *e)
{
    struct report_fleet f;
    struct strbuf path = {0};
    char **names = NULL;
    size_t nnames = 0, i;
    struct report_row *row;
    ofd_err re;
    enum ofd_code rc;

    memset(&f, 0, sizeof(f));
    f.now = now;
    f.stale_after = stale_after;
    if ((rc = ofd_list_dir(reports_dir, REPORT_MAX_FILES, &names, &nnames, e)) != OFD_OK)
        goto out;
    if (nnames && !(f.v = calloc(nnames, sizeof(*f.v)))) {
        rc = ofd_err_nomem(e);
        goto out;
    }
    for (i = 0; i < nnames; i++) {
        if (!ends_with(names[i], ".json"))
            continue; /* leftovers such as .tmp files of a write in progress */
        row = &f.v[f.n++];
        row->file = names[i];
        names[i] = NULL;
        sb_truncate(&path, 0);
        sb_printf(&path, "%s/%s", reports_dir, row->file);
        ofd_err_clear(&re);
        if (path.oom) {
            rc = ofd_err_nomem(e);
            goto out;
        }
        rc = report_read_file(sb_str(&path), &row->rep, &re);
        if (rc == OFD_E_NOMEM) {
            ofd_err_set(e, rc, "%s", re.msg);
            goto out;
        }
        if (rc == OFD_OK
            && (strlen(row->file) != strlen(row->rep.server) + 5 || ofd_strcasecmp(row->rep.server, "") == 0
                || strncmp(row->file, row->rep.server, strlen(row->rep.server)) != 0)) {
            ofd_err_set(&re, OFD_E_INVALID, "the report is about '%s', not the file's server", row->rep.server);
            report_free(&row->rep);
            rc = OFD_E_INVALID;
        }
        if (rc != OFD_OK) {
            row->status = REPORT_UNREADABLE;
            if (!(row->problem = ofd_strdup(re.msg))) {
                rc = ofd_err_nomem(e);
                goto out;
            }
        } else {
            row->status = report_classify(&row->rep, now, stale_after);
        }
        f.counts[row->status]++;
    }
    *out = f;
    memset(&f, 0, sizeof(f));
    rc = OFD_OK;
out:
    report_fleet_free(&f);
    ofd_names_free(names, nnames);
    sb_free(&path);
    return rc;
}

void report_fleet_free(struct report_fleet *f)
{
    size_t i;

    if (!f)
        return;
    for (i = 0; i < f->n; i++) {
        free(f->v[i].file);
        free(f->v[i].problem);
        report_free(&f->v[i].rep);
    }
    free(f->v);
    memset(f, 0, sizeof(*f));
}

static void format_age(long long s, char *buf, size_t n)
{
    if (s < 0)
        snprintf(buf, n, "future");
    else if (s < 120)
        snprintf(buf, n, "%llds", s);
    else if (s < 7200)
        snprintf(buf, n, "%lldm", s / 60);
    else if (s < 172800)
        snprintf(buf, n, "%lldh", s / 3600);
    else
        snprintf(buf, n, "%ud", (unsigned)(s / 86400 % 100000000)); /* at most 9 characters */
}

/* One line, control characters replaced: report text comes from the share. */
static void summary_of(const struct report_row *row, long long now, char *buf, size_t n)
{
    const struct report *r = &row->rep;
    char ahead[16], *p;

    switch (row->status) {
    case REPORT_UNREADABLE: snprintf(buf, n, "unreadable: %s", row->problem ? row->problem : ""); break;
    case REPORT_SILENT: snprintf(buf, n, "no report for too long; last said %s", report_status_name(r->status)); break;
    case REPORT_FUTURE:
        format_age(r->time - now, ahead, sizeof(ahead));
        snprintf(buf, n, "dated %s in the future: check the clock of %s; last said %s", ahead, r->server,
                 report_status_name(r->status));
        break;
    case REPORT_REFUSED:
        snprintf(buf, n, "manifest refused (%s): %s", r->refusal_reason ? r->refusal_reason : "?",
                 r->refusal_message ? r->refusal_message : "");
        break;
    case REPORT_FAILING:
        snprintf(buf, n, "%zu error%s%s%s", r->nerrors, r->nerrors == 1 ? "" : "s", r->nerrors ? ", first: " : "",
                 r->nerrors ? r->errors[0].message : "");
        break;
    case REPORT_DRIFTING:
        snprintf(buf, n, "%zu change%s found (%s)", r->drift, r->drift == 1 ? "" : "s",
                 r->monitor ? "monitor mode" : "not applied");
        break;
    case REPORT_PENDING_RESTART:
        snprintf(buf, n, "%zu applied; Front End restart waits for the maintenance window", r->applied);
        break;
    default: snprintf(buf, n, "%zu applied, %s", r->applied, r->monitor ? "monitor" : "apply"); break;
    }
    for (p = buf; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = ' ';
}

void report_fleet_print(const struct report_fleet *f, FILE *out)
{
    size_t i, total = 0;
    int s;
    char age[16], serial[24], summ[160], server[41], *p;
    const char *sep = "";

    fprintf(out, "%-40s %-15s %8s %7s  %s\n", "SERVER", "STATUS", "SERIAL", "AGE", "SUMMARY");
    for (i = 0; i < f->n; i++) {
        const struct report_row *row = &f->v[i];
        snprintf(server, sizeof(server), "%s", row->status == REPORT_UNREADABLE ? row->file : row->rep.server);
        for (p = server; *p; p++)
            if ((unsigned char)*p < 0x20 || *p == 0x7f)
                *p = '?';
        if (row->status == REPORT_UNREADABLE) {
            snprintf(age, sizeof(age), "-");
            snprintf(serial, sizeof(serial), "-");
        } else {
            format_age(f->now - row->rep.time, age, sizeof(age));
            if (row->rep.serial)
                snprintf(serial, sizeof(serial), "%lld", row->rep.serial);
            else
                snprintf(serial, sizeof(serial), "-");
        }
        summary_of(row, f->now, summ, sizeof(summ));
        fprintf(out, "%-40s %-15s %8s %7s  %s\n", server, report_status_name(row->status), serial, age, summ);
        if (row->status != REPORT_UNREADABLE)
            report_print_probe_failures(&row->rep, out);
    }
    for (s = 0; s < REPORT_NSTATUS; s++)
        total += f->counts[s];
    fprintf(out, "%zu server%s:", total, total == 1 ? "" : "s");
    for (s = 0; s < REPORT_NSTATUS; s++) {
        if ((s == REPORT_UNREADABLE || s == REPORT_FUTURE) && !f->counts[s])
            continue;
        fprintf(out, "%s %zu %s", sep, f->counts[s], report_status_name((enum report_status)s));
        sep = ",";
    }
    fprintf(out, " (silent: no report for %llds)\n", f->stale_after);
}

int report_fleet_exit(const struct report_fleet *f)
{
    if (f->n == 0 || f->counts[REPORT_FAILING] || f->counts[REPORT_REFUSED] || f->counts[REPORT_SILENT]
        || f->counts[REPORT_FUTURE] || f->counts[REPORT_UNREADABLE])
        return 1;
    if (f->counts[REPORT_DRIFTING] || f->counts[REPORT_PENDING_RESTART])
        return 2;
    return 0;
}

void report_row_summary(const struct report_row *row, long long now, char *buf, size_t n)
{
    summary_of(row, now, buf, n);
}

void report_format_age(long long seconds, char *buf, size_t n)
{
    format_age(seconds, buf, n);
}
