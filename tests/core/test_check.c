/* One check of the agent (check.c) end to end on a simulated node: a signed manifest
 * in a folder standing in for the share, the state file, the server's report, and the
 * event each outcome gives. Argument: the examples/ folder. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "apply.h"
#include "check.h"
#include "cs.h"
#include "fsutil.h"
#include "report.h"
#include "simnode.h"
#include "strbuf.h"
#include "testcert.h"
#include "testutil.h"
#include "trust.h"
#include "window.h"

static const char *examples;
static enum check_event last_event;
static char last_text[2048];
static int events;

static void on_event(void *ctx, enum check_event ev, const char *text)
{
    (void)ctx;
    last_event = ev;
    snprintf(last_text, sizeof(last_text), "%s", text);
    events++;
}

/* 2026-11-18, a Wednesday: outside the example's window. */
static long long now_value = 1795000000LL;

static long long fixed_now(void *ctx)
{
    (void)ctx;
    return now_value;
}

static const struct check_env env = {.event = on_event, .now = fixed_now};

/* Copies the example manifest into share/ and signs it with a new publisher; writes the
 * publisher's thumbprint into tp_hex. */
static void publish(const char *example, char tp_hex[41], int sign)
{
    char src[1024];

    snprintf(src, sizeof(src), "%s/%s", examples, example);
    assert_int_equal(ofd_make_dir("check_share", NULL), OFD_OK);
    testutil_copy_file(src, "check_share/manifest.json");
    assert_int_equal(testcert_sign_file("check_share/manifest.json", "ocsfed check test CA", tp_hex), 0);
    if (!sign)
        remove("check_share/manifest.json.p7s"); /* the publisher is trusted, its signature absent */
}

static void fresh_node(const char *from)
{
    char src[1024];

    snprintf(src, sizeof(src), "%s/nodes/%s", examples, from);
    testutil_copy_file(src, "check_node.json");
    remove("check_state.json");
}

static struct report read_report(void)
{
    struct report r;
    ofd_err e;

    memset(&r, 0, sizeof(r));
    assert_int_equal(report_read_file("check_share/reports/ocs-se1.example.com.json", &r, &e), OFD_OK);
    return r;
}

static void signed_manifest_on_a_drifting_node_is_reported(void **state)
{
    char tp[41];
    struct check_config cfg = {.manifest_dir = "check_share",
                               .trusted_signer = tp,
                               .state_path = "check_state.json",
                               .node_spec = "sim:check_node.json",
                               .monitor = 1};
    struct check_result res;
    struct report r;
    ofd_err e;

    (void)state;
    fresh_node("ocs-se1.json");
    publish("tcp-standard.json", tp, 1);
    events = 0;
    assert_int_equal(check_run(&cfg, &env, &res, &e), OFD_OK);
    assert_int_equal(res.outcome, CHECK_EV_DRIFT);
    assert_int_equal(res.serial, 1);
    assert_true(res.changes > 0);
    assert_int_equal(events, 1);
    assert_non_null(strstr(last_text, "manifest serial 1: "));
    assert_non_null(strstr(last_text, "monitor mode changes nothing"));
    r = read_report();
    assert_int_equal(r.status, REPORT_DRIFTING);
    assert_int_equal(r.serial, 1);
    assert_true(r.nchanges > 0);
    /* The evidence of the server's vocabulary (vocab.h) is in the report. */
    assert_true(r.nvocab > 0);
    /* The report names the manifest it checked by the SHA-256 of its bytes. */
    assert_non_null(r.sha256);
    {
        unsigned char d[CS_SHA256_LEN];
        char hex[2 * CS_SHA256_LEN + 1], *text = NULL;
        size_t len = 0;

        assert_int_equal(ofd_read_file("check_share/manifest.json", 1u << 20, &text, &len, &e), OFD_OK);
        assert_int_equal(cs_sha256(text, len, d, &e), OFD_OK);
        cs_sha256_hex(d, hex);
        assert_string_equal(r.sha256, hex);
        free(text);
    }
    report_free(&r);
}

/* The state file's read-modify-write is under the apply lock in monitor mode too:
 * 'ocsfed service retry' rewrites that file under the same lock, and without it could
 * save an older anti-rollback floor over the one a check had just saved. */
