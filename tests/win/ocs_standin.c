/* The OCS 2007 R2 stand-in at the IWbemServices seam: three COM objects in plain C
 * (services, enumerator, class object / instance) over an in-memory instance store.
 * See ocs_standin.h. Single-threaded test code, but reference counts use Interlocked*
 * so a test that hands objects to another thread still counts right. */
#define COBJMACROS
#define CONST_VTABLE /* lpVtbl points to const: our vtables are static const */
#include "ocs_standin.h"

#include <oleauto.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

/* The WBEM codes are enumerators of an unsigned enum; HRESULT is signed. */
#define WE(x) ((HRESULT)(x))

/* ---- Schema ---------------------------------------------------------------------
 * Transcribed from Microsoft's Office Communications Server 2007 R2 WMI reference
 * (learn.microsoft.com, previous-versions/office/developer/communication-server-2007-r2),
 * not from agent/ocs_model.c: a wrong name or type in the agent's class map must show
 * up here as a rejection. Pages, one per class:
 *   MSFT_SIPListeningAddressData  dd185887(v=office.13)
 *   MSFT_SIPRoutingTableData      dd167403(v=office.13)
 *   MSFT_SIPRemoteAddressData     dd146524(v=office.13)
 *   MSFT_SIPDomainData            dd146629(v=office.13)
 *   MSFT_SIPPoolSetting           dd129963(v=office.13)
 * Properties are in the reference's (alphabetical) order, which is also the order of
 * the keys in __RELPATH. */
struct prop_def {
    const WCHAR *name;
    CIMTYPE type;
    int key;
};

struct class_def {
    const WCHAR *name;
    const struct prop_def *props;
    size_t nprops;
};

#define CIM_UINT8_ARRAY (CIM_UINT8 | CIM_FLAG_ARRAY)
#define CIM_STRING_ARRAY (CIM_STRING | CIM_FLAG_ARRAY)

/* One entry a line: these tables are read as lists. */
/* clang-format off */
static const struct prop_def listening_props[] = {
    {L"Enabled", CIM_BOOLEAN, 0},
    {L"InstanceID", CIM_STRING, 1},
    {L"IPAddress", CIM_STRING, 0},
    {L"Port", CIM_UINT32, 0},
    {L"TLSCertIssuer", CIM_UINT8_ARRAY, 0},
    {L"TLSCertSN", CIM_UINT8_ARRAY, 0},
    {L"TransportType", CIM_STRING, 0},
};

static const struct prop_def routing_props[] = {
    {L"Backend", CIM_STRING, 1},
    {L"Enabled", CIM_BOOLEAN, 0},
    {L"InstanceID", CIM_STRING, 1},
    {L"MatchURI", CIM_STRING, 0},
    {L"NextHop", CIM_STRING, 0},
    {L"NextHopPort", CIM_UINT32, 0},
    {L"NextHopTransport", CIM_STRING, 0},
    {L"ReplaceHostInRequestURI", CIM_BOOLEAN, 0},
    {L"TLSCertIssuer", CIM_UINT8_ARRAY, 0},
    {L"TLSCertSN", CIM_UINT8_ARRAY, 0},
};

static const struct prop_def remote_props[] = {
    {L"Backend", CIM_STRING, 1},
    {L"InstanceID", CIM_STRING, 1},
    {L"OutboundOnly", CIM_BOOLEAN, 0},
    {L"Server", CIM_STRING, 0},
    {L"ThrottleAsServer", CIM_BOOLEAN, 0},
    {L"TreatAsAuthenticated", CIM_BOOLEAN, 0},
};

/* R2 made this class forest-level: InstanceID is the only key and there is no Backend
 * (LCS 2005 had Address as its key). Authoritative is not in the brief's list. */
static const struct prop_def domain_props[] = {
    {L"Address", CIM_STRING, 0},
    {L"Authoritative", CIM_BOOLEAN, 0},
    {L"DefaultDomain", CIM_BOOLEAN, 0},
    {L"InstanceID", CIM_STRING, 1},
};

/* PoolType is a string in the R2 reference (and in LCS 2005), not a uint32. */
static const struct prop_def pool_props[] = {
    {L"Applications", CIM_STRING_ARRAY, 0},
    {L"ApplicationServerList", CIM_STRING_ARRAY, 0},
    {L"AppPoolType", CIM_STRING, 0},
    {L"BackEndDBPath", CIM_STRING, 0},
    {L"DefaultLocationProfile", CIM_STRING, 0},
    {L"DomainFQDN", CIM_STRING, 0},
    {L"InstanceID", CIM_STRING, 1},
    {L"MajorVersion", CIM_UINT32, 0},
    {L"MCUFactoryList", CIM_STRING_ARRAY, 0},
    {L"MinorVersion", CIM_UINT32, 0},
    {L"PoolDisplayName", CIM_STRING, 0},
    {L"PoolDN", CIM_STRING, 0},
    {L"PoolFQDN", CIM_STRING, 0},
    {L"PoolMemberList", CIM_STRING_ARRAY, 0},
    {L"PoolType", CIM_STRING, 0},
    {L"SupportIMPresence", CIM_BOOLEAN, 0},
    {L"SupportMeeting", CIM_BOOLEAN, 0},
    {L"TrustedMRASServer", CIM_STRING, 0},
    {L"TrustedQoSServer", CIM_STRING, 0},
    {L"WebComponentsServerList", CIM_STRING_ARRAY, 0},
};
/* clang-format on */

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const struct class_def classes[] = {
    {L"MSFT_SIPListeningAddressData", listening_props, N(listening_props)},
    {L"MSFT_SIPRoutingTableData", routing_props, N(routing_props)},
    {L"MSFT_SIPRemoteAddressData", remote_props, N(remote_props)},
    {L"MSFT_SIPDomainData", domain_props, N(domain_props)},
    {L"MSFT_SIPPoolSetting", pool_props, N(pool_props)},
};

/* len == (size_t)-1: name is NUL-terminated. */
static const struct class_def *class_find(const WCHAR *name, size_t len)
{
    size_t i;

    if (len == (size_t)-1)
        len = wcslen(name);
    for (i = 0; i < N(classes); i++)
        if (wcslen(classes[i].name) == len && _wcsnicmp(classes[i].name, name, len) == 0)
            return &classes[i];
    return NULL;
}

static long prop_index(const struct class_def *def, const WCHAR *name, size_t len)
{
    size_t i;

    if (len == (size_t)-1)
        len = wcslen(name);
    for (i = 0; i < def->nprops; i++)
        if (wcslen(def->props[i].name) == len && _wcsnicmp(def->props[i].name, name, len) == 0)
            return (long)i;
    return -1;
}

/* ---- Records: one instance's values, owned ---------------------------------------- */
struct record {
    const struct class_def *def;
    VARIANT *vals; /* def->nprops, VT_NULL when unset */
};

static HRESULT record_init(struct record *r, const struct class_def *def)
{
    size_t i;

    r->def = def;
    if (!(r->vals = calloc(def->nprops, sizeof(*r->vals))))
        return WE(WBEM_E_OUT_OF_MEMORY);
    for (i = 0; i < def->nprops; i++) {
        VariantInit(&r->vals[i]);
        V_VT(&r->vals[i]) = VT_NULL;
    }
    return S_OK;
}

static void record_clear(struct record *r)
{
    size_t i;

    if (!r->vals)
        return;
    for (i = 0; i < r->def->nprops; i++)
        VariantClear(&r->vals[i]);
    free(r->vals);
    r->vals = NULL;
}

/* Deep copy (VariantCopy copies BSTRs and SAFEARRAYs). dst is overwritten. */
static HRESULT record_copy(struct record *dst, const struct record *src)
{
    HRESULT hr;
    size_t i;

    if (FAILED(hr = record_init(dst, src->def)))
        return hr;
    for (i = 0; i < src->def->nprops; i++) {
        if (FAILED(VariantCopy(&dst->vals[i], &src->vals[i]))) {
            record_clear(dst);
            return WE(WBEM_E_OUT_OF_MEMORY);
        }
    }
    return S_OK;
}

/* Key values are strings in every class of the schema; WMI compares them without case. */
static int record_same_key(const struct record *a, const struct record *b)
{
    size_t i;

    if (a->def != b->def)
        return 0;
    for (i = 0; i < a->def->nprops; i++) {
        if (!a->def->props[i].key)
            continue;
        if (V_VT(&a->vals[i]) != VT_BSTR || V_VT(&b->vals[i]) != VT_BSTR)
            return 0;
        if (_wcsicmp(V_BSTR(&a->vals[i]) ? V_BSTR(&a->vals[i]) : L"", V_BSTR(&b->vals[i]) ? V_BSTR(&b->vals[i]) : L"")
            != 0)
            return 0;
    }
    return 1;
}

/* Is v acceptable for a property of type t? What WMI accepts on Windows: uint32 only
 * as VT_I4 (VT_UI4 is refused there, whatever Wine does), VT_NULL for any type. */
static HRESULT check_value(CIMTYPE t, const VARIANT *v)
{
    VARTYPE want;

    if (!v || V_VT(v) == VT_NULL)
        return S_OK;
    switch (t) {
    case CIM_STRING: want = VT_BSTR; break;
    case CIM_UINT32: want = VT_I4; break;
    case CIM_BOOLEAN: want = VT_BOOL; break;
    case CIM_UINT8_ARRAY: want = VT_ARRAY | VT_UI1; break;
    case CIM_STRING_ARRAY: want = VT_ARRAY | VT_BSTR; break;
    default: return WE(WBEM_E_TYPE_MISMATCH);
    }
    if (V_VT(v) != want)
        return WE(WBEM_E_TYPE_MISMATCH);
    if ((want & VT_ARRAY) && (!V_ARRAY(v) || SafeArrayGetDim(V_ARRAY(v)) != 1))
        return WE(WBEM_E_TYPE_MISMATCH);
    return S_OK;
}

/* ---- Wide string builder (for __RELPATH) ------------------------------------------ */
struct wbuf {
    WCHAR *p;
    size_t len, cap;
    int failed;
};

