/* Manifest v1: every class of bad input, and every rule a manifest alone can break,
 * each asserting the exact diagnostic line (file:line:col: severity: [rule] pointer:
 * message). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "jsonpos.h"
#include "test_manifest_util.h"
#include "testcert.h"

/* A pin of the right form, for manifests parsed without reading their files. */
#define PIN "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
/* The SHA-256 of "hello\n". */
#define HELLO_SHA256 "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03"

/* Enterprise Edition, TLS: lines and columns below refer to this text. */
static const char BASE[] =
    "{\n"
    "\"manifest_version\": 1,\n"
    "\"serial\": 7,\n"
    "\"imp\": {\"transport\": \"tls\", \"server_auth_port\": 5063, \"domains\": [\"example.com\", \"foo.com\"],\n"
    " \"nodes\": [{\"fqdn\": \"imp1.example.com\", \"ip\": \"10.0.0.11\"}, {\"fqdn\": \"imp2.example.com\", \"ip\": "
    "\"10.0.0.12\"}]},\n"
    "\"ocs\": {\"edition\": \"enterprise\", \"pool_fqdn\": \"pool.example.com\", \"servers\": [\"fe1.example.com\", "
    "\"fe2.example.com\"]}\n"
    "}\n";

/* Errors and warnings of BASE with substitutions. */
static char *errors_of(const char *const *pairs)
{
    char *text = subst(BASE, pairs), *r = diag_text(text, DIAG_WARNING, 0, NULL);

    free(text);
    return r;
}

#define CHECK(expect, ...)                                       \
    do {                                                         \
        static const char *const pairs_[] = {__VA_ARGS__, NULL}; \
        char *got_ = errors_of(pairs_);                          \
        assert_string_equal(got_, expect);                       \
        free(got_);                                              \
    } while (0)

static void base_is_valid(void **state)
{
    struct manifest *m = NULL;
    char *r;

    (void)state;
    r = diag_text(BASE, DIAG_NOTE, 0, &m);
    assert_string_equal(r, "m.json:1:1: note: [R13] no /certificates/trusted_roots: ocsfed will not check that the "
                           "root CA of the IM&P certificate is in the Trusted Root store\n"
                           "m.json:1:1: note: [R19] no /maintenance_window: ocsfed never restarts the Front End by "
                           "itself, so a change that needs the restart waits until a window is set, or until 'ocsfed "
                           "apply --restart-now' is run on the server\n"
                           "m.json:6:8: note: [R18] /ocs: on IM&P, add TLS peer subject 'pool.example.com'; every "
                           "IM&P setting: ocsfed imp-checklist MANIFEST\n");
    free(r);
    assert_non_null(m);
    assert_int_equal(m->serial, 7);
    assert_int_equal(m->transport, MANIFEST_TLS);
    assert_int_equal(m->peer_auth_port, 5061);
    assert_int_equal(m->server_auth_port, 5063);
    assert_int_equal(m->route_port, 5061); /* R6: the peer-auth port */
    assert_int_equal(m->ndomains, 2);
    assert_int_equal(m->nnodes, 2);
    assert_int_equal(m->next_hop, 0); /* default: the first node */
    assert_int_equal(m->edition, MANIFEST_ENTERPRISE);
    assert_string_equal(m->pool_fqdn, "pool.example.com");
    assert_int_equal(m->nservers, 2);
    assert_int_equal(m->server_cert.kind, MANIFEST_CERT_AUTO);
    assert_int_equal(m->window.present, 0);
    manifest_free(m);
}

static void syntax_errors_have_line_and_column(void **state)
{
    char *r;

    (void)state;
    r = diag_text("{\n  \"serial\": 1,\n}\n", DIAG_NOTE, 0, NULL);
    assert_string_equal(
        r,
        "m.json:3:1: error: [syntax] unexpected '}', expected another member after ',' (no trailing commas in JSON)\n");
    free(r);
    r = diag_text("{\"a\": [1, 2}", DIAG_NOTE, 0, NULL);
    assert_string_equal(r, "m.json:1:12: error: [syntax] unexpected '}', expected ',' or ']' after an array element\n");
    free(r);
    r = diag_text("", DIAG_NOTE, 0, NULL);
    assert_string_equal(r, "m.json:1:1: error: [syntax] unexpected end of input, expected a value (object, array, "
                           "string, number, true, false or null)\n");
    free(r);
    r = diag_text("{\"s\": \"caf\xc3\xa9\" x}", DIAG_NOTE, 0, NULL);
    /* columns count characters: the é is one */
    assert_string_equal(r, "m.json:1:14: error: [syntax] unexpected 'x', expected ',' or '}' after an object member\n");
    free(r);
}

