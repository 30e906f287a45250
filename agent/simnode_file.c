/* The simulated node's file: the JSON format it is read from (strictly, each error at
 * its position) and saved to (whole, atomically, InstanceIDs in order so that an undo
 * gives the same bytes back), and `ocsfed sim init`. */
#include "simnode.h"
#include "simnode_model.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cs.h"
#include "fsutil.h"
#include "jsonpos.h"
#include "manifest.h"
#include "strbuf.h"
#include "strmap.h"

struct sload {
    const char *name;
    const struct jsonpos *pos;
    struct strbuf ptr;
    ofd_err *e;
};

static enum ofd_code bad(struct sload *l, const char *ptr, const char *fmt, ...) OFD_PRINTF(3, 4);

static enum ofd_code bad(struct sload *l, const char *ptr, const char *fmt, ...)
{
    char msg[700], buf[1024], *slash;
    int line = 0, col = 0;
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    snprintf(buf, sizeof(buf), "%s", ptr);
    while (!jsonpos_find(l->pos, buf, &line, &col) && (slash = strrchr(buf, '/')))
        *slash = '\0';
    return ofd_err_set(l->e, OFD_E_INVALID, "%s:%d:%d: %s%s%s", l->name, line, col, ptr, ptr[0] ? ": " : "", msg);
}

static const char *ptr2(char *buf, size_t len, const char *a, const char *b)
{
    struct strbuf sb = {0};

    sb_append(&sb, a);
    jsonpos_push(&sb, b);
    snprintf(buf, len, "%s", sb_str(&sb));
    sb_free(&sb);
    return buf;
}

static enum ofd_code load_instance(struct sload *l, const cJSON *obj, const char *ptr, const char *cls,
                                   struct node_instance *out)
{
    const struct ocs_class_def *def = ocs_class_find(cls);
    struct node_instance inst;
    const cJSON *p;
    char pp[1024];
    enum ofd_code rc = OFD_E_INVALID;

    memset(&inst, 0, sizeof(inst));
    if (!cJSON_IsObject(obj)) {
        rc = bad(l, ptr, "expected an object of WMI properties");
        goto out;
    }
    if (!(inst.cls = ofd_strdup(cls)))
        goto oom;
    cJSON_ArrayForEach(p, obj)
    {
        const struct ocs_prop_def *pd = ocs_prop_find(def, p->string);
        struct node_value v;
        enum ocs_type t;
        ofd_err e2;

        ptr2(pp, sizeof(pp), ptr, p->string);
        if (cJSON_IsNull(p))
            continue; /* WMI NULL: the property is not set */
        if (cJSON_IsObject(p) && !pd)
            continue; /* PowerShell metadata of a dump (Scope, Path, Options...) */
        if (pd) {
            t = pd->type;
        } else if (node_value_guess_type(p, &t) != 0) {
            rc = bad(l, pp, "cannot tell the CIM type of '%s'", p->string);
            goto out;
        }
        ofd_err_clear(&e2);
        if ((rc = node_value_from_json(p, t, &v, &e2)) != OFD_OK) {
            rc = rc == OFD_E_NOMEM ? ofd_err_nomem(l->e) : bad(l, pp, "%s.%s: %s", cls, p->string, e2.msg);
            goto out;
        }
        if (node_instance_add(&inst, pd ? pd->name : p->string, &v) != OFD_OK)
            goto oom;
    }
    *out = inst;
    memset(&inst, 0, sizeof(inst));
    rc = OFD_OK;
    goto out;
oom:
    rc = ofd_err_nomem(l->e);
out:
    node_instance_free(&inst);
    return rc;
}

static enum ofd_code load_ocs(struct sload *l, const cJSON *ocs, struct sim *s)
{
    const cJSON *c, *it;
    char p[1024], q[1100];
    enum ofd_code rc;

    if (!cJSON_IsObject(ocs))
        return bad(l, "/ocs", "expected an object keyed by WMI class name");
    if (!(s->classes = calloc((size_t)cJSON_GetArraySize(ocs) + 1, sizeof(*s->classes))))
        return ofd_err_nomem(l->e);
    cJSON_ArrayForEach(c, ocs)
    {
        struct sim_class *sc = &s->classes[s->nclasses];
        size_t i = 0;

        ptr2(p, sizeof(p), "/ocs", c->string);
        if (cJSON_IsObject(c)) {
            /* ConvertTo-Json writes a class with one instance as that object */
            if (!(sc->name = ofd_strdup(c->string)) || !(sc->inst.v = calloc(1, sizeof(*sc->inst.v))))
                return ofd_err_nomem(l->e);
            s->nclasses++;
            if ((rc = load_instance(l, c, p, c->string, &sc->inst.v[0])) != OFD_OK)
                return rc;
            sc->inst.n = 1;
            continue;
        }
        if (!cJSON_IsArray(c))
            return bad(l, p, "expected an array of instances of %s", c->string);
        if (!(sc->name = ofd_strdup(c->string)))
            return ofd_err_nomem(l->e);
        s->nclasses++;
        if (cJSON_GetArraySize(c) && !(sc->inst.v = calloc((size_t)cJSON_GetArraySize(c), sizeof(*sc->inst.v))))
            return ofd_err_nomem(l->e);
        cJSON_ArrayForEach(it, c)
        {
            snprintf(q, sizeof(q), "%s/%zu", p, i++);
            if ((rc = load_instance(l, it, q, c->string, &sc->inst.v[sc->inst.n])) != OFD_OK)
                return rc;
            sc->inst.n++;
        }
    }
    return OFD_OK;
}

