#include "cs.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>

#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

enum ofd_code cs_x509_thumbprint(const unsigned char *der, size_t len, unsigned char out[CS_SHA1_LEN], ofd_err *e)
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
    size_t n = 0;

    /* Upper case, as the certificate snap-in shows it. */
    if (!OPENSSL_buf2hexstr_ex(out, 2 * CS_SHA1_LEN + 1, &n, tp, CS_SHA1_LEN, '\0'))
        out[0] = '\0';
}

/* The invisible characters a pasted thumbprint may carry, removed by the parser. */
static const struct {
    const char *utf8, *name;
} invisible[] = {
    {"\xe2\x80\x8e", "U+200E LEFT-TO-RIGHT MARK"},        {"\xe2\x80\x8f", "U+200F RIGHT-TO-LEFT MARK"},
    {"\xe2\x80\x8b", "U+200B ZERO WIDTH SPACE"},          {"\xe2\x80\x8c", "U+200C ZERO WIDTH NON-JOINER"},
    {"\xe2\x80\x8d", "U+200D ZERO WIDTH JOINER"},         {"\xe2\x81\xa0", "U+2060 WORD JOINER"},
    {"\xef\xbb\xbf", "U+FEFF ZERO WIDTH NO-BREAK SPACE"}, {"\xc2\xa0", "U+00A0 NO-BREAK SPACE"},
    {"\xe2\x80\xaf", "U+202F NARROW NO-BREAK SPACE"},
};

#define N_INVISIBLE (sizeof(invisible) / sizeof(invisible[0]))

enum ofd_code cs_thumbprint_parse(const char *text, unsigned char out[CS_SHA1_LEN], ofd_err *e)
{
    return cs_thumbprint_parse_ex(text, out, NULL, 0, e);
}

enum ofd_code cs_thumbprint_parse_ex(const char *text, unsigned char out[CS_SHA1_LEN], char *removed, size_t n,
                                     ofd_err *e)
{
    char digits[2 * CS_SHA1_LEN + 1];
    unsigned char tmp[CS_SHA1_LEN];
    size_t count[N_INVISIBLE] = {0}, order[N_INVISIBLE], nseen = 0, got = 0, k = 0, i, len;
    const char *s;
    int ok = 1;

    if (removed && n)
        removed[0] = '\0';
    for (s = text; *s && ok;) {
        if (*s == ' ' || *s == ':') { /* as the snap-in and openssl print one */
            s++;
            continue;
        }
        if (isxdigit((unsigned char)*s)) {
            if (k == 2 * CS_SHA1_LEN)
                ok = 0;
            else
                digits[k++] = *s++;
            continue;
        }
        for (i = 0; i < N_INVISIBLE && strncmp(s, invisible[i].utf8, strlen(invisible[i].utf8)) != 0; i++)
            ;
        if (i == N_INVISIBLE) {
            ok = 0;
            break;
        }
        if (!count[i]++)
            order[nseen++] = i;
        s += strlen(invisible[i].utf8);
    }
    ok = ok && k == 2 * CS_SHA1_LEN;
    digits[ok ? k : 0] = '\0';
    ok = ok && OPENSSL_hexstr2buf_ex(tmp, sizeof(tmp), &got, digits, '\0') && got == CS_SHA1_LEN;
    ERR_clear_error();
    if (!ok)
        return ofd_err_set(e, OFD_E_INVALID, "thumbprint '%s' is not 40 hexadecimal digits", text);
    for (i = 0; removed && n && i < nseen; i++) {
        len = strlen(removed);
        if (count[order[i]] > 1)
            snprintf(removed + len, n - len, "%s%s (%zu times)", i ? ", " : "", invisible[order[i]].name,
                     count[order[i]]);
        else
            snprintf(removed + len, n - len, "%s%s", i ? ", " : "", invisible[order[i]].name);
    }
    memcpy(out, tmp, sizeof(tmp));
    return OFD_OK;
}

enum ofd_code cs_sha256(const void *data, size_t len, unsigned char out[CS_SHA256_LEN], ofd_err *e)
{
    unsigned int n = 0;

    if (!EVP_Digest(data, len, out, &n, EVP_sha256(), NULL) || n != CS_SHA256_LEN)
        return ofd_err_set(e, OFD_E_CRYPTO, "cannot compute a SHA-256");
    return OFD_OK;
}

enum ofd_code cs_sha1(const void *data, size_t len, unsigned char out[CS_SHA1_LEN], ofd_err *e)
{
    unsigned int n = 0;

    if (!EVP_Digest(data, len, out, &n, EVP_sha1(), NULL) || n != CS_SHA1_LEN)
        return ofd_err_set(e, OFD_E_CRYPTO, "cannot compute a SHA-1");
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

char *cs_base64_encode(const unsigned char *der, size_t len)
{
    char *out = len <= 0x3fffffff ? malloc(4 * ((len + 2) / 3) + 1) : NULL;

    if (out)
        EVP_EncodeBlock((unsigned char *)out, der, (int)len);
    return out;
}

int cs_base64_decode(const char *text, unsigned char **out, size_t *len)
{
    size_t n = strlen(text), k = 0, pad = 0, i;
    char *clean = malloc(n + 1);
    unsigned char *buf = NULL;
    int got;

    if (!clean || n > 0x3fffffff)
        goto fail;
    for (i = 0; i < n; i++)
        if (!isspace((unsigned char)text[i]))
            clean[k++] = text[i];
    clean[k] = '\0';
    while (pad < k && pad < 2 && clean[k - 1 - pad] == '=')
        pad++;
    /* EVP_DecodeBlock wants whole groups of four and counts padding as bytes. */
    if (k == 0 || k % 4 || (strchr(clean, '=') && strchr(clean, '=') != clean + k - pad)
        || !(buf = malloc(k / 4 * 3 + 1)) || (got = EVP_DecodeBlock(buf, (const unsigned char *)clean, (int)k)) < 0
        || (size_t)got < pad || (size_t)got - pad == 0)
        goto fail;
    free(clean);
    *out = buf;
    *len = (size_t)got - pad;
    return 0;
fail:
    free(clean);
    free(buf);
    return -1;
}