static void duplicate_keys_are_errors(void **state)
{
    (void)state;
    CHECK("m.json:3:14: error: [syntax] /serial: duplicate key 'serial' (first at 3:1)\n", "\"serial\": 7,",
          "\"serial\": 7, \"serial\": 8,");
}

static void unknown_keys_suggest(void **state)
{
    (void)state;
    CHECK("m.json:1:1: error: [schema] missing required key 'serial'\n"
          "m.json:3:1: error: [schema] /serail: unknown key 'serail'; did you mean 'serial'?\n",
          "\"serial\"", "\"serail\"");
    CHECK("m.json:4:8: error: [schema] /imp: missing required key 'transport'\n"
          "m.json:4:9: error: [schema] /imp/transprot: unknown key 'transprot'; did you mean 'transport'?\n",
          "\"transport\"", "\"transprot\"");
    CHECK("m.json:7:1: error: [schema] /colour: unknown key 'colour'\n", "\n}", ",\n\"colour\": 1}");
}

static void wrong_types(void **state)
{
    (void)state;
    CHECK("m.json:3:11: error: [schema] /serial: expected an integer, got a string\n", "\"serial\": 7",
          "\"serial\": \"7\"");
    CHECK("m.json:3:11: error: [schema] /serial: expected an integer, got 7.5\n", "\"serial\": 7", "\"serial\": 7.5");
    CHECK("m.json:4:66: error: [schema] /imp/domains: expected an array, got a string\n",
          "[\"example.com\", \"foo.com\"]", "\"example.com\"");
    CHECK("m.json:4:66: error: [schema] /imp/domains: imp.domains must list at least one entry\n",
          "[\"example.com\", \"foo.com\"]", "[]");
    CHECK("m.json:2:21: error: [schema] /manifest_version: this ocsfed reads manifest version 1, not 2\n",
          "\"manifest_version\": 1", "\"manifest_version\": 2");
    CHECK("m.json:4:22: error: [schema] /imp/transport: 'mtls' is not a transport: use \"tls\" or \"tcp\" (MTLS is "
          "what OCS's listener uses, R3)\n",
          "\"tls\"", "\"mtls\"");
}

static void ports_out_of_range(void **state)
{
    (void)state;
    CHECK("m.json:4:49: error: [R8] /imp/server_auth_port: 70000 is out of range (1..65535)\n", "5063", "70000");
    CHECK("m.json:4:49: error: [R8] /imp/server_auth_port: 0 is out of range (1..65535)\n", "5063", "0");
}

static void malformed_addresses_and_names(void **state)
{
    (void)state;
    CHECK("m.json:5:96: error: [R9] /imp/nodes/1/ip: IM&P node address '10.0.0.256' is not a dotted IPv4 address (four "
          "numbers 0-255)\n",
          "\"10.0.0.12\"", "\"10.0.0.256\"");
    CHECK("m.json:5:47: error: [R9] /imp/nodes/0/ip: IM&P node address '010.0.0.1' has a leading zero (ambiguous: "
          "octal or decimal?)\n",
          "\"10.0.0.11\"", "\"010.0.0.1\"");
    CHECK("m.json:5:47: error: [R9] /imp/nodes/0/ip: IM&P node address '224.0.0.1' is a multicast or reserved address, "
          "which cannot be an IM&P node\n",
          "\"10.0.0.11\"", "\"224.0.0.1\"");
    CHECK("m.json:5:47: error: [R9] /imp/nodes/0/ip: IM&P node address '0.0.0.0' is 0.0.0.0, which cannot be an IM&P "
          "node or an authorized host\n",
          "\"10.0.0.11\"", "\"0.0.0.0\"");
    CHECK("m.json:5:47: error: [R9] /imp/nodes/0/ip: IM&P node address '10.0.0' is not a dotted IPv4 address (four "
          "numbers 0-255)\n",
          "\"10.0.0.11\"", "\"10.0.0\"");
    CHECK("m.json:5:21: error: [R10] /imp/nodes/0/fqdn: IM&P node FQDN 'imp1' is not fully qualified (needs a dot, "
          "e.g. host.example.com)\n",
          "\"imp1.example.com\"", "\"imp1\"");
    CHECK("m.json:5:21: error: [R10] /imp/nodes/0/fqdn: IM&P node FQDN '10.0.0.11' looks like an IP address, not a "
          "name\n",
          "\"imp1.example.com\"", "\"10.0.0.11\"");
    CHECK("m.json:5:21: error: [R10] /imp/nodes/0/fqdn: IM&P node FQDN 'imp_1.example.com' has a character other than "
          "letters, digits, '-' and '.'\n",
          "\"imp1.example.com\"", "\"imp_1.example.com\"");
    CHECK("m.json:5:21: error: [R10] /imp/nodes/0/fqdn: IM&P node FQDN '-imp.example.com' has a label starting with "
          "'-'\n",
          "\"imp1.example.com\"", "\"-imp.example.com\"");
    CHECK("m.json:4:82: error: [R4] /imp/domains/1: domain 'foo..com' has an empty label (two dots, or a dot at an "
          "end)\n",
          "\"foo.com\"", "\"foo..com\"");
    CHECK("m.json:6:79: error: [schema] /ocs/servers/0: OCS server FQDN 'fe1' is not fully qualified (needs a dot, "
          "e.g. host.example.com)\n",
          "\"fe1.example.com\"", "\"fe1\"");
}

