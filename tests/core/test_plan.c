/* The plan: desired (from a manifest) against a simulated node, for every rule the
 * agent acts on; ownership (foreign entries are never deleted); exit-status semantics
 * (plan_has_changes); text and JSON output. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <cjson/cJSON.h>

#include "cs_inspect.h"
#include "plan.h"
#include "report.h"
#include "simnode.h"
#include "testcert.h"
#include "test_manifest_util.h"

static const char TCP_SE[] = "{\"manifest_version\": 1, \"serial\": 4,\n"
                             " \"imp\": {\"transport\": \"tcp\", \"domains\": [\"example.com\"],\n"
                             "  \"nodes\": [{\"fqdn\": \"imp1.example.com\", \"ip\": \"10.0.0.11\"}]},\n"
                             " \"ocs\": {\"edition\": \"standard\", \"servers\": [\"se1.example.com\"]}}\n";

static const char TLS_EE[] =
    "{\"manifest_version\": 1, \"serial\": 9,\n"
    " \"imp\": {\"transport\": \"tls\", \"server_auth_port\": 5063, \"domains\": [\"example.com\"],\n"
    "  \"nodes\": [{\"fqdn\": \"imp1.example.com\", \"ip\": \"10.0.0.11\"}]},\n"
    " \"ocs\": {\"edition\": \"enterprise\", \"pool_fqdn\": \"pool.example.com\", \"servers\": "
    "[\"fe1.example.com\"]},\n"
    " \"certificates\": {\"trusted_roots\": [\"plan-root.pem\"]},\n"
    " \"maintenance_window\": {\"days\": [\"sun\"], \"start\": \"03:00\", \"end\": \"05:00\"}}\n";

/* Node fragments for a TCP SE server that matches TCP_SE exactly. */
#define SE_NODE                                                                                             \
    "\"node\": {\"fqdn\": \"se1.example.com\", \"pool\": \"se1.example.com\"}, \"services\": {\"RTCSRV\": " \
    "\"running\"}"
#define LISTEN_5060 \
    "{\"InstanceID\": \"{L1}\", \"IPAddress\": \"*\", \"Port\": 5060, \"TransportType\": \"TCP\", \"Enabled\": true}"
#define ROUTE_TCP                                                                                              \
    "{\"InstanceID\": \"{R1}\", \"Backend\": \"(local)\\\\rtc\", \"MatchURI\": \"example.com\", \"NextHop\": " \
    "\"10.0.0.11\", \"NextHopPort\": 5060, \"NextHopTransport\": \"TCP\", \"Enabled\": true, "                 \
    "\"ReplaceHostInRequestURI\": false}"
#define HOST_TCP                                                                                                  \
    "{\"InstanceID\": \"{H1}\", \"Server\": \"10.0.0.11\", \"OutboundOnly\": false, \"ThrottleAsServer\": true, " \
    "\"TreatAsAuthenticated\": true}"

#define SERVER_CLIENT "serverAuth,clientAuth"

struct fixture {
    struct testcert ca; /* EC keys, serial numbers as given */
    char *root_b64;
    char *good_b64;     /* CN=pool.example.com, server+client auth */
    char *noclient_b64; /* server auth only */
    char *wrongcn_b64;
    char *expired_b64;
    struct cs_cert_info good;
    char good_tp[41], noclient_tp[41], wrongcn_tp[41], expired_tp[41], root_tp[41];
};

static struct fixture fx;
static const char *data_dir = "data";

static const char *data_dir_file(const char *name)
{
    static char buf[1024];

    snprintf(buf, sizeof(buf), "%s/%s", data_dir, name);
    return buf;
}

/* A certificate for cn signed by fx.ca with the purposes in eku, valid from now + from
 * for days days: its DER (malloc'ed) in *der. */
static void leaf_der(const char *cn, const char *eku, int from, int days, long serial, unsigned char **der, size_t *len)
{
    struct testcert_opts o = {serial, 1};
    struct testcert c;

    assert_int_equal(testcert_leaf_opts(&fx.ca, cn, eku, NULL, from, from + days, &o, &c), 0);
    assert_int_equal(testcert_der(&c, der, len), 0);
    testcert_free(&c);
}

static char *leaf(const char *cn, const char *eku, int from, int days, long serial, char tp[41])
{
    unsigned char *der = NULL, t[CS_SHA1_LEN];
    size_t len = 0;
    char *b64;
    ofd_err e;

    leaf_der(cn, eku, from, days, serial, &der, &len);
    assert_int_equal(cs_x509_thumbprint(der, len, t, &e), OFD_OK);
    cs_thumbprint_hex(t, tp);
    b64 = testcert_base64(der, len);
    free(der);
    return b64;
}

/* Writes plan-fe1.pfx: a new key and its certificate for pool.example.com (purposes in
 * eku, valid 365 days), protected by password; the certificate's thumbprint in tp. */
static void write_pfx(const char *eku, const char *password, char tp[41])
{
    struct testcert_opts o = {77, 1};
    struct testcert c;
    unsigned char *der = NULL, t[CS_SHA1_LEN];
    size_t len = 0;
    ofd_err e;

    assert_int_equal(testcert_leaf_opts(&fx.ca, "pool.example.com", eku, NULL, -1, 364, &o, &c), 0);
    assert_int_equal(testcert_write_pfx(&c, password, "plan-fe1.pfx"), 0);
    assert_int_equal(testcert_der(&c, &der, &len), 0);
    cs_x509_thumbprint(der, len, t, &e);
    cs_thumbprint_hex(t, tp);
    free(der);
    testcert_free(&c);
}

static int setup(void **state)
{
    struct testcert_opts o = {1, 1};
    unsigned char *der = NULL, *gd = NULL, t[CS_SHA1_LEN];
    size_t len = 0, glen = 0;
    ofd_err e;

    (void)state;
    assert_int_equal(testcert_ca_opts("Example Root CA", 3650, &o, &fx.ca), 0);
    assert_int_equal(testcert_der(&fx.ca, &der, &len), 0);
    assert_int_equal(testcert_write_pem(&fx.ca, NULL, "plan-root.pem"), 0);
    fx.root_b64 = testcert_base64(der, len);
    cs_x509_thumbprint(der, len, t, &e);
    cs_thumbprint_hex(t, fx.root_tp);
    free(der);
    leaf_der("pool.example.com", SERVER_CLIENT, -1, 365, 0x1234, &gd, &glen);
    assert_int_equal(cs_inspect_der(gd, glen, &fx.good, &e), OFD_OK);
    cs_thumbprint_hex(fx.good.tp, fx.good_tp);
    fx.good_b64 = testcert_base64(gd, glen);
    free(gd);
    fx.noclient_b64 = leaf("pool.example.com", "serverAuth", -1, 365, 2, fx.noclient_tp);
    fx.wrongcn_b64 = leaf("fe1.example.com", SERVER_CLIENT, -1, 365, 3, fx.wrongcn_tp);
    fx.expired_b64 = leaf("pool.example.com", SERVER_CLIENT, -30, 10, 4, fx.expired_tp);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    testcert_free(&fx.ca);
    free(fx.root_b64);
    free(fx.good_b64);
    free(fx.noclient_b64);
    free(fx.wrongcn_b64);
    free(fx.expired_b64);
    cs_cert_info_free(&fx.good);
    remove("plan-root.pem");
    return 0;
}

/* The manifest text, its files pinned as a publisher would. */
static struct manifest *parse(const char *text)
{
    struct manifest *m = NULL;
    char *pt = pinned(text), *r = diag_text(pt, DIAG_WARNING, 1, &m);

    assert_string_equal(r, "");
    free(r);
    free(pt);
    assert_non_null(m);
    return m;
}

/* Plans manifest text against node text; returns the result code, *p filled on OK. */
static enum ofd_code plan_of(const char *mtext, const char *ntext, struct plan *p, ofd_err *e)
{
    struct manifest *m = parse(mtext);
    struct node node = {0};
    enum ofd_code rc;

    ofd_err_clear(e);
    assert_int_equal(simnode_open_buffer(ntext, strlen(ntext), "node.json", &node, e), OFD_OK);
    rc = plan_make(m, &node, &(struct plan_options){.now = (long long)time(NULL)}, p, e);
    node_close(&node);
    manifest_free(m);
    return rc;
}

