/* certstore, Windows half: the local machine's CryptoAPI system stores ("Root", "CA",
 * "My"). Every function opens the store, does its work and closes it, so a change is
 * on disk (the registry) when the function returns and other processes see it. */
#ifndef OCSFED_CS_STORE_H
#define OCSFED_CS_STORE_H

#include <stddef.h>

#include "cs.h"
#include "cs_inspect.h"

/* Adds a DER certificate to the local machine store `store`. A certificate already
 * there is left as it is (*added = 0); otherwise *added = 1. added may be NULL. */
enum ofd_code cs_store_add(const char *store, const unsigned char *der, size_t len, int *added, ofd_err *e);

/* Looks a certificate up by SHA-1 thumbprint: *found = 1 or 0. */
enum ofd_code cs_store_find(const char *store, const unsigned char tp[CS_SHA1_LEN], int *found, ofd_err *e);

/* Removes a certificate by thumbprint and commits the store (Wine does not persist a
 * delete without it; on Windows it is harmless), and deletes the key container of its
 * private key when it has one (a removal undoes an import, R16). *removed = 0 when it
 * was not there. */
enum ofd_code cs_store_remove(const char *store, const unsigned char tp[CS_SHA1_LEN], int *removed, ofd_err *e);

/* R16: imports the certificate and private key of a PKCS#12 file into the local
 * machine's "My" store, with the key in the machine key set, not exportable. password
 * may be NULL or "" for none. On success tp receives the certificate's thumbprint.
 * A wrong password or a damaged file is OFD_E_INVALID with a message saying so. If the
 * certificate is already in My it is replaced, so that it points at the new key. */
enum ofd_code cs_store_import_pfx(const unsigned char *pfx, size_t len, const char *password,
                                  unsigned char tp[CS_SHA1_LEN], ofd_err *e);

/* R14 ("a private key present and usable"): signs a test digest with the private key
 * linked to certificate tp in `store` and verifies the signature with the
 * certificate's public key. OFD_OK when the key works; otherwise the reason. */
enum ofd_code cs_store_key_usable(const char *store, const unsigned char tp[CS_SHA1_LEN], ofd_err *e);

/* Builds the chain of certificate tp (in `store`) with the machine's chain engine,
 * which trusts the local machine Root store (R13), and checks it with the base
 * policy. OFD_OK when the chain ends at a trusted root; otherwise OFD_E_INVALID with
 * the reason (untrusted root, expired, ...). */
enum ofd_code cs_store_verify_chain(const char *store, const unsigned char tp[CS_SHA1_LEN], ofd_err *e);

/* The same, counting certificates that are not on the machine yet (the plan, before the
 * apply adds them): roots as trusted as the Root store's, intermediates as the CA
 * store's; and, when tp is not in `store`, leaf (its DER, or NULL) as the certificate to
 * check. A chain that ends at one of roots is trusted (R13) as it will be once the root
 * is in Root. */
enum ofd_code cs_store_verify_chain_with(const char *store, const unsigned char tp[CS_SHA1_LEN],
                                         const struct cs_der *leaf, const struct cs_der *roots, size_t nroots,
                                         const struct cs_der *intermediates, size_t ninter, ofd_err *e);

/* The same for a DER certificate from elsewhere (a TLS peer's), its chain built through
 * the certificates in sent (what the peer sent with it) as well as the machine's CA
 * store, to a root of the machine's Root store (R13). */
enum ofd_code cs_store_verify_der(const unsigned char *der, size_t len, const struct cs_der *sent, size_t nsent,
                                  ofd_err *e);

/* Finds the certificates in `store` whose subject CN equals cn (case-insensitive, as
 * DNS names compare). Calls fn for each with its DER encoding; stops at the first
 * non-OK return. *count (may be NULL) receives the number of matches. */
typedef enum ofd_code (*cs_cert_fn)(void *ctx, const unsigned char *der, size_t len, ofd_err *e);
/* Calls fn for every certificate in `store` with its DER encoding, in store order;
 * stops at the first non-OK return, which it returns. */
enum ofd_code cs_store_enum(const char *store, cs_cert_fn fn, void *ctx, ofd_err *e);
/* The same, also saying whether a private key is linked to each certificate (its key
 * provider information names a container: what the export shows, never the key; R14's
 * check that the key works is cs_store_key_usable). */
typedef enum ofd_code (*cs_cert_key_fn)(void *ctx, const unsigned char *der, size_t len, int has_key, ofd_err *e);
enum ofd_code cs_store_enum_keys(const char *store, cs_cert_key_fn fn, void *ctx, ofd_err *e);

enum ofd_code cs_store_find_by_cn(const char *store, const char *cn, cs_cert_fn fn, void *ctx, int *count, ofd_err *e);

#endif
