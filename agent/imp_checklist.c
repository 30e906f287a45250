/* The IM&P checklist: what the administrator sets on IM&P, computed from the manifest.
 *
 * Where each item comes from (docs/imp-checklist.md): Cisco's chapter gives the IM&P
 * domains and nodes (R1), the listener ports (R8), the CA root to upload and the TLS
 * peer subjects (R18), and the protocol type and next hop port of IM&P's static routes
 * to OCS; the incoming ACL entries come from Cisco's troubleshooting ("upstream not
 * trusted" when OCS is missing from it) and carry no rule. Nothing the chapter leaves
 * open is invented: a static route's destination pattern and an OCS server's address
 * are null values, and the item says where to find them. */
#include "imp_checklist.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cs.h"
#include "manifest.h"
#include "ocs_model.h"
#include "strbuf.h"

static const struct {
    const char *id, *title;
} sections[IMP_NSECTIONS] = {
    {"domains", "Domains and cluster nodes"},
    {"peer_subjects", "TLS peer subjects"},
    {"ca_certificates", "CA certificates to upload to IM&P (cup-trust)"},
    {"acl", "Incoming access control (ACL)"},
    {"listeners", "Application listeners"},
    {"static_routes", "Static routes from IM&P to OCS"},
    {"before_switching", "Before switching the transport"},
};

const char *imp_section_id(enum imp_section s)
{
    return (unsigned)s < IMP_NSECTIONS ? sections[s].id : "";
}

const char *imp_section_title(enum imp_section s)
{
    return (unsigned)s < IMP_NSECTIONS ? sections[s].title : "";
}

int imp_section_parse(const char *id)
{
    int i;

    for (i = 0; id && i < IMP_NSECTIONS; i++)
        if (strcmp(id, sections[i].id) == 0)
            return i;
    return -1;
}

/* ---- building ---- */

enum ofd_code imp_checklist_add_item(struct imp_checklist *c, enum imp_section s, const char *rule, const char *text,
                                     ofd_err *e)
{
    struct imp_item *nv, *it;

    if (!(nv = realloc(c->v, (c->n + 1) * sizeof(*nv))))
        return ofd_err_nomem(e);
    c->v = nv;
    it = &nv[c->n];
    memset(it, 0, sizeof(*it));
    it->section = s;
    snprintf(it->rule, sizeof(it->rule), "%s", rule ? rule : "");
    if (!(it->text = ofd_strdup(text ? text : "")))
        return ofd_err_nomem(e);
    c->n++;
    return OFD_OK;
}

enum ofd_code imp_item_add_value(struct imp_item *it, const char *name, enum imp_value_kind kind, const char *s,
                                 long long num, ofd_err *e)
{
    struct imp_value *nv, *v;

    if (!(nv = realloc(it->values, (it->nvalues + 1) * sizeof(*nv))))
        return ofd_err_nomem(e);
    it->values = nv;
    v = &nv[it->nvalues];
    memset(v, 0, sizeof(*v));
    v->kind = kind;
    v->num = kind == IMP_VAL_NUMBER ? num : 0;
    if (!(v->name = ofd_strdup(name)) || (kind == IMP_VAL_STRING && !(v->s = ofd_strdup(s ? s : "")))) {
        free(v->name);
        return ofd_err_nomem(e);
    }
    it->nvalues++;
    return OFD_OK;
}

void imp_checklist_free(struct imp_checklist *c)
{
    size_t i, k;

    if (!c)
        return;
    for (i = 0; i < c->n; i++) {
        for (k = 0; k < c->v[i].nvalues; k++) {
            free(c->v[i].values[k].name);
            free(c->v[i].values[k].s);
        }
        free(c->v[i].values);
        free(c->v[i].text);
    }
    free(c->v);
    memset(c, 0, sizeof(*c));
}

/* The builder keeps the first failure, so the items below read as a list. */
struct bld {
    struct imp_checklist *c;
    enum imp_section sec;
    struct imp_item *it; /* the last item added; values go to it */
    int failed;
};

static void item(struct bld *b, const char *rule, const char *fmt, ...) OFD_PRINTF(3, 4);

