/* The simulated node's operations (node.h) on its model: the read interface, and the
 * write interface, each write saved to the file at once (simnode_file.c). */
#include "simnode.h"
#include "simnode_model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "cs.h"
#include "cs_inspect.h"
#include "fsutil.h"
#include "manifest.h"
#include "strbuf.h"

void simnode_model_free(struct sim *s)
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
    for (i = 0; i < s->nschema; i++)
        node_class_schema_free(&s->schema[i]);
    free(s->schema);
    cJSON_Delete(s->export_info);
    free(s->pool_store);
    simnode_model_free(s->pool);
    free(s->path);
    free(s);
}

/* ---- the pool's shared store ----
 * On an Enterprise Edition pool, routes and authorized hosts live in the pool's back
 * end, which every front end reads and writes. A simulated front end with a pool store
 * keeps them in that file beside its own: read afresh at every operation (another front
 * end may have written it), and changed under the store's lock, read, change, save. */

/* The store's path: the pool_store name in the node file's folder. malloc'ed. */
static char *store_path(const struct sim *s)
{
    struct strbuf sb = {0};
    char *dir = manifest_dir_of(s->path);

    if (dir)
        sb_printf(&sb, "%s/%s", dir, s->pool_store);
    free(dir);
    return dir ? sb_take(&sb) : NULL;
}

/* The model holding class cls: s itself, or for a pool-scoped class of a node with a
 * pool store, the store as it is now (s->pool). With lock (a write), the store's lock
 * is taken first and held until pool_release. */
static enum ofd_code store_of(struct sim *s, const char *cls, struct ofd_lock **lock, struct sim **out, ofd_err *e)
{
    const struct ocs_class_def *def = ocs_class_find(cls);
    struct sim *m = NULL;
    struct strbuf lp = {0};
    char *path = NULL, *text = NULL;
    size_t len = 0;
    enum ofd_code rc;

    *out = s;
    if (!s->pool_store || !def || !def->pool_scoped)
        return OFD_OK;
    if (!s->path) {
        rc = ofd_err_set(e, OFD_E_INVALID, "a simulated node read from a buffer has no pool store");
        goto out;
    }
    if (!(path = store_path(s))) {
        rc = ofd_err_nomem(e);
        goto out;
    }
    sb_printf(&lp, "%s.lock", path);
    if (lp.oom) {
        rc = ofd_err_nomem(e);
        goto out;
    }
    if (lock && (rc = ofd_lock_acquire(sb_str(&lp), 30000, lock, e)) != OFD_OK)
        goto out;
    rc = ofd_read_file(path, SIMNODE_MAX_BYTES, &text, &len, e);
    if (rc == OFD_E_NOTFOUND) { /* no entry yet in the pool */
        ofd_err_clear(e);
        rc = simnode_model_read("{}", 2, path, &m, e);
    } else if (rc == OFD_OK) {
        rc = simnode_model_read(text, len, path, &m, e);
    }
    if (rc != OFD_OK)
        goto out;
    if (m->id.pool_fqdn && s->id.pool_fqdn && ofd_strcasecmp(m->id.pool_fqdn, s->id.pool_fqdn) != 0) {
        rc = ofd_err_set(e, OFD_E_INVALID, "%s is the store of pool %s, but %s is in pool %s", path, m->id.pool_fqdn,
                         s->path, s->id.pool_fqdn);
        goto out;
    }
    if (!m->id.pool_fqdn && s->id.pool_fqdn && !(m->id.pool_fqdn = ofd_strdup(s->id.pool_fqdn))) {
        rc = ofd_err_nomem(e);
        goto out;
    }
    m->is_pool_store = 1;
    m->path = path;
    path = NULL;
    simnode_model_free(s->pool);
    s->pool = m;
    *out = m;
    m = NULL;
    rc = OFD_OK;
out:
    if (rc != OFD_OK && lock && *lock) {
        ofd_lock_release(*lock);
        *lock = NULL;
    }
    simnode_model_free(m);
    sb_free(&lp);
    free(path);
    free(text);
    return rc;
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

static enum ofd_code sim_instances(void *ctx, const char *cls, struct node_instances *out, ofd_err *e)
{
    struct sim *s;
    struct node_instances l;
    size_t i, k;
    enum ofd_code rc;

