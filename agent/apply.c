#include "apply.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ocs_model.h"
#include "strbuf.h"

/* One write made, and how to take it back. */
struct undo {
    enum { UNDO_DELETE, UNDO_UPDATE, UNDO_CREATE, UNDO_REMOVE_CERT, UNDO_FIPS } kind;
    const char *cls;
    char *instance_id;               /* UNDO_DELETE: what was created */
    const struct node_instance *old; /* UNDO_UPDATE: previous values; UNDO_CREATE: the deleted one */
    const struct node_instance *fwd; /* UNDO_UPDATE: what the update wrote */
    const char *store;
    unsigned char tp[CS_SHA1_LEN];
    int fips;
};

struct run {
    struct node *n;
    struct undo *u;
    size_t nu;
    struct apply_result *res;
};

/* Safe order (phase per change). */
static int phase(const struct plan_change *c)
{
    if (c->action == PLAN_RESTART)
        return 9;
    if (strcmp(c->cls, OCS_CLASS_CERT) == 0)
        return 0;
    if (strcmp(c->cls, OCS_CLASS_FIPS) == 0)
        return 1;
    if (c->action == PLAN_DELETE)
        return strcmp(c->cls, OCS_CLASS_ROUTE) == 0 ? 5 : 6; /* routes before the hosts they need */
    if (strcmp(c->cls, OCS_CLASS_HOST) == 0)
        return 2; /* host authorization before the route that needs it */
    if (strcmp(c->cls, OCS_CLASS_ROUTE) == 0)
        return 3;
    return 4; /* listening addresses: after the certificate they select (R17) */
}

static enum ofd_code push(struct run *r, const struct undo *u, ofd_err *e)
{
    struct undo *v = realloc(r->u, (r->nu + 1) * sizeof(*v));

    if (!v)
        return ofd_err_set(e, OFD_E_NOMEM, "out of memory");
    r->u = v;
    v[r->nu++] = *u;
    return OFD_OK;
}

/* Reads instance id of cls back and checks each property of want. */
static enum ofd_code verify_instance(struct node *n, const char *cls, const char *id,
                                     const struct node_instance *want, int gone, ofd_err *e)
{
    struct node_instances l = {0};
    const struct node_instance *got = NULL;
    size_t i;
    enum ofd_code rc;

    if ((rc = n->ops->instances(n->ctx, cls, &l, e)) != OFD_OK)
        return rc;
    for (i = 0; i < l.n && !got; i++) {
        const struct node_value *v = node_instance_get(&l.v[i], "InstanceID");
        if (v && v->s && ofd_strcasecmp(v->s, id) == 0)
            got = &l.v[i];
    }
    rc = OFD_OK;
    if (gone && got)
        rc = ofd_err_set(e, OFD_E_PLATFORM, "%s %s is still there after it was deleted", cls, id);
    else if (!gone && !got)
        rc = ofd_err_set(e, OFD_E_PLATFORM, "%s %s is not there after it was written", cls, id);
    for (i = 0; !gone && got && want && i < want->nprops && rc == OFD_OK; i++) {
        const struct node_value *v = node_instance_get(got, want->props[i].name);
        if (ofd_strcasecmp(want->props[i].name, "InstanceID") != 0 && (!v || !node_value_equal(v, &want->props[i].v)))
            rc = ofd_err_set(e, OFD_E_PLATFORM, "%s %s: %s reads back different from what was written", cls, id,
                             want->props[i].name);
    }
    node_instances_free(&l);
    return rc;
}

static enum ofd_code verify_cert(struct node *n, const char *store, const unsigned char tp[CS_SHA1_LEN],
                                 int present, ofd_err *e)
{
    struct node_certs l = {0};
    char hex[2 * CS_SHA1_LEN + 1];
    size_t i;
    int found = 0;
    enum ofd_code rc;

    if ((rc = n->ops->certificates(n->ctx, store, &l, e)) != OFD_OK)
        return rc;
    for (i = 0; i < l.n; i++)
        found |= !memcmp(l.v[i].tp, tp, CS_SHA1_LEN);
    node_certs_free(&l);
    if (found == present)
        return OFD_OK;
    cs_thumbprint_hex(tp, hex);
    return ofd_err_set(e, OFD_E_PLATFORM, "certificate %s is %s the %s store after the write", hex,
                       present ? "not in" : "still in", store);
}

