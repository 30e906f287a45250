/* Manifest v1: schema checks (types, ranges, formats, duplicates, unknown keys) and
 * the rules of the guide that a manifest alone can break. Each check reports at the
 * JSON pointer of the value concerned; see docs/manifest.md for the format. */
#include "manifest.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cs_inspect.h"
#include "jsonpos.h"
#include "ocs_model.h"
#include "strbuf.h"
#include "strmap.h"
#include "window.h"

struct mctx {
    const struct jsonpos *pos;
    struct diags *d;
    struct manifest *m;
    const struct ofd_reader *rd;
    unsigned flags;
    int oom;
    /* what parsed well enough for the cross-field rules */
    int transport_ok, edition_ok, nodes_ok, ports_ok;
};

/* The manifest has a place for the free text people put in comments. */
static const struct jsonpos_advice manifest_advice = {" (free text belongs in the top-level \"description\")"};

/* Locates ptr, or the closest parent that exists. */
static void locate(const struct mctx *mc, const char *ptr, int *line, int *col)
{
    char buf[1024];
    char *slash;

    *line = *col = 0;
    snprintf(buf, sizeof(buf), "%s", ptr);
    for (;;) {
        if (jsonpos_find(mc->pos, buf, line, col))
            return;
        if (!(slash = strrchr(buf, '/')))
            return;
        *slash = '\0';
    }
}

static void report(struct mctx *mc, enum diag_sev sev, const char *rule, const char *ptr, const char *fmt, ...)
    OFD_PRINTF(5, 6);

static void report(struct mctx *mc, enum diag_sev sev, const char *rule, const char *ptr, const char *fmt, ...)
{
    char msg[900];
    va_list ap;
    int line, col;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    locate(mc, ptr, &line, &col);
    diags_add(mc->d, sev, rule, line, col, ptr, "%s", msg);
}

#define ERR(mc, rule, ptr, ...) report(mc, DIAG_ERROR, rule, ptr, __VA_ARGS__)
#define WARN(mc, rule, ptr, ...) report(mc, DIAG_WARNING, rule, ptr, __VA_ARGS__)
#define NOTE(mc, rule, ptr, ...) report(mc, DIAG_NOTE, rule, ptr, __VA_ARGS__)

/* A child pointer: base + "/" + key, in a caller's buffer. */
static const char *child(char *buf, size_t len, const char *base, const char *key)
{
    struct strbuf sb = {0};

    sb_append(&sb, base);
    jsonpos_push(&sb, key);
    snprintf(buf, len, "%s", sb_str(&sb));
    sb_free(&sb);
    return buf;
}

static const char *elem(char *buf, size_t len, const char *base, size_t i)
{
    snprintf(buf, len, "%s/%zu", base, i);
    return buf;
}

static const char *jtype(const cJSON *j)
{
    if (cJSON_IsString(j))
        return "a string";
    if (cJSON_IsNumber(j))
        return "a number";
    if (cJSON_IsBool(j))
        return "a boolean";
    if (cJSON_IsNull(j))
        return "null";
    if (cJSON_IsArray(j))
        return "an array";
    if (cJSON_IsObject(j))
        return "an object";
    return "an invalid value";
}

static char *dup_lower(struct mctx *mc, const char *s)
{
    char *d = ofd_strdup(s);

    if (!d)
        mc->oom = 1;
    return ofd_strlower(d);
}

/* Reports every key of obj not in allowed (NULL-terminated), with a suggestion. */
static void check_keys(struct mctx *mc, const cJSON *obj, const char *ptr, const char *const *allowed)
{
    const cJSON *it;
    char p[1024];
    int line, col;

    cJSON_ArrayForEach(it, obj)
    {
        const char *best = NULL;
        int bestd = 100, k, found = 0;
        for (k = 0; allowed[k]; k++) {
            int dist;
            if (strcmp(it->string, allowed[k]) == 0) {
                found = 1;
                break;
            }
            dist = ofd_edit_distance(it->string, allowed[k]);
            if (dist < bestd) {
                bestd = dist;
                best = allowed[k];
            }
        }
        if (found)
            continue;
        child(p, sizeof(p), ptr, it->string);
        if (!jsonpos_find_key(mc->pos, p, &line, &col))
            locate(mc, p, &line, &col);
        /* close enough to be a typo: 2 edits in a name of 4 or more, or a third of it */
        if (best && ((bestd <= 2 && strlen(it->string) >= 4) || (size_t)bestd * 3 <= strlen(it->string)))
            diags_add(mc->d, DIAG_ERROR, "schema", line, col, p, "unknown key '%s'; did you mean '%s'?", it->string,
                      best);
        else
            diags_add(mc->d, DIAG_ERROR, "schema", line, col, p, "unknown key '%s'", it->string);
    }
}

static const cJSON *get(const cJSON *obj, const char *key)
{
    return cJSON_GetObjectItemCaseSensitive(obj, key);
}

/* Integer in [lo, hi]; returns 1 and sets *out, or reports and returns 0. */
static int want_int(struct mctx *mc, const cJSON *j, const char *ptr, const char *rule, double lo, double hi,
                    long long *out)
{
    double v;

    if (!cJSON_IsNumber(j)) {
        ERR(mc, "schema", ptr, "expected an integer, got %s", jtype(j));
        return 0;
    }
    v = j->valuedouble;
    /* Range first: converting an out-of-range double to an integer is undefined. */
    if (v == v && (v < lo || v > hi) && v > -1e300 && v < 1e300) {
        ERR(mc, rule, ptr, "%.0f is out of range (%.0f..%.0f)", v, lo, hi);
        return 0;
    }
    if (v != v || v < lo || v > hi || (double)(long long)v != v) {
        ERR(mc, "schema", ptr, "expected an integer, got %g", v);
        return 0;
    }
    *out = (long long)v;
    return 1;
}

static int want_string(struct mctx *mc, const cJSON *j, const char *ptr, const char **out)
{
    if (!cJSON_IsString(j)) {
        ERR(mc, "schema", ptr, "expected a string, got %s", jtype(j));
        return 0;
    }
    *out = j->valuestring;
    return 1;
}

static int want_object(struct mctx *mc, const cJSON *j, const char *ptr)
{
    if (!cJSON_IsObject(j)) {
        ERR(mc, "schema", ptr, "expected an object, got %s", jtype(j));
        return 0;
    }
    return 1;
}

static int want_array(struct mctx *mc, const cJSON *j, const char *ptr, int nonempty, const char *what)
{
    int n;

    if (!cJSON_IsArray(j)) {
        ERR(mc, "schema", ptr, "expected an array, got %s", jtype(j));
        return 0;
    }
    n = cJSON_GetArraySize(j);
    if (nonempty && n == 0) {
        ERR(mc, "schema", ptr, "%s must list at least one entry", what);
        return 0;
    }
    if ((unsigned)n > MANIFEST_MAX_LIST) {
        ERR(mc, "schema", ptr, "more than %u entries", MANIFEST_MAX_LIST);
        return 0;
    }
    return 1;
}

static void missing(struct mctx *mc, const char *ptr, const char *key, const char *rule)
{
    ERR(mc, rule, ptr, "missing required key '%s'", key);
}

/* ---- formats ---- */

int manifest_is_ipv4(const char *s, const char **why)
{
    int parts = 0;
    unsigned v[4] = {0, 0, 0, 0};
    const char *p = s;

    while (parts < 4) {
        int digits = 0;
        unsigned x = 0;
        const char *start = p;
        while (*p >= '0' && *p <= '9') {
            x = x * 10 + (unsigned)(*p - '0');
            if (++digits > 3)
                break;
            p++;
        }
        if (digits == 0 || digits > 3 || x > 255) {
            *why = "is not a dotted IPv4 address (four numbers 0-255)";
            return 0;
        }
        if (digits > 1 && *start == '0') {
            *why = "has a leading zero (ambiguous: octal or decimal?)";
            return 0;
        }
        v[parts++] = x;
        if (parts < 4) {
            if (*p != '.') {
                *why = "is not a dotted IPv4 address (four numbers 0-255)";
                return 0;
            }
            p++;
        }
    }
    if (*p) {
        *why = "is not a dotted IPv4 address (four numbers 0-255)";
        return 0;
    }
    if (v[0] == 0 && v[1] == 0 && v[2] == 0 && v[3] == 0) {
        *why = "is 0.0.0.0, which cannot be an IM&P node or an authorized host";
        return 0;
    }
    if (v[0] >= 224) {
        *why = "is a multicast or reserved address, which cannot be an IM&P node";
        return 0;
    }
    return 1;
}

