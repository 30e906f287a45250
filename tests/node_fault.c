#include "node_fault.h"

#include <stdio.h>
#include <string.h>

#include "strbuf.h"

/* Counts a write; 1 when this one is to fail (with an error set). */
static int fault(struct nodefault *f, ofd_err *e)
{
    ++f->writes;
    if (f->crash_after && f->writes > f->crash_after) {
        /* The process is gone: nothing more reaches the node, the undo included. */
        ofd_err_set(e, OFD_E_IO, "simulated crash after write %lu", f->crash_after);
        return 1;
    }
    if (f->writes != f->fail_at)
        return 0;
    if (f->before_fail)
        f->before_fail(f);
    ofd_err_set(e, OFD_E_IO, "injected fault at write %lu", f->writes);
    return 1;
}

#define IN(f) ((f)->inner.ops)
#define CTX(f) ((f)->inner.ctx)

static enum ofd_code f_identity(void *c, struct node_identity *o, ofd_err *e)
{
    struct nodefault *f = c;
    return IN(f)->identity(CTX(f), o, e);
}
static enum ofd_code f_instances(void *c, const char *cls, struct node_instances *o, ofd_err *e)
{
    struct nodefault *f = c;
    return IN(f)->instances(CTX(f), cls, o, e);
}
static enum ofd_code f_certificates(void *c, const char *store, struct node_certs *o, ofd_err *e)
{
    struct nodefault *f = c;
    return IN(f)->certificates(CTX(f), store, o, e);
}
static enum ofd_code f_fips(void *c, int *on, ofd_err *e)
{
    struct nodefault *f = c;
    return IN(f)->fips(CTX(f), on, e);
}
static enum ofd_code f_service_state(void *c, const char *name, char **st, ofd_err *e)
{
    struct nodefault *f = c;
    return IN(f)->service_state(CTX(f), name, st, e);
}
static enum ofd_code f_owned(void *c, struct node_owned *o, ofd_err *e)
{
    struct nodefault *f = c;
    return IN(f)->owned(CTX(f), o, e);
}
static enum ofd_code f_resolve(void *c, const char *fqdn, char **ip, ofd_err *e)
{
    struct nodefault *f = c;
    if (!IN(f)->resolve) {
        *ip = NULL;
        return OFD_OK;
    }
    return IN(f)->resolve(CTX(f), fqdn, ip, e);
}
static void f_close(void *c)
{
    (void)c; /* the inner node belongs to the caller */
}
static enum ofd_code f_create(void *c, const struct node_instance *i, char **id, ofd_err *e)
{
    struct nodefault *f = c;
    enum ofd_code rc = fault(f, e) ? OFD_E_IO : IN(f)->create_instance(CTX(f), i, id, e);

    /* A slow provider: the new instance is not readable for the next slow_reads reads. */
    if (rc == OFD_OK && f->slow_reads && strlen(*id) < sizeof(f->slow_id)) {
        snprintf(f->slow_id, sizeof(f->slow_id), "%s", *id);
        f->hidden_left = f->slow_reads;
    }
    return rc;
}
static enum ofd_code f_update(void *c, const char *cls, const char *id, const struct node_instance *p, ofd_err *e)
{
    struct nodefault *f = c;
    return fault(f, e) ? OFD_E_IO : IN(f)->update_instance(CTX(f), cls, id, p, e);
}
static enum ofd_code f_delete(void *c, const char *cls, const char *id, ofd_err *e)
{
    struct nodefault *f = c;
    return fault(f, e) ? OFD_E_IO : IN(f)->delete_instance(CTX(f), cls, id, e);
}
static enum ofd_code f_add_cert(void *c, const char *store, const unsigned char *der, size_t len, ofd_err *e)
{
    struct nodefault *f = c;
    return fault(f, e) ? OFD_E_IO : IN(f)->add_certificate(CTX(f), store, der, len, e);
}
static enum ofd_code f_remove_cert(void *c, const char *store, const unsigned char tp[20], ofd_err *e)
{
    struct nodefault *f = c;
    return fault(f, e) ? OFD_E_IO : IN(f)->remove_certificate(CTX(f), store, tp, e);
}
static enum ofd_code f_set_fips(void *c, int on, ofd_err *e)
{
    struct nodefault *f = c;
    return fault(f, e) ? OFD_E_IO : IN(f)->set_fips(CTX(f), on, e);
}
static enum ofd_code f_restart(void *c, const char *name, ofd_err *e)
{
    struct nodefault *f = c;
    return fault(f, e) ? OFD_E_IO : IN(f)->restart_service(CTX(f), name, e);
}
static enum ofd_code f_set_owned(void *c, const struct node_owned *o, ofd_err *e)
{
    struct nodefault *f = c;
    return fault(f, e) ? OFD_E_IO : IN(f)->set_owned(CTX(f), o, e);
}

