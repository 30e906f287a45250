/* The simulated node's write interface (the apply step's side of node.h): every write
 * is saved atomically and reads back from the file after reopening. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cs.h"
#include "ocs_model.h"
#include "simnode.h"
#include "strbuf.h"
#include "testcert.h"

#define NODE "simwrite_node.json"

static void fresh(struct node *n)
{
    ofd_err e;

    remove(NODE);
    assert_int_equal(simnode_init_file(NODE, "ocs-se1.example.com", NULL, NULL, &e), OFD_OK);
    assert_int_equal(simnode_open(NODE, n, &e), OFD_OK);
}

static void reopen(struct node *n)
{
    ofd_err e;

    node_close(n);
    assert_int_equal(simnode_open(NODE, n, &e), OFD_OK);
}

static const struct node_instance *only(struct node *n, const char *cls, struct node_instances *l)
{
    ofd_err e;

    assert_int_equal(n->ops->instances(n->ctx, cls, l, &e), OFD_OK);
    return l->n == 1 ? &l->v[0] : NULL;
}

static void instances_are_created_updated_and_deleted_durably(void **state)
{
    struct node n = {0};
    struct node_instance route = {0}, change = {0};
    struct node_instances l = {0};
    const struct node_instance *got;
    char *id = NULL;
    FILE *f;
    ofd_err e;

    (void)state;
    fresh(&n);
    route.cls = ofd_strdup(OCS_CLASS_ROUTE);
    assert_int_equal(node_instance_add_string(&route, "Backend", "(local)\\rtc"), OFD_OK);
    assert_int_equal(node_instance_add_string(&route, "MatchURI", "example.com"), OFD_OK);
    assert_int_equal(node_instance_add_string(&route, "NextHop", "10.10.0.11"), OFD_OK);
    assert_int_equal(node_instance_add_uint32(&route, "NextHopPort", 5060), OFD_OK);
    assert_int_equal(node_instance_add_bool(&route, "ReplaceHostInRequestURI", 0), OFD_OK);
    assert_int_equal(n.ops->create_instance(n.ctx, &route, &id, &e), OFD_OK);
    assert_non_null(id);
    assert_int_equal(id[0], '{');

    reopen(&n);
    got = only(&n, OCS_CLASS_ROUTE, &l);
    assert_non_null(got);
    assert_string_equal(node_instance_get(got, "InstanceID")->s, id);
    assert_string_equal(node_instance_get(got, "NextHop")->s, "10.10.0.11");
    assert_int_equal(node_instance_get(got, "NextHopPort")->u, 5060);
    node_instances_free(&l);

    change.cls = ofd_strdup(OCS_CLASS_ROUTE);
    assert_int_equal(node_instance_add_uint32(&change, "NextHopPort", 5061), OFD_OK);
    assert_int_equal(n.ops->update_instance(n.ctx, OCS_CLASS_ROUTE, id, &change, &e), OFD_OK);
    reopen(&n);
    got = only(&n, OCS_CLASS_ROUTE, &l);
    assert_non_null(got);
    assert_int_equal(node_instance_get(got, "NextHopPort")->u, 5061);
    assert_string_equal(node_instance_get(got, "MatchURI")->s, "example.com");
    node_instances_free(&l);

    /* A second route, deleted again: the first one stays. */
    free(id);
    assert_int_equal(n.ops->create_instance(n.ctx, &route, &id, &e), OFD_OK);
    assert_int_equal(n.ops->delete_instance(n.ctx, OCS_CLASS_ROUTE, id, &e), OFD_OK);
    free(id);
    id = NULL;
    assert_int_equal(n.ops->delete_instance(n.ctx, OCS_CLASS_ROUTE, "{nope}", &e), OFD_E_NOTFOUND);
    assert_non_null(strstr(e.msg, "no such instance"));
    reopen(&n);
    assert_non_null(only(&n, OCS_CLASS_ROUTE, &l));
    node_instances_free(&l);

    /* Saved by rename: no temporary file is left behind. */
    f = fopen(NODE ".tmp", "rb");
    assert_null(f);
    node_instance_free(&change);
    node_instance_free(&route);
    node_close(&n);
}

