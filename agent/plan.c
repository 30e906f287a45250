#include "plan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs_inspect.h"
#include "strbuf.h"
#include "strmap.h"
#include "window.h"

/* ---- building the plan ---- */

struct pctx {
    struct plan *p;
    const struct node *node;
    size_t cap;
    int oom;
    struct strmap owned;
    char **owned_keys; /* "class\nkey" strings */
    size_t nowned;
    int restart_pending;    /* R19: left by an apply outside the maintenance window */
    size_t left_cap;        /* of p->left_alone */
    unsigned char *pfx_der; /* R16: the certificate of the PKCS#12 to import, when opened */
    size_t pfx_der_len;
};

static struct plan_change *add_change(struct pctx *c, enum plan_action a, const char *cls, const char *key,
                                      const char *rule)
{
    struct plan_change *ch, *n;

    if (c->oom)
        return NULL;
    if (c->p->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 64;
        if (!(n = realloc(c->p->v, cap * sizeof(*n)))) {
            c->oom = 1;
            return NULL;
        }
        c->p->v = n;
        c->cap = cap;
    }
    ch = &c->p->v[c->p->n];
    memset(ch, 0, sizeof(*ch));
    ch->action = a;
    ch->cls = cls;
    ch->rule = rule;
    if (!(ch->key = ofd_strdup(key))) {
        c->oom = 1;
        return NULL;
    }
    c->p->n++;
    c->p->counts[a]++;
    return ch;
}

/* Records the current instance inst (natural key key, or NULL) as left alone. */
static void leave_alone(struct pctx *c, const struct ocs_class_def *def, const char *key,
                        const struct node_instance *inst)
{
    const struct node_value *id = node_instance_get(inst, OCS_P_INSTANCE_ID);
    struct plan_left_alone *la, *n;
    struct strbuf why = {0};

    if (c->oom)
        return;
    if (c->p->foreign == c->left_cap) {
        size_t cap = c->left_cap ? c->left_cap * 2 : 16;
        if (!(n = realloc(c->p->left_alone, cap * sizeof(*n)))) {
            c->oom = 1;
            return;
        }
        c->p->left_alone = n;
        c->left_cap = cap;
    }
    la = &c->p->left_alone[c->p->foreign];
    memset(la, 0, sizeof(*la));
    la->cls = def->name;
    if (!key)
        sb_printf(&why, "it has no %s, so ocsfed did not make it", def->match_prop);
    else if (!def->may_delete && def == ocs_class_find(OCS_CLASS_LISTENING))
        sb_printf(&why, "ocsfed never deletes a listening address (OCS uses them for its own traffic)");
    else if (!def->may_delete)
        sb_printf(&why, "ocsfed never deletes a %s", def->name);
    else
        sb_printf(&why, "not created by ocsfed and not named by the manifest");
    if (!(la->why = sb_take(&why)) || (key && !(la->key = ofd_strdup(key)))
        || (id && id->type == OCS_STRING && id->s && !(la->instance_id = ofd_strdup(id->s)))) {
        free(la->why);
        free(la->key);
        c->oom = 1;
        return;
    }
    c->p->foreign++;
}

static char *owned_key(const char *cls, const char *key)
{
    struct strbuf sb = {0};

    sb_printf(&sb, "%s\n%s", cls, key);
    return sb_take(&sb);
}

static int is_owned(const struct pctx *c, const char *cls, const char *key)
{
    char *k = owned_key(cls, key);
    int r = k && c->nowned && strmap_get(&c->owned, k) != 0;

    free(k);
    return r;
}

/* 1 when cur (of class cls, natural key key) carries the InstanceID ocsfed derives for
 * that entry of this pool: made by ocsfed from any front end of the pool. */
static int pool_made(const struct pctx *c, const char *cls, const char *key, const struct node_instance *cur)
{
    const struct ocs_class_def *def = ocs_class_find(cls);
    const struct node_value *id = node_instance_get(cur, OCS_P_INSTANCE_ID);
    char want[OCS_INSTANCE_ID_LEN];

    return def && def->pool_scoped && id && id->type == OCS_STRING && id->s
           && ocs_pool_instance_id(c->p->pool ? c->p->pool : c->p->server, cls, key, want) == 0
           && ofd_strcasecmp(id->s, want) == 0;
}

/* Ownership: this server's record (what it created itself; every entry an older ocsfed
 * made), or, for the pool's shared entries, the InstanceID ocsfed derives. */
static int ours(const struct pctx *c, const char *cls, const char *key, const struct node_instance *cur)
{
    return is_owned(c, cls, key) || pool_made(c, cls, key, cur);
}

static enum ofd_code load_owned(struct pctx *c, ofd_err *e)
{
    struct node_owned o;
    size_t i;
    enum ofd_code rc;

