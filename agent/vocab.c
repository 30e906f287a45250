/* The server's own vocabulary against what ocsfed writes (vocab.h). */
#include "vocab.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "ocs_model.h"
#include "strbuf.h"

#define DEFINITION "(class definition)"
#define KEYS "(keys)"
#define EVIDENCE_MAX 1000 /* a report's strings are at most REPORT_MAX_STRING */

/* The enumerated literals ocsfed writes (ocs_lit), each with the property it goes into,
 * the manifests that write it and the rule of the item. */
struct literal {
    const char *cls, *prop;
    const char *const *value;
    unsigned transports;
    const char *rule_tcp, *rule_tls;
};

static const struct literal literals[] = {
    {OCS_CLASS_LISTENING, OCS_P_TRANSPORT_TYPE, &ocs_lit.listen_tcp, VOCAB_TCP, "R2", "R2"},
    {OCS_CLASS_LISTENING, OCS_P_TRANSPORT_TYPE, &ocs_lit.listen_mtls, VOCAB_TLS, "R3", "R3"},
    {OCS_CLASS_LISTENING, OCS_P_IP_ADDRESS, &ocs_lit.ip_all, VOCAB_TCP | VOCAB_TLS, "R2", "R3"},
    {OCS_CLASS_ROUTE, OCS_P_NEXT_HOP_TRANSPORT, &ocs_lit.route_tcp, VOCAB_TCP, "R5", "R5"},
    {OCS_CLASS_ROUTE, OCS_P_NEXT_HOP_TRANSPORT, &ocs_lit.route_tls, VOCAB_TLS, "R6", "R6"},
};

#define NLIT (sizeof(literals) / sizeof(literals[0]))

/* The ways a listening address can say "All": ocsfed's literal and the forms a provider
 * may use instead (a socket's any address, the admin tool's word). */
static int is_all_form(const char *s)
{
    return s
           && (!ofd_strcasecmp(s, ocs_lit.ip_all) || !strcmp(s, "*") || !strcmp(s, "0.0.0.0")
               || !ofd_strcasecmp(s, "All"));
}

/* 1 when s is one of the values ocsfed knows for the enumerated property prop
 * (TransportType, NextHopTransport): those it writes and those it recognises (a plain
 * TLS listener, which R3 changes). */
static int known_value(const char *prop, const char *s)
{
    const char *const known_transport[] = {ocs_lit.listen_tcp, ocs_lit.listen_tls, ocs_lit.listen_mtls};
    const char *const known_hop[] = {ocs_lit.route_tcp, ocs_lit.route_tls};
    size_t i;

    if (!ofd_strcasecmp(prop, OCS_P_TRANSPORT_TYPE)) {
        for (i = 0; i < 3; i++)
            if (!ofd_strcasecmp(s, known_transport[i]))
                return 1;
        return 0;
    }
    for (i = 0; i < 2; i++)
        if (!ofd_strcasecmp(s, known_hop[i]))
            return 1;
    return 0;
}

static const char *known_list(const char *prop)
{
    static char buf[128];

    if (!ofd_strcasecmp(prop, OCS_P_TRANSPORT_TYPE))
        snprintf(buf, sizeof(buf), "%s, %s, %s", ocs_lit.listen_tcp, ocs_lit.listen_tls, ocs_lit.listen_mtls);
    else
        snprintf(buf, sizeof(buf), "%s, %s", ocs_lit.route_tcp, ocs_lit.route_tls);
    return buf;
}

const char *vocab_verdict_name(enum vocab_verdict verdict)
{
    switch (verdict) {
    case VOCAB_AGREES: return "agrees";
    case VOCAB_ADOPTED: return "adopted";
    case VOCAB_CONTRADICTS: return "contradicts";
    case VOCAB_NO_EVIDENCE: return "no_evidence";
    case VOCAB_RECORDED: return "recorded";
    }
    return "?";
}

