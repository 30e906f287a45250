/* apply on a simulated front end: converges and then has nothing to do, writes
 * nothing the second time, and for a fault at every write of a realistic TLS plan
 * leaves the node file byte for byte as it was. Argument: the examples/ folder. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "apply.h"
#include "fsutil.h"
#include "manifest.h"
#include "node_fault.h"
#include "plan.h"
#include "simnode.h"
#include "strbuf.h"

#define NODE "apply_node.json"
#define NOW 1796000000LL /* 2026-11-29: the example certificates are valid */

static const char *examples;

static struct manifest *load_manifest(void)
{
    struct manifest *m = NULL;
    struct diags d = {0};
    char path[1024];
    ofd_err e;

    snprintf(path, sizeof(path), "%s/tls-enterprise.json", examples);
    assert_int_equal(manifest_load(path, 0, &m, &d, &e), OFD_OK);
    diags_free(&d);
    return m;
}

/* A fresh copy of the example front end, saved once by the node itself so that the
 * file is in the form every later save writes. */
static void fresh_node(void)
{
    struct node n = {0};
    struct node_owned o = {0};
    char src[1024], *text = NULL;
    size_t len = 0;
    ofd_err e;

    snprintf(src, sizeof(src), "%s/nodes/fe1-enterprise.json", examples);
    assert_int_equal(ofd_read_file(src, 1u << 24, &text, &len, &e), OFD_OK);
    assert_int_equal(ofd_write_file_atomic(NODE, text, len, &e), OFD_OK);
    free(text);
    assert_int_equal(simnode_open(NODE, &n, &e), OFD_OK);
    assert_int_equal(n.ops->owned(n.ctx, &o, &e), OFD_OK);
    assert_int_equal(n.ops->set_owned(n.ctx, &o, &e), OFD_OK);
    node_owned_free(&o);
    node_close(&n);
}

static char *file_bytes(size_t *len)
{
    char *text = NULL;
    ofd_err e;

    assert_int_equal(ofd_read_file(NODE, 1u << 24, &text, len, &e), OFD_OK);
    return text;
}

/* Plans m against the node file; returns the number of changes (not unchanged). */
static size_t plan_once(const struct manifest *m, struct plan *p)
{
    struct node n = {0};
    ofd_err e;
    size_t changes;

    assert_int_equal(simnode_open(NODE, &n, &e), OFD_OK);
    assert_int_equal(plan_make(m, &n, NOW, p, &e), OFD_OK);
    changes = p->n - p->counts[PLAN_UNCHANGED];
    node_close(&n);
    return changes;
}

static void apply_converges_and_a_second_apply_writes_nothing(void **state)
{
    struct manifest *m = load_manifest();
    struct apply_options opt = {1};
    struct apply_result res;
    struct node n = {0};
    struct plan p;
    char *svc = NULL;
    ofd_err e;

    (void)state;
    fresh_node();
    assert_true(plan_once(m, &p) >= 6);
    assert_int_equal(simnode_open(NODE, &n, &e), OFD_OK);
    ofd_err_clear(&e);
    if (apply_run(&p, &n, &opt, &res, &e) != OFD_OK)
        print_error("apply: [%s] %s\n", e.rule, e.msg);
    assert_int_equal(e.code, OFD_OK);
    assert_true(res.writes >= 7);
    assert_int_equal(res.restart_done, 1);
    assert_int_equal(res.restart_pending, 0);
    assert_int_equal(n.ops->service_state(n.ctx, "RTCSRV", &svc, &e), OFD_OK);
    assert_string_equal(svc, "running");
    free(svc);
    node_close(&n);
    plan_free(&p);

    /* At the desired state: plan has nothing to change, apply writes nothing. */
    assert_int_equal(plan_once(m, &p), 0);
    assert_int_equal(simnode_open(NODE, &n, &e), OFD_OK);
    assert_int_equal(apply_run(&p, &n, &opt, &res, &e), OFD_OK);
    assert_int_equal(res.writes, 0);
    node_close(&n);
    plan_free(&p);
    manifest_free(m);
}