    memset(&o, 0, sizeof(o));
    if ((rc = c->node->ops->owned(c->node->ctx, &o, e)) != OFD_OK)
        return rc;
    if (strmap_init(&c->owned, o.n, 1) != 0 || !(c->owned_keys = calloc(o.n + 1, sizeof(char *)))) {
        node_owned_free(&o);
        return ofd_err_nomem(e);
    }
    for (i = 0; i < o.n; i++) {
        if (!(c->owned_keys[i] = owned_key(o.v[i].cls, o.v[i].key)))
            break;
        c->nowned = i + 1; /* the keys plan_make frees */
        if (strmap_put(&c->owned, c->owned_keys[i], i) < 0)
            break;
    }
    if (i < o.n) {
        node_owned_free(&o);
        return ofd_err_nomem(e);
    }
    c->restart_pending = o.restart_pending;
    node_owned_free(&o);
    return OFD_OK;
}

static int is_cert_prop(const char *name)
{
    return ofd_strcasecmp(name, OCS_P_TLS_CERT_ISSUER) == 0 || ofd_strcasecmp(name, OCS_P_TLS_CERT_SN) == 0;
}

/* Compares item with the current instance cur and records unchanged or update. */
static void compare(struct pctx *c, const struct desired_item *it, const struct node_instance *cur)
{
    const struct node_value *id = node_instance_get(cur, OCS_P_INSTANCE_ID);
    struct plan_change *ch;
    struct node_instance want, now;
    size_t i, ndiff = 0, ncert = 0;

    memset(&want, 0, sizeof(want));
    memset(&now, 0, sizeof(now));
    for (i = 0; i < it->inst.nprops; i++) {
        const struct node_prop *p = &it->inst.props[i];
        const struct node_value *v = node_instance_get(cur, p->name);
        struct node_value a, b;
        if (v && node_value_equal(v, &p->v))
            continue;
        ndiff++;
        ncert += is_cert_prop(p->name);
        if (node_value_copy(&a, &p->v) != OFD_OK || node_instance_add(&want, p->name, &a) != OFD_OK)
            c->oom = 1;
        if (v && (node_value_copy(&b, v) != OFD_OK || node_instance_add(&now, p->name, &b) != OFD_OK))
            c->oom = 1;
    }
    ch = add_change(c, ndiff ? PLAN_UPDATE : PLAN_UNCHANGED, it->inst.cls, it->key,
                    ndiff && ncert == ndiff ? "R17" : it->rule);
    if (ch) {
        ch->item = it;
        ch->owned = ours(c, it->inst.cls, it->key, cur);
        if (id && id->type == OCS_STRING) {
            struct node_value b;
            if (!(ch->instance_id = ofd_strdup(id->s)) || node_value_copy(&b, id) != OFD_OK
                || node_instance_add(&now, OCS_P_INSTANCE_ID, &b) != OFD_OK)
                c->oom = 1;
        }
        ch->props = want;
        ch->current = now;
    } else {
        node_instance_free(&want);
        node_instance_free(&now);
    }
}

static void create(struct pctx *c, const struct desired_item *it)
{
    struct plan_change *ch = add_change(c, PLAN_CREATE, it->inst.cls, it->key, it->rule);

    if (!ch)
        return;
    ch->item = it;
    if (node_instance_copy(&ch->props, &it->inst) != OFD_OK)
        c->oom = 1;
    /* An entry of the pool's shared store gets the InstanceID every front end of the
     * pool derives for it (ocs_pool_instance_id): that is how they know it is ocsfed's. */
    if (!c->oom && it->inst.cls && ocs_class_find(it->inst.cls) && ocs_class_find(it->inst.cls)->pool_scoped) {
        char id[OCS_INSTANCE_ID_LEN];

        if (ocs_pool_instance_id(c->p->pool ? c->p->pool : c->p->server, it->inst.cls, it->key, id) != 0
            || node_instance_add_string(&ch->props, OCS_P_INSTANCE_ID, id) != OFD_OK)
            c->oom = 1;
    }
}

/* Plans one WMI class: desired items of class cls against the node's instances. */
/* R17: the byte order of TLSCertSN is not documented (docs/ocs-wmi-notes.md). OCS's
 * own setup writes the certificate it chose onto its listeners; an instance whose
 * TLSCertIssuer is the chosen certificate's issuer and whose TLSCertSN is that
 * certificate's serial number in one order shows the order this server uses. When
 * one shows big-endian (the class map assumes CryptoAPI's little-endian), the wanted
 * TLSCertSN values are turned around and a note says so. */
