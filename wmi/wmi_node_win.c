#define COBJMACROS
#include "wmi_node.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cs_store.h"
#include "fsutil.h"
#include "error_win.h"
#include "ocs_model.h"
#include "strbuf.h"
#include "wmi.h"
#include "wmi_fips.h"
#include "scm_win.h"

struct wnode {
    wmi_session *s;   /* the OCS provider (ROOT\CIMV2, or the stand-in in tests) */
    wmi_session *reg; /* ROOT\DEFAULT for StdRegProv (R12), opened on first use */
    struct wmi_os os;
    struct node_identity id;
    char *owned_path;
    uint32_t restart_timeout_ms;
};

enum ofd_code wmi_node_read_value(IWbemClassObject *o, const char *cls, const struct ocs_prop_def *pd,
                                  struct node_value *out, int *present, ofd_err *e)
{
    enum ofd_code rc = wmi_get_value(o, pd->name, pd->type, out, present, e);

    if (rc == OFD_E_PLATFORM && e->raw == (long)WBEM_E_NOT_FOUND)
        return ofd_err_hresult(e, (HRESULT)WBEM_E_NOT_FOUND,
                               "%s has no property %s on this server: the class map (agent/ocs_model.c) does not match "
                               "this OCS version",
                               cls, pd->name);
    if (rc != OFD_OK)
        ofd_err_prefix(e, "%s", cls);
    return rc;
}

struct rows {
    const struct ocs_class_def *def;
    struct node_instances *l;
    size_t cap;
    const struct node_class_schema *all; /* instances_all: the class's definition, whose
                                          * properties beyond the class map are read too */
};

/* Every property of the class map's class def from a WMI object into *out. */
static enum ofd_code read_instance(const struct ocs_class_def *def, IWbemClassObject *o, struct node_instance *out,
                                   ofd_err *e)
{
    struct node_instance inst;
    size_t i;
    enum ofd_code rc;

    memset(&inst, 0, sizeof(inst));
    if (!(inst.cls = ofd_strdup(def->name))) {
        rc = ofd_err_nomem(e);
        goto out;
    }
    for (i = 0; i < def->nprops; i++) {
        struct node_value v;
        int present = 0;

        if ((rc = wmi_node_read_value(o, def->name, &def->props[i], &v, &present, e)) != OFD_OK)
            goto out;
        if (present && (rc = node_instance_add(&inst, def->props[i].name, &v)) != OFD_OK) {
            rc = ofd_err_nomem(e);
            goto out;
        }
    }
    *out = inst;
    memset(&inst, 0, sizeof(inst));
    rc = OFD_OK;
out:
    node_instance_free(&inst);
    return rc;
}

/* The value type a property of CIM type text t is read as, or -1 (not one the export
 * carries: reals, objects, arrays of other types). WMI hands 64-bit integers, dates and
 * references over as strings. */
static int export_type(const char *t, enum ocs_type *out)
{
    static const char *const strings[] = {"string", "datetime", "sint64", "uint64", "char16"};
    static const char *const numbers[] = {"uint8", "uint16", "sint16", "uint32", "sint32"};
    size_t i;

    for (i = 0; i < 5; i++) {
        if (!strcmp(t, strings[i]) || !strncmp(t, "ref:", 4) || !strcmp(t, "reference")) {
            *out = OCS_STRING;
            return 0;
        }
        if (!strcmp(t, numbers[i])) {
            *out = OCS_UINT32;
            return 0;
        }
    }
    if (!strcmp(t, "boolean"))
        *out = OCS_BOOLEAN;
    else if (!strcmp(t, "uint8[]"))
        *out = OCS_UINT8_ARRAY;
    else if (!strcmp(t, "string[]"))
        *out = OCS_STRING_ARRAY;
    else
        return -1;
    return 0;
}

/* The properties of def's definition that the class map does not read, into inst. A
 * value that cannot be read as its type is left out: the export says what it can. */
static enum ofd_code read_others(const struct ocs_class_def *def, const struct node_class_schema *all,
                                 IWbemClassObject *o, struct node_instance *inst, ofd_err *e)
{
    size_t i;

    for (i = 0; i < all->nprops; i++) {
        struct node_value v;
        enum ocs_type t;
        int present = 0;
        ofd_err ignored;

        if (ocs_prop_find(def, all->props[i].name) || export_type(all->props[i].type, &t) != 0)
            continue;
        if (wmi_get_value(o, all->props[i].name, t, &v, &present, &ignored) != OFD_OK || !present)
            continue;
        if (node_instance_add(inst, all->props[i].name, &v) != OFD_OK)
            return ofd_err_nomem(e);
    }
    return OFD_OK;
}

static enum ofd_code add_row(void *ctx, IWbemClassObject *row, ofd_err *e)
{
    struct rows *r = ctx;
    struct node_instance inst;
    enum ofd_code rc;

    memset(&inst, 0, sizeof(inst));
    if ((rc = read_instance(r->def, row, &inst, e)) != OFD_OK
        || (r->all && (rc = read_others(r->def, r->all, row, &inst, e)) != OFD_OK))
        goto out;
    if (r->l->n == r->cap) {
        size_t cap = r->cap ? 2 * r->cap : 16;
        struct node_instance *nv = realloc(r->l->v, cap * sizeof(*nv));

        if (!nv) {
            rc = ofd_err_nomem(e);
            goto out;
        }
        r->l->v = nv;
        r->cap = cap;
    }
    r->l->v[r->l->n++] = inst;
    memset(&inst, 0, sizeof(inst));
    rc = OFD_OK;
out:
    node_instance_free(&inst);
    return rc;
}

