/* The apply journal (apply_journal.h): its file, its records, and the recovery of an
 * apply cut short (apply_recover), which undoes it record by record, newest first. */
#include "apply.h"
#include "apply_journal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs.h"
#include "fsutil.h"
#include "ocs_model.h"
#include "strbuf.h"

/* One JSON object per line; a torn last line is an entry whose write never started. */
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

enum ofd_code journal_append(struct journal *jl, const cJSON *record, ofd_err *e)
{
    cJSON *head = NULL;
    FILE *f;
    enum ofd_code rc;

    if (!jl->f) {
        /* Created new: an existing journal is an interrupted apply that must be
         * recovered first, and anything else by that name is not ours to write. */
        if (!(f = ofd_create_new(jl->path)))
            return errno == EEXIST
                       ? ofd_err_set(e, OFD_E_CONFLICT,
                                     "the journal '%s' of an interrupted apply is "
                                     "there: it must be recovered first",
                                     jl->path)
                       : ofd_err_set(e, OFD_E_IO, "cannot create the journal '%s': %s", jl->path, strerror(errno));
        jl->f = f;
        /* The journal's own folder entry must be durable before the first write. */
        if (ofd_sync_parent_dir(jl->path) != 0)
            return ofd_err_set(e, OFD_E_IO, "cannot flush the folder of the journal '%s'", jl->path);
        if (!(head = cJSON_CreateObject()) || !cJSON_AddNumberToObject(head, "ocsfed_journal", 1)
            || !cJSON_AddStringToObject(head, "node", jl->fqdn ? jl->fqdn : "")) {
            cJSON_Delete(head);
            return ofd_err_nomem(e);
        }
        rc = journal_line(jl->f, jl->path, head, e);
        cJSON_Delete(head);
        if (rc != OFD_OK)
            return rc;
    }
    return journal_line(jl->f, jl->path, record, e);
}

enum ofd_code journal_finish(struct journal *jl, ofd_err *e)
{
    enum ofd_code rc = OFD_OK;

    if (jl->f) {
        if (fclose(jl->f) != 0)
            rc = ofd_err_set(e, OFD_E_IO, "cannot close the journal '%s'", jl->path);
        jl->f = NULL;
        if (rc == OFD_OK)
            rc = ofd_remove_file(jl->path, e);
    }
    return rc;
}

void journal_keep(struct journal *jl)
{
    if (jl->f)
        fclose(jl->f);
    jl->f = NULL;
}

/* A journal entry {"op": op, "class": cls}. */
cJSON *journal_record(const char *op, const char *cls)
{
    cJSON *j = cJSON_CreateObject();

    if (j && (!cJSON_AddStringToObject(j, "op", op) || (cls && !cJSON_AddStringToObject(j, "class", cls)))) {
        cJSON_Delete(j);
        return NULL;
    }
    return j;
}

/* An instance as [{"n": name, "t": CIM type, "v": value}], the type kept so that an
 * empty uint8[] reads back as one. */
