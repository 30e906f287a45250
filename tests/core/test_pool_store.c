/* The pool's shared entries (routes, authorized hosts) belong to the pool: two
 * simulated front ends share one pool store, as a pool's front ends share its back end,
 * and each knows the entries ocsfed made for the pool by their derived InstanceID,
 * whichever front end made them. Dropping an IM&P node is carried out by the front end
 * that did not create its entries; both applying the same manifest at once leaves one
 * copy of each entry; an apply that adopted the other's entries and then fails, or
 * crashes, does not take them away. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "apply.h"
#include "fsutil.h"
#include "manifest.h"
#include "node_fault.h"
#include "ocs_model.h"
#include "plan.h"
#include "simnode.h"
#include "strbuf.h"

#define STORE "pool-store.json"
#define FE1 "pool-fe1.json"
#define FE2 "pool-fe2.json"

/* TCP, pool.example.com of fe1 and fe2; the IM&P nodes given as JSON. */
static struct manifest *manifest_of(int serial, const char *nodes)
{
    struct strbuf sb = {0};
    struct manifest *m = NULL;
    struct diags d = {0};
    ofd_err e;

    sb_printf(&sb,
              "{\"manifest_version\": 1, \"serial\": %d,\n"
              " \"imp\": {\"transport\": \"tcp\", \"domains\": [\"cisco.example.com\"], \"nodes\": [%s]},\n"
              " \"ocs\": {\"edition\": \"enterprise\", \"pool_fqdn\": \"pool.example.com\",\n"
              "  \"servers\": [\"fe1.example.com\", \"fe2.example.com\"]}}\n",
              serial, nodes);
    if (manifest_parse(sb_str(&sb), sb.len, ".", NULL, MANIFEST_NO_FILES, &m, &d, &e) != OFD_OK)
        fail_msg("manifest: %s", e.msg);
    diags_free(&d);
    sb_free(&sb);
    return m;
}

static const char TWO[] = "{\"fqdn\": \"imp1.example.com\", \"ip\": \"10.0.0.11\"}, "
                          "{\"fqdn\": \"imp2.example.com\", \"ip\": \"10.0.0.12\"}";
static const char ONE[] = "{\"fqdn\": \"imp1.example.com\", \"ip\": \"10.0.0.11\"}";

static void fresh_pool(void)
{
    ofd_err e;

    remove(STORE);
    remove(FE1);
    remove(FE2);
    remove(FE1 ".journal");
    remove(FE2 ".journal");
    assert_int_equal(simnode_init_file(FE1, "fe1.example.com", "pool.example.com", STORE, &e), OFD_OK);
    assert_int_equal(simnode_init_file(FE2, "fe2.example.com", "pool.example.com", STORE, &e), OFD_OK);
}

static void plan_on(const char *file, const struct manifest *m, struct plan *p)
{
    struct node n = {0};
    struct plan_options po = {.now = 1795000000LL};
    ofd_err e;

    assert_int_equal(simnode_open(file, &n, &e), OFD_OK);
    if (plan_make(m, &n, &po, p, &e) != OFD_OK)
        fail_msg("plan on %s: %s", file, e.msg);
    node_close(&n);
}

/* Applies p on file, through a fault wrapper when f is given. */
static enum ofd_code apply_on(const char *file, const char *journal, const struct plan *p, struct nodefault *f,
                              struct apply_result *res, ofd_err *e)
{
    struct apply_options opt = {.journal = journal};
    struct node n = {0}, w;
    enum ofd_code rc;

    assert_int_equal(simnode_open(file, &n, e), OFD_OK);
    if (f) {
        f->inner = n;
        nodefault_wrap(f, &w);
        rc = apply_run(p, &w, &opt, res, e);
    } else {
        rc = apply_run(p, &n, &opt, res, e);
    }
    node_close(&n);
    return rc;
}

static void apply_plan_on(const char *file, const struct manifest *m, struct apply_result *res)
{
    struct plan p;
    ofd_err e;

    plan_on(file, m, &p);
    if (apply_on(file, NULL, &p, NULL, res, &e) != OFD_OK)
        fail_msg("apply on %s: %s", file, e.msg);
    plan_free(&p);
}

