/* Reports as `ocsfed status` reads them from the share: strictly (sizes, nesting,
 * every field's type), since any server, or anyone who can write the reports folder,
 * wrote them. */
#include "report.h"

#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "fsutil.h"
#include "strbuf.h"

/* Nesting depth of JSON text, strings skipped; cJSON would recurse up to its own
 * limit before we could check. */
static int too_deep(const char *s, size_t n, int max)
{
    size_t i;
    int depth = 0, in_str = 0;

    for (i = 0; i < n; i++) {
        char c = s[i];
        if (in_str) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_str = 0;
        } else if (c == '"') {
            in_str = 1;
        } else if (c == '{' || c == '[') {
            if (++depth > max)
                return 1;
        } else if (c == '}' || c == ']') {
            depth--;
        }
    }
    return 0;
}

/* A string member (required unless opt), at most REPORT_MAX_STRING bytes; *out is a
 * malloc'ed copy, NULL for an absent or null optional member. */
static int get_str(const cJSON *o, const char *name, int opt, char **out, ofd_err *e)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

    *out = NULL;
    if (opt && (!v || cJSON_IsNull(v)))
        return 0;
    if (!cJSON_IsString(v) || strlen(v->valuestring) > REPORT_MAX_STRING) {
        ofd_err_set(e, OFD_E_INVALID, "'%s' is missing, not a string or too long", name);
        return -1;
    }
    if (!(*out = ofd_strdup(v->valuestring))) {
        ofd_err_nomem(e);
        return -1;
    }
    return 0;
}

/* A whole number in [0, 2^53). */
static int get_count(const cJSON *o, const char *name, long long *out, ofd_err *e)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

    if (!cJSON_IsNumber(v) || !(v->valuedouble >= 0 && v->valuedouble < 9007199254740992.0)
        || v->valuedouble != (double)(long long)v->valuedouble) {
        ofd_err_set(e, OFD_E_INVALID, "'%s' is missing or not a whole number >= 0", name);
        return -1;
    }
    *out = (long long)v->valuedouble;
    return 0;
}

static int get_bool(const cJSON *o, const char *name, int *out, ofd_err *e)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

    if (!cJSON_IsBool(v)) {
        ofd_err_set(e, OFD_E_INVALID, "'%s' is missing or not true/false", name);
        return -1;
    }
    *out = cJSON_IsTrue(v);
    return 0;
}

static const cJSON *get_typed(const cJSON *o, const char *name, int array, ofd_err *e)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

    if (array ? !cJSON_IsArray(v) : !cJSON_IsObject(v)) {
        ofd_err_set(e, OFD_E_INVALID, "'%s' is missing or not an %s", name, array ? "array" : "object");
        return NULL;
    }
    return v;
}

