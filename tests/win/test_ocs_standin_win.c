/* The OCS stand-in (ocs_standin.c) through raw COM calls and through the agent's own
 * wmi/ layer: what it holds, what it answers, what it refuses, and that every COM
 * reference it hands out comes back. */
#define COBJMACROS
#include <windows.h>
#include <oleauto.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "error_win.h"
#include "ocs_standin.h"
#include "testcom.h"
#include "wmi.h"

#define WE(x) ((HRESULT)(x))
#define ROUTE L"MSFT_SIPRoutingTableData"
#define LISTEN L"MSFT_SIPListeningAddressData"
#define SE_BACKEND L"(local)\\rtc"
/* The object path of a route on the Standard Edition back end, as WMI writes it. */
#define ROUTE_A L"MSFT_SIPRoutingTableData.Backend=\"(local)\\\\rtc\",InstanceID=\"{A}\""

/* ---- VARIANT helpers: each returns v, which the caller clears ---------------------- */
static VARIANT *v_str(VARIANT *v, const WCHAR *s)
{
    VariantInit(v);
    V_VT(v) = VT_BSTR;
    V_BSTR(v) = SysAllocString(s);
    assert_non_null(V_BSTR(v));
    return v;
}

static VARIANT *v_i4(VARIANT *v, LONG x)
{
    VariantInit(v);
    V_VT(v) = VT_I4;
    V_I4(v) = x;
    return v;
}

static VARIANT *v_ui4(VARIANT *v, ULONG x)
{
    VariantInit(v);
    V_VT(v) = VT_UI4;
    V_UI4(v) = x;
    return v;
}

static VARIANT *v_bool(VARIANT *v, int b)
{
    VariantInit(v);
    V_VT(v) = VT_BOOL;
    V_BOOL(v) = b ? VARIANT_TRUE : VARIANT_FALSE;
    return v;
}

static VARIANT *v_null(VARIANT *v)
{
    VariantInit(v);
    V_VT(v) = VT_NULL;
    return v;
}

static VARIANT *v_bytes(VARIANT *v, const BYTE *b, ULONG n)
{
    void *data = NULL;

    VariantInit(v);
    V_VT(v) = VT_ARRAY | VT_UI1;
    V_ARRAY(v) = SafeArrayCreateVector(VT_UI1, 0, n);
    assert_non_null(V_ARRAY(v));
    assert_int_equal(SafeArrayAccessData(V_ARRAY(v), &data), S_OK);
    memcpy(data, b, n);
    SafeArrayUnaccessData(V_ARRAY(v));
    return v;
}

static VARIANT *v_strs(VARIANT *v, const WCHAR *const *s, ULONG n)
{
    BSTR b;
    LONG i;

    VariantInit(v);
    V_VT(v) = VT_ARRAY | VT_BSTR;
    V_ARRAY(v) = SafeArrayCreateVector(VT_BSTR, 0, n);
    assert_non_null(V_ARRAY(v));
    for (i = 0; i < (LONG)n; i++) {
        b = SysAllocString(s[i]);
        assert_int_equal(SafeArrayPutElement(V_ARRAY(v), &i, b), S_OK);
        SysFreeString(b);
    }
    return v;
}

/* ---- Raw COM helpers: BSTR arguments made and freed here ------------------------- */
static HRESULT exec_query_lang(IWbemServices *svc, const WCHAR *lang, const WCHAR *wql, IEnumWbemClassObject **en)
{
    BSTR l = SysAllocString(lang), q = SysAllocString(wql);
    HRESULT hr;

    *en = NULL;
    hr = IWbemServices_ExecQuery(svc, l, q, WBEM_FLAG_FORWARD_ONLY | WBEM_FLAG_RETURN_IMMEDIATELY, NULL, en);
    SysFreeString(l);
    SysFreeString(q);
    return hr;
}

static HRESULT exec_query(IWbemServices *svc, const WCHAR *wql, IEnumWbemClassObject **en)
{
    return exec_query_lang(svc, L"WQL", wql, en);
}

static HRESULT get_object(IWbemServices *svc, const WCHAR *path, IWbemClassObject **o)
{
    BSTR p = SysAllocString(path);
    HRESULT hr;

    *o = NULL;
    hr = IWbemServices_GetObject(svc, p, 0, NULL, o, NULL);
    SysFreeString(p);
    return hr;
}

static HRESULT delete_instance(IWbemServices *svc, const WCHAR *path)
{
    /* A non-NULL placeholder: the stand-in must write NULL over it. */
    IWbemCallResult *cr = (IWbemCallResult *)(uintptr_t)1;
    BSTR p = SysAllocString(path);
    HRESULT hr;

    hr = IWbemServices_DeleteInstance(svc, p, 0, NULL, &cr);
    SysFreeString(p);
    assert_null(cr);
    return hr;
}

static HRESULT put_instance(IWbemServices *svc, IWbemClassObject *o, LONG flags)
{
    IWbemCallResult *cr = (IWbemCallResult *)(uintptr_t)1;
    HRESULT hr;

    hr = IWbemServices_PutInstance(svc, o, flags, NULL, &cr);
    assert_null(cr);
    return hr;
}

static HRESULT put(IWbemClassObject *o, const WCHAR *name, VARIANT *v)
{
    HRESULT hr = IWbemClassObject_Put(o, name, 0, v, 0);

    VariantClear(v);
    return hr;
}

/* Asserts that property name of o is the string want (UTF-8), or NULL when want is. */
static void check_str(IWbemClassObject *o, const WCHAR *name, const char *want)
{
    VARIANT v;
    CIMTYPE t = 0;
    char *got;

    VariantInit(&v);
    assert_int_equal(IWbemClassObject_Get(o, name, 0, &v, &t, NULL), S_OK);
    if (!want) {
        assert_int_equal(V_VT(&v), VT_NULL);
        return;
    }
    assert_int_equal(V_VT(&v), VT_BSTR);
    assert_int_equal(t, CIM_STRING);
    got = ofd_wide_to_utf8(V_BSTR(&v));
    VariantClear(&v);
    assert_non_null(got);
    assert_string_equal(got, want);
    free(got);
}