static void wb_add(struct wbuf *b, const WCHAR *s, size_t n)
{
    WCHAR *np;
    size_t cap;

    if (b->failed)
        return;
    if (b->len + n + 1 > b->cap) {
        cap = b->cap ? b->cap : 64;
        while (cap < b->len + n + 1)
            cap *= 2;
        if (!(np = realloc(b->p, cap * sizeof(*np)))) {
            b->failed = 1;
            return;
        }
        b->p = np;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n * sizeof(*s));
    b->len += n;
    b->p[b->len] = 0;
}

static void wb_str(struct wbuf *b, const WCHAR *s)
{
    wb_add(b, s, wcslen(s));
}

/* The relative path `Cls.K1="v1",K2="v2"` (backslash and quote escaped), or NULL when
 * a key is NULL (WMI gives no path to an instance without its keys). Malloc'ed. */
static WCHAR *record_relpath(const struct record *r, int is_class, int *oom)
{
    struct wbuf b = {0};
    const WCHAR *v;
    size_t i;
    int first = 1;

    *oom = 0;
    wb_str(&b, r->def->name);
    for (i = 0; !is_class && i < r->def->nprops; i++) {
        if (!r->def->props[i].key)
            continue;
        if (V_VT(&r->vals[i]) != VT_BSTR) {
            free(b.p);
            return NULL;
        }
        wb_str(&b, first ? L"." : L",");
        first = 0;
        wb_str(&b, r->def->props[i].name);
        wb_str(&b, L"=\"");
        for (v = V_BSTR(&r->vals[i]); v && *v; v++) {
            if (*v == L'\\' || *v == L'"')
                wb_add(&b, L"\\", 1);
            wb_add(&b, v, 1);
        }
        wb_str(&b, L"\"");
    }
    if (b.failed) {
        free(b.p);
        *oom = 1;
        return NULL;
    }
    return b.p;
}

/* ---- Shared counter ----------------------------------------------------------------
 * Every object holds the shared block; it goes with the last holder, so an object
 * released after ocs_standin_free still has somewhere to count. */
/* A qualifier a test declared on a property (ocs_standin_declare). */
struct decl {
    const struct class_def *def;
    long prop;
    BSTR name;
    VARIANT value; /* VT_ARRAY | VT_BSTR */
};

struct shared {
    LONG outstanding; /* references handed to callers and not released */
    LONG holders;     /* objects (and the stand-in) pointing here */
    LONG qualifier_sets;
    struct decl *decls; /* the class definitions' declared qualifiers, which class objects
                         * (and instances) still alive show */
    size_t ndecls;
};

static struct shared *shared_hold(struct shared *sh)
{
    InterlockedIncrement(&sh->holders);
    return sh;
}

static void shared_drop(struct shared *sh)
{
    size_t i;

    if (InterlockedDecrement(&sh->holders) != 0)
        return;
    for (i = 0; i < sh->ndecls; i++) {
        SysFreeString(sh->decls[i].name);
        VariantClear(&sh->decls[i].value);
    }
    free(sh->decls);
    free(sh);
}

/* ---- What the three COM objects share ------------------------------------------------
 * Each reference handed to a caller is also counted in sh->outstanding. */

/* QueryInterface of an object offering IUnknown and the one interface iid. */
static HRESULT query_interface(IUnknown *self, REFIID iid, REFIID riid, void **ppv)
{
    if (!ppv)
        return E_POINTER;
    if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, iid)) {
        *ppv = self;
        IUnknown_AddRef(self);
        return S_OK;
    }
    *ppv = NULL;
    return E_NOINTERFACE;
}

static ULONG counted_addref(LONG *refs, struct shared *sh)
{
    InterlockedIncrement(&sh->outstanding);
    return (ULONG)InterlockedIncrement(refs);
}

/* Returns the references left: at 0 the caller frees the object. */
static LONG counted_release(LONG *refs, struct shared *sh)
{
    InterlockedDecrement(&sh->outstanding);
    return InterlockedDecrement(refs);
}

/* A new object's first reference, handed to a caller: it holds sh. */
static void counted_init(LONG *refs, struct shared **slot, struct shared *sh)
{
    *refs = 1;
    *slot = shared_hold(sh);
    InterlockedIncrement(&sh->outstanding);
}

/* Clears the out-pointers given (each may be NULL) of a method that is not offered. */
static HRESULT not_supported(void **out1, void **out2)
{
    if (out1)
        *out1 = NULL;
    if (out2)
        *out2 = NULL;
    return WE(WBEM_E_NOT_SUPPORTED);
}

/* ---- IWbemQualifierSet: a property's qualifiers, a snapshot ----------------------------
 * key (VT_BOOL) on key properties and CIMTYPE (the element type's name, as WMI gives it
 * for an array too) on all, as the R2 reference's syntax blocks show them ([key], the
 * types), then what a test declared. Read-only: the agent never changes a definition. */
struct qset {
    IWbemQualifierSet IWbemQualifierSet_iface;
    LONG refs;
    struct shared *sh;
    BSTR *names;
    VARIANT *vals;
    size_t n;
    long pos; /* -1: no BeginEnumeration */
};

static const IWbemQualifierSetVtbl qset_vtbl;

static struct qset *impl_from_IWbemQualifierSet(IWbemQualifierSet *iface)
{
    return CONTAINING_RECORD(iface, struct qset, IWbemQualifierSet_iface);
}

static const WCHAR *cimtype_name(CIMTYPE t)
{
    switch (t & ~CIM_FLAG_ARRAY) {
    case CIM_STRING: return L"string";
    case CIM_UINT32: return L"uint32";
    case CIM_BOOLEAN: return L"boolean";
    case CIM_UINT8: return L"uint8";
    default: return L"object";
    }
}

static void qset_free(struct qset *q)
{
    size_t i;

    for (i = 0; i < q->n; i++) {
        SysFreeString(q->names[i]);
        VariantClear(&q->vals[i]);
    }
    free(q->names);
    free(q->vals);
    free(q);
}

/* Appends name = a copy of v. */
static HRESULT qset_add(struct qset *q, const WCHAR *name, const VARIANT *v)
{
    BSTR *nn;
    VARIANT *nv;

    if (!(nn = realloc(q->names, (q->n + 1) * sizeof(*nn))))
        return WE(WBEM_E_OUT_OF_MEMORY);
    q->names = nn;
    if (!(nv = realloc(q->vals, (q->n + 1) * sizeof(*nv))))
        return WE(WBEM_E_OUT_OF_MEMORY);
    q->vals = nv;
    VariantInit(&nv[q->n]);
    if (!(nn[q->n] = SysAllocString(name)))
        return WE(WBEM_E_OUT_OF_MEMORY);
    if (FAILED(VariantCopy(&nv[q->n], (VARIANT *)v))) {
        SysFreeString(nn[q->n]);
        return WE(WBEM_E_OUT_OF_MEMORY);
    }
    q->n++;
    return S_OK;
}

/* The qualifier set of property i of def (one counted reference). */
static HRESULT qset_create(struct shared *sh, const struct class_def *def, long i, IWbemQualifierSet **out)
{
    struct qset *q;
    VARIANT v;
    size_t k;
    HRESULT hr = S_OK;

    if (!(q = calloc(1, sizeof(*q))))
        return WE(WBEM_E_OUT_OF_MEMORY);
    q->IWbemQualifierSet_iface.lpVtbl = &qset_vtbl;
    q->pos = -1;
    VariantInit(&v);
    V_VT(&v) = VT_BSTR;
    if (!(V_BSTR(&v) = SysAllocString(cimtype_name(def->props[i].type))))
        hr = WE(WBEM_E_OUT_OF_MEMORY);
    if (SUCCEEDED(hr))
        hr = qset_add(q, L"CIMTYPE", &v);
    VariantClear(&v);
    if (SUCCEEDED(hr) && def->props[i].key) {
        V_VT(&v) = VT_BOOL;
        V_BOOL(&v) = VARIANT_TRUE;
        hr = qset_add(q, L"key", &v);
    }
    for (k = 0; SUCCEEDED(hr) && k < sh->ndecls; k++)
        if (sh->decls[k].def == def && sh->decls[k].prop == i)
            hr = qset_add(q, sh->decls[k].name, &sh->decls[k].value);
    if (FAILED(hr)) {
        qset_free(q);
        return hr;
    }
    counted_init(&q->refs, &q->sh, sh);
    *out = &q->IWbemQualifierSet_iface;
    return S_OK;
}

static long qset_find(const struct qset *q, LPCWSTR name)
{
    size_t i;

    for (i = 0; name && i < q->n; i++)
        if (_wcsicmp(q->names[i], name) == 0)
            return (long)i;
    return -1;
}

static HRESULT STDMETHODCALLTYPE qset_QueryInterface(IWbemQualifierSet *iface, REFIID riid, void **ppv)
{
    return query_interface((IUnknown *)iface, &IID_IWbemQualifierSet, riid, ppv);
}

static ULONG STDMETHODCALLTYPE qset_AddRef(IWbemQualifierSet *iface)
{
    struct qset *q = impl_from_IWbemQualifierSet(iface);

    return counted_addref(&q->refs, q->sh);
}

static ULONG STDMETHODCALLTYPE qset_Release(IWbemQualifierSet *iface)
{
    struct qset *q = impl_from_IWbemQualifierSet(iface);
    struct shared *sh = q->sh;
    LONG refs;

    if ((refs = counted_release(&q->refs, sh)) == 0) {
        qset_free(q);
        shared_drop(sh);
    }
    return (ULONG)refs;
}

static HRESULT STDMETHODCALLTYPE qset_Get(IWbemQualifierSet *iface, LPCWSTR name, LONG flags, VARIANT *val,
                                          LONG *flavor)
{
    struct qset *q = impl_from_IWbemQualifierSet(iface);
    long i = qset_find(q, name);

    (void)flags;
    if (i < 0)
        return WE(WBEM_E_NOT_FOUND);
    if (val) {
        VariantInit(val);
        if (FAILED(VariantCopy(val, &q->vals[i])))
            return WE(WBEM_E_OUT_OF_MEMORY);
    }
    if (flavor)
        *flavor = WBEM_FLAVOR_ORIGIN_LOCAL;
    return S_OK;
}

