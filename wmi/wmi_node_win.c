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

static enum ofd_code add_row(void *ctx, IWbemClassObject *row, ofd_err *e)
{
    struct rows *r = ctx;
    struct node_instance inst;
    enum ofd_code rc;

    memset(&inst, 0, sizeof(inst));
    if ((rc = read_instance(r->def, row, &inst, e)) != OFD_OK)
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

static enum ofd_code wn_instances(void *ctx, const char *cls, struct node_instances *out, ofd_err *e)
{
    struct wnode *n = ctx;
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
    if ((rc = wmi_query(n->s, wql, add_row, &r, e)) != OFD_OK) {
        node_instances_free(&l);
        goto out;
    }
    *out = l;
out:
    free(quoted);
    return rc;
}

struct certs_ctx {
    const char *store;
    struct node_certs *l;
};

static enum ofd_code add_cert(void *ctx, const unsigned char *der, size_t len, ofd_err *e)
{
    struct certs_ctx *c = ctx;
    struct node_cert *nc, *v;

    if (!(v = realloc(c->l->v, (c->l->n + 1) * sizeof(*v))))
        return ofd_err_nomem(e);
    c->l->v = v;
    nc = &v[c->l->n];
    memset(nc, 0, sizeof(*nc));
    snprintf(nc->store, sizeof(nc->store), "%s", c->store);
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
    if ((rc = cs_store_enum(store, add_cert, &c, e)) != OFD_OK) {
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