/* WQL string literal: backslashes and quotes escaped. Malloc'ed. */
static char *wql_quote(const char *s)
{
    struct strbuf b = {0};

    sb_appendc(&b, '\'');
    for (; *s; s++) {
        if (*s == '\\' || *s == '\'')
            sb_appendc(&b, '\\');
        sb_appendc(&b, *s);
    }
    sb_appendc(&b, '\'');
    return sb_take(&b);
}

static enum ofd_code query_class(struct wnode *n, const char *cls, const struct node_class_schema *all,
                                 struct node_instances *out, ofd_err *e)
{
    const struct ocs_class_def *def = ocs_class_find(cls);
    struct node_instances l = {0};
    struct rows r;
    char wql[1024], *quoted = NULL;
    enum ofd_code rc;

    if (!def || !def->wmi) {
        *out = l;
        return OFD_OK;
    }
    /* A pool-scoped class holds every pool's rows of the back end: take this pool's. */
    if (def->pool_scoped && n->id.backend) {
        if (!(quoted = wql_quote(n->id.backend)))
            return ofd_err_nomem(e);
        snprintf(wql, sizeof(wql), "SELECT * FROM %s WHERE Backend = %s", def->name, quoted);
    } else {
        snprintf(wql, sizeof(wql), "SELECT * FROM %s", def->name);
    }
    r.def = def;
    r.l = &l;
    r.cap = 0;
    r.all = all;
    if ((rc = wmi_query(n->s, wql, add_row, &r, e)) != OFD_OK) {
        node_instances_free(&l);
        goto out;
    }
    *out = l;
out:
    free(quoted);
    return rc;
}

static enum ofd_code wn_instances(void *ctx, const char *cls, struct node_instances *out, ofd_err *e)
{
    return query_class(ctx, cls, NULL, out, e);
}

struct certs_ctx {
    const char *store;
    struct node_certs *l;
};

static enum ofd_code add_cert(void *ctx, const unsigned char *der, size_t len, int has_key, ofd_err *e)
{
    struct certs_ctx *c = ctx;
    struct node_cert *nc, *v;

    if (!(v = realloc(c->l->v, (c->l->n + 1) * sizeof(*v))))
        return ofd_err_nomem(e);
    c->l->v = v;
    nc = &v[c->l->n];
    memset(nc, 0, sizeof(*nc));
    snprintf(nc->store, sizeof(nc->store), "%s", c->store);
    nc->key_known = 1;
    nc->has_key = has_key;
    if (cs_x509_thumbprint(der, len, nc->tp, e) != OFD_OK)
        return OFD_OK; /* not a certificate OpenSSL reads: not one ocsfed manages */
    if (!(nc->der = malloc(len)))
        return ofd_err_nomem(e);
    memcpy(nc->der, der, len);
    nc->der_len = len;
    c->l->n++;
    return OFD_OK;
}

static enum ofd_code wn_certificates(void *ctx, const char *store, struct node_certs *out, ofd_err *e)
{
    struct node_certs l = {0};
    struct certs_ctx c = {store, &l};
    enum ofd_code rc;

    (void)ctx;
    if ((rc = cs_store_enum_keys(store, add_cert, &c, e)) != OFD_OK) {
        node_certs_free(&l);
        return rc;
    }
    *out = l;
    return OFD_OK;
}

static enum ofd_code wn_fips(void *ctx, int *enabled, ofd_err *e)
{
    struct wnode *n = ctx;
    int v = -1;
    enum ofd_code rc;

    if ((rc = wmi_fips_get(&n->os, &v, e)) != OFD_OK)
        return rc;
    *enabled = v == 1;
    return OFD_OK;
}

static enum ofd_code wn_service_state(void *ctx, const char *name, char **state, ofd_err *e)
{
    enum scm_service_state st;
    const char *text;
    char *s;
    enum ofd_code rc;

    (void)ctx;
    rc = scm_service_query(name, &st, NULL, e);
    if (rc == OFD_E_NOTFOUND) {
        *state = NULL;
        return OFD_OK;
    }
    if (rc != OFD_OK)
        return rc;
    text = st == SCM_SVC_RUNNING ? "running" : st == SCM_SVC_STOPPED ? "stopped" : scm_service_state_name(st);
    if (!(s = ofd_strlower(ofd_strdup(text))))
        return ofd_err_nomem(e);
    *state = s;
    return OFD_OK;
}

static enum ofd_code wn_identity(void *ctx, struct node_identity *out, ofd_err *e)
{
    struct wnode *n = ctx;
    struct node_identity id;

    memset(&id, 0, sizeof(id));
    if ((n->id.fqdn && !(id.fqdn = ofd_strdup(n->id.fqdn)))
        || (n->id.pool_fqdn && !(id.pool_fqdn = ofd_strdup(n->id.pool_fqdn)))
        || (n->id.backend && !(id.backend = ofd_strdup(n->id.backend)))) {
        node_identity_free(&id);
        return ofd_err_nomem(e);
    }
    *out = id;
    return OFD_OK;
}

/* The ownership record: {"owned": [{"class": .., "key": ..}]} in owned_path. */
static enum ofd_code wn_owned(void *ctx, struct node_owned *out, ofd_err *e)
{
    struct wnode *n = ctx;
    struct node_owned o = {0};
    cJSON *root = NULL;
    const cJSON *arr, *it;
    char *text = NULL;
    size_t len = 0;
    enum ofd_code rc;