static void item(struct bld *b, const char *rule, const char *fmt, ...)
{
    char *text = NULL;
    va_list ap;
    int n;
    ofd_err e;

    b->it = NULL;
    if (b->failed)
        return;
    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n >= 0 && (text = malloc((size_t)n + 1))) {
        va_start(ap, fmt);
        vsnprintf(text, (size_t)n + 1, fmt, ap);
        va_end(ap);
    }
    if (!text || imp_checklist_add_item(b->c, b->sec, rule, text, &e) != OFD_OK)
        b->failed = 1;
    else
        b->it = &b->c->v[b->c->n - 1];
    free(text);
}

static void vstr(struct bld *b, const char *name, const char *s)
{
    ofd_err e;

    if (b->it && imp_item_add_value(b->it, name, IMP_VAL_STRING, s, 0, &e) != OFD_OK)
        b->failed = 1;
}

static void vnum(struct bld *b, const char *name, long long n)
{
    ofd_err e;

    if (b->it && imp_item_add_value(b->it, name, IMP_VAL_NUMBER, NULL, n, &e) != OFD_OK)
        b->failed = 1;
}

static void vnull(struct bld *b, const char *name)
{
    ofd_err e;

    if (b->it && imp_item_add_value(b->it, name, IMP_VAL_NULL, NULL, 0, &e) != OFD_OK)
        b->failed = 1;
}

/* The names and paths of IM&P's administration pages, once. */
#define IMP_ADMIN "IM&P Admin, "
#define LISTENERS IMP_ADMIN "System > Application Listeners: "
#define UPLOAD                                                                                                    \
    "OS Admin, Security > Certificate Management > Upload Certificate/Certificate chain, purpose cup-trust: the " \
    "root certificate of the issuing CA of "
#define LISTENER_PEER "Default Cisco SIP Proxy TLS Listener - Peer Auth"
#define LISTENER_SERVER "Default Cisco SIP Proxy TLS Listener - Server Auth"
#define LISTENER_TCP "Default Cisco SIP Proxy TCP Listener"
#define NO_PATTERN                                                                                     \
    "Destination Pattern: as Cisco's IM&P guide for partitioned intradomain federation says; the OCS " \
    "chapter ocsfed follows gives only the protocol type and the port."

/* R1: what IM&P must hold for OCS's routes and host entries to make sense. */
static void domains(struct bld *b, const struct manifest *m)
{
    size_t i;

    b->sec = IMP_SEC_DOMAINS;
    for (i = 0; i < m->ndomains; i++) {
        item(b, "R1", IMP_ADMIN "Presence > Domains: %s is a local domain of IM&P (OCS serves it too).", m->domains[i]);
        vstr(b, "domain", m->domains[i]);
    }
    for (i = 0; i < m->nnodes; i++) {
        item(b, "R1",
             "The IM&P cluster has node %s, address %s: OCS routes to and authorizes the nodes the manifest "
             "lists, no others.",
             m->nodes[i].fqdn, m->nodes[i].ip);
        vstr(b, "node", m->nodes[i].fqdn);
        vstr(b, "address", m->nodes[i].ip);
    }
}

/* R18 (with R15): the subject OCS presents is the pool's FQDN on Enterprise Edition,
 * each server's on Standard Edition. */
static void peer_subjects(struct bld *b, const struct manifest *m)
{
    int ee = m->edition == MANIFEST_ENTERPRISE;
    size_t i, n = ee ? 1 : m->nservers;

    b->sec = IMP_SEC_PEER_SUBJECTS;
    for (i = 0; i < n; i++) {
        const char *subject = ee ? m->pool_fqdn : m->servers[i].fqdn;
        struct strbuf d = {0};

        item(b, "R18",
             IMP_ADMIN "System > Security > TLS Peer Subjects: add %s, the subject (CN) of the OCS %s's "
                       "certificate (R15); then, in System > Security > TLS Context Configuration, move it to the "
                       "selected TLS peer subjects of the SIP proxy's peer-authentication context (port %u).",
             subject, ee ? "pool" : "server", m->peer_auth_port);
        sb_printf(&d, "OCS %s %s", ee ? "pool" : "server", subject);
        if (d.oom)
            b->failed = 1;
        vstr(b, "peer_subject", subject);
        vstr(b, "description", sb_str(&d));
        vnum(b, "port", m->peer_auth_port);
        vstr(b, "transport", "TLS");
        sb_free(&d);
    }
}

