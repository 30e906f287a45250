/* libFuzzer target for the CMS verify path (trust_verify). Input: a flags byte, two
 * bytes of content length n (big endian, taken modulo what is left), n bytes of manifest
 * content, then the signature (DER or PEM). With flag bit 0 the pin is the thumbprint of
 * the first certificate the signature carries, so that mutated signatures reach the
 * digest and signature checks rather than stopping at the untrusted-signer refusal. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/cms.h>
#include <openssl/err.h>

#include "trust.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void pin_first_cert(const uint8_t *sig, size_t len, unsigned char tp[CS_SHA1_LEN])
{
    BIO *b = BIO_new_mem_buf(sig, (int)len);
    CMS_ContentInfo *cms = NULL;
    STACK_OF(X509) *certs = NULL;
    unsigned int n = 0;

    if (!b)
        return;
    if (len >= 10 && memcmp(sig, "-----BEGIN", 10) == 0)
        cms = PEM_read_bio_CMS(b, NULL, NULL, NULL);
    else
        cms = d2i_CMS_bio(b, NULL);
    if (cms && (certs = CMS_get1_certs(cms)) && sk_X509_num(certs) > 0)
        X509_digest(sk_X509_value(certs, 0), EVP_sha1(), tp, &n);
    sk_X509_pop_free(certs, X509_free);
    CMS_ContentInfo_free(cms);
    BIO_free(b);
    ERR_clear_error();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct trust_anchor anchor;
    enum trust_refusal why = TRUST_OK;
    unsigned char tp[CS_SHA1_LEN];
    size_t n;
    ofd_err e;
    uint8_t flags;

    if (size < 3 || size > TRUST_MAX_SIG)
        return 0;
    flags = data[0];
    n = ((size_t)data[1] << 8 | data[2]) % (size - 3 + 1);
    data += 3;
    size -= 3;
    memset(&anchor, 0, sizeof(anchor));
    memset(anchor.tp, 0x5a, sizeof(anchor.tp));
    if (flags & 1)
        pin_first_cert(data + n, size - n, anchor.tp);
    if (trust_verify(data, n, data + n, size - n, &anchor, tp, &why, &e) == OFD_OK) {
        if (memcmp(tp, anchor.tp, CS_SHA1_LEN) != 0)
            __builtin_trap(); /* accepted a signer that is not the pin */
    } else if (why == TRUST_OK) {
        __builtin_trap(); /* every refusal has a class */
    }
    return 0;
}
