#define COBJMACROS
#include "standin_seed.h"

#include <windows.h>
#include <oleauto.h>

#include <stdlib.h>
#include <string.h>

#include "cs_store.h"
#include "error_win.h"
#include "ocs_model.h"
#include "simnode.h"
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