static void a_monitor_check_waits_for_the_apply_lock(void **state)
{
    char tp[41];
    struct check_config cfg = {.manifest_dir = "check_share",
                               .trusted_signer = tp,
                               .state_path = "check_state.json",
                               .node_spec = "sim:check_node.json",
                               .monitor = 1,
                               .lock_wait_ms = 200};
    struct check_result res;
    struct ofd_lock *lock = NULL;
    int rc;
    ofd_err e;

    (void)state;
    fresh_node("ocs-se1.json");
    publish("tcp-standard.json", tp, 1);
    remove("check_state.json");
    assert_int_equal(apply_lock("check_node.json.journal", 0, &lock, &e), OFD_OK);
    ofd_err_clear(&e);
    events = 0;
    rc = check_run(&cfg, &env, &res, &e);
    ofd_lock_release(lock);
    print_message("with the lock held: %s\n", last_text);
    assert_int_equal(rc, OFD_E_CONFLICT);
    assert_int_equal(events, 1);
    assert_int_equal(last_event, CHECK_EV_FAILED);
    assert_non_null(strstr(last_text, "another apply is running"));
    /* Nothing was accepted, so no floor was saved. */
    assert_null(fopen("check_state.json", "rb"));
    assert_int_equal(check_run(&cfg, &env, &res, &e), OFD_OK);
    assert_int_equal(res.outcome, CHECK_EV_DRIFT);
}

static void converged_node_is_reported_converged(void **state)
{
    struct check_memory mem = {0, CHECK_EV_APPLIED, 0UL};
    const struct check_env remembering = {.event = on_event, .now = fixed_now, .memory = &mem};
    int n;
    char tp[41];
    struct check_config cfg = {.manifest_dir = "check_share",
                               .trusted_signer = tp,
                               .state_path = "check_state.json",
                               .node_spec = "sim:check_node.json",
                               .monitor = 1};
    struct check_result res;
    struct report r;
    ofd_err e;

    (void)state;
    fresh_node("ocs-se1-converged.json");
    publish("tcp-standard.json", tp, 1);
    assert_int_equal(check_run(&cfg, &remembering, &res, &e), OFD_OK);
    assert_int_equal(res.outcome, CHECK_EV_CONVERGED);
    assert_int_equal(last_event, CHECK_EV_CONVERGED);
    r = read_report();
    assert_int_equal(r.status, REPORT_CONVERGED);
    report_free(&r);
    /* The next check of the same manifest (the service remembers what it reported):
     * converged, in the report, no new event; without the memory, an event again. */
    n = events;
    assert_int_equal(check_run(&cfg, &remembering, &res, &e), OFD_OK);
    assert_int_equal(res.outcome, CHECK_EV_CONVERGED);
    assert_int_equal(events, n);
    assert_int_equal(check_run(&cfg, &env, &res, &e), OFD_OK);
    assert_int_equal(events, n + 1);
}

static void unsigned_or_wrongly_signed_manifests_are_refused(void **state)
{
    char tp[41], other[41] = "00112233445566778899AABBCCDDEEFF00112233";
    struct check_config cfg = {.manifest_dir = "check_share",
                               .trusted_signer = tp,
                               .state_path = "check_state.json",
                               .node_spec = "sim:check_node.json",
                               .monitor = 1};
    struct check_result res;
    struct report r;
    char *before = NULL, *after = NULL;
    size_t lb = 0, la = 0;
    ofd_err e;

    (void)state;
    fresh_node("ocs-se1.json");
    assert_int_equal(ofd_read_file("check_node.json", 1u << 24, &before, &lb, &e), OFD_OK);
    publish("tcp-standard.json", tp, 0);
    assert_int_equal(check_run(&cfg, &env, &res, &e), OFD_OK);
    assert_int_equal(res.outcome, CHECK_EV_REFUSED);
    assert_non_null(strstr(last_text, "refused (unsigned)"));
    r = read_report();
    assert_int_equal(r.status, REPORT_REFUSED);
    assert_string_equal(r.refusal_reason, "unsigned");
    report_free(&r);

    publish("tcp-standard.json", tp, 1);
    cfg.trusted_signer = other;
    assert_int_equal(check_run(&cfg, &env, &res, &e), OFD_OK);
    assert_int_equal(res.outcome, CHECK_EV_REFUSED);
    assert_non_null(strstr(last_text, "refused (untrusted_signer)"));
    /* Nothing was changed on the node. */
    assert_int_equal(ofd_read_file("check_node.json", 1u << 24, &after, &la, &e), OFD_OK);
    assert_int_equal(la, lb);
    assert_memory_equal(after, before, lb);
    free(before);
    free(after);
}