/* One line per change that is not "unchanged": action class key [rule] + props. */
static char *summary(const struct plan *p)
{
    struct strbuf sb = {0};
    size_t i, k;

    for (i = 0; i < p->n; i++) {
        const struct plan_change *c = &p->v[i];
        if (c->action == PLAN_UNCHANGED)
            continue;
        sb_printf(&sb, "%s %s %s [%s]", plan_action_name(c->action), c->cls, c->key, c->rule);
        if (c->instance_id)
            sb_printf(&sb, " id=%s%s", c->instance_id, c->owned ? " owned" : "");
        for (k = 0; k < c->props.nprops; k++) {
            const struct node_value *now = node_instance_get(&c->current, c->props.props[k].name);
            char *a = now ? node_value_text(now) : NULL, *b = node_value_text(&c->props.props[k].v);
            char derived[OCS_INSTANCE_ID_LEN];

            if (c->action == PLAN_UPDATE)
                sb_printf(&sb, " %s:%s->%s", c->props.props[k].name, a ? a : "(unset)", b);
            else if (!strcmp(c->props.props[k].name, OCS_P_INSTANCE_ID)
                     && ocs_pool_instance_id(p->pool ? p->pool : p->server, c->cls, c->key, derived) == 0
                     && !strcmp(b, derived))
                /* The pool's derived InstanceID (its value checked in ocs_pool_ids). */
                sb_printf(&sb, " InstanceID=pool-derived");
            else
                sb_printf(&sb, " %s=%s", c->props.props[k].name, b);
            free(a);
            free(b);
        }
        sb_appendc(&sb, '\n');
    }
    return sb_take(&sb);
}

static void check(const char *mtext, const char *ntext, const char *expect, int changes)
{
    struct plan p;
    ofd_err e;
    char *s;

    assert_int_equal(plan_of(mtext, ntext, &p, &e), OFD_OK);
    s = summary(&p);
    assert_string_equal(s, expect);
    assert_int_equal(plan_has_changes(&p), changes);
    free(s);
    plan_free(&p);
}

/* The InstanceIDs of a pool's shared entries: RFC 4122 version 5 UUIDs of pool, class
 * and key in ocsfed's namespace (the values computed apart, with Python's uuid.uuid5),
 * the same whatever the case, different for another pool. */
static void ocs_pool_ids(void **state)
{
    char a[OCS_INSTANCE_ID_LEN], b[OCS_INSTANCE_ID_LEN];

    (void)state;
    assert_int_equal(ocs_pool_instance_id("pool.example.com", OCS_CLASS_HOST, "imp1.example.com", a), 0);
    assert_string_equal(a, "{E867DA02-1F86-557B-B1CF-9DDC0C22D93A}");
    assert_int_equal(ocs_pool_instance_id("POOL.example.com", OCS_CLASS_ROUTE, "Example.COM", b), 0);
    assert_string_equal(b, "{C6B9E7BA-0C48-5660-BCF2-98B216ED2D64}");
    assert_int_equal(ocs_pool_instance_id("pool2.example.com", OCS_CLASS_ROUTE, "example.com", a), 0);
    assert_string_not_equal(a, b);
}

/* R2, R4, R5, R7, R9, R11, R19 on an empty Standard Edition server. */
static void tcp_empty_node(void **state)
{
    (void)state;
    check(TCP_SE, "{" SE_NODE "}",
          "create MSFT_SIPListeningAddressData 5060 [R2] IPAddress=* Port=5060 TransportType=TCP Enabled=true\n"
          "create MSFT_SIPRoutingTableData example.com [R5] MatchURI=example.com NextHop=10.0.0.11 NextHopPort=5060 "
          "NextHopTransport=TCP Enabled=true ReplaceHostInRequestURI=false InstanceID=pool-derived\n"
          "create MSFT_SIPRemoteAddressData 10.0.0.11 [R9] Server=10.0.0.11 OutboundOnly=false ThrottleAsServer=true "
          "TreatAsAuthenticated=true InstanceID=pool-derived\n"
          "restart service RTCSRV [R19] Name=RTCSRV Reason=MSFT_SIPListeningAddressData\n",
          1);
}

/* Converged: nothing to do, no restart (exit 0). Keys match case-insensitively. */
static void tcp_converged(void **state)
{
    struct plan p;
    ofd_err e;

    (void)state;
    check(TCP_SE,
          "{" SE_NODE ", \"ocs\": {\"MSFT_SIPListeningAddressData\": [" LISTEN_5060 "],"
          " \"MSFT_SIPRoutingTableData\": [" ROUTE_TCP "], \"MSFT_SIPRemoteAddressData\": [" HOST_TCP "]}}",
          "", 0);
    assert_int_equal(plan_of(TCP_SE,
                             "{" SE_NODE ", \"ocs\": {\"MSFT_SIPListeningAddressData\": [" LISTEN_5060 "],"
                             " \"MSFT_SIPRoutingTableData\": [" ROUTE_TCP "], \"MSFT_SIPRemoteAddressData\": [" HOST_TCP
                             "]}}",
                             &p, &e),
                     OFD_OK);
    assert_int_equal(p.counts[PLAN_UNCHANGED], 4); /* listening, route, host, service */
    assert_int_equal(p.foreign, 0);
    plan_free(&p);
}

/* Foreign entries (not created by ocsfed, not named by the manifest) are left alone;
 * those ocsfed owns and the manifest no longer wants are deleted. */
static void ownership(void **state)
{
    struct plan p;
    ofd_err e;
    static const char node[] =
        "{" SE_NODE ", \"ocs\": {\"MSFT_SIPListeningAddressData\": [" LISTEN_5060
        ", {\"InstanceID\": \"{L2}\", \"IPAddress\": \"*\", \"Port\": 443, \"TransportType\": \"MTLS\", \"Enabled\": "
        "true}],"
        " \"MSFT_SIPRoutingTableData\": [" ROUTE_TCP
        ", {\"InstanceID\": \"{R2}\", \"MatchURI\": \"other.com\", \"NextHop\": \"10.9.9.9\"},"
        " {\"InstanceID\": \"{R3}\", \"MatchURI\": \"old.com\", \"NextHop\": \"10.0.0.11\", \"NextHopPort\": 5060}],"
        " \"MSFT_SIPRemoteAddressData\": [" HOST_TCP ", {\"InstanceID\": \"{H2}\", \"Server\": \"10.9.9.9\"},"
        " {\"InstanceID\": \"{H3}\", \"Server\": \"10.0.0.99\"}]},"
        " \"ocsfed\": {\"owned\": [{\"class\": \"MSFT_SIPRoutingTableData\", \"key\": \"OLD.com\"},"
        " {\"class\": \"MSFT_SIPRemoteAddressData\", \"key\": \"10.0.0.99\"},"
        " {\"class\": \"MSFT_SIPListeningAddressData\", \"key\": \"443\"}]}}";

    (void)state;
    check(TCP_SE, node,
          "delete MSFT_SIPRoutingTableData old.com [R5] id={R3} owned\n"
          "delete MSFT_SIPRemoteAddressData 10.0.0.99 [R9] id={H3} owned\n"
          "restart service RTCSRV [R19] Name=RTCSRV Reason=MSFT_SIPRoutingTableData\n",
          1);
    assert_int_equal(plan_of(TCP_SE, node, &p, &e), OFD_OK);
    /* other.com, 10.9.9.9, and the 443 listener (listeners are never deleted) */
    assert_int_equal(p.foreign, 3);
    plan_free(&p);
}

/* Switching an installation from TLS to TCP: the routes ocsfed made are updated in
 * place (same MatchURI), the FQDN host entries it made are deleted, the IP entry is
 * kept, and the 5061 MTLS listener stays (listeners are never deleted). */
