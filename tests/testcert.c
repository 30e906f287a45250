#include "testcert.h"

#include "cs.h"
#include "cs_inspect.h"
#include "fsutil.h"
#include "strbuf.h"
#include "trust.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

static long serial_counter;

int testcert_make_selfsigned(const char *cn, int days, unsigned char **der, size_t *len)
{
    EVP_PKEY *key = NULL;
    X509 *x = NULL;
    X509_NAME *name;
    int rc = -1;

    if (!(key = EVP_EC_gen("P-256")) || !(x = X509_new()))
        goto out;
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), (long)(rand() & 0x7fffffff) + 1);
    X509_gmtime_adj(X509_getm_notBefore(x), -86400L);
    X509_gmtime_adj(X509_getm_notAfter(x), (long)days * 86400L);
    name = X509_get_subject_name(x);
    if (!X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1, 0)
        || !X509_set_issuer_name(x, name) || !X509_set_pubkey(x, key) || !X509_sign(x, key, EVP_sha256()))
        goto out;
    rc = cs_x509_der(x, der, len);
out:
    X509_free(x);
    EVP_PKEY_free(key);
    return rc;
}

static int add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509_EXTENSION *ext;
    int ok;

    X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
    if (!(ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value)))
        return 0;
    ok = X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
    return ok;
}

/* RSA-2048, as real certificates; OCSFED_TESTCERT_BITS=1024 under Valgrind, where a
 * 2048-bit key takes seconds to make (nothing checks the key size). */
static unsigned key_bits(void)
{
    const char *s = getenv("OCSFED_TESTCERT_BITS");

    return s && !strcmp(s, "1024") ? 1024u : 2048u;
}

/* True when each CRT component of an RSA key fills its full width. Wine 8.0's
 * PFXImportCertStore (dlls/crypt32/unixlib.c, import_store_key) stops filling the
 * PRIVATEKEYBLOB at the first component that is a byte shorter than bits/16 (or bits/8
 * for d) yet still reports success, so about one key in 100 is imported as a key that
 * does not match its certificate (seen with a short dP and a short qInv). Real Windows
 * imports these keys; the tests avoid them only so that Wine's store tests are not
 * flaky. */
static int rsa_components_full(const EVP_PKEY *key, unsigned bits)
{
    static const char *const half[] = {OSSL_PKEY_PARAM_RSA_EXPONENT1, OSSL_PKEY_PARAM_RSA_EXPONENT2,
                                       OSSL_PKEY_PARAM_RSA_COEFFICIENT1};
    BIGNUM *bn = NULL;
    size_t i;
    int ok = 1;

    for (i = 0; ok && i < sizeof(half) / sizeof(half[0]); i++) {
        ok = EVP_PKEY_get_bn_param(key, half[i], &bn) && (unsigned)BN_num_bytes(bn) == bits / 16;
        BN_clear_free(bn);
        bn = NULL;
    }
    if (ok)
        ok = EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_D, &bn) && (unsigned)BN_num_bytes(bn) == bits / 8;
    BN_clear_free(bn);
    return ok;
}

static EVP_PKEY *rsa_key(void)
{
    const unsigned bits = key_bits();
    EVP_PKEY *key = NULL;
    int tries;

    for (tries = 0; tries < 64; tries++) {
        if (!(key = EVP_RSA_gen(bits)) || rsa_components_full(key, bits))
            return key;
        EVP_PKEY_free(key);
        key = NULL;
    }
    return NULL;
}

