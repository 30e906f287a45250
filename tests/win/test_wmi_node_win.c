/* The WMI node (wmi/wmi_node_win.c) under Wine: OCS's classes through the stand-in at
 * the IWbemServices seam, everything else real (Wine's certificate stores, registry
 * through StdRegProv, SCM).
 *  - the class map round-trips every property of every OCS class: create, read back,
 *    update, set to NULL, delete;
 *  - the example TLS manifest planned against the stand-in (seeded with the example
 *    front end) gives the same plan as against the simulated node; the apply makes one
 *    WMI write per WMI change and a second apply makes none;
 *  - a fault in the middle of the apply is rolled back through WMI;
 *  - after each test the stand-in has no outstanding COM reference.
 * Argument: the examples/ folder. */
#define COBJMACROS
#include <windows.h>
#include <oleauto.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "apply.h"
#include "cs_inspect.h"
#include "cs_store.h"
#include "error_win.h"
#include "fsutil.h"
#include "manifest.h"
#include "node_fault.h"
#include "nodespec.h"
#include "ocs_model.h"
#include "ocs_standin.h"
#include "standin_seed.h"
#include "plan.h"
#include "simnode.h"
#include "strbuf.h"
#include "testcert.h"
#include "testcom.h"
#include "testutil.h"
#include "vocab.h"
#include "wmi.h"
#include "wmi_fips.h"
#include "wmi_node.h"

#define NOW 1796000000LL /* 2026-11-29 (a Sunday, 03:33 UTC): certificates valid */
#define OWNED "wmi_owned.json"
#define JOURNAL "wmi_journal.jsonl"
/* The example front end, its server certificate replaced by one with a private key
 * (standin_seed_keyed): the simulated node the stand-in was seeded from. */
#define KEYED "wmi_fe1_keyed.json"

static const char *examples;

static void open_wmi_node(struct ocs_standin *st, struct node *n)
{
    struct wmi_node_config cfg;
    ofd_err e;

    memset(&cfg, 0, sizeof(cfg));
    cfg.svc = ocs_standin_services(st);
    cfg.fqdn = "fe1.example.com";
    cfg.owned_path = OWNED;
    if (wmi_node_open(&cfg, n, &e) != OFD_OK)
        fail_msg("wmi_node_open: %s", e.msg);
}

static struct ocs_standin *standin_with_pool(void)
{
    struct ocs_standin *st = ocs_standin_new();
    char path[1024];
    ofd_err e;

    assert_non_null(st);
    snprintf(path, sizeof(path), "%s/nodes/fe1-enterprise.json", examples);
    if (standin_seed_keyed(st, path, KEYED, &e) != OFD_OK)
        fail_msg("seeding the stand-in: %s", e.msg);
    remove(OWNED);
    remove(JOURNAL);
    return st;
}

static void standin_done(struct ocs_standin *st)
{
    long refs = ocs_standin_outstanding(st);

    if (refs)
        print_error("the stand-in has %ld outstanding COM references\n", refs);
    assert_int_equal(refs, 0);
    ocs_standin_free(st);
}

/* ---- the class map round trip ---- */

/* A sample value of type t; variant picks one of two. */
static void sample(enum ocs_type t, int variant, struct node_value *v)
{
    static const unsigned char b1[] = {0x30, 0x00, 0xff, 0x7f}, b2[] = {0x01};
    static char s1[] = "first", s2[] = "second", a1[] = "fe1.example.com", a2[] = "fe2.example.com";
    static char *strs[] = {a1, a2};

    memset(v, 0, sizeof(*v));
    v->type = t;
    switch (t) {
    case OCS_STRING: v->s = variant ? s2 : s1; break;
    case OCS_UINT32: v->u = variant ? 4000000000u : 5061; break;
    case OCS_BOOLEAN: v->b = !variant; break;
    case OCS_UINT8_ARRAY:
        v->bytes = (unsigned char *)(variant ? b2 : b1);
        v->nbytes = variant ? sizeof(b2) : sizeof(b1);
        break;
    case OCS_STRING_ARRAY:
        v->strs = strs;
        v->nstrs = variant ? 1 : 2;
        break;
    }
}

static const struct node_instance *by_id(const struct node_instances *l, const char *id)
{
    size_t i;

    for (i = 0; i < l->n; i++) {
        const struct node_value *v = node_instance_get(&l->v[i], "InstanceID");
        if (v && v->s && !strcmp(v->s, id))
            return &l->v[i];
    }
    return NULL;
}

static int is_key(const char *name)
{
    return !ofd_strcasecmp(name, "InstanceID") || !ofd_strcasecmp(name, "Backend");
}

