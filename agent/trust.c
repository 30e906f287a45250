#include "trust.h"

#include <stdlib.h>
#include <string.h>

/* pem.h before cms.h: PEM_read_bio_CMS is declared only in that order. */
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/cms.h>
#include <openssl/objects.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>

#include "cs_inspect.h"
#include "fsutil.h"
#include "strbuf.h"

const char *trust_refusal_name(enum trust_refusal r)
{
    switch (r) {
    case TRUST_OK: return "ok";
    case TRUST_UNSIGNED: return "unsigned";
    case TRUST_MALFORMED: return "malformed";
    case TRUST_BAD_SIGNATURE: return "bad_signature";
    case TRUST_TAMPERED: return "tampered";
    case TRUST_UNTRUSTED_SIGNER: return "untrusted_signer";
    case TRUST_MANY_SIGNERS: return "many_signers";
    case TRUST_WEAK_DIGEST: return "weak_digest";
    }
    return "unknown";
}

static int strong_digest(int nid)
{
    return nid == NID_sha256 || nid == NID_sha384 || nid == NID_sha512;
}

/* The first OpenSSL error's text, for the log; the queue is cleared so that later
 * calls start clean. */
static const char *ssl_reason(char *buf, size_t n)
{
    unsigned long code = ERR_peek_error();

    if (code)
        ERR_error_string_n(code, buf, n);
    else
        snprintf(buf, n, "no detail");
    ERR_clear_error();
    return buf;
}

static int looks_pem(const unsigned char *p, size_t n)
{
    size_t i = 0;

    while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n'))
        i++;
    return n - i >= 10 && memcmp(p + i, "-----BEGIN", 10) == 0;
}

static enum ofd_code thumbprint(X509 *x, unsigned char tp[CS_SHA1_LEN], ofd_err *e)
{
    unsigned int n = 0;

    if (!X509_digest(x, EVP_sha1(), tp, &n) || n != CS_SHA1_LEN) {
        ERR_clear_error();
        return ofd_err_set(e, OFD_E_CRYPTO, "cannot compute a certificate thumbprint");
    }
    return OFD_OK;
}

static void subject_of(X509 *x, char *buf, size_t n)
{
    if (!X509_NAME_oneline(X509_get_subject_name(x), buf, (int)n))
        snprintf(buf, n, "?");
}

/* A refusal: message in e, class in *why. */
static enum ofd_code refuse(ofd_err *e, enum trust_refusal *why, enum trust_refusal r, const char *fmt, ...)
    OFD_PRINTF(4, 5);
static enum ofd_code refuse(ofd_err *e, enum trust_refusal *why, enum trust_refusal r, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    ofd_err_setv(e, OFD_E_CRYPTO, fmt, ap);
    va_end(ap);
    if (why)
        *why = r;
    return OFD_E_CRYPTO;
}

enum ofd_code trust_verify(const unsigned char *data, size_t len, const unsigned char *sig, size_t sig_len,
                           const struct trust_anchor *anchor, unsigned char signer_tp[CS_SHA1_LEN],
                           enum trust_refusal *why, ofd_err *e)
{
    BIO *sigbio = NULL, *content = NULL, *mem = NULL;
    CMS_ContentInfo *cms = NULL;
    STACK_OF(X509) *certs = NULL, *one = NULL;
    STACK_OF(CMS_SignerInfo) * sis;
    CMS_SignerInfo *si;
    X509_ALGOR *digalg = NULL, *sigalg = NULL;
    X509 *pub = NULL, *signer = NULL;
    unsigned char tp[CS_SHA1_LEN];
    int dnid, snid = NID_undef;
    char want_hex[2 * CS_SHA1_LEN + 1], got_hex[2 * CS_SHA1_LEN + 1], why_ssl[256];
    char subj[256];
    const unsigned char *p;
    enum ofd_code rc = OFD_E_CRYPTO;
    int i, nsi;

