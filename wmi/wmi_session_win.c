#define COBJMACROS
#include "wmi.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error_win.h"
#include "node.h"
#include "strbuf.h"

struct wmi_session {
    IWbemServices *svc;
    int com_initialised; /* this session called CoInitializeEx and must undo it */
    unsigned long calls;
    unsigned long writes; /* PutInstance and DeleteInstance */
};

static enum ofd_code com_init(int *initialised, ofd_err *e)
{
    HRESULT hr;

    *initialised = 0;
    hr = CoInitializeEx(NULL, COINIT_MULTITHREADED);
    if (hr == RPC_E_CHANGED_MODE) {
        /* The thread already chose apartment threading: use it as it is. */
    } else if (FAILED(hr)) {
        return ofd_err_hresult(e, hr, "CoInitializeEx");
    } else {
        *initialised = 1; /* S_OK and S_FALSE both need a CoUninitialize */
    }
    /* Once per process; a second call answers RPC_E_TOO_LATE, which is fine. */
    hr = CoInitializeSecurity(NULL, -1, NULL, NULL, RPC_C_AUTHN_LEVEL_DEFAULT, RPC_C_IMP_LEVEL_IMPERSONATE, NULL,
                              EOAC_NONE, NULL);
    if (FAILED(hr) && hr != RPC_E_TOO_LATE) {
        if (*initialised)
            CoUninitialize();
        *initialised = 0;
        return ofd_err_hresult(e, hr, "CoInitializeSecurity");
    }
    return OFD_OK;
}

enum ofd_code wmi_open(const char *ns, wmi_session **out, ofd_err *e)
{
    IWbemLocator *loc = NULL;
    IWbemServices *svc = NULL;
    BSTR bns = NULL;
    wmi_session *s = NULL;
    int inited = 0;
    HRESULT hr;
    enum ofd_code rc;

    if ((rc = com_init(&inited, e)) != OFD_OK)
        goto out;
    if (!(bns = wmi_bstr(ns))) {
        rc = ofd_err_set(e, OFD_E_INVALID, "WMI namespace '%s' is not valid UTF-8", ns);
        goto out;
    }
    hr = CoCreateInstance(&CLSID_WbemLocator, NULL, CLSCTX_INPROC_SERVER, &IID_IWbemLocator, (void **)&loc);
    if (FAILED(hr)) {
        rc = ofd_err_hresult(e, hr, "cannot create the WMI locator (is the WMI service running?)");
        goto out;
    }
    hr = IWbemLocator_ConnectServer(loc, bns, NULL, NULL, NULL, 0, NULL, NULL, &svc);
    if (FAILED(hr)) {
        rc = ofd_err_hresult(e, hr, "cannot connect to WMI namespace %s", ns);
        goto out;
    }
    hr = CoSetProxyBlanket((IUnknown *)svc, RPC_C_AUTHN_WINNT, RPC_C_AUTHZ_NONE, NULL, RPC_C_AUTHN_LEVEL_CALL,
                           RPC_C_IMP_LEVEL_IMPERSONATE, NULL, EOAC_NONE);
    if (FAILED(hr) && hr != E_NOINTERFACE) { /* in-process services have no proxy */
        rc = ofd_err_hresult(e, hr, "CoSetProxyBlanket on WMI namespace %s", ns);
        goto out;
    }
    if (!(s = calloc(1, sizeof(*s)))) {
        rc = ofd_err_nomem(e);
        goto out;
    }
    s->svc = svc;
    s->com_initialised = inited;
    svc = NULL;
    inited = 0;
    *out = s;
    rc = OFD_OK;
out:
    if (svc)
        IWbemServices_Release(svc);
    if (loc)
        IWbemLocator_Release(loc);
    SysFreeString(bns);
    if (inited)
        CoUninitialize();
    return rc;
}

enum ofd_code wmi_open_services(IWbemServices *svc, wmi_session **out, ofd_err *e)
{
    wmi_session *s;

