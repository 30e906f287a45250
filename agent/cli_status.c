/* ocsfed status SHARE [--signer THUMBPRINT] [--reports DIR] [--stale-after SECONDS]
 * [--json] [--html FILE]: the fleet as the published SHARE/manifest.json names it (fleet.h),
 * verified against the publisher's thumbprint as the agents verify it, or labelled
 * UNVERIFIED; the reports from SHARE/reports, or from DIR where the agents write them
 * elsewhere (REPORTS_PATH). Exit status (fleet_exit): 0 every named server converged at
 * the published manifest; 2 some drifting, pending a restart or behind, nothing worse;
 * 1 any failing, refused, silent, future-dated, unreadable, without a report or at another manifest,
 * a manifest refused, no report at all without a manifest, and errors; 2 also for usage. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "cli.h"
#include "fleet.h"
#include "window.h"

int cmd_status(int argc, char **argv, FILE *out, FILE *err);

int cmd_status(int argc, char **argv, FILE *out, FILE *err)
{
    const char *signer = NULL, *html = NULL;
    struct fleet_options o;
    struct trust_anchor anchor;
    struct fleet f;
    char *end, *text = NULL;
    ofd_err e;
    int i, json = 0, status = 1;

    ofd_err_clear(&e);
    memset(&o, 0, sizeof(o));
    memset(&anchor, 0, sizeof(anchor));
    memset(&f, 0, sizeof(f));
    o.stale_after = REPORT_DEFAULT_STALE_AFTER;
    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--stale-after") == 0 && i + 1 < argc) {
            o.stale_after = strtoll(argv[++i], &end, 10);
            if (*end || end == argv[i] || o.stale_after < 1 || o.stale_after > 365LL * 86400)
                goto usage;
        } else if (strcmp(argv[i], "--reports") == 0 && i + 1 < argc) {
            o.reports_dir = argv[++i];
        } else if (strcmp(argv[i], "--signer") == 0 && i + 1 < argc) {
            signer = argv[++i];
        } else if (strcmp(argv[i], "--html") == 0 && i + 1 < argc) {
            html = argv[++i];
        } else if (strcmp(argv[i], "--json") == 0) {
            json = 1;
        } else if (argv[i][0] != '-' && !o.share) {
            o.share = argv[i];
        } else {
            goto usage;
        }
    }
    if (!o.share)
        goto usage;
    if (signer) {
        if (cs_thumbprint_parse(signer, anchor.tp, &e) != OFD_OK) {
            fprintf(err, "ocsfed: --signer: %s\n", e.msg);
            status = 2;
            goto out;
        }
        o.anchor = &anchor;
    }
    o.now = (long long)time(NULL);
    o.local_offset = window_local_offset(o.now);
    if (fleet_load(&o, &f, &e) != OFD_OK) {
        fprintf(err, "ocsfed: %s\n", e.msg);
        goto out;
    }
    if (f.mstate == FLEET_M_REFUSED && json) /* the text view says it at its top */
        fprintf(err, "ocsfed: %s refused (%s): %s\n", f.manifest_path, f.reason, f.msg);
    if (f.nrows == 0 && f.mstate != FLEET_M_VERIFIED && f.mstate != FLEET_M_UNVERIFIED)
        fprintf(err, "ocsfed: no reports in %s\n", f.reports_dir);
    if (html && fleet_write_html(&f, html, &e) != OFD_OK) {
        fprintf(err, "ocsfed: %s\n", e.msg);
        goto out;
    }
    if (json) {
        if (!(text = fleet_to_json(&f))) {
            fprintf(err, "ocsfed: out of memory\n");
            goto out;
        }
        fprintf(out, "%s\n", text);
    } else {
        fleet_print(&f, out);
        if (html)
            fprintf(out, "The fleet page: %s\n", html);
    }
    status = fleet_exit(&f);
    goto out;
usage:
    cli_usage("status", err);
    status = 2;
out:
    cJSON_free(text);
    fleet_free(&f);
    return status;
}