    ERR_clear_error();
    cs_thumbprint_hex(anchor->tp, want_hex);
    if (!sig) {
        rc = refuse(e, why, TRUST_UNSIGNED, "the manifest is not signed; sign it with the publisher certificate %s",
                    want_hex);
        goto out;
    }
    if (len > TRUST_MAX_CONTENT) {
        rc = refuse(e, why, TRUST_MALFORMED, "the manifest is larger than the limit of %u bytes", TRUST_MAX_CONTENT);
        goto out;
    }
    if (sig_len == 0 || sig_len > TRUST_MAX_SIG) {
        rc = refuse(e, why, TRUST_MALFORMED, "the signature file is %s (limit %u bytes)",
                    sig_len ? "too large" : "empty", TRUST_MAX_SIG);
        goto out;
    }
    /* The content goes through a buffering BIO: OpenSSL 3.0's CMS_verify copies a
     * memory BIO into a temporary one that it leaks when the signature names an
     * unknown digest (found by fuzz_cms). */
    if (!(sigbio = BIO_new_mem_buf(sig, (int)sig_len)) || !(content = BIO_new(BIO_f_buffer()))
        || !(mem = BIO_new_mem_buf(len ? (const void *)data : "", (int)len))) {
        rc = ofd_err_nomem(e);
        goto out;
    }
    content = BIO_push(content, mem);
    mem = NULL; /* freed with content */
    cms = looks_pem(sig, sig_len) ? PEM_read_bio_CMS(sigbio, NULL, NULL, NULL) : d2i_CMS_bio(sigbio, NULL);
    if (!cms) {
        rc = refuse(e, why, TRUST_MALFORMED, "the signature is not a CMS signature in DER or PEM form (%s)",
                    ssl_reason(why_ssl, sizeof(why_ssl)));
        goto out;
    }
    if (OBJ_obj2nid(CMS_get0_type(cms)) != NID_pkcs7_signed) {
        rc = refuse(e, why, TRUST_MALFORMED, "the signature is a CMS %s, not signed data",
                    OBJ_nid2sn(OBJ_obj2nid(CMS_get0_type(cms))));
        goto out;
    }
    if (!CMS_is_detached(cms)) {
        rc = refuse(e, why, TRUST_MALFORMED,
                    "the signature embeds its content; a detached signature is expected "
                    "(openssl cms -sign without -nodetach)");
        goto out;
    }
    sis = CMS_get0_SignerInfos(cms);
    nsi = sis ? sk_CMS_SignerInfo_num(sis) : 0;
    if (nsi == 0) {
        rc = refuse(e, why, TRUST_MALFORMED, "the signature has no signer");
        goto out;
    }
    if (nsi > 1) {
        rc = refuse(e, why, TRUST_MANY_SIGNERS, "the signature has %d signers; exactly one (the publisher) is accepted",
                    nsi);
        goto out;
    }
    si = sk_CMS_SignerInfo_value(sis, 0);

    /* The signer's certificate: among those the signature carries, or the publisher's
     * certificate given in the configuration. */
    certs = CMS_get1_certs(cms);
    if (!certs && !(certs = sk_X509_new_null())) {
        rc = ofd_err_nomem(e);
        goto out;
    }
    if (anchor->cert_der) {
        p = anchor->cert_der;
        if (!(pub = d2i_X509(NULL, &p, (long)anchor->cert_len))) {
            rc = ofd_err_set(e, OFD_E_CRYPTO, "the publisher certificate cannot be read (%s)",
                             ssl_reason(why_ssl, sizeof(why_ssl)));
            goto out;
        }
        if ((rc = thumbprint(pub, tp, e)) != OFD_OK)
            goto out;
        if (memcmp(tp, anchor->tp, CS_SHA1_LEN) != 0) {
            cs_thumbprint_hex(tp, got_hex);
            rc = ofd_err_set(e, OFD_E_INVALID,
                             "the publisher certificate file has thumbprint "
                             "%s, not the trusted signer %s",
                             got_hex, want_hex);
            goto out;
        }
        if (!sk_X509_push(certs, pub)) {
            rc = ofd_err_nomem(e);
            goto out;
        }
        pub = NULL; /* owned by certs */
    }
    for (i = 0; i < sk_X509_num(certs) && !signer; i++)
        if (CMS_SignerInfo_cert_cmp(si, sk_X509_value(certs, i)) == 0)
            signer = sk_X509_value(certs, i);
    if (!signer) {
        rc = refuse(e, why, TRUST_UNTRUSTED_SIGNER,
                    "the manifest is signed by a certificate that is neither in the signature "
                    "nor the trusted publisher's (%s)",
                    want_hex);
        goto out;
    }
    if ((rc = thumbprint(signer, tp, e)) != OFD_OK)
        goto out;
    if (memcmp(tp, anchor->tp, CS_SHA1_LEN) != 0) {
        cs_thumbprint_hex(tp, got_hex);
        subject_of(signer, subj, sizeof(subj));
        rc = refuse(e, why, TRUST_UNTRUSTED_SIGNER,
                    "the manifest is signed by certificate %s (%s), not by the trusted "
                    "publisher %s",
                    got_hex, subj, want_hex);
        goto out;
    }

