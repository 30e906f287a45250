#include "probe.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <openssl/rand.h>

#include "cs_inspect.h"
#include "net.h"
#include "probe_sip.h"
#include "strbuf.h"

const char *probe_step_name(enum probe_step s)
{
    switch (s) {
    case PROBE_DNS: return "dns";
    case PROBE_TCP: return "tcp";
    case PROBE_TLS: return "tls";
    case PROBE_SIP: return "sip";
    }
    return "?";
}

const char *probe_verdict_name(enum probe_verdict v)
{
    switch (v) {
    case PROBE_PASS: return "pass";
    case PROBE_FAIL: return "fail";
    case PROBE_SKIP: return "skip";
    }
    return "?";
}

void probe_result_free(struct probe_result *r)
{
    if (!r)
        return;
    free(r->v);
    memset(r, 0, sizeof(*r));
}

int probe_passed(const struct probe_result *r)
{
    return r->n > 0 && r->failed == 0;
}

/* One node's run: its checks are appended to res. */
struct run {
    const struct probe_options *o;
    struct probe_result *res;
    const struct probe_tls_ops *tls;
    struct probe_tls_config cfg;
    unsigned tls_ms; /* the handshake's own bound, before the deadline's */
    const struct manifest_node *node;
    int use_tls;
    unsigned port;
    char target[280];
    char local_ip[16];
    unsigned local_port;
};

static enum ofd_code add(struct run *r, enum probe_step step, enum probe_verdict v, const char *rule,
                         const char *target, const char *cause, const char *fmt, ...) OFD_PRINTF(7, 8);

static enum ofd_code add(struct run *r, enum probe_step step, enum probe_verdict v, const char *rule,
                         const char *target, const char *cause, const char *fmt, ...)
{
    struct probe_check *nv, *c;
    char raw[sizeof(c->text)];
    va_list ap;

    if (!(nv = realloc(r->res->v, (r->res->n + 1) * sizeof(*nv))))
        return OFD_E_NOMEM;
    r->res->v = nv;
    c = &nv[r->res->n++];
    memset(c, 0, sizeof(*c));
    snprintf(c->node, sizeof(c->node), "%s", r->node->fqdn);
    c->step = step;
    c->verdict = v;
    snprintf(c->rule, sizeof(c->rule), "%s", rule ? rule : "");
    snprintf(c->target, sizeof(c->target), "%s", target);
    snprintf(c->cause, sizeof(c->cause), "%s", cause ? cause : "");
    va_start(ap, fmt);
    vsnprintf(raw, sizeof(raw), fmt, ap);
    va_end(ap);
    /* What the peer sent (its certificate's names, a SIP reason phrase) is quoted here
     * and goes to a console, the report, the state file and an event: escaped. */
    ofd_utf8_trim(raw);
    ofd_escape_controls(c->text, sizeof(c->text), raw);
    if (v == PROBE_PASS)
        r->res->passed++;
    else if (v == PROBE_FAIL)
        r->res->failed++;
    else
        r->res->skipped++;
    return OFD_OK;
}

static enum ofd_code skip(struct run *r, enum probe_step step, const char *why)
{
    return add(r, step, PROBE_SKIP, NULL, r->target, NULL, "not tried: %s", why);
}

/* Why no further step may start (the service stopping, the confirmation's time over),
 * or NULL. */
static const char *cut_short(const struct run *r)
{
    if (r->o->stop && r->o->stop(r->o->stop_ctx))
        return "the service is stopping";
    if (r->o->deadline_ms && ofd_clock_ms() >= r->o->deadline_ms)
        return "the confirmation's time is over";
    return NULL;
}

/* A step's bound, cut to what is left before the deadline (at least 1 ms). */
static unsigned within(const struct run *r, unsigned ms)
{
    unsigned long long now = ofd_clock_ms();

    if (!r->o->deadline_ms)
        return ms;
    if (now >= r->o->deadline_ms)
        return 1;
    return r->o->deadline_ms - now < ms ? (unsigned)(r->o->deadline_ms - now) : ms;
}

/* A step not started because the probe was cut short: a failure, since nothing was
 * proven (a confirmed apply must not pass on checks it never made). */