static HRESULT seed_route(struct ocs_standin *s, const WCHAR *backend, const WCHAR *id, const WCHAR *match,
                          const WCHAR *hop, LONG port, int enabled)
{
    VARIANT a, b, c, d, e, f;
    HRESULT hr;

    hr = ocs_standin_seed(s, ROUTE, L"Backend", v_str(&a, backend), L"InstanceID", v_str(&b, id), L"MatchURI",
                          v_str(&c, match), L"NextHop", v_str(&d, hop), L"NextHopPort", v_i4(&e, port), L"Enabled",
                          v_bool(&f, enabled), (const WCHAR *)NULL);
    VariantClear(&a);
    VariantClear(&b);
    VariantClear(&c);
    VariantClear(&d);
    VariantClear(&e);
    VariantClear(&f);
    return hr;
}

static HRESULT seed_listen(struct ocs_standin *s, const WCHAR *id, LONG port, const WCHAR *transport)
{
    VARIANT a, b, c, d, e;
    HRESULT hr;

    hr = ocs_standin_seed(s, LISTEN, L"InstanceID", v_str(&a, id), L"IPAddress", v_str(&b, L"*"), L"Port",
                          v_i4(&c, port), L"TransportType", v_str(&d, transport), L"Enabled", v_bool(&e, 1),
                          (const WCHAR *)NULL);
    VariantClear(&a);
    VariantClear(&b);
    VariantClear(&c);
    VariantClear(&d);
    VariantClear(&e);
    return hr;
}

static void seed_three_routes(struct ocs_standin *s)
{
    assert_int_equal(seed_route(s, SE_BACKEND, L"{A}", L"example.com", L"gw1.example.com", 5061, 1), S_OK);
    assert_int_equal(seed_route(s, SE_BACKEND, L"{B}", L"contoso.com", L"gw2.contoso.com", 5060, 0), S_OK);
    assert_int_equal(seed_route(s, L"sql01\\rtc", L"{C}", L"example.com", L"gw3.example.com", 5061, 1), S_OK);
}

/* ---- Rows read through the agent's layer ------------------------------------------ */
struct routes {
    int n;
    char match[8][64];
    char hop[8][64];
    uint32_t port[8];
    int enabled[8];
};

static enum ofd_code collect_route(void *ctx, IWbemClassObject *row, ofd_err *e)
{
    struct routes *r = ctx;
    char *match = NULL, *hop = NULL;
    enum ofd_code rc;

    if (r->n == 8)
        return ofd_err_set(e, OFD_E_INTERNAL, "too many rows");
    if ((rc = wmi_get_string(row, "MatchURI", &match, e)) != OFD_OK
        || (rc = wmi_get_string(row, "NextHop", &hop, e)) != OFD_OK
        || (rc = wmi_get_uint32(row, "NextHopPort", &r->port[r->n], e)) != OFD_OK
        || (rc = wmi_get_bool(row, "Enabled", &r->enabled[r->n], e)) != OFD_OK)
        goto out;
    snprintf(r->match[r->n], sizeof(r->match[0]), "%s", match);
    snprintf(r->hop[r->n], sizeof(r->hop[0]), "%s", hop);
    r->n++;
out:
    free(match);
    free(hop);
    return rc;
}

static int setup(void **state)
{
    struct ocs_standin *s = ocs_standin_new();

    *state = s;
    return s ? 0 : -1;
}

static int teardown(void **state)
{
    ocs_standin_free(*state);
    return 0;
}

/* ---- Tests ------------------------------------------------------------------------ */
static void agent_layer_queries_all_and_where(void **state)
{
    struct ocs_standin *s = *state;
    struct ocs_standin_counts c;
    struct routes r;
    wmi_session *ws = NULL;
    ofd_err e;

    ofd_err_clear(&e);
    seed_three_routes(s);
    assert_int_equal(seed_listen(s, L"{L1}", 5061, L"MTLS"), S_OK);
    assert_int_equal(wmi_open_services(ocs_standin_services(s), &ws, &e), OFD_OK);
    assert_int_equal(ocs_standin_outstanding(s), 1); /* the session's reference */

    memset(&r, 0, sizeof(r));
    assert_int_equal(wmi_query(ws, "SELECT * FROM MSFT_SIPRoutingTableData", collect_route, &r, &e), OFD_OK);
    assert_int_equal(r.n, 3);
    assert_string_equal(r.match[0], "example.com");
    assert_string_equal(r.hop[0], "gw1.example.com");
    assert_int_equal(r.port[0], 5061);
    assert_int_equal(r.enabled[0], 1);
    assert_string_equal(r.hop[1], "gw2.contoso.com");
    assert_int_equal(r.port[1], 5060);
    assert_int_equal(r.enabled[1], 0);
    assert_string_equal(r.hop[2], "gw3.example.com");

    /* The agent's own quoting (wql_quote): backslash doubled inside single quotes. */
    memset(&r, 0, sizeof(r));
    assert_int_equal(
        wmi_query(ws, "SELECT * FROM MSFT_SIPRoutingTableData WHERE Backend = '(local)\\\\rtc'", collect_route, &r, &e),
        OFD_OK);
    assert_int_equal(r.n, 2);
    assert_string_equal(r.hop[0], "gw1.example.com");
    assert_string_equal(r.hop[1], "gw2.contoso.com");

    /* Keywords, property names and values without case; double quotes; AND. */
    memset(&r, 0, sizeof(r));
    assert_int_equal(wmi_query(ws,
                               "select * from msft_siproutingtabledata where backend = \"(LOCAL)\\\\RTC\" "
                               "and MATCHURI = 'EXAMPLE.COM'",
                               collect_route, &r, &e),
                     OFD_OK);
    assert_int_equal(r.n, 1);
    assert_string_equal(r.hop[0], "gw1.example.com");

    memset(&r, 0, sizeof(r));
    assert_int_equal(
        wmi_query(ws, "SELECT * FROM MSFT_SIPRoutingTableData WHERE NextHopPort = 5061", collect_route, &r, &e),
        OFD_OK);
    assert_int_equal(r.n, 2);
    assert_string_equal(r.hop[1], "gw3.example.com");

    memset(&r, 0, sizeof(r));
    assert_int_equal(
        wmi_query(ws, "SELECT * FROM MSFT_SIPRoutingTableData WHERE Enabled = FALSE", collect_route, &r, &e), OFD_OK);
    assert_int_equal(r.n, 1);
    assert_string_equal(r.hop[0], "gw2.contoso.com");

    ocs_standin_counts(s, &c);
    assert_int_equal(c.queries, 5);
    assert_int_equal(c.rejected, 0);
    assert_int_equal(wmi_call_count(ws), 5);
    wmi_close(ws);
    assert_int_equal(ocs_standin_outstanding(s), 0);
}