static const struct manifest_server_cert *cert_of(const struct manifest *m, size_t i)
{
    return m->servers[i].cert.kind != MANIFEST_CERT_AUTO ? &m->servers[i].cert : &m->server_cert;
}

static int same_cert(const struct manifest_server_cert *a, const struct manifest_server_cert *b)
{
    if (a->kind != b->kind)
        return 0;
    if (a->kind == MANIFEST_CERT_PFX)
        return memcmp(a->pfx.sha256, b->pfx.sha256, sizeof(a->pfx.sha256)) == 0;
    if (a->kind == MANIFEST_CERT_THUMBPRINT)
        return memcmp(a->tp, b->tp, sizeof(a->tp)) == 0;
    return 1;
}

static void ca_file(struct bld *b, const struct manifest_cacert *ca)
{
    char hex[2 * CS_SHA256_LEN + 1], tp[2 * CS_SHA1_LEN + 1];

    cs_sha256_hex(ca->f.sha256, hex);
    vstr(b, "purpose", "cup-trust");
    vstr(b, "file", ca->f.file);
    vstr(b, "sha256", hex);
    if (ca->der) { /* read (not with MANIFEST_NO_FILES): what the file holds */
        cs_thumbprint_hex(ca->tp, tp);
        vstr(b, "subject", ca->subject);
        vstr(b, "thumbprint", tp);
    }
}

/* R18: IM&P must trust the CA that issued OCS's certificate. The manifest names that
 * certificate (a PKCS#12 file, a thumbprint) or lets the agent pick it, so the item
 * names it the same way; the roots it installs on OCS are IM&P's CA's (R13), the same
 * CA when one issues both, as the guide recommends. */
static void ca_certificates(struct bld *b, const struct manifest *m)
{
    int ee = m->edition == MANIFEST_ENTERPRISE;
    size_t i, k, own = 0;

    b->sec = IMP_SEC_CA_CERTS;
    for (i = 0; i < m->nservers; i++)
        own += m->servers[i].cert.kind != MANIFEST_CERT_AUTO;
    for (i = 0; i < m->nservers; i++) {
        const struct manifest_server_cert *sc = cert_of(m, i);
        const char *cn = ee ? m->pool_fqdn : m->servers[i].fqdn;
        /* On Enterprise Edition a certificate every front end shares is one item. */
        int shared = ee && m->servers[i].cert.kind == MANIFEST_CERT_AUTO;
        char hex[2 * CS_SHA256_LEN + 1], tp[2 * CS_SHA1_LEN + 1];
        const char *where = !shared ? m->servers[i].fqdn
                            : own   ? "each front end the manifest gives no certificate of its own"
                                    : "each front end";

        if (ee) {
            for (k = 0; k < i; k++)
                if (same_cert(cert_of(m, k), sc))
                    break;
            if (k < i)
                continue;
        }
        switch (sc->kind) {
        case MANIFEST_CERT_AUTO:
            item(b, "R18",
                 UPLOAD "the certificate the agent selects on %s: in the Personal store, subject CN %s with "
                        "Server and Client Authentication, valid, the one expiring last (the certificate snap-in "
                        "shows its issuer under Certification Path).",
                 where, cn);
            vstr(b, "purpose", "cup-trust");
            vstr(b, "issued_to", cn);
            vstr(b, "server_certificate", "selected by the agent");
            break;
        case MANIFEST_CERT_PFX:
            cs_sha256_hex(sc->pfx.sha256, hex);
            item(b, "R18", UPLOAD "the OCS certificate in %s, which ocsfed imports on %s (R16; subject CN %s).",
                 sc->pfx.file, where, cn);
            vstr(b, "purpose", "cup-trust");
            vstr(b, "issued_to", cn);
            vstr(b, "server_certificate", "pfx");
            vstr(b, "file", sc->pfx.file);
            vstr(b, "sha256", hex);
            break;
        case MANIFEST_CERT_THUMBPRINT:
            cs_thumbprint_hex(sc->tp, tp);
            item(b, "R18",
                 UPLOAD "the OCS certificate with thumbprint %s on %s (subject CN %s; the certificate snap-in "
                        "shows its issuer under Certification Path).",
                 tp, where, cn);
            vstr(b, "purpose", "cup-trust");
            vstr(b, "issued_to", cn);
            vstr(b, "server_certificate", "thumbprint");
            vstr(b, "thumbprint", tp);
            break;
        }
        if (!shared)
            vstr(b, "server", m->servers[i].fqdn);
    }
    for (i = 0; i < m->nroots; i++) {
        item(b, "R18",
             "If one CA issues the certificates of both OCS and IM&P (the guide recommends it), its root is the "
             "one this manifest installs on OCS (R13): upload %s as cup-trust too.",
             m->roots[i].f.file);
        ca_file(b, &m->roots[i]);
    }
    for (i = 0; i < m->nintermediates; i++) {
        item(b, "R18",
             "Upload the intermediate CA certificate %s as cup-trust too, when it is in the chain of "
             "the OCS certificate.",
             m->intermediates[i].f.file);
        ca_file(b, &m->intermediates[i]);
    }
}