static void learn_serial_order(struct pctx *c, const struct node_instances *cur)
{
    struct desired *d = &c->p->desired;
    const struct node_value *want_issuer = NULL, *want_sn = NULL;
    size_t i, k;
    int big = 0, little = 0;

    for (i = 0; i < d->n && !want_sn; i++) {
        want_issuer = node_instance_get(&d->v[i].inst, OCS_P_TLS_CERT_ISSUER);
        want_sn = want_issuer ? node_instance_get(&d->v[i].inst, OCS_P_TLS_CERT_SN) : NULL;
    }
    if (!want_sn || want_sn->nbytes < 2)
        return;
    for (i = 0; i < cur->n; i++) {
        const struct node_value *is = node_instance_get(&cur->v[i], OCS_P_TLS_CERT_ISSUER);
        const struct node_value *sn = node_instance_get(&cur->v[i], OCS_P_TLS_CERT_SN);
        int same = 1, reversed = 1;

        if (!is || !sn || !node_value_equal(is, want_issuer) || sn->nbytes != want_sn->nbytes)
            continue;
        for (k = 0; k < sn->nbytes; k++) {
            same &= sn->bytes[k] == want_sn->bytes[k];
            reversed &= sn->bytes[k] == want_sn->bytes[sn->nbytes - 1 - k];
        }
        little |= same && !reversed;
        big |= reversed && !same;
    }
    if (!big || little)
        return;
    for (i = 0; i < d->n; i++) {
        struct node_value *v = NULL;
        for (k = 0; k < d->v[i].inst.nprops; k++)
            if (!ofd_strcasecmp(d->v[i].inst.props[k].name, OCS_P_TLS_CERT_SN))
                v = &d->v[i].inst.props[k].v;
        for (k = 0; v && k < v->nbytes / 2; k++) {
            unsigned char t = v->bytes[k];
            v->bytes[k] = v->bytes[v->nbytes - 1 - k];
            v->bytes[v->nbytes - 1 - k] = t;
        }
    }
    diags_add(&c->p->notes, DIAG_NOTE, "R17", 0, 0, "",
              "TLSCertSN is written most significant byte first, the "
              "order OCS used for this certificate on %s",
              c->p->server);
}

static enum ofd_code plan_class(struct pctx *c, const char *cls, ofd_err *e)
{
    const struct ocs_class_def *def = ocs_class_find(cls);
    const struct desired *d = &c->p->desired;
    struct node_instances cur;
    struct strmap idx, ids;
    char **keys = NULL;
    unsigned char *used = NULL;
    size_t i;
    enum ofd_code rc;

    memset(&cur, 0, sizeof(cur));
    memset(&idx, 0, sizeof(idx));
    memset(&ids, 0, sizeof(ids));
    if ((rc = c->node->ops->instances(c->node->ctx, cls, &cur, e)) != OFD_OK)
        return rc;
    /* The values this server already uses decide the spelling written (vocab.h). */
    vocab_observe(&c->p->vocab, cls, &cur, &c->p->desired);
    if (def == ocs_class_find(OCS_CLASS_LISTENING))
        learn_serial_order(c, &cur);
    if (strmap_init(&idx, cur.n, 1) != 0 || strmap_init(&ids, def->pool_scoped ? cur.n : 0, 1) != 0
        || !(keys = calloc(cur.n + 1, sizeof(char *))) || !(used = calloc(cur.n + 1, 1))) {
        c->oom = 1;
        goto out;
    }
    for (i = 0; i < cur.n; i++) {
        const struct node_value *v = node_instance_get(&cur.v[i], def->match_prop);
        const struct node_value *id = node_instance_get(&cur.v[i], OCS_P_INSTANCE_ID);
        if (def->pool_scoped && id && id->type == OCS_STRING && id->s && strmap_put(&ids, id->s, i) < 0) {
            c->oom = 1;
            goto out;
        }
        if (!v)
            continue; /* no natural key: cannot be ours, left alone */
        if (!(keys[i] = node_value_text(v)) || strmap_put(&idx, keys[i], i) < 0) {
            c->oom = 1;
            goto out;
        }
    }
    for (i = 0; i < d->n; i++) {
        const struct desired_item *it = &d->v[i];
        size_t hit, best = 0;
        if (it->cls != def)
            continue;
        /* Several instances may share the key (listening addresses on one port with
         * different IP addresses): prefer the one that already has the wanted
         * IPAddress, else the first that is not taken. */
        for (hit = strmap_get(&idx, it->key); hit; hit = strmap_next(&idx, hit)) {
            const struct node_value *ip = node_instance_get(&cur.v[hit - 1], OCS_P_IP_ADDRESS);
            const struct node_value *want = node_instance_get(&it->inst, OCS_P_IP_ADDRESS);
            if (used[hit - 1])
                continue;
            if (!best)
                best = hit;
            if (ip && want && node_value_equal(ip, want)) {
                best = hit;
                break;
            }
        }
        /* No entry with that key: one of the pool's that ocsfed made for it and someone
         * since edited (its key changed) still carries the InstanceID derived from the
         * key; that one is put back, rather than a second one created beside it. */
        if (!best && def->pool_scoped) {
            char want[OCS_INSTANCE_ID_LEN];

            if (ocs_pool_instance_id(c->p->pool ? c->p->pool : c->p->server, cls, it->key, want) == 0)
                for (hit = strmap_get(&ids, want); hit && !best; hit = strmap_next(&ids, hit))
                    if (!used[hit - 1])
                        best = hit;
        }
        if (best) {
            used[best - 1] = 1;
            compare(c, it, &cur.v[best - 1]);
        } else {
            create(c, it);
        }
    }
    for (i = 0; i < cur.n; i++) {
        struct plan_change *ch;
        const struct node_value *id;
        if (used[i])
            continue;
        if (!keys[i] || !def->may_delete || !ours(c, cls, keys[i], &cur.v[i])) {
            leave_alone(c, def, keys[i], &cur.v[i]);
            continue;
        }
        if (!(ch = add_change(c, PLAN_DELETE, def->name, keys[i],
                              !strcmp(cls, OCS_CLASS_ROUTE) ? (c->p->tls ? "R6" : "R5") : (c->p->tls ? "R10" : "R9"))))
            break;
        ch->owned = 1;
        id = node_instance_get(&cur.v[i], OCS_P_INSTANCE_ID);
        if ((id && id->type == OCS_STRING && !(ch->instance_id = ofd_strdup(id->s)))
            || node_instance_copy(&ch->current, &cur.v[i]) != OFD_OK)
            c->oom = 1;
    }
out:
    for (i = 0; keys && i < cur.n; i++)
        free(keys[i]);
    free(keys);
    free(used);
    strmap_free(&idx);
    strmap_free(&ids);
    node_instances_free(&cur);
    return c->oom ? ofd_err_nomem(e) : OFD_OK;
}

