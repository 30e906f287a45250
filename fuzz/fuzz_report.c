/* libFuzzer target for the report reader: what `ocsfed status` reads from a share any
 * front end can write. Input: one report file. A report that parses must write back to
 * JSON that parses to the same values (its IM&P checklist writing back to the same
 * text), and print as a table row. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

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
    report_free(&r);
    return 0;
}
