#include "test_certgen.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

struct certgen_ca {
    EVP_PKEY *key;
    X509 *cert;
    unsigned char *der;
    size_t len;
};

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

static int to_der(X509 *x, unsigned char **der, size_t *len)
{
    unsigned char *buf, *p;
    int n;

    if ((n = i2d_X509(x, NULL)) <= 0 || !(buf = malloc((size_t)n)))
        return -1;
    p = buf;
    i2d_X509(x, &p);
    *der = buf;
    *len = (size_t)n;
    return 0;
}

struct certgen_ca *certgen_ca_new(const char *cn)
{
    struct certgen_ca *ca = calloc(1, sizeof(*ca));
    X509_NAME *name;

    if (!ca || !(ca->key = EVP_EC_gen("P-256")) || !(ca->cert = X509_new()))
        goto fail;
    X509_set_version(ca->cert, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(ca->cert), 1);
    X509_gmtime_adj(X509_getm_notBefore(ca->cert), -86400L);
    X509_gmtime_adj(X509_getm_notAfter(ca->cert), 3650L * 86400L);
    name = X509_get_subject_name(ca->cert);
    if (!X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1, 0)
        || !X509_set_issuer_name(ca->cert, name) || !X509_set_pubkey(ca->cert, ca->key)
        || !add_ext(ca->cert, ca->cert, NID_basic_constraints, "critical,CA:TRUE")
        || !X509_sign(ca->cert, ca->key, EVP_sha256()) || to_der(ca->cert, &ca->der, &ca->len))
        goto fail;
    return ca;
fail:
    certgen_ca_free(ca);
    return NULL;
}

void certgen_ca_free(struct certgen_ca *ca)
{
    if (!ca)
        return;
    EVP_PKEY_free(ca->key);
    X509_free(ca->cert);
    free(ca->der);
    free(ca);
}

const unsigned char *certgen_ca_der(const struct certgen_ca *ca, size_t *len)
{
    *len = ca->len;
    return ca->der;
}

static int make_leaf(struct certgen_ca *ca, const char *cn, unsigned flags, int from_days,
                     int days, long serial, unsigned char **der, size_t *len, EVP_PKEY **key_out,
                     X509 **x_out);

int certgen_leaf(struct certgen_ca *ca, const char *cn, unsigned flags, int from_days, int days,
                 long serial, unsigned char **der, size_t *len)
{
    return make_leaf(ca, cn, flags, from_days, days, serial, der, len, NULL, NULL);
}

int certgen_pkcs12(struct certgen_ca *ca, const char *cn, unsigned flags, const char *password,
                   const char *path, unsigned char **der, size_t *len)
{
    EVP_PKEY *key = NULL;
    X509 *x = NULL;
    PKCS12 *p12 = NULL;
    FILE *f = NULL;
    int rc = -1;

    if (make_leaf(ca, cn, flags, -1, 365, 77, der, len, &key, &x) != 0)
        return -1;
    if (!(p12 = PKCS12_create(password, "ocsfed test", key, x, NULL, 0, 0, 0, 0, 0)))
        goto out;
    if (!(f = fopen(path, "wb")) || i2d_PKCS12_fp(f, p12) != 1)
        goto out;
    rc = 0;
out:
    if (f && fclose(f) != 0)
        rc = -1;
    if (rc != 0) {
        free(*der);
        *der = NULL;
    }
    PKCS12_free(p12);
    X509_free(x);
    EVP_PKEY_free(key);
    return rc;
}

static int make_leaf(struct certgen_ca *ca, const char *cn, unsigned flags, int from_days,
                     int days, long serial, unsigned char **der, size_t *len, EVP_PKEY **key_out,
                     X509 **x_out)
{
    EVP_PKEY *key = NULL;
    X509 *x = NULL;
    char eku[64] = "";
    int rc = -1;

    if (!(key = EVP_EC_gen("P-256")) || !(x = X509_new()))
        goto out;
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
    X509_gmtime_adj(X509_getm_notBefore(x), (long)from_days * 86400L);
    X509_gmtime_adj(X509_getm_notAfter(x), (long)(from_days + days) * 86400L);
    if (!X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_UTF8,
                                    (const unsigned char *)cn, -1, -1, 0)
        || !X509_set_issuer_name(x, X509_get_subject_name(ca->cert)) || !X509_set_pubkey(x, key))
        goto out;
    if (flags & CERTGEN_SERVER_AUTH)
        strcat(eku, "serverAuth");
    if (flags & CERTGEN_CLIENT_AUTH)
        strcat(eku, eku[0] ? ",clientAuth" : "clientAuth");
    if (!(flags & CERTGEN_NO_EKU) && eku[0] && !add_ext(x, ca->cert, NID_ext_key_usage, eku))
        goto out;
    if (!X509_sign(x, ca->key, EVP_sha256()) || to_der(x, der, len))
        goto out;
    if (key_out) {
        *key_out = key;
        *x_out = x;
        key = NULL;
        x = NULL;
    }
    rc = 0;
out:
    X509_free(x);
    EVP_PKEY_free(key);
    return rc;
}

int certgen_write(const char *path, const unsigned char *der, size_t len, int pem)
{
    const unsigned char *p = der;
    X509 *x = NULL;
    FILE *f = fopen(path, "wb");
    int rc = -1;

    if (!f)
        return -1;
    if (!pem)
        rc = fwrite(der, 1, len, f) == len ? 0 : -1;
    else if ((x = d2i_X509(NULL, &p, (long)len)))
        rc = PEM_write_X509(f, x) ? 0 : -1;
    X509_free(x);
    if (fclose(f) != 0)
        rc = -1;
    return rc;
}

char *certgen_base64(const unsigned char *der, size_t len)
{
    char *out = malloc(4 * ((len + 2) / 3) + 1);

    if (out)
        EVP_EncodeBlock((unsigned char *)out, der, (int)len);
    return out;
}
