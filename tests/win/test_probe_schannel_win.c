/* The probe's Schannel transport under Wine, against the real peers of
 * tests/peers/with_peers.sh running natively on loopback (Wine's sockets are the host's):
 * mutual TLS with Kamailio presenting this server's certificate from the local machine's
 * My store, then SIP OPTIONS; a peer certificate from an untrusted CA judged by the
 * machine's chain engine (R13); one naming another host (R10). Through the
 * InitializeSecurityContextW hook (probe_schannel_set_isc), answers Wine's Schannel never
 * gives, which must end the handshake rather than spin: SEC_I_INCOMPLETE_CREDENTIALS
 * again and again (R14), SEC_I_CONTINUE_NEEDED taking none of its input.
 *
 * Wine 8.0's Schannel cannot present a certificate whose private key is in the machine
 * key set (where ocsfed's PKCS#12 import puts it, R16, as OCS needs): its
 * AcquireCredentialsHandle looks the key up through CryptAcquireCertificatePrivateKey
 * with the provider information Wine's PFXImportCertStore recorded (without
 * CRYPT_MACHINE_KEYSET), and then reads the key container under HKEY_CURRENT_USER
 * (dlls/secur32/schannel.c, get_key_blob), while rsaenh keeps a machine key set under
 * HKEY_LOCAL_MACHINE (dlls/rsaenh/rsaenh.c, create_container_key). The first test pins
 * that down. The others keep the certificate in the local machine's My store, where the
 * probe takes it by thumbprint, with its key in the user's key set: everything the
 * probe does is the same, only where Wine finds the key differs.
 * Environment: PEERS_DIR, PEER_KAMAILIO, PEER_UNTRUSTED, PEER_MISNAMED (with_peers.sh). */
#include <windows.h>
#include <wincrypt.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/pem.h>

#include "cs_store.h"
#include "fsutil.h"
#include "manifest.h"
#include "net.h"
#include "probe.h"
#include "probe_schannel.h"
#include "strbuf.h"
#include "testcert.h"
#include "testutil.h"

static char peers_dir[1024];

static const char *env(const char *name)
{
    const char *v = getenv(name);

    if (!v || !*v)
        fail_msg("%s is not set: run under tests/peers/with_peers.sh", name);
    return v;
}

/* A Unix path from the environment as Wine opens it. */
static void peer_path(char *out, size_t size, const char *name)
{
    snprintf(out, size, "%s%s/certs/%s", peers_dir[0] == '/' ? "Z:" : "", peers_dir, name);
}

/* The OCS CA peers.sh made (Kamailio trusts it), to issue this server's certificate. */
static void load_ocs_ca(struct testcert *ca)
{
    char path[1200];
    char *text = NULL;
    size_t len = 0;
    BIO *b;
    ofd_err e;

    peer_path(path, sizeof(path), "ocs-ca.pem");
    assert_int_equal(ofd_read_file(path, 1u << 20, &text, &len, &e), OFD_OK);
    assert_non_null(b = BIO_new_mem_buf(text, (int)len));
    assert_non_null(ca->x = PEM_read_bio_X509(b, NULL, NULL, NULL));
    BIO_free(b);
    free(text);
    peer_path(path, sizeof(path), "ocs-ca.key");
    assert_int_equal(ofd_read_file(path, 1u << 20, &text, &len, &e), OFD_OK);
    assert_non_null(b = BIO_new_mem_buf(text, (int)len));
    assert_non_null(ca->key = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL));
    BIO_free(b);
    free(text);
}

/* The IM&P CA into the machine's Root store, and a manifest naming one IM&P node at
 * addr that trusts it. */
static struct manifest *manifest_at(const char *addr)
{
    char path[1200], *text = NULL, json[2048];
    size_t len = 0;
    unsigned char *der = NULL;
    size_t dlen = 0;
    ofd_err e;