    if (!n->owned_path) {
        *out = o;
        return OFD_OK;
    }
    if ((rc = ofd_read_file(n->owned_path, 16u << 20, &text, &len, e)) == OFD_E_NOTFOUND) {
        ofd_err_clear(e);
        *out = o;
        return OFD_OK; /* nothing owned yet */
    }
    if (rc != OFD_OK)
        goto out;
    if (!(root = cJSON_ParseWithLength(text, len))
        || !cJSON_IsArray(arr = cJSON_GetObjectItemCaseSensitive(root, "owned"))) {
        rc = ofd_err_set(e, OFD_E_INVALID, "%s: not an ownership record ({\"owned\": [...]})", n->owned_path);
        goto out;
    }
    if (cJSON_GetArraySize(arr) && !(o.v = calloc((size_t)cJSON_GetArraySize(arr), sizeof(*o.v)))) {
        rc = ofd_err_nomem(e);
        goto out;
    }
    o.restart_pending = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(root, "restart_pending"));
    cJSON_ArrayForEach(it, arr)
    {
        const cJSON *c = cJSON_GetObjectItemCaseSensitive(it, "class"),
                    *k = cJSON_GetObjectItemCaseSensitive(it, "key");

        if (!cJSON_IsString(c) || !cJSON_IsString(k)) {
            rc = ofd_err_set(e, OFD_E_INVALID, "%s: entry %zu is not {\"class\", \"key\"}", n->owned_path, o.n);
            goto out;
        }
        if (!(o.v[o.n].cls = ofd_strdup(c->valuestring)) || !(o.v[o.n].key = ofd_strdup(k->valuestring))) {
            o.n++;
            rc = ofd_err_nomem(e);
            goto out;
        }
        o.n++;
    }
    *out = o;
    memset(&o, 0, sizeof(o));
    rc = OFD_OK;
out:
    node_owned_free(&o);
    cJSON_Delete(root);
    free(text);
    return rc;
}

static void wn_close(void *ctx)
{
    struct wnode *n = ctx;

    if (!n)
        return;
    wmi_close(n->s);
    wmi_close(n->reg);
    node_identity_free(&n->id);
    free(n->owned_path);
    free(n);
}

/* ---- the write interface ---- */

/* Puts v into property name of o as the class map types it; a string with s == NULL
 * is VT_NULL (the property not set). */
static enum ofd_code put_value(IWbemClassObject *o, const struct ocs_class_def *def, const char *name,
                               const struct node_value *v, ofd_err *e)
{
    const struct ocs_prop_def *pd = ocs_prop_find(def, name);
    VARIANT var;
    SAFEARRAY *sa = NULL;
    void *data = NULL;
    LONG i;
    enum ofd_code rc;

    VariantInit(&var);
    if (!pd) {
        rc = ofd_err_set(e, OFD_E_INVALID, "%s.%s is not in the class map (agent/ocs_model.c)", def->name, name);
        goto out;
    }
    if (v->type == OCS_STRING && !v->s) {
        V_VT(&var) = VT_NULL;
    } else if (v->type != pd->type) {
        rc = ofd_err_set(e, OFD_E_INVALID, "%s.%s is a %s in the class map, not a %s", def->name, name,
                         ocs_type_name(pd->type), ocs_type_name(v->type));
        goto out;
    } else {
        switch (pd->type) {
        case OCS_STRING:
            V_VT(&var) = VT_BSTR;
            if (!(V_BSTR(&var) = wmi_bstr(v->s))) {
                rc = ofd_err_set(e, OFD_E_INVALID, "%s.%s: not valid UTF-8 (or out of memory)", def->name, name);
                goto out;
            }
            break;
        case OCS_UINT32:
            /* VT_I4 as Windows documents, VT_UI4 where a provider insists (Wine). */
            rc = wmi_put_uint32(o, name, v->u, e);
            goto out;
        case OCS_BOOLEAN:
            V_VT(&var) = VT_BOOL;
            V_BOOL(&var) = v->b ? VARIANT_TRUE : VARIANT_FALSE;
            break;
        case OCS_UINT8_ARRAY:
            if (!(sa = SafeArrayCreateVector(VT_UI1, 0, (ULONG)v->nbytes))
                || (v->nbytes && FAILED(SafeArrayAccessData(sa, &data)))) {
                rc = ofd_err_nomem(e);
                goto out;
            }
            if (v->nbytes) {
                memcpy(data, v->bytes, v->nbytes);
                SafeArrayUnaccessData(sa);
            }
            V_VT(&var) = VT_ARRAY | VT_UI1;
            V_ARRAY(&var) = sa;
            sa = NULL;
            break;
        case OCS_STRING_ARRAY:
            if (!(sa = SafeArrayCreateVector(VT_BSTR, 0, (ULONG)v->nstrs))) {
                rc = ofd_err_nomem(e);
                goto out;
            }
            for (i = 0; i < (LONG)v->nstrs; i++) {
                BSTR b = wmi_bstr(v->strs[i]);
                HRESULT hr = b ? SafeArrayPutElement(sa, &i, b) : E_OUTOFMEMORY; /* copies b */

                SysFreeString(b);
                if (FAILED(hr)) {
                    rc = ofd_err_set(e, OFD_E_NOMEM, "%s.%s: out of memory", def->name, name);
                    goto out;
                }
            }
            V_VT(&var) = VT_ARRAY | VT_BSTR;
            V_ARRAY(&var) = sa;
            sa = NULL;
            break;
        }
    }
    if ((rc = wmi_put_variant(o, name, &var, e)) != OFD_OK)
        ofd_err_prefix(e, "%s", def->name);
out:
    if (sa)
        SafeArrayDestroy(sa);
    VariantClear(&var);
    return rc;
}