static void duplicates(void **state)
{
    (void)state;
    CHECK("m.json:4:82: error: [R4] /imp/domains/1: duplicate domain 'example.com' (also /imp/domains/0): one static "
          "route per domain, and two routes may not share a MatchURI\n",
          "\"foo.com\"", "\"Example.COM\"");
    CHECK("m.json:5:70: error: [R10] /imp/nodes/1/fqdn: duplicate IM&P node 'imp1.example.com' (also /imp/nodes/0)\n",
          "\"imp2.example.com\"", "\"IMP1.example.com\"");
    CHECK("m.json:5:96: error: [R9] /imp/nodes/1/ip: duplicate IM&P node address '10.0.0.11' (also /imp/nodes/0)\n",
          "\"10.0.0.12\"", "\"10.0.0.11\"");
    CHECK("m.json:6:98: error: [schema] /ocs/servers/1: duplicate OCS server 'fe1.example.com' (also /ocs/servers/0)\n",
          "\"fe2.example.com\"", "\"fe1.example.com\"");
}

/* R4: the next hop must be one of the nodes. */
static void r4_next_hop_among_nodes(void **state)
{
    struct manifest *m = NULL;
    static const char *const pairs[] = {"\"server_auth_port\": 5063",
                                        "\"server_auth_port\": 5063, \"route_next_hop\": \"IMP2.example.com\"", NULL};
    char *text = subst(BASE, pairs), *r;

    (void)state;
    CHECK(
        "m.json:4:73: error: [R4] /imp/route_next_hop: 'imp9.example.com' is not one of the IM&P nodes in /imp/nodes\n",
        "\"server_auth_port\": 5063", "\"server_auth_port\": 5063, \"route_next_hop\": \"imp9.example.com\"");
    r = diag_text(text, DIAG_WARNING, 0, &m);
    assert_string_equal(r, "");
    assert_non_null(m);
    assert_int_equal(m->next_hop, 1);
    manifest_free(m);
    free(r);
    free(text);
}

/* R5: TCP routes use 5060. */
static void r5_tcp_route_port(void **state)
{
    (void)state;
    CHECK("m.json:4:43: error: [R5] /imp/route_port: a TCP static route uses next hop port 5060, not 5061\n", "\"tls\"",
          "\"tcp\", \"route_port\": 5061");
    /* With TCP, the next hop may be named by the node's IP address. */
    CHECK("", "\"tls\"", "\"tcp\"", "5063", "5063, \"route_next_hop\": \"10.0.0.12\"");
}

/* R6: a TLS route to an IP address; a TLS port that is not the peer-auth port. */
static void r6_tls_route(void **state)
{
    (void)state;
    CHECK("m.json:4:73: error: [R6] /imp/route_next_hop: a TLS static route must point at the IM&P node's FQDN, never "
          "an IP address ('10.0.0.12'); use imp2.example.com\n",
          "5063", "5063, \"route_next_hop\": \"10.0.0.12\"");
    CHECK("m.json:4:69: error: [R6] /imp/route_port: the TLS static route port 5062 must equal the IM&P "
          "peer-authentication listener port 5061\n",
          "5063", "5063, \"route_port\": 5062");
}