    if (!svc)
        return ofd_err_set(e, OFD_E_INVALID, "no IWbemServices given");
    if (!(s = calloc(1, sizeof(*s))))
        return ofd_err_nomem(e);
    IWbemServices_AddRef(svc);
    s->svc = svc;
    *out = s;
    return OFD_OK;
}

void wmi_close(wmi_session *s)
{
    if (!s)
        return;
    if (s->svc)
        IWbemServices_Release(s->svc);
    if (s->com_initialised)
        CoUninitialize();
    free(s);
}

unsigned long wmi_call_count(const wmi_session *s)
{
    return s ? s->calls : 0;
}

enum ofd_code wmi_query(wmi_session *s, const char *wql, wmi_row_fn fn, void *ctx, ofd_err *e)
{
    IEnumWbemClassObject *en = NULL;
    IWbemClassObject *row = NULL;
    BSTR lang = NULL, bq = NULL;
    HRESULT hr;
    enum ofd_code rc;

    if (!(bq = wmi_bstr(wql)) || !(lang = SysAllocString(L"WQL"))) {
        rc = ofd_err_set(e, OFD_E_INVALID, "WQL query is not valid UTF-8 (or out of memory)");
        goto out;
    }
    s->calls++;
    hr = IWbemServices_ExecQuery(s->svc, lang, bq, WBEM_FLAG_FORWARD_ONLY | WBEM_FLAG_RETURN_IMMEDIATELY, NULL, &en);
    if (FAILED(hr)) {
        rc = ofd_err_hresult(e, hr, "WMI query \"%s\" failed", wql);
        goto out;
    }
    for (;;) {
        ULONG got = 0;

        hr = IEnumWbemClassObject_Next(en, WBEM_INFINITE, 1, &row, &got);
        if (FAILED(hr)) {
            rc = ofd_err_hresult(e, hr, "reading the rows of WMI query \"%s\"", wql);
            goto out;
        }
        if (got == 0)
            break;
        rc = fn(ctx, row, e);
        /* Every object from Next() is released inside the loop, whatever fn said. */
        IWbemClassObject_Release(row);
        row = NULL;
        if (rc != OFD_OK)
            goto out;
    }
    rc = OFD_OK;
out:
    if (en)
        IEnumWbemClassObject_Release(en);
    SysFreeString(bq);
    SysFreeString(lang);
    return rc;
}

/* Reads prop into v (VariantInit'ed by this function; the caller clears it). */
static enum ofd_code get_prop(IWbemClassObject *o, const char *prop, VARIANT *v, CIMTYPE *type, ofd_err *e)
{
    wchar_t *wp = NULL;
    HRESULT hr;
    enum ofd_code rc;

    VariantInit(v);
    if (!(wp = ofd_utf8_to_wide(prop))) {
        rc = ofd_err_set(e, OFD_E_INVALID, "property name '%s' is not valid UTF-8", prop);
        goto out;
    }
    hr = IWbemClassObject_Get(o, wp, 0, v, type, NULL);
    if (FAILED(hr)) {
        rc = ofd_err_hresult(e, hr, "reading WMI property %s", prop);
        goto out;
    }
    rc = OFD_OK;
out:
    free(wp);
    return rc;
}

