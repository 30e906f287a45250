/* The confirmed apply ("confirm") through the WMI node under Wine: one check of the
 * agent (check_run) on the OCS stand-in at the IWbemServices seam, Wine's real
 * certificate stores and registry, the probe through Schannel presenting the server
 * certificate the plan selects from the local machine's My store, against the real
 * peers tests/peers/with_peers.sh started natively:
 *  - Kamailio over mutual TLS answers OPTIONS: the apply stands (its journal removed),
 *    and `ocsfed probe` on this server says the same;
 *  - a peer whose certificate comes from an untrusted CA: the apply is undone, every OCS
 *    class (each instance, each value), the ownership record, the FIPS policy and the
 *    Root store as they were, and the report and the event say "reverted: probe failed".
 * The server certificate's key is in the user's key set: Wine 8.0's Schannel reads no
 * other (test_probe_schannel_win.c). The IM&P name resolves through the node (a resolve
 * put on the WMI node here): Wine asks the host's resolver, which knows no IM&P.
 * Arguments: the examples/ folder. Environment: with_peers.sh's PEERS_DIR and PEER_*. */
#include <windows.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <openssl/pem.h>

#include "check.h"
#include "cs_inspect.h"
#include "cs_store.h"
#include "fsutil.h"
#include "nodespec.h"
#include "ocs_model.h"
#include "ocs_standin.h"
#include "probe_schannel.h"
#include "report.h"
#include "standin_seed.h"
#include "strbuf.h"
#include "testcert.h"
#include "testutil.h"
#include "trust.h"
#include "wmi_node.h"

#define OWNED "cw_owned.json"
#define JOURNAL "cw_journal.jsonl"
#define KEYED "cw_fe1_keyed.json"
#define SHARE "cw_share"
#define STATE "cw_state.json"
#define REPORT SHARE "/reports/fe1.example.com.json"

static const char *examples;
static struct ocs_standin *standin;
static char resolve_to[64], signer_tp[41], last_text[2048];
static enum check_event last_event;

static const char *env_of(const char *name)
{
    const char *v = getenv(name);

    if (!v || !*v)
        fail_msg("%s is not set: run under tests/peers/with_peers.sh", name);
    return v;
}

/* A file of the peers' certificate folder, as Wine opens a Unix path. */
static void peer_file(char *out, size_t size, const char *name)
{
    const char *dir = env_of("PEERS_DIR");

    snprintf(out, size, "%s%s/certs/%s", dir[0] == '/' ? "Z:" : "", dir, name);
}

static enum ofd_code test_resolve(void *ctx, const char *fqdn, char **ip, ofd_err *e)
{
    (void)ctx;
    (void)e;
    *ip = !strcmp(fqdn, "imp1.example.com") ? ofd_strdup(resolve_to) : NULL;
    return OFD_OK;
}

/* This server: the WMI node over the stand-in, with the name resolution above. */
static struct node_ops with_dns;

static enum ofd_code open_standin(struct node *out, ofd_err *e)
{
    struct wmi_node_config cfg;
    enum ofd_code rc;

    memset(&cfg, 0, sizeof(cfg));
    cfg.svc = ocs_standin_services(standin);
    cfg.fqdn = "fe1.example.com";
    cfg.owned_path = OWNED;
    if ((rc = wmi_node_open(&cfg, out, e)) == OFD_OK) {
        with_dns = *out->ops;
        with_dns.resolve = test_resolve;
        out->ops = &with_dns;
    }
    return rc;
}

static char *journal_path(void)
{
    return ofd_strdup(JOURNAL);
}

static const struct node_platform standin_server = {.open = open_standin, .journal = journal_path};

static void on_event(void *ctx, enum check_event ev, const char *text)
{
    (void)ctx;
    last_event = ev;
    snprintf(last_text, sizeof(last_text), "%s", text);
}

static long long real_now(void *ctx)
{
    (void)ctx;
    return (long long)time(NULL);
}

static void load_pem(const char *name, X509 **x, EVP_PKEY **k)
{
    char path[1200], *text = NULL;
    size_t len = 0;
    BIO *b;
    ofd_err e;

    peer_file(path, sizeof(path), name);
    assert_int_equal(ofd_read_file(path, 1u << 20, &text, &len, &e), OFD_OK);
    assert_non_null(b = BIO_new_mem_buf(text, (int)len));
    if (x)
        assert_non_null(*x = PEM_read_bio_X509(b, NULL, NULL, NULL));
    if (k)
        assert_non_null(*k = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL));
    BIO_free(b);
    free(text);
}

/* A fresh stand-in seeded with the example front end, its server certificate issued by
 * the OCS CA Kamailio trusts; the IM&P CA not yet in Root. */
