#include "apply.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "cs.h"
#include "fsutil.h"
#include "ocs_model.h"
#include "strbuf.h"

/* One write, journaled before it is made: how to take it back. The journal entry is
 * the undo record itself (JSON), so the rollback of a failed apply and the recovery
 * after a crash run the same code (undo_entry). Every undo is idempotent: recovery
 * cannot tell whether the last journaled write was made. */
struct entry {
    cJSON *j;
    int done;   /* the write returned OK */
};

struct run {
    struct node *n;
    struct entry *u;
    size_t nu;
    struct apply_result *res;
    const char *jpath;   /* the journal, or NULL */
    FILE *jf;            /* open once the first entry is written */
    const char *fqdn;
    const char *pfx_password;
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

/* ---- the journal: one JSON object per line, flushed to the disk before the write it
 * describes. A torn last line is an entry whose write never started. ---- */

static enum ofd_code journal_line(FILE *f, const char *path, const cJSON *j, ofd_err *e)
{
    char *text = cJSON_PrintUnformatted(j);
    enum ofd_code rc = OFD_OK;

    if (!text)
        return ofd_err_nomem(e);
    if (fputs(text, f) == EOF || fputc('\n', f) == EOF || fflush(f) != 0 || ofd_sync_file(f) != 0)
        rc = ofd_err_set(e, OFD_E_IO, "cannot write the journal '%s'", path);
    cJSON_free(text);
    return rc;
}

/* Journals j (taking it over) and keeps it as the undo record of the next write. */
static enum ofd_code push(struct run *r, cJSON *j, ofd_err *e)
{
    struct entry *v;
    cJSON *head = NULL;
    FILE *f;
    enum ofd_code rc;

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
    if (!r->jpath)
        return OFD_OK;
    if (!r->jf) {
        /* Created new: an existing journal is an interrupted apply that must be
         * recovered first, and anything else by that name is not ours to write. */
        if (!(f = ofd_create_new(r->jpath)))
            return errno == EEXIST ? ofd_err_set(e, OFD_E_CONFLICT, "the journal '%s' of an interrupted apply is "
                                                 "there: it must be recovered first", r->jpath)
                                   : ofd_err_set(e, OFD_E_IO, "cannot create the journal '%s': %s", r->jpath,
                                                 strerror(errno));
        r->jf = f;
        /* The journal's own folder entry must be durable before the first write. */
        if (ofd_sync_parent_dir(r->jpath) != 0)
            return ofd_err_set(e, OFD_E_IO, "cannot flush the folder of the journal '%s'", r->jpath);
        if (!(head = cJSON_CreateObject()) || !cJSON_AddNumberToObject(head, "ocsfed_journal", 1)
            || !cJSON_AddStringToObject(head, "node", r->fqdn ? r->fqdn : "")) {
            cJSON_Delete(head);
            return ofd_err_nomem(e);
        }
        rc = journal_line(r->jf, r->jpath, head, e);
        cJSON_Delete(head);
        if (rc != OFD_OK)
            return rc;
    }
    return journal_line(r->jf, r->jpath, j, e);
}

/* Closes and removes the journal: the apply is complete or fully undone. */
static enum ofd_code journal_finish(struct run *r, ofd_err *e)
{
    enum ofd_code rc = OFD_OK;

    if (r->jf) {
        if (fclose(r->jf) != 0)
            rc = ofd_err_set(e, OFD_E_IO, "cannot close the journal '%s'", r->jpath);
        r->jf = NULL;
        if (rc == OFD_OK)
            rc = ofd_remove_file(r->jpath, e);
    }
    return rc;
}

/* An instance as [{"n": name, "t": CIM type, "v": value}], the type kept so that an
 * empty uint8[] reads back as one. */
static cJSON *inst_to_json(const struct node_instance *in)
{
    cJSON *arr = cJSON_CreateArray(), *o, *v;
    size_t i;

    for (i = 0; arr && i < in->nprops; i++) {
        if (!(o = cJSON_CreateObject()) || !cJSON_AddItemToArray(arr, o)
            || !cJSON_AddStringToObject(o, "n", in->props[i].name)
            || !cJSON_AddStringToObject(o, "t", ocs_type_name(in->props[i].v.type))
            || !(v = node_value_to_json(&in->props[i].v)) || !cJSON_AddItemToObject(o, "v", v)) {
            cJSON_Delete(arr);
            return NULL;
        }
    }
    return arr;
}

static enum ofd_code inst_from_json(const cJSON *arr, const char *cls, struct node_instance *out, ofd_err *e)
{
    const cJSON *it;
    enum ocs_type t;
    enum ofd_code rc;

