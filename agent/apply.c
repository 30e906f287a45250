#include "apply.h"
#include "apply_journal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "cs.h"
#include "ocs_model.h"
#include "strbuf.h"

/* One write, journaled before it is made: how to take it back. The journal entry is
 * the undo record itself (JSON), so the rollback of a failed apply and the recovery
 * after a crash run the same code (undo_entry). Every undo is idempotent: recovery
 * cannot tell whether the last journaled write was made. */
struct entry {
    cJSON *j;
    int done; /* the write returned OK */
};

struct run {
    struct node *n;
    const struct apply_options *opt;
    struct entry *u;
    size_t nu;
    struct apply_result *res;
    struct journal jl;
    const char *pfx_password;
    char gone_msg[OFD_ERR_MSG_MAX]; /* the rollback's note of updated entries deleted since */
};

/* Journals j (taking it over) and keeps it as the undo record of the next write. */
static enum ofd_code push(struct run *r, cJSON *j, ofd_err *e)
{
    struct entry *v;

    if (!j)
        return ofd_err_nomem(e);
    if (!(v = realloc(r->u, (r->nu + 1) * sizeof(*v)))) {
        cJSON_Delete(j);
        return ofd_err_nomem(e);
    }
    r->u = v;
    v[r->nu].j = j;
    v[r->nu].done = 0;
    r->nu++;
    return r->jl.path ? journal_append(&r->jl, j, e) : OFD_OK;
}

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

/* Reads instance id of cls back once and checks each property of want. *mismatch = 1
 * when it was read and is not as written (what a slow provider may still show). */
static enum ofd_code verify_once(struct node *n, const char *cls, const char *id, const struct node_instance *want,
                                 int gone, int *mismatch, ofd_err *e)
{
    struct node_instances l = {0};
    struct node_instance one;
    const struct node_instance *got = NULL;
    size_t i;
    int found = 0;
    enum ofd_code rc;

    memset(&one, 0, sizeof(one));
    if (n->ops->get_instance) {
        if ((rc = n->ops->get_instance(n->ctx, cls, id, &one, &found, e)) != OFD_OK)
            return rc;
        if (found)
            got = &one;
    } else {
        if ((rc = n->ops->instances(n->ctx, cls, &l, e)) != OFD_OK)
            return rc;
        for (i = 0; i < l.n && !got; i++) {
            const struct node_value *v = node_instance_get(&l.v[i], OCS_P_INSTANCE_ID);
            if (v && v->s && ofd_strcasecmp(v->s, id) == 0)
                got = &l.v[i];
        }
    }
    rc = OFD_OK;
    *mismatch = 1;
    if (gone && got)
        rc = ofd_err_set(e, OFD_E_PLATFORM, "%s %s is still there after it was deleted", cls, id);
    else if (!gone && !got)
        rc = ofd_err_set(e, OFD_E_PLATFORM, "%s %s is not there after it was written", cls, id);
    for (i = 0; !gone && got && want && i < want->nprops && rc == OFD_OK; i++) {
        const struct node_value *v = node_instance_get(got, want->props[i].name);
        if (ofd_strcasecmp(want->props[i].name, OCS_P_INSTANCE_ID) != 0
            && (!v || !node_value_equal(v, &want->props[i].v)))
            rc = ofd_err_set(e, OFD_E_PLATFORM, "%s %s: %s reads back different from what was written", cls, id,
                             want->props[i].name);
    }
    if (rc == OFD_OK)
        *mismatch = 0;
    node_instances_free(&l);
    node_instance_free(&one);
    return rc;
}

static void sleep_default(void *ctx, unsigned ms)
{
    (void)ctx;
    ofd_sleep_ms(ms);
}

/* The read-back, tried again after each of APPLY_READBACK_DELAYS_MS while it reads a
 * mismatch: a provider may show a new AD-backed instance only after a moment (a hosting
 * panel written for R2 reads one up to ten times). A failed read is an error at once. */
static enum ofd_code verify_instance(const struct run *r, const char *cls, const char *id,
                                     const struct node_instance *want, int gone, ofd_err *e)
{
    static const unsigned delays[] = APPLY_READBACK_DELAYS_MS;
    void (*wait)(void *, unsigned) = r->opt && r->opt->sleep_ms ? r->opt->sleep_ms : sleep_default;
    size_t i;
    int mismatch = 0;
    enum ofd_code rc = verify_once(r->n, cls, id, want, gone, &mismatch, e);

    for (i = 0; rc != OFD_OK && mismatch && i < sizeof(delays) / sizeof(delays[0]); i++) {
        wait(r->opt ? r->opt->sleep_ctx : NULL, delays[i]);
        rc = verify_once(r->n, cls, id, want, gone, &mismatch, e);
    }
    if (rc != OFD_OK && mismatch)
        ofd_err_prefix(e, "after %u s of reading it back", APPLY_READBACK_TOTAL_MS / 1000);
    return rc;
}

