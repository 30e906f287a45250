/* The server's own vocabulary, checked before the first write (agent/vocab.c): a
 * simulated front end whose class definitions (its "schema" section) or whose instances
 * use another literal than ocsfed's makes the apply refuse with no write, naming class,
 * property, the value and the evidence; a spelling that differs only in case or form is
 * the one written; a property of another CIM type refuses; a TCP manifest is not refused
 * for a TLS literal. Argument: the examples/ folder. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <cjson/cJSON.h>

#include "apply.h"
#include "fsutil.h"
#include "manifest.h"
#include "node_fault.h"
#include "ocs_model.h"
#include "plan.h"
#include "report.h"
#include "simnode.h"
#include "strbuf.h"
#include "testutil.h"
#include "vocab.h"

#define NODE "vocab_node.json"
#define NOW 1796000000LL /* 2026-11-29: the example certificates are valid */

static const char *examples;

static const char *example(const char *name)
{
    static char path[1024];

    snprintf(path, sizeof(path), "%s/%s", examples, name);
    return path;
}

/* The class definitions the class map implies for the classes ocsfed writes, as a
 * simulated node's "schema" section: each property with its CIM type, keys marked. */
static cJSON *schema_of_class_map(void)
{
    static const char *const writable[] = {OCS_CLASS_LISTENING, OCS_CLASS_ROUTE, OCS_CLASS_HOST};
    cJSON *schema = cJSON_CreateObject(), *cls, *prop, *q;
    size_t k, i;

    assert_non_null(schema);
    for (k = 0; k < 3; k++) {
        const struct ocs_class_def *def = ocs_class_find(writable[k]);
        assert_non_null(cls = cJSON_AddObjectToObject(schema, def->name));
        for (i = 0; i < def->nprops; i++) {
            const char *t = ocs_type_name(def->props[i].type);
            char elem[16];
            assert_non_null(prop = cJSON_AddObjectToObject(cls, def->props[i].name));
            assert_non_null(cJSON_AddStringToObject(prop, "type", t));
            assert_non_null(q = cJSON_AddObjectToObject(prop, "qualifiers"));
            snprintf(elem, sizeof(elem), "%.*s", (int)strcspn(t, "["), t); /* CIMTYPE: the element type */
            assert_non_null(cJSON_AddStringToObject(q, "CIMTYPE", elem));
            if (strstr(def->wmi_keys, def->props[i].name))
                assert_non_null(cJSON_AddTrueToObject(q, "key"));
        }
    }
    return schema;
}

/* qualifiers of cls.prop in a schema section. */
static cJSON *qualifiers(cJSON *schema, const char *cls, const char *prop)
{
    cJSON *q = cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(schema, cls), prop), "qualifiers");

    assert_non_null(q);
    return q;
}

static void declare(cJSON *schema, const char *cls, const char *prop, const char *const *values, int n)
{
    cJSON *q = qualifiers(schema, cls, prop);

    assert_non_null(cJSON_AddItemToObject(q, "ValueMap", cJSON_CreateStringArray(values, n)) ? q : NULL);
    assert_non_null(cJSON_AddItemToObject(q, "Values", cJSON_CreateStringArray(values, n)) ? q : NULL);
}

/* The instance of cls whose Port (or MatchURI) is key in a node document. */
static cJSON *instance(cJSON *root, const char *cls, const char *prop, const char *key)
{
    cJSON *it;

    cJSON_ArrayForEach(it, cJSON_GetObjectItem(cJSON_GetObjectItem(root, "ocs"), cls))
    {
        cJSON *v = cJSON_GetObjectItem(it, prop);
        char buf[64];
        if (cJSON_IsNumber(v))
            snprintf(buf, sizeof(buf), "%d", v->valueint);
        else
            snprintf(buf, sizeof(buf), "%s", cJSON_IsString(v) ? v->valuestring : "");
        if (!strcmp(buf, key))
            return it;
    }
    fail_msg("no %s with %s %s", cls, prop, key);
    return NULL;
}

