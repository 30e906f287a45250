/* The fleet view as text (`ocsfed status`) and as one JSON object (`--json`). */
#include "fleet.h"

#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "strbuf.h"

static void manifest_line(const struct fleet *f, FILE *out)
{
    switch (f->mstate) {
    case FLEET_M_VERIFIED:
        fprintf(out, "Manifest %s: serial %lld, SHA-256 %s, verified: signed by the pinned publisher %s\n",
                f->manifest_path, f->serial, f->sha256, f->signer);
        break;
    case FLEET_M_UNVERIFIED:
        fprintf(out, "Manifest %s: serial %lld, SHA-256 %s, UNVERIFIED: %s\n", f->manifest_path, f->serial, f->sha256,
                f->msg);
        break;
    case FLEET_M_REFUSED:
        fprintf(out, "Manifest %s: REFUSED (%s): %s\nThe reports alone, as without a manifest:\n", f->manifest_path,
                f->reason, f->msg);
        break;
    case FLEET_M_NONE:
        fprintf(out, "Manifest: no published manifest (%s is not there); the reports alone:\n", f->manifest_path);
        break;
    }
}

static void row_line(const struct fleet *f, const struct fleet_row *row, int named, FILE *out)
{
    const struct report_row *r = row->rep;
    int readable = r && r->status != REPORT_UNREADABLE;
    char server[41], published[24], applied[24], age[16], summ[512], *p;

    snprintf(server, sizeof(server), "%s", row->server);
    for (p = server; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = '?';
    if (named)
        snprintf(published, sizeof(published), "%lld", f->serial);
    else
        snprintf(published, sizeof(published), "-");
    if (readable && r->rep.serial)
        snprintf(applied, sizeof(applied), "%lld", r->rep.serial);
    else
        snprintf(applied, sizeof(applied), "-");
    if (readable)
        report_format_age(f->now - r->rep.time, age, sizeof(age));
    else
        snprintf(age, sizeof(age), "-");
    fleet_row_summary(f, row, named, summ, sizeof(summ));
    fprintf(out, "%-40s %-15s %9s %7s %-6s %7s  %s\n", server, fleet_status_name(row->status), published, applied,
            row->sha_match < 0 ? "-"
            : row->sha_match   ? "same"
                               : "other",
            age, summ);
    /* Under the row, as in the reports-alone table (docs/probe.md). */
    if (readable)
        report_print_probe_failures(&r->rep, out);
}

void fleet_print(const struct fleet *f, FILE *out)
{
    size_t i;
    int s;
    const char *sep = "";

    manifest_line(f, out);
    if (f->mstate == FLEET_M_NONE || f->mstate == FLEET_M_REFUSED) {
        report_fleet_print(&f->reports, out); /* the table as it always was */
        return;
    }
    fprintf(out, "%-40s %-15s %9s %7s %-6s %7s  %s\n", "SERVER", "STATUS", "PUBLISHED", "APPLIED", "SHA256", "AGE",
            "SUMMARY");
    for (i = 0; i < f->nrows; i++)
        row_line(f, &f->rows[i], 1, out);
    if (f->nothers) {
        fprintf(out, "Reports of servers not in the published manifest (not counted):\n");
        for (i = 0; i < f->nothers; i++)
            row_line(f, &f->others[i], 0, out);
    }
    fprintf(out, "%zu server%s in the manifest:", f->nrows, f->nrows == 1 ? "" : "s");
    for (s = 0; s < FLEET_NSTATUS; s++) {
        if (!f->counts[s])
            continue;
        fprintf(out, "%s %zu %s", sep, f->counts[s], fleet_status_name(s));
        sep = ",";
    }
    if (f->nothers)
        fprintf(out, "; %zu report%s apart", f->nothers, f->nothers == 1 ? "" : "s");
    fprintf(out, " (silent: no report for %llds)\n", f->stale_after);
}

/* Building the object: each add checked once, at the end, through ok. */
struct jb {
    int ok;
};

static cJSON *chk(struct jb *b, cJSON *v)
{
    if (!v)
        b->ok = 0;
    return v;
}

/* A string from a report or the manifest: well-formed UTF-8, no control characters. */
static void add_text(struct jb *b, cJSON *o, const char *name, const char *s)
{
    char *t;

    if (!s) {
        chk(b, cJSON_AddNullToObject(o, name));
        return;
    }
    if (!(t = fleet_text(s))) {
        b->ok = 0;
        return;
    }
    chk(b, cJSON_AddStringToObject(o, name, t));
    free(t);
}

static void add_num(struct jb *b, cJSON *o, const char *name, int present, double v)
{
    chk(b, present ? cJSON_AddNumberToObject(o, name, v) : cJSON_AddNullToObject(o, name));
}

static void add_time(struct jb *b, cJSON *o, const char *name, long long t)
{
    char iso[21];

    if (t < 0) {
        chk(b, cJSON_AddNullToObject(o, name));
        return;
    }
    report_format_time(t, iso);
    chk(b, cJSON_AddStringToObject(o, name, iso));
}

static cJSON *row_json(struct jb *b, const struct fleet *f, const struct fleet_row *row, int named)
{
    const struct report_row *r = row->rep;
    const struct report *rep = r && r->status != REPORT_UNREADABLE ? &r->rep : NULL;
    cJSON *o = chk(b, cJSON_CreateObject()), *a, *it, *ref, *pb;
    char summ[512];
    size_t i;

    if (!o)
        return NULL;
    add_text(b, o, "server", row->server);
    chk(b, cJSON_AddBoolToObject(o, "named", named));
    chk(b, cJSON_AddStringToObject(o, "status", fleet_status_name(row->status)));
    add_num(b, o, "published_serial", named && f->mstate != FLEET_M_NONE && f->mstate != FLEET_M_REFUSED,
            (double)f->serial);
    add_num(b, o, "applied_serial", rep != NULL, rep ? (double)rep->serial : 0);
    chk(b, row->sha_match < 0 ? cJSON_AddNullToObject(o, "sha256_match")
                              : cJSON_AddBoolToObject(o, "sha256_match", row->sha_match));
    add_text(b, o, "report", r ? r->file : NULL);
    add_time(b, o, "time", rep ? rep->time : -1);
    add_num(b, o, "age_seconds", rep != NULL, rep ? (double)(f->now - rep->time) : 0);
    add_text(b, o, "mode", rep ? (rep->monitor ? "monitor" : "apply") : NULL);
    chk(b, cJSON_AddBoolToObject(o, "restart_pending", rep && rep->restart_pending));
    add_text(b, o, "restart_slot", row->slot);
    add_time(b, o, "next_restart", row->next_restart);
    fleet_row_summary(f, row, named, summ, sizeof(summ));
    add_text(b, o, "summary", summ);
    add_text(b, o, "problem", r && r->status == REPORT_UNREADABLE ? r->problem : NULL);
    add_num(b, o, "planned", rep != NULL, rep ? (double)rep->planned : 0);
    add_num(b, o, "applied", rep != NULL, rep ? (double)rep->applied : 0);
    add_num(b, o, "drift", rep != NULL, rep ? (double)rep->drift : 0);
    if ((a = chk(b, cJSON_AddArrayToObject(o, "changes"))))
        for (i = 0; rep && i < rep->nchanges && i < FLEET_MAX_LISTED; i++) {
            if (!(it = chk(b, cJSON_CreateObject())))
                break;
            cJSON_AddItemToArray(a, it);
            add_text(b, it, "action", rep->changes[i].action);
            add_text(b, it, "class", rep->changes[i].cls);
            add_text(b, it, "key", rep->changes[i].key);
            add_text(b, it, "rule", rep->changes[i].rule);
            chk(b, cJSON_AddBoolToObject(it, "applied", rep->changes[i].applied));
        }
    add_num(b, o, "changes_total", 1, rep ? (double)rep->nchanges : 0);
    if ((a = chk(b, cJSON_AddArrayToObject(o, "errors"))))
        for (i = 0; rep && i < rep->nerrors && i < FLEET_MAX_LISTED; i++) {
            if (!(it = chk(b, cJSON_CreateObject())))
                break;
            cJSON_AddItemToArray(a, it);
            add_text(b, it, "message", rep->errors[i].message);
            add_text(b, it, "rule", rep->errors[i].rule);
        }
    add_num(b, o, "errors_total", 1, rep ? (double)rep->nerrors : 0);
    if (rep && rep->refusal_reason) {
        if ((ref = chk(b, cJSON_AddObjectToObject(o, "refusal")))) {
            add_text(b, ref, "reason", rep->refusal_reason);
            add_text(b, ref, "message", rep->refusal_message);
        }
    } else {
        chk(b, cJSON_AddNullToObject(o, "refusal"));
    }
    /* The report's probe as the agent wrote it, each check with its verdict; null when
     * no probe ran there. */
    if (rep && rep->probe) {
        if ((pb = chk(b, cJSON_AddObjectToObject(o, "probe")))) {
            chk(b, cJSON_AddBoolToObject(pb, "passed", rep->probe->passed));
            add_text(b, pb, "tls", rep->probe->tls);
            if ((a = chk(b, cJSON_AddArrayToObject(pb, "checks"))))
                for (i = 0; i < rep->probe->n && i < FLEET_MAX_LISTED; i++) {
                    const struct report_probe_check *c = &rep->probe->v[i];
                    if (!(it = chk(b, cJSON_CreateObject())))
                        break;
                    cJSON_AddItemToArray(a, it);
                    add_text(b, it, "node", c->node);
                    add_text(b, it, "check", c->check);
                    add_text(b, it, "result", c->result);
                    add_text(b, it, "rule", c->rule);
                    add_text(b, it, "target", c->target);
                    add_text(b, it, "cause", c->cause);
                    add_text(b, it, "message", c->message);
                }
            add_num(b, pb, "checks_total", 1, (double)rep->probe->n);
        }
    } else {
        chk(b, cJSON_AddNullToObject(o, "probe"));
    }
    return o;
}

char *fleet_to_json(const struct fleet *f)
{
    struct jb b = {1};
    cJSON *root = chk(&b, cJSON_CreateObject()), *m, *a, *c, *row;
    int verified = f->mstate == FLEET_M_VERIFIED, parsed = verified || f->mstate == FLEET_M_UNVERIFIED;
    char *text = NULL;
    size_t i;
    int s;

    if (!root)
        return NULL;
    chk(&b, cJSON_AddNumberToObject(root, "format", 1));
    add_time(&b, root, "generated", f->now);
    chk(&b, cJSON_AddNumberToObject(root, "stale_after", (double)f->stale_after));
    add_text(&b, root, "reports_dir", f->reports_dir);
    if ((m = chk(&b, cJSON_AddObjectToObject(root, "manifest")))) {
        add_text(&b, m, "path", f->manifest_path);
        chk(&b, cJSON_AddStringToObject(m, "state", fleet_manifest_name(f->mstate)));
        chk(&b, cJSON_AddBoolToObject(m, "verified", verified));
        add_num(&b, m, "serial", parsed, (double)f->serial);
        add_text(&b, m, "sha256", f->sha256[0] ? f->sha256 : NULL);
        add_text(&b, m, "signer", verified ? f->signer : NULL);
        add_text(&b, m, "reason", f->mstate == FLEET_M_REFUSED ? f->reason : NULL);
        add_text(&b, m, "message",
                 f->mstate == FLEET_M_NONE ? "no published manifest: the reports alone"
                 : verified                ? "signed by the pinned publisher, valid, its files matching their pins"
                                           : f->msg);
    }
    if ((a = chk(&b, cJSON_AddArrayToObject(root, "servers"))))
        for (i = 0; i < f->nrows; i++)
            if ((row = row_json(&b, f, &f->rows[i], parsed)))
                cJSON_AddItemToArray(a, row);
    if ((a = chk(&b, cJSON_AddArrayToObject(root, "others"))))
        for (i = 0; i < f->nothers; i++)
            if ((row = row_json(&b, f, &f->others[i], 0)))
                cJSON_AddItemToArray(a, row);
    if ((c = chk(&b, cJSON_AddObjectToObject(root, "counts"))))
        for (s = 0; s < FLEET_NSTATUS; s++)
            chk(&b, cJSON_AddNumberToObject(c, fleet_status_name(s), (double)f->counts[s]));
    chk(&b, cJSON_AddNumberToObject(root, "exit_status", fleet_exit(f)));
    if (b.ok)
        text = cJSON_Print(root);
    cJSON_Delete(root);
    return text;
}