static HRESULT STDMETHODCALLTYPE qset_Put(IWbemQualifierSet *iface, LPCWSTR name, VARIANT *val, LONG flavor)
{
    return not_supported(NULL, NULL);
}

static HRESULT STDMETHODCALLTYPE qset_Delete(IWbemQualifierSet *iface, LPCWSTR name)
{
    return not_supported(NULL, NULL);
}

static HRESULT STDMETHODCALLTYPE qset_GetNames(IWbemQualifierSet *iface, LONG flags, SAFEARRAY **names)
{
    struct qset *q = impl_from_IWbemQualifierSet(iface);
    SAFEARRAY *sa;
    LONG i;

    (void)flags;
    if (!names)
        return WE(WBEM_E_INVALID_PARAMETER);
    if (!(sa = SafeArrayCreateVector(VT_BSTR, 0, (ULONG)q->n)))
        return WE(WBEM_E_OUT_OF_MEMORY);
    for (i = 0; i < (LONG)q->n; i++) {
        if (FAILED(SafeArrayPutElement(sa, &i, q->names[i]))) { /* copies the BSTR */
            SafeArrayDestroy(sa);
            return WE(WBEM_E_OUT_OF_MEMORY);
        }
    }
    *names = sa;
    return S_OK;
}

static HRESULT STDMETHODCALLTYPE qset_BeginEnumeration(IWbemQualifierSet *iface, LONG flags)
{
    (void)flags;
    impl_from_IWbemQualifierSet(iface)->pos = 0;
    return S_OK;
}

static HRESULT STDMETHODCALLTYPE qset_Next(IWbemQualifierSet *iface, LONG flags, BSTR *name, VARIANT *val, LONG *flavor)
{
    struct qset *q = impl_from_IWbemQualifierSet(iface);
    BSTR b = NULL;

    (void)flags;
    if (q->pos < 0)
        return WE(WBEM_E_UNEXPECTED);
    if ((size_t)q->pos >= q->n)
        return WE(WBEM_S_NO_MORE_DATA);
    if (name && !(b = SysAllocString(q->names[q->pos])))
        return WE(WBEM_E_OUT_OF_MEMORY);
    if (val) {
        VariantInit(val);
        if (FAILED(VariantCopy(val, &q->vals[q->pos]))) {
            SysFreeString(b);
            return WE(WBEM_E_OUT_OF_MEMORY);
        }
    }
    if (name)
        *name = b;
    if (flavor)
        *flavor = WBEM_FLAVOR_ORIGIN_LOCAL;
    q->pos++;
    return S_OK;
}

static HRESULT STDMETHODCALLTYPE qset_EndEnumeration(IWbemQualifierSet *iface)
{
    impl_from_IWbemQualifierSet(iface)->pos = -1;
    return S_OK;
}

static const IWbemQualifierSetVtbl qset_vtbl = {
    qset_QueryInterface, qset_AddRef,   qset_Release,          qset_Get,  qset_Put,
    qset_Delete,         qset_GetNames, qset_BeginEnumeration, qset_Next, qset_EndEnumeration,
};

/* ---- IWbemClassObject: class objects and instances --------------------------------- */
struct cobj {
    IWbemClassObject IWbemClassObject_iface;
    LONG refs;
    struct shared *sh;
    int is_class;
    struct record rec;
    long enum_pos; /* -1: no BeginEnumeration */
    LONG enum_flags;
};

static const IWbemClassObjectVtbl cobj_vtbl;

static struct cobj *impl_from_IWbemClassObject(IWbemClassObject *iface)
{
    return CONTAINING_RECORD(iface, struct cobj, IWbemClassObject_iface);
}

/* Ours, so its record can be read directly? (PutInstance may get a foreign object.) */
static struct cobj *cobj_unsafe_cast(IWbemClassObject *iface)
{
    return iface && iface->lpVtbl == &cobj_vtbl ? impl_from_IWbemClassObject(iface) : NULL;
}

/* A new object for a caller (one reference, counted). src NULL: every value NULL;
 * else a deep copy of src. */
static HRESULT cobj_create(struct shared *sh, const struct class_def *def, int is_class, const struct record *src,
                           IWbemClassObject **out)
{
    struct cobj *o;
    HRESULT hr;

    if (!(o = calloc(1, sizeof(*o))))
        return WE(WBEM_E_OUT_OF_MEMORY);
    hr = src ? record_copy(&o->rec, src) : record_init(&o->rec, def);
    if (FAILED(hr)) {
        free(o);
        return hr;
    }
    o->IWbemClassObject_iface.lpVtbl = &cobj_vtbl;
    counted_init(&o->refs, &o->sh, sh);
    o->is_class = is_class;
    o->enum_pos = -1;
    *out = &o->IWbemClassObject_iface;
    return S_OK;
}

static HRESULT STDMETHODCALLTYPE cobj_QueryInterface(IWbemClassObject *iface, REFIID riid, void **ppv)
{
    return query_interface((IUnknown *)iface, &IID_IWbemClassObject, riid, ppv);
}

static ULONG STDMETHODCALLTYPE cobj_AddRef(IWbemClassObject *iface)
{
    struct cobj *o = impl_from_IWbemClassObject(iface);

    return counted_addref(&o->refs, o->sh);
}

static ULONG STDMETHODCALLTYPE cobj_Release(IWbemClassObject *iface)
{
    struct cobj *o = impl_from_IWbemClassObject(iface);
    LONG refs;

    if ((refs = counted_release(&o->refs, o->sh)) == 0) {
        record_clear(&o->rec);
        shared_drop(o->sh);
        free(o);
    }
    return (ULONG)refs;
}

static HRESULT STDMETHODCALLTYPE cobj_GetQualifierSet(IWbemClassObject *iface, IWbemQualifierSet **set)
{
    return not_supported((void **)set, NULL);
}

static int is_system_name(const WCHAR *name)
{
    return name[0] == L'_' && name[1] == L'_';
}

/* __CLASS, __RELPATH, __PATH as VT_BSTR (the paths VT_NULL for an instance whose keys
 * are not all set). */
static HRESULT cobj_get_system(struct cobj *o, const WCHAR *name, VARIANT *v)
{
    WCHAR *rel = NULL;
    struct wbuf b = {0};
    int oom = 0;
    HRESULT hr;

    V_VT(v) = VT_NULL;
    if (_wcsicmp(name, L"__CLASS") == 0) {
        wb_str(&b, o->rec.def->name);
    } else if (_wcsicmp(name, L"__RELPATH") == 0 || _wcsicmp(name, L"__PATH") == 0) {
        rel = record_relpath(&o->rec, o->is_class, &oom);
        if (oom) {
            hr = WE(WBEM_E_OUT_OF_MEMORY);
            goto out;
        }
        if (!rel) {
            hr = S_OK; /* VT_NULL */
            goto out;
        }
        if (_wcsicmp(name, L"__PATH") == 0)
            wb_str(&b, L"\\\\.\\root\\cimv2:");
        wb_str(&b, rel);
    } else {
        hr = WE(WBEM_E_NOT_FOUND);
        goto out;
    }
    if (b.failed || !(V_BSTR(v) = SysAllocString(b.p))) {
        hr = WE(WBEM_E_OUT_OF_MEMORY);
        goto out;
    }
    V_VT(v) = VT_BSTR;
    hr = S_OK;
out:
    free(rel);
    free(b.p);
    return hr;
}

/* Get and Next on success: the VARIANT in *tmp moves to the caller (*tmp is left
 * empty), with its type and flavour; out-parameters given as NULL are skipped. */
static void give_value(VARIANT *tmp, CIMTYPE t, VARIANT *val, CIMTYPE *type, LONG *flavor)
{
    if (val) {
        VariantInit(val);
        *val = *tmp;
        VariantInit(tmp);
    }
    if (type)
        *type = t;
    if (flavor)
        *flavor = 0;
}

static HRESULT STDMETHODCALLTYPE cobj_Get(IWbemClassObject *iface, LPCWSTR name, LONG flags, VARIANT *val,
                                          CIMTYPE *type, LONG *flavor)
{
    struct cobj *o = impl_from_IWbemClassObject(iface);
    VARIANT tmp;
    CIMTYPE t;
    long i;
    HRESULT hr;

    (void)flags;
    VariantInit(&tmp);
    if (!name) {
        hr = WE(WBEM_E_INVALID_PARAMETER);
        goto out;
    }
    if (is_system_name(name)) {
        if (FAILED(hr = cobj_get_system(o, name, &tmp)))
            goto out;
        t = CIM_STRING;
    } else {
        if ((i = prop_index(o->rec.def, name, (size_t)-1)) < 0) {
            hr = WE(WBEM_E_NOT_FOUND);
            goto out;
        }
        if (FAILED(VariantCopy(&tmp, &o->rec.vals[i]))) {
            hr = WE(WBEM_E_OUT_OF_MEMORY);
            goto out;
        }
        t = o->rec.def->props[i].type;
    }
    give_value(&tmp, t, val, type, flavor);
    hr = S_OK;
out:
    VariantClear(&tmp);
    return hr;
}