static void no_trusted_publisher_is_a_failure_in_the_report(void **state)
{
    char tp[41];
    struct check_config cfg = {.manifest_dir = "check_share",
                               .trusted_signer = "",
                               .state_path = "check_state.json",
                               .node_spec = "sim:check_node.json",
                               .monitor = 1};
    struct report r;
    ofd_err e;

    (void)state;
    fresh_node("ocs-se1.json");
    publish("tcp-standard.json", tp, 1);
    assert_int_not_equal(check_run(&cfg, &env, NULL, &e), OFD_OK);
    assert_int_equal(last_event, CHECK_EV_FAILED);
    assert_non_null(strstr(e.msg, "no trusted publisher is configured"));
    r = read_report();
    assert_int_equal(r.status, REPORT_FAILING);
    assert_true(r.nerrors >= 1);
    report_free(&r);
}

static void apply_mode_converges_the_node_and_records_the_serial(void **state)
{
    int n_events;
    char tp[41];
    struct check_config cfg = {.manifest_dir = "check_share",
                               .trusted_signer = tp,
                               .state_path = "check_state.json",
                               .node_spec = "sim:check_node.json"};
    struct check_result res;
    struct report r;
    char *st = NULL;
    size_t len = 0;
    ofd_err e;

    (void)state;
    fresh_node("ocs-se1.json");
    publish("tcp-standard.json", tp, 1);
    ofd_err_clear(&e);
    if (check_run(&cfg, &env, &res, &e) != OFD_OK)
        print_error("check: %s\n", e.msg);
    assert_int_equal(e.code, OFD_OK);
    /* A Wednesday: outside the example's weekend window, so the restart waits, and
     * the service is to check again when the window opens: Saturday 02:00 local. */
    assert_int_equal(res.outcome, CHECK_EV_RESTART_PENDING);
    assert_int_equal(res.next_restart, 1795219200LL + 7200 - window_local_offset(1795219200LL + 7200));
    assert_non_null(strstr(last_text, "applied to ocs-se1.example.com"));
    r = read_report();
    assert_int_equal(r.status, REPORT_PENDING_RESTART);
    assert_int_equal(r.restart_pending, 1);
    report_free(&r);
    assert_int_equal(ofd_read_file("check_state.json", 4096, &st, &len, &e), OFD_OK);
    assert_non_null(strstr(st, "\"last_serial\": 1"));
    free(st);

    /* The same manifest again, still outside the window: the settings are there, the
     * restart still waits (R19), nothing is written, and no new event says it again. */
    n_events = events;
    assert_int_equal(check_run(&cfg, &env, &res, &e), OFD_OK);
    assert_int_equal(res.outcome, CHECK_EV_RESTART_PENDING);
    assert_int_equal(events, n_events);
    assert_int_equal(res.changes, 1);
    r = read_report();
    assert_int_equal(r.status, REPORT_PENDING_RESTART);
    report_free(&r);

    /* Saturday 03:00 on this machine's clock: inside the window, the restart is done. */
    now_value = 1795219200LL + 3 * 3600;
    now_value -= window_local_offset(now_value);
    assert_int_equal(check_run(&cfg, &env, &res, &e), OFD_OK);
    assert_int_equal(res.outcome, CHECK_EV_APPLIED);
    assert_non_null(strstr(last_text, "Front End restarted"));
    r = read_report();
    assert_int_equal(r.status, REPORT_CONVERGED);
    assert_int_equal(r.restart_pending, 0);
    report_free(&r);

    /* And then nothing is left to change. */
    assert_int_equal(check_run(&cfg, &env, &res, &e), OFD_OK);
    assert_int_equal(res.outcome, CHECK_EV_CONVERGED);
    assert_int_equal(res.changes, 0);
    now_value = 1795000000LL;
}

/* Monitor mode after an apply-mode check left the restart for the window: the report
 * says pending_restart, not drifting, and no event repeats it. */
static void monitor_mode_reports_a_pending_restart_as_such(void **state)
{
    char tp[41];
    struct check_config cfg = {.manifest_dir = "check_share",
                               .trusted_signer = tp,
                               .state_path = "check_state.json",
                               .node_spec = "sim:check_node.json"};
    struct check_result res;
    struct report r;
    int n;
    ofd_err e;

    (void)state;
    fresh_node("ocs-se1.json");
    publish("tcp-standard.json", tp, 1);
    assert_int_equal(check_run(&cfg, &env, &res, &e), OFD_OK);
    assert_int_equal(res.outcome, CHECK_EV_RESTART_PENDING);
    cfg.monitor = 1;
    n = events;
    assert_int_equal(check_run(&cfg, &env, &res, &e), OFD_OK);
    assert_int_equal(res.outcome, CHECK_EV_RESTART_PENDING);
    assert_int_equal(events, n);
    r = read_report();
    assert_int_equal(r.status, REPORT_PENDING_RESTART);
    assert_int_equal(r.restart_pending, 1);
    report_free(&r);
}

