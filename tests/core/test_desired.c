/* Expansion of a manifest into one server's desired state: the exact items, in order,
 * for TLS and TCP, Standard and Enterprise Edition, each with the rule it comes from. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "desired.h"
#include "test_manifest_util.h"

static const char TLS_EE[] =
    "{\"manifest_version\": 1, \"serial\": 3,\n"
    " \"imp\": {\"transport\": \"tls\", \"server_auth_port\": 5063, \"domains\": [\"example.com\", \"foo.com\"],\n"
    "  \"nodes\": [{\"fqdn\": \"imp1.example.com\", \"ip\": \"10.0.0.11\"}, {\"fqdn\": \"imp2.example.com\", \"ip\": "
    "\"10.0.0.12\"}],\n"
    "  \"route_next_hop\": \"imp2.example.com\"},\n"
    " \"ocs\": {\"edition\": \"enterprise\", \"pool_fqdn\": \"pool.example.com\", \"servers\": [\"fe1.example.com\", "
    "\"fe2.example.com\"]}}\n";

static const char TCP_SE[] = "{\"manifest_version\": 1, \"serial\": 4,\n"
                             " \"imp\": {\"transport\": \"tcp\", \"domains\": [\"example.com\"],\n"
                             "  \"nodes\": [{\"fqdn\": \"imp1.example.com\", \"ip\": \"10.0.0.11\"}, {\"fqdn\": "
                             "\"imp2.example.com\", \"ip\": \"10.0.0.12\"}]},\n"
                             " \"ocs\": {\"edition\": \"standard\", \"servers\": [\"se1.example.com\"]}}\n";

static struct manifest *parse(const char *text)
{
    struct manifest *m = NULL;
    char *r = diag_text(text, DIAG_WARNING, 0, &m);

    assert_string_equal(r, "");
    free(r);
    assert_non_null(m);
    return m;
}

/* One line per item: class key [rule] Name=value ... */
static char *render(const struct desired *d)
{
    struct strbuf sb = {0};
    size_t i, k;

    for (i = 0; i < d->n; i++) {
        sb_printf(&sb, "%s %s [%s]", d->v[i].inst.cls, d->v[i].key, d->v[i].rule);
        for (k = 0; k < d->v[i].inst.nprops; k++) {
            const struct node_value *v = &d->v[i].inst.props[k].v;
            char *t = node_value_text(v);
            sb_printf(&sb, v->type == OCS_STRING ? " %s=\"%s\"" : " %s=%s", d->v[i].inst.props[k].name, t);
            free(t);
        }
        sb_appendc(&sb, '\n');
    }
    return sb_take(&sb);
}

/* R2, R4, R5, R7, R9, R11, R19 */
static void tcp_standard(void **state)
{
    struct manifest *m = parse(TCP_SE);
    struct desired d;
    ofd_err e;
    char *r;

    (void)state;
    assert_int_equal(desired_expand(m, "SE1.example.com", NULL, &d, &e), OFD_OK);
    assert_string_equal(d.server, "se1.example.com");
    assert_string_equal(d.expected_cn, "se1.example.com");
    r = render(&d);
    assert_string_equal(
        r, "MSFT_SIPListeningAddressData 5060 [R2] IPAddress=\"*\" Port=5060 TransportType=\"TCP\" Enabled=true\n"
           "MSFT_SIPRoutingTableData example.com [R5] MatchURI=\"example.com\" NextHop=\"10.0.0.11\" NextHopPort=5060 "
           "NextHopTransport=\"TCP\" Enabled=true ReplaceHostInRequestURI=false\n"
           "MSFT_SIPRemoteAddressData 10.0.0.11 [R9] Server=\"10.0.0.11\" OutboundOnly=false ThrottleAsServer=true "
           "TreatAsAuthenticated=true\n"
           "MSFT_SIPRemoteAddressData 10.0.0.12 [R9] Server=\"10.0.0.12\" OutboundOnly=false ThrottleAsServer=true "
           "TreatAsAuthenticated=true\n"
           "service RTCSRV [R19] Name=\"RTCSRV\" State=\"Running\"\n");
    free(r);
    desired_free(&d);
    manifest_free(m);
}

