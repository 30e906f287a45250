/* The IM&P checklist (agent/imp_checklist.c): computed from the manifest for TLS
 * Enterprise Edition, TCP Standard Edition and a TLS manifest of three Standard Edition
 * servers with each kind of certificate; its JSON form parsed back item by item; its
 * place in the server's report (written, read back strictly, compared); and the
 * command's text, JSON and exit statuses. argv[1]: examples/, argv[2]: tests/core/data. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <cjson/cJSON.h>

#include "diag.h"
#include "fsutil.h"
#include "imp_checklist.h"
#include "manifest.h"
#include "report.h"
#include "strbuf.h"
#include "testutil.h"

static const char *examples = "examples";
static const char *data = "data";

static char *path(const char *dir, const char *file)
{
    struct strbuf sb = {0};

    sb_printf(&sb, "%s/%s", dir, file);
    return sb_take(&sb);
}

static struct manifest *load_example(const char *name)
{
    char *p = path(examples, name);
    struct manifest *m = testutil_load_manifest(p);

    free(p);
    return m;
}

static void make(const struct manifest *m, struct imp_checklist *c)
{
    ofd_err e;

    ofd_err_clear(&e);
    if (imp_checklist_make(m, c, &e) != OFD_OK)
        fail_msg("imp_checklist_make: %s", e.msg);
}

/* The value called name of item it, which must be there with that kind. */
static const struct imp_value *value(const struct imp_item *it, const char *name, enum imp_value_kind kind)
{
    size_t i;

    for (i = 0; i < it->nvalues; i++)
        if (strcmp(it->values[i].name, name) == 0) {
            if (it->values[i].kind != kind)
                fail_msg("item '%s': value '%s' has kind %d, not %d", it->text, name, (int)it->values[i].kind,
                         (int)kind);
            return &it->values[i];
        }
    fail_msg("item '%s' has no value '%s'", it->text, name);
    return NULL;
}

static const char *sval(const struct imp_item *it, const char *name)
{
    return value(it, name, IMP_VAL_STRING)->s;
}

static long long nval(const struct imp_item *it, const char *name)
{
    return value(it, name, IMP_VAL_NUMBER)->num;
}

/* How many items of section s; *first: the first of them. */
static size_t in_section(const struct imp_checklist *c, enum imp_section s, const struct imp_item **first)
{
    size_t i, n = 0;

    *first = NULL;
    for (i = 0; i < c->n; i++)
        if (c->v[i].section == s) {
            if (!n)
                *first = &c->v[i];
            n++;
        }
    return n;
}

static void sections_are_in_order(const struct imp_checklist *c)
{
    size_t i;

    for (i = 1; i < c->n; i++)
        assert_true(c->v[i - 1].section <= c->v[i].section);
    assert_int_equal(c->total, c->n);
}

