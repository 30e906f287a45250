/* The attack on the "unchanged" path, as it was made: a process swaps manifest.json
 * back and forth between the signed manifest and an unsigned one (the same serial, one
 * more IM&P node: an attacker's host treated as authenticated) while the agent checks
 * in apply mode, again and again. Before, the check re-read the manifest after intake
 * had verified it and applied what it found then (21 of 100 checks, reproduced here
 * within the first few); now every check is refused as torn or tampered, or plans the
 * signed bytes: the attacker's host never reaches the node. POSIX threads: native only.
 * Argument: the examples/ folder. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pthread.h>

#include <cmocka.h>

#include "check.h"
#include "cs.h"
#include "fsutil.h"
#include "simnode.h"
#include "strbuf.h"
#include "testcert.h"
#include "trust.h"

#define SHARE "race_share"
#define NODE "race_node.json"
#define EVIL_IP "10.66.66.66"

static const char *examples;

static long long fixed_now(void *ctx)
{
    (void)ctx;
    return 1796227200LL; /* a Wednesday, outside the example's window */
}

static volatile int stop_swapping;

/* Puts the good and the evil manifest in place in turn, each by an atomic rename. */
static void *swapper(void *arg)
{
    ofd_err e;
    int k = 0;

    (void)arg;
    while (!stop_swapping) {
        const char *from = k++ % 2 ? SHARE "/evil.json" : SHARE "/good.json";
        char *text = NULL;
        size_t len = 0;

        if (ofd_read_file(from, 1u << 20, &text, &len, &e) == OFD_OK) {
            ofd_write_file_atomic(SHARE "/manifest.json", text, len, &e);
            free(text);
        }
    }
    return NULL;
}

static void a_manifest_swapped_after_verification_never_reaches_the_node(void **state)
{
    struct check_config cfg = {
        .manifest_dir = SHARE, .trusted_signer = NULL, .state_path = "race_state.json", .node_spec = "sim:" NODE};
    struct check_env env = {.now = fixed_now};
    struct testcert ca, pub;
    struct strbuf evil = {0};
    unsigned char *der = NULL, *sig = NULL, tp[CS_SHA1_LEN];
    size_t der_len = 0, sig_len = 0, len = 0;
    char src[1024], tp_hex[41], *good = NULL, *node = NULL, *at;
    pthread_t th;
    int i, won = 0;
    ofd_err e;

    (void)state;
    snprintf(src, sizeof(src), "%s/tcp-standard.json", examples);
    assert_int_equal(ofd_read_file(src, 1u << 20, &good, &len, &e), OFD_OK);
    snprintf(src, sizeof(src), "%s/nodes/ocs-se1.json", examples);
    assert_int_equal(ofd_read_file(src, 1u << 24, &node, &der_len, &e), OFD_OK);
    assert_int_equal(ofd_write_file_atomic(NODE, node, der_len, &e), OFD_OK);
    free(node);
    remove("race_state.json");
    remove(NODE ".journal");
    assert_int_equal(ofd_make_dir(SHARE, &e), OFD_OK);
    /* The publisher's signed manifest, applied once: the state says serial 1. */
    assert_int_equal(testcert_ca("race CA", 30, &ca), 0);
    assert_int_equal(testcert_leaf(&ca, "publisher", NULL, NULL, -1, 30, &pub), 0);
    assert_int_equal(testcert_der(&pub, &der, &der_len), 0);
    assert_int_equal(cs_x509_thumbprint(der, der_len, tp, &e), OFD_OK);
    cs_thumbprint_hex(tp, tp_hex);
    cfg.trusted_signer = tp_hex;
    assert_int_equal(trust_sign((const unsigned char *)good, len, pub.key, pub.x, &sig, &sig_len, &e), OFD_OK);
    assert_int_equal(ofd_write_file_atomic(SHARE "/manifest.json.p7s", (const char *)sig, sig_len, &e), OFD_OK);
    assert_int_equal(ofd_write_file_atomic(SHARE "/good.json", good, len, &e), OFD_OK);
    assert_int_equal(ofd_write_file_atomic(SHARE "/manifest.json", good, len, &e), OFD_OK);
    assert_int_equal(check_run(&cfg, &env, NULL, &e), OFD_OK);
    /* The attacker's: the same serial, one more node, never signed. */
    assert_non_null(at = strstr(good, "{ \"fqdn\": \"imp2.example.com\""));
    sb_appendn(&evil, good, (size_t)(at - good));
    sb_append(&evil, "{ \"fqdn\": \"evil.example.org\", \"ip\": \"" EVIL_IP "\" }, ");
    sb_append(&evil, at);
    assert_int_equal(ofd_write_file_atomic(SHARE "/evil.json", sb_str(&evil), evil.len, &e), OFD_OK);

    stop_swapping = 0;
    assert_int_equal(pthread_create(&th, NULL, swapper, NULL), 0);
    for (i = 0; i < 200 && !won; i++) {
        char *now = NULL;
        size_t n = 0;

        ofd_err_clear(&e);
        check_run(&cfg, &env, NULL, &e);
        assert_int_equal(ofd_read_file(NODE, 1u << 24, &now, &n, &e), OFD_OK);
        won = strstr(now, EVIL_IP) != NULL;
        free(now);
    }
    stop_swapping = 1;
    pthread_join(th, NULL);
    if (won)
        fail_msg("check %d applied the unsigned manifest: the attacker's host is on the node", i);
    print_message("200 checks while the manifest was being swapped: the unsigned one never applied\n");
    sb_free(&evil);
    free(sig);
    free(der);
    free(good);
    testcert_free(&pub);
    testcert_free(&ca);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_manifest_swapped_after_verification_never_reaches_the_node),
    };

    if (argc != 2) {
        fprintf(stderr, "usage: test_swap_race EXAMPLES_DIR\n");
        return 2;
    }
    examples = argv[1];
    return cmocka_run_group_tests(tests, NULL, NULL);
}