/* Writes NODE: the example node from, with schema (taken over; NULL: none) and edit. */
static void write_node(const char *from, cJSON *schema, void (*edit)(cJSON *root))
{
    char *text = NULL, *out;
    size_t len = 0;
    cJSON *root;
    ofd_err e;

    assert_int_equal(ofd_read_file(example(from), 1u << 24, &text, &len, &e), OFD_OK);
    assert_non_null(root = cJSON_ParseWithLength(text, len));
    free(text);
    if (schema)
        cJSON_AddItemToObject(root, "schema", schema);
    if (edit)
        edit(root);
    assert_non_null(out = cJSON_Print(root));
    cJSON_Delete(root);
    assert_int_equal(ofd_write_file_atomic(NODE, out, strlen(out), &e), OFD_OK);
    cJSON_free(out);
    remove(NODE ".journal");
}

static char *node_bytes(size_t *len)
{
    char *text = NULL;
    ofd_err e;

    assert_int_equal(ofd_read_file(NODE, 1u << 24, &text, len, &e), OFD_OK);
    return text;
}

/* The manifest of the last plan: the plan borrows its certificates (plan_done frees). */
static struct manifest *planned;

static void plan_node(const char *manifest, struct plan *p)
{
    struct node n = {0};
    ofd_err e;

    manifest_free(planned);
    planned = testutil_load_manifest(example(manifest));
    assert_int_equal(simnode_open(NODE, &n, &e), OFD_OK);
    if (plan_make(planned, &n, &(struct plan_options){.now = NOW}, p, &e) != OFD_OK)
        fail_msg("plan: %s", e.msg);
    node_close(&n);
}

static void plan_done(struct plan *p)
{
    plan_free(p);
    manifest_free(planned);
    planned = NULL;
}

/* Applies p to NODE through a write-counting wrapper; the node's writes in *writes. */
static enum ofd_code apply_node(const struct plan *p, struct apply_result *res, unsigned long *writes, ofd_err *e)
{
    struct apply_options opt = {.journal = NODE ".journal"};
    struct nodefault f;
    struct node n = {0}, w;
    enum ofd_code rc;

    memset(&f, 0, sizeof(f));
    assert_int_equal(simnode_open(NODE, &n, e), OFD_OK);
    f.inner = n;
    nodefault_wrap(&f, &w);
    ofd_err_clear(e);
    rc = apply_run(p, &w, &opt, res, e);
    *writes = f.writes;
    node_close(&n);
    return rc;
}

/* A refusal: no write at all, the node file byte for byte as it was, no journal, and a
 * message naming each of want[]. */
static void assert_refused(const struct plan *p, const char *const *want, size_t nwant)
{
    struct apply_result res;
    unsigned long writes = 99;
    size_t lb = 0, la = 0, i;
    char *before = node_bytes(&lb), *after;
    FILE *j;
    ofd_err e;

    assert_int_not_equal(apply_node(p, &res, &writes, &e), OFD_OK);
    for (i = 0; i < nwant; i++)
        if (!strstr(e.msg, want[i]))
            fail_msg("the refusal does not name '%s': %s", want[i], e.msg);
    assert_non_null(strstr(e.msg, "nothing was written"));
    assert_int_equal(writes, 0);
    assert_int_equal(res.writes, 0);
    assert_int_equal(res.rolled_back, 0);
    after = node_bytes(&la);
    assert_int_equal(la, lb);
    assert_memory_equal(after, before, lb);
    j = fopen(NODE ".journal", "rb");
    assert_null(j);
    free(before);
    free(after);
}

static const char *const mutual_tls[] = {"TCP", "TLS", "MutualTLS"};

