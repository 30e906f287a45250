/* certstore/cs_inspect: reading DER, PEM and PKCS#12 files; the R14 (purposes), R15
 * (subject CN) and validity checks; the R17 issuer and little-endian serial; the R13
 * chain to a trusted root. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "cs_inspect.h"
#include "fsutil.h"
#include "testcert.h"

#define SERVER_CLIENT "serverAuth,clientAuth"

/* EC keys, serial numbers as given. */
static struct testcert ca;
static unsigned char *ca_der;
static size_t ca_len;

static int setup(void **state)
{
    struct testcert_opts o = {1, 1};

    (void)state;
    if (testcert_ca_opts("Inspect Root CA", 3650, &o, &ca) != 0 || testcert_der(&ca, &ca_der, &ca_len) != 0)
        return -1;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    testcert_free(&ca);
    free(ca_der);
    return 0;
}

/* A leaf for cn with the purposes in eku (NULL: no extension), valid from now + from
 * for days days, read back into ci. */
static void inspect(const char *cn, const char *eku, int from, int days, long serial, struct cs_cert_info *ci)
{
    struct testcert_opts o = {serial, 1};
    struct testcert c;
    unsigned char *der = NULL;
    size_t len = 0;
    ofd_err e;

    assert_int_equal(testcert_leaf_opts(&ca, cn, eku, NULL, from, from + days, &o, &c), 0);
    assert_int_equal(testcert_der(&c, &der, &len), 0);
    assert_int_equal(cs_inspect_der(der, len, ci, &e), OFD_OK);
    free(der);
    testcert_free(&c);
}

static void fields(void **state)
{
    struct cs_cert_info ci;
    const unsigned char *der;
    size_t len;
    ofd_err e;

    (void)state;
    inspect("Pool.Example.com", SERVER_CLIENT, -1, 30, 0x010203, &ci);
    assert_string_equal(ci.cn, "Pool.Example.com");
    assert_string_equal(ci.subject, "CN=Pool.Example.com");
    assert_true(ci.has_eku && ci.server_auth && ci.client_auth);
    assert_false(ci.is_ca);
    assert_false(ci.self_signed);
    assert_true(ci.not_after - ci.not_before == 30L * 86400L);
    assert_int_equal(ci.serial_len, 3);
    assert_int_equal(ci.serial_le[0], 0x03); /* least significant first (CryptoAPI) */
    assert_int_equal(ci.serial_le[2], 0x01);
    /* the issuer Name's DER: a SEQUENCE */
    assert_int_equal(ci.issuer_der[0], 0x30);
    assert_int_equal(cs_check_server_cert(&ci, "pool.example.com", (long long)time(NULL), &e), OFD_OK);
    cs_cert_info_free(&ci);
    der = ca_der;
    len = ca_len;
    assert_int_equal(cs_inspect_der(der, len, &ci, &e), OFD_OK);
    assert_true(ci.is_ca && ci.self_signed && !ci.has_eku);
    cs_cert_info_free(&ci);
    assert_int_equal(cs_inspect_der((const unsigned char *)"junk", 4, &ci, &e), OFD_E_CRYPTO);
    assert_string_equal(e.msg, "not a DER X.509 certificate (4 bytes)");
}

/* R14: Server and Client Authentication both, explicitly. */
static void r14_purposes(void **state)
{
    struct cs_cert_info ci;
    ofd_err e;
    long long now = (long long)time(NULL);

    (void)state;
    inspect("pool.example.com", "serverAuth", -1, 30, 5, &ci);
    assert_int_equal(cs_check_server_cert(&ci, "pool.example.com", now, &e), OFD_E_INVALID);
    assert_string_equal(e.rule, "R14");
    assert_non_null(strstr(e.msg, "(CN=pool.example.com) lacks Client Authentication in its intended purposes"));
    cs_cert_info_free(&ci);
    inspect("pool.example.com", "clientAuth", -1, 30, 6, &ci);
    assert_int_equal(cs_check_server_cert(&ci, "pool.example.com", now, &e), OFD_E_INVALID);
    assert_non_null(strstr(e.msg, "lacks Server Authentication in its intended purposes"));
    cs_cert_info_free(&ci);
    inspect("pool.example.com", NULL, -1, 30, 7, &ci);
    assert_int_equal(cs_check_server_cert(&ci, "pool.example.com", now, &e), OFD_E_INVALID);
    assert_non_null(strstr(e.msg, "lacks Server and Client Authentication in its intended purposes"));
    cs_cert_info_free(&ci);
}