static void class_map_round_trips_every_property(void **state)
{
    struct ocs_standin *st = standin_with_pool();
    struct ocs_standin_counts cnt;
    struct node n = {0};
    size_t k, i, classes = 0;
    ofd_err e;

    (void)state;
    open_wmi_node(st, &n);
    for (k = 0; k < ocs_class_count(); k++) {
        const struct ocs_class_def *def = ocs_class_at(k);
        struct node_instance inst = {0}, upd = {0}, unset = {0};
        struct node_instances l = {0};
        const struct node_instance *got;
        struct node_value v;
        char *id = NULL;
        size_t before;

        if (!def->wmi)
            continue;
        classes++;
        assert_int_equal(n.ops->instances(n.ctx, def->name, &l, &e), OFD_OK);
        before = l.n;
        node_instances_free(&l);
        assert_non_null(inst.cls = ofd_strdup(def->name));
        for (i = 0; i < def->nprops; i++) {
            struct node_value c;
            if (is_key(def->props[i].name))
                continue;
            sample(def->props[i].type, 0, &v);
            assert_int_equal(node_value_copy(&c, &v), OFD_OK);
            assert_int_equal(node_instance_add(&inst, def->props[i].name, &c), OFD_OK);
            sample(def->props[i].type, 1, &v);
            assert_int_equal(node_value_copy(&c, &v), OFD_OK);
            assert_int_equal(node_instance_add(&upd, def->props[i].name, &c), OFD_OK);
        }
        /* Create: every property reads back as written. */
        if (n.ops->create_instance(n.ctx, &inst, &id, &e) != OFD_OK)
            fail_msg("create %s: %s", def->name, e.msg);
        assert_int_equal(n.ops->instances(n.ctx, def->name, &l, &e), OFD_OK);
        assert_int_equal(l.n, before + 1);
        assert_non_null(got = by_id(&l, id));
        for (i = 0; i < inst.nprops; i++) {
            const struct node_value *r = node_instance_get(got, inst.props[i].name);
            if (!r || !node_value_equal(r, &inst.props[i].v))
                fail_msg("%s.%s does not read back as created", def->name, inst.props[i].name);
        }
        if (def->pool_scoped)
            assert_string_equal(node_instance_get(got, "Backend")->s, "sql1.example.com\\rtc");
        node_instances_free(&l);
        /* Update every property to another value. */
        if (n.ops->update_instance(n.ctx, def->name, id, &upd, &e) != OFD_OK)
            fail_msg("update %s: %s", def->name, e.msg);
        assert_int_equal(n.ops->instances(n.ctx, def->name, &l, &e), OFD_OK);
        assert_non_null(got = by_id(&l, id));
        for (i = 0; i < upd.nprops; i++) {
            const struct node_value *r = node_instance_get(got, upd.props[i].name);
            if (!r || !node_value_equal(r, &upd.props[i].v))
                fail_msg("%s.%s does not read back as updated", def->name, upd.props[i].name);
        }
        node_instances_free(&l);
        /* A string set to NULL is no longer there (how an undo takes a property back). */
        for (i = 0; i < upd.nprops; i++)
            if (upd.props[i].v.type == OCS_STRING) {
                struct node_value null_value = {OCS_STRING, NULL, 0, 0, NULL, 0, NULL, 0};
                assert_int_equal(node_instance_add(&unset, upd.props[i].name, &null_value), OFD_OK);
                break;
            }
        if (unset.nprops) {
            assert_int_equal(n.ops->update_instance(n.ctx, def->name, id, &unset, &e), OFD_OK);
            assert_int_equal(n.ops->instances(n.ctx, def->name, &l, &e), OFD_OK);
            assert_null(node_instance_get(by_id(&l, id), unset.props[0].name));
            node_instances_free(&l);
        }
        /* Delete: gone, and a second delete says so. */
        assert_int_equal(n.ops->delete_instance(n.ctx, def->name, id, &e), OFD_OK);
        assert_int_equal(n.ops->instances(n.ctx, def->name, &l, &e), OFD_OK);
        assert_null(by_id(&l, id));
        assert_int_equal(l.n, before);
        node_instances_free(&l);
        assert_int_equal(n.ops->delete_instance(n.ctx, def->name, id, &e), OFD_E_NOTFOUND);
        /* A key cannot be updated; a property the class map lacks is refused by name. */
        node_instance_free(&unset);
        assert_int_equal(node_instance_add_string(&unset, "NoSuchProperty", "x"), OFD_OK);
        unset.cls = ofd_strdup(def->name);
        assert_int_equal(n.ops->create_instance(n.ctx, &unset, &id, &e), OFD_E_INVALID);
        assert_non_null(strstr(e.msg, "NoSuchProperty is not in the class map"));
        free(id);
        node_instance_free(&inst);
        node_instance_free(&upd);
        node_instance_free(&unset);
    }
    assert_int_equal(classes, 5);
    ocs_standin_counts(st, &cnt);
    assert_int_equal(cnt.puts, 3 * classes); /* create, update, unset a string */
    assert_int_equal(cnt.deletes, 2 * classes);
    node_close(&n);
    standin_done(st);
}

/* ---- plan parity and the apply through WMI ---- */

static struct manifest *load_tls_manifest(void)
{
    char path[1024];

    snprintf(path, sizeof(path), "%s/tls-enterprise.json", examples);
    return testutil_load_manifest(path);
}