static enum ofd_code load_certs(struct sload *l, const cJSON *certs, struct sim *s)
{
    const cJSON *st, *it;
    char p[256], q[300];
    size_t total = 0;

    if (!cJSON_IsObject(certs))
        return bad(l, "/certificates", "expected an object keyed by store (Root, CA, My)");
    cJSON_ArrayForEach(st, certs)
    {
        if (strcmp(st->string, "Root") && strcmp(st->string, "CA") && strcmp(st->string, "My"))
            return bad(l, ptr2(p, sizeof(p), "/certificates", st->string), "unknown store '%s' (Root, CA, My)",
                       st->string);
        if (!cJSON_IsArray(st))
            return bad(l, ptr2(p, sizeof(p), "/certificates", st->string), "expected an array of certificates");
        total += (size_t)cJSON_GetArraySize(st);
    }
    if (total && !(s->certs.v = calloc(total, sizeof(*s->certs.v))))
        return ofd_err_nomem(l->e);
    cJSON_ArrayForEach(st, certs)
    {
        size_t i = 0;
        ptr2(p, sizeof(p), "/certificates", st->string);
        cJSON_ArrayForEach(it, st)
        {
            struct node_cert *c = &s->certs.v[s->certs.n];
            const cJSON *tp = cJSON_GetObjectItemCaseSensitive(it, "thumbprint");
            const cJSON *der = cJSON_GetObjectItemCaseSensitive(it, "der");
            const cJSON *key = cJSON_GetObjectItemCaseSensitive(it, "private_key");
            unsigned char tpv[CS_SHA1_LEN];
            ofd_err e2;

            snprintf(q, sizeof(q), "%s/%zu", p, i++);
            if (!cJSON_IsObject(it) || (!tp && !der))
                return bad(l, q, "expected {\"thumbprint\": hex, \"der\": base64}");
            snprintf(c->store, sizeof(c->store), "%s", st->string);
            s->certs.n++;
            if (key && !cJSON_IsBool(key))
                return bad(l, q, "'private_key' is true or false (whether one is linked to it)");
            c->key_known = key != NULL;
            c->has_key = cJSON_IsTrue(key);
            if (der) {
                if (!cJSON_IsString(der) || cs_base64_decode(der->valuestring, &c->der, &c->der_len))
                    return bad(l, q, "'der' is not base64");
                ofd_err_clear(&e2);
                if (cs_x509_thumbprint(c->der, c->der_len, c->tp, &e2) != OFD_OK)
                    return bad(l, q, "%s", e2.msg);
            }
            if (tp) {
                ofd_err_clear(&e2);
                if (!cJSON_IsString(tp) || cs_thumbprint_parse(tp->valuestring, tpv, &e2))
                    return bad(l, q, "'thumbprint' is not 40 hexadecimal digits");
                if (der && memcmp(tpv, c->tp, CS_SHA1_LEN) != 0)
                    return bad(l, q, "'thumbprint' does not match the SHA-1 of 'der'");
                memcpy(c->tp, tpv, CS_SHA1_LEN);
            }
        }
    }
    return OFD_OK;
}

/* One property of a class definition: {"type": "uint32", "qualifiers": {...}}. */
static enum ofd_code load_schema_prop(struct sload *l, const cJSON *j, const char *ptr, struct node_schema_prop *out)
{
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(j, "type"),
                *q = cJSON_GetObjectItemCaseSensitive(j, "qualifiers");
    const cJSON *it;
    char pp[1100];