/* The provider declares TransportType's values, and "MTLS" is not among them. */
static void a_declared_value_map_without_the_literal_refuses_the_apply(void **state)
{
    static const char *const want[] = {OCS_CLASS_LISTENING, "TransportType", "\"MTLS\"", "ValueMap", "MutualTLS"};
    cJSON *schema = schema_of_class_map();
    const struct vocab_entry *c;
    struct plan p;
    size_t i;
    int noted = 0;

    (void)state;
    declare(schema, OCS_CLASS_LISTENING, "TransportType", mutual_tls, 3);
    write_node("nodes/fe1-enterprise.json", schema, NULL);
    plan_node("tls-enterprise.json", &p);
    assert_non_null(c = vocab_contradiction(&p.vocab, 1));
    assert_string_equal(c->cls, OCS_CLASS_LISTENING);
    assert_string_equal(c->prop, "TransportType");
    assert_string_equal(c->writes, "MTLS");
    assert_string_equal(c->rule, "R3");
    for (i = 0; i < p.notes.n; i++)
        noted |= p.notes.v[i].sev == DIAG_ERROR && strstr(p.notes.v[i].msg, "MutualTLS") != NULL;
    assert_true(noted);
    assert_refused(&p, want, sizeof(want) / sizeof(want[0]));
    plan_done(&p);

    /* The command line: plan says an apply would be refused (exit 1); apply refuses. */
    assert_int_equal(testutil_ocsfed("plan", example("tls-enterprise.json"), "--node", "sim:" NODE, NULL), 1);
    assert_non_null(strstr(testutil_err, "error: [R3]"));
    assert_non_null(strstr(testutil_err, "MutualTLS"));
    assert_int_equal(testutil_ocsfed("apply", example("tls-enterprise.json"), "--node", "sim:" NODE, NULL), 1);
    assert_non_null(strstr(testutil_err, "nothing was written"));
}

static void the_5061_listener_uses_mutual_tls(cJSON *root)
{
    cJSON *l = instance(root, OCS_CLASS_LISTENING, "Port", "5061");

    cJSON_ReplaceItemInObject(l, "TransportType", cJSON_CreateString("MutualTLS"));
}

/* No definitions, but the listener OCS setup made uses a transport literal ocsfed does not
 * know: its vocabulary for TransportType is not this server's. */
static void an_instance_using_an_unknown_literal_refuses_the_apply(void **state)
{
    static const char *const want[] = {OCS_CLASS_LISTENING, "TransportType", "\"MTLS\"", "MutualTLS",
                                       "{6A1F0C3E-0003-4B7E-9D2A-5C1B2E3F4A01}"};
    struct plan p;

    (void)state;
    write_node("nodes/fe1-enterprise.json", NULL, the_5061_listener_uses_mutual_tls);
    plan_node("tls-enterprise.json", &p);
    assert_non_null(vocab_contradiction(&p.vocab, 1));
    assert_refused(&p, want, sizeof(want) / sizeof(want[0]));
    plan_done(&p);
}

/* The same definitions, a TCP manifest: it writes "TCP", which the provider declares. */
static void a_tcp_manifest_is_not_refused_for_a_tls_literal(void **state)
{
    cJSON *schema = schema_of_class_map();
    struct apply_result res;
    unsigned long writes = 0;
    struct plan p;
    ofd_err e;

    (void)state;
    declare(schema, OCS_CLASS_LISTENING, "TransportType", mutual_tls, 3);
    write_node("nodes/ocs-se1.json", schema, NULL);
    plan_node("tcp-standard.json", &p);
    assert_null(vocab_contradiction(&p.vocab, 0));
    assert_non_null(vocab_contradiction(&p.vocab, 1));
    if (apply_node(&p, &res, &writes, &e) != OFD_OK)
        fail_msg("apply: %s", e.msg);
    assert_true(writes > 0);
    plan_done(&p);
}