/* The plan as comparable text: action, class, key and wanted properties per change. */
static char *plan_text(const struct plan *p)
{
    struct strbuf b = {0};
    size_t i, k;

    for (i = 0; i < p->n; i++) {
        const struct plan_change *c = &p->v[i];
        sb_printf(&b, "%s %s %s [%s]", plan_action_name(c->action), c->cls, c->key ? c->key : "",
                  c->rule ? c->rule : "");
        for (k = 0; k < c->props.nprops; k++) {
            char *t = node_value_text(&c->props.props[k].v);
            sb_printf(&b, " %s=%s", c->props.props[k].name, t ? t : "?");
            free(t);
        }
        sb_appendc(&b, '\n');
    }
    return sb_take(&b);
}

static size_t wmi_changes(const struct plan *p)
{
    size_t i, n = 0;

    for (i = 0; i < p->n; i++) {
        const struct ocs_class_def *def = ocs_class_find(p->v[i].cls);
        n += def && def->wmi && p->v[i].action != PLAN_UNCHANGED;
    }
    return n;
}

static void plan_matches_the_simulated_node_and_a_second_apply_writes_nothing(void **state)
{
    struct ocs_standin *st = standin_with_pool();
    struct manifest *m = load_tls_manifest();
    struct apply_options opt = {.journal = JOURNAL}; /* outside the window: no restart here */
    struct apply_result res;
    struct ocs_standin_counts cnt;
    struct node n = {0}, sim = {0};
    struct plan pw, ps;
    char *text = NULL, *tw, *ts;
    size_t len = 0, wmi_writes;
    ofd_err e;

    (void)state;
    assert_int_equal(ofd_read_file(KEYED, 1u << 24, &text, &len, &e), OFD_OK);
    assert_int_equal(ofd_write_file_atomic("wmi_sim.json", text, len, &e), OFD_OK);
    free(text);
    assert_int_equal(simnode_open("wmi_sim.json", &sim, &e), OFD_OK);
    assert_int_equal(plan_make(m, &sim, &(struct plan_options){.now = NOW}, &ps, &e), OFD_OK);
    node_close(&sim);

    open_wmi_node(st, &n);
    if (plan_make(m, &n, &(struct plan_options){.now = NOW}, &pw, &e) != OFD_OK)
        fail_msg("plan against the stand-in: %s", e.msg);
    tw = plan_text(&pw);
    ts = plan_text(&ps);
    if (strcmp(tw, ts))
        print_error("plan against WMI:\n%s\nplan against the simulated node:\n%s\n", tw, ts);
    assert_string_equal(tw, ts);
    assert_true(wmi_changes(&pw) >= 5);
    /* One query per class the plan reads, no write. */
    ocs_standin_counts(st, &cnt);
    assert_int_equal(cnt.puts + cnt.deletes, 0);
    free(tw);
    free(ts);

    /* The apply: one WMI write per WMI change, each read back. */
    ocs_standin_reset_counts(st);
    if (apply_run(&pw, &n, &opt, &res, &e) != OFD_OK)
        fail_msg("apply through WMI: [%s] %s", e.rule, e.msg);
    ocs_standin_counts(st, &cnt);
    wmi_writes = cnt.puts + cnt.deletes;
    assert_int_equal(wmi_writes, wmi_changes(&pw));
    assert_int_equal(wmi_writes, wmi_write_count(wmi_node_session(&n)));
    assert_int_equal(res.restart_pending, 1);
    plan_free(&pw);
    plan_free(&ps);

    /* Again: nothing to change, zero WMI writes. */
    ocs_standin_reset_counts(st);
    assert_int_equal(plan_make(m, &n, &(struct plan_options){.now = NOW}, &pw, &e), OFD_OK);
    assert_false(plan_has_setting_changes(&pw));
    assert_int_equal(apply_run(&pw, &n, &opt, &res, &e), OFD_OK);
    assert_int_equal(res.writes, 0);
    ocs_standin_counts(st, &cnt);
    assert_int_equal(cnt.puts + cnt.deletes, 0);
    printf("WMI calls of a check with nothing to change: %lu queries, %lu gets, %lu writes\n", cnt.queries,
           cnt.get_objects, cnt.puts + cnt.deletes);
    plan_free(&pw);
    node_close(&n);
    manifest_free(m);
    standin_done(st);
}

/* ---- the command line: `ocsfed plan|apply MANIFEST` without --node, this server being
 * the stand-in (registered the way main_win.c registers WMI) ---- */

static struct ocs_standin *cli_standin;

static enum ofd_code open_standin_server(struct node *out, ofd_err *e)
{
    struct wmi_node_config cfg;

    memset(&cfg, 0, sizeof(cfg));
    cfg.svc = ocs_standin_services(cli_standin);
    cfg.fqdn = "fe1.example.com";
    cfg.owned_path = OWNED;
    return wmi_node_open(&cfg, out, e);
}

static char *standin_journal(void)
{
    return ofd_strdup(JOURNAL);
}

/* The "changes" of `ocsfed plan --json` output, printed compactly. The Front End
 * service's current state is left out: the WMI node asks Wine's real SCM, where no
 * RTCSRV is installed, and the simulated node says "running". */