static void query_errors_are_wbem_codes(void **state)
{
    struct ocs_standin *s = *state;
    IWbemServices *svc = ocs_standin_services(s);
    IEnumWbemClassObject *en = NULL;
    struct ocs_standin_counts c;
    struct routes r;
    wmi_session *ws = NULL;
    ofd_err e;

    seed_three_routes(s);
    assert_int_equal(exec_query(svc, L"SELECT * FROM MSFT_SIPNoSuchData", &en), WE(WBEM_E_INVALID_CLASS));
    assert_null(en);
    assert_int_equal(exec_query(svc, L"SELECT * FROM " ROUTE L" WHERE NoSuchProp = 'x'", &en),
                     WE(WBEM_E_INVALID_QUERY));
    assert_int_equal(exec_query(svc, L"SELECT * FROM " ROUTE L" WHERE MatchURI = 'open", &en),
                     WE(WBEM_E_INVALID_QUERY));
    assert_int_equal(exec_query(svc, L"SELECT * FROM " ROUTE L" WHERE MatchURI = 5", &en), WE(WBEM_E_INVALID_QUERY));
    assert_int_equal(exec_query(svc, L"SELECT * FROM " ROUTE L" trailing", &en), WE(WBEM_E_INVALID_QUERY));
    assert_int_equal(exec_query_lang(svc, L"SQL", L"SELECT * FROM " ROUTE, &en), WE(WBEM_E_INVALID_QUERY_TYPE));
    assert_null(en);

    /* R2's MSFT_SIPDomainData is forest-level: it has no Backend to filter on. */
    ofd_err_clear(&e);
    memset(&r, 0, sizeof(r));
    assert_int_equal(wmi_open_services(svc, &ws, &e), OFD_OK);
    assert_int_equal(
        wmi_query(ws, "SELECT * FROM MSFT_SIPDomainData WHERE Backend = '(local)\\\\rtc'", collect_route, &r, &e),
        OFD_E_PLATFORM);
    assert_int_equal(e.raw, WE(WBEM_E_INVALID_QUERY));
    assert_non_null(strstr(e.msg, "WBEM_E_INVALID_QUERY"));
    assert_int_equal(r.n, 0);
    wmi_close(ws);

    ocs_standin_counts(s, &c);
    assert_int_equal(c.queries, 7);
    assert_int_equal(c.rejected, 7);
    assert_int_equal(ocs_standin_outstanding(s), 0);
}

static void enumerator_next_skip_reset_clone(void **state)
{
    struct ocs_standin *s = *state;
    IWbemServices *svc = ocs_standin_services(s);
    IEnumWbemClassObject *en = NULL, *clone = NULL;
    IWbemClassObject *objs[2] = {NULL, NULL};
    ULONG got = 99;

    assert_int_equal(seed_listen(s, L"{L1}", 5061, L"MTLS"), S_OK);
    assert_int_equal(seed_listen(s, L"{L2}", 5060, L"TCP"), S_OK);
    assert_int_equal(seed_listen(s, L"{L3}", 443, L"TLS"), S_OK);
    assert_int_equal(exec_query(svc, L"SELECT * FROM " LISTEN, &en), S_OK);
    assert_non_null(en);

    assert_int_equal(IEnumWbemClassObject_Next(en, WBEM_INFINITE, 2, objs, &got), WE(WBEM_S_NO_ERROR));
    assert_int_equal(got, 2);
    check_str(objs[0], L"InstanceID", "{L1}");
    check_str(objs[1], L"TransportType", "TCP");
    assert_int_equal(ocs_standin_outstanding(s), 3);
    IWbemClassObject_Release(objs[0]);
    IWbemClassObject_Release(objs[1]);
    objs[0] = objs[1] = NULL;

    /* The enumerator is a snapshot: an instance added now is not in it. */
    assert_int_equal(seed_listen(s, L"{L4}", 5062, L"TCP"), S_OK);
    assert_int_equal(IEnumWbemClassObject_Next(en, 0, 2, objs, &got), WE(WBEM_S_FALSE));
    assert_int_equal(got, 1);
    check_str(objs[0], L"InstanceID", "{L3}");
    IWbemClassObject_Release(objs[0]);
    objs[0] = NULL;
    assert_int_equal(IEnumWbemClassObject_Next(en, WBEM_INFINITE, 1, objs, &got), WE(WBEM_S_FALSE));
    assert_int_equal(got, 0);
    assert_int_equal(IEnumWbemClassObject_Next(en, WBEM_INFINITE, 0, objs, &got), WE(WBEM_E_INVALID_PARAMETER));

    assert_int_equal(IEnumWbemClassObject_Reset(en), WE(WBEM_S_NO_ERROR));
    assert_int_equal(IEnumWbemClassObject_Skip(en, WBEM_INFINITE, 1), WE(WBEM_S_NO_ERROR));
    assert_int_equal(IEnumWbemClassObject_Clone(en, &clone), S_OK);
    assert_int_equal(IEnumWbemClassObject_Skip(en, WBEM_INFINITE, 5), WE(WBEM_S_FALSE));
    assert_int_equal(IEnumWbemClassObject_Next(en, WBEM_INFINITE, 1, objs, &got), WE(WBEM_S_FALSE));
    assert_int_equal(got, 0);
    /* The clone kept the position it was cloned at. */
    assert_int_equal(IEnumWbemClassObject_Next(clone, WBEM_INFINITE, 1, objs, &got), WE(WBEM_S_NO_ERROR));
    assert_int_equal(got, 1);
    check_str(objs[0], L"InstanceID", "{L2}");
    IWbemClassObject_Release(objs[0]);
    assert_int_equal(IEnumWbemClassObject_NextAsync(clone, 1, NULL), WE(WBEM_E_NOT_SUPPORTED));

    IEnumWbemClassObject_Release(clone);
    IEnumWbemClassObject_Release(en);
    assert_int_equal(ocs_standin_count(s, LISTEN), 4);
    assert_int_equal(ocs_standin_outstanding(s), 0);
}