    if (!cJSON_IsObject(j))
        return bad(l, ptr, "expected {\"type\": CIM type, \"qualifiers\": {...}}");
    cJSON_ArrayForEach(it, j)
    {
        if (strcmp(it->string, "type") && strcmp(it->string, "qualifiers"))
            return bad(l, ptr2(pp, sizeof(pp), ptr, it->string), "unknown key '%s' (type, qualifiers)", it->string);
    }
    if (!cJSON_IsString(t) || !t->valuestring[0])
        return bad(l, ptr, "'type' is the property's CIM type (\"string\", \"uint32\", \"uint8[]\", ...)");
    if (q && !cJSON_IsObject(q))
        return bad(l, ptr2(pp, sizeof(pp), ptr, "qualifiers"), "expected an object of qualifiers");
    if (!(out->type = ofd_strdup(t->valuestring)))
        return ofd_err_nomem(l->e);
    cJSON_ArrayForEach(it, q)
    {
        struct node_value v;
        enum ocs_type ty;
        ofd_err e2;

        ptr2(pp, sizeof(pp), ptr, "qualifiers");
        if (node_value_guess_type(it, &ty) != 0) {
            char qp[1200];
            return bad(l, ptr2(qp, sizeof(qp), pp, it->string),
                       "a qualifier is a string, a boolean, a number or an array of them");
        }
        ofd_err_clear(&e2);
        if (node_value_from_json(it, ty, &v, &e2) != OFD_OK)
            return ofd_err_nomem(l->e);
        if (node_instance_add(&out->qualifiers, it->string, &v) != OFD_OK)
            return ofd_err_nomem(l->e);
    }
    return OFD_OK;
}

/* "schema": {"Class": {"Prop": {...}, ...} or null (no such class), ...}. */
static enum ofd_code load_schema(struct sload *l, const cJSON *j, struct sim *s)
{
    const cJSON *c, *p;
    char cp[1024], pp[1100];
    enum ofd_code rc;

    if (!cJSON_IsObject(j))
        return bad(l, "/schema", "expected an object keyed by WMI class name");
    s->has_schema = 1;
    if (cJSON_GetArraySize(j) && !(s->schema = calloc((size_t)cJSON_GetArraySize(j), sizeof(*s->schema))))
        return ofd_err_nomem(l->e);
    cJSON_ArrayForEach(c, j)
    {
        struct node_class_schema *cs = &s->schema[s->nschema++];

        ptr2(cp, sizeof(cp), "/schema", c->string);
        if (!(cs->cls = ofd_strdup(c->string)))
            return ofd_err_nomem(l->e);
        if (cJSON_IsNull(c)) {
            cs->absent = 1;
            continue;
        }
        if (!cJSON_IsObject(c))
            return bad(l, cp, "expected an object of properties, or null when the provider has no such class");
        if (cJSON_GetArraySize(c) && !(cs->props = calloc((size_t)cJSON_GetArraySize(c), sizeof(*cs->props))))
            return ofd_err_nomem(l->e);
        cJSON_ArrayForEach(p, c)
        {
            struct node_schema_prop *sp = &cs->props[cs->nprops++];
            if (!(sp->name = ofd_strdup(p->string)))
                return ofd_err_nomem(l->e);
            if ((rc = load_schema_prop(l, p, ptr2(pp, sizeof(pp), cp, p->string), sp)) != OFD_OK)
                return rc;
        }
    }
    return OFD_OK;
}

static enum ofd_code load(struct sload *l, const cJSON *root, struct sim *s)
{
    static const char *const keys[] = {
        "ocsfed_sim_node", "node",   "ocs", "certificates", "fips", "services", "dns", "ocsfed",
        "schema",          "export", NULL};
    const cJSON *j, *it;
    char p[256];
    enum ofd_code rc;
    size_t k;