static char *changes_of(const char *json)
{
    cJSON *root = cJSON_Parse(json), *ch = root ? cJSON_GetObjectItem(root, "changes") : NULL, *it;
    char *s;

    cJSON_ArrayForEach(it, ch)
    {
        const cJSON *cls = cJSON_GetObjectItem(it, "class");
        if (cJSON_IsString(cls) && !strcmp(cls->valuestring, "service"))
            cJSON_DeleteItemFromObject(it, "current");
    }
    s = ch ? cJSON_PrintUnformatted(ch) : NULL;

    assert_non_null(s);
    cJSON_Delete(root);
    return s;
}

static void the_command_line_plans_and_applies_this_server_through_wmi(void **state)
{
    static const struct node_platform standin_server = {.open = open_standin_server, .journal = standin_journal};
    struct ocs_standin_counts cnt;
    char tls[1024], *cw, *cs;
    int rc;

    unsigned char root_tp[CS_SHA1_LEN];
    int removed;
    ofd_err e;

    (void)state;
    cli_standin = standin_with_pool();
    nodespec_set_platform(&standin_server);
    /* Earlier tests of this process put the example's IM&P root into Wine's real Root
     * store; the simulated node does not have it: take it out, so both start alike. */
    assert_int_equal(cs_thumbprint_parse("E18A36E39C7221D7F5C68F7AE6928CBED08664A4", root_tp, &e), OFD_OK);
    assert_int_equal(cs_store_remove("Root", root_tp, &removed, &e), OFD_OK);
    snprintf(tls, sizeof(tls), "%s/tls-enterprise.json", examples);
    testutil_copy_file(KEYED, "wmi_cli_sim.json");
    remove("wmi_cli_sim.json.journal");

    /* The same plan as against the simulated node. */
    assert_int_equal(testutil_ocsfed("plan", tls, "--json", NULL), 2);
    cw = changes_of(testutil_out);
    assert_int_equal(testutil_ocsfed("plan", tls, "--node", "sim:wmi_cli_sim.json", "--json", NULL), 2);
    cs = changes_of(testutil_out);
    if (strcmp(cw, cs)) {
        /* Too long for one message: both kept beside the test for a diff. */
        testcert_write_file("wmi_cli_changes_wmi.json", cw, strlen(cw));
        testcert_write_file("wmi_cli_changes_sim.json", cs, strlen(cs));
        print_error("ocsfed plan differs between this server and the simulated node: see "
                    "wmi_cli_changes_wmi.json and wmi_cli_changes_sim.json\n");
    }
    assert_string_equal(cw, cs);
    free(cw);
    free(cs);

    /* Apply, then again: the second makes no WMI write. */
    ocs_standin_reset_counts(cli_standin);
    rc = testutil_ocsfed("apply", tls, NULL);
    if (rc != 0)
        print_error("ocsfed apply: %s\n", testutil_out);
    assert_int_equal(rc, 0);
    assert_non_null(strstr(testutil_out, "applied 8 changes to fe1.example.com"));
    ocs_standin_counts(cli_standin, &cnt);
    assert_int_equal(cnt.puts + cnt.deletes, 6); /* the listener, the route, four authorized hosts */
    ocs_standin_reset_counts(cli_standin);
    assert_int_equal(testutil_ocsfed("apply", tls, "--json", NULL), 0);
    assert_non_null(strstr(testutil_out, "\"result\":\t\"nothing_to_change\""));
    ocs_standin_counts(cli_standin, &cnt);
    assert_int_equal(cnt.puts + cnt.deletes, 0);
    assert_int_equal(testutil_ocsfed("plan", tls, NULL), 0);
    nodespec_set_platform(NULL);
    standin_done(cli_standin);
    cli_standin = NULL;
}

/* A fault at each WMI write of the apply: everything before it is undone through WMI
 * and the stand-in holds what it held. */