    memset(&l, 0, sizeof(l));
    if ((rc = store_of(ctx, cls, NULL, &s, e)) != OFD_OK)
        return rc;
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

static enum ofd_code sim_certificates(void *ctx, const char *store, struct node_certs *out, ofd_err *e)
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
        if (!(o.v[i].cls = ofd_strdup(s->owned.v[i].cls)) || !(o.v[i].key = ofd_strdup(s->owned.v[i].key))) {
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
    simnode_model_free(ctx);
}

/* ---- the write interface: each write changes the model, then saves the whole file
 * atomically (fsutil: temp file, flush, rename), so a crash leaves the old file or
 * the new one, never a torn one. ---- */

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

static enum ofd_code sim_create_instance(void *ctx, const struct node_instance *inst, char **instance_id, ofd_err *e)
{
    struct sim *s = ctx, *m = NULL;
    struct sim_class *c;
    struct node_instance copy, *v;
    const struct node_value *given;
    struct ofd_lock *lock = NULL;
    char id[128], *ret = NULL;
    enum ofd_code rc;

    memset(&copy, 0, sizeof(copy));
    if ((rc = writable(s, e)) != OFD_OK || (rc = store_of(s, inst->cls, &lock, &m, e)) != OFD_OK)
        goto out;
    if ((given = node_instance_get(inst, OCS_P_INSTANCE_ID))) {
        /* An undo re-creating what it deleted keeps the id, as a WMI client may. */
        if (given->type != OCS_STRING || !given->s || !given->s[0] || strlen(given->s) >= sizeof(id)) {
            rc = ofd_err_set(e, OFD_E_INVALID, "%s: InstanceID must be a non-empty string", inst->cls);
            goto out;
        }
        if (find_instance(m, inst->cls, given->s, NULL)) {
            rc = ofd_err_set(e, OFD_E_CONFLICT, "%s %s exists already", inst->cls, given->s);
            goto out;
        }
        snprintf(id, sizeof(id), "%s", given->s);
    } else {
        /* Like a client of the OCS provider: a braced GUID-shaped id, unique on this node. */
        do {
            s->ids++;
            snprintf(id, sizeof(id), "{0CF5ED00-0000-4000-8000-%012lX}", s->ids);
        } while (find_instance(m, inst->cls, id, NULL));
    }
    if (!(c = find_class(m, inst->cls, 1)) || node_instance_copy(&copy, inst) != OFD_OK
        || (!given && node_instance_add_string(&copy, OCS_P_INSTANCE_ID, id) != OFD_OK) || !(ret = ofd_strdup(id))
        || !(v = realloc(c->inst.v, (c->inst.n + 1) * sizeof(*v)))) {
        node_instance_free(&copy);
        rc = ofd_err_nomem(e);
        goto out;
    }
    c->inst.v = v;
    v[c->inst.n++] = copy;
    if ((rc = simnode_model_save(m, e)) != OFD_OK)
        goto out;
    *instance_id = ret;
    ret = NULL;
out:
    ofd_lock_release(lock);
    free(ret);
    return rc;
}

/* update and delete on the model that holds the class (the node's, or its pool store's). */
static enum ofd_code update_in(struct sim *s, const char *cls, const char *instance_id,
                               const struct node_instance *props, ofd_err *e)
{
    struct node_instance *in;
    size_t i, k;

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
    return simnode_model_save(s, e);
}

static enum ofd_code delete_in(struct sim *s, const char *cls, const char *instance_id, ofd_err *e)
{
    struct sim_class *c = find_class(s, cls, 0);
    size_t i = 0;