/* Certificates (R13, R16), by thumbprint in their store. */
static enum ofd_code plan_certs(struct pctx *c, ofd_err *e)
{
    static const char *const stores[3] = {"Root", "CA", "My"};
    const struct desired *d = &c->p->desired;
    struct node_certs have[3];
    size_t i, k, s;
    enum ofd_code rc = OFD_OK;

    memset(have, 0, sizeof(have));
    for (s = 0; s < 3; s++)
        if ((rc = c->node->ops->certificates(c->node->ctx, stores[s], &have[s], e)) != OFD_OK)
            goto out;
    for (i = 0; i < d->n; i++) {
        const struct desired_item *it = &d->v[i];
        int found = 0;
        if (strcmp(it->inst.cls, OCS_CLASS_CERT) != 0)
            continue;
        for (s = 0; s < 3 && strcmp(stores[s], it->store); s++)
            ;
        for (k = 0; s < 3 && it->tp_known && k < have[s].n && !found; k++)
            found = memcmp(have[s].v[k].tp, it->tp, CS_SHA1_LEN) == 0;
        if (found) {
            struct plan_change *ch = add_change(c, PLAN_UNCHANGED, it->inst.cls, it->key, it->rule);
            if (ch)
                ch->item = it;
        } else {
            create(c, it);
        }
    }
out:
    for (s = 0; s < 3; s++)
        node_certs_free(&have[s]);
    return rc;
}

static enum ofd_code plan_fips(struct pctx *c, ofd_err *e)
{
    const struct desired_item *it = desired_find(&c->p->desired, OCS_CLASS_FIPS, "FipsAlgorithmPolicy");
    struct node_instance cur;
    int on = 0;
    enum ofd_code rc;

    if (!it)
        return OFD_OK;
    if ((rc = c->node->ops->fips(c->node->ctx, &on, e)) != OFD_OK)
        return rc;
    memset(&cur, 0, sizeof(cur));
    if (node_instance_add_uint32(&cur, OCS_P_ENABLED, on ? 1 : 0) != OFD_OK)
        return ofd_err_nomem(e);
    compare(c, it, &cur);
    node_instance_free(&cur);
    return OFD_OK;
}

static enum ofd_code plan_restart(struct pctx *c, ofd_err *e)
{
    const struct desired_item *it = desired_find(&c->p->desired, OCS_CLASS_SERVICE, ocs_lit.service);
    struct plan_change *ch;
    char *state = NULL;
    const char *why = NULL;
    size_t i;
    enum ofd_code rc;

