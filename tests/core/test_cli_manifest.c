/* The validate, sim and plan commands through cli_main: exit statuses (validate 0/1/2;
 * sim 0/1/2; plan 0 no changes, 2 changes pending, 1 error) and what they print.
 * argv[1]: the examples directory; argv[2]: tests/core/data. Scratch files go to the
 * current directory (the test's build directory). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#ifndef _WIN32
#include <sys/stat.h>
#include <unistd.h>
#endif

#include "apply.h"
#include "fsutil.h"
#include "strbuf.h"
#include "testutil.h"
#include "window.h"

static const char *examples = "examples";
static const char *data = "data";
static char *path(const char *dir, const char *file)
{
    struct strbuf sb = {0};

    sb_printf(&sb, "%s/%s", dir, file);
    return sb_take(&sb);
}

static void validate_exit_codes(void **state)
{
    char *tls = path(examples, "tls-enterprise.json"), *tcp = path(examples, "tcp-standard.json");
    char *bad = path(data, "bad-many.json"), expect[4096];

    (void)state;
    assert_int_equal(testutil_ocsfed("validate", tls, NULL), 0);
    assert_non_null(
        strstr(testutil_out, "valid manifest, serial 12: tls, Enterprise Edition, 2 servers, 1 domain, 2 IM&P nodes"));
    assert_int_equal(testutil_ocsfed("validate", tcp, NULL), 0);
    assert_string_equal(testutil_err, "");
    assert_int_equal(testutil_ocsfed("validate", bad, NULL), 1);
    snprintf(expect, sizeof(expect),
             "%s:3:11: error: [schema] /serial: expected an integer, got a string\n"
             "%s:3:16: error: [schema] /serail: unknown key 'serail'; did you mean 'serial'?\n"
             "%s:4:22: error: [schema] /imp/transport: 'udp' is not a transport: use \"tls\" or \"tcp\"\n"
             "%s:5:96: error: [R9] /imp/nodes/1/ip: IM&P node address '10.0.0.300' is not a dotted IPv4 address (four "
             "numbers 0-255)\n"
             "%s:6:20: error: [schema] /ocs/edition: 'premium' is not an edition: use \"standard\" or \"enterprise\"\n"
             "%s: 5 errors, 0 warnings; nothing applied\n",
             bad, bad, bad, bad, bad, bad);
    assert_string_equal(testutil_err, expect);
    assert_string_equal(testutil_out, "");
    assert_int_equal(testutil_ocsfed("validate", NULL), 2);
    assert_int_equal(testutil_ocsfed("validate", "no-such-manifest.json", NULL), 1);
    assert_non_null(strstr(testutil_err, "ocsfed: cannot open 'no-such-manifest.json'"));
    free(tls);
    free(tcp);
    free(bad);
}

static void sim_init_exit_codes(void **state)
{
    (void)state;
    remove("cli-sim.json");
    assert_int_equal(testutil_ocsfed("sim", "init", "cli-sim.json", "--fqdn", "ocs-se1.example.com", NULL), 0);
    assert_string_equal(testutil_out, "cli-sim.json: empty simulated node ocs-se1.example.com (Standard Edition)\n");
    assert_int_equal(testutil_ocsfed("sim", "init", "cli-sim.json", "--fqdn", "ocs-se1.example.com", NULL), 1);
    assert_string_equal(testutil_err, "ocsfed: 'cli-sim.json' exists: not overwriting it\n");
    assert_int_equal(testutil_ocsfed("sim", "init", "cli-sim.json", NULL), 2);
    assert_int_equal(testutil_ocsfed("sim", "list", NULL), 2);
}

static void plan_exit_codes(void **state)
{
    char *tcp = path(examples, "tcp-standard.json"), *tls = path(examples, "tls-enterprise.json");
    char *conv = path(examples, "nodes/ocs-se1-converged.json"), *fe1 = path(examples, "nodes/fe1-enterprise.json");
    char *bad = path(data, "bad-many.json");
    struct strbuf n1 = {0}, n2 = {0}, n3 = {0};

    (void)state;
    sb_printf(&n1, "sim:%s", conv);
    sb_printf(&n2, "sim:%s", fe1);
    sb_printf(&n3, "sim:%s", "cli-sim.json");
    /* converged: 0 */
    assert_int_equal(testutil_ocsfed("plan", tcp, "--node", sb_str(&n1), NULL), 0);
    assert_non_null(strstr(testutil_out, "No changes: ocs-se1.example.com matches the manifest (5 items checked).\n"
                                         "3 existing entries that ocsfed did not create and the manifest does not "
                                         "name left alone (--verbose lists them).\n"));
    /* --verbose names them */
    assert_int_equal(testutil_ocsfed("plan", tcp, "--node", sb_str(&n1), "--verbose", NULL), 0);
    assert_non_null(strstr(testutil_out, "name left alone:\n      MSFT_SIPListeningAddressData 5061 (InstanceID "));
    assert_int_equal(testutil_ocsfed("plan", "--verbose", tcp, "--json", "--node", sb_str(&n1), NULL), 0);
    assert_non_null(strstr(testutil_out, "\"left_alone\":\t[{\n\t\t\t\"class\":\t\"MSFT_SIPListeningAddressData\""));
    /* changes pending: 2, in text and JSON */
    assert_int_equal(testutil_ocsfed("plan", tls, "--node", sb_str(&n2), NULL), 2);
    assert_non_null(strstr(
        testutil_out,
        "~ update  MSFT_SIPListeningAddressData 5061  [R3 TLS: OCS listens on 5061, IP address All, transport MTLS]\n"
        "      InstanceID {6A1F0C3E-0003-4B7E-9D2A-5C1B2E3F4A01} (not created by ocsfed; the manifest names it)\n"
        "      TransportType            \"TLS\" -> \"MTLS\"\n"));
    assert_non_null(strstr(testutil_out,
                           "Plan: 6 to create, 2 to update, 0 to delete, 1 unchanged; the Front End service RTCSRV "
                           "restarts in the maintenance window sat,sun 02:00-02:50 local (slot 1 of 2 of the pool's "
                           "window 02:00-04:00).\n"));
    assert_string_equal(testutil_err, "ocsfed: note: [R18] on IM&P, add TLS peer subject 'pool.example.com'; every "
                                      "IM&P setting: ocsfed imp-checklist MANIFEST\n");
    assert_int_equal(testutil_ocsfed("plan", tls, "--node", sb_str(&n2), "--json", NULL), 2);
    assert_non_null(strstr(testutil_out, "\"class\":\t\"MSFT_SIPRoutingTableData\""));
    /* R13 predicted: the example front end without the root of its certificate's CA,
     * which the manifest does not add either: plan 1, apply 1 with nothing written */
    {
        char *text = NULL, *after = NULL, *t;
        size_t len = 0, alen = 0;
        ofd_err e;
        cJSON *root, *certs;
        assert_int_equal(ofd_read_file(fe1, 1u << 24, &text, &len, &e), OFD_OK);
        assert_non_null(root = cJSON_ParseWithLength(text, len));
        free(text);
        certs = cJSON_GetObjectItem(root, "certificates");
        cJSON_ReplaceItemInObject(certs, "Root", cJSON_CreateArray());
        assert_non_null(t = cJSON_Print(root));
        cJSON_Delete(root);
        assert_int_equal(ofd_write_file_atomic("cli-r13.json", t, strlen(t), &e), OFD_OK);
        assert_int_equal(testutil_ocsfed("plan", tls, "--node", "sim:cli-r13.json", NULL), 1);
        assert_non_null(strstr(testutil_err, "ocsfed: error: [R13] "));
        assert_non_null(strstr(testutil_err, "does not chain to a root in the local machine's Trusted Root"));
        remove("cli-r13.json.journal");
        assert_int_equal(testutil_ocsfed("apply", tls, "--node", "sim:cli-r13.json", NULL), 1);
        assert_non_null(strstr(testutil_err, "[R13] "));
        assert_non_null(strstr(testutil_err, "; nothing applied\n"));
        assert_int_equal(ofd_read_file("cli-r13.json", 1u << 24, &after, &alen, &e), OFD_OK);
        assert_int_equal(alen, strlen(t));
        assert_memory_equal(after, t, alen);
        free(after);
        cJSON_free(t);
        remove("cli-r13.json");
    }
    /* the empty node made by sim init: changes pending */
    remove("cli-sim.json");
    assert_int_equal(testutil_ocsfed("sim", "init", "cli-sim.json", "--fqdn", "ocs-se1.example.com", NULL), 0);
    assert_int_equal(testutil_ocsfed("plan", tcp, "--node", sb_str(&n3), NULL), 2);
    remove("cli-sim.json");
    /* a server the manifest does not name: 1 */
    assert_int_equal(testutil_ocsfed("sim", "init", "cli-sim.json", "--fqdn", "ocs-se9.example.com", NULL), 0);
    assert_int_equal(testutil_ocsfed("plan", tcp, "--node", sb_str(&n3), NULL), 1);
    assert_string_equal(testutil_err, "ocsfed: error: server 'ocs-se9.example.com' is not governed by this manifest "
                                      "(/ocs/servers names: ocs-se1.example.com)\n");
    remove("cli-sim.json");
    /* an invalid manifest: 1, nothing planned */
    assert_int_equal(testutil_ocsfed("plan", bad, "--node", sb_str(&n1), NULL), 1);
    assert_non_null(strstr(testutil_err, "5 errors; nothing planned\n"));
    /* usage: 1 (2 means changes pending) */
    assert_int_equal(testutil_ocsfed("plan", tcp, NULL), 1);
    assert_int_equal(testutil_ocsfed("plan", tcp, "--node", "wmi:", NULL), 1);
    sb_free(&n1);
    sb_free(&n2);
    sb_free(&n3);
    free(tcp);
    free(tls);
    free(conv);
    free(fe1);
    free(bad);
}