static void get_object_by_path(void **state)
{
    struct ocs_standin *s = *state;
    IWbemServices *svc = ocs_standin_services(s);
    IWbemClassObject *o = NULL, *o2 = NULL;
    struct ocs_standin_counts c;
    VARIANT v;
    CIMTYPE t = 0;
    LONG flavor = -1;

    seed_three_routes(s);
    assert_int_equal(seed_listen(s, L"{L1}", 5061, L"MTLS"), S_OK);

    assert_int_equal(get_object(svc, ROUTE_A, &o), S_OK);
    check_str(o, L"NextHop", "gw1.example.com");
    check_str(o, L"__CLASS", "MSFT_SIPRoutingTableData");
    check_str(o, L"__RELPATH", "MSFT_SIPRoutingTableData.Backend=\"(local)\\\\rtc\",InstanceID=\"{A}\"");
    check_str(o, L"__PATH",
              "\\\\.\\root\\cimv2:MSFT_SIPRoutingTableData.Backend=\"(local)\\\\rtc\",InstanceID=\"{A}\"");
    VariantInit(&v);
    assert_int_equal(IWbemClassObject_Get(o, L"NextHopPort", 0, &v, &t, &flavor), S_OK);
    assert_int_equal(V_VT(&v), VT_I4);
    assert_int_equal(V_I4(&v), 5061);
    assert_int_equal(t, CIM_UINT32);
    assert_int_equal(flavor, 0);
    assert_int_equal(IWbemClassObject_Get(o, L"Enabled", 0, &v, &t, NULL), S_OK);
    assert_int_equal(V_VT(&v), VT_BOOL);
    assert_int_equal(V_BOOL(&v), VARIANT_TRUE);
    assert_int_equal(t, CIM_BOOLEAN);
    assert_int_equal(IWbemClassObject_Get(o, L"PhoneURI", 0, &v, &t, NULL), WE(WBEM_E_NOT_FOUND));
    assert_int_equal(IWbemClassObject_Get(o, L"__NOSUCH", 0, &v, &t, NULL), WE(WBEM_E_NOT_FOUND));

    /* What GetObject gives is a copy: changing it changes nothing held. */
    assert_int_equal(put(o, L"NextHop", v_str(&v, L"changed.example.com")), S_OK);
    IWbemClassObject_Release(o);
    o = NULL;

    /* Keys in any order, names and values without case. */
    assert_int_equal(get_object(svc, L"msft_siproutingtabledata.InstanceID=\"{a}\",BACKEND=\"(LOCAL)\\\\RTC\"", &o2),
                     S_OK);
    check_str(o2, L"NextHop", "gw1.example.com");
    IWbemClassObject_Release(o2);

    assert_int_equal(get_object(svc, L"MSFT_SIPRoutingTableData.Backend=\"sql01\\\\rtc\",InstanceID=\"{C}\"", &o2),
                     S_OK);
    check_str(o2, L"NextHop", "gw3.example.com");
    IWbemClassObject_Release(o2);

    /* A full path, and the single-key form. */
    assert_int_equal(get_object(svc, L"\\\\.\\root\\cimv2:" LISTEN L".InstanceID=\"{L1}\"", &o2), S_OK);
    check_str(o2, L"TransportType", "MTLS");
    IWbemClassObject_Release(o2);
    assert_int_equal(get_object(svc, LISTEN L"=\"{L1}\"", &o2), S_OK);
    check_str(o2, L"__RELPATH", "MSFT_SIPListeningAddressData.InstanceID=\"{L1}\"");
    IWbemClassObject_Release(o2);
    o2 = NULL;

    assert_int_equal(get_object(svc, L"MSFT_SIPRoutingTableData.Backend=\"(local)\\\\rtc\",InstanceID=\"{Z}\"", &o2),
                     WE(WBEM_E_NOT_FOUND));
    assert_null(o2);
    assert_int_equal(get_object(svc, L"MSFT_SIPNoSuchData.InstanceID=\"{A}\"", &o2), WE(WBEM_E_INVALID_CLASS));
    assert_int_equal(get_object(svc, L"MSFT_SIPRoutingTableData.InstanceID=\"{A}\"", &o2),
                     WE(WBEM_E_INVALID_OBJECT_PATH));
    assert_null(o2);

    ocs_standin_counts(s, &c);
    assert_int_equal(c.get_objects, 8);
    assert_int_equal(c.rejected, 3);
    assert_int_equal(ocs_standin_outstanding(s), 0);
}

static void spawn_put_create_then_update(void **state)
{
    struct ocs_standin *s = *state;
    IWbemServices *svc = ocs_standin_services(s);
    IWbemClassObject *cls = NULL, *inst = NULL, *other = NULL, *o = NULL;
    struct ocs_standin_counts c;
    VARIANT v;
    CIMTYPE t = 0;
    ofd_err e;

    ofd_err_clear(&e);
    assert_int_equal(get_object(svc, ROUTE, &cls), S_OK);
    /* A class object: properties with their types, values NULL. */
    VariantInit(&v);
    assert_int_equal(IWbemClassObject_Get(cls, L"TLSCertSN", 0, &v, &t, NULL), S_OK);
    assert_int_equal(V_VT(&v), VT_NULL);
    assert_int_equal(t, CIM_UINT8 | CIM_FLAG_ARRAY);
    check_str(cls, L"__RELPATH", "MSFT_SIPRoutingTableData");

    assert_int_equal(IWbemClassObject_SpawnInstance(cls, 0, &inst), S_OK);
    check_str(inst, L"__RELPATH", NULL); /* no keys yet */
    assert_int_equal(wmi_put_string(inst, "Backend", "(local)\\rtc", &e), OFD_OK);
    assert_int_equal(wmi_put_string(inst, "InstanceID", "{NEW}", &e), OFD_OK);
    assert_int_equal(wmi_put_string(inst, "MatchURI", "fabrikam.com", &e), OFD_OK);
    assert_int_equal(wmi_put_string(inst, "NextHop", "gw.fabrikam.com", &e), OFD_OK);
    assert_int_equal(wmi_put_uint32(inst, "NextHopPort", 5061, &e), OFD_OK);
    assert_int_equal(put(inst, L"Enabled", v_bool(&v, 1)), S_OK);
    /* The agent's first try, VT_I4, is what is stored: no VT_UI4 fallback happened. */
    assert_int_equal(IWbemClassObject_Get(inst, L"NextHopPort", 0, &v, NULL, NULL), S_OK);
    assert_int_equal(V_VT(&v), VT_I4);

    assert_int_equal(put_instance(svc, inst, WBEM_FLAG_CREATE_ONLY), S_OK);
    assert_int_equal(ocs_standin_count(s, ROUTE), 1);
    assert_int_equal(put_instance(svc, inst, WBEM_FLAG_CREATE_ONLY), WE(WBEM_E_ALREADY_EXISTS));
    assert_int_equal(ocs_standin_count(s, ROUTE), 1);

    /* The store holds a copy: a change after PutInstance is not in it. */
    assert_int_equal(wmi_put_string(inst, "NextHop", "gw9.fabrikam.com", &e), OFD_OK);
    assert_int_equal(get_object(svc, L"MSFT_SIPRoutingTableData.Backend=\"(local)\\\\rtc\",InstanceID=\"{NEW}\"", &o),
                     S_OK);
    check_str(o, L"NextHop", "gw.fabrikam.com");
    IWbemClassObject_Release(o);

    /* An update replaces the whole instance: Enabled put to NULL is NULL afterwards. */
    assert_int_equal(put(inst, L"Enabled", v_null(&v)), S_OK);
    assert_int_equal(put_instance(svc, inst, WBEM_FLAG_UPDATE_ONLY), S_OK);
    assert_int_equal(get_object(svc, L"MSFT_SIPRoutingTableData.Backend=\"(local)\\\\rtc\",InstanceID=\"{NEW}\"", &o),
                     S_OK);
    check_str(o, L"NextHop", "gw9.fabrikam.com");
    assert_int_equal(IWbemClassObject_Get(o, L"Enabled", 0, &v, NULL, NULL), S_OK);
    assert_int_equal(V_VT(&v), VT_NULL);
    IWbemClassObject_Release(o);

    /* Update-only of an instance that is not there. */
    assert_int_equal(IWbemClassObject_Clone(inst, &other), S_OK);
    assert_int_equal(wmi_put_string(other, "InstanceID", "{MISSING}", &e), OFD_OK);
    assert_int_equal(put_instance(svc, other, WBEM_FLAG_UPDATE_ONLY), WE(WBEM_E_NOT_FOUND));
    assert_int_equal(ocs_standin_count(s, ROUTE), 1);
    /* The default, create-or-update, creates it. */
    assert_int_equal(put_instance(svc, other, WBEM_FLAG_CREATE_OR_UPDATE), S_OK);
    assert_int_equal(ocs_standin_count(s, ROUTE), 2);
    /* A class object is no instance. */
    assert_int_equal(put_instance(svc, cls, 0), WE(WBEM_E_INVALID_PARAMETER));

    ocs_standin_counts(s, &c);
    assert_int_equal(c.puts, 6);
    assert_int_equal(c.rejected, 3);
    IWbemClassObject_Release(other);
    IWbemClassObject_Release(inst);
    IWbemClassObject_Release(cls);
    assert_int_equal(ocs_standin_outstanding(s), 0);
}