    if (!it)
        return OFD_OK;
    if ((rc = c->node->ops->service_state(c->node->ctx, ocs_lit.service, &state, e)) != OFD_OK)
        return rc;
    for (i = 0; i < c->p->n && !why; i++) {
        const struct plan_change *x = &c->p->v[i];
        const struct ocs_class_def *def = ocs_class_find(x->cls);
        if (x->action != PLAN_UNCHANGED && def && def->needs_restart)
            why = x->cls;
    }
    /* An earlier apply changed what needs the restart but was outside the window. */
    if (!why && c->restart_pending)
        why = "pending from an earlier apply outside the maintenance window";
    if (!state)
        diags_add(&c->p->notes, DIAG_WARNING, "R19", 0, 0, "",
                  "service %s not found on %s: "
                  "is OCS 2007 R2 installed?",
                  ocs_lit.service, c->p->server);
    if (!(ch = add_change(c, why ? PLAN_RESTART : PLAN_UNCHANGED, OCS_CLASS_SERVICE, ocs_lit.service, "R19")))
        goto out;
    ch->item = it;
    if (why) {
        if (node_instance_add_string(&ch->props, OCS_P_NAME, ocs_lit.service) != OFD_OK
            || node_instance_add_string(&ch->props, OCS_P_REASON, why) != OFD_OK
            || (c->p->window && node_instance_add_string(&ch->props, OCS_P_MAINTENANCE_WINDOW, c->p->window) != OFD_OK))
            c->oom = 1;
    }
    if (state && node_instance_add_string(&ch->current, OCS_P_STATE, state) != OFD_OK)
        c->oom = 1;
out:
    free(state);
    return c->oom ? ofd_err_nomem(e) : OFD_OK;
}

/* R1: the IM&P domains should be among the OCS SIP domains, when the node shows them. */
static enum ofd_code check_domains(struct pctx *c, const struct manifest *m, ofd_err *e)
{
    struct node_instances dom;
    struct strmap idx;
    char **keys = NULL;
    size_t i;
    enum ofd_code rc;

    memset(&dom, 0, sizeof(dom));
    memset(&idx, 0, sizeof(idx));
    if ((rc = c->node->ops->instances(c->node->ctx, OCS_CLASS_DOMAIN, &dom, e)) != OFD_OK)
        return rc;
    if (!dom.n)
        goto out;
    if (strmap_init(&idx, dom.n, 1) != 0 || !(keys = calloc(dom.n, sizeof(char *)))) {
        rc = ofd_err_nomem(e);
        goto out;
    }
    for (i = 0; i < dom.n; i++) {
        const struct node_value *v = node_instance_get(&dom.v[i], ocs_lit.domain_prop);
        if (v && v->type == OCS_STRING && (keys[i] = ofd_strdup(v->s)) && strmap_put(&idx, keys[i], i) < 0) {
            rc = ofd_err_nomem(e);
            goto out;
        }
    }
    for (i = 0; i < m->ndomains; i++)
        if (!strmap_get(&idx, m->domains[i]))
            diags_add(&c->p->notes, DIAG_WARNING, "R1", 0, 0, "",
                      "IM&P domain '%s' is not "
                      "among the SIP domains of %s (%s)",
                      m->domains[i], c->p->server, OCS_CLASS_DOMAIN);
out:
    for (i = 0; keys && i < dom.n; i++)
        free(keys[i]);
    free(keys);
    strmap_free(&idx);
    node_instances_free(&dom);
    return rc;
}

/* R6: with TLS the next hop FQDN must resolve, from this server, to the node's address.
 * Checked for every node (any may become the next hop); warnings only: DNS as seen now
 * may not be DNS at apply time. */
static enum ofd_code check_resolution(struct pctx *c, const struct manifest *m, ofd_err *e)
{
    size_t i;
    enum ofd_code rc;

    if (!c->p->tls || !c->node->ops->resolve)
        return OFD_OK;
    for (i = 0; i < m->nnodes; i++) {
        char *ip = NULL;
        if ((rc = c->node->ops->resolve(c->node->ctx, m->nodes[i].fqdn, &ip, e)) != OFD_OK)
            return rc;
        if (!ip)
            diags_add(&c->p->notes, DIAG_WARNING, "R6", 0, 0, "",
                      "IM&P node %s does not "
                      "resolve from %s: TLS routes use its FQDN",
                      m->nodes[i].fqdn, c->p->server);
        else if (strcmp(ip, m->nodes[i].ip) != 0)
            diags_add(&c->p->notes, DIAG_WARNING, "R6", 0, 0, "",
                      "IM&P node %s resolves to %s "
                      "from %s, not to %s as the manifest says",
                      m->nodes[i].fqdn, ip, c->p->server, m->nodes[i].ip);
        free(ip);
    }
    return OFD_OK;
}

/* R14-R17: which certificate the server will use. Fills dc; the buffers it points at
 * are kept in *info (caller frees). */