static void tls_to_tcp_switch(void **state)
{
    (void)state;
    check(TCP_SE,
          "{" SE_NODE ", \"ocs\": {\"MSFT_SIPListeningAddressData\": ["
          "{\"InstanceID\": \"{L5}\", \"IPAddress\": \"*\", \"Port\": 5061, \"TransportType\": \"MTLS\", \"Enabled\": "
          "true}],"
          " \"MSFT_SIPRoutingTableData\": [{\"InstanceID\": \"{R1}\", \"MatchURI\": \"example.com\", \"NextHop\": "
          "\"imp1.example.com\","
          " \"NextHopPort\": 5061, \"NextHopTransport\": \"TLS\", \"Enabled\": true, \"ReplaceHostInRequestURI\": "
          "false}],"
          " \"MSFT_SIPRemoteAddressData\": [" HOST_TCP ", {\"InstanceID\": \"{H2}\", \"Server\": \"imp1.example.com\","
          " \"OutboundOnly\": false, \"ThrottleAsServer\": true, \"TreatAsAuthenticated\": true}]},"
          " \"ocsfed\": {\"owned\": [{\"class\": \"MSFT_SIPListeningAddressData\", \"key\": \"5061\"},"
          " {\"class\": \"MSFT_SIPRoutingTableData\", \"key\": \"example.com\"},"
          " {\"class\": \"MSFT_SIPRemoteAddressData\", \"key\": \"10.0.0.11\"},"
          " {\"class\": \"MSFT_SIPRemoteAddressData\", \"key\": \"imp1.example.com\"}]}}",
          "create MSFT_SIPListeningAddressData 5060 [R2] IPAddress=* Port=5060 TransportType=TCP Enabled=true\n"
          "update MSFT_SIPRoutingTableData example.com [R5] id={R1} owned NextHop:imp1.example.com->10.0.0.11 "
          "NextHopPort:5061->5060 NextHopTransport:TLS->TCP\n"
          "delete MSFT_SIPRemoteAddressData imp1.example.com [R9] id={H2} owned\n"
          "restart service RTCSRV [R19] Name=RTCSRV Reason=MSFT_SIPListeningAddressData\n",
          1);
}

/* A foreign route for a domain the manifest names is adopted and corrected (R5), with
 * its InstanceID kept. */
static void foreign_conflict_is_updated(void **state)
{
    (void)state;
    check(
        TCP_SE,
        "{" SE_NODE ", \"ocs\": {\"MSFT_SIPListeningAddressData\": [" LISTEN_5060 "],"
        " \"MSFT_SIPRoutingTableData\": [{\"InstanceID\": \"{R9}\", \"MatchURI\": \"Example.com\", \"NextHop\": "
        "\"imp1.example.com\","
        " \"NextHopPort\": 5061, \"NextHopTransport\": \"TLS\", \"Enabled\": true, \"ReplaceHostInRequestURI\": true}],"
        " \"MSFT_SIPRemoteAddressData\": [" HOST_TCP "]}}",
        "update MSFT_SIPRoutingTableData example.com [R5] id={R9} NextHop:imp1.example.com->10.0.0.11 "
        "NextHopPort:5061->5060 NextHopTransport:TLS->TCP ReplaceHostInRequestURI:true->false\n"
        "restart service RTCSRV [R19] Name=RTCSRV Reason=MSFT_SIPRoutingTableData\n",
        1);
}

/* R11: host authorization flags. */
static void r11_host_flags(void **state)
{
    (void)state;
    check(TCP_SE,
          "{" SE_NODE ", \"ocs\": {\"MSFT_SIPListeningAddressData\": [" LISTEN_5060 "],"
          " \"MSFT_SIPRoutingTableData\": [" ROUTE_TCP
          "], \"MSFT_SIPRemoteAddressData\": [{\"InstanceID\": \"{H1}\", \"Server\": \"10.0.0.11\","
          " \"OutboundOnly\": true, \"ThrottleAsServer\": false}]}}",
          "update MSFT_SIPRemoteAddressData 10.0.0.11 [R9] id={H1} OutboundOnly:true->false "
          "ThrottleAsServer:false->true TreatAsAuthenticated:(unset)->true\n"
          "restart service RTCSRV [R19] Name=RTCSRV Reason=MSFT_SIPRemoteAddressData\n",
          1);
}

static char *tls_node(const char *my_b64, const char *extra)
{
    struct strbuf sb = {0};

    sb_printf(&sb,
              "{\"node\": {\"fqdn\": \"fe1.example.com\", \"pool\": \"pool.example.com\"},"
              " \"services\": {\"RTCSRV\": \"running\"},"
              " \"certificates\": {\"Root\": [], \"My\": [{\"der\": \"%s\"}]}%s}",
              my_b64, extra);
    return sb_take(&sb);
}

/* R3, R6, R10, R12, R13, R16, R17, R19 on an empty Enterprise Edition front end with a
 * suitable certificate installed; the R19 restart carries the maintenance window. */
static void tls_empty_front_end(void **state)
{
    char *node = tls_node(fx.good_b64, ""), expect[4096], issuer[256] = "", serial[16] = "";
    size_t i;

    (void)state;
    for (i = 0; i < fx.good.issuer_len; i++)
        snprintf(issuer + 2 * i, 3, "%02X", fx.good.issuer_der[i]);
    for (i = 0; i < fx.good.serial_len; i++)
        snprintf(serial + 2 * i, 3, "%02X", fx.good.serial_le[i]);
    assert_string_equal(serial, "3412"); /* 0x1234, little-endian (R17, CryptoAPI order) */
    snprintf(
        expect, sizeof(expect),
        "create certificate Root/%s [R13] Store=Root Thumbprint=%s Subject=CN=Example Root CA Source=plan-root.pem\n"
        "update fips_policy FipsAlgorithmPolicy [R12] Enabled:0->1\n"
        "create MSFT_SIPListeningAddressData 5061 [R3] IPAddress=* Port=5061 TransportType=MTLS Enabled=true "
        "TLSCertIssuer=%s TLSCertSN=3412\n"
        "create MSFT_SIPRoutingTableData example.com [R6] MatchURI=example.com NextHop=imp1.example.com "
        "NextHopPort=5061 NextHopTransport=TLS Enabled=true ReplaceHostInRequestURI=false InstanceID=pool-derived\n"
        "create MSFT_SIPRemoteAddressData imp1.example.com [R10] Server=imp1.example.com OutboundOnly=false "
        "ThrottleAsServer=true TreatAsAuthenticated=true InstanceID=pool-derived\n"
        "create MSFT_SIPRemoteAddressData 10.0.0.11 [R10] Server=10.0.0.11 OutboundOnly=false ThrottleAsServer=true "
        "TreatAsAuthenticated=true InstanceID=pool-derived\n"
        "restart service RTCSRV [R19] Name=RTCSRV Reason=certificate MaintenanceWindow=sun 03:00-05:00 local\n",
        fx.root_tp, fx.root_tp, issuer);
    check(TLS_EE, node, expect, 1);
    free(node);
}

/* R17: the TLSCertSN byte order is learned from what OCS wrote on this server. A
 * listener holding the chosen certificate's serial most significant byte first makes
 * the wanted value big-endian too (no change there, a note saying so); little-endian
 * or no evidence keeps CryptoAPI's order. */
static void tls_r17_serial_order_is_learned_from_the_server(void **state)
{
    static const char *const orders[] = {"[18, 52]", "[52, 18]", NULL};
    struct strbuf extra = {0};
    struct plan p;
    ofd_err e;
    char *node;
    size_t i, k, c;

    (void)state;
    for (k = 0; k < 3; k++) {
        const struct node_value *sn = NULL;
        int note = 0;

        sb_truncate(&extra, 0);
        sb_printf(&extra,
                  ", \"fips\": {\"Enabled\": 1}, \"ocs\": {\"MSFT_SIPListeningAddressData\": ["
                  "{\"InstanceID\": \"{L1}\", \"IPAddress\": \"*\", \"Port\": 5061, \"TransportType\": \"MTLS\", "
                  "\"Enabled\": true, \"TLSCertIssuer\": [");
        for (i = 0; i < fx.good.issuer_len; i++)
            sb_printf(&extra, "%s%u", i ? "," : "", fx.good.issuer_der[i]);
        /* k == 2: the issuer of another CA, so no evidence either way */
        sb_printf(&extra, "%s], \"TLSCertSN\": %s}]}", k == 2 ? ",0" : "", orders[k] ? orders[k] : "[18, 52]");
        node = tls_node(fx.good_b64, sb_str(&extra));
        assert_int_equal(plan_of(TLS_EE, node, &p, &e), OFD_OK);
        for (c = 0; c < p.n; c++)
            if (!strcmp(p.v[c].cls, "MSFT_SIPListeningAddressData"))
                sn = node_instance_get(p.v[c].action == PLAN_UPDATE ? &p.v[c].props : &p.v[c].current, "TLSCertSN");
        for (c = 0; c < p.notes.n; c++)
            note |=
                !strcmp(p.notes.v[c].rule, "R17") && strstr(p.notes.v[c].msg, "most significant byte first") != NULL;
        if (k == 0) {
            /* big-endian on the server: unchanged, and said */
            assert_true(note);
            for (c = 0; c < p.n; c++)
                if (!strcmp(p.v[c].cls, "MSFT_SIPListeningAddressData"))
                    assert_int_equal(p.v[c].action, PLAN_UNCHANGED);
        } else if (k == 1) {
            assert_false(note);
            for (c = 0; c < p.n; c++)
                if (!strcmp(p.v[c].cls, "MSFT_SIPListeningAddressData"))
                    assert_int_equal(p.v[c].action, PLAN_UNCHANGED);
        } else {
            /* another issuer: the certificate is replaced, in CryptoAPI's order */
            assert_false(note);
            assert_non_null(sn);
            assert_int_equal(sn->nbytes, 2);
            assert_int_equal(sn->bytes[0], 0x34);
            assert_int_equal(sn->bytes[1], 0x12);
        }
        plan_free(&p);
        free(node);
    }
    sb_free(&extra);
}

