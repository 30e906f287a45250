/* ocsfed apply MANIFEST [--node sim:FILE] [--now SECONDS]: plans, then applies all or
 * nothing, to a simulated node or (no --node, Windows) this server. Exit status: 0 the node is at the desired state (a restart may be pending
 * until the maintenance window), 1 error (after rollback), 2 usage.
 * The journal is FILE.journal (this server's: nodespec.h); one left by an apply cut
 * short is recovered (that apply undone) before anything is planned. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "apply.h"
#include "cli_apply.h"
#include "manifest.h"
#include "nodespec.h"
#include "plan.h"
#include "simnode.h"

int cmd_apply(int argc, char **argv, FILE *out, FILE *err)
{
    const char *mpath = NULL, *nodespec = NULL;
    struct manifest *m = NULL;
    struct diags d = {0};
    struct node node = {0};
    struct apply_options opt;
    struct apply_result res;
    struct apply_recovery rec;
    struct plan p;
    char *journal = NULL;
    long long now = (long long)time(NULL);
    int i, planned = 0, status = 1;
    ofd_err e;

    ofd_err_clear(&e);
    memset(&p, 0, sizeof(p));
    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--node") == 0 && i + 1 < argc)
            nodespec = argv[++i];
        else if (strcmp(argv[i], "--now") == 0 && i + 1 < argc)
            now = strtoll(argv[++i], NULL, 10);
        else if (argv[i][0] != '-' && !mpath)
            mpath = argv[i];
        else
            break;
    }
    if (i < argc || !mpath) {
        fprintf(err, "usage: ocsfed apply MANIFEST [--node sim:FILE] [--now SECONDS]\n");
        return 2;
    }
    if (manifest_load(mpath, 0, &m, &d, &e) != OFD_OK) {
        diags_print(&d, mpath, err);
        fprintf(err, "%s: %s; nothing applied\n", mpath, d.nerrors ? "the manifest has errors" : e.msg);
        goto out;
    }
    if (nodespec_open(nodespec, &node, &journal, &e) != OFD_OK) {
        fprintf(err, "ocsfed: %s; nothing applied\n", e.msg);
        goto out;
    }
    if (apply_recover(journal, &node, &rec, &e) != OFD_OK) {
        fprintf(err, "ocsfed: %s; nothing applied\n", e.msg);
        goto out;
    }
    if (rec.found)
        fprintf(out, "recovered an interrupted apply: %zu journaled write%s undone (%s)%s\n", rec.undone,
                rec.undone == 1 ? "" : "s", journal, rec.torn ? "; its last entry was cut short" : "");
    if (plan_make(m, &node, now, &p, &e) != OFD_OK) {
        fprintf(err, "ocsfed: %s%s%s%s; nothing applied\n", e.rule[0] ? "[" : "", e.rule, e.rule[0] ? "] " : "",
                e.msg);
        goto out;
    }
    planned = 1;
    memset(&opt, 0, sizeof(opt));
    opt.restart_allowed = apply_in_window(&m->window, now, apply_local_offset(now));
    opt.journal = journal;
    if (apply_run(&p, &node, &opt, &res, &e) != OFD_OK) {
        fprintf(err, "ocsfed: apply failed: %s%s%s%s\n", e.rule[0] ? "[" : "", e.rule, e.rule[0] ? "] " : "", e.msg);
        if (res.rolled_back)
            fprintf(err, "ocsfed: rollback: %s\n",
                    res.rollback_rc == OFD_OK ? "every change undone; the node is as it was" : res.rollback_msg);
        goto out;
    }
    if (res.writes == 0) {
        fprintf(out, "%s: nothing to change (manifest serial %lld)%s\n", p.server, m->serial,
                res.restart_pending ? "; a Front End restart waits for the maintenance window (R19)" : "");
    } else {
        plan_print_text(&p, out);
        fprintf(out, "applied %zu change%s to %s (%zu writes, each read back)%s\n", res.applied,
                res.applied == 1 ? "" : "s", p.server, res.writes,
                res.restart_done      ? "; Front End restarted (R19)"
                : res.restart_pending ? "; restart pending until the maintenance window (R19)"
                                      : "");
    }
    status = 0;
out:
    free(journal);
    if (planned)
        plan_free(&p);
    node_close(&node);
    manifest_free(m);
    diags_free(&d);
    return status;
}