static void put_rejections(void **state)
{
    static const BYTE sn[] = {0x01, 0x23, 0x45};
    static const WCHAR *const members[] = {L"fe1.example.com", L"fe2.example.com"};
    struct ocs_standin *s = *state;
    IWbemServices *svc = ocs_standin_services(s);
    IWbemClassObject *cls = NULL, *inst = NULL, *pool = NULL, *spawned = NULL;
    VARIANT v, k;
    BYTE *data = NULL;

    assert_int_equal(get_object(svc, ROUTE, &cls), S_OK);
    assert_int_equal(IWbemClassObject_SpawnInstance(cls, 0, &inst), S_OK);

    assert_int_equal(put(inst, L"PhoneURI", v_bool(&v, 1)), WE(WBEM_E_NOT_FOUND));
    assert_int_equal(put(inst, L"NextHopPort", v_ui4(&v, 5061)), WE(WBEM_E_TYPE_MISMATCH));
    assert_int_equal(put(inst, L"Enabled", v_str(&v, L"true")), WE(WBEM_E_TYPE_MISMATCH));
    assert_int_equal(put(inst, L"NextHop", v_i4(&v, 1)), WE(WBEM_E_TYPE_MISMATCH));
    assert_int_equal(put(inst, L"TLSCertSN", v_strs(&v, members, 2)), WE(WBEM_E_TYPE_MISMATCH));
    assert_int_equal(put(inst, L"__RELPATH", v_str(&v, L"x")), WE(WBEM_E_READ_ONLY));
    assert_int_equal(IWbemClassObject_Put(inst, L"NextHop", 0, v_str(&v, L"gw"), CIM_UINT32), WE(WBEM_E_TYPE_MISMATCH));
    VariantClear(&v);
    assert_int_equal(put(inst, L"NextHop", v_null(&v)), S_OK);

    /* uint8[] in, the same bytes out. */
    assert_int_equal(put(inst, L"TLSCertSN", v_bytes(&v, sn, sizeof(sn))), S_OK);
    assert_int_equal(IWbemClassObject_Get(inst, L"TLSCertSN", 0, &v, NULL, NULL), S_OK);
    assert_int_equal(V_VT(&v), VT_ARRAY | VT_UI1);
    assert_int_equal(SafeArrayAccessData(V_ARRAY(&v), (void **)&data), S_OK);
    assert_memory_equal(data, sn, sizeof(sn));
    SafeArrayUnaccessData(V_ARRAY(&v));
    VariantClear(&v);

    /* Backend (a key) never set. */
    assert_int_equal(put(inst, L"InstanceID", v_str(&v, L"{K}")), S_OK);
    assert_int_equal(put_instance(svc, inst, 0), WE(WBEM_E_ILLEGAL_NULL));
    assert_int_equal(ocs_standin_count(s, ROUTE), 0);
    assert_int_equal(IWbemClassObject_SpawnInstance(inst, 0, &spawned), WE(WBEM_E_INVALID_OPERATION));
    assert_null(spawned);

    /* R2's pool: PoolMemberList is string[], PoolType a string, not a uint32. */
    assert_int_equal(get_object(svc, L"MSFT_SIPPoolSetting", &pool), S_OK);
    assert_int_equal(put(pool, L"PoolFQDN", v_str(&v, L"pool.example.com")), WE(WBEM_E_NOT_SUPPORTED));
    IWbemClassObject_Release(cls);
    cls = pool;
    pool = NULL;
    assert_int_equal(IWbemClassObject_SpawnInstance(cls, 0, &pool), S_OK);
    assert_int_equal(put(pool, L"PoolMemberList", v_strs(&v, members, 2)), S_OK);
    assert_int_equal(put(pool, L"PoolType", v_i4(&v, 1)), WE(WBEM_E_TYPE_MISMATCH));
    assert_int_equal(put(pool, L"PoolType", v_str(&v, L"Standard")), S_OK);

    /* Seeding refuses what PutInstance would. */
    assert_int_equal(
        ocs_standin_seed(s, LISTEN, L"InstanceID", v_str(&k, L"{L}"), L"Prot", v_i4(&v, 1), (const WCHAR *)NULL),
        WE(WBEM_E_NOT_FOUND));
    VariantClear(&v);
    assert_int_equal(ocs_standin_seed(s, LISTEN, L"InstanceID", &k, L"Port", v_ui4(&v, 5061), (const WCHAR *)NULL),
                     WE(WBEM_E_TYPE_MISMATCH));
    VariantClear(&v);
    assert_int_equal(ocs_standin_seed(s, LISTEN, L"Port", v_i4(&v, 5061), (const WCHAR *)NULL),
                     WE(WBEM_E_ILLEGAL_NULL));
    assert_int_equal(ocs_standin_seed(s, L"MSFT_SIPNoSuchData", L"InstanceID", &k, (const WCHAR *)NULL),
                     WE(WBEM_E_INVALID_CLASS));
    assert_int_equal(ocs_standin_seed(s, LISTEN, L"InstanceID", &k, L"Port", &v, (const WCHAR *)NULL), S_OK);
    VariantClear(&k);
    assert_int_equal(ocs_standin_count(s, LISTEN), 1);
    assert_int_equal(ocs_standin_count(s, L"MSFT_SIPNoSuchData"), -1);

    IWbemClassObject_Release(pool);
    IWbemClassObject_Release(inst);
    IWbemClassObject_Release(cls);
    assert_int_equal(ocs_standin_outstanding(s), 0);
}