/* The service asks to stop at the k-th question the apply asks. */
static int stop_at, stop_asked;

static int stop_after(void *ctx)
{
    (void)ctx;
    return ++stop_asked >= stop_at;
}

static void a_stop_in_the_middle_of_an_apply_undoes_it(void **state)
{
    char tp[41];
    struct check_config cfg = {.manifest_dir = "check_share",
                               .trusted_signer = tp,
                               .state_path = "check_state.json",
                               .node_spec = "sim:check_node.json"};
    const struct check_env stopping = {.event = on_event, .now = fixed_now, .stop_requested = stop_after};
    struct node n = {0};
    struct node_owned o = {0};
    struct check_result res;
    char *before, *after, *st = NULL;
    size_t lb = 0, la = 0, len = 0;
    FILE *f;
    ofd_err e;

    (void)state;
    for (stop_at = 1; stop_at <= 4; stop_at++) {
        fresh_node("ocs-se1.json");
        /* In the form the node saves itself, so that an undo can be compared byte for byte. */
        assert_int_equal(simnode_open("check_node.json", &n, &e), OFD_OK);
        assert_int_equal(n.ops->owned(n.ctx, &o, &e), OFD_OK);
        assert_int_equal(n.ops->set_owned(n.ctx, &o, &e), OFD_OK);
        node_owned_free(&o);
        node_close(&n);
        assert_int_equal(ofd_read_file("check_node.json", 1u << 24, &before, &lb, &e), OFD_OK);
        publish("tcp-standard.json", tp, 1);
        stop_asked = 0;
        ofd_err_clear(&e);
        assert_int_equal(check_run(&cfg, &stopping, NULL, &e), OFD_E_CANCELLED);
        assert_int_equal(last_event, CHECK_EV_FAILED);
        assert_non_null(
            strstr(last_text, "apply of manifest serial 1 stopped (the agent is stopping) and was rolled back"));
        assert_int_equal(stop_asked, stop_at);
        assert_int_equal(ofd_read_file("check_node.json", 1u << 24, &after, &la, &e), OFD_OK);
        assert_int_equal(la, lb);
        assert_memory_equal(after, before, lb);
        free(before);
        free(after);
        f = fopen("check_node.json.journal", "rb");
        assert_null(f);
        /* Accepted, so the floor is serial 1; not applied, so the next check (the
         * same bytes, unchanged) applies it. */
        assert_int_equal(ofd_read_file("check_state.json", 4096, &st, &len, &e), OFD_OK);
        assert_non_null(strstr(st, "\"last_serial\": 1"));
        free(st);
        assert_int_equal(check_run(&cfg, &env, &res, &e), OFD_OK);
        assert_int_equal(res.outcome, CHECK_EV_RESTART_PENDING);
        assert_non_null(strstr(last_text, "applied to ocs-se1.example.com"));
    }
}

/* Each report carries the IM&P checklist of the manifest it checked, monitor or apply
 * mode alike; a refused manifest gives none. */
static void the_report_carries_the_imp_checklist(void **state)
{
    char tp[41];
    struct check_config cfg = {.manifest_dir = "check_share",
                               .trusted_signer = tp,
                               .state_path = "check_state.json",
                               .node_spec = "sim:check_node.json",
                               .monitor = 1};
    struct check_result res;
    struct report r;
    ofd_err e;

    (void)state;
    fresh_node("ocs-se1.json");
    publish("tcp-standard.json", tp, 1);
    assert_int_equal(check_run(&cfg, &env, &res, &e), OFD_OK);
    r = read_report();
    assert_non_null(r.imp);
    assert_int_equal(r.imp->serial, 1);
    assert_int_equal(r.imp->tls, 0);
    assert_int_equal(r.imp->n, 12); /* tests/core/test_imp_checklist.c: tcp_standard */
    assert_int_equal(r.imp->v[3].section, IMP_SEC_ACL);
    assert_string_equal(r.imp->v[3].values[0].s, "ocs-se1.example.com");
    report_free(&r);

    cfg.monitor = 0; /* the apply writes a new report: the checklist is in it too */
    fresh_node("ocs-se1.json");
    assert_int_equal(check_run(&cfg, &env, &res, &e), OFD_OK);
    assert_int_equal(res.outcome, CHECK_EV_RESTART_PENDING);
    r = read_report();
    assert_non_null(r.imp);
    assert_int_equal(r.imp->n, 12);
    report_free(&r);

    publish("tcp-standard.json", tp, 0);
    assert_int_equal(check_run(&cfg, &env, &res, &e), OFD_OK);
    assert_int_equal(res.outcome, CHECK_EV_REFUSED);
    r = read_report();
    assert_null(r.imp);
    report_free(&r);
}

