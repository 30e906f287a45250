/* certstore: certificates. The portable half (cs_x509.c) inspects certificates with
 * OpenSSL, natively and on Windows alike; the Windows half (cs_store_win.c) keeps
 * them in the local machine's CryptoAPI system stores. */
#ifndef OCSFED_CS_H
#define OCSFED_CS_H

#include <stddef.h>

#include "error.h"

#define CS_SHA1_LEN 20
#define CS_SHA256_LEN 32

/* One DER certificate (borrowed), for the chain checks (cs_verify_chain,
 * cs_store_verify_chain_with). */
struct cs_der {
    const unsigned char *der;
    size_t len;
};

/* SHA-1 thumbprint of a DER certificate (what the certificate snap-in shows and what
 * CryptoAPI finds by). Returns OFD_OK or OFD_E_CRYPTO with a message. */
enum ofd_code cs_x509_thumbprint(const unsigned char *der, size_t len, unsigned char out[CS_SHA1_LEN], ofd_err *e);

/* Formats a thumbprint as 40 upper-case hex digits into out (41 bytes). */
void cs_thumbprint_hex(const unsigned char tp[CS_SHA1_LEN], char out[2 * CS_SHA1_LEN + 1]);

/* Parses a thumbprint as an administrator pastes it: 40 hex digits in either case, with
 * spaces or colons between them (as the certificate snap-in and openssl show one), and
 * the invisible characters a copy from the certificate dialog brings along, which are
 * removed: U+200E LEFT-TO-RIGHT MARK (the dialog puts one in front), U+200F, U+200B,
 * U+200C, U+200D, U+2060, U+FEFF, U+00A0 and U+202F. Anything else, a bidi override
 * that reorders what is shown included, is refused. The 20 bytes are the digits' alone,
 * so a comparison of thumbprints stays exact. Returns OFD_OK or OFD_E_INVALID.
 * The _ex form also names what it removed in removed (n bytes; may be NULL), e.g.
 * "U+200E LEFT-TO-RIGHT MARK, U+00A0 NO-BREAK SPACE (19 times)", or "" when nothing
 * invisible was there, for a warning. */
enum ofd_code cs_thumbprint_parse(const char *text, unsigned char out[CS_SHA1_LEN], ofd_err *e);
enum ofd_code cs_thumbprint_parse_ex(const char *text, unsigned char out[CS_SHA1_LEN], char *removed, size_t n,
                                     ofd_err *e);

/* SHA-256 of data[0..len) (the pins of the files a manifest names, the manifest's own
 * hash). Returns OFD_OK or OFD_E_CRYPTO. */
enum ofd_code cs_sha256(const void *data, size_t len, unsigned char out[CS_SHA256_LEN], ofd_err *e);

/* SHA-1 of data[0..len) (name-based UUIDs, RFC 4122 version 5). OFD_OK or OFD_E_CRYPTO. */
enum ofd_code cs_sha1(const void *data, size_t len, unsigned char out[CS_SHA1_LEN], ofd_err *e);

/* A SHA-256 as 64 lower-case hex digits (as sha256sum prints it) into out (65 bytes). */
void cs_sha256_hex(const unsigned char d[CS_SHA256_LEN], char out[2 * CS_SHA256_LEN + 1]);

/* Parses exactly 64 hex digits (either case). Returns 0, or -1 (out untouched). */
int cs_sha256_parse(const char *hex, unsigned char out[CS_SHA256_LEN]);

/* DER as base64 (the simulated node's "der", a server dump's RawData): OpenSSL's
 * encoder, no line breaks; malloc'ed, NULL on out of memory. */
char *cs_base64_encode(const unsigned char *der, size_t len);

/* base64 (whitespace anywhere ignored, '=' padding only at the end) to bytes: 0 and a
 * malloc'ed *out (caller frees), or -1 when it is not base64 or empty. */
int cs_base64_decode(const char *text, unsigned char **out, size_t *len);

/* The chain findings, worded alike by the OpenSSL check (cs_verify_chain, the
 * simulated node) and the CryptoAPI one (cs_store_verify_chain, a server); one %s, the
 * thumbprint. */
#define CS_MSG_UNTRUSTED_ROOT                                                                    \
    "certificate %s does not chain to a root in the local machine's Trusted Root Certification " \
    "Authorities store: add the issuing CA's root certificate there (trusted_roots)"
#define CS_MSG_CHAIN_EXPIRED "certificate %s, or a certificate in its chain, is expired or not yet valid"

#endif