enum ofd_code wmi_get_value(IWbemClassObject *o, const char *prop, enum ocs_type type, struct node_value *out,
                            int *present, ofd_err *e)
{
    VARIANT v;
    CIMTYPE t = 0;
    struct node_value nv;
    void *data = NULL;
    SAFEARRAY *sa;
    LONG lo = 0, hi = -1, i;
    VARTYPE want;
    enum ofd_code rc;

    memset(&nv, 0, sizeof(nv));
    nv.type = type;
    *present = 0;
    if ((rc = get_prop(o, prop, &v, &t, e)) != OFD_OK)
        goto out;
    if (V_VT(&v) == VT_NULL || V_VT(&v) == VT_EMPTY) {
        rc = OFD_OK;
        goto out;
    }
    switch (type) {
    case OCS_STRING:
        if (V_VT(&v) != VT_BSTR)
            goto mismatch;
        if (!(nv.s = ofd_wide_to_utf8(V_BSTR(&v)))) {
            rc = ofd_err_set(e, OFD_E_NOMEM, "out of memory reading WMI property %s", prop);
            goto out;
        }
        break;
    case OCS_UINT32:
        /* WMI hands uint32 over as VT_I4 (Windows) or VT_UI4 (seen on Wine). */
        switch (V_VT(&v)) {
        case VT_I4: nv.u = (uint32_t)V_I4(&v); break;
        case VT_UI4: nv.u = V_UI4(&v); break;
        case VT_I2: nv.u = (uint32_t)(uint16_t)V_I2(&v); break;
        case VT_UI2: nv.u = V_UI2(&v); break;
        case VT_UI1: nv.u = V_UI1(&v); break;
        default: goto mismatch;
        }
        break;
    case OCS_BOOLEAN:
        if (V_VT(&v) != VT_BOOL)
            goto mismatch;
        nv.b = V_BOOL(&v) != VARIANT_FALSE;
        break;
    case OCS_UINT8_ARRAY:
    case OCS_STRING_ARRAY:
        want = VT_ARRAY | (type == OCS_UINT8_ARRAY ? VT_UI1 : VT_BSTR);
        if (V_VT(&v) != want)
            goto mismatch;
        sa = V_ARRAY(&v);
        if (SafeArrayGetDim(sa) != 1 || FAILED(SafeArrayGetLBound(sa, 1, &lo)) || FAILED(SafeArrayGetUBound(sa, 1, &hi))
            || FAILED(SafeArrayAccessData(sa, &data))) {
            rc = ofd_err_set(e, OFD_E_PLATFORM, "WMI property %s: unreadable array", prop);
            goto out;
        }
        rc = OFD_OK;
        if (type == OCS_UINT8_ARRAY) {
            nv.nbytes = (size_t)(hi - lo + 1);
            if (nv.nbytes && !(nv.bytes = malloc(nv.nbytes)))
                rc = ofd_err_nomem(e);
            else if (nv.nbytes)
                memcpy(nv.bytes, data, nv.nbytes);
        } else {
            size_t n = (size_t)(hi - lo + 1);

            if (n && !(nv.strs = calloc(n, sizeof(*nv.strs))))
                rc = ofd_err_nomem(e);
            for (i = 0; rc == OFD_OK && i < (LONG)n; i++, nv.nstrs++) {
                BSTR b = ((BSTR *)data)[i];
                if (!(nv.strs[i] = ofd_wide_to_utf8(b ? b : L"")))
                    rc = ofd_err_nomem(e);
            }
        }
        SafeArrayUnaccessData(sa);
        if (rc != OFD_OK)
            goto out;
        break;
    }
    *out = nv;
    memset(&nv, 0, sizeof(nv));
    *present = 1;
    rc = OFD_OK;
    goto out;
mismatch:
    rc = ofd_err_set(e, OFD_E_INVALID, "WMI property %s is VARIANT type 0x%x, not a %s", prop, (unsigned)V_VT(&v),
                     ocs_type_name(type));
out:
    node_value_free(&nv);
    VariantClear(&v);
    return rc;
}

/* The typed readers: a NULL value is OFD_E_NOTFOUND. */
static enum ofd_code get_typed(IWbemClassObject *o, const char *prop, enum ocs_type type, struct node_value *v,
                               ofd_err *e)
{
    int present = 0;
    enum ofd_code rc = wmi_get_value(o, prop, type, v, &present, e);

    if (rc == OFD_OK && !present)
        rc = ofd_err_set(e, OFD_E_NOTFOUND, "WMI property %s is NULL", prop);
    return rc;
}

enum ofd_code wmi_get_string(IWbemClassObject *o, const char *prop, char **out, ofd_err *e)
{
    struct node_value v;
    enum ofd_code rc;

    if ((rc = get_typed(o, prop, OCS_STRING, &v, e)) == OFD_OK)
        *out = v.s; /* taken over */
    return rc;
}

