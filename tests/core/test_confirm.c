/* The confirmed apply (check.c, the manifest's "confirm"), one check of the agent at a
 * time on a simulated front end, probing the real peers tests/peers/with_peers.sh
 * started: an apply whose probe fails within the timeout is undone, the node byte for
 * byte as before, with the report and the event saying "reverted: probe failed", and
 * that serial is not applied again until a new serial or an operator clears it; one
 * whose probe passes keeps its changes; an apply that restarted the Front End is
 * undone and restarted again; a stop while waiting for the probe undoes the apply too;
 * TLS through Kamailio with this server's certificate.
 * Arguments: the examples/ folder. Environment: with_peers.sh's PEER_* and PEERS_DIR. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "apply.h"
#include "check.h"
#include "cs.h"
#include "cs_inspect.h"
#include "fsutil.h"
#include "intake.h"
#include "net.h"
#include "plan.h"
#include "report.h"
#include "simnode.h"
#include "strbuf.h"
#include "testcert.h"
#include "testutil.h"
#include "trust.h"
#include "window.h"

#define SHARE "confirm_share"
#define NODE "confirm_node.json"
#define STATE "confirm_state.json"
#define REPORT SHARE "/reports/ocs-se1.example.com.json"

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

/* 2026-11-18, a Wednesday: outside the window, the Front End restart waits. */
static long long now_value = 1795000000LL;

static long long fixed_now(void *ctx)
{
    (void)ctx;
    return now_value;
}

/* The service's memory of what it reported: a state is an event once. */
static struct check_memory memory;
static const struct check_env env = {.event = on_event, .now = fixed_now, .memory = &memory};

static const char *peer(const char *name)
{
    const char *v = getenv(name);

    if (!v || !*v)
        fail_msg("%s is not set: run under tests/peers/with_peers.sh", name);
    return v;
}

static char signer_tp[41];

/* Writes text as SHARE/manifest.json, pinned (its files in SHARE/certs), and signs it
 * with a new publisher whose thumbprint goes to signer_tp. */
static void publish_text(const char *text)
{
    ofd_err e;

    assert_int_equal(ofd_make_dir(SHARE, &e), OFD_OK);
    assert_int_equal(ofd_write_file_atomic(SHARE "/manifest.json", text, strlen(text), &e), OFD_OK);
    testutil_pin_manifest(SHARE "/manifest.json");
    assert_int_equal(testcert_sign_file(SHARE "/manifest.json", "ocsfed confirm test CA", signer_tp), 0);
}

/* The example Standard Edition server's TCP manifest, its one IM&P node at addr. */
static void publish_tcp(long long serial, const char *addr, unsigned timeout)
{
    char text[2048];

    snprintf(text, sizeof(text),
             "{\"manifest_version\": 1, \"serial\": %lld,\n"
             " \"imp\": {\"transport\": \"tcp\", \"domains\": [\"example.com\"],\n"
             "          \"nodes\": [{\"fqdn\": \"imp1.example.com\", \"ip\": \"%s\"}]},\n"
             " \"ocs\": {\"edition\": \"standard\", \"servers\": [\"ocs-se1.example.com\"], \"sip_domains\": "
             "[\"example.com\"]},\n"
             " \"maintenance_window\": {\"days\": [\"sat\", \"sun\"], \"start\": \"02:00\", \"end\": \"04:00\"},\n"
             " \"confirm\": {\"probe\": true, \"timeout_seconds\": %u}}\n",
             serial, addr, timeout);
    publish_text(text);
}

/* A fresh copy of the example server, in the form the node saves itself (so an undo
 * compares byte for byte); its bytes in *before. */
static void fresh_node(const char *from, char **before, size_t *len)
{
    char src[1024];
    struct node n = {0};
    struct node_owned o = {0};
    ofd_err e;

    snprintf(src, sizeof(src), "%s/nodes/%s", examples, from);
    testutil_copy_file(src, NODE);
    remove(NODE ".journal");
    remove(STATE);
    assert_int_equal(simnode_open(NODE, &n, &e), OFD_OK);
    assert_int_equal(n.ops->owned(n.ctx, &o, &e), OFD_OK);
    assert_int_equal(n.ops->set_owned(n.ctx, &o, &e), OFD_OK);
    node_owned_free(&o);
    node_close(&n);
    assert_int_equal(ofd_read_file(NODE, 1u << 24, before, len, &e), OFD_OK);
}