/* R8: peer-auth on 5061 (warning), server-auth elsewhere (error). */
static void r8_listener_ports(void **state)
{
    (void)state;
    CHECK("m.json:4:49: error: [R8] /imp/server_auth_port: the IM&P server-authentication listener must not use the "
          "peer-authentication port 5061: move it (e.g. to 5063)\n",
          "5063", "5061");
    CHECK("m.json:4:8: warning: [R8] /imp: server_auth_port not given: make sure the IM&P server-authentication "
          "listener is not on 5061 (e.g. 5063)\n",
          "\"server_auth_port\": 5063, ", "");
    CHECK("m.json:4:73: warning: [R8] /imp/peer_auth_port: the guide puts the IM&P peer-authentication listener on "
          "5061, not 5062\n",
          "5063", "5063, \"peer_auth_port\": 5062, \"route_port\": 5062");
    /* R8 is about IM&P's TLS listeners: with TCP nothing is said of them, whatever the
     * ports (a manifest switched from TLS to TCP may keep them). */
    CHECK("", "\"tls\"", "\"tcp\"", "\"server_auth_port\": 5063, ", "");
    CHECK("", "\"tls\"", "\"tcp\"", "5063", "5062, \"peer_auth_port\": 5062");
}

/* R1: domains must match the OCS SIP domains (warnings). */
static void r1_domains_warn(void **state)
{
    (void)state;
    CHECK("m.json:4:82: warning: [R1] /imp/domains/1: IM&P domain 'foo.com' is not among the OCS SIP domains "
          "(/ocs/sip_domains)\n"
          "m.json:6:149: warning: [R1] /ocs/sip_domains/1: OCS SIP domain 'bar.com' is not among the IM&P domains "
          "(/imp/domains)\n",
          "\"fe2.example.com\"]", "\"fe2.example.com\"], \"sip_domains\": [\"example.com\", \"bar.com\"]");
}

/* R15: editions and the certificate subject. */
static void r15_editions(void **state)
{
    (void)state;
    CHECK("m.json:6:8: error: [R15] /ocs: an Enterprise Edition manifest needs 'pool_fqdn' (the front ends' "
          "certificate carries the pool's FQDN)\n",
          "\"pool_fqdn\": \"pool.example.com\", ", "");
    CHECK("m.json:6:45: error: [schema] /ocs/pool_fqdn: 'pool_fqdn' applies to Enterprise Edition only: each Standard "
          "Edition server is its own pool\n",
          "\"enterprise\"", "\"standard\"");
    CHECK("m.json:8:11: error: [R15] /certificates/server: one certificate cannot carry the subject of 2 Standard "
          "Edition servers (CN is each server's FQDN): give each its own in /ocs/servers/N/certificate, or omit this "
          "to let the agent pick\n",
          "\"enterprise\", \"pool_fqdn\": \"pool.example.com\"", "\"standard\"", "\n}",
          ",\n\"certificates\": {\n\"server\": {\"thumbprint\": \"A1B2C3D4E5F60718293A4B5C6D7E8F90A1B2C3D4\"}}}");
    CHECK("", "\"enterprise\", \"pool_fqdn\": \"pool.example.com\"", "\"standard\"", "\"fe2.example.com\"",
          "{\"fqdn\": \"fe2.example.com\", \"certificate\": {\"pfx\": \"fe2.pfx\", \"sha256\": \"" PIN "\"}}", "\n}",
          ",\n\"certificates\": {\n\"server\": {\"thumbprint\": \"A1B2C3D4E5F60718293A4B5C6D7E8F90A1B2C3D4\"}}}");
}

/* R16/R17: the server certificate entry. */
static void r16_r17_server_certificate(void **state)
{
    (void)state;
    CHECK("m.json:8:11: error: [R16] /certificates/server: give either 'pfx' or 'thumbprint', not both\n", "\n}",
          ",\n\"certificates\": {\n\"server\": {\"pfx\": \"a.pfx\", \"thumbprint\": \"00\"}}}");
    CHECK("m.json:8:26: error: [R17] /certificates/server/thumbprint: thumbprint 'A1B2' is not 40 hexadecimal digits\n",
          "\n}", ",\n\"certificates\": {\n\"server\": {\"thumbprint\": \"A1B2\"}}}");
    CHECK("m.json:8:11: error: [R16] /certificates/server: give 'pfx' (a PKCS#12 file to import into My) or "
          "'thumbprint' (a certificate already installed); omit the object to let the agent pick one\n",
          "\n}", ",\n\"certificates\": {\n\"server\": {}}}");
}