enum ofd_code wmi_get_uint32(IWbemClassObject *o, const char *prop, uint32_t *out, ofd_err *e)
{
    struct node_value v;
    enum ofd_code rc;

    if ((rc = get_typed(o, prop, OCS_UINT32, &v, e)) == OFD_OK)
        *out = v.u;
    return rc;
}

enum ofd_code wmi_get_bool(IWbemClassObject *o, const char *prop, int *out, ofd_err *e)
{
    struct node_value v;
    enum ofd_code rc;

    if ((rc = get_typed(o, prop, OCS_BOOLEAN, &v, e)) == OFD_OK)
        *out = v.b;
    return rc;
}

enum ofd_code wmi_put_uint32(IWbemClassObject *o, const char *prop, uint32_t v, ofd_err *e)
{
    VARIANT var;
    wchar_t *wp = NULL;
    HRESULT hr;
    enum ofd_code rc;

    VariantInit(&var);
    if (!(wp = ofd_utf8_to_wide(prop))) {
        rc = ofd_err_set(e, OFD_E_INVALID, "property name '%s' is not valid UTF-8", prop);
        goto out;
    }
    V_VT(&var) = VT_I4;
    V_I4(&var) = (LONG)v;
    hr = IWbemClassObject_Put(o, wp, 0, &var, 0);
    if (hr == (HRESULT)WBEM_E_TYPE_MISMATCH) {
        V_VT(&var) = VT_UI4;
        V_UI4(&var) = v;
        hr = IWbemClassObject_Put(o, wp, 0, &var, 0);
    }
    if (FAILED(hr)) {
        rc = ofd_err_hresult(e, hr, "setting WMI property %s to %lu", prop, (unsigned long)v);
        goto out;
    }
    rc = OFD_OK;
out:
    VariantClear(&var);
    free(wp);
    return rc;
}

enum ofd_code wmi_put_string(IWbemClassObject *o, const char *prop, const char *v, ofd_err *e)
{
    VARIANT var;
    wchar_t *wp = NULL;
    HRESULT hr;
    enum ofd_code rc;

    VariantInit(&var);
    if (!(wp = ofd_utf8_to_wide(prop)) || !(V_BSTR(&var) = wmi_bstr(v))) {
        rc = ofd_err_set(e, OFD_E_INVALID, "property %s or its value is not valid UTF-8 (or out of memory)", prop);
        goto out;
    }
    V_VT(&var) = VT_BSTR;
    hr = IWbemClassObject_Put(o, wp, 0, &var, 0);
    if (FAILED(hr)) {
        rc = ofd_err_hresult(e, hr, "setting WMI property %s to \"%s\"", prop, v);
        goto out;
    }
    rc = OFD_OK;
out:
    VariantClear(&var);
    free(wp);
    return rc;
}

