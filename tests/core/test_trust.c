/* trust: detached CMS signatures over the manifest, pinned by thumbprint. Round trips,
 * each refusal class with its exact message, PEM and DER forms, signatures without the
 * signer certificate, and the sign/verify commands. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/cms.h>

#include "testcert.h"
#include "testutil.h"
#include "trust.h"

static const char manifest[] = "{\"version\": 1, \"serial\": 7, \"description\": \"test\"}\n";
#define MLEN (sizeof(manifest) - 1)

struct fixture {
    struct testcert ca, pub, other;
    struct trust_anchor anchor; /* pinned: pub */
    char pub_hex[41], other_hex[41];
};

static void tp_of(X509 *x, unsigned char tp[CS_SHA1_LEN])
{
    unsigned int n = 0;

    assert_true(X509_digest(x, EVP_sha1(), tp, &n));
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    unsigned char tp[CS_SHA1_LEN];

    assert_non_null(f);
    assert_int_equal(testcert_ca("ocsfed test CA", 30, &f->ca), 0);
    assert_int_equal(testcert_leaf(&f->ca, "manifest publisher", NULL, NULL, -1, 30, &f->pub), 0);
    assert_int_equal(testcert_leaf(&f->ca, "someone else", NULL, NULL, -1, 30, &f->other), 0);
    tp_of(f->pub.x, f->anchor.tp);
    cs_thumbprint_hex(f->anchor.tp, f->pub_hex);
    tp_of(f->other.x, tp);
    cs_thumbprint_hex(tp, f->other_hex);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;

    testcert_free(&f->ca);
    testcert_free(&f->pub);
    testcert_free(&f->other);
    free(f);
    return 0;
}

static void sign_with(const struct testcert *c, const void *data, size_t len, unsigned char **sig, size_t *sig_len)
{
    ofd_err e;

    assert_int_equal(trust_sign(data, len, c->key, c->x, sig, sig_len, &e), OFD_OK);
}

/* Signs with openssl's own API and flags, for forms trust_sign does not make. */
static void cms_sign_md(const struct testcert *a, const struct testcert *b, unsigned flags, int pem, const EVP_MD *md,
                        unsigned char **sig, size_t *sig_len);

static void cms_sign_raw(const struct testcert *a, const struct testcert *b, unsigned flags, int pem,
                         unsigned char **sig, size_t *sig_len)
{
    cms_sign_md(a, b, flags, pem, EVP_sha256(), sig, sig_len);
}

/* The same with the signers' digest md. */
static void cms_sign_md(const struct testcert *a, const struct testcert *b, unsigned flags, int pem, const EVP_MD *md,
                        unsigned char **sig, size_t *sig_len)
{
    BIO *in = BIO_new_mem_buf(manifest, (int)MLEN), *out = BIO_new(BIO_s_mem());
    CMS_ContentInfo *cms;
    char *p;
    long n;

    assert_non_null(in);
    assert_non_null(out);
    cms = CMS_sign(NULL, NULL, NULL, NULL, flags | CMS_PARTIAL);
    assert_non_null(cms);
    assert_non_null(CMS_add1_signer(cms, a->x, a->key, md, flags));
    if (b)
        assert_non_null(CMS_add1_signer(cms, b->x, b->key, md, flags));
    assert_int_equal(CMS_final(cms, in, NULL, flags), 1);
    if (pem)
        assert_int_equal(PEM_write_bio_CMS(out, cms), 1);
    else
        assert_int_equal(i2d_CMS_bio(out, cms), 1);
    n = BIO_get_mem_data(out, &p);
    *sig = malloc((size_t)n);
    assert_non_null(*sig);
    memcpy(*sig, p, (size_t)n);
    *sig_len = (size_t)n;
    CMS_ContentInfo_free(cms);
    BIO_free(in);
    BIO_free(out);
}