int manifest_is_fqdn(const char *s, const char **why)
{
    size_t len = strlen(s), lab = 0, labels = 0, i;
    int alldigits_last = 1;

    if (len == 0) {
        *why = "is empty";
        return 0;
    }
    if (len > 253) {
        *why = "is longer than 253 characters";
        return 0;
    }
    for (i = 0; i <= len; i++) {
        char c = s[i];
        if (c == '.' || c == '\0') {
            if (lab == 0) {
                *why = "has an empty label (two dots, or a dot at an end)";
                return 0;
            }
            if (s[i - 1] == '-') {
                *why = "has a label ending with '-'";
                return 0;
            }
            labels++;
            if (c == '\0')
                break;
            lab = 0;
            alldigits_last = 1;
            continue;
        }
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-')) {
            *why = "has a character other than letters, digits, '-' and '.'";
            return 0;
        }
        if (lab == 0 && c == '-') {
            *why = "has a label starting with '-'";
            return 0;
        }
        if (!(c >= '0' && c <= '9'))
            alldigits_last = 0;
        if (++lab > 63) {
            *why = "has a label longer than 63 characters";
            return 0;
        }
    }
    if (alldigits_last) {
        *why = "looks like an IP address, not a name";
        return 0;
    }
    if (labels < 2) {
        *why = "is not fully qualified (needs a dot, e.g. host.example.com)";
        return 0;
    }
    return 1;
}

/* ---- parts ---- */

static char *fqdn_at(struct mctx *mc, const cJSON *j, const char *ptr, const char *rule, const char *what)
{
    const char *s, *why;

    if (!want_string(mc, j, ptr, &s))
        return NULL;
    if (!manifest_is_fqdn(s, &why)) {
        ERR(mc, rule, ptr, "%s '%s' %s", what, s, why);
        return NULL;
    }
    return dup_lower(mc, s);
}

/* For duplicate checks over long lists: the entry already under key (+ 1), or 0
 * after key was added as entry i. */
static size_t seen_before(struct mctx *mc, struct strmap *seen, const char *key, size_t i)
{
    size_t e = strmap_get(seen, key);

    if (!e && strmap_put(seen, key, i) < 0)
        mc->oom = 1;
    return e;
}

/* A list of domain names; duplicates reported. */
static void domain_list(struct mctx *mc, const cJSON *arr, const char *ptr, const char *rule, int nonempty,
                        const char *what, char ***out, size_t *nout)
{
    struct strmap seen = {0};
    const cJSON *it;
    char p[1024];
    size_t i = 0, prev;
    char **v;

    if (!want_array(mc, arr, ptr, nonempty, what))
        return;
    if (!(v = calloc((size_t)cJSON_GetArraySize(arr) + 1, sizeof(char *)))
        || strmap_init(&seen, (size_t)cJSON_GetArraySize(arr), 1) != 0) {
        free(v);
        mc->oom = 1;
        goto out;
    }
    *out = v;
    cJSON_ArrayForEach(it, arr)
    {
        char *dn;
        size_t me = i;
        elem(p, sizeof(p), ptr, i++);
        if (!(dn = fqdn_at(mc, it, p, rule, "domain")))
            continue;
        if ((prev = seen_before(mc, &seen, dn, me)) != 0) {
            ERR(mc, rule, p, "duplicate domain '%s' (also %s/%zu)%s", dn, ptr, prev - 1,
                strcmp(rule, "R4") == 0 ? ": one static route per domain, and two routes "
                                          "may not share a MatchURI"
                                        : "");
            free(dn);
            continue;
        }
        v[(*nout)++] = dn;
    }
out:
    strmap_free(&seen);
}

/* The strings v[0..n) as a set (case-insensitive) for membership tests; caller frees. */
static int set_of(struct strmap *s, char **v, size_t n)
{
    size_t i;

    if (strmap_init(s, n, 1) != 0)
        return -1;
    for (i = 0; i < n; i++)
        if (strmap_put(s, v[i], i) < 0)
            return -1;
    return 0;
}

static void parse_nodes(struct mctx *mc, const cJSON *arr, const char *ptr)
{
    static const char *const keys[] = {"fqdn", "ip", NULL};
    struct manifest *m = mc->m;
    struct strmap names = {0}, ips = {0};
    const cJSON *it;
    char p[1024], q[1024];
    size_t i = 0;
    int ok = 1;

    if (!want_array(mc, arr, ptr, 1, "imp.nodes"))
        return;
    if (!(m->nodes = calloc((size_t)cJSON_GetArraySize(arr), sizeof(*m->nodes)))
        || strmap_init(&names, (size_t)cJSON_GetArraySize(arr), 1) != 0
        || strmap_init(&ips, (size_t)cJSON_GetArraySize(arr), 1) != 0) {
        mc->oom = 1;
        goto out;
    }
    cJSON_ArrayForEach(it, arr)
    {
        const cJSON *f, *ip;
        char *fq = NULL, *addr = NULL;
        const char *s, *why;
        size_t prev, me = i;

        elem(p, sizeof(p), ptr, i++);
        if (!want_object(mc, it, p)) {
            ok = 0;
            continue;
        }
        check_keys(mc, it, p, keys);
        if (!(f = get(it, "fqdn")))
            missing(mc, p, "fqdn", "schema");
        else
            fq = fqdn_at(mc, f, child(q, sizeof(q), p, "fqdn"), "R10", "IM&P node FQDN");
        if (!(ip = get(it, "ip"))) {
            missing(mc, p, "ip", "schema");
        } else if (want_string(mc, ip, child(q, sizeof(q), p, "ip"), &s)) {
            if (!manifest_is_ipv4(s, &why))
                ERR(mc, "R9", q, "IM&P node address '%s' %s", s, why);
            else if (!(addr = ofd_strdup(s)))
                mc->oom = 1;
        }
        if (!fq || !addr) {
            ok = 0;
            free(fq);
            free(addr);
            continue;
        }
        if ((prev = seen_before(mc, &names, fq, me)) != 0) {
            ERR(mc, "R10", child(q, sizeof(q), p, "fqdn"), "duplicate IM&P node '%s' (also /imp/nodes/%zu)", fq,
                prev - 1);
            ok = 0;
        }
        if ((prev = seen_before(mc, &ips, addr, me)) != 0) {
            ERR(mc, "R9", child(q, sizeof(q), p, "ip"), "duplicate IM&P node address '%s' (also /imp/nodes/%zu)", addr,
                prev - 1);
            ok = 0;
        }
        m->nodes[m->nnodes].fqdn = fq;
        m->nodes[m->nnodes].ip = addr;
        m->nnodes++;
    }
    mc->nodes_ok = ok && m->nnodes > 0;
out:
    strmap_free(&names);
    strmap_free(&ips);
}

static void port_at(struct mctx *mc, const cJSON *parent, const char *base, const char *key, const char *rule,
                    unsigned *out, int *ok)
{
    const cJSON *j = get(parent, key);
    long long v;
    char p[256];

    if (!j)
        return;
    if (want_int(mc, j, child(p, sizeof(p), base, key), rule, 1, 65535, &v))
        *out = (unsigned)v;
    else
        *ok = 0;
}