    memset(out, 0, sizeof(*out));
    if (!cJSON_IsArray(arr))
        return ofd_err_set(e, OFD_E_INVALID, "journal: an instance of %s is not a property list", cls);
    if (!(out->cls = ofd_strdup(cls)))
        return ofd_err_nomem(e);
    cJSON_ArrayForEach(it, arr) {
        const cJSON *n = cJSON_GetObjectItemCaseSensitive(it, "n"), *ty = cJSON_GetObjectItemCaseSensitive(it, "t");
        struct node_value v;

        for (t = OCS_STRING; t <= OCS_STRING_ARRAY && !(cJSON_IsString(ty) && !strcmp(ocs_type_name(t), ty->valuestring));
             t++)
            ;
        if (!cJSON_IsString(n) || t > OCS_STRING_ARRAY) {
            rc = ofd_err_set(e, OFD_E_INVALID, "journal: a property of %s has no name or type", cls);
            goto fail;
        }
        if ((rc = node_value_from_json(cJSON_GetObjectItemCaseSensitive(it, "v"), t, &v, e)) != OFD_OK)
            goto fail;
        if (node_instance_add(out, n->valuestring, &v) != OFD_OK) {
            rc = ofd_err_nomem(e);
            goto fail;
        }
    }
    return OFD_OK;
fail:
    node_instance_free(out);
    return rc;
}

static cJSON *owned_to_json(const struct node_owned *o)
{
    cJSON *j = cJSON_CreateObject(), *arr, *x;
    size_t i;

    if (!j || !(arr = cJSON_AddArrayToObject(j, "owned")) || !cJSON_AddBoolToObject(j, "restart_pending", o->restart_pending))
        goto fail;
    for (i = 0; i < o->n; i++)
        if (!(x = cJSON_CreateObject()) || !cJSON_AddItemToArray(arr, x) || !cJSON_AddStringToObject(x, "class", o->v[i].cls)
            || !cJSON_AddStringToObject(x, "key", o->v[i].key))
            goto fail;
    return j;
fail:
    cJSON_Delete(j);
    return NULL;
}

static enum ofd_code owned_from_json(const cJSON *j, struct node_owned *o, ofd_err *e)
{
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(j, "owned"), *it;

    memset(o, 0, sizeof(*o));
    if (!cJSON_IsArray(arr))
        return ofd_err_set(e, OFD_E_INVALID, "journal: an ownership record without \"owned\"");
    if (cJSON_GetArraySize(arr) && !(o->v = calloc((size_t)cJSON_GetArraySize(arr), sizeof(*o->v))))
        return ofd_err_nomem(e);
    o->restart_pending = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "restart_pending"));
    cJSON_ArrayForEach(it, arr) {
        const cJSON *c = cJSON_GetObjectItemCaseSensitive(it, "class"), *k = cJSON_GetObjectItemCaseSensitive(it, "key");
        if (!cJSON_IsString(c) || !cJSON_IsString(k)) {
            node_owned_free(o);
            return ofd_err_set(e, OFD_E_INVALID, "journal: an ownership entry without class and key");
        }
        o->v[o->n].cls = ofd_strdup(c->valuestring);
        o->v[o->n].key = ofd_strdup(k->valuestring);
        if (!o->v[o->n++].cls || !o->v[o->n - 1].key) {
            node_owned_free(o);
            return ofd_err_nomem(e);
        }
    }
    return OFD_OK;
}

static const char *jstr(const cJSON *j, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, name);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* The instance of cls whose InstanceID is id (index into l), or -1. */
static long find_by_id(const struct node_instances *l, const char *id)
{
    size_t i;

    for (i = 0; i < l->n; i++) {
        const struct node_value *v = node_instance_get(&l->v[i], OCS_P_INSTANCE_ID);
        if (v && v->type == OCS_STRING && v->s && ofd_strcasecmp(v->s, id) == 0)
            return (long)i;
    }
    return -1;
}

/* The instance of cls whose natural key (match property) reads key, or -1. */
static long find_by_key(const struct node_instances *l, const char *match, const char *key)
{
    size_t i;
    long found = -1;

    for (i = 0; i < l->n && found < 0; i++) {
        const struct node_value *v = node_instance_get(&l->v[i], match);
        char *t = v ? node_value_text(v) : NULL;
        if (t && ofd_strcasecmp(t, key) == 0)
            found = (long)i;
        free(t);
    }
    return found;
}