static const struct ocs_class_def *writable_class(const char *cls, ofd_err *e)
{
    const struct ocs_class_def *def = ocs_class_find(cls);

    if (!def || !def->wmi) {
        ofd_err_set(e, OFD_E_INVALID, "%s is not an OCS WMI class the class map knows", cls);
        return NULL;
    }
    return def;
}

/* The object path of the instance of def with InstanceID id: its WMI keys, Backend
 * being this pool's. Malloc'ed, or NULL with e set. */
static char *instance_path(const struct wnode *n, const struct ocs_class_def *def, const char *id, ofd_err *e)
{
    const char *keys[2], *values[2];
    size_t k = 0;
    char *path;

    if (def->pool_scoped) {
        if (!n->id.backend) {
            ofd_err_set(e, OFD_E_NOTFOUND, "%s is kept per pool, and this server's pool (its Backend) was not found",
                        def->name);
            return NULL;
        }
        keys[k] = OCS_P_BACKEND;
        values[k++] = n->id.backend;
    }
    keys[k] = OCS_P_INSTANCE_ID;
    values[k++] = id;
    if (!(path = wmi_object_path(def->name, keys, values, k)))
        ofd_err_nomem(e);
    return path;
}

/* A new braced GUID, the form OCS's InstanceIDs have. */
static enum ofd_code new_instance_id(char out[40], ofd_err *e)
{
    GUID g;
    wchar_t w[40];
    char *u;
    HRESULT hr;

    if (FAILED(hr = CoCreateGuid(&g)))
        return ofd_err_hresult(e, hr, "CoCreateGuid");
    if (!StringFromGUID2(&g, w, 40) || !(u = ofd_wide_to_utf8(w)))
        return ofd_err_nomem(e);
    snprintf(out, 40, "%s", u);
    free(u);
    return OFD_OK;
}

/* Creates the instance with InstanceID given, or a new GUID: whether the R2 provider
 * takes a caller's InstanceID is UNCONFIRMED (docs/ocs-wmi-notes.md); if it made its
 * own, the read-back after the write says so and the apply is undone. */
static enum ofd_code wn_create_instance(void *ctx, const struct node_instance *inst, char **instance_id, ofd_err *e)
{
    struct wnode *n = ctx;
    const struct ocs_class_def *def;
    const struct node_value *given = node_instance_get(inst, OCS_P_INSTANCE_ID);
    IWbemClassObject *o = NULL;
    struct node_value idv;
    char id[40], *what = NULL, *ret = NULL;
    size_t i;
    enum ofd_code rc;

    memset(&idv, 0, sizeof(idv));
    if (!(def = writable_class(inst->cls, e))) {
        rc = e->code;
        goto out;
    }
    if (given && (given->type != OCS_STRING || !given->s || strlen(given->s) >= sizeof(id))) {
        rc = ofd_err_set(e, OFD_E_INVALID, "%s: InstanceID must be a braced GUID string", def->name);
        goto out;
    }
    if (given)
        snprintf(id, sizeof(id), "%s", given->s);
    else if ((rc = new_instance_id(id, e)) != OFD_OK)
        goto out;
    if ((rc = wmi_spawn(n->s, def->name, &o, e)) != OFD_OK)
        goto out;
    for (i = 0; i < inst->nprops; i++) {
        if (!ofd_strcasecmp(inst->props[i].name, OCS_P_INSTANCE_ID))
            continue;
        if ((rc = put_value(o, def, inst->props[i].name, &inst->props[i].v, e)) != OFD_OK)
            goto out;
    }
    if (def->pool_scoped && !node_instance_get(inst, OCS_P_BACKEND)) {
        if (!n->id.backend) {
            rc = ofd_err_set(e, OFD_E_NOTFOUND, "%s is kept per pool, and this server's pool was not found", def->name);
            goto out;
        }
        if ((rc = wmi_put_string(o, OCS_P_BACKEND, n->id.backend, e)) != OFD_OK)
            goto out;
    }
    idv.type = OCS_STRING;
    idv.s = id;
    if ((rc = put_value(o, def, OCS_P_INSTANCE_ID, &idv, e)) != OFD_OK)
        goto out;
    if (!(what = instance_path(n, def, id, e)) || !(ret = ofd_strdup(id))) {
        rc = what ? ofd_err_nomem(e) : e->code;
        goto out;
    }
    if ((rc = wmi_put_instance(n->s, o, WBEM_FLAG_CREATE_ONLY, what, e)) != OFD_OK)
        goto out;
    *instance_id = ret;
    ret = NULL;
out:
    if (o)
        IWbemClassObject_Release(o);
    free(what);
    free(ret);
    return rc;
}