cJSON *journal_instance(const struct node_instance *in)
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
    cJSON_ArrayForEach(it, arr)
    {
        const cJSON *n = cJSON_GetObjectItemCaseSensitive(it, "n"), *ty = cJSON_GetObjectItemCaseSensitive(it, "t");
        struct node_value v;

        for (t = OCS_STRING;
             t <= OCS_STRING_ARRAY && !(cJSON_IsString(ty) && !strcmp(ocs_type_name(t), ty->valuestring)); t++)
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

cJSON *journal_owned(const struct node_owned *o)
{
    cJSON *j = cJSON_CreateObject(), *arr, *x;
    size_t i;

    if (!j || !(arr = cJSON_AddArrayToObject(j, "owned"))
        || !cJSON_AddBoolToObject(j, "restart_pending", o->restart_pending))
        goto fail;
    for (i = 0; i < o->n; i++)
        if (!(x = cJSON_CreateObject()) || !cJSON_AddItemToArray(arr, x)
            || !cJSON_AddStringToObject(x, "class", o->v[i].cls) || !cJSON_AddStringToObject(x, "key", o->v[i].key))
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
    cJSON_ArrayForEach(it, arr)
    {
        const cJSON *c = cJSON_GetObjectItemCaseSensitive(it, "class"),
                    *k = cJSON_GetObjectItemCaseSensitive(it, "key");
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
        if (node_value_copy(&v, &inst->props[i].v) != OFD_OK
            || node_instance_add(out, inst->props[i].name, &v) != OFD_OK)
            return OFD_E_NOMEM;
    }
    return OFD_OK;
}

/* Adds a NULL (unset) value to out for every name in names (a JSON array) that out
 * lacks: a property the update added. */
static enum ofd_code unset_added_names(const cJSON *names, struct node_instance *out)
{
    const cJSON *it;

    cJSON_ArrayForEach(it, names)
    {
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

/* Takes back one journaled write. Idempotent: the write may or may not have been made. */
enum ofd_code journal_undo(struct node *n, const cJSON *j, char *note, size_t note_size, ofd_err *e)
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
    if (note && note_size)
        note[0] = '\0';
    if (!op) {
        rc = ofd_err_set(e, OFD_E_INVALID, "journal: an entry without \"op\"");
        goto out;
    }
    if (!strcmp(op, "restart")) {
        /* A restart cannot be taken back: apply_recover leaves the next one pending. */
        rc = OFD_OK;
    } else if (!strcmp(op, "cert")) {
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
        else if (find_by_id(&l, s) < 0) {
            /* Deleted since, by another front end of the pool (a newer manifest) or an
             * administrator: not this apply's doing, so not this undo's to reverse.
             * Re-creating it would bring back what someone chose to remove (and fight
             * the other front end); failing would keep the journal and stop every later
             * check. It stays deleted, and the undo says so. As the undo of a delete
             * leaves an entry that is there already, and the apply's delete one gone. */
            if (note && note_size)
                snprintf(note, note_size,
                         "%s %s, updated by the apply, was deleted since (by another front end of the pool or an "
                         "administrator): not re-created",
                         cls, s);
            rc = OFD_OK;
        } else if ((rc = inst_from_json(cJSON_GetObjectItemCaseSensitive(j, "old"), cls, &inst, e)) == OFD_OK) {
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

enum ofd_code apply_recover(const char *journal, struct node *n, struct apply_recovery *res, ofd_err *e)
{
    struct node_identity id = {0};
    cJSON **v = NULL, *head = NULL;
    char *text = NULL, *line, *nl, note[OFD_ERR_MSG_MAX];
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
        rc = ofd_err_set(e, OFD_E_INVALID, "%s: an interrupted apply, and this node (%s) cannot be written", journal,
                         n->ops->kind);
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
            rc = ofd_err_set(e, OFD_E_INVALID,
                             "%s:%zu: not a journal entry: the journal is damaged; restore the "
                             "node from a backup and delete it",
                             journal, nv + 1);
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
    if (!cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(head, "ocsfed_journal")) || !(fqdn = jstr(head, "node"))) {
        rc = ofd_err_set(e, OFD_E_INVALID, "%s:1: not an ocsfed journal", journal);
        goto out;
    }
    if ((rc = n->ops->identity(n->ctx, &id, e)) != OFD_OK)
        goto out;
    /* Only this node's own journal is undone: one naming no node, or another, was not
     * written by an apply to this node, and is kept for the operator. */
    if (!fqdn[0] || !id.fqdn || ofd_strcasecmp(fqdn, id.fqdn) != 0) {
        rc = ofd_err_set(e, OFD_E_CONFLICT,
                         "%s: the journal of an apply to %s, but this node is %s: it is not "
                         "undone here and is kept; look at it, then remove it",
                         journal, fqdn[0] ? fqdn : "no node", id.fqdn ? id.fqdn : "unnamed");
        goto out;
    }
    for (i = nv; i-- > 1;) {
        /* "void": the record before it was not this apply's write (a pool's shared entry
         * another front end made or deleted first); neither is undone. */
        if (jstr(v[i], "op") && !strcmp(jstr(v[i], "op"), "void")) {
            if (i > 1)
                i--;
            continue;
        }
        if (jstr(v[i], "op") && !strcmp(jstr(v[i], "op"), "restart")) {
            res->restart_pending = 1;
            continue;
        }
        if ((rc = journal_undo(n, v[i], note, sizeof(note), e)) != OFD_OK) {
            ofd_err_prefix(e, "%s:%zu: recovering an interrupted apply", journal, i + 1);
            goto out;
        }
        if (note[0])
            apply_note_gone(res->gone_msg, sizeof(res->gone_msg), ++res->gone, note);
        else
            res->undone++;
    }
    /* The apply had restarted the Front End (R19): it runs the settings just undone, and
     * the restart that loads the restored ones is pending (after the ownership record
     * the undo put back, which knew nothing of it). */
    if (res->restart_pending) {
        struct node_owned o = {0};

        if ((rc = n->ops->owned(n->ctx, &o, e)) == OFD_OK) {
            o.restart_pending = 1;
            rc = n->ops->set_owned(n->ctx, &o, e);
        }
        node_owned_free(&o);
        if (rc != OFD_OK) {
            ofd_err_prefix(e, "%s: recovering an interrupted apply: recording the Front End restart", journal);
            goto out;
        }
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

void apply_note_gone(char *buf, size_t size, size_t gone, const char *note)
{
    char more[80], *cut;
    size_t len, n;

    if (!size)
        return;
    if (gone <= 1) {
        snprintf(buf, size, "%s", note);
        return;
    }
    /* The first one named, the others counted: the count replaces the last one. */
    n = (size_t)snprintf(more, sizeof(more), " (and %zu more deleted since, not re-created)", gone - 1);
    if ((cut = strstr(buf, " (and ")) != NULL)
        *cut = '\0';
    len = strlen(buf);
    if (n >= size)
        return;
    if (len + n >= size)
        len = size - n - 1;
    memcpy(buf + len, more, n + 1);
}

enum ofd_code apply_confirm(const char *journal, ofd_err *e)
{
    return journal && journal[0] ? ofd_remove_file(journal, e) : OFD_OK;
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
        ofd_err_set(e, OFD_E_CONFLICT,
                    "another apply is running on this node (it holds %s; waited %u s): "
                    "nothing done, try again when it has finished",
                    sb_str(&path), wait_ms / 1000);
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
