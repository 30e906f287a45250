#define COBJMACROS
#include "standin_seed.h"

#include <windows.h>
#include <oleauto.h>
#include <wincrypt.h>

#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cs_inspect.h"
#include "cs_store.h"
#include "fsutil.h"
#include "testcert.h"
#include "error_win.h"
#include "ocs_model.h"
#include "simnode.h"
#include "strbuf.h"
#include "wmi.h"
#include "wmi_fips.h"

static void to_variant(const struct node_value *nv, VARIANT *v)
{
    SAFEARRAY *sa;
    wchar_t *w;
    LONG i;

    VariantInit(v);
    switch (nv->type) {
    case OCS_STRING:
        w = ofd_utf8_to_wide(nv->s);
        V_VT(v) = VT_BSTR;
        V_BSTR(v) = w ? SysAllocString(w) : NULL;
        free(w);
        break;
    case OCS_UINT32:
        V_VT(v) = VT_I4;
        V_I4(v) = (LONG)nv->u;
        break;
    case OCS_BOOLEAN:
        V_VT(v) = VT_BOOL;
        V_BOOL(v) = nv->b ? VARIANT_TRUE : VARIANT_FALSE;
        break;
    case OCS_UINT8_ARRAY:
        sa = SafeArrayCreateVector(VT_UI1, 0, (ULONG)nv->nbytes);
        for (i = 0; sa && i < (LONG)nv->nbytes; i++)
            SafeArrayPutElement(sa, &i, &nv->bytes[i]);
        V_VT(v) = VT_ARRAY | VT_UI1;
        V_ARRAY(v) = sa;
        break;
    case OCS_STRING_ARRAY:
        sa = SafeArrayCreateVector(VT_BSTR, 0, (ULONG)nv->nstrs);
        for (i = 0; sa && i < (LONG)nv->nstrs; i++) {
            BSTR b;
            w = ofd_utf8_to_wide(nv->strs[i]);
            b = w ? SysAllocString(w) : NULL;
            SafeArrayPutElement(sa, &i, b);
            SysFreeString(b);
            free(w);
        }
        V_VT(v) = VT_ARRAY | VT_BSTR;
        V_ARRAY(v) = sa;
        break;
    }
}

static enum ofd_code put(IWbemClassObject *o, const char *name, const struct node_value *nv, ofd_err *e)
{
    wchar_t *w = ofd_utf8_to_wide(name);
    VARIANT v;
    HRESULT hr;

    to_variant(nv, &v);
    hr = w ? IWbemClassObject_Put(o, w, 0, &v, 0) : E_OUTOFMEMORY;
    VariantClear(&v);
    free(w);
    return FAILED(hr) ? ofd_err_hresult(e, hr, "seeding the stand-in: Put %s", name) : OFD_OK;
}

static enum ofd_code seed_instance(IWbemServices *svc, const struct node_instance *in, const char *backend,
                                   int pool_scoped, ofd_err *e)
{
    IWbemClassObject *cls = NULL, *o = NULL;
    wchar_t *wc = ofd_utf8_to_wide(in->cls);
    BSTR bc = wc ? SysAllocString(wc) : NULL;
    HRESULT hr;
    size_t i;
    enum ofd_code rc = OFD_OK;

    if (FAILED(hr = IWbemServices_GetObject(svc, bc, 0, NULL, &cls, NULL))
        || FAILED(hr = IWbemClassObject_SpawnInstance(cls, 0, &o))) {
        rc = ofd_err_hresult(e, hr, "seeding the stand-in: class %s", in->cls);
        goto out;
    }
    for (i = 0; i < in->nprops && rc == OFD_OK; i++)
        rc = put(o, in->props[i].name, &in->props[i].v, e);
    if (rc == OFD_OK && pool_scoped && !node_instance_get(in, "Backend")) {
        struct node_value b;
        memset(&b, 0, sizeof(b));
        b.type = OCS_STRING;
        b.s = (char *)(backend ? backend : "");
        rc = put(o, "Backend", &b, e);
    }
    if (rc == OFD_OK && FAILED(hr = IWbemServices_PutInstance(svc, o, WBEM_FLAG_CREATE_ONLY, NULL, NULL)))
        rc = ofd_err_hresult(e, hr, "seeding the stand-in: PutInstance %s", in->cls);
out:
    if (o)
        IWbemClassObject_Release(o);
    if (cls)
        IWbemClassObject_Release(cls);
    SysFreeString(bc);
    free(wc);
    return rc;
}