static enum ofd_code verify_cert(struct node *n, const char *store, const unsigned char tp[CS_SHA1_LEN], int present,
                                 ofd_err *e)
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
    return v == want
               ? OFD_OK
               : ofd_err_rule(e, OFD_E_PLATFORM, "R12", "the FIPS policy reads back %d after writing %d", v, want);
}

static enum ofd_code do_change(struct run *r, const struct plan_change *c, ofd_err *e)
{
    struct node *n = r->n;
    const struct node_ops *o = n->ops;
    const struct ocs_class_def *def = ocs_class_find(c->cls);
    cJSON *j = NULL, *x;
    char *id = NULL, *key = NULL, hex[2 * CS_SHA1_LEN + 1];
    size_t i;
    enum ofd_code rc;

    if (strcmp(c->cls, OCS_CLASS_CERT) == 0) {
        const struct desired_item *it = c->item;

        unsigned char got[CS_SHA1_LEN];

        if (!it || (!it->der && !(it->pfx && it->tp_known && o->import_pfx))) {
            rc = ofd_err_rule(e, OFD_E_INVALID, c->rule, "certificate %s: %s", c->key,
                              it && it->pfx && !it->tp_known
                                  ? "the PKCS#12 file could not be opened when the plan was made (no password, "
                                    "or the wrong one): nothing is imported"
                                  : "this node cannot import it");
            goto out;
        }
        cs_thumbprint_hex(it->tp, hex);
        if (!(j = journal_record("cert", NULL)) || !cJSON_AddStringToObject(j, "store", it->store)
            || !cJSON_AddStringToObject(j, "thumbprint", hex)) {
            rc = ofd_err_nomem(e);
            goto out;
        }
        rc = push(r, j, e);
        j = NULL;
        if (rc != OFD_OK)
            goto out;
        if (it->der) {
            if ((rc = o->add_certificate(n->ctx, it->store, it->der, it->der_len, e)) != OFD_OK)
                goto out;
        } else {
            /* R16: the server certificate with its private key, from the pinned bytes of
             * the PKCS#12 file that the plan opened (never the file read again). */
            if ((rc = o->import_pfx(n->ctx, it->pfx, it->pfx_len, r->pfx_password, got, e)) != OFD_OK)
                goto out;
            if (memcmp(got, it->tp, CS_SHA1_LEN) != 0) {
                /* Not what the plan found in these bytes (a node that imports something
                 * else): take back what was imported (the journal names the planned
                 * thumbprint, not this one). */
                char ghex[2 * CS_SHA1_LEN + 1];
                ofd_err ignored;

                cs_thumbprint_hex(got, ghex);
                o->remove_certificate(n->ctx, it->store, got, &ignored);
                rc = ofd_err_rule(e, OFD_E_CONFLICT, "R16", "importing %s gave certificate %s, not %s as planned",
                                  it->source, ghex, hex);
                goto out;
            }
        }
        r->u[r->nu - 1].done = 1;
        r->res->writes++;
        rc = verify_cert(n, it->store, it->tp, 1, e);
        goto out;
    }
    if (strcmp(c->cls, OCS_CLASS_FIPS) == 0) {
        const struct node_value *want = node_instance_get(&c->props, OCS_P_ENABLED);
        const struct node_value *was = node_instance_get(&c->current, OCS_P_ENABLED);
        int w = want && want->u != 0;

        if (!(j = journal_record("fips", NULL)) || !cJSON_AddBoolToObject(j, "old", was && was->u != 0)) {
            rc = ofd_err_nomem(e);
            goto out;
        }
        rc = push(r, j, e);
        j = NULL;
        if (rc != OFD_OK || (rc = o->set_fips(n->ctx, w, e)) != OFD_OK)
            goto out;
        r->u[r->nu - 1].done = 1;
        r->res->writes++;
        rc = verify_fips(n, w, e);
        goto out;
    }
    switch (c->action) {
    case PLAN_CREATE: {
        const struct node_value *mv = def ? node_instance_get(&c->props, def->match_prop) : NULL, *given;

        if (!mv || !(key = node_value_text(mv))) {
            rc = mv ? ofd_err_nomem(e)
                    : ofd_err_set(e, OFD_E_INVALID, "%s %s: no natural key to create it by", c->cls, c->key);
            goto out;
        }
        if (!(j = journal_record("create", c->cls)) || !cJSON_AddStringToObject(j, "match", def->match_prop)
            || !cJSON_AddStringToObject(j, "key", key)) {
            rc = ofd_err_nomem(e);
            goto out;
        }
        rc = push(r, j, e);
        j = NULL;
        if (rc != OFD_OK)
            goto out;
        if ((rc = o->create_instance(n->ctx, &c->props, &id, e)) == OFD_E_CONFLICT && def->pool_scoped
            && (given = node_instance_get(&c->props, OCS_P_INSTANCE_ID)) && given->s) {
            /* Another front end of the pool, applying the same manifest, made this entry
             * first, with the InstanceID every front end derives for it: if it is what
             * this plan wants, it is done (and not this apply's to undo). */
            ofd_err mine = *e;

            if (verify_instance(r, c->cls, given->s, &c->props, 0, e) != OFD_OK) {
                *e = mine;
                goto out;
            }
            /* The journal's create is void: a recovery must not delete that entry. */
            rc = push(r, journal_record("void", c->cls), e);
            goto out;
        }
        if (rc != OFD_OK)
            goto out;
        r->u[r->nu - 1].done = 1;
        r->res->writes++;
        rc = verify_instance(r, c->cls, id, &c->props, 0, e);
        goto out;
    }
    case PLAN_UPDATE:
        if (!(j = journal_record("update", c->cls)) || !cJSON_AddStringToObject(j, "id", c->instance_id)
            || !(x = journal_instance(&c->current)) || !cJSON_AddItemToObject(j, "old", x)
            || !(x = cJSON_AddArrayToObject(j, "set"))) {
            rc = ofd_err_nomem(e);
            goto out;
        }
        for (i = 0; i < c->props.nprops; i++) {
            cJSON *name = cJSON_CreateString(c->props.props[i].name);
            if (!name || !cJSON_AddItemToArray(x, name)) {
                cJSON_Delete(name);
                rc = ofd_err_nomem(e);
                goto out;
            }
        }
        rc = push(r, j, e);
        j = NULL;
        if (rc != OFD_OK || (rc = o->update_instance(n->ctx, c->cls, c->instance_id, &c->props, e)) != OFD_OK)
            goto out;
        r->u[r->nu - 1].done = 1;
        r->res->writes++;
        rc = verify_instance(r, c->cls, c->instance_id, &c->props, 0, e);
        goto out;
    case PLAN_DELETE:
        if (!(j = journal_record("delete", c->cls)) || !(x = journal_instance(&c->current))
            || !cJSON_AddItemToObject(j, "old", x)) {
            rc = ofd_err_nomem(e);
            goto out;
        }
        rc = push(r, j, e);
        j = NULL;
        if (rc != OFD_OK)
            goto out;
        /* Gone already: another front end of the pool deleted this shared entry first. */
        if ((rc = o->delete_instance(n->ctx, c->cls, c->instance_id, e)) == OFD_E_NOTFOUND && def && def->pool_scoped) {
            /* Not this apply's to put back: the journal's delete is void. */
            if ((rc = verify_instance(r, c->cls, c->instance_id, NULL, 1, e)) == OFD_OK)
                rc = push(r, journal_record("void", c->cls), e);
            goto out;
        }
        if (rc != OFD_OK)
            goto out;
        r->u[r->nu - 1].done = 1;
        r->res->writes++;
        rc = verify_instance(r, c->cls, c->instance_id, NULL, 1, e);
        goto out;
    default: rc = OFD_OK;
    }
out:
    cJSON_Delete(j);
    free(id);
    free(key);
    return rc;
}

