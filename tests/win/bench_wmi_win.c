/* bench_wmi: WMI calls per check of the agent's WMI node against the OCS stand-in
 * (under Wine), seeded with the example Enterprise Edition front end:
 *  - a check with nothing to change: target one query per OCS class read, no write;
 *  - a check after k entries drifted (k authorized hosts deleted behind ocsfed's back):
 *    target k WMI writes;
 *  - the time of such a check.
 * Prints "ROW|what|figure|target|ok" lines for scripts/bench.sh. Argument: examples/. */
#define COBJMACROS
#include <windows.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apply.h"
#include "manifest.h"
#include "ocs_model.h"
#include "ocs_standin.h"
#include "plan.h"
#include "standin_seed.h"
#include "wmi_node.h"

#define NOW 1796000000LL

static double now_s(void)
{
    LARGE_INTEGER f, c;

    QueryPerformanceFrequency(&f);
    QueryPerformanceCounter(&c);
    return (double)c.QuadPart / (double)f.QuadPart;
}

/* One check: plan, then apply (outside the window). */
static enum ofd_code check(const struct manifest *m, struct node *n, struct apply_result *res, size_t *changes,
                           ofd_err *e)
{
    struct apply_options opt;
    struct plan p;
    enum ofd_code rc;

    memset(&opt, 0, sizeof(opt));
    opt.journal = "bench_wmi_journal.jsonl";
    if ((rc = plan_make(m, n, &(struct plan_options){.now = NOW}, &p, e)) != OFD_OK)
        return rc;
    *changes = p.counts[PLAN_CREATE] + p.counts[PLAN_UPDATE] + p.counts[PLAN_DELETE];
    rc = apply_run(&p, n, &opt, res, e);
    plan_free(&p);
    return rc;
}

int main(int argc, char **argv)
{
    static const size_t ks[] = {1, 2, 4};
    struct ocs_standin *st = NULL;
    struct ocs_standin_counts cnt;
    struct manifest *m = NULL;
    struct diags d = {0};
    struct node n = {0};
    struct wmi_node_config cfg;
    struct apply_result res;
    char path[1024];
    size_t changes, i, k, classes = 0;
    double t0, t1;
    int rc = 1, ok;
    ofd_err e;

    if (argc != 2) {
        fprintf(stderr, "usage: bench_wmi EXAMPLES_DIR\n");
        return 2;
    }
    if (FAILED(CoInitializeEx(NULL, COINIT_MULTITHREADED)))
        return 1;
    for (i = 0; i < ocs_class_count(); i++)
        classes += ocs_class_at(i)->wmi;
    snprintf(path, sizeof(path), "%s/tls-enterprise.json", argv[1]);
    if (manifest_load(path, 0, &m, &d, &e) != OFD_OK) {
        fprintf(stderr, "bench_wmi: %s: %s\n", path, e.msg);
        goto out;
    }
    remove("bench_wmi_owned.json");
    snprintf(path, sizeof(path), "%s/nodes/fe1-enterprise.json", argv[1]);
    /* The example's certificate with a private key: one without is refused (R14). */
    if (!(st = ocs_standin_new()) || standin_seed_keyed(st, path, "bench_wmi_fe1.json", &e) != OFD_OK) {
        fprintf(stderr, "bench_wmi: seeding: %s\n", e.msg);
        goto out;
    }
    memset(&cfg, 0, sizeof(cfg));
    cfg.svc = ocs_standin_services(st);
    cfg.fqdn = "fe1.example.com";
    cfg.owned_path = "bench_wmi_owned.json";
    if (wmi_node_open(&cfg, &n, &e) != OFD_OK || check(m, &n, &res, &changes, &e) != OFD_OK) {
        fprintf(stderr, "bench_wmi: first apply: %s\n", e.msg);
        goto out;
    }

    /* Nothing to change. */
    ocs_standin_reset_counts(st);
    t0 = now_s();
    if (check(m, &n, &res, &changes, &e) != OFD_OK) {
        fprintf(stderr, "bench_wmi: %s\n", e.msg);
        goto out;
    }
    t1 = now_s();
    ocs_standin_counts(st, &cnt);
    ok = changes == 0 && cnt.puts + cnt.deletes == 0 && cnt.queries <= classes - 1;
    printf("check with nothing to change: %lu queries, %lu gets, %lu writes, %.1f ms\n", cnt.queries, cnt.get_objects,
           cnt.puts + cnt.deletes, (t1 - t0) * 1000);
    printf("ROW|WMI calls per check, nothing to change (stand-in, Wine)|%lu queries, %lu writes|"
           "one query per OCS class read (%zu), 0 writes|%s\n",
           cnt.queries, cnt.puts + cnt.deletes, classes - 1, ok ? "yes" : "NO");
    rc = ok ? 0 : 1;

    /* k entries drifted: k authorized hosts deleted behind ocsfed's back. */
    for (k = 0; k < sizeof(ks) / sizeof(ks[0]); k++) {
        struct node_instances l = {0};
        size_t deleted = 0;

        if (n.ops->instances(n.ctx, OCS_CLASS_HOST, &l, &e) != OFD_OK)
            goto out;
        for (i = 0; i < l.n && deleted < ks[k]; i++) {
            const struct node_value *srv = node_instance_get(&l.v[i], "Server");
            const struct node_value *id = node_instance_get(&l.v[i], "InstanceID");
            /* the four hosts the manifest names; edge.example.com is not ocsfed's */
            if (srv && srv->s && strcmp(srv->s, "edge.example.com") != 0 && id && id->s
                && n.ops->delete_instance(n.ctx, OCS_CLASS_HOST, id->s, &e) == OFD_OK)
                deleted++;
        }
        node_instances_free(&l);
        ocs_standin_reset_counts(st);
        t0 = now_s();
        if (check(m, &n, &res, &changes, &e) != OFD_OK) {
            fprintf(stderr, "bench_wmi: %s\n", e.msg);
            rc = 1;
            goto out;
        }
        t1 = now_s();
        ocs_standin_counts(st, &cnt);
        ok = deleted == ks[k] && cnt.puts + cnt.deletes == ks[k];
        printf("check with %zu drifted entries: %lu queries, %lu writes (%zu changes planned), %.1f ms\n", ks[k],
               cnt.queries, cnt.puts + cnt.deletes, changes, (t1 - t0) * 1000);
        printf("ROW|WMI writes per check, %zu entries drifted (stand-in, Wine)|%lu writes, %.1f ms|%zu writes|%s\n",
               ks[k], cnt.puts + cnt.deletes, (t1 - t0) * 1000, ks[k], ok ? "yes" : "NO");
        if (!ok)
            rc = 1;
    }
out:
    node_close(&n);
    if (st) {
        if (ocs_standin_outstanding(st)) {
            fprintf(stderr, "bench_wmi: %ld COM references outstanding\n", ocs_standin_outstanding(st));
            rc = 1;
        }
        ocs_standin_free(st);
    }
    manifest_free(m);
    diags_free(&d);
    CoUninitialize();
    return rc;
}
