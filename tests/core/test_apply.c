/* apply on a simulated front end: converges and then has nothing to do, writes
 * nothing the second time; for a fault at every write of a realistic TLS plan leaves
 * the node file byte for byte as it was; for a crash after every write leaves a
 * journal from which recovery makes the node byte for byte what it was; drift is
 * planned and corrected; a node dropped from the manifest loses exactly its entries;
 * a restart outside the maintenance window waits for a later apply inside it.
 * Argument: the examples/ folder. */
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
#include "cs_inspect.h"
#include "fsutil.h"
#include "manifest.h"
#include "node_fault.h"
#include "plan.h"
#include "simnode.h"
#include "strbuf.h"
#include "testcert.h"
#include "testutil.h"

#define NODE "apply_node.json"
#define JOURNAL "apply_node.json.journal"
#define SAT_0300 (1795219200LL + 3 * 3600) /* inside the example window (UTC here) */
#define NOW 1796000000LL                   /* 2026-11-29: the example certificates are valid */

static const char *examples;

/* examples/<name>, in a static buffer. */
static const char *example(const char *name)
{
    static char path[1024];

    snprintf(path, sizeof(path), "%s/%s", examples, name);
    return path;
}

static struct manifest *load_manifest(void)
{
    return testutil_load_manifest(example("tls-enterprise.json"));
}

/* A fresh copy of the example front end, saved once by the node itself so that the
 * file is in the form every later save writes. */
static void fresh_node(void)
{
    struct node n = {0};
    struct node_owned o = {0};
    ofd_err e;

    testutil_copy_file(example("nodes/fe1-enterprise.json"), NODE);
    assert_int_equal(simnode_open(NODE, &n, &e), OFD_OK);
    assert_int_equal(n.ops->owned(n.ctx, &o, &e), OFD_OK);
    assert_int_equal(n.ops->set_owned(n.ctx, &o, &e), OFD_OK);
    node_owned_free(&o);
    node_close(&n);
}

static char *file_bytes(size_t *len)
{
    char *text = NULL;
    ofd_err e;

    assert_int_equal(ofd_read_file(NODE, 1u << 24, &text, len, &e), OFD_OK);
    return text;
}

/* Asserts that the node file holds exactly before (lb bytes), which it frees; when not,
 * says so for case k of what (what NULL: no message). */
static void assert_node_is(char *before, size_t lb, const char *what, unsigned long k)
{
    size_t la = 0;
    char *after = file_bytes(&la);

    if (what && (la != lb || memcmp(before, after, lb) != 0))
        print_error("%s %lu: the node file differs\n", what, k);
    assert_int_equal(la, lb);
    assert_memory_equal(after, before, lb);
    free(before);
    free(after);
}

/* The PKCS#12 password plan and apply get through their options (R16). */
static const char *pfx_password;

/* Plans m against the node file; returns the number of changes (not unchanged). */
static size_t plan_once(const struct manifest *m, struct plan *p)
{
    struct node n = {0};
    ofd_err e;
    size_t changes;

    assert_int_equal(simnode_open(NODE, &n, &e), OFD_OK);
    assert_int_equal(plan_make(m, &n, &(struct plan_options){.now = NOW, .pfx_password = pfx_password}, p, &e), OFD_OK);
    changes = p->n - p->counts[PLAN_UNCHANGED];
    node_close(&n);
    return changes;
}

static enum ofd_code apply_with(const struct plan *p, struct nodefault *f, int in_window, struct apply_result *res,
                                ofd_err *e);

static void apply_converges_and_a_second_apply_writes_nothing(void **state)
{
    struct manifest *m = load_manifest();
    struct apply_options opt = {.restart_allowed = 1};
    struct apply_result res;
    struct node n = {0};
    struct plan p;
    char *svc = NULL;
    ofd_err e;

    (void)state;
    fresh_node();
    assert_true(plan_once(m, &p) >= 6);
    assert_int_equal(simnode_open(NODE, &n, &e), OFD_OK);
    ofd_err_clear(&e);
    if (apply_run(&p, &n, &opt, &res, &e) != OFD_OK)
        print_error("apply: [%s] %s\n", e.rule, e.msg);
    assert_int_equal(e.code, OFD_OK);
    assert_true(res.writes >= 7);
    assert_int_equal(res.restart_done, 1);
    assert_int_equal(res.restart_pending, 0);
    assert_int_equal(n.ops->service_state(n.ctx, "RTCSRV", &svc, &e), OFD_OK);
    assert_string_equal(svc, "running");
    free(svc);
    node_close(&n);
    plan_free(&p);

    /* At the desired state: plan has nothing to change, apply writes nothing. */
    assert_int_equal(plan_once(m, &p), 0);
    assert_int_equal(simnode_open(NODE, &n, &e), OFD_OK);
    assert_int_equal(apply_run(&p, &n, &opt, &res, &e), OFD_OK);
    assert_int_equal(res.writes, 0);
    node_close(&n);
    plan_free(&p);
    manifest_free(m);
}

