#include "check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "manifest.h"
#include "plan.h"
#include "simnode.h"

#define MANIFEST_NAME "manifest.json"

static void emit(const struct check_env *env, enum check_event ev, const char *fmt, ...) OFD_PRINTF(3, 4);

static void emit(const struct check_env *env, enum check_event ev, const char *fmt, ...)
{
    char text[2048];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    if (env->event)
        env->event(env->ctx, ev, text);
}

enum ofd_code check_run(const struct check_config *cfg, const struct check_env *env, struct check_result *res,
                        ofd_err *e)
{
    struct manifest *m = NULL;
    struct diags d = {0};
    struct node node = {0};
    struct plan p;
    char path[1200], first[600] = "";
    struct check_result r;
    int planned = 0;
    enum ofd_code rc;

    memset(&r, 0, sizeof(r));
    memset(&p, 0, sizeof(p));
    snprintf(path, sizeof(path), "%s/%s", cfg->manifest_dir, MANIFEST_NAME);
    rc = manifest_load(path, 0, &m, &d, e);
    if (rc == OFD_E_INVALID && d.nerrors) {
        /* Nothing is done with a manifest that has an error: say which, and how many. */
        diags_sort(&d);
        diags_format(&d, 0, path, first, sizeof(first));
        r.outcome = CHECK_EV_REFUSED;
        emit(env, r.outcome, "%s has %zu error%s; nothing applied. First: %s", path, d.nerrors,
             d.nerrors == 1 ? "" : "s", first);
        rc = OFD_OK;
        goto out;
    }
    if (rc != OFD_OK)
        goto failed;
    r.serial = m->serial;
    if ((rc = env->open_node(env->ctx, cfg->node_spec, &node, e)) != OFD_OK)
        goto failed;
    if ((rc = plan_make(m, &node, env->now(env->ctx), &p, e)) != OFD_OK)
        goto failed;
    planned = 1;
    r.changes = p.n - p.counts[PLAN_UNCHANGED];
    if (!plan_has_changes(&p)) {
        r.outcome = CHECK_EV_CONVERGED;
        emit(env, r.outcome, "manifest serial %lld: %s is at the desired state", m->serial, p.server);
    } else if (cfg->monitor) {
        r.outcome = CHECK_EV_DRIFT;
        emit(env, r.outcome,
             "manifest serial %lld: %zu change%s pending on %s (%zu to create, %zu to update, %zu to delete%s); "
             "monitor mode changes nothing",
             m->serial, r.changes, r.changes == 1 ? "" : "s", p.server, p.counts[PLAN_CREATE], p.counts[PLAN_UPDATE],
             p.counts[PLAN_DELETE], p.counts[PLAN_RESTART] ? ", a Front End restart" : "");
    } else {
        rc = ofd_err_set(e, OFD_E_INTERNAL, "apply mode is not available in this build: set Mode to monitor");
        goto failed;
    }
    rc = OFD_OK;
    goto out;
failed:
    r.outcome = CHECK_EV_FAILED;
    emit(env, r.outcome, "%s", e ? e->msg : "check failed");
out:
    if (rc == OFD_OK && res)
        *res = r;
    if (planned)
        plan_free(&p);
    node_close(&node);
    manifest_free(m);
    diags_free(&d);
    return rc;
}
