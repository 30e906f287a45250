#include <windows.h>
#include <wincrypt.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs_store.h"
#include "error_win.h"

/* Opens a local machine system store by name into *st. */
static enum ofd_code open_store(const char *name, HCERTSTORE *st, ofd_err *e)
{
    wchar_t *wname = NULL;
    enum ofd_code rc;

    if (!(wname = ofd_utf8_to_wide(name))) {
        rc = ofd_err_set(e, OFD_E_INVALID, "certificate store name '%s' is not valid UTF-8", name);
        goto out;
    }
    /* OPEN_EXISTING: a misspelt store name is an error, not a new empty store. */
    *st = CertOpenStore(CERT_STORE_PROV_SYSTEM_W, 0, 0, CERT_SYSTEM_STORE_LOCAL_MACHINE | CERT_STORE_OPEN_EXISTING_FLAG,
                        wname);
    rc = *st ? OFD_OK : ofd_err_win32(e, GetLastError(), "cannot open the local machine certificate store '%s'", name);
out:
    free(wname);
    return rc;
}

/* Frees what a store function holds (either may be NULL). */
static void release(PCCERT_CONTEXT c, HCERTSTORE st)
{
    if (c)
        CertFreeCertificateContext(c);
    if (st)
        CertCloseStore(st, 0);
}

/* Marks a platform error as concerning a rule of the guide. */
static void set_rule(ofd_err *e, const char *rule)
{
    if (e)
        snprintf(e->rule, sizeof(e->rule), "%s", rule);
}

static PCCERT_CONTEXT find_sha1(HCERTSTORE st, const unsigned char tp[CS_SHA1_LEN])
{
    CRYPT_HASH_BLOB h;

    h.cbData = CS_SHA1_LEN;
    h.pbData = (BYTE *)tp;
    return CertFindCertificateInStore(st, X509_ASN_ENCODING | PKCS_7_ASN_ENCODING, 0, CERT_FIND_SHA1_HASH, &h, NULL);
}