/* R13: certificate paths stay inside the manifest's directory. */
static void r13_paths(void **state)
{
    (void)state;
    CHECK("m.json:8:28: error: [R13] /certificates/trusted_roots/0/file: '/etc/ssl/root.pem' is absolute: give a path "
          "relative to the manifest's directory\n",
          "\n}",
          ",\n\"certificates\": {\n\"trusted_roots\": [{\"file\": \"/etc/ssl/root.pem\", \"sha256\": \"" PIN "\"}]}}");
    CHECK("m.json:8:28: error: [R13] /certificates/trusted_roots/0/file: 'C:\\certs\\root.cer' is absolute: give a "
          "path relative to the manifest's directory\n",
          "\n}",
          ",\n\"certificates\": {\n\"trusted_roots\": [{\"file\": \"C:\\\\certs\\\\root.cer\", \"sha256\": \"" PIN
          "\"}]}}");
    CHECK("m.json:8:28: error: [R13] /certificates/trusted_roots/0/file: 'certs/../../root.pem' leaves the manifest's "
          "directory ('..' is not allowed)\n",
          "\n}",
          ",\n\"certificates\": {\n\"trusted_roots\": [{\"file\": \"certs/../../root.pem\", \"sha256\": \"" PIN
          "\"}]}}");
    CHECK("m.json:8:28: error: [R13] /certificates/trusted_roots/0/file: empty path\n", "\n}",
          ",\n\"certificates\": {\n\"trusted_roots\": [{\"file\": \"\", \"sha256\": \"" PIN "\"}]}}");
    CHECK("m.json:8:28: error: [schema] /certificates/trusted_roots/0/file: NUL character (\\u0000) is not allowed in "
          "a string\n",
          "\n}", ",\n\"certificates\": {\n\"trusted_roots\": [{\"file\": \"a\\u0000b\", \"sha256\": \"" PIN "\"}]}}");
}

/* R13 with files: unreadable, not a certificate, not self-signed. */
static void r13_files(void **state)
{
    FILE *f = fopen("not-a-cert.pem", "wb");
    char *r;
    static const char *const pairs[] = {
        "\n}",
        ",\n\"certificates\": {\n\"trusted_roots\": [{\"file\": \"missing.pem\", \"sha256\": \"" PIN "\"}, "
        "{\"file\": \"not-a-cert.pem\", \"sha256\": \"" HELLO_SHA256 "\"}]}}",
        NULL};
    char *text = subst(BASE, pairs);

    (void)state;
    assert_non_null(f);
    fputs("hello\n", f);
    fclose(f);
    r = diag_text(text, DIAG_WARNING, 1, NULL);
    assert_string_equal(
        r,
        "m.json:8:28: error: [R13] /certificates/trusted_roots/0/file: cannot open 'missing.pem': there is no such "
        "file beside the manifest\n"
        "m.json:8:122: error: [R13] /certificates/trusted_roots/1: 'not-a-cert.pem' holds no DER or PEM certificate\n");
    free(r);
    free(text);
    remove("not-a-cert.pem");
}

/* TCP with certificates: ignored, with a warning. */
static void r13_tcp_certificates_ignored(void **state)
{
    (void)state;
    CHECK("m.json:7:17: warning: [R13] /certificates: certificates apply to TLS only (R12-R17): ignored with transport "
          "\"tcp\"\n",
          "\"tls\"", "\"tcp\"", "\n}", ",\n\"certificates\": {}\n}");
}

/* R19: the maintenance window. */
static void r19_maintenance_window(void **state)
{
    struct manifest *m = NULL;
    static const char *const ok[] = {"\n}",
                                     ",\n\"maintenance_window\": {\"days\": [\"sat\", \"sun\"], \"start\": \"22:00\", "
                                     "\"end\": \"02:00\", \"timezone\": \"utc\"}}",
                                     NULL};
    char *text = subst(BASE, ok), *r;

    (void)state;
    r = diag_text(text, DIAG_WARNING, 0, &m);
    assert_string_equal(r, "");
    assert_non_null(m);
    assert_int_equal(m->window.present, 1);
    assert_int_equal(m->window.days, (1u << 5) | (1u << 6));
    assert_int_equal(m->window.start_min, 22 * 60);
    assert_int_equal(m->window.end_min, 2 * 60);
    assert_int_equal(m->window.utc, 1);
    manifest_free(m);
    free(r);
    free(text);
    CHECK("m.json:7:23: error: [R19] /maintenance_window: missing required key 'end'\n"
          "m.json:7:40: error: [R19] /maintenance_window/days/1: 'sunday' is not a day: use mon, tue, wed, thu, fri, "
          "sat, sun\n"
          "m.json:7:60: error: [R19] /maintenance_window/start: '2:00' is not a time HH:MM (00:00-23:59)\n"
          "m.json:7:80: error: [R19] /maintenance_window/timezone: 'CET' is not a time zone: use \"local\" (the "
          "server's) or \"utc\"\n",
          "\n}",
          ",\n\"maintenance_window\": {\"days\": [\"sat\", \"sunday\"], \"start\": \"2:00\", \"timezone\": \"CET\"}}");
    CHECK("m.json:7:66: error: [R19] /maintenance_window/end: the window is empty (start equals end)\n", "\n}",
          ",\n\"maintenance_window\": {\"days\": [\"sat\"], \"start\": \"02:00\", \"end\": \"02:00\"}}");
    CHECK("m.json:7:40: error: [R19] /maintenance_window/days/1: duplicate day 'sat'\n", "\n}",
          ",\n\"maintenance_window\": {\"days\": [\"sat\", \"sat\"], \"start\": \"02:00\", \"end\": \"03:00\"}}");
}