/* apply: 0 at the desired state, text or --json; a second apply changes nothing; an
 * invalid manifest: 1 and a JSON "failed" result. Works on a copy of the example node. */
static void apply_exit_codes_and_json(void **state)
{
    char *tls = path(examples, "tls-enterprise.json"), *fe1 = path(examples, "nodes/fe1-enterprise.json");
    char *bad = path(data, "bad-many.json"), *text = NULL, *text2 = NULL, sat[32];
    size_t len = 0, len2 = 0;
    long long t = 1795833000LL; /* Saturday 2026-11-28 02:30 UTC */
    ofd_err e;

    (void)state;
    /* 02:30 on this machine's clock: inside fe1's restart slot, the first of the example's
     * two front ends in "sat,sun 02:00-04:00 local" (02:00-02:50). */
    snprintf(sat, sizeof(sat), "%lld", t - window_local_offset(t));
    assert_int_equal(ofd_read_file(fe1, 1u << 24, &text, &len, &e), OFD_OK);
    assert_int_equal(ofd_write_file_atomic("cli-apply.json", text, len, &e), OFD_OK);
    text2 = text;
    len2 = len;
    remove("cli-apply.json.journal");
    assert_int_equal(testutil_ocsfed("apply", tls, "--node", "sim:cli-apply.json", "--now", sat, "--json", NULL), 0);
    assert_non_null(strstr(testutil_out, "\"result\":\t\"applied\""));
    assert_non_null(strstr(testutil_out, "\"server\":\t\"fe1.example.com\""));
    assert_non_null(strstr(testutil_out, "\"writes\":\t11")); /* 8 changes, the record, the restart, the record */
    assert_non_null(strstr(testutil_out, "\"restart\":\t\"done\""));
    assert_non_null(strstr(testutil_out, "\"error\":\tnull"));
    assert_non_null(strstr(testutil_out, "\"action\":\t\"create\""));
    assert_int_equal(testutil_ocsfed("apply", tls, "--node", "sim:cli-apply.json", "--now", sat, NULL), 0);
    assert_string_equal(testutil_out, "fe1.example.com: nothing to change (manifest serial 12)\n");
    /* apply prints the plan it applied; --verbose lists what it left alone */
    assert_int_equal(ofd_write_file_atomic("cli-apply.json", text2, len2, &e), OFD_OK);
    remove("cli-apply.json.journal");
    assert_int_equal(testutil_ocsfed("apply", tls, "--node", "sim:cli-apply.json", "--now", sat, NULL), 0);
    assert_non_null(strstr(testutil_out, "left alone (--verbose lists them).\n"));
    assert_int_equal(ofd_write_file_atomic("cli-apply.json", text2, len2, &e), OFD_OK);
    assert_int_equal(testutil_ocsfed("apply", tls, "--verbose", "--node", "sim:cli-apply.json", "--now", sat, NULL), 0);
    assert_non_null(strstr(testutil_out, "left alone:\n      MSFT_SIPListeningAddressData 443 "));
    free(text2);
    assert_int_equal(testutil_ocsfed("apply", tls, "--node", "sim:cli-apply.json", "--json", NULL), 0);
    assert_non_null(strstr(testutil_out, "\"result\":\t\"nothing_to_change\""));
    assert_non_null(strstr(testutil_out, "\"writes\":\t0"));
    assert_int_equal(testutil_ocsfed("apply", bad, "--node", "sim:cli-apply.json", "--json", NULL), 1);
    assert_non_null(strstr(testutil_out, "\"result\":\t\"failed\""));
    assert_non_null(strstr(testutil_out, "\"plan\":\tnull"));
    assert_non_null(strstr(testutil_err, "nothing applied"));
    assert_int_equal(testutil_ocsfed("apply", tls, "--json", "--bogus", NULL), 2);
    remove("cli-apply.json");
    free(tls);
    free(fe1);
    free(bad);
}