static void parse_imp(struct mctx *mc, const cJSON *imp)
{
    static const char *const keys[] = {"transport", "peer_auth_port", "server_auth_port", "route_port",
                                       "domains",   "nodes",          "route_next_hop",   NULL};
    struct manifest *m = mc->m;
    const cJSON *j;
    const char *s, *why;
    int ports_ok = 1;
    size_t i;

    if (!want_object(mc, imp, "/imp"))
        return;
    check_keys(mc, imp, "/imp", keys);
    if (!(j = get(imp, "transport"))) {
        missing(mc, "/imp", "transport", "schema");
    } else if (want_string(mc, j, "/imp/transport", &s)) {
        if (strcmp(s, "tls") == 0)
            m->transport = MANIFEST_TLS;
        else if (strcmp(s, "tcp") == 0)
            m->transport = MANIFEST_TCP;
        else
            ERR(mc, "schema", "/imp/transport", "'%s' is not a transport: use \"tls\" or \"tcp\"%s", s,
                ofd_strcasecmp(s, "mtls") == 0 ? " (MTLS is what OCS's listener uses, R3)" : "");
        mc->transport_ok = strcmp(s, "tls") == 0 || strcmp(s, "tcp") == 0;
    }
    m->peer_auth_port = 5061;
    port_at(mc, imp, "/imp", "peer_auth_port", "R8", &m->peer_auth_port, &ports_ok);
    port_at(mc, imp, "/imp", "server_auth_port", "R8", &m->server_auth_port, &ports_ok);
    m->route_port = 0;
    port_at(mc, imp, "/imp", "route_port", m->transport == MANIFEST_TCP ? "R5" : "R6", &m->route_port, &ports_ok);
    mc->ports_ok = ports_ok;

    if (!(j = get(imp, "domains")))
        missing(mc, "/imp", "domains", "R4");
    else
        domain_list(mc, j, "/imp/domains", "R4", 1, "imp.domains", &m->domains, &m->ndomains);

    if (!(j = get(imp, "nodes")))
        missing(mc, "/imp", "nodes", "R4");
    else
        parse_nodes(mc, j, "/imp/nodes");

    m->next_hop = 0;
    if ((j = get(imp, "route_next_hop")) && want_string(mc, j, "/imp/route_next_hop", &s) && mc->nodes_ok) {
        int is_ip = manifest_is_ipv4(s, &why);
        for (i = 0; i < m->nnodes; i++) {
            if (ofd_strcasecmp(m->nodes[i].fqdn, s) == 0 || (is_ip && strcmp(m->nodes[i].ip, s) == 0))
                break;
        }
        if (is_ip && mc->transport_ok && m->transport == MANIFEST_TLS)
            ERR(mc, "R6", "/imp/route_next_hop",
                "a TLS static route must point at the IM&P node's FQDN, never an IP "
                "address ('%s')%s%s",
                s, i < m->nnodes ? "; use " : "", i < m->nnodes ? m->nodes[i].fqdn : "");
        else if (i == m->nnodes)
            ERR(mc, "R4", "/imp/route_next_hop", "'%s' is not one of the IM&P nodes in /imp/nodes", s);
        else
            m->next_hop = i;
    }
}

/* Rules of the guide that tie imp fields together (R5, R6, R8). */
static void imp_rules(struct mctx *mc)
{
    struct manifest *m = mc->m;

    if (!mc->transport_ok || !mc->ports_ok)
        return;
    /* R8 is about IM&P's TLS listeners, which a TCP federation does not use: with TCP
     * their ports are not checked (a manifest switched from TLS may keep them). */
    if (m->transport == MANIFEST_TLS && m->peer_auth_port != 5061)
        WARN(mc, "R8", "/imp/peer_auth_port",
             "the guide puts the IM&P peer-authentication "
             "listener on 5061, not %u",
             m->peer_auth_port);
    if (m->transport == MANIFEST_TLS && m->server_auth_port && m->server_auth_port == m->peer_auth_port)
        ERR(mc, "R8", "/imp/server_auth_port",
            "the IM&P server-authentication listener must not use the peer-authentication "
            "port %u: move it (e.g. to 5063)",
            m->peer_auth_port);
    if (m->transport == MANIFEST_TLS) {
        if (!m->route_port)
            m->route_port = m->peer_auth_port;
        else if (m->route_port != m->peer_auth_port)
            ERR(mc, "R6", "/imp/route_port",
                "the TLS static route port %u must equal the IM&P peer-authentication "
                "listener port %u",
                m->route_port, m->peer_auth_port);
        if (!m->server_auth_port)
            WARN(mc, "R8", "/imp",
                 "server_auth_port not given: make sure the IM&P "
                 "server-authentication listener is not on %u (e.g. 5063)",
                 m->peer_auth_port);
    } else {
        if (!m->route_port)
            m->route_port = ocs_lit.tcp_port;
        else if (m->route_port != ocs_lit.tcp_port)
            ERR(mc, "R5", "/imp/route_port", "a TCP static route uses next hop port %u, not %u", ocs_lit.tcp_port,
                m->route_port);
    }
}

static int server_cert_at(struct mctx *mc, const cJSON *j, const char *ptr, const char *rule,
                          struct manifest_server_cert *out);

static void parse_servers(struct mctx *mc, const cJSON *arr, const char *ptr)
{
    static const char *const keys[] = {"fqdn", "certificate", NULL};
    struct manifest *m = mc->m;
    struct strmap seen = {0};
    const cJSON *it;
    char p[1024], q[1024];
    size_t i = 0;

    if (!want_array(mc, arr, ptr, 1, "ocs.servers"))
        return;
    if (!(m->servers = calloc((size_t)cJSON_GetArraySize(arr), sizeof(*m->servers)))
        || strmap_init(&seen, (size_t)cJSON_GetArraySize(arr), 1) != 0) {
        mc->oom = 1;
        goto out;
    }
    cJSON_ArrayForEach(it, arr)
    {
        struct manifest_server *sv = &m->servers[m->nservers];
        const cJSON *f = it, *c = NULL;
        const char *fp;
        size_t prev, me = i;

        elem(p, sizeof(p), ptr, i++);
        fp = p;
        if (cJSON_IsObject(it)) {
            check_keys(mc, it, p, keys);
            if (!(f = get(it, "fqdn"))) {
                missing(mc, p, "fqdn", "schema");
                continue;
            }
            fp = child(q, sizeof(q), p, "fqdn");
            c = get(it, "certificate");
        } else if (!cJSON_IsString(it)) {
            ERR(mc, "schema", p,
                "expected a server FQDN or an object {\"fqdn\", "
                "\"certificate\"}, got %s",
                jtype(it));
            continue;
        }
        if (!(sv->fqdn = fqdn_at(mc, f, fp, "schema", "OCS server FQDN")))
            continue;
        if ((prev = seen_before(mc, &seen, sv->fqdn, me)) != 0) {
            ERR(mc, "schema", fp, "duplicate OCS server '%s' (also /ocs/servers/%zu)", sv->fqdn, prev - 1);
            free(sv->fqdn);
            sv->fqdn = NULL;
            continue;
        }
        m->nservers++;
        if (c)
            server_cert_at(mc, c, child(q, sizeof(q), p, "certificate"), "R15", &sv->cert);
    }
out:
    strmap_free(&seen);
}