static enum ofd_code verify_fips(struct node *n, int want, ofd_err *e)
{
    int v = -1;
    enum ofd_code rc;

    if ((rc = n->ops->fips(n->ctx, &v, e)) != OFD_OK)
        return rc;
    return v == want ? OFD_OK
                     : ofd_err_rule(e, OFD_E_PLATFORM, "R12", "the FIPS policy reads back %d after writing %d", v,
                                    want);
}

/* A copy of inst without InstanceID (for re-creating a deleted instance). */
static enum ofd_code without_id(const char *cls, const struct node_instance *inst, struct node_instance *out)
{
    size_t i;

    memset(out, 0, sizeof(*out));
    if (!(out->cls = ofd_strdup(cls)))
        return OFD_E_NOMEM;
    for (i = 0; i < inst->nprops; i++) {
        struct node_value v;
        if (ofd_strcasecmp(inst->props[i].name, "InstanceID") == 0)
            continue;
        if (node_value_copy(&v, &inst->props[i].v) != OFD_OK || node_instance_add(out, inst->props[i].name, &v) != OFD_OK)
            return OFD_E_NOMEM;
    }
    return OFD_OK;
}

/* Adds a NULL (unset) value to out for every property of fwd that out lacks. */
static enum ofd_code unset_added(const struct node_instance *fwd, struct node_instance *out)
{
    size_t i;

    for (i = 0; i < fwd->nprops; i++) {
        struct node_value null_value;

        if (node_instance_get(out, fwd->props[i].name))
            continue;
        memset(&null_value, 0, sizeof(null_value));
        null_value.type = OCS_STRING;
        if (node_instance_add(out, fwd->props[i].name, &null_value) != OFD_OK)
            return OFD_E_NOMEM;
    }
    return OFD_OK;
}

static enum ofd_code do_change(struct run *r, const struct plan_change *c, ofd_err *e)
{
    struct node *n = r->n;
    const struct node_ops *o = n->ops;
    struct undo u;
    char *id = NULL;
    enum ofd_code rc;

    memset(&u, 0, sizeof(u));
    u.cls = c->cls;
    if (strcmp(c->cls, OCS_CLASS_CERT) == 0) {
        const struct desired_item *it = c->item;

        if (!it || !it->der)
            return ofd_err_rule(e, OFD_E_INVALID, c->rule,
                                "certificate %s: only certificate files the manifest names can be added here "
                                "(PKCS#12 import needs the Windows node)", c->key);
        if ((rc = o->add_certificate(n->ctx, it->store, it->der, it->der_len, e)) != OFD_OK)
            return rc;
        r->res->writes++;
        u.kind = UNDO_REMOVE_CERT;
        u.store = it->store;
        memcpy(u.tp, it->tp, CS_SHA1_LEN);
        if ((rc = push(r, &u, e)) != OFD_OK)
            return rc;
        return verify_cert(n, it->store, it->tp, 1, e);
    }
    if (strcmp(c->cls, OCS_CLASS_FIPS) == 0) {
        const struct node_value *want = node_instance_get(&c->props, "Enabled");
        const struct node_value *was = node_instance_get(&c->current, "Enabled");
        int w = want && want->u != 0;

        if ((rc = o->set_fips(n->ctx, w, e)) != OFD_OK)
            return rc;
        r->res->writes++;
        u.kind = UNDO_FIPS;
        u.fips = was && was->u != 0;
        if ((rc = push(r, &u, e)) != OFD_OK)
            return rc;
        return verify_fips(n, w, e);
    }
    switch (c->action) {
    case PLAN_CREATE:
        if ((rc = o->create_instance(n->ctx, &c->props, &id, e)) != OFD_OK)
            return rc;
        r->res->writes++;
        u.kind = UNDO_DELETE;
        u.instance_id = id;
        if ((rc = push(r, &u, e)) != OFD_OK) {
            free(id);
            return rc;
        }
        return verify_instance(n, c->cls, id, &c->props, 0, e);
    case PLAN_UPDATE:
        if ((rc = o->update_instance(n->ctx, c->cls, c->instance_id, &c->props, e)) != OFD_OK)
            return rc;
        r->res->writes++;
        u.kind = UNDO_UPDATE;
        u.instance_id = ofd_strdup(c->instance_id);
        u.old = &c->current;
        u.fwd = &c->props;
        if (!u.instance_id || (rc = push(r, &u, e)) != OFD_OK) {
            free(u.instance_id);
            return ofd_err_set(e, OFD_E_NOMEM, "out of memory");
        }
        return verify_instance(n, c->cls, c->instance_id, &c->props, 0, e);
    case PLAN_DELETE:
        if ((rc = o->delete_instance(n->ctx, c->cls, c->instance_id, e)) != OFD_OK)
            return rc;
        r->res->writes++;
        u.kind = UNDO_CREATE;
        u.old = &c->current;
        if ((rc = push(r, &u, e)) != OFD_OK)
            return rc;
        return verify_instance(n, c->cls, c->instance_id, NULL, 1, e);
    default:
        return OFD_OK;
    }
}