/* The provider declares the same values in another case: its spelling is written. */
static void a_spelling_that_differs_in_case_is_the_one_written(void **state)
{
    static const char *const cased[] = {"Tcp", "Tls", "Mtls"};
    cJSON *schema = schema_of_class_map();
    struct apply_result res;
    unsigned long writes = 0;
    struct node n = {0};
    struct node_instances l = {0};
    struct plan p;
    size_t i;
    int noted = 0, found = 0;
    ofd_err e;

    (void)state;
    declare(schema, OCS_CLASS_LISTENING, "TransportType", cased, 3);
    write_node("nodes/fe1-enterprise.json", schema, NULL);
    plan_node("tls-enterprise.json", &p);
    assert_null(vocab_contradiction(&p.vocab, 1));
    for (i = 0; i < p.notes.n; i++)
        noted |= p.notes.v[i].sev == DIAG_NOTE && strstr(p.notes.v[i].msg, "\"Mtls\"") != NULL;
    assert_true(noted);
    if (apply_node(&p, &res, &writes, &e) != OFD_OK)
        fail_msg("apply: %s", e.msg);
    plan_done(&p);
    assert_int_equal(simnode_open(NODE, &n, &e), OFD_OK);
    assert_int_equal(n.ops->instances(n.ctx, OCS_CLASS_LISTENING, &l, &e), OFD_OK);
    for (i = 0; i < l.n; i++) {
        const struct node_value *port = node_instance_get(&l.v[i], "Port");
        if (port && port->u == 5061) {
            assert_string_equal(node_instance_get(&l.v[i], "TransportType")->s, "Mtls");
            found = 1;
        }
    }
    assert_true(found);
    node_instances_free(&l);
    node_close(&n);
}

static void an_mtls_listener_on_all_as_0_0_0_0(cJSON *root)
{
    cJSON *ocs = cJSON_GetObjectItem(root, "ocs"), *l = cJSON_GetObjectItem(ocs, OCS_CLASS_LISTENING);

    cJSON_AddItemToArray(l,
                         cJSON_Parse("{\"InstanceID\": \"{0B8C5E21-0003-4C2D-8E3F-7A6B5C4D3E21}\", \"IPAddress\": "
                                     "\"0.0.0.0\", \"Port\": 5061, \"TransportType\": \"MTLS\", \"Enabled\": true}"));
}

/* The server's own listener writes "All" as 0.0.0.0: the new listener gets that form. */
static void the_all_address_form_of_the_server_is_the_one_written(void **state)
{
    struct plan p;
    size_t i;
    int seen = 0;

    (void)state;
    write_node("nodes/ocs-se1.json", NULL, an_mtls_listener_on_all_as_0_0_0_0);
    plan_node("tcp-standard.json", &p);
    assert_null(vocab_contradiction(&p.vocab, 0));
    for (i = 0; i < p.n; i++)
        if (p.v[i].action == PLAN_CREATE && !strcmp(p.v[i].cls, OCS_CLASS_LISTENING)) {
            assert_string_equal(node_instance_get(&p.v[i].props, "IPAddress")->s, "0.0.0.0");
            seen = 1;
        }
    assert_true(seen);
    plan_done(&p);
}

static void port_is_uint16(cJSON *root)
{
    cJSON *port = cJSON_GetObjectItem(
        cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(root, "schema"), OCS_CLASS_LISTENING), "Port"),
        "type");

    cJSON_SetValuestring(port, "uint16");
    cJSON_DeleteItemFromObject(cJSON_GetObjectItem(cJSON_GetObjectItem(root, "schema"), OCS_CLASS_HOST),
                               "ThrottleAsServer");
}

/* A property of another CIM type, or missing, on the provider refuses the apply. */
static void a_property_missing_or_of_another_type_refuses_the_apply(void **state)
{
    static const char *const want[] = {OCS_CLASS_LISTENING, "Port", "uint32", "uint16"};
    const struct vocab_entry *c;
    struct plan p;
    size_t i;
    int missing = 0;

    (void)state;
    write_node("nodes/fe1-enterprise.json", schema_of_class_map(), port_is_uint16);
    plan_node("tls-enterprise.json", &p);
    assert_non_null(c = vocab_contradiction(&p.vocab, 1));
    assert_string_equal(c->prop, "Port");
    for (i = 0; i < p.vocab.n; i++)
        missing |= p.vocab.v[i].verdict == VOCAB_CONTRADICTS && !strcmp(p.vocab.v[i].prop, "ThrottleAsServer")
                   && strstr(p.vocab.v[i].evidence, "no such property");
    assert_true(missing);
    assert_refused(&p, want, sizeof(want) / sizeof(want[0]));
    plan_done(&p);
}