static enum ofd_code not_probed(struct run *r, enum probe_step step, const char *why)
{
    r->res->cut++;
    return add(r, step, PROBE_FAIL, NULL, r->target, "cut_short", "not probed: %s", why);
}

/* R6: a TLS route names the node by FQDN; it must resolve to the node's address. */
static enum ofd_code step_dns(struct run *r, ofd_err *e)
{
    const char *fqdn = r->node->fqdn, *want = r->node->ip;
    struct node *n = r->o->node;
    char *ip = NULL;
    ofd_err re;
    enum ofd_code rc;

    ofd_err_clear(&re);
    if (n && n->ops->resolve)
        rc = n->ops->resolve(n->ctx, fqdn, &ip, &re);
    else
        rc = ofd_net_resolve(fqdn, &ip, &re);
    if (rc == OFD_E_NOMEM)
        return ofd_err_nomem(e);
    if (rc != OFD_OK)
        rc = add(r, PROBE_DNS, PROBE_FAIL, "R6", fqdn, "resolver_error", "%s", re.msg);
    else if (!ip)
        rc = add(r, PROBE_DNS, PROBE_FAIL, "R6", fqdn, "does_not_resolve",
                 "%s does not resolve from this server; the TLS route names it, so OCS cannot reach it", fqdn);
    else if (strcmp(ip, want) != 0)
        rc = add(r, PROBE_DNS, PROBE_FAIL, "R6", fqdn, "wrong_address",
                 "%s resolves to %s from this server, not to %s as the manifest says: OCS would connect there", fqdn,
                 ip, want);
    else
        rc = add(r, PROBE_DNS, PROBE_PASS, "R6", fqdn, NULL, "resolves to %s, the manifest's address", ip);
    free(ip);
    return rc == OFD_OK ? OFD_OK : ofd_err_nomem(e);
}

static enum ofd_code step_tcp(struct run *r, struct ofd_sock **s, ofd_err *e)
{
    const char *rule = r->use_tls ? "R6" : "R5";
    unsigned ms = within(r, r->o->connect_ms ? r->o->connect_ms : PROBE_CONNECT_MS);
    unsigned long long t0 = ofd_clock_ms();
    enum ofd_net_fail why = OFD_NET_OK;
    ofd_err ce;
    enum ofd_code rc;

    ofd_err_clear(&ce);
    if (ofd_net_connect(r->node->ip, r->port, ms, s, &why, &ce) != OFD_OK) {
        *s = NULL;
        switch (why) {
        case OFD_NET_REFUSED:
            rc = add(r, PROBE_TCP, PROBE_FAIL, rule, r->target, "refused",
                     "nothing listens on %s, or a firewall rejects the connection (%s)", r->target, ce.msg);
            break;
        case OFD_NET_TIMEOUT:
            rc = add(r, PROBE_TCP, PROBE_FAIL, rule, r->target, "timeout",
                     "no answer within %u ms: a firewall drops the connection, or the node is down", ms);
            break;
        case OFD_NET_UNREACHABLE:
            rc = add(r, PROBE_TCP, PROBE_FAIL, rule, r->target, "unreachable", "no route from this server: %s", ce.msg);
            break;
        default: rc = add(r, PROBE_TCP, PROBE_FAIL, rule, r->target, "error", "%s", ce.msg); break;
        }
        return rc == OFD_OK ? OFD_OK : ofd_err_nomem(e);
    }
    if (ofd_net_local(*s, r->local_ip, &r->local_port, &ce) != OFD_OK) {
        snprintf(r->local_ip, sizeof(r->local_ip), "0.0.0.0");
        r->local_port = 0;
    }
    rc = add(r, PROBE_TCP, PROBE_PASS, rule, r->target, NULL, "connected in %llu ms",
             (unsigned long long)(ofd_clock_ms() - t0));
    return rc == OFD_OK ? OFD_OK : ofd_err_nomem(e);
}

/* The rule an alert concerns: the peer refusing this server's certificate (R14), or
 * the OCS CA it does not trust (R18: IM&P needs OCS's root); protocols and ciphers,
 * which the FIPS policy narrows (R12). */