static void assert_node_is(const char *before, size_t lb)
{
    char *after = NULL;
    size_t la = 0;
    FILE *f;
    ofd_err e;

    assert_int_equal(ofd_read_file(NODE, 1u << 24, &after, &la, &e), OFD_OK);
    if (la != lb || memcmp(after, before, lb) != 0)
        fail_msg("the node is not as it was:\n%s\n--- before:\n%s", after, before);
    free(after);
    /* Nothing left to undo. */
    f = fopen(NODE ".journal", "rb");
    assert_null(f);
}

static struct report read_report(void)
{
    struct report r;
    ofd_err e;

    memset(&r, 0, sizeof(r));
    if (report_read_file(REPORT, &r, &e) != OFD_OK)
        fail_msg("report: %s", e.msg);
    return r;
}

static const struct check_config cfg0 = {
    .manifest_dir = SHARE, .trusted_signer = signer_tp, .state_path = STATE, .node_spec = "sim:" NODE};

static void a_failed_probe_undoes_the_apply_and_the_serial_is_not_retried(void **state)
{
    struct check_config cfg = cfg0;
    struct check_result res;
    struct intake_state st;
    struct report r;
    char *before = NULL, want[256];
    size_t lb = 0;
    int n;
    ofd_err e;

    (void)state;
    fresh_node("ocs-se1.json", &before, &lb);
    publish_tcp(1, peer("PEER_CLOSED"), 1);
    ofd_err_clear(&e);
    assert_int_equal(check_run(&cfg, &env, &res, &e), OFD_OK);
    assert_int_equal(res.outcome, CHECK_EV_REVERTED);
    assert_int_equal(last_event, CHECK_EV_REVERTED);
    print_message("event: %s\n", last_text);
    snprintf(want, sizeof(want), "reverted: probe failed: FAIL tcp imp1.example.com %s:5060 [R5] refused",
             peer("PEER_CLOSED"));
    if (!strstr(last_text, want))
        fail_msg("event: %s", last_text);
    assert_non_null(strstr(last_text, "manifest serial 1"));
    assert_non_null(strstr(last_text, "ocsfed service retry"));
    assert_node_is(before, lb);
    r = read_report();
    assert_int_equal(r.status, REPORT_FAILING);
    assert_int_equal(r.serial, 1);
    assert_true(r.nerrors >= 1);
    assert_non_null(strstr(r.errors[0].message, want));
    assert_string_equal(r.errors[0].rule, "R5");
    assert_non_null(r.probe);
    assert_int_equal(r.probe->passed, 0);
    report_free(&r);
    assert_int_equal(intake_state_load(STATE, &st, &e), OFD_OK);
    assert_int_equal(st.reverted, 1);
    assert_int_equal(st.reverted_serial, 1);

    /* The next checks take the same manifest (unchanged) and do not apply it again: the
     * report says why, one event says it once. */
    n = events;
    assert_int_equal(check_run(&cfg, &env, &res, &e), OFD_OK);
    assert_int_equal(res.outcome, CHECK_EV_REVERTED);
    assert_int_equal(events, n + 1);
    print_message("event: %s\n", last_text);
    assert_non_null(strstr(last_text, "is not applied again"));
    assert_int_equal(check_run(&cfg, &env, &res, &e), OFD_OK);
    assert_int_equal(events, n + 1);
    assert_node_is(before, lb);
    r = read_report();
    assert_int_equal(r.status, REPORT_FAILING);
    assert_non_null(strstr(r.errors[0].message, "manifest serial 1 was reverted"));
    assert_non_null(strstr(r.errors[0].message, want));
    assert_true(r.nchanges > 0); /* what it would change, not applied */
    assert_int_equal(r.applied, 0);
    report_free(&r);

    /* An operator clears the record: the next check applies it again (and undoes it
     * again: the peer is still closed). */
    assert_int_equal(intake_state_clear_reverted(STATE, &e), OFD_OK);
    n = events;
    assert_int_equal(check_run(&cfg, &env, &res, &e), OFD_OK);
    assert_int_equal(res.outcome, CHECK_EV_REVERTED);
    assert_non_null(strstr(last_text, want));
    assert_node_is(before, lb);

    /* A new serial is taken, applied, and this time confirmed: its peer answers SIP. */
    publish_tcp(2, peer("PEER_SIPP"), 1);
    assert_int_equal(check_run(&cfg, &env, &res, &e), OFD_OK);
    assert_int_equal(res.outcome, CHECK_EV_RESTART_PENDING);
    assert_non_null(strstr(last_text, "confirmed: the probe passed"));
    assert_int_equal(intake_state_load(STATE, &st, &e), OFD_OK);
    assert_int_equal(st.reverted, 0);
    assert_int_equal(st.last_serial, 2);
    free(before);
}