static enum trust_refusal verify(const struct fixture *f, const void *data, size_t len, const unsigned char *sig,
                                 size_t sig_len, ofd_err *e)
{
    enum trust_refusal why = TRUST_OK;
    unsigned char tp[CS_SHA1_LEN];

    if (trust_verify(data, len, sig, sig_len, &f->anchor, tp, &why, e) == OFD_OK) {
        assert_memory_equal(tp, f->anchor.tp, CS_SHA1_LEN);
        return TRUST_OK;
    }
    assert_int_not_equal(why, TRUST_OK);
    return why;
}

static void sign_verify_round_trip(void **state)
{
    struct fixture *f = *state;
    unsigned char *sig = NULL;
    size_t sig_len = 0;
    ofd_err e;

    sign_with(&f->pub, manifest, MLEN, &sig, &sig_len);
    assert_true(sig[0] == 0x30); /* DER SEQUENCE */
    assert_int_equal(verify(f, manifest, MLEN, sig, sig_len, &e), TRUST_OK);
    free(sig);
    /* A self-signed publisher is as good as a CA-issued one: the pin is the trust. */
    tp_of(f->ca.x, f->anchor.tp);
    sign_with(&f->ca, manifest, MLEN, &sig, &sig_len);
    assert_int_equal(verify(f, manifest, MLEN, sig, sig_len, &e), TRUST_OK);
    tp_of(f->pub.x, f->anchor.tp);
    free(sig);
}

static void pem_and_openssl_forms_verify(void **state)
{
    struct fixture *f = *state;
    unsigned char *sig = NULL;
    size_t sig_len = 0;
    ofd_err e;

    cms_sign_raw(&f->pub, NULL, CMS_BINARY | CMS_DETACHED, 1, &sig, &sig_len);
    assert_memory_equal(sig, "-----BEGIN CMS-----", 19);
    assert_int_equal(verify(f, manifest, MLEN, sig, sig_len, &e), TRUST_OK);
    free(sig);
    /* Without signed attributes (openssl cms -sign -noattr). */
    cms_sign_raw(&f->pub, NULL, CMS_BINARY | CMS_DETACHED | CMS_NOATTR, 0, &sig, &sig_len);
    assert_int_equal(verify(f, manifest, MLEN, sig, sig_len, &e), TRUST_OK);
    assert_int_equal(verify(f, manifest, MLEN - 1, sig, sig_len, &e), TRUST_TAMPERED);
    free(sig);
}

static void unsigned_is_refused(void **state)
{
    struct fixture *f = *state;
    char want[256];
    ofd_err e;

    assert_int_equal(verify(f, manifest, MLEN, NULL, 0, &e), TRUST_UNSIGNED);
    snprintf(want, sizeof(want), "the manifest is not signed; sign it with the publisher certificate %s", f->pub_hex);
    assert_string_equal(e.msg, want);
}

static void malformed_is_refused(void **state)
{
    struct fixture *f = *state;
    unsigned char *sig = NULL;
    size_t sig_len = 0;
    ofd_err e;

    assert_int_equal(verify(f, manifest, MLEN, (const unsigned char *)"hello", 5, &e), TRUST_MALFORMED);
    assert_non_null(strstr(e.msg, "the signature is not a CMS signature in DER or PEM form ("));
    assert_int_equal(verify(f, manifest, MLEN, (const unsigned char *)"", 0, &e), TRUST_MALFORMED);
    assert_string_equal(e.msg, "the signature file is empty (limit 1048576 bytes)");
    /* Half a signature (a .p7s still being copied). */
    sign_with(&f->pub, manifest, MLEN, &sig, &sig_len);
    assert_int_equal(verify(f, manifest, MLEN, sig, sig_len / 2, &e), TRUST_MALFORMED);
    free(sig);
    /* The content inside the signature instead of beside it. */
    cms_sign_raw(&f->pub, NULL, CMS_BINARY, 0, &sig, &sig_len);
    assert_int_equal(verify(f, manifest, MLEN, sig, sig_len, &e), TRUST_MALFORMED);
    assert_string_equal(e.msg, "the signature embeds its content; a detached signature is "
                               "expected (openssl cms -sign without -nodetach)");
    free(sig);
}