static void outside_the_window_the_restart_is_pending(void **state)
{
    struct manifest *m = load_manifest();
    struct apply_options opt = {0};
    struct apply_result res;
    struct node n = {0};
    struct plan p;
    ofd_err e;

    (void)state;
    fresh_node();
    plan_once(m, &p);
    assert_int_equal(simnode_open(NODE, &n, &e), OFD_OK);
    assert_int_equal(apply_run(&p, &n, &opt, &res, &e), OFD_OK);
    assert_int_equal(res.restart_done, 0);
    assert_int_equal(res.restart_pending, 1);
    node_close(&n);
    plan_free(&p);
    manifest_free(m);
}

static void a_fault_at_any_write_leaves_the_node_as_it_was(void **state)
{
    struct manifest *m = load_manifest();
    struct apply_options opt = {1};
    struct apply_result res;
    struct nodefault f;
    struct node n = {0}, wrapped;
    struct plan p;
    char *before, *after;
    size_t lb = 0, la = 0, total;
    unsigned long k;
    ofd_err e;

    (void)state;
    /* How many writes a full apply makes. */
    fresh_node();
    plan_once(m, &p);
    assert_int_equal(simnode_open(NODE, &n, &e), OFD_OK);
    assert_int_equal(apply_run(&p, &n, &opt, &res, &e), OFD_OK);
    total = res.writes;
    node_close(&n);
    plan_free(&p);
    /* The restart is last and has nothing to undo: fault every write before it. */
    for (k = 1; k < total; k++) {
        fresh_node();
        before = file_bytes(&lb);
        plan_once(m, &p);
        assert_int_equal(simnode_open(NODE, &n, &e), OFD_OK);
        memset(&f, 0, sizeof(f));
        f.inner = n;
        f.fail_at = k;
        nodefault_wrap(&f, &wrapped);
        ofd_err_clear(&e);
        assert_int_equal(apply_run(&p, &wrapped, &opt, &res, &e), OFD_E_IO);
        assert_non_null(strstr(e.msg, "injected fault at write"));
        if (res.rollback_rc != OFD_OK)
            print_error("fault at write %lu: rollback: %s\n", k, res.rollback_msg);
        assert_int_equal(res.rollback_rc, OFD_OK);
        assert_int_equal(res.rolled_back, k > 1);
        node_close(&n);
        plan_free(&p);
        after = file_bytes(&la);
        if (la != lb || memcmp(before, after, lb) != 0)
            print_error("fault at write %lu: the node file changed\n", k);
        assert_int_equal(la, lb);
        assert_memory_equal(after, before, lb);
        free(before);
        free(after);
    }
    assert_true(total >= 8);
    manifest_free(m);
}

static void maintenance_windows(void **state)
{
    struct manifest_window w = {1, 1u << 5 | 1u << 6, 2 * 60, 4 * 60, 1}; /* sat,sun 02:00-04:00 UTC */
    struct manifest_window night = {1, 1u << 0, 23 * 60, 1 * 60, 1};       /* mon 23:00-01:00 UTC */

    (void)state;
    /* 2026-11-21 (1795219200) is a Saturday. */
    assert_true(apply_in_window(&w, 1795219200LL + 150 * 60, 0));        /* sat 02:30 */
    assert_false(apply_in_window(&w, 1795219200LL + 4 * 3600, 0));       /* sat 04:00 */
    assert_false(apply_in_window(&w, 1795219200LL - 2 * 86400 + 9000, 0)); /* thu 02:30 */
    /* 2026-11-23 is a Monday: Monday 23:30 and Tuesday 00:30 are in, Tuesday 23:30 not. */
    assert_true(apply_in_window(&night, 1795392000LL + 23 * 3600 + 1800, 0));
    assert_true(apply_in_window(&night, 1795392000LL + 24 * 3600 + 1800, 0));
    assert_false(apply_in_window(&night, 1795392000LL + 47 * 3600 + 1800, 0));
    assert_true(apply_in_window(NULL, 0, 0));
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(apply_converges_and_a_second_apply_writes_nothing),
        cmocka_unit_test(outside_the_window_the_restart_is_pending),
        cmocka_unit_test(a_fault_at_any_write_leaves_the_node_as_it_was),
        cmocka_unit_test(maintenance_windows),
    };

    if (argc != 2) {
        fprintf(stderr, "usage: test_apply EXAMPLES_DIR\n");
        return 2;
    }
    examples = argv[1];
    return cmocka_run_group_tests(tests, NULL, NULL);
}