static HRESULT STDMETHODCALLTYPE cobj_Put(IWbemClassObject *iface, LPCWSTR name, LONG flags, VARIANT *val, CIMTYPE type)
{
    struct cobj *o = impl_from_IWbemClassObject(iface);
    VARIANT tmp;
    long i;
    HRESULT hr;

    (void)flags;
    VariantInit(&tmp);
    if (!name) {
        hr = WE(WBEM_E_INVALID_PARAMETER);
        goto out;
    }
    if (is_system_name(name)) {
        hr = WE(WBEM_E_READ_ONLY);
        goto out;
    }
    if ((i = prop_index(o->rec.def, name, (size_t)-1)) < 0) {
        hr = WE(WBEM_E_NOT_FOUND);
        goto out;
    }
    /* The agent never changes a class definition (defaults); refuse rather than pretend. */
    if (o->is_class) {
        hr = WE(WBEM_E_NOT_SUPPORTED);
        goto out;
    }
    if (type != 0 && type != o->rec.def->props[i].type) {
        hr = WE(WBEM_E_TYPE_MISMATCH);
        goto out;
    }
    if (FAILED(hr = check_value(o->rec.def->props[i].type, val)))
        goto out;
    if (!val || V_VT(val) == VT_NULL)
        V_VT(&tmp) = VT_NULL;
    else if (FAILED(VariantCopy(&tmp, val))) {
        hr = WE(WBEM_E_OUT_OF_MEMORY);
        goto out;
    }
    VariantClear(&o->rec.vals[i]);
    o->rec.vals[i] = tmp;
    VariantInit(&tmp);
    hr = S_OK;
out:
    VariantClear(&tmp);
    return hr;
}

static HRESULT STDMETHODCALLTYPE cobj_Delete(IWbemClassObject *iface, LPCWSTR name)
{
    return not_supported(NULL, NULL);
}

/* The flags GetNames and BeginEnumeration honour: all properties (WBEM_FLAG_ALWAYS,
 * 0), the same without system ones (there are none in the list anyway), keys only. */
static int names_flags_ok(LONG flags)
{
    return (flags & ~(LONG)(WBEM_FLAG_NONSYSTEM_ONLY | WBEM_FLAG_KEYS_ONLY)) == 0;
}

static HRESULT STDMETHODCALLTYPE cobj_GetNames(IWbemClassObject *iface, LPCWSTR qualifier, LONG flags,
                                               VARIANT *qualifier_val, SAFEARRAY **names)
{
    struct cobj *o = impl_from_IWbemClassObject(iface);
    SAFEARRAY *sa = NULL;
    BSTR b = NULL;
    size_t i, n = 0;
    LONG at = 0;
    HRESULT hr;

    (void)qualifier_val;
    if (!names) {
        hr = WE(WBEM_E_INVALID_PARAMETER);
        goto out;
    }
    if (qualifier) {
        hr = WE(WBEM_E_NOT_SUPPORTED);
        goto out;
    }
    if (!names_flags_ok(flags)) {
        hr = WE(WBEM_E_INVALID_PARAMETER);
        goto out;
    }
    for (i = 0; i < o->rec.def->nprops; i++)
        if (!(flags & WBEM_FLAG_KEYS_ONLY) || o->rec.def->props[i].key)
            n++;
    if (!(sa = SafeArrayCreateVector(VT_BSTR, 0, (ULONG)n))) {
        hr = WE(WBEM_E_OUT_OF_MEMORY);
        goto out;
    }
    for (i = 0; i < o->rec.def->nprops; i++) {
        if ((flags & WBEM_FLAG_KEYS_ONLY) && !o->rec.def->props[i].key)
            continue;
        /* SafeArrayPutElement copies the BSTR; ours is freed either way. */
        if (!(b = SysAllocString(o->rec.def->props[i].name)) || FAILED(SafeArrayPutElement(sa, &at, b))) {
            hr = WE(WBEM_E_OUT_OF_MEMORY);
            goto out;
        }
        SysFreeString(b);
        b = NULL;
        at++;
    }
    *names = sa;
    sa = NULL;
    hr = S_OK;
out:
    SysFreeString(b);
    if (sa)
        SafeArrayDestroy(sa);
    return hr;
}

static HRESULT STDMETHODCALLTYPE cobj_BeginEnumeration(IWbemClassObject *iface, LONG flags)
{
    struct cobj *o = impl_from_IWbemClassObject(iface);

    if (!names_flags_ok(flags))
        return WE(WBEM_E_INVALID_PARAMETER);
    o->enum_pos = 0;
    o->enum_flags = flags;
    return S_OK;
}

/* Enumerates the schema properties (no system ones), like GetNames. */
static HRESULT STDMETHODCALLTYPE cobj_Next(IWbemClassObject *iface, LONG flags, BSTR *name, VARIANT *val, CIMTYPE *type,
                                           LONG *flavor)
{
    struct cobj *o = impl_from_IWbemClassObject(iface);
    VARIANT tmp;
    BSTR b = NULL;
    size_t i;
    HRESULT hr;

    (void)flags;
    VariantInit(&tmp);
    if (o->enum_pos < 0) {
        hr = WE(WBEM_E_UNEXPECTED);
        goto out;
    }
    for (i = (size_t)o->enum_pos; i < o->rec.def->nprops; i++)
        if (!(o->enum_flags & WBEM_FLAG_KEYS_ONLY) || o->rec.def->props[i].key)
            break;
    if (i >= o->rec.def->nprops) {
        o->enum_pos = (long)i;
        hr = WE(WBEM_S_NO_MORE_DATA);
        goto out;
    }
    if ((name && !(b = SysAllocString(o->rec.def->props[i].name)))
        || (val && FAILED(VariantCopy(&tmp, &o->rec.vals[i])))) {
        hr = WE(WBEM_E_OUT_OF_MEMORY);
        goto out;
    }
    if (name) {
        *name = b;
        b = NULL;
    }
    give_value(&tmp, o->rec.def->props[i].type, val, type, flavor);
    o->enum_pos = (long)i + 1;
    hr = S_OK;
out:
    SysFreeString(b);
    VariantClear(&tmp);
    return hr;
}

static HRESULT STDMETHODCALLTYPE cobj_EndEnumeration(IWbemClassObject *iface)
{
    impl_from_IWbemClassObject(iface)->enum_pos = -1;
    return S_OK;
}

/* A property's qualifiers, on the class and on its instances alike (WMI propagates the
 * class's to them). Counted. */
static HRESULT STDMETHODCALLTYPE cobj_GetPropertyQualifierSet(IWbemClassObject *iface, LPCWSTR prop,
                                                              IWbemQualifierSet **set)
{
    struct cobj *o = impl_from_IWbemClassObject(iface);
    long i;

    InterlockedIncrement(&o->sh->qualifier_sets);
    if (!set || !prop)
        return WE(WBEM_E_INVALID_PARAMETER);
    *set = NULL;
    if (is_system_name(prop))
        return WE(WBEM_E_SYSTEM_PROPERTY);
    if ((i = prop_index(o->rec.def, prop, (size_t)-1)) < 0)
        return WE(WBEM_E_NOT_FOUND);
    return qset_create(o->sh, o->rec.def, i, set);
}

static HRESULT STDMETHODCALLTYPE cobj_Clone(IWbemClassObject *iface, IWbemClassObject **copy)
{
    struct cobj *o = impl_from_IWbemClassObject(iface);

    if (!copy)
        return WE(WBEM_E_INVALID_PARAMETER);
    return cobj_create(o->sh, o->rec.def, o->is_class, &o->rec, copy);
}

static HRESULT STDMETHODCALLTYPE cobj_GetObjectText(IWbemClassObject *iface, LONG flags, BSTR *text)
{
    return not_supported((void **)text, NULL);
}

static HRESULT STDMETHODCALLTYPE cobj_SpawnDerivedClass(IWbemClassObject *iface, LONG flags, IWbemClassObject **cls)
{
    return not_supported((void **)cls, NULL);
}

static HRESULT STDMETHODCALLTYPE cobj_SpawnInstance(IWbemClassObject *iface, LONG flags, IWbemClassObject **inst)
{
    struct cobj *o = impl_from_IWbemClassObject(iface);

    (void)flags;
    if (!inst)
        return WE(WBEM_E_INVALID_PARAMETER);
    if (!o->is_class)
        return WE(WBEM_E_INVALID_OPERATION);
    return cobj_create(o->sh, o->rec.def, 0, NULL, inst);
}

static HRESULT STDMETHODCALLTYPE cobj_CompareTo(IWbemClassObject *iface, LONG flags, IWbemClassObject *other)
{
    return not_supported(NULL, NULL);
}

static HRESULT STDMETHODCALLTYPE cobj_GetPropertyOrigin(IWbemClassObject *iface, LPCWSTR name, BSTR *cls)
{
    return not_supported((void **)cls, NULL);
}

static HRESULT STDMETHODCALLTYPE cobj_InheritsFrom(IWbemClassObject *iface, LPCWSTR ancestor)
{
    return not_supported(NULL, NULL);
}

/* The OCS classes define no methods. */
static HRESULT STDMETHODCALLTYPE cobj_GetMethod(IWbemClassObject *iface, LPCWSTR name, LONG flags,
                                                IWbemClassObject **in, IWbemClassObject **outp)
{
    return not_supported((void **)in, (void **)outp);
}

static HRESULT STDMETHODCALLTYPE cobj_PutMethod(IWbemClassObject *iface, LPCWSTR name, LONG flags, IWbemClassObject *in,
                                                IWbemClassObject *outp)
{
    return not_supported(NULL, NULL);
}

static HRESULT STDMETHODCALLTYPE cobj_DeleteMethod(IWbemClassObject *iface, LPCWSTR name)
{
    return not_supported(NULL, NULL);
}

static HRESULT STDMETHODCALLTYPE cobj_BeginMethodEnumeration(IWbemClassObject *iface, LONG flags)
{
    return not_supported(NULL, NULL);
}

static HRESULT STDMETHODCALLTYPE cobj_NextMethod(IWbemClassObject *iface, LONG flags, BSTR *name, IWbemClassObject **in,
                                                 IWbemClassObject **outp)
{
    if (name)
        *name = NULL;
    return not_supported((void **)in, (void **)outp);
}

static HRESULT STDMETHODCALLTYPE cobj_EndMethodEnumeration(IWbemClassObject *iface)
{
    return not_supported(NULL, NULL);
}

static HRESULT STDMETHODCALLTYPE cobj_GetMethodQualifierSet(IWbemClassObject *iface, LPCWSTR method,
                                                            IWbemQualifierSet **set)
{
    return not_supported((void **)set, NULL);
}