static const char *alert_rule(int alert, int from_peer)
{
    switch (alert) {
    case PROBE_ALERT_UNKNOWN_CA: return from_peer ? "R18" : "R13";
    case PROBE_ALERT_BAD_CERTIFICATE:
    case PROBE_ALERT_UNSUPPORTED_CERTIFICATE:
    case PROBE_ALERT_CERTIFICATE_EXPIRED:
    case PROBE_ALERT_CERTIFICATE_UNKNOWN:
    case PROBE_ALERT_CERTIFICATE_REQUIRED: return from_peer ? "R14" : "R13";
    case PROBE_ALERT_HANDSHAKE_FAILURE:
    case PROBE_ALERT_PROTOCOL_VERSION:
    case PROBE_ALERT_INSUFFICIENT_SECURITY: return "R12";
    default: return "";
    }
}

/* A TLS failure (handshake, or the peer's verdict on this server's certificate arriving
 * after a TLS 1.3 handshake) as its line. */
static enum ofd_code tls_fail(struct run *r, const struct probe_tls_info *info, const ofd_err *te, int after)
{
    const char *when = after ? "after the handshake, " : "", *what = after ? "session" : "handshake";
    int presented = r->cfg.cert_pem || r->cfg.cert_tp;

    const char *rule = alert_rule(info->alert, 1), *why = "";

    switch (info->fail) {
    case PROBE_TLS_PEER_ALERT:
        if (info->alert == PROBE_ALERT_CERTIFICATE_REQUIRED
            || (!presented && info->alert == PROBE_ALERT_HANDSHAKE_FAILURE)) {
            rule = "R14";
            why = ": it requires a client certificate, and this server presented none";
        } else if (info->alert == PROBE_ALERT_UNKNOWN_CA) {
            why = ": it does not trust the CA of this server's certificate (IM&P needs the OCS CA's root, R18)";
        } else if (!strcmp(rule, "R14")) {
            why = ": it refuses this server's certificate (its purposes must include Client Authentication, R14)";
        } else if (!strcmp(rule, "R12")) {
            why = ": no protocol version or cipher suite that both sides accept (the FIPS policy narrows them, R12)";
        }
        return add(r, PROBE_TLS, PROBE_FAIL, rule, r->target, "peer_alert",
                   "%sthe peer ended the %s with the alert '%s'%s", when, what,
                   info->alert_text[0] ? info->alert_text : "unknown", why);
    case PROBE_TLS_LOCAL_ALERT:
        return add(r, PROBE_TLS, PROBE_FAIL, alert_rule(info->alert, 0), r->target, "local_alert",
                   "%sthis server ended the %s with the alert '%s' (%s)", when, what,
                   info->alert_text[0] ? info->alert_text : "unknown", te->msg);
    case PROBE_TLS_CLOSED:
        return add(r, PROBE_TLS, PROBE_FAIL, "", r->target, "closed",
                   "%sthe peer closed the connection without an alert", when);
    case PROBE_TLS_TIMEOUT:
        return add(r, PROBE_TLS, PROBE_FAIL, "", r->target, "timeout", "%sno TLS answer within %u ms: is it TLS?", when,
                   r->cfg.timeout_ms);
    case PROBE_TLS_UNTRUSTED:
        return add(r, PROBE_TLS, PROBE_FAIL, "R13", r->target, "untrusted", "the peer's certificate: %s", te->msg);
    case PROBE_TLS_CLIENT_CERT:
        return add(r, PROBE_TLS, PROBE_FAIL, "R14", r->target, "client_certificate",
                   "this server's certificate cannot be used: %s", te->msg);
    default: return add(r, PROBE_TLS, PROBE_FAIL, te->rule, r->target, "error", "%s%s", when, te->msg);
    }
}