static enum ofd_code wn_update_instance(void *ctx, const char *cls, const char *instance_id,
                                        const struct node_instance *props, ofd_err *e)
{
    struct wnode *n = ctx;
    const struct ocs_class_def *def;
    IWbemClassObject *o = NULL;
    char *path = NULL;
    size_t i;
    enum ofd_code rc;

    if (!(def = writable_class(cls, e)) || !(path = instance_path(n, def, instance_id, e))) {
        rc = e->code;
        goto out;
    }
    if ((rc = wmi_get_object(n->s, path, &o, e)) != OFD_OK)
        goto out;
    for (i = 0; i < props->nprops; i++) {
        if (!ofd_strcasecmp(props->props[i].name, OCS_P_INSTANCE_ID)
            || !ofd_strcasecmp(props->props[i].name, OCS_P_BACKEND)) {
            rc = ofd_err_set(e, OFD_E_INVALID, "%s.%s is a key: it cannot be updated", cls, props->props[i].name);
            goto out;
        }
        if ((rc = put_value(o, def, props->props[i].name, &props->props[i].v, e)) != OFD_OK)
            goto out;
    }
    rc = wmi_put_instance(n->s, o, WBEM_FLAG_UPDATE_ONLY, path, e);
out:
    if (o)
        IWbemClassObject_Release(o);
    free(path);
    return rc;
}

static enum ofd_code wn_get_instance(void *ctx, const char *cls, const char *instance_id, struct node_instance *out,
                                     int *found, ofd_err *e)
{
    struct wnode *n = ctx;
    const struct ocs_class_def *def;
    IWbemClassObject *o = NULL;
    char *path = NULL;
    enum ofd_code rc;

    *found = 0;
    if (!(def = writable_class(cls, e)) || !(path = instance_path(n, def, instance_id, e)))
        return e->code;
    rc = wmi_get_object(n->s, path, &o, e);
    if (rc == OFD_E_NOTFOUND)
        rc = OFD_OK;
    else if (rc == OFD_OK && (rc = read_instance(def, o, out, e)) == OFD_OK)
        *found = 1;
    if (o)
        IWbemClassObject_Release(o);
    free(path);
    return rc;
}

static enum ofd_code wn_delete_instance(void *ctx, const char *cls, const char *instance_id, ofd_err *e)
{
    struct wnode *n = ctx;
    const struct ocs_class_def *def;
    char *path = NULL;
    enum ofd_code rc;

    if (!(def = writable_class(cls, e)) || !(path = instance_path(n, def, instance_id, e)))
        return e->code;
    rc = wmi_delete_instance(n->s, path, e);
    free(path);
    return rc;
}

static enum ofd_code wn_add_certificate(void *ctx, const char *store, const unsigned char *der, size_t len, ofd_err *e)
{
    int added = 0;

    (void)ctx;
    return cs_store_add(store, der, len, &added, e);
}

static enum ofd_code wn_remove_certificate(void *ctx, const char *store, const unsigned char tp[20], ofd_err *e)
{
    int removed = 0;

    (void)ctx;
    return cs_store_remove(store, tp, &removed, e);
}

static enum ofd_code wn_import_pfx(void *ctx, const unsigned char *pfx, size_t len, const char *password,
                                   unsigned char tp[20], ofd_err *e)
{
    (void)ctx;
    return cs_store_import_pfx(pfx, len, password, tp, e);
}

/* R13, R14 with CryptoAPI, as OCS will use the certificate: the machine's chain
 * engine, with the certificates being added counted as in their stores, and a
 * signature made with the linked private key (of a certificate already in My; one still
 * to be imported from its PKCS#12 brings its key along). */
static enum ofd_code wn_cert_usable(void *ctx, const unsigned char tp[20], const struct node_certs *adding, ofd_err *e)
{
    struct cs_der *roots = NULL, *inter = NULL, leaf = {NULL, 0};
    size_t i, nr = 0, ni = 0, n = adding ? adding->n : 0;
    int in_my = 0;
    enum ofd_code rc;

    (void)ctx;
    if ((rc = cs_store_find(ocs_lit.store_my, tp, &in_my, e)) != OFD_OK)
        return rc;
    if (n && (!(roots = calloc(n, sizeof(*roots))) || !(inter = calloc(n, sizeof(*inter))))) {
        rc = ofd_err_nomem(e);
        goto out;
    }
    for (i = 0; i < n; i++) {
        const struct node_cert *c = &adding->v[i];
        if (!c->der)
            continue;
        if (!ofd_strcasecmp(c->store, ocs_lit.store_root))
            roots[nr++] = (struct cs_der){c->der, c->der_len};
        else if (!ofd_strcasecmp(c->store, ocs_lit.store_ca))
            inter[ni++] = (struct cs_der){c->der, c->der_len};
        else if (!ofd_strcasecmp(c->store, ocs_lit.store_my) && !memcmp(c->tp, tp, 20))
            leaf = (struct cs_der){c->der, c->der_len};
    }
    if ((rc = cs_store_verify_chain_with(ocs_lit.store_my, tp, leaf.der ? &leaf : NULL, roots, nr, inter, ni, e))
            == OFD_OK
        && in_my)
        rc = cs_store_key_usable(ocs_lit.store_my, tp, e);
out:
    free(roots);
    free(inter);
    return rc;
}

static enum ofd_code wn_set_fips(void *ctx, int enabled, ofd_err *e)
{
    struct wnode *n = ctx;
    enum ofd_code rc;

    /* StdRegProv lives in ROOT\DEFAULT, not with OCS's classes. */
    if (!n->reg && (rc = wmi_open("ROOT\\DEFAULT", &n->reg, e)) != OFD_OK)
        return rc;
    return wmi_fips_set(n->reg, &n->os, enabled, e);
}

static enum ofd_code wn_restart_service(void *ctx, const char *name, ofd_err *e)
{
    struct wnode *n = ctx;
    uint32_t pid = 0;

    return scm_service_restart(name, n->restart_timeout_ms, &pid, e);
}