/* R3: a 5061 listener with transport TLS becomes MTLS; R17: only the certificate
 * differs -> the update names R17; R12 on, R13 root present -> unchanged. */
static void tls_r3_r17_updates(void **state)
{
    struct strbuf extra = {0};
    char *node, expect[1024];
    size_t i;

    (void)state;
    sb_printf(&extra, ", \"fips\": {\"Enabled\": 1}, \"ocs\": {\"MSFT_SIPListeningAddressData\": ["
                      "{\"InstanceID\": \"{L1}\", \"IPAddress\": \"*\", \"Port\": 5061, \"TransportType\": \"TLS\", "
                      "\"Enabled\": true, \"TLSCertIssuer\": [");
    for (i = 0; i < fx.good.issuer_len; i++)
        sb_printf(&extra, "%s%u", i ? "," : "", fx.good.issuer_der[i]);
    sb_printf(&extra, "], \"TLSCertSN\": [52, 18]}]}");
    node = tls_node(fx.good_b64, sb_str(&extra));
    /* make the root present */
    {
        char *at = strstr(node, "\"Root\": []");
        struct strbuf sb = {0};
        sb_appendn(&sb, node, (size_t)(at - node));
        sb_printf(&sb, "\"Root\": [{\"der\": \"%s\"}]", fx.root_b64);
        sb_append(&sb, at + strlen("\"Root\": []"));
        free(node);
        node = sb_take(&sb);
    }
    snprintf(
        expect, sizeof(expect),
        "update MSFT_SIPListeningAddressData 5061 [R3] id={L1} TransportType:TLS->MTLS\n"
        "create MSFT_SIPRoutingTableData example.com [R6] MatchURI=example.com NextHop=imp1.example.com "
        "NextHopPort=5061 NextHopTransport=TLS Enabled=true ReplaceHostInRequestURI=false InstanceID=pool-derived\n"
        "create MSFT_SIPRemoteAddressData imp1.example.com [R10] Server=imp1.example.com OutboundOnly=false "
        "ThrottleAsServer=true TreatAsAuthenticated=true InstanceID=pool-derived\n"
        "create MSFT_SIPRemoteAddressData 10.0.0.11 [R10] Server=10.0.0.11 OutboundOnly=false "
        "ThrottleAsServer=true TreatAsAuthenticated=true InstanceID=pool-derived\n"
        "restart service RTCSRV [R19] Name=RTCSRV Reason=MSFT_SIPListeningAddressData MaintenanceWindow=sun "
        "03:00-05:00 local\n");
    check(TLS_EE, node, expect, 1);
    free(node);
    /* now only the serial differs */
    sb_free(&extra);
    node = NULL;
    {
        struct plan p;
        ofd_err e;
        char *n2;
        sb_printf(&extra, ", \"fips\": {\"Enabled\": 1}, \"ocs\": {\"MSFT_SIPListeningAddressData\": ["
                          "{\"InstanceID\": \"{L1}\", \"IPAddress\": \"*\", \"Port\": 5061, \"TransportType\": "
                          "\"MTLS\", \"Enabled\": true, \"TLSCertSN\": [1]}]}");
        n2 = tls_node(fx.good_b64, sb_str(&extra));
        assert_int_equal(plan_of(TLS_EE, n2, &p, &e), OFD_OK);
        /* v[0] Root (create), v[1] My (unchanged), v[2] FIPS (unchanged), v[3] 5061 */
        assert_int_equal(p.v[2].action, PLAN_UNCHANGED);
        assert_string_equal(p.v[2].cls, "fips_policy");
        assert_int_equal(p.v[3].action, PLAN_UPDATE);
        assert_string_equal(p.v[3].cls, "MSFT_SIPListeningAddressData");
        assert_string_equal(p.v[3].rule, "R17");
        assert_int_equal(p.v[3].props.nprops, 2); /* TLSCertIssuer (unset) and TLSCertSN */
        plan_free(&p);
        free(n2);
    }
    sb_free(&extra);
}

/* R14, R15, R16: certificate selection failures name the rule. */
static void certificate_rules(void **state)
{
    struct plan p;
    ofd_err e;
    char *node, expect[1024];

    (void)state;
    node = tls_node(fx.noclient_b64, "");
    assert_int_equal(plan_of(TLS_EE, node, &p, &e), OFD_E_INVALID);
    assert_string_equal(e.rule, "R14");
    snprintf(
        expect, sizeof(expect),
        "no certificate in the Personal (My) store of fe1.example.com has Server and Client Authentication and "
        "CN=pool.example.com; import one (/certificates/server/pfx); [R14] certificate %s (CN=pool.example.com) lacks "
        "Client Authentication in its intended purposes (needs Server Authentication and Client Authentication)",
        fx.noclient_tp);
    assert_string_equal(e.msg, expect);
    free(node);

    node = tls_node(fx.wrongcn_b64, "");
    assert_int_equal(plan_of(TLS_EE, node, &p, &e), OFD_E_INVALID);
    snprintf(expect, sizeof(expect),
             "no certificate in the Personal (My) store of fe1.example.com has Server and Client Authentication and "
             "CN=pool.example.com; import one (/certificates/server/pfx); [R15] certificate %s has subject "
             "CN=fe1.example.com, expected CN=pool.example.com",
             fx.wrongcn_tp);
    assert_string_equal(e.msg, expect);
    free(node);

    node = tls_node(fx.expired_b64, "");
    assert_int_equal(plan_of(TLS_EE, node, &p, &e), OFD_E_INVALID);
    snprintf(expect, sizeof(expect),
             "no certificate in the Personal (My) store of fe1.example.com has Server and Client Authentication and "
             "CN=pool.example.com; import one (/certificates/server/pfx); [R16] certificate %s (CN=pool.example.com) "
             "has expired; an expired certificate stops the Front End from starting",
             fx.expired_tp);
    assert_string_equal(e.msg, expect);
    free(node);

    /* R16: a thumbprint the store does not have. */
    {
        static const char *const pairs[] = {"\"trusted_roots\": [\"plan-root.pem\"]",
                                            "\"trusted_roots\": [\"plan-root.pem\"], \"server\": {\"thumbprint\": "
                                            "\"00112233445566778899AABBCCDDEEFF00112233\"}",
                                            NULL};
        char *mt = subst(TLS_EE, pairs);
        node = tls_node(fx.good_b64, "");
        assert_int_equal(plan_of(mt, node, &p, &e), OFD_E_INVALID);
        assert_string_equal(e.rule, "R16");
        assert_string_equal(e.msg, "certificate 00112233445566778899AABBCCDDEEFF00112233 is not in the Personal (My) "
                                   "store of fe1.example.com");
        free(node);
        free(mt);
    }
    /* The right one is picked among several. */
    {
        struct strbuf sb = {0};
        sb_printf(&sb,
                  "{\"node\": {\"fqdn\": \"fe1.example.com\", \"pool\": \"pool.example.com\"},"
                  " \"certificates\": {\"My\": [{\"der\": \"%s\"}, {\"der\": \"%s\"}, {\"der\": \"%s\"}]}}",
                  fx.noclient_b64, fx.good_b64, fx.wrongcn_b64);
        assert_int_equal(plan_of(TLS_EE, sb_str(&sb), &p, &e), OFD_OK);
        snprintf(expect, sizeof(expect), "My/%s", fx.good_tp);
        assert_string_equal(p.v[1].key, expect);
        assert_string_equal(p.v[1].rule, "R16");
        assert_int_equal(p.v[1].action, PLAN_UNCHANGED);
        plan_free(&p);
        sb_free(&sb);
    }
}