static void delete_instance_by_path(void **state)
{
    struct ocs_standin *s = *state;
    IWbemServices *svc = ocs_standin_services(s);
    IWbemClassObject *o = NULL;
    struct ocs_standin_counts c;

    seed_three_routes(s);
    assert_int_equal(delete_instance(svc, ROUTE_A), S_OK);
    assert_int_equal(ocs_standin_count(s, ROUTE), 2);
    assert_int_equal(delete_instance(svc, ROUTE_A), WE(WBEM_E_NOT_FOUND));
    assert_int_equal(delete_instance(svc, L"MSFT_SIPNoSuchData.InstanceID=\"{A}\""), WE(WBEM_E_INVALID_CLASS));
    assert_int_equal(delete_instance(svc, ROUTE), WE(WBEM_E_INVALID_OBJECT_PATH));
    assert_int_equal(ocs_standin_count(s, ROUTE), 2);
    assert_int_equal(get_object(svc, ROUTE_A, &o), WE(WBEM_E_NOT_FOUND));
    assert_int_equal(get_object(svc, L"MSFT_SIPRoutingTableData.Backend=\"(local)\\\\rtc\",InstanceID=\"{B}\"", &o),
                     S_OK);
    check_str(o, L"NextHop", "gw2.contoso.com");
    IWbemClassObject_Release(o);

    ocs_standin_counts(s, &c);
    assert_int_equal(c.deletes, 4);
    assert_int_equal(c.get_objects, 2);
    assert_int_equal(c.rejected, 4);
    ocs_standin_reset_counts(s);
    ocs_standin_counts(s, &c);
    assert_int_equal(c.deletes + c.get_objects + c.rejected + c.queries + c.puts + c.methods, 0);
    assert_int_equal(ocs_standin_outstanding(s), 0);
}

static void names_and_property_enumeration(void **state)
{
    struct ocs_standin *s = *state;
    IWbemServices *svc = ocs_standin_services(s);
    IWbemClassObject *cls = NULL;
    SAFEARRAY *sa = NULL;
    BSTR name = NULL, *names = NULL;
    LONG lo = -1, hi = -1;
    VARIANT v;
    int n = 0;
    HRESULT hr;

    assert_int_equal(get_object(svc, LISTEN, &cls), S_OK);
    assert_int_equal(IWbemClassObject_GetNames(cls, NULL, WBEM_FLAG_ALWAYS, NULL, &sa), S_OK);
    assert_int_equal(SafeArrayGetLBound(sa, 1, &lo), S_OK);
    assert_int_equal(SafeArrayGetUBound(sa, 1, &hi), S_OK);
    assert_int_equal(hi - lo + 1, 7);
    assert_int_equal(SafeArrayAccessData(sa, (void **)&names), S_OK);
    assert_true(wcscmp(names[0], L"Enabled") == 0);
    assert_true(wcscmp(names[5], L"TLSCertSN") == 0);
    SafeArrayUnaccessData(sa);
    SafeArrayDestroy(sa);
    sa = NULL;
    assert_int_equal(IWbemClassObject_GetNames(cls, NULL, WBEM_FLAG_NONSYSTEM_ONLY, NULL, &sa), S_OK);
    assert_int_equal(SafeArrayGetUBound(sa, 1, &hi), S_OK);
    assert_int_equal(hi, 6);
    SafeArrayDestroy(sa);
    sa = NULL;
    assert_int_equal(IWbemClassObject_GetNames(cls, NULL, 0x1000, NULL, &sa), WE(WBEM_E_INVALID_PARAMETER));
    assert_null(sa);
    IWbemClassObject_Release(cls);

    assert_int_equal(get_object(svc, ROUTE, &cls), S_OK);
    assert_int_equal(IWbemClassObject_GetNames(cls, NULL, WBEM_FLAG_KEYS_ONLY, NULL, &sa), S_OK);
    assert_int_equal(SafeArrayGetUBound(sa, 1, &hi), S_OK);
    assert_int_equal(hi, 1);
    assert_int_equal(SafeArrayAccessData(sa, (void **)&names), S_OK);
    assert_true(wcscmp(names[0], L"Backend") == 0);
    assert_true(wcscmp(names[1], L"InstanceID") == 0);
    SafeArrayUnaccessData(sa);
    SafeArrayDestroy(sa);

    assert_int_equal(IWbemClassObject_Next(cls, 0, &name, &v, NULL, NULL), WE(WBEM_E_UNEXPECTED));
    assert_int_equal(IWbemClassObject_BeginEnumeration(cls, 0), S_OK);
    while ((hr = IWbemClassObject_Next(cls, 0, &name, &v, NULL, NULL)) == S_OK) {
        assert_int_equal(V_VT(&v), VT_NULL);
        assert_false(name[0] == L'_' && name[1] == L'_');
        if (n == 0)
            assert_true(wcscmp(name, L"Backend") == 0);
        SysFreeString(name);
        VariantClear(&v);
        n++;
    }
    assert_int_equal(hr, WE(WBEM_S_NO_MORE_DATA));
    assert_int_equal(n, 10);
    assert_int_equal(IWbemClassObject_EndEnumeration(cls), S_OK);
    assert_int_equal(IWbemClassObject_Next(cls, 0, &name, &v, NULL, NULL), WE(WBEM_E_UNEXPECTED));
    IWbemClassObject_Release(cls);
    assert_int_equal(ocs_standin_outstanding(s), 0);
}