static enum ofd_code wn_set_owned(void *ctx, const struct node_owned *owned, ofd_err *e)
{
    struct wnode *n = ctx;
    cJSON *root = NULL, *arr, *x;
    char *text = NULL;
    size_t i;
    enum ofd_code rc;

    if (!n->owned_path) {
        rc = ofd_err_set(e, OFD_E_INVALID, "no file is configured for the record of what ocsfed owns");
        goto out;
    }
    if (!(root = cJSON_CreateObject()) || !(arr = cJSON_AddArrayToObject(root, "owned"))
        || (owned->restart_pending && !cJSON_AddTrueToObject(root, "restart_pending"))) {
        rc = ofd_err_nomem(e);
        goto out;
    }
    for (i = 0; i < owned->n; i++) {
        if (!(x = cJSON_CreateObject()) || !cJSON_AddItemToArray(arr, x)
            || !cJSON_AddStringToObject(x, "class", owned->v[i].cls)
            || !cJSON_AddStringToObject(x, "key", owned->v[i].key)) {
            rc = ofd_err_nomem(e);
            goto out;
        }
    }
    if (!(text = cJSON_Print(root))) {
        rc = ofd_err_nomem(e);
        goto out;
    }
    rc = ofd_write_file_atomic(n->owned_path, text, strlen(text), e);
out:
    cJSON_free(text);
    cJSON_Delete(root);
    return rc;
}

/* ---- the provider's class definitions (node_ops.schema) ---- */

/* A CIM type as the text the export and the vocabulary check use ("uint8[]"). */
static void cim_type_text(CIMTYPE t, char *buf, size_t len)
{
    const char *name;

    switch (t & ~CIM_FLAG_ARRAY) {
    case CIM_SINT8: name = "sint8"; break;
    case CIM_UINT8: name = "uint8"; break;
    case CIM_SINT16: name = "sint16"; break;
    case CIM_UINT16: name = "uint16"; break;
    case CIM_SINT32: name = "sint32"; break;
    case CIM_UINT32: name = "uint32"; break;
    case CIM_SINT64: name = "sint64"; break;
    case CIM_UINT64: name = "uint64"; break;
    case CIM_REAL32: name = "real32"; break;
    case CIM_REAL64: name = "real64"; break;
    case CIM_BOOLEAN: name = "boolean"; break;
    case CIM_STRING: name = "string"; break;
    case CIM_DATETIME: name = "datetime"; break;
    case CIM_REFERENCE: name = "reference"; break;
    case CIM_CHAR16: name = "char16"; break;
    case CIM_OBJECT: name = "object"; break;
    default: name = "unknown"; break;
    }
    snprintf(buf, len, "%s%s", name, (t & CIM_FLAG_ARRAY) ? "[]" : "");
}

/* A qualifier's VARIANT as a node value: strings, booleans, non-negative integers as
 * uint32 (others as their decimal text), arrays as string[]. 1: skipped (another type),
 * 0: *out set, -1: out of memory. */
static int qualifier_value(const VARIANT *v, struct node_value *out)
{
    char num[32];
    SAFEARRAY *sa;
    void *data = NULL;
    LONG lo = 0, hi = -1, i;
    VARTYPE et;

    memset(out, 0, sizeof(*out));
    switch (V_VT(v)) {
    case VT_BSTR: out->type = OCS_STRING; return (out->s = ofd_wide_to_utf8(V_BSTR(v) ? V_BSTR(v) : L"")) ? 0 : -1;
    case VT_BOOL:
        out->type = OCS_BOOLEAN;
        out->b = V_BOOL(v) != VARIANT_FALSE;
        return 0;
    case VT_I4:
        if (V_I4(v) >= 0) {
            out->type = OCS_UINT32;
            out->u = (uint32_t)V_I4(v);
            return 0;
        }
        snprintf(num, sizeof(num), "%ld", (long)V_I4(v));
        out->type = OCS_STRING;
        return (out->s = ofd_strdup(num)) ? 0 : -1;
    default: break;
    }
    if (!(V_VT(v) & VT_ARRAY) || !(sa = V_ARRAY(v)) || SafeArrayGetDim(sa) != 1
        || FAILED(SafeArrayGetLBound(sa, 1, &lo)) || FAILED(SafeArrayGetUBound(sa, 1, &hi)))
        return 1;
    et = V_VT(v) & ~VT_ARRAY;
    if (et != VT_BSTR && et != VT_I4 && et != VT_BOOL)
        return 1;
    out->type = OCS_STRING_ARRAY;
    if (hi >= lo && !(out->strs = calloc((size_t)(hi - lo + 1), sizeof(*out->strs))))
        return -1;
    if (hi >= lo && FAILED(SafeArrayAccessData(sa, &data))) {
        node_value_free(out);
        return 1;
    }
    for (i = 0; i <= hi - lo; i++) {
        char *x;
        if (et == VT_BSTR) {
            BSTR b = ((BSTR *)data)[i];
            x = ofd_wide_to_utf8(b ? b : L"");
        } else if (et == VT_I4) {
            snprintf(num, sizeof(num), "%ld", (long)((LONG *)data)[i]);
            x = ofd_strdup(num);
        } else {
            x = ofd_strdup(((VARIANT_BOOL *)data)[i] != VARIANT_FALSE ? "true" : "false");
        }
        if (!x) {
            SafeArrayUnaccessData(sa);
            node_value_free(out);
            return -1;
        }
        out->strs[out->nstrs++] = x;
    }
    if (hi >= lo)
        SafeArrayUnaccessData(sa);
    return 0;
}

