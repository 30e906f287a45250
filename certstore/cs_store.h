/* certstore, Windows half: the local machine's CryptoAPI system stores ("Root", "CA",
 * "My"). Every function opens the store, does its work and closes it, so a change is
 * on disk (the registry) when the function returns and other processes see it. */
#ifndef OCSFED_CS_STORE_H
#define OCSFED_CS_STORE_H

#include <stddef.h>

#include "cs.h"

/* Adds a DER certificate to the local machine store `store`. A certificate already
 * there is left as it is (*added = 0); otherwise *added = 1. added may be NULL. */
enum ofd_code cs_store_add(const char *store, const unsigned char *der, size_t len, int *added,
                           ofd_err *e);

/* Looks a certificate up by SHA-1 thumbprint: *found = 1 or 0. */
enum ofd_code cs_store_find(const char *store, const unsigned char tp[CS_SHA1_LEN], int *found,
                            ofd_err *e);

/* Removes a certificate by thumbprint and commits the store (Wine does not persist a
 * delete without it; on Windows it is harmless). *removed = 0 when it was not there. */
enum ofd_code cs_store_remove(const char *store, const unsigned char tp[CS_SHA1_LEN], int *removed,
                              ofd_err *e);

#endif