    /* SHA-256 or stronger, for the content digest and for a signature algorithm that
     * names its own digest: a SHA-1 (or MD5) signature can be forged at a cost. */
    CMS_SignerInfo_get0_algs(si, NULL, NULL, &digalg, &sigalg);
    dnid = digalg ? OBJ_obj2nid(digalg->algorithm) : NID_undef;
    if (sigalg && OBJ_find_sigid_algs(OBJ_obj2nid(sigalg->algorithm), &snid, NULL) && snid != NID_undef
        && !strong_digest(snid))
        dnid = snid;
    if (!strong_digest(dnid)) {
        rc = refuse(e, why, TRUST_WEAK_DIGEST,
                    "the manifest is signed with %s; ocsfed accepts SHA-256, SHA-384 or SHA-512 only: sign it "
                    "again ('ocsfed sign' uses SHA-256; with openssl cms, -md sha256)",
                    dnid == NID_undef ? "an unknown digest" : OBJ_nid2sn(dnid));
        goto out;
    }

    /* Only the pinned certificate may be the signer (CMS_NOINTERN), and it is not
     * chain-verified: the pin is the trust. */
    if (!(one = sk_X509_new_null()) || !sk_X509_push(one, signer)) {
        rc = ofd_err_nomem(e);
        goto out;
    }
    if (CMS_verify(cms, one, NULL, content, NULL, CMS_BINARY | CMS_NO_SIGNER_CERT_VERIFY | CMS_NOINTERN) != 1) {
        ssl_reason(why_ssl, sizeof(why_ssl));
        /* Tell a changed manifest from a broken signature: with signed attributes the
         * signature covers them, and they hold the content's digest. */
        if (CMS_signed_get_attr_count(si) > 0) {
            CMS_SignerInfo_set1_signer_cert(si, signer);
            if (CMS_SignerInfo_verify(si) != 1) {
                ERR_clear_error();
                rc = refuse(e, why, TRUST_BAD_SIGNATURE,
                            "the signature is damaged: it does not verify with the publisher "
                            "certificate %s (%s)",
                            want_hex, why_ssl);
                goto out;
            }
        }
        rc = refuse(e, why, TRUST_TAMPERED,
                    "the manifest does not match its signature (changed or half-copied after "
                    "signing)");
        goto out;
    }
    if (signer_tp)
        memcpy(signer_tp, tp, CS_SHA1_LEN);
    rc = OFD_OK;
out:
    ERR_clear_error();
    X509_free(pub);
    sk_X509_free(one);
    sk_X509_pop_free(certs, X509_free);
    CMS_ContentInfo_free(cms);
    BIO_free_all(content);
    BIO_free(mem);
    BIO_free(sigbio);
    return rc;
}

enum ofd_code trust_sign(const unsigned char *data, size_t len, EVP_PKEY *key, X509 *cert, unsigned char **sig,
                         size_t *sig_len, ofd_err *e)
{
    BIO *content = NULL;
    CMS_ContentInfo *cms = NULL;
    unsigned char *buf = NULL;
    char why_ssl[256];
    enum ofd_code rc = OFD_E_CRYPTO;
    int n;

    ERR_clear_error();
    if (len > TRUST_MAX_CONTENT) {
        rc = ofd_err_set(e, OFD_E_INVALID, "the manifest is larger than the limit of %u bytes", TRUST_MAX_CONTENT);
        goto out;
    }
    if (X509_check_private_key(cert, key) != 1) {
        ERR_clear_error();
        rc = ofd_err_set(e, OFD_E_INVALID, "the key does not belong to the certificate");
        goto out;
    }
    if (!(content = BIO_new_mem_buf(len ? (const void *)data : "", (int)len))) {
        rc = ofd_err_nomem(e);
        goto out;
    }
    if (!(cms = CMS_sign(cert, key, NULL, content, CMS_BINARY | CMS_DETACHED))) {
        rc = ofd_err_set(e, OFD_E_CRYPTO, "cannot sign: %s", ssl_reason(why_ssl, sizeof(why_ssl)));
        goto out;
    }
    if ((n = i2d_CMS_ContentInfo(cms, &buf)) <= 0) {
        rc = ofd_err_set(e, OFD_E_CRYPTO, "cannot encode the signature: %s", ssl_reason(why_ssl, sizeof(why_ssl)));
        goto out;
    }
    /* OpenSSL's allocator may not be malloc: hand the caller a malloc'ed copy. */
    if (!(*sig = malloc((size_t)n))) {
        rc = ofd_err_nomem(e);
        goto out;
    }
    memcpy(*sig, buf, (size_t)n);
    *sig_len = (size_t)n;
    rc = OFD_OK;
out:
    ERR_clear_error();
    OPENSSL_free(buf);
    CMS_ContentInfo_free(cms);
    BIO_free(content);
    return rc;
}