    if (!cJSON_IsObject(root))
        return bad(l, "", "expected an object");
    cJSON_ArrayForEach(it, root)
    {
        for (k = 0; keys[k] && strcmp(keys[k], it->string); k++)
            ;
        if (!keys[k])
            return bad(l, ptr2(p, sizeof(p), "", it->string), "unknown key '%s'", it->string);
    }
    if ((j = cJSON_GetObjectItemCaseSensitive(root, "ocsfed_sim_node")) && !(cJSON_IsNumber(j) && j->valuedouble == 1))
        return bad(l, "/ocsfed_sim_node", "this ocsfed reads simulated node format 1");
    if ((j = cJSON_GetObjectItemCaseSensitive(root, "node"))) {
        static const char *const nk[] = {"fqdn", "pool", "backend", "pool_store"};
        char **dst[4];
        dst[0] = &s->id.fqdn;
        dst[1] = &s->id.pool_fqdn;
        dst[2] = &s->id.backend;
        dst[3] = &s->pool_store;
        if (!cJSON_IsObject(j))
            return bad(l, "/node", "expected an object");
        for (k = 0; k < 4; k++) {
            const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, nk[k]);
            if (!v || cJSON_IsNull(v))
                continue;
            if (!cJSON_IsString(v))
                return bad(l, ptr2(p, sizeof(p), "/node", nk[k]), "expected a string");
            if (!(*dst[k] = ofd_strdup(v->valuestring)))
                return ofd_err_nomem(l->e);
        }
    }
    if (s->pool_store
        && (!s->pool_store[0] || strpbrk(s->pool_store, "/\\:") || !strcmp(s->pool_store, ".")
            || !strcmp(s->pool_store, "..")))
        return bad(l, "/node/pool_store", "expected the name of a file beside this one, not a path");
    if ((j = cJSON_GetObjectItemCaseSensitive(root, "ocs")) && (rc = load_ocs(l, j, s)) != OFD_OK)
        return rc;
    /* With a pool store, the pool's classes live there only: one copy, as in OCS. */
    for (k = 0; s->pool_store && k < s->nclasses; k++) {
        const struct ocs_class_def *def = ocs_class_find(s->classes[k].name);
        if (def && def->pool_scoped && s->classes[k].inst.n)
            return bad(l, ptr2(p, sizeof(p), "/ocs", s->classes[k].name),
                       "%s is kept in the pool store '%s' of this node, not in the node's file", s->classes[k].name,
                       s->pool_store);
    }
    if ((j = cJSON_GetObjectItemCaseSensitive(root, "schema")) && (rc = load_schema(l, j, s)) != OFD_OK)
        return rc;
    if ((j = cJSON_GetObjectItemCaseSensitive(root, "export"))) {
        if (!cJSON_IsObject(j))
            return bad(l, "/export", "expected the object ocsfed export wrote");
        if (!(s->export_info = cJSON_Duplicate(j, 1)))
            return ofd_err_nomem(l->e);
    }
    if ((j = cJSON_GetObjectItemCaseSensitive(root, "certificates")) && (rc = load_certs(l, j, s)) != OFD_OK)
        return rc;
    if ((j = cJSON_GetObjectItemCaseSensitive(root, "fips"))) {
        const cJSON *en = cJSON_GetObjectItemCaseSensitive(j, OCS_P_ENABLED);
        if (!cJSON_IsNumber(en) || (en->valuedouble != 0 && en->valuedouble != 1))
            return bad(l, "/fips", "expected {\"Enabled\": 0 or 1} (the registry DWORD)");
        s->fips = en->valuedouble == 1;
    }
    if ((j = cJSON_GetObjectItemCaseSensitive(root, "services"))) {
        if (!cJSON_IsObject(j))
            return bad(l, "/services", "expected an object {\"NAME\": \"running\"}");
        if (cJSON_GetArraySize(j) && !(s->svcs = calloc((size_t)cJSON_GetArraySize(j), sizeof(*s->svcs))))
            return ofd_err_nomem(l->e);
        cJSON_ArrayForEach(it, j)
        {
            if (!cJSON_IsString(it))
                return bad(l, ptr2(p, sizeof(p), "/services", it->string),
                           "expected a state string (running, stopped)");
            s->svcs[s->nsvcs].name = ofd_strdup(it->string);
            s->svcs[s->nsvcs].state = ofd_strdup(it->valuestring);
            s->nsvcs++;
            if (!s->svcs[s->nsvcs - 1].name || !s->svcs[s->nsvcs - 1].state)
                return ofd_err_nomem(l->e);
        }
    }
    if ((j = cJSON_GetObjectItemCaseSensitive(root, "dns"))) {
        if (!cJSON_IsObject(j))
            return bad(l, "/dns", "expected an object {\"FQDN\": \"IPv4 address\"}");
        s->has_dns = 1;
        if (cJSON_GetArraySize(j) && !(s->dns = calloc((size_t)cJSON_GetArraySize(j), sizeof(*s->dns))))
            return ofd_err_nomem(l->e);
        cJSON_ArrayForEach(it, j)
        {
            if (!cJSON_IsString(it))
                return bad(l, ptr2(p, sizeof(p), "/dns", it->string), "expected an IPv4 address");
            s->dns[s->ndns].name = ofd_strdup(it->string);
            s->dns[s->ndns].state = ofd_strdup(it->valuestring);
            s->ndns++;
            if (!s->dns[s->ndns - 1].name || !s->dns[s->ndns - 1].state)
                return ofd_err_nomem(l->e);
        }
    }
    if ((j = cJSON_GetObjectItemCaseSensitive(root, "ocsfed"))) {
        const cJSON *own = cJSON_GetObjectItemCaseSensitive(j, "owned");
        const cJSON *rp = cJSON_GetObjectItemCaseSensitive(j, "restart_pending");
        size_t i = 0;
        if (!cJSON_IsObject(j) || (own && !cJSON_IsArray(own)))
            return bad(l, "/ocsfed", "expected {\"owned\": [{\"class\": .., \"key\": ..}]}");
        if (rp && !cJSON_IsBool(rp))
            return bad(l, "/ocsfed/restart_pending", "expected true or false");
        s->owned.restart_pending = cJSON_IsTrue(rp);
        if (own && cJSON_GetArraySize(own)
            && !(s->owned.v = calloc((size_t)cJSON_GetArraySize(own), sizeof(*s->owned.v))))
            return ofd_err_nomem(l->e);
        cJSON_ArrayForEach(it, own)
        {
            const cJSON *c = cJSON_GetObjectItemCaseSensitive(it, "class");
            const cJSON *kk = cJSON_GetObjectItemCaseSensitive(it, "key");
            snprintf(p, sizeof(p), "/ocsfed/owned/%zu", i++);
            if (!cJSON_IsString(c) || !cJSON_IsString(kk))
                return bad(l, p, "expected {\"class\": string, \"key\": string}");
            s->owned.v[s->owned.n].cls = ofd_strdup(c->valuestring);
            s->owned.v[s->owned.n].key = ofd_strdup(kk->valuestring);
            s->owned.n++;
            if (!s->owned.v[s->owned.n - 1].cls || !s->owned.v[s->owned.n - 1].key)
                return ofd_err_nomem(l->e);
        }
    }
    return OFD_OK;
}

