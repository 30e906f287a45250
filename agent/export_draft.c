/* The draft manifest `ocsfed export --manifest` infers from what a server holds
 * (export.h). What ocsfed made is known for certain (the ownership record, and the
 * InstanceIDs it derives for the pool's entries); on a server configured by hand the
 * route towards IM&P is the one whose domain is an OCS SIP domain: partitioned
 * intradomain federation shares the domain between OCS and IM&P (R1). Everything else
 * the server cannot tell (the certificates IM&P's side trusts, the window, the serial) is
 * said, and every guess too. */
#include "export.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cs.h"
#include "cs_inspect.h"
#include "manifest.h"
#include "ocs_model.h"
#include "strbuf.h"
#include "strmap.h"

struct dctx {
    const struct node *n;
    struct export_draft *d;
    struct node_identity id;
    struct node_owned owned;
    struct node_instances routes, hosts, domains, pools, listeners;
    struct node_certs my;
    const char *pool; /* the pool's FQDN ocsfed derives its InstanceIDs from */
    int oom;
};

static void note(struct dctx *c, const char *fmt, ...) OFD_PRINTF(2, 3);

static void note(struct dctx *c, const char *fmt, ...)
{
    char buf[1024], **v;
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    ofd_utf8_trim(buf);
    if (!(v = realloc(c->d->notes, (c->d->nnotes + 1) * sizeof(*v))) || !(v[c->d->nnotes] = ofd_strdup(buf))) {
        if (v)
            c->d->notes = v;
        c->oom = 1;
        return;
    }
    c->d->notes = v;
    c->d->nnotes++;
}

static const char *str(const struct node_instance *in, const char *prop)
{
    const struct node_value *v = node_instance_get(in, prop);

    return v && v->type == OCS_STRING && v->s ? v->s : NULL;
}

static int is_ip(const char *s)
{
    const char *why;

    return s && manifest_is_ipv4(s, &why);
}

static int is_fqdn(const char *s)
{
    const char *why;

    return s && manifest_is_fqdn(s, &why);
}

/* Made by ocsfed: in this server's ownership record, or carrying the InstanceID ocsfed
 * derives for that entry of the pool (plan.c does the same). */
static int ours(const struct dctx *c, const char *cls, const char *key, const struct node_instance *in)
{
    const char *id = str(in, OCS_P_INSTANCE_ID);
    char want[OCS_INSTANCE_ID_LEN];
    size_t i;

    for (i = 0; i < c->owned.n; i++)
        if (!ofd_strcasecmp(c->owned.v[i].cls, cls) && !ofd_strcasecmp(c->owned.v[i].key, key))
            return 1;
    return id && ocs_pool_instance_id(c->pool, cls, key, want) == 0 && !ofd_strcasecmp(id, want);
}

/* The domain a route's MatchURI stands for (prefix and suffix of ocs_lit taken off), in
 * buf; NULL when it is not one ocsfed would write. */
static const char *route_domain(const char *uri, char *buf, size_t len)
{
    size_t lp = strlen(ocs_lit.match_uri_prefix), ls = strlen(ocs_lit.match_uri_suffix), lu;

    if (!uri || (lu = strlen(uri)) <= lp + ls || strncmp(uri, ocs_lit.match_uri_prefix, lp) != 0
        || strcmp(uri + lu - ls, ocs_lit.match_uri_suffix) != 0 || lu - lp - ls >= len)
        return NULL;
    snprintf(buf, len, "%.*s", (int)(lu - lp - ls), uri + lp);
    ofd_strlower(buf);
    return is_fqdn(buf) ? buf : NULL;
}

/* The route's next hop as "hop:port/transport", lower case, for grouping. */
static void hop_of(const struct node_instance *r, char *buf, size_t len)
{
    const struct node_value *port = node_instance_get(r, OCS_P_NEXT_HOP_PORT);
    const char *hop = str(r, OCS_P_NEXT_HOP), *tr = str(r, OCS_P_NEXT_HOP_TRANSPORT);

    snprintf(buf, len, "%s:%lu/%s", hop ? hop : "?", port && port->type == OCS_UINT32 ? (unsigned long)port->u : 0ul,
             tr ? tr : "?");
    ofd_strlower(buf);
}