static enum ofd_code step_tls(struct run *r, struct ofd_sock *s, void **session, struct probe_tls_info *info, int *ok,
                              ofd_err *e)
{
    char names[256];
    int named = 0;
    ofd_err te;
    enum ofd_code rc;

    *ok = 0;
    ofd_err_clear(&te);
    r->cfg.server_name = r->node->fqdn;
    if (r->tls->handshake(&r->cfg, s, session, info, &te) != OFD_OK) {
        *session = NULL;
        if (te.code == OFD_E_NOMEM)
            return ofd_err_nomem(e);
        return tls_fail(r, info, &te, 0) == OFD_OK ? OFD_OK : ofd_err_nomem(e);
    }
    /* R10: OCS authorizes the peer by its FQDN, and its TLS checks that the peer's
     * certificate names the route's next hop. */
    if (cs_cert_names_host(info->peer_der, info->peer_der_len, r->node->fqdn, &named, names, sizeof(names), &te)
            != OFD_OK
        || !named) {
        rc = add(r, PROBE_TLS, PROBE_FAIL, "R10", r->target, "misnamed",
                 "the peer's certificate names %s, not %s: OCS would refuse it", named ? "?" : names, r->node->fqdn);
        return rc == OFD_OK ? OFD_OK : ofd_err_nomem(e);
    }
    if (!info->client_cert_sent) {
        rc = add(r, PROBE_TLS, PROBE_FAIL, "R14", r->target, "no_client_certificate",
                 "%s with a trusted certificate naming %s, but this server presented no certificate of its own "
                 "(natively: give --cert and --key): mutual TLS is not proven",
                 info->protocol, r->node->fqdn);
        return rc == OFD_OK ? OFD_OK : ofd_err_nomem(e);
    }
    *ok = 1;
    return OFD_OK;
}

/* Sends OPTIONS and reads until a final response to it. A TLS alert while reading is
 * the peer's verdict on this server's certificate (TLS 1.3): *alert set. */