/* The confirmed apply's opt-in (agent/check.c): a probe must pass within the timeout or
 * the apply is undone. */
static void confirm_probe(void **state)
{
    struct manifest *m = NULL;
    static const char *const on[] = {"\n}", ",\n\"confirm\": {\"probe\": true}}", NULL};
    static const char *const timed[] = {"\n}", ",\n\"confirm\": {\"probe\": true, \"timeout_seconds\": 3600}}", NULL};
    static const char *const off[] = {"\n}", ",\n\"confirm\": {\"probe\": false, \"timeout_seconds\": 1}}", NULL};
    char *text, *r;

    (void)state;
    r = diag_text(BASE, DIAG_WARNING, 0, &m);
    assert_non_null(m);
    assert_int_equal(m->confirm.probe, 0);
    manifest_free(m);
    free(r);
    text = subst(BASE, on);
    r = diag_text(text, DIAG_WARNING, 0, &m);
    assert_string_equal(r, "");
    assert_non_null(m);
    assert_int_equal(m->confirm.probe, 1);
    assert_int_equal(m->confirm.timeout_s, MANIFEST_CONFIRM_DEFAULT_S);
    assert_int_equal(MANIFEST_CONFIRM_DEFAULT_S, 120);
    manifest_free(m);
    free(r);
    free(text);
    text = subst(BASE, timed);
    r = diag_text(text, DIAG_WARNING, 0, &m);
    assert_string_equal(r, "");
    assert_int_equal(m->confirm.timeout_s, MANIFEST_CONFIRM_MAX_S);
    manifest_free(m);
    free(r);
    free(text);
    text = subst(BASE, off);
    r = diag_text(text, DIAG_WARNING, 0, &m);
    assert_string_equal(r, "");
    assert_int_equal(m->confirm.probe, 0);
    manifest_free(m);
    free(r);
    free(text);
    CHECK("m.json:7:22: error: [schema] /confirm/probe: expected true or false, got a string\n"
          "m.json:7:48: error: [schema] /confirm/timeout_seconds: 0 is out of range (1..3600)\n"
          "m.json:7:51: error: [schema] /confirm/timeout: unknown key 'timeout'\n",
          "\n}", ",\n\"confirm\": {\"probe\": \"yes\", \"timeout_seconds\": 0, \"timeout\": 5}}");
    CHECK("m.json:7:12: error: [schema] /confirm: missing required key 'probe'\n", "\n}",
          ",\n\"confirm\": {\"timeout_seconds\": 60}}");
    CHECK("m.json:7:12: error: [schema] /confirm: expected an object, got a boolean\n", "\n}", ",\n\"confirm\": true}");
}

/* Every error at once, in document order. */
static void all_errors_at_once(void **state)
{
    (void)state;
    CHECK(
        "m.json:3:11: error: [schema] /serial: expected an integer, got a string\n"
        "m.json:4:22: error: [schema] /imp/transport: 'udp' is not a transport: use \"tls\" or \"tcp\"\n"
        "m.json:5:96: error: [R9] /imp/nodes/1/ip: IM&P node address '10.0.0.300' is not a dotted IPv4 address (four "
        "numbers 0-255)\n"
        "m.json:6:20: error: [schema] /ocs/edition: 'premium' is not an edition: use \"standard\" or \"enterprise\"\n",
        "\"serial\": 7", "\"serial\": \"x\"", "\"tls\"", "\"udp\"", "\"10.0.0.12\"", "\"10.0.0.300\"", "\"enterprise\"",
        "\"premium\"");
}