/* The instances of cls as one front end sees them (the pool store for the pool's classes). */
static size_t count_of(const char *file, const char *cls, const char *key)
{
    struct node n = {0};
    struct node_instances l = {0};
    size_t i, hits = 0;
    ofd_err e;

    assert_int_equal(simnode_open(file, &n, &e), OFD_OK);
    assert_int_equal(n.ops->instances(n.ctx, cls, &l, &e), OFD_OK);
    for (i = 0; i < l.n; i++) {
        const struct node_value *v = node_instance_get(&l.v[i], ocs_class_find(cls)->match_prop);
        hits += !key || (v && v->type == OCS_STRING && v->s && !strcmp(v->s, key));
    }
    node_instances_free(&l);
    node_close(&n);
    return hits;
}

static size_t count_action(const struct plan *p, enum plan_action a, const char *cls)
{
    size_t i, n = 0;

    for (i = 0; i < p->n; i++)
        n += p->v[i].action == a && (!cls || !strcmp(p->v[i].cls, cls));
    return n;
}

/* A host an administrator made by hand in the pool's store: never ocsfed's. */
static void foreign_host(void)
{
    struct node n = {0};
    struct node_instance h = {0};
    char *id = NULL;
    ofd_err e;

    assert_int_equal(simnode_open(FE1, &n, &e), OFD_OK);
    h.cls = ofd_strdup(OCS_CLASS_HOST);
    assert_int_equal(node_instance_add_string(&h, OCS_P_SERVER, "10.9.9.9"), OFD_OK);
    assert_int_equal(n.ops->create_instance(n.ctx, &h, &id, &e), OFD_OK);
    free(id);
    node_instance_free(&h);
    node_close(&n);
}

/* fe1 applies first; fe2 then sees the pool's entries as ocsfed's and makes only its
 * own listening address. Serial 2 drops imp2: fe2, which created none of the pool's
 * entries, deletes exactly imp2's authorized host; the administrator's host stays;
 * fe1 then has nothing of the pool's left to do. */
static void the_other_front_end_removes_a_dropped_node(void **state)
{
    struct manifest *m1 = manifest_of(1, TWO), *m2 = manifest_of(2, ONE);
    struct apply_result res;
    struct plan p;
    size_t i;

    (void)state;
    fresh_pool();
    foreign_host();
    apply_plan_on(FE1, m1, &res);
    assert_int_equal(count_of(FE2, OCS_CLASS_HOST, NULL), 3); /* imp1, imp2, the administrator's */
    assert_int_equal(count_of(FE2, OCS_CLASS_ROUTE, NULL), 1);

    plan_on(FE2, m1, &p);
    assert_int_equal(count_action(&p, PLAN_CREATE, OCS_CLASS_HOST), 0);
    assert_int_equal(count_action(&p, PLAN_CREATE, OCS_CLASS_ROUTE), 0);
    assert_int_equal(count_action(&p, PLAN_CREATE, OCS_CLASS_LISTENING), 1);
    for (i = 0; i < p.n; i++)
        if (!strcmp(p.v[i].cls, OCS_CLASS_HOST) && p.v[i].action == PLAN_UNCHANGED)
            assert_true(p.v[i].owned); /* made by fe1, known to fe2 as ocsfed's */
    assert_int_equal(p.foreign, 1);
    plan_free(&p);
    apply_plan_on(FE2, m1, &res);

    plan_on(FE2, m2, &p);
    assert_int_equal(count_action(&p, PLAN_DELETE, NULL), 1);
    for (i = 0; i < p.n; i++)
        if (p.v[i].action == PLAN_DELETE) {
            assert_string_equal(p.v[i].cls, OCS_CLASS_HOST);
            assert_string_equal(p.v[i].key, "10.0.0.12");
            assert_true(p.v[i].owned);
        }
    plan_free(&p);
    apply_plan_on(FE2, m2, &res);
    assert_int_equal(count_of(FE1, OCS_CLASS_HOST, "10.0.0.12"), 0);
    assert_int_equal(count_of(FE1, OCS_CLASS_HOST, "10.0.0.11"), 1);
    assert_int_equal(count_of(FE1, OCS_CLASS_HOST, "10.9.9.9"), 1);

    plan_on(FE1, m2, &p);
    assert_int_equal(count_action(&p, PLAN_DELETE, NULL), 0);
    assert_int_equal(count_action(&p, PLAN_CREATE, NULL), 0);
    assert_int_equal(p.foreign, 1);
    plan_free(&p);
    manifest_free(m1);
    manifest_free(m2);
}

