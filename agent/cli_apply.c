/* ocsfed apply MANIFEST [--node sim:FILE] [--now SECONDS] [--json] [--verbose]: plans,
 * then applies all or nothing, to a simulated node or (no --node, Windows) this server.
 * --json prints the outcome as one JSON object (below) instead of the text; --verbose
 * lists the entries left alone. Exit status: 0 the node is at the desired state (a restart may be pending
 * until the maintenance window), 1 error (after rollback), 2 usage.
 * The journal is FILE.journal (this server's: nodespec.h); one left by an apply cut
 * short is recovered (that apply undone) before anything is planned. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "cli.h"
#include "apply.h"
#include "cli_apply.h"
#include "manifest.h"
#include "nodespec.h"
#include "plan.h"
#include "simnode.h"
#include "window.h"

/* How long `ocsfed apply` waits for another apply on the same node to finish. */
#define APPLY_CLI_LOCK_WAIT_MS 600000u

/* {"result": "applied" | "nothing_to_change" | "failed", "server", "serial",
 *  "recovered": {"writes_undone", "torn", "gone", "gone_message"} | null, "applied", "writes",
 *  "restart": "done" | "pending" | "none", "error": {"rule", "message"} | null,
 *  "rollback": {"ok", "message"} | null, "plan": the plan's JSON (ocsfed plan --json) | null} */
/* The rollback's outcome in words: it failed, it left an entry someone else deleted
 * since (apply.h: rollback_gone), or it put everything back. */
static const char *rollback_words(const struct apply_result *res)
{
    return res->rollback_rc != OFD_OK || res->rollback_gone ? res->rollback_msg
                                                            : "every change undone; the node is as it was";
}

static void print_json(FILE *out, const struct plan *p, const struct manifest *m, const struct apply_recovery *rec,
                       const struct apply_result *res, const ofd_err *e, int failed)
{
    cJSON *o = cJSON_CreateObject(), *x;
    char *plan = p ? plan_to_json(p) : NULL, *text = NULL;

    if (!o)
        goto out;
    cJSON_AddStringToObject(o, "result", failed ? "failed" : res && res->writes ? "applied" : "nothing_to_change");
    if (p && p->server)
        cJSON_AddStringToObject(o, "server", p->server);
    else
        cJSON_AddNullToObject(o, "server");
    if (m)
        cJSON_AddNumberToObject(o, "serial", (double)m->serial);
    else
        cJSON_AddNullToObject(o, "serial");
    if (rec && rec->found && (x = cJSON_AddObjectToObject(o, "recovered"))) {
        cJSON_AddNumberToObject(x, "writes_undone", (double)rec->undone);
        cJSON_AddBoolToObject(x, "torn", rec->torn);
        cJSON_AddNumberToObject(x, "gone", (double)rec->gone);
        if (rec->gone)
            cJSON_AddStringToObject(x, "gone_message", rec->gone_msg);
        else
            cJSON_AddNullToObject(x, "gone_message");
    } else {
        cJSON_AddNullToObject(o, "recovered");
    }
    cJSON_AddNumberToObject(o, "applied", res ? (double)res->applied : 0);
    cJSON_AddNumberToObject(o, "writes", res ? (double)res->writes : 0);
    cJSON_AddStringToObject(o, "restart",
                            res && res->restart_done      ? "done"
                            : res && res->restart_pending ? "pending"
                                                          : "none");
    if (failed && (x = cJSON_AddObjectToObject(o, "error"))) {
        if (e->rule[0])
            cJSON_AddStringToObject(x, "rule", e->rule);
        else
            cJSON_AddNullToObject(x, "rule");
        cJSON_AddStringToObject(x, "message", e->msg);
    } else {
        cJSON_AddNullToObject(o, "error");
    }
    if (failed && res && res->rolled_back && (x = cJSON_AddObjectToObject(o, "rollback"))) {
        cJSON_AddBoolToObject(x, "ok", res->rollback_rc == OFD_OK);
        cJSON_AddStringToObject(x, "message", rollback_words(res));
    } else {
        cJSON_AddNullToObject(o, "rollback");
    }
    if (plan && (x = cJSON_Parse(plan)))
        cJSON_AddItemToObject(o, "plan", x);
    else
        cJSON_AddNullToObject(o, "plan");
    if ((text = cJSON_Print(o)))
        fprintf(out, "%s\n", text);
out:
    cJSON_free(text);
    free(plan);
    cJSON_Delete(o);
}