/* R19: without a maintenance window apply never restarts the Front End, at any time;
 * `--restart-now` is the administrator's explicit opt-in. */
static void no_window_restarts_only_on_request(void **state)
{
    static const char text[] = "{\"manifest_version\": 1, \"serial\": 1,\n"
                               " \"imp\": {\"transport\": \"tcp\", \"domains\": [\"example.com\"],\n"
                               "  \"nodes\": [{\"fqdn\": \"imp1.example.com\", \"ip\": \"10.10.0.11\"}]},\n"
                               " \"ocs\": {\"edition\": \"standard\", \"servers\": [\"se1.example.com\"]}}\n";
    char now[32];
    long long t;
    ofd_err e;

    (void)state;
    remove("cli-nowin-node.json");
    remove("cli-nowin-node.json.journal");
    assert_int_equal(ofd_write_file_atomic("cli-nowin.json", text, sizeof(text) - 1, &e), OFD_OK);
    assert_int_equal(testutil_ocsfed("validate", "cli-nowin.json", NULL), 0);
    assert_non_null(strstr(testutil_err, "note: [R19] no /maintenance_window: ocsfed never restarts the Front End"));
    assert_int_equal(testutil_ocsfed("sim", "init", "cli-nowin-node.json", "--fqdn", "se1.example.com", NULL), 0);
    /* Every 6 hours of a week: the settings go in at once, the restart never. */
    for (t = 1795392000LL; t < 1795392000LL + 7 * 86400; t += 6 * 3600) {
        snprintf(now, sizeof(now), "%lld", t);
        assert_int_equal(testutil_ocsfed("apply", "cli-nowin.json", "--node", "sim:cli-nowin-node.json", "--now", now,
                                         "--json", NULL),
                         0);
        assert_non_null(strstr(testutil_out, "\"restart\":\t\"pending\""));
    }
    assert_int_equal(testutil_ocsfed("apply", "cli-nowin.json", "--node", "sim:cli-nowin-node.json", NULL), 0);
    assert_string_equal(testutil_out,
                        "se1.example.com: nothing to change (manifest serial 1); the Front End restart (R19) waits: it "
                        "happens when a maintenance window is set (the manifest has none) or when 'ocsfed apply "
                        "--restart-now' is run on the server\n");
    assert_int_equal(testutil_ocsfed("plan", "cli-nowin.json", "--node", "sim:cli-nowin-node.json", NULL), 0);
    assert_non_null(strstr(testutil_out, "restart (R19) is still to do, when a maintenance window is set"));
    assert_int_equal(testutil_ocsfed("apply", "cli-nowin.json", "--node", "sim:cli-nowin-node.json", "--restart-now",
                                     "--json", NULL),
                     0);
    assert_non_null(strstr(testutil_out, "\"restart\":\t\"done\""));
    assert_int_equal(testutil_ocsfed("plan", "cli-nowin.json", "--node", "sim:cli-nowin-node.json", NULL), 0);
    assert_non_null(strstr(testutil_out, "No changes: se1.example.com matches the manifest"));
    remove("cli-nowin.json");
    remove("cli-nowin-node.json");
}