static void fresh_server(void)
{
    struct testcert ca = {0};
    unsigned char tp[CS_SHA1_LEN], *der = NULL;
    char path[1024], *pem = NULL;
    size_t len = 0, dlen = 0;
    int removed;
    ofd_err e;

    load_pem("ocs-ca.pem", &ca.x, NULL);
    load_pem("ocs-ca.key", NULL, &ca.key);
    assert_non_null(standin = ocs_standin_new());
    snprintf(path, sizeof(path), "%s/nodes/fe1-enterprise.json", examples);
    if (standin_seed_keyed_by(standin, path, KEYED, &ca, 1, &e) != OFD_OK)
        fail_msg("seeding the stand-in: %s", e.msg);
    testcert_free(&ca);
    peer_file(path, sizeof(path), "imp-ca.pem");
    assert_int_equal(ofd_read_file(path, 1u << 20, &pem, &len, &e), OFD_OK);
    assert_int_equal(cs_cert_from_buffer((unsigned char *)pem, len, "imp-ca.pem", &der, &dlen, &e), OFD_OK);
    assert_int_equal(cs_x509_thumbprint(der, dlen, tp, &e), OFD_OK);
    assert_int_equal(cs_store_remove("Root", tp, &removed, &e), OFD_OK);
    assert_int_equal(ofd_make_dir(SHARE, &e), OFD_OK);
    assert_int_equal(ofd_make_dir(SHARE "/certs", &e), OFD_OK);
    assert_int_equal(ofd_write_file_atomic(SHARE "/certs/imp-ca.pem", pem, len, &e), OFD_OK);
    free(pem);
    free(der);
    remove(OWNED);
    remove(JOURNAL);
    remove(STATE);
}

static void standin_done(void)
{
    assert_int_equal(ocs_standin_outstanding(standin), 0);
    ocs_standin_free(standin);
    standin = NULL;
}

/* The example pool's TLS manifest, its one IM&P node at addr, signed. */
static void publish(const char *addr)
{
    char text[2048];
    ofd_err e;

    snprintf(text, sizeof(text),
             "{\"manifest_version\": 1, \"serial\": 5,\n"
             " \"imp\": {\"transport\": \"tls\", \"peer_auth_port\": 5061, \"server_auth_port\": 5063, \"domains\": "
             "[\"example.com\"],\n"
             "          \"nodes\": [{\"fqdn\": \"imp1.example.com\", \"ip\": \"%s\"}]},\n"
             " \"ocs\": {\"edition\": \"enterprise\", \"pool_fqdn\": \"pool.example.com\", \"servers\": "
             "[\"fe1.example.com\", \"fe2.example.com\"], \"sip_domains\": [\"example.com\"]},\n"
             " \"certificates\": {\"trusted_roots\": [\"certs/imp-ca.pem\"]},\n"
             " \"confirm\": {\"probe\": true, \"timeout_seconds\": 1}}\n",
             addr);
    assert_int_equal(ofd_write_file_atomic(SHARE "/manifest.json", text, strlen(text), &e), OFD_OK);
    testutil_pin_manifest(SHARE "/manifest.json");
    assert_int_equal(testcert_sign_file(SHARE "/manifest.json", "ocsfed confirm test CA", signer_tp), 0);
}

static enum ofd_code run_check(void)
{
    const struct check_config cfg = {
        .manifest_dir = SHARE, .trusted_signer = signer_tp, .state_path = STATE, .node_spec = NULL};
    const struct check_env env = {.event = on_event, .now = real_now};
    struct check_result res;
    ofd_err e;

    ofd_err_clear(&e);
    if (check_run(&cfg, &env, &res, &e) != OFD_OK)
        fail_msg("check: %s", e.msg);
    print_message("event: %s\n", last_text);
    return OFD_OK;
}

/* Everything a revert must put back, read through the node and the stores. */
struct snapshot {
    struct node_instances cls[8];
    size_t ncls;
    int fips, root_has_imp_ca;
    struct node_owned owned; /* read through the node: no file and an empty record are one */
};

static void take(struct snapshot *s)
{
    struct node n = {0};
    char path[1024], *pem = NULL;
    unsigned char *der = NULL, tp[CS_SHA1_LEN];
    size_t c, len = 0, dlen = 0;
    ofd_err e;

    memset(s, 0, sizeof(*s));
    assert_int_equal(open_standin(&n, &e), OFD_OK);
    for (c = 0; c < ocs_class_count(); c++)
        if (ocs_class_at(c)->wmi)
            assert_int_equal(n.ops->instances(n.ctx, ocs_class_at(c)->name, &s->cls[s->ncls++], &e), OFD_OK);
    assert_int_equal(n.ops->fips(n.ctx, &s->fips, &e), OFD_OK);
    assert_int_equal(n.ops->owned(n.ctx, &s->owned, &e), OFD_OK);
    node_close(&n);
    peer_file(path, sizeof(path), "imp-ca.pem");
    assert_int_equal(ofd_read_file(path, 1u << 20, &pem, &len, &e), OFD_OK);
    assert_int_equal(cs_cert_from_buffer((unsigned char *)pem, len, "imp-ca.pem", &der, &dlen, &e), OFD_OK);
    assert_int_equal(cs_x509_thumbprint(der, dlen, tp, &e), OFD_OK);
    assert_int_equal(cs_store_find("Root", tp, &s->root_has_imp_ca, &e), OFD_OK);
    free(pem);
    free(der);
}