static enum ofd_code without_id(const char *cls, const struct node_instance *inst, struct node_instance *out);
static enum ofd_code unset_added_names(const cJSON *names, struct node_instance *out);

/* Takes back one journaled write. Idempotent: the write may or may not have been made. */
static enum ofd_code undo_entry(struct node *n, const cJSON *j, ofd_err *e)
{
    const struct node_ops *o = n->ops;
    const char *op = jstr(j, "op"), *cls = jstr(j, "class");
    struct node_instances l = {0};
    struct node_instance inst, again;
    struct node_owned own;
    unsigned char tp[CS_SHA1_LEN];
    const char *s;
    char *id = NULL;
    long at;
    enum ofd_code rc;

    memset(&inst, 0, sizeof(inst));
    memset(&again, 0, sizeof(again));
    if (!op) {
        rc = ofd_err_set(e, OFD_E_INVALID, "journal: an entry without \"op\"");
        goto out;
    }
    if (!strcmp(op, "cert")) {
        if (!jstr(j, "store") || !(s = jstr(j, "thumbprint")) || cs_thumbprint_parse(s, tp, NULL) != OFD_OK) {
            rc = ofd_err_set(e, OFD_E_INVALID, "journal: a certificate entry without store or thumbprint");
            goto out;
        }
        rc = o->remove_certificate(n->ctx, jstr(j, "store"), tp, e);
    } else if (!strcmp(op, "fips")) {
        rc = o->set_fips(n->ctx, cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "old")), e);
    } else if (!strcmp(op, "owned")) {
        if ((rc = owned_from_json(cJSON_GetObjectItemCaseSensitive(j, "old"), &own, e)) == OFD_OK) {
            rc = o->set_owned(n->ctx, &own, e);
            node_owned_free(&own);
        }
    } else if (!cls) {
        rc = ofd_err_set(e, OFD_E_INVALID, "journal: a %s entry without \"class\"", op);
    } else if ((rc = o->instances(n->ctx, cls, &l, e)) != OFD_OK) {
        /* rc says why */
    } else if (!strcmp(op, "create")) {
        /* Delete what was created, found by its natural key (the id is the node's). */
        if (!jstr(j, "match") || !jstr(j, "key"))
            rc = ofd_err_set(e, OFD_E_INVALID, "journal: a create entry without match and key");
        else if ((at = find_by_key(&l, jstr(j, "match"), jstr(j, "key"))) >= 0) {
            const struct node_value *v = node_instance_get(&l.v[at], OCS_P_INSTANCE_ID);
            rc = v && v->s ? o->delete_instance(n->ctx, cls, v->s, e)
                           : ofd_err_set(e, OFD_E_INVALID, "%s %s has no InstanceID", cls, jstr(j, "key"));
        }
    } else if (!strcmp(op, "update")) {
        /* The previous values of the properties changed; one the update added goes
         * back to NULL. */
        if (!(s = jstr(j, "id")))
            rc = ofd_err_set(e, OFD_E_INVALID, "journal: an update entry without id");
        else if (find_by_id(&l, s) < 0)
            rc = ofd_err_set(e, OFD_E_NOTFOUND, "%s %s, updated by the apply, is gone: it cannot be put back", cls, s);
        else if ((rc = inst_from_json(cJSON_GetObjectItemCaseSensitive(j, "old"), cls, &inst, e)) == OFD_OK) {
            rc = without_id(cls, &inst, &again) == OFD_OK
                         && unset_added_names(cJSON_GetObjectItemCaseSensitive(j, "set"), &again) == OFD_OK
                     ? o->update_instance(n->ctx, cls, s, &again, e)
                     : ofd_err_nomem(e);
        }
    } else if (!strcmp(op, "delete")) {
        /* Re-create what was deleted, with its InstanceID, unless it is still there. */
        if ((rc = inst_from_json(cJSON_GetObjectItemCaseSensitive(j, "old"), cls, &inst, e)) == OFD_OK) {
            const struct node_value *v = node_instance_get(&inst, OCS_P_INSTANCE_ID);
            if (!v || v->type != OCS_STRING || !v->s)
                rc = ofd_err_set(e, OFD_E_INVALID, "journal: a deleted %s without InstanceID", cls);
            else if (find_by_id(&l, v->s) < 0)
                rc = o->create_instance(n->ctx, &inst, &id, e);
        }
    } else {
        rc = ofd_err_set(e, OFD_E_INVALID, "journal: unknown entry \"%s\"", op);
    }