/* The model as the file format simnode_open reads. NULL on oom. */
static int by_instance_id(const void *a, const void *b)
{
    const struct node_value *x = node_instance_get(a, OCS_P_INSTANCE_ID), *y = node_instance_get(b, OCS_P_INSTANCE_ID);
    const char *xs = x && x->type == OCS_STRING && x->s ? x->s : "",
               *ys = y && y->type == OCS_STRING && y->s ? y->s : "";

    return ofd_strcasecmp(xs, ys);
}

static cJSON *model_to_json(struct sim *s)
{
    static const char *const stores[] = {"Root", "CA", "My"};
    cJSON *root = NULL, *x, *y, *arr, *obj;
    size_t i, k, p;
    char hex[2 * CS_SHA1_LEN + 1], *b64;

    if (!(root = cJSON_CreateObject()) || !cJSON_AddNumberToObject(root, "ocsfed_sim_node", 1)
        || !(x = cJSON_AddObjectToObject(root, "node")))
        goto oom;
    if ((s->id.fqdn && !cJSON_AddStringToObject(x, "fqdn", s->id.fqdn))
        || (s->id.pool_fqdn && !cJSON_AddStringToObject(x, "pool", s->id.pool_fqdn))
        || (s->id.backend && !cJSON_AddStringToObject(x, "backend", s->id.backend))
        || (s->pool_store && !cJSON_AddStringToObject(x, "pool_store", s->pool_store)))
        goto oom;
    if (!(x = cJSON_AddObjectToObject(root, "ocs")))
        goto oom;
    for (i = 0; i < s->nclasses; i++) {
        if (!(arr = cJSON_AddArrayToObject(x, s->classes[i].name)))
            goto oom;
        /* InstanceID order: an undo that re-creates a deleted instance with its id puts
         * it back where it was, so a rolled-back node is byte for byte what it was. */
        if (s->classes[i].inst.n > 1)
            qsort(s->classes[i].inst.v, s->classes[i].inst.n, sizeof(s->classes[i].inst.v[0]), by_instance_id);
        for (k = 0; k < s->classes[i].inst.n; k++) {
            const struct node_instance *in = &s->classes[i].inst.v[k];
            if (!(obj = cJSON_CreateObject()) || !cJSON_AddItemToArray(arr, obj))
                goto oom;
            for (p = 0; p < in->nprops; p++) {
                cJSON *v = node_value_to_json(&in->props[p].v);
                if (!v || !cJSON_AddItemToObject(obj, in->props[p].name, v))
                    goto oom;
            }
        }
    }
    if (s->is_pool_store) /* a pool's store: the pool and its shared classes only */
        return root;
    if (s->has_schema) {
        if (!(x = cJSON_AddObjectToObject(root, "schema")))
            goto oom;
        for (i = 0; i < s->nschema; i++)
            if (!(y = node_class_schema_to_json(&s->schema[i])) || !cJSON_AddItemToObject(x, s->schema[i].cls, y))
                goto oom;
    }
    if (!(x = cJSON_AddObjectToObject(root, "certificates")))
        goto oom;
    for (k = 0; k < 3; k++) {
        if (!(arr = cJSON_AddArrayToObject(x, stores[k])))
            goto oom;
        for (i = 0; i < s->certs.n; i++) {
            const struct node_cert *c = &s->certs.v[i];
            if (ofd_strcasecmp(c->store, stores[k]) != 0)
                continue;
            cs_thumbprint_hex(c->tp, hex);
            if (!(obj = cJSON_CreateObject()) || !cJSON_AddItemToArray(arr, obj)
                || !cJSON_AddStringToObject(obj, "thumbprint", hex)
                || (c->key_known && !cJSON_AddBoolToObject(obj, "private_key", c->has_key)))
                goto oom;
            if (c->der) {
                if (!(b64 = cs_base64_encode(c->der, c->der_len)))
                    goto oom;
                y = cJSON_AddStringToObject(obj, "der", b64);
                free(b64);
                if (!y)
                    goto oom;
            }
        }
    }
    if (!(x = cJSON_AddObjectToObject(root, "fips")) || !cJSON_AddNumberToObject(x, OCS_P_ENABLED, s->fips)
        || !(x = cJSON_AddObjectToObject(root, "services")))
        goto oom;
    for (i = 0; i < s->nsvcs; i++)
        if (!cJSON_AddStringToObject(x, s->svcs[i].name, s->svcs[i].state))
            goto oom;
    if (s->has_dns) {
        if (!(x = cJSON_AddObjectToObject(root, "dns")))
            goto oom;
        for (i = 0; i < s->ndns; i++)
            if (!cJSON_AddStringToObject(x, s->dns[i].name, s->dns[i].state))
                goto oom;
    }
    if (!(x = cJSON_AddObjectToObject(root, "ocsfed")) || !(arr = cJSON_AddArrayToObject(x, "owned"))
        || (s->owned.restart_pending && !cJSON_AddTrueToObject(x, "restart_pending")))
        goto oom;
    for (i = 0; i < s->owned.n; i++) {
        if (!(obj = cJSON_CreateObject()) || !cJSON_AddItemToArray(arr, obj)
            || !cJSON_AddStringToObject(obj, "class", s->owned.v[i].cls)
            || !cJSON_AddStringToObject(obj, "key", s->owned.v[i].key))
            goto oom;
    }
    if (s->export_info && (!(y = cJSON_Duplicate(s->export_info, 1)) || !cJSON_AddItemToObject(root, "export", y)))
        goto oom;
    return root;
oom:
    cJSON_Delete(root);
    return NULL;
}