enum ofd_code wmi_call(wmi_session *s, const char *path, const char *method, const struct wmi_arg *args, size_t nargs,
                       uint32_t *ret, ofd_err *e)
{
    IWbemClassObject *cls = NULL, *sig = NULL, *in = NULL, *outp = NULL;
    BSTR bpath = NULL, bclass = NULL, bmeth = NULL;
    wchar_t *wpath = NULL, *wmeth = NULL, *dot;
    HRESULT hr;
    size_t i;
    enum ofd_code rc;

    if (!(wpath = ofd_utf8_to_wide(path)) || !(wmeth = ofd_utf8_to_wide(method)) || !(bpath = SysAllocString(wpath))
        || !(bmeth = SysAllocString(wmeth))) {
        rc = ofd_err_set(e, OFD_E_INVALID, "WMI path or method is not valid UTF-8 (or out of memory)");
        goto out;
    }
    /* The method's signature lives on the class: "Win32_Service.Name=..." -> class. */
    if ((dot = wcschr(wpath, L'.')))
        *dot = 0;
    if (!(bclass = SysAllocString(wpath))) {
        rc = ofd_err_nomem(e);
        goto out;
    }
    s->calls++;
    hr = IWbemServices_GetObject(s->svc, bclass, 0, NULL, &cls, NULL);
    if (FAILED(hr)) {
        rc = ofd_err_hresult(e, hr, "WMI class of %s", path);
        goto out;
    }
    hr = IWbemClassObject_GetMethod(cls, wmeth, 0, &sig, NULL);
    if (FAILED(hr)) {
        rc = ofd_err_hresult(e, hr, "WMI method %s of %s", method, path);
        goto out;
    }
    if (sig) {
        hr = IWbemClassObject_SpawnInstance(sig, 0, &in);
        if (FAILED(hr)) {
            rc = ofd_err_hresult(e, hr, "input parameters of WMI method %s", method);
            goto out;
        }
    }
    for (i = 0; i < nargs; i++) {
        if (!in) {
            rc = ofd_err_set(e, OFD_E_INVALID, "WMI method %s of %s takes no parameters", method, path);
            goto out;
        }
        rc = args[i].type == WMI_ARG_UINT32 ? wmi_put_uint32(in, args[i].name, args[i].u, e)
                                            : wmi_put_string(in, args[i].name, args[i].s, e);
        if (rc != OFD_OK) {
            ofd_err_prefix(e, "WMI method %s of %s", method, path);
            goto out;
        }
    }
    s->calls++;
    hr = IWbemServices_ExecMethod(s->svc, bpath, bmeth, 0, NULL, in, &outp, NULL);
    if (FAILED(hr)) {
        rc = ofd_err_hresult(e, hr, "WMI method %s on %s", method, path);
        goto out;
    }
    if (!outp) {
        rc = ofd_err_set(e, OFD_E_PLATFORM, "WMI method %s on %s returned no output parameters", method, path);
        goto out;
    }
    if ((rc = wmi_get_uint32(outp, "ReturnValue", ret, e)) != OFD_OK) {
        ofd_err_prefix(e, "WMI method %s on %s", method, path);
        goto out;
    }
    rc = OFD_OK;
out:
    if (outp)
        IWbemClassObject_Release(outp);
    if (in)
        IWbemClassObject_Release(in);
    if (sig)
        IWbemClassObject_Release(sig);
    if (cls)
        IWbemClassObject_Release(cls);
    SysFreeString(bpath);
    SysFreeString(bclass);
    SysFreeString(bmeth);
    free(wpath);
    free(wmeth);
    return rc;
}

/* ---- instances: spawn, get, put, delete ---- */

BSTR wmi_bstr(const char *s)
{
    wchar_t *w = ofd_utf8_to_wide(s);
    BSTR b = w ? SysAllocString(w) : NULL;

    free(w);
    return b;
}

/* An object path as a BSTR, or the error saying why not. */
static enum ofd_code path_bstr(const char *path, BSTR *out, ofd_err *e)
{
    if (!(*out = wmi_bstr(path)))
        return ofd_err_set(e, OFD_E_INVALID, "WMI object path '%s' is not valid UTF-8 (or out of memory)", path);
    return OFD_OK;
}

enum ofd_code wmi_get_object(wmi_session *s, const char *path, IWbemClassObject **out, ofd_err *e)
{
    BSTR bpath = NULL;
    HRESULT hr;
    enum ofd_code rc;

    *out = NULL;
    if ((rc = path_bstr(path, &bpath, e)) != OFD_OK)
        goto out;
    s->calls++;
    hr = IWbemServices_GetObject(s->svc, bpath, 0, NULL, out, NULL);
    if (FAILED(hr)) {
        *out = NULL;
        rc = hr == (HRESULT)WBEM_E_NOT_FOUND ? ofd_err_set(e, OFD_E_NOTFOUND, "WMI object %s does not exist", path)
                                             : ofd_err_hresult(e, hr, "WMI object %s", path);
        goto out;
    }
    rc = OFD_OK;
out:
    SysFreeString(bpath);
    return rc;
}