static void same(const struct snapshot *a, const struct snapshot *b)
{
    size_t c, i, q;

    assert_int_equal(a->ncls, b->ncls);
    for (c = 0; c < a->ncls; c++) {
        assert_int_equal(a->cls[c].n, b->cls[c].n);
        for (i = 0; i < a->cls[c].n; i++) {
            const struct node_instance *x = &a->cls[c].v[i], *y = &b->cls[c].v[i];
            assert_int_equal(x->nprops, y->nprops);
            for (q = 0; q < x->nprops; q++) {
                const struct node_value *was = node_instance_get(y, x->props[q].name);
                if (!was || !node_value_equal(&x->props[q].v, was))
                    fail_msg("%s.%s differs", x->cls, x->props[q].name);
            }
        }
    }
    assert_int_equal(a->fips, b->fips);
    assert_int_equal(a->root_has_imp_ca, b->root_has_imp_ca);
    assert_int_equal(a->owned.n, b->owned.n);
    for (i = 0; i < a->owned.n; i++) {
        assert_string_equal(a->owned.v[i].cls, b->owned.v[i].cls);
        assert_string_equal(a->owned.v[i].key, b->owned.v[i].key);
    }
    assert_int_equal(a->owned.restart_pending, b->owned.restart_pending);
}

static void drop(struct snapshot *s)
{
    size_t c;

    for (c = 0; c < s->ncls; c++)
        node_instances_free(&s->cls[c]);
    node_owned_free(&s->owned);
}

static void kamailio_confirms_the_apply_through_schannel(void **state)
{
    struct report r;
    FILE *f;
    ofd_err e;

    (void)state;
    fresh_server();
    snprintf(resolve_to, sizeof(resolve_to), "%s", env_of("PEER_KAMAILIO"));
    publish(env_of("PEER_KAMAILIO"));
    run_check();
    assert_true(last_event == CHECK_EV_APPLIED || last_event == CHECK_EV_RESTART_PENDING);
    assert_non_null(strstr(last_text, "applied to fe1.example.com"));
    assert_non_null(strstr(last_text, "confirmed: the probe passed (4 checks)"));
    f = fopen(JOURNAL, "rb");
    assert_null(f);
    assert_int_equal(report_read_file(REPORT, &r, &e), OFD_OK);
    assert_non_null(r.probe);
    assert_int_equal(r.probe->passed, 1);
    assert_string_equal(r.probe->tls, "schannel");
    report_free(&r);
    /* The command, on "this server" (the stand-in): it plans to learn the certificate,
     * then probes through Schannel. */
    if (testutil_ocsfed("probe", SHARE "/manifest.json", NULL) != 0)
        fail_msg("ocsfed probe: %s%s", testutil_out, testutil_err);
    assert_non_null(strstr(testutil_out, "ok   sip imp1.example.com"));
    assert_non_null(strstr(testutil_out, "(TLS: schannel)"));
    standin_done();
}

static void an_untrusted_peer_reverts_the_apply_through_wmi(void **state)
{
    struct snapshot before, after;
    struct report r;
    char want[256];
    FILE *f;
    ofd_err e;

    (void)state;
    fresh_server();
    snprintf(resolve_to, sizeof(resolve_to), "%s", env_of("PEER_UNTRUSTED"));
    publish(env_of("PEER_UNTRUSTED"));
    take(&before);
    assert_int_equal(before.root_has_imp_ca, 0);
    run_check();
    assert_int_equal(last_event, CHECK_EV_REVERTED);
    snprintf(want, sizeof(want), "reverted: probe failed: FAIL tls imp1.example.com %s:5061 [R13] untrusted",
             env_of("PEER_UNTRUSTED"));
    if (!strstr(last_text, want))
        fail_msg("event: %s", last_text);
    take(&after);
    same(&after, &before);
    f = fopen(JOURNAL, "rb");
    assert_null(f);
    assert_int_equal(report_read_file(REPORT, &r, &e), OFD_OK);
    assert_int_equal(r.status, REPORT_FAILING);
    assert_non_null(strstr(r.errors[0].message, want));
    assert_non_null(r.probe);
    assert_string_equal(r.probe->tls, "schannel");
    report_free(&r);
    drop(&before);
    drop(&after);
    standin_done();
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(kamailio_confirms_the_apply_through_schannel),
        cmocka_unit_test(an_untrusted_peer_reverts_the_apply_through_wmi),
    };

    if (argc != 2) {
        fprintf(stderr, "usage: test_confirm_wmi EXAMPLES_DIR (under tests/peers/with_peers.sh)\n");
        return 2;
    }
    examples = argv[1];
    nodespec_set_platform(&standin_server);
    probe_tls_set_platform(&probe_tls_schannel);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