static void tampered_content_is_refused(void **state)
{
    struct fixture *f = *state;
    unsigned char *sig = NULL;
    size_t sig_len = 0;
    char changed[sizeof(manifest)];
    ofd_err e;

    sign_with(&f->pub, manifest, MLEN, &sig, &sig_len);
    memcpy(changed, manifest, sizeof(manifest));
    changed[strlen("{\"version\": 1, \"serial\": ")] = '8';
    assert_int_equal(verify(f, changed, MLEN, sig, sig_len, &e), TRUST_TAMPERED);
    assert_string_equal(e.msg, "the manifest does not match its signature (changed or "
                               "half-copied after signing)");
    /* Torn: the first half only. */
    assert_int_equal(verify(f, manifest, MLEN / 2, sig, sig_len, &e), TRUST_TAMPERED);
    assert_string_equal(e.msg, "the manifest does not match its signature (changed or "
                               "half-copied after signing)");
    free(sig);
}

static void damaged_signature_is_refused(void **state)
{
    struct fixture *f = *state;
    unsigned char *sig = NULL;
    size_t sig_len = 0;
    char want[256];
    ofd_err e;

    sign_with(&f->pub, manifest, MLEN, &sig, &sig_len);
    sig[sig_len - 1] ^= 0x01; /* the last bytes are the RSA signature value */
    assert_int_equal(verify(f, manifest, MLEN, sig, sig_len, &e), TRUST_BAD_SIGNATURE);
    snprintf(want, sizeof(want),
             "the signature is damaged: it does not verify with the "
             "publisher certificate %s (",
             f->pub_hex);
    assert_memory_equal(e.msg, want, strlen(want));
    free(sig);
}

static void untrusted_signer_is_refused(void **state)
{
    struct fixture *f = *state;
    unsigned char *sig = NULL;
    size_t sig_len = 0;
    char want[512];
    ofd_err e;

    sign_with(&f->other, manifest, MLEN, &sig, &sig_len);
    assert_int_equal(verify(f, manifest, MLEN, sig, sig_len, &e), TRUST_UNTRUSTED_SIGNER);
    snprintf(want, sizeof(want),
             "the manifest is signed by certificate %s (/CN=someone else), "
             "not by the trusted publisher %s",
             f->other_hex, f->pub_hex);
    assert_string_equal(e.msg, want);
    free(sig);
}

static void more_than_one_signer_is_refused(void **state)
{
    struct fixture *f = *state;
    unsigned char *sig = NULL;
    size_t sig_len = 0;
    ofd_err e;

    cms_sign_raw(&f->pub, &f->other, CMS_BINARY | CMS_DETACHED, 0, &sig, &sig_len);
    assert_int_equal(verify(f, manifest, MLEN, sig, sig_len, &e), TRUST_MANY_SIGNERS);
    assert_string_equal(e.msg, "the signature has 2 signers; exactly one (the publisher) is accepted");
    free(sig);
}

static void signer_certificate_from_configuration(void **state)
{
    struct fixture *f = *state;
    unsigned char *sig = NULL, *der = NULL;
    size_t sig_len = 0, der_len = 0;
    struct trust_anchor a = f->anchor;
    enum trust_refusal why = TRUST_OK;
    char want[256];
    ofd_err e;

    cms_sign_raw(&f->pub, NULL, CMS_BINARY | CMS_DETACHED | CMS_NOCERTS, 0, &sig, &sig_len);
    assert_int_equal(verify(f, manifest, MLEN, sig, sig_len, &e), TRUST_UNTRUSTED_SIGNER);
    snprintf(want, sizeof(want),
             "the manifest is signed by a certificate that is neither in "
             "the signature nor the trusted publisher's (%s)",
             f->pub_hex);
    assert_string_equal(e.msg, want);
    assert_int_equal(testcert_der(&f->pub, &der, &der_len), 0);
    a.cert_der = der;
    a.cert_len = der_len;
    assert_int_equal(trust_verify((const unsigned char *)manifest, MLEN, sig, sig_len, &a, NULL, &why, &e), OFD_OK);
    free(der);
    /* A configured certificate that is not the pinned one is a configuration error. */
    assert_int_equal(testcert_der(&f->other, &der, &der_len), 0);
    a.cert_der = der;
    a.cert_len = der_len;
    why = TRUST_OK;
    assert_int_equal(trust_verify((const unsigned char *)manifest, MLEN, sig, sig_len, &a, NULL, &why, &e),
                     OFD_E_INVALID);
    assert_int_equal(why, TRUST_OK);
    snprintf(want, sizeof(want),
             "the publisher certificate file has thumbprint %s, not the "
             "trusted signer %s",
             f->other_hex, f->pub_hex);
    assert_string_equal(e.msg, want);
    free(der);
    free(sig);
}