/* Undoes the writes made, in reverse order; returns the first error of the rollback.
 * A write that failed is taken as not made (WMI's PutInstance and the simulated node's
 * save are atomic); after a crash, apply_recover undoes every journaled entry. */
static enum ofd_code rollback(struct run *r, ofd_err *e)
{
    enum ofd_code first = OFD_OK, rc;
    char note[OFD_ERR_MSG_MAX];
    ofd_err err;
    size_t i;

    for (i = r->nu; i-- > 0;) {
        if (!r->u[i].done)
            continue;
        ofd_err_clear(&err);
        if ((rc = journal_undo(r->n, r->u[i].j, note, sizeof(note), &err)) != OFD_OK && first == OFD_OK) {
            first = rc;
            if (e)
                *e = err;
        } else if (rc == OFD_OK && note[0]) {
            apply_note_gone(r->gone_msg, sizeof(r->gone_msg), ++r->res->rollback_gone, note);
        }
    }
    return first;
}

/* Writes the ownership record next, journaling the one it replaces. */
static enum ofd_code write_owned(struct run *r, const struct node_owned *prev, const struct node_owned *next,
                                 ofd_err *e)
{
    cJSON *j = journal_record("owned", NULL), *x = journal_owned(prev);
    enum ofd_code rc;

    if (!j || !x || !cJSON_AddItemToObject(j, "old", x)) {
        cJSON_Delete(j);
        cJSON_Delete(x);
        return ofd_err_nomem(e);
    }
    if ((rc = push(r, j, e)) != OFD_OK || (rc = r->n->ops->set_owned(r->n->ctx, next, e)) != OFD_OK)
        return rc;
    r->u[r->nu - 1].done = 1;
    r->res->writes++;
    return OFD_OK;
}