static void tls_enterprise(void **state)
{
    struct manifest *m = load_example("tls-enterprise.json");
    struct imp_checklist c;
    const struct imp_item *it;
    char tp[41];

    (void)state;
    make(m, &c);
    sections_are_in_order(&c);
    assert_true(c.tls);
    assert_true(c.enterprise);
    assert_int_equal(c.serial, 12);
    assert_int_equal(c.n, 17);

    /* R1: the one domain, then each node with its address. */
    assert_int_equal(in_section(&c, IMP_SEC_DOMAINS, &it), 3);
    assert_string_equal(it->rule, "R1");
    assert_string_equal(sval(it, "domain"), "example.com");
    assert_string_equal(it[1].rule, "R1");
    assert_string_equal(sval(&it[1], "node"), "imp1.example.com");
    assert_string_equal(sval(&it[1], "address"), "10.10.0.11");
    assert_string_equal(sval(&it[2], "node"), "imp2.example.com");
    assert_string_equal(sval(&it[2], "address"), "10.10.0.12");

    /* R18: one peer subject, the pool's FQDN, on the peer-auth listener. */
    assert_int_equal(in_section(&c, IMP_SEC_PEER_SUBJECTS, &it), 1);
    assert_string_equal(it->rule, "R18");
    assert_string_equal(sval(it, "peer_subject"), "pool.example.com");
    assert_int_equal(nval(it, "port"), 5061);
    assert_string_equal(sval(it, "transport"), "TLS");
    assert_non_null(strstr(it->text, "System > Security > TLS Peer Subjects"));

    /* R18: the issuing CA of the certificate the agent selects (none named), and the
     * manifest's root with its pin, for a CA both sides share. */
    assert_int_equal(in_section(&c, IMP_SEC_CA_CERTS, &it), 2);
    assert_string_equal(it->rule, "R18");
    assert_string_equal(sval(it, "purpose"), "cup-trust");
    assert_string_equal(sval(it, "server_certificate"), "selected by the agent");
    assert_string_equal(sval(it, "issued_to"), "pool.example.com");
    assert_non_null(strstr(it->text, "issuing CA"));
    assert_string_equal(it[1].rule, "R18");
    assert_string_equal(sval(&it[1], "purpose"), "cup-trust");
    assert_string_equal(sval(&it[1], "file"), "certs/imp-root-ca.pem");
    assert_string_equal(sval(&it[1], "sha256"), "11a9c23b05552062a707e5facf825fe4f713c4f26b2b0b42e1fc7cb2a702911e");
    assert_string_equal(sval(&it[1], "subject"), m->roots[0].subject);
    assert_non_null(strstr(m->roots[0].subject, "Example IM and Presence Root CA"));
    cs_thumbprint_hex(m->roots[0].tp, tp);
    assert_string_equal(sval(&it[1], "thumbprint"), tp);
    assert_string_equal(tp, "E18A36E39C7221D7F5C68F7AE6928CBED08664A4");

    /* Incoming ACL: each front end by FQDN; no rule of the guide. */
    assert_int_equal(in_section(&c, IMP_SEC_ACL, &it), 2);
    assert_string_equal(it->rule, "");
    assert_string_equal(sval(it, "address_pattern"), "fe1.example.com");
    assert_string_equal(sval(&it[1], "address_pattern"), "fe2.example.com");
    assert_non_null(strstr(it->text, "System > Security > Incoming ACL"));

    /* R8: the server-auth listener moves first (5063), then peer auth on 5061. */
    assert_int_equal(in_section(&c, IMP_SEC_LISTENERS, &it), 2);
    assert_string_equal(it->rule, "R8");
    assert_string_equal(sval(it, "listener"), "Default Cisco SIP Proxy TLS Listener - Server Auth");
    assert_int_equal(nval(it, "port"), 5063);
    assert_string_equal(it[1].rule, "R8");
    assert_string_equal(sval(&it[1], "listener"), "Default Cisco SIP Proxy TLS Listener - Peer Auth");
    assert_int_equal(nval(&it[1], "port"), 5061);
    assert_string_equal(sval(&it[1], "transport"), "TLS");

    /* One static route to the pool: TLS to OCS's 5061 (R3); the chapter gives no
     * destination pattern, and the item says so rather than invent one. */
    assert_int_equal(in_section(&c, IMP_SEC_ROUTES, &it), 1);
    assert_string_equal(it->rule, "R3");
    assert_string_equal(sval(it, "next_hop"), "pool.example.com");
    assert_int_equal(nval(it, "next_hop_port"), 5061);
    assert_string_equal(sval(it, "protocol_type"), "TLS");
    value(it, "destination_pattern", IMP_VAL_NULL);

    /* Before switching TCP -> TLS. */
    assert_int_equal(in_section(&c, IMP_SEC_SWITCH, &it), 6);
    assert_string_equal(it[0].rule, "R8");
    assert_string_equal(it[1].rule, "R18");
    assert_string_equal(it[2].rule, "R13");
    assert_string_equal(sval(&it[2], "file"), "certs/imp-root-ca.pem");
    assert_string_equal(it[3].rule, "R6");
    assert_string_equal(sval(&it[3], "node"), "imp1.example.com");
    assert_string_equal(sval(&it[3], "address"), "10.10.0.11");
    assert_string_equal(sval(&it[4], "node"), "imp2.example.com");
    assert_string_equal(it[5].rule, "R3");
    assert_string_equal(sval(&it[5], "protocol_type"), "TLS");
    assert_int_equal(nval(&it[5], "next_hop_port"), 5061);

    imp_checklist_free(&c);
    manifest_free(m);
}

