#include "cs.h"

#include <ctype.h>
#include <stdio.h>

#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

enum ofd_code cs_x509_thumbprint(const unsigned char *der, size_t len,
                                 unsigned char out[CS_SHA1_LEN], ofd_err *e)
{
    const unsigned char *p = der;
    X509 *x = NULL;
    unsigned int n = 0;
    unsigned char md[EVP_MAX_MD_SIZE];
    enum ofd_code rc = OFD_E_CRYPTO;

    if (len > 0x7fffffff || !(x = d2i_X509(NULL, &p, (long)len)) || p != der + len) {
        ofd_err_set(e, OFD_E_CRYPTO, "not a DER X.509 certificate (%zu bytes)", len);
        goto out;
    }
    /* The thumbprint is the hash of the whole encoding, as CryptoAPI computes it. */
    if (!X509_digest(x, EVP_sha1(), md, &n) || n != CS_SHA1_LEN) {
        ofd_err_set(e, OFD_E_CRYPTO, "cannot compute the certificate's SHA-1 thumbprint");
        goto out;
    }
    for (n = 0; n < CS_SHA1_LEN; n++)
        out[n] = md[n];
    rc = OFD_OK;
out:
    X509_free(x);
    return rc;
}

void cs_thumbprint_hex(const unsigned char tp[CS_SHA1_LEN], char out[2 * CS_SHA1_LEN + 1])
{
    int i;

    for (i = 0; i < CS_SHA1_LEN; i++)
        snprintf(out + 2 * i, 3, "%02X", tp[i]);
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = tolower(c);
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

enum ofd_code cs_thumbprint_parse(const char *hex, unsigned char out[CS_SHA1_LEN], ofd_err *e)
{
    unsigned char tmp[CS_SHA1_LEN];
    int n = 0, hi = -1;
    const char *s;

    for (s = hex; *s; s++) {
        int v;

        if (*s == ' ' || *s == ':')
            continue;
        if ((v = hexval((unsigned char)*s)) < 0 || n == CS_SHA1_LEN)
            return ofd_err_set(e, OFD_E_INVALID,
                               "thumbprint '%s' is not 40 hexadecimal digits", hex);
        if (hi < 0) {
            hi = v;
        } else {
            tmp[n++] = (unsigned char)(hi << 4 | v);
            hi = -1;
        }
    }
    if (n != CS_SHA1_LEN || hi >= 0)
        return ofd_err_set(e, OFD_E_INVALID, "thumbprint '%s' is not 40 hexadecimal digits", hex);
    for (n = 0; n < CS_SHA1_LEN; n++)
        out[n] = tmp[n];
    return OFD_OK;
}

enum ofd_code cs_sha256(const void *data, size_t len, unsigned char out[CS_SHA256_LEN], ofd_err *e)
{
    unsigned int n = 0;

    if (!EVP_Digest(data, len, out, &n, EVP_sha256(), NULL) || n != CS_SHA256_LEN)
        return ofd_err_set(e, OFD_E_CRYPTO, "cannot compute a SHA-256");
    return OFD_OK;
}

void cs_sha256_hex(const unsigned char d[CS_SHA256_LEN], char out[2 * CS_SHA256_LEN + 1])
{
    size_t n = 0, i;

    if (!OPENSSL_buf2hexstr_ex(out, 2 * CS_SHA256_LEN + 1, &n, d, CS_SHA256_LEN, '\0'))
        out[0] = '\0';
    for (i = 0; out[i]; i++)
        out[i] = (char)tolower((unsigned char)out[i]);
}

int cs_sha256_parse(const char *hex, unsigned char out[CS_SHA256_LEN])
{
    unsigned char tmp[CS_SHA256_LEN];
    size_t n = 0;
    int ok = strlen(hex) == 2 * CS_SHA256_LEN && OPENSSL_hexstr2buf_ex(tmp, sizeof(tmp), &n, hex, '\0')
             && n == CS_SHA256_LEN;

    ERR_clear_error();
    if (!ok)
        return -1;
    memcpy(out, tmp, sizeof(tmp));
    return 0;
}