/* R3, R4, R6, R7, R10, R11, R12, R15, R16, R17, R19 */
static void tls_enterprise(void **state)
{
    static const unsigned char issuer[] = {0x30, 0x02, 0x31, 0x00};
    static const unsigned char serial[] = {0x39, 0x30};
    struct manifest *m = parse(TLS_EE);
    struct desired_cert dc;
    struct desired d;
    ofd_err e;
    char *r;

    (void)state;
    memset(&dc, 0, sizeof(dc));
    dc.kind = MANIFEST_CERT_AUTO;
    dc.tp_known = dc.known = 1;
    memset(dc.tp, 0xAB, sizeof(dc.tp));
    dc.subject = "CN=pool.example.com";
    dc.issuer_der = issuer;
    dc.issuer_len = sizeof(issuer);
    dc.serial_le = serial;
    dc.serial_len = sizeof(serial);
    assert_int_equal(desired_expand(m, "fe2.example.com", &dc, &d, &e), OFD_OK);
    assert_string_equal(d.expected_cn, "pool.example.com"); /* R15: the pool's FQDN */
    r = render(&d);
    assert_string_equal(
        r, "certificate My/ABABABABABABABABABABABABABABABABABABABAB [R16] Store=\"My\" "
           "Thumbprint=\"ABABABABABABABABABABABABABABABABABABABAB\" Subject=\"CN=pool.example.com\"\n"
           "fips_policy FipsAlgorithmPolicy [R12] Enabled=1\n"
           "MSFT_SIPListeningAddressData 5061 [R3] IPAddress=\"*\" Port=5061 TransportType=\"MTLS\" Enabled=true "
           "TLSCertIssuer=30023100 TLSCertSN=3930\n"
           "MSFT_SIPRoutingTableData example.com [R6] MatchURI=\"example.com\" NextHop=\"imp2.example.com\" "
           "NextHopPort=5061 NextHopTransport=\"TLS\" Enabled=true ReplaceHostInRequestURI=false\n"
           "MSFT_SIPRoutingTableData foo.com [R6] MatchURI=\"foo.com\" NextHop=\"imp2.example.com\" NextHopPort=5061 "
           "NextHopTransport=\"TLS\" Enabled=true ReplaceHostInRequestURI=false\n"
           "MSFT_SIPRemoteAddressData imp1.example.com [R10] Server=\"imp1.example.com\" OutboundOnly=false "
           "ThrottleAsServer=true TreatAsAuthenticated=true\n"
           "MSFT_SIPRemoteAddressData 10.0.0.11 [R10] Server=\"10.0.0.11\" OutboundOnly=false ThrottleAsServer=true "
           "TreatAsAuthenticated=true\n"
           "MSFT_SIPRemoteAddressData imp2.example.com [R10] Server=\"imp2.example.com\" OutboundOnly=false "
           "ThrottleAsServer=true TreatAsAuthenticated=true\n"
           "MSFT_SIPRemoteAddressData 10.0.0.12 [R10] Server=\"10.0.0.12\" OutboundOnly=false ThrottleAsServer=true "
           "TreatAsAuthenticated=true\n"
           "service RTCSRV [R19] Name=\"RTCSRV\" State=\"Running\"\n");
    free(r);
    desired_free(&d);
    manifest_free(m);
}

/* TLS with the certificate not known yet (a PKCS#12 not opened): R16 by file, no R17
 * properties; TLS Standard Edition: the CN is the server's own FQDN. */
static void tls_standard_pfx_unknown(void **state)
{
    static const char *const pairs[] = {
        "\"enterprise\", \"pool_fqdn\": \"pool.example.com\", \"servers\": [\"fe1.example.com\", \"fe2.example.com\"]",
        "\"standard\", \"servers\": [{\"fqdn\": \"se1.example.com\", \"certificate\": {\"pfx\": \"se1.pfx\", "
        "\"sha256\": \"abababababababababababababababababababababababababababababababab\"}}]",
        NULL};
    char *text = subst(TLS_EE, pairs);
    struct manifest *m = parse(text);
    struct desired_cert dc;
    struct desired d;
    ofd_err e;
    char *r;

    (void)state;
    memset(&dc, 0, sizeof(dc));
    dc.kind = MANIFEST_CERT_PFX;
    dc.pfx = &m->servers[0].cert.pfx;
    assert_int_equal(desired_expand(m, "se1.example.com", &dc, &d, &e), OFD_OK);
    assert_string_equal(d.expected_cn, "se1.example.com");
    r = render(&d);
    assert_non_null(strstr(
        r, "certificate My/pfx:se1.pfx [R16] Store=\"My\" Source=\"se1.pfx\"\n"
           "fips_policy FipsAlgorithmPolicy [R12] Enabled=1\n"
           "MSFT_SIPListeningAddressData 5061 [R3] IPAddress=\"*\" Port=5061 TransportType=\"MTLS\" Enabled=true\n"));
    free(r);
    desired_free(&d);
    manifest_free(m);
    free(text);
}

static void server_not_governed(void **state)
{
    struct manifest *m = parse(TLS_EE);
    struct desired d;
    ofd_err e;

    (void)state;
    ofd_err_clear(&e);
    assert_int_equal(desired_expand(m, "fe9.example.com", NULL, &d, &e), OFD_E_NOTFOUND);
    assert_string_equal(e.msg, "server 'fe9.example.com' is not governed by this manifest "
                               "(/ocs/servers names: fe1.example.com, fe2.example.com)");
    manifest_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(tcp_standard),
        cmocka_unit_test(tls_enterprise),
        cmocka_unit_test(tls_standard_pfx_unknown),
        cmocka_unit_test(server_not_governed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