/* R13, R14: just before a listener is told to use the server certificate (R17), after
 * the certificates were imported: the node checks that it chains to a trusted root and
 * that its private key works. A failure undoes the apply: OCS would not start TLS. */
static enum ofd_code check_selected_cert(const struct plan *p, struct node *n, ofd_err *e)
{
    size_t i;
    int selects = 0;

    if (!p->cert.selected || !n->ops->cert_usable)
        return OFD_OK;
    for (i = 0; i < p->n && !selects; i++)
        selects = phase(&p->v[i]) == 4 && (p->v[i].action == PLAN_CREATE || p->v[i].action == PLAN_UPDATE)
                  && node_instance_get(&p->v[i].props, OCS_P_TLS_CERT_SN) != NULL;
    return selects ? n->ops->cert_usable(n->ctx, p->cert.tp, NULL, e) : OFD_OK;
}

enum ofd_code apply_run(const struct plan *p, struct node *n, const struct apply_options *opt, struct apply_result *res,
                        ofd_err *e)
{
    struct run r;
    struct node_owned owned = {0}, next = {0};
    const struct plan_change *restart = NULL;
    const struct vocab_entry *ve;
    ofd_err rb, fin;
    size_t i, k;
    int ph;
    enum ofd_code rc = OFD_OK;

    memset(res, 0, sizeof(*res));
    memset(&r, 0, sizeof(r));
    r.n = n;
    r.opt = opt;
    r.res = res;
    r.jl.path = opt->journal;
    r.jl.fqdn = p->server;
    r.pfx_password = opt->pfx_password;
    if (!n->ops->create_instance || !n->ops->set_owned) {
        rc = ofd_err_set(e, OFD_E_INVALID, "this node (%s) cannot be written", n->ops->kind);
        goto out;
    }
    /* The server's own vocabulary contradicts what this plan would write (vocab.h): not
     * one write, the journal included, rather than find out by breaking federation. */
    if (plan_has_changes(p) && (ve = vocab_contradiction(&p->vocab, p->tls))) {
        rc = ofd_err_rule(e, OFD_E_CONFLICT, vocab_rule(ve, p->tls),
                          "%s.%s: ocsfed would write \"%s\", but %s: nothing was written (the server's vocabulary "
                          "is not what ocsfed assumes: docs/field-trial.md)",
                          ve->cls, ve->prop, ve->writes, ve->evidence);
        goto out;
    }
    if ((rc = n->ops->owned(n->ctx, &owned, e)) != OFD_OK)
        goto out;
    for (ph = 0; ph <= 9 && rc == OFD_OK && !opt->restart_only; ph++) {
        if (ph == 4 && (rc = check_selected_cert(p, n, e)) != OFD_OK)
            break;
        for (i = 0; i < p->n && rc == OFD_OK; i++) {
            const struct plan_change *c = &p->v[i];
            if (c->action == PLAN_UNCHANGED || phase(c) != ph)
                continue;
            if (c->action == PLAN_RESTART) {
                restart = c;
                continue;
            }
            if (opt->cancelled && opt->cancelled(opt->cancel_ctx)) {
                rc = ofd_err_set(e, OFD_E_CANCELLED, "stopped after %zu of the plan's changes: a stop was requested",
                                 res->applied);
                break;
            }
            if ((rc = do_change(&r, c, e)) == OFD_OK)
                res->applied++;
            else if (!e->rule[0] && c->rule)
                snprintf(e->rule, sizeof(e->rule), "%s", c->rule);
        }
    }
    /* The ownership record: what ocsfed owned, plus what it created, minus what it
     * deleted; and a restart to do, recorded before it is tried so that one that
     * waits for the window, fails or is cut short is done by a later run. */
    if (rc == OFD_OK && (res->writes || (restart && !owned.restart_pending))) {
        if (!(next.v = calloc(owned.n + p->n + 1, sizeof(*next.v))))
            rc = ofd_err_nomem(e);
        for (k = 0; rc == OFD_OK && k < owned.n; k++) {
            int dropped = 0;
            for (i = 0; i < p->n; i++)
                dropped |= p->v[i].action == PLAN_DELETE && ofd_strcasecmp(p->v[i].cls, owned.v[k].cls) == 0
                           && ofd_strcasecmp(p->v[i].key, owned.v[k].key) == 0;
            if (!dropped)
                next.v[next.n++] = owned.v[k];
        }
        /* Entries of the pool's shared store are known by their derived InstanceID
         * (ocs_pool_instance_id), by every front end of the pool: not recorded here. */
        for (i = 0; rc == OFD_OK && i < p->n; i++)
            if (p->v[i].action == PLAN_CREATE && strcmp(p->v[i].cls, OCS_CLASS_CERT) != 0
                && !(ocs_class_find(p->v[i].cls) && ocs_class_find(p->v[i].cls)->pool_scoped)) {
                next.v[next.n].cls = (char *)p->v[i].cls;
                next.v[next.n++].key = p->v[i].key;
            }
        next.restart_pending = restart != NULL || owned.restart_pending;
        if (rc == OFD_OK)
            rc = write_owned(&r, &owned, &next, e);
    }
    if (rc != OFD_OK) {
        ofd_err_clear(&rb);
        res->rolled_back = 0;
        for (i = 0; i < r.nu; i++)
            res->rolled_back |= r.u[i].done;
        res->rollback_rc = rollback(&r, &rb);
        snprintf(res->rollback_msg, sizeof(res->rollback_msg), "%s", rb.msg);
        if (res->rollback_rc == OFD_OK && res->rollback_gone)
            snprintf(res->rollback_msg, sizeof(res->rollback_msg), "%.900s; every other change undone", r.gone_msg);
        if (res->rollback_rc == OFD_OK) {
            ofd_err_clear(&fin);
            if (journal_finish(&r.jl, &fin) != OFD_OK)
                snprintf(res->rollback_msg, sizeof(res->rollback_msg), "%s", fin.msg);
        } else if (r.jl.f) {
            /* Kept: the next run (apply_recover) completes the rollback. */
            journal_keep(&r.jl);
            snprintf(res->rollback_msg, sizeof(res->rollback_msg),
                     "%.600s; the journal %.300s is kept and the "
                     "next run completes the rollback",
                     rb.msg, r.jl.path);
        }
        goto out;
    }
    if (opt->keep_journal && r.jl.f) {
        /* Confirmed apply: the journal stays until the probe confirms it (check.c); it is
         * closed at out, after the restart's record. */
        res->journal_kept = 1;
    } else if ((rc = journal_finish(&r.jl, e)) != OFD_OK) {
        goto out;
    }
    /* R19: last, once, only inside the maintenance window. */
    if (restart || owned.restart_pending) {
        cJSON *jrec = NULL;

        if (!opt->restart_allowed) {
            res->restart_pending = 1;
        } else if (res->journal_kept
                   && (!(jrec = journal_record("restart", NULL)) || journal_append(&r.jl, jrec, e) != OFD_OK)) {
            /* A journal kept for a confirmation notes the restart before it is made: the
             * Front End then runs these settings, and undoing them (a crash while the
             * probe is awaited) must leave their restart pending. */
            rc = jrec ? e->code : ofd_err_nomem(e);
        } else if ((rc = n->ops->restart_service(n->ctx, ocs_lit.service, e)) == OFD_OK) {
            res->writes++;
            res->restart_done = 1;
            /* Done: no longer pending. Not journaled: there is nothing to undo. */
            if (!next.v && !owned.restart_pending) {
                /* nothing was recorded */
            } else {
                struct node_owned *rec = next.v ? &next : &owned;
                rec->restart_pending = 0;
                if ((rc = n->ops->set_owned(n->ctx, rec, e)) == OFD_OK)
                    res->writes++;
            }
        } else if (!e->rule[0]) {
            snprintf(e->rule, sizeof(e->rule), "R19");
        }
        cJSON_Delete(jrec);
    }
out:
    journal_keep(&r.jl);
    for (i = 0; i < r.nu; i++)
        cJSON_Delete(r.u[i].j);
    free(r.u);
    free(next.v);
    node_owned_free(&owned);
    return rc;
}