static void a_fault_is_rolled_back_through_wmi(void **state)
{
    struct manifest *m = load_tls_manifest();
    struct apply_options opt = {.journal = JOURNAL};
    struct apply_result res;
    struct nodefault f;
    struct node n = {0}, wrapped;
    struct plan p;
    unsigned long k, total;
    ofd_err e;

    (void)state;
    /* How many writes a full apply makes. */
    {
        struct ocs_standin *st = standin_with_pool();
        open_wmi_node(st, &n);
        assert_int_equal(plan_make(m, &n, &(struct plan_options){.now = NOW}, &p, &e), OFD_OK);
        assert_int_equal(apply_run(&p, &n, &opt, &res, &e), OFD_OK);
        total = (unsigned long)res.writes;
        plan_free(&p);
        node_close(&n);
        standin_done(st);
    }
    for (k = 1; k <= total; k++) {
        struct ocs_standin *st = standin_with_pool();
        struct node_instances before[8], after;
        size_t c, i, ncls = 0;

        open_wmi_node(st, &n);
        for (c = 0; c < ocs_class_count(); c++)
            if (ocs_class_at(c)->wmi)
                assert_int_equal(n.ops->instances(n.ctx, ocs_class_at(c)->name, &before[ncls++], &e), OFD_OK);
        assert_int_equal(plan_make(m, &n, &(struct plan_options){.now = NOW}, &p, &e), OFD_OK);
        memset(&f, 0, sizeof(f));
        f.inner = n;
        f.fail_at = k;
        nodefault_wrap(&f, &wrapped);
        assert_int_equal(apply_run(&p, &wrapped, &opt, &res, &e), OFD_E_IO);
        if (res.rollback_rc != OFD_OK)
            fail_msg("fault at write %lu: rollback: %s", k, res.rollback_msg);
        plan_free(&p);
        /* Every class holds what it held: same instances, same values. */
        ncls = 0;
        for (c = 0; c < ocs_class_count(); c++) {
            if (!ocs_class_at(c)->wmi)
                continue;
            assert_int_equal(n.ops->instances(n.ctx, ocs_class_at(c)->name, &after, &e), OFD_OK);
            assert_int_equal(after.n, before[ncls].n);
            for (i = 0; i < after.n; i++) {
                const struct node_instance *a = &after.v[i], *b = &before[ncls].v[i];
                size_t q;
                assert_int_equal(a->nprops, b->nprops);
                for (q = 0; q < a->nprops; q++) {
                    const struct node_value *was = node_instance_get(b, a->props[q].name);
                    if (!was || !node_value_equal(&a->props[q].v, was))
                        fail_msg("fault at write %lu: %s.%s changed", k, a->cls, a->props[q].name);
                }
            }
            node_instances_free(&after);
            node_instances_free(&before[ncls++]);
        }
        node_close(&n);
        standin_done(st);
    }
    assert_true(total >= 8);
    manifest_free(m);
}

/* R16 through the WMI node: a PKCS#12 server certificate is imported into Wine's real
 * My store with its private key (PFXImportCertStore), selected on the listener (R17),
 * and a second plan has nothing to change. */
static void a_pkcs12_is_imported_into_the_real_my_store(void **state)
{
    struct ocs_standin *st = standin_with_pool();
    struct manifest *m = NULL;
    struct apply_options opt = {.journal = JOURNAL, .pfx_password = "s3cret"};
    struct apply_result res;
    struct node n = {0};
    struct plan p;
    unsigned char tp[CS_SHA1_LEN];
    char path[1024], *text = NULL;
    size_t len = 0;
    int found = 0;
    ofd_err e;

    (void)state;
    assert_int_equal(ofd_make_dir("certs", &e), OFD_OK);
    assert_int_equal(testcert_write_server_pfx("pool.example.com", "s3cret", "certs/pool.pfx", tp, "certs/pool-ca.pem"),
                     0);
    snprintf(path, sizeof(path), "%s/certs/imp-root-ca.pem", examples);
    testutil_copy_file(path, "certs/imp-root-ca.pem");
    snprintf(path, sizeof(path), "%s/tls-enterprise.json", examples);
    assert_int_equal(ofd_read_file(path, 1u << 20, &text, &len, &e), OFD_OK);
    {
        /* "certificates": {"trusted_roots": [...]} gains "server": {"pfx": ...}. */
        struct strbuf sb = {0};
        char *at = strstr(text, "\"trusted_roots\"");
        assert_non_null(at);
        sb_appendn(&sb, text, (size_t)(at - text));
        sb_append(&sb, "\"server\": { \"pfx\": \"certs/pool.pfx\" }, ");
        /* ...and its CA's root among the trusted roots (R13), as a server needs; both
         * pinned below, as a publisher does. */
        at = strstr(at, "{\"file\": \"certs/imp-root-ca.pem\"");
        assert_non_null(at);
        sb_appendn(&sb, strstr(text, "\"trusted_roots\""), (size_t)(at - strstr(text, "\"trusted_roots\"")));
        sb_append(&sb, "\"certs/pool-ca.pem\", ");
        sb_append(&sb, at);
        assert_int_equal(ofd_write_file_atomic("wmi_pfx.json", sb_str(&sb), sb.len, &e), OFD_OK);
        sb_free(&sb);
    }
    free(text);
    testutil_pin_manifest("wmi_pfx.json");
    m = testutil_load_manifest("wmi_pfx.json");
    open_wmi_node(st, &n);
    if (plan_make(m, &n, &(struct plan_options){.now = NOW, .pfx_password = "s3cret"}, &p, &e) != OFD_OK)
        fail_msg("plan: %s", e.msg);
    if (apply_run(&p, &n, &opt, &res, &e) != OFD_OK)
        fail_msg("apply: [%s] %s", e.rule, e.msg);
    plan_free(&p);
    /* In Wine's real local machine My store, with a usable private key. */
    assert_int_equal(cs_store_find("My", tp, &found, &e), OFD_OK);
    assert_true(found);
    if (cs_store_key_usable("My", tp, &e) != OFD_OK)
        fail_msg("the imported key is not usable: %s", e.msg);
    assert_int_equal(plan_make(m, &n, &(struct plan_options){.now = NOW, .pfx_password = "s3cret"}, &p, &e), OFD_OK);
    assert_false(plan_has_setting_changes(&p));
    plan_free(&p);
    node_close(&n);
    manifest_free(m);
    standin_done(st);
}