static HRESULT STDMETHODCALLTYPE cobj_GetMethodOrigin(IWbemClassObject *iface, LPCWSTR method, BSTR *cls)
{
    return not_supported((void **)cls, NULL);
}

static const IWbemClassObjectVtbl cobj_vtbl = {
    cobj_QueryInterface,
    cobj_AddRef,
    cobj_Release,
    cobj_GetQualifierSet,
    cobj_Get,
    cobj_Put,
    cobj_Delete,
    cobj_GetNames,
    cobj_BeginEnumeration,
    cobj_Next,
    cobj_EndEnumeration,
    cobj_GetPropertyQualifierSet,
    cobj_Clone,
    cobj_GetObjectText,
    cobj_SpawnDerivedClass,
    cobj_SpawnInstance,
    cobj_CompareTo,
    cobj_GetPropertyOrigin,
    cobj_InheritsFrom,
    cobj_GetMethod,
    cobj_PutMethod,
    cobj_DeleteMethod,
    cobj_BeginMethodEnumeration,
    cobj_NextMethod,
    cobj_EndMethodEnumeration,
    cobj_GetMethodQualifierSet,
    cobj_GetMethodOrigin,
};

/* ---- IEnumWbemClassObject: a snapshot taken at query time -------------------------- */
struct enumr {
    IEnumWbemClassObject IEnumWbemClassObject_iface;
    LONG refs;
    struct shared *sh;
    struct record *rows;
    size_t n, pos;
};

static const IEnumWbemClassObjectVtbl enumr_vtbl;

static struct enumr *impl_from_IEnumWbemClassObject(IEnumWbemClassObject *iface)
{
    return CONTAINING_RECORD(iface, struct enumr, IEnumWbemClassObject_iface);
}

static void rows_free(struct record *rows, size_t n)
{
    size_t i;

    for (i = 0; rows && i < n; i++)
        record_clear(&rows[i]);
    free(rows);
}

/* Takes ownership of rows (freed on failure too). One counted reference. */
static HRESULT enumr_create(struct shared *sh, struct record *rows, size_t n, size_t pos, IEnumWbemClassObject **out)
{
    struct enumr *en;

    if (!(en = calloc(1, sizeof(*en)))) {
        rows_free(rows, n);
        return WE(WBEM_E_OUT_OF_MEMORY);
    }
    en->IEnumWbemClassObject_iface.lpVtbl = &enumr_vtbl;
    counted_init(&en->refs, &en->sh, sh);
    en->rows = rows;
    en->n = n;
    en->pos = pos;
    *out = &en->IEnumWbemClassObject_iface;
    return S_OK;
}

static HRESULT STDMETHODCALLTYPE enumr_QueryInterface(IEnumWbemClassObject *iface, REFIID riid, void **ppv)
{
    return query_interface((IUnknown *)iface, &IID_IEnumWbemClassObject, riid, ppv);
}

static ULONG STDMETHODCALLTYPE enumr_AddRef(IEnumWbemClassObject *iface)
{
    struct enumr *en = impl_from_IEnumWbemClassObject(iface);

    return counted_addref(&en->refs, en->sh);
}

static ULONG STDMETHODCALLTYPE enumr_Release(IEnumWbemClassObject *iface)
{
    struct enumr *en = impl_from_IEnumWbemClassObject(iface);
    LONG refs;

    if ((refs = counted_release(&en->refs, en->sh)) == 0) {
        rows_free(en->rows, en->n);
        shared_drop(en->sh);
        free(en);
    }
    return (ULONG)refs;
}

static HRESULT STDMETHODCALLTYPE enumr_Reset(IEnumWbemClassObject *iface)
{
    impl_from_IEnumWbemClassObject(iface)->pos = 0;
    return WE(WBEM_S_NO_ERROR);
}

static HRESULT STDMETHODCALLTYPE enumr_Next(IEnumWbemClassObject *iface, LONG timeout, ULONG count,
                                            IWbemClassObject **objs, ULONG *returned)
{
    struct enumr *en = impl_from_IEnumWbemClassObject(iface);
    ULONG got = 0, i;
    HRESULT hr;

    (void)timeout; /* the snapshot is complete: nothing to wait for */
    if (!objs || !returned || count == 0)
        return WE(WBEM_E_INVALID_PARAMETER);
    *returned = 0;
    while (got < count && en->pos < en->n) {
        if (FAILED(hr = cobj_create(en->sh, en->rows[en->pos].def, 0, &en->rows[en->pos], &objs[got]))) {
            for (i = 0; i < got; i++) {
                IWbemClassObject_Release(objs[i]);
                objs[i] = NULL;
            }
            en->pos -= got;
            return hr;
        }
        got++;
        en->pos++;
    }
    *returned = got;
    return got < count ? WE(WBEM_S_FALSE) : WE(WBEM_S_NO_ERROR);
}

static HRESULT STDMETHODCALLTYPE enumr_NextAsync(IEnumWbemClassObject *iface, ULONG count, IWbemObjectSink *sink)
{
    return not_supported(NULL, NULL);
}

static HRESULT STDMETHODCALLTYPE enumr_Clone(IEnumWbemClassObject *iface, IEnumWbemClassObject **out)
{
    struct enumr *en = impl_from_IEnumWbemClassObject(iface);
    struct record *rows = NULL;
    size_t i;

    if (!out)
        return WE(WBEM_E_INVALID_PARAMETER);
    if (en->n && !(rows = calloc(en->n, sizeof(*rows))))
        return WE(WBEM_E_OUT_OF_MEMORY);
    for (i = 0; i < en->n; i++) {
        if (FAILED(record_copy(&rows[i], &en->rows[i]))) {
            rows_free(rows, i);
            return WE(WBEM_E_OUT_OF_MEMORY);
        }
    }
    return enumr_create(en->sh, rows, en->n, en->pos, out);
}

static HRESULT STDMETHODCALLTYPE enumr_Skip(IEnumWbemClassObject *iface, LONG timeout, ULONG count)
{
    struct enumr *en = impl_from_IEnumWbemClassObject(iface);
    size_t left = en->n - en->pos;

    (void)timeout;
    if (count > left) {
        en->pos = en->n;
        return WE(WBEM_S_FALSE);
    }
    en->pos += count;
    return WE(WBEM_S_NO_ERROR);
}

static const IEnumWbemClassObjectVtbl enumr_vtbl = {
    enumr_QueryInterface, enumr_AddRef,    enumr_Release, enumr_Reset,
    enumr_Next,           enumr_NextAsync, enumr_Clone,   enumr_Skip,
};

/* ---- Parsing: object paths and WQL ------------------------------------------------- */
static int is_ident_char(WCHAR c)
{
    return (c >= L'a' && c <= L'z') || (c >= L'A' && c <= L'Z') || (c >= L'0' && c <= L'9') || c == L'_';
}

static int is_space(WCHAR c)
{
    return c == L' ' || c == L'\t' || c == L'\r' || c == L'\n';
}

/* A quoted literal at *p (opening quote q), backslash escapes decoded. Advances *p past
 * the closing quote. Returns a SysAlloc'ed BSTR, or NULL (unterminated: *bad = 1, or
 * out of memory: *bad = 0). */
static BSTR read_quoted(const WCHAR **p, int *bad)
{
    const WCHAR *s = *p;
    WCHAR q = *s++, *buf, *w;
    BSTR b;
    size_t n = 0;

    *bad = 0;
    while (s[n] && s[n] != q)
        n += (s[n] == L'\\' && s[n + 1]) ? 2 : 1;
    if (s[n] != q) {
        *bad = 1;
        return NULL;
    }
    if (!(buf = malloc((n + 1) * sizeof(*buf))))
        return NULL;
    for (w = buf; s < *p + 1 + n; s++) {
        if (*s == L'\\')
            s++;
        *w++ = *s;
    }
    *w = 0;
    *p = s + 1;
    b = SysAllocString(buf);
    free(buf);
    return b;
}

/* Parses `[\\server\namespace:]Class[.Key="v",...|="v"]` into keys (a record with the
 * key values set) and whether it names the class itself. */
static HRESULT path_parse(const WCHAR *path, struct record *keys, int *is_class)
{
    const WCHAR *p = path, *id;
    const struct class_def *def;
    BSTR v = NULL;
    long k;
    size_t i, nkeys = 0;
    int bad;
    HRESULT hr;

    keys->vals = NULL;
    if (!path) {
        hr = WE(WBEM_E_INVALID_PARAMETER);
        goto out;
    }
    if (p[0] == L'\\' && p[1] == L'\\') {
        if (!(p = wcschr(p, L':'))) {
            hr = WE(WBEM_E_INVALID_OBJECT_PATH);
            goto out;
        }
        p++;
    }
    for (id = p; is_ident_char(*p); p++)
        ;
    if (p == id) {
        hr = WE(WBEM_E_INVALID_OBJECT_PATH);
        goto out;
    }
    if (!(def = class_find(id, (size_t)(p - id)))) {
        hr = WE(WBEM_E_INVALID_CLASS);
        goto out;
    }
    if (FAILED(hr = record_init(keys, def)))
        goto out;
    if (!*p) {
        *is_class = 1;
        hr = S_OK;
        goto out;
    }
    for (i = 0; i < def->nprops; i++)
        nkeys += def->props[i].key != 0;
    if (*p != L'.' && *p != L'=') {
        hr = WE(WBEM_E_INVALID_OBJECT_PATH);
        goto out;
    }
    while (*p) {
        if (*p == L'=') { /* Cls="v": the one key of a single-key class */
            for (k = 0; k < (long)def->nprops && !def->props[k].key; k++)
                ;
            if (nkeys != 1 || p != id + wcslen(def->name)) {
                hr = WE(WBEM_E_INVALID_OBJECT_PATH);
                goto out;
            }
        } else {
            for (id = ++p; is_ident_char(*p); p++)
                ;
            k = prop_index(def, id, (size_t)(p - id));
            if (k < 0 || !def->props[k].key || *p != L'=' || V_VT(&keys->vals[k]) != VT_NULL) {
                hr = WE(WBEM_E_INVALID_OBJECT_PATH);
                goto out;
            }
        }
        p++; /* '=' */
        if (*p == L'"' || *p == L'\'') {
            if (!(v = read_quoted(&p, &bad))) {
                hr = bad ? WE(WBEM_E_INVALID_OBJECT_PATH) : WE(WBEM_E_OUT_OF_MEMORY);
                goto out;
            }
        } else { /* unquoted (numeric) key value */
            for (id = p; *p && *p != L','; p++)
                ;
            if (p == id || !(v = SysAllocStringLen(id, (UINT)(p - id)))) {
                hr = p == id ? WE(WBEM_E_INVALID_OBJECT_PATH) : WE(WBEM_E_OUT_OF_MEMORY);
                goto out;
            }
        }
        V_VT(&keys->vals[k]) = VT_BSTR;
        V_BSTR(&keys->vals[k]) = v;
        v = NULL;
        if (*p && *p != L',') {
            hr = WE(WBEM_E_INVALID_OBJECT_PATH);
            goto out;
        }
    }
    for (i = 0; i < def->nprops; i++) {
        if (def->props[i].key && V_VT(&keys->vals[i]) == VT_NULL) {
            hr = WE(WBEM_E_INVALID_OBJECT_PATH);
            goto out;
        }
    }
    *is_class = 0;
    hr = S_OK;
out:
    SysFreeString(v);
    if (FAILED(hr))
        record_clear(keys);
    return hr;
}

