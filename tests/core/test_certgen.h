/* Test helper: a CA and server certificates made on the spot (no key material in the
 * repository), with the purposes and names the rules R13-R17 look at. */
#ifndef OCSFED_TEST_CERTGEN_H
#define OCSFED_TEST_CERTGEN_H

#include <stddef.h>

struct certgen_ca;

/* A self-signed CA named cn. NULL on failure. Free with certgen_ca_free. */
struct certgen_ca *certgen_ca_new(const char *cn);
void certgen_ca_free(struct certgen_ca *ca);
/* The CA certificate as DER (owned by ca). */
const unsigned char *certgen_ca_der(const struct certgen_ca *ca, size_t *len);

#define CERTGEN_SERVER_AUTH 1
#define CERTGEN_CLIENT_AUTH 2
#define CERTGEN_NO_EKU 4

/* A certificate for cn signed by ca, with the purposes in flags, valid from
 * now + from_days for days days, serial number serial. Returns 0 and a malloc'ed DER
 * (caller frees), or -1. */
int certgen_leaf(struct certgen_ca *ca, const char *cn, unsigned flags, int from_days, int days,
                 long serial, unsigned char **der, size_t *len);

/* Writes a PKCS#12 file holding a new key and its certificate for cn (signed by ca,
 * purposes in flags, valid 365 days), protected by password. Returns 0 and the
 * certificate's DER (malloc'ed, caller frees) in *der, or -1. */
int certgen_pkcs12(struct certgen_ca *ca, const char *cn, unsigned flags, const char *password,
                   const char *path, unsigned char **der, size_t *len);

/* Writes der to path as PEM (pem != 0) or DER. 0 or -1. */
int certgen_write(const char *path, const unsigned char *der, size_t len, int pem);

/* base64 of der, malloc'ed (for simulated nodes). */
char *certgen_base64(const unsigned char *der, size_t len);

#endif