/* R14, R13 before use: a server certificate in My without its private key (imported
 * without its PFX), or whose CA's root the server does not trust, is refused by the
 * plan already (the same check through CryptoAPI, node_ops.cert_usable), before
 * anything is written; and when it breaks between the plan and the apply, just before
 * the listener would select it (R17), the apply is undone through WMI and a new plan is
 * the same as before it. */
static void a_server_certificate_that_cannot_be_used_is_refused_before_use(void **state)
{
    static const char *const want_rule[] = {"R14", "R13"};
    static const char *const want_msg[] = {"has no private key on this server",
                                           "does not chain to a root in the local machine's Trusted Root"};
    struct manifest *m = load_tls_manifest();
    struct apply_options opt = {.journal = JOURNAL};
    struct apply_result res;
    struct node n = {0};
    struct node_certs my = {0}, roots = {0};
    struct plan p;
    char *before, *after;
    struct node_ops unchecked_ops;
    struct node unchecked;
    int done, kase;
    ofd_err e;

    (void)state;
    for (kase = 0; kase < 4; kase++) {
        struct ocs_standin *st = standin_with_pool();
        open_wmi_node(st, &n);
        assert_int_equal(n.ops->certificates(n.ctx, "My", &my, &e), OFD_OK);
        assert_int_equal(my.n, 1);
        if (kase >= 2) {
            /* Broken after the plan was made. */
            assert_int_equal(plan_make(m, &n, &(struct plan_options){.now = NOW}, &p, &e), OFD_OK);
            before = plan_text(&p);
        }
        if (kase % 2 == 0) {
            /* The same certificate, without its key. */
            assert_int_equal(cs_store_remove("My", my.v[0].tp, &done, &e), OFD_OK);
            assert_int_equal(cs_store_add("My", my.v[0].der, my.v[0].der_len, &done, &e), OFD_OK);
        } else {
            /* Its CA (the newest root standin_seed_keyed added) no longer trusted. */
            size_t i;
            struct cs_cert_info ci;
            assert_int_equal(n.ops->certificates(n.ctx, "Root", &roots, &e), OFD_OK);
            for (i = 0; i < roots.n; i++) {
                assert_int_equal(cs_inspect_der(roots.v[i].der, roots.v[i].der_len, &ci, &e), OFD_OK);
                if (!strcmp(ci.cn, "ocsfed Test OCS Root CA"))
                    assert_int_equal(cs_store_remove("Root", roots.v[i].tp, &done, &e), OFD_OK);
                cs_cert_info_free(&ci);
            }
            node_certs_free(&roots);
        }
        node_certs_free(&my);
        if (kase < 2) {
            /* The plan says it: the apply would be refused. */
            assert_int_equal(plan_make(m, &n, &(struct plan_options){.now = NOW}, &p, &e), OFD_E_INVALID);
            assert_string_equal(e.rule, want_rule[kase % 2]);
            if (!strstr(e.msg, want_msg[kase % 2]) || !strstr(e.msg, "the server certificate (CN = "))
                fail_msg("case %d: %s", kase, e.msg);
            node_close(&n);
            standin_done(st);
            continue;
        }
        assert_int_equal(apply_run(&p, &n, &opt, &res, &e), OFD_E_INVALID);
        assert_string_equal(e.rule, want_rule[kase % 2]);
        if (!strstr(e.msg, want_msg[kase % 2]))
            fail_msg("case %d: %s", kase, e.msg);
        assert_int_equal(res.rollback_rc, OFD_OK);
        plan_free(&p);
        /* Now the plan itself refuses; without the check it is the plan from before the
         * apply: everything was undone through WMI. */
        assert_int_equal(plan_make(m, &n, &(struct plan_options){.now = NOW}, &p, &e), OFD_E_INVALID);
        assert_string_equal(e.rule, want_rule[kase % 2]);
        unchecked_ops = *n.ops;
        unchecked_ops.cert_usable = NULL;
        unchecked.ops = &unchecked_ops;
        unchecked.ctx = n.ctx;
        assert_int_equal(plan_make(m, &unchecked, &(struct plan_options){.now = NOW}, &p, &e), OFD_OK);
        after = plan_text(&p);
        assert_string_equal(after, before);
        free(before);
        free(after);
        plan_free(&p);
        node_close(&n);
        standin_done(st);
    }
    manifest_free(m);
}

/* ---- the server's own vocabulary and the export, through WMI ---- */

/* `ocsfed export` of this server (the stand-in, after the TLS example was applied):
 * the stand-in's class definitions and every instance, foreign ones included and with
 * every property, whether each certificate has its key; the draft validates and plans
 * no change against the server and against the export read back as a simulated node. */