/* A new entry (its strings copied); NULL on oom (v->oom set). */
static struct vocab_entry *add(struct vocab *v, const char *cls, const char *prop, const char *rule, const char *writes,
                               unsigned transports, enum vocab_verdict verdict, const char *evidence)
{
    struct vocab_entry *n, *x;

    if (v->oom || !(n = realloc(v->v, (v->n + 1) * sizeof(*n)))) {
        v->oom = 1;
        return NULL;
    }
    v->v = n;
    x = &n[v->n];
    memset(x, 0, sizeof(*x));
    x->cls = cls;
    x->prop = prop;
    x->rule = x->rule_tls = rule;
    x->transports = transports;
    x->verdict = verdict;
    if (!(x->writes = ofd_strdup(writes)) || !(x->chosen = ofd_strdup(writes))
        || !(x->evidence = ofd_strdup(evidence))) {
        free(x->writes);
        free(x->chosen);
        v->oom = 1;
        return NULL;
    }
    v->n++;
    return x;
}

static void set_text(struct vocab *v, char **dst, struct strbuf *sb)
{
    char *s;

    if (!(s = sb_take(sb))) { /* frees it on oom */
        v->oom = 1;
        return;
    }
    if (strlen(s) > EVIDENCE_MAX) {
        s[EVIDENCE_MAX] = '\0';
        ofd_utf8_trim(s);
    }
    free(*dst);
    *dst = s;
}

static void set_chosen(struct vocab *v, struct vocab_entry *x, const char *chosen)
{
    char *s = ofd_strdup(chosen);

    if (!s) {
        v->oom = 1;
        return;
    }
    free(x->chosen);
    x->chosen = s;
}

/* The values the provider declares for a property (its ValueMap qualifier, else its
 * Values), or NULL; *which names the qualifier. */
static const struct node_value *declared(const struct node_schema_prop *sp, const char **which)
{
    static const char *const quals[] = {"ValueMap", "Values"};
    const struct node_value *q;
    size_t i;

    for (i = 0; sp && i < 2; i++) {
        if ((q = node_instance_get(&sp->qualifiers, quals[i])) && q->type == OCS_STRING_ARRAY && q->nstrs) {
            *which = quals[i];
            return q;
        }
    }
    return NULL;
}

static void list_values(struct strbuf *sb, const struct node_value *q)
{
    size_t i;

    for (i = 0; i < q->nstrs; i++)
        sb_printf(sb, "%s%s", i ? ", " : "", q->strs[i]);
}

/* 1 when name is one of def's WMI keys (comma-separated). */
static int is_key_of(const struct ocs_class_def *def, const char *name)
{
    const char *p = def->wmi_keys;
    size_t n = strlen(name);

    while (*p) {
        size_t len = strcspn(p, ",");
        char one[64];
        snprintf(one, sizeof(one), "%.*s", (int)len, p);
        if (len == n && !ofd_strcasecmp(one, name))
            return 1;
        p += len + (p[len] == ',');
    }
    return 0;
}

/* Each class-map property ocsfed writes exists with its CIM type; the keys are the
 * class map's. cs NULL: the node cannot tell. */