    peer_path(path, sizeof(path), "imp-ca.pem");
    assert_int_equal(ofd_read_file(path, 1u << 20, &text, &len, &e), OFD_OK);
    assert_int_equal(ofd_make_dir("schannel_m", &e), OFD_OK);
    assert_int_equal(ofd_write_file_atomic("schannel_m/imp-ca.pem", text, len, &e), OFD_OK);
    assert_int_equal(cs_cert_from_buffer((unsigned char *)text, len, "imp-ca.pem", &der, &dlen, &e), OFD_OK);
    assert_int_equal(cs_store_add("Root", der, dlen, NULL, &e), OFD_OK);
    free(der);
    free(text);
    snprintf(json, sizeof(json),
             "{\"manifest_version\": 1, \"serial\": 1, \"imp\": {\"transport\": \"tls\", \"peer_auth_port\": 5061, "
             "\"server_auth_port\": 5063, \"domains\": [\"example.com\"], \"nodes\": [{\"fqdn\": "
             "\"imp1.example.com\", \"ip\": \"%s\"}]}, \"ocs\": {\"edition\": \"standard\", \"servers\": "
             "[\"ocs-se1.example.com\"]}, \"certificates\": {\"trusted_roots\": [\"imp-ca.pem\"]}}",
             addr);
    assert_int_equal(ofd_write_file_atomic("schannel_m/m.json", json, strlen(json), &e), OFD_OK);
    testutil_pin_manifest("schannel_m/m.json");
    return testutil_load_manifest("schannel_m/m.json");
}

/* This server's certificate, issued by the OCS CA, into the local machine's My store:
 * its key in the machine key set (ocsfed's import, as OCS needs) or the user's. */
static void install_server_cert(int machine_key, unsigned char tp[CS_SHA1_LEN])
{
    struct testcert ca = {0}, leaf = {0};
    unsigned char *pfx = NULL, *der = NULL;
    size_t pfx_len = 0, len = 0;
    CRYPT_DATA_BLOB blob;
    HCERTSTORE tmp = NULL, my = NULL;
    PCCERT_CONTEXT c = NULL;
    ofd_err e;

    load_ocs_ca(&ca);
    assert_int_equal(testcert_leaf(&ca, "ocs-se1.example.com", "serverAuth,clientAuth", NULL, -1, 30, &leaf), 0);
    assert_int_equal(testcert_pfx(&leaf, "", &pfx, &pfx_len), 0);
    assert_int_equal(testcert_der(&leaf, &der, &len), 0);
    assert_int_equal(cs_x509_thumbprint(der, len, tp, &e), OFD_OK);
    if (machine_key) {
        if (cs_store_import_pfx(pfx, pfx_len, "", tp, &e) != OFD_OK)
            fail_msg("import: %s", e.msg);
    } else {
        blob.cbData = (DWORD)pfx_len;
        blob.pbData = pfx;
        assert_non_null(tmp = PFXImportCertStore(&blob, L"", 0));
        assert_non_null(c = CertFindCertificateInStore(tmp, X509_ASN_ENCODING, 0, CERT_FIND_ANY, NULL, NULL));
        assert_non_null(my = CertOpenStore(CERT_STORE_PROV_SYSTEM_W, 0, 0, CERT_SYSTEM_STORE_LOCAL_MACHINE, L"My"));
        assert_true(CertAddCertificateContextToStore(my, c, CERT_STORE_ADD_REPLACE_EXISTING, NULL));
        assert_true(CertControlStore(my, 0, CERT_STORE_CTRL_COMMIT, NULL));
        CertFreeCertificateContext(c);
        CertCloseStore(my, 0);
        CertCloseStore(tmp, 0);
    }
    free(der);
    free(pfx);
    testcert_free(&leaf);
    testcert_free(&ca);
}

/* What imp1.example.com resolves to from "this server": the peer's address, so that no
 * test asks the machine's resolver. */
static char resolve_to[64];

static enum ofd_code test_resolve(void *ctx, const char *fqdn, char **ip, ofd_err *e)
{
    (void)ctx;
    (void)e;
    *ip = !strcmp(fqdn, "imp1.example.com") ? ofd_strdup(resolve_to) : NULL;
    return OFD_OK;
}

static const struct node_ops resolver_ops = {.kind = "test", .resolve = test_resolve};

/* The probe's TLS timeout (0: its default, PROBE_TLS_MS). */
static unsigned tls_ms;

static void probe_with_schannel(struct manifest *m, const unsigned char tp[CS_SHA1_LEN], struct probe_result *r)
{
    struct node resolver = {&resolver_ops, NULL};
    struct probe_options o;
    ofd_err e;

    snprintf(resolve_to, sizeof(resolve_to), "%s", m->nodes[0].ip);
    memset(&o, 0, sizeof(o));
    o.tls_ms = tls_ms;
    o.m = m;
    o.node = &resolver;
    o.server_fqdn = "ocs-se1.example.com";
    o.cert_tp = tp;
    o.tls = &probe_tls_schannel;
    if (probe_run(&o, r, &e) != OFD_OK)
        fail_msg("probe_run: %s", e.msg);
    probe_print_text(r, stdout);
}