static void a_passed_probe_keeps_the_changes(void **state)
{
    struct check_config cfg = cfg0;
    struct check_result res;
    struct report r;
    char *before = NULL, *after = NULL;
    size_t lb = 0, la = 0;
    FILE *f;
    ofd_err e;

    (void)state;
    fresh_node("ocs-se1.json", &before, &lb);
    publish_tcp(1, peer("PEER_SIPP"), 30);
    ofd_err_clear(&e);
    if (check_run(&cfg, &env, &res, &e) != OFD_OK)
        fail_msg("check: %s", e.msg);
    assert_int_equal(res.outcome, CHECK_EV_RESTART_PENDING);
    assert_non_null(strstr(last_text, "applied to ocs-se1.example.com"));
    assert_non_null(strstr(last_text, "confirmed: the probe passed (2 checks)"));
    assert_int_equal(ofd_read_file(NODE, 1u << 24, &after, &la, &e), OFD_OK);
    assert_true(la != lb || memcmp(after, before, lb) != 0);
    assert_non_null(strstr(after, peer("PEER_SIPP"))); /* the route and the host */
    f = fopen(NODE ".journal", "rb");
    assert_null(f); /* confirmed: nothing to undo any more */
    r = read_report();
    assert_int_equal(r.status, REPORT_PENDING_RESTART);
    assert_non_null(r.probe);
    assert_int_equal(r.probe->passed, 1);
    report_free(&r);
    /* The next check changes nothing and probes again, for the report only. */
    assert_int_equal(check_run(&cfg, &env, &res, &e), OFD_OK);
    r = read_report();
    assert_non_null(r.probe);
    assert_int_equal(r.probe->passed, 1);
    report_free(&r);
    free(before);
    free(after);
}

/* Inside the window the apply restarts the Front End; undone, the restored settings are
 * loaded by a second restart while the slot is open. */
static void an_apply_that_restarted_is_undone_and_restarted_again(void **state)
{
    struct check_config cfg = cfg0;
    struct check_result res;
    char *before = NULL;
    size_t lb = 0;
    ofd_err e;

    (void)state;
    fresh_node("ocs-se1.json", &before, &lb);
    publish_tcp(1, peer("PEER_CLOSED"), 1);
    /* Saturday 03:00 on this machine's clock: inside the window. */
    now_value = 1795219200LL + 3 * 3600;
    now_value -= window_local_offset(now_value);
    ofd_err_clear(&e);
    assert_int_equal(check_run(&cfg, &env, &res, &e), OFD_OK);
    now_value = 1795000000LL;
    assert_int_equal(res.outcome, CHECK_EV_REVERTED);
    print_message("event: %s\n", last_text);
    assert_non_null(strstr(last_text, "Front End restarted again"));
    assert_node_is(before, lb);
    free(before);
}

/* The slot closes while the probe is awaited: the check began at Saturday 03:00 (the
 * apply restarts the Front End), the revert comes at 05:00. The restored settings' restart
 * is left for the next slot: the service is woken for it, and the reports of the
 * reverted serial that follow keep saying it is pending. */
static long long slot_calls;

static long long slot_closes(void *ctx)
{
    long long sat3 = 1795219200LL + 3 * 3600;

    (void)ctx;
    sat3 -= window_local_offset(sat3);
    return slot_calls++ == 0 ? sat3 : sat3 + 2 * 3600;
}

