/* The agent's promise, tried as an attacker would: a front end changes only what the
 * publisher signed. Each test is one attack from the trust issue, run through one check
 * of the agent (check.c) on a simulated front end, with a folder standing in for the
 * share. Argument: the examples/ folder. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <cjson/cJSON.h>

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

#define SHARE "atk_share"
#define NODE "atk_node.json"
#define STATE "atk_state.json"

static const char *examples;
static enum check_event last_event;
static char last_text[2048];

static void on_event(void *ctx, enum check_event ev, const char *text)
{
    (void)ctx;
    last_event = ev;
    snprintf(last_text, sizeof(last_text), "%s", text);
}

/* 2026-12-02 12:00 UTC, a Wednesday: outside the examples' windows, after the example certificates were issued. */
static long long fixed_now(void *ctx)
{
    (void)ctx;
    return 1796227200LL;
}

static const struct check_env env = {.event = on_event, .now = fixed_now};

/* The publisher: one key for the whole run. */
static struct testcert pub_ca, pub;
static char pub_tp[41];

static char *slurp(const char *path, size_t *len)
{
    char *text = NULL;
    ofd_err e;

    assert_int_equal(ofd_read_file(path, 1u << 24, &text, len, &e), OFD_OK);
    return text;
}

static void sign_share(void)
{
    unsigned char *sig = NULL;
    size_t len = 0, sig_len = 0;
    char *text = slurp(SHARE "/manifest.json", &len);
    ofd_err e;

    assert_int_equal(trust_sign((const unsigned char *)text, len, pub.key, pub.x, &sig, &sig_len, &e), OFD_OK);
    assert_int_equal(ofd_write_file_atomic(SHARE "/manifest.json.p7s", (const char *)sig, sig_len, &e), OFD_OK);
    free(sig);
    free(text);
}

static void write_pem(const struct testcert *c, const char *path)
{
    assert_int_equal(testcert_write_pem(c, NULL, path), 0);
}

/* The edits a test makes to the example before it is published. */
static int serial_to_set;
static void set_serial(cJSON *root)
{
    cJSON_ReplaceItemInObject(root, "serial", cJSON_CreateNumber(serial_to_set));
}

static void add_intermediate(cJSON *root)
{
    cJSON *certs = cJSON_GetObjectItem(root, "certificates");

    set_serial(root);
    assert_non_null(cJSON_AddArrayToObject(certs, "intermediates"));
    assert_true(
        cJSON_AddItemToArray(cJSON_GetObjectItem(certs, "intermediates"), cJSON_CreateString("certs/inter.pem")));
}

static void add_server_pfx(cJSON *root)
{
    cJSON *certs = cJSON_GetObjectItem(root, "certificates");

    set_serial(root);
    assert_true(
        cJSON_AddItemToArray(cJSON_GetObjectItem(certs, "trusted_roots"), cJSON_CreateString("certs/pool-ca.pem")));
    assert_non_null(cJSON_AddObjectToObject(certs, "server"));
    assert_non_null(cJSON_AddStringToObject(cJSON_GetObjectItem(certs, "server"), "pfx", "certs/pool.pfx"));
}

/* Publishes examples/EXAMPLE (edited) into the share, with the example certificates,
 * pinned and signed by the publisher. */
static void publish(const char *example, int serial, void (*edit)(cJSON *root))
{
    char src[1024];
    ofd_err e;

    snprintf(src, sizeof(src), "%s/%s", examples, example);
    assert_int_equal(ofd_make_dir(SHARE, &e), OFD_OK);
    assert_int_equal(ofd_make_dir(SHARE "/certs", &e), OFD_OK);
    snprintf(src, sizeof(src), "%s/certs/imp-root-ca.pem", examples);
    testutil_copy_file(src, SHARE "/certs/imp-root-ca.pem");
    snprintf(src, sizeof(src), "%s/%s", examples, example);
    serial_to_set = serial;
    testutil_write_manifest(src, SHARE "/manifest.json", edit ? edit : set_serial);
    /* As a publisher does: the files pinned, then signed. */
    if (testutil_ocsfed("pin", SHARE "/manifest.json", NULL) != 0)
        fail_msg("ocsfed pin: %s%s", testutil_out, testutil_err);
    sign_share();
}