static void outside_the_window_the_restart_is_pending(void **state)
{
    struct manifest *m = load_manifest();
    struct apply_result res;
    struct plan p;
    ofd_err e;

    (void)state;
    fresh_node();
    plan_once(m, &p);
    assert_int_equal(apply_with(&p, NULL, 0, &res, &e), OFD_OK);
    assert_int_equal(res.restart_done, 0);
    assert_int_equal(res.restart_pending, 1);
    plan_free(&p);
    /* The settings are there; the restart is remembered on the node (R19). */
    assert_int_equal(plan_once(m, &p), 1);
    assert_int_equal(p.counts[PLAN_RESTART], 1);
    assert_false(plan_has_setting_changes(&p));
    /* Still outside the window: nothing written, still pending. */
    assert_int_equal(apply_with(&p, NULL, 0, &res, &e), OFD_OK);
    assert_int_equal(res.writes, 0);
    assert_int_equal(res.restart_pending, 1);
    /* Inside it: restarted once, and no longer pending. */
    assert_int_equal(apply_with(&p, NULL, 1, &res, &e), OFD_OK);
    assert_int_equal(res.restart_done, 1);
    assert_int_equal(res.writes, 2); /* the restart and the record */
    plan_free(&p);
    assert_int_equal(plan_once(m, &p), 0);
    assert_int_equal(apply_with(&p, NULL, 1, &res, &e), OFD_OK);
    assert_int_equal(res.writes, 0);
    assert_int_equal(res.restart_done, 0);
    plan_free(&p);
    manifest_free(m);
}

static int journal_exists(void)
{
    FILE *f = fopen(JOURNAL, "rb");

    if (f)
        fclose(f);
    return f != NULL;
}

/* Applies p to the node file through an optional fault wrapper. */
static enum ofd_code apply_with(const struct plan *p, struct nodefault *f, int in_window, struct apply_result *res,
                                ofd_err *e)
{
    struct apply_options opt = {.restart_allowed = in_window, .journal = JOURNAL, .pfx_password = pfx_password};
    struct node n = {0}, wrapped;
    enum ofd_code rc;

    assert_int_equal(simnode_open(NODE, &n, e), OFD_OK);
    ofd_err_clear(e);
    if (f) {
        f->inner = n;
        nodefault_wrap(f, &wrapped);
        rc = apply_run(p, &wrapped, &opt, res, e);
    } else {
        rc = apply_run(p, &n, &opt, res, e);
    }
    node_close(&n);
    return rc;
}

/* The writes of a full in-window apply of m to a fresh node: the changes (W), the
 * ownership record, the restart, and the record saying it is no longer pending. */
static size_t full_apply_writes(const struct manifest *m)
{
    struct apply_result res;
    struct plan p;
    ofd_err e;

    fresh_node();
    plan_once(m, &p);
    assert_int_equal(apply_with(&p, NULL, 1, &res, &e), OFD_OK);
    assert_int_equal(res.restart_done, 1);
    plan_free(&p);
    assert_false(journal_exists());
    return res.writes;
}

