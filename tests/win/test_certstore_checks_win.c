/* R13, R14, R16 through Wine's real CryptoAPI: a PFX into the machine's My store with a
 * usable key (seen by a second process too), chains to trusted and untrusted roots,
 * expired certificates, certificates without a key. Wine reuses one key container for
 * every PFX import, so each import test checks its key before the next import. */
#include <windows.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <wincrypt.h>

#include "cs_store.h"
#include "testcert.h"
#include "testproc.h"

/* Like assert_int_equal(call, OFD_OK), printing the operator's message on failure. */
#define assert_ok(call)                            \
    do {                                           \
        enum ofd_code rc_ = (call);                \
        if (rc_ != OFD_OK)                         \
            print_error("%s: %s\n", #call, e.msg); \
        assert_int_equal(rc_, OFD_OK);             \
    } while (0)

static void add_root(const struct testcert *ca)
{
    unsigned char *der = NULL;
    size_t len = 0;
    int added = 0;
    ofd_err e;

    assert_int_equal(testcert_der(ca, &der, &len), 0);
    assert_ok(cs_store_add("Root", der, len, &added, &e));
    assert_int_equal(added, 1);
    free(der);
}

static void thumb_of(const struct testcert *c, unsigned char tp[CS_SHA1_LEN])
{
    unsigned char *der = NULL;
    size_t len = 0;
    ofd_err e;

    assert_int_equal(testcert_der(c, &der, &len), 0);
    assert_int_equal(cs_x509_thumbprint(der, len, tp, &e), OFD_OK);
    free(der);
}

static void pfx_goes_to_my_with_a_usable_key(void **state)
{
    struct testcert ca, leaf;
    unsigned char *pfx = NULL, tp[CS_SHA1_LEN], want[CS_SHA1_LEN];
    char hex[2 * CS_SHA1_LEN + 1];
    size_t len = 0;
    int found = 0;
    ofd_err e;

    (void)state;
    ofd_err_clear(&e);
    assert_int_equal(testcert_ca("ocsfed Test Root CA", 365, &ca), 0);
    assert_int_equal(testcert_leaf(&ca, "ocs1.example.com", "serverAuth,clientAuth", NULL, -1, 365, &leaf), 0);
    add_root(&ca);
    assert_int_equal(testcert_pfx(&leaf, "s3cret pass", &pfx, &len), 0);

    assert_ok(cs_store_import_pfx(pfx, len, "s3cret pass", tp, &e));
    thumb_of(&leaf, want);
    assert_memory_equal(tp, want, CS_SHA1_LEN);
    assert_ok(cs_store_find("My", tp, &found, &e));
    assert_int_equal(found, 1);
    assert_ok(cs_store_key_usable("My", tp, &e));
    assert_ok(cs_store_verify_chain("My", tp, &e));

    /* Another process (the service, later) finds the certificate and uses its key. */
    cs_thumbprint_hex(tp, hex);
    assert_int_equal(testproc_rerun("keycheck", hex), 0);
    free(pfx);
    testcert_free(&leaf);
    testcert_free(&ca);
}

/* The certificate was already in My without its key (imported alone, by hand): the
 * PFX import replaces it with the one linked to the key. On Wine the replacement once
 * vanished: the add after a delete was never written to the registry. */
static void pfx_replaces_its_certificate_imported_without_a_key(void **state)
{
    struct testcert ca, leaf;
    unsigned char *pfx = NULL, *der = NULL, tp[CS_SHA1_LEN], want[CS_SHA1_LEN];
    char hex[2 * CS_SHA1_LEN + 1];
    size_t len = 0, dlen = 0;
    int found = 0, added = 0;
    ofd_err e;

    (void)state;
    assert_int_equal(testcert_ca("ocsfed Replace Root CA", 365, &ca), 0);
    assert_int_equal(testcert_leaf(&ca, "ocs2.example.com", "serverAuth,clientAuth", NULL, -1, 365, &leaf), 0);
    add_root(&ca);
    assert_int_equal(testcert_der(&leaf, &der, &dlen), 0);
    assert_ok(cs_store_add("My", der, dlen, &added, &e));
    assert_int_equal(added, 1);
    thumb_of(&leaf, want);
    assert_int_equal(cs_store_key_usable("My", want, &e), OFD_E_INVALID);
    assert_string_equal(e.rule, "R14");

    assert_int_equal(testcert_pfx(&leaf, "pw", &pfx, &len), 0);
    assert_ok(cs_store_import_pfx(pfx, len, "pw", tp, &e));
    assert_memory_equal(tp, want, CS_SHA1_LEN);
    assert_ok(cs_store_find("My", tp, &found, &e));
    assert_int_equal(found, 1);
    assert_ok(cs_store_key_usable("My", tp, &e));
    cs_thumbprint_hex(tp, hex);
    assert_int_equal(testproc_rerun("keycheck", hex), 0);
    free(pfx);
    free(der);
    testcert_free(&leaf);
    testcert_free(&ca);
}

static void wrong_password_and_garbage_are_refused(void **state)
{
    struct testcert ca, leaf;
    unsigned char *pfx = NULL, tp[CS_SHA1_LEN];
    size_t len = 0;
    ofd_err e;

    (void)state;
    assert_int_equal(testcert_ca("ocsfed Other CA", 365, &ca), 0);
    assert_int_equal(testcert_leaf(&ca, "ocs2.example.com", "serverAuth,clientAuth", NULL, -1, 365, &leaf), 0);
    assert_int_equal(testcert_pfx(&leaf, "right", &pfx, &len), 0);
    assert_int_equal(cs_store_import_pfx(pfx, len, "wrong", tp, &e), OFD_E_INVALID);
    assert_string_equal(e.rule, "R16");
    assert_non_null(strstr(e.msg, "wrong password"));
    assert_int_equal(cs_store_import_pfx((const unsigned char *)"not a pfx", 9, "", tp, &e), OFD_E_INVALID);
    assert_non_null(strstr(e.msg, "not a PKCS#12 (PFX) file (9 bytes)"));
    free(pfx);
    testcert_free(&leaf);
    testcert_free(&ca);
}

static void certificate_without_key_is_not_usable(void **state)
{
    struct testcert ca, leaf;
    unsigned char *der = NULL, tp[CS_SHA1_LEN];
    size_t len = 0;
    ofd_err e;

    (void)state;
    assert_int_equal(testcert_ca("ocsfed Key CA", 365, &ca), 0);
    assert_int_equal(testcert_leaf(&ca, "ocs3.example.com", "serverAuth,clientAuth", NULL, -1, 365, &leaf), 0);
    assert_int_equal(testcert_der(&leaf, &der, &len), 0);
    assert_ok(cs_store_add("My", der, len, NULL, &e));
    thumb_of(&leaf, tp);
    assert_int_equal(cs_store_key_usable("My", tp, &e), OFD_E_INVALID);
    assert_string_equal(e.rule, "R14");
    assert_non_null(strstr(e.msg, "has no private key on this server"));
    free(der);
    testcert_free(&leaf);
    testcert_free(&ca);
}

static void unknown_root_and_expiry_are_reported(void **state)
{
    struct testcert ca, leaf, old;
    unsigned char *der = NULL, tp[CS_SHA1_LEN];
    size_t len = 0;
    ofd_err e;

    (void)state;
    /* The CA is not in Root: R13. */
    assert_int_equal(testcert_ca("ocsfed Unknown CA", 365, &ca), 0);
    assert_int_equal(testcert_leaf(&ca, "ocs4.example.com", "serverAuth,clientAuth", NULL, -1, 365, &leaf), 0);
    assert_int_equal(testcert_der(&leaf, &der, &len), 0);
    assert_ok(cs_store_add("My", der, len, NULL, &e));
    free(der);
    thumb_of(&leaf, tp);
    assert_int_equal(cs_store_verify_chain("My", tp, &e), OFD_E_INVALID);
    assert_string_equal(e.rule, "R13");
    assert_non_null(strstr(e.msg, "does not chain to a root in the local machine's Trusted Root"));

    /* Once the root is trusted, an expired certificate is still refused. */
    add_root(&ca);
    assert_ok(cs_store_verify_chain("My", tp, &e));
    assert_int_equal(testcert_leaf(&ca, "ocs5.example.com", "serverAuth,clientAuth", NULL, -30, -1, &old), 0);
    assert_int_equal(testcert_der(&old, &der, &len), 0);
    assert_ok(cs_store_add("My", der, len, NULL, &e));
    free(der);
    thumb_of(&old, tp);
    assert_int_equal(cs_store_verify_chain("My", tp, &e), OFD_E_INVALID);
    assert_string_equal(e.rule, "R14");
    assert_non_null(strstr(e.msg, "is expired or not yet valid"));
    testcert_free(&old);
    testcert_free(&leaf);
    testcert_free(&ca);
}

/* R13 as the plan asks it, before the apply adds the manifest's certificates: a root
 * and an intermediate not yet on the machine count as if they were in Root and CA, and
 * a certificate not yet in My (a PKCS#12 to import) is checked from its DER. */
static void certificates_still_to_add_are_counted(void **state)
{
    struct testcert root, inter, leaf, other;
    unsigned char *rd = NULL, *id = NULL, *ld = NULL, *od = NULL, tp[CS_SHA1_LEN];
    size_t rl = 0, il = 0, ll = 0, ol = 0;
    struct cs_der r, i, l, o;
    ofd_err e;

    (void)state;
    assert_int_equal(testcert_ca("ocsfed Plan Root CA", 365, &root), 0);
    assert_int_equal(testcert_intermediate(&root, "ocsfed Plan Issuing CA", 300, NULL, &inter), 0);
    assert_int_equal(testcert_leaf(&inter, "ocs6.example.com", "serverAuth,clientAuth", NULL, -1, 200, &leaf), 0);
    assert_int_equal(testcert_ca("ocsfed Plan Other CA", 365, &other), 0);
    assert_int_equal(testcert_der(&root, &rd, &rl), 0);
    assert_int_equal(testcert_der(&inter, &id, &il), 0);
    assert_int_equal(testcert_der(&leaf, &ld, &ll), 0);
    assert_int_equal(testcert_der(&other, &od, &ol), 0);
    r = (struct cs_der){rd, rl};
    i = (struct cs_der){id, il};
    l = (struct cs_der){ld, ll};
    o = (struct cs_der){od, ol};
    thumb_of(&leaf, tp);

    /* Not in My yet: checked from its DER; without it, not found. */
    assert_int_equal(cs_store_verify_chain_with("My", tp, NULL, &r, 1, &i, 1, &e), OFD_E_NOTFOUND);
    assert_ok(cs_store_verify_chain_with("My", tp, &l, &r, 1, &i, 1, &e));
    /* Without the intermediate, or with another root: R13. */
    assert_int_equal(cs_store_verify_chain_with("My", tp, &l, &r, 1, NULL, 0, &e), OFD_E_INVALID);
    assert_string_equal(e.rule, "R13");
    assert_int_equal(cs_store_verify_chain_with("My", tp, &l, &o, 1, &i, 1, &e), OFD_E_INVALID);
    assert_string_equal(e.rule, "R13");
    assert_non_null(strstr(e.msg, "does not chain to a root in the local machine's Trusted Root"));

    /* In My, the root in Root, the intermediate still to add. */
    assert_ok(cs_store_add("My", ld, ll, NULL, &e));
    add_root(&root);
    assert_int_equal(cs_store_verify_chain("My", tp, &e), OFD_E_INVALID);
    assert_ok(cs_store_verify_chain_with("My", tp, NULL, NULL, 0, &i, 1, &e));

    free(rd);
    free(id);
    free(ld);
    free(od);
    testcert_free(&other);
    testcert_free(&leaf);
    testcert_free(&inter);
    testcert_free(&root);
}

static enum ofd_code count_cb(void *ctx, const unsigned char *der, size_t len, ofd_err *e)
{
    (void)der;
    (void)e;
    assert_true(len > 100);
    (*(int *)ctx)++;
    return OFD_OK;
}

static void find_by_subject_cn(void **state)
{
    struct testcert ca, a, b;
    unsigned char *der = NULL;
    size_t len = 0;
    int n = -1, calls = 0;
    ofd_err e;

    (void)state;
    assert_int_equal(testcert_ca("ocsfed CN CA", 365, &ca), 0);
    assert_int_equal(testcert_leaf(&ca, "pool.example.com", "serverAuth,clientAuth", NULL, -1, 365, &a), 0);
    assert_int_equal(testcert_leaf(&ca, "pool.example.com", "serverAuth", NULL, -1, 365, &b), 0);
    assert_int_equal(testcert_der(&a, &der, &len), 0);
    assert_ok(cs_store_add("My", der, len, NULL, &e));
    free(der);
    assert_int_equal(testcert_der(&b, &der, &len), 0);
    assert_ok(cs_store_add("My", der, len, NULL, &e));
    free(der);
    assert_ok(cs_store_find_by_cn("My", "POOL.example.com", count_cb, &calls, &n, &e));
    assert_int_equal(n, 2);
    assert_int_equal(calls, 2);
    assert_ok(cs_store_find_by_cn("My", "pool.example", NULL, NULL, &n, &e));
    assert_int_equal(n, 0);
    testcert_free(&a);
    testcert_free(&b);
    testcert_free(&ca);
}

/* The key container a certificate's provider info names (tried as cs_store opens it):
 * 1 when it still opens. */
static int container_opens(const CRYPT_KEY_PROV_INFO *info)
{
    HCRYPTPROV prov = 0;

    if (CryptAcquireContextW(&prov, info->pwszContainerName, info->pwszProvName, info->dwProvType,
                             (info->dwFlags & CRYPT_MACHINE_KEYSET) | CRYPT_SILENT)
        || CryptAcquireContextW(&prov, info->pwszContainerName, NULL, PROV_RSA_AES,
                                CRYPT_MACHINE_KEYSET | CRYPT_SILENT)) {
        CryptReleaseContext(prov, 0);
        return 1;
    }
    return 0;
}

/* Undoing a PFX import (the removal the journal makes) takes its key container with
 * it: a failed apply retried every interval leaves no orphan keys behind. Last: Wine
 * keeps every imported key in one container, which this deletes. */
static void undoing_a_pfx_import_deletes_its_key_container(void **state)
{
    struct testcert ca, leaf;
    unsigned char *pfx = NULL, tp[CS_SHA1_LEN];
    CRYPT_HASH_BLOB blob;
    CRYPT_KEY_PROV_INFO *info = NULL;
    HCERTSTORE st;
    PCCERT_CONTEXT c;
    DWORD cb = 0;
    size_t len = 0;
    int removed = 0;
    ofd_err e;

    (void)state;
    assert_int_equal(testcert_ca("ocsfed Undo Root CA", 365, &ca), 0);
    assert_int_equal(testcert_leaf(&ca, "ocs3.example.com", "serverAuth,clientAuth", NULL, -1, 365, &leaf), 0);
    assert_int_equal(testcert_pfx(&leaf, "pw", &pfx, &len), 0);
    assert_ok(cs_store_import_pfx(pfx, len, "pw", tp, &e));
    assert_ok(cs_store_key_usable("My", tp, &e));
    /* The container it went into, as the certificate records it. */
    assert_non_null(st = CertOpenStore(CERT_STORE_PROV_SYSTEM_W, 0, 0, CERT_SYSTEM_STORE_LOCAL_MACHINE, L"My"));
    blob.pbData = tp;
    blob.cbData = CS_SHA1_LEN;
    assert_non_null(c = CertFindCertificateInStore(st, X509_ASN_ENCODING, 0, CERT_FIND_SHA1_HASH, &blob, NULL));
    assert_true(CertGetCertificateContextProperty(c, CERT_KEY_PROV_INFO_PROP_ID, NULL, &cb));
    assert_non_null(info = malloc(cb));
    assert_true(CertGetCertificateContextProperty(c, CERT_KEY_PROV_INFO_PROP_ID, info, &cb));
    CertFreeCertificateContext(c);
    CertCloseStore(st, 0);
    assert_true(container_opens(info));

    assert_ok(cs_store_remove("My", tp, &removed, &e));
    assert_int_equal(removed, 1);
    assert_false(container_opens(info));
    free(info);
    free(pfx);
    testcert_free(&leaf);
    testcert_free(&ca);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pfx_goes_to_my_with_a_usable_key),
        cmocka_unit_test(pfx_replaces_its_certificate_imported_without_a_key),
        cmocka_unit_test(wrong_password_and_garbage_are_refused),
        cmocka_unit_test(certificate_without_key_is_not_usable),
        cmocka_unit_test(unknown_root_and_expiry_are_reported),
        cmocka_unit_test(find_by_subject_cn),
        cmocka_unit_test(certificates_still_to_add_are_counted),
        cmocka_unit_test(undoing_a_pfx_import_deletes_its_key_container),
    };

    if (argc == 3 && strcmp(argv[1], "keycheck") == 0) {
        unsigned char tp[CS_SHA1_LEN];
        ofd_err e;

        if (cs_thumbprint_parse(argv[2], tp, &e) != OFD_OK || cs_store_key_usable("My", tp, &e) != OFD_OK) {
            fprintf(stderr, "child: %s\n", e.msg);
            return 2;
        }
        return 0;
    }
    return cmocka_run_group_tests(tests, NULL, NULL);
}