static void fresh_node(const char *from)
{
    char src[1024];
    struct node n = {0};
    struct node_owned o = {0};
    ofd_err e;

    snprintf(src, sizeof(src), "%s/nodes/%s", examples, from);
    testutil_copy_file(src, NODE);
    /* In the form the node saves itself, so a byte comparison means "nothing written". */
    assert_int_equal(simnode_open(NODE, &n, &e), OFD_OK);
    assert_int_equal(n.ops->owned(n.ctx, &o, &e), OFD_OK);
    assert_int_equal(n.ops->set_owned(n.ctx, &o, &e), OFD_OK);
    node_owned_free(&o);
    node_close(&n);
    remove(STATE);
    remove(NODE ".journal");
}

static void assert_same_file(const char *path, const char *before, size_t lb)
{
    size_t la = 0;
    char *after = slurp(path, &la);

    assert_int_equal(la, lb);
    assert_memory_equal(after, before, lb);
    free(after);
}

static struct report read_report(const char *fqdn)
{
    struct report r;
    char path[256];
    ofd_err e;

    memset(&r, 0, sizeof(r));
    snprintf(path, sizeof(path), SHARE "/reports/%s.json", fqdn);
    assert_int_equal(report_read_file(path, &r, &e), OFD_OK);
    return r;
}

/* A check in apply mode after a share writer without the key replaced one file the
 * signed manifest names: nothing is written, and the report and the event say why. */
static void check_refuses_the_swapped_file(const char *swapped)
{
    struct check_config cfg = {.manifest_dir = SHARE,
                               .trusted_signer = pub_tp,
                               .state_path = STATE,
                               .node_spec = "sim:" NODE,
                               .pfx_password = "s3cret"};
    struct check_result res;
    struct report r;
    char *before;
    size_t lb = 0;
    ofd_err e;

    before = slurp(NODE, &lb);
    ofd_err_clear(&e);
    check_run(&cfg, &env, &res, &e);
    assert_same_file(NODE, before, lb);
    assert_int_equal(last_event, CHECK_EV_REFUSED);
    assert_non_null(strstr(last_text, swapped));
    r = read_report("fe1.example.com");
    assert_int_equal(r.status, REPORT_REFUSED);
    assert_string_equal(r.refusal_reason, "file_mismatch");
    assert_non_null(strstr(r.refusal_message, swapped));
    report_free(&r);
    free(before);
}

static void a_swapped_root_certificate_is_refused(void **state)
{
    struct testcert evil;

    (void)state;
    fresh_node("fe1-enterprise.json");
    publish("tls-enterprise.json", 12, NULL);
    assert_int_equal(testcert_ca("IM&P Root CA", 30, &evil), 0);
    write_pem(&evil, SHARE "/certs/imp-root-ca.pem");
    check_refuses_the_swapped_file("certs/imp-root-ca.pem");
    testcert_free(&evil);
}

static void a_swapped_intermediate_is_refused(void **state)
{
    struct testcert inter, evil;

    (void)state;
    fresh_node("fe1-enterprise.json");
    assert_int_equal(testcert_ca("IM&P Issuing CA", 30, &inter), 0);
    assert_int_equal(ofd_make_dir(SHARE, NULL), OFD_OK);
    assert_int_equal(ofd_make_dir(SHARE "/certs", NULL), OFD_OK);
    write_pem(&inter, SHARE "/certs/inter.pem");
    publish("tls-enterprise.json", 12, add_intermediate);
    assert_int_equal(testcert_ca("IM&P Issuing CA", 30, &evil), 0);
    write_pem(&evil, SHARE "/certs/inter.pem");
    check_refuses_the_swapped_file("certs/inter.pem");
    testcert_free(&inter);
    testcert_free(&evil);
}