/* No rule of the guide: Cisco's troubleshooting has IM&P refuse requests from a server
 * missing from its incoming ACL ("upstream not trusted"). Requests come from the front
 * ends themselves; with TCP nothing but the address they come from identifies them. */
static void acl(struct bld *b, const struct manifest *m)
{
    int ee = m->edition == MANIFEST_ENTERPRISE, tcp = m->transport == MANIFEST_TCP;
    const char *what = ee ? "OCS front end" : "OCS Standard Edition server";
    size_t i;

    b->sec = IMP_SEC_ACL;
    for (i = 0; i < m->nservers; i++) {
        const char *fqdn = m->servers[i].fqdn;

        item(b, "",
             IMP_ADMIN "System > Security > Incoming ACL: add address pattern %s, the %s (IM&P refuses "
                       "requests from a server it does not list: \"upstream not trusted\").",
             fqdn, what);
        vstr(b, "address_pattern", fqdn);
        vstr(b, "server", fqdn);
        if (!tcp)
            continue;
        item(b, "",
             IMP_ADMIN "System > Security > Incoming ACL: add address pattern: the IP address of %s; with TCP "
                       "IM&P knows OCS by the address it connects from. The manifest does not hold it: "
                       "nslookup %s.",
             fqdn, fqdn);
        vnull(b, "address_pattern");
        vstr(b, "server", fqdn);
    }
}

/* R8 with TLS; with TCP the TLS listeners are not used, and OCS's routes go to the
 * TCP listener (R5). The server-auth listener moves first: two listeners cannot share a
 * port, and IM&P's server-auth listener may hold the one peer auth needs. */