/* The mistakes made with --node: a file that is not there (it used to be planned as an
 * empty node, "the node has no FQDN"), no file, a folder, a file without sim:. Nothing
 * is created beside the missing file (not even apply's lock). */
static void node_spec_mistakes(void **state)
{
    char *tcp = path(examples, "tcp-standard.json");
    FILE *f;

    (void)state;
    remove("cli-missing-node.json");
    assert_int_equal(testutil_ocsfed("plan", tcp, "--node", "sim:cli-missing-node.json", NULL), 1);
    assert_string_equal(testutil_err, "ocsfed: the simulated node file 'cli-missing-node.json' does not exist: create "
                                      "it with 'ocsfed sim init cli-missing-node.json --fqdn FQDN' (add --pool "
                                      "POOL_FQDN for a front end of an Enterprise Edition pool)\n");
    assert_int_equal(testutil_ocsfed("apply", tcp, "--node", "sim:cli-missing-node.json", NULL), 1);
    assert_string_equal(testutil_err, "ocsfed: the simulated node file 'cli-missing-node.json' does not exist: create "
                                      "it with 'ocsfed sim init cli-missing-node.json --fqdn FQDN' (add --pool "
                                      "POOL_FQDN for a front end of an Enterprise Edition pool); nothing applied\n");
    f = fopen("cli-missing-node.json", "rb");
    assert_null(f);
    f = fopen("cli-missing-node.json.journal.lock", "rb");
    assert_null(f);

    assert_int_equal(testutil_ocsfed("plan", tcp, "--node", "sim:", NULL), 1);
    assert_string_equal(testutil_err, "ocsfed: --node 'sim:' names no file: give the simulated front end's file, "
                                      "e.g. --node sim:fe1.json\n");
    assert_int_equal(ofd_make_dir("cli-node-folder", NULL), OFD_OK);
    assert_int_equal(testutil_ocsfed("plan", tcp, "--node", "sim:cli-node-folder", NULL), 1);
    assert_string_equal(testutil_err, "ocsfed: the simulated node file 'cli-node-folder' is a folder: give the file "
                                      "in it (sim:FOLDER/FILE)\n");
    remove("cli-node-nosim.json");
    assert_int_equal(testutil_ocsfed("sim", "init", "cli-node-nosim.json", "--fqdn", "ocs-se1.example.com", NULL), 0);
    assert_int_equal(testutil_ocsfed("plan", tcp, "--node", "cli-node-nosim.json", NULL), 1);
    assert_string_equal(testutil_err, "ocsfed: --node 'cli-node-nosim.json': a node is sim:FILE (a simulated front "
                                      "end): write --node sim:cli-node-nosim.json\n");
#ifndef _WIN32
    /* A file this user cannot read (root reads any). */
    if (geteuid() != 0) {
        assert_int_equal(chmod("cli-node-nosim.json", 0), 0);
        assert_int_equal(testutil_ocsfed("plan", tcp, "--node", "sim:cli-node-nosim.json", NULL), 1);
        assert_string_equal(testutil_err, "ocsfed: the simulated node file: cannot open 'cli-node-nosim.json': "
                                          "Permission denied\n");
        assert_int_equal(chmod("cli-node-nosim.json", 0600), 0);
    }
#endif
    free(tcp);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(validate_exit_codes),
        cmocka_unit_test(sim_init_exit_codes),
        cmocka_unit_test(plan_exit_codes),
        cmocka_unit_test(apply_exit_codes_and_json),
        cmocka_unit_test(no_window_restarts_only_on_request),
        cmocka_unit_test(node_spec_mistakes),
    };

    if (argc > 2) {
        examples = argv[1];
        data = argv[2];
    }
    return cmocka_run_group_tests(tests, NULL, NULL);
}
