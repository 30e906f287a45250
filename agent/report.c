#include "report.h"

#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "fsutil.h"
#include "manifest.h"
#include "plan.h"
#include "strbuf.h"
#include "version.h"

static const char *const status_names[REPORT_NSTATUS] = {
    "converged", "drifting", "pending_restart", "failing", "refused", "silent", "unreadable"
};

const char *report_status_name(enum report_status s)
{
    return (unsigned)s < REPORT_NSTATUS ? status_names[s] : "unknown";
}

int report_status_parse(const char *s)
{
    int i;

    for (i = 0; i <= REPORT_REFUSED; i++)
        if (strcmp(s, status_names[i]) == 0)
            return i;
    return -1;
}

/* Days since 1970-01-01 of a civil date, and back (H. Hinnant's algorithms). */
static long long days_from_civil(long long y, unsigned m, unsigned d)
{
    long long era;
    unsigned yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = (unsigned)(y - era * 400);
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (long long)doe - 719468;
}

static void civil_from_days(long long z, long long *y, unsigned *m, unsigned *d)
{
    long long era;
    unsigned doe, yoe, doy, mp;

    z += 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = (unsigned)(z - era * 146097);
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (long long)yoe + era * 400 + (*m <= 2);
}

void report_format_time(long long t, char buf[21])
{
    long long days, y;
    long long secs;
    unsigned m, d;

    if (t < 0 || t > 253402300799LL) /* outside years 1970-9999 */
        t = 0;
    days = t / 86400;
    secs = t % 86400;
    civil_from_days(days, &y, &m, &d);
    /* Ranges are clamped above; the casts let the compiler see the result fits. */
    snprintf(buf, 21, "%04u-%02u-%02uT%02u:%02u:%02uZ", (unsigned)(y % 10000), m % 100, d % 100,
             (unsigned)(secs / 3600 % 24), (unsigned)(secs / 60 % 60), (unsigned)(secs % 60));
}