static void parse_ocs(struct mctx *mc, const cJSON *ocs)
{
    static const char *const keys[] = {"edition", "pool_fqdn", "servers", "sip_domains", NULL};
    struct manifest *m = mc->m;
    const cJSON *j;
    const char *s;
    size_t i, k;

    if (!want_object(mc, ocs, "/ocs"))
        return;
    check_keys(mc, ocs, "/ocs", keys);
    if (!(j = get(ocs, "edition"))) {
        missing(mc, "/ocs", "edition", "schema");
    } else if (want_string(mc, j, "/ocs/edition", &s)) {
        if (strcmp(s, "standard") == 0)
            m->edition = MANIFEST_STANDARD;
        else if (strcmp(s, "enterprise") == 0)
            m->edition = MANIFEST_ENTERPRISE;
        else
            ERR(mc, "schema", "/ocs/edition",
                "'%s' is not an edition: use \"standard\" or "
                "\"enterprise\"",
                s);
        mc->edition_ok = strcmp(s, "standard") == 0 || strcmp(s, "enterprise") == 0;
    }
    j = get(ocs, "pool_fqdn");
    if (mc->edition_ok && m->edition == MANIFEST_ENTERPRISE) {
        if (!j)
            ERR(mc, "R15", "/ocs",
                "an Enterprise Edition manifest needs 'pool_fqdn' (the "
                "front ends' certificate carries the pool's FQDN)");
        else
            m->pool_fqdn = fqdn_at(mc, j, "/ocs/pool_fqdn", "R15", "pool FQDN");
    } else if (mc->edition_ok && j) {
        ERR(mc, "schema", "/ocs/pool_fqdn",
            "'pool_fqdn' applies to Enterprise Edition only: "
            "each Standard Edition server is its own pool");
    }
    if (!(j = get(ocs, "servers")))
        missing(mc, "/ocs", "servers", "schema");
    else
        parse_servers(mc, j, "/ocs/servers");
    if (m->pool_fqdn) {
        for (i = 0; i < m->nservers; i++)
            if (strcmp(m->servers[i].fqdn, m->pool_fqdn) == 0)
                WARN(mc, "R15", "/ocs/pool_fqdn",
                     "the pool FQDN '%s' is also listed as a "
                     "front-end server",
                     m->pool_fqdn);
    }
    if ((j = get(ocs, "sip_domains"))) {
        domain_list(mc, j, "/ocs/sip_domains", "R1", 0, "ocs.sip_domains", &m->sip_domains, &m->nsip_domains);
        /* R1: the IM&P and OCS domains must match. */
        struct strmap imp = {0}, sip = {0};
        if (set_of(&imp, m->domains, m->ndomains) != 0 || set_of(&sip, m->sip_domains, m->nsip_domains) != 0) {
            mc->oom = 1;
            strmap_free(&imp);
            strmap_free(&sip);
            return;
        }
        for (i = 0; i < m->ndomains; i++) {
            if (!strmap_get(&sip, m->domains[i])) {
                char p[64];
                WARN(mc, "R1", elem(p, sizeof(p), "/imp/domains", i),
                     "IM&P domain '%s' is "
                     "not among the OCS SIP domains (/ocs/sip_domains)",
                     m->domains[i]);
            }
        }
        for (k = 0; k < m->nsip_domains; k++) {
            if (!strmap_get(&imp, m->sip_domains[k])) {
                char p[64];
                WARN(mc, "R1", elem(p, sizeof(p), "/ocs/sip_domains", k),
                     "OCS SIP domain "
                     "'%s' is not among the IM&P domains (/imp/domains)",
                     m->sip_domains[k]);
            }
        }
        strmap_free(&imp);
        strmap_free(&sip);
    }
}

/* ---- certificates ---- */

/* A path holding a control character, which JSON's valid escapes \b \f \n \r \t make
 * of a Windows path written with single backslashes ("certs\root.pem" holds a carriage
 * return): say so, with the path as it was meant. */
static void path_escape_error(struct mctx *mc, const char *rel, const char *bad, const char *ptr, const char *rule)
{
    static const char ctl[] = "\b\f\n\r\t", letter[] = "bfnrt";
    static const char *const name[] = {"a backspace", "a form feed", "a newline", "a carriage return", "a tab"};
    struct strbuf slash = {0}, twice = {0};
    const char *p, *k;

    for (p = rel; *p; p++) {
        if ((k = strchr(ctl, *p))) {
            sb_appendc(&slash, '/');
            sb_appendc(&slash, letter[k - ctl]);
            sb_append(&twice, "\\\\");
            sb_appendc(&twice, letter[k - ctl]);
        } else {
            sb_appendc(&slash, *p);
            sb_appendc(&twice, *p);
        }
    }
    if (slash.oom || twice.oom)
        mc->oom = 1;
    else if ((k = strchr(ctl, *bad)))
        ERR(mc, rule, ptr,
            "'%s' holds a control character: '\\%c' in JSON is %s (a single backslash starts an escape); write the "
            "path with '/' (\"%s\") or double each backslash (\"%s\")",
            rel, letter[k - ctl], name[k - ctl], sb_str(&slash), sb_str(&twice));
    else
        ERR(mc, rule, ptr, "'%s' holds a control character, which no file name has", rel);
    sb_free(&slash);
    sb_free(&twice);
}

/* Joins base and rel, or reports why rel is not acceptable. Paths must be relative to
 * the manifest's directory and stay inside it. */
static char *resolve(struct mctx *mc, const char *rel, const char *ptr, const char *rule)
{
    struct strbuf sb = {0};
    const char *p, *seg;
    char *out;

    if (!rel[0]) {
        ERR(mc, rule, ptr, "empty path");
        return NULL;
    }
    for (p = rel; *p && (unsigned char)*p >= 0x20; p++)
        ;
    if (*p) {
        path_escape_error(mc, rel, p, ptr, rule);
        return NULL;
    }
    if (rel[0] == '/' || rel[0] == '\\' || (((rel[0] | 0x20) >= 'a' && (rel[0] | 0x20) <= 'z') && rel[1] == ':')) {
        ERR(mc, rule, ptr,
            "'%s' is absolute: give a path relative to the manifest's "
            "directory",
            rel);
        return NULL;
    }
    for (seg = p = rel;; p++) {
        if (*p == '/' || *p == '\\' || *p == '\0') {
            if (p - seg == 2 && seg[0] == '.' && seg[1] == '.') {
                ERR(mc, rule, ptr,
                    "'%s' leaves the manifest's directory ('..' is not "
                    "allowed)",
                    rel);
                return NULL;
            }
            if (!*p)
                break;
            seg = p + 1;
        }
    }
    sb_append(&sb, mc->m->base_dir);
    sb_appendc(&sb, '/');
    for (p = rel; *p; p++)
        sb_appendc(&sb, *p == '\\' ? '/' : *p);
    if (!(out = sb_take(&sb)))
        mc->oom = 1;
    return out;
}

/* An error about a file the manifest names: counted apart, so that the agent can tell
 * a file swapped on the share from a manifest written wrong. */
#define FILE_ERR(mc, rule, ptr, ...)     \
    do {                                 \
        ERR(mc, rule, ptr, __VA_ARGS__); \
        (mc)->d->nfile_errors++;         \
    } while (0)

/* Reads f once, checks the bytes against its pin, and keeps them (nothing is read a
 * second time: what is parsed or imported later is what was checked here). name_ptr:
 * where the file is named, for a file that cannot be read; ptr: the reference, whose
 * "sha256" a mismatch is reported at. */
static int read_pinned(struct mctx *mc, struct manifest_file *f, const char *ptr, const char *name_ptr,
                       const char *rule)
{
    unsigned char got[MANIFEST_SHA256_LEN];
    char want_hex[2 * MANIFEST_SHA256_LEN + 1], got_hex[2 * MANIFEST_SHA256_LEN + 1], p[1024];
    char *data = NULL;
    size_t len = 0;
    enum ofd_code rc;
    ofd_err e;

    if (mc->flags & MANIFEST_NO_FILES)
        return 1;
    ofd_err_clear(&e);
    if ((rc = ofd_reader_read(mc->rd, f->path, CS_FILE_MAX_BYTES, &data, &len, &e)) != OFD_OK) {
        if (rc == OFD_E_NOMEM)
            mc->oom = 1;
        else if (rc == OFD_E_NOTFOUND)
            FILE_ERR(mc, rule, name_ptr, "cannot open '%s': there is no such file beside the manifest", f->file);
        else if (rc == OFD_E_INVALID)
            FILE_ERR(mc, rule, name_ptr, "'%s' is larger than %u bytes: not a certificate file", f->file,
                     CS_FILE_MAX_BYTES);
        else
            FILE_ERR(mc, rule, name_ptr, "%s", e.msg);
        return 0;
    }
    if (cs_sha256(data, len, got, NULL) != OFD_OK) {
        free(data);
        mc->oom = 1;
        return 0;
    }
    if (memcmp(got, f->sha256, sizeof(got)) != 0) {
        cs_sha256_hex(f->sha256, want_hex);
        cs_sha256_hex(got, got_hex);
        FILE_ERR(mc, rule, child(p, sizeof(p), ptr, "sha256"),
                 "'%s' does not match its pin: its SHA-256 is %s, the "
                 "manifest pins %s (changed after the manifest was written; if that change is meant, run 'ocsfed "
                 "pin' and sign again)",
                 f->file, got_hex, want_hex);
        free(data);
        return 0;
    }
    f->data = (unsigned char *)data;
    f->len = len;
    return 1;
}