out:
    free(id);
    node_instance_free(&inst);
    node_instance_free(&again);
    node_instances_free(&l);
    return rc;
}

/* Reads instance id of cls back and checks each property of want. */
static enum ofd_code verify_instance(struct node *n, const char *cls, const char *id,
                                     const struct node_instance *want, int gone, ofd_err *e)
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
    if (gone && got)
        rc = ofd_err_set(e, OFD_E_PLATFORM, "%s %s is still there after it was deleted", cls, id);
    else if (!gone && !got)
        rc = ofd_err_set(e, OFD_E_PLATFORM, "%s %s is not there after it was written", cls, id);
    for (i = 0; !gone && got && want && i < want->nprops && rc == OFD_OK; i++) {
        const struct node_value *v = node_instance_get(got, want->props[i].name);
        if (ofd_strcasecmp(want->props[i].name, OCS_P_INSTANCE_ID) != 0 && (!v || !node_value_equal(v, &want->props[i].v)))
            rc = ofd_err_set(e, OFD_E_PLATFORM, "%s %s: %s reads back different from what was written", cls, id,
                             want->props[i].name);
    }
    node_instances_free(&l);
    node_instance_free(&one);
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
        if (ofd_strcasecmp(inst->props[i].name, OCS_P_INSTANCE_ID) == 0)
            continue;
        if (node_value_copy(&v, &inst->props[i].v) != OFD_OK || node_instance_add(out, inst->props[i].name, &v) != OFD_OK)
            return OFD_E_NOMEM;
    }
    return OFD_OK;
}

/* Adds a NULL (unset) value to out for every name in names (a JSON array) that out
 * lacks: a property the update added. */
static enum ofd_code unset_added_names(const cJSON *names, struct node_instance *out)
{
    const cJSON *it;

    cJSON_ArrayForEach(it, names) {
        struct node_value null_value;

        if (!cJSON_IsString(it) || node_instance_get(out, it->valuestring))
            continue;
        memset(&null_value, 0, sizeof(null_value));
        null_value.type = OCS_STRING;
        if (node_instance_add(out, it->valuestring, &null_value) != OFD_OK)
            return OFD_E_NOMEM;
    }
    return OFD_OK;
}

