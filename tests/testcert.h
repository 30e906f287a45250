/* Test helper: certificates made on the spot with OpenSSL, so no key material sits in
 * the repo and every run uses a fresh one. */
#ifndef OCSFED_TESTCERT_H
#define OCSFED_TESTCERT_H

#include <stddef.h>

/* Makes a self-signed EC P-256 certificate with subject CN=cn, valid from now-1 day
 * for `days` days. On success returns 0 and a malloc'ed DER encoding in *der (caller
 * frees); -1 on failure. */
int testcert_make_selfsigned(const char *cn, int days, unsigned char **der, size_t *len);

#endif