static void a_fault_at_any_write_leaves_the_node_as_it_was(void **state)
{
    struct manifest *m = load_manifest();
    struct apply_result res;
    struct nodefault f;
    struct plan p;
    char *before;
    size_t lb = 0, total = full_apply_writes(m);
    unsigned long k;
    ofd_err e;

    (void)state;
    assert_true(total >= 10);
    /* Every write up to the ownership record (total - 2) is undone. */
    for (k = 1; k <= total - 2; k++) {
        fresh_node();
        before = file_bytes(&lb);
        plan_once(m, &p);
        memset(&f, 0, sizeof(f));
        f.fail_at = k;
        assert_int_equal(apply_with(&p, &f, 1, &res, &e), OFD_E_IO);
        assert_non_null(strstr(e.msg, "injected fault at write"));
        if (res.rollback_rc != OFD_OK)
            print_error("fault at write %lu: rollback: %s\n", k, res.rollback_msg);
        assert_int_equal(res.rollback_rc, OFD_OK);
        assert_int_equal(res.rolled_back, k > 1);
        assert_false(journal_exists());
        plan_free(&p);
        assert_node_is(before, lb, "fault at write", k);
    }
    /* The restart itself fails: the settings stay (they are complete and verified),
     * the restart stays pending and the next plan still has it (R19). */
    fresh_node();
    plan_once(m, &p);
    memset(&f, 0, sizeof(f));
    f.fail_at = total - 1;
    assert_int_equal(apply_with(&p, &f, 1, &res, &e), OFD_E_IO);
    assert_string_equal(e.rule, "R19");
    assert_int_equal(res.rolled_back, 0);
    plan_free(&p);
    assert_int_equal(plan_once(m, &p), 1);
    assert_int_equal(p.counts[PLAN_RESTART], 1);
    assert_false(plan_has_setting_changes(&p));
    plan_free(&p);
    manifest_free(m);
}

static void a_crash_after_any_write_is_undone_from_the_journal(void **state)
{
    struct manifest *m = load_manifest();
    struct apply_result res;
    struct apply_recovery rec;
    struct nodefault f;
    struct node n = {0};
    struct plan p;
    char *before, *after, *jtext = NULL;
    size_t lb = 0, la = 0, jl = 0, total = full_apply_writes(m);
    unsigned long k;
    enum ofd_code rc;
    ofd_err e;

    (void)state;
    /* A crash after write k <= total - 3 (a change) leaves the journal. */
    for (k = 1; k <= total - 3; k++) {
        fresh_node();
        before = file_bytes(&lb);
        plan_once(m, &p);
        memset(&f, 0, sizeof(f));
        f.crash_after = k;
        assert_int_equal(apply_with(&p, &f, 1, &res, &e), OFD_E_IO);
        assert_int_equal(res.rolled_back, 1);
        assert_int_not_equal(res.rollback_rc, OFD_OK);
        assert_non_null(strstr(res.rollback_msg, "is kept"));
        plan_free(&p);
        assert_true(journal_exists());
        after = file_bytes(&la);
        assert_true(la != lb || memcmp(before, after, lb) != 0); /* the crash left a change */
        free(after);
        if (k % 2 == 0) {
            /* The process died while appending the last entry: a torn line. */
            assert_int_equal(ofd_read_file(JOURNAL, 1u << 24, &jtext, &jl, &e), OFD_OK);
            assert_int_equal(ofd_write_file_atomic(JOURNAL, jtext, jl - 7, &e), OFD_OK);
            free(jtext);
        }
        assert_int_equal(simnode_open(NODE, &n, &e), OFD_OK);
        rc = apply_recover(JOURNAL, &n, &rec, &e);
        if (rc != OFD_OK)
            print_error("crash after write %lu: recovery: %s\n", k, e.msg);
        assert_int_equal(rc, OFD_OK);
        node_close(&n);
        assert_int_equal(rec.found, 1);
        assert_int_equal(rec.torn, k % 2 == 0);
        assert_true(rec.undone >= (k % 2 == 0 ? k : k + 1));
        assert_false(journal_exists());
        assert_node_is(before, lb, "crash after write", k);
    }
    /* A crash after the ownership record: the apply was complete; only the restart
     * is left, and it is recorded as pending. */
    fresh_node();
    plan_once(m, &p);
    memset(&f, 0, sizeof(f));
    f.crash_after = total - 2;
    assert_int_equal(apply_with(&p, &f, 1, &res, &e), OFD_E_IO);
    plan_free(&p);
    assert_false(journal_exists());
    assert_int_equal(plan_once(m, &p), 1);
    assert_int_equal(p.counts[PLAN_RESTART], 1);
    plan_free(&p);
    /* With nothing to recover, recovery finds nothing and changes nothing. */
    before = file_bytes(&lb);
    assert_int_equal(simnode_open(NODE, &n, &e), OFD_OK);
    assert_int_equal(apply_recover(JOURNAL, &n, &rec, &e), OFD_OK);
    assert_int_equal(rec.found, 0);
    node_close(&n);
    assert_node_is(before, lb, NULL, 0);
    manifest_free(m);
}