/* R16 from a PKCS#12 file: opened (empty password) -> import into My, and the R17
 * selection known; not opened (password not given) -> import by file, with a note. */
static void pfx_server_certificate(void **state)
{
    static const char *const pairs[] = {
        "\"trusted_roots\": [\"plan-root.pem\"]",
        "\"trusted_roots\": [\"plan-root.pem\"], \"server\": {\"pfx\": \"plan-fe1.pfx\"}", NULL};
    char *mt = subst(TLS_EE, pairs), *node = tls_node(fx.noclient_b64, ""), expect[256], tp[41];
    struct plan p;
    ofd_err e;

    (void)state;
    write_pfx(SERVER_CLIENT, "", tp);
    assert_int_equal(plan_of(mt, node, &p, &e), OFD_OK);
    snprintf(expect, sizeof(expect), "My/%s", tp);
    assert_string_equal(p.v[1].key, expect);
    assert_int_equal(p.v[1].action, PLAN_CREATE);
    assert_string_equal(p.v[1].rule, "R16");
    assert_string_equal(node_instance_get(&p.v[1].props, "Source")->s, "plan-fe1.pfx");
    assert_non_null(node_instance_get(&p.v[3].props, "TLSCertSN"));
    plan_free(&p);
    remove("plan-fe1.pfx");

    write_pfx(SERVER_CLIENT, "secret", tp);
    assert_int_equal(plan_of(mt, node, &p, &e), OFD_OK);
    assert_string_equal(p.v[1].key, "My/pfx:plan-fe1.pfx");
    assert_int_equal(p.v[1].action, PLAN_CREATE);
    assert_null(node_instance_get(&p.v[3].props, "TLSCertSN"));
    assert_string_equal(p.notes.v[0].rule, "R16");
    assert_string_equal(
        p.notes.v[0].msg,
        "cannot open 'plan-fe1.pfx': wrong password, or no certificate with a private key in it; its certificate is "
        "checked (R14, R15) and selected (R17) when it is imported. Give its password to check it now");
    plan_free(&p);
    remove("plan-fe1.pfx");

    /* a PKCS#12 whose certificate fails R14 is refused at plan time */
    write_pfx("serverAuth", "", tp);
    assert_int_equal(plan_of(mt, node, &p, &e), OFD_E_INVALID);
    assert_string_equal(e.rule, "R14");
    assert_non_null(strstr(e.msg, "plan-fe1.pfx: certificate "));
    remove("plan-fe1.pfx");
    free(mt);
    free(node);
}

/* R13 predicted: the plan runs the chain check apply runs just before the listener
 * selects the server certificate (node_ops.cert_usable), counting the roots and
 * intermediates the same apply adds, and fails with R13 where the apply would; a
 * listener that already selects the certificate only gets a warning (apply does not
 * check it then). */
static void r13_the_plan_checks_the_chain_the_apply_will_check(void **state)
{
    static const char *const other_root[] = {"plan-root.pem", "plan-other-root.pem", NULL};
    static const char *const with_inter[] = {"\"trusted_roots\": [\"plan-root.pem\"]",
                                             "\"trusted_roots\": [\"plan-root.pem\"], \"intermediates\": "
                                             "[\"plan-inter.pem\"]",
                                             NULL};
    struct testcert_opts oo = {91, 1}, io = {92, 1}, lo = {0x1235, 1};
    struct testcert other, inter, leaf2;
    unsigned char *der = NULL;
    size_t len = 0, i;
    char *mt_other = subst(TLS_EE, other_root), *mt_inter = subst(TLS_EE, with_inter), *node, *leaf2_b64, *x;
    struct strbuf sb = {0};
    struct plan p;
    ofd_err e;
    int warned = 0;

    (void)state;
    assert_int_equal(testcert_ca_opts("Other Root CA", 3650, &oo, &other), 0);
    assert_int_equal(testcert_write_pem(&other, NULL, "plan-other-root.pem"), 0);
    assert_int_equal(testcert_intermediate(&fx.ca, "Example Issuing CA", 3000, &io, &inter), 0);
    assert_int_equal(testcert_write_pem(&inter, NULL, "plan-inter.pem"), 0);
    assert_int_equal(testcert_leaf_opts(&inter, "pool.example.com", SERVER_CLIENT, NULL, -1, 365, &lo, &leaf2), 0);
    assert_int_equal(testcert_der(&leaf2, &der, &len), 0);
    leaf2_b64 = testcert_base64(der, len);
    free(der);

    /* The manifest trusts another root, the node none: the apply would refuse. */
    node = tls_node(fx.good_b64, "");
    assert_int_equal(plan_of(mt_other, node, &p, &e), OFD_E_INVALID);
    assert_string_equal(e.rule, "R13");
    if (!strstr(e.msg, "does not chain to a root in the local machine's Trusted Root Certification Authorities "
                       "store")
        || !strstr(e.msg, fx.good_tp) || !strstr(e.msg, "issued by CN = Example Root CA"))
        fail_msg("%s", e.msg);
    free(node);
    /* The same with the root on the node already: fine. */
    node = tls_node(fx.good_b64, "");
    x = strstr(node, "\"Root\": []");
    sb_appendn(&sb, node, (size_t)(x - node));
    sb_printf(&sb, "\"Root\": [{\"der\": \"%s\"}]%s", fx.root_b64, x + strlen("\"Root\": []"));
    assert_int_equal(plan_of(mt_other, sb_str(&sb), &p, &e), OFD_OK);
    plan_free(&p);
    free(node);

    /* Through an intermediate: the root on the node, the intermediate only in the
     * manifest, which the same apply adds to CA before it selects the certificate. */
    sb_truncate(&sb, 0);
    sb_printf(&sb,
              "{\"node\": {\"fqdn\": \"fe1.example.com\", \"pool\": \"pool.example.com\"},"
              " \"services\": {\"RTCSRV\": \"running\"},"
              " \"certificates\": {\"Root\": [{\"der\": \"%s\"}], \"My\": [{\"der\": \"%s\"}]}}",
              fx.root_b64, leaf2_b64);
    assert_int_equal(plan_of(TLS_EE, sb_str(&sb), &p, &e), OFD_E_INVALID);
    assert_string_equal(e.rule, "R13");
    assert_int_equal(plan_of(mt_inter, sb_str(&sb), &p, &e), OFD_OK);
    assert_true(p.cert.selected);
    plan_free(&p);

    /* The listener already selects the certificate (nothing to write there): the apply
     * does not check it, so the plan warns instead of failing. */
    sb_truncate(&sb, 0);
    sb_printf(&sb, ", \"fips\": {\"Enabled\": 1}, \"ocs\": {\"MSFT_SIPListeningAddressData\": ["
                   "{\"InstanceID\": \"{L1}\", \"IPAddress\": \"*\", \"Port\": 5061, \"TransportType\": \"MTLS\", "
                   "\"Enabled\": true, \"TLSCertIssuer\": [");
    for (i = 0; i < fx.good.issuer_len; i++)
        sb_printf(&sb, "%s%u", i ? "," : "", fx.good.issuer_der[i]);
    sb_printf(&sb, "], \"TLSCertSN\": [52, 18]}]}");
    node = tls_node(fx.good_b64, sb_str(&sb));
    assert_int_equal(plan_of(mt_other, node, &p, &e), OFD_OK);
    for (i = 0; i < p.notes.n; i++)
        warned |= p.notes.v[i].sev == DIAG_WARNING && !strcmp(p.notes.v[i].rule, "R13")
                  && strstr(p.notes.v[i].msg, "does not chain to a root") != NULL;
    assert_true(warned);
    plan_free(&p);
    free(node);

    sb_free(&sb);
    free(leaf2_b64);
    free(mt_other);
    free(mt_inter);
    testcert_free(&leaf2);
    testcert_free(&inter);
    testcert_free(&other);
    remove("plan-other-root.pem");
    remove("plan-inter.pem");
}