static void a_swapped_server_pfx_is_refused(void **state)
{
    unsigned char tp[20];
    struct testcert ca, evil;

    (void)state;
    fresh_node("fe1-enterprise.json");
    assert_int_equal(ofd_make_dir(SHARE, NULL), OFD_OK);
    assert_int_equal(ofd_make_dir(SHARE "/certs", NULL), OFD_OK);
    assert_int_equal(testcert_write_server_pfx("pool.example.com", "s3cret", SHARE "/certs/pool.pfx", tp,
                                               SHARE "/certs/pool-ca.pem"),
                     0);
    publish("tls-enterprise.json", 12, add_server_pfx);
    /* The attacker's own server certificate and key, for the same name: alone, then
     * with the attacker's CA in place of the pinned one. */
    assert_int_equal(testcert_ca("Example OCS CA", 30, &ca), 0);
    assert_int_equal(testcert_leaf(&ca, "pool.example.com", "serverAuth,clientAuth", NULL, -1, 30, &evil), 0);
    assert_int_equal(testcert_write_pfx(&evil, "s3cret", SHARE "/certs/pool.pfx"), 0);
    check_refuses_the_swapped_file("certs/pool.pfx");
    write_pem(&ca, SHARE "/certs/pool-ca.pem");
    check_refuses_the_swapped_file("certs/pool-ca.pem");
    testcert_free(&ca);
    testcert_free(&evil);
}

/* The anti-rollback floor is the highest serial accepted, whatever came of it: a newer
 * manifest that changes nothing (converged), or one only monitored, still moves it, so
 * the older signed manifest put back is refused as older. */
static void the_floor_moves_with_every_accepted_serial(void **state)
{
    struct check_config cfg = {
        .manifest_dir = SHARE, .trusted_signer = pub_tp, .state_path = STATE, .node_spec = "sim:" NODE};
    struct check_result res;
    char *older, *older_sig, *before;
    size_t lo = 0, ls = 0, lb = 0;
    int monitor;
    ofd_err e;

    (void)state;
    for (monitor = 0; monitor <= 1; monitor++) {
        fresh_node("ocs-se1-converged.json");
        cfg.monitor = monitor;
        publish("tcp-standard.json", 1, NULL);
        older = slurp(SHARE "/manifest.json", &lo);
        older_sig = slurp(SHARE "/manifest.json.p7s", &ls);
        assert_int_equal(check_run(&cfg, &env, &res, &e), OFD_OK);
        assert_int_equal(res.outcome, CHECK_EV_CONVERGED);
        publish("tcp-standard.json", 2, NULL);
        assert_int_equal(check_run(&cfg, &env, &res, &e), OFD_OK);
        assert_int_equal(res.outcome, CHECK_EV_CONVERGED);
        /* The older signed manifest put back. */
        assert_int_equal(ofd_write_file_atomic(SHARE "/manifest.json", older, lo, &e), OFD_OK);
        assert_int_equal(ofd_write_file_atomic(SHARE "/manifest.json.p7s", older_sig, ls, &e), OFD_OK);
        before = slurp(NODE, &lb);
        assert_int_equal(check_run(&cfg, &env, &res, &e), OFD_OK);
        assert_int_equal(res.outcome, CHECK_EV_REFUSED);
        assert_non_null(strstr(last_text, "refused (older_serial)"));
        assert_same_file(NODE, before, lb);
        free(before);
        free(older);
        free(older_sig);
    }
}

/* A journal planted in the agent's folder: an interrupted apply of no node (or of
 * another), whose "undo" would create a host treated as authenticated. It is refused
 * and kept for the operator, and the node is not touched. */