static int digits(const char *s, int n, int *out)
{
    int i, v = 0;

    for (i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

long long report_parse_time(const char *s)
{
    int y, mo, d, h, mi, se;
    static const unsigned char mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

    if (strlen(s) != 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':'
        || s[16] != ':' || s[19] != 'Z' || digits(s, 4, &y) || digits(s + 5, 2, &mo)
        || digits(s + 8, 2, &d) || digits(s + 11, 2, &h) || digits(s + 14, 2, &mi)
        || digits(s + 17, 2, &se))
        return -1;
    if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 || mi > 59 || se > 59)
        return -1;
    if (mo == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return -1;
    return days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + se;
}

/* ---- building ---- */

static char *dup_or_empty(const char *s)
{
    return ofd_strdup(s ? s : "");
}

enum ofd_code report_init(struct report *r, const char *server, long long now, int monitor,
                          ofd_err *e)
{
    memset(r, 0, sizeof(*r));
    r->time = now;
    r->monitor = monitor;
    r->status = REPORT_CONVERGED;
    if (!(r->server = ofd_strdup(server)) || !(r->agent_version = ofd_strdup(OCSFED_VERSION))) {
        report_free(r);
        return ofd_err_nomem(e);
    }
    ofd_strlower(r->server);
    return OFD_OK;
}

enum ofd_code report_add_change(struct report *r, const char *action, const char *cls,
                                const char *key, const char *rule, int applied, ofd_err *e)
{
    struct report_change *nv, *c;

    if (!(nv = realloc(r->changes, (r->nchanges + 1) * sizeof(*nv))))
        return ofd_err_nomem(e);
    r->changes = nv;
    c = &nv[r->nchanges];
    memset(c, 0, sizeof(*c));
    c->applied = applied;
    if (!(c->action = dup_or_empty(action)) || !(c->cls = dup_or_empty(cls))
        || !(c->key = dup_or_empty(key)) || !(c->rule = dup_or_empty(rule))) {
        free(c->action);
        free(c->cls);
        free(c->key);
        free(c->rule);
        return ofd_err_nomem(e);
    }
    r->nchanges++;
    return OFD_OK;
}

enum ofd_code report_add_error(struct report *r, const char *message, const char *rule,
                               ofd_err *e)
{
    struct report_error *nv, *x;

    if (!(nv = realloc(r->errors, (r->nerrors + 1) * sizeof(*nv))))
        return ofd_err_nomem(e);
    r->errors = nv;
    x = &nv[r->nerrors];
    if (!(x->message = dup_or_empty(message)) || !(x->rule = dup_or_empty(rule))) {
        free(x->message);
        return ofd_err_nomem(e);
    }
    r->nerrors++;
    return OFD_OK;
}

enum ofd_code report_add_plan(struct report *r, const struct plan *p, int applied, ofd_err *e)
{
    size_t i, n = 0;
    enum ofd_code rc;

    for (i = 0; i < p->n; i++) {
        const struct plan_change *c = &p->v[i];
        if (c->action == PLAN_UNCHANGED)
            continue;
        if ((rc = report_add_change(r, plan_action_name(c->action), c->cls, c->key, c->rule,
                                    applied, e)) != OFD_OK)
            return rc;
        n++;
    }
    r->planned = r->drift = n;
    r->applied = applied ? n : 0;
    return OFD_OK;
}

enum ofd_code report_set_refusal(struct report *r, const char *reason, const char *message,
                                 ofd_err *e)
{
    char *a = ofd_strdup(reason), *b = dup_or_empty(message);

    if (!a || !b) {
        free(a);
        free(b);
        return ofd_err_nomem(e);
    }
    free(r->refusal_reason);
    free(r->refusal_message);
    r->refusal_reason = a;
    r->refusal_message = b;
    r->status = REPORT_REFUSED;
    return OFD_OK;
}

void report_free(struct report *r)
{
    size_t i;

    if (!r)
        return;
    for (i = 0; i < r->nchanges; i++) {
        free(r->changes[i].action);
        free(r->changes[i].cls);
        free(r->changes[i].key);
        free(r->changes[i].rule);
    }
    for (i = 0; i < r->nerrors; i++) {
        free(r->errors[i].message);
        free(r->errors[i].rule);
    }
    free(r->changes);
    free(r->errors);
    free(r->server);
    free(r->agent_version);
    free(r->sha256);
    free(r->refusal_reason);
    free(r->refusal_message);
    memset(r, 0, sizeof(*r));
}

/* ---- writing ---- */

char *report_to_json(const struct report *r)
{
    cJSON *root = NULL, *o, *a, *it;
    char ts[21], *text = NULL;
    size_t i;
    int ok = 1;

    report_format_time(r->time, ts);
    if (!(root = cJSON_CreateObject()))
        goto out;
    ok &= cJSON_AddNumberToObject(root, "format", 1) != NULL;
    ok &= cJSON_AddStringToObject(root, "server", r->server ? r->server : "") != NULL;
    ok &= cJSON_AddStringToObject(root, "agent_version", r->agent_version ? r->agent_version : "") != NULL;
    ok &= cJSON_AddStringToObject(root, "time", ts) != NULL;
    ok &= cJSON_AddStringToObject(root, "mode", r->monitor ? "monitor" : "apply") != NULL;
    ok &= cJSON_AddStringToObject(root, "status", report_status_name(r->status)) != NULL;
    ok &= (o = cJSON_AddObjectToObject(root, "manifest")) != NULL;
    if (o) {
        ok &= cJSON_AddNumberToObject(o, "serial", (double)r->serial) != NULL;
        ok &= (r->sha256 ? cJSON_AddStringToObject(o, "sha256", r->sha256)
                         : cJSON_AddNullToObject(o, "sha256")) != NULL;
    }
    ok &= (o = cJSON_AddObjectToObject(root, "summary")) != NULL;
    if (o) {
        ok &= cJSON_AddNumberToObject(o, "planned", (double)r->planned) != NULL;
        ok &= cJSON_AddNumberToObject(o, "applied", (double)r->applied) != NULL;
        ok &= cJSON_AddNumberToObject(o, "drift", (double)r->drift) != NULL;
    }
    ok &= (a = cJSON_AddArrayToObject(root, "changes")) != NULL;
    for (i = 0; a && i < r->nchanges; i++) {
        if (!(it = cJSON_CreateObject()) || !cJSON_AddItemToArray(a, it)) {
            cJSON_Delete(it);
            ok = 0;
            break;
        }
        ok &= cJSON_AddStringToObject(it, "action", r->changes[i].action) != NULL;
        ok &= cJSON_AddStringToObject(it, "class", r->changes[i].cls) != NULL;
        ok &= cJSON_AddStringToObject(it, "key", r->changes[i].key) != NULL;
        ok &= cJSON_AddStringToObject(it, "rule", r->changes[i].rule) != NULL;
        ok &= cJSON_AddBoolToObject(it, "applied", r->changes[i].applied) != NULL;
    }
    ok &= (a = cJSON_AddArrayToObject(root, "errors")) != NULL;
    for (i = 0; a && i < r->nerrors; i++) {
        if (!(it = cJSON_CreateObject()) || !cJSON_AddItemToArray(a, it)) {
            cJSON_Delete(it);
            ok = 0;
            break;
        }
        ok &= cJSON_AddStringToObject(it, "message", r->errors[i].message) != NULL;
        ok &= cJSON_AddStringToObject(it, "rule", r->errors[i].rule) != NULL;
    }
    ok &= cJSON_AddBoolToObject(root, "restart_pending", r->restart_pending) != NULL;
    if (r->refusal_reason) {
        ok &= (o = cJSON_AddObjectToObject(root, "refusal")) != NULL;
        if (o) {
            ok &= cJSON_AddStringToObject(o, "reason", r->refusal_reason) != NULL;
            ok &= cJSON_AddStringToObject(o, "message", r->refusal_message ? r->refusal_message : "") != NULL;
        }
    } else {
        ok &= cJSON_AddNullToObject(root, "refusal") != NULL;
    }
    if (ok)
        text = cJSON_Print(root);
out:
    cJSON_Delete(root);
    return text;
}

enum ofd_code report_write(const char *reports_dir, const struct report *r, ofd_err *e)
{
    struct strbuf path = {0};
    char *text = NULL;
    const char *why = NULL;
    enum ofd_code rc;

    if (!r->server || !manifest_is_fqdn(r->server, &why)) {
        rc = ofd_err_set(e, OFD_E_INVALID, "cannot name a report after '%s': %s",
                         r->server ? r->server : "", why ? why : "no server name");
        goto out;
    }
    sb_printf(&path, "%s/%s.json", reports_dir, r->server);
    if (path.oom || !(text = report_to_json(r))) {
        rc = ofd_err_nomem(e);
        goto out;
    }
    if ((rc = ofd_make_dir(reports_dir, e)) != OFD_OK)
        goto out;
    rc = ofd_write_file_atomic(sb_str(&path), text, strlen(text), e);
out:
    free(text);
    sb_free(&path);
    return rc;
}

/* ---- reading ---- */

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
        ofd_err_set(e, OFD_E_INVALID, "'%s' is missing or not an %s", name,
                    array ? "array" : "object");
        return NULL;
    }
    return v;
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
    cJSON_ArrayForEach(it, a) {
        if (!cJSON_IsObject(it)) {
            ofd_err_set(e, OFD_E_INVALID, "a change is not an object");
            goto out;
        }
        if (get_str(it, "action", 0, &act, e) || get_str(it, "class", 0, &cls, e)
            || get_str(it, "key", 0, &key, e) || get_str(it, "rule", 0, &rule, e)
            || get_bool(it, "applied", &b, e) || report_add_change(&r, act, cls, key, rule, b, e))
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
    cJSON_ArrayForEach(it, a) {
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
        if (get_str(o, "reason", 0, &r.refusal_reason, e)
            || get_str(o, "message", 0, &r.refusal_message, e))
            goto out;
    }
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

enum report_status report_classify(const struct report *r, long long now, long long stale_after)
{
    /* A clock far ahead on the server would otherwise keep a dead server fresh. */
    if (r->time > now + 300 || now - r->time > stale_after)
        return REPORT_SILENT;
    return r->status;
}

/* ---- the fleet ---- */

static int ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);

    return a > b && strcmp(s + a - b, suffix) == 0;
}

