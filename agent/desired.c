#include "desired.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"

struct ex {
    struct desired *d;
    size_t cap;
    int oom;
};

/* Appends an item; returns it (NULL on oom, recorded in x). */
static struct desired_item *add(struct ex *x, const char *cls, const char *key, const char *rule)
{
    struct desired_item *it, *n;

    if (x->oom)
        return NULL;
    if (x->d->n == x->cap) {
        size_t cap = x->cap ? x->cap * 2 : 32;
        if (!(n = realloc(x->d->v, cap * sizeof(*n)))) {
            x->oom = 1;
            return NULL;
        }
        x->d->v = n;
        x->cap = cap;
    }
    it = &x->d->v[x->d->n];
    memset(it, 0, sizeof(*it));
    it->cls = ocs_class_find(cls);
    it->rule = rule;
    if (!(it->key = ofd_strdup(key)) || !(it->inst.cls = ofd_strdup(cls))) {
        free(it->key);
        x->oom = 1;
        return NULL;
    }
    x->d->n++;
    return it;
}

static void s(struct ex *x, struct desired_item *it, const char *name, const char *v)
{
    if (it && node_instance_add_string(&it->inst, name, v) != OFD_OK)
        x->oom = 1;
}

static void u(struct ex *x, struct desired_item *it, const char *name, unsigned v)
{
    if (it && node_instance_add_uint32(&it->inst, name, v) != OFD_OK)
        x->oom = 1;
}

static void b(struct ex *x, struct desired_item *it, const char *name, int v)
{
    if (it && node_instance_add_bool(&it->inst, name, v) != OFD_OK)
        x->oom = 1;
}

static void bytes(struct ex *x, struct desired_item *it, const char *name, const unsigned char *p, size_t n)
{
    if (it && node_instance_add_bytes(&it->inst, name, p, n) != OFD_OK)
        x->oom = 1;
}

/* R17: TLSCertSN in the byte order the model says OCS keeps (ocs_lit). */
static void serial(struct ex *x, struct desired_item *it, const unsigned char *le, size_t n)
{
    unsigned char buf[64];
    size_t i;

    if (ocs_lit.cert_serial_little_endian || n > sizeof(buf)) {
        bytes(x, it, OCS_P_TLS_CERT_SN, le, n);
        return;
    }
    for (i = 0; i < n; i++)
        buf[i] = le[n - 1 - i];
    bytes(x, it, OCS_P_TLS_CERT_SN, buf, n);
}

/* R13: a CA certificate into Root or CA. */
static void cacert(struct ex *x, const struct manifest_cacert *c, const char *store)
{
    char tp[2 * CS_SHA1_LEN + 1], key[64];
    struct desired_item *it;

    if (!c->der) /* files not read (MANIFEST_NO_FILES): nothing to compare */
        return;
    cs_thumbprint_hex(c->tp, tp);
    snprintf(key, sizeof(key), "%s/%s", store, tp);
    if (!(it = add(x, OCS_CLASS_CERT, key, "R13")))
        return;
    it->store = store;
    it->tp_known = 1;
    memcpy(it->tp, c->tp, sizeof(it->tp));
    it->der = c->der;
    it->der_len = c->der_len;
    it->source = c->f.file;
    s(x, it, OCS_P_STORE, store);
    s(x, it, OCS_P_THUMBPRINT, tp);
    s(x, it, OCS_P_SUBJECT, c->subject);
    s(x, it, OCS_P_SOURCE, c->f.file);
}

/* R16: the server certificate in My. */
static void server_cert(struct ex *x, const struct desired_cert *c)
{
    char tp[2 * CS_SHA1_LEN + 1], key[1100];
    struct desired_item *it;

    if (c->tp_known) {
        cs_thumbprint_hex(c->tp, tp);
        snprintf(key, sizeof(key), "%s/%s", ocs_lit.store_my, tp);
    } else if (c->kind == MANIFEST_CERT_PFX) {
        snprintf(key, sizeof(key), "%s/pfx:%s", ocs_lit.store_my, c->pfx->file);
    } else {
        return;
    }
    if (!(it = add(x, OCS_CLASS_CERT, key, "R16")))
        return;
    it->store = ocs_lit.store_my;
    it->tp_known = c->tp_known;
    memcpy(it->tp, c->tp, sizeof(it->tp));
    if (c->kind == MANIFEST_CERT_PFX) {
        it->source = c->pfx->file;
        it->pfx = c->pfx->data;
        it->pfx_len = c->pfx->len;
    }
    s(x, it, OCS_P_STORE, ocs_lit.store_my);
    if (c->tp_known)
        s(x, it, OCS_P_THUMBPRINT, tp);
    if (c->subject)
        s(x, it, OCS_P_SUBJECT, c->subject);
    if (c->kind == MANIFEST_CERT_PFX)
        s(x, it, OCS_P_SOURCE, c->pfx->file);
}

const char *desired_expected_cn(const struct manifest *m, const char *server)
{
    return m->edition == MANIFEST_ENTERPRISE && m->pool_fqdn ? m->pool_fqdn : server;
}

enum ofd_code desired_expand(const struct manifest *m, const char *fqdn, const struct desired_cert *cert,
                             struct desired *out, ofd_err *e)
{
    struct desired d;
    struct ex x;
    const struct manifest_server *sv;
    const struct manifest_node *hop;
    struct desired_item *it;
    char key[300];
    size_t i;
    int tls = m->transport == MANIFEST_TLS;
    enum ofd_code rc = OFD_E_NOMEM;