static void tcp_standard(void **state)
{
    struct manifest *m = load_example("tcp-standard.json");
    struct imp_checklist c;
    const struct imp_item *it;
    size_t i;

    (void)state;
    make(m, &c);
    sections_are_in_order(&c);
    assert_false(c.tls);
    assert_false(c.enterprise);
    assert_int_equal(c.serial, 1);
    /* TLS only: no peer subjects, no certificates, no R8, R18 anywhere. */
    assert_int_equal(in_section(&c, IMP_SEC_PEER_SUBJECTS, &it), 0);
    assert_int_equal(in_section(&c, IMP_SEC_CA_CERTS, &it), 0);
    for (i = 0; i < c.n; i++) {
        assert_string_not_equal(c.v[i].rule, "R8");
        assert_string_not_equal(c.v[i].rule, "R18");
        assert_null(strstr(c.v[i].text, "TLS Peer Subject"));
    }
    assert_int_equal(in_section(&c, IMP_SEC_DOMAINS, &it), 3);

    /* TCP: the server by FQDN and by its address, which the manifest does not hold. */
    assert_int_equal(in_section(&c, IMP_SEC_ACL, &it), 2);
    assert_string_equal(sval(it, "address_pattern"), "ocs-se1.example.com");
    value(&it[1], "address_pattern", IMP_VAL_NULL);
    assert_string_equal(sval(&it[1], "server"), "ocs-se1.example.com");
    assert_non_null(strstr(it[1].text, "nslookup ocs-se1.example.com"));

    /* The TCP listener on 5060 (R5), not R8. */
    assert_int_equal(in_section(&c, IMP_SEC_LISTENERS, &it), 1);
    assert_string_equal(it->rule, "R5");
    assert_string_equal(sval(it, "listener"), "Default Cisco SIP Proxy TCP Listener");
    assert_int_equal(nval(it, "port"), 5060);
    assert_string_equal(sval(it, "transport"), "TCP");

    assert_int_equal(in_section(&c, IMP_SEC_ROUTES, &it), 1);
    assert_string_equal(it->rule, "R2");
    assert_string_equal(sval(it, "next_hop"), "ocs-se1.example.com");
    assert_int_equal(nval(it, "next_hop_port"), 5060);
    assert_string_equal(sval(it, "protocol_type"), "TCP");

    /* Before switching TLS -> TCP: listener, route, PTR of the server, each node's
     * sending address (R9). */
    assert_int_equal(in_section(&c, IMP_SEC_SWITCH, &it), 5);
    assert_string_equal(it[0].rule, "R5");
    assert_string_equal(it[1].rule, "R2");
    assert_string_equal(it[2].rule, "");
    assert_string_equal(sval(&it[2], "server"), "ocs-se1.example.com");
    assert_non_null(strstr(it[2].text, "PTR"));
    assert_string_equal(it[3].rule, "R9");
    assert_string_equal(sval(&it[3], "node"), "imp1.example.com");
    assert_string_equal(sval(&it[3], "address"), "10.10.0.11");
    assert_string_equal(sval(&it[4], "address"), "10.10.0.12");
    assert_int_equal(c.n, 3 + 2 + 1 + 1 + 5);
    imp_checklist_free(&c);
    manifest_free(m);
}

/* Three Standard Edition servers over TLS, one certificate each of a kind: a peer
 * subject, a CA to upload, an ACL entry and a route each. */
#define SE3                                                                                                   \
    "{\"manifest_version\": 1, \"serial\": 40, \"imp\": {\"transport\": \"tls\", \"peer_auth_port\": 5061,"   \
    " \"domains\": [\"example.com\", \"example.org\"], \"nodes\": [{\"fqdn\": \"imp1.example.com\", \"ip\": " \
    "\"10.10.0.11\"}]},"                                                                                      \
    " \"ocs\": {\"edition\": \"standard\", \"servers\": ["                                                    \
    "{\"fqdn\": \"se1.example.com\", \"certificate\": {\"thumbprint\": "                                      \
    "\"d9cd11e3a0b1c2d3e4f5061728394a5b6c7d8e9f\"}},"                                                         \
    " {\"fqdn\": \"se2.example.com\", \"certificate\": {\"pfx\": \"certs/se2.pfx\", \"sha256\": "             \
    "\"0000000000000000000000000000000000000000000000000000000000000abc\"}},"                                 \
    " \"se3.example.com\"]},"                                                                                 \
    " \"certificates\": {\"intermediates\": [{\"file\": \"certs/issuing.pem\", \"sha256\": "                  \
    "\"00000000000000000000000000000000000000000000000000000000000000ef\"}]}}"

static struct manifest *parse_text(const char *text)
{
    struct manifest *m = NULL;
    struct diags d = {0};
    ofd_err e;

    ofd_err_clear(&e);
    if (manifest_parse(text, strlen(text), ".", NULL, MANIFEST_NO_FILES, &m, &d, &e) != OFD_OK) {
        char line[1024];
        diags_format(&d, 0, "m.json", line, sizeof(line));
        fail_msg("%s", d.n ? line : e.msg);
    }
    diags_free(&d);
    return m;
}