static enum ofd_code f_get_instance(void *c, const char *cls, const char *id, struct node_instance *o, int *found,
                                    ofd_err *e)
{
    struct nodefault *f = c;
    struct node_instances l = {0};
    size_t i;
    enum ofd_code rc;

    if (f->hidden_left && ofd_strcasecmp(id, f->slow_id) == 0) {
        f->hidden_left--;
        f->hidden++;
        *found = 0;
        return OFD_OK;
    }
    if (IN(f)->get_instance)
        return IN(f)->get_instance(CTX(f), cls, id, o, found, e);
    /* The inner node cannot: list the class, as apply would. */
    *found = 0;
    if ((rc = IN(f)->instances(CTX(f), cls, &l, e)) != OFD_OK)
        return rc;
    for (i = 0; i < l.n && !*found && rc == OFD_OK; i++) {
        const struct node_value *v = node_instance_get(&l.v[i], "InstanceID");
        if (v && v->s && ofd_strcasecmp(v->s, id) == 0) {
            *found = 1;
            rc = node_instance_copy(o, &l.v[i]) == OFD_OK ? OFD_OK : ofd_err_nomem(e);
        }
    }
    node_instances_free(&l);
    return rc;
}

static enum ofd_code f_import_pfx(void *c, const unsigned char *pfx, size_t len, const char *password,
                                  unsigned char tp[20], ofd_err *e)
{
    struct nodefault *f = c;
    if (!IN(f)->import_pfx)
        return ofd_err_set(e, OFD_E_INVALID, "the node cannot import a PKCS#12 file");
    return fault(f, e) ? OFD_E_IO : IN(f)->import_pfx(CTX(f), pfx, len, password, tp, e);
}

/* A check, not a write: passed through, never a fault point. */
static enum ofd_code f_cert_usable(void *c, const unsigned char tp[20], const struct node_certs *adding, ofd_err *e)
{
    struct nodefault *f = c;
    return IN(f)->cert_usable ? IN(f)->cert_usable(CTX(f), tp, adding, e) : OFD_OK;
}

/* Reads of the provider itself: passed through, never fault points. */
static enum ofd_code f_schema(void *c, const char *cls, struct node_class_schema *o, int *known, ofd_err *e)
{
    struct nodefault *f = c;
    if (!IN(f)->schema) {
        *known = 0;
        return OFD_OK;
    }
    return IN(f)->schema(CTX(f), cls, o, known, e);
}
static enum ofd_code f_instances_all(void *c, const char *cls, struct node_instances *o, ofd_err *e)
{
    struct nodefault *f = c;
    return IN(f)->instances_all ? IN(f)->instances_all(CTX(f), cls, o, e) : IN(f)->instances(CTX(f), cls, o, e);
}

static const struct node_ops fault_ops = {
    .kind = "fault",
    .identity = f_identity,
    .instances = f_instances,
    .certificates = f_certificates,
    .fips = f_fips,
    .service_state = f_service_state,
    .owned = f_owned,
    .resolve = f_resolve,
    .close = f_close,
    .create_instance = f_create,
    .update_instance = f_update,
    .delete_instance = f_delete,
    .add_certificate = f_add_cert,
    .remove_certificate = f_remove_cert,
    .set_fips = f_set_fips,
    .restart_service = f_restart,
    .set_owned = f_set_owned,
    .get_instance = f_get_instance,
    .import_pfx = f_import_pfx,
    .cert_usable = f_cert_usable,
    .schema = f_schema,
    .instances_all = f_instances_all,
};

void nodefault_wrap(struct nodefault *f, struct node *out)
{
    f->writes = 0;
    f->hidden_left = f->hidden = 0;
    out->ops = &fault_ops;
    out->ctx = f;
}