static const struct probe_check *check_of(const struct probe_result *r, enum probe_step s)
{
    size_t i;

    for (i = 0; i < r->n; i++)
        if (r->v[i].step == s)
            return &r->v[i];
    fail_msg("no %s check", probe_step_name(s));
    return NULL;
}

/* The Wine limitation, pinned: a machine key set key is not found by Schannel. */
static void wine_schannel_cannot_use_a_machine_key_set_key(void **state)
{
    struct manifest *m = manifest_at(env("PEER_KAMAILIO"));
    struct probe_result r = {0};
    unsigned char tp[CS_SHA1_LEN];
    const struct probe_check *c;

    (void)state;
    install_server_cert(1, tp);
    probe_with_schannel(m, tp, &r);
    c = check_of(&r, PROBE_TLS);
    assert_int_equal(c->verdict, PROBE_FAIL);
    assert_string_equal(c->cause, "client_certificate");
    assert_string_equal(c->rule, "R14");
    assert_non_null(strstr(c->text, "SEC_E_UNKNOWN_CREDENTIALS"));
    probe_result_free(&r);
    manifest_free(m);
}

static void mutual_tls_and_options_through_schannel(void **state)
{
    struct manifest *m = manifest_at(env("PEER_KAMAILIO"));
    struct probe_result r = {0};
    unsigned char tp[CS_SHA1_LEN];
    const struct probe_check *c;

    (void)state;
    install_server_cert(0, tp);
    probe_with_schannel(m, tp, &r);
    assert_string_equal(r.tls, "schannel");
    c = check_of(&r, PROBE_TLS);
    if (c->verdict != PROBE_PASS)
        fail_msg("tls: %s: %s", c->cause, c->text);
    assert_non_null(strstr(c->text, "this server presented its certificate (schannel)"));
    /* Every check passed: DNS through the node, TCP, TLS, SIP. */
    assert_int_equal(r.failed, 0);
    assert_true(probe_passed(&r));
    c = check_of(&r, PROBE_SIP);
    if (c->verdict != PROBE_PASS)
        fail_msg("sip: %s: %s", c->cause, c->text);
    assert_non_null(strstr(c->text, "OPTIONS answered 200 OK"));
    probe_result_free(&r);
    manifest_free(m);
}

static void an_untrusted_or_misnamed_peer_through_schannel(void **state)
{
    struct manifest *m = manifest_at(env("PEER_UNTRUSTED"));
    struct probe_result r = {0};
    unsigned char tp[CS_SHA1_LEN];
    const struct probe_check *c;

    (void)state;
    install_server_cert(0, tp);
    probe_with_schannel(m, tp, &r);
    c = check_of(&r, PROBE_TLS);
    assert_int_equal(c->verdict, PROBE_FAIL);
    assert_string_equal(c->cause, "untrusted");
    assert_string_equal(c->rule, "R13");
    assert_non_null(strstr(c->text, "does not chain to a root in the local machine's Trusted Root"));
    probe_result_free(&r);
    manifest_free(m);

    m = manifest_at(env("PEER_MISNAMED"));
    probe_with_schannel(m, tp, &r);
    c = check_of(&r, PROBE_TLS);
    assert_int_equal(c->verdict, PROBE_FAIL);
    assert_string_equal(c->cause, "misnamed");
    assert_string_equal(c->rule, "R10");
    probe_result_free(&r);
    manifest_free(m);
}

/* The calls the handshake made to InitializeSecurityContextW, through the hooks below. */
static unsigned isc_calls;

/* The first call is Schannel's own (the ClientHello really goes to Kamailio); every later
 * one asks for credentials again, writing nothing: what Schannel does when the peer asks
 * for a client certificate whose CA list excludes this server's issuer. */
static SECURITY_STATUS WINAPI isc_incomplete_credentials(PCredHandle cred, PCtxtHandle ctx, SEC_WCHAR *target,
                                                         ULONG req, ULONG r1, ULONG rep, PSecBufferDesc in, ULONG r2,
                                                         PCtxtHandle newctx, PSecBufferDesc out, ULONG *attrs,
                                                         PTimeStamp expiry)
{
    if (isc_calls++ == 0)
        return InitializeSecurityContextW(cred, ctx, target, req, r1, rep, in, r2, newctx, out, attrs, expiry);
    return SEC_I_INCOMPLETE_CREDENTIALS;
}

/* The first call is Schannel's own; every later one wants more and leaves all its input
 * unread (SECBUFFER_EXTRA as long as the input). */