static void check_definition(struct vocab *v, const struct ocs_class_def *def, const struct node_class_schema *cs)
{
    struct strbuf sb = {0}, keys = {0};
    struct vocab_entry *x;
    size_t i, k, bad = 0, nkeys = 0;
    int same_keys = 1;

    if (!cs) {
        add(v, def->name, DEFINITION, "", "", VOCAB_TCP | VOCAB_TLS, VOCAB_NO_EVIDENCE,
            "the node does not publish its class definitions");
        return;
    }
    if (cs->absent) {
        sb_printf(&sb, "the provider publishes no class %s", def->name);
        if ((x = add(v, def->name, DEFINITION, "", def->name, VOCAB_TCP | VOCAB_TLS, VOCAB_CONTRADICTS, "")))
            set_text(v, &x->evidence, &sb);
        sb_free(&sb);
        return;
    }
    for (i = 0; i < def->nprops; i++) {
        const struct ocs_prop_def *pd = &def->props[i];
        const struct node_schema_prop *sp = node_schema_prop_find(cs, pd->name);
        const char *want = ocs_type_name(pd->type);
        unsigned tr = !ofd_strcasecmp(pd->name, OCS_P_TLS_CERT_ISSUER) || !ofd_strcasecmp(pd->name, OCS_P_TLS_CERT_SN)
                          ? VOCAB_TLS
                          : VOCAB_TCP | VOCAB_TLS;

        if (sp && !ofd_strcasecmp(sp->type, want))
            continue;
        bad++;
        if (sp) {
            sb_printf(&sb, "the provider declares %s.%s as %s", def->name, pd->name, sp->type);
        } else {
            sb_printf(&sb, "the provider's %s has no such property (its properties: ", def->name);
            for (k = 0; k < cs->nprops; k++)
                sb_printf(&sb, "%s%s", k ? ", " : "", cs->props[k].name);
            sb_appendc(&sb, ')');
        }
        if ((x = add(v, def->name, pd->name, "", want, tr, VOCAB_CONTRADICTS, "")))
            set_text(v, &x->evidence, &sb);
        sb_free(&sb);
    }
    /* The keys ocsfed names instances by (object paths), where the provider marks any;
     * in any order. */
    for (i = 0; i < cs->nprops; i++)
        if (node_schema_prop_is_key(&cs->props[i])) {
            sb_printf(&keys, "%s%s", nkeys ? "," : "", cs->props[i].name);
            nkeys++;
            same_keys &= is_key_of(def, cs->props[i].name);
        }
    for (i = 0, k = 0; def->wmi_keys[i]; i++)
        k += def->wmi_keys[i] == ',';
    if (nkeys && (!same_keys || nkeys != k + 1)) {
        bad++;
        sb_printf(&sb, "the provider's keys of %s are %s", def->name, sb_str(&keys));
        if ((x = add(v, def->name, KEYS, "", def->wmi_keys, VOCAB_TCP | VOCAB_TLS, VOCAB_CONTRADICTS, "")))
            set_text(v, &x->evidence, &sb);
    }
    if (!bad) {
        sb_printf(&sb, "the provider declares each of the %zu properties ocsfed writes with its CIM type%s%s",
                  def->nprops, nkeys ? ", and the keys " : "", nkeys ? sb_str(&keys) : "");
        if ((x = add(v, def->name, DEFINITION, "", def->wmi_keys, VOCAB_TCP | VOCAB_TLS, VOCAB_AGREES, "")))
            set_text(v, &x->evidence, &sb);
    }
    sb_free(&sb);
    sb_free(&keys);
}

/* A literal against what the provider declares for its property, if anything. */
static void check_literal(struct vocab *v, const struct literal *lit, const struct node_class_schema *cs)
{
    const char *w = *lit->value, *exact = NULL, *cased = NULL, *form = NULL, *which = "";
    const struct node_value *q = cs && !cs->absent ? declared(node_schema_prop_find(cs, lit->prop), &which) : NULL;
    struct vocab_entry *x;
    struct strbuf sb = {0};
    size_t i;

    if (!(x = add(v, lit->cls, lit->prop, lit->rule_tcp, w, lit->transports, VOCAB_NO_EVIDENCE, "")))
        return;
    x->rule_tls = lit->rule_tls;
    x->literal = 1;
    if (!q) {
        sb_append(&sb, "the provider declares no values for it");
        set_text(v, &x->evidence, &sb);
        return;
    }
    for (i = 0; i < q->nstrs; i++) {
        if (!strcmp(q->strs[i], w))
            exact = q->strs[i];
        else if (!ofd_strcasecmp(q->strs[i], w) && !cased)
            cased = q->strs[i];
        else if (!ofd_strcasecmp(lit->prop, OCS_P_IP_ADDRESS) && is_all_form(q->strs[i]) && !form)
            form = q->strs[i];
    }
    sb_printf(&sb, "the provider declares the %s of %s.%s as: ", which, lit->cls, lit->prop);
    list_values(&sb, q);
    if (exact) {
        x->verdict = VOCAB_AGREES;
    } else if (cased || form) {
        /* Declared in another case or form: the provider's own spelling is written. */
        x->verdict = VOCAB_ADOPTED;
        set_chosen(v, x, cased ? cased : form);
    } else {
        x->verdict = VOCAB_CONTRADICTS;
        sb_printf(&sb, "; \"%s\" is not among them", w);
    }
    set_text(v, &x->evidence, &sb);
}