/* Undoes the writes in reverse order; returns the first error of the rollback. */
static enum ofd_code rollback(struct run *r, ofd_err *e)
{
    const struct node_ops *o = r->n->ops;
    enum ofd_code first = OFD_OK, rc = OFD_OK;
    ofd_err err;
    size_t i;

    for (i = r->nu; i-- > 0;) {
        struct undo *u = &r->u[i];
        struct node_instance again;
        char *id = NULL;

        ofd_err_clear(&err);
        switch (u->kind) {
        case UNDO_DELETE:
            rc = o->delete_instance(r->n->ctx, u->cls, u->instance_id, &err);
            break;
        case UNDO_UPDATE: {
            /* The previous values of the properties changed (InstanceID excluded); a
             * property the update added goes back to NULL. */
            rc = without_id(u->cls, u->old, &again) == OFD_OK && unset_added(u->fwd, &again) == OFD_OK
                     ? o->update_instance(r->n->ctx, u->cls, u->instance_id, &again, &err)
                     : ofd_err_set(&err, OFD_E_NOMEM, "out of memory");
            node_instance_free(&again);
            break;
        }
        case UNDO_CREATE:
            rc = without_id(u->cls, u->old, &again) == OFD_OK ? o->create_instance(r->n->ctx, &again, &id, &err)
                                                       : ofd_err_set(&err, OFD_E_NOMEM, "out of memory");
            node_instance_free(&again);
            free(id);
            break;
        case UNDO_REMOVE_CERT:
            rc = o->remove_certificate(r->n->ctx, u->store, u->tp, &err);
            break;
        case UNDO_FIPS:
            rc = o->set_fips(r->n->ctx, u->fips, &err);
            break;
        }
        if (rc != OFD_OK && first == OFD_OK) {
            first = rc;
            if (e)
                *e = err;
        }
    }
    return first;
}

enum ofd_code apply_run(const struct plan *p, struct node *n, const struct apply_options *opt,
                        struct apply_result *res, ofd_err *e)
{
    struct run r;
    struct node_owned owned = {0}, next = {0};
    const struct plan_change *restart = NULL;
    ofd_err rb;
    size_t i, k;
    int ph;
    enum ofd_code rc = OFD_OK;

