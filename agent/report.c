#include "report.h"

#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "fsutil.h"
#include "manifest.h"
#include "plan.h"
#include "probe.h"
#include "strbuf.h"
#include "version.h"

static const char *const status_names[REPORT_NSTATUS] = {"converged", "drifting", "pending_restart", "failing",
                                                         "refused",   "silent",   "future_dated",    "unreadable"};

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

    if (strlen(s) != 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[19] != 'Z'
        || digits(s, 4, &y) || digits(s + 5, 2, &mo) || digits(s + 8, 2, &d) || digits(s + 11, 2, &h)
        || digits(s + 14, 2, &mi) || digits(s + 17, 2, &se))
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

enum ofd_code report_init(struct report *r, const char *server, long long now, int monitor, ofd_err *e)
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

enum ofd_code report_add_change(struct report *r, const char *action, const char *cls, const char *key,
                                const char *rule, int applied, ofd_err *e)
{
    struct report_change *nv, *c;

    if (!(nv = realloc(r->changes, (r->nchanges + 1) * sizeof(*nv))))
        return ofd_err_nomem(e);
    r->changes = nv;
    c = &nv[r->nchanges];
    memset(c, 0, sizeof(*c));
    c->applied = applied;
    if (!(c->action = dup_or_empty(action)) || !(c->cls = dup_or_empty(cls)) || !(c->key = dup_or_empty(key))
        || !(c->rule = dup_or_empty(rule))) {
        free(c->action);
        free(c->cls);
        free(c->key);
        free(c->rule);
        return ofd_err_nomem(e);
    }
    r->nchanges++;
    return OFD_OK;
}

enum ofd_code report_add_error(struct report *r, const char *message, const char *rule, ofd_err *e)
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
        if ((rc = report_add_change(r, plan_action_name(c->action), c->cls, c->key, c->rule, applied, e)) != OFD_OK)
            return rc;
        n++;
    }
    r->planned = r->drift = n;
    r->applied = applied ? n : 0;
    return OFD_OK;
}

enum ofd_code report_set_refusal(struct report *r, const char *reason, const char *message, ofd_err *e)
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

enum ofd_code report_set_imp_checklist(struct report *r, const struct manifest *m, ofd_err *e)
{
    struct imp_checklist *c = malloc(sizeof(*c));
    enum ofd_code rc;

    if (!c)
        return ofd_err_nomem(e);
    if ((rc = imp_checklist_make(m, c, e)) != OFD_OK) {
        free(c);
        return rc;
    }
    imp_checklist_free(r->imp);
    free(r->imp);
    r->imp = c;
    return OFD_OK;
}

enum ofd_code report_add_vocab(struct report *r, const struct report_vocab *v, ofd_err *e)
{
    struct report_vocab *nv, *x;

    if (!(nv = realloc(r->vocab, (r->nvocab + 1) * sizeof(*nv))))
        return ofd_err_nomem(e);
    r->vocab = nv;
    x = &nv[r->nvocab];
    memset(x, 0, sizeof(*x));
    if (!(x->cls = dup_or_empty(v->cls)) || !(x->prop = dup_or_empty(v->prop)) || !(x->writes = dup_or_empty(v->writes))
        || !(x->chosen = dup_or_empty(v->chosen)) || !(x->verdict = dup_or_empty(v->verdict))
        || !(x->evidence = dup_or_empty(v->evidence))) {
        free(x->cls), free(x->prop), free(x->writes), free(x->chosen), free(x->verdict), free(x->evidence);
        return ofd_err_nomem(e);
    }
    r->nvocab++;
    return OFD_OK;
}

enum ofd_code report_add_vocabulary(struct report *r, const struct vocab *v, ofd_err *e)
{
    size_t i;
    enum ofd_code rc;

    for (i = 0; i < v->n; i++) {
        const struct vocab_entry *x = &v->v[i];
        struct report_vocab rv;

        rv.cls = (char *)x->cls;
        rv.prop = (char *)x->prop;
        rv.writes = x->writes;
        rv.chosen = x->chosen;
        rv.verdict = (char *)vocab_verdict_name(x->verdict);
        rv.evidence = x->evidence;
        if ((rc = report_add_vocab(r, &rv, e)) != OFD_OK)
            return rc;
    }
    return OFD_OK;
}

static void probe_free(struct report_probe *p)
{
    size_t i;

    if (!p)
        return;
    for (i = 0; i < p->n; i++) {
        struct report_probe_check *c = &p->v[i];
        free(c->node), free(c->check), free(c->result), free(c->rule), free(c->target), free(c->cause);
        free(c->message);
    }
    free(p->v);
    free(p->tls);
    free(p);
}

/* One check (copies its strings). OFD_OK or OFD_E_NOMEM. */
static enum ofd_code probe_add(struct report_probe *p, const char *node, const char *check, const char *result,
                               const char *rule, const char *target, const char *cause, const char *message, ofd_err *e)
{
    struct report_probe_check *nv, *c;

    if (!(nv = realloc(p->v, (p->n + 1) * sizeof(*nv))))
        return ofd_err_nomem(e);
    p->v = nv;
    c = &nv[p->n];
    memset(c, 0, sizeof(*c));
    if (!(c->node = dup_or_empty(node)) || !(c->check = dup_or_empty(check)) || !(c->result = dup_or_empty(result))
        || !(c->rule = dup_or_empty(rule)) || !(c->target = dup_or_empty(target)) || !(c->cause = dup_or_empty(cause))
        || !(c->message = dup_or_empty(message))) {
        free(c->node), free(c->check), free(c->result), free(c->rule), free(c->target), free(c->cause);
        free(c->message);
        return ofd_err_nomem(e);
    }
    p->n++;
    return OFD_OK;
}