    if (!c || !find_instance(s, cls, instance_id, &i))
        return ofd_err_set(e, OFD_E_NOTFOUND, "%s %s: no such instance", cls, instance_id);
    node_instance_free(&c->inst.v[i]);
    memmove(&c->inst.v[i], &c->inst.v[i + 1], (c->inst.n - i - 1) * sizeof(c->inst.v[0]));
    c->inst.n--;
    return simnode_model_save(s, e);
}

static enum ofd_code sim_update_instance(void *ctx, const char *cls, const char *instance_id,
                                         const struct node_instance *props, ofd_err *e)
{
    struct sim *m = NULL;
    struct ofd_lock *lock = NULL;
    enum ofd_code rc;

    if ((rc = writable(ctx, e)) == OFD_OK && (rc = store_of(ctx, cls, &lock, &m, e)) == OFD_OK)
        rc = update_in(m, cls, instance_id, props, e);
    ofd_lock_release(lock);
    return rc;
}

static enum ofd_code sim_delete_instance(void *ctx, const char *cls, const char *instance_id, ofd_err *e)
{
    struct sim *m = NULL;
    struct ofd_lock *lock = NULL;
    enum ofd_code rc;

    if ((rc = writable(ctx, e)) == OFD_OK && (rc = store_of(ctx, cls, &lock, &m, e)) == OFD_OK)
        rc = delete_in(m, cls, instance_id, e);
    ofd_lock_release(lock);
    return rc;
}

/* Adds a certificate; with_key: it came with its private key (a PKCS#12), which the
 * simulated node does not keep but records as there, as a server's store shows it. */
static enum ofd_code add_cert(struct sim *s, const char *store, const unsigned char *der, size_t len, int with_key,
                              ofd_err *e)
{
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
    for (i = 0; i < s->certs.n; i++) {
        struct node_cert *c = &s->certs.v[i];
        if (ofd_strcasecmp(c->store, store) != 0 || memcmp(c->tp, nc.tp, CS_SHA1_LEN) != 0)
            continue;
        if (!with_key || (c->key_known && c->has_key))
            return OFD_OK;
        c->key_known = c->has_key = 1;
        return simnode_model_save(s, e);
    }
    nc.key_known = 1;
    nc.has_key = with_key;
    snprintf(nc.store, sizeof(nc.store), "%s", store);
    if (!(nc.der = malloc(len)) || !(v = realloc(s->certs.v, (s->certs.n + 1) * sizeof(*v)))) {
        free(nc.der);
        return ofd_err_nomem(e);
    }
    memcpy(nc.der, der, len);
    nc.der_len = len;
    s->certs.v = v;
    v[s->certs.n++] = nc;
    return simnode_model_save(s, e);
}

static enum ofd_code sim_add_certificate(void *ctx, const char *store, const unsigned char *der, size_t len, ofd_err *e)
{
    return add_cert(ctx, store, der, len, 0, e);
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
            return simnode_model_save(s, e);
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
    return simnode_model_save(s, e);
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
            return simnode_model_save(s, e);
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
    return simnode_model_save(s, e);
}

static enum ofd_code sim_get_instance(void *ctx, const char *cls, const char *instance_id, struct node_instance *out,
                                      int *found, ofd_err *e)
{
    struct sim *s;
    const struct node_instance *in;
    enum ofd_code rc;

    if ((rc = store_of(ctx, cls, NULL, &s, e)) != OFD_OK)
        return rc;
    in = find_instance(s, cls, instance_id, NULL);
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
        rc = add_cert(ctx, ocs_lit.store_my, der, len, 1, e);
    free(der);
    return rc;
}

/* The certificate tp in the My store of l, or NULL. */
static const struct node_cert *find_my(const struct node_certs *l, const unsigned char tp[20])
{
    size_t i;

    for (i = 0; l && i < l->n; i++)
        if (ofd_strcasecmp(l->v[i].store, ocs_lit.store_my) == 0 && memcmp(l->v[i].tp, tp, 20) == 0)
            return &l->v[i];
    return NULL;
}

/* Adds the DER certificates of l in Root to roots, in CA to inter. */
static void split_stores(const struct node_certs *l, struct cs_der *roots, size_t *nr, struct cs_der *inter, size_t *ni)
{
    size_t i;

    for (i = 0; l && i < l->n; i++) {
        const struct node_cert *c = &l->v[i];
        if (!c->der)
            continue;
        if (ofd_strcasecmp(c->store, ocs_lit.store_root) == 0)
            roots[(*nr)++] = (struct cs_der){c->der, c->der_len};
        else if (ofd_strcasecmp(c->store, ocs_lit.store_ca) == 0)
            inter[(*ni)++] = (struct cs_der){c->der, c->der_len};
    }
}

/* R13 on the simulated node, with OpenSSL: the certificate chains through its CA store
 * to its Root store, with the certificates being added counted in theirs. It keeps no
 * private keys, so R14's key check is the WMI node's. A certificate known only by its
 * thumbprint cannot be checked. */
static enum ofd_code sim_cert_usable(void *ctx, const unsigned char tp[20], const struct node_certs *adding, ofd_err *e)
{
    struct sim *s = ctx;
    const struct node_cert *leaf = find_my(&s->certs, tp);
    struct cs_der *roots = NULL, *inter = NULL;
    size_t nr = 0, ni = 0, all = s->certs.n + (adding ? adding->n : 0);
    char hex[2 * CS_SHA1_LEN + 1];
    enum ofd_code rc;