static enum ofd_code step_sip(struct run *r, struct ofd_sock *s, void *session, struct probe_tls_info *info, int *alert,
                              ofd_err *e)
{
    const char *rule = r->use_tls ? "R6" : "R5";
    unsigned ms = within(r, r->o->sip_ms ? r->o->sip_ms : PROBE_SIP_MS);
    unsigned long long deadline = ofd_clock_ms() + ms, now;
    struct probe_sip_request q;
    struct probe_sip_msg msg;
    struct strbuf req = {0};
    unsigned char rnd[16];
    char id[33], call_id[300], *buf = NULL;
    size_t have = 0, got, used, i, cap = PROBE_SIP_MAX_HEADERS + PROBE_SIP_MAX_BODY + 1;
    enum ofd_net_fail why = OFD_NET_OK;
    ofd_err xe;
    enum ofd_code rc = OFD_OK;

    *alert = 0;
    ofd_err_clear(&xe);
    if (RAND_bytes(rnd, sizeof(rnd)) != 1) {
        rc = ofd_err_set(e, OFD_E_CRYPTO, "no random bytes for the SIP request");
        goto out;
    }
    for (i = 0; i < sizeof(rnd); i++)
        snprintf(id + 2 * i, 3, "%02x", rnd[i]);
    memset(&q, 0, sizeof(q));
    q.uri_host = r->use_tls ? r->node->fqdn : r->node->ip; /* as the route names it (R5, R6) */
    q.port = r->port;
    q.tls = r->use_tls;
    q.local_ip = r->local_ip;
    q.local_port = r->local_port;
    q.from_host = r->o->server_fqdn;
    q.id = id;
    if ((rc = probe_sip_options(&q, &req, call_id, sizeof(call_id), e)) != OFD_OK || !(buf = malloc(cap))) {
        rc = rc != OFD_OK ? rc : ofd_err_nomem(e);
        goto out;
    }
    rc =
        session ? r->tls->send(session, req.s, req.len, ms, info, &xe) : ofd_net_send(s, req.s, req.len, ms, &why, &xe);
    if (rc != OFD_OK) {
        if (session && info->fail == PROBE_TLS_PEER_ALERT) {
            *alert = 1;
            rc = tls_fail(r, info, &xe, 1);
        } else {
            rc = add(r, PROBE_SIP, PROBE_FAIL, rule, r->target, "closed", "the request could not be sent: %s", xe.msg);
        }
        goto out_added;
    }
    for (;;) {
        enum probe_sip_parse_result pr = probe_sip_parse(buf, have, &msg, &used, &xe);

        if (pr == PROBE_SIP_NOT_SIP) {
            rc = add(r, PROBE_SIP, PROBE_FAIL, rule, r->target, "not_sip", "the peer's answer is not SIP: %s", xe.msg);
            goto out_added;
        }
        if (pr == PROBE_SIP_MESSAGE) {
            /* A final response to this request: provisional ones and requests of the
             * peer's own (a keep-alive OPTIONS) are passed over. */
            if (msg.response && msg.status >= 200 && (!msg.call_id[0] || !strcmp(msg.call_id, call_id))) {
                rc = add(r, PROBE_SIP, PROBE_PASS, rule, r->target, NULL, "OPTIONS answered %d %s%s", msg.status,
                         msg.reason, msg.status >= 300 ? " (any final response shows the peer answers SIP)" : "");
                goto out_added;
            }
            memmove(buf, buf + used, have - used);
            have -= used;
            continue;
        }
        now = ofd_clock_ms();
        if (now >= deadline || have >= cap - 1) {
            rc = add(r, PROBE_SIP, PROBE_FAIL, rule, r->target, "no_answer",
                     "no final SIP response to OPTIONS within %u ms", ms);
            goto out_added;
        }
        got = 0;
        ofd_err_clear(&xe);
        rc = session ? r->tls->recv(session, buf + have, cap - 1 - have, &got, (unsigned)(deadline - now), info, &xe)
                     : ofd_net_recv(s, buf + have, cap - 1 - have, &got, (unsigned)(deadline - now), &why, &xe);
        if (rc != OFD_OK && session && info->fail == PROBE_TLS_PEER_ALERT) {
            *alert = 1;
            rc = tls_fail(r, info, &xe, 1);
            goto out_added;
        }
        if (rc != OFD_OK || got == 0) {
            int timed_out = rc != OFD_OK && (session ? info->fail == PROBE_TLS_TIMEOUT : why == OFD_NET_TIMEOUT);
            rc = timed_out                  ? add(r, PROBE_SIP, PROBE_FAIL, rule, r->target, "no_answer",
                                                  "no final SIP response to OPTIONS within %u ms", ms)
                 : got == 0 && rc == OFD_OK ? add(r, PROBE_SIP, PROBE_FAIL, rule, r->target, "closed",
                                                  "the peer closed the connection without a final SIP response")
                                            : add(r, PROBE_SIP, PROBE_FAIL, rule, r->target, "closed", "%s", xe.msg);
            goto out_added;
        }
        have += got;
    }
out_added:
    if (rc != OFD_OK)
        rc = ofd_err_nomem(e);
out:
    sb_free(&req);
    free(buf);
    return rc;
}

static enum ofd_code probe_node(struct run *r, ofd_err *e)
{
    struct ofd_sock *s = NULL;
    void *session = NULL;
    struct probe_tls_info info;
    const char *why;
    int ok = 1, alert = 0;
    enum ofd_code rc = OFD_OK;