/* The agent's own messages name the share's files; a TrustedSigner pasted from the
 * certificate dialog (with its invisible U+200E) still pins the publisher; a manifest
 * saved as UTF-16 is refused as such (not "torn", read again forever); a node file that
 * is not there is said to be missing. */
static void the_agent_names_the_share_files_and_reads_what_admins_paste(void **state)
{
    char tp[41], pasted[64];
    struct check_config cfg = {.manifest_dir = "check_share",
                               .trusted_signer = tp,
                               .state_path = "check_state.json",
                               .node_spec = "sim:check_node.json",
                               .monitor = 1};
    struct check_result res;
    struct report r;
    char *text = NULL, *wide = NULL;
    size_t len = 0, i;
    ofd_err e;

    (void)state;
    fresh_node("ocs-se1.json");
    publish("tcp-standard.json", tp, 0);
    assert_int_equal(check_run(&cfg, &env, &res, &e), OFD_OK);
    assert_non_null(strstr(last_text, "refused (unsigned): 'check_share/manifest.json' is not signed: there is no "
                                      "signature file 'check_share/manifest.json.p7s'; sign it with the publisher "
                                      "certificate "));
    r = read_report();
    assert_memory_equal(r.refusal_message, "'check_share/manifest.json' is not signed", 41);
    report_free(&r);

    publish("tcp-standard.json", tp, 1);
    snprintf(pasted, sizeof(pasted), "\xe2\x80\x8e%s", tp);
    cfg.trusted_signer = pasted;
    assert_int_equal(check_run(&cfg, &env, &res, &e), OFD_OK);
    assert_int_equal(res.outcome, CHECK_EV_DRIFT);

    /* The same manifest as Notepad's "Unicode" writes it. */
    assert_int_equal(ofd_read_file("check_share/manifest.json", 1u << 20, &text, &len, &e), OFD_OK);
    assert_non_null(wide = malloc(2 * len + 2));
    wide[0] = (char)0xFF;
    wide[1] = (char)0xFE;
    for (i = 0; i < len; i++) {
        wide[2 + 2 * i] = text[i];
        wide[3 + 2 * i] = 0;
    }
    assert_int_equal(ofd_write_file_atomic("check_share/manifest.json", wide, 2 * len + 2, &e), OFD_OK);
    assert_int_equal(check_run(&cfg, &env, &res, &e), OFD_OK);
    assert_int_equal(res.outcome, CHECK_EV_REFUSED);
    assert_non_null(strstr(last_text, "refused (invalid): check_share/manifest.json: the file is UTF-16 "
                                      "(little-endian, byte order mark FF FE), not UTF-8: save it as UTF-8"));
    free(text);
    free(wide);

    cfg.node_spec = "sim:check_missing_node.json";
    remove("check_missing_node.json");
    assert_int_not_equal(check_run(&cfg, &env, &res, &e), OFD_OK);
    assert_string_equal(e.msg, "the simulated node file 'check_missing_node.json' does not exist: create it with "
                               "'ocsfed sim init check_missing_node.json --fqdn FQDN' (add --pool POOL_FQDN for a "
                               "front end of an Enterprise Edition pool)");
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(signed_manifest_on_a_drifting_node_is_reported),
        cmocka_unit_test(a_monitor_check_waits_for_the_apply_lock),
        cmocka_unit_test(converged_node_is_reported_converged),
        cmocka_unit_test(unsigned_or_wrongly_signed_manifests_are_refused),
        cmocka_unit_test(no_trusted_publisher_is_a_failure_in_the_report),
        cmocka_unit_test(apply_mode_converges_the_node_and_records_the_serial),
        cmocka_unit_test(a_stop_in_the_middle_of_an_apply_undoes_it),
        cmocka_unit_test(monitor_mode_reports_a_pending_restart_as_such),
        cmocka_unit_test(the_report_carries_the_imp_checklist),
        cmocka_unit_test(the_agent_names_the_share_files_and_reads_what_admins_paste),
    };

    if (argc != 2) {
        fprintf(stderr, "usage: test_check EXAMPLES_DIR\n");
        return 2;
    }
    examples = argv[1];
    return cmocka_run_group_tests(tests, NULL, NULL);
}