static void standard_edition_servers(void **state)
{
    struct manifest *m = parse_text(SE3);
    struct imp_checklist c;
    const struct imp_item *it;

    (void)state;
    make(m, &c);
    sections_are_in_order(&c);
    assert_int_equal(in_section(&c, IMP_SEC_DOMAINS, &it), 3);
    assert_string_equal(sval(&it[1], "domain"), "example.org");

    /* R18: each SE server is its own subject. */
    assert_int_equal(in_section(&c, IMP_SEC_PEER_SUBJECTS, &it), 3);
    assert_string_equal(sval(&it[0], "peer_subject"), "se1.example.com");
    assert_string_equal(sval(&it[1], "peer_subject"), "se2.example.com");
    assert_string_equal(sval(&it[2], "peer_subject"), "se3.example.com");

    /* R18: each server's certificate as the manifest names it; then the intermediate
     * (no root listed). */
    assert_int_equal(in_section(&c, IMP_SEC_CA_CERTS, &it), 4);
    assert_string_equal(sval(&it[0], "issued_to"), "se1.example.com");
    assert_string_equal(sval(&it[0], "server_certificate"), "thumbprint");
    assert_string_equal(sval(&it[0], "thumbprint"), "D9CD11E3A0B1C2D3E4F5061728394A5B6C7D8E9F");
    assert_string_equal(sval(&it[1], "issued_to"), "se2.example.com");
    assert_string_equal(sval(&it[1], "server_certificate"), "pfx");
    assert_string_equal(sval(&it[1], "file"), "certs/se2.pfx");
    assert_string_equal(sval(&it[1], "sha256"), "0000000000000000000000000000000000000000000000000000000000000abc");
    assert_string_equal(sval(&it[2], "issued_to"), "se3.example.com");
    assert_string_equal(sval(&it[2], "server_certificate"), "selected by the agent");
    assert_string_equal(sval(&it[3], "file"), "certs/issuing.pem");
    assert_string_equal(sval(&it[3], "sha256"), "00000000000000000000000000000000000000000000000000000000000000ef");
    assert_non_null(strstr(it[3].text, "intermediate"));

    assert_int_equal(in_section(&c, IMP_SEC_ACL, &it), 3);
    assert_string_equal(sval(&it[2], "address_pattern"), "se3.example.com");

    /* No server-auth port given: the item says what it must not be. */
    assert_int_equal(in_section(&c, IMP_SEC_LISTENERS, &it), 2);
    value(&it[0], "port", IMP_VAL_NULL);
    assert_int_equal(nval(&it[0], "must_not_be"), 5061);
    assert_int_equal(nval(&it[1], "port"), 5061);

    assert_int_equal(in_section(&c, IMP_SEC_ROUTES, &it), 3);
    assert_string_equal(sval(&it[0], "next_hop"), "se1.example.com");
    assert_string_equal(sval(&it[2], "next_hop"), "se3.example.com");

    /* No root in the manifest: the R13 check says where the IM&P root must be. */
    assert_int_equal(in_section(&c, IMP_SEC_SWITCH, &it), 5);
    assert_string_equal(it[2].rule, "R13");
    assert_int_equal(it[2].nvalues, 0);
    assert_non_null(strstr(it[2].text, "Trusted Root"));
    imp_checklist_free(&c);
    manifest_free(m);
}

/* Enterprise Edition: the pool's certificate is one item, a certificate two front ends
 * share is one item, and the shared fallback says which front ends use it. */
#define EE3                                                                                                    \
    "{\"manifest_version\": 1, \"serial\": 41, \"imp\": {\"transport\": \"tls\", \"server_auth_port\": 5063,"  \
    " \"domains\": [\"example.com\"], \"nodes\": [{\"fqdn\": \"imp1.example.com\", \"ip\": \"10.10.0.11\"}]}," \
    " \"ocs\": {\"edition\": \"enterprise\", \"pool_fqdn\": \"pool.example.com\", \"servers\": ["              \
    "{\"fqdn\": \"fe1.example.com\", \"certificate\": {\"thumbprint\": "                                       \
    "\"d9cd11e3a0b1c2d3e4f5061728394a5b6c7d8e9f\"}},"                                                          \
    " {\"fqdn\": \"fe2.example.com\", \"certificate\": {\"thumbprint\": "                                      \
    "\"D9CD11E3A0B1C2D3E4F5061728394A5B6C7D8E9F\"}},"                                                          \
    " \"fe3.example.com\"]}, \"certificates\": {\"server\": {\"pfx\": \"certs/pool.pfx\", \"sha256\": "        \
    "\"0000000000000000000000000000000000000000000000000000000000000abc\"}}}"

static void enterprise_certificates(void **state)
{
    struct manifest *m = parse_text(EE3);
    struct imp_checklist c;
    const struct imp_item *it;

    (void)state;
    make(m, &c);
    /* one subject and one route: the pool's */
    assert_int_equal(in_section(&c, IMP_SEC_PEER_SUBJECTS, &it), 1);
    assert_string_equal(sval(it, "peer_subject"), "pool.example.com");
    assert_int_equal(in_section(&c, IMP_SEC_ROUTES, &it), 1);
    assert_string_equal(sval(it, "next_hop"), "pool.example.com");
    /* fe1's and fe2's certificate once, then the PKCS#12 of fe3 */
    assert_int_equal(in_section(&c, IMP_SEC_CA_CERTS, &it), 2);
    assert_string_equal(sval(&it[0], "thumbprint"), "D9CD11E3A0B1C2D3E4F5061728394A5B6C7D8E9F");
    assert_string_equal(sval(&it[0], "server"), "fe1.example.com");
    assert_string_equal(sval(&it[0], "issued_to"), "pool.example.com");
    assert_string_equal(sval(&it[1], "file"), "certs/pool.pfx");
    assert_string_equal(sval(&it[1], "issued_to"), "pool.example.com");
    assert_non_null(strstr(it[1].text, "each front end the manifest gives no certificate of its own"));
    /* an ACL entry per front end */
    assert_int_equal(in_section(&c, IMP_SEC_ACL, &it), 3);
    assert_string_equal(sval(&it[2], "address_pattern"), "fe3.example.com");
    imp_checklist_free(&c);
    manifest_free(m);
}