/* A journal entry {"op": op, "class": cls}. */
static cJSON *entry_new(const char *op, const char *cls)
{
    cJSON *j = cJSON_CreateObject();

    if (j && (!cJSON_AddStringToObject(j, "op", op) || (cls && !cJSON_AddStringToObject(j, "class", cls)))) {
        cJSON_Delete(j);
        return NULL;
    }
    return j;
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
            rc = ofd_err_rule(e, OFD_E_INVALID, c->rule,
                              "certificate %s: %s", c->key,
                              it && it->pfx && !it->tp_known
                                  ? "the PKCS#12 file could not be opened when the plan was made (no password, "
                                    "or the wrong one): nothing is imported"
                                  : "this node cannot import it");
            goto out;
        }
        cs_thumbprint_hex(it->tp, hex);
        if (!(j = entry_new("cert", NULL)) || !cJSON_AddStringToObject(j, "store", it->store)
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

        if (!(j = entry_new("fips", NULL)) || !cJSON_AddBoolToObject(j, "old", was && was->u != 0)) {
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
        const struct node_value *mv = def ? node_instance_get(&c->props, def->match_prop) : NULL;

        if (!mv || !(key = node_value_text(mv))) {
            rc = mv ? ofd_err_nomem(e) : ofd_err_set(e, OFD_E_INVALID, "%s %s: no natural key to create it by", c->cls, c->key);
            goto out;
        }
        if (!(j = entry_new("create", c->cls)) || !cJSON_AddStringToObject(j, "match", def->match_prop)
            || !cJSON_AddStringToObject(j, "key", key)) {
            rc = ofd_err_nomem(e);
            goto out;
        }
        rc = push(r, j, e);
        j = NULL;
        if (rc != OFD_OK || (rc = o->create_instance(n->ctx, &c->props, &id, e)) != OFD_OK)
            goto out;
        r->u[r->nu - 1].done = 1;
        r->res->writes++;
        rc = verify_instance(n, c->cls, id, &c->props, 0, e);
        goto out;
    }
    case PLAN_UPDATE:
        if (!(j = entry_new("update", c->cls)) || !cJSON_AddStringToObject(j, "id", c->instance_id)
            || !(x = inst_to_json(&c->current)) || !cJSON_AddItemToObject(j, "old", x)
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
        rc = verify_instance(n, c->cls, c->instance_id, &c->props, 0, e);
        goto out;
    case PLAN_DELETE:
        if (!(j = entry_new("delete", c->cls)) || !(x = inst_to_json(&c->current)) || !cJSON_AddItemToObject(j, "old", x)) {
            rc = ofd_err_nomem(e);
            goto out;
        }
        rc = push(r, j, e);
        j = NULL;
        if (rc != OFD_OK || (rc = o->delete_instance(n->ctx, c->cls, c->instance_id, e)) != OFD_OK)
            goto out;
        r->u[r->nu - 1].done = 1;
        r->res->writes++;
        rc = verify_instance(n, c->cls, c->instance_id, NULL, 1, e);
        goto out;
    default:
        rc = OFD_OK;
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
    ofd_err err;
    size_t i;

    for (i = r->nu; i-- > 0;) {
        if (!r->u[i].done)
            continue;
        ofd_err_clear(&err);
        if ((rc = undo_entry(r->n, r->u[i].j, &err)) != OFD_OK && first == OFD_OK) {
            first = rc;
            if (e)
                *e = err;
        }
    }
    return first;
}

/* Writes the ownership record next, journaling the one it replaces. */
static enum ofd_code write_owned(struct run *r, const struct node_owned *prev, const struct node_owned *next,
                                 ofd_err *e)
{
    cJSON *j = entry_new("owned", NULL), *x = owned_to_json(prev);
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

    if (!p->cert_selected || !n->ops->cert_usable)
        return OFD_OK;
    for (i = 0; i < p->n && !selects; i++)
        selects = phase(&p->v[i]) == 4 && (p->v[i].action == PLAN_CREATE || p->v[i].action == PLAN_UPDATE)
                  && node_instance_get(&p->v[i].props, OCS_P_TLS_CERT_SN) != NULL;
    return selects ? n->ops->cert_usable(n->ctx, p->cert_tp, e) : OFD_OK;
}

enum ofd_code apply_run(const struct plan *p, struct node *n, const struct apply_options *opt,
                        struct apply_result *res, ofd_err *e)
{
    struct run r;
    struct node_owned owned = {0}, next = {0};
    const struct plan_change *restart = NULL;
    ofd_err rb, fin;
    size_t i, k;
    int ph;
    enum ofd_code rc = OFD_OK;

    memset(res, 0, sizeof(*res));
    memset(&r, 0, sizeof(r));
    r.n = n;
    r.res = res;
    r.jpath = opt->journal;
    r.fqdn = p->server;
    r.pfx_password = opt->pfx_password;
    if (!n->ops->create_instance || !n->ops->set_owned) {
        rc = ofd_err_set(e, OFD_E_INVALID, "this node (%s) cannot be written", n->ops->kind);
        goto out;
    }
    if ((rc = n->ops->owned(n->ctx, &owned, e)) != OFD_OK)
        goto out;
    for (ph = 0; ph <= 9 && rc == OFD_OK; ph++) {
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
        for (i = 0; rc == OFD_OK && i < p->n; i++)
            if (p->v[i].action == PLAN_CREATE && strcmp(p->v[i].cls, OCS_CLASS_CERT) != 0) {
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
        if (res->rollback_rc == OFD_OK) {
            ofd_err_clear(&fin);
            if (journal_finish(&r, &fin) != OFD_OK)
                snprintf(res->rollback_msg, sizeof(res->rollback_msg), "%s", fin.msg);
        } else if (r.jf) {
            /* Kept: the next run (apply_recover) completes the rollback. */
            fclose(r.jf);
            r.jf = NULL;
            snprintf(res->rollback_msg, sizeof(res->rollback_msg), "%.600s; the journal %.300s is kept and the "
                     "next run completes the rollback", rb.msg, r.jpath);
        }
        goto out;
    }
    if ((rc = journal_finish(&r, e)) != OFD_OK)
        goto out;
    /* R19: last, once, only inside the maintenance window. */
    if (restart || owned.restart_pending) {
        if (!opt->restart_allowed) {
            res->restart_pending = 1;
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
    }
out:
    if (r.jf)
        fclose(r.jf);
    for (i = 0; i < r.nu; i++)
        cJSON_Delete(r.u[i].j);
    free(r.u);
    free(next.v);
    node_owned_free(&owned);
    return rc;
}

enum ofd_code apply_recover(const char *journal, struct node *n, struct apply_recovery *res, ofd_err *e)
{
    struct node_identity id = {0};
    cJSON **v = NULL, *head = NULL;
    char *text = NULL, *line, *nl;
    size_t len = 0, nv = 0, i;
    const char *fqdn;
    enum ofd_code rc;

    memset(res, 0, sizeof(*res));
    if ((rc = ofd_read_file(journal, APPLY_JOURNAL_MAX_BYTES, &text, &len, e)) == OFD_E_NOTFOUND) {
        ofd_err_clear(e);
        rc = OFD_OK; /* no interrupted apply */
        goto out;
    }
    if (rc != OFD_OK)
        goto out;
    res->found = 1;
    if (!n->ops->set_owned) {
        rc = ofd_err_set(e, OFD_E_INVALID, "%s: an interrupted apply, and this node (%s) cannot be written",
                         journal, n->ops->kind);
        goto out;
    }
    /* One slot per line (a torn last line included). */
    for (line = text, i = 1; (line = memchr(line, '\n', (size_t)(text + len - line))); line++)
        i++;
    if (!(v = calloc(i, sizeof(*v)))) {
        rc = ofd_err_nomem(e);
        goto out;
    }
    /* One entry per line; a last line without its newline was being written when the
     * process stopped: its write never started. */
    for (line = text; line < text + len; line = nl + 1) {
        cJSON *j;
        if (!(nl = memchr(line, '\n', (size_t)(text + len - line)))) {
            res->torn = 1;
            break;
        }
        *nl = '\0';
        if (!(j = cJSON_Parse(line)) || !cJSON_IsObject(j)) {
            cJSON_Delete(j);
            rc = ofd_err_set(e, OFD_E_INVALID, "%s:%zu: not a journal entry: the journal is damaged; restore the "
                             "node from a backup and delete it", journal, nv + 1);
            goto out;
        }
        v[nv++] = j;
    }
    if (nv == 0) {
        /* Torn before the header was complete: nothing was written to the node. */
        rc = ofd_remove_file(journal, e);
        goto out;
    }
    head = v[0];
    if (!cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(head, "ocsfed_journal"))
        || !(fqdn = jstr(head, "node"))) {
        rc = ofd_err_set(e, OFD_E_INVALID, "%s:1: not an ocsfed journal", journal);
        goto out;
    }
    if ((rc = n->ops->identity(n->ctx, &id, e)) != OFD_OK)
        goto out;
    /* Only this node's own journal is undone: one naming no node, or another, was not
     * written by an apply to this node, and is kept for the operator. */
    if (!fqdn[0] || !id.fqdn || ofd_strcasecmp(fqdn, id.fqdn) != 0) {
        rc = ofd_err_set(e, OFD_E_CONFLICT, "%s: the journal of an apply to %s, but this node is %s: it is not "
                         "undone here and is kept; look at it, then remove it", journal, fqdn[0] ? fqdn : "no node",
                         id.fqdn ? id.fqdn : "unnamed");
        goto out;
    }
    for (i = nv; i-- > 1;) {
        if ((rc = undo_entry(n, v[i], e)) != OFD_OK) {
            ofd_err_prefix(e, "%s:%zu: recovering an interrupted apply", journal, i + 1);
            goto out;
        }
        res->undone++;
    }
    rc = ofd_remove_file(journal, e);
out:
    for (i = 0; i < nv; i++)
        cJSON_Delete(v[i]);
    free(v);
    free(text);
    node_identity_free(&id);
    return rc;
}

char *apply_journal_for(const char *node_path)
{
    struct strbuf b = {0};

    sb_printf(&b, "%s.journal", node_path);
    return sb_take(&b);
}

enum ofd_code apply_lock(const char *journal, unsigned wait_ms, struct ofd_lock **lock, ofd_err *e)
{
    struct strbuf path = {0};
    enum ofd_code rc;

    sb_printf(&path, "%s.lock", journal);
    if (path.oom)
        rc = ofd_err_nomem(e);
    else if ((rc = ofd_lock_acquire(sb_str(&path), wait_ms, lock, e)) == OFD_E_CONFLICT)
        ofd_err_set(e, OFD_E_CONFLICT, "another apply is running on this node (it holds %s; waited %u s): "
                    "nothing done, try again when it has finished", sb_str(&path), wait_ms / 1000);
    sb_free(&path);
    return rc;
}

int apply_journal_exists(const char *journal)
{
    FILE *f = ofd_fopen(journal, "rb");

    if (f)
        fclose(f);
    return f != NULL;
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