static int make_ex(const struct testcert *ca, int sub_ca, const char *cn, const char *eku, const char *san,
                   int from_days, int to_days, const struct testcert_opts *o, struct testcert *out)
{
    EVP_PKEY *key = NULL;
    X509 *x = NULL;
    int rc = -1;

    memset(out, 0, sizeof(*out));
    if (!(key = o && o->ec_key ? EVP_EC_gen("P-256") : rsa_key()) || !(x = X509_new()))
        goto out;
    X509_set_version(x, 2);
    /* Serial numbers with a high first byte test the byte order callers use. */
    ASN1_INTEGER_set(X509_get_serialNumber(x),
                     o && o->serial ? o->serial : 0x7A0000L + (++serial_counter << 8) + (rand() & 0xff));
    X509_gmtime_adj(X509_getm_notBefore(x), (long)from_days * 86400L);
    X509_gmtime_adj(X509_getm_notAfter(x), (long)to_days * 86400L);
    if (!X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1, 0)
        || !X509_set_issuer_name(x, ca ? X509_get_subject_name(ca->x) : X509_get_subject_name(x))
        || !X509_set_pubkey(x, key))
        goto out;
    if (ca && sub_ca) {
        if (!add_ext(x, ca->x, NID_basic_constraints, "critical,CA:TRUE")
            || !add_ext(x, ca->x, NID_key_usage, "critical,keyCertSign,cRLSign")
            || !add_ext(x, ca->x, NID_subject_key_identifier, "hash")
            || !add_ext(x, ca->x, NID_authority_key_identifier, "keyid:always"))
            goto out;
    } else if (!ca) {
        if (!add_ext(x, x, NID_basic_constraints, "critical,CA:TRUE")
            || !add_ext(x, x, NID_key_usage, "critical,keyCertSign,cRLSign")
            || !add_ext(x, x, NID_subject_key_identifier, "hash"))
            goto out;
    } else {
        if (!add_ext(x, ca->x, NID_basic_constraints, "CA:FALSE")
            || !add_ext(x, ca->x, NID_key_usage, "critical,digitalSignature,keyEncipherment")
            || !add_ext(x, ca->x, NID_authority_key_identifier, "keyid:always"))
            goto out;
        if (eku && !add_ext(x, ca->x, NID_ext_key_usage, eku))
            goto out;
        if (san && !add_ext(x, ca->x, NID_subject_alt_name, san))
            goto out;
    }
    if (!X509_sign(x, ca ? ca->key : key, EVP_sha256()))
        goto out;
    out->key = key;
    out->x = x;
    key = NULL;
    x = NULL;
    rc = 0;
out:
    X509_free(x);
    EVP_PKEY_free(key);
    return rc;
}

static int make(const struct testcert *ca, const char *cn, const char *eku, const char *san, int from_days, int to_days,
                const struct testcert_opts *o, struct testcert *out)
{
    return make_ex(ca, 0, cn, eku, san, from_days, to_days, o, out);
}

int testcert_intermediate(const struct testcert *ca, const char *cn, int days, const struct testcert_opts *o,
                          struct testcert *out)
{
    return make_ex(ca, 1, cn, NULL, NULL, -1, days, o, out);
}

int testcert_ca(const char *cn, int days, struct testcert *out)
{
    return make(NULL, cn, NULL, NULL, -1, days, NULL, out);
}

int testcert_leaf(const struct testcert *ca, const char *cn, const char *eku, const char *san, int from_days,
                  int to_days, struct testcert *out)
{
    return make(ca, cn, eku, san, from_days, to_days, NULL, out);
}

int testcert_ca_opts(const char *cn, int days, const struct testcert_opts *o, struct testcert *out)
{
    return make(NULL, cn, NULL, NULL, -1, days, o, out);
}

int testcert_leaf_opts(const struct testcert *ca, const char *cn, const char *eku, const char *san, int from_days,
                       int to_days, const struct testcert_opts *o, struct testcert *out)
{
    return make(ca, cn, eku, san, from_days, to_days, o, out);
}

int testcert_der(const struct testcert *c, unsigned char **der, size_t *len)
{
    return cs_x509_der(c->x, der, len);
}

char *testcert_base64(const unsigned char *der, size_t len)
{
    return cs_base64_encode(der, len);
}