static void limits(void **state)
{
    struct strbuf sb = {0};
    char *r;
    int i;

    (void)state;
    for (i = 0; i < JSONPOS_MAX_DEPTH + 1; i++)
        sb_appendc(&sb, '[');
    r = diag_text(sb_str(&sb), DIAG_NOTE, 0, NULL);
    assert_string_equal(r, "m.json:1:65: error: [syntax] nesting deeper than 64 levels\n");
    free(r);
    sb_free(&sb);
}

static void utf8_bom_is_accepted(void **state)
{
    struct strbuf sb = {0};
    char *r;

    (void)state;
    sb_append(&sb, "\xEF\xBB\xBF");
    sb_append(&sb, BASE);
    r = diag_text(sb_str(&sb), DIAG_WARNING, 0, NULL);
    assert_string_equal(r, "");
    free(r);
    sb_free(&sb);
}

/* Every file a manifest names is pinned by its SHA-256: a bare name, a missing or
 * malformed pin are errors; with the files read, a file that does not match its pin is
 * an error counted as a file error (what the agent refuses as file_mismatch). */
static void pins_of_named_files(void **state)
{
    struct diags d = {0};
    struct manifest *m = NULL;
    static const char *const bad_pin[] = {"\n}",
                                          ",\n\"certificates\": {\n\"trusted_roots\": [{\"file\": \"hello.pem\", "
                                          "\"sha256\": \"" PIN "\"}]}}",
                                          NULL};
    static const char *const good_pin[] = {"\n}",
                                           ",\n\"certificates\": {\n\"intermediates\": [{\"file\": \"hello.pem\", "
                                           "\"sha256\": \"" HELLO_SHA256 "\"}]}}",
                                           NULL};
    char *text;
    size_t k;
    ofd_err e;

    (void)state;
    CHECK("m.json:8:19: error: [R13] /certificates/trusted_roots/0: 'certs/root.pem' is not pinned: write {\"file\": "
          "\"certs/root.pem\", \"sha256\": \"<its SHA-256>\"} ('ocsfed pin' fills it in), so that a file changed on "
          "the share is refused\n",
          "\n}", ",\n\"certificates\": {\n\"trusted_roots\": [\"certs/root.pem\"]}}");
    CHECK("m.json:8:19: error: [R13] /certificates/trusted_roots/0: missing required key 'sha256': the SHA-256 of "
          "'root.pem', which pins the file to the signed manifest ('ocsfed pin' fills it in)\n",
          "\n}", ",\n\"certificates\": {\n\"trusted_roots\": [{\"file\": \"root.pem\"}]}}");
    CHECK("m.json:8:50: error: [R13] /certificates/trusted_roots/0/sha256: 'abc' is not a SHA-256 (64 hexadecimal "
          "digits)\n",
          "\n}", ",\n\"certificates\": {\n\"trusted_roots\": [{\"file\": \"root.pem\", \"sha256\": \"abc\"}]}}");
    CHECK("m.json:8:11: error: [R16] /certificates/server: missing required key 'sha256': the SHA-256 of 'pool.pfx', "
          "which pins the file to the signed manifest ('ocsfed pin' fills it in)\n",
          "\n}", ",\n\"certificates\": {\n\"server\": {\"pfx\": \"pool.pfx\"}}}");
    CHECK("m.json:8:80: error: [R16] /certificates/server/sha256: 'sha256' pins a 'pfx' file; a 'thumbprint' names an "
          "installed certificate and needs none\n",
          "\n}",
          ",\n\"certificates\": {\n\"server\": {\"thumbprint\": \"A1B2C3D4E5F60718293A4B5C6D7E8F90A1B2C3D4\", "
          "\"sha256\": \"" PIN "\"}}}");
    /* With the file read: the wrong pin is a file error, and says both hashes. */
    assert_int_equal(testcert_write_file("hello.pem", "hello\n", 6), 0);
    text = subst(BASE, bad_pin);
    assert_int_equal(manifest_parse(text, strlen(text), ".", NULL, 0, &m, &d, &e), OFD_E_INVALID);
    assert_int_equal(d.nerrors, 1);
    assert_int_equal(d.nfile_errors, 1);
    for (k = 0; d.v[k].sev != DIAG_ERROR; k++)
        ;
    assert_string_equal(d.v[k].ptr, "/certificates/trusted_roots/0/sha256");
    assert_string_equal(
        d.v[k].msg, "'hello.pem' does not match its pin: its SHA-256 is " HELLO_SHA256 ", the manifest "
                    "pins " PIN " (changed after the manifest was written; if that change is meant, run 'ocsfed pin' "
                    "and sign again)");
    diags_free(&d);
    free(text);
    /* The right pin: the bytes read are kept, and are what is then parsed (here: not a
     * certificate, so the error is about its content, not its pin). */
    text = subst(BASE, good_pin);
    assert_int_equal(manifest_parse(text, strlen(text), ".", NULL, 0, &m, &d, &e), OFD_E_INVALID);
    assert_int_equal(d.nfile_errors, 0);
    for (k = 0; d.v[k].sev != DIAG_ERROR; k++)
        ;
    assert_string_equal(d.v[k].msg, "'hello.pem' holds no DER or PEM certificate");
    diags_free(&d);
    free(text);
    remove("hello.pem");
}