static void listeners(struct bld *b, const struct manifest *m)
{
    unsigned pap = m->peer_auth_port;

    b->sec = IMP_SEC_LISTENERS;
    if (m->transport == MANIFEST_TCP) {
        item(b, "R5",
             "TCP: IM&P's TLS listeners (peer and server authentication) are not used. " LISTENERS
             "the TCP listener (" LISTENER_TCP ") is on port %u: OCS's static routes send TCP there (R5).",
             m->route_port);
        vstr(b, "listener", LISTENER_TCP);
        vnum(b, "port", m->route_port);
        vstr(b, "transport", "TCP");
        return;
    }
    if (m->server_auth_port) {
        item(b, "R8",
             LISTENERS "the server-authentication listener (" LISTENER_SERVER ") is on port %u, not %u; "
                       "if it is on %u, change it first: two listeners cannot share a port.",
             m->server_auth_port, pap, pap);
        vstr(b, "listener", LISTENER_SERVER);
        vnum(b, "port", m->server_auth_port);
    } else {
        item(b, "R8",
             LISTENERS "the server-authentication listener (" LISTENER_SERVER ") must not be on port %u: if it "
                       "is, change it first (to 5063, for example, and record it as imp.server_auth_port in the "
                       "manifest): two listeners cannot share a port.",
             pap);
        vstr(b, "listener", LISTENER_SERVER);
        vnull(b, "port");
        vnum(b, "must_not_be", pap);
    }
    vstr(b, "transport", "TLS");
    if (pap == 5061)
        item(b, "R8",
             LISTENERS "the peer-authentication listener (" LISTENER_PEER ") is on port %u: OCS's static "
                       "routes send TLS there (R6).",
             pap);
    else
        item(b, "R8",
             LISTENERS "the peer-authentication listener (" LISTENER_PEER ") is on port %u, as the manifest "
                       "says (the guide asks for 5061): OCS's static routes send TLS there (R6).",
             pap);
    vstr(b, "listener", LISTENER_PEER);
    vnum(b, "port", pap);
    vstr(b, "transport", "TLS");
}

/* The chapter: IM&P's static routes to OCS, protocol TLS to 5061 or TCP to 5060: the
 * ports OCS listens on (R3, R2). One per pool, or per Standard Edition server. */
static void routes(struct bld *b, const struct manifest *m)
{
    int ee = m->edition == MANIFEST_ENTERPRISE, tls = m->transport == MANIFEST_TLS;
    size_t i, n = ee ? 1 : m->nservers;
    unsigned port = tls ? ocs_lit.tls_port : ocs_lit.tcp_port;

    b->sec = IMP_SEC_ROUTES;
    for (i = 0; i < n; i++) {
        const char *to = ee ? m->pool_fqdn : m->servers[i].fqdn;

        if (tls)
            item(b, "R3",
                 IMP_ADMIN "Presence > Routing > Static Routes: a route to the OCS %s %s: Next Hop %s (by FQDN: "
                           "the name on its certificate, R15), Next Hop Port %u (OCS's MTLS listener), Protocol "
                           "Type TLS. " NO_PATTERN,
                 ee ? "pool" : "server", to, to, port);
        else
            item(b, "R2",
                 IMP_ADMIN "Presence > Routing > Static Routes: a route to the OCS %s %s: Next Hop %s (or its IP "
                           "address), Next Hop Port %u (OCS's TCP listener), Protocol Type TCP. " NO_PATTERN,
                 ee ? "pool" : "server", to, to, port);
        vstr(b, "next_hop", to);
        vnum(b, "next_hop_port", port);
        vstr(b, "protocol_type", tls ? "TLS" : "TCP");
        vnull(b, "destination_pattern");
    }
}

/* What must hold on IM&P before OCS switches to this manifest's transport: OCS's
 * routes change at the apply, so IM&P has to be ready first. */