/* The JSON form, parsed back with cJSON and checked item by item against the
 * checklist. */
static void json_form(void **state)
{
    struct manifest *m = load_example("tls-enterprise.json");
    struct imp_checklist c;
    char *text;
    cJSON *j, *items, *it, *vals, *v, *secs;
    size_t i, k, nsec = 0;

    (void)state;
    make(m, &c);
    text = imp_checklist_to_json(&c);
    assert_non_null(text);
    j = cJSON_Parse(text);
    assert_non_null(j);
    assert_int_equal(cJSON_GetObjectItem(j, "format")->valueint, 1);
    assert_int_equal(cJSON_GetObjectItem(j, "serial")->valueint, 12);
    assert_string_equal(cJSON_GetObjectItem(j, "transport")->valuestring, "tls");
    assert_string_equal(cJSON_GetObjectItem(j, "edition")->valuestring, "enterprise");
    assert_int_equal(cJSON_GetObjectItem(j, "total")->valueint, 17);
    secs = cJSON_GetObjectItem(j, "sections");
    assert_true(cJSON_IsArray(secs));
    cJSON_ArrayForEach(it, secs)
    {
        const char *id = cJSON_GetObjectItem(it, "id")->valuestring;
        assert_true(imp_section_parse(id) >= 0);
        assert_string_equal(cJSON_GetObjectItem(it, "title")->valuestring,
                            imp_section_title((enum imp_section)imp_section_parse(id)));
        nsec++;
    }
    assert_int_equal(nsec, IMP_NSECTIONS); /* TLS: every section */
    items = cJSON_GetObjectItem(j, "items");
    assert_int_equal(cJSON_GetArraySize(items), (int)c.n);
    i = 0;
    cJSON_ArrayForEach(it, items)
    {
        const struct imp_item *x = &c.v[i];
        cJSON *rule = cJSON_GetObjectItem(it, "rule");

        assert_int_equal(cJSON_GetObjectItem(it, "n")->valueint, (int)(i + 1));
        assert_string_equal(cJSON_GetObjectItem(it, "section")->valuestring, imp_section_id(x->section));
        if (x->rule[0])
            assert_string_equal(rule->valuestring, x->rule);
        else
            assert_true(cJSON_IsNull(rule));
        assert_string_equal(cJSON_GetObjectItem(it, "text")->valuestring, x->text);
        vals = cJSON_GetObjectItem(it, "values");
        assert_true(cJSON_IsObject(vals));
        assert_int_equal(cJSON_GetArraySize(vals), (int)x->nvalues);
        for (k = 0; k < x->nvalues; k++) {
            v = cJSON_GetObjectItem(vals, x->values[k].name);
            assert_non_null(v);
            switch (x->values[k].kind) {
            case IMP_VAL_STRING: assert_string_equal(v->valuestring, x->values[k].s); break;
            case IMP_VAL_NUMBER: assert_int_equal((long long)v->valuedouble, x->values[k].num); break;
            case IMP_VAL_NULL: assert_true(cJSON_IsNull(v)); break;
            }
        }
        i++;
    }
    /* A spot check of the exact values an administrator copies. */
    it = cJSON_GetArrayItem(items, 3);
    assert_string_equal(cJSON_GetObjectItem(it, "section")->valuestring, "peer_subjects");
    assert_string_equal(cJSON_GetObjectItem(it, "rule")->valuestring, "R18");
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(it, "values"), "peer_subject")->valuestring,
                        "pool.example.com");
    cJSON_Delete(j);
    free(text);
    imp_checklist_free(&c);
    manifest_free(m);
}

/* A report written with the checklist reads back with the same checklist; a report
 * without one still reads; what the reader refuses in one. */