static void certificates_fips_ownership_and_services(void **state)
{
    struct node n = {0};
    struct node_certs c = {0};
    struct node_owned o = {0}, want = {0};
    struct node_owned_item item = {(char *)OCS_CLASS_ROUTE, (char *)"example.com"};
    unsigned char *der = NULL, tp[CS_SHA1_LEN];
    size_t len = 0;
    int fips = -1;
    ofd_err e;

    (void)state;
    fresh(&n);
    assert_int_equal(testcert_make_selfsigned("IM and Presence root", 30, &der, &len), 0);
    assert_int_equal(cs_x509_thumbprint(der, len, tp, &e), OFD_OK);
    assert_int_equal(n.ops->add_certificate(n.ctx, "Root", der, len, &e), OFD_OK);
    assert_int_equal(n.ops->add_certificate(n.ctx, "Root", der, len, &e), OFD_OK);
    assert_int_equal(n.ops->set_fips(n.ctx, 1, &e), OFD_OK);
    want.v = &item;
    want.n = 1;
    assert_int_equal(n.ops->set_owned(n.ctx, &want, &e), OFD_OK);
    assert_int_equal(n.ops->restart_service(n.ctx, "RTCSRV", &e), OFD_OK);
    assert_int_equal(n.ops->restart_service(n.ctx, "NoSuchService", &e), OFD_E_NOTFOUND);

    reopen(&n);
    assert_int_equal(n.ops->certificates(n.ctx, "Root", &c, &e), OFD_OK);
    assert_int_equal(c.n, 1);
    assert_memory_equal(c.v[0].tp, tp, CS_SHA1_LEN);
    assert_int_equal(c.v[0].der_len, len);
    assert_memory_equal(c.v[0].der, der, len);
    node_certs_free(&c);
    assert_int_equal(n.ops->fips(n.ctx, &fips, &e), OFD_OK);
    assert_int_equal(fips, 1);
    assert_int_equal(n.ops->owned(n.ctx, &o, &e), OFD_OK);
    assert_int_equal(o.n, 1);
    assert_string_equal(o.v[0].key, "example.com");
    node_owned_free(&o);

    assert_int_equal(n.ops->remove_certificate(n.ctx, "Root", tp, &e), OFD_OK);
    reopen(&n);
    assert_int_equal(n.ops->certificates(n.ctx, "Root", &c, &e), OFD_OK);
    assert_int_equal(c.n, 0);
    node_certs_free(&c);
    free(der);
    node_close(&n);
}

static void a_failed_save_refuses_later_writes(void **state)
{
    struct node n = {0};
    ofd_err e;

    (void)state;
    /* A node in a folder that does not exist: reading works (empty), saving cannot. */
    assert_int_equal(simnode_open("no-such-folder/node.json", &n, &e), OFD_OK);
    assert_int_equal(n.ops->set_fips(n.ctx, 1, &e), OFD_E_IO);
    assert_int_equal(n.ops->set_fips(n.ctx, 0, &e), OFD_E_IO);
    assert_non_null(strstr(e.msg, "an earlier save failed; reopen the node"));
    node_close(&n);

    assert_int_equal(simnode_open_buffer("{}", 2, "buffer", &n, &e), OFD_OK);
    assert_int_equal(n.ops->set_fips(n.ctx, 1, &e), OFD_E_INVALID);
    assert_non_null(strstr(e.msg, "was not read from a file"));
    node_close(&n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(instances_are_created_updated_and_deleted_durably),
        cmocka_unit_test(certificates_fips_ownership_and_services),
        cmocka_unit_test(a_failed_save_refuses_later_writes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