static void before_switching(struct bld *b, const struct manifest *m)
{
    int ee = m->edition == MANIFEST_ENTERPRISE;
    size_t i, nroutes = ee ? 1 : m->nservers;
    const char *routes_s = nroutes == 1 ? "" : "s";

    b->sec = IMP_SEC_SWITCH;
    if (m->transport == MANIFEST_TLS) {
        item(b, "R8",
             "From TCP to TLS: before this manifest is published, the listeners are as under \"Application "
             "listeners\": OCS's routes then send TLS to port %u of each IM&P node at once (R6).",
             m->peer_auth_port);
        vnum(b, "port", m->peer_auth_port);
        item(b, "R18",
             "Before it is published, the TLS peer subject%s and the cup-trust certificates above are on IM&P: OCS "
             "starts TLS with the first apply.",
             ee || m->nservers == 1 ? "" : "s");
        if (!m->nroots) {
            item(b, "R13",
                 "The manifest lists no root (certificates.trusted_roots): the root of the CA that issued IM&P's "
                 "own certificate (cup) must already be in the Trusted Root store of each OCS server, or OCS "
                 "cannot trust IM&P.");
        } else {
            struct strbuf files = {0};

            for (i = 0; i < m->nroots; i++)
                sb_printf(&files, "%s%s", i ? ", " : "", m->roots[i].f.file);
            if (files.oom)
                b->failed = 1;
            item(b, "R13",
                 "IM&P's own certificate (cup) is issued under %s this manifest installs on OCS: %s; otherwise "
                 "OCS cannot trust IM&P.",
                 m->nroots == 1 ? "the root" : "one of the roots", sb_str(&files));
            vstr(b, m->nroots == 1 ? "file" : "files", sb_str(&files));
            if (m->nroots == 1 && m->roots[0].der)
                vstr(b, "subject", m->roots[0].subject);
            sb_free(&files);
        }
        for (i = 0; i < m->nnodes; i++) {
            item(b, "R6",
                 "%s resolves to %s from every OCS server: OCS's TLS routes and host entries name it by FQDN "
                 "(R6, R10).",
                 m->nodes[i].fqdn, m->nodes[i].ip);
            vstr(b, "node", m->nodes[i].fqdn);
            vstr(b, "address", m->nodes[i].ip);
        }
        item(b, "R3",
             "IM&P's static route%s to OCS (under \"Static routes from IM&P to OCS\") use%s Protocol Type TLS and "
             "Next Hop Port %u, no longer TCP and %u.",
             routes_s, nroutes == 1 ? "s" : "", ocs_lit.tls_port, ocs_lit.tcp_port);
        vstr(b, "protocol_type", "TLS");
        vnum(b, "next_hop_port", ocs_lit.tls_port);
        return;
    }
    item(b, "R5",
         "From TLS to TCP: before this manifest is published, IM&P's TCP listener is on port %u (under "
         "\"Application listeners\"): OCS's routes then send TCP to port %u of each IM&P node, by address (R5).",
         m->route_port, m->route_port);
    vnum(b, "port", m->route_port);
    item(b, "R2",
         "IM&P's static route%s to OCS (under \"Static routes from IM&P to OCS\") use%s Protocol Type TCP and Next "
         "Hop Port %u, no longer TLS and %u.",
         routes_s, nroutes == 1 ? "s" : "", ocs_lit.tcp_port, ocs_lit.tls_port);
    vstr(b, "protocol_type", "TCP");
    vnum(b, "next_hop_port", ocs_lit.tcp_port);
    for (i = 0; i < m->nservers; i++) {
        item(b, "",
             "The IP address of %s has a reverse DNS (PTR) record: without one, presence updates between OCS and "
             "IM&P are delayed.",
             m->servers[i].fqdn);
        vstr(b, "server", m->servers[i].fqdn);
    }
    for (i = 0; i < m->nnodes; i++) {
        item(b, "R9",
             "IM&P node %s sends to OCS from %s, the address OCS authorizes (R9): with TCP, OCS knows IM&P by "
             "address only.",
             m->nodes[i].fqdn, m->nodes[i].ip);
        vstr(b, "node", m->nodes[i].fqdn);
        vstr(b, "address", m->nodes[i].ip);
    }
}

enum ofd_code imp_checklist_make(const struct manifest *m, struct imp_checklist *out, ofd_err *e)
{
    struct imp_checklist c;
    struct bld b;

    memset(&c, 0, sizeof(c));
    memset(&b, 0, sizeof(b));
    b.c = &c;
    c.tls = m->transport == MANIFEST_TLS;
    c.enterprise = m->edition == MANIFEST_ENTERPRISE;
    c.serial = m->serial;
    domains(&b, m);
    if (c.tls) {
        peer_subjects(&b, m);
        ca_certificates(&b, m);
    }
    acl(&b, m);
    listeners(&b, m);
    routes(&b, m);
    before_switching(&b, m);
    if (b.failed) {
        imp_checklist_free(&c);
        return ofd_err_nomem(e);
    }
    c.total = c.n;
    *out = c;
    return OFD_OK;
}

/* ---- JSON ---- */

/* s cut to at most max bytes at a character boundary (max 0: whole); malloc'ed. */
static char *clip(const char *s, size_t max)
{
    char *t;

    if (!max || strlen(s) <= max)
        return ofd_strdup(s);
    if ((t = ofd_strndup(s, max)))
        ofd_utf8_trim(t);
    return t;
}