/* The pin of a file reference: 64 hex digits. */
static int want_pin(struct mctx *mc, const cJSON *j, const char *ptr, const char *rule,
                    unsigned char out[MANIFEST_SHA256_LEN])
{
    const char *s;

    if (!want_string(mc, j, ptr, &s))
        return 0;
    if (cs_sha256_parse(s, out) != 0) {
        ERR(mc, rule, ptr, "'%s' is not a SHA-256 (64 hexadecimal digits)", s);
        return 0;
    }
    return 1;
}

/* {name_key: path, "sha256": pin} at ptr (keys already checked by the caller): the
 * path resolved, the pin parsed, then the file read and checked. */
static int file_ref(struct mctx *mc, const cJSON *j, const char *ptr, const char *name_key, const char *rule,
                    struct manifest_file *f)
{
    const cJSON *name = get(j, name_key), *pin = get(j, "sha256");
    const char *s;
    char p[1024], np[1024];
    int ok;

    child(p, sizeof(p), ptr, name_key);
    child(np, sizeof(np), ptr, name_key);
    if (!name) {
        missing(mc, ptr, name_key, rule);
        return 0;
    }
    if (!want_string(mc, name, p, &s) || !(f->path = resolve(mc, s, p, rule)))
        return 0;
    if (!(f->file = ofd_strdup(s))) {
        mc->oom = 1;
        return 0;
    }
    if (!pin) {
        ERR(mc, rule, ptr,
            "missing required key 'sha256': the SHA-256 of '%s', which pins the file to the signed "
            "manifest ('ocsfed pin' fills it in)",
            s);
        return 0;
    }
    ok = want_pin(mc, pin, child(p, sizeof(p), ptr, "sha256"), rule, f->sha256);
    return ok && read_pinned(mc, f, ptr, np, rule);
}

static void file_free(struct manifest_file *f)
{
    free(f->file);
    free(f->path);
    free(f->data);
    memset(f, 0, sizeof(*f));
}

static void cacert_list(struct mctx *mc, const cJSON *arr, const char *ptr, int roots, struct manifest_cacert **out,
                        size_t *nout)
{
    static const char *const keys[] = {"file", "sha256", NULL};
    const cJSON *it;
    char p[1024];
    size_t i = 0, k;
    struct manifest_cacert *v;

    if (!want_array(mc, arr, ptr, 0, ptr))
        return;
    if (!(v = calloc((size_t)cJSON_GetArraySize(arr) + 1, sizeof(*v)))) {
        mc->oom = 1;
        return;
    }
    *out = v;
    cJSON_ArrayForEach(it, arr)
    {
        struct manifest_cacert *c = &v[*nout];
        struct cs_cert_info ci;
        ofd_err e;

        elem(p, sizeof(p), ptr, i++);
        if (cJSON_IsString(it)) {
            ERR(mc, "R13", p,
                "'%s' is not pinned: write {\"file\": \"%s\", \"sha256\": \"<its SHA-256>\"} ('ocsfed "
                "pin' fills it in), so that a file changed on the share is refused",
                it->valuestring, it->valuestring);
            continue;
        }
        if (!want_object(mc, it, p))
            continue;
        check_keys(mc, it, p, keys);
        if (!file_ref(mc, it, p, "file", "R13", &c->f)) {
            file_free(&c->f);
            continue;
        }
        (*nout)++;
        if (!c->f.data)
            continue;
        ofd_err_clear(&e);
        if (cs_cert_from_buffer(c->f.data, c->f.len, c->f.file, &c->der, &c->der_len, &e) != OFD_OK) {
            ERR(mc, "R13", p, "%s", e.msg);
            continue;
        }
        if (cs_inspect_der(c->der, c->der_len, &ci, &e) != OFD_OK) {
            ERR(mc, "R13", p, "'%s': %s", c->f.file, e.msg);
            continue;
        }
        memcpy(c->tp, ci.tp, sizeof(c->tp));
        snprintf(c->subject, sizeof(c->subject), "%s", ci.subject);
        if (roots && !ci.self_signed)
            WARN(mc, "R13", p,
                 "'%s' (%s) is not self-signed: is it the root CA's "
                 "certificate? Put intermediates in /certificates/intermediates",
                 c->f.file, ci.subject);
        else if (!roots && !ci.is_ca)
            WARN(mc, "R13", p, "'%s' (%s) is not a CA certificate", c->f.file, ci.subject);
        for (k = 0; k + 1 < *nout; k++) {
            if (v[k].der && memcmp(v[k].tp, c->tp, sizeof(c->tp)) == 0) {
                ERR(mc, "R13", p, "duplicate certificate: '%s' is the same as '%s'", c->f.file, v[k].f.file);
                break;
            }
        }
        cs_cert_info_free(&ci);
    }
}

/* A server certificate at ptr: the pool's (/certificates/server, R16) or one server's
 * own (/ocs/servers/N/certificate, R15); rule is the one a warning about it cites. */
static int server_cert_at(struct mctx *mc, const cJSON *j, const char *ptr, const char *rule,
                          struct manifest_server_cert *out)
{
    static const char *const keys[] = {"pfx", "sha256", "thumbprint", NULL};
    const cJSON *pfx, *tp;
    const char *s;
    char p[1024], removed[256], hex[2 * CS_SHA1_LEN + 1];
    ofd_err e;

    if (!want_object(mc, j, ptr))
        return 0;
    check_keys(mc, j, ptr, keys);
    pfx = get(j, "pfx");
    tp = get(j, "thumbprint");
    if (pfx && tp) {
        ERR(mc, "R16", ptr, "give either 'pfx' or 'thumbprint', not both");
        return 0;
    }
    if (!pfx && !tp) {
        ERR(mc, "R16", ptr,
            "give 'pfx' (a PKCS#12 file to import into My) or 'thumbprint' "
            "(a certificate already installed); omit the object to let the agent pick one");
        return 0;
    }
    if (pfx) {
        if (!file_ref(mc, j, ptr, "pfx", "R16", &out->pfx)) {
            file_free(&out->pfx);
            return 0;
        }
        out->kind = MANIFEST_CERT_PFX;
        return 1;
    }
    if (get(j, "sha256"))
        ERR(mc, "R16", child(p, sizeof(p), ptr, "sha256"),
            "'sha256' pins a 'pfx' file; a 'thumbprint' names an "
            "installed certificate and needs none");
    child(p, sizeof(p), ptr, "thumbprint");
    if (!want_string(mc, tp, p, &s))
        return 0;
    ofd_err_clear(&e);
    if (cs_thumbprint_parse_ex(s, out->tp, removed, sizeof(removed), &e) != OFD_OK) {
        ERR(mc, "R17", p, "%s", e.msg);
        return 0;
    }
    /* Accepted (the signed bytes stay as they are; only the value read is clean), and
     * said: what cannot be seen in the file should not go unnoticed. */
    if (removed[0]) {
        cs_thumbprint_hex(out->tp, hex);
        WARN(mc, rule, p,
             "removed %s from the thumbprint (invisible, as a copy from the certificate dialog brings along): it "
             "reads %s; type it again to silence this warning",
             removed, hex);
    }
    out->kind = MANIFEST_CERT_THUMBPRINT;
    return 1;
}