static void the_export_through_wmi_round_trips(void **state)
{
    static const struct node_platform standin_server = {.open = open_standin_server, .journal = standin_journal};
    struct manifest *m = load_tls_manifest();
    struct apply_options opt = {.journal = JOURNAL};
    struct apply_result res;
    struct node n = {0};
    struct plan p;
    char tls[1024], *text = NULL;
    size_t len = 0;
    cJSON *x, *schema, *q, *pools, *it, *my;
    int other_pool = 0, keyed = 0;
    VARIANT id, fqdn, name, type;
    ofd_err e;

    (void)state;
    cli_standin = standin_with_pool();
    /* Another pool of the forest, with properties the class map does not read. */
    VariantInit(&id), VariantInit(&fqdn), VariantInit(&name), VariantInit(&type);
    V_VT(&id) = V_VT(&fqdn) = V_VT(&name) = V_VT(&type) = VT_BSTR;
    V_BSTR(&id) = SysAllocString(L"{6A1F0C3E-0009-4B7E-9D2A-5C1B2E3F4A01}");
    V_BSTR(&fqdn) = SysAllocString(L"other.example.com");
    V_BSTR(&name) = SysAllocString(L"The other pool");
    V_BSTR(&type) = SysAllocString(L"Enterprise");
    assert_int_equal(ocs_standin_seed(cli_standin, L"MSFT_SIPPoolSetting", L"InstanceID", &id, L"PoolFQDN", &fqdn,
                                      L"PoolDisplayName", &name, L"PoolType", &type, NULL),
                     S_OK);
    VariantClear(&id), VariantClear(&fqdn), VariantClear(&name), VariantClear(&type);
    open_wmi_node(cli_standin, &n);
    assert_int_equal(plan_make(m, &n, &(struct plan_options){.now = NOW}, &p, &e), OFD_OK);
    if (apply_run(&p, &n, &opt, &res, &e) != OFD_OK)
        fail_msg("apply: %s", e.msg);
    plan_free(&p);
    node_close(&n);
    /* The restart was left for the window; Wine has no Front End to restart: as if the
     * window had come and gone (the ownership record of an EE front end is then empty). */
    assert_int_equal(ofd_write_file_atomic(OWNED, "{\"owned\": []}", 13, &e), OFD_OK);

    nodespec_set_platform(&standin_server);
    remove("wmi_export.json");
    remove("wmi_draft.json");
    ocs_standin_reset_counts(cli_standin);
    if (testutil_ocsfed("export", "--out", "wmi_export.json", "--manifest", "wmi_draft.json", NULL) != 0)
        fail_msg("export: %s%s", testutil_out, testutil_err);
    assert_non_null(strstr(testutil_out, "exported fe1.example.com to wmi_export.json"));
    assert_non_null(strstr(testutil_out, "round trip: wmi_draft.json is valid and its plan changes nothing"));
    {
        struct ocs_standin_counts cnt;
        ocs_standin_counts(cli_standin, &cnt);
        assert_int_equal(cnt.puts + cnt.deletes, 0); /* read-only */
        assert_true(cnt.qualifier_sets > 0);
    }

    assert_int_equal(ofd_read_file("wmi_export.json", 1u << 26, &text, &len, &e), OFD_OK);
    assert_non_null(x = cJSON_ParseWithLength(text, len));
    free(text);
    schema = cJSON_GetObjectItem(x, "schema");
    assert_int_equal(cJSON_GetArraySize(schema), 5);
    q = cJSON_GetObjectItem(
        cJSON_GetObjectItem(cJSON_GetObjectItem(schema, "MSFT_SIPListeningAddressData"), "InstanceID"), "qualifiers");
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(q, "key")));
    assert_string_equal(cJSON_GetObjectItem(q, "CIMTYPE")->valuestring, "string");
    it = cJSON_GetObjectItem(cJSON_GetObjectItem(schema, "MSFT_SIPListeningAddressData"), "TLSCertSN");
    assert_string_equal(cJSON_GetObjectItem(it, "type")->valuestring, "uint8[]");
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(schema, "MSFT_SIPPoolSetting")), 20);
    pools = cJSON_GetObjectItem(cJSON_GetObjectItem(x, "ocs"), "MSFT_SIPPoolSetting");
    assert_int_equal(cJSON_GetArraySize(pools), 2);
    cJSON_ArrayForEach(it, pools) other_pool |= cJSON_GetObjectItem(it, "PoolDisplayName") != NULL;
    assert_true(other_pool);
    assert_int_equal(
        cJSON_GetArraySize(cJSON_GetObjectItem(cJSON_GetObjectItem(x, "ocs"), "MSFT_SIPRemoteAddressData")),
        5); /* four of ocsfed's, one foreign */
    my = cJSON_GetObjectItem(cJSON_GetObjectItem(x, "certificates"), "My");
    cJSON_ArrayForEach(it, my) keyed |= cJSON_IsTrue(cJSON_GetObjectItem(it, "private_key"));
    assert_true(keyed);
    assert_true(cJSON_GetArraySize(cJSON_GetObjectItem(cJSON_GetObjectItem(x, "export"), "vocabulary")) > 5);
    cJSON_Delete(x);

    snprintf(tls, sizeof(tls), "%s/tls-enterprise.json", examples);
    assert_int_equal(testutil_ocsfed("validate", "wmi_draft.json", NULL), 0);
    assert_int_equal(testutil_ocsfed("plan", "wmi_draft.json", NULL), 0);
    assert_non_null(strstr(testutil_out, "No changes: fe1.example.com matches the manifest"));
    assert_int_equal(testutil_ocsfed("plan", "wmi_draft.json", "--node", "sim:wmi_export.json", NULL), 0);
    assert_non_null(strstr(testutil_out, "No changes: fe1.example.com matches the manifest"));
    assert_int_equal(testutil_ocsfed("plan", tls, "--node", "sim:wmi_export.json", NULL), 0);
    nodespec_set_platform(NULL);
    manifest_free(m);
    standin_done(cli_standin);
    cli_standin = NULL;
}