/* The plan's text, as plan_print_text prints it (malloc'ed). */
static char *text_of(const struct plan *p)
{
    FILE *f = fopen("plan-text-of.out", "w+b");
    char *buf = calloc(1, 65536);
    size_t n;

    assert_non_null(f);
    assert_non_null(buf);
    plan_print_text(p, f);
    rewind(f);
    n = fread(buf, 1, 65535, f);
    buf[n] = '\0';
    fclose(f);
    remove("plan-text-of.out");
    return buf;
}

/* The server certificate the plan selects (R17) is named, however it was chosen:
 * subject, thumbprint, expiry, and issuer and serial number as the certificate MMC shows
 * them (they are otherwise only TLSCertIssuer's DER and TLSCertSN's little-endian bytes,
 * which are annotated too); in the text and in the JSON. */
static void the_selected_certificate_is_named(void **state)
{
    char *node = tls_node(fx.good_b64, ""), expires[21], want[2048], issuer[256] = "", by[256], *text, *mt;
    const char *pairs[] = {"\"trusted_roots\": [\"plan-root.pem\"]", by, NULL};
    struct plan p;
    ofd_err e;
    cJSON *j, *c;
    size_t i;

    (void)state;
    report_format_time(fx.good.not_after, expires);
    for (i = 0; i < fx.good.issuer_len; i++)
        snprintf(issuer + 2 * i, 3, "%02X", fx.good.issuer_der[i]);

    /* Picked among the installed ones (no certificates.server). */
    assert_int_equal(plan_of(TLS_EE, node, &p, &e), OFD_OK);
    text = text_of(&p);
    snprintf(want, sizeof(want),
             "transport tls\n"
             "Server certificate (R17): picked in the Personal (My) store of fe1.example.com, the valid one with "
             "CN=pool.example.com and Server and Client Authentication that expires last\n"
             "      Subject                  CN = pool.example.com\n"
             "      Thumbprint               %s\n"
             "      Expires                  %s\n"
             "      Issuer                   CN = Example Root CA\n"
             "      Serial number            12 34\n\n",
             fx.good_tp, expires);
    if (!strstr(text, want))
        fail_msg("%s", text);
    snprintf(want, sizeof(want), "      TLSCertIssuer            0x%s  (issuer CN = Example Root CA)\n", issuer);
    assert_non_null(strstr(text, want));
    assert_non_null(strstr(text, "      TLSCertSN                0x3412  (serial number 12 34)\n"));
    free(text);
    assert_non_null(text = plan_to_json(&p));
    assert_non_null(j = cJSON_Parse(text));
    assert_non_null(c = cJSON_GetObjectItem(j, "server_certificate"));
    assert_string_equal(cJSON_GetObjectItem(c, "selected_by")->valuestring, "auto");
    assert_string_equal(cJSON_GetObjectItem(c, "subject")->valuestring, "CN = pool.example.com");
    assert_string_equal(cJSON_GetObjectItem(c, "thumbprint")->valuestring, fx.good_tp);
    assert_string_equal(cJSON_GetObjectItem(c, "not_after")->valuestring, expires);
    assert_string_equal(cJSON_GetObjectItem(c, "issuer")->valuestring, "CN = Example Root CA");
    assert_string_equal(cJSON_GetObjectItem(c, "serial_number")->valuestring, "12 34");
    cJSON_Delete(j);
    free(text);
    plan_free(&p);

    /* Given by thumbprint. */
    snprintf(by, sizeof(by), "\"trusted_roots\": [\"plan-root.pem\"], \"server\": {\"thumbprint\": \"%s\"}",
             fx.good_tp);
    mt = subst(TLS_EE, pairs);
    assert_int_equal(plan_of(mt, node, &p, &e), OFD_OK);
    text = text_of(&p);
    snprintf(want, sizeof(want),
             "Server certificate (R17): given by its thumbprint in the manifest, in the Personal (My) store of "
             "fe1.example.com\n"
             "      Subject                  CN = pool.example.com\n"
             "      Thumbprint               %s\n",
             fx.good_tp);
    if (!strstr(text, want))
        fail_msg("%s", text);
    free(text);
    assert_non_null(text = plan_to_json(&p));
    assert_non_null(j = cJSON_Parse(text));
    c = cJSON_GetObjectItem(j, "server_certificate");
    assert_string_equal(cJSON_GetObjectItem(c, "selected_by")->valuestring, "thumbprint");
    assert_string_equal(cJSON_GetObjectItem(c, "serial_number")->valuestring, "12 34");
    cJSON_Delete(j);
    free(text);
    plan_free(&p);
    free(mt);
    free(node);

    /* TCP: no certificate, null. */
    assert_int_equal(plan_of(TCP_SE, "{" SE_NODE "}", &p, &e), OFD_OK);
    assert_non_null(text = plan_to_json(&p));
    assert_non_null(j = cJSON_Parse(text));
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(j, "server_certificate")));
    cJSON_Delete(j);
    free(text);
    plan_free(&p);
}

/* Which server: the node's FQDN selects; editions and pools must agree. */
static void server_selection(void **state)
{
    struct plan p;
    ofd_err e;

    (void)state;
    assert_int_equal(plan_of(TCP_SE, "{\"node\": {\"fqdn\": \"se2.example.com\"}}", &p, &e), OFD_E_NOTFOUND);
    assert_string_equal(
        e.msg, "server 'se2.example.com' is not governed by this manifest (/ocs/servers names: se1.example.com)");
    assert_int_equal(
        plan_of(TCP_SE, "{\"node\": {\"fqdn\": \"se1.example.com\", \"pool\": \"pool.example.com\"}}", &p, &e),
        OFD_E_INVALID);
    assert_string_equal(e.msg, "se1.example.com is a front end of Enterprise Edition pool pool.example.com, but the "
                               "manifest is for Standard Edition");
    assert_int_equal(
        plan_of(TLS_EE, "{\"node\": {\"fqdn\": \"fe1.example.com\", \"pool\": \"pool2.example.com\"}}", &p, &e),
        OFD_E_INVALID);
    assert_string_equal(e.rule, "R15");
    assert_string_equal(
        e.msg, "fe1.example.com belongs to pool pool2.example.com, but the manifest governs pool pool.example.com");
    assert_int_equal(plan_of(TLS_EE, "{\"node\": {\"fqdn\": \"fe1.example.com\"}}", &p, &e), OFD_E_INVALID);
    assert_string_equal(e.msg, "fe1.example.com is a Standard Edition server, but the manifest is for Enterprise "
                               "Edition pool pool.example.com");
    assert_int_equal(plan_of(TCP_SE, "{}", &p, &e), OFD_E_INVALID);
    assert_string_equal(e.msg,
                        "the node has no FQDN (create a simulated node with 'ocsfed sim init FILE --fqdn FQDN')");
}

/* R1 (warning when the node's SIP domains lack an IM&P domain), R18 (note, TLS). */
static void r1_r18_notes(void **state)
{
    struct plan p;
    ofd_err e;
    char *node = tls_node(fx.good_b64, ", \"ocs\": {\"MSFT_SIPDomainData\": [{\"Address\": \"other.com\"}]}");

    (void)state;
    assert_int_equal(plan_of(TLS_EE, node, &p, &e), OFD_OK);
    assert_int_equal(p.notes.n, 2);
    assert_int_equal(p.notes.v[0].sev, DIAG_WARNING);
    assert_string_equal(p.notes.v[0].rule, "R1");
    assert_string_equal(
        p.notes.v[0].msg,
        "IM&P domain 'example.com' is not among the SIP domains of fe1.example.com (MSFT_SIPDomainData)");
    assert_int_equal(p.notes.v[1].sev, DIAG_NOTE);
    assert_string_equal(p.notes.v[1].rule, "R18");
    assert_string_equal(p.notes.v[1].msg,
                        "on IM&P, add TLS peer subject 'pool.example.com'; every IM&P setting: ocsfed "
                        "imp-checklist MANIFEST");
    plan_free(&p);
    free(node);
}

