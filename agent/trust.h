/* trust: the manifest's detached CMS signature (manifest.json.p7s), checked with
 * OpenSSL against the publisher pinned by SHA-1 thumbprint (the service's
 * TrustedSigner). Trust is the pin, not a chain: the signer certificate may be
 * self-signed or issued by any CA, and is not chain-verified. Exactly one signer, with
 * a SHA-256, SHA-384 or SHA-512 digest. */
#ifndef OCSFED_TRUST_H
#define OCSFED_TRUST_H

#include <stddef.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "cs.h"
#include "error.h"

#define TRUST_MAX_CONTENT (4u * 1024u * 1024u) /* the manifest, as MANIFEST_MAX_BYTES */
#define TRUST_MAX_SIG (1024u * 1024u)          /* the .p7s */

/* Why a signature was refused. */
enum trust_refusal {
    TRUST_OK = 0,
    TRUST_UNSIGNED,         /* no signature */
    TRUST_MALFORMED,        /* not a detached CMS SignedData (DER or PEM), too large, ... */
    TRUST_BAD_SIGNATURE,    /* the signer's signature over its attributes is wrong */
    TRUST_TAMPERED,         /* the content does not match the signature */
    TRUST_UNTRUSTED_SIGNER, /* signed, but not by the pinned publisher */
    TRUST_MANY_SIGNERS,     /* more than one signer */
    TRUST_WEAK_DIGEST       /* signed with SHA-1 or weaker */
};

/* The pinned publisher. cert_der (optional, NULL) is the publisher's certificate, for
 * signatures that do not carry it (openssl cms -sign -nocerts); its thumbprint must be
 * tp. Nothing here is owned. */
struct trust_anchor {
    unsigned char tp[CS_SHA1_LEN];
    const unsigned char *cert_der;
    size_t cert_len;
};

/* Verifies sig (sig_len bytes, DER or PEM "CMS"/"PKCS7"; NULL when there is none) as
 * a detached signature over exactly data[0..len). Returns OFD_OK, with the signer's
 * thumbprint in signer_tp (may be NULL), when it verifies and the signer is the
 * anchor. Otherwise OFD_E_CRYPTO (OFD_E_NOMEM) with an operator message in e, and the
 * refusal class in *why (may be NULL; written on refusal only). */
enum ofd_code trust_verify(const unsigned char *data, size_t len, const unsigned char *sig, size_t sig_len,
                           const struct trust_anchor *anchor, unsigned char signer_tp[CS_SHA1_LEN],
                           enum trust_refusal *why, ofd_err *e);

/* Short name of a refusal ("unsigned", "tampered", ...). Never NULL. */
const char *trust_refusal_name(enum trust_refusal r);

/* Signs data[0..len) with key and cert: a DER detached CMS SignedData (SHA-256, signed
 * attributes, the signer certificate included) that `openssl cms -verify -binary
 * -inform DER -content FILE -noverify` accepts. Returns OFD_OK with a malloc'ed
 * signature in *sig (caller frees) and its length; OFD_E_INVALID when key is not
 * cert's; OFD_E_CRYPTO. */
enum ofd_code trust_sign(const unsigned char *data, size_t len, EVP_PKEY *key, X509 *cert, unsigned char **sig,
                         size_t *sig_len, ofd_err *e);

/* Loads the signing key and certificate: either key_path + cert_path (PEM; the key
 * unencrypted or with password), or pfx_path (PKCS#12, password may be NULL for "").
 * Returns OFD_OK with *key and *cert set (caller frees with EVP_PKEY_free /
 * X509_free); OFD_E_IO / OFD_E_CRYPTO / OFD_E_INVALID with a message. */
enum ofd_code trust_load_signer(const char *key_path, const char *cert_path, const char *pfx_path, const char *password,
                                EVP_PKEY **key, X509 **cert, ofd_err *e);

/* Reads a certificate file (DER, or PEM holding one certificate) and returns OFD_OK
 * with a malloc'ed DER copy in *der (caller frees); OFD_E_IO / OFD_E_CRYPTO. */
enum ofd_code trust_read_cert(const char *path, unsigned char **der, size_t *len, ofd_err *e);

#endif