/* ocsfed pin: a bare name becomes an object with its pin, a missing pin is added, a
 * stale one replaced; everything else stays byte for byte, and a second run changes
 * nothing. */
static void pin_rewrites_only_the_pins(void **state)
{
    const char *in = "{\n  \"certificates\": {\n    \"trusted_roots\": [ \"a.pem\",\n  {\"file\": \"b.pem\"} ],\n"
                     "    \"intermediates\": [{\"sha256\": \"" PIN "\", \"file\": \"a.pem\"}],\n"
                     "    \"server\": {\"pfx\": \"b.pem\", \"sha256\": \"" HELLO_SHA256 "\"}\n  }\n}\n";
    const char *want =
        "{\n  \"certificates\": {\n    \"trusted_roots\": [ {\"file\": \"a.pem\", \"sha256\": \"" HELLO_SHA256 "\"},\n"
        "  {\"file\": \"b.pem\", \"sha256\": \"" HELLO_SHA256 "\"} ],\n"
        "    \"intermediates\": [{\"sha256\": \"" HELLO_SHA256 "\", \"file\": \"a.pem\"}],\n"
        "    \"server\": {\"pfx\": \"b.pem\", \"sha256\": \"" HELLO_SHA256 "\"}\n  }\n}\n";
    struct diags d = {0};
    char *out = NULL, *again = NULL;
    size_t len = 0, len2 = 0, changed = 0;
    ofd_err e;

    (void)state;
    assert_int_equal(testcert_write_file("a.pem", "hello\n", 6), 0);
    assert_int_equal(testcert_write_file("b.pem", "hello\n", 6), 0);
    assert_int_equal(manifest_pin(in, strlen(in), ".", &out, &len, &changed, &d, &e), OFD_OK);
    assert_int_equal(changed, 3);
    assert_string_equal(out, want);
    assert_int_equal(manifest_pin(out, len, ".", &again, &len2, &changed, &d, &e), OFD_OK);
    assert_int_equal(changed, 0);
    assert_string_equal(again, want);
    free(out);
    free(again);
    /* A file that is not there cannot be pinned: an error, nothing written. */
    remove("b.pem");
    assert_int_equal(manifest_pin(in, strlen(in), ".", &out, &len, &changed, &d, &e), OFD_E_INVALID);
    assert_int_equal(d.nerrors, 2);
    assert_non_null(strstr(d.v[0].msg, "cannot pin 'b.pem'"));
    diags_free(&d);
    remove("a.pem");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(base_is_valid),
        cmocka_unit_test(syntax_errors_have_line_and_column),
        cmocka_unit_test(duplicate_keys_are_errors),
        cmocka_unit_test(unknown_keys_suggest),
        cmocka_unit_test(wrong_types),
        cmocka_unit_test(ports_out_of_range),
        cmocka_unit_test(malformed_addresses_and_names),
        cmocka_unit_test(duplicates),
        cmocka_unit_test(r4_next_hop_among_nodes),
        cmocka_unit_test(r5_tcp_route_port),
        cmocka_unit_test(r6_tls_route),
        cmocka_unit_test(r8_listener_ports),
        cmocka_unit_test(r1_domains_warn),
        cmocka_unit_test(r15_editions),
        cmocka_unit_test(r16_r17_server_certificate),
        cmocka_unit_test(r13_paths),
        cmocka_unit_test(r13_files),
        cmocka_unit_test(pins_of_named_files),
        cmocka_unit_test(pin_rewrites_only_the_pins),
        cmocka_unit_test(r13_tcp_certificates_ignored),
        cmocka_unit_test(r19_maintenance_window),
        cmocka_unit_test(confirm_probe),
        cmocka_unit_test(all_errors_at_once),
        cmocka_unit_test(limits),
        cmocka_unit_test(utf8_bom_is_accepted),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