/* R15: the CN; R16: validity. */
static void r15_subject_and_validity(void **state)
{
    struct cs_cert_info ci;
    ofd_err e;
    long long now = (long long)time(NULL);

    (void)state;
    inspect("fe1.example.com", SERVER_CLIENT, -1, 30, 8, &ci);
    assert_int_equal(cs_check_server_cert(&ci, "pool.example.com", now, &e), OFD_E_INVALID);
    assert_string_equal(e.rule, "R15");
    assert_non_null(strstr(e.msg, "has subject CN=fe1.example.com, expected CN=pool.example.com"));
    cs_cert_info_free(&ci);
    inspect("pool.example.com", SERVER_CLIENT, -30, 10, 9, &ci);
    assert_int_equal(cs_check_server_cert(&ci, "pool.example.com", now, &e), OFD_E_INVALID);
    assert_string_equal(e.rule, "R16");
    assert_non_null(strstr(e.msg, "has expired; an expired certificate stops the Front End from starting"));
    cs_cert_info_free(&ci);
    inspect("pool.example.com", SERVER_CLIENT, 5, 10, 10, &ci);
    assert_int_equal(cs_check_server_cert(&ci, "pool.example.com", now, &e), OFD_E_INVALID);
    assert_non_null(strstr(e.msg, "is not valid yet"));
    cs_cert_info_free(&ci);
}

/* The file read whole, then the certificate in its bytes (as the manifest does: one
 * read, the pin checked on those bytes, then parsed). */
static enum ofd_code load_cert(const char *path, unsigned char **der, size_t *len, ofd_err *e)
{
    char *buf = NULL;
    size_t n = 0;
    enum ofd_code rc;

    if ((rc = ofd_read_file(path, CS_FILE_MAX_BYTES, &buf, &n, e)) == OFD_OK)
        rc = cs_cert_from_buffer((const unsigned char *)buf, n, path, der, len, e);
    free(buf);
    return rc;
}

static enum ofd_code load_pkcs12(const char *path, const char *password, unsigned char **der, size_t *len, ofd_err *e)
{
    char *buf = NULL;
    size_t n = 0;
    enum ofd_code rc;

    if ((rc = ofd_read_file(path, CS_FILE_MAX_BYTES, &buf, &n, e)) == OFD_OK)
        rc = cs_pkcs12_cert((const unsigned char *)buf, n, path, password, der, len, e);
    free(buf);
    return rc;
}

static void files(void **state)
{
    struct testcert_opts o = {77, 1};
    struct testcert leaf;
    const unsigned char *der;
    unsigned char *got = NULL, *pder = NULL;
    size_t len, glen, plen;
    ofd_err e;
    FILE *f;

    (void)state;
    der = ca_der;
    len = ca_len;
    assert_int_equal(testcert_write_file("inspect.der", der, len), 0);
    assert_int_equal(testcert_write_pem(&ca, NULL, "inspect.pem"), 0);
    assert_int_equal(load_cert("inspect.der", &got, &glen, &e), OFD_OK);
    assert_memory_equal(got, der, len);
    free(got);
    assert_int_equal(load_cert("inspect.pem", &got, &glen, &e), OFD_OK);
    assert_int_equal(glen, len);
    assert_memory_equal(got, der, len);
    free(got);
    /* two certificates in one PEM file are refused */
    assert_non_null(f = fopen("inspect.pem", "ab"));
    fclose(f);
    testcert_write_pem(&ca, NULL, "inspect2.pem");
    {
        char buf[8192];
        size_t n;
        FILE *a = fopen("inspect2.pem", "rb"), *b = fopen("inspect.pem", "ab");
        assert_non_null(a);
        assert_non_null(b);
        n = fread(buf, 1, sizeof(buf), a);
        fwrite(buf, 1, n, b);
        fclose(a);
        fclose(b);
    }
    assert_int_equal(load_cert("inspect.pem", &got, &glen, &e), OFD_E_CRYPTO);
    assert_string_equal(e.msg, "'inspect.pem' holds more than one certificate: give one file per certificate");
    /* PKCS#12: the right password opens it, a wrong one does not */
    assert_int_equal(testcert_leaf_opts(&ca, "pool.example.com", SERVER_CLIENT, NULL, -1, 364, &o, &leaf), 0);
    assert_int_equal(testcert_write_pfx(&leaf, "s3cret", "inspect.pfx"), 0);
    assert_int_equal(testcert_der(&leaf, &pder, &plen), 0);
    testcert_free(&leaf);
    assert_int_equal(load_pkcs12("inspect.pfx", "s3cret", &got, &glen, &e), OFD_OK);
    assert_int_equal(glen, plen);
    assert_memory_equal(got, pder, plen);
    free(got);
    assert_int_equal(load_pkcs12("inspect.pfx", NULL, &got, &glen, &e), OFD_E_CRYPTO);
    assert_string_equal(e.msg, "cannot open 'inspect.pfx': wrong password, or no certificate with a private key in it");
    assert_int_equal(load_pkcs12("inspect.der", NULL, &got, &glen, &e), OFD_E_CRYPTO);
    assert_string_equal(e.msg, "'inspect.der' is not a PKCS#12 (.pfx) file");
    free(pder);
    remove("inspect.der");
    remove("inspect.pem");
    remove("inspect2.pem");
    remove("inspect.pfx");
}