static enum ofd_code resolve_cert(struct pctx *c, const struct manifest *m, const struct manifest_server *sv,
                                  const struct plan_options *opt, struct desired_cert *dc, struct cs_cert_info *info,
                                  ofd_err *e)
{
    const struct manifest_server_cert *want = sv->cert.kind != MANIFEST_CERT_AUTO ? &sv->cert : &m->server_cert;
    const char *cn = c->p->desired.expected_cn ? c->p->desired.expected_cn : desired_expected_cn(m, sv->fqdn);
    struct node_certs my;
    unsigned char *der = NULL;
    size_t len = 0, i;
    char tp[2 * CS_SHA1_LEN + 1];
    ofd_err e2;
    enum ofd_code rc;

    memset(&my, 0, sizeof(my));
    memset(dc, 0, sizeof(*dc));
    dc->kind = want->kind;
    if ((rc = c->node->ops->certificates(c->node->ctx, "My", &my, e)) != OFD_OK)
        return rc;
    if (want->kind == MANIFEST_CERT_PFX) {
        dc->pfx = &want->pfx;
        ofd_err_clear(&e2);
        if (!want->pfx.data) { /* MANIFEST_NO_FILES */
            diags_add(&c->p->notes, DIAG_NOTE, "R16", 0, 0, "",
                      "%s was not read with the manifest: its "
                      "certificate is not checked",
                      want->pfx.file);
            goto ok;
        }
        if (cs_pkcs12_cert(want->pfx.data, want->pfx.len, want->pfx.file, opt->pfx_password, &der, &len, &e2)
            != OFD_OK) {
            diags_add(&c->p->notes, DIAG_NOTE, "R16", 0, 0, "",
                      "%s; its certificate is "
                      "checked (R14, R15) and selected (R17) when it is imported. Give its "
                      "password to check it now",
                      e2.msg);
            goto ok;
        }
        if ((rc = cs_inspect_der(der, len, info, e)) != OFD_OK)
            goto out;
        if ((rc = cs_check_server_cert(info, cn, opt->now, e)) != OFD_OK) {
            ofd_err_prefix(e, "%s", want->pfx.file);
            goto out;
        }
        /* Kept for the chain check (check_cert_usable): not in My until imported. */
        c->pfx_der = der;
        c->pfx_der_len = len;
        der = NULL;
    } else if (want->kind == MANIFEST_CERT_THUMBPRINT) {
        const struct node_cert *hit = NULL;
        cs_thumbprint_hex(want->tp, tp);
        for (i = 0; i < my.n && !hit; i++)
            if (memcmp(my.v[i].tp, want->tp, CS_SHA1_LEN) == 0)
                hit = &my.v[i];
        if (!hit) {
            rc = ofd_err_rule(e, OFD_E_INVALID, "R16",
                              "certificate %s is not in the Personal "
                              "(My) store of %s",
                              tp, c->p->server);
            goto out;
        }
        memcpy(dc->tp, want->tp, CS_SHA1_LEN);
        dc->tp_known = 1;
        if (!hit->der) {
            diags_add(&c->p->notes, DIAG_WARNING, "R14", 0, 0, "",
                      "certificate %s: only its "
                      "thumbprint is known, its purposes and subject were not checked",
                      tp);
            goto ok;
        }
        if ((rc = cs_inspect_der(hit->der, hit->der_len, info, e)) != OFD_OK)
            goto out;
        if ((rc = cs_check_server_cert(info, cn, opt->now, e)) != OFD_OK)
            goto out;
    } else {
        const struct node_cert *best = NULL;
        struct strbuf why = {0};
        struct cs_cert_info ci;
        size_t rejected = 0;
        for (i = 0; i < my.n; i++) {
            if (!my.v[i].der || cs_inspect_der(my.v[i].der, my.v[i].der_len, &ci, NULL) != OFD_OK)
                continue;
            ofd_err_clear(&e2);
            if (cs_check_server_cert(&ci, cn, opt->now, &e2) == OFD_OK) {
                if (!best || ci.not_after > info->not_after) {
                    best = &my.v[i];
                    cs_cert_info_free(info);
                    *info = ci;
                    continue;
                }
            } else if (rejected++ < 3) {
                sb_printf(&why, "; [%s] %s", e2.rule, e2.msg);
            }
            cs_cert_info_free(&ci);
        }
        if (!best) {
            rc = ofd_err_rule(e, OFD_E_INVALID, "R14",
                              "no certificate in the Personal (My) "
                              "store of %s has Server and Client Authentication and CN=%s; "
                              "import one (/certificates/server/pfx)%s",
                              c->p->server, cn, sb_str(&why));
            sb_free(&why);
            goto out;
        }
        sb_free(&why);
    }
    memcpy(dc->tp, info->tp, CS_SHA1_LEN);
    dc->tp_known = 1;
    dc->known = 1;
    dc->subject = info->subject;
    dc->issuer_der = info->issuer_der;
    dc->issuer_len = info->issuer_len;
    dc->serial_le = info->serial_le;
    dc->serial_len = info->serial_len;
ok:
    rc = OFD_OK;
out:
    free(der);
    node_certs_free(&my);
    return rc;
}

/* R13, R14: the check the apply makes just before a listener selects the server
 * certificate (node_ops.cert_usable, apply.c), made now, counting the certificates the
 * same apply adds (the manifest's roots and intermediates, the PKCS#12's certificate),
 * so that the plan fails where the apply would, before anything is written. When no
 * listener is to be written with it (one already selects it) the apply does not check:
 * a warning then. */