/* Both front ends plan serial 1 on an empty pool at once; fe1 applies, then fe2 applies
 * its plan, made before fe1's entries existed: it finds each of them made already, with
 * the same InstanceID and values, and takes them as done. One copy of each. */
static void both_apply_at_once(void **state)
{
    struct manifest *m = manifest_of(1, TWO);
    struct apply_result res;
    struct plan p1, p2;
    ofd_err e;

    (void)state;
    fresh_pool();
    plan_on(FE1, m, &p1);
    plan_on(FE2, m, &p2);
    assert_int_equal(apply_on(FE1, NULL, &p1, NULL, &res, &e), OFD_OK);
    if (apply_on(FE2, NULL, &p2, NULL, &res, &e) != OFD_OK)
        fail_msg("fe2: %s", e.msg);
    assert_int_equal(count_of(FE1, OCS_CLASS_HOST, NULL), 2);
    assert_int_equal(count_of(FE1, OCS_CLASS_ROUTE, NULL), 1);
    /* fe2 wrote its listening address and its own record; not the pool's entries. */
    assert_int_equal(res.writes, 2);
    plan_free(&p1);
    plan_free(&p2);
    manifest_free(m);
}

/* fe2 adopts fe1's entries, then its own write fails (rolled back) or it crashes (its
 * journal recovered): fe1's entries stay, and fe2's own write is taken back. */
static void a_failed_or_crashed_apply_leaves_the_others_entries(void **state)
{
    struct manifest *m = manifest_of(1, TWO);
    struct apply_result res;
    struct apply_recovery rec;
    struct nodefault f;
    struct node n = {0};
    struct plan p1, p2;
    int crash;
    ofd_err e;

    (void)state;
    for (crash = 0; crash < 2; crash++) {
        fresh_pool();
        plan_on(FE1, m, &p1);
        plan_on(FE2, m, &p2);
        assert_int_equal(apply_on(FE1, NULL, &p1, NULL, &res, &e), OFD_OK);
        memset(&f, 0, sizeof(f));
        /* fe2's write calls: the pool's three entries (each found made), its listening
         * address (4), its record (5). */
        if (crash)
            f.crash_after = 4;
        else
            f.fail_at = 5;
        assert_int_not_equal(apply_on(FE2, FE2 ".journal", &p2, &f, &res, &e), OFD_OK);
        if (crash) {
            assert_int_equal(simnode_open(FE2, &n, &e), OFD_OK);
            if (apply_recover(FE2 ".journal", &n, &rec, &e) != OFD_OK)
                fail_msg("recover: %s", e.msg);
            node_close(&n);
            assert_true(rec.found);
        } else {
            assert_true(res.rolled_back);
            assert_int_equal(res.rollback_rc, OFD_OK);
        }
        assert_int_equal(count_of(FE1, OCS_CLASS_HOST, NULL), 2);
        assert_int_equal(count_of(FE1, OCS_CLASS_ROUTE, NULL), 1);
        assert_int_equal(count_of(FE2, OCS_CLASS_LISTENING, NULL), 0);
        plan_free(&p1);
        plan_free(&p2);
    }
    manifest_free(m);
}

/* Drift: someone edits the key of a host ocsfed made (Server 10.0.0.12 becomes
 * 10.99.99.99). Its InstanceID still says whose and what it was: the other front end
 * puts it back with one update, rather than creating a second entry beside it. */
static void an_edited_entry_is_put_back(void **state)
{
    struct manifest *m = manifest_of(1, TWO);
    struct apply_result res;
    struct node n = {0};
    struct node_instance set = {0};
    char id[OCS_INSTANCE_ID_LEN];
    struct plan p;
    size_t i;
    ofd_err e;

    (void)state;
    fresh_pool();
    apply_plan_on(FE1, m, &res);
    assert_int_equal(ocs_pool_instance_id("pool.example.com", OCS_CLASS_HOST, "10.0.0.12", id), 0);
    assert_int_equal(simnode_open(FE1, &n, &e), OFD_OK);
    assert_int_equal(node_instance_add_string(&set, OCS_P_SERVER, "10.99.99.99"), OFD_OK);
    assert_int_equal(n.ops->update_instance(n.ctx, OCS_CLASS_HOST, id, &set, &e), OFD_OK);
    node_instance_free(&set);
    node_close(&n);

    plan_on(FE2, m, &p);
    assert_int_equal(count_action(&p, PLAN_CREATE, OCS_CLASS_HOST), 0);
    assert_int_equal(count_action(&p, PLAN_UPDATE, OCS_CLASS_HOST), 1);
    for (i = 0; i < p.n; i++)
        if (p.v[i].action == PLAN_UPDATE) {
            assert_string_equal(p.v[i].key, "10.0.0.12");
            assert_string_equal(p.v[i].instance_id, id);
            assert_true(p.v[i].owned);
        }
    plan_free(&p);
    apply_plan_on(FE2, m, &res);
    assert_int_equal(count_of(FE1, OCS_CLASS_HOST, "10.0.0.12"), 1);
    assert_int_equal(count_of(FE1, OCS_CLASS_HOST, "10.99.99.99"), 0);
    assert_int_equal(count_of(FE1, OCS_CLASS_HOST, NULL), 2);
    manifest_free(m);
}

