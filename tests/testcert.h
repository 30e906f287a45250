/* Test helper: certificates made on the spot with OpenSSL, so no key material sits in
 * the repo and every run uses fresh ones. */
#ifndef OCSFED_TESTCERT_H
#define OCSFED_TESTCERT_H

#include <stddef.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

/* Makes a self-signed EC P-256 certificate with subject CN=cn, valid from now-1 day
 * for `days` days. On success returns 0 and a malloc'ed DER encoding in *der (caller
 * frees); -1 on failure. */
int testcert_make_selfsigned(const char *cn, int days, unsigned char **der, size_t *len);

/* A certificate with its RSA key (what OCS 2007 R2 and CryptoAPI on its systems use). */
struct testcert {
    EVP_PKEY *key;
    X509 *x;
};

/* A self-signed CA (basicConstraints CA:TRUE, keyCertSign) valid for `days` days. */
int testcert_ca(const char *cn, int days, struct testcert *out);

/* A certificate for cn issued by ca, valid from now+from_days to now+to_days, with the
 * extended key usages in eku ("serverAuth,clientAuth"; NULL for none) and, when san is
 * not NULL, a subjectAltName ("DNS:a.example.com,DNS:b.example.com"). */
int testcert_leaf(const struct testcert *ca, const char *cn, const char *eku, const char *san, int from_days,
                  int to_days, struct testcert *out);

/* What testcert_ca_opts and testcert_leaf_opts take beyond testcert_ca and testcert_leaf:
 * a fixed serial number (0: a fresh one, as those two give) and an EC P-256 key instead
 * of RSA (quick to make, also under Valgrind). */
struct testcert_opts {
    long serial;
    int ec_key;
};

int testcert_ca_opts(const char *cn, int days, const struct testcert_opts *o, struct testcert *out);
int testcert_leaf_opts(const struct testcert *ca, const char *cn, const char *eku, const char *san, int from_days,
                       int to_days, const struct testcert_opts *o, struct testcert *out);

/* An intermediate CA for cn issued by ca (CA:TRUE, keyCertSign), valid for `days` days
 * from yesterday; o as for testcert_leaf_opts (NULL: a fresh serial, an RSA key). */
int testcert_intermediate(const struct testcert *ca, const char *cn, int days, const struct testcert_opts *o,
                          struct testcert *out);

/* DER of the certificate; malloc'ed, caller frees. */
int testcert_der(const struct testcert *c, unsigned char **der, size_t *len);

/* base64 of der (no line breaks), malloc'ed, caller frees; NULL on failure. */
char *testcert_base64(const unsigned char *der, size_t len);

/* A PKCS#12 file of the certificate and its key, protected by password, in the legacy
 * form (3DES, SHA-1 MAC) that Windows Server 2003/2008 import. malloc'ed. */
int testcert_pfx(const struct testcert *c, const char *password, unsigned char **der, size_t *len);

/* testcert_pfx written to path. Returns 0, or -1 on failure. */
int testcert_write_pfx(const struct testcert *c, const char *password, const char *path);

void testcert_free(struct testcert *c);

/* The SHA-1 thumbprint of the certificate (20 bytes) in tp. Returns 0, or -1. */
int testcert_sha1(const struct testcert *c, unsigned char tp[20]);

/* Writes to path a PKCS#12 (testcert_pfx) of a new certificate for cn with server and
 * client authentication, issued by a new CA "Example OCS CA", valid from ten years back
 * to a year ahead (so also at a fixed time in the past); its thumbprint in tp. The CA's
 * certificate goes to ca_pem_path (PEM) unless it is NULL. Returns 0, or -1 on failure. */
int testcert_write_server_pfx(const char *cn, const char *password, const char *path, unsigned char tp[20],
                              const char *ca_pem_path);

/* Writes the unencrypted private key (PKCS#8 PEM) to key_path and the certificate (PEM)
 * to cert_path; either path may be NULL. Returns 0, or -1 on failure. */
int testcert_write_pem(const struct testcert *c, const char *key_path, const char *cert_path);

/* Signs the bytes of the file at path as a publisher would (trust_sign, CMS detached):
 * a new CA named ca_cn issues a new "manifest publisher" certificate, and the signature
 * goes to path.p7s; the publisher's thumbprint, in hex, to signer_hex. Returns 0, or -1
 * on failure. */
int testcert_sign_file(const char *path, const char *ca_cn, char signer_hex[41]);

/* Writes len bytes to path (binary). Returns 0, or -1 on failure. */
int testcert_write_file(const char *path, const void *data, size_t len);

#endif