static void report_round_trip(void **state)
{
    struct manifest *m = load_example("tls-enterprise.json");
    struct report r, back;
    struct imp_checklist c;
    ofd_err e;
    char *text = NULL, *again;
    size_t len = 0, i, k;

    (void)state;
    make(m, &c);
    assert_int_equal(report_init(&r, "fe1.example.com", 1795546800LL, 0, &e), OFD_OK);
    r.serial = 12;
    assert_int_equal(report_set_imp_checklist(&r, m, &e), OFD_OK);
    assert_non_null(r.imp);
    assert_int_equal(ofd_make_dir("imp-share", &e), OFD_OK);
    assert_int_equal(report_write("imp-share", &r, &e), OFD_OK);
    assert_int_equal(report_read_file("imp-share/fe1.example.com.json", &back, &e), OFD_OK);
    assert_non_null(back.imp);
    assert_int_equal(back.imp->tls, 1);
    assert_int_equal(back.imp->enterprise, 1);
    assert_int_equal(back.imp->serial, 12);
    assert_int_equal(back.imp->total, c.n);
    assert_int_equal(back.imp->n, c.n);
    for (i = 0; i < c.n; i++) {
        const struct imp_item *a = &c.v[i], *b = &back.imp->v[i];
        assert_int_equal(a->section, b->section);
        assert_string_equal(a->rule, b->rule);
        assert_string_equal(a->text, b->text);
        assert_int_equal(a->nvalues, b->nvalues);
        for (k = 0; k < a->nvalues; k++) {
            assert_string_equal(a->values[k].name, b->values[k].name);
            assert_int_equal(a->values[k].kind, b->values[k].kind);
            if (a->values[k].kind == IMP_VAL_STRING)
                assert_string_equal(a->values[k].s, b->values[k].s);
            assert_int_equal(a->values[k].num, b->values[k].num);
        }
    }
    /* Written again from what was read: the same bytes. */
    assert_int_equal(ofd_read_file("imp-share/fe1.example.com.json", 1u << 20, &text, &len, &e), OFD_OK);
    again = report_to_json(&back);
    assert_non_null(again);
    assert_string_equal(again, text);
    free(again);
    free(text);
    report_free(&back);

    /* Without the checklist (a refused manifest, an older agent): still a report. */
    imp_checklist_free(r.imp);
    free(r.imp);
    r.imp = NULL;
    text = report_to_json(&r);
    assert_null(strstr(text, "imp_checklist"));
    assert_int_equal(report_parse(text, strlen(text), &back, &e), OFD_OK);
    assert_null(back.imp);
    report_free(&back);
    free(text);
    report_free(&r);
    imp_checklist_free(&c);
    manifest_free(m);
}

#define HEAD                                                                                              \
    "{\"format\": 1, \"server\": \"a.example.com\", \"agent_version\": \"0.1.0\", "                       \
    "\"time\": \"2026-11-24T19:00:00Z\", \"mode\": \"apply\", \"status\": \"converged\", "                \
    "\"manifest\": {\"serial\": 1, \"sha256\": null}, "                                                   \
    "\"summary\": {\"planned\": 0, \"applied\": 0, \"drift\": 0}, "                                       \
    "\"changes\": [], \"errors\": [], \"restart_pending\": false, \"refusal\": null, \"imp_checklist\": " \
    "{\"format\": 1, \"serial\": 1, \"transport\": \"tcp\", \"edition\": \"standard\", \"total\": 1, "
#define ITEM(section, rule, values)                                                                                 \
    "\"items\": [{\"n\": 1, \"section\": \"" section "\", \"rule\": " rule ", \"text\": \"t\", \"values\": " values \
    "}]}}"

static enum ofd_code parse(const char *text, ofd_err *e)
{
    struct report r;
    enum ofd_code rc = report_parse(text, strlen(text), &r, e);

    if (rc == OFD_OK)
        report_free(&r);
    return rc;
}