static void a_journal_of_another_node_or_a_damaged_one_is_refused(void **state)
{
    static const char other[] = "{\"ocsfed_journal\":1,\"node\":\"fe9.example.com\"}\n"
                                "{\"op\":\"fips\",\"old\":false}\n";
    static const char damaged[] = "{\"ocsfed_journal\":1,\"node\":\"fe1.example.com\"}\n"
                                  "{\"op\":\"fips\",\n{\"op\":\"fips\",\"old\":false}\n";
    struct apply_recovery rec;
    struct node n = {0};
    char *before;
    size_t lb = 0;
    ofd_err e;

    (void)state;
    fresh_node();
    before = file_bytes(&lb);
    assert_int_equal(ofd_write_file_atomic(JOURNAL, other, strlen(other), &e), OFD_OK);
    assert_int_equal(simnode_open(NODE, &n, &e), OFD_OK);
    assert_int_equal(apply_recover(JOURNAL, &n, &rec, &e), OFD_E_CONFLICT);
    assert_non_null(strstr(e.msg, "the journal of an apply to fe9.example.com, but this node is fe1.example.com"));
    assert_int_equal(ofd_write_file_atomic(JOURNAL, damaged, strlen(damaged), &e), OFD_OK);
    assert_int_equal(apply_recover(JOURNAL, &n, &rec, &e), OFD_E_INVALID);
    assert_non_null(strstr(e.msg, "apply_node.json.journal:2: not a journal entry"));
    node_close(&n);
    /* Kept for the operator; the node untouched; a new apply refuses to start. */
    assert_true(journal_exists());
    assert_node_is(before, lb, NULL, 0);
    assert_int_equal(ofd_remove_file(JOURNAL, &e), OFD_OK);
}

/* Finds the instance of cls whose prop reads value. */
static const struct node_instance *find_inst(const struct node_instances *l, const char *prop, const char *value)
{
    size_t i;

    for (i = 0; i < l->n; i++) {
        const struct node_value *v = node_instance_get(&l->v[i], prop);
        if (v && v->type == OCS_STRING && v->s && !strcmp(v->s, value))
            return &l->v[i];
    }
    return NULL;
}

static const struct plan_change *find_change(const struct plan *p, const char *cls, const char *key)
{
    size_t i;

    for (i = 0; i < p->n; i++)
        if (!strcmp(p->v[i].cls, cls) && p->v[i].key && !strcmp(p->v[i].key, key))
            return &p->v[i];
    return NULL;
}