/* R6: the next hop FQDN must resolve from the OCS server to the node's address. */
static void r6_name_resolution(void **state)
{
    static const char *const pairs[] = {"\"nodes\": [{\"fqdn\": \"imp1.example.com\", \"ip\": \"10.0.0.11\"}]",
                                        "\"nodes\": [{\"fqdn\": \"imp1.example.com\", \"ip\": \"10.0.0.11\"}, "
                                        "{\"fqdn\": \"imp2.example.com\", \"ip\": \"10.0.0.12\"},"
                                        " {\"fqdn\": \"imp3.example.com\", \"ip\": \"10.0.0.13\"}]",
                                        NULL};
    char *mt = subst(TLS_EE, pairs);
    char *node =
        tls_node(fx.good_b64, ", \"dns\": {\"imp1.example.com\": \"10.0.0.11\", \"IMP2.example.com\": \"10.0.0.99\"}");
    struct plan p;
    ofd_err e;

    (void)state;
    assert_int_equal(plan_of(mt, node, &p, &e), OFD_OK);
    assert_int_equal(p.notes.n, 3);
    assert_string_equal(p.notes.v[0].rule, "R6");
    assert_string_equal(
        p.notes.v[0].msg,
        "IM&P node imp2.example.com resolves to 10.0.0.99 from fe1.example.com, not to 10.0.0.12 as the manifest says");
    assert_string_equal(p.notes.v[1].msg,
                        "IM&P node imp3.example.com does not resolve from fe1.example.com: TLS routes use its FQDN");
    assert_string_equal(p.notes.v[2].rule, "R18");
    plan_free(&p);
    free(node);
    free(mt);
}

/* The JSON form: classes and properties by their WMI names, typed. */
static void json_output(void **state)
{
    struct plan p;
    ofd_err e;
    char *text;
    cJSON *j, *ch, *c;

    (void)state;
    assert_int_equal(plan_of(TCP_SE,
                             "{" SE_NODE ", \"ocs\": {\"MSFT_SIPListeningAddressData\": [" LISTEN_5060 "],"
                             " \"MSFT_SIPRoutingTableData\": [" ROUTE_TCP
                             "], \"MSFT_SIPRemoteAddressData\": [{\"InstanceID\": \"{H1}\", \"Server\": \"10.0.0.11\","
                             " \"OutboundOnly\": true, \"ThrottleAsServer\": true, \"TreatAsAuthenticated\": true}]}}",
                             &p, &e),
                     OFD_OK);
    text = plan_to_json(&p);
    assert_non_null(text);
    j = cJSON_Parse(text);
    assert_non_null(j);
    assert_string_equal(cJSON_GetObjectItem(j, "server")->valuestring, "se1.example.com");
    ch = cJSON_GetObjectItem(j, "changes");
    assert_int_equal(cJSON_GetArraySize(ch), 4);
    c = cJSON_GetArrayItem(ch, 2);
    assert_string_equal(cJSON_GetObjectItem(c, "action")->valuestring, "update");
    assert_string_equal(cJSON_GetObjectItem(c, "class")->valuestring, "MSFT_SIPRemoteAddressData");
    assert_string_equal(cJSON_GetObjectItem(c, "key")->valuestring, "10.0.0.11");
    assert_string_equal(cJSON_GetObjectItem(c, "rule")->valuestring, "R9");
    assert_string_equal(cJSON_GetObjectItem(c, "instance_id")->valuestring, "{H1}");
    assert_true(cJSON_IsFalse(cJSON_GetObjectItem(cJSON_GetObjectItem(c, "properties"), "OutboundOnly")));
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(c, "properties")), 1);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(cJSON_GetObjectItem(c, "current"), "OutboundOnly")));
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(c, "current"), "InstanceID")->valuestring, "{H1}");
    c = cJSON_GetArrayItem(ch, 3);
    assert_string_equal(cJSON_GetObjectItem(c, "action")->valuestring, "restart");
    assert_string_equal(cJSON_GetObjectItem(c, "class")->valuestring, "service");
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "summary"), "restart")));
    assert_int_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "summary"), "update")->valueint, 1);
    cJSON_Delete(j);
    free(text);
    plan_free(&p);
}

/* The text form reads like a diff. */
static void text_output(void **state)
{
    struct plan p;
    ofd_err e;
    FILE *f;
    char buf[4096];
    size_t n;

    (void)state;
    assert_int_equal(plan_of(TCP_SE,
                             "{" SE_NODE ", \"ocs\": {\"MSFT_SIPListeningAddressData\": [" LISTEN_5060 "],"
                             " \"MSFT_SIPRoutingTableData\": [" ROUTE_TCP
                             ", {\"InstanceID\": \"{R7}\", \"MatchURI\": \"x.org\"}], \"MSFT_SIPRemoteAddressData\": "
                             "[{\"InstanceID\": \"{H1}\", \"Server\": \"10.0.0.11\","
                             " \"OutboundOnly\": true, \"ThrottleAsServer\": true, \"TreatAsAuthenticated\": true}]}}",
                             &p, &e),
                     OFD_OK);
    assert_non_null(f = fopen("plan-text.out", "w+b"));
    plan_print_text(&p, f);
    rewind(f);
    n = fread(buf, 1, sizeof(buf) - 1, f);
    buf[n] = '\0';
    fclose(f);
    remove("plan-text.out");
    assert_string_equal(
        buf,
        "ocsfed plan for se1.example.com (Standard Edition), manifest serial 4, transport tcp\n"
        "\n"
        "~ update  MSFT_SIPRemoteAddressData 10.0.0.11  [R9 TCP: one authorized host per IM&P node, its IP address]\n"
        "      InstanceID {H1} (not created by ocsfed; the manifest names it)\n"
        "      OutboundOnly             true -> false\n"
        "\n"
        "! restart service RTCSRV  [R19 restart the Front End service, in the maintenance window]\n"
        "      Name                     \"RTCSRV\"\n"
        "      Reason                   \"MSFT_SIPRemoteAddressData\"\n"
        "\n"
        "Plan: 0 to create, 1 to update, 0 to delete, 2 unchanged; the Front End service RTCSRV restarts when a "
        "maintenance window is set (the manifest has none) or when 'ocsfed apply --restart-now' is run on the "
        "server.\n"
        "1 existing entry that ocsfed did not create and the manifest does not name left alone (--verbose lists "
        "it).\n");
    plan_free(&p);
}

/* The entries left alone are named: each with its class, key, InstanceID and why, in
 * the JSON always and in the text with --verbose (plan_print_text_ex). */
static void left_alone_entries_are_listed(void **state)
{
    static const char node[] =
        "{" SE_NODE ", \"ocs\": {\"MSFT_SIPListeningAddressData\": [" LISTEN_5060
        ", {\"InstanceID\": \"{L2}\", \"IPAddress\": \"*\", \"Port\": 443, \"TransportType\": \"MTLS\", \"Enabled\": "
        "true}],"
        " \"MSFT_SIPRoutingTableData\": [" ROUTE_TCP ", {\"InstanceID\": \"{R2}\", \"MatchURI\": \"other.com\"},"
        " {\"InstanceID\": \"{R4}\", \"NextHop\": \"10.9.9.8\"}],"
        " \"MSFT_SIPRemoteAddressData\": [" HOST_TCP "]},"
        " \"ocsfed\": {\"owned\": [{\"class\": \"MSFT_SIPListeningAddressData\", \"key\": \"443\"}]}}";
    struct plan p;
    ofd_err e;
    FILE *f;
    char buf[4096], *text;
    size_t n;
    cJSON *j, *a, *x;

    (void)state;
    assert_int_equal(plan_of(TCP_SE, node, &p, &e), OFD_OK);
    assert_int_equal(p.foreign, 3);
    assert_string_equal(p.left_alone[0].cls, "MSFT_SIPListeningAddressData");
    assert_string_equal(p.left_alone[0].key, "443");
    assert_string_equal(p.left_alone[0].instance_id, "{L2}");
    assert_string_equal(p.left_alone[1].key, "other.com");
    assert_null(p.left_alone[2].key);
    assert_non_null(f = fopen("plan-left.out", "w+b"));
    plan_print_text_ex(&p, 1, f);
    rewind(f);
    n = fread(buf, 1, sizeof(buf) - 1, f);
    buf[n] = '\0';
    fclose(f);
    remove("plan-left.out");
    assert_non_null(strstr(
        buf, "No changes: se1.example.com matches the manifest (4 items checked).\n"
             "3 existing entries that ocsfed did not create and the manifest does not name left alone:\n"
             "      MSFT_SIPListeningAddressData 443 (InstanceID {L2}): ocsfed never deletes a listening address "
             "(OCS uses them for its own traffic)\n"
             "      MSFT_SIPRoutingTableData other.com (InstanceID {R2}): not created by ocsfed and not named by the "
             "manifest\n"
             "      MSFT_SIPRoutingTableData (no MatchURI) (InstanceID {R4}): it has no MatchURI, so ocsfed did not "
             "make it\n"));
    /* JSON: all of them, always. */
    assert_non_null(text = plan_to_json(&p));
    assert_non_null(j = cJSON_Parse(text));
    assert_int_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "summary"), "left_alone")->valueint, 3);
    a = cJSON_GetObjectItem(j, "left_alone");
    assert_int_equal(cJSON_GetArraySize(a), 3);
    x = cJSON_GetArrayItem(a, 1);
    assert_string_equal(cJSON_GetObjectItem(x, "class")->valuestring, "MSFT_SIPRoutingTableData");
    assert_string_equal(cJSON_GetObjectItem(x, "key")->valuestring, "other.com");
    assert_string_equal(cJSON_GetObjectItem(x, "instance_id")->valuestring, "{R2}");
    assert_string_equal(cJSON_GetObjectItem(x, "why")->valuestring,
                        "not created by ocsfed and not named by the manifest");
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(cJSON_GetArrayItem(a, 2), "key")));
    cJSON_Delete(j);
    free(text);
    plan_free(&p);
}