    memset(&info, 0, sizeof(info));
    snprintf(r->target, sizeof(r->target), "%s:%u", r->node->ip, r->port);
    if ((why = cut_short(r))) {
        if (not_probed(r, r->use_tls ? PROBE_DNS : PROBE_TCP, why) != OFD_OK)
            rc = ofd_err_nomem(e);
        goto out;
    }
    if (r->use_tls && (rc = step_dns(r, e)) != OFD_OK)
        goto out;
    if ((why = cut_short(r))) {
        if (not_probed(r, PROBE_TCP, why) != OFD_OK)
            rc = ofd_err_nomem(e);
        goto out;
    }
    if ((rc = step_tcp(r, &s, e)) != OFD_OK)
        goto out;
    if (!s) {
        if ((r->use_tls && (rc = skip(r, PROBE_TLS, "no TCP connection")) != OFD_OK)
            || (rc = skip(r, PROBE_SIP, "no TCP connection")) != OFD_OK)
            rc = ofd_err_nomem(e);
        goto out;
    }
    r->cfg.timeout_ms = within(r, r->tls_ms);
    if (r->use_tls && (rc = step_tls(r, s, &session, &info, &ok, e)) != OFD_OK)
        goto out;
    if (!ok) {
        if (skip(r, PROBE_SIP, "no TLS session") != OFD_OK)
            rc = ofd_err_nomem(e);
        goto out;
    }
    if ((rc = step_sip(r, s, session, &info, &alert, e)) != OFD_OK)
        goto out;
    if (r->use_tls && !alert) {
        /* The TLS line after the SIP one's reading: a TLS 1.3 peer says what it thinks of
         * this server's certificate after the handshake. */
        struct probe_check sip = r->res->v[r->res->n - 1];
        r->res->n--;
        r->res->passed -= sip.verdict == PROBE_PASS;
        r->res->failed -= sip.verdict == PROBE_FAIL;
        if (add(r, PROBE_TLS, PROBE_PASS, "R13", r->target, NULL,
                "%s %s; the peer's certificate names %s and chains to a root this server trusts; this server "
                "presented its certificate (%s)",
                info.protocol, info.cipher, r->node->fqdn, r->tls->name)
                != OFD_OK
            || add(r, sip.step, sip.verdict, sip.rule, sip.target, sip.cause, "%s", sip.text) != OFD_OK)
            rc = ofd_err_nomem(e);
    } else if (alert && skip(r, PROBE_SIP, "the peer refused the TLS session") != OFD_OK) {
        rc = ofd_err_nomem(e);
    }
out:
    if (session)
        r->tls->close(session);
    ofd_net_close(s);
    probe_tls_info_free(&info);
    return rc;
}

/* The DER certificates of a node's store, appended to *v. */
static enum ofd_code store_ders(struct node *n, const char *store, struct node_certs *keep, struct cs_der **v,
                                size_t *nv, ofd_err *e)
{
    struct cs_der *nvv;
    size_t i;
    enum ofd_code rc;

    if (!n || !n->ops->certificates)
        return OFD_OK;
    if ((rc = n->ops->certificates(n->ctx, store, keep, e)) != OFD_OK)
        return rc;
    if (!(nvv = realloc(*v, (*nv + keep->n + 1) * sizeof(*nvv))))
        return ofd_err_nomem(e);
    *v = nvv;
    for (i = 0; i < keep->n; i++)
        if (keep->v[i].der) {
            nvv[*nv].der = keep->v[i].der;
            nvv[(*nv)++].len = keep->v[i].der_len;
        }
    return OFD_OK;
}

enum ofd_code probe_run(const struct probe_options *o, struct probe_result *out, ofd_err *e)
{
    const struct manifest *m = o->m;
    struct node_certs root = {0}, ca = {0};
    struct cs_der *roots = NULL, *inter = NULL;
    size_t nroots = 0, ninter = 0, i;
    struct probe_result res;
    struct run r;
    enum ofd_code rc;

    memset(&res, 0, sizeof(res));
    memset(&r, 0, sizeof(r));
    r.o = o;
    r.res = &res;
    r.use_tls = m->transport == MANIFEST_TLS;
    r.port = m->route_port;
    if (r.use_tls) {
        /* What this server trusts (OpenSSL): the manifest's roots and intermediates,
         * which an apply puts in Root and CA, and what the node's stores hold. */
        if (!(roots = calloc(m->nroots + 1, sizeof(*roots)))
            || !(inter = calloc(m->nintermediates + 1, sizeof(*inter)))) {
            rc = ofd_err_nomem(e);
            goto out;
        }
        for (i = 0; i < m->nroots; i++)
            if (m->roots[i].der) {
                roots[nroots].der = m->roots[i].der;
                roots[nroots++].len = m->roots[i].der_len;
            }
        for (i = 0; i < m->nintermediates; i++)
            if (m->intermediates[i].der) {
                inter[ninter].der = m->intermediates[i].der;
                inter[ninter++].len = m->intermediates[i].der_len;
            }
        if ((rc = store_ders(o->node, "Root", &root, &roots, &nroots, e)) != OFD_OK
            || (rc = store_ders(o->node, "CA", &ca, &inter, &ninter, e)) != OFD_OK)
            goto out;
        r.tls = o->tls                                               ? o->tls
                : probe_tls_platform() && o->cert_tp && !o->cert_pem ? probe_tls_platform()
                                                                     : &probe_tls_openssl;
        snprintf(res.tls, sizeof(res.tls), "%s", r.tls->name);
        r.cfg.cert_pem = o->cert_pem;
        r.cfg.cert_pem_len = o->cert_pem_len;
        r.cfg.key_pem = o->key_pem;
        r.cfg.key_pem_len = o->key_pem_len;
        r.cfg.cert_tp = o->cert_pem ? NULL : o->cert_tp;
        r.cfg.roots = roots;
        r.cfg.nroots = nroots;
        r.cfg.intermediates = inter;
        r.cfg.ninter = ninter;
        r.cfg.now = o->now ? o->now : (long long)time(NULL);
        r.tls_ms = r.cfg.timeout_ms = o->tls_ms ? o->tls_ms : PROBE_TLS_MS;
    }
    for (i = 0; i < m->nnodes; i++) {
        r.node = &m->nodes[i];
        if ((rc = probe_node(&r, e)) != OFD_OK)
            goto out;
    }
    *out = res;
    memset(&res, 0, sizeof(res));
    rc = OFD_OK;
out:
    probe_result_free(&res);
    node_certs_free(&root);
    node_certs_free(&ca);
    free(roots);
    free(inter);
    return rc;
}