enum ofd_code vocab_schema(struct vocab *v, const struct node *n, ofd_err *e)
{
    /* The classes ocsfed writes (their definitions checked), then the pool's (recorded). */
    static const char *const classes[] = {OCS_CLASS_LISTENING, OCS_CLASS_ROUTE, OCS_CLASS_HOST, OCS_CLASS_POOL};
    size_t c, i;
    enum ofd_code rc;

    for (c = 0; c < sizeof(classes) / sizeof(classes[0]); c++) {
        const struct ocs_class_def *def = ocs_class_find(classes[c]);
        struct node_class_schema cs;
        const struct node_class_schema *have;
        int known = 0;

        memset(&cs, 0, sizeof(cs));
        if (n->ops->schema && (rc = n->ops->schema(n->ctx, def->name, &cs, &known, e)) != OFD_OK)
            return rc;
        have = known ? &cs : NULL;
        if (c < 3)
            check_definition(v, def, have);
        for (i = 0; i < NLIT; i++)
            if (!strcmp(literals[i].cls, def->name))
                check_literal(v, &literals[i], have);
        if (def == ocs_class_find(OCS_CLASS_POOL)) {
            /* Read, never written: what the provider declares is kept for the export. */
            const char *which = "";
            const struct node_value *q =
                have && !cs.absent ? declared(node_schema_prop_find(&cs, OCS_P_POOL_TYPE), &which) : NULL;
            struct strbuf sb = {0};
            struct vocab_entry *x;

            if (q) {
                sb_printf(&sb, "declared (%s): ", which);
                list_values(&sb, q);
            } else {
                sb_append(&sb, "the provider declares no values for it");
            }
            if ((x = add(v, def->name, OCS_P_POOL_TYPE, "", "", 0, VOCAB_RECORDED, "")))
                set_text(v, &x->evidence, &sb);
            sb_free(&sb);
        }
        node_class_schema_free(&cs);
    }
    return v->oom ? ofd_err_nomem(e) : OFD_OK;
}

/* "{InstanceID} (Port 5061)": an instance as evidence names it. */
static void describe(struct strbuf *sb, const char *cls, const struct node_instance *in)
{
    const struct ocs_class_def *def = ocs_class_find(cls);
    const struct node_value *id = node_instance_get(in, OCS_P_INSTANCE_ID);
    const struct node_value *k = def ? node_instance_get(in, def->match_prop) : NULL;
    char *t = k ? node_value_text(k) : NULL;

    sb_printf(sb, "%s %s", cls, id && id->type == OCS_STRING && id->s ? id->s : "(no InstanceID)");
    if (t)
        sb_printf(sb, " (%s %s)", def->match_prop, t);
    free(t);
}

static const char *string_of(const struct node_instance *in, const char *prop)
{
    const struct node_value *v = node_instance_get(in, prop);

    return v && v->type == OCS_STRING ? v->s : NULL;
}

static int on_tls_port(const struct node_instance *in)
{
    const struct node_value *p = node_instance_get(in, OCS_P_PORT);

    return p && p->type == OCS_UINT32 && p->u == ocs_lit.tls_port;
}