enum ofd_code simnode_model_save(struct sim *s, ofd_err *e)
{
    cJSON *root = NULL;
    char *text = NULL;
    enum ofd_code rc;

    if (!s->path) {
        rc = ofd_err_set(e, OFD_E_INVALID, "this simulated node was not read from a file: it cannot be written");
        goto out;
    }
    if (!(root = model_to_json(s)) || !(text = cJSON_Print(root))) {
        rc = ofd_err_nomem(e);
        goto out;
    }
    rc = ofd_write_file_atomic(s->path, text, strlen(text), e);
out:
    if (rc != OFD_OK)
        s->poisoned = 1;
    cJSON_free(text);
    cJSON_Delete(root);
    return rc;
}

enum ofd_code simnode_init_file(const char *path, const char *fqdn, const char *pool, const char *pool_store,
                                ofd_err *e)
{
    static const char *const classes[] = {OCS_CLASS_POOL, OCS_CLASS_DOMAIN, OCS_CLASS_LISTENING, OCS_CLASS_ROUTE,
                                          OCS_CLASS_HOST};
    cJSON *root = NULL, *node, *ocs, *certs, *x;
    char *text = NULL, *lfqdn = NULL, *lpool = NULL;
    const char *why;
    FILE *f = NULL;
    size_t i;
    enum ofd_code rc = OFD_E_NOMEM;

    if (!manifest_is_fqdn(fqdn, &why)) {
        rc = ofd_err_set(e, OFD_E_INVALID, "--fqdn '%s' %s", fqdn, why);
        goto out;
    }
    if (pool && !manifest_is_fqdn(pool, &why)) {
        rc = ofd_err_set(e, OFD_E_INVALID, "--pool '%s' %s", pool, why);
        goto out;
    }
    if (pool_store
        && (!pool || !pool_store[0] || strpbrk(pool_store, "/\\:") || !strcmp(pool_store, ".")
            || !strcmp(pool_store, ".."))) {
        rc = ofd_err_set(e, OFD_E_INVALID,
                         pool ? "--pool-store '%s': give the name of a file in the node file's folder"
                              : "--pool-store '%s' needs --pool: only the front ends of an Enterprise Edition pool "
                                "share a store",
                         pool_store);
        goto out;
    }
    if (!(lfqdn = ofd_strlower(ofd_strdup(fqdn))) || !(lpool = ofd_strlower(ofd_strdup(pool ? pool : fqdn))))
        goto oom;
    if (!(root = cJSON_CreateObject()) || !cJSON_AddNumberToObject(root, "ocsfed_sim_node", 1)
        || !(node = cJSON_AddObjectToObject(root, "node")) || !cJSON_AddStringToObject(node, "fqdn", lfqdn)
        || !cJSON_AddStringToObject(node, "pool", lpool)
        || (!pool && !cJSON_AddStringToObject(node, "backend", ocs_lit.se_backend))
        || (pool_store && !cJSON_AddStringToObject(node, "pool_store", pool_store))
        || !(ocs = cJSON_AddObjectToObject(root, "ocs")))
        goto oom;
    for (i = 0; i < sizeof(classes) / sizeof(classes[0]); i++)
        if (!cJSON_AddArrayToObject(ocs, classes[i]))
            goto oom;
    if (!(certs = cJSON_AddObjectToObject(root, "certificates")) || !cJSON_AddArrayToObject(certs, "Root")
        || !cJSON_AddArrayToObject(certs, "CA") || !cJSON_AddArrayToObject(certs, "My")
        || !(x = cJSON_AddObjectToObject(root, "fips")) || !cJSON_AddNumberToObject(x, OCS_P_ENABLED, 0)
        || !(x = cJSON_AddObjectToObject(root, "services")) || !cJSON_AddStringToObject(x, ocs_lit.service, "running")
        || !(x = cJSON_AddObjectToObject(root, "ocsfed")) || !cJSON_AddArrayToObject(x, "owned")
        || !(text = cJSON_Print(root)))
        goto oom;
    if (!(f = ofd_create_new(path))) {
        rc = errno == EEXIST ? ofd_err_set(e, OFD_E_CONFLICT, "'%s' exists: not overwriting it", path)
                             : ofd_err_set(e, OFD_E_IO, "cannot create '%s': %s", path, strerror(errno));
        goto out;
    }
    if (fputs(text, f) < 0 || fputc('\n', f) == EOF || fclose(f) != 0) {
        f = NULL;
        rc = ofd_err_set(e, OFD_E_IO, "cannot write '%s'", path);
        goto out;
    }
    f = NULL;
    rc = OFD_OK;
    goto out;
oom:
    rc = ofd_err_nomem(e);
out:
    if (f)
        fclose(f);
    free(text);
    free(lfqdn);
    free(lpool);
    cJSON_Delete(root);
    return rc;
}