static void references_are_counted_and_outlive_the_standin(void **state)
{
    struct ocs_standin *s = *state, *s2 = NULL;
    IWbemServices *svc = ocs_standin_services(s), *kept = NULL;
    IWbemClassObject *o = NULL, *copy = NULL, *o2 = NULL;
    void *p = (void *)(uintptr_t)1;

    assert_int_equal(ocs_standin_outstanding(s), 0);
    assert_int_equal(IWbemServices_QueryInterface(svc, &IID_IWbemServices, (void **)&kept), S_OK);
    assert_ptr_equal(kept, svc);
    assert_int_equal(ocs_standin_outstanding(s), 1);
    assert_int_equal(IWbemServices_QueryInterface(svc, &IID_IWbemClassObject, &p), E_NOINTERFACE);
    assert_null(p);
    assert_int_equal(ocs_standin_outstanding(s), 1);
    IWbemServices_Release(kept);
    kept = NULL;
    assert_int_equal(ocs_standin_outstanding(s), 0);

    seed_three_routes(s);
    assert_int_equal(get_object(svc, ROUTE_A, &o), S_OK);
    assert_int_equal(ocs_standin_outstanding(s), 1);
    IWbemClassObject_AddRef(o);
    assert_int_equal(IWbemClassObject_Clone(o, &copy), S_OK);
    assert_int_equal(ocs_standin_outstanding(s), 3);
    check_str(copy, L"__RELPATH", "MSFT_SIPRoutingTableData.Backend=\"(local)\\\\rtc\",InstanceID=\"{A}\"");
    IWbemClassObject_Release(o);
    IWbemClassObject_Release(o);
    assert_int_equal(ocs_standin_outstanding(s), 1);
    IWbemClassObject_Release(copy);
    assert_int_equal(ocs_standin_outstanding(s), 0);

    /* A second stand-in freed while its objects and services are still held. */
    assert_non_null(s2 = ocs_standin_new());
    seed_three_routes(s2);
    kept = ocs_standin_services(s2);
    IWbemServices_AddRef(kept);
    assert_int_equal(get_object(kept, ROUTE_A, &o), S_OK);
    assert_int_equal(ocs_standin_outstanding(s2), 2);
    ocs_standin_free(s2);
    check_str(o, L"NextHop", "gw1.example.com");
    assert_int_equal(get_object(kept, L"MSFT_SIPRoutingTableData.Backend=\"sql01\\\\rtc\",InstanceID=\"{C}\"", &o2),
                     S_OK);
    check_str(o2, L"NextHop", "gw3.example.com");
    IWbemServices_Release(kept); /* the last reference to the services: they go */
    check_str(o2, L"MatchURI", "example.com");
    IWbemClassObject_Release(o2);
    IWbemClassObject_Release(o);
    assert_int_equal(ocs_standin_outstanding(s), 0);
}

static void methods_and_other_calls_are_not_supported(void **state)
{
    struct ocs_standin *s = *state;
    IWbemServices *svc = ocs_standin_services(s);
    IWbemServices *ns = (IWbemServices *)(uintptr_t)1;
    IWbemClassObject *outp = (IWbemClassObject *)(uintptr_t)1;
    IEnumWbemClassObject *en = (IEnumWbemClassObject *)(uintptr_t)1;
    struct ocs_standin_counts c;
    wmi_session *ws = NULL;
    uint32_t ret = 7;
    BSTR path = SysAllocString(ROUTE_A), meth = SysAllocString(L"Restart"), cls = SysAllocString(ROUTE);
    ofd_err e;

    seed_three_routes(s);
    assert_int_equal(IWbemServices_ExecMethod(svc, path, meth, 0, NULL, NULL, &outp, NULL), WE(WBEM_E_NOT_SUPPORTED));
    assert_null(outp);
    assert_int_equal(IWbemServices_OpenNamespace(svc, cls, 0, NULL, &ns, NULL), WE(WBEM_E_NOT_SUPPORTED));
    assert_null(ns);
    assert_int_equal(IWbemServices_CreateInstanceEnum(svc, cls, 0, NULL, &en), WE(WBEM_E_NOT_SUPPORTED));
    assert_null(en);
    SysFreeString(path);
    SysFreeString(meth);
    SysFreeString(cls);

    /* The agent's wmi_call stops at GetMethod: OCS classes have no methods. */
    ofd_err_clear(&e);
    assert_int_equal(wmi_open_services(svc, &ws, &e), OFD_OK);
    assert_int_equal(wmi_call(ws, "MSFT_SIPRoutingTableData", "Restart", NULL, 0, &ret, &e), OFD_E_PLATFORM);
    assert_int_equal(e.raw, WE(WBEM_E_NOT_SUPPORTED));
    assert_int_equal(ret, 7);
    wmi_close(ws);

    ocs_standin_counts(s, &c);
    assert_int_equal(c.methods, 1);
    assert_int_equal(c.get_objects, 1);
    assert_int_equal(c.rejected, 3);
    assert_int_equal(ocs_standin_outstanding(s), 0);
}

/* The class definitions: each property's qualifier set (key and CIMTYPE, as the R2
 * reference's syntax blocks show them), values a test declares (ValueMap), on the class
 * and on its instances; enumeration; what is refused; the calls counted. */
static VARIANT qualifier(IWbemClassObject *o, const WCHAR *prop, const WCHAR *name, HRESULT want)
{
    IWbemQualifierSet *qs = NULL;
    VARIANT v;
    LONG flavor = -1;

    VariantInit(&v);
    assert_int_equal(IWbemClassObject_GetPropertyQualifierSet(o, prop, &qs), S_OK);
    assert_int_equal(IWbemQualifierSet_Get(qs, name, 0, &v, &flavor), want);
    IWbemQualifierSet_Release(qs);
    return v;
}