    memset(res, 0, sizeof(*res));
    memset(&r, 0, sizeof(r));
    r.n = n;
    r.res = res;
    if (!n->ops->create_instance || !n->ops->set_owned) {
        rc = ofd_err_set(e, OFD_E_INVALID, "this node (%s) cannot be written", n->ops->kind);
        goto out;
    }
    if ((rc = n->ops->owned(n->ctx, &owned, e)) != OFD_OK)
        goto out;
    for (ph = 0; ph <= 9 && rc == OFD_OK; ph++) {
        for (i = 0; i < p->n && rc == OFD_OK; i++) {
            const struct plan_change *c = &p->v[i];
            if (c->action == PLAN_UNCHANGED || phase(c) != ph)
                continue;
            if (c->action == PLAN_RESTART) {
                restart = c;
                continue;
            }
            if ((rc = do_change(&r, c, e)) == OFD_OK)
                res->applied++;
            else if (!e->rule[0] && c->rule)
                snprintf(e->rule, sizeof(e->rule), "%s", c->rule);
        }
    }
    /* The ownership record: what ocsfed owned, plus what it created, minus what it
     * deleted. */
    if (rc == OFD_OK && res->writes) {
        if (!(next.v = calloc(owned.n + p->n + 1, sizeof(*next.v)))) {
            rc = ofd_err_set(e, OFD_E_NOMEM, "out of memory");
        }
        for (k = 0; rc == OFD_OK && k < owned.n; k++) {
            int dropped = 0;
            for (i = 0; i < p->n; i++)
                dropped |= p->v[i].action == PLAN_DELETE && ofd_strcasecmp(p->v[i].cls, owned.v[k].cls) == 0
                           && ofd_strcasecmp(p->v[i].key, owned.v[k].key) == 0;
            if (!dropped)
                next.v[next.n++] = owned.v[k];
        }
        for (i = 0; rc == OFD_OK && i < p->n; i++)
            if (p->v[i].action == PLAN_CREATE && strcmp(p->v[i].cls, OCS_CLASS_CERT) != 0) {
                next.v[next.n].cls = (char *)p->v[i].cls;
                next.v[next.n++].key = p->v[i].key;
            }
        if (rc == OFD_OK && (rc = n->ops->set_owned(n->ctx, &next, e)) == OFD_OK)
            res->writes++;
    }
    if (rc != OFD_OK) {
        ofd_err_clear(&rb);
        res->rolled_back = r.nu > 0;
        res->rollback_rc = rollback(&r, &rb);
        snprintf(res->rollback_msg, sizeof(res->rollback_msg), "%s", rb.msg);
        goto out;
    }
    /* R19: last, once, only inside the maintenance window. */
    if (restart) {
        if (!opt->restart_allowed) {
            res->restart_pending = 1;
        } else if ((rc = n->ops->restart_service(n->ctx, ocs_lit.service, e)) == OFD_OK) {
            res->writes++;
            res->restart_done = 1;
        } else if (!e->rule[0]) {
            snprintf(e->rule, sizeof(e->rule), "R19");
        }
    }
out:
    for (i = 0; i < r.nu; i++)
        free(r.u[i].instance_id);
    free(r.u);
    free(next.v);
    node_owned_free(&owned);
    return rc;
}

int apply_in_window(const struct manifest_window *w, long long now, long local_offset)
{
    long long t;
    int day, min;

    if (!w || !w->present)
        return 1;
    t = now + (w->utc ? 0 : local_offset);
    day = (int)(((t / 86400) % 7 + 7 + 3) % 7); /* 1970-01-01 was a Thursday; 0 = Monday */
    min = (int)((t % 86400 + 86400) % 86400 / 60);
    if (w->start_min <= w->end_min)
        return (w->days >> day & 1) && min >= w->start_min && min < w->end_min;
    /* Crossing midnight: the part after midnight belongs to the previous day's window. */
    if (min >= w->start_min)
        return w->days >> day & 1;
    return min < w->end_min && (w->days >> ((day + 6) % 7) & 1);
}

long apply_local_offset(long long now)
{
    time_t t = (time_t)now;
    struct tm lt, ut;
    struct tm *p;

    if (!(p = localtime(&t)))
        return 0;
    lt = *p;
    if (!(p = gmtime(&t)))
        return 0;
    ut = *p;
    ut.tm_isdst = lt.tm_isdst;
    /* time_t counts seconds on both builds; no difftime (msvcrt on Server 2003 lacks
     * _difftime64). */
    return (long)(mktime(&lt) - mktime(&ut));
}