static int in_list(char **v, size_t n, const char *s)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (!ofd_strcasecmp(v[i], s))
            return 1;
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Adds a lower-cased copy of s to the list (no duplicates). */
static void push(struct dctx *c, char ***v, size_t *n, const char *s)
{
    char **nv, *x;

    if (!s || in_list(*v, *n, s))
        return;
    if (!(x = ofd_strlower(ofd_strdup(s))) || !(nv = realloc(*v, (*n + 1) * sizeof(*nv)))) {
        free(x);
        c->oom = 1;
        return;
    }
    *v = nv;
    nv[(*n)++] = x;
}

static void free_list(char **v, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

/* R17: the certificate of My that OCS's 5061 listener selects (TLSCertIssuer and
 * TLSCertSN, the serial in either order), as a thumbprint in hex; 0 when none. */
static int selected_cert(struct dctx *c, char hex[2 * CS_SHA1_LEN + 1])
{
    const struct node_value *is = NULL, *sn = NULL;
    size_t i, k;
    int found = 0;

    for (i = 0; i < c->listeners.n && !sn; i++) {
        const struct node_value *port = node_instance_get(&c->listeners.v[i], OCS_P_PORT);
        if (!port || port->type != OCS_UINT32 || port->u != ocs_lit.tls_port)
            continue;
        is = node_instance_get(&c->listeners.v[i], OCS_P_TLS_CERT_ISSUER);
        sn = is ? node_instance_get(&c->listeners.v[i], OCS_P_TLS_CERT_SN) : NULL;
    }
    if (!is || !sn || is->type != OCS_UINT8_ARRAY || sn->type != OCS_UINT8_ARRAY || !sn->nbytes)
        return 0;
    for (i = 0; i < c->my.n && !found; i++) {
        struct cs_cert_info ci;
        int same = 1, reversed = 1;

        if (!c->my.v[i].der || cs_inspect_der(c->my.v[i].der, c->my.v[i].der_len, &ci, NULL) != OFD_OK)
            continue;
        if (ci.issuer_len == is->nbytes && !memcmp(ci.issuer_der, is->bytes, is->nbytes)
            && ci.serial_len == sn->nbytes) {
            for (k = 0; k < sn->nbytes; k++) {
                same &= ci.serial_le[k] == sn->bytes[k];
                reversed &= ci.serial_le[k] == sn->bytes[sn->nbytes - 1 - k];
            }
            if (same || reversed) {
                cs_thumbprint_hex(c->my.v[i].tp, hex);
                found = 1;
            }
        }
        cs_cert_info_free(&ci);
    }
    return found;
}

/* "imp-10-10-0-11.invalid": a name that validates and says it is not one. */
static void placeholder_fqdn(const char *ip, char *buf, size_t len)
{
    char *p;

    snprintf(buf, len, "imp-%s.invalid", ip);
    for (p = buf; *p; p++)
        if (*p == '.' && strcmp(p, ".invalid") != 0)
            *p = '-';
}

static enum ofd_code read_all(struct dctx *c, ofd_err *e)
{
    const struct node_ops *o = c->n->ops;
    enum ofd_code rc;

    if ((rc = o->identity(c->n->ctx, &c->id, e)) != OFD_OK || (rc = o->owned(c->n->ctx, &c->owned, e)) != OFD_OK
        || (rc = o->instances(c->n->ctx, OCS_CLASS_ROUTE, &c->routes, e)) != OFD_OK
        || (rc = o->instances(c->n->ctx, OCS_CLASS_HOST, &c->hosts, e)) != OFD_OK
        || (rc = o->instances(c->n->ctx, OCS_CLASS_DOMAIN, &c->domains, e)) != OFD_OK
        || (rc = o->instances(c->n->ctx, OCS_CLASS_POOL, &c->pools, e)) != OFD_OK
        || (rc = o->instances(c->n->ctx, OCS_CLASS_LISTENING, &c->listeners, e)) != OFD_OK
        || (rc = o->certificates(c->n->ctx, ocs_lit.store_my, &c->my, e)) != OFD_OK)
        return rc;
    if (!c->id.fqdn)
        return ofd_err_set(e, OFD_E_INVALID, "the node has no FQDN");
    c->pool = c->id.pool_fqdn ? c->id.pool_fqdn : c->id.fqdn;
    return OFD_OK;
}

/* The IM&P nodes: FQDNs and addresses of the authorized hosts towards IM&P, paired. */
struct imp_node {
    char fqdn[300], ip[64];
};

static enum ofd_code infer(struct dctx *c, ofd_err *e)
{
    struct export_draft *d = c->d;
    char **domains = NULL, **others = NULL, **fq = NULL, **ips = NULL, **sip = NULL, **servers = NULL;
    size_t ndomains = 0, nothers = 0, nfq = 0, nips = 0, nsip = 0, nservers = 0, i, k, nnodes = 0;
    unsigned char *chosen = NULL, *mine = NULL;
    struct imp_node *nodes = NULL;
    char buf[512], hop[600], best[600] = "", hex[2 * CS_SHA1_LEN + 1];
    const struct node_instance *first = NULL;
    const char *next_hop, *tr, *source;
    size_t bestn = 0, paired_by_order = 0, hours = 0;
    unsigned port = 0;
    int tls, ee;
    cJSON *m = NULL, *imp, *ocs, *a, *o;
    enum ofd_code rc = OFD_OK;

    /* The OCS SIP domains (R1). */
    for (i = 0; i < c->domains.n; i++) {
        const char *dn = str(&c->domains.v[i], ocs_lit.domain_prop);
        if (is_fqdn(dn))
            push(c, &sip, &nsip, dn);
    }
    /* The routes towards IM&P: those ocsfed made, else those of an OCS SIP domain. */
    if (!(chosen = calloc(c->routes.n + 1, 1)) || !(mine = calloc(c->hosts.n + 1, 1)))
        goto oom;
    source = "ocsfed made them";
    for (i = 0; i < c->routes.n; i++)
        chosen[i] =
            ours(c, OCS_CLASS_ROUTE, str(&c->routes.v[i], OCS_P_MATCH_URI) ? str(&c->routes.v[i], OCS_P_MATCH_URI) : "",
                 &c->routes.v[i]);
    for (i = 0, k = 0; i < c->routes.n; i++)
        k += chosen[i];
    if (!k) {
        source = "their domain is an OCS SIP domain (partitioned intradomain federation shares it, R1)";
        for (i = 0; i < c->routes.n; i++)
            chosen[i] =
                route_domain(str(&c->routes.v[i], OCS_P_MATCH_URI), buf, sizeof(buf)) && in_list(sip, nsip, buf);
    }
    /* One next hop for all domains (a manifest has one): the one most of them use. */
    for (i = 0; i < c->routes.n; i++) {
        size_t same = 0;
        if (!chosen[i])
            continue;
        hop_of(&c->routes.v[i], hop, sizeof(hop));
        for (k = 0; k < c->routes.n; k++) {
            char h2[600];
            hop_of(&c->routes.v[k], h2, sizeof(h2));
            same += chosen[k] && !strcmp(hop, h2);
        }
        if (same > bestn) {
            bestn = same;
            snprintf(best, sizeof(best), "%s", hop);
            first = &c->routes.v[i];
        }
    }
    if (!first) {
        note(c, "the IM&P domains: no static route (MSFT_SIPRoutingTableData) is ocsfed's or routes an OCS SIP domain; "
                "no draft written");
        goto out;
    }
    for (i = 0; i < c->routes.n; i++) {
        const char *uri = str(&c->routes.v[i], OCS_P_MATCH_URI);
        hop_of(&c->routes.v[i], hop, sizeof(hop));
        if (!chosen[i] || strcmp(hop, best) != 0) {
            push(c, &others, &nothers, str(&c->routes.v[i], OCS_P_NEXT_HOP));
            if (chosen[i])
                note(c,
                     "the route of %s goes to %s, not to %s like the others: left out (a manifest has one next "
                     "hop for all its domains)",
                     uri ? uri : "?", hop, best);
            continue;
        }
        if (!route_domain(uri, buf, sizeof(buf)))
            note(c, "the route of '%s' is not of a domain ocsfed writes: left out", uri ? uri : "?");
        else
            push(c, &domains, &ndomains, buf);
    }
    if (!ndomains) {
        note(c, "the IM&P domains: none of the routes towards IM&P names a domain; no draft written");
        goto out;
    }
    tr = str(first, OCS_P_NEXT_HOP_TRANSPORT);
    if (tr && !ofd_strcasecmp(tr, ocs_lit.route_tls)) {
        tls = 1;
    } else if (tr && !ofd_strcasecmp(tr, ocs_lit.route_tcp)) {
        tls = 0;
    } else {
        note(c, "the transport: the routes towards IM&P use NextHopTransport '%s'; no draft written", tr ? tr : "");
        goto out;
    }
    next_hop = str(first, OCS_P_NEXT_HOP);
    port = node_instance_get(first, OCS_P_NEXT_HOP_PORT) ? node_instance_get(first, OCS_P_NEXT_HOP_PORT)->u : 0;
    if (!next_hop || (tls ? !is_fqdn(next_hop) || is_ip(next_hop) : !is_ip(next_hop) && !is_fqdn(next_hop))) {
        note(c, "the next hop: '%s' %s; no draft written", next_hop ? next_hop : "",
             tls ? "is not an FQDN, and a TLS route points at the IM&P node's FQDN (R6)"
                 : "is neither an address nor an FQDN");
        goto out;
    }

    /* The authorized hosts towards IM&P: those ocsfed made, else every one that is not
     * the next hop of another route (an interdomain partner's edge, a gateway). */
    for (i = 0; i < c->hosts.n; i++)
        hours += mine[i] =
            ours(c, OCS_CLASS_HOST, str(&c->hosts.v[i], OCS_P_SERVER) ? str(&c->hosts.v[i], OCS_P_SERVER) : "",
                 &c->hosts.v[i]);
    for (i = 0; i < c->hosts.n; i++) {
        const char *s = str(&c->hosts.v[i], OCS_P_SERVER);
        if (!s || (hours ? !mine[i] : in_list(others, nothers, s) && ofd_strcasecmp(s, next_hop) != 0))
            continue;
        if (is_ip(s))
            push(c, &ips, &nips, s);
        else if (is_fqdn(s))
            push(c, &fq, &nfq, s);
    }
    if (!hours && (nfq || nips))
        note(c, "the IM&P nodes: taken from the authorized hosts (MSFT_SIPRemoteAddressData) that are not the next hop "
                "of another route; remove any that is not an IM&P node");
    if (nfq > 1)
        qsort(fq, nfq, sizeof(*fq), cmp_str);
    if (nips > 1)
        qsort(ips, nips, sizeof(*ips), cmp_str);
    if (!(nodes = calloc(nfq + nips + 2, sizeof(*nodes))))
        goto oom;
    if (tls) {
        /* Each FQDN with its address: as the server resolves it, else in sorted order. */
        unsigned char *used = calloc(nips + 1, 1);
        if (!used)
            goto oom;
        if (!in_list(fq, nfq, next_hop)) {
            push(c, &fq, &nfq, next_hop);
            note(c, "the next hop %s has no authorized host entry (R10): the draft's plan adds it", next_hop);
        }
        for (i = 0; i < nfq; i++) {
            struct imp_node *x = &nodes[nnodes];
            char *ip = NULL;
            snprintf(x->fqdn, sizeof(x->fqdn), "%s", fq[i]);
            if (c->n->ops->resolve && (rc = c->n->ops->resolve(c->n->ctx, fq[i], &ip, e)) != OFD_OK) {
                free(used);
                goto out;
            }
            for (k = 0; ip && k < nips; k++)
                if (!used[k] && !strcmp(ips[k], ip)) {
                    used[k] = 1;
                    snprintf(x->ip, sizeof(x->ip), "%s", ips[k]);
                }
            free(ip);
            nnodes++;
        }
        for (i = 0; i < nnodes; i++) {
            if (nodes[i].ip[0])
                continue;
            for (k = 0; k < nips && used[k]; k++)
                ;
            if (k < nips) {
                used[k] = 1;
                snprintf(nodes[i].ip, sizeof(nodes[i].ip), "%s", ips[k]);
                paired_by_order++;
            }
        }
        for (k = 0; k < nips; k++)
            if (!used[k])
                note(c, "the authorized host %s has no FQDN host beside it (R10): left out of /imp/nodes", ips[k]);
        free(used);
        for (i = 0, k = 0; i < nnodes; i++) {
            if (!nodes[i].ip[0] && ofd_strcasecmp(nodes[i].fqdn, next_hop) != 0) {
                note(c, "the authorized host %s has no address host beside it (R10): left out of /imp/nodes",
                     nodes[i].fqdn);
                continue;
            }
            if (!nodes[i].ip[0]) {
                snprintf(nodes[i].ip, sizeof(nodes[i].ip), "192.0.2.1"); /* TEST-NET-1: says it is not one */
                note(c,
                     "the address of the next hop %s: it has no address host (R10); the draft says 192.0.2.1, "
                     "put in the node's address",
                     next_hop);
            }
            nodes[k++] = nodes[i];
        }
        nnodes = k;
        if (paired_by_order)
            note(c, "which address belongs to which IM&P FQDN: the server cannot resolve them, so they are paired in "
                    "sorted order; check /imp/nodes");
    } else {
        /* TCP names the nodes by address only (R5, R9): their FQDNs are not here. */
        if (!is_ip(next_hop)) {
            note(c,
                 "the next hop %s is an FQDN, but TCP routes point at the address (R5): the draft's plan changes "
                 "it",
                 next_hop);
        }
        for (i = 0; i < nips; i++) {
            struct imp_node *x = &nodes[nnodes++];
            snprintf(x->ip, sizeof(x->ip), "%s", ips[i]);
            placeholder_fqdn(ips[i], x->fqdn, sizeof(x->fqdn));
        }
        if (is_ip(next_hop) && !in_list(ips, nips, next_hop)) {
            struct imp_node *x = &nodes[nnodes++];
            snprintf(x->ip, sizeof(x->ip), "%s", next_hop);
            placeholder_fqdn(next_hop, x->fqdn, sizeof(x->fqdn));
            note(c, "the next hop %s has no authorized host entry (R9): the draft's plan adds it", next_hop);
        }
        if (nnodes)
            note(c, "the FQDN of each IM&P node: a TCP server names them by address only; the draft says "
                    "imp-<address>.invalid, put in the real FQDNs");
    }
    if (!nnodes) {
        note(c, "the IM&P nodes: no authorized host towards IM&P; no draft written");
        goto out;
    }

    /* The pool, its front ends, the edition (R15). */
    ee = c->id.pool_fqdn && ofd_strcasecmp(c->id.pool_fqdn, c->id.fqdn) != 0;
    if (ee) {
        for (i = 0; i < c->pools.n; i++) {
            const struct node_value *members = node_instance_get(&c->pools.v[i], OCS_P_POOL_MEMBER_LIST);
            const char *pf = str(&c->pools.v[i], OCS_P_POOL_FQDN);
            if (!pf || ofd_strcasecmp(pf, c->id.pool_fqdn) != 0 || !members || members->type != OCS_STRING_ARRAY)
                continue;
            for (k = 0; k < members->nstrs; k++)
                if (is_fqdn(members->strs[k]))
                    push(c, &servers, &nservers, members->strs[k]);
        }
        if (!in_list(servers, nservers, c->id.fqdn)) {
            push(c, &servers, &nservers, c->id.fqdn);
            note(c, "the pool's other front ends: MSFT_SIPPoolSetting does not list them; add them to /ocs/servers");
        }
    } else {
        push(c, &servers, &nservers, c->id.fqdn);
    }

    /* The manifest. */
    if (!(m = cJSON_CreateObject()) || !cJSON_AddNumberToObject(m, "manifest_version", 1)
        || !cJSON_AddNumberToObject(m, "serial", 1))
        goto oom;
    snprintf(buf, sizeof(buf), "Draft inferred by ocsfed export from %s: review it before signing", c->id.fqdn);
    if (!cJSON_AddStringToObject(m, "description", buf) || !(imp = cJSON_AddObjectToObject(m, "imp"))
        || !cJSON_AddStringToObject(imp, "transport", tls ? "tls" : "tcp")
        || (tls && !cJSON_AddNumberToObject(imp, "peer_auth_port", port))
        || !cJSON_AddNumberToObject(imp, "route_port", tls ? port : ocs_lit.tcp_port)
        || !(a = cJSON_AddArrayToObject(imp, "domains")))
        goto oom;
    if (!tls && port != ocs_lit.tcp_port)
        note(c, "the routes' next hop port is %u, and a TCP route uses %u (R5): the draft's plan changes it", port,
             ocs_lit.tcp_port);
    for (i = 0; i < ndomains; i++)
        if (!cJSON_AddItemToArray(a, cJSON_CreateString(domains[i])))
            goto oom;
    if (!(a = cJSON_AddArrayToObject(imp, "nodes")))
        goto oom;
    for (i = 0; i < nnodes; i++)
        if (!(o = cJSON_CreateObject()) || !cJSON_AddItemToArray(a, o)
            || !cJSON_AddStringToObject(o, "fqdn", nodes[i].fqdn) || !cJSON_AddStringToObject(o, "ip", nodes[i].ip))
            goto oom;
    snprintf(buf, sizeof(buf), "%s", next_hop);
    ofd_strlower(buf);
    if (!cJSON_AddStringToObject(imp, "route_next_hop", buf) || !(ocs = cJSON_AddObjectToObject(m, "ocs"))
        || !cJSON_AddStringToObject(ocs, "edition", ee ? "enterprise" : "standard")
        || (ee && !cJSON_AddStringToObject(ocs, "pool_fqdn", c->id.pool_fqdn))
        || !(a = cJSON_AddArrayToObject(ocs, "servers")))
        goto oom;
    for (i = 0; i < nservers; i++)
        if (!cJSON_AddItemToArray(a, cJSON_CreateString(servers[i])))
            goto oom;
    if (nsip) {
        if (!(a = cJSON_AddArrayToObject(ocs, "sip_domains")))
            goto oom;
        for (i = 0; i < nsip; i++)
            if (!cJSON_AddItemToArray(a, cJSON_CreateString(sip[i])))
                goto oom;
    }
    if (tls) {
        if (selected_cert(c, hex)) {
            if (!(o = cJSON_AddObjectToObject(m, "certificates")) || !(o = cJSON_AddObjectToObject(o, "server"))
                || !cJSON_AddStringToObject(o, "thumbprint", hex))
                goto oom;
        } else {
            note(c, "the server certificate (R16, R17): the 5061 listener selects none of the Personal (My) store's "
                    "certificates; without /certificates/server the agent picks one that passes R14 and R15");
        }
        note(c, "the trusted roots (R13): the IM&P CA's root cannot be told apart from the others in Root; add it "
                "(/certificates/trusted_roots, a file with its pin)");
        note(c, "IM&P's server authentication port (/imp/server_auth_port, R8): it is not on the OCS side");
    }
    note(c, "the maintenance window (R19): not on the server; without one ocsfed never restarts the Front End by "
            "itself");
    note(c, "the serial: 1; publish it one higher than the last manifest the agents accepted");
    {
        struct strbuf sb = {0};
        sb_printf(&sb,
                  "%s, %s %s (%zu server%s), %zu domain%s (their routes taken because %s), %zu IM&P node%s, next "
                  "hop %s:%u",
                  tls ? "tls" : "tcp", ee ? "Enterprise Edition pool" : "Standard Edition server",
                  ee ? c->id.pool_fqdn : c->id.fqdn, nservers, nservers == 1 ? "" : "s", ndomains,
                  ndomains == 1 ? "" : "s", source, nnodes, nnodes == 1 ? "" : "s", buf, port);
        if (!(d->summary = sb_take(&sb)))
            goto oom;
    }
    d->manifest = m;
    m = NULL;
    goto out;
oom:
    rc = ofd_err_nomem(e);
out:
    if (rc == OFD_OK && c->oom)
        rc = ofd_err_nomem(e);
    cJSON_Delete(m);
    free(chosen);
    free(mine);
    free(nodes);
    free_list(domains, ndomains);
    free_list(others, nothers);
    free_list(fq, nfq);
    free_list(ips, nips);
    free_list(sip, nsip);
    free_list(servers, nservers);
    return rc;
}

enum ofd_code export_draft_infer(const struct node *n, struct export_draft *out, ofd_err *e)
{
    struct dctx c;
    enum ofd_code rc;

    memset(out, 0, sizeof(*out));
    memset(&c, 0, sizeof(c));
    c.n = n;
    c.d = out;
    if ((rc = read_all(&c, e)) == OFD_OK)
        rc = infer(&c, e);
    node_identity_free(&c.id);
    node_owned_free(&c.owned);
    node_instances_free(&c.routes);
    node_instances_free(&c.hosts);
    node_instances_free(&c.domains);
    node_instances_free(&c.pools);
    node_instances_free(&c.listeners);
    node_certs_free(&c.my);
    if (rc != OFD_OK)
        export_draft_free(out);
    return rc;
}

void export_draft_free(struct export_draft *d)
{
    size_t i;

    if (!d)
        return;
    cJSON_Delete(d->manifest);
    for (i = 0; i < d->nnotes; i++)
        free(d->notes[i]);
    free(d->notes);
    free(d->summary);
    memset(d, 0, sizeof(*d));
}