static void drift_is_planned_and_corrected(void **state)
{
    struct manifest *m = load_manifest();
    struct apply_result res;
    struct node_instances l = {0};
    struct node_instance set = {0};
    const struct node_instance *route, *host;
    const struct plan_change *c;
    struct node n = {0};
    struct plan p;
    ofd_err e;

    (void)state;
    full_apply_writes(m);
    /* Someone edits the route's next hop, deletes an authorized host and turns the
     * FIPS policy off. */
    assert_int_equal(simnode_open(NODE, &n, &e), OFD_OK);
    assert_int_equal(n.ops->instances(n.ctx, "MSFT_SIPRoutingTableData", &l, &e), OFD_OK);
    assert_non_null(route = find_inst(&l, "MatchURI", "example.com"));
    assert_int_equal(node_instance_add_string(&set, "NextHop", "rogue.example.com"), OFD_OK);
    assert_int_equal(
        n.ops->update_instance(n.ctx, "MSFT_SIPRoutingTableData", node_instance_get(route, "InstanceID")->s, &set, &e),
        OFD_OK);
    node_instance_free(&set);
    node_instances_free(&l);
    assert_int_equal(n.ops->instances(n.ctx, "MSFT_SIPRemoteAddressData", &l, &e), OFD_OK);
    assert_non_null(host = find_inst(&l, "Server", "10.10.0.12"));
    assert_int_equal(
        n.ops->delete_instance(n.ctx, "MSFT_SIPRemoteAddressData", node_instance_get(host, "InstanceID")->s, &e),
        OFD_OK);
    node_instances_free(&l);
    assert_int_equal(n.ops->set_fips(n.ctx, 0, &e), OFD_OK);
    node_close(&n);

    /* plan shows each, with its rule. */
    assert_int_equal(plan_once(m, &p), 4); /* 3 drifts and the restart they need */
    assert_non_null(c = find_change(&p, "MSFT_SIPRoutingTableData", "example.com"));
    assert_int_equal(c->action, PLAN_UPDATE);
    assert_string_equal(c->rule, "R6");
    assert_string_equal(node_instance_get(&c->current, "NextHop")->s, "rogue.example.com");
    assert_non_null(c = find_change(&p, "MSFT_SIPRemoteAddressData", "10.10.0.12"));
    assert_int_equal(c->action, PLAN_CREATE);
    assert_string_equal(c->rule, "R10");
    assert_non_null(c = find_change(&p, "fips_policy", "FipsAlgorithmPolicy"));
    assert_int_equal(c->action, PLAN_UPDATE);
    assert_string_equal(c->rule, "R12");

    /* apply corrects them; afterwards nothing is left and a re-apply writes nothing. */
    assert_int_equal(apply_with(&p, NULL, 1, &res, &e), OFD_OK);
    assert_int_equal(res.applied, 3);
    plan_free(&p);
    assert_int_equal(plan_once(m, &p), 0);
    assert_int_equal(apply_with(&p, NULL, 1, &res, &e), OFD_OK);
    assert_int_equal(res.writes, 0);
    plan_free(&p);
    manifest_free(m);
}

/* Paths in a manifest are relative to it (R13): the example's root CA goes beside the
 * edited copies too. */
static void copy_example_root(void)
{
    ofd_err e;

    assert_int_equal(ofd_make_dir("certs", &e), OFD_OK);
    testutil_copy_file(example("certs/imp-root-ca.pem"), "certs/imp-root-ca.pem");
}

static void drop_imp2(cJSON *root)
{
    cJSON *nodes = cJSON_GetObjectItem(cJSON_GetObjectItem(root, "imp"), "nodes");

    assert_int_equal(cJSON_GetArraySize(nodes), 2);
    cJSON_DeleteItemFromArray(nodes, 1);
}

/* The example manifest without its second IM&P node, written beside the node file. */
static struct manifest *manifest_without_imp2(void)
{
    copy_example_root();
    testutil_write_manifest(example("tls-enterprise.json"), "apply_drop.json", drop_imp2);
    return testutil_load_manifest("apply_drop.json");
}