enum ofd_code standin_seed_from_sim(struct ocs_standin *st, const char *sim_path, ofd_err *e)
{
    static const char *const stores[] = {"Root", "CA", "My"};
    struct node sim = {0};
    struct node_identity id = {0};
    struct node_instances l = {0};
    struct node_certs c = {0};
    wmi_session *reg = NULL;
    struct wmi_os os;
    size_t i, k;
    int fips = 0, added;
    enum ofd_code rc;

    if ((rc = simnode_open(sim_path, &sim, e)) != OFD_OK || (rc = sim.ops->identity(sim.ctx, &id, e)) != OFD_OK)
        goto out;
    for (k = 0; k < ocs_class_count(); k++) {
        const struct ocs_class_def *def = ocs_class_at(k);
        if (!def->wmi)
            continue;
        if ((rc = sim.ops->instances(sim.ctx, def->name, &l, e)) != OFD_OK)
            goto out;
        for (i = 0; i < l.n; i++)
            if ((rc = seed_instance(ocs_standin_services(st), &l.v[i], id.backend, def->pool_scoped, e)) != OFD_OK)
                goto out;
        node_instances_free(&l);
    }
    for (k = 0; k < 3; k++) {
        if ((rc = sim.ops->certificates(sim.ctx, stores[k], &c, e)) != OFD_OK)
            goto out;
        for (i = 0; i < c.n; i++)
            if (c.v[i].der && (rc = cs_store_add(stores[k], c.v[i].der, c.v[i].der_len, &added, e)) != OFD_OK)
                goto out;
        node_certs_free(&c);
    }
    if ((rc = sim.ops->fips(sim.ctx, &fips, e)) != OFD_OK || (rc = wmi_os_version(&os, e)) != OFD_OK
        || (rc = wmi_open("ROOT\\DEFAULT", &reg, e)) != OFD_OK || (rc = wmi_fips_set(reg, &os, fips, e)) != OFD_OK)
        goto out;
    ocs_standin_reset_counts(st);
out:
    wmi_close(reg);
    node_instances_free(&l);
    node_certs_free(&c);
    node_identity_free(&id);
    node_close(&sim);
    return rc;
}

/* The subject CN of the first certificate in the My store of the simulated node at path. */
static enum ofd_code my_cn(const char *path, char *cn, size_t size, ofd_err *e)
{
    struct node sim = {0};
    struct node_certs my = {0};
    struct cs_cert_info ci;
    enum ofd_code rc;

    cn[0] = 0;
    if ((rc = simnode_open(path, &sim, e)) != OFD_OK || (rc = sim.ops->certificates(sim.ctx, "My", &my, e)) != OFD_OK)
        goto out;
    if (!my.n || !my.v[0].der) {
        rc = ofd_err_set(e, OFD_E_INVALID, "%s: no certificate in My to stand for", path);
        goto out;
    }
    if ((rc = cs_inspect_der(my.v[0].der, my.v[0].der_len, &ci, e)) == OFD_OK) {
        snprintf(cn, size, "%s", ci.cn);
        cs_cert_info_free(&ci);
    }
out:
    node_certs_free(&my);
    node_close(&sim);
    return rc;
}

struct tps {
    unsigned char (*v)[CS_SHA1_LEN];
    size_t n;
};

static enum ofd_code collect_tp(void *ctx, const unsigned char *der, size_t len, ofd_err *e)
{
    struct tps *t = ctx;
    void *grown = realloc(t->v, (t->n + 1) * sizeof(*t->v));

    if (!grown)
        return ofd_err_nomem(e);
    t->v = grown;
    return cs_x509_thumbprint(der, len, t->v[t->n++], e);
}

/* Empties Wine's local machine My store: the process's earlier tests left server
 * certificates there, and their keys all live in the one container Wine's PFX import
 * reuses, so only the newest is usable. */
static enum ofd_code clear_my(ofd_err *e)
{
    struct tps t = {0};
    size_t i;
    int removed;
    enum ofd_code rc = cs_store_enum("My", collect_tp, &t, e);

    for (i = 0; rc == OFD_OK && i < t.n; i++)
        rc = cs_store_remove("My", t.v[i], &removed, e);
    free(t.v);
    return rc;
}

/* The certificate of a PKCS#12 (empty password) into the local machine's My store with
 * its key in the user's key set. */
static enum ofd_code import_user_key(const unsigned char *pfx, size_t len, ofd_err *e)
{
    CRYPT_DATA_BLOB blob;
    HCERTSTORE tmp = NULL, my = NULL;
    PCCERT_CONTEXT c = NULL;
    DWORD cb;
    enum ofd_code rc = OFD_OK;