enum ofd_code simnode_model_read(const char *text, size_t len, const char *name, struct sim **out, ofd_err *e)
{
    struct sim *s = NULL;
    struct jsonpos *pos = NULL;
    struct diags d = {0};
    cJSON *root = NULL;
    struct sload l;
    size_t bom;
    enum ofd_code rc;

    memset(&l, 0, sizeof(l));
    if (!(s = calloc(1, sizeof(*s)))) {
        rc = ofd_err_nomem(e);
        goto out;
    }
    if (len > SIMNODE_MAX_BYTES) {
        rc = ofd_err_set(e, OFD_E_INVALID, "%s: larger than %u bytes", name, SIMNODE_MAX_BYTES);
        goto out;
    }
    if ((rc = jsonpos_scan(text, len, &pos, &d, e)) != OFD_OK || d.nerrors) {
        if (d.n)
            rc = ofd_err_set(e, OFD_E_INVALID, "%s:%d:%d: %s", name, d.v[0].line, d.v[0].col, d.v[0].msg);
        goto out;
    }
    bom = jsonpos_skip_bom(text, len);
    if (!(root = cJSON_ParseWithLength(text + bom, len - bom))) {
        rc = ofd_err_set(e, OFD_E_INVALID, "%s: not well-formed JSON", name);
        goto out;
    }
    l.name = name;
    l.pos = pos;
    l.e = e;
    if ((rc = load(&l, root, s)) != OFD_OK)
        goto out;
    *out = s;
    s = NULL;
    rc = OFD_OK;
out:
    simnode_model_free(s);
    cJSON_Delete(root);
    jsonpos_free(pos);
    diags_free(&d);
    return rc;
}

/* ---- the snapshot `ocsfed export` writes ---- */

/* Reads what node n holds into the model s. */
static enum ofd_code snapshot_read(const struct node *n, struct sim *s, ofd_err *e)
{
    static const char *const stores[] = {"Root", "CA", "My"};
    const struct node_ops *o = n->ops;
    struct node_certs c = {0};
    struct strmap seen = {0};
    char *state = NULL;
    size_t k, i, nwmi = 0;
    int known;
    enum ofd_code rc;