/* An administrator deletes the host 10.0.0.12 in the pool's store (in MMC, say). */
static void delete_host_12(void)
{
    struct node n = {0};
    char id[OCS_INSTANCE_ID_LEN];
    ofd_err e;

    assert_int_equal(ocs_pool_instance_id("pool.example.com", OCS_CLASS_HOST, "10.0.0.12", id), 0);
    assert_int_equal(simnode_open(FE1, &n, &e), OFD_OK);
    assert_int_equal(n.ops->delete_instance(n.ctx, OCS_CLASS_HOST, id, &e), OFD_OK);
    node_close(&n);
}

static void delete_host_12_now(struct nodefault *f)
{
    (void)f;
    delete_host_12();
}

/* fe2 updates the host fe1 made (its key edited by hand: drift), and someone deletes
 * that host before fe2's apply is undone: by the confirmed apply's revert (or the
 * recovery after a crash, the same apply_recover), or by the rollback of a failed
 * apply. The deletion was someone else's decision: the undo does not bring the entry
 * back, says so, and completes (the journal removed); the rest of the apply is undone. */
static void undoing_an_update_of_an_entry_deleted_since(void **state)
{
    struct manifest *m = manifest_of(1, TWO);
    struct apply_options opt = {.journal = FE2 ".journal", .keep_journal = 1};
    struct apply_result res;
    struct apply_recovery rec;
    struct nodefault f;
    struct node n = {0}, w;
    struct node_instance set = {0};
    char id[OCS_INSTANCE_ID_LEN];
    unsigned long writes;
    struct plan p;
    int rollback;
    ofd_err e;

    (void)state;
    assert_int_equal(ocs_pool_instance_id("pool.example.com", OCS_CLASS_HOST, "10.0.0.12", id), 0);
    for (rollback = 0; rollback < 2; rollback++) {
        fresh_pool();
        apply_plan_on(FE1, m, &res);
        assert_int_equal(simnode_open(FE1, &n, &e), OFD_OK);
        assert_int_equal(node_instance_add_string(&set, OCS_P_SERVER, "10.99.99.99"), OFD_OK);
        assert_int_equal(n.ops->update_instance(n.ctx, OCS_CLASS_HOST, id, &set, &e), OFD_OK);
        node_instance_free(&set);
        memset(&set, 0, sizeof(set));
        node_close(&n);
        plan_on(FE2, m, &p);
        assert_int_equal(count_action(&p, PLAN_UPDATE, OCS_CLASS_HOST), 1);
        assert_int_equal(count_action(&p, PLAN_CREATE, OCS_CLASS_LISTENING), 1);

        assert_int_equal(simnode_open(FE2, &n, &e), OFD_OK);
        memset(&f, 0, sizeof(f));
        f.inner = n;
        nodefault_wrap(&f, &w);
        if (!rollback) {
            /* Applied and kept for its probe; the host deleted; the probe fails. */
            if (apply_run(&p, &w, &opt, &res, &e) != OFD_OK)
                fail_msg("fe2: %s", e.msg);
            writes = f.writes;
            assert_true(res.journal_kept);
            assert_int_equal(writes, 3); /* the host, the listening address, the record */
            delete_host_12();
            if (apply_recover(FE2 ".journal", &w, &rec, &e) != OFD_OK)
                fail_msg("recover: %s", e.msg);
            assert_true(rec.found);
            assert_int_equal(rec.undone, 2); /* the record and the listening address */
            assert_int_equal(rec.gone, 1);
            assert_non_null(strstr(rec.gone_msg, id));
            assert_non_null(strstr(rec.gone_msg, "was deleted since"));
            assert_non_null(strstr(rec.gone_msg, "not re-created"));
        } else {
            /* The last write (the record) fails; the host is deleted just before. */
            f.fail_at = 3;
            f.before_fail = delete_host_12_now;
            assert_int_not_equal(apply_run(&p, &w, &opt, &res, &e), OFD_OK);
            assert_true(res.rolled_back);
            if (res.rollback_rc != OFD_OK)
                fail_msg("rollback: %s", res.rollback_msg);
            assert_int_equal(res.rollback_gone, 1);
            assert_non_null(strstr(res.rollback_msg, id));
            assert_non_null(strstr(res.rollback_msg, "not re-created; every other change undone"));
        }
        node_close(&n);
        assert_false(apply_journal_exists(FE2 ".journal"));
        /* Not re-created, under either key; fe2's own write taken back. */
        assert_int_equal(count_of(FE1, OCS_CLASS_HOST, "10.0.0.12"), 0);
        assert_int_equal(count_of(FE1, OCS_CLASS_HOST, "10.99.99.99"), 0);
        assert_int_equal(count_of(FE1, OCS_CLASS_HOST, "10.0.0.11"), 1);
        assert_int_equal(count_of(FE2, OCS_CLASS_LISTENING, NULL), 0);
        plan_free(&p);
    }
    manifest_free(m);
}