    if (!leaf || !leaf->der) {
        const struct node_cert *added = find_my(adding, tp);
        if (added && added->der)
            leaf = added;
    }
    if (!leaf) {
        cs_thumbprint_hex(tp, hex);
        rc = ofd_err_rule(e, OFD_E_NOTFOUND, "R16", "certificate %s is not in the Personal (My) store", hex);
        goto out;
    }
    if (!leaf->der) {
        rc = OFD_OK;
        goto out;
    }
    if (all && (!(roots = calloc(all, sizeof(*roots))) || !(inter = calloc(all, sizeof(*inter))))) {
        rc = ofd_err_nomem(e);
        goto out;
    }
    split_stores(&s->certs, roots, &nr, inter, &ni);
    split_stores(adding, roots, &nr, inter, &ni);
    rc = cs_verify_chain(leaf->der, leaf->der_len, roots, nr, inter, ni, (long long)time(NULL), e);
out:
    free(roots);
    free(inter);
    return rc;
}

/* The class definitions of the file's "schema" section; a class it does not list is
 * not known (a hand-written node may describe only some classes). */
static enum ofd_code sim_schema(void *ctx, const char *cls, struct node_class_schema *out, int *known, ofd_err *e)
{
    struct sim *s = ctx;
    struct node_class_schema c;
    const struct node_class_schema *src = NULL;
    size_t i, k;