int cmd_apply(int argc, char **argv, FILE *out, FILE *err)
{
    char when[256];
    const char *mpath = NULL, *nodespec = NULL;
    struct manifest *m = NULL;
    struct diags d = {0};
    struct node node = {0};
    struct apply_options opt;
    struct apply_result res;
    struct apply_recovery rec;
    struct plan p;
    struct plan_options po;
    struct ofd_lock *lock = NULL;
    char *journal = NULL, *password = NULL;
    long long now = (long long)time(NULL);
    int i, planned = 0, applied = 0, as_json = 0, restart_now = 0, verbose = 0, status = 1;
    ofd_err e;

    ofd_err_clear(&e);
    memset(&p, 0, sizeof(p));
    memset(&rec, 0, sizeof(rec));
    memset(&res, 0, sizeof(res));
    memset(&po, 0, sizeof(po));
    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--node") == 0 && i + 1 < argc)
            nodespec = argv[++i];
        else if (strcmp(argv[i], "--now") == 0 && i + 1 < argc)
            now = strtoll(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--json") == 0)
            as_json = 1;
        else if (strcmp(argv[i], "--restart-now") == 0)
            restart_now = 1;
        else if (strcmp(argv[i], "--verbose") == 0)
            verbose = 1;
        else if (argv[i][0] != '-' && !mpath)
            mpath = argv[i];
        else
            break;
    }
    if (i < argc || !mpath) {
        cli_usage("apply", err);
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
    /* One apply at a time on a node, from the recovery to the end: a second one waits,
     * and never takes the first one's live journal for a crashed apply. */
    if (apply_lock(journal, APPLY_CLI_LOCK_WAIT_MS, &lock, &e) != OFD_OK) {
        fprintf(err, "ocsfed: %s\n", e.msg);
        goto out;
    }
    if (apply_recover(journal, &node, &rec, &e) != OFD_OK) {
        fprintf(err, "ocsfed: %s; nothing applied\n", e.msg);
        goto out;
    }
    if (rec.found && !as_json)
        fprintf(out, "recovered an interrupted apply: %zu journaled write%s undone (%s)%s%s%s%s\n", rec.undone,
                rec.undone == 1 ? "" : "s", journal, rec.torn ? "; its last entry was cut short" : "",
                rec.gone ? "; " : "", rec.gone ? rec.gone_msg : "",
                rec.restart_pending ? "; it had restarted the Front End: the restart that loads the restored "
                                      "settings is pending (R19)"
                                    : "");
    po.now = now;
    po.pfx_password = password = nodespec_pfx_password();
    if (plan_make(m, &node, &po, &p, &e) != OFD_OK) {
        fprintf(err, "ocsfed: %s%s%s%s; nothing applied\n", e.rule[0] ? "[" : "", e.rule, e.rule[0] ? "] " : "", e.msg);
        goto out;
    }
    planned = 1;
    memset(&opt, 0, sizeof(opt));
    opt.restart_allowed = restart_now || window_restart_allowed(m, p.server, now, window_local_offset(now));
    opt.journal = journal;
    opt.pfx_password = password;
    applied = 1;
    if (apply_run(&p, &node, &opt, &res, &e) != OFD_OK) {
        fprintf(err, "ocsfed: apply failed: %s%s%s%s\n", e.rule[0] ? "[" : "", e.rule, e.rule[0] ? "] " : "", e.msg);
        if (res.rolled_back)
            fprintf(err, "ocsfed: rollback: %s\n", rollback_words(&res));
        goto out;
    }
    if (as_json) {
        /* printed below */
    } else if (res.writes == 0) {
        fprintf(out, "%s: nothing to change (manifest serial %lld)%s%s\n", p.server, m->serial,
                res.restart_pending ? "; the Front End restart (R19) waits: it happens " : "",
                res.restart_pending ? plan_restart_when(&p, when, sizeof(when)) : "");
    } else {
        plan_print_text_ex(&p, verbose, out);
        fprintf(out, "applied %zu change%s to %s (%zu writes, each read back)%s%s\n", res.applied,
                res.applied == 1 ? "" : "s", p.server, res.writes,
                res.restart_done      ? "; Front End restarted (R19)"
                : res.restart_pending ? "; restart pending (R19): it happens "
                                      : "",
                res.restart_pending ? plan_restart_when(&p, when, sizeof(when)) : "");
    }
    /* The confirmed apply is the agent's (check.c): it holds the journal while it
     * probes. Here the apply stands as it is; the probe is one command away. */
    if (m->confirm.probe && !as_json)
        fprintf(out,
                "note: the manifest asks for a confirmed apply (confirm); that is the agent's, and this apply is "
                "not probed or undone: run 'ocsfed probe %s' to check the path to IM&P\n",
                mpath);
    status = 0;
out:
    if (as_json)
        print_json(out, planned ? &p : NULL, m, &rec, applied ? &res : NULL, &e, status != 0);
    ofd_lock_release(lock);
    nodespec_password_free(password);
    free(journal);
    if (planned)
        plan_free(&p);
    node_close(&node);
    manifest_free(m);
    diags_free(&d);
    return status;
}