/* Several entries deleted since: the first named, the others counted, within the buffer. */
static void several_entries_deleted_since(void **state)
{
    char buf[OFD_ERR_MSG_MAX], small[64], note[OFD_ERR_MSG_MAX];

    (void)state;
    apply_note_gone(buf, sizeof(buf), 1, "A {1}, updated by the apply, was deleted since: not re-created");
    apply_note_gone(buf, sizeof(buf), 2, "B {2}, updated by the apply, was deleted since: not re-created");
    apply_note_gone(buf, sizeof(buf), 3, "C {3}, updated by the apply, was deleted since: not re-created");
    assert_string_equal(buf, "A {1}, updated by the apply, was deleted since: not re-created (and 2 more deleted "
                             "since, not re-created)");
    memset(note, 'x', sizeof(note) - 1);
    note[sizeof(note) - 1] = '\0';
    apply_note_gone(small, sizeof(small), 1, note);
    assert_int_equal(strlen(small), sizeof(small) - 1);
    apply_note_gone(small, sizeof(small), 2, note);
    assert_non_null(strstr(small, " (and 1 more deleted since, not re-created)"));
    assert_int_equal(strlen(small), sizeof(small) - 1);
}

/* The store's file holds the pool's classes only; a node file with pool store refuses
 * to hold them too; the store's name is a file beside the node, not a path. */
static void the_store_format(void **state)
{
    static const char bad[] = "{\"node\": {\"fqdn\": \"fe9.example.com\", \"pool_store\": \"../x.json\"}}";
    struct node n = {0};
    char *text = NULL;
    size_t len = 0;
    ofd_err e;

    (void)state;
    fresh_pool();
    foreign_host();
    assert_int_equal(ofd_read_file(STORE, 1u << 20, &text, &len, &e), OFD_OK);
    assert_non_null(strstr(text, "\"pool\":\t\"pool.example.com\""));
    assert_non_null(strstr(text, "10.9.9.9"));
    assert_null(strstr(text, "certificates"));
    free(text);
    assert_int_equal(ofd_read_file(FE1, 1u << 20, &text, &len, &e), OFD_OK);
    assert_null(strstr(text, "10.9.9.9"));
    free(text);
    assert_int_equal(simnode_open_buffer(bad, sizeof(bad) - 1, "bad.json", &n, &e), OFD_E_INVALID);
    assert_non_null(strstr(e.msg, "expected the name of a file beside this one"));
    assert_int_equal(simnode_init_file("pool-se.json", "se1.example.com", NULL, STORE, &e), OFD_E_INVALID);
    assert_non_null(strstr(e.msg, "needs --pool"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_other_front_end_removes_a_dropped_node),
        cmocka_unit_test(both_apply_at_once),
        cmocka_unit_test(a_failed_or_crashed_apply_leaves_the_others_entries),
        cmocka_unit_test(an_edited_entry_is_put_back),
        cmocka_unit_test(undoing_an_update_of_an_entry_deleted_since),
        cmocka_unit_test(several_entries_deleted_since),
        cmocka_unit_test(the_store_format),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