/* "R" and one to three digits: a rule of the guide's numbering. */
static int is_rule(const char *s)
{
    size_t i, n = strlen(s);

    if (n < 2 || n > 4 || s[0] != 'R')
        return 0;
    for (i = 1; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return 1;
}

/* One value of an item: a string, a whole number in [0, 2^53) or null. */
static int get_value(const cJSON *v, struct imp_item *it, ofd_err *e)
{
    const char *name = v->string;
    size_t k;

    if (!name || !name[0] || strlen(name) > IMP_MAX_NAME) {
        ofd_err_set(e, OFD_E_INVALID, "a value's name is empty or longer than %u bytes", IMP_MAX_NAME);
        return -1;
    }
    for (k = 0; k < it->nvalues; k++)
        if (strcmp(it->values[k].name, name) == 0) {
            ofd_err_set(e, OFD_E_INVALID, "value '%s' appears twice", name);
            return -1;
        }
    if (cJSON_IsNull(v))
        return imp_item_add_value(it, name, IMP_VAL_NULL, NULL, 0, e) == OFD_OK ? 0 : -1;
    if (cJSON_IsString(v) && strlen(v->valuestring) <= REPORT_MAX_STRING)
        return imp_item_add_value(it, name, IMP_VAL_STRING, v->valuestring, 0, e) == OFD_OK ? 0 : -1;
    if (cJSON_IsNumber(v) && v->valuedouble >= 0 && v->valuedouble < 9007199254740992.0
        && v->valuedouble == (double)(long long)v->valuedouble)
        return imp_item_add_value(it, name, IMP_VAL_NUMBER, NULL, (long long)v->valuedouble, e) == OFD_OK ? 0 : -1;
    ofd_err_set(e, OFD_E_INVALID, "value '%s' is neither a string, a whole number >= 0 nor null", name);
    return -1;
}

/* The IM&P checklist a report may carry (imp_checklist.h, docs/imp-checklist.md), as
 * strictly as the rest: known sections, rules as the guide numbers them, a bounded
 * number of items and values, each value of its three kinds. */
static int get_checklist(const cJSON *o, struct imp_checklist *c, ofd_err *e)
{
    const cJSON *a, *it, *vals, *v;
    char *s = NULL, *rule = NULL, *text = NULL;
    long long n;
    size_t cnt;
    int sec, ret = -1;

    if (!cJSON_IsObject(o)) {
        ofd_err_set(e, OFD_E_INVALID, "it is neither null nor an object");
        goto out;
    }
    if (get_count(o, "format", &n, e) || n != IMP_FORMAT) {
        ofd_err_set(e, OFD_E_INVALID, "'format' is not %d", IMP_FORMAT);
        goto out;
    }
    if (get_count(o, "serial", &c->serial, e) || get_str(o, "transport", 0, &s, e))
        goto out;
    if (strcmp(s, "tls") != 0 && strcmp(s, "tcp") != 0) {
        ofd_err_set(e, OFD_E_INVALID, "'transport' is neither tls nor tcp");
        goto out;
    }
    c->tls = strcmp(s, "tls") == 0;
    free(s);
    s = NULL;
    if (get_str(o, "edition", 0, &s, e))
        goto out;
    if (strcmp(s, "standard") != 0 && strcmp(s, "enterprise") != 0) {
        ofd_err_set(e, OFD_E_INVALID, "'edition' is neither standard nor enterprise");
        goto out;
    }
    c->enterprise = strcmp(s, "enterprise") == 0;
    free(s);
    s = NULL;
    if (get_count(o, "total", &n, e))
        goto out;
    c->total = (size_t)n;
    /* The sections' titles are the code's; the list only has to be well formed. */
    if (!(a = get_typed(o, "sections", 1, e)))
        goto out;
    if (cJSON_GetArraySize(a) > IMP_NSECTIONS) {
        ofd_err_set(e, OFD_E_INVALID, "more than %d sections", IMP_NSECTIONS);
        goto out;
    }
    cJSON_ArrayForEach(it, a)
    {
        if (!cJSON_IsObject(it) || get_str(it, "id", 0, &s, e) || get_str(it, "title", 0, &text, e)) {
            ofd_err_set(e, OFD_E_INVALID, "a section is not an object with an id and a title");
            goto out;
        }
        if (imp_section_parse(s) < 0) {
            ofd_err_set(e, OFD_E_INVALID, "section '%s' is unknown", s);
            goto out;
        }
        free(s), free(text);
        s = text = NULL;
    }
    if (!(a = get_typed(o, "items", 1, e)))
        goto out;
    if ((cnt = (size_t)cJSON_GetArraySize(a)) > IMP_MAX_ITEMS) {
        ofd_err_set(e, OFD_E_INVALID, "more than %u items", IMP_MAX_ITEMS);
        goto out;
    }
    cJSON_ArrayForEach(it, a)
    {
        if (!cJSON_IsObject(it)) {
            ofd_err_set(e, OFD_E_INVALID, "an item is not an object");
            goto out;
        }
        if (get_count(it, "n", &n, e))
            goto out;
        if (n != (long long)c->n + 1) {
            ofd_err_set(e, OFD_E_INVALID, "item %zu is numbered %lld", c->n + 1, n);
            goto out;
        }
        if (get_str(it, "section", 0, &s, e))
            goto out;
        if ((sec = imp_section_parse(s)) < 0) {
            ofd_err_set(e, OFD_E_INVALID, "an item's section '%s' is unknown", s);
            goto out;
        }
        if (get_str(it, "rule", 1, &rule, e))
            goto out;
        if (rule && !is_rule(rule)) {
            ofd_err_set(e, OFD_E_INVALID, "an item's rule is not a rule (R1, R2...)");
            goto out;
        }
        if (get_str(it, "text", 0, &text, e) || !(vals = get_typed(it, "values", 0, e)))
            goto out;
        if (cJSON_GetArraySize(vals) > IMP_MAX_VALUES) {
            ofd_err_set(e, OFD_E_INVALID, "an item has more than %d values", IMP_MAX_VALUES);
            goto out;
        }
        if (imp_checklist_add_item(c, (enum imp_section)sec, rule, text, e) != OFD_OK)
            goto out;
        cJSON_ArrayForEach(v, vals)
        {
            if (get_value(v, &c->v[c->n - 1], e))
                goto out;
        }
        free(s), free(rule), free(text);
        s = rule = text = NULL;
    }
    if (c->total < c->n) {
        ofd_err_set(e, OFD_E_INVALID, "'total' is less than the items it carries");
        goto out;
    }
    ret = 0;
out:
    if (ret && e && e->code != OFD_E_NOMEM)
        ofd_err_prefix(e, "imp_checklist");
    free(s), free(rule), free(text);
    return ret;
}

/* "vocabulary": [{"class", "property", "writes", "chosen", "verdict", "evidence"}]. */
static enum ofd_code parse_vocab(const cJSON *a, struct report *r, ofd_err *e)
{
    static const char *const names[] = {"class", "property", "writes", "chosen", "verdict", "evidence"};
    const cJSON *it;
    char *f[6] = {NULL, NULL, NULL, NULL, NULL, NULL};
    size_t k;
    enum ofd_code rc = OFD_E_INVALID;

    if (!cJSON_IsArray(a) || (size_t)cJSON_GetArraySize(a) > REPORT_MAX_ITEMS) {
        ofd_err_set(e, OFD_E_INVALID, "'vocabulary' is not an array of at most %u entries", REPORT_MAX_ITEMS);
        return OFD_E_INVALID;
    }
    cJSON_ArrayForEach(it, a)
    {
        struct report_vocab v;

        if (!cJSON_IsObject(it)) {
            ofd_err_set(e, OFD_E_INVALID, "a vocabulary entry is not an object");
            goto out;
        }
        for (k = 0; k < 6; k++)
            if (get_str(it, names[k], 0, &f[k], e))
                goto out;
        v.cls = f[0], v.prop = f[1], v.writes = f[2], v.chosen = f[3], v.verdict = f[4], v.evidence = f[5];
        if (report_add_vocab(r, &v, e) != OFD_OK)
            goto out;
        for (k = 0; k < 6; k++) {
            free(f[k]);
            f[k] = NULL;
        }
    }
    rc = OFD_OK;
out:
    for (k = 0; k < 6; k++)
        free(f[k]);
    return rc;
}

/* "probe": null or {"passed", "tls", "checks": [...]} (optional: reports of agents that
 * did not probe, or older ones, have none). */
static int get_probe(const cJSON *root, struct report *r, ofd_err *e)
{
    static const char *const names[] = {"node", "check", "result", "rule", "target", "cause", "message"};
    const cJSON *o = cJSON_GetObjectItemCaseSensitive(root, "probe"), *a, *it;
    char *v[7] = {NULL};
    size_t k;
    int rc = -1;

    if (!o || cJSON_IsNull(o))
        return 0;
    if (!cJSON_IsObject(o)) {
        ofd_err_set(e, OFD_E_INVALID, "'probe' is neither null nor an object");
        return -1;
    }
    if (!(r->probe = calloc(1, sizeof(*r->probe)))) {
        ofd_err_nomem(e);
        return -1;
    }
    if (get_bool(o, "passed", &r->probe->passed, e) || get_str(o, "tls", 0, &r->probe->tls, e)
        || !(a = get_typed(o, "checks", 1, e)))
        return -1;
    if ((size_t)cJSON_GetArraySize(a) > REPORT_MAX_ITEMS) {
        ofd_err_set(e, OFD_E_INVALID, "more than %u probe checks", REPORT_MAX_ITEMS);
        return -1;
    }
    cJSON_ArrayForEach(it, a)
    {
        struct report_probe_check *nv;

        if (!cJSON_IsObject(it)) {
            ofd_err_set(e, OFD_E_INVALID, "a probe check is not an object");
            goto out;
        }
        for (k = 0; k < 7; k++)
            if (get_str(it, names[k], 0, &v[k], e))
                goto out;
        if (strcmp(v[2], "pass") && strcmp(v[2], "fail") && strcmp(v[2], "skip")) {
            ofd_err_set(e, OFD_E_INVALID, "a probe check's 'result' is not pass, fail or skip");
            goto out;
        }
        if (!(nv = realloc(r->probe->v, (r->probe->n + 1) * sizeof(*nv)))) {
            ofd_err_nomem(e);
            goto out;
        }
        r->probe->v = nv;
        nv[r->probe->n].node = v[0], nv[r->probe->n].check = v[1], nv[r->probe->n].result = v[2];
        nv[r->probe->n].rule = v[3], nv[r->probe->n].target = v[4], nv[r->probe->n].cause = v[5];
        nv[r->probe->n++].message = v[6];
        memset(v, 0, sizeof(v));
    }
    rc = 0;
out:
    for (k = 0; k < 7; k++)
        free(v[k]);
    return rc;
}

enum ofd_code report_parse(const char *text, size_t len, struct report *out, ofd_err *e)
{
    cJSON *root = NULL;
    const cJSON *o, *a, *it;
    struct report r;
    char *s = NULL, *act = NULL, *cls = NULL, *key = NULL, *rule = NULL;
    long long n;
    int st, b;
    size_t cnt;
    enum ofd_code rc = OFD_E_INVALID;

    memset(&r, 0, sizeof(r));
    if (len > REPORT_MAX_BYTES) {
        ofd_err_set(e, OFD_E_INVALID, "larger than the limit of %u bytes", REPORT_MAX_BYTES);
        goto out;
    }
    if (too_deep(text, len, REPORT_MAX_DEPTH)) {
        ofd_err_set(e, OFD_E_INVALID, "nested deeper than %d levels", REPORT_MAX_DEPTH);
        goto out;
    }
    if (!(root = cJSON_ParseWithLength(text, len)) || !cJSON_IsObject(root)) {
        ofd_err_set(e, OFD_E_INVALID, "not a JSON object");
        goto out;
    }
    if (get_count(root, "format", &n, e) || n != 1) {
        ofd_err_set(e, OFD_E_INVALID, "'format' is not 1");
        goto out;
    }
    if (get_str(root, "server", 0, &r.server, e) || get_str(root, "agent_version", 0, &r.agent_version, e))
        goto out;
    if (get_str(root, "time", 0, &s, e))
        goto out;
    if ((r.time = report_parse_time(s)) < 0) {
        ofd_err_set(e, OFD_E_INVALID, "'time' is not YYYY-MM-DDTHH:MM:SSZ");
        goto out;
    }
    free(s);
    s = NULL;
    if (get_str(root, "mode", 0, &s, e))
        goto out;
    if (strcmp(s, "apply") != 0 && strcmp(s, "monitor") != 0) {
        ofd_err_set(e, OFD_E_INVALID, "'mode' is neither apply nor monitor");
        goto out;
    }
    r.monitor = strcmp(s, "monitor") == 0;
    free(s);
    s = NULL;
    if (get_str(root, "status", 0, &s, e))
        goto out;
    if ((st = report_status_parse(s)) < 0) {
        ofd_err_set(e, OFD_E_INVALID, "unknown 'status'");
        goto out;
    }
    r.status = (enum report_status)st;
    free(s);
    s = NULL;
    if (!(o = get_typed(root, "manifest", 0, e)) || get_count(o, "serial", &r.serial, e)
        || get_str(o, "sha256", 1, &r.sha256, e))
        goto out;
    if (!(o = get_typed(root, "summary", 0, e)) || get_count(o, "planned", &n, e))
        goto out;
    r.planned = (size_t)n;
    if (get_count(o, "applied", &n, e))
        goto out;
    r.applied = (size_t)n;
    if (get_count(o, "drift", &n, e))
        goto out;
    r.drift = (size_t)n;
    if (!(a = get_typed(root, "changes", 1, e)))
        goto out;
    if ((cnt = (size_t)cJSON_GetArraySize(a)) > REPORT_MAX_ITEMS) {
        ofd_err_set(e, OFD_E_INVALID, "more than %u changes", REPORT_MAX_ITEMS);
        goto out;
    }
    cJSON_ArrayForEach(it, a)
    {
        if (!cJSON_IsObject(it)) {
            ofd_err_set(e, OFD_E_INVALID, "a change is not an object");
            goto out;
        }
        if (get_str(it, "action", 0, &act, e) || get_str(it, "class", 0, &cls, e) || get_str(it, "key", 0, &key, e)
            || get_str(it, "rule", 0, &rule, e) || get_bool(it, "applied", &b, e)
            || report_add_change(&r, act, cls, key, rule, b, e))
            goto out;
        free(act), free(cls), free(key), free(rule);
        act = cls = key = rule = NULL;
    }
    if (!(a = get_typed(root, "errors", 1, e)))
        goto out;
    if ((cnt = (size_t)cJSON_GetArraySize(a)) > REPORT_MAX_ITEMS) {
        ofd_err_set(e, OFD_E_INVALID, "more than %u errors", REPORT_MAX_ITEMS);
        goto out;
    }
    cJSON_ArrayForEach(it, a)
    {
        if (!cJSON_IsObject(it)) {
            ofd_err_set(e, OFD_E_INVALID, "an error is not an object");
            goto out;
        }
        if (get_str(it, "message", 0, &act, e) || get_str(it, "rule", 0, &rule, e)
            || report_add_error(&r, act, rule, e))
            goto out;
        free(act), free(rule);
        act = rule = NULL;
    }
    if (get_bool(root, "restart_pending", &r.restart_pending, e))
        goto out;
    o = cJSON_GetObjectItemCaseSensitive(root, "refusal");
    if (o && !cJSON_IsNull(o)) {
        if (!cJSON_IsObject(o)) {
            ofd_err_set(e, OFD_E_INVALID, "'refusal' is neither null nor an object");
            goto out;
        }
        if (get_str(o, "reason", 0, &r.refusal_reason, e) || get_str(o, "message", 0, &r.refusal_message, e))
            goto out;
    }
    /* Optional: reports of a refused manifest, and of older agents, have none. */
    o = cJSON_GetObjectItemCaseSensitive(root, "imp_checklist");
    if (o && !cJSON_IsNull(o)) {
        if (!(r.imp = calloc(1, sizeof(*r.imp)))) {
            ofd_err_nomem(e);
            goto out;
        }
        if (get_checklist(o, r.imp, e))
            goto out;
    }
    /* Optional: reports of agents before the vocabulary check have none. */
    if ((a = cJSON_GetObjectItemCaseSensitive(root, "vocabulary")) && (rc = parse_vocab(a, &r, e)) != OFD_OK)
        goto out;
    rc = OFD_E_INVALID;
    if (get_probe(root, &r, e))
        goto out;
    *out = r;
    memset(&r, 0, sizeof(r));
    rc = OFD_OK;
out:
    if (rc != OFD_OK && e && e->code == OFD_E_NOMEM)
        rc = OFD_E_NOMEM;
    free(s);
    free(act), free(cls), free(key), free(rule);
    report_free(&r);
    cJSON_Delete(root);
    return rc;
}

enum ofd_code report_read_file(const char *path, struct report *out, ofd_err *e)
{
    char *text = NULL;
    size_t len = 0;
    enum ofd_code rc;

    if ((rc = ofd_read_file(path, REPORT_MAX_BYTES, &text, &len, e)) == OFD_OK)
        rc = report_parse(text, len, out, e);
    free(text);
    return rc;
}