/* What the evidence says goes into the report, and reads back. */
static void the_evidence_goes_into_the_report(void **state)
{
    cJSON *schema = schema_of_class_map();
    struct report r, back;
    struct plan p;
    char *text;
    size_t i;
    int agrees = 0;
    ofd_err e;

    (void)state;
    write_node("nodes/fe1-enterprise.json", schema, NULL);
    plan_node("tls-enterprise.json", &p);
    assert_int_equal(report_init(&r, "fe1.example.com", NOW, 0, &e), OFD_OK);
    assert_int_equal(report_add_vocabulary(&r, &p.vocab, &e), OFD_OK);
    assert_int_equal(r.nvocab, p.vocab.n);
    assert_non_null(text = report_to_json(&r));
    assert_int_equal(report_parse(text, strlen(text), &back, &e), OFD_OK);
    assert_int_equal(back.nvocab, r.nvocab);
    for (i = 0; i < back.nvocab; i++) {
        assert_string_equal(back.vocab[i].cls, r.vocab[i].cls);
        assert_string_equal(back.vocab[i].evidence, r.vocab[i].evidence);
        agrees |= !strcmp(back.vocab[i].prop, "IPAddress") && !strcmp(back.vocab[i].verdict, "agrees");
    }
    assert_true(agrees);
    free(text);
    report_free(&r);
    report_free(&back);
    plan_done(&p);
}

/* The provider's keys in another order are the same keys; another key refuses (the
 * object paths ocsfed writes by would name no instance). */
static void keys_route_instance_id_first(cJSON *root)
{
    cJSON *route = cJSON_GetObjectItem(cJSON_GetObjectItem(root, "schema"), OCS_CLASS_ROUTE);
    cJSON *id = cJSON_DetachItemFromObject(route, "InstanceID");

    cJSON_AddItemToArray(route, id); /* after Backend's siblings: the keys listed InstanceID last... */
    id = cJSON_DetachItemFromObject(route, "Backend");
    cJSON_AddItemToArray(route, id); /* ...then Backend after it */
}

static void match_uri_is_a_key(cJSON *root)
{
    cJSON *q = cJSON_GetObjectItem(
        cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(root, "schema"), OCS_CLASS_ROUTE), "MatchURI"),
        "qualifiers");

    cJSON_AddTrueToObject(q, "key");
}

static void the_keys_are_compared_as_a_set(void **state)
{
    const struct vocab_entry *c;
    struct plan p;

    (void)state;
    write_node("nodes/fe1-enterprise.json", schema_of_class_map(), keys_route_instance_id_first);
    plan_node("tls-enterprise.json", &p);
    assert_null(vocab_contradiction(&p.vocab, 1));
    plan_done(&p);
    write_node("nodes/fe1-enterprise.json", schema_of_class_map(), match_uri_is_a_key);
    plan_node("tls-enterprise.json", &p);
    assert_non_null(c = vocab_contradiction(&p.vocab, 1));
    assert_string_equal(c->cls, OCS_CLASS_ROUTE);
    assert_string_equal(c->prop, "(keys)");
    assert_non_null(strstr(c->evidence, "MatchURI"));
    plan_done(&p);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_declared_value_map_without_the_literal_refuses_the_apply),
        cmocka_unit_test(an_instance_using_an_unknown_literal_refuses_the_apply),
        cmocka_unit_test(a_tcp_manifest_is_not_refused_for_a_tls_literal),
        cmocka_unit_test(a_spelling_that_differs_in_case_is_the_one_written),
        cmocka_unit_test(the_all_address_form_of_the_server_is_the_one_written),
        cmocka_unit_test(a_property_missing_or_of_another_type_refuses_the_apply),
        cmocka_unit_test(the_evidence_goes_into_the_report),
        cmocka_unit_test(the_keys_are_compared_as_a_set),
    };

    if (argc != 2) {
        fprintf(stderr, "usage: test_vocab EXAMPLES_DIR\n");
        return 2;
    }
    examples = argv[1];
    return cmocka_run_group_tests(tests, NULL, NULL);
}