static void parse_certificates(struct mctx *mc, const cJSON *c)
{
    static const char *const keys[] = {"trusted_roots", "intermediates", "server", NULL};
    struct manifest *m = mc->m;
    const cJSON *j;
    size_t i;

    if (!want_object(mc, c, "/certificates"))
        return;
    check_keys(mc, c, "/certificates", keys);
    if ((j = get(c, "trusted_roots")))
        cacert_list(mc, j, "/certificates/trusted_roots", 1, &m->roots, &m->nroots);
    if ((j = get(c, "intermediates")))
        cacert_list(mc, j, "/certificates/intermediates", 0, &m->intermediates, &m->nintermediates);
    if ((j = get(c, "server")) && server_cert_at(mc, j, "/certificates/server", "R16", &m->server_cert)
        && mc->edition_ok && m->edition == MANIFEST_STANDARD) {
        size_t auto_servers = 0;
        for (i = 0; i < m->nservers; i++)
            auto_servers += m->servers[i].cert.kind == MANIFEST_CERT_AUTO;
        if (auto_servers > 1)
            ERR(mc, "R15", "/certificates/server",
                "one certificate cannot carry the subject "
                "of %zu Standard Edition servers (CN is each server's FQDN): give each its "
                "own in /ocs/servers/N/certificate, or omit this to let the agent pick",
                auto_servers);
    }
}

static const char *const day_names[7] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

static int hhmm(const char *s, int *min)
{
    if (strlen(s) != 5 || s[2] != ':' || s[0] < '0' || s[0] > '2' || s[1] < '0' || s[1] > '9' || s[3] < '0'
        || s[3] > '5' || s[4] < '0' || s[4] > '9')
        return 0;
    *min = ((s[0] - '0') * 10 + (s[1] - '0')) * 60 + (s[3] - '0') * 10 + (s[4] - '0');
    return *min < 24 * 60;
}

static void parse_window(struct mctx *mc, const cJSON *w)
{
    static const char *const keys[] = {"days", "start", "end", "timezone", NULL};
    struct manifest_window *mw = &mc->m->window;
    const cJSON *j, *it;
    const char *s;
    char p[64];
    size_t i = 0;
    int k, ok = 1;

    if (!want_object(mc, w, "/maintenance_window"))
        return;
    check_keys(mc, w, "/maintenance_window", keys);
    if (!(j = get(w, "days"))) {
        missing(mc, "/maintenance_window", "days", "R19");
        ok = 0;
    } else if (want_array(mc, j, "/maintenance_window/days", 1, "maintenance_window.days")) {
        cJSON_ArrayForEach(it, j)
        {
            elem(p, sizeof(p), "/maintenance_window/days", i++);
            if (!want_string(mc, it, p, &s)) {
                ok = 0;
                continue;
            }
            for (k = 0; k < 7 && strcmp(s, day_names[k]); k++)
                ;
            if (k == 7) {
                ERR(mc, "R19", p, "'%s' is not a day: use mon, tue, wed, thu, fri, sat, sun", s);
                ok = 0;
            } else if (mw->days & (1u << k)) {
                ERR(mc, "R19", p, "duplicate day '%s'", s);
                ok = 0;
            } else {
                mw->days |= 1u << k;
            }
        }
    } else {
        ok = 0;
    }
    if (!(j = get(w, "start"))) {
        missing(mc, "/maintenance_window", "start", "R19");
        ok = 0;
    } else if (want_string(mc, j, "/maintenance_window/start", &s) && !hhmm(s, &mw->start_min)) {
        ERR(mc, "R19", "/maintenance_window/start", "'%s' is not a time HH:MM (00:00-23:59)", s);
        ok = 0;
    }
    if (!(j = get(w, "end"))) {
        missing(mc, "/maintenance_window", "end", "R19");
        ok = 0;
    } else if (want_string(mc, j, "/maintenance_window/end", &s) && !hhmm(s, &mw->end_min)) {
        ERR(mc, "R19", "/maintenance_window/end", "'%s' is not a time HH:MM (00:00-23:59)", s);
        ok = 0;
    }
    if ((j = get(w, "timezone")) && want_string(mc, j, "/maintenance_window/timezone", &s)) {
        if (strcmp(s, "utc") == 0)
            mw->utc = 1;
        else if (strcmp(s, "local") != 0)
            ERR(mc, "R19", "/maintenance_window/timezone",
                "'%s' is not a time zone: use "
                "\"local\" (the server's) or \"utc\"",
                s);
    }
    if (ok && mw->start_min == mw->end_min)
        ERR(mc, "R19", "/maintenance_window/end", "the window is empty (start equals end)");
    mw->present = ok;
}

/* ---- the document ---- */

/* Reports every member name or string value of j longer than MANIFEST_MAX_STRING (an
 * over-long name at its object) and returns how many. Nesting is bounded by the
 * scanner (JSONPOS_MAX_DEPTH), so the recursion is too. */
static size_t long_strings(struct mctx *mc, const cJSON *j, struct strbuf *ptr)
{
    const cJSON *it;
    size_t n = 0, base = ptr->len, i = 0, len;

    if (cJSON_IsString(j) && (len = strlen(j->valuestring)) > MANIFEST_MAX_STRING) {
        ERR(mc, "schema", sb_str(ptr), "a string of %zu bytes: the limit is %u", len, MANIFEST_MAX_STRING);
        return 1;
    }
    cJSON_ArrayForEach(it, j)
    {
        if (it->string && (len = strlen(it->string)) > MANIFEST_MAX_STRING) {
            ERR(mc, "schema", sb_str(ptr), "a member name of %zu bytes: the limit is %u", len, MANIFEST_MAX_STRING);
            n++;
            i++;
            continue;
        }
        if (it->string)
            jsonpos_push(ptr, it->string);
        else
            jsonpos_push_index(ptr, i);
        i++;
        n += long_strings(mc, it, ptr);
        sb_truncate(ptr, base);
    }
    if (ptr->oom)
        mc->oom = 1;
    return n;
}

/* "confirm": {"probe": true, "timeout_seconds": N}: the confirmed apply (check.c). */
static void parse_confirm(struct mctx *mc, const cJSON *c)
{
    static const char *const keys[] = {"probe", "timeout_seconds", NULL};
    struct manifest_confirm *mf = &mc->m->confirm;
    const cJSON *j;
    long long v;

    mf->timeout_s = MANIFEST_CONFIRM_DEFAULT_S;
    if (!want_object(mc, c, "/confirm"))
        return;
    check_keys(mc, c, "/confirm", keys);
    if (!(j = get(c, "probe")))
        missing(mc, "/confirm", "probe", "schema");
    else if (!cJSON_IsBool(j))
        ERR(mc, "schema", "/confirm/probe", "expected true or false, got %s", jtype(j));
    else
        mf->probe = cJSON_IsTrue(j);
    /* At least one probe runs in full whatever the timeout; an hour is the longest an
     * unconfirmed change may stand. */
    if ((j = get(c, "timeout_seconds"))
        && want_int(mc, j, "/confirm/timeout_seconds", "schema", 1, MANIFEST_CONFIRM_MAX_S, &v))
        mf->timeout_s = (unsigned)v;
}