    memset(&d, 0, sizeof(d));
    memset(&x, 0, sizeof(x));
    x.d = &d;
    if (!(sv = manifest_find_server(m, fqdn))) {
        struct strbuf names = {0};
        for (i = 0; i < m->nservers && i < 5; i++)
            sb_printf(&names, "%s%s", i ? ", " : "", m->servers[i].fqdn);
        if (m->nservers > 5)
            sb_printf(&names, ", ... (%zu in all)", m->nservers);
        rc = ofd_err_set(e, OFD_E_NOTFOUND,
                         "server '%s' is not governed by this manifest "
                         "(/ocs/servers names: %s)",
                         fqdn, sb_str(&names));
        sb_free(&names);
        goto out;
    }
    d.enterprise = m->edition == MANIFEST_ENTERPRISE;
    if (!(d.server = ofd_strdup(sv->fqdn)) || !(d.expected_cn = ofd_strdup(desired_expected_cn(m, sv->fqdn))))
        goto oom;

    if (tls) {
        for (i = 0; i < m->nroots; i++)
            cacert(&x, &m->roots[i], ocs_lit.store_root);
        for (i = 0; i < m->nintermediates; i++)
            cacert(&x, &m->intermediates[i], ocs_lit.store_ca);
        if (cert)
            server_cert(&x, cert);
        /* R12 */
        it = add(&x, OCS_CLASS_FIPS, "FipsAlgorithmPolicy", "R12");
        u(&x, it, OCS_P_ENABLED, 1);
    }

    /* R2 / R3 (+ R17): server-scoped listening address. */
    snprintf(key, sizeof(key), "%u", tls ? ocs_lit.tls_port : ocs_lit.tcp_port);
    it = add(&x, OCS_CLASS_LISTENING, key, tls ? "R3" : "R2");
    s(&x, it, OCS_P_IP_ADDRESS, ocs_lit.ip_all);
    u(&x, it, OCS_P_PORT, tls ? ocs_lit.tls_port : ocs_lit.tcp_port);
    s(&x, it, OCS_P_TRANSPORT_TYPE, tls ? ocs_lit.listen_mtls : ocs_lit.listen_tcp);
    b(&x, it, OCS_P_ENABLED, 1);
    if (tls && cert && cert->known) {
        bytes(&x, it, OCS_P_TLS_CERT_ISSUER, cert->issuer_der, cert->issuer_len);
        serial(&x, it, cert->serial_le, cert->serial_len);
    }

    /* R4-R7: one static route per domain, to the next hop node. */
    hop = &m->nodes[m->next_hop];
    for (i = 0; i < m->ndomains; i++) {
        snprintf(key, sizeof(key), "%s%s%s", ocs_lit.match_uri_prefix, m->domains[i], ocs_lit.match_uri_suffix);
        it = add(&x, OCS_CLASS_ROUTE, key, tls ? "R6" : "R5");
        s(&x, it, OCS_P_MATCH_URI, key);
        s(&x, it, OCS_P_NEXT_HOP, tls ? hop->fqdn : hop->ip);
        u(&x, it, OCS_P_NEXT_HOP_PORT, m->route_port);
        s(&x, it, OCS_P_NEXT_HOP_TRANSPORT, tls ? ocs_lit.route_tls : ocs_lit.route_tcp);
        b(&x, it, OCS_P_ENABLED, 1);
        b(&x, it, OCS_P_REPLACE_HOST_IN_REQUEST_URI, 0); /* R7 */
    }

    /* R9-R11: authorized hosts. */
    for (i = 0; i < m->nnodes; i++) {
        int k;
        for (k = tls ? 0 : 1; k < 2; k++) {
            const char *server = k == 0 ? m->nodes[i].fqdn : m->nodes[i].ip;
            it = add(&x, OCS_CLASS_HOST, server, tls ? "R10" : "R9");
            s(&x, it, OCS_P_SERVER, server);
            b(&x, it, OCS_P_OUTBOUND_ONLY, 0);          /* R11 */
            b(&x, it, OCS_P_THROTTLE_AS_SERVER, 1);     /* R11 */
            b(&x, it, OCS_P_TREAT_AS_AUTHENTICATED, 1); /* R11 */
        }
    }

    /* R19 */
    it = add(&x, OCS_CLASS_SERVICE, ocs_lit.service, "R19");
    s(&x, it, OCS_P_NAME, ocs_lit.service);
    s(&x, it, OCS_P_STATE, "Running");

    if (x.oom)
        goto oom;
    *out = d;
    memset(&d, 0, sizeof(d));
    rc = OFD_OK;
    goto out;
oom:
    rc = ofd_err_nomem(e);
out:
    desired_free(&d);
    return rc;
}

void desired_free(struct desired *d)
{
    size_t i;

    if (!d)
        return;
    for (i = 0; i < d->n; i++) {
        free(d->v[i].key);
        node_instance_free(&d->v[i].inst);
    }
    free(d->v);
    free(d->server);
    free(d->expected_cn);
    memset(d, 0, sizeof(*d));
}

const struct desired_item *desired_find(const struct desired *d, const char *cls, const char *key)
{
    size_t i;

    for (i = 0; i < d->n; i++)
        if (ofd_strcasecmp(d->v[i].inst.cls, cls) == 0 && ofd_strcasecmp(d->v[i].key, key) == 0)
            return &d->v[i];
    return NULL;
}