enum ofd_code cs_store_add(const char *store, const unsigned char *der, size_t len, int *added, ofd_err *e)
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
    if ((rc = open_store(store, &st, e)) != OFD_OK)
        goto out;
    if ((have = find_sha1(st, tp))) {
        if (added)
            *added = 0;
        rc = OFD_OK;
        goto out;
    }
    /* ADD_NEW: replacing an existing certificate drops its key link on Wine. */
    if (!CertAddEncodedCertificateToStore(st, X509_ASN_ENCODING, der, (DWORD)len, CERT_STORE_ADD_NEW, NULL)) {
        rc = ofd_err_win32(e, GetLastError(), "cannot add certificate %s to the local machine '%s' store", hex, store);
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

enum ofd_code cs_store_find(const char *store, const unsigned char tp[CS_SHA1_LEN], int *found, ofd_err *e)
{
    HCERTSTORE st = NULL;
    PCCERT_CONTEXT c = NULL;
    enum ofd_code rc;

    if ((rc = open_store(store, &st, e)) != OFD_OK)
        goto out;
    c = find_sha1(st, tp);
    *found = c != NULL;
    rc = OFD_OK;
out:
    release(c, st);
    return rc;
}

/* Deletes the key container a certificate's key provider info names, tried the ways
 * open_key opens it. */
static BOOL delete_key(const CRYPT_KEY_PROV_INFO *info)
{
    HCRYPTPROV prov = 0; /* not set by a delete */

    if (CryptAcquireContextW(&prov, info->pwszContainerName, info->pwszProvName, info->dwProvType,
                             (info->dwFlags & CRYPT_MACHINE_KEYSET) | CRYPT_DELETEKEYSET | CRYPT_SILENT))
        return TRUE;
    if (CryptAcquireContextW(&prov, info->pwszContainerName, info->pwszProvName, info->dwProvType,
                             CRYPT_MACHINE_KEYSET | CRYPT_DELETEKEYSET | CRYPT_SILENT))
        return TRUE;
    return CryptAcquireContextW(&prov, info->pwszContainerName, NULL, PROV_RSA_AES,
                                CRYPT_MACHINE_KEYSET | CRYPT_DELETEKEYSET | CRYPT_SILENT);
}

enum ofd_code cs_store_remove(const char *store, const unsigned char tp[CS_SHA1_LEN], int *removed, ofd_err *e)
{
    HCERTSTORE st = NULL;
    PCCERT_CONTEXT c = NULL;
    CRYPT_KEY_PROV_INFO *info = NULL;
    DWORD cb = 0;
    char hex[2 * CS_SHA1_LEN + 1];
    enum ofd_code rc;

    cs_thumbprint_hex(tp, hex);
    if ((rc = open_store(store, &st, e)) != OFD_OK)
        goto out;
    if (!(c = find_sha1(st, tp))) {
        if (removed)
            *removed = 0;
        rc = OFD_OK;
        goto out;
    }
    /* Its key, if it has one: removing the certificate undoes its import, and the key
     * container would otherwise stay behind, one orphan per undone import. */
    if (CertGetCertificateContextProperty(c, CERT_KEY_PROV_INFO_PROP_ID, NULL, &cb) && cb && (info = malloc(cb))
        && !CertGetCertificateContextProperty(c, CERT_KEY_PROV_INFO_PROP_ID, info, &cb)) {
        free(info);
        info = NULL;
    }
    /* CertDeleteCertificateFromStore frees the context, even when it fails. */
    if (!CertDeleteCertificateFromStore(c)) {
        c = NULL;
        rc = ofd_err_win32(e, GetLastError(), "cannot remove certificate %s from the local machine '%s' store", hex,
                           store);
        goto out;
    }
    c = NULL;
    if (!CertControlStore(st, 0, CERT_STORE_CTRL_COMMIT, NULL)) {
        rc = ofd_err_win32(e, GetLastError(), "cannot commit the removal of certificate %s from '%s'", hex, store);
        goto out;
    }
    /* A container already gone (NTE_BAD_KEYSET) is what was wanted. */
    if (info && !delete_key(info) && GetLastError() != (DWORD)NTE_BAD_KEYSET) {
        rc = ofd_err_win32(e, GetLastError(),
                           "certificate %s was removed from '%s', but its private key container "
                           "%ls cannot be deleted",
                           hex, store, info->pwszContainerName);
        goto out;
    }
    if (removed)
        *removed = 1;
    rc = OFD_OK;
out:
    free(info);
    release(c, st);
    return rc;
}

enum ofd_code cs_store_import_pfx(const unsigned char *pfx, size_t len, const char *password,
                                  unsigned char tp[CS_SHA1_LEN], ofd_err *e)
{
    CRYPT_DATA_BLOB blob;
    HCERTSTORE tmp = NULL, my = NULL;
    PCCERT_CONTEXT c = NULL, leaf = NULL, old = NULL;
    wchar_t *wpass = NULL;
    unsigned char got[CS_SHA1_LEN];
    DWORD cb, err;
    char hex[2 * CS_SHA1_LEN + 1];
    enum ofd_code rc;

    if (len > 0xffffffffu) {
        rc = ofd_err_set(e, OFD_E_INVALID, "PKCS#12 file is too large (%zu bytes)", len);
        goto out;
    }
    if (!(wpass = ofd_utf8_to_wide(password ? password : ""))) {
        rc = ofd_err_set(e, OFD_E_INVALID, "the PKCS#12 password is not valid UTF-8");
        goto out;
    }
    blob.cbData = (DWORD)len;
    blob.pbData = (BYTE *)pfx;
    if (!PFXIsPFXBlob(&blob)) {
        rc = ofd_err_rule(e, OFD_E_INVALID, "R16", "not a PKCS#12 (PFX) file (%zu bytes)", len);
        goto out;
    }
    /* Machine key set: the Front End runs as a service, not as the installing user.
     * No CRYPT_EXPORTABLE: nobody needs to take the server's key off the machine. */
    SetLastError(0);
    if (!(tmp = PFXImportCertStore(&blob, wpass, CRYPT_MACHINE_KEYSET))) {
        err = GetLastError();
        /* A wrong password leaves GetLastError() at 0 on Wine, ERROR_INVALID_PASSWORD
         * (86) on Windows. */
        if (err == 0 || err == ERROR_INVALID_PASSWORD)
            rc = ofd_err_rule(e, OFD_E_INVALID, "R16",
                              "cannot open the PKCS#12 file: wrong password (the agent reads it from "
                              "OCSFED_PFX_PASSWORD) or damaged file");
        else
            rc = ofd_err_win32(e, err, "cannot import the PKCS#12 file");
        goto out;
    }
    /* The certificate with a private key is the server certificate. */
    while ((c = CertEnumCertificatesInStore(tmp, c))) {
        if (CertGetCertificateContextProperty(c, CERT_KEY_PROV_INFO_PROP_ID, NULL, &cb)) {
            leaf = CertDuplicateCertificateContext(c);
            break;
        }
    }
    if (!leaf) {
        rc = ofd_err_rule(e, OFD_E_INVALID, "R16", "the PKCS#12 file holds no certificate with a private key");
        goto out;
    }
    if ((rc = cs_x509_thumbprint(leaf->pbCertEncoded, leaf->cbCertEncoded, got, e)) != OFD_OK)
        goto out;
    cs_thumbprint_hex(got, hex);
    if ((rc = open_store("My", &my, e)) != OFD_OK)
        goto out;
    /* Replacing in place drops the key link on Wine: delete, commit, then add new. */
    if ((old = find_sha1(my, got))) {
        BOOL ok = CertDeleteCertificateFromStore(old);

        old = NULL;
        if (!ok || !CertControlStore(my, 0, CERT_STORE_CTRL_COMMIT, NULL)) {
            rc = ofd_err_win32(e, GetLastError(), "cannot replace certificate %s in the local machine 'My' store", hex);
            goto out;
        }
    }
    /* Committed at once: after a delete, Wine keeps the store's handle alive past
     * CertCloseStore, and an add left for the close was never written. */
    if (!CertAddCertificateContextToStore(my, leaf, CERT_STORE_ADD_NEW, NULL)
        || !CertControlStore(my, 0, CERT_STORE_CTRL_COMMIT, NULL)) {
        rc = ofd_err_win32(e, GetLastError(), "cannot add certificate %s to the local machine 'My' store", hex);
        goto out;
    }
    memcpy(tp, got, CS_SHA1_LEN);
    rc = OFD_OK;
out:
    if (old)
        CertFreeCertificateContext(old);
    if (leaf)
        CertFreeCertificateContext(leaf);
    if (c)
        CertFreeCertificateContext(c);
    if (my)
        CertCloseStore(my, 0);
    if (tmp)
        CertCloseStore(tmp, 0);
    if (wpass) {
        SecureZeroMemory(wpass, wcslen(wpass) * sizeof(*wpass));
        free(wpass);
    }
    return rc;
}

/* Opens the key container named by a certificate's key provider info. Wine records
 * the machine-keyset import without CRYPT_MACHINE_KEYSET and with a provider type its
 * provider does not open, so the recorded values are tried first and then the machine
 * key set with the AES provider type (the same container on Windows). */
static BOOL open_key(const CRYPT_KEY_PROV_INFO *info, HCRYPTPROV *prov)
{
    const DWORD flags = (info->dwFlags & CRYPT_MACHINE_KEYSET) | CRYPT_SILENT;

    if (CryptAcquireContextW(prov, info->pwszContainerName, info->pwszProvName, info->dwProvType, flags))
        return TRUE;
    if (CryptAcquireContextW(prov, info->pwszContainerName, info->pwszProvName, info->dwProvType,
                             CRYPT_MACHINE_KEYSET | CRYPT_SILENT))
        return TRUE;
    return CryptAcquireContextW(prov, info->pwszContainerName, NULL, PROV_RSA_AES, CRYPT_MACHINE_KEYSET | CRYPT_SILENT);
}

enum ofd_code cs_store_key_usable(const char *store, const unsigned char tp[CS_SHA1_LEN], ofd_err *e)
{
    HCERTSTORE st = NULL;
    PCCERT_CONTEXT c = NULL;
    CRYPT_KEY_PROV_INFO *info = NULL;
    HCRYPTPROV prov = 0;
    HCRYPTHASH hash = 0;
    HCRYPTKEY pub = 0;
    BYTE sig[1024];
    static const BYTE data[] = "ocsfed private key check";
    DWORD cb = 0, siglen = sizeof(sig), spec;
    char hex[2 * CS_SHA1_LEN + 1];
    enum ofd_code rc;

    cs_thumbprint_hex(tp, hex);
    if ((rc = open_store(store, &st, e)) != OFD_OK)
        goto out;
    if (!(c = find_sha1(st, tp))) {
        rc = ofd_err_set(e, OFD_E_NOTFOUND, "certificate %s is not in the local machine '%s' store", hex, store);
        goto out;
    }
    if (!CertGetCertificateContextProperty(c, CERT_KEY_PROV_INFO_PROP_ID, NULL, &cb) || !(info = malloc(cb))
        || !CertGetCertificateContextProperty(c, CERT_KEY_PROV_INFO_PROP_ID, info, &cb)) {
        rc = ofd_err_rule(e, OFD_E_INVALID, "R14",
                          "certificate %s has no private key on this server: import it with its key (a PFX), "
                          "not the certificate alone",
                          hex);
        goto out;
    }
    /* CryptAcquireCertificatePrivateKey fails for machine key sets on Wine; opening the
     * named container works on both. */
    if (!open_key(info, &prov)) {
        rc = ofd_err_win32(e, GetLastError(), "the private key of certificate %s cannot be opened", hex);
        set_rule(e, "R14");
        goto out;
    }
    /* The recorded key spec first, then the other one: Wine keeps imported keys as
     * AT_KEYEXCHANGE whatever the provider info says. */
    spec = info->dwKeySpec == AT_SIGNATURE ? AT_SIGNATURE : AT_KEYEXCHANGE;
    if (!CryptCreateHash(prov, CALG_SHA1, 0, 0, &hash) || !CryptHashData(hash, data, sizeof(data), 0)
        || (!CryptSignHashW(hash, spec, NULL, 0, sig, &siglen)
            && (siglen = sizeof(sig),
                !CryptSignHashW(hash, spec == AT_SIGNATURE ? AT_KEYEXCHANGE : AT_SIGNATURE, NULL, 0, sig, &siglen)))) {
        rc = ofd_err_win32(e, GetLastError(), "the private key of certificate %s cannot sign", hex);
        set_rule(e, "R14");
        goto out;
    }
    if (!CryptImportPublicKeyInfo(prov, X509_ASN_ENCODING, &c->pCertInfo->SubjectPublicKeyInfo, &pub)
        || !CryptVerifySignatureW(hash, sig, siglen, pub, NULL, 0)) {
        rc = ofd_err_rule(e, OFD_E_INVALID, "R14",
                          "the private key linked to certificate %s does not match its public key", hex);
        goto out;
    }
    rc = OFD_OK;
out:
    if (pub)
        CryptDestroyKey(pub);
    if (hash)
        CryptDestroyHash(hash);
    if (prov)
        CryptReleaseContext(prov, 0);
    free(info);
    release(c, st);
    return rc;
}

/* 1 when c is one of roots (the same DER bytes). */
static int among(PCCERT_CONTEXT c, const struct cs_der *roots, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (roots[i].len == c->cbCertEncoded && memcmp(roots[i].der, c->pbCertEncoded, roots[i].len) == 0)
            return 1;
    return 0;
}

/* R13: the chain of c, built through extra (certificates not on the machine: what an
 * apply will add, or what a TLS peer sent) as well as the machine's stores, with a fresh
 * engine on the local machine's stores, checked with the base policy. A chain ending at
 * one of roots (roots the apply will add to Root) is trusted as it will be then. hex
 * names c in messages. */
static enum ofd_code verify_context(PCCERT_CONTEXT c, HCERTSTORE extra, const struct cs_der *roots, size_t nroots,
                                    const char *hex, ofd_err *e)
{
    PCCERT_CHAIN_CONTEXT chain = NULL;
    HCERTCHAINENGINE engine = NULL;
    CERT_CHAIN_ENGINE_CONFIG cfg;
    CERT_CHAIN_PARA para;
    CERT_CHAIN_POLICY_PARA ppara;
    CERT_CHAIN_POLICY_STATUS pst;
    DWORD status;
    int added_root = 0;
    enum ofd_code rc;

    /* A fresh engine on the local machine's stores for every check: trust what the
     * machine trusts (the service's view, not the user running the command), and see
     * roots added since this process started (a cached engine did not, on Wine). */
    memset(&cfg, 0, sizeof(cfg));
    cfg.cbSize = sizeof(cfg);
    cfg.dwFlags = CERT_CHAIN_USE_LOCAL_MACHINE_STORE;
    if (!CertCreateCertificateChainEngine(&cfg, &engine)) {
        rc = ofd_err_win32(e, GetLastError(), "cannot create a certificate chain engine");
        goto out;
    }
    memset(&para, 0, sizeof(para));
    para.cbSize = sizeof(para);
    if (!CertGetCertificateChain(engine, c, NULL, extra, &para, 0, NULL, &chain)) {
        rc = ofd_err_win32(e, GetLastError(), "cannot build the chain of certificate %s", hex);
        goto out;
    }
    /* The chain's own trust status first: Wine's base policy lets an untrusted root
     * pass, and on Windows it gives the same answer. */
    status = chain->TrustStatus.dwErrorStatus;
    if ((status & CERT_TRUST_IS_UNTRUSTED_ROOT) && chain->cChain && chain->rgpChain[0]->cElement
        && among(chain->rgpChain[0]->rgpElement[chain->rgpChain[0]->cElement - 1]->pCertContext, roots, nroots)) {
        status &= ~(DWORD)CERT_TRUST_IS_UNTRUSTED_ROOT;
        added_root = 1;
    }
    if (status & (CERT_TRUST_IS_UNTRUSTED_ROOT | CERT_TRUST_IS_PARTIAL_CHAIN)) {
        rc = ofd_err_rule(e, OFD_E_INVALID, "R13", CS_MSG_UNTRUSTED_ROOT, hex);
        goto out;
    }
    if (status & CERT_TRUST_IS_NOT_TIME_VALID) {
        rc = ofd_err_rule(e, OFD_E_INVALID, "R14", CS_MSG_CHAIN_EXPIRED, hex);
        goto out;
    }
    memset(&ppara, 0, sizeof(ppara));
    ppara.cbSize = sizeof(ppara);
    memset(&pst, 0, sizeof(pst));
    pst.cbSize = sizeof(pst);
    if (!CertVerifyCertificateChainPolicy(CERT_CHAIN_POLICY_BASE, chain, &ppara, &pst)) {
        rc = ofd_err_win32(e, GetLastError(), "cannot check the chain of certificate %s", hex);
        goto out;
    }
    if (added_root && pst.dwError == (DWORD)CERT_E_UNTRUSTEDROOT)
        pst.dwError = 0;
    if (status != CERT_TRUST_NO_ERROR || pst.dwError != 0) {
        rc = ofd_err_hresult(e, (HRESULT)(pst.dwError ? pst.dwError : (DWORD)CERT_E_CHAINING),
                             "the chain of certificate %s is not valid (trust status 0x%lx)", hex,
                             (unsigned long)status);
        goto out;
    }
    rc = OFD_OK;
out:
    if (chain)
        CertFreeCertificateChain(chain);
    if (engine)
        CertFreeCertificateChainEngine(engine);
    return rc;
}

enum ofd_code cs_store_verify_chain(const char *store, const unsigned char tp[CS_SHA1_LEN], ofd_err *e)
{
    return cs_store_verify_chain_with(store, tp, NULL, NULL, 0, NULL, 0, e);
}

enum ofd_code cs_store_verify_chain_with(const char *store, const unsigned char tp[CS_SHA1_LEN],
                                         const struct cs_der *leaf, const struct cs_der *roots, size_t nroots,
                                         const struct cs_der *intermediates, size_t ninter, ofd_err *e)
{
    HCERTSTORE st = NULL, extra = NULL;
    PCCERT_CONTEXT c = NULL;
    char hex[2 * CS_SHA1_LEN + 1];
    size_t i;
    enum ofd_code rc;

    cs_thumbprint_hex(tp, hex);
    if ((rc = open_store(store, &st, e)) != OFD_OK)
        goto out;
    c = find_sha1(st, tp);
    if (!c && !leaf) {
        rc = ofd_err_set(e, OFD_E_NOTFOUND, "certificate %s is not in the local machine '%s' store", hex, store);
        goto out;
    }
    /* What the apply will add, in a memory store the chain engine searches too (and the
     * certificate to check, when it is not in `store` yet); a certificate that does not
     * parse is skipped, as a store skips it. */
    if (nroots + ninter || !c) {
        if (!(extra = CertOpenStore(CERT_STORE_PROV_MEMORY, 0, 0, CERT_STORE_CREATE_NEW_FLAG, NULL))) {
            rc = ofd_err_win32(e, GetLastError(), "cannot open a memory certificate store");
            goto out;
        }
        for (i = 0; i < nroots + ninter; i++) {
            const struct cs_der *d = i < nroots ? &roots[i] : &intermediates[i - nroots];
            CertAddEncodedCertificateToStore(extra, X509_ASN_ENCODING, d->der, (DWORD)d->len,
                                             CERT_STORE_ADD_USE_EXISTING, NULL);
        }
        if (!c
            && !CertAddEncodedCertificateToStore(extra, X509_ASN_ENCODING, leaf->der, (DWORD)leaf->len,
                                                 CERT_STORE_ADD_USE_EXISTING, &c)) {
            rc = ofd_err_win32(e, GetLastError(), "certificate %s cannot be read", hex);
            goto out;
        }
    }
    rc = verify_context(c, extra, roots, nroots, hex, e);
out:
    release(c, st); /* c is own, or the store's */
    if (extra)
        CertCloseStore(extra, 0);
    return rc;
}

enum ofd_code cs_store_verify_der(const unsigned char *der, size_t len, const struct cs_der *sent, size_t nsent,
                                  ofd_err *e)
{
    HCERTSTORE mem = NULL;
    PCCERT_CONTEXT c = NULL;
    unsigned char tp[CS_SHA1_LEN];
    char hex[2 * CS_SHA1_LEN + 1] = "?";
    size_t i;
    enum ofd_code rc;

    if (len > 0xffffffffu || cs_x509_thumbprint(der, len, tp, NULL) != OFD_OK) {
        rc = ofd_err_set(e, OFD_E_INVALID, "not a DER X.509 certificate (%zu bytes)", len);
        goto out;
    }
    cs_thumbprint_hex(tp, hex);
    /* The certificates the peer sent, as CryptoAPI takes them: a memory store. */
    if (!(mem = CertOpenStore(CERT_STORE_PROV_MEMORY, 0, 0, 0, NULL))
        || !CertAddEncodedCertificateToStore(mem, X509_ASN_ENCODING, der, (DWORD)len, CERT_STORE_ADD_ALWAYS, &c)) {
        rc = ofd_err_win32(e, GetLastError(), "cannot read certificate %s", hex);
        goto out;
    }
    for (i = 0; i < nsent; i++)
        if (sent[i].len <= 0xffffffffu)
            CertAddEncodedCertificateToStore(mem, X509_ASN_ENCODING, sent[i].der, (DWORD)sent[i].len,
                                             CERT_STORE_ADD_USE_EXISTING, NULL);
    rc = verify_context(c, mem, NULL, 0, hex, e);
out:
    release(c, mem);
    return rc;
}

enum ofd_code cs_store_find_by_cn(const char *store, const char *cn, cs_cert_fn fn, void *ctx, int *count, ofd_err *e)
{
    HCERTSTORE st = NULL;
    PCCERT_CONTEXT c = NULL;
    wchar_t name[512], *wcn = NULL;
    int n = 0;
    enum ofd_code rc;

    if (!(wcn = ofd_utf8_to_wide(cn))) {
        rc = ofd_err_set(e, OFD_E_INVALID, "subject name '%s' is not valid UTF-8", cn);
        goto out;
    }
    if ((rc = open_store(store, &st, e)) != OFD_OK)
        goto out;
    while ((c = CertEnumCertificatesInStore(st, c))) {
        /* CERT_NAME_ATTR_TYPE with the CN OID: the subject's common name, not the
         * "friendly" display name that CertGetNameString would fall back to. */
        if (CertGetNameStringW(c, CERT_NAME_ATTR_TYPE, 0, (void *)szOID_COMMON_NAME, name,
                               sizeof(name) / sizeof(name[0]))
                <= 1
            || _wcsicmp(name, wcn) != 0)
            continue;
        n++;
        if (fn && (rc = fn(ctx, c->pbCertEncoded, c->cbCertEncoded, e)) != OFD_OK)
            goto out;
    }
    if (count)
        *count = n;
    rc = OFD_OK;
out:
    release(c, st);
    free(wcn);
    return rc;
}

enum ofd_code cs_store_enum_keys(const char *store, cs_cert_key_fn fn, void *ctx, ofd_err *e)
{
    HCERTSTORE st = NULL;
    PCCERT_CONTEXT c = NULL;
    DWORD cb;
    enum ofd_code rc;

    if ((rc = open_store(store, &st, e)) != OFD_OK)
        goto out;
    while ((c = CertEnumCertificatesInStore(st, c))) {
        cb = 0;
        if ((rc = fn(ctx, c->pbCertEncoded, c->cbCertEncoded,
                     CertGetCertificateContextProperty(c, CERT_KEY_PROV_INFO_PROP_ID, NULL, &cb) && cb, e))
            != OFD_OK)
            goto out;
    }
    rc = OFD_OK;
out:
    release(c, st);
    return rc;
}

struct no_key {
    cs_cert_fn fn;
    void *ctx;
};

static enum ofd_code without_key(void *ctx, const unsigned char *der, size_t len, int has_key, ofd_err *e)
{
    struct no_key *k = ctx;

    (void)has_key;
    return k->fn(k->ctx, der, len, e);
}

enum ofd_code cs_store_enum(const char *store, cs_cert_fn fn, void *ctx, ofd_err *e)
{
    struct no_key k = {fn, ctx};

    return cs_store_enum_keys(store, without_key, &k, e);
}