static void a_planted_journal_is_refused_and_kept(void **state)
{
    static const char *const heads[] = {"{\"ocsfed_journal\": 1, \"node\": \"\"}\n", "{\"ocsfed_journal\": 1}\n",
                                        "{\"ocsfed_journal\": 1, \"node\": \"other.example.com\"}\n"};
    const char *entry = "{\"op\": \"delete\", \"class\": \"MSFT_SIPRemoteAddressData\", \"old\": ["
                        "{\"n\": \"InstanceID\", \"t\": \"string\", \"v\": \"{EE000000-0000-0000-0000-000000000001}\"},"
                        "{\"n\": \"Backend\", \"t\": \"string\", \"v\": \"(local)\\\\rtc\"},"
                        "{\"n\": \"Server\", \"t\": \"string\", \"v\": \"evil.example.org\"},"
                        "{\"n\": \"OutboundOnly\", \"t\": \"boolean\", \"v\": false},"
                        "{\"n\": \"ThrottleAsServer\", \"t\": \"boolean\", \"v\": true},"
                        "{\"n\": \"TreatAsAuthenticated\", \"t\": \"boolean\", \"v\": true}]}\n";
    struct check_config cfg = {
        .manifest_dir = SHARE, .trusted_signer = pub_tp, .state_path = STATE, .node_spec = "sim:" NODE};
    struct check_result res;
    struct strbuf j = {0};
    char *before, *kept;
    size_t lb = 0, lk = 0, k;
    ofd_err e;

    (void)state;
    for (k = 0; k < sizeof(heads) / sizeof(heads[0]); k++) {
        fresh_node("ocs-se1.json");
        publish("tcp-standard.json", 1, NULL);
        sb_truncate(&j, 0);
        sb_append(&j, heads[k]);
        sb_append(&j, entry);
        assert_int_equal(ofd_write_file_atomic(NODE ".journal", sb_str(&j), j.len, &e), OFD_OK);
        before = slurp(NODE, &lb);
        ofd_err_clear(&e);
        assert_int_not_equal(check_run(&cfg, &env, &res, &e), OFD_OK);
        assert_int_equal(last_event, CHECK_EV_FAILED);
        assert_non_null(strstr(last_text, NODE ".journal"));
        assert_same_file(NODE, before, lb);
        kept = slurp(NODE ".journal", &lk);
        assert_int_equal(lk, j.len);
        assert_memory_equal(kept, sb_str(&j), lk);
        free(kept);
        free(before);
    }
    sb_free(&j);
}

/* A monitor-mode agent changes nothing, not even to undo an interrupted apply: it says
 * the journal is there and how to finish it. */
static void monitor_mode_does_not_recover_a_journal(void **state)
{
    struct check_config cfg = {
        .manifest_dir = SHARE, .trusted_signer = pub_tp, .state_path = STATE, .node_spec = "sim:" NODE, .monitor = 1};
    struct check_result res;
    const char *journal = "{\"ocsfed_journal\": 1, \"node\": \"ocs-se1.example.com\"}\n"
                          "{\"op\": \"fips\", \"old\": true}\n";
    char *before;
    size_t lb = 0;
    ofd_err e;

    (void)state;
    fresh_node("ocs-se1.json");
    publish("tcp-standard.json", 1, NULL);
    assert_int_equal(ofd_write_file_atomic(NODE ".journal", journal, strlen(journal), &e), OFD_OK);
    before = slurp(NODE, &lb);
    ofd_err_clear(&e);
    assert_int_not_equal(check_run(&cfg, &env, &res, &e), OFD_OK);
    assert_int_equal(last_event, CHECK_EV_FAILED);
    assert_non_null(strstr(last_text, "monitor mode"));
    assert_same_file(NODE, before, lb);
    free(before);
    free(slurp(NODE ".journal", &lb));
}

/* What the agent reads, counted through its reader seam; from the third read of
 * manifest.json on, the reader hands out the attacker's bytes instead. */