int testcert_pfx(const struct testcert *c, const char *password, unsigned char **der, size_t *len)
{
    PKCS12 *p12 = NULL;
    unsigned char *buf = NULL, *p;
    int n, rc = -1;

    p12 = PKCS12_create(password, "ocsfed test", c->key, c->x, NULL, NID_pbe_WithSHA1And3_Key_TripleDES_CBC,
                        NID_pbe_WithSHA1And3_Key_TripleDES_CBC, 2048, -1, 0);
    if (!p12 || !PKCS12_set_mac(p12, password, -1, NULL, 0, 2048, EVP_sha1()))
        goto out;
    if ((n = i2d_PKCS12(p12, NULL)) <= 0 || !(buf = malloc((size_t)n)))
        goto out;
    p = buf;
    i2d_PKCS12(p12, &p);
    *der = buf;
    *len = (size_t)n;
    rc = 0;
out:
    PKCS12_free(p12);
    return rc;
}

int testcert_write_pfx(const struct testcert *c, const char *password, const char *path)
{
    unsigned char *der = NULL;
    size_t len = 0;
    int rc = -1;

    if (testcert_pfx(c, password, &der, &len) == 0)
        rc = testcert_write_file(path, der, len);
    free(der);
    return rc;
}

void testcert_free(struct testcert *c)
{
    if (!c)
        return;
    X509_free(c->x);
    EVP_PKEY_free(c->key);
    memset(c, 0, sizeof(*c));
}

int testcert_sha1(const struct testcert *c, unsigned char tp[20])
{
    unsigned int n = 0;

    return X509_digest(c->x, EVP_sha1(), tp, &n) == 1 && n == 20 ? 0 : -1;
}

int testcert_write_server_pfx(const char *cn, const char *password, const char *path, unsigned char tp[20],
                              const char *ca_pem_path)
{
    struct testcert ca = {0}, leaf = {0};
    int rc = -1;

    if (testcert_ca("Example OCS CA", 365, &ca) == 0
        && testcert_leaf(&ca, cn, "serverAuth,clientAuth", NULL, -3650, 365, &leaf) == 0
        && testcert_sha1(&leaf, tp) == 0 && testcert_write_pfx(&leaf, password, path) == 0
        && (!ca_pem_path || testcert_write_pem(&ca, NULL, ca_pem_path) == 0))
        rc = 0;
    testcert_free(&leaf);
    testcert_free(&ca);
    return rc;
}

int testcert_write_pem(const struct testcert *c, const char *key_path, const char *cert_path)
{
    BIO *b = NULL;
    int rc = -1;

    if (key_path) {
        if (!(b = BIO_new_file(key_path, "wb")) || !PEM_write_bio_PrivateKey(b, c->key, NULL, NULL, 0, NULL, NULL))
            goto out;
        BIO_free(b);
        b = NULL;
    }
    if (cert_path) {
        if (!(b = BIO_new_file(cert_path, "wb")) || !PEM_write_bio_X509(b, c->x))
            goto out;
    }
    rc = 0;
out:
    BIO_free(b);
    return rc;
}

int testcert_write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    int rc = -1;

    if (!f)
        return -1;
    if (fwrite(data, 1, len, f) == len)
        rc = 0;
    if (fclose(f) != 0)
        rc = -1;
    return rc;
}

int testcert_sign_file(const char *path, const char *ca_cn, char signer_hex[41])
{
    struct testcert ca = {0}, pub = {0};
    unsigned char *sig = NULL, tp[20];
    size_t sig_len = 0, len = 0;
    char *text = NULL, *p7s = NULL;
    struct strbuf b = {0};
    int rc = -1;
    ofd_err e;

    if (ofd_read_file(path, 1u << 26, &text, &len, &e) != OFD_OK || testcert_ca(ca_cn, 30, &ca) != 0
        || testcert_leaf(&ca, "manifest publisher", NULL, NULL, -1, 30, &pub) != 0 || testcert_sha1(&pub, tp) != 0
        || trust_sign((const unsigned char *)text, len, pub.key, pub.x, &sig, &sig_len, &e) != OFD_OK)
        goto out;
    sb_printf(&b, "%s.p7s", path);
    if (!(p7s = sb_take(&b)) || ofd_write_file_atomic(p7s, (const char *)sig, sig_len, &e) != OFD_OK)
        goto out;
    cs_thumbprint_hex(tp, signer_hex);
    rc = 0;
out:
    free(p7s);
    free(sig);
    free(text);
    testcert_free(&pub);
    testcert_free(&ca);
    return rc;
}
