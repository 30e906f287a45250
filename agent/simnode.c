#include "simnode.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "cs.h"
#include "cs_inspect.h"
#include "fsutil.h"
#include "jsonpos.h"
#include "manifest.h"
#include "strbuf.h"

struct sim_class {
    char *name;
    struct node_instances inst;
};

struct sim_service {
    char *name;
    char *state;
};

struct sim {
    struct node_identity id;
    int has_dns;
    struct sim_service *dns;   /* name -> address, reusing the pair type */
    size_t ndns;
    struct sim_class *classes;
    size_t nclasses;
    struct node_certs certs;
    int fips;
    struct sim_service *svcs;
    size_t nsvcs;
    struct node_owned owned;
    char *path;         /* where writes are saved; NULL for a node read from a buffer */
    int poisoned;       /* a save failed: memory and file may differ, refuse writes */
    unsigned long ids;  /* InstanceIDs made by this node */
};

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
    return ofd_err_set(l->e, OFD_E_INVALID, "%s:%d:%d: %s%s%s", l->name, line, col, ptr,
                       ptr[0] ? ": " : "", msg);
}

static void sim_free(struct sim *s)
{
    size_t i;

    if (!s)
        return;
    node_identity_free(&s->id);
    for (i = 0; i < s->nclasses; i++) {
        free(s->classes[i].name);
        node_instances_free(&s->classes[i].inst);
    }
    free(s->classes);
    node_certs_free(&s->certs);
    for (i = 0; i < s->nsvcs; i++) {
        free(s->svcs[i].name);
        free(s->svcs[i].state);
    }
    free(s->svcs);
    for (i = 0; i < s->ndns; i++) {
        free(s->dns[i].name);
        free(s->dns[i].state);
    }
    free(s->dns);
    node_owned_free(&s->owned);
    free(s->path);
    free(s);
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

static enum ofd_code load_instance(struct sload *l, const cJSON *obj, const char *ptr,
                                   const char *cls, struct node_instance *out)
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
    cJSON_ArrayForEach(p, obj) {
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
            rc = rc == OFD_E_NOMEM ? ofd_err_nomem(l->e)
                                   : bad(l, pp, "%s.%s: %s", cls, p->string, e2.msg);
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
    cJSON_ArrayForEach(c, ocs) {
        struct sim_class *sc = &s->classes[s->nclasses];
        size_t i = 0;

        ptr2(p, sizeof(p), "/ocs", c->string);
        if (cJSON_IsObject(c)) {
            /* ConvertTo-Json writes a class with one instance as that object */
            if (!(sc->name = ofd_strdup(c->string))
                || !(sc->inst.v = calloc(1, sizeof(*sc->inst.v))))
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
        if (cJSON_GetArraySize(c)
            && !(sc->inst.v = calloc((size_t)cJSON_GetArraySize(c), sizeof(*sc->inst.v))))
            return ofd_err_nomem(l->e);
        cJSON_ArrayForEach(it, c) {
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
    cJSON_ArrayForEach(st, certs) {
        if (strcmp(st->string, "Root") && strcmp(st->string, "CA") && strcmp(st->string, "My"))
            return bad(l, ptr2(p, sizeof(p), "/certificates", st->string),
                       "unknown store '%s' (Root, CA, My)", st->string);
        if (!cJSON_IsArray(st))
            return bad(l, ptr2(p, sizeof(p), "/certificates", st->string),
                       "expected an array of certificates");
        total += (size_t)cJSON_GetArraySize(st);
    }
    if (total && !(s->certs.v = calloc(total, sizeof(*s->certs.v))))
        return ofd_err_nomem(l->e);
    cJSON_ArrayForEach(st, certs) {
        size_t i = 0;
        ptr2(p, sizeof(p), "/certificates", st->string);
        cJSON_ArrayForEach(it, st) {
            struct node_cert *c = &s->certs.v[s->certs.n];
            const cJSON *tp = cJSON_GetObjectItemCaseSensitive(it, "thumbprint");
            const cJSON *der = cJSON_GetObjectItemCaseSensitive(it, "der");
            unsigned char tpv[CS_SHA1_LEN];
            ofd_err e2;

            snprintf(q, sizeof(q), "%s/%zu", p, i++);
            if (!cJSON_IsObject(it) || (!tp && !der))
                return bad(l, q, "expected {\"thumbprint\": hex, \"der\": base64}");
            snprintf(c->store, sizeof(c->store), "%s", st->string);
            s->certs.n++;
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

static enum ofd_code load(struct sload *l, const cJSON *root, struct sim *s)
{
    static const char *const keys[] = {"ocsfed_sim_node", "node", "ocs", "certificates",
                                       "fips", "services", "dns", "ocsfed", NULL};
    const cJSON *j, *it;
    char p[256];
    enum ofd_code rc;
    size_t k;

    if (!cJSON_IsObject(root))
        return bad(l, "", "expected an object");
    cJSON_ArrayForEach(it, root) {
        for (k = 0; keys[k] && strcmp(keys[k], it->string); k++)
            ;
        if (!keys[k])
            return bad(l, ptr2(p, sizeof(p), "", it->string), "unknown key '%s'", it->string);
    }
    if ((j = cJSON_GetObjectItemCaseSensitive(root, "ocsfed_sim_node"))
        && !(cJSON_IsNumber(j) && j->valuedouble == 1))
        return bad(l, "/ocsfed_sim_node", "this ocsfed reads simulated node format 1");
    if ((j = cJSON_GetObjectItemCaseSensitive(root, "node"))) {
        static const char *const nk[] = {"fqdn", "pool", "backend"};
        char **dst[3];
        dst[0] = &s->id.fqdn;
        dst[1] = &s->id.pool_fqdn;
        dst[2] = &s->id.backend;
        if (!cJSON_IsObject(j))
            return bad(l, "/node", "expected an object");
        for (k = 0; k < 3; k++) {
            const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, nk[k]);
            if (!v || cJSON_IsNull(v))
                continue;
            if (!cJSON_IsString(v))
                return bad(l, ptr2(p, sizeof(p), "/node", nk[k]), "expected a string");
            if (!(*dst[k] = ofd_strdup(v->valuestring)))
                return ofd_err_nomem(l->e);
        }
    }
    if ((j = cJSON_GetObjectItemCaseSensitive(root, "ocs")) && (rc = load_ocs(l, j, s)) != OFD_OK)
        return rc;
    if ((j = cJSON_GetObjectItemCaseSensitive(root, "certificates"))
        && (rc = load_certs(l, j, s)) != OFD_OK)
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
        if (cJSON_GetArraySize(j)
            && !(s->svcs = calloc((size_t)cJSON_GetArraySize(j), sizeof(*s->svcs))))
            return ofd_err_nomem(l->e);
        cJSON_ArrayForEach(it, j) {
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
        if (cJSON_GetArraySize(j)
            && !(s->dns = calloc((size_t)cJSON_GetArraySize(j), sizeof(*s->dns))))
            return ofd_err_nomem(l->e);
        cJSON_ArrayForEach(it, j) {
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
        cJSON_ArrayForEach(it, own) {
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

/* ---- the read interface ---- */

static enum ofd_code sim_identity(void *ctx, struct node_identity *out, ofd_err *e)
{
    struct sim *s = ctx;
    struct node_identity id;

    memset(&id, 0, sizeof(id));
    if ((s->id.fqdn && !(id.fqdn = ofd_strdup(s->id.fqdn)))
        || (s->id.pool_fqdn && !(id.pool_fqdn = ofd_strdup(s->id.pool_fqdn)))
        || (s->id.backend && !(id.backend = ofd_strdup(s->id.backend)))) {
        node_identity_free(&id);
        return ofd_err_nomem(e);
    }
    *out = id;
    return OFD_OK;
}

static enum ofd_code sim_instances(void *ctx, const char *cls, struct node_instances *out,
                                   ofd_err *e)
{
    struct sim *s = ctx;
    struct node_instances l;
    size_t i, k;

    memset(&l, 0, sizeof(l));
    for (i = 0; i < s->nclasses; i++) {
        const struct node_instances *src = &s->classes[i].inst;
        if (ofd_strcasecmp(s->classes[i].name, cls) != 0 || !src->n)
            continue;
        if (!(l.v = calloc(src->n, sizeof(*l.v))))
            return ofd_err_nomem(e);
        for (k = 0; k < src->n; k++, l.n++) {
            if (node_instance_copy(&l.v[k], &src->v[k]) != OFD_OK) {
                node_instances_free(&l);
                return ofd_err_nomem(e);
            }
        }
        break;
    }
    *out = l;
    return OFD_OK;
}

static enum ofd_code sim_certificates(void *ctx, const char *store, struct node_certs *out,
                                      ofd_err *e)
{
    struct sim *s = ctx;
    struct node_certs l;
    size_t i;

    memset(&l, 0, sizeof(l));
    if (s->certs.n && !(l.v = calloc(s->certs.n, sizeof(*l.v))))
        return ofd_err_nomem(e);
    for (i = 0; i < s->certs.n; i++) {
        const struct node_cert *c = &s->certs.v[i];
        struct node_cert *d = &l.v[l.n];
        if (ofd_strcasecmp(c->store, store) != 0)
            continue;
        *d = *c;
        d->der = NULL;
        l.n++;
        if (c->der) {
            if (!(d->der = malloc(c->der_len))) {
                node_certs_free(&l);
                return ofd_err_nomem(e);
            }
            memcpy(d->der, c->der, c->der_len);
        }
    }
    *out = l;
    return OFD_OK;
}

static enum ofd_code sim_fips(void *ctx, int *enabled, ofd_err *e)
{
    (void)e;
    *enabled = ((struct sim *)ctx)->fips;
    return OFD_OK;
}

static enum ofd_code sim_service_state(void *ctx, const char *name, char **state, ofd_err *e)
{
    struct sim *s = ctx;
    size_t i;

    for (i = 0; i < s->nsvcs; i++) {
        if (ofd_strcasecmp(s->svcs[i].name, name) == 0) {
            if (!(*state = ofd_strdup(s->svcs[i].state)))
                return ofd_err_nomem(e);
            return OFD_OK;
        }
    }
    *state = NULL;
    return OFD_OK;
}

static enum ofd_code sim_owned(void *ctx, struct node_owned *out, ofd_err *e)
{
    struct sim *s = ctx;
    struct node_owned o;
    size_t i;

    memset(&o, 0, sizeof(o));
    if (s->owned.n && !(o.v = calloc(s->owned.n, sizeof(*o.v))))
        return ofd_err_nomem(e);
    for (i = 0; i < s->owned.n; i++, o.n++) {
        if (!(o.v[i].cls = ofd_strdup(s->owned.v[i].cls))
            || !(o.v[i].key = ofd_strdup(s->owned.v[i].key))) {
            o.n++;
            node_owned_free(&o);
            return ofd_err_nomem(e);
        }
    }
    o.restart_pending = s->owned.restart_pending;
    *out = o;
    return OFD_OK;
}

/* Without a "dns" section the simulated node cannot tell: reports NULL and the plan
 * notes nothing; with one, names absent from it do not resolve. */
static enum ofd_code sim_resolve(void *ctx, const char *fqdn, char **ip, ofd_err *e)
{
    struct sim *s = ctx;
    size_t i;

    *ip = NULL;
    for (i = 0; i < s->ndns; i++)
        if (ofd_strcasecmp(s->dns[i].name, fqdn) == 0 && !(*ip = ofd_strdup(s->dns[i].state)))
            return ofd_err_nomem(e);
    return OFD_OK;
}

static void sim_close(void *ctx)
{
    sim_free(ctx);
}

/* ---- the write interface: each write changes the model, then saves the whole file
 * atomically (fsutil: temp file, flush, rename), so a crash leaves the old file or
 * the new one, never a torn one. ---- */

/* The model as the file format simnode_open reads. NULL on oom. */
static int by_instance_id(const void *a, const void *b)
{
    const struct node_value *x = node_instance_get(a, OCS_P_INSTANCE_ID), *y = node_instance_get(b, OCS_P_INSTANCE_ID);
    const char *xs = x && x->type == OCS_STRING && x->s ? x->s : "", *ys = y && y->type == OCS_STRING && y->s ? y->s : "";

    return ofd_strcasecmp(xs, ys);
}

static cJSON *sim_to_json(struct sim *s)
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
        || (s->id.backend && !cJSON_AddStringToObject(x, "backend", s->id.backend)))
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
                || !cJSON_AddStringToObject(obj, "thumbprint", hex))
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
    return root;
oom:
    cJSON_Delete(root);
    return NULL;
}

/* Saves the model to its file. A failure poisons the node: memory and disk may then
 * differ, so later writes are refused until it is reopened. */
static enum ofd_code sim_save(struct sim *s, ofd_err *e)
{
    cJSON *root = NULL;
    char *text = NULL;
    enum ofd_code rc;

    if (!s->path) {
        rc = ofd_err_set(e, OFD_E_INVALID, "this simulated node was not read from a file: it cannot be written");
        goto out;
    }
    if (!(root = sim_to_json(s)) || !(text = cJSON_Print(root))) {
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

static enum ofd_code writable(const struct sim *s, ofd_err *e)
{
    if (s->poisoned)
        return ofd_err_set(e, OFD_E_IO, "%s: an earlier save failed; reopen the node before writing again",
                           s->path ? s->path : "simulated node");
    return OFD_OK;
}

static struct sim_class *find_class(struct sim *s, const char *cls, int create)
{
    struct sim_class *v;
    size_t i;

    for (i = 0; i < s->nclasses; i++)
        if (ofd_strcasecmp(s->classes[i].name, cls) == 0)
            return &s->classes[i];
    if (!create || !(v = realloc(s->classes, (s->nclasses + 1) * sizeof(*v))))
        return NULL;
    s->classes = v;
    memset(&v[s->nclasses], 0, sizeof(*v));
    if (!(v[s->nclasses].name = ofd_strdup(cls)))
        return NULL;
    return &s->classes[s->nclasses++];
}

static struct node_instance *find_instance(struct sim *s, const char *cls, const char *id, size_t *index)
{
    struct sim_class *c = find_class(s, cls, 0);
    size_t i;

    for (i = 0; c && i < c->inst.n; i++) {
        const struct node_value *v = node_instance_get(&c->inst.v[i], OCS_P_INSTANCE_ID);
        if (v && v->type == OCS_STRING && v->s && ofd_strcasecmp(v->s, id) == 0) {
            if (index)
                *index = i;
            return &c->inst.v[i];
        }
    }
    return NULL;
}

static enum ofd_code sim_create_instance(void *ctx, const struct node_instance *inst, char **instance_id,
                                         ofd_err *e)
{
    struct sim *s = ctx;
    struct sim_class *c;
    struct node_instance copy, *v;
    const struct node_value *given;
    char id[128], *ret = NULL;
    enum ofd_code rc;

    memset(&copy, 0, sizeof(copy));
    if ((rc = writable(s, e)) != OFD_OK)
        return rc;
    if ((given = node_instance_get(inst, OCS_P_INSTANCE_ID))) {
        /* An undo re-creating what it deleted keeps the id, as a WMI client may. */
        if (given->type != OCS_STRING || !given->s || !given->s[0] || strlen(given->s) >= sizeof(id))
            return ofd_err_set(e, OFD_E_INVALID, "%s: InstanceID must be a non-empty string", inst->cls);
        if (find_instance(s, inst->cls, given->s, NULL))
            return ofd_err_set(e, OFD_E_CONFLICT, "%s %s exists already", inst->cls, given->s);
        snprintf(id, sizeof(id), "%s", given->s);
    } else {
        /* Like a client of the OCS provider: a braced GUID-shaped id, unique on this node. */
        do {
            s->ids++;
            snprintf(id, sizeof(id), "{0CF5ED00-0000-4000-8000-%012lX}", s->ids);
        } while (find_instance(s, inst->cls, id, NULL));
    }
    if (!(c = find_class(s, inst->cls, 1)) || node_instance_copy(&copy, inst) != OFD_OK
        || (!given && node_instance_add_string(&copy, OCS_P_INSTANCE_ID, id) != OFD_OK) || !(ret = ofd_strdup(id))
        || !(v = realloc(c->inst.v, (c->inst.n + 1) * sizeof(*v)))) {
        node_instance_free(&copy);
        free(ret);
        return ofd_err_nomem(e);
    }
    c->inst.v = v;
    v[c->inst.n++] = copy;
    if ((rc = sim_save(s, e)) != OFD_OK) {
        free(ret);
        return rc;
    }
    *instance_id = ret;
    return OFD_OK;
}

static enum ofd_code sim_update_instance(void *ctx, const char *cls, const char *instance_id,
                                         const struct node_instance *props, ofd_err *e)
{
    struct sim *s = ctx;
    struct node_instance *in;
    size_t i, k;
    enum ofd_code rc;

    if ((rc = writable(s, e)) != OFD_OK)
        return rc;
    if (!(in = find_instance(s, cls, instance_id, NULL)))
        return ofd_err_set(e, OFD_E_NOTFOUND, "%s %s: no such instance", cls, instance_id);
    for (i = 0; i < props->nprops; i++) {
        struct node_value v;

        if (ofd_strcasecmp(props->props[i].name, OCS_P_INSTANCE_ID) == 0)
            return ofd_err_set(e, OFD_E_INVALID, "%s.InstanceID is read-only", cls);
        for (k = 0; k < in->nprops && ofd_strcasecmp(in->props[k].name, props->props[i].name); k++)
            ;
        if (props->props[i].v.type == OCS_STRING && !props->props[i].v.s) {
            /* Set to NULL: the property is no longer stored. */
            if (k < in->nprops) {
                free(in->props[k].name);
                node_value_free(&in->props[k].v);
                memmove(&in->props[k], &in->props[k + 1], (in->nprops - k - 1) * sizeof(in->props[0]));
                in->nprops--;
            }
            continue;
        }
        if (node_value_copy(&v, &props->props[i].v) != OFD_OK)
            return ofd_err_nomem(e);
        if (k < in->nprops) {
            node_value_free(&in->props[k].v);
            in->props[k].v = v;
        } else if (node_instance_add(in, props->props[i].name, &v) != OFD_OK) {
            return ofd_err_nomem(e);
        }
    }
    return sim_save(s, e);
}

static enum ofd_code sim_delete_instance(void *ctx, const char *cls, const char *instance_id, ofd_err *e)
{
    struct sim *s = ctx;
    struct sim_class *c = find_class(s, cls, 0);
    size_t i = 0;
    enum ofd_code rc;

    if ((rc = writable(s, e)) != OFD_OK)
        return rc;
    if (!c || !find_instance(s, cls, instance_id, &i))
        return ofd_err_set(e, OFD_E_NOTFOUND, "%s %s: no such instance", cls, instance_id);
    node_instance_free(&c->inst.v[i]);
    memmove(&c->inst.v[i], &c->inst.v[i + 1], (c->inst.n - i - 1) * sizeof(c->inst.v[0]));
    c->inst.n--;
    return sim_save(s, e);
}

static enum ofd_code sim_add_certificate(void *ctx, const char *store, const unsigned char *der, size_t len,
                                         ofd_err *e)
{
    struct sim *s = ctx;
    struct node_cert *v, nc;
    size_t i;
    enum ofd_code rc;

    if ((rc = writable(s, e)) != OFD_OK)
        return rc;
    memset(&nc, 0, sizeof(nc));
    if (strlen(store) >= sizeof(nc.store))
        return ofd_err_set(e, OFD_E_INVALID, "no certificate store '%s'", store);
    if ((rc = cs_x509_thumbprint(der, len, nc.tp, e)) != OFD_OK)
        return rc;
    for (i = 0; i < s->certs.n; i++)
        if (ofd_strcasecmp(s->certs.v[i].store, store) == 0 && !memcmp(s->certs.v[i].tp, nc.tp, CS_SHA1_LEN))
            return OFD_OK;
    snprintf(nc.store, sizeof(nc.store), "%s", store);
    if (!(nc.der = malloc(len)) || !(v = realloc(s->certs.v, (s->certs.n + 1) * sizeof(*v)))) {
        free(nc.der);
        return ofd_err_nomem(e);
    }
    memcpy(nc.der, der, len);
    nc.der_len = len;
    s->certs.v = v;
    v[s->certs.n++] = nc;
    return sim_save(s, e);
}

static enum ofd_code sim_remove_certificate(void *ctx, const char *store, const unsigned char tp[20], ofd_err *e)
{
    struct sim *s = ctx;
    size_t i;
    enum ofd_code rc;

    if ((rc = writable(s, e)) != OFD_OK)
        return rc;
    for (i = 0; i < s->certs.n; i++) {
        if (ofd_strcasecmp(s->certs.v[i].store, store) == 0 && !memcmp(s->certs.v[i].tp, tp, CS_SHA1_LEN)) {
            free(s->certs.v[i].der);
            memmove(&s->certs.v[i], &s->certs.v[i + 1], (s->certs.n - i - 1) * sizeof(s->certs.v[0]));
            s->certs.n--;
            return sim_save(s, e);
        }
    }
    return OFD_OK;
}

static enum ofd_code sim_set_fips(void *ctx, int enabled, ofd_err *e)
{
    struct sim *s = ctx;
    enum ofd_code rc;

    if ((rc = writable(s, e)) != OFD_OK)
        return rc;
    s->fips = enabled ? 1 : 0;
    return sim_save(s, e);
}

static enum ofd_code sim_restart_service(void *ctx, const char *name, ofd_err *e)
{
    struct sim *s = ctx;
    char *running;
    size_t i;
    enum ofd_code rc;

    if ((rc = writable(s, e)) != OFD_OK)
        return rc;
    for (i = 0; i < s->nsvcs; i++) {
        if (ofd_strcasecmp(s->svcs[i].name, name) == 0) {
            /* A simulated restart leaves the service running, as a real one must. */
            if (!(running = ofd_strdup("running")))
                return ofd_err_nomem(e);
            free(s->svcs[i].state);
            s->svcs[i].state = running;
            return sim_save(s, e);
        }
    }
    return ofd_err_set(e, OFD_E_NOTFOUND, "service %s is not installed on this node", name);
}

static enum ofd_code sim_set_owned(void *ctx, const struct node_owned *owned, ofd_err *e)
{
    struct sim *s = ctx;
    struct node_owned o;
    size_t i;
    enum ofd_code rc;

    if ((rc = writable(s, e)) != OFD_OK)
        return rc;
    memset(&o, 0, sizeof(o));
    if (owned->n && !(o.v = calloc(owned->n, sizeof(*o.v))))
        return ofd_err_nomem(e);
    for (i = 0; i < owned->n; i++, o.n++) {
        if (!(o.v[i].cls = ofd_strdup(owned->v[i].cls)) || !(o.v[i].key = ofd_strdup(owned->v[i].key))) {
            o.n++;
            node_owned_free(&o);
            return ofd_err_nomem(e);
        }
    }
    o.restart_pending = owned->restart_pending;
    node_owned_free(&s->owned);
    s->owned = o;
    return sim_save(s, e);
}

static enum ofd_code sim_get_instance(void *ctx, const char *cls, const char *instance_id, struct node_instance *out,
                                      int *found, ofd_err *e)
{
    struct sim *s = ctx;
    const struct node_instance *in = find_instance(s, cls, instance_id, NULL);

    *found = in != NULL;
    if (in && node_instance_copy(out, in) != OFD_OK)
        return ofd_err_nomem(e);
    return OFD_OK;
}

/* R16 on the simulated node: the certificate of the PKCS#12 file goes into My (the
 * simulated node keeps no private keys). */
static enum ofd_code sim_import_pfx(void *ctx, const unsigned char *pfx, size_t pfx_len, const char *password,
                                    unsigned char tp[20], ofd_err *e)
{
    unsigned char *der = NULL;
    size_t len = 0;
    enum ofd_code rc;

    if ((rc = cs_pkcs12_cert(pfx, pfx_len, "the PKCS#12 file", password, &der, &len, e)) == OFD_OK
        && (rc = cs_x509_thumbprint(der, len, tp, e)) == OFD_OK)
        rc = sim_add_certificate(ctx, ocs_lit.store_my, der, len, e);
    free(der);
    return rc;
}

/* R13 on the simulated node, with OpenSSL: the certificate chains through its CA store
 * to its Root store. It keeps no private keys, so R14's key check is the WMI node's. A
 * certificate known only by its thumbprint cannot be checked. */
static enum ofd_code sim_cert_usable(void *ctx, const unsigned char tp[20], ofd_err *e)
{
    struct sim *s = ctx;
    const struct node_cert *leaf = NULL;
    struct cs_der *roots = NULL, *inter = NULL;
    size_t i, nr = 0, ni = 0;
    char hex[2 * CS_SHA1_LEN + 1];
    enum ofd_code rc;

    for (i = 0; i < s->certs.n && !leaf; i++)
        if (ofd_strcasecmp(s->certs.v[i].store, ocs_lit.store_my) == 0 && memcmp(s->certs.v[i].tp, tp, 20) == 0)
            leaf = &s->certs.v[i];
    if (!leaf) {
        cs_thumbprint_hex(tp, hex);
        rc = ofd_err_rule(e, OFD_E_NOTFOUND, "R16", "certificate %s is not in the Personal (My) store", hex);
        goto out;
    }
    if (!leaf->der) {
        rc = OFD_OK;
        goto out;
    }
    if (s->certs.n && (!(roots = calloc(s->certs.n, sizeof(*roots))) || !(inter = calloc(s->certs.n, sizeof(*inter))))) {
        rc = ofd_err_nomem(e);
        goto out;
    }
    for (i = 0; i < s->certs.n; i++) {
        const struct node_cert *c = &s->certs.v[i];
        if (!c->der)
            continue;
        if (ofd_strcasecmp(c->store, ocs_lit.store_root) == 0)
            roots[nr++] = (struct cs_der){c->der, c->der_len};
        else if (ofd_strcasecmp(c->store, ocs_lit.store_ca) == 0)
            inter[ni++] = (struct cs_der){c->der, c->der_len};
    }
    rc = cs_verify_chain(leaf->der, leaf->der_len, roots, nr, inter, ni, (long long)time(NULL), e);
out:
    free(roots);
    free(inter);
    return rc;
}

#define SIM_WRITE_OPS                                                                               \
    .create_instance = sim_create_instance, .update_instance = sim_update_instance,               \
    .delete_instance = sim_delete_instance, .add_certificate = sim_add_certificate,               \
    .remove_certificate = sim_remove_certificate, .set_fips = sim_set_fips,                        \
    .restart_service = sim_restart_service, .set_owned = sim_set_owned, .get_instance = sim_get_instance, .import_pfx = sim_import_pfx, .cert_usable = sim_cert_usable

static const struct node_ops sim_ops = {
    .kind = "sim",
    .identity = sim_identity,
    .instances = sim_instances,
    .certificates = sim_certificates,
    .fips = sim_fips,
    .service_state = sim_service_state,
    .owned = sim_owned,
    .resolve = sim_resolve,
    .close = sim_close,
    SIM_WRITE_OPS,
};

/* The same without name resolution, for nodes with no "dns" section. */
static const struct node_ops sim_ops_nodns = {
    .kind = "sim",
    .identity = sim_identity,
    .instances = sim_instances,
    .certificates = sim_certificates,
    .fips = sim_fips,
    .service_state = sim_service_state,
    .owned = sim_owned,
    .resolve = NULL,
    .close = sim_close,
    SIM_WRITE_OPS,
};

enum ofd_code simnode_open_buffer(const char *text, size_t len, const char *name,
                                  struct node *out, ofd_err *e)
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
            rc = ofd_err_set(e, OFD_E_INVALID, "%s:%d:%d: %s", name, d.v[0].line, d.v[0].col,
                             d.v[0].msg);
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
    out->ops = s->has_dns ? &sim_ops : &sim_ops_nodns;
    out->ctx = s;
    s = NULL;
    rc = OFD_OK;
out:
    sim_free(s);
    cJSON_Delete(root);
    jsonpos_free(pos);
    diags_free(&d);
    return rc;
}

enum ofd_code simnode_open(const char *path, struct node *out, ofd_err *e)
{
    char *text = NULL;
    size_t len = 0;
    enum ofd_code rc;

    rc = ofd_read_file(path, SIMNODE_MAX_BYTES, &text, &len, e);
    /* A missing file is an empty node (saved there on the first write). */
    if (rc == OFD_E_NOTFOUND) {
        ofd_err_clear(e);
        rc = simnode_open_buffer("{}", 2, path, out, e);
    } else if (rc == OFD_OK) {
        rc = simnode_open_buffer(text, len, path, out, e);
    }
    free(text);
    if (rc == OFD_OK && !(((struct sim *)out->ctx)->path = ofd_strdup(path))) {
        node_close(out);
        rc = ofd_err_nomem(e);
    }
    return rc;
}

enum ofd_code simnode_init_file(const char *path, const char *fqdn, const char *pool,
                                ofd_err *e)
{
    static const char *const classes[] = {OCS_CLASS_POOL, OCS_CLASS_DOMAIN, OCS_CLASS_LISTENING,
                                          OCS_CLASS_ROUTE, OCS_CLASS_HOST};
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
    if (!(lfqdn = ofd_strlower(ofd_strdup(fqdn)))
        || !(lpool = ofd_strlower(ofd_strdup(pool ? pool : fqdn))))
        goto oom;
    if (!(root = cJSON_CreateObject()) || !cJSON_AddNumberToObject(root, "ocsfed_sim_node", 1)
        || !(node = cJSON_AddObjectToObject(root, "node"))
        || !cJSON_AddStringToObject(node, "fqdn", lfqdn)
        || !cJSON_AddStringToObject(node, "pool", lpool)
        || (!pool && !cJSON_AddStringToObject(node, "backend", ocs_lit.se_backend))
        || !(ocs = cJSON_AddObjectToObject(root, "ocs")))
        goto oom;
    for (i = 0; i < sizeof(classes) / sizeof(classes[0]); i++)
        if (!cJSON_AddArrayToObject(ocs, classes[i]))
            goto oom;
    if (!(certs = cJSON_AddObjectToObject(root, "certificates"))
        || !cJSON_AddArrayToObject(certs, "Root") || !cJSON_AddArrayToObject(certs, "CA")
        || !cJSON_AddArrayToObject(certs, "My")
        || !(x = cJSON_AddObjectToObject(root, "fips"))
        || !cJSON_AddNumberToObject(x, OCS_P_ENABLED, 0)
        || !(x = cJSON_AddObjectToObject(root, "services"))
        || !cJSON_AddStringToObject(x, ocs_lit.service, "running")
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
