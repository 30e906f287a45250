#include "testcert.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

int testcert_make_selfsigned(const char *cn, int days, unsigned char **der, size_t *len)
{
    EVP_PKEY *key = NULL;
    X509 *x = NULL;
    X509_NAME *name;
    unsigned char *buf = NULL, *p;
    int n, rc = -1;

    if (!(key = EVP_EC_gen("P-256")) || !(x = X509_new()))
        goto out;
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), (long)(rand() & 0x7fffffff) + 1);
    X509_gmtime_adj(X509_getm_notBefore(x), -86400L);
    X509_gmtime_adj(X509_getm_notAfter(x), (long)days * 86400L);
    name = X509_get_subject_name(x);
    if (!X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1, 0)
        || !X509_set_issuer_name(x, name) || !X509_set_pubkey(x, key)
        || !X509_sign(x, key, EVP_sha256()))
        goto out;
    if ((n = i2d_X509(x, NULL)) <= 0 || !(buf = malloc((size_t)n)))
        goto out;
    p = buf;
    i2d_X509(x, &p);
    *der = buf;
    *len = (size_t)n;
    buf = NULL;
    rc = 0;
out:
    free(buf);
    X509_free(x);
    EVP_PKEY_free(key);
    return rc;
}