static enum ofd_code check_cert_usable(struct pctx *c, ofd_err *e)
{
    const struct plan *p = c->p;
    struct node_certs adding = {0};
    size_t i;
    int selects = 0;
    ofd_err why;
    enum ofd_code rc;

    if (!p->cert.selected || !c->node->ops->cert_usable)
        return OFD_OK;
    for (i = 0; i < p->n && !selects; i++)
        selects = (p->v[i].action == PLAN_CREATE || p->v[i].action == PLAN_UPDATE)
                  && !strcmp(p->v[i].cls, OCS_CLASS_LISTENING)
                  && node_instance_get(&p->v[i].props, OCS_P_TLS_CERT_SN) != NULL;
    if (!(adding.v = calloc(p->desired.n + 1, sizeof(*adding.v))))
        return ofd_err_nomem(e);
    for (i = 0; i < p->desired.n; i++) {
        const struct desired_item *it = &p->desired.v[i];
        if (it->der && it->store && strcmp(it->inst.cls, OCS_CLASS_CERT) == 0) {
            struct node_cert *nc = &adding.v[adding.n++];
            snprintf(nc->store, sizeof(nc->store), "%s", it->store);
            memcpy(nc->tp, it->tp, sizeof(nc->tp));
            nc->der = (unsigned char *)it->der; /* borrowed: adding.v alone is freed */
            nc->der_len = it->der_len;
        }
    }
    if (c->pfx_der) {
        struct node_cert *nc = &adding.v[adding.n++];
        snprintf(nc->store, sizeof(nc->store), "%s", ocs_lit.store_my);
        memcpy(nc->tp, p->cert.tp, sizeof(nc->tp));
        nc->der = c->pfx_der;
        nc->der_len = c->pfx_der_len;
    }
    ofd_err_clear(&why);
    rc = c->node->ops->cert_usable(c->node->ctx, p->cert.tp, &adding, &why);
    free(adding.v);
    if (rc == OFD_OK || rc == OFD_E_NOMEM) {
        if (rc == OFD_E_NOMEM && e)
            *e = why;
        return rc;
    }
    ofd_err_prefix(&why, "the server certificate (%s, issued by %s)", p->cert.subject, p->cert.issuer);
    if (selects) {
        if (e)
            *e = why;
        return rc;
    }
    diags_add(&c->p->notes, DIAG_WARNING, why.rule[0] ? why.rule : "R13", 0, 0, "",
              "%s; the listener already selects it, so OCS cannot use it now", why.msg);
    return OFD_OK;
}

enum ofd_code plan_make(const struct manifest *m, const struct node *node, const struct plan_options *opt,
                        struct plan *out, ofd_err *e)
{
    struct plan p;
    struct pctx c;
    struct node_identity id;
    struct desired_cert dc;
    struct cs_cert_info info;
    const struct manifest_server *sv;
    size_t i;
    int node_ee;
    enum ofd_code rc;