static void sign_refuses_a_foreign_key(void **state)
{
    struct fixture *f = *state;
    unsigned char *sig = NULL;
    size_t sig_len = 0;
    ofd_err e;

    assert_int_equal(trust_sign((const unsigned char *)manifest, MLEN, f->other.key, f->pub.x, &sig, &sig_len, &e),
                     OFD_E_INVALID);
    assert_string_equal(e.msg, "the key does not belong to the certificate");
    assert_null(sig);
}

/* A manifest the agent would accept (TCP: it names no file). */
static const char valid_manifest[] =
    "{\"manifest_version\": 1, \"serial\": 7, \"imp\": {\"transport\": \"tcp\", \"domains\": [\"example.com\"], "
    "\"nodes\": [{\"fqdn\": \"imp1.example.com\", \"ip\": \"10.10.0.11\"}]}, \"ocs\": {\"edition\": \"standard\", "
    "\"servers\": [\"ocs-se1.example.com\"]}}\n";

/* A signature over the manifest made with SHA-1 (or MD5) is refused, and says which
 * digest it was; SHA-384 and SHA-512 pass as SHA-256 does. */
static void weak_digests_are_refused(void **state)
{
    struct fixture *f = *state;
    unsigned char *sig = NULL;
    size_t sig_len = 0;
    ofd_err e;

    cms_sign_md(&f->pub, NULL, CMS_BINARY | CMS_DETACHED, 0, EVP_sha1(), &sig, &sig_len);
    assert_int_equal(verify(f, manifest, MLEN, sig, sig_len, &e), TRUST_WEAK_DIGEST);
    assert_string_equal(e.msg, "the manifest is signed with SHA1; ocsfed accepts SHA-256, SHA-384 or SHA-512 only: "
                               "sign it again ('ocsfed sign' uses SHA-256; with openssl cms, -md sha256)");
    free(sig);
    cms_sign_md(&f->pub, NULL, CMS_BINARY | CMS_DETACHED | CMS_NOATTR, 0, EVP_sha1(), &sig, &sig_len);
    assert_int_equal(verify(f, manifest, MLEN, sig, sig_len, &e), TRUST_WEAK_DIGEST);
    free(sig);
    cms_sign_md(&f->pub, NULL, CMS_BINARY | CMS_DETACHED, 0, EVP_sha384(), &sig, &sig_len);
    assert_int_equal(verify(f, manifest, MLEN, sig, sig_len, &e), TRUST_OK);
    free(sig);
    cms_sign_md(&f->pub, NULL, CMS_BINARY | CMS_DETACHED, 1, EVP_sha512(), &sig, &sig_len);
    assert_int_equal(verify(f, manifest, MLEN, sig, sig_len, &e), TRUST_OK);
    free(sig);
}