/* A class is an object too: its definition, then a new instance of it. */
enum ofd_code wmi_spawn(wmi_session *s, const char *cls, IWbemClassObject **out, ofd_err *e)
{
    IWbemClassObject *def = NULL;
    HRESULT hr;
    enum ofd_code rc;

    *out = NULL;
    if ((rc = wmi_get_object(s, cls, &def, e)) != OFD_OK) {
        ofd_err_prefix(e, "WMI class %s (is OCS 2007 R2 installed on this server?)", cls);
        goto out;
    }
    hr = IWbemClassObject_SpawnInstance(def, 0, out);
    if (FAILED(hr)) {
        *out = NULL;
        rc = ofd_err_hresult(e, hr, "a new instance of WMI class %s", cls);
        goto out;
    }
    rc = OFD_OK;
out:
    if (def)
        IWbemClassObject_Release(def);
    return rc;
}

enum ofd_code wmi_put_instance(wmi_session *s, IWbemClassObject *inst, long flags, const char *what, ofd_err *e)
{
    HRESULT hr;

    s->calls++;
    s->writes++;
    hr = IWbemServices_PutInstance(s->svc, inst, flags, NULL, NULL);
    if (hr == (HRESULT)WBEM_E_ALREADY_EXISTS)
        return ofd_err_set(e, OFD_E_CONFLICT, "%s exists already (WBEM_E_ALREADY_EXISTS)", what);
    if (hr == (HRESULT)WBEM_E_NOT_FOUND)
        return ofd_err_set(e, OFD_E_NOTFOUND, "%s does not exist (WBEM_E_NOT_FOUND)", what);
    if (FAILED(hr))
        return ofd_err_hresult(e, hr, "writing %s", what);
    return OFD_OK;
}

enum ofd_code wmi_delete_instance(wmi_session *s, const char *path, ofd_err *e)
{
    BSTR bpath = NULL;
    HRESULT hr;
    enum ofd_code rc;

    if ((rc = path_bstr(path, &bpath, e)) != OFD_OK)
        goto out;
    s->calls++;
    s->writes++;
    hr = IWbemServices_DeleteInstance(s->svc, bpath, 0, NULL, NULL);
    if (hr == (HRESULT)WBEM_E_NOT_FOUND)
        rc = ofd_err_set(e, OFD_E_NOTFOUND, "WMI object %s does not exist", path);
    else if (FAILED(hr))
        rc = ofd_err_hresult(e, hr, "deleting WMI object %s", path);
    else
        rc = OFD_OK;
out:
    SysFreeString(bpath);
    return rc;
}

enum ofd_code wmi_put_variant(IWbemClassObject *o, const char *prop, VARIANT *v, ofd_err *e)
{
    wchar_t *wp = NULL;
    HRESULT hr;
    enum ofd_code rc;

    if (!(wp = ofd_utf8_to_wide(prop))) {
        rc = ofd_err_set(e, OFD_E_INVALID, "property name '%s' is not valid UTF-8", prop);
        goto out;
    }
    hr = IWbemClassObject_Put(o, wp, 0, v, 0);
    if (FAILED(hr)) {
        rc = ofd_err_hresult(e, hr, "setting WMI property %s (VARIANT type 0x%x)", prop, (unsigned)V_VT(v));
        goto out;
    }
    rc = OFD_OK;
out:
    free(wp);
    return rc;
}

char *wmi_object_path(const char *cls, const char *const *keys, const char *const *values, size_t n)
{
    struct strbuf b = {0};
    const char *p;
    size_t i;

    sb_append(&b, cls);
    for (i = 0; i < n; i++) {
        sb_printf(&b, "%c%s=\"", i ? ',' : '.', keys[i]);
        /* Inside an object path's quoted value, backslash and quote are escaped. */
        for (p = values[i]; *p; p++) {
            if (*p == '\\' || *p == '"')
                sb_appendc(&b, '\\');
            sb_appendc(&b, *p);
        }
        sb_appendc(&b, '"');
    }
    return sb_take(&b);
}

unsigned long wmi_write_count(const wmi_session *s)
{
    return s ? s->writes : 0;
}