    memset(&p, 0, sizeof(p));
    memset(&c, 0, sizeof(c));
    memset(&id, 0, sizeof(id));
    memset(&info, 0, sizeof(info));
    c.p = &p;
    c.node = node;
    p.tls = m->transport == MANIFEST_TLS;
    p.serial = m->serial;
    p.enterprise = m->edition == MANIFEST_ENTERPRISE;
    if ((rc = node->ops->identity(node->ctx, &id, e)) != OFD_OK)
        goto out;
    if (!id.fqdn) {
        rc = ofd_err_set(e, OFD_E_INVALID,
                         "the node has no FQDN (create a simulated node "
                         "with 'ocsfed sim init FILE --fqdn FQDN')");
        goto out;
    }
    if (!(sv = manifest_find_server(m, id.fqdn))) {
        rc = desired_expand(m, id.fqdn, NULL, &p.desired, e); /* the error message */
        if (rc == OFD_OK)
            rc = ofd_err_set(e, OFD_E_INTERNAL, "server lookup disagrees");
        goto out;
    }
    /* Edition and pool: the node says what it is; the manifest must agree (R15). */
    node_ee = id.pool_fqdn && ofd_strcasecmp(id.pool_fqdn, id.fqdn) != 0;
    if (p.enterprise && !node_ee) {
        rc = ofd_err_rule(e, OFD_E_INVALID, "R15",
                          "%s is a Standard Edition server, but the "
                          "manifest is for Enterprise Edition pool %s",
                          id.fqdn, m->pool_fqdn);
        goto out;
    }
    if (!p.enterprise && node_ee) {
        rc = ofd_err_rule(e, OFD_E_INVALID, "R15",
                          "%s is a front end of Enterprise Edition "
                          "pool %s, but the manifest is for Standard Edition",
                          id.fqdn, id.pool_fqdn);
        goto out;
    }
    if (p.enterprise && ofd_strcasecmp(id.pool_fqdn, m->pool_fqdn) != 0) {
        rc = ofd_err_rule(e, OFD_E_INVALID, "R15",
                          "%s belongs to pool %s, but the manifest "
                          "governs pool %s",
                          id.fqdn, id.pool_fqdn, m->pool_fqdn);
        goto out;
    }
    if (!(p.server = ofd_strlower(ofd_strdup(sv->fqdn))) || (p.enterprise && !(p.pool = ofd_strdup(m->pool_fqdn)))) {
        rc = ofd_err_nomem(e);
        goto out;
    }
    p.window = window_text(m, p.server);
    if (p.tls && (rc = resolve_cert(&c, m, sv, opt, &dc, &info, e)) != OFD_OK)
        goto out;
    if (p.tls && dc.known) {
        p.cert.selected = 1;
        p.cert.how = dc.kind;
        memcpy(p.cert.tp, dc.tp, sizeof(p.cert.tp));
        p.cert.not_after = info.not_after;
        snprintf(p.cert.subject, sizeof(p.cert.subject), "%s", info.subject_text);
        snprintf(p.cert.issuer, sizeof(p.cert.issuer), "%s", info.issuer_text);
        snprintf(p.cert.serial, sizeof(p.cert.serial), "%s", info.serial_text);
        if (dc.kind == MANIFEST_CERT_PFX && dc.pfx && !(p.cert.pfx_file = ofd_strdup(dc.pfx->file))) {
            rc = ofd_err_nomem(e);
            goto out;
        }
    }
    if ((rc = desired_expand(m, id.fqdn, p.tls ? &dc : NULL, &p.desired, e)) != OFD_OK)
        goto out;
    if ((rc = load_owned(&c, e)) != OFD_OK || (rc = vocab_schema(&p.vocab, node, e)) != OFD_OK)
        goto out;
    if ((rc = plan_certs(&c, e)) != OFD_OK || (rc = plan_fips(&c, e)) != OFD_OK
        || (rc = plan_class(&c, OCS_CLASS_LISTENING, e)) != OFD_OK
        || (rc = plan_class(&c, OCS_CLASS_ROUTE, e)) != OFD_OK || (rc = plan_class(&c, OCS_CLASS_HOST, e)) != OFD_OK
        || (rc = check_cert_usable(&c, e)) != OFD_OK || (rc = plan_restart(&c, e)) != OFD_OK
        || (rc = check_domains(&c, m, e)) != OFD_OK || (rc = check_resolution(&c, m, e)) != OFD_OK)
        goto out;
    vocab_notes(&p.vocab, p.tls, &p.notes);
    if (p.tls)
        diags_add(&p.notes, DIAG_NOTE, "R18", 0, 0, "",
                  "on IM&P, add TLS peer subject '%s'; every IM&P setting: ocsfed imp-checklist MANIFEST",
                  p.desired.expected_cn);
    if (c.oom || p.notes.oom || p.vocab.oom) {
        rc = ofd_err_nomem(e);
        goto out;
    }
    *out = p;
    memset(&p, 0, sizeof(p));
    rc = OFD_OK;
out:
    for (i = 0; i < c.nowned; i++)
        free(c.owned_keys[i]);
    free(c.owned_keys);
    strmap_free(&c.owned);
    free(c.pfx_der);
    cs_cert_info_free(&info);
    node_identity_free(&id);
    plan_free(&p);
    return rc;
}

int plan_has_changes(const struct plan *p)
{
    return p->counts[PLAN_CREATE] || p->counts[PLAN_UPDATE] || p->counts[PLAN_DELETE] || p->counts[PLAN_RESTART];
}

int plan_has_setting_changes(const struct plan *p)
{
    return p->counts[PLAN_CREATE] || p->counts[PLAN_UPDATE] || p->counts[PLAN_DELETE];
}

const char *plan_action_name(enum plan_action a)
{
    switch (a) {
    case PLAN_CREATE: return "create";
    case PLAN_UPDATE: return "update";
    case PLAN_DELETE: return "delete";
    case PLAN_UNCHANGED: return "unchanged";
    case PLAN_RESTART: return "restart";
    }
    return "?";
}

void plan_free(struct plan *p)
{
    size_t i;

    if (!p)
        return;
    for (i = 0; i < p->n; i++) {
        free(p->v[i].key);
        free(p->v[i].instance_id);
        node_instance_free(&p->v[i].props);
        node_instance_free(&p->v[i].current);
    }
    free(p->v);
    for (i = 0; i < p->foreign; i++) {
        free(p->left_alone[i].key);
        free(p->left_alone[i].instance_id);
        free(p->left_alone[i].why);
    }
    free(p->left_alone);
    free(p->cert.pfx_file);
    free(p->server);
    free(p->pool);
    free(p->window);
    desired_free(&p->desired);
    diags_free(&p->notes);
    vocab_free(&p->vocab);
    memset(p, 0, sizeof(*p));
}