static int add_str(cJSON *o, const char *name, const char *s, size_t max)
{
    char *t = clip(s, max);
    int ok = t && cJSON_AddStringToObject(o, name, t) != NULL;

    free(t);
    return ok;
}

struct cJSON *imp_checklist_to_cjson(const struct imp_checklist *c, size_t max_items, size_t max_string)
{
    cJSON *root, *a, *it, *vals;
    int ok = 1, present[IMP_NSECTIONS] = {0};
    size_t i, k, n = max_items && c->n > max_items ? max_items : c->n;

    if (!(root = cJSON_CreateObject()))
        return NULL;
    ok &= cJSON_AddNumberToObject(root, "format", IMP_FORMAT) != NULL;
    ok &= cJSON_AddNumberToObject(root, "serial", (double)c->serial) != NULL;
    ok &= cJSON_AddStringToObject(root, "transport", c->tls ? "tls" : "tcp") != NULL;
    ok &= cJSON_AddStringToObject(root, "edition", c->enterprise ? "enterprise" : "standard") != NULL;
    ok &= cJSON_AddNumberToObject(root, "total", (double)(c->total > c->n ? c->total : c->n)) != NULL;
    for (i = 0; i < c->n; i++)
        if ((unsigned)c->v[i].section < IMP_NSECTIONS)
            present[c->v[i].section] = 1;
    ok &= (a = cJSON_AddArrayToObject(root, "sections")) != NULL;
    for (i = 0; a && i < IMP_NSECTIONS; i++) {
        if (!present[i])
            continue;
        if (!(it = cJSON_CreateObject()) || !cJSON_AddItemToArray(a, it)) {
            cJSON_Delete(it);
            ok = 0;
            break;
        }
        ok &= cJSON_AddStringToObject(it, "id", sections[i].id) != NULL;
        ok &= cJSON_AddStringToObject(it, "title", sections[i].title) != NULL;
    }
    ok &= (a = cJSON_AddArrayToObject(root, "items")) != NULL;
    for (i = 0; ok && a && i < n; i++) {
        const struct imp_item *x = &c->v[i];

        if (!(it = cJSON_CreateObject()) || !cJSON_AddItemToArray(a, it)) {
            cJSON_Delete(it);
            ok = 0;
            break;
        }
        ok &= cJSON_AddNumberToObject(it, "n", (double)(i + 1)) != NULL;
        ok &= cJSON_AddStringToObject(it, "section", imp_section_id(x->section)) != NULL;
        ok &= (x->rule[0] ? cJSON_AddStringToObject(it, "rule", x->rule) : cJSON_AddNullToObject(it, "rule")) != NULL;
        ok &= add_str(it, "text", x->text, max_string);
        ok &= (vals = cJSON_AddObjectToObject(it, "values")) != NULL;
        for (k = 0; vals && k < x->nvalues; k++) {
            const struct imp_value *v = &x->values[k];
            switch (v->kind) {
            case IMP_VAL_STRING: ok &= add_str(vals, v->name, v->s, max_string); break;
            case IMP_VAL_NUMBER: ok &= cJSON_AddNumberToObject(vals, v->name, (double)v->num) != NULL; break;
            case IMP_VAL_NULL: ok &= cJSON_AddNullToObject(vals, v->name) != NULL; break;
            }
        }
    }
    if (!ok) {
        cJSON_Delete(root);
        return NULL;
    }
    return root;
}

char *imp_checklist_to_json(const struct imp_checklist *c)
{
    cJSON *j = imp_checklist_to_cjson(c, 0, 0);
    char *text = j ? cJSON_Print(j) : NULL;

    cJSON_Delete(j);
    return text;
}

/* ---- text ---- */

#define TEXT_WIDTH 100 /* columns an item's text is folded to */

/* n bytes of text from the manifest or a report, control characters escaped: a raw
 * newline or escape sequence would forge lines of the checklist. */