static void a_slot_that_closes_during_the_wait_leaves_the_restart_pending(void **state)
{
    struct check_config cfg = cfg0;
    const struct check_env later = {.event = on_event, .now = slot_closes};
    struct check_result res;
    struct report r;
    long long sun2 = 1795219200LL + 24 * 3600 + 2 * 3600;
    char *before = NULL;
    size_t lb = 0;
    ofd_err e;

    (void)state;
    sun2 -= window_local_offset(sun2);
    fresh_node("ocs-se1.json", &before, &lb);
    publish_tcp(1, peer("PEER_CLOSED"), 1);
    slot_calls = 0;
    ofd_err_clear(&e);
    assert_int_equal(check_run(&cfg, &later, &res, &e), OFD_OK);
    assert_int_equal(res.outcome, CHECK_EV_REVERTED);
    print_message("event: %s\n", last_text);
    assert_null(strstr(last_text, "Front End restarted again"));
    r = read_report();
    assert_int_equal(r.restart_pending, 1);
    report_free(&r);
    /* Woken when Sunday's slot opens, not "no wake". */
    assert_int_equal(res.next_restart, sun2);

    /* Wednesday: the reverted serial is not applied again, and its report still says
     * the restart waits for the slot. */
    assert_int_equal(check_run(&cfg, &env, &res, &e), OFD_OK);
    assert_int_equal(res.outcome, CHECK_EV_REVERTED);
    r = read_report();
    assert_int_equal(r.restart_pending, 1);
    report_free(&r);
    assert_true(res.next_restart > now_value);
    free(before);
}

/* The service asked to stop while the probe is awaited: the apply is not confirmed, so
 * it is undone; not a failed probe, so the serial is tried again at the next start. */
static int stop_at, stop_asked;

static int stop_after(void *ctx)
{
    (void)ctx;
    return ++stop_asked >= stop_at;
}

static void a_stop_while_waiting_for_the_probe_undoes_the_apply(void **state)
{
    struct check_config cfg = cfg0;
    const struct check_env stopping = {.event = on_event, .now = fixed_now, .stop_requested = stop_after};
    struct intake_state st;
    char *before = NULL;
    size_t lb = 0;
    ofd_err e;

    (void)state;
    fresh_node("ocs-se1.json", &before, &lb);
    publish_tcp(1, peer("PEER_CLOSED"), 600);
    /* The apply asks before each of its 4 changes; the 5th question is the probe's,
     * before its first step. */
    stop_at = 5;
    stop_asked = 0;
    ofd_err_clear(&e);
    assert_int_equal(check_run(&cfg, &stopping, NULL, &e), OFD_E_CANCELLED);
    assert_int_equal(last_event, CHECK_EV_FAILED);
    assert_non_null(strstr(last_text, "was not confirmed before the agent stopped, and was undone"));
    assert_node_is(before, lb);
    assert_int_equal(intake_state_load(STATE, &st, &e), OFD_OK);
    assert_int_equal(st.reverted, 0);
    free(before);
}

/* A probe that cannot run at all (here: this server's certificate files are missing)
 * confirms nothing either: the apply is undone at once, not left for the next check. */
static void a_probe_that_cannot_run_undoes_the_apply(void **state)
{
    struct check_config cfg = cfg0;
    struct check_result res;
    char *before = NULL;
    size_t lb = 0;
    ofd_err e;

    (void)state;
    fresh_node("ocs-se1.json", &before, &lb);
    publish_tcp(1, peer("PEER_SIPP"), 30);
    cfg.probe_cert = "confirm_missing.pem";
    cfg.probe_key = "confirm_missing.key";
    ofd_err_clear(&e);
    assert_int_equal(check_run(&cfg, &env, &res, &e), OFD_OK);
    assert_int_equal(res.outcome, CHECK_EV_REVERTED);
    assert_non_null(strstr(last_text, "reverted: probe failed: the probe could not run: "));
    assert_non_null(strstr(last_text, "confirm_missing.pem"));
    assert_node_is(before, lb);
    free(before);
}

/* The confirmation's timeout bounds the wait: the first probe runs in full (a silent
 * peer: 5 s without a SIP answer), the next one starts 5 s later and its wait for an
 * answer is cut at the deadline (12 s), not another 5 s of the same silence. */