static void report_reader_is_strict_about_it(void **state)
{
    ofd_err e;
    struct strbuf many = {0};
    int i;

    (void)state;
    assert_int_equal(parse(HEAD "\"sections\": [{\"id\": \"acl\", \"title\": \"x\"}], " ITEM(
                               "acl", "null", "{\"address_pattern\": null, \"port\": 5060, \"server\": \"a\"}"),
                           &e),
                     OFD_OK);
    assert_int_equal(parse(HEAD "\"sections\": [], " ITEM("acl", "\"R9\"", "{}"), &e), OFD_OK);
    assert_int_equal(parse(HEAD "\"sections\": [], " ITEM("lounge", "null", "{}"), &e), OFD_E_INVALID);
    assert_string_equal(e.msg, "imp_checklist: an item's section 'lounge' is unknown");
    assert_int_equal(parse(HEAD "\"sections\": [], " ITEM("acl", "\"R123456789\"", "{}"), &e), OFD_E_INVALID);
    assert_string_equal(e.msg, "imp_checklist: an item's rule is not a rule (R1, R2...)");
    assert_int_equal(parse(HEAD "\"sections\": [], " ITEM("acl", "null", "{\"port\": -1}"), &e), OFD_E_INVALID);
    assert_string_equal(e.msg, "imp_checklist: value 'port' is neither a string, a whole number >= 0 nor null");
    assert_int_equal(parse(HEAD "\"sections\": [], " ITEM("acl", "null", "{\"port\": true}"), &e), OFD_E_INVALID);
    assert_int_equal(parse(HEAD "\"sections\": [], " ITEM("acl", "null", "[]"), &e), OFD_E_INVALID);
    assert_string_equal(e.msg, "imp_checklist: 'values' is missing or not an object");
    /* nesting: a value may not be an object */
    assert_int_equal(parse(HEAD "\"sections\": [], " ITEM("acl", "null", "{\"a\": {}}"), &e), OFD_E_INVALID);
    assert_string_equal(e.msg, "nested deeper than 5 levels");
    /* more values than an item has */
    sb_append(&many, HEAD "\"sections\": [], \"items\": [{\"n\": 1, \"section\": \"acl\", \"rule\": null, "
                          "\"text\": \"t\", \"values\": {");
    for (i = 0; i <= IMP_MAX_VALUES; i++)
        sb_printf(&many, "%s\"v%d\": 1", i ? ", " : "", i);
    sb_append(&many, "}}]}}");
    assert_int_equal(parse(sb_str(&many), &e), OFD_E_INVALID);
    assert_string_equal(e.msg, "imp_checklist: an item has more than 8 values");
    sb_free(&many);
    /* more items than a report carries */
    sb_append(&many, HEAD "\"sections\": [], \"items\": [");
    for (i = 0; i <= IMP_MAX_ITEMS; i++)
        sb_printf(&many, "%s{\"n\": %d, \"section\": \"acl\", \"rule\": null, \"text\": \"t\", \"values\": {}}",
                  i ? ", " : "", i + 1);
    sb_append(&many, "]}}");
    assert_int_equal(parse(sb_str(&many), &e), OFD_E_INVALID);
    assert_string_equal(e.msg, "imp_checklist: more than 500 items");
    sb_free(&many);
    /* "total" below the items carried */
    assert_int_equal(parse("{\"format\": 1, \"server\": \"a.example.com\", \"agent_version\": \"0.1.0\", "
                           "\"time\": \"2026-11-24T19:00:00Z\", \"mode\": \"apply\", \"status\": \"converged\", "
                           "\"manifest\": {\"serial\": 1, \"sha256\": null}, "
                           "\"summary\": {\"planned\": 0, \"applied\": 0, \"drift\": 0}, "
                           "\"changes\": [], \"errors\": [], \"restart_pending\": false, \"refusal\": null, "
                           "\"imp_checklist\": {\"format\": 1, \"serial\": 1, \"transport\": \"tcp\", \"edition\": "
                           "\"standard\", \"total\": 0, \"sections\": [], " ITEM("acl", "null", "{}"),
                           &e),
                     OFD_E_INVALID);
    assert_string_equal(e.msg, "imp_checklist: 'total' is less than the items it carries");
    assert_int_equal(parse(HEAD "\"sections\": [], \"items\": []}, \"x\": 1}", &e), OFD_OK);
    assert_int_equal(parse("{\"format\": 1, \"server\": \"a.example.com\", \"agent_version\": \"0.1.0\", "
                           "\"time\": \"2026-11-24T19:00:00Z\", \"mode\": \"apply\", \"status\": \"converged\", "
                           "\"manifest\": {\"serial\": 1, \"sha256\": null}, "
                           "\"summary\": {\"planned\": 0, \"applied\": 0, \"drift\": 0}, "
                           "\"changes\": [], \"errors\": [], \"restart_pending\": false, \"refusal\": null, "
                           "\"imp_checklist\": {\"format\": 2}}",
                           &e),
                     OFD_E_INVALID);
    assert_string_equal(e.msg, "imp_checklist: 'format' is not 1");
}

/* A report keeps to the reader's bounds: the first IMP_MAX_ITEMS items, "total" all of
 * them. */
static void a_report_carries_at_most_500_items(void **state)
{
    struct strbuf text = {0};
    struct manifest *m;
    struct report r, back;
    ofd_err e;
    char *json;
    int i;

    (void)state;
    sb_append(&text, "{\"manifest_version\": 1, \"serial\": 3, \"imp\": {\"transport\": \"tcp\", \"domains\": [");
    for (i = 0; i < 600; i++)
        sb_printf(&text, "%s\"d%d.example.com\"", i ? ", " : "", i);
    sb_append(&text, "], \"nodes\": [{\"fqdn\": \"imp1.example.com\", \"ip\": \"10.10.0.11\"}]}, \"ocs\": "
                     "{\"edition\": \"standard\", \"servers\": [\"se1.example.com\"]}}");
    m = parse_text(sb_str(&text));
    assert_int_equal(report_init(&r, "se1.example.com", 1795546800LL, 0, &e), OFD_OK);
    assert_int_equal(report_set_imp_checklist(&r, m, &e), OFD_OK);
    assert_true(r.imp->n > 600);
    json = report_to_json(&r);
    assert_non_null(json);
    assert_int_equal(report_parse(json, strlen(json), &back, &e), OFD_OK);
    assert_int_equal(back.imp->n, IMP_MAX_ITEMS);
    assert_int_equal(back.imp->total, r.imp->n);
    assert_string_equal(back.imp->v[0].text, r.imp->v[0].text);
    report_free(&back);
    free(json);
    report_free(&r);
    manifest_free(m);
    sb_free(&text);
}