static void dropping_a_node_removes_exactly_its_entries(void **state)
{
    struct manifest *m = load_manifest(), *m2 = manifest_without_imp2();
    struct apply_result res;
    struct node_instances before = {0}, after = {0};
    struct node_owned o = {0};
    struct nodefault f;
    struct node n = {0};
    struct plan p;
    char *b1, *b2;
    size_t i, l1 = 0, l2 = 0, foreign, kept = 0, total;
    unsigned long k;
    ofd_err e;

    (void)state;
    full_apply_writes(m);
    assert_int_equal(simnode_open(NODE, &n, &e), OFD_OK);
    assert_int_equal(n.ops->instances(n.ctx, "MSFT_SIPRemoteAddressData", &before, &e), OFD_OK);
    node_close(&n);
    assert_int_equal(plan_once(m, &p), 0);
    foreign = p.foreign;
    plan_free(&p);

    /* The plan deletes imp2's two authorized hosts (R10), nothing else but the restart. */
    assert_int_equal(plan_once(m2, &p), 3);
    assert_int_equal(p.counts[PLAN_DELETE], 2);
    assert_int_equal(find_change(&p, "MSFT_SIPRemoteAddressData", "imp2.example.com")->action, PLAN_DELETE);
    assert_int_equal(find_change(&p, "MSFT_SIPRemoteAddressData", "10.10.0.12")->action, PLAN_DELETE);
    assert_int_equal(p.foreign, foreign);
    total = 0;
    /* A fault at each write of that plan (deletes undone by re-creating the instance
     * with its InstanceID) leaves the node byte for byte as it was. */
    b1 = file_bytes(&l1);
    for (k = 1; k <= 3; k++) {
        memset(&f, 0, sizeof(f));
        f.fail_at = k;
        assert_int_equal(apply_with(&p, &f, 1, &res, &e), OFD_E_IO);
        assert_int_equal(res.rollback_rc, OFD_OK);
        b2 = file_bytes(&l2);
        if (l1 != l2 || memcmp(b1, b2, l1))
            print_error("fault at write %lu of the delete plan: the node file changed\n", k);
        assert_int_equal(l2, l1);
        assert_memory_equal(b2, b1, l1);
        free(b2);
    }
    free(b1);
    assert_int_equal(apply_with(&p, NULL, 1, &res, &e), OFD_OK);
    total = res.writes;
    assert_int_equal(total, 2 + 1 + 2); /* two deletes, the record, restart, record */
    plan_free(&p);

    /* Exactly those two are gone: every other entry is still there, unchanged. */
    assert_int_equal(simnode_open(NODE, &n, &e), OFD_OK);
    assert_int_equal(n.ops->instances(n.ctx, "MSFT_SIPRemoteAddressData", &after, &e), OFD_OK);
    assert_int_equal(n.ops->owned(n.ctx, &o, &e), OFD_OK);
    node_close(&n);
    assert_int_equal(after.n, before.n - 2);
    for (i = 0; i < before.n; i++) {
        const char *server = node_instance_get(&before.v[i], "Server")->s;
        const struct node_instance *a = find_inst(&after, "Server", server);
        if (!strcmp(server, "imp2.example.com") || !strcmp(server, "10.10.0.12")) {
            assert_null(a);
        } else {
            assert_non_null(a);
            assert_int_equal(a->nprops, before.v[i].nprops);
            kept++;
        }
    }
    assert_int_equal(kept, before.n - 2);
    for (i = 0; i < o.n; i++)
        assert_true(strcmp(o.v[i].key, "imp2.example.com") && strcmp(o.v[i].key, "10.10.0.12"));
    node_owned_free(&o);
    node_instances_free(&before);
    node_instances_free(&after);
    assert_int_equal(plan_once(m2, &p), 0);
    plan_free(&p);
    manifest_free(m);
    manifest_free(m2);
}

static void set_pfx_password(const char *pw)
{
    pfx_password = pw;
}

/* R16: a server certificate given as a PKCS#12 file is imported into My by the apply
 * (the password from OCSFED_PFX_PASSWORD), selected on the 5061 listener (R17), and a
 * second plan has nothing to do. Without the password nothing is imported; while its
 * CA's root is not trusted (R13) the apply is undone before the listener uses it. */
static void add_server_pfx(cJSON *root)
{
    cJSON *certs = cJSON_GetObjectItem(root, "certificates");

    assert_non_null(cJSON_AddObjectToObject(certs, "server"));
    assert_non_null(cJSON_AddStringToObject(cJSON_GetObjectItem(certs, "server"), "pfx", "certs/pool.pfx"));
}

static void add_server_pfx_and_its_root(cJSON *root)
{
    add_server_pfx(root);
    assert_non_null(
        cJSON_AddItemToArray(cJSON_GetObjectItem(cJSON_GetObjectItem(root, "certificates"), "trusted_roots"),
                             cJSON_CreateString("certs/pool-ca.pem")));
}