/* Decides a literal nothing declared from the values the server's instances use. */
static void observe_literal(struct vocab *v, struct vocab_entry *x, const char *cls, const struct node_instances *cur)
{
    const struct node_instance *exact = NULL, *cased = NULL, *form = NULL, *unknown = NULL;
    struct strbuf sb = {0};
    size_t i;

    for (i = 0; i < cur->n; i++) {
        const struct node_instance *in = &cur->v[i];
        const char *s = string_of(in, x->prop);

        if (!s)
            continue;
        if (!strcmp(s, x->writes)) {
            exact = exact ? exact : in;
        } else if (!ofd_strcasecmp(x->prop, OCS_P_IP_ADDRESS)) {
            /* Specific addresses say nothing about how All is written; an All form does,
             * most of all on the listener OCS setup made (the tls port). */
            if (is_all_form(s) && (!form || (on_tls_port(in) && !on_tls_port(form))))
                form = in;
        } else if (!ofd_strcasecmp(s, x->writes)) {
            cased = cased ? cased : in;
        } else if (!known_value(x->prop, s)) {
            unknown = unknown ? unknown : in;
        }
    }
    if (unknown) {
        /* A value ocsfed does not know: its vocabulary for the property is not the
         * server's, and what it would write may not be either. */
        x->verdict = VOCAB_CONTRADICTS;
        describe(&sb, cls, unknown);
        sb_printf(&sb, " has %s \"%s\", which is not among the values ocsfed knows for it (%s)", x->prop,
                  string_of(unknown, x->prop), known_list(x->prop));
    } else if (exact) {
        x->verdict = VOCAB_AGREES;
        describe(&sb, cls, exact);
        sb_printf(&sb, " has %s \"%s\"", x->prop, x->writes);
    } else if (cased || form) {
        const struct node_instance *in = cased ? cased : form;
        x->verdict = VOCAB_ADOPTED;
        set_chosen(v, x, string_of(in, x->prop));
        describe(&sb, cls, in);
        sb_printf(&sb, " has %s \"%s\"", x->prop, x->chosen);
    } else {
        sb_append(&sb, "the provider declares no values for it, and no instance uses it yet");
    }
    set_text(v, &x->evidence, &sb);
}

/* Replaces, in the desired items of cls, the literal x->writes by the adopted spelling. */
static void adopt(struct vocab *v, const struct vocab_entry *x, struct desired *d)
{
    size_t i, k;

    for (i = 0; i < d->n; i++) {
        struct node_instance *in = &d->v[i].inst;
        if (!in->cls || ofd_strcasecmp(in->cls, x->cls) != 0)
            continue;
        for (k = 0; k < in->nprops; k++) {
            struct node_value *pv = &in->props[k].v;
            char *s;
            if (ofd_strcasecmp(in->props[k].name, x->prop) != 0 || pv->type != OCS_STRING || !pv->s
                || strcmp(pv->s, x->writes) != 0)
                continue;
            if (!(s = ofd_strdup(x->chosen))) {
                v->oom = 1;
                return;
            }
            free(pv->s);
            pv->s = s;
        }
    }
}

void vocab_observe(struct vocab *v, const char *cls, const struct node_instances *cur, struct desired *d)
{
    size_t i, k;

    for (i = 0; i < v->n; i++) {
        struct vocab_entry *x = &v->v[i];

        if (ofd_strcasecmp(x->cls, cls) != 0)
            continue;
        if (x->literal && x->verdict == VOCAB_NO_EVIDENCE)
            observe_literal(v, x, cls, cur);
        if (x->verdict == VOCAB_RECORDED && !ofd_strcasecmp(x->prop, OCS_P_POOL_TYPE)) {
            struct strbuf sb = {0};
            int any = 0;
            sb_append(&sb, x->evidence);
            for (k = 0; k < cur->n; k++) {
                const char *s = string_of(&cur->v[k], OCS_P_POOL_TYPE);
                if (!s)
                    continue;
                sb_append(&sb, any ? "; " : "; in use: ");
                describe(&sb, cls, &cur->v[k]);
                sb_printf(&sb, " has PoolType \"%s\"", s);
                any = 1;
            }
            set_text(v, &x->evidence, &sb);
        }
        if (d && x->verdict == VOCAB_ADOPTED && strcmp(x->writes, x->chosen) != 0)
            adopt(v, x, d);
    }
}