/* The qualifiers of property name of the class object o into p->qualifiers. */
static enum ofd_code read_qualifiers(IWbemClassObject *o, const wchar_t *name, struct node_schema_prop *p, ofd_err *e)
{
    IWbemQualifierSet *qs = NULL;
    BSTR qn = NULL;
    VARIANT qv;
    HRESULT hr;
    enum ofd_code rc = OFD_OK;

    VariantInit(&qv);
    if (FAILED(hr = IWbemClassObject_GetPropertyQualifierSet(o, name, &qs)))
        return ofd_err_hresult(e, hr, "the qualifiers of %s", p->name);
    if (FAILED(hr = IWbemQualifierSet_BeginEnumeration(qs, 0))) {
        rc = ofd_err_hresult(e, hr, "the qualifiers of %s", p->name);
        goto out;
    }
    while ((hr = IWbemQualifierSet_Next(qs, 0, &qn, &qv, NULL)) == WBEM_S_NO_ERROR) {
        struct node_value v;
        char *n8 = ofd_wide_to_utf8(qn);
        int r = n8 ? qualifier_value(&qv, &v) : -1;

        if (r == 0 && node_instance_add(&p->qualifiers, n8, &v) != OFD_OK)
            r = -1;
        free(n8);
        SysFreeString(qn);
        qn = NULL;
        VariantClear(&qv);
        if (r < 0) {
            rc = ofd_err_nomem(e);
            break;
        }
    }
    if (rc == OFD_OK && FAILED(hr))
        rc = ofd_err_hresult(e, hr, "the qualifiers of %s", p->name);
    IWbemQualifierSet_EndEnumeration(qs);
out:
    IWbemQualifierSet_Release(qs);
    return rc;
}

/* GetObject of the class: every non-system property with its CIM type and qualifiers. */
static enum ofd_code wn_schema(void *ctx, const char *cls, struct node_class_schema *out, int *known, ofd_err *e)
{
    struct wnode *n = ctx;
    struct node_class_schema c;
    IWbemClassObject *o = NULL;
    SAFEARRAY *names = NULL;
    BSTR *nv = NULL;
    LONG lo = 0, hi = -1, i;
    HRESULT hr;
    enum ofd_code rc;

    memset(&c, 0, sizeof(c));
    *known = 1; /* the provider itself answers */
    if (!(c.cls = ofd_strdup(cls))) {
        rc = ofd_err_nomem(e);
        goto out;
    }
    rc = wmi_get_object(n->s, cls, &o, e);
    if (rc == OFD_E_NOTFOUND || (rc == OFD_E_PLATFORM && e->raw == (long)WBEM_E_INVALID_CLASS)) {
        ofd_err_clear(e);
        c.absent = 1; /* no such class on this server */
        rc = OFD_OK;
        goto done;
    }
    if (rc != OFD_OK)
        goto out;
    if (FAILED(hr = IWbemClassObject_GetNames(o, NULL, WBEM_FLAG_ALWAYS | WBEM_FLAG_NONSYSTEM_ONLY, NULL, &names))
        || FAILED(hr = SafeArrayGetLBound(names, 1, &lo)) || FAILED(hr = SafeArrayGetUBound(names, 1, &hi))
        || FAILED(hr = SafeArrayAccessData(names, (void **)&nv))) {
        rc = ofd_err_hresult(e, hr, "the properties of WMI class %s", cls);
        goto out;
    }
    if (hi >= lo && !(c.props = calloc((size_t)(hi - lo + 1), sizeof(*c.props)))) {
        rc = ofd_err_nomem(e);
        goto out;
    }
    for (i = 0; i <= hi - lo; i++) {
        struct node_schema_prop *p = &c.props[c.nprops++];
        CIMTYPE t = 0;
        char text[32];

        if (!(p->name = ofd_wide_to_utf8(nv[i]))) {
            rc = ofd_err_nomem(e);
            goto out;
        }
        if (FAILED(hr = IWbemClassObject_Get(o, nv[i], 0, NULL, &t, NULL))) {
            rc = ofd_err_hresult(e, hr, "the CIM type of %s.%s", cls, p->name);
            goto out;
        }
        cim_type_text(t, text, sizeof(text));
        if (!(p->type = ofd_strdup(text))) {
            rc = ofd_err_nomem(e);
            goto out;
        }
        if ((rc = read_qualifiers(o, nv[i], p, e)) != OFD_OK) {
            ofd_err_prefix(e, "WMI class %s", cls);
            goto out;
        }
    }
done:
    *out = c;
    memset(&c, 0, sizeof(c));
    rc = OFD_OK;
out:
    if (nv)
        SafeArrayUnaccessData(names);
    if (names)
        SafeArrayDestroy(names);
    if (o)
        IWbemClassObject_Release(o);
    node_class_schema_free(&c);
    return rc;
}

/* Every instance with every property the definition has (the export). */
static enum ofd_code wn_instances_all(void *ctx, const char *cls, struct node_instances *out, ofd_err *e)
{
    struct node_class_schema all;
    int known = 0;
    enum ofd_code rc;

    memset(&all, 0, sizeof(all));
    if ((rc = wn_schema(ctx, cls, &all, &known, e)) == OFD_OK) {
        if (all.absent)
            memset(out, 0, sizeof(*out)); /* no such class here: no instance */
        else
            rc = query_class(ctx, cls, &all, out, e);
    }
    node_class_schema_free(&all);
    return rc;
}