/* WQL: SELECT * | Prop[, Prop...] FROM Cls [WHERE Prop = literal [AND ...]]. */
#define MAX_CONDS 16

struct cond {
    long prop;
    BSTR s;  /* string literal (CIM_STRING) */
    ULONG u; /* CIM_UINT32, CIM_BOOLEAN (0/1) */
};

struct query {
    const struct class_def *def;
    struct cond conds[MAX_CONDS];
    size_t nconds;
};

static void query_clear(struct query *q)
{
    size_t i;

    for (i = 0; i < q->nconds; i++)
        SysFreeString(q->conds[i].s);
    q->nconds = 0;
}

static void skip_ws(const WCHAR **p)
{
    while (is_space(**p))
        (*p)++;
}

/* Reads an identifier into *id / *len (not copied); 0 if there is none. */
static int read_ident(const WCHAR **p, const WCHAR **id, size_t *len)
{
    skip_ws(p);
    *id = *p;
    while (is_ident_char(**p))
        (*p)++;
    *len = (size_t)(*p - *id);
    return *len > 0;
}

static int ident_is(const WCHAR *id, size_t len, const WCHAR *kw)
{
    return wcslen(kw) == len && _wcsnicmp(id, kw, len) == 0;
}

static int accept_keyword(const WCHAR **p, const WCHAR *kw)
{
    const WCHAR *save = *p, *id;
    size_t len;

    if (read_ident(p, &id, &len) && ident_is(id, len, kw))
        return 1;
    *p = save;
    return 0;
}

static int accept_char(const WCHAR **p, WCHAR c)
{
    skip_ws(p);
    if (**p != c)
        return 0;
    (*p)++;
    return 1;
}

/* A decimal number up to 0xFFFFFFFF in s (all of it). */
static int parse_uint32(const WCHAR *s, size_t len, ULONG *out)
{
    ULONGLONG v = 0;
    size_t i;

    if (len == 0 || len > 10)
        return 0;
    for (i = 0; i < len; i++) {
        if (s[i] < L'0' || s[i] > L'9')
            return 0;
        v = v * 10 + (ULONGLONG)(s[i] - L'0');
    }
    if (v > 0xFFFFFFFFull)
        return 0;
    *out = (ULONG)v;
    return 1;
}

/* One `Prop = literal`, typed by the property: strings want a quoted literal; uint32 a
 * number (quoted or not, as WMI converts); boolean TRUE/FALSE or 0/1. */
static HRESULT parse_cond(const WCHAR **p, const struct class_def *def, struct cond *c)
{
    const WCHAR *id;
    size_t len;
    CIMTYPE t;
    BSTR s = NULL;
    int bad;
    HRESULT hr;

    memset(c, 0, sizeof(*c));
    if (!read_ident(p, &id, &len) || !accept_char(p, L'=')) {
        hr = WE(WBEM_E_INVALID_QUERY);
        goto out;
    }
    if ((c->prop = prop_index(def, id, len)) < 0) {
        hr = WE(WBEM_E_INVALID_QUERY);
        goto out;
    }
    t = def->props[c->prop].type;
    skip_ws(p);
    if (**p == L'\'' || **p == L'"') {
        if (!(s = read_quoted(p, &bad))) {
            hr = bad ? WE(WBEM_E_INVALID_QUERY) : WE(WBEM_E_OUT_OF_MEMORY);
            goto out;
        }
        if (t == CIM_STRING) {
            c->s = s;
            s = NULL;
        } else if (t != CIM_UINT32 || !parse_uint32(s, SysStringLen(s), &c->u)) {
            hr = WE(WBEM_E_INVALID_QUERY);
            goto out;
        }
    } else {
        if (!read_ident(p, &id, &len)) {
            hr = WE(WBEM_E_INVALID_QUERY);
            goto out;
        }
        if (t == CIM_BOOLEAN && (ident_is(id, len, L"TRUE") || ident_is(id, len, L"FALSE")))
            c->u = ident_is(id, len, L"TRUE");
        else if ((t != CIM_UINT32 && t != CIM_BOOLEAN) || !parse_uint32(id, len, &c->u)
                 || (t == CIM_BOOLEAN && c->u > 1)) {
            hr = WE(WBEM_E_INVALID_QUERY);
            goto out;
        }
    }
    hr = S_OK;
out:
    SysFreeString(s);
    return hr;
}

static HRESULT query_parse(const WCHAR *wql, struct query *q)
{
    const WCHAR *p = wql, *id;
    size_t len;
    HRESULT hr;
    struct {
        const WCHAR *id;
        size_t len;
    } sel[MAX_CONDS];
    size_t nsel = 0, i;

    q->def = NULL;
    q->nconds = 0;
    if (!accept_keyword(&p, L"SELECT")) {
        hr = WE(WBEM_E_INVALID_QUERY);
        goto out;
    }
    if (!accept_char(&p, L'*')) {
        /* A property list is checked against the class but not applied: every row
         * carries all its properties (real WMI would leave the others out). */
        do {
            if (nsel == MAX_CONDS || !read_ident(&p, &sel[nsel].id, &sel[nsel].len)) {
                hr = WE(WBEM_E_INVALID_QUERY);
                goto out;
            }
            nsel++;
        } while (accept_char(&p, L','));
    }
    if (!accept_keyword(&p, L"FROM") || !read_ident(&p, &id, &len)) {
        hr = WE(WBEM_E_INVALID_QUERY);
        goto out;
    }
    if (!(q->def = class_find(id, len))) {
        hr = WE(WBEM_E_INVALID_CLASS);
        goto out;
    }
    for (i = 0; i < nsel; i++) {
        if (prop_index(q->def, sel[i].id, sel[i].len) < 0 && !ident_is(sel[i].id, sel[i].len, L"__RELPATH")
            && !ident_is(sel[i].id, sel[i].len, L"__PATH") && !ident_is(sel[i].id, sel[i].len, L"__CLASS")) {
            hr = WE(WBEM_E_INVALID_QUERY);
            goto out;
        }
    }
    if (accept_keyword(&p, L"WHERE")) {
        do {
            if (q->nconds == MAX_CONDS) {
                hr = WE(WBEM_E_INVALID_QUERY);
                goto out;
            }
            if (FAILED(hr = parse_cond(&p, q->def, &q->conds[q->nconds])))
                goto out;
            q->nconds++;
        } while (accept_keyword(&p, L"AND"));
    }
    skip_ws(&p);
    if (*p) {
        hr = WE(WBEM_E_INVALID_QUERY);
        goto out;
    }
    hr = S_OK;
out:
    if (FAILED(hr))
        query_clear(q);
    return hr;
}

static int query_matches(const struct query *q, const struct record *r)
{
    const VARIANT *v;
    size_t i;

    if (r->def != q->def)
        return 0;
    for (i = 0; i < q->nconds; i++) {
        v = &r->vals[q->conds[i].prop];
        switch (q->def->props[q->conds[i].prop].type) {
        case CIM_STRING:
            if (V_VT(v) != VT_BSTR || _wcsicmp(V_BSTR(v) ? V_BSTR(v) : L"", q->conds[i].s ? q->conds[i].s : L""))
                return 0;
            break;
        case CIM_UINT32:
            if (V_VT(v) != VT_I4 || (ULONG)V_I4(v) != q->conds[i].u)
                return 0;
            break;
        case CIM_BOOLEAN:
            if (V_VT(v) != VT_BOOL || (V_BOOL(v) != VARIANT_FALSE) != (q->conds[i].u != 0))
                return 0;
            break;
        default: return 0;
        }
    }
    return 1;
}

/* ---- IWbemServices: the stand-in itself -------------------------------------------- */
struct ocs_standin {
    IWbemServices IWbemServices_iface;
    LONG refs; /* the stand-in's own reference plus the callers' */
    struct shared *sh;
    struct record *insts;
    size_t n, cap;
    struct ocs_standin_counts counts;
};

static const IWbemServicesVtbl svc_vtbl;

static struct ocs_standin *impl_from_IWbemServices(IWbemServices *iface)
{
    return CONTAINING_RECORD(iface, struct ocs_standin, IWbemServices_iface);
}

static void standin_destroy(struct ocs_standin *s)
{
    rows_free(s->insts, s->n);
    shared_drop(s->sh);
    free(s);
}

/* Counts a WBEM error answer; returns hr. */
static HRESULT answer(struct ocs_standin *s, HRESULT hr)
{
    if (FAILED(hr))
        s->counts.rejected++;
    return hr;
}