/* A provider whose class definition declares another transport literal, or whose own
 * 5061 listener uses one: the apply is refused before any write, naming class, property
 * and evidence; not one WMI write, not one certificate or registry write. */
static void another_transport_literal_refuses_the_apply_with_no_write(void **state)
{
    static const WCHAR *const values[] = {L"TCP", L"TLS", L"MutualTLS"};
    static const char *const want[2][3] = {{"ValueMap", "MutualTLS", "\"MTLS\""},
                                           {"{6A1F0C3E-0003-4B7E-9D2A-5C1B2E3F4A01}", "MutualTLS", "\"MTLS\""}};
    struct manifest *m = load_tls_manifest();
    struct apply_options opt = {.journal = JOURNAL};
    struct apply_result res;
    struct ocs_standin_counts cnt;
    unsigned char root_tp[CS_SHA1_LEN];
    int kase, removed, found = 1, fips = -1;
    size_t i;

    (void)state;
    assert_int_equal(cs_thumbprint_parse("E18A36E39C7221D7F5C68F7AE6928CBED08664A4", root_tp, NULL), OFD_OK);
    for (kase = 0; kase < 2; kase++) {
        struct ocs_standin *st = standin_with_pool();
        struct node n = {0};
        struct plan p;
        ofd_err e;

        open_wmi_node(st, &n);
        if (kase == 0) {
            assert_int_equal(
                ocs_standin_declare(st, L"MSFT_SIPListeningAddressData", L"TransportType", L"ValueMap", values, 3),
                S_OK);
        } else {
            struct node_instance upd = {0};
            assert_int_equal(node_instance_add_string(&upd, "TransportType", "MutualTLS"), OFD_OK);
            assert_int_equal(n.ops->update_instance(n.ctx, "MSFT_SIPListeningAddressData",
                                                    "{6A1F0C3E-0003-4B7E-9D2A-5C1B2E3F4A01}", &upd, &e),
                             OFD_OK);
            node_instance_free(&upd);
        }
        assert_int_equal(cs_store_remove("Root", root_tp, &removed, &e), OFD_OK);
        assert_int_equal(n.ops->fips(n.ctx, &fips, &e), OFD_OK);
        assert_int_equal(plan_make(m, &n, &(struct plan_options){.now = NOW}, &p, &e), OFD_OK);
        assert_non_null(vocab_contradiction(&p.vocab, 1));
        ocs_standin_reset_counts(st);
        assert_int_not_equal(apply_run(&p, &n, &opt, &res, &e), OFD_OK);
        assert_non_null(strstr(e.msg, "MSFT_SIPListeningAddressData.TransportType"));
        for (i = 0; i < 3; i++)
            if (!strstr(e.msg, want[kase][i]))
                fail_msg("case %d: the refusal does not name '%s': %s", kase, want[kase][i], e.msg);
        assert_non_null(strstr(e.msg, "nothing was written"));
        assert_int_equal(res.writes, 0);
        ocs_standin_counts(st, &cnt);
        assert_int_equal(cnt.puts + cnt.deletes, 0);
        /* The IM&P root (the plan's first write) is not in Wine's real Root store. */
        assert_int_equal(cs_store_find("Root", root_tp, &found, &e), OFD_OK);
        assert_false(found);
        {
            int now = -1;
            assert_int_equal(n.ops->fips(n.ctx, &now, &e), OFD_OK);
            assert_int_equal(now, fips);
        }
        plan_free(&p);
        node_close(&n);
        standin_done(st);
    }
    manifest_free(m);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(class_map_round_trips_every_property),
        cmocka_unit_test(plan_matches_the_simulated_node_and_a_second_apply_writes_nothing),
        cmocka_unit_test(a_fault_is_rolled_back_through_wmi),
        cmocka_unit_test(the_command_line_plans_and_applies_this_server_through_wmi),
        cmocka_unit_test(a_pkcs12_is_imported_into_the_real_my_store),
        cmocka_unit_test(a_server_certificate_that_cannot_be_used_is_refused_before_use),
        cmocka_unit_test(the_export_through_wmi_round_trips),
        cmocka_unit_test(another_transport_literal_refuses_the_apply_with_no_write),
    };

    if (argc != 2) {
        fprintf(stderr, "usage: test_wmi_node EXAMPLES_DIR\n");
        return 2;
    }
    examples = argv[1];
    return cmocka_run_group_tests(tests, testcom_up, testcom_down);
}