void probe_check_line(const struct probe_check *c, char *buf, size_t size)
{
    snprintf(buf, size, "%-4s %s %s%s%s [%s] %s%s%s",
             c->verdict == PROBE_PASS   ? "ok"
             : c->verdict == PROBE_FAIL ? "FAIL"
                                        : "skip",
             probe_step_name(c->step), c->node, c->step == PROBE_DNS ? "" : " ", c->step == PROBE_DNS ? "" : c->target,
             c->rule[0] ? c->rule : "-", c->cause, c->cause[0] ? ": " : "", c->text);
}

void probe_print_text(const struct probe_result *r, FILE *out)
{
    char line[1200];
    size_t i;

    for (i = 0; i < r->n; i++) {
        probe_check_line(&r->v[i], line, sizeof(line));
        fprintf(out, "%s\n", line);
    }
    fprintf(out, "probe: %s: %zu check%s passed, %zu failed, %zu skipped%s%s%s\n",
            probe_passed(r) ? "the path to IM&P works" : "FAILED", r->passed, r->passed == 1 ? "" : "s", r->failed,
            r->skipped, r->tls[0] ? " (TLS: " : "", r->tls, r->tls[0] ? ")" : "");
}

void probe_first_failure(const struct probe_result *r, char *buf, size_t size)
{
    size_t i;

    if (size)
        buf[0] = '\0';
    for (i = 0; i < r->n; i++)
        if (r->v[i].verdict == PROBE_FAIL) {
            probe_check_line(&r->v[i], buf, size);
            ofd_utf8_trim(buf);
            return;
        }
}

char *probe_to_json(const struct probe_result *r)
{
    cJSON *root = cJSON_CreateObject(), *a, *c;
    char *text = NULL;
    size_t i;
    int ok = root != NULL;

    ok = ok && cJSON_AddBoolToObject(root, "passed", probe_passed(r)) && cJSON_AddStringToObject(root, "tls", r->tls)
         && (a = cJSON_AddArrayToObject(root, "checks"));
    for (i = 0; ok && i < r->n; i++) {
        const struct probe_check *k = &r->v[i];
        ok = (c = cJSON_CreateObject()) && cJSON_AddItemToArray(a, c) && cJSON_AddStringToObject(c, "node", k->node)
             && cJSON_AddStringToObject(c, "check", probe_step_name(k->step))
             && cJSON_AddStringToObject(c, "result", probe_verdict_name(k->verdict))
             && cJSON_AddStringToObject(c, "rule", k->rule) && cJSON_AddStringToObject(c, "target", k->target)
             && cJSON_AddStringToObject(c, "cause", k->cause) && cJSON_AddStringToObject(c, "message", k->text);
    }
    if (ok)
        text = cJSON_Print(root);
    cJSON_Delete(root);
    return text;
}