static void property_qualifier_sets(void **state)
{
    static const WCHAR *const values[] = {L"TCP", L"TLS", L"MutualTLS"};
    struct ocs_standin *s = *state;
    IWbemServices *svc = ocs_standin_services(s);
    IWbemClassObject *cls = NULL, *inst = NULL;
    IWbemQualifierSet *qs = NULL;
    struct ocs_standin_counts c;
    SAFEARRAY *sa = NULL;
    BSTR name = NULL, *names = NULL;
    LONG lo = -1, hi = -1;
    VARIANT v, a;
    int n = 0;
    HRESULT hr;

    assert_int_equal(get_object(svc, LISTEN, &cls), S_OK);
    v = qualifier(cls, L"InstanceID", L"key", S_OK);
    assert_int_equal(V_VT(&v), VT_BOOL);
    assert_true(V_BOOL(&v) == VARIANT_TRUE);
    v = qualifier(cls, L"InstanceID", L"CIMTYPE", S_OK);
    assert_int_equal(V_VT(&v), VT_BSTR);
    assert_true(wcscmp(V_BSTR(&v), L"string") == 0);
    VariantClear(&v);
    v = qualifier(cls, L"TLSCertSN", L"CIMTYPE", S_OK); /* an array's CIMTYPE is its element type */
    assert_true(wcscmp(V_BSTR(&v), L"uint8") == 0);
    VariantClear(&v);
    v = qualifier(cls, L"Port", L"CIMTYPE", S_OK);
    assert_true(wcscmp(V_BSTR(&v), L"uint32") == 0);
    VariantClear(&v);
    qualifier(cls, L"Port", L"key", WE(WBEM_E_NOT_FOUND));
    qualifier(cls, L"TransportType", L"ValueMap", WE(WBEM_E_NOT_FOUND)); /* none in the reference */

    /* Enumeration and names: CIMTYPE and key on a key. */
    assert_int_equal(IWbemClassObject_GetPropertyQualifierSet(cls, L"InstanceID", &qs), S_OK);
    assert_int_equal(IWbemQualifierSet_Next(qs, 0, &name, &v, NULL), WE(WBEM_E_UNEXPECTED));
    assert_int_equal(IWbemQualifierSet_BeginEnumeration(qs, 0), S_OK);
    while ((hr = IWbemQualifierSet_Next(qs, 0, &name, &v, NULL)) == S_OK) {
        assert_true(wcscmp(name, L"CIMTYPE") == 0 || wcscmp(name, L"key") == 0);
        SysFreeString(name);
        VariantClear(&v);
        n++;
    }
    assert_int_equal(hr, WE(WBEM_S_NO_MORE_DATA));
    assert_int_equal(n, 2);
    assert_int_equal(IWbemQualifierSet_EndEnumeration(qs), S_OK);
    assert_int_equal(IWbemQualifierSet_GetNames(qs, 0, &sa), S_OK);
    assert_int_equal(SafeArrayGetLBound(sa, 1, &lo), S_OK);
    assert_int_equal(SafeArrayGetUBound(sa, 1, &hi), S_OK);
    assert_int_equal(hi - lo + 1, 2);
    SafeArrayDestroy(sa);
    /* The agent never changes a class definition: refused, not pretended. */
    assert_int_equal(IWbemQualifierSet_Put(qs, L"ValueMap", v_str(&a, L"x"), 0), WE(WBEM_E_NOT_SUPPORTED));
    VariantClear(&a);
    assert_int_equal(IWbemQualifierSet_Delete(qs, L"key"), WE(WBEM_E_NOT_SUPPORTED));
    IWbemQualifierSet_Release(qs);
    qs = NULL;
    assert_int_equal(IWbemClassObject_GetPropertyQualifierSet(cls, L"NoSuchProperty", &qs), WE(WBEM_E_NOT_FOUND));
    assert_null(qs);
    assert_int_equal(IWbemClassObject_GetPropertyQualifierSet(cls, L"__CLASS", &qs), WE(WBEM_E_SYSTEM_PROPERTY));
    assert_null(qs);

    /* A declared ValueMap: on the class and on an instance of it. */
    assert_int_equal(ocs_standin_declare(s, LISTEN, L"TransportType", L"ValueMap", values, 3), S_OK);
    assert_int_equal(ocs_standin_declare(s, LISTEN, L"NoSuchProperty", L"ValueMap", values, 3), WE(WBEM_E_NOT_FOUND));
    assert_int_equal(ocs_standin_declare(s, L"MSFT_SIPNoSuchData", L"X", L"ValueMap", values, 3),
                     WE(WBEM_E_INVALID_CLASS));
    v = qualifier(cls, L"TransportType", L"ValueMap", S_OK);
    assert_int_equal(V_VT(&v), VT_ARRAY | VT_BSTR);
    assert_int_equal(SafeArrayGetUBound(V_ARRAY(&v), 1, &hi), S_OK);
    assert_int_equal(hi, 2);
    assert_int_equal(SafeArrayAccessData(V_ARRAY(&v), (void **)&names), S_OK);
    assert_true(wcscmp(names[2], L"MutualTLS") == 0);
    SafeArrayUnaccessData(V_ARRAY(&v));
    VariantClear(&v);
    assert_int_equal(IWbemClassObject_SpawnInstance(cls, 0, &inst), S_OK);
    v = qualifier(inst, L"TransportType", L"ValueMap", S_OK);
    VariantClear(&v);
    IWbemClassObject_Release(inst);
    IWbemClassObject_Release(cls);

    ocs_standin_counts(s, &c);
    assert_int_equal(c.qualifier_sets, 11); /* the failed ones too */
    assert_int_equal(ocs_standin_outstanding(s), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(agent_layer_queries_all_and_where, setup, teardown),
        cmocka_unit_test_setup_teardown(query_errors_are_wbem_codes, setup, teardown),
        cmocka_unit_test_setup_teardown(enumerator_next_skip_reset_clone, setup, teardown),
        cmocka_unit_test_setup_teardown(get_object_by_path, setup, teardown),
        cmocka_unit_test_setup_teardown(spawn_put_create_then_update, setup, teardown),
        cmocka_unit_test_setup_teardown(put_rejections, setup, teardown),
        cmocka_unit_test_setup_teardown(delete_instance_by_path, setup, teardown),
        cmocka_unit_test_setup_teardown(names_and_property_enumeration, setup, teardown),
        cmocka_unit_test_setup_teardown(references_are_counted_and_outlive_the_standin, setup, teardown),
        cmocka_unit_test_setup_teardown(methods_and_other_calls_are_not_supported, setup, teardown),
        cmocka_unit_test_setup_teardown(property_qualifier_sets, setup, teardown),
    };
    return cmocka_run_group_tests(tests, testcom_up, testcom_down);
}