static void a_later_probe_stops_at_the_deadline(void **state)
{
    struct check_config cfg = cfg0;
    struct check_result res;
    struct report r;
    unsigned long long t0;
    const struct report_probe_check *c;
    const char *at;
    char *before = NULL;
    size_t lb = 0;
    ofd_err e;

    (void)state;
    fresh_node("ocs-se1.json", &before, &lb);
    publish_tcp(1, peer("PEER_SILENT_TCP"), 12);
    ofd_err_clear(&e);
    t0 = ofd_clock_ms();
    assert_int_equal(check_run(&cfg, &env, &res, &e), OFD_OK);
    print_message("check with a confirmation timeout of 12 s: %llu ms\n", (unsigned long long)(ofd_clock_ms() - t0));
    assert_int_equal(res.outcome, CHECK_EV_REVERTED);
    assert_node_is(before, lb);
    r = read_report();
    assert_non_null(r.probe);
    assert_int_equal(r.probe->passed, 0);
    assert_true(r.probe->n >= 2);
    c = &r.probe->v[r.probe->n - 1];
    print_message("last probe: %s %s %s: %s\n", c->check, c->result, c->cause, c->message);
    assert_string_equal(c->check, "sip");
    assert_string_equal(c->cause, "no_answer");
    /* "no final SIP response to OPTIONS within N ms": what was left of the 12 s. */
    assert_non_null(at = strstr(c->message, "within "));
    assert_true(strtoul(at + 7, NULL, 10) < 5000);
    report_free(&r);
    free(before);
}

/* A crash while the probe is awaited, after the apply had restarted the Front End: the
 * next start undoes the apply from its kept journal, and the Front End, which loaded the
 * settings just undone, must restart once more (R19), so that restart is left pending. */
static void a_crash_while_waiting_leaves_the_restored_settings_restart_pending(void **state)
{
    struct manifest *m;
    struct node n = {0};
    struct node_owned o = {0};
    struct plan p;
    struct apply_options opt;
    struct apply_result ar;
    struct apply_recovery rec;
    char *before = NULL;
    size_t lb = 0;
    ofd_err e;

    (void)state;
    fresh_node("ocs-se1.json", &before, &lb);
    publish_tcp(1, peer("PEER_CLOSED"), 30);
    assert_non_null(m = testutil_load_manifest(SHARE "/manifest.json"));
    assert_int_equal(simnode_open(NODE, &n, &e), OFD_OK);
    assert_int_equal(plan_make(m, &n, &(struct plan_options){.now = now_value}, &p, &e), OFD_OK);
    memset(&opt, 0, sizeof(opt));
    opt.restart_allowed = 1;
    opt.journal = NODE ".journal";
    opt.keep_journal = 1;
    assert_int_equal(apply_run(&p, &n, &opt, &ar, &e), OFD_OK);
    assert_int_equal(ar.restart_done, 1);
    assert_int_equal(ar.journal_kept, 1);
    node_close(&n);
    /* The process dies here, before the probe's verdict. The next start: */
    assert_int_equal(simnode_open(NODE, &n, &e), OFD_OK);
    assert_int_equal(apply_recover(NODE ".journal", &n, &rec, &e), OFD_OK);
    assert_int_equal(rec.found, 1);
    assert_int_equal(rec.restart_pending, 1);
    assert_int_equal(n.ops->owned(n.ctx, &o, &e), OFD_OK);
    assert_int_equal(o.restart_pending, 1);
    node_owned_free(&o);
    node_close(&n);
    plan_free(&p);
    manifest_free(m);
    free(before);
}

/* TLS: mutual TLS with Kamailio, this server presenting its certificate (OpenSSL here,
 * given as files), confirms the apply. */