static void a_pkcs12_server_certificate_is_imported(void **state)
{
    struct manifest *m = NULL;
    struct apply_result res;
    struct node_certs my = {0};
    struct node n = {0};
    struct plan p;
    const struct plan_change *c = NULL;
    unsigned char tp[CS_SHA1_LEN], ca_tp[CS_SHA1_LEN], *ca_der = NULL;
    char *before, *pem = NULL;
    size_t lb = 0, i, pem_len = 0, ca_len = 0;
    int found = 0;
    ofd_err e;

    (void)state;
    copy_example_root();
    /* Valid from ten years back: the plan runs at the fixed NOW, before today. */
    assert_int_equal(testcert_write_server_pfx("pool.example.com", "s3cret", "certs/pool.pfx", tp, "certs/pool-ca.pem"),
                     0);
    /* The example manifest with "server": {"pfx": "certs/pool.pfx"}, beside the files;
     * and the same trusting the PKCS#12's CA. */
    testutil_write_manifest(example("tls-enterprise.json"), "apply_pfx.json", add_server_pfx);
    testutil_write_manifest(example("tls-enterprise.json"), "apply_pfx_root.json", add_server_pfx_and_its_root);

    /* Without the password: the plan cannot open the file, the apply imports nothing. */
    set_pfx_password(NULL);
    fresh_node();
    before = file_bytes(&lb);
    m = testutil_load_manifest("apply_pfx.json");
    plan_once(m, &p);
    assert_int_equal(apply_with(&p, NULL, 1, &res, &e), OFD_E_INVALID);
    assert_string_equal(e.rule, "R16");
    assert_non_null(strstr(e.msg, "could not be opened when the plan was made"));
    plan_free(&p);
    assert_node_is(before, lb, NULL, 0);

    /* With it, but its CA's root not trusted, on the node or by the manifest: the plan
     * already says the apply would be refused (R13), before anything is written. */
    set_pfx_password("s3cret");
    before = file_bytes(&lb);
    assert_int_equal(simnode_open(NODE, &n, &e), OFD_OK);
    assert_int_equal(plan_make(m, &n, &(struct plan_options){.now = NOW, .pfx_password = pfx_password}, &p, &e),
                     OFD_E_INVALID);
    assert_string_equal(e.rule, "R13");
    assert_non_null(strstr(e.msg, "does not chain to a root in the local machine's Trusted Root"));
    node_close(&n);
    assert_node_is(before, lb, NULL, 0);

    /* Planned while the node trusted the root, which is then removed before the apply:
     * the apply's own check refuses before the listener selects the certificate, and
     * every write is undone. */
    assert_int_equal(ofd_read_file("certs/pool-ca.pem", 1u << 20, &pem, &pem_len, &e), OFD_OK);
    assert_int_equal(cs_cert_from_buffer((unsigned char *)pem, pem_len, "pool-ca.pem", &ca_der, &ca_len, &e), OFD_OK);
    assert_int_equal(cs_x509_thumbprint(ca_der, ca_len, ca_tp, &e), OFD_OK);
    assert_int_equal(simnode_open(NODE, &n, &e), OFD_OK);
    assert_int_equal(n.ops->add_certificate(n.ctx, "Root", ca_der, ca_len, &e), OFD_OK);
    node_close(&n);
    plan_once(m, &p);
    assert_int_equal(simnode_open(NODE, &n, &e), OFD_OK);
    assert_int_equal(n.ops->remove_certificate(n.ctx, "Root", ca_tp, &e), OFD_OK);
    node_close(&n);
    before = file_bytes(&lb);
    assert_int_equal(apply_with(&p, NULL, 1, &res, &e), OFD_E_INVALID);
    assert_string_equal(e.rule, "R13");
    assert_non_null(strstr(e.msg, "does not chain to a root in the local machine's Trusted Root"));
    assert_int_equal(res.rollback_rc, OFD_OK);
    plan_free(&p);
    assert_node_is(before, lb, NULL, 0);
    free(pem);
    free(ca_der);
    manifest_free(m);

    /* With the root trusted too: imported, selected, and then nothing left to do. */
    m = testutil_load_manifest("apply_pfx_root.json");
    plan_once(m, &p);
    for (i = 0; i < p.n; i++)
        if (!strcmp(p.v[i].cls, "certificate") && !strcmp(p.v[i].rule, "R16"))
            c = &p.v[i];
    assert_non_null(c);
    assert_int_equal(c->action, PLAN_CREATE);
    assert_memory_equal(c->item->tp, tp, CS_SHA1_LEN);
    assert_int_equal(apply_with(&p, NULL, 1, &res, &e), OFD_OK);
    plan_free(&p);
    assert_int_equal(simnode_open(NODE, &n, &e), OFD_OK);
    assert_int_equal(n.ops->certificates(n.ctx, "My", &my, &e), OFD_OK);
    for (i = 0; i < my.n; i++)
        found |= !memcmp(my.v[i].tp, tp, CS_SHA1_LEN);
    assert_true(found);
    node_certs_free(&my);
    node_close(&n);
    assert_int_equal(plan_once(m, &p), 0);
    plan_free(&p);
    set_pfx_password(NULL);
    manifest_free(m);
}