    *known = 0;
    for (i = 0; s->has_schema && i < s->nschema && !src; i++)
        if (ofd_strcasecmp(s->schema[i].cls, cls) == 0)
            src = &s->schema[i];
    if (!src)
        return OFD_OK;
    memset(&c, 0, sizeof(c));
    c.absent = src->absent;
    if (!(c.cls = ofd_strdup(src->cls)) || (src->nprops && !(c.props = calloc(src->nprops, sizeof(*c.props)))))
        goto oom;
    for (i = 0; i < src->nprops; i++, c.nprops++) {
        struct node_schema_prop *d = &c.props[i];
        const struct node_schema_prop *p = &src->props[i];
        if (!(d->name = ofd_strdup(p->name)) || !(d->type = ofd_strdup(p->type))) {
            c.nprops++;
            goto oom;
        }
        for (k = 0; k < p->qualifiers.nprops; k++) {
            struct node_value v;
            if (node_value_copy(&v, &p->qualifiers.props[k].v) != OFD_OK
                || node_instance_add(&d->qualifiers, p->qualifiers.props[k].name, &v) != OFD_OK) {
                c.nprops++;
                goto oom;
            }
        }
    }
    *out = c;
    *known = 1;
    return OFD_OK;
oom:
    node_class_schema_free(&c);
    return ofd_err_nomem(e);
}

/* One table, twice: without a "dns" section the node cannot tell what a name resolves
 * to, so its resolve is NULL and the R6 check is skipped (node.h). */
#define SIM_OPS(resolve_fn)                                                                                    \
    {                                                                                                          \
        .kind = "sim", .identity = sim_identity, .instances = sim_instances, .certificates = sim_certificates, \
        .fips = sim_fips, .service_state = sim_service_state, .owned = sim_owned, .resolve = (resolve_fn),     \
        .close = sim_close, .create_instance = sim_create_instance, .update_instance = sim_update_instance,    \
        .delete_instance = sim_delete_instance, .add_certificate = sim_add_certificate,                        \
        .remove_certificate = sim_remove_certificate, .set_fips = sim_set_fips,                                \
        .restart_service = sim_restart_service, .set_owned = sim_set_owned, .get_instance = sim_get_instance,  \
        .import_pfx = sim_import_pfx, .cert_usable = sim_cert_usable, .schema = sim_schema,                    \
    }

static const struct node_ops sim_ops = SIM_OPS(sim_resolve);
static const struct node_ops sim_ops_nodns = SIM_OPS(NULL);

enum ofd_code simnode_open_buffer(const char *text, size_t len, const char *name, struct node *out, ofd_err *e)
{
    struct sim *s = NULL;
    enum ofd_code rc;

    if ((rc = simnode_model_read(text, len, name, &s, e)) != OFD_OK)
        return rc;
    out->ops = s->has_dns ? &sim_ops : &sim_ops_nodns;
    out->ctx = s;
    return OFD_OK;
}

static enum ofd_code stop_at_first(void *ctx, const char *name, ofd_err *e)
{
    (void)ctx;
    (void)name;
    (void)e;
    return OFD_E_CANCELLED;
}

/* Whether path can be listed as a folder. */
static int is_folder(const char *path)
{
    return ofd_dir_scan(path, stop_at_first, NULL, NULL) != OFD_E_IO;
}

static enum ofd_code open_file(const char *path, int must_exist, struct node *out, ofd_err *e)
{
    char *text = NULL;
    size_t len = 0;
    enum ofd_code rc;

    rc = ofd_read_file(path, SIMNODE_MAX_BYTES, &text, &len, e);
    if (rc == OFD_E_NOTFOUND && must_exist) {
        rc = ofd_err_set(e, OFD_E_NOTFOUND,
                         "the simulated node file '%s' does not exist: create it with 'ocsfed sim init %s --fqdn "
                         "FQDN' (add --pool POOL_FQDN for a front end of an Enterprise Edition pool)",
                         path, path);
    } else if (rc == OFD_E_NOTFOUND) {
        /* A missing file is an empty node (saved there on the first write). */
        ofd_err_clear(e);
        rc = simnode_open_buffer("{}", 2, path, out, e);
    } else if (rc == OFD_E_IO && must_exist) {
        /* POSIX opens a folder and fails to read it; Windows fails to open it. */
        if (is_folder(path))
            rc = ofd_err_set(e, OFD_E_IO,
                             "the simulated node file '%s' is a folder: give the file in it (sim:FOLDER/FILE)", path);
        else
            ofd_err_prefix(e, "the simulated node file");
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

enum ofd_code simnode_open(const char *path, struct node *out, ofd_err *e)
{
    return open_file(path, 0, out, e);
}

enum ofd_code simnode_open_named(const char *path, struct node *out, ofd_err *e)
{
    return open_file(path, 1, out, e);
}