/* R13: the chain ends at a certificate of the Root store, through the CA store; a
 * root found only among the intermediates is not trusted; validity at `now`. */
static void r13_chain(void **state)
{
    struct testcert_opts o = {90, 1};
    struct testcert other, leaf;
    unsigned char *other_der = NULL, *der = NULL;
    size_t other_len = 0, len = 0;
    long long now = (long long)time(NULL);
    ofd_err e;

    (void)state;
    assert_int_equal(testcert_ca_opts("Other Root CA", 3650, &o, &other), 0);
    assert_int_equal(testcert_der(&other, &other_der, &other_len), 0);
    assert_int_equal(testcert_leaf_opts(&ca, "pool.example.com", SERVER_CLIENT, NULL, -1, 364, &o, &leaf), 0);
    assert_int_equal(testcert_der(&leaf, &der, &len), 0);
    {
        const struct cs_der trusted[] = {{other_der, other_len}, {ca_der, ca_len}};
        const struct cs_der wrong[] = {{other_der, other_len}};
        const struct cs_der garbage[] = {{(const unsigned char *)"nope", 4}};

        assert_int_equal(cs_verify_chain(der, len, trusted, 2, NULL, 0, now, &e), OFD_OK);
        assert_int_equal(cs_verify_chain(der, len, wrong, 1, NULL, 0, now, &e), OFD_E_INVALID);
        assert_string_equal(e.rule, "R13");
        assert_non_null(strstr(e.msg, "does not chain to a root in the local machine's Trusted Root Certification "
                                      "Authorities store: add the issuing CA's root certificate there"));
        assert_int_equal(cs_verify_chain(der, len, wrong, 1, trusted + 1, 1, now, &e), OFD_E_INVALID);
        assert_string_equal(e.rule, "R13");
        /* Unreadable store entries are skipped, as CryptoAPI skips them. */
        assert_int_equal(cs_verify_chain(der, len, garbage, 1, trusted, 2, now, &e), OFD_E_INVALID);
        assert_int_equal(cs_verify_chain(der, len, trusted, 2, garbage, 1, now, &e), OFD_OK);
        /* A year and a day on, the leaf has expired. */
        assert_int_equal(cs_verify_chain(der, len, trusted, 2, NULL, 0, now + 366LL * 86400, &e), OFD_E_INVALID);
        assert_string_equal(e.rule, "R14");
        assert_non_null(strstr(e.msg, "is expired or not yet valid"));
        assert_int_equal(cs_verify_chain(garbage[0].der, 4, trusted, 2, NULL, 0, now, &e), OFD_E_CRYPTO);
    }
    free(der);
    free(other_der);
    testcert_free(&leaf);
    testcert_free(&other);
}

/* A self-signed certificate (EC key) with the Name in dn ("C=US/ST=.../CN=...", in DER
 * order, "+" joining the attributes of one RDN) and serial number serial (hex). */