/* Reads a whole small file into a BIO (the caller frees). */
static enum ofd_code file_bio(const char *path, size_t max, BIO **out, ofd_err *e)
{
    char *buf = NULL;
    size_t len = 0;
    BIO *b = NULL;
    enum ofd_code rc;

    if ((rc = ofd_read_file(path, max, &buf, &len, e)) != OFD_OK)
        goto out;
    if (!(b = BIO_new(BIO_s_mem())) || BIO_write(b, buf, (int)len) != (int)len) {
        BIO_free(b);
        rc = ofd_err_nomem(e);
        goto out;
    }
    *out = b;
out:
    free(buf);
    return rc;
}

static X509 *cert_from_bio(BIO *b)
{
    X509 *x = PEM_read_bio_X509(b, NULL, NULL, NULL);

    if (!x) {
        ERR_clear_error();
        (void)BIO_reset(b);
        x = d2i_X509_bio(b, NULL);
    }
    return x;
}

enum ofd_code trust_load_signer(const char *key_path, const char *cert_path, const char *pfx_path, const char *password,
                                EVP_PKEY **key, X509 **cert, ofd_err *e)
{
    BIO *b = NULL;
    PKCS12 *p12 = NULL;
    EVP_PKEY *k = NULL;
    X509 *x = NULL;
    char why_ssl[256];
    enum ofd_code rc;

    ERR_clear_error();
    if (pfx_path) {
        if ((rc = file_bio(pfx_path, TRUST_MAX_SIG, &b, e)) != OFD_OK)
            goto out;
        if (!(p12 = d2i_PKCS12_bio(b, NULL)) || !PKCS12_parse(p12, password ? password : "", &k, &x, NULL) || !k
            || !x) {
            rc = ofd_err_set(e, OFD_E_CRYPTO,
                             "cannot read the key and certificate from '%s' "
                             "(wrong password?): %s",
                             pfx_path, ssl_reason(why_ssl, sizeof(why_ssl)));
            goto out;
        }
    } else {
        if (!key_path || !cert_path) {
            rc = ofd_err_set(e, OFD_E_INVALID, "a key and a certificate, or a PKCS#12 file, are needed");
            goto out;
        }
        if ((rc = file_bio(key_path, TRUST_MAX_SIG, &b, e)) != OFD_OK)
            goto out;
        if (!(k = PEM_read_bio_PrivateKey(b, NULL, NULL, (void *)(password ? password : "")))) {
            rc = ofd_err_set(e, OFD_E_CRYPTO, "cannot read the private key in '%s': %s", key_path,
                             ssl_reason(why_ssl, sizeof(why_ssl)));
            goto out;
        }
        BIO_free(b);
        b = NULL;
        if ((rc = file_bio(cert_path, TRUST_MAX_SIG, &b, e)) != OFD_OK)
            goto out;
        if (!(x = cert_from_bio(b))) {
            rc = ofd_err_set(e, OFD_E_CRYPTO, "cannot read the certificate in '%s': %s", cert_path,
                             ssl_reason(why_ssl, sizeof(why_ssl)));
            goto out;
        }
    }
    *key = k;
    *cert = x;
    k = NULL;
    x = NULL;
    rc = OFD_OK;
out:
    ERR_clear_error();
    EVP_PKEY_free(k);
    X509_free(x);
    PKCS12_free(p12);
    BIO_free(b);
    return rc;
}

enum ofd_code trust_read_cert(const char *path, unsigned char **der, size_t *len, ofd_err *e)
{
    char *buf = NULL;
    size_t n = 0;
    enum ofd_code rc;

    if ((rc = ofd_read_file(path, TRUST_MAX_SIG, &buf, &n, e)) == OFD_OK)
        rc = cs_cert_from_buffer((const unsigned char *)buf, n, path, der, len, e);
    free(buf);
    return rc;
}