static void put_n(FILE *f, const char *s, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch < 0x20 || ch == 0x7f)
            fprintf(f, "\\x%02x", ch);
        else
            fputc(ch, f);
    }
}

static void put(FILE *f, const char *s)
{
    put_n(f, s, strlen(s));
}

/* Columns of n bytes of UTF-8 (one per character). */
static size_t columns(const char *s, size_t n)
{
    size_t i, c = 0;

    for (i = 0; i < n; i++)
        c += ((unsigned char)s[i] & 0xC0) != 0x80;
    return c;
}

/* s folded at spaces to TEXT_WIDTH columns, starting at column col; continuation
 * lines indented to indent. A word longer than a line stays whole. */
static void put_folded(FILE *f, const char *s, size_t col, size_t indent)
{
    int first = 1;

    while (*s) {
        size_t n = strcspn(s, " "), w = columns(s, n);

        if (n) {
            if (!first && col + 1 + w > TEXT_WIDTH) {
                fprintf(f, "\n%*s", (int)indent, "");
                col = indent;
            } else if (!first) {
                fputc(' ', f);
                col++;
            }
            put_n(f, s, n);
            col += w;
            first = 0;
        }
        s += n;
        while (*s == ' ')
            s++;
    }
}

void imp_checklist_print_text(const struct imp_checklist *c, const struct manifest *m, const char *manifest_path,
                              FILE *out)
{
    struct strbuf line = {0};
    int sec = -1, letter = 0;
    size_t i, k;

    fprintf(out, "IM&P checklist for ");
    put(out, manifest_path ? manifest_path : "the manifest");
    fprintf(out, " (serial %lld)\n", c->serial);
    if (m) {
        if (c->enterprise) {
            fprintf(out, "%s; OCS Enterprise Edition pool ", c->tls ? "TLS" : "TCP");
            put(out, m->pool_fqdn ? m->pool_fqdn : "");
            fprintf(out, " (%zu front end%s); IM&P cluster of %zu node%s\n", m->nservers, m->nservers == 1 ? "" : "s",
                    m->nnodes, m->nnodes == 1 ? "" : "s");
        } else {
            fprintf(out, "%s; OCS Standard Edition, %zu server%s; IM&P cluster of %zu node%s\n", c->tls ? "TLS" : "TCP",
                    m->nservers, m->nservers == 1 ? "" : "s", m->nnodes, m->nnodes == 1 ? "" : "s");
        }
    }
    fprintf(out, "ocsfed configures OCS, not IM&P: make these settings on IM&P, in Cisco Unified CM IM and Presence\n"
                 "Administration (\"IM&P Admin\") and Cisco Unified Operating System Administration (\"OS Admin\").\n");
    for (i = 0; i < c->n; i++) {
        const struct imp_item *x = &c->v[i];

        if ((int)x->section != sec) {
            sec = (int)x->section;
            fprintf(out, "\n%c. %s\n", 'A' + letter++, imp_section_title(x->section));
        }
        fprintf(out, "%3zu. ", i + 1);
        sb_truncate(&line, 0);
        sb_append(&line, x->text);
        if (x->rule[0])
            sb_printf(&line, " [%s]", x->rule);
        put_folded(out, line.oom ? x->text : sb_str(&line), 5, 5);
        fputc('\n', out);
        for (k = 0; k < x->nvalues; k++) {
            const struct imp_value *v = &x->values[k];
            fprintf(out, "       ");
            put(out, v->name);
            fprintf(out, ": ");
            switch (v->kind) {
            case IMP_VAL_STRING: put(out, v->s); break;
            case IMP_VAL_NUMBER: fprintf(out, "%lld", v->num); break;
            case IMP_VAL_NULL: fprintf(out, "(not known to ocsfed: see above)"); break;
            }
            fputc('\n', out);
        }
    }
    if (c->total > c->n)
        fprintf(out, "\n%zu items shown of %zu: 'ocsfed imp-checklist MANIFEST' lists them all.\n", c->n, c->total);
    else
        fprintf(out, "\n%zu item%s.\n", c->n, c->n == 1 ? "" : "s");
    sb_free(&line);
}