static void named_der(const char *dn, const char *serial, unsigned char **der, size_t *len)
{
    EVP_PKEY *key = EVP_EC_gen("P-256");
    X509 *x = X509_new();
    X509_NAME *n = X509_NAME_new();
    BIGNUM *bn = NULL;
    char buf[512], *tok, *next;
    unsigned char *p;
    int k;

    assert_non_null(key);
    assert_non_null(x);
    snprintf(buf, sizeof(buf), "%s", dn);
    for (tok = buf; tok; tok = next) {
        char *eq, *plus;
        if ((next = strchr(tok, '/')))
            *next++ = '\0';
        eq = strchr(tok, '=');
        if ((plus = strchr(tok, '+'))) /* "A=x+B=y": two attributes in one RDN */
            *plus = '\0';
        *eq = '\0';
        assert_true(X509_NAME_add_entry_by_txt(n, tok, MBSTRING_UTF8, (unsigned char *)eq + 1, -1, -1, 0));
        if (plus) {
            eq = strchr(plus + 1, '=');
            *eq = '\0';
            assert_true(X509_NAME_add_entry_by_txt(n, plus + 1, MBSTRING_UTF8, (unsigned char *)eq + 1, -1, -1, -1));
        }
    }
    X509_set_version(x, 2);
    assert_true(BN_hex2bn(&bn, serial) > 0);
    assert_non_null(BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)));
    X509_gmtime_adj(X509_getm_notBefore(x), -86400L);
    X509_gmtime_adj(X509_getm_notAfter(x), 86400L);
    assert_true(X509_set_subject_name(x, n) && X509_set_issuer_name(x, n) && X509_set_pubkey(x, key));
    assert_true(X509_sign(x, key, EVP_sha256()));
    k = i2d_X509(x, NULL);
    assert_true(k > 0);
    *der = p = malloc((size_t)k);
    i2d_X509(x, &p);
    *len = (size_t)k;
    BN_free(bn);
    X509_NAME_free(n);
    X509_free(x);
    EVP_PKEY_free(key);
}

/* The issuer, subject and serial number as the certificate MMC shows them (Windows
 * Server 2003-2008 R2): the Name most specific first with CryptoAPI's short names
 * ("CN = Example Root CA, O = Example", S for the state, E for e-mail), the serial
 * number big-endian in lower-case hex bytes with its sign byte, as the Details tab. */
static void names_and_serial_as_mmc_shows_them(void **state)
{
    struct cs_cert_info ci;
    unsigned char *der = NULL;
    size_t len = 0;
    ofd_err e;

    (void)state;
    named_der("C=US/ST=Some State/L=Springfield/O=Example/OU=PKI/CN=Example Root CA/emailAddress=pki@example.com",
              "89AB", &der, &len);
    assert_int_equal(cs_inspect_der(der, len, &ci, &e), OFD_OK);
    assert_string_equal(ci.issuer_text, "E = pki@example.com, CN = Example Root CA, OU = PKI, O = Example, "
                                        "L = Springfield, S = Some State, C = US");
    assert_string_equal(ci.subject_text, ci.issuer_text);
    assert_string_equal(ci.serial_text, "00 89 ab"); /* the DER INTEGER's bytes, sign byte included */
    assert_int_equal(ci.serial_len, 2);              /* TLSCertSN (R17) as before */
    assert_int_equal(ci.serial_le[0], 0xab);
    cs_cert_info_free(&ci);
    free(der);

    /* Several attributes in one RDN (in their order, as CryptoAPI's CertNameToStr);
     * an attribute CryptoAPI has no short name for, as "OID." and its OID; a long
     * serial number. */
    named_der("DC=com/DC=example/O=Example+OU=Servers/CN=pool.example.com/1.2.3.4=IT",
              "0102030405060708090A0B0C0D0E0F1011121314", &der, &len);
    assert_int_equal(cs_inspect_der(der, len, &ci, &e), OFD_OK);
    assert_string_equal(ci.subject_text,
                        "OID.1.2.3.4 = IT, CN = pool.example.com, O = Example + OU = Servers, DC = example, DC = com");
    assert_string_equal(ci.serial_text, "01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f 10 11 12 13 14");
    cs_cert_info_free(&ci);
    free(der);

    /* A leaf of the test CA: its issuer is the CA's subject. */
    inspect("pool.example.com", SERVER_CLIENT, -1, 30, 0x1234, &ci);
    assert_string_equal(ci.issuer_text, "CN = Inspect Root CA");
    assert_string_equal(ci.subject_text, "CN = pool.example.com");
    assert_string_equal(ci.serial_text, "12 34");
    cs_cert_info_free(&ci);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fields), cmocka_unit_test(r14_purposes), cmocka_unit_test(r15_subject_and_validity),
        cmocka_unit_test(files),  cmocka_unit_test(r13_chain),    cmocka_unit_test(names_and_serial_as_mmc_shows_them),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
