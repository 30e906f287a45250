/* certstore: portable certificate inspection for the plan (R13-R17): DER or PEM
 * certificates and PKCS#12 files (from bytes the caller read and pinned), and the checks
 * a server certificate must pass. */
#ifndef OCSFED_CS_INSPECT_H
#define OCSFED_CS_INSPECT_H

#include <stddef.h>

#include "cs.h"
#include "error.h"

/* OpenSSL's certificate, for those that hold one (the tests' certificate factory). */
typedef struct x509_st X509;

/* x's DER encoding in a malloc'ed buffer (*der, *len): 0, or -1 (no memory, or x cannot
 * be encoded). */
int cs_x509_der(X509 *x, unsigned char **der, size_t *len);

/* A certificate or PKCS#12 file larger than this is not one. */
#define CS_FILE_MAX_BYTES (1024u * 1024u)

struct cs_cert_info {
    unsigned char tp[CS_SHA1_LEN];   /* SHA-1 thumbprint */
    char cn[256];                    /* subject CN (UTF-8), "" if none */
    char subject[512];               /* one-line subject, RFC 2253 */
    int has_eku;                     /* 1: an extended key usage extension is present */
    int server_auth, client_auth;    /* its purposes */
    int is_ca;                       /* basicConstraints CA:TRUE */
    int self_signed;                 /* subject == issuer */
    long long not_before, not_after; /* seconds since 1970 (UTC) */
    unsigned char *issuer_der;       /* DER of the issuer Name (malloc'ed) */
    size_t issuer_len;
    unsigned char *serial_le; /* serial number bytes, little-endian (malloc'ed) */
    size_t serial_len;
    /* As the certificate MMC of Windows Server 2003-2008 R2 shows them, for people
     * comparing the plan with the server: the Names most specific first with CryptoAPI's
     * short names, "CN = Example Root CA, O = Example" (S state, E e-mail, "OID.1.2.3"
     * for others, " + " within one RDN); the serial number as the Details tab, the DER
     * INTEGER's bytes (sign byte included) in lower-case hex, "00 89 ab". UTF-8; control
     * characters as \xNN; cut short (ending "...") when longer. */
    char subject_text[512];
    char issuer_text[512];
    char serial_text[200];
};

/* Inspects a DER certificate. Returns OFD_OK and fills *out (free with
 * cs_cert_info_free), or OFD_E_CRYPTO. */
enum ofd_code cs_inspect_der(const unsigned char *der, size_t len, struct cs_cert_info *out, ofd_err *e);
void cs_cert_info_free(struct cs_cert_info *ci);

/* The one certificate in buf (len bytes of a file named name, for messages), DER or
 * PEM. On OFD_OK *der is a malloc'ed DER encoding (caller frees); OFD_E_CRYPTO
 * otherwise. The caller reads the file once and checks its pin on these same bytes. */
enum ofd_code cs_cert_from_buffer(const unsigned char *buf, size_t len, const char *name, unsigned char **der,
                                  size_t *der_len, ofd_err *e);

/* The end-entity certificate of the PKCS#12 file in buf (len bytes, named name for
 * messages), opened with password (NULL or "" tried as empty), as malloc'ed DER (caller
 * frees). OFD_E_CRYPTO (wrong password, or not PKCS#12) otherwise. */
enum ofd_code cs_pkcs12_cert(const unsigned char *buf, size_t len, const char *name, const char *password,
                             unsigned char **der, size_t *der_len, ofd_err *e);

/* Checks a certificate for use as the OCS server certificate (rule in e->rule):
 * R14: extended key usage includes Server and Client Authentication (a certificate
 *      without the extension does not qualify: the guide asks for both purposes);
 * R15: the subject CN equals expected_cn (case-insensitive);
 * R16/R17: valid at time now (an expired certificate stops the Front End).
 * Returns OFD_OK or OFD_E_INVALID with the first failure. */
enum ofd_code cs_check_server_cert(const struct cs_cert_info *ci, const char *expected_cn, long long now, ofd_err *e);

/* R13: builds the chain of the DER certificate leaf from the intermediates (the CA
 * store) to one of roots (the Root store, the only trust anchors) at time now, as
 * CryptoAPI's chain engine does on a server (cs_store_verify_chain). Purposes are not
 * checked here (cs_check_server_cert does). Returns OFD_OK, or OFD_E_INVALID with rule
 * R13 (no trusted root) or R14 (a certificate of the chain expired), or OFD_E_CRYPTO. */
enum ofd_code cs_verify_chain(const unsigned char *leaf, size_t leaf_len, const struct cs_der *roots, size_t nroots,
                              const struct cs_der *intermediates, size_t ninter, long long now, ofd_err *e);

/* R10: whether the DER certificate names host (an FQDN): a DNS name of its subject
 * alternative names, or its subject CN when it has none (RFC 6125, as TLS clients
 * check a server). *ok = 1 when it does; names gets what it names instead ("CN=x,
 * DNS:y", cut to size). OFD_OK, or OFD_E_CRYPTO when der is not a certificate. */
enum ofd_code cs_cert_names_host(const unsigned char *der, size_t len, const char *host, int *ok, char *names,
                                 size_t size, ofd_err *e);

#endif
