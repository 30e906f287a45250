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
int testcert_leaf(const struct testcert *ca, const char *cn, const char *eku, const char *san,
                  int from_days, int to_days, struct testcert *out);

/* DER of the certificate; malloc'ed, caller frees. */
int testcert_der(const struct testcert *c, unsigned char **der, size_t *len);

/* A PKCS#12 file of the certificate and its key, protected by password, in the legacy
 * form (3DES, SHA-1 MAC) that Windows Server 2003/2008 import. malloc'ed. */
int testcert_pfx(const struct testcert *c, const char *password, unsigned char **der, size_t *len);

void testcert_free(struct testcert *c);

/* Writes the unencrypted private key (PKCS#8 PEM) to key_path and the certificate (PEM)
 * to cert_path; either path may be NULL. Returns 0, or -1 on failure. */
int testcert_write_pem(const struct testcert *c, const char *key_path, const char *cert_path);

/* Writes len bytes to path (binary). Returns 0, or -1 on failure. */
int testcert_write_file(const char *path, const void *data, size_t len);

#endif