    if ((rc = o->identity(n->ctx, &s->id, e)) != OFD_OK)
        goto out;
    for (k = 0; k < ocs_class_count(); k++)
        nwmi += ocs_class_at(k)->wmi != 0;
    if (!(s->classes = calloc(nwmi, sizeof(*s->classes))) || !(s->schema = calloc(nwmi, sizeof(*s->schema)))) {
        rc = ofd_err_nomem(e);
        goto out;
    }
    for (k = 0; k < ocs_class_count(); k++) {
        const struct ocs_class_def *def = ocs_class_at(k);
        struct sim_class *sc = &s->classes[s->nclasses];

        if (!def->wmi)
            continue;
        if (!(sc->name = ofd_strdup(def->name))) {
            rc = ofd_err_nomem(e);
            goto out;
        }
        s->nclasses++;
        /* Foreign entries included, and every property the provider holds. */
        rc = o->instances_all ? o->instances_all(n->ctx, def->name, &sc->inst, e)
                              : o->instances(n->ctx, def->name, &sc->inst, e);
        if (rc != OFD_OK)
            goto out;
        known = 0;
        if (o->schema && (rc = o->schema(n->ctx, def->name, &s->schema[s->nschema], &known, e)) != OFD_OK)
            goto out;
        if (known) {
            s->has_schema = 1;
            if (!s->schema[s->nschema].cls && !(s->schema[s->nschema].cls = ofd_strdup(def->name))) {
                rc = ofd_err_nomem(e);
                goto out;
            }
            s->nschema++;
        }
    }
    for (k = 0; k < 3; k++) {
        struct node_cert *v;
        if ((rc = o->certificates(n->ctx, stores[k], &c, e)) != OFD_OK)
            goto out;
        if (c.n) {
            if (!(v = realloc(s->certs.v, (s->certs.n + c.n) * sizeof(*v)))) {
                rc = ofd_err_nomem(e);
                goto out;
            }
            s->certs.v = v;
            for (i = 0; i < c.n; i++) {
                v[s->certs.n] = c.v[i];
                snprintf(v[s->certs.n].store, sizeof(v[s->certs.n].store), "%s", stores[k]);
                s->certs.n++;
            }
            free(c.v); /* the DER buffers moved to s */
            memset(&c, 0, sizeof(c));
        }
        node_certs_free(&c); /* an empty list may still hold its array */
    }
    if ((rc = o->fips(n->ctx, &s->fips, e)) != OFD_OK || (rc = o->owned(n->ctx, &s->owned, e)) != OFD_OK
        || (rc = o->service_state(n->ctx, ocs_lit.service, &state, e)) != OFD_OK)
        goto out;
    if (state) {
        if (!(s->svcs = calloc(1, sizeof(*s->svcs))) || !(s->svcs[0].name = ofd_strdup(ocs_lit.service))) {
            rc = ofd_err_nomem(e);
            goto out;
        }
        s->svcs[0].state = state;
        state = NULL;
        s->nsvcs = 1;
    }
    /* R6: what the names of the routes' next hops and of the authorized hosts resolve to
     * from this server, when it can tell (the plan of the export warns as the node's). */
    if (o->resolve) {
        s->has_dns = 1;
        if (strmap_init(&seen, 16, 1) != 0) {
            rc = ofd_err_nomem(e);
            goto out;
        }
        for (k = 0; k < s->nclasses; k++) {
            const char *prop = !ofd_strcasecmp(s->classes[k].name, OCS_CLASS_ROUTE)  ? OCS_P_NEXT_HOP
                               : !ofd_strcasecmp(s->classes[k].name, OCS_CLASS_HOST) ? OCS_P_SERVER
                                                                                     : NULL;
            for (i = 0; prop && i < s->classes[k].inst.n; i++) {
                const struct node_value *v = node_instance_get(&s->classes[k].inst.v[i], prop);
                const char *why;
                char *ip = NULL;
                struct sim_service *d;

                if (!v || v->type != OCS_STRING || !v->s || manifest_is_ipv4(v->s, &why)
                    || !manifest_is_fqdn(v->s, &why) || strmap_get(&seen, v->s))
                    continue;
                if ((rc = o->resolve(n->ctx, v->s, &ip, e)) != OFD_OK)
                    goto out;
                if (!ip)
                    continue; /* absent from "dns": does not resolve */
                if (!(d = realloc(s->dns, (s->ndns + 1) * sizeof(*d)))) {
                    free(ip);
                    rc = ofd_err_nomem(e);
                    goto out;
                }
                s->dns = d;
                d[s->ndns].state = ip;
                if (!(d[s->ndns].name = ofd_strlower(ofd_strdup(v->s)))) {
                    free(ip);
                    rc = ofd_err_nomem(e);
                    goto out;
                }
                if (strmap_put(&seen, d[s->ndns].name, s->ndns) < 0) {
                    s->ndns++;
                    rc = ofd_err_nomem(e);
                    goto out;
                }
                s->ndns++;
            }
        }
    }
    rc = OFD_OK;
out:
    strmap_free(&seen);
    node_certs_free(&c);
    free(state);
    return rc;
}

enum ofd_code simnode_snapshot(const struct node *n, cJSON *extra, char **text, ofd_err *e)
{
    struct sim *s = NULL;
    cJSON *root = NULL;
    enum ofd_code rc;

    if (!(s = calloc(1, sizeof(*s)))) {
        cJSON_Delete(extra);
        return ofd_err_nomem(e);
    }
    s->export_info = extra;
    if ((rc = snapshot_read(n, s, e)) != OFD_OK)
        goto out;
    if (!(root = model_to_json(s)) || !(*text = cJSON_Print(root))) {
        rc = ofd_err_nomem(e);
        goto out;
    }
    rc = OFD_OK;
out:
    cJSON_Delete(root);
    simnode_model_free(s);
    return rc;
}