enum ofd_code report_set_probe(struct report *r, const struct probe_result *pr, ofd_err *e)
{
    struct report_probe *p = calloc(1, sizeof(*p));
    size_t i;
    enum ofd_code rc = OFD_OK;

    if (!p || !(p->tls = ofd_strdup(pr->tls))) {
        probe_free(p);
        return ofd_err_nomem(e);
    }
    p->passed = probe_passed(pr);
    for (i = 0; i < pr->n && rc == OFD_OK; i++) {
        const struct probe_check *c = &pr->v[i];
        rc = probe_add(p, c->node, probe_step_name(c->step), probe_verdict_name(c->verdict), c->rule, c->target,
                       c->cause, c->text, e);
    }
    if (rc != OFD_OK) {
        probe_free(p);
        return rc;
    }
    probe_free(r->probe);
    r->probe = p;
    return OFD_OK;
}

void report_probe_failure_line(const struct report_probe_check *c, char *buf, size_t size)
{
    char *q;

    snprintf(buf, size, "probe: FAIL %s %s%s%s [%s] %s", c->check, c->node, strcmp(c->check, "dns") ? " " : "",
             strcmp(c->check, "dns") ? c->target : "", c->rule[0] ? c->rule : "-", c->cause);
    for (q = buf; *q; q++) /* report text comes from the share */
        if ((unsigned char)*q < 0x20 || *q == 0x7f)
            *q = ' ';
}

void report_print_probe_failures(const struct report *r, FILE *out)
{
    char line[1024];
    size_t i;

    for (i = 0; r->probe && i < r->probe->n; i++) {
        if (strcmp(r->probe->v[i].result, "fail") != 0)
            continue;
        report_probe_failure_line(&r->probe->v[i], line, sizeof(line));
        fprintf(out, "    %s\n", line);
    }
}

void report_free(struct report *r)
{
    size_t i;

    if (!r)
        return;
    for (i = 0; i < r->nvocab; i++) {
        free(r->vocab[i].cls), free(r->vocab[i].prop), free(r->vocab[i].writes);
        free(r->vocab[i].chosen), free(r->vocab[i].verdict), free(r->vocab[i].evidence);
    }
    free(r->vocab);
    probe_free(r->probe);
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
    imp_checklist_free(r->imp);
    free(r->imp);
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
        ok &=
            (r->sha256 ? cJSON_AddStringToObject(o, "sha256", r->sha256) : cJSON_AddNullToObject(o, "sha256")) != NULL;
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
    /* Within the reader's bounds: the first IMP_MAX_ITEMS items, strings cut. */
    if (r->imp) {
        o = imp_checklist_to_cjson(r->imp, IMP_MAX_ITEMS, REPORT_MAX_STRING);
        if (!o || !cJSON_AddItemToObject(root, "imp_checklist", o)) {
            cJSON_Delete(o);
            ok = 0;
        }
    }
    /* The vocabulary check's evidence (vocab.h), when there was a plan. */
    if (r->nvocab)
        ok &= (a = cJSON_AddArrayToObject(root, "vocabulary")) != NULL;
    for (i = 0; r->nvocab && a && i < r->nvocab; i++) {
        if (!(it = cJSON_CreateObject()) || !cJSON_AddItemToArray(a, it)) {
            cJSON_Delete(it);
            ok = 0;
            break;
        }
        ok &= cJSON_AddStringToObject(it, "class", r->vocab[i].cls) != NULL;
        ok &= cJSON_AddStringToObject(it, "property", r->vocab[i].prop) != NULL;
        ok &= cJSON_AddStringToObject(it, "writes", r->vocab[i].writes) != NULL;
        ok &= cJSON_AddStringToObject(it, "chosen", r->vocab[i].chosen) != NULL;
        ok &= cJSON_AddStringToObject(it, "verdict", r->vocab[i].verdict) != NULL;
        ok &= cJSON_AddStringToObject(it, "evidence", r->vocab[i].evidence) != NULL;
    }
    if (r->probe) {
        ok &= (o = cJSON_AddObjectToObject(root, "probe")) != NULL;
        if (o) {
            ok &= cJSON_AddBoolToObject(o, "passed", r->probe->passed) != NULL;
            ok &= cJSON_AddStringToObject(o, "tls", r->probe->tls ? r->probe->tls : "") != NULL;
            ok &= (a = cJSON_AddArrayToObject(o, "checks")) != NULL;
        }
        for (i = 0; o && a && i < r->probe->n; i++) {
            const struct report_probe_check *c = &r->probe->v[i];
            if (!(it = cJSON_CreateObject()) || !cJSON_AddItemToArray(a, it)) {
                cJSON_Delete(it);
                ok = 0;
                break;
            }
            ok &= cJSON_AddStringToObject(it, "node", c->node) != NULL;
            ok &= cJSON_AddStringToObject(it, "check", c->check) != NULL;
            ok &= cJSON_AddStringToObject(it, "result", c->result) != NULL;
            ok &= cJSON_AddStringToObject(it, "rule", c->rule) != NULL;
            ok &= cJSON_AddStringToObject(it, "target", c->target) != NULL;
            ok &= cJSON_AddStringToObject(it, "cause", c->cause) != NULL;
            ok &= cJSON_AddStringToObject(it, "message", c->message) != NULL;
        }
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
        rc = ofd_err_set(e, OFD_E_INVALID, "cannot name a report after '%s': %s", r->server ? r->server : "",
                         why ? why : "no server name");
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