enum ofd_code report_fleet_load(const char *reports_dir, long long now, long long stale_after,
                                struct report_fleet *out, ofd_err *e)
{
    struct report_fleet f;
    struct strbuf path = {0};
    char **names = NULL;
    size_t nnames = 0, i;
    struct report_row *row;
    ofd_err re;
    enum ofd_code rc;

    memset(&f, 0, sizeof(f));
    f.now = now;
    f.stale_after = stale_after;
    if ((rc = ofd_list_dir(reports_dir, REPORT_MAX_FILES, &names, &nnames, e)) != OFD_OK)
        goto out;
    if (nnames && !(f.v = calloc(nnames, sizeof(*f.v)))) {
        rc = ofd_err_nomem(e);
        goto out;
    }
    for (i = 0; i < nnames; i++) {
        if (!ends_with(names[i], ".json"))
            continue; /* leftovers such as .tmp files of a write in progress */
        row = &f.v[f.n++];
        row->file = names[i];
        names[i] = NULL;
        sb_truncate(&path, 0);
        sb_printf(&path, "%s/%s", reports_dir, row->file);
        ofd_err_clear(&re);
        if (path.oom) {
            rc = ofd_err_nomem(e);
            goto out;
        }
        rc = report_read_file(sb_str(&path), &row->rep, &re);
        if (rc == OFD_E_NOMEM) {
            ofd_err_set(e, rc, "%s", re.msg);
            goto out;
        }
        if (rc == OFD_OK && (strlen(row->file) != strlen(row->rep.server) + 5
                             || ofd_strcasecmp(row->rep.server, "") == 0
                             || strncmp(row->file, row->rep.server, strlen(row->rep.server)) != 0)) {
            ofd_err_set(&re, OFD_E_INVALID, "the report is about '%s', not the file's server",
                        row->rep.server);
            report_free(&row->rep);
            rc = OFD_E_INVALID;
        }
        if (rc != OFD_OK) {
            row->status = REPORT_UNREADABLE;
            if (!(row->problem = ofd_strdup(re.msg))) {
                rc = ofd_err_nomem(e);
                goto out;
            }
        } else {
            row->status = report_classify(&row->rep, now, stale_after);
        }
        f.counts[row->status]++;
    }
    *out = f;
    memset(&f, 0, sizeof(f));
    rc = OFD_OK;
out:
    report_fleet_free(&f);
    ofd_names_free(names, nnames);
    sb_free(&path);
    return rc;
}