/* The read-back of a provider slow to show a new instance (an AD-backed instance may not
 * be readable at once): the apply waits a few seconds (APPLY_READBACK_DELAYS_MS, counted
 * here, not slept) before it declares a mismatch; an instance that never shows is a
 * failure after 3 s of waits, and the apply is undone. */
static unsigned long waits[64], nwaits, waited_ms;

static void count_wait(void *ctx, unsigned ms)
{
    (void)ctx;
    if (nwaits < sizeof(waits) / sizeof(waits[0]))
        waits[nwaits] = ms;
    nwaits++;
    waited_ms += ms;
}

static enum ofd_code apply_slow(const struct plan *p, unsigned long slow_reads, struct nodefault *f,
                                struct apply_result *res, ofd_err *e)
{
    struct apply_options opt = {.journal = JOURNAL, .sleep_ms = count_wait};
    struct node n = {0}, w;
    enum ofd_code rc;

    memset(f, 0, sizeof(*f));
    nwaits = waited_ms = 0;
    assert_int_equal(simnode_open(NODE, &n, e), OFD_OK);
    f->inner = n;
    f->slow_reads = slow_reads;
    nodefault_wrap(f, &w);
    ofd_err_clear(e);
    rc = apply_run(p, &w, &opt, res, e);
    node_close(&n);
    return rc;
}

static void a_slow_provider_gets_a_few_seconds_to_show_a_new_instance(void **state)
{
    struct manifest *m = load_manifest();
    struct apply_result res;
    struct nodefault f;
    struct plan p;
    size_t i, creates = 0, lb = 0;
    char *before;
    ofd_err e;

    (void)state;
    fresh_node();
    plan_once(m, &p);
    for (i = 0; i < p.n; i++)
        creates += p.v[i].action == PLAN_CREATE && strcmp(p.v[i].cls, "certificate") != 0;
    assert_true(creates >= 5);
    /* Each new instance shows at the fourth read: three waits each, and it converges. */
    if (apply_slow(&p, 3, &f, &res, &e) != OFD_OK)
        fail_msg("apply: %s", e.msg);
    assert_int_equal(f.hidden, 3 * creates);
    assert_int_equal(nwaits, 3 * creates);
    assert_int_equal(waits[0], 100);
    assert_int_equal(waits[1], 200);
    assert_int_equal(waits[2], 400);
    assert_int_equal(waited_ms, 700 * creates);
    plan_free(&p);
    plan_once(m, &p); /* converged: only the restart waits for the window */
    assert_false(plan_has_setting_changes(&p));
    plan_free(&p);

    /* One that never shows: the mismatch after 3 s of waits, and the apply undone. */
    fresh_node();
    before = file_bytes(&lb);
    plan_once(m, &p);
    assert_int_not_equal(apply_slow(&p, 1000, &f, &res, &e), OFD_OK);
    assert_non_null(strstr(e.msg, "is not there after it was written"));
    assert_non_null(strstr(e.msg, "3 s"));
    assert_int_equal(waited_ms, APPLY_READBACK_TOTAL_MS);
    assert_int_equal(nwaits, 5);
    assert_int_equal(res.rolled_back, 1);
    assert_int_equal(res.rollback_rc, OFD_OK);
    assert_node_is(before, lb, "slow provider", 0);
    plan_free(&p);
    manifest_free(m);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(apply_converges_and_a_second_apply_writes_nothing),
        cmocka_unit_test(outside_the_window_the_restart_is_pending),
        cmocka_unit_test(a_fault_at_any_write_leaves_the_node_as_it_was),
        cmocka_unit_test(a_crash_after_any_write_is_undone_from_the_journal),
        cmocka_unit_test(a_journal_of_another_node_or_a_damaged_one_is_refused),
        cmocka_unit_test(drift_is_planned_and_corrected),
        cmocka_unit_test(dropping_a_node_removes_exactly_its_entries),
        cmocka_unit_test(a_pkcs12_server_certificate_is_imported),
        cmocka_unit_test(a_slow_provider_gets_a_few_seconds_to_show_a_new_instance),
    };

    if (argc != 2) {
        fprintf(stderr, "usage: test_apply EXAMPLES_DIR\n");
        return 2;
    }
    examples = argv[1];
    return cmocka_run_group_tests(tests, NULL, NULL);
}
