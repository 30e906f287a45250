/* ocsfed export on simulated front ends: read-only; the export reads back as a simulated
 * node (--node sim:) that plans like the node it came from; the draft manifest inferred
 * from what is configured validates and plans no change against that node, and says
 * what it could not infer. Argument: the examples/ folder. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <cjson/cJSON.h>

#include "fsutil.h"
#include "strbuf.h"
#include "testutil.h"
#include "window.h"

static const char *examples;

static const char *example(const char *name)
{
    static char path[1024];

    snprintf(path, sizeof(path), "%s/%s", examples, name);
    return path;
}

static char *bytes(const char *path, size_t *len)
{
    char *text = NULL;
    ofd_err e;

    assert_int_equal(ofd_read_file(path, 1u << 24, &text, len, &e), OFD_OK);
    return text;
}

static cJSON *json_file(const char *path)
{
    size_t len = 0;
    char *text = bytes(path, &len);
    cJSON *j = cJSON_ParseWithLength(text, len);

    assert_non_null(j);
    free(text);
    return j;
}

static void fresh(const char *from, const char *node)
{
    testutil_copy_file(example(from), node);
    remove("exp-export.json");
    remove("exp-draft.json");
    remove("exp-node.json.journal");
}

/* Runs the export, checking it leaves the node file byte for byte as it was. */
static int export_node(const char *node, const char *out, const char *draft)
{
    char spec[256], *before, *after;
    size_t lb = 0, la = 0;
    int rc;

    snprintf(spec, sizeof(spec), "sim:%s", node);
    before = bytes(node, &lb);
    rc = draft ? testutil_ocsfed("export", "--node", spec, "--out", out, "--manifest", draft, NULL)
               : testutil_ocsfed("export", "--node", spec, "--out", out, NULL);
    after = bytes(node, &la);
    assert_int_equal(la, lb);
    assert_memory_equal(after, before, lb);
    free(before);
    free(after);
    return rc;
}

/* The example front end after the TLS example was applied (in fe1's restart slot). */
static void after_the_tls_example_the_draft_plans_no_change(void **state)
{
    char sat[32];
    long long t = 1795833000LL; /* Saturday 2026-11-28 02:30 UTC */
    cJSON *d, *imp, *nodes, *ocs;
    const char *tp;

    (void)state;
    fresh("nodes/fe1-enterprise.json", "exp-node.json");
    snprintf(sat, sizeof(sat), "%lld", t - window_local_offset(t));
    assert_int_equal(
        testutil_ocsfed("apply", example("tls-enterprise.json"), "--node", "sim:exp-node.json", "--now", sat, NULL), 0);

    if (export_node("exp-node.json", "exp-export.json", "exp-draft.json") != 0)
        fail_msg("export: %s%s", testutil_out, testutil_err);
    assert_non_null(strstr(testutil_out, "exported fe1.example.com to exp-export.json"));
    assert_non_null(strstr(testutil_out, "draft manifest exp-draft.json"));
    assert_non_null(strstr(testutil_out, "round trip: exp-draft.json is valid and its plan changes nothing"));

    /* The draft: what the TLS example said, as far as the server shows it. */
    d = json_file("exp-draft.json");
    imp = cJSON_GetObjectItem(d, "imp");
    ocs = cJSON_GetObjectItem(d, "ocs");
    assert_string_equal(cJSON_GetObjectItem(imp, "transport")->valuestring, "tls");
    assert_int_equal(cJSON_GetObjectItem(imp, "route_port")->valueint, 5061);
    assert_string_equal(cJSON_GetArrayItem(cJSON_GetObjectItem(imp, "domains"), 0)->valuestring, "example.com");
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(imp, "domains")), 1);
    nodes = cJSON_GetObjectItem(imp, "nodes");
    assert_int_equal(cJSON_GetArraySize(nodes), 2);
    /* The node's DNS pairs each IM&P FQDN with its address. */
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(nodes, 0), "fqdn")->valuestring, "imp1.example.com");
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(nodes, 0), "ip")->valuestring, "10.10.0.11");
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(nodes, 1), "ip")->valuestring, "10.10.0.12");
    assert_string_equal(cJSON_GetObjectItem(imp, "route_next_hop")->valuestring, "imp1.example.com");
    assert_string_equal(cJSON_GetObjectItem(ocs, "edition")->valuestring, "enterprise");
    assert_string_equal(cJSON_GetObjectItem(ocs, "pool_fqdn")->valuestring, "pool.example.com");
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(ocs, "servers")), 2);
    tp = cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(d, "certificates"), "server"), "thumbprint")
             ->valuestring;
    assert_int_equal(strlen(tp), 40);
    cJSON_Delete(d);
    /* What it could not infer is said. */
    assert_non_null(strstr(testutil_out, "not inferred: "));
    assert_non_null(strstr(testutil_out, "maintenance window"));

    /* It validates, and plans no change against the node, and against the export. */
    assert_int_equal(testutil_ocsfed("validate", "exp-draft.json", NULL), 0);
    assert_int_equal(testutil_ocsfed("plan", "exp-draft.json", "--node", "sim:exp-node.json", NULL), 0);
    assert_non_null(strstr(testutil_out, "No changes: fe1.example.com matches the manifest"));
    assert_int_equal(testutil_ocsfed("plan", "exp-draft.json", "--node", "sim:exp-export.json", NULL), 0);
    assert_non_null(strstr(testutil_out, "No changes: fe1.example.com matches the manifest"));
    /* The export plans the published manifest as the node does. */
    assert_int_equal(testutil_ocsfed("plan", example("tls-enterprise.json"), "--node", "sim:exp-export.json", NULL), 0);
}