void report_fleet_free(struct report_fleet *f)
{
    size_t i;

    if (!f)
        return;
    for (i = 0; i < f->n; i++) {
        free(f->v[i].file);
        free(f->v[i].problem);
        report_free(&f->v[i].rep);
    }
    free(f->v);
    memset(f, 0, sizeof(*f));
}

static void format_age(long long s, char *buf, size_t n)
{
    if (s < 0)
        snprintf(buf, n, "future");
    else if (s < 120)
        snprintf(buf, n, "%llds", s);
    else if (s < 7200)
        snprintf(buf, n, "%lldm", s / 60);
    else if (s < 172800)
        snprintf(buf, n, "%lldh", s / 3600);
    else
        snprintf(buf, n, "%ud", (unsigned)(s / 86400 % 100000000)); /* at most 9 characters */
}

/* One line, control characters replaced: report text comes from the share. */
static void summary_of(const struct report_row *row, char *buf, size_t n)
{
    const struct report *r = &row->rep;
    char *p;

    switch (row->status) {
    case REPORT_UNREADABLE:
        snprintf(buf, n, "unreadable: %s", row->problem ? row->problem : "");
        break;
    case REPORT_SILENT:
        snprintf(buf, n, "no report for too long; last said %s", report_status_name(r->status));
        break;
    case REPORT_REFUSED:
        snprintf(buf, n, "manifest refused (%s): %s", r->refusal_reason ? r->refusal_reason : "?",
                 r->refusal_message ? r->refusal_message : "");
        break;
    case REPORT_FAILING:
        snprintf(buf, n, "%zu error%s%s%s", r->nerrors, r->nerrors == 1 ? "" : "s",
                 r->nerrors ? ", first: " : "", r->nerrors ? r->errors[0].message : "");
        break;
    case REPORT_DRIFTING:
        snprintf(buf, n, "%zu change%s found (%s)", r->drift, r->drift == 1 ? "" : "s",
                 r->monitor ? "monitor mode" : "not applied");
        break;
    case REPORT_PENDING_RESTART:
        snprintf(buf, n, "%zu applied; Front End restart waits for the maintenance window",
                 r->applied);
        break;
    default:
        snprintf(buf, n, "%zu applied, %s", r->applied, r->monitor ? "monitor" : "apply");
        break;
    }
    for (p = buf; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = ' ';
}

void report_fleet_print(const struct report_fleet *f, FILE *out)
{
    size_t i, total = 0;
    int s;
    char age[16], serial[24], summ[160], server[41], *p;
    const char *sep = "";

    fprintf(out, "%-40s %-15s %8s %7s  %s\n", "SERVER", "STATUS", "SERIAL", "AGE", "SUMMARY");
    for (i = 0; i < f->n; i++) {
        const struct report_row *row = &f->v[i];
        snprintf(server, sizeof(server), "%s",
                 row->status == REPORT_UNREADABLE ? row->file : row->rep.server);
        for (p = server; *p; p++)
            if ((unsigned char)*p < 0x20 || *p == 0x7f)
                *p = '?';
        if (row->status == REPORT_UNREADABLE) {
            snprintf(age, sizeof(age), "-");
            snprintf(serial, sizeof(serial), "-");
        } else {
            format_age(f->now - row->rep.time, age, sizeof(age));
            if (row->rep.serial)
                snprintf(serial, sizeof(serial), "%lld", row->rep.serial);
            else
                snprintf(serial, sizeof(serial), "-");
        }
        summary_of(row, summ, sizeof(summ));
        fprintf(out, "%-40s %-15s %8s %7s  %s\n", server, report_status_name(row->status), serial,
                age, summ);
    }
    for (s = 0; s < REPORT_NSTATUS; s++)
        total += f->counts[s];
    fprintf(out, "%zu server%s:", total, total == 1 ? "" : "s");
    for (s = 0; s < REPORT_NSTATUS; s++) {
        if (s == REPORT_UNREADABLE && !f->counts[s])
            continue;
        fprintf(out, "%s %zu %s", sep, f->counts[s], status_names[s]);
        sep = ",";
    }
    fprintf(out, " (silent: no report for %llds)\n", f->stale_after);
}

int report_fleet_exit(const struct report_fleet *f)
{
    if (f->n == 0 || f->counts[REPORT_FAILING] || f->counts[REPORT_REFUSED]
        || f->counts[REPORT_SILENT] || f->counts[REPORT_UNREADABLE])
        return 1;
    if (f->counts[REPORT_DRIFTING] || f->counts[REPORT_PENDING_RESTART])
        return 2;
    return 0;
}
