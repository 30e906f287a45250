#include <windows.h>
#include <wincrypt.h>

#include <stdlib.h>

#include "cs_store.h"
#include "error_win.h"

/* Opens a local machine system store by name. Returns NULL and sets e on failure. */
static HCERTSTORE open_store(const char *name, ofd_err *e)
{
    wchar_t *wname = NULL;
    HCERTSTORE st = NULL;

    if (!(wname = ofd_utf8_to_wide(name))) {
        ofd_err_set(e, OFD_E_INVALID, "certificate store name '%s' is not valid UTF-8", name);
        goto out;
    }
    /* OPEN_EXISTING: a misspelt store name is an error, not a new empty store. */
    st = CertOpenStore(CERT_STORE_PROV_SYSTEM_W, 0, 0,
                       CERT_SYSTEM_STORE_LOCAL_MACHINE | CERT_STORE_OPEN_EXISTING_FLAG, wname);
    if (!st)
        ofd_err_win32(e, GetLastError(), "cannot open the local machine certificate store '%s'", name);
out:
    free(wname);
    return st;
}

static PCCERT_CONTEXT find_sha1(HCERTSTORE st, const unsigned char tp[CS_SHA1_LEN])
{
    CRYPT_HASH_BLOB h;

    h.cbData = CS_SHA1_LEN;
    h.pbData = (BYTE *)tp;
    return CertFindCertificateInStore(st, X509_ASN_ENCODING | PKCS_7_ASN_ENCODING, 0, CERT_FIND_SHA1_HASH,
                                      &h, NULL);
}

enum ofd_code cs_store_add(const char *store, const unsigned char *der, size_t len, int *added,
                           ofd_err *e)
{
    HCERTSTORE st = NULL;
    PCCERT_CONTEXT have = NULL;
    unsigned char tp[CS_SHA1_LEN];
    char hex[2 * CS_SHA1_LEN + 1];
    enum ofd_code rc;

    if ((rc = cs_x509_thumbprint(der, len, tp, e)) != OFD_OK)
        goto out;
    cs_thumbprint_hex(tp, hex);
    if (len > 0xffffffffu) {
        rc = ofd_err_set(e, OFD_E_INVALID, "certificate %s is too large", hex);
        goto out;
    }
    if (!(st = open_store(store, e))) {
        rc = e ? e->code : OFD_E_PLATFORM;
        goto out;
    }
    if ((have = find_sha1(st, tp))) {
        if (added)
            *added = 0;
        rc = OFD_OK;
        goto out;
    }
    /* ADD_NEW: replacing an existing certificate drops its key link on Wine. */
    if (!CertAddEncodedCertificateToStore(st, X509_ASN_ENCODING, der, (DWORD)len, CERT_STORE_ADD_NEW, NULL)) {
        rc = ofd_err_win32(e, GetLastError(), "cannot add certificate %s to the local machine '%s' store",
                           hex, store);
        goto out;
    }
    if (added)
        *added = 1;
    rc = OFD_OK;
out:
    if (have)
        CertFreeCertificateContext(have);
    if (st)
        CertCloseStore(st, 0);
    return rc;
}

enum ofd_code cs_store_find(const char *store, const unsigned char tp[CS_SHA1_LEN], int *found,
                            ofd_err *e)
{
    HCERTSTORE st = NULL;
    PCCERT_CONTEXT c = NULL;
    enum ofd_code rc;

    if (!(st = open_store(store, e))) {
        rc = e ? e->code : OFD_E_PLATFORM;
        goto out;
    }
    c = find_sha1(st, tp);
    *found = c != NULL;
    rc = OFD_OK;
out:
    if (c)
        CertFreeCertificateContext(c);
    if (st)
        CertCloseStore(st, 0);
    return rc;
}

enum ofd_code cs_store_remove(const char *store, const unsigned char tp[CS_SHA1_LEN], int *removed,
                              ofd_err *e)
{
    HCERTSTORE st = NULL;
    PCCERT_CONTEXT c = NULL;
    char hex[2 * CS_SHA1_LEN + 1];
    enum ofd_code rc;

    cs_thumbprint_hex(tp, hex);
    if (!(st = open_store(store, e))) {
        rc = e ? e->code : OFD_E_PLATFORM;
        goto out;
    }
    if (!(c = find_sha1(st, tp))) {
        if (removed)
            *removed = 0;
        rc = OFD_OK;
        goto out;
    }
    /* CertDeleteCertificateFromStore frees the context, even when it fails. */
    if (!CertDeleteCertificateFromStore(c)) {
        c = NULL;
        rc = ofd_err_win32(e, GetLastError(), "cannot remove certificate %s from the local machine '%s' store",
                           hex, store);
        goto out;
    }
    c = NULL;
    if (!CertControlStore(st, 0, CERT_STORE_CTRL_COMMIT, NULL)) {
        rc = ofd_err_win32(e, GetLastError(), "cannot commit the removal of certificate %s from '%s'", hex,
                           store);
        goto out;
    }
    if (removed)
        *removed = 1;
    rc = OFD_OK;
out:
    if (c)
        CertFreeCertificateContext(c);
    if (st)
        CertCloseStore(st, 0);
    return rc;
}