static void parse_root(struct mctx *mc, const cJSON *root)
{
    static const char *const keys[] = {"$schema",      "manifest_version",   "serial",  "description", "imp", "ocs",
                                       "certificates", "maintenance_window", "confirm", NULL};
    struct manifest *m = mc->m;
    const cJSON *j;
    const char *s;
    long long v;

    if (!want_object(mc, root, ""))
        return;
    check_keys(mc, root, "", keys);
    if ((j = get(root, "$schema")))
        want_string(mc, j, "/$schema", &s);
    if (!(j = get(root, "manifest_version")))
        missing(mc, "", "manifest_version", "schema");
    else if (want_int(mc, j, "/manifest_version", "schema", 0, 1e9, &v)) {
        if (v != 1)
            ERR(mc, "schema", "/manifest_version",
                "this ocsfed reads manifest version 1, "
                "not %lld",
                v);
        m->version = (int)v;
    }
    if (!(j = get(root, "serial")))
        missing(mc, "", "serial", "schema");
    else if (want_int(mc, j, "/serial", "schema", 0, 9007199254740991.0, &v))
        m->serial = v;
    if ((j = get(root, "description")) && want_string(mc, j, "/description", &s) && !(m->description = ofd_strdup(s)))
        mc->oom = 1;
    if (!(j = get(root, "imp")))
        missing(mc, "", "imp", "schema");
    else
        parse_imp(mc, j);
    imp_rules(mc);
    if (!(j = get(root, "ocs")))
        missing(mc, "", "ocs", "schema");
    else
        parse_ocs(mc, j);
    if ((j = get(root, "certificates"))) {
        if (mc->transport_ok && m->transport == MANIFEST_TCP)
            WARN(mc, "R13", "/certificates",
                 "certificates apply to TLS only (R12-R17): "
                 "ignored with transport \"tcp\"");
        parse_certificates(mc, j);
    } else if (mc->transport_ok && m->transport == MANIFEST_TLS) {
        NOTE(mc, "R13", "",
             "no /certificates/trusted_roots: ocsfed will not check that the "
             "root CA of the IM&P certificate is in the Trusted Root store");
    }
    if ((j = get(root, "maintenance_window")))
        parse_window(mc, j);
    else
        NOTE(mc, "R19", "",
             "no /maintenance_window: ocsfed never restarts the Front End by itself, so a change that needs the "
             "restart waits until a window is set, or until 'ocsfed apply --restart-now' is run on the server");
    if ((j = get(root, "confirm")))
        parse_confirm(mc, j);
    /* R19: the front ends of a pool restart one at a time, each in its own slot. */
    if (m->window.present && mc->edition_ok && m->edition == MANIFEST_ENTERPRISE && m->nservers > 1) {
        int len = window_length_min(&m->window), slot = len / (int)m->nservers;

        if (slot < WINDOW_MIN_SLOT_MIN)
            ERR(mc, "R19", "/maintenance_window",
                "a window of %d minutes gives each of the %zu front ends of pool %s a restart slot of %d minutes, "
                "and each needs %d (the restart and a margin before the next front end's slot): make the window "
                "%zu minutes or longer",
                len, m->nservers, m->pool_fqdn ? m->pool_fqdn : "", slot, WINDOW_MIN_SLOT_MIN,
                m->nservers * WINDOW_MIN_SLOT_MIN);
    }
    /* R18: what the IM&P side needs, in short: `ocsfed imp-checklist` has it all. */
    if (mc->transport_ok && m->transport == MANIFEST_TLS && mc->edition_ok && m->nservers) {
        if (m->edition == MANIFEST_ENTERPRISE && m->pool_fqdn)
            NOTE(mc, "R18", "/ocs",
                 "on IM&P, add TLS peer subject '%s'; every IM&P setting: ocsfed imp-checklist MANIFEST", m->pool_fqdn);
        else if (m->edition == MANIFEST_STANDARD) {
            size_t i;
            for (i = 0; i < m->nservers; i++)
                NOTE(mc, "R18", "/ocs",
                     "on IM&P, add TLS peer subject '%s'; every IM&P setting: ocsfed imp-checklist MANIFEST",
                     m->servers[i].fqdn);
        }
    }
}

char *manifest_dir_of(const char *path)
{
    const char *a = strrchr(path, '/'), *b = strrchr(path, '\\'), *s = a > b ? a : b;

    if (!s)
        return ofd_strdup(".");
    if (s == path)
        return ofd_strdup("/");
    return ofd_strndup(path, (size_t)(s - path));
}

enum ofd_code manifest_parse(const char *text, size_t len, const char *base_dir, const struct ofd_reader *rd,
                             unsigned flags, struct manifest **out, struct diags *d, ofd_err *e)
{
    struct jsonpos *pos = NULL;
    struct manifest *m = NULL;
    cJSON *root = NULL;
    struct strbuf ptr = {0};
    struct mctx mc;
    size_t bom;
    enum ofd_code rc;

    memset(&mc, 0, sizeof(mc));
    if (len > MANIFEST_MAX_BYTES) {
        diags_add(d, DIAG_ERROR, "schema", 1, 1, "", "the manifest is larger than %u bytes", MANIFEST_MAX_BYTES);
        rc = ofd_err_set(e, OFD_E_INVALID, "manifest too large");
        goto out;
    }
    if ((rc = jsonpos_scan_ex(text, len, &manifest_advice, &pos, d, e)) != OFD_OK)
        goto out;
    bom = jsonpos_skip_bom(text, len);
    if (!(root = cJSON_ParseWithLength(text + bom, len - bom))) {
        /* The scanner accepted it; cJSON did not (e.g. its own nesting limit). */
        diags_add(d, DIAG_ERROR, "syntax", 1, 1, "", "the JSON parser rejected the document");
        rc = ofd_err_set(e, OFD_E_INVALID, "not well-formed JSON");
        goto out;
    }
    if (!(m = calloc(1, sizeof(*m))) || !(m->base_dir = ofd_strdup(base_dir ? base_dir : "."))) {
        rc = ofd_err_nomem(e);
        goto out;
    }
    mc.pos = pos;
    mc.d = d;
    mc.m = m;
    mc.rd = rd;
    mc.flags = flags;
    /* An over-long string stops the checks as a syntax error does: no message should
     * echo megabytes, and no file should be opened by such a name. */
    if (long_strings(&mc, root, &ptr) == 0 && !mc.oom)
        parse_root(&mc, root);
    diags_sort(d);
    if (mc.oom || d->oom) {
        rc = ofd_err_nomem(e);
        goto out;
    }
    if (d->nerrors) {
        rc = ofd_err_set(e, OFD_E_INVALID, "%zu error%s in the manifest", d->nerrors, d->nerrors == 1 ? "" : "s");
        goto out;
    }
    *out = m;
    m = NULL;
    rc = OFD_OK;
out:
    sb_free(&ptr);
    manifest_free(m);
    cJSON_Delete(root);
    jsonpos_free(pos);
    return rc;
}

enum ofd_code manifest_load(const char *path, unsigned flags, struct manifest **out, struct diags *d, ofd_err *e)
{
    char *text = NULL, *dir = NULL;
    size_t len = 0;
    enum ofd_code rc;

    if ((rc = ofd_read_file(path, MANIFEST_MAX_BYTES, &text, &len, e)) != OFD_OK)
        goto out;
    if (!(dir = manifest_dir_of(path))) {
        rc = ofd_err_nomem(e);
        goto out;
    }
    rc = manifest_parse(text, len, dir, NULL, flags, out, d, e);
out:
    free(text);
    free(dir);
    return rc;
}

static void free_strs(char **v, size_t n)
{
    size_t i;

    for (i = 0; v && i < n; i++)
        free(v[i]);
    free(v);
}

static void free_cacerts(struct manifest_cacert *v, size_t n)
{
    size_t i;

    for (i = 0; v && i < n; i++) {
        file_free(&v[i].f);
        free(v[i].der);
    }
    free(v);
}

void manifest_free(struct manifest *m)
{
    size_t i;

    if (!m)
        return;
    free(m->description);
    free_strs(m->domains, m->ndomains);
    for (i = 0; m->nodes && i < m->nnodes; i++) {
        free(m->nodes[i].fqdn);
        free(m->nodes[i].ip);
    }
    free(m->nodes);
    free(m->pool_fqdn);
    free_strs(m->sip_domains, m->nsip_domains);
    for (i = 0; m->servers && i < m->nservers; i++) {
        free(m->servers[i].fqdn);
        file_free(&m->servers[i].cert.pfx);
    }
    free(m->servers);
    free_cacerts(m->roots, m->nroots);
    free_cacerts(m->intermediates, m->nintermediates);
    file_free(&m->server_cert.pfx);
    free(m->base_dir);
    free(m);
}

const struct manifest_server *manifest_find_server(const struct manifest *m, const char *fqdn)
{
    size_t i;

    for (i = 0; i < m->nservers; i++)
        if (ofd_strcasecmp(m->servers[i].fqdn, fqdn) == 0)
            return &m->servers[i];
    return NULL;
}

/* ---- ocsfed pin ---- */

struct pin_edit {
    size_t start, end; /* text[start, end) is replaced */
    char *with;
};