/* Malformed simulated nodes are reported with their position. */
static void bad_sim_nodes(void **state)
{
    struct node node = {0};
    ofd_err e;

    (void)state;
    assert_int_equal(
        simnode_open_buffer("{\"ocs\": {\"MSFT_SIPRoutingTableData\": [{\"NextHopPort\": \"5060\"}]}}",
                            strlen("{\"ocs\": {\"MSFT_SIPRoutingTableData\": [{\"NextHopPort\": \"5060\"}]}}"),
                            "n.json", &node, &e),
        OFD_E_INVALID);
    assert_string_equal(e.msg, "n.json:1:55: /ocs/MSFT_SIPRoutingTableData/0/NextHopPort: "
                               "MSFT_SIPRoutingTableData.NextHopPort: expected an integer 0..4294967295 (CIM uint32)");
    assert_int_equal(
        simnode_open_buffer("{\"ocs\": {\"MSFT_SIPListeningAddressData\": [{\"TLSCertSN\": [1, 300]}]}}",
                            strlen("{\"ocs\": {\"MSFT_SIPListeningAddressData\": [{\"TLSCertSN\": [1, 300]}]}}"),
                            "n.json", &node, &e),
        OFD_E_INVALID);
    assert_string_equal(e.msg,
                        "n.json:1:57: /ocs/MSFT_SIPListeningAddressData/0/TLSCertSN: "
                        "MSFT_SIPListeningAddressData.TLSCertSN: expected an array of integers 0..255 (CIM uint8[])");
    assert_int_equal(simnode_open_buffer("{\"nodes\": 1}", strlen("{\"nodes\": 1}"), "n.json", &node, &e),
                     OFD_E_INVALID);
    assert_string_equal(e.msg, "n.json:1:11: /nodes: unknown key 'nodes'");
    assert_int_equal(simnode_open_buffer("{\n\"node\": }", strlen("{\n\"node\": }"), "n.json", &node, &e),
                     OFD_E_INVALID);
    assert_string_equal(
        e.msg, "n.json:2:9: unexpected '}', expected a value (object, array, string, number, true, false or null)");
}

/* A dump of a real server (Get-WmiObject | ConvertTo-Json) loads as it is: a single
 * instance as an object, __ system properties, PowerShell metadata objects, nulls. */
static void wmi_dump_loads(void **state)
{
    struct node node = {0};
    struct node_instances l;
    const struct node_value *v;
    ofd_err e;

    (void)state;
    assert_int_equal(simnode_open(data_dir_file("wmi-dump-node.json"), &node, &e), OFD_OK);
    assert_int_equal(node.ops->instances(node.ctx, "MSFT_SIPRoutingTableData", &l, &e), OFD_OK);
    assert_int_equal(l.n, 1);
    assert_non_null(v = node_instance_get(&l.v[0], "NextHopPort"));
    assert_int_equal(v->type, OCS_UINT32);
    assert_int_equal(v->u, 5060);
    assert_non_null(v = node_instance_get(&l.v[0], "__RELPATH"));
    assert_int_equal(v->type, OCS_STRING);
    assert_null(node_instance_get(&l.v[0], "Scope"));
    assert_null(node_instance_get(&l.v[0], "TLSCertSN"));
    node_instances_free(&l);
    assert_int_equal(node.ops->instances(node.ctx, "MSFT_SIPListeningAddressData", &l, &e), OFD_OK);
    assert_int_equal(l.n, 1);
    assert_non_null(v = node_instance_get(&l.v[0], "TLSCertIssuer"));
    assert_int_equal(v->type, OCS_UINT8_ARRAY);
    assert_int_equal(v->nbytes, 2);
    node_instances_free(&l);
    node_close(&node);
}

/* sim init writes a node that reads back; a missing file is an empty node. */
static void sim_init_round_trip(void **state)
{
    struct node node = {0};
    struct node_identity id;
    struct node_instances l;
    char *st = NULL;
    ofd_err e;

    (void)state;
    remove("sim-init.json");
    assert_int_equal(simnode_init_file("sim-init.json", "FE1.example.com", "pool.example.com", NULL, &e), OFD_OK);
    assert_int_equal(simnode_init_file("sim-init.json", "fe1.example.com", NULL, NULL, &e), OFD_E_CONFLICT);
    assert_int_equal(simnode_open("sim-init.json", &node, &e), OFD_OK);
    assert_int_equal(node.ops->identity(node.ctx, &id, &e), OFD_OK);
    assert_string_equal(id.fqdn, "fe1.example.com");
    assert_string_equal(id.pool_fqdn, "pool.example.com");
    assert_null(id.backend);
    node_identity_free(&id);
    assert_int_equal(node.ops->instances(node.ctx, "MSFT_SIPRoutingTableData", &l, &e), OFD_OK);
    assert_int_equal(l.n, 0);
    assert_int_equal(node.ops->service_state(node.ctx, "RTCSRV", &st, &e), OFD_OK);
    assert_string_equal(st, "running");
    free(st);
    node_close(&node);
    remove("sim-init.json");
    assert_int_equal(simnode_init_file("sim-init.json", "fe1", NULL, NULL, &e), OFD_E_INVALID);
    assert_string_equal(e.msg, "--fqdn 'fe1' is not fully qualified (needs a dot, e.g. host.example.com)");
    assert_int_equal(simnode_open("sim-missing.json", &node, &e), OFD_OK);
    assert_int_equal(node.ops->identity(node.ctx, &id, &e), OFD_OK);
    assert_null(id.fqdn);
    node_close(&node);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ocs_pool_ids),
        cmocka_unit_test(tcp_empty_node),
        cmocka_unit_test(tcp_converged),
        cmocka_unit_test(ownership),
        cmocka_unit_test(foreign_conflict_is_updated),
        cmocka_unit_test(tls_to_tcp_switch),
        cmocka_unit_test(r11_host_flags),
        cmocka_unit_test(tls_empty_front_end),
        cmocka_unit_test(tls_r3_r17_updates),
        cmocka_unit_test(tls_r17_serial_order_is_learned_from_the_server),
        cmocka_unit_test(certificate_rules),
        cmocka_unit_test(pfx_server_certificate),
        cmocka_unit_test(the_selected_certificate_is_named),
        cmocka_unit_test(r13_the_plan_checks_the_chain_the_apply_will_check),
        cmocka_unit_test(server_selection),
        cmocka_unit_test(r1_r18_notes),
        cmocka_unit_test(r6_name_resolution),
        cmocka_unit_test(json_output),
        cmocka_unit_test(text_output),
        cmocka_unit_test(left_alone_entries_are_listed),
        cmocka_unit_test(bad_sim_nodes),
        cmocka_unit_test(wmi_dump_loads),
        cmocka_unit_test(sim_init_round_trip),
    };
    if (argc > 1)
        data_dir = argv[1];
    return cmocka_run_group_tests(tests, setup, teardown);
}
