/* ocsfed status SHARE: the fleet table from the JSON reports in SHARE/reports.
 * Exit status 0 when every server is converged, 2 when some drift or wait for a restart (nothing worse),
 * 1 when any is failing, refused, silent or unreadable (or none reported), and for
 * errors; 2 also for usage. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "report.h"

int cmd_status(int argc, char **argv, FILE *out, FILE *err);

int cmd_status(int argc, char **argv, FILE *out, FILE *err)
{
    const char *share = NULL;
    long long stale = REPORT_DEFAULT_STALE_AFTER;
    struct report_fleet f;
    char *end;
    ofd_err e;
    int i, status;

    ofd_err_clear(&e);
    memset(&f, 0, sizeof(f));
    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--stale-after") == 0 && i + 1 < argc) {
            stale = strtoll(argv[++i], &end, 10);
            if (*end || end == argv[i] || stale < 1 || stale > 365LL * 86400)
                goto usage;
        } else if (argv[i][0] != '-' && !share) {
            share = argv[i];
        } else {
            goto usage;
        }
    }
    if (!share)
        goto usage;
    if (report_fleet_load(share, (long long)time(NULL), stale, &f, &e) != OFD_OK) {
        fprintf(err, "ocsfed: %s\n", e.msg);
        return 1;
    }
    if (f.n == 0)
        fprintf(err, "ocsfed: no reports in %s/reports\n", share);
    report_fleet_print(&f, out);
    status = report_fleet_exit(&f);
    report_fleet_free(&f);
    return status;
usage:
    fprintf(err, "usage: ocsfed status SHARE [--stale-after SECONDS]\n");
    return 2;
}