static int reads_manifest, reads_sig, reads_root, reads_other;

static enum ofd_code counting_read(void *ctx, const char *path, size_t max, char **out, size_t *len, ofd_err *e)
{
    size_t n = strlen(path);

    (void)ctx;
    if (n >= 13 && !strcmp(path + n - 13, "manifest.json")) {
        if (++reads_manifest > 2) {
            const char *evil = "{\"manifest_version\": 1, \"serial\": 99}";
            *out = ofd_strdup(evil);
            *len = strlen(evil);
            return *out ? OFD_OK : OFD_E_NOMEM;
        }
    } else if (n >= 4 && !strcmp(path + n - 4, ".p7s")) {
        reads_sig++;
    } else if (strstr(path, "imp-root-ca.pem")) {
        reads_root++;
    } else {
        reads_other++;
    }
    return ofd_read_file(path, max, out, len, e);
}

/* Verify the bytes, then use only those bytes: on each check the manifest and its
 * signature are read twice (the second read tells a copy in progress), each file the
 * manifest pins once, and nothing after intake has decided, on the first check
 * (accepted) as on the next ones (unchanged). */
static void nothing_is_read_again_after_verification(void **state)
{
    const struct ofd_reader reader = {counting_read, NULL};
    const struct check_env counted = {.event = on_event, .now = fixed_now, .reader = &reader};
    struct check_config cfg = {
        .manifest_dir = SHARE, .trusted_signer = pub_tp, .state_path = STATE, .node_spec = "sim:" NODE};
    struct check_result res;
    int k;
    ofd_err e;

    (void)state;
    fresh_node("fe1-enterprise.json");
    publish("tls-enterprise.json", 12, NULL);
    for (k = 0; k < 3; k++) {
        reads_manifest = reads_sig = reads_root = reads_other = 0;
        ofd_err_clear(&e);
        if (check_run(&cfg, &counted, &res, &e) != OFD_OK)
            fail_msg("check %d: %s", k, e.msg);
        assert_int_equal(res.serial, 12);
        assert_true(res.outcome == CHECK_EV_RESTART_PENDING || res.outcome == CHECK_EV_CONVERGED);
        assert_int_equal(reads_manifest, 2);
        assert_int_equal(reads_sig, 2);
        assert_int_equal(reads_root, 1);
        assert_int_equal(reads_other, 0);
    }
}

static int setup(void **state)
{
    unsigned char *der = NULL, tp[CS_SHA1_LEN];
    size_t len = 0;
    ofd_err e;

    (void)state;
    assert_int_equal(testcert_ca("ocsfed attack test CA", 30, &pub_ca), 0);
    assert_int_equal(testcert_leaf(&pub_ca, "manifest publisher", NULL, NULL, -1, 30, &pub), 0);
    assert_int_equal(testcert_der(&pub, &der, &len), 0);
    assert_int_equal(cs_x509_thumbprint(der, len, tp, &e), OFD_OK);
    cs_thumbprint_hex(tp, pub_tp);
    free(der);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    testcert_free(&pub);
    testcert_free(&pub_ca);
    return 0;
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_swapped_root_certificate_is_refused),
        cmocka_unit_test(a_swapped_intermediate_is_refused),
        cmocka_unit_test(a_swapped_server_pfx_is_refused),
        cmocka_unit_test(the_floor_moves_with_every_accepted_serial),
        cmocka_unit_test(a_planted_journal_is_refused_and_kept),
        cmocka_unit_test(monitor_mode_does_not_recover_a_journal),
        cmocka_unit_test(nothing_is_read_again_after_verification),
    };

    if (argc != 2) {
        fprintf(stderr, "usage: test_attacks EXAMPLES_DIR\n");
        return 2;
    }
    examples = argv[1];
    return cmocka_run_group_tests(tests, setup, teardown);
}