static void command(void **state)
{
    char *tls = path(examples, "tls-enterprise.json"), *tcp = path(examples, "tcp-standard.json");
    char *bad = path(data, "bad-many.json"), *want = NULL;
    cJSON *j;

    (void)state;
    /* valid: 0, the text numbered and grouped */
    assert_int_equal(testutil_ocsfed("imp-checklist", tls, NULL), 0);
    assert_non_null(strstr(testutil_out, "IM&P checklist for "));
    assert_non_null(strstr(testutil_out, "\nB. TLS peer subjects\n"));
    assert_non_null(strstr(testutil_out, "\n  4. IM&P Admin, System > Security > TLS Peer Subjects: add "));
    assert_non_null(strstr(testutil_out, "       peer_subject: pool.example.com\n"));
    assert_non_null(strstr(testutil_out, "[R18]"));
    assert_non_null(strstr(testutil_out, "\n 17. "));
    assert_null(strstr(testutil_out, "\n 18. "));
    assert_string_equal(testutil_err, "");
    assert_int_equal(testutil_ocsfed("imp-checklist", tcp, NULL), 0);
    assert_null(strstr(testutil_out, "[R8]"));
    assert_null(strstr(testutil_out, "[R18]"));
    assert_non_null(strstr(testutil_out, "       address_pattern: (not known to ocsfed: see above)\n"));
    /* --json: one object, items as the library makes them */
    assert_int_equal(testutil_ocsfed("imp-checklist", tls, "--json", NULL), 0);
    j = cJSON_Parse(testutil_out);
    assert_non_null(j);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(j, "items")), 17);
    cJSON_Delete(j);
    assert_int_equal(testutil_ocsfed("imp-checklist", "--json", tcp, NULL), 0);
    assert_non_null(j = cJSON_Parse(testutil_out));
    assert_string_equal(cJSON_GetObjectItem(j, "transport")->valuestring, "tcp");
    cJSON_Delete(j);
    /* invalid: 1, the validator's messages as `ocsfed validate` prints them */
    assert_int_equal(testutil_ocsfed("validate", bad, NULL), 1);
    want = ofd_strdup(testutil_err);
    assert_int_equal(testutil_ocsfed("imp-checklist", bad, NULL), 1);
    assert_string_equal(testutil_err, want);
    assert_string_equal(testutil_out, "");
    assert_int_equal(testutil_ocsfed("imp-checklist", bad, "--json", NULL), 1);
    assert_string_equal(testutil_out, "");
    assert_int_equal(testutil_ocsfed("imp-checklist", "no-such-manifest.json", NULL), 1);
    assert_non_null(strstr(testutil_err, "ocsfed: cannot open 'no-such-manifest.json'"));
    /* usage: 2; --help: 0 */
    assert_int_equal(testutil_ocsfed("imp-checklist", NULL), 2);
    assert_string_equal(testutil_err, "usage: ocsfed imp-checklist MANIFEST [--json]\n");
    assert_int_equal(testutil_ocsfed("imp-checklist", tls, "--text", NULL), 2);
    assert_int_equal(testutil_ocsfed("imp-checklist", tls, tcp, NULL), 2);
    assert_int_equal(testutil_ocsfed("imp-checklist", "--help", NULL), 0);
    assert_string_equal(testutil_out, "usage: ocsfed imp-checklist MANIFEST [--json]\n");
    free(want);
    free(tls);
    free(tcp);
    free(bad);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(tls_enterprise),
        cmocka_unit_test(tcp_standard),
        cmocka_unit_test(standard_edition_servers),
        cmocka_unit_test(enterprise_certificates),
        cmocka_unit_test(json_form),
        cmocka_unit_test(report_round_trip),
        cmocka_unit_test(report_reader_is_strict_about_it),
        cmocka_unit_test(a_report_carries_at_most_500_items),
        cmocka_unit_test(command),
    };

    if (argc > 2) {
        examples = argv[1];
        data = argv[2];
    }
    return cmocka_run_group_tests(tests, NULL, NULL);
}