static const struct node_ops wmi_node_ops = {
    .kind = "wmi",
    .identity = wn_identity,
    .instances = wn_instances,
    .certificates = wn_certificates,
    .fips = wn_fips,
    .service_state = wn_service_state,
    .owned = wn_owned,
    .resolve = NULL,
    .close = wn_close,
    .create_instance = wn_create_instance,
    .update_instance = wn_update_instance,
    .delete_instance = wn_delete_instance,
    .add_certificate = wn_add_certificate,
    .remove_certificate = wn_remove_certificate,
    .set_fips = wn_set_fips,
    .restart_service = wn_restart_service,
    .set_owned = wn_set_owned,
    .get_instance = wn_get_instance,
    .import_pfx = wn_import_pfx,
    .cert_usable = wn_cert_usable,
    .schema = wn_schema,
    .instances_all = wn_instances_all,
};

/* Pool discovery: the MSFT_SIPPoolSetting whose member list holds this server. */
struct pool_ctx {
    struct wnode *n;
    int found;
};

static enum ofd_code pool_row(void *ctx, IWbemClassObject *row, ofd_err *e)
{
    struct pool_ctx *p = ctx;
    const struct ocs_class_def *def = ocs_class_find(OCS_CLASS_POOL);
    struct node_value fqdn = {0}, members = {0}, db = {0};
    int have_fqdn = 0, have_members = 0, have_db = 0;
    size_t i;
    enum ofd_code rc;

    if ((rc = wmi_node_read_value(row, def->name, ocs_prop_find(def, OCS_P_POOL_FQDN), &fqdn, &have_fqdn, e)) != OFD_OK
        || (rc = wmi_node_read_value(row, def->name, ocs_prop_find(def, OCS_P_POOL_MEMBER_LIST), &members,
                                     &have_members, e))
               != OFD_OK
        || (rc = wmi_node_read_value(row, def->name, ocs_prop_find(def, OCS_P_BACK_END_DB_PATH), &db, &have_db, e))
               != OFD_OK)
        goto out;
    for (i = 0; have_fqdn && have_members && !p->found && i < members.nstrs; i++) {
        if (ofd_strcasecmp(members.strs[i], p->n->id.fqdn) != 0)
            continue;
        p->found = 1;
        if (!(p->n->id.pool_fqdn = ofd_strlower(ofd_strdup(fqdn.s)))) {
            rc = ofd_err_nomem(e);
            goto out;
        }
        /* Standard Edition keeps its pool in the local SQL Express instance. */
        if (!(p->n->id.backend =
                  ofd_strdup(ofd_strcasecmp(fqdn.s, p->n->id.fqdn) == 0 || !have_db ? ocs_lit.se_backend : db.s))) {
            rc = ofd_err_nomem(e);
            goto out;
        }
    }
    rc = OFD_OK;
out:
    node_value_free(&fqdn);
    node_value_free(&members);
    node_value_free(&db);
    return rc;
}

enum ofd_code wmi_node_open(const struct wmi_node_config *cfg, struct node *out, ofd_err *e)
{
    struct wnode *n = NULL;
    struct pool_ctx pc;
    wchar_t name[512];
    DWORD len = sizeof(name) / sizeof(name[0]);
    enum ofd_code rc;

    if (!(n = calloc(1, sizeof(*n)))) {
        rc = ofd_err_nomem(e);
        goto out;
    }
    /* The Front End takes a while to stop and start on a busy pool. */
    n->restart_timeout_ms = cfg->restart_timeout_ms ? cfg->restart_timeout_ms : 180000;
    rc = cfg->svc ? wmi_open_services(cfg->svc, &n->s, e) : wmi_open("ROOT\\CIMV2", &n->s, e);
    if (rc != OFD_OK)
        goto out;
    if ((rc = wmi_os_version(&n->os, e)) != OFD_OK)
        goto out;
    if (cfg->fqdn) {
        n->id.fqdn = ofd_strdup(cfg->fqdn);
    } else if (GetComputerNameExW(ComputerNameDnsFullyQualified, name, &len)) {
        n->id.fqdn = ofd_wide_to_utf8(name);
    } else {
        rc = ofd_err_win32(e, GetLastError(), "cannot read this server's DNS name");
        goto out;
    }
    if (!n->id.fqdn || !ofd_strlower(n->id.fqdn)
        || (cfg->owned_path && !(n->owned_path = ofd_strdup(cfg->owned_path)))) {
        rc = ofd_err_nomem(e);
        goto out;
    }
    pc.n = n;
    pc.found = 0;
    if ((rc = wmi_query(n->s, "SELECT * FROM " OCS_CLASS_POOL, pool_row, &pc, e)) != OFD_OK) {
        ofd_err_prefix(e, "finding this server's pool (is OCS 2007 R2 installed?)");
        goto out;
    }
    /* Every front end, Standard Edition included, is a member of one pool. */
    if (!pc.found) {
        rc = ofd_err_set(e, OFD_E_NOTFOUND,
                         "no OCS pool (" OCS_CLASS_POOL ".PoolMemberList) lists this server, %s: "
                         "is OCS 2007 R2 installed here, and is that its FQDN?",
                         n->id.fqdn);
        goto out;
    }
    out->ops = &wmi_node_ops;
    out->ctx = n;
    n = NULL;
    rc = OFD_OK;
out:
    wn_close(n);
    return rc;
}

struct wmi_session *wmi_node_session(const struct node *n)
{
    return n && n->ops == &wmi_node_ops ? ((struct wnode *)n->ctx)->s : NULL;
}