    blob.cbData = (DWORD)len;
    blob.pbData = (BYTE *)pfx;
    if (!(tmp = PFXImportCertStore(&blob, L"", 0))) {
        rc = ofd_err_win32(e, GetLastError(), "PFXImportCertStore into the user key set");
        goto out;
    }
    while ((c = CertEnumCertificatesInStore(tmp, c))
           && !CertGetCertificateContextProperty(c, CERT_KEY_PROV_INFO_PROP_ID, NULL, &cb))
        ;
    if (!c || !(my = CertOpenStore(CERT_STORE_PROV_SYSTEM_W, 0, 0, CERT_SYSTEM_STORE_LOCAL_MACHINE, L"My"))
        || !CertAddCertificateContextToStore(my, c, CERT_STORE_ADD_REPLACE_EXISTING, NULL)
        || !CertControlStore(my, 0, CERT_STORE_CTRL_COMMIT, NULL))
        rc = ofd_err_win32(e, GetLastError(), "adding the certificate to the local machine's My store");
out:
    if (c)
        CertFreeCertificateContext(c);
    if (my)
        CertCloseStore(my, 0);
    if (tmp)
        CertCloseStore(tmp, 0);
    return rc;
}

enum ofd_code standin_seed_keyed(struct ocs_standin *st, const char *sim_src, const char *sim_out, ofd_err *e)
{
    struct testcert ca = {0};
    enum ofd_code rc;

    if (testcert_ca("ocsfed Test OCS Root CA", 3650, &ca))
        return ofd_err_set(e, OFD_E_CRYPTO, "cannot make a test CA");
    rc = standin_seed_keyed_by(st, sim_src, sim_out, &ca, 0, e);
    testcert_free(&ca);
    return rc;
}

enum ofd_code standin_seed_keyed_by(struct ocs_standin *st, const char *sim_src, const char *sim_out,
                                    const struct testcert *ca, int user_key, ofd_err *e)
{
    struct testcert leaf = {0};
    unsigned char *ca_der = NULL, *leaf_der = NULL, *pfx = NULL, tp[CS_SHA1_LEN];
    size_t ca_len = 0, leaf_len = 0, pfx_len = 0, len = 0;
    char *text = NULL, *out = NULL, *b64 = NULL, cn[256];
    cJSON *root = NULL, *certs, *my, *roots, *entry;
    enum ofd_code rc;

    if ((rc = ofd_read_file(sim_src, 1u << 24, &text, &len, e)) != OFD_OK)
        goto out;
    if (!(root = cJSON_Parse(text)) || !(certs = cJSON_GetObjectItemCaseSensitive(root, "certificates"))
        || !(my = cJSON_GetObjectItemCaseSensitive(certs, "My"))
        || !(roots = cJSON_GetObjectItemCaseSensitive(certs, "Root"))) {
        rc = ofd_err_set(e, OFD_E_INVALID, "%s: no certificates/My and certificates/Root", sim_src);
        goto out;
    }
    if ((rc = my_cn(sim_src, cn, sizeof(cn), e)) != OFD_OK)
        goto out;
    if (testcert_der(ca, &ca_der, &ca_len) || testcert_leaf(ca, cn, "serverAuth,clientAuth", NULL, -3650, 3650, &leaf)
        || testcert_der(&leaf, &leaf_der, &leaf_len) || testcert_pfx(&leaf, "", &pfx, &pfx_len)) {
        rc = ofd_err_set(e, OFD_E_CRYPTO, "cannot make a test certificate for %s", cn);
        goto out;
    }
    while (cJSON_GetArraySize(my))
        cJSON_DeleteItemFromArray(my, 0);
    if (!(b64 = testcert_base64(leaf_der, leaf_len)) || !(entry = cJSON_CreateObject())
        || !cJSON_AddItemToArray(my, entry) || !cJSON_AddStringToObject(entry, "der", b64))
        goto nomem;
    free(b64);
    if (!(b64 = testcert_base64(ca_der, ca_len)) || !(entry = cJSON_CreateObject())
        || !cJSON_AddItemToArray(roots, entry) || !cJSON_AddStringToObject(entry, "der", b64)
        || !(out = cJSON_Print(root)))
        goto nomem;
    if ((rc = ofd_write_file_atomic(sim_out, out, strlen(out), e)) != OFD_OK
        || (rc = standin_seed_from_sim(st, sim_out, e)) != OFD_OK || (rc = clear_my(e)) != OFD_OK
        || (rc = user_key ? import_user_key(pfx, pfx_len, e) : cs_store_import_pfx(pfx, pfx_len, "", tp, e)) != OFD_OK)
        goto out;
    ocs_standin_reset_counts(st);
    goto out;
nomem:
    rc = ofd_err_nomem(e);
out:
    free(b64);
    free(out);
    free(text);
    free(pfx);
    free(leaf_der);
    free(ca_der);
    cJSON_Delete(root);
    testcert_free(&leaf);
    return rc;
}