static void sign_and_verify_commands(void **state)
{
    struct fixture *f = *state;
    unsigned char *pfx = NULL;
    size_t pfx_len = 0;
    char want[256];

    assert_int_equal(testcert_write_file("trust-m.json", valid_manifest, sizeof(valid_manifest) - 1), 0);
    assert_int_equal(testcert_write_pem(&f->pub, "trust-key.pem", "trust-cert.pem"), 0);
    remove("trust-m.json.p7s");
    assert_int_equal(testutil_ocsfed("verify", "trust-m.json", "--signer", f->pub_hex, NULL), 1);
    assert_memory_equal(testutil_out, "REFUSED (unsigned): ", 20);
    assert_int_equal(
        testutil_ocsfed("sign", "trust-m.json", "--key", "trust-key.pem", "--cert", "trust-cert.pem", NULL), 0);
    snprintf(want, sizeof(want), "trust-m.json: signed by %s into trust-m.json.p7s (", f->pub_hex);
    assert_memory_equal(testutil_out, want, strlen(want));
    assert_int_equal(testutil_ocsfed("verify", "trust-m.json", "--signer", f->pub_hex, NULL), 0);
    assert_memory_equal(testutil_out, "OK: trust-m.json: manifest serial 7 accepted", 44);
    assert_int_equal(testutil_ocsfed("verify", "trust-m.json", "--signer", f->other_hex, NULL), 1);
    assert_memory_equal(testutil_out, "REFUSED (untrusted_signer): ", 28);
    /* From a PKCS#12 file, into a named output. */
    assert_int_equal(testcert_pfx(&f->pub, "pw", &pfx, &pfx_len), 0);
    assert_int_equal(testcert_write_file("trust-pub.pfx", pfx, pfx_len), 0);
    free(pfx);
    assert_int_equal(testutil_ocsfed("sign", "trust-m.json", "--pfx", "trust-pub.pfx", "--password", "pw", "--out",
                                     "trust-m2.p7s", NULL),
                     0);
    assert_int_equal(testutil_ocsfed("verify", "trust-m.json", "--signer", f->pub_hex, "--sig", "trust-m2.p7s", NULL),
                     0);
    assert_int_equal(testutil_ocsfed("sign", "trust-m.json", "--pfx", "trust-pub.pfx", "--password", "no", NULL), 1);
    assert_non_null(strstr(testutil_err, "cannot read the key and certificate from 'trust-pub.pfx'"));
    assert_int_equal(testutil_ocsfed("sign", "trust-m.json", NULL), 2);
    assert_int_equal(testutil_ocsfed("verify", "trust-m.json", NULL), 2);
    assert_int_equal(testutil_ocsfed("verify", "trust-m.json", "--signer", "12AB", NULL), 2);
}

/* The publisher signs only what an agent would accept: an invalid manifest is not
 * signed (exit 1, the validator's messages naming the file given), and neither is one
 * naming a file that is not pinned or no longer matches its pin. */
static void sign_refuses_what_an_agent_would_refuse(void **state)
{
    struct fixture *f = *state;

    (void)f;
    assert_int_equal(testcert_write_pem(&f->pub, "trust-key.pem", "trust-cert.pem"), 0);
    assert_int_equal(testcert_write_file("trust-bad.json", manifest, MLEN), 0);
    remove("trust-bad.json.p7s");
    assert_int_equal(
        testutil_ocsfed("sign", "trust-bad.json", "--key", "trust-key.pem", "--cert", "trust-cert.pem", NULL), 1);
    assert_non_null(strstr(testutil_err, "trust-bad.json:1:2: error: [schema] /version: unknown key 'version'"));
    assert_non_null(strstr(testutil_err, "trust-bad.json: not signed"));
    assert_null(fopen("trust-bad.json.p7s", "rb"));
    remove("trust-bad.json");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sign_verify_round_trip),
        cmocka_unit_test(pem_and_openssl_forms_verify),
        cmocka_unit_test(unsigned_is_refused),
        cmocka_unit_test(malformed_is_refused),
        cmocka_unit_test(tampered_content_is_refused),
        cmocka_unit_test(damaged_signature_is_refused),
        cmocka_unit_test(untrusted_signer_is_refused),
        cmocka_unit_test(more_than_one_signer_is_refused),
        cmocka_unit_test(signer_certificate_from_configuration),
        cmocka_unit_test(sign_refuses_a_foreign_key),
        cmocka_unit_test(weak_digests_are_refused),
        cmocka_unit_test(sign_and_verify_commands),
        cmocka_unit_test(sign_refuses_what_an_agent_would_refuse),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