static void a_tls_apply_is_confirmed_through_kamailio(void **state)
{
    struct check_config cfg = cfg0;
    struct check_result res;
    char text[4096], path[1200], fe_cert[1200], fe_key[1200], *pem = NULL, *node = NULL, *b64 = NULL, *b64ca = NULL;
    unsigned char *der = NULL, *cader = NULL;
    size_t len = 0, dlen = 0, calen = 0;
    const char *dir = peer("PEERS_DIR"), *kam = peer("PEER_KAMAILIO");
    ofd_err e;

    (void)state;
    /* The peers' certificates are made now, valid for two days. */
    now_value = (long long)time(NULL);
    snprintf(path, sizeof(path), "%s/certs/imp-ca.pem", dir);
    assert_int_equal(ofd_read_file(path, 1u << 20, &pem, &len, &e), OFD_OK);
    assert_int_equal(ofd_make_dir(SHARE "/certs", &e), OFD_OK);
    assert_int_equal(ofd_write_file_atomic(SHARE "/certs/imp-ca.pem", pem, len, &e), OFD_OK);
    free(pem);
    /* The server: its certificate (from the OCS CA, which Kamailio trusts) in My, that
     * CA in Root, and the IM&P node's name resolving to Kamailio. */
    snprintf(fe_cert, sizeof(fe_cert), "%s/certs/fe.pem", dir);
    snprintf(fe_key, sizeof(fe_key), "%s/certs/fe.key", dir);
    assert_int_equal(ofd_read_file(fe_cert, 1u << 20, &pem, &len, &e), OFD_OK);
    assert_int_equal(cs_cert_from_buffer((unsigned char *)pem, len, "fe.pem", &der, &dlen, &e), OFD_OK);
    free(pem);
    snprintf(path, sizeof(path), "%s/certs/ocs-ca.pem", dir);
    assert_int_equal(ofd_read_file(path, 1u << 20, &pem, &len, &e), OFD_OK);
    assert_int_equal(cs_cert_from_buffer((unsigned char *)pem, len, "ocs-ca.pem", &cader, &calen, &e), OFD_OK);
    free(pem);
    assert_non_null(b64 = testcert_base64(der, dlen));
    assert_non_null(b64ca = testcert_base64(cader, calen));
    assert_non_null(node = malloc(strlen(b64) + strlen(b64ca) + 2048));
    sprintf(
        node,
        "{\"ocsfed_sim_node\": 1, \"node\": {\"fqdn\": \"ocs-se1.example.com\", \"pool\": "
        "\"ocs-se1.example.com\", \"backend\": \"(local)\\\\rtc\"},\n"
        " \"ocs\": {\"MSFT_SIPPoolSetting\": [], \"MSFT_SIPDomainData\": [], \"MSFT_SIPListeningAddressData\": [],\n"
        "         \"MSFT_SIPRoutingTableData\": [], \"MSFT_SIPRemoteAddressData\": []},\n"
        " \"certificates\": {\"Root\": [{\"der\": \"%s\"}], \"CA\": [], \"My\": [{\"der\": \"%s\"}]},\n"
        " \"fips\": {\"Enabled\": 0}, \"services\": {\"RTCSRV\": \"running\"},\n"
        " \"dns\": {\"imp1.example.com\": \"%s\"}}\n",
        b64ca, b64, kam);
    assert_int_equal(ofd_write_file_atomic(NODE, node, strlen(node), &e), OFD_OK);
    remove(NODE ".journal");
    remove(STATE);
    snprintf(text, sizeof(text),
             "{\"manifest_version\": 1, \"serial\": 1,\n"
             " \"imp\": {\"transport\": \"tls\", \"peer_auth_port\": 5061, \"server_auth_port\": 5063, \"domains\": "
             "[\"example.com\"],\n"
             "          \"nodes\": [{\"fqdn\": \"imp1.example.com\", \"ip\": \"%s\"}]},\n"
             " \"ocs\": {\"edition\": \"standard\", \"servers\": [\"ocs-se1.example.com\"]},\n"
             " \"certificates\": {\"trusted_roots\": [\"certs/imp-ca.pem\"]},\n"
             " \"confirm\": {\"probe\": true, \"timeout_seconds\": 20}}\n",
             kam);
    publish_text(text);
    cfg.probe_cert = fe_cert;
    cfg.probe_key = fe_key;
    ofd_err_clear(&e);
    if (check_run(&cfg, &env, &res, &e) != OFD_OK)
        fail_msg("check: %s", e.msg);
    now_value = 1795000000LL;
    if (!strstr(last_text, "confirmed: the probe passed (4 checks)"))
        fail_msg("event: %s", last_text);
    free(node);
    free(b64);
    free(b64ca);
    free(der);
    free(cader);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_failed_probe_undoes_the_apply_and_the_serial_is_not_retried),
        cmocka_unit_test(a_passed_probe_keeps_the_changes),
        cmocka_unit_test(an_apply_that_restarted_is_undone_and_restarted_again),
        cmocka_unit_test(a_slot_that_closes_during_the_wait_leaves_the_restart_pending),
        cmocka_unit_test(a_stop_while_waiting_for_the_probe_undoes_the_apply),
        cmocka_unit_test(a_probe_that_cannot_run_undoes_the_apply),
        cmocka_unit_test(a_later_probe_stops_at_the_deadline),
        cmocka_unit_test(a_crash_while_waiting_leaves_the_restored_settings_restart_pending),
        cmocka_unit_test(a_tls_apply_is_confirmed_through_kamailio),
    };

    if (argc != 2) {
        fprintf(stderr, "usage: test_confirm EXAMPLES_DIR (under tests/peers/with_peers.sh)\n");
        return 2;
    }
    examples = argv[1];
    return cmocka_run_group_tests(tests, NULL, NULL);
}