static SECURITY_STATUS WINAPI isc_continue_unread(PCredHandle cred, PCtxtHandle ctx, SEC_WCHAR *target, ULONG req,
                                                  ULONG r1, ULONG rep, PSecBufferDesc in, ULONG r2, PCtxtHandle newctx,
                                                  PSecBufferDesc out, ULONG *attrs, PTimeStamp expiry)
{
    if (isc_calls++ == 0)
        return InitializeSecurityContextW(cred, ctx, target, req, r1, rep, in, r2, newctx, out, attrs, expiry);
    if (in && in->cBuffers >= 2) {
        in->pBuffers[1].BufferType = SECBUFFER_EXTRA;
        in->pBuffers[1].cbBuffer = in->pBuffers[0].cbBuffer;
    }
    return SEC_I_CONTINUE_NEEDED;
}

static int restore_isc(void **state)
{
    (void)state;
    probe_schannel_set_isc(NULL);
    isc_calls = 0;
    tls_ms = 0;
    return 0;
}

/* A probe of Kamailio with InitializeSecurityContextW replaced by hook; the time it took
 * in *ms, the TLS check returned (r holds it until probe_result_free). */
static const struct probe_check *probe_with_hook(INITIALIZE_SECURITY_CONTEXT_FN_W hook, const char *what,
                                                 struct probe_result *r, unsigned long long *ms)
{
    struct manifest *m = manifest_at(env("PEER_KAMAILIO"));
    unsigned char tp[CS_SHA1_LEN];
    unsigned long long t0;

    install_server_cert(0, tp);
    isc_calls = 0;
    probe_schannel_set_isc(hook);
    t0 = ofd_clock_ms();
    probe_with_schannel(m, tp, r);
    *ms = ofd_clock_ms() - t0;
    probe_schannel_set_isc(NULL);
    printf("%s: the probe ended in %llu ms (TLS timeout %u ms), %u calls\n", what, *ms, tls_ms ? tls_ms : PROBE_TLS_MS,
           isc_calls);
    manifest_free(m);
    return check_of(r, PROBE_TLS);
}

/* A second SEC_I_INCOMPLETE_CREDENTIALS ends the handshake at once under R14 (we already
 * asked for the supplied credentials only): no spinning until the deadline, or forever. */
static void repeated_incomplete_credentials_fail_under_r14(void **state)
{
    struct probe_result r = {0};
    const struct probe_check *c;
    unsigned long long ms;

    (void)state;
    c = probe_with_hook(isc_incomplete_credentials, "repeated SEC_I_INCOMPLETE_CREDENTIALS", &r, &ms);
    assert_int_equal(c->verdict, PROBE_FAIL);
    assert_string_equal(c->cause, "client_certificate");
    assert_string_equal(c->rule, "R14");
    assert_non_null(strstr(c->text, "asks for a client certificate"));
    /* The ClientHello, the one retry Schannel may ask for, and the second request. */
    assert_int_equal(isc_calls, 3);
    assert_true(ms < PROBE_TLS_MS);
    probe_result_free(&r);
}

/* SEC_I_CONTINUE_NEEDED that takes nothing is answered by reading more, never by calling
 * again with the same input: the peer, waiting for this server's next flight, sends
 * nothing, and the handshake times out at the probe's TLS deadline. */
static void continue_needed_without_progress_times_out(void **state)
{
    struct probe_result r = {0};
    const struct probe_check *c;
    unsigned long long ms;

    (void)state;
    tls_ms = 2000;
    c = probe_with_hook(isc_continue_unread, "SEC_I_CONTINUE_NEEDED without progress", &r, &ms);
    assert_int_equal(c->verdict, PROBE_FAIL);
    assert_string_equal(c->cause, "timeout");
    assert_non_null(strstr(c->text, "within 2000 ms"));
    /* One call per read that brought bytes, not a spin. */
    assert_true(isc_calls < 50);
    assert_true(ms < 2 * tls_ms + 5000);
    probe_result_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(wine_schannel_cannot_use_a_machine_key_set_key),
        cmocka_unit_test(mutual_tls_and_options_through_schannel),
        cmocka_unit_test(an_untrusted_or_misnamed_peer_through_schannel),
        cmocka_unit_test_teardown(repeated_incomplete_credentials_fail_under_r14, restore_isc),
        cmocka_unit_test_teardown(continue_needed_without_progress_times_out, restore_isc),
    };

    snprintf(peers_dir, sizeof(peers_dir), "%s", getenv("PEERS_DIR") ? getenv("PEERS_DIR") : "");
    return cmocka_run_group_tests(tests, NULL, NULL);
}