static int cmp_edits(const void *a, const void *b)
{
    const struct pin_edit *x = a, *y = b;

    return x->start < y->start ? 1 : x->start > y->start ? -1 : 0; /* last first */
}

struct pinner {
    struct mctx mc;
    const char *text;
    struct pin_edit *v;
    size_t n, cap;
    size_t changed;
};

static void pin_edit(struct pinner *pn, size_t start, size_t end, struct strbuf *with)
{
    struct pin_edit *nv;
    size_t cap;

    if (with->oom) {
        pn->mc.oom = 1;
        return;
    }
    if (pn->n == pn->cap) {
        cap = pn->cap ? pn->cap * 2 : 8;
        if (!(nv = realloc(pn->v, cap * sizeof(*nv)))) {
            pn->mc.oom = 1;
            return;
        }
        pn->v = nv;
        pn->cap = cap;
    }
    pn->v[pn->n].start = start;
    pn->v[pn->n].end = end;
    pn->v[pn->n++].with = sb_take(with);
    pn->changed++;
}

/* Pins the file reference at ref: a bare string (when bare_ok), or an object naming the
 * file under name_key, with or without a "sha256" yet. */
static void pin_ref(struct pinner *pn, const cJSON *j, const char *ref, const char *name_key, int bare_ok,
                    const char *rule)
{
    struct mctx *mc = &pn->mc;
    const cJSON *name = cJSON_IsString(j) ? j : cJSON_IsObject(j) ? get(j, name_key) : NULL;
    const cJSON *pin = cJSON_IsObject(j) ? get(j, "sha256") : NULL;
    unsigned char now[MANIFEST_SHA256_LEN], was[MANIFEST_SHA256_LEN];
    char hex[2 * MANIFEST_SHA256_LEN + 1], np[1024], pp[1024], *path = NULL, *data = NULL;
    struct strbuf with = {0};
    size_t len = 0, vs, ve;
    ofd_err e;
    enum ofd_code rc;

    if ((cJSON_IsString(j) && !bare_ok) || !cJSON_IsString(name))
        return; /* not a file reference: validation says what is wrong */
    snprintf(np, sizeof(np), "%s", ref);
    if (cJSON_IsObject(j))
        child(np, sizeof(np), ref, name_key);
    child(pp, sizeof(pp), ref, "sha256");
    if (!(path = resolve(mc, name->valuestring, np, rule)))
        return;
    ofd_err_clear(&e);
    if ((rc = ofd_read_file(path, CS_FILE_MAX_BYTES, &data, &len, &e)) != OFD_OK
        || (rc = cs_sha256(data, len, now, &e)) != OFD_OK) {
        if (rc == OFD_E_NOMEM)
            mc->oom = 1;
        else
            FILE_ERR(mc, rule, np, "cannot pin '%s': %s", name->valuestring, e.msg);
        goto out;
    }
    cs_sha256_hex(now, hex);
    if (cJSON_IsString(j) && jsonpos_span(mc->pos, np, &vs, &ve)) {
        /* The name's own bytes are kept as written (escapes and all). */
        sb_append(&with, "{\"file\": ");
        sb_appendn(&with, pn->text + vs, ve - vs);
        sb_printf(&with, ", \"sha256\": \"%s\"}", hex);
        pin_edit(pn, vs, ve, &with);
    } else if (!pin && jsonpos_span(mc->pos, np, &vs, &ve)) {
        sb_printf(&with, ", \"sha256\": \"%s\"", hex);
        pin_edit(pn, ve, ve, &with);
    } else if (pin && jsonpos_span(mc->pos, pp, &vs, &ve)) {
        if (!cJSON_IsString(pin) || cs_sha256_parse(pin->valuestring, was) != 0 || memcmp(was, now, sizeof(was)) != 0) {
            sb_printf(&with, "\"%s\"", hex);
            pin_edit(pn, vs, ve, &with);
        }
    }
out:
    sb_free(&with);
    free(data);
    free(path);
}

enum ofd_code manifest_pin(const char *text, size_t len, const char *base_dir, char **out, size_t *out_len,
                           size_t *changed, struct diags *d, ofd_err *e)
{
    static const char *const lists[] = {"trusted_roots", "intermediates"};
    struct pinner pn;
    struct manifest m;
    struct strbuf sb = {0}, ptr = {0};
    const cJSON *certs, *it, *servers;
    cJSON *root = NULL;
    size_t bom, i, k;
    enum ofd_code rc;

    memset(&pn, 0, sizeof(pn));
    memset(&m, 0, sizeof(m));
    pn.text = text;
    if (len > MANIFEST_MAX_BYTES) {
        rc = ofd_err_set(e, OFD_E_INVALID, "the manifest is larger than %u bytes", MANIFEST_MAX_BYTES);
        goto out;
    }
    if ((rc = jsonpos_scan_ex(text, len, &manifest_advice, (struct jsonpos **)&pn.mc.pos, d, e)) != OFD_OK)
        goto out;
    bom = jsonpos_skip_bom(text, len);
    if (!(root = cJSON_ParseWithLength(text + bom, len - bom))) {
        rc = ofd_err_set(e, OFD_E_INVALID, "not well-formed JSON");
        goto out;
    }
    m.base_dir = (char *)(base_dir ? base_dir : ".");
    pn.mc.m = &m;
    pn.mc.d = d;
    certs = get(root, "certificates");
    for (k = 0; k < 2; k++) {
        const cJSON *list = cJSON_IsObject(certs) && cJSON_IsArray(get(certs, lists[k])) ? get(certs, lists[k]) : NULL;
        i = 0;
        cJSON_ArrayForEach(it, list)
        {
            sb_truncate(&ptr, 0);
            sb_printf(&ptr, "/certificates/%s/%zu", lists[k], i++);
            pin_ref(&pn, it, sb_str(&ptr), "file", 1, "R13");
        }
    }
    if (cJSON_IsObject(certs) && cJSON_IsObject(get(certs, "server")))
        pin_ref(&pn, get(certs, "server"), "/certificates/server", "pfx", 0, "R16");
    if (!cJSON_IsArray(servers = get(get(root, "ocs"), "servers")))
        servers = NULL;
    i = 0;
    cJSON_ArrayForEach(it, servers)
    {
        if (cJSON_IsObject(it) && cJSON_IsObject(get(it, "certificate"))) {
            sb_truncate(&ptr, 0);
            sb_printf(&ptr, "/ocs/servers/%zu/certificate", i);
            pin_ref(&pn, get(it, "certificate"), sb_str(&ptr), "pfx", 0, "R16");
        }
        i++;
    }
    if (pn.mc.oom || d->oom || ptr.oom) {
        rc = ofd_err_nomem(e);
        goto out;
    }
    if (d->nerrors) {
        rc = ofd_err_set(e, OFD_E_INVALID, "%zu file%s cannot be pinned", d->nerrors, d->nerrors == 1 ? "" : "s");
        goto out;
    }
    /* Edits from the last to the first, so that earlier offsets stay right. */
    if (pn.n)
        qsort(pn.v, pn.n, sizeof(*pn.v), cmp_edits);
    sb_appendn(&sb, text, len);
    for (k = 0; k < pn.n; k++) {
        struct strbuf next = {0};
        sb_appendn(&next, sb_str(&sb), pn.v[k].start);
        sb_append(&next, pn.v[k].with);
        sb_appendn(&next, sb_str(&sb) + pn.v[k].end, sb.len - pn.v[k].end);
        sb_free(&sb);
        sb = next;
    }
    if (sb.oom) {
        rc = ofd_err_nomem(e);
        goto out;
    }
    *out_len = sb.len;
    *out = sb_take(&sb);
    *changed = pn.changed;
    rc = OFD_OK;
out:
    for (k = 0; k < pn.n; k++)
        free(pn.v[k].with);
    free(pn.v);
    sb_free(&sb);
    sb_free(&ptr);
    cJSON_Delete(root);
    jsonpos_free((struct jsonpos *)pn.mc.pos);
    return rc;
}