static long store_find(const struct ocs_standin *s, const struct record *keys)
{
    size_t i;

    for (i = 0; i < s->n; i++)
        if (record_same_key(&s->insts[i], keys))
            return (long)i;
    return -1;
}

/* Parses path into keys (the caller clears them, also on failure) and, when it names an
 * instance, finds it in the store: its index in *at (-1 for a class path). Returns S_OK,
 * or the parse error, or WBEM_E_NOT_FOUND. */
static HRESULT store_lookup(const struct ocs_standin *s, const WCHAR *path, struct record *keys, int *is_class,
                            long *at)
{
    HRESULT hr;

    *at = -1;
    if (FAILED(hr = path_parse(path, keys, is_class)) || *is_class)
        return hr;
    if ((*at = store_find(s, keys)) < 0)
        return WE(WBEM_E_NOT_FOUND);
    return S_OK;
}

/* PutInstance on the store: a deep copy of r replaces the instance with the same keys
 * (all of it: WMI does not merge) or is added. */
static HRESULT store_put(struct ocs_standin *s, const struct record *r, LONG flags)
{
    const LONG mode = flags & (WBEM_FLAG_CREATE_ONLY | WBEM_FLAG_UPDATE_ONLY);
    struct record copy = {0}, *grown;
    size_t i, cap;
    long at;
    HRESULT hr;

    if (mode == (WBEM_FLAG_CREATE_ONLY | WBEM_FLAG_UPDATE_ONLY)
        || (flags & ~(LONG)(WBEM_FLAG_CREATE_ONLY | WBEM_FLAG_UPDATE_ONLY | WBEM_FLAG_USE_AMENDED_QUALIFIERS)))
        return WE(WBEM_E_INVALID_PARAMETER);
    for (i = 0; i < r->def->nprops; i++)
        if (r->def->props[i].key && V_VT(&r->vals[i]) == VT_NULL)
            return WE(WBEM_E_ILLEGAL_NULL);
    at = store_find(s, r);
    if (at >= 0 && mode == WBEM_FLAG_CREATE_ONLY)
        return WE(WBEM_E_ALREADY_EXISTS);
    if (at < 0 && mode == WBEM_FLAG_UPDATE_ONLY)
        return WE(WBEM_E_NOT_FOUND);
    if (FAILED(hr = record_copy(&copy, r)))
        return hr;
    if (at >= 0) {
        record_clear(&s->insts[at]);
        s->insts[at] = copy;
        return S_OK;
    }
    if (s->n == s->cap) {
        cap = s->cap ? 2 * s->cap : 8;
        if (!(grown = realloc(s->insts, cap * sizeof(*grown)))) {
            record_clear(&copy);
            return WE(WBEM_E_OUT_OF_MEMORY);
        }
        s->insts = grown;
        s->cap = cap;
    }
    s->insts[s->n++] = copy;
    return S_OK;
}

/* A method the stand-in does not offer: see not_supported; counted as a rejection. */
static HRESULT svc_not_supported(IWbemServices *iface, void **out1, void **out2)
{
    return answer(impl_from_IWbemServices(iface), not_supported(out1, out2));
}

static HRESULT STDMETHODCALLTYPE svc_QueryInterface(IWbemServices *iface, REFIID riid, void **ppv)
{
    return query_interface((IUnknown *)iface, &IID_IWbemServices, riid, ppv);
}

static ULONG STDMETHODCALLTYPE svc_AddRef(IWbemServices *iface)
{
    struct ocs_standin *s = impl_from_IWbemServices(iface);

    return counted_addref(&s->refs, s->sh);
}

static ULONG STDMETHODCALLTYPE svc_Release(IWbemServices *iface)
{
    struct ocs_standin *s = impl_from_IWbemServices(iface);
    LONG refs;

    if ((refs = counted_release(&s->refs, s->sh)) == 0)
        standin_destroy(s);
    return (ULONG)refs;
}

static HRESULT STDMETHODCALLTYPE svc_OpenNamespace(IWbemServices *iface, const BSTR ns, LONG flags, IWbemContext *ctx,
                                                   IWbemServices **out, IWbemCallResult **result)
{
    return svc_not_supported(iface, (void **)out, (void **)result);
}

static HRESULT STDMETHODCALLTYPE svc_CancelAsyncCall(IWbemServices *iface, IWbemObjectSink *sink)
{
    return svc_not_supported(iface, NULL, NULL);
}

static HRESULT STDMETHODCALLTYPE svc_QueryObjectSink(IWbemServices *iface, LONG flags, IWbemObjectSink **sink)
{
    return svc_not_supported(iface, (void **)sink, NULL);
}

static HRESULT STDMETHODCALLTYPE svc_GetObject(IWbemServices *iface, const BSTR path, LONG flags, IWbemContext *ctx,
                                               IWbemClassObject **obj, IWbemCallResult **result)
{
    struct ocs_standin *s = impl_from_IWbemServices(iface);
    struct record keys = {0};
    int is_class = 0;
    long at;
    HRESULT hr;

    (void)flags;
    (void)ctx;
    s->counts.get_objects++;
    if (result)
        *result = NULL;
    if (!obj) {
        hr = WE(WBEM_E_INVALID_PARAMETER);
        goto out;
    }
    *obj = NULL;
    /* An empty path asks WMI for a new, empty class: the agent defines no classes. */
    if (!path || !*path) {
        hr = WE(WBEM_E_NOT_SUPPORTED);
        goto out;
    }
    if (FAILED(hr = store_lookup(s, path, &keys, &is_class, &at)))
        goto out;
    hr = cobj_create(s->sh, keys.def, is_class, is_class ? NULL : &s->insts[at], obj);
out:
    record_clear(&keys);
    return answer(s, hr);
}

static HRESULT STDMETHODCALLTYPE svc_GetObjectAsync(IWbemServices *iface, const BSTR path, LONG flags,
                                                    IWbemContext *ctx, IWbemObjectSink *sink)
{
    return svc_not_supported(iface, NULL, NULL);
}

static HRESULT STDMETHODCALLTYPE svc_PutClass(IWbemServices *iface, IWbemClassObject *obj, LONG flags,
                                              IWbemContext *ctx, IWbemCallResult **result)
{
    return svc_not_supported(iface, (void **)result, NULL);
}

static HRESULT STDMETHODCALLTYPE svc_PutClassAsync(IWbemServices *iface, IWbemClassObject *obj, LONG flags,
                                                   IWbemContext *ctx, IWbemObjectSink *sink)
{
    return svc_not_supported(iface, NULL, NULL);
}

static HRESULT STDMETHODCALLTYPE svc_DeleteClass(IWbemServices *iface, const BSTR cls, LONG flags, IWbemContext *ctx,
                                                 IWbemCallResult **result)
{
    return svc_not_supported(iface, (void **)result, NULL);
}

static HRESULT STDMETHODCALLTYPE svc_DeleteClassAsync(IWbemServices *iface, const BSTR cls, LONG flags,
                                                      IWbemContext *ctx, IWbemObjectSink *sink)
{
    return svc_not_supported(iface, NULL, NULL);
}

static HRESULT STDMETHODCALLTYPE svc_CreateClassEnum(IWbemServices *iface, const BSTR super, LONG flags,
                                                     IWbemContext *ctx, IEnumWbemClassObject **out)
{
    return svc_not_supported(iface, (void **)out, NULL);
}

static HRESULT STDMETHODCALLTYPE svc_CreateClassEnumAsync(IWbemServices *iface, const BSTR super, LONG flags,
                                                          IWbemContext *ctx, IWbemObjectSink *sink)
{
    return svc_not_supported(iface, NULL, NULL);
}

static HRESULT STDMETHODCALLTYPE svc_PutInstance(IWbemServices *iface, IWbemClassObject *inst, LONG flags,
                                                 IWbemContext *ctx, IWbemCallResult **result)
{
    struct ocs_standin *s = impl_from_IWbemServices(iface);
    struct cobj *o = cobj_unsafe_cast(inst);
    HRESULT hr;

    (void)ctx;
    s->counts.puts++;
    if (result)
        *result = NULL;
    /* Only our own instances: a foreign object's class could not be trusted anyway. */
    if (!o || o->is_class)
        hr = WE(WBEM_E_INVALID_PARAMETER);
    else
        hr = store_put(s, &o->rec, flags);
    return answer(s, hr);
}

static HRESULT STDMETHODCALLTYPE svc_PutInstanceAsync(IWbemServices *iface, IWbemClassObject *inst, LONG flags,
                                                      IWbemContext *ctx, IWbemObjectSink *sink)
{
    return svc_not_supported(iface, NULL, NULL);
}

static HRESULT STDMETHODCALLTYPE svc_DeleteInstance(IWbemServices *iface, const BSTR path, LONG flags,
                                                    IWbemContext *ctx, IWbemCallResult **result)
{
    struct ocs_standin *s = impl_from_IWbemServices(iface);
    struct record keys = {0};
    int is_class = 0;
    long at;
    HRESULT hr;

    (void)flags;
    (void)ctx;
    s->counts.deletes++;
    if (result)
        *result = NULL;
    if (FAILED(hr = store_lookup(s, path, &keys, &is_class, &at)))
        goto out;
    if (is_class) {
        hr = WE(WBEM_E_INVALID_OBJECT_PATH);
        goto out;
    }
    record_clear(&s->insts[at]);
    memmove(&s->insts[at], &s->insts[at + 1], (s->n - (size_t)at - 1) * sizeof(*s->insts));
    s->n--;
    hr = S_OK;
out:
    record_clear(&keys);
    return answer(s, hr);
}

static HRESULT STDMETHODCALLTYPE svc_DeleteInstanceAsync(IWbemServices *iface, const BSTR path, LONG flags,
                                                         IWbemContext *ctx, IWbemObjectSink *sink)
{
    return svc_not_supported(iface, NULL, NULL);
}

