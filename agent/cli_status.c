/* ocsfed status SHARE [--reports DIR]: the fleet table from the JSON reports in
 * SHARE/reports, or in DIR where the agents write them elsewhere (REPORTS_PATH).
 * Exit status 0 when every server is converged, 2 when some drift or wait for a restart (nothing worse),
 * 1 when any is failing, refused, silent, future-dated or unreadable (or none reported), and for
 * errors; 2 also for usage. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "report.h"
#include "strbuf.h"

int cmd_status(int argc, char **argv, FILE *out, FILE *err);

int cmd_status(int argc, char **argv, FILE *out, FILE *err)
{
    const char *share = NULL, *reports = NULL;
    struct strbuf dir = {0};
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
        } else if (strcmp(argv[i], "--reports") == 0 && i + 1 < argc) {
            reports = argv[++i];
        } else if (argv[i][0] != '-' && !share) {
            share = argv[i];
        } else {
            goto usage;
        }
    }
    if (!share)
        goto usage;
    if (!reports) {
        sb_printf(&dir, "%s/reports", share);
        if (dir.oom) {
            fprintf(err, "ocsfed: out of memory\n");
            return 1;
        }
        reports = sb_str(&dir);
    }
    status = 1;
    if (report_fleet_load(reports, (long long)time(NULL), stale, &f, &e) != OFD_OK) {
        fprintf(err, "ocsfed: %s\n", e.msg);
        goto out;
    }
    if (f.n == 0)
        fprintf(err, "ocsfed: no reports in %s\n", reports);
    report_fleet_print(&f, out);
    status = report_fleet_exit(&f);
    report_fleet_free(&f);
    goto out;
usage:
    cli_usage("status", err);
    status = 2;
out:
    sb_free(&dir);
    return status;
}