enum ofd_code vocab_check(const struct node *n, struct vocab *out, ofd_err *e)
{
    static const char *const classes[] = {OCS_CLASS_LISTENING, OCS_CLASS_ROUTE, OCS_CLASS_POOL};
    struct node_instances l;
    size_t i;
    enum ofd_code rc;

    memset(out, 0, sizeof(*out));
    if ((rc = vocab_schema(out, n, e)) != OFD_OK)
        goto out;
    for (i = 0; i < sizeof(classes) / sizeof(classes[0]); i++) {
        memset(&l, 0, sizeof(l));
        if ((rc = n->ops->instances(n->ctx, classes[i], &l, e)) != OFD_OK)
            goto out;
        vocab_observe(out, classes[i], &l, NULL);
        node_instances_free(&l);
    }
    rc = out->oom ? ofd_err_nomem(e) : OFD_OK;
out:
    if (rc != OFD_OK)
        vocab_free(out);
    return rc;
}

static int concerns(const struct vocab_entry *x, int tls)
{
    return (x->transports & (tls ? VOCAB_TLS : VOCAB_TCP)) != 0;
}

const char *vocab_rule(const struct vocab_entry *x, int tls)
{
    return tls ? x->rule_tls : x->rule;
}

void vocab_notes(const struct vocab *v, int tls, struct diags *notes)
{
    size_t i;

    for (i = 0; i < v->n; i++) {
        const struct vocab_entry *x = &v->v[i];

        if (!concerns(x, tls))
            continue;
        if (x->verdict == VOCAB_ADOPTED)
            diags_add(notes, DIAG_NOTE, vocab_rule(x, tls), 0, 0, "",
                      "%s.%s: writing \"%s\", the server's own spelling of \"%s\", the one known to work here "
                      "(%s)",
                      x->cls, x->prop, x->chosen, x->writes, x->evidence);
        else if (x->verdict == VOCAB_CONTRADICTS)
            diags_add(notes, DIAG_ERROR, vocab_rule(x, tls), 0, 0, "",
                      "%s.%s: ocsfed would write \"%s\", but %s; an apply is refused until that is settled "
                      "(docs/field-trial.md)",
                      x->cls, x->prop, x->writes, x->evidence);
    }
}

const struct vocab_entry *vocab_contradiction(const struct vocab *v, int tls)
{
    size_t i;

    for (i = 0; v && i < v->n; i++)
        if (v->v[i].verdict == VOCAB_CONTRADICTS && concerns(&v->v[i], tls))
            return &v->v[i];
    return NULL;
}

cJSON *vocab_to_json(const struct vocab *v)
{
    cJSON *a = cJSON_CreateArray(), *o;
    size_t i;

    for (i = 0; a && i < v->n; i++) {
        const struct vocab_entry *x = &v->v[i];
        if (!(o = cJSON_CreateObject()) || !cJSON_AddItemToArray(a, o) || !cJSON_AddStringToObject(o, "class", x->cls)
            || !cJSON_AddStringToObject(o, "property", x->prop) || !cJSON_AddStringToObject(o, "writes", x->writes)
            || !cJSON_AddStringToObject(o, "chosen", x->chosen)
            || !cJSON_AddStringToObject(o, "verdict", vocab_verdict_name(x->verdict))
            || !cJSON_AddStringToObject(o, "evidence", x->evidence)) {
            cJSON_Delete(a);
            return NULL;
        }
    }
    return a;
}

void vocab_free(struct vocab *v)
{
    size_t i;

    if (!v)
        return;
    for (i = 0; i < v->n; i++) {
        free(v->v[i].writes);
        free(v->v[i].chosen);
        free(v->v[i].evidence);
    }
    free(v->v);
    memset(v, 0, sizeof(*v));
}