static HRESULT STDMETHODCALLTYPE svc_CreateInstanceEnum(IWbemServices *iface, const BSTR filter, LONG flags,
                                                        IWbemContext *ctx, IEnumWbemClassObject **out)
{
    return svc_not_supported(iface, (void **)out, NULL);
}

static HRESULT STDMETHODCALLTYPE svc_CreateInstanceEnumAsync(IWbemServices *iface, const BSTR filter, LONG flags,
                                                             IWbemContext *ctx, IWbemObjectSink *sink)
{
    return svc_not_supported(iface, NULL, NULL);
}

static HRESULT STDMETHODCALLTYPE svc_ExecQuery(IWbemServices *iface, const BSTR lang, const BSTR wql, LONG flags,
                                               IWbemContext *ctx, IEnumWbemClassObject **out)
{
    struct ocs_standin *s = impl_from_IWbemServices(iface);
    struct query q = {0};
    struct record *rows = NULL;
    size_t i, n = 0;
    HRESULT hr;

    (void)flags; /* forward-only / return-immediately change nothing for a snapshot */
    (void)ctx;
    s->counts.queries++;
    if (!out || !lang || !wql) {
        hr = WE(WBEM_E_INVALID_PARAMETER);
        goto out;
    }
    *out = NULL;
    if (_wcsicmp(lang, L"WQL") != 0) {
        hr = WE(WBEM_E_INVALID_QUERY_TYPE);
        goto out;
    }
    if (FAILED(hr = query_parse(wql, &q)))
        goto out;
    if (s->n && !(rows = calloc(s->n, sizeof(*rows)))) {
        hr = WE(WBEM_E_OUT_OF_MEMORY);
        goto out;
    }
    for (i = 0; i < s->n; i++) {
        if (!query_matches(&q, &s->insts[i]))
            continue;
        if (FAILED(hr = record_copy(&rows[n], &s->insts[i])))
            goto out;
        n++;
    }
    hr = enumr_create(s->sh, rows, n, 0, out);
    rows = NULL; /* the enumerator owns them, or freed them */
out:
    rows_free(rows, n);
    query_clear(&q);
    return answer(s, hr);
}

static HRESULT STDMETHODCALLTYPE svc_ExecQueryAsync(IWbemServices *iface, const BSTR lang, const BSTR wql, LONG flags,
                                                    IWbemContext *ctx, IWbemObjectSink *sink)
{
    return svc_not_supported(iface, NULL, NULL);
}

static HRESULT STDMETHODCALLTYPE svc_ExecNotificationQuery(IWbemServices *iface, const BSTR lang, const BSTR wql,
                                                           LONG flags, IWbemContext *ctx, IEnumWbemClassObject **out)
{
    return svc_not_supported(iface, (void **)out, NULL);
}

static HRESULT STDMETHODCALLTYPE svc_ExecNotificationQueryAsync(IWbemServices *iface, const BSTR lang, const BSTR wql,
                                                                LONG flags, IWbemContext *ctx, IWbemObjectSink *sink)
{
    return svc_not_supported(iface, NULL, NULL);
}

/* The OCS classes define no methods; counted so a test sees the agent trying one. */
static HRESULT STDMETHODCALLTYPE svc_ExecMethod(IWbemServices *iface, const BSTR path, const BSTR method, LONG flags,
                                                IWbemContext *ctx, IWbemClassObject *in, IWbemClassObject **outp,
                                                IWbemCallResult **result)
{
    impl_from_IWbemServices(iface)->counts.methods++;
    return svc_not_supported(iface, (void **)outp, (void **)result);
}

static HRESULT STDMETHODCALLTYPE svc_ExecMethodAsync(IWbemServices *iface, const BSTR path, const BSTR method,
                                                     LONG flags, IWbemContext *ctx, IWbemClassObject *in,
                                                     IWbemObjectSink *sink)
{
    return svc_not_supported(iface, NULL, NULL);
}

static const IWbemServicesVtbl svc_vtbl = {
    svc_QueryInterface,
    svc_AddRef,
    svc_Release,
    svc_OpenNamespace,
    svc_CancelAsyncCall,
    svc_QueryObjectSink,
    svc_GetObject,
    svc_GetObjectAsync,
    svc_PutClass,
    svc_PutClassAsync,
    svc_DeleteClass,
    svc_DeleteClassAsync,
    svc_CreateClassEnum,
    svc_CreateClassEnumAsync,
    svc_PutInstance,
    svc_PutInstanceAsync,
    svc_DeleteInstance,
    svc_DeleteInstanceAsync,
    svc_CreateInstanceEnum,
    svc_CreateInstanceEnumAsync,
    svc_ExecQuery,
    svc_ExecQueryAsync,
    svc_ExecNotificationQuery,
    svc_ExecNotificationQueryAsync,
    svc_ExecMethod,
    svc_ExecMethodAsync,
};

/* ---- Public functions -------------------------------------------------------------- */
struct ocs_standin *ocs_standin_new(void)
{
    struct ocs_standin *s;

    if (!(s = calloc(1, sizeof(*s))))
        return NULL;
    if (!(s->sh = calloc(1, sizeof(*s->sh)))) {
        free(s);
        return NULL;
    }
    s->sh->holders = 1;
    s->IWbemServices_iface.lpVtbl = &svc_vtbl;
    s->refs = 1; /* the stand-in's own, not counted as outstanding */
    return s;
}

IWbemServices *ocs_standin_services(struct ocs_standin *s)
{
    return &s->IWbemServices_iface;
}

HRESULT ocs_standin_seed(struct ocs_standin *s, const WCHAR *cls, ...)
{
    const struct class_def *def;
    struct record r = {0};
    const WCHAR *name;
    VARIANT *v;
    va_list ap;
    long i;
    HRESULT hr;

    va_start(ap, cls);
    if (!cls || !(def = class_find(cls, (size_t)-1))) {
        hr = WE(WBEM_E_INVALID_CLASS);
        goto out;
    }
    if (FAILED(hr = record_init(&r, def)))
        goto out;
    while ((name = va_arg(ap, const WCHAR *))) {
        v = va_arg(ap, VARIANT *);
        if (is_system_name(name)) {
            hr = WE(WBEM_E_READ_ONLY);
            goto out;
        }
        if ((i = prop_index(def, name, (size_t)-1)) < 0) {
            hr = WE(WBEM_E_NOT_FOUND);
            goto out;
        }
        if (FAILED(hr = check_value(def->props[i].type, v)))
            goto out;
        VariantClear(&r.vals[i]);
        V_VT(&r.vals[i]) = VT_NULL;
        if (v && V_VT(v) != VT_NULL && FAILED(VariantCopy(&r.vals[i], v))) {
            hr = WE(WBEM_E_OUT_OF_MEMORY);
            goto out;
        }
    }
    hr = store_put(s, &r, 0);
out:
    va_end(ap);
    record_clear(&r);
    return hr;
}

int ocs_standin_count(const struct ocs_standin *s, const WCHAR *cls)
{
    const struct class_def *def = cls ? class_find(cls, (size_t)-1) : NULL;
    size_t i;
    int n = 0;

    if (!def)
        return -1;
    for (i = 0; i < s->n; i++)
        n += s->insts[i].def == def;
    return n;
}

void ocs_standin_counts(const struct ocs_standin *s, struct ocs_standin_counts *out)
{
    *out = s->counts;
    out->qualifier_sets = (unsigned long)s->sh->qualifier_sets;
}

void ocs_standin_reset_counts(struct ocs_standin *s)
{
    memset(&s->counts, 0, sizeof(s->counts));
    InterlockedExchange(&s->sh->qualifier_sets, 0);
}

HRESULT ocs_standin_declare(struct ocs_standin *s, const WCHAR *cls, const WCHAR *prop, const WCHAR *qualifier,
                            const WCHAR *const *values, size_t n)
{
    const struct class_def *def = cls ? class_find(cls, (size_t)-1) : NULL;
    struct shared *sh = s->sh;
    struct decl d, *grown;
    LONG i;
    size_t k;

    if (!def)
        return WE(WBEM_E_INVALID_CLASS);
    memset(&d, 0, sizeof(d));
    d.def = def;
    if (!prop || !qualifier || (d.prop = prop_index(def, prop, (size_t)-1)) < 0)
        return WE(WBEM_E_NOT_FOUND);
    VariantInit(&d.value);
    V_VT(&d.value) = VT_ARRAY | VT_BSTR;
    if (!(V_ARRAY(&d.value) = SafeArrayCreateVector(VT_BSTR, 0, (ULONG)n)) || !(d.name = SysAllocString(qualifier)))
        goto oom;
    for (i = 0; i < (LONG)n; i++) {
        BSTR b = SysAllocString(values[i]);
        HRESULT hr = b ? SafeArrayPutElement(V_ARRAY(&d.value), &i, b) : E_OUTOFMEMORY;
        SysFreeString(b);
        if (FAILED(hr))
            goto oom;
    }
    for (k = 0; k < sh->ndecls; k++) {
        if (sh->decls[k].def == def && sh->decls[k].prop == d.prop && !_wcsicmp(sh->decls[k].name, qualifier)) {
            SysFreeString(sh->decls[k].name);
            VariantClear(&sh->decls[k].value);
            sh->decls[k] = d;
            return S_OK;
        }
    }
    if (!(grown = realloc(sh->decls, (sh->ndecls + 1) * sizeof(*grown))))
        goto oom;
    sh->decls = grown;
    grown[sh->ndecls++] = d;
    return S_OK;
oom:
    SysFreeString(d.name);
    VariantClear(&d.value);
    return WE(WBEM_E_OUT_OF_MEMORY);
}

long ocs_standin_outstanding(const struct ocs_standin *s)
{
    return s->sh->outstanding;
}

void ocs_standin_free(struct ocs_standin *s)
{
    if (!s)
        return;
    /* Drops only the stand-in's own reference: a caller still holding the services
     * keeps it (and its instances) alive. */
    if (InterlockedDecrement(&s->refs) == 0)
        standin_destroy(s);
}
