/* libFuzzer target for the report reader: what `ocsfed status` reads from a share any
 * front end can write. Input: one report file. A report that parses must write back to
 * JSON that parses to the same values (its IM&P checklist writing back to the same
 * text), print as a table row, and go through the fleet view's printers (fleet.h) as a
 * named server and as one apart: the JSON must parse, and the page's tags must all be
 * its own (nothing from the report becomes markup). */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "fleet.h"
#include "report.h"

/* 1 when every '<' of the page opens one of the template's tags. */
static int only_own_tags(const char *page)
{
    static const char *const own[] = {
        "!DOCTYPE", "html",  "head",  "meta", "title", "style", "body", "header",  "main", "h1", "h2",   "p",     "a",
        "table",    "thead", "tbody", "tr",   "th",    "td",    "span", "section", "ul",   "li", "code", "small", NULL};
    const char *p = page;
    size_t n, i;

    while ((p = strchr(p, '<')) != NULL) {
        p += p[1] == '/' ? 2 : 1;
        n = strcspn(p, " >");
        for (i = 0; own[i]; i++)
            if (strlen(own[i]) == n && strncmp(p, own[i], n) == 0)
                break;
        if (!own[i])
            return 0;
    }
    return 1;
}

/* The fleet view's printers over this report, as a named server and as one apart. */
static void fleet_views(const struct report_row *row)
{
    struct fleet f;
    struct fleet_row rows[2];
    char *page, *json;
    cJSON *j;

    memset(&f, 0, sizeof(f));
    memset(rows, 0, sizeof(rows));
    f.mstate = FLEET_M_VERIFIED;
    f.manifest_path = (char *)"share/manifest.json";
    f.reports_dir = (char *)"share/reports";
    f.serial = 12;
    memset(f.sha256, 'a', 64);
    memset(f.signer, 'A', 40);
    f.has_window = 1;
    f.now = 1795546800LL;
    f.stale_after = REPORT_DEFAULT_STALE_AFTER;
    rows[0].server = (char *)"fe1.example.com";
    rows[0].rep = row;
    rows[0].status = row->rep.serial < 12 ? FLEET_BEHIND : (int)row->status;
    rows[0].sha_match = row->rep.sha256 != NULL;
    rows[0].slot = (char *)"sat,sun 02:00-04:00 utc";
    rows[0].next_restart = row->rep.restart_pending ? f.now + 3600 : -1;
    rows[1] = rows[0];
    rows[1].server = row->rep.server;
    rows[1].status = (int)row->status;
    f.rows = &rows[0];
    f.nrows = 1;
    f.others = &rows[1];
    f.nothers = 1;
    f.counts[rows[0].status] = 1;
    if ((page = fleet_to_html(&f, NULL)) != NULL) {
        if (!only_own_tags(page))
            abort(); /* text from the report became markup */
        free(page);
    }
    if ((json = fleet_to_json(&f)) != NULL) {
        if (!(j = cJSON_Parse(json)))
            abort();
        cJSON_Delete(j);
        cJSON_free(json);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct report r, back;
    struct report_fleet f;
    struct report_row row;
    char *json = NULL;
    FILE *devnull;
    ofd_err e;

    memset(&row, 0, sizeof(row));
    if (report_parse((const char *)data, size, &r, &e) != OFD_OK)
        return 0;
    if ((json = report_to_json(&r)) != NULL) {
        if (report_parse(json, strlen(json), &back, &e) != OFD_OK)
            abort(); /* what we write we must read */
        if (back.time != r.time || back.serial != r.serial || back.status != r.status || back.nchanges != r.nchanges
            || back.nerrors != r.nerrors || strcmp(back.server, r.server) != 0 || !back.imp != !r.imp)
            abort();
        if (r.imp) {
            char *a = imp_checklist_to_json(r.imp), *b = imp_checklist_to_json(back.imp);
            if (a && b && strcmp(a, b) != 0)
                abort();
            free(a);
            free(b);
        }
        report_free(&back);
        free(json);
    }
    /* The table row, through the same printer `ocsfed status` uses. */
    memset(&f, 0, sizeof(f));
    row.file = (char *)"fuzz.json";
    row.rep = r;
    row.status = report_classify(&r, 1795546800LL, REPORT_DEFAULT_STALE_AFTER);
    f.v = &row;
    f.n = 1;
    f.counts[row.status] = 1;
    f.now = 1795546800LL;
    f.stale_after = REPORT_DEFAULT_STALE_AFTER;
    if ((devnull = fopen("/dev/null", "w")) != NULL) {
        report_fleet_print(&f, devnull);
        if (r.imp)
            imp_checklist_print_text(r.imp, NULL, "fuzz.json", devnull);
        fclose(devnull);
    }
    (void)report_fleet_exit(&f);
    fleet_views(&row);
    report_free(&r);
    return 0;
}