/* The export file: the node's classes and certificates (whether a private key is there,
 * never a key), its FIPS policy, service and ownership record, and the evidence of the
 * provider's vocabulary. */
static void the_export_holds_the_state_and_the_evidence(void **state)
{
    cJSON *x, *ocs, *my, *ev, *it;
    int vocab_entries = 0;

    (void)state;
    fresh("nodes/fe1-enterprise.json", "exp-node.json");
    assert_int_equal(export_node("exp-node.json", "exp-export.json", NULL), 0);
    x = json_file("exp-export.json");
    assert_int_equal(cJSON_GetObjectItem(x, "ocsfed_sim_node")->valueint, 1);
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(x, "node"), "fqdn")->valuestring, "fe1.example.com");
    ocs = cJSON_GetObjectItem(x, "ocs");
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(ocs, "MSFT_SIPListeningAddressData")), 2);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(ocs, "MSFT_SIPRoutingTableData")), 1);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(ocs, "MSFT_SIPRemoteAddressData")), 1);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(ocs, "MSFT_SIPPoolSetting")), 1);
    my = cJSON_GetObjectItem(cJSON_GetObjectItem(x, "certificates"), "My");
    assert_int_equal(cJSON_GetArraySize(my), 1);
    assert_null(cJSON_GetObjectItem(cJSON_GetArrayItem(my, 0), "private_key"));
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(x, "services"), "RTCSRV")->valuestring, "running");
    assert_non_null(cJSON_GetObjectItem(x, "fips"));
    assert_non_null(cJSON_GetObjectItem(x, "dns"));
    ev = cJSON_GetObjectItem(cJSON_GetObjectItem(x, "export"), "vocabulary");
    cJSON_ArrayForEach(it, ev)
    {
        assert_non_null(cJSON_GetObjectItem(it, "verdict"));
        vocab_entries++;
    }
    assert_true(vocab_entries >= 5);
    cJSON_Delete(x);
    /* The export never overwrites a file, its own source above all. */
    assert_int_equal(export_node("exp-node.json", "exp-export.json", NULL), 1);
    assert_non_null(strstr(testutil_err, "exists"));
    assert_int_equal(export_node("exp-node.json", "exp-node.json", NULL), 1);
    /* Usage. */
    assert_int_equal(testutil_ocsfed("export", "--bogus", NULL), 2);
}

/* A Standard Edition server on TCP: no FQDN of an IM&P node is on the server (routes and
 * host authorization use addresses): the draft says so and still plans no change. */
static void a_tcp_server_gives_a_draft_with_what_it_could_not_infer(void **state)
{
    cJSON *d, *imp;

    (void)state;
    fresh("nodes/ocs-se1-converged.json", "exp-node.json");
    if (export_node("exp-node.json", "exp-export.json", "exp-draft.json") != 0)
        fail_msg("export: %s%s", testutil_out, testutil_err);
    assert_non_null(strstr(testutil_out, "round trip: exp-draft.json is valid and its plan changes nothing"));
    assert_non_null(strstr(testutil_out, "FQDN"));
    d = json_file("exp-draft.json");
    imp = cJSON_GetObjectItem(d, "imp");
    assert_string_equal(cJSON_GetObjectItem(imp, "transport")->valuestring, "tcp");
    assert_string_equal(cJSON_GetObjectItem(imp, "route_next_hop")->valuestring, "10.10.0.11");
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(d, "ocs"), "edition")->valuestring, "standard");
    cJSON_Delete(d);
    assert_int_equal(testutil_ocsfed("plan", "exp-draft.json", "--node", "sim:exp-node.json", NULL), 0);
}

/* A server configured by hand, before ocsfed: the route of an OCS SIP domain is the
 * route towards IM&P (partitioned intradomain federation shares the domain, R1); the
 * interdomain partner's route and its host are left out. */
static void a_server_configured_by_hand_gives_a_draft_too(void **state)
{
    cJSON *d, *imp, *nodes, *it;

    (void)state;
    fresh("nodes/ocs-se1-converged.json", "exp-node.json");
    {
        /* The same server, its ownership record gone: nothing says ocsfed made anything. */
        cJSON *root = json_file("exp-node.json");
        char *out;
        ofd_err e;
        cJSON_DeleteItemFromObject(root, "ocsfed");
        assert_non_null(out = cJSON_Print(root));
        assert_int_equal(ofd_write_file_atomic("exp-node.json", out, strlen(out), &e), OFD_OK);
        cJSON_free(out);
        cJSON_Delete(root);
    }
    if (export_node("exp-node.json", "exp-export.json", "exp-draft.json") != 0)
        fail_msg("export: %s%s", testutil_out, testutil_err);
    d = json_file("exp-draft.json");
    imp = cJSON_GetObjectItem(d, "imp");
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(imp, "domains")), 1);
    nodes = cJSON_GetObjectItem(imp, "nodes");
    cJSON_ArrayForEach(it, nodes) assert_string_not_equal(cJSON_GetObjectItem(it, "ip")->valuestring, "192.0.2.10");
    assert_int_equal(cJSON_GetArraySize(nodes), 2);
    cJSON_Delete(d);
    assert_non_null(strstr(testutil_out, "round trip: exp-draft.json is valid and its plan changes nothing"));
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(after_the_tls_example_the_draft_plans_no_change),
        cmocka_unit_test(the_export_holds_the_state_and_the_evidence),
        cmocka_unit_test(a_tcp_server_gives_a_draft_with_what_it_could_not_infer),
        cmocka_unit_test(a_server_configured_by_hand_gives_a_draft_too),
    };

    if (argc != 2) {
        fprintf(stderr, "usage: test_export EXAMPLES_DIR\n");
        return 2;
    }
    examples = argv[1];
    return cmocka_run_group_tests(tests, NULL, NULL);
}
