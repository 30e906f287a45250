#include "node.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <openssl/crypto.h>

#include "strbuf.h"

void node_close(struct node *n)
{
    if (n && n->ops && n->ops->close)
        n->ops->close(n->ctx);
    if (n) {
        n->ops = NULL;
        n->ctx = NULL;
    }
}

void node_value_free(struct node_value *v)
{
    size_t i;

    if (!v)
        return;
    free(v->s);
    free(v->bytes);
    for (i = 0; i < v->nstrs; i++)
        free(v->strs[i]);
    free(v->strs);
    memset(v, 0, sizeof(*v));
}

void node_instance_free(struct node_instance *inst)
{
    size_t i;

    if (!inst)
        return;
    for (i = 0; i < inst->nprops; i++) {
        free(inst->props[i].name);
        node_value_free(&inst->props[i].v);
    }
    free(inst->props);
    free(inst->cls);
    memset(inst, 0, sizeof(*inst));
}

void node_instances_free(struct node_instances *l)
{
    size_t i;

    if (!l)
        return;
    for (i = 0; i < l->n; i++)
        node_instance_free(&l->v[i]);
    free(l->v);
    memset(l, 0, sizeof(*l));
}

void node_certs_free(struct node_certs *l)
{
    size_t i;

    if (!l)
        return;
    for (i = 0; i < l->n; i++)
        free(l->v[i].der);
    free(l->v);
    memset(l, 0, sizeof(*l));
}

void node_identity_free(struct node_identity *id)
{
    if (!id)
        return;
    free(id->fqdn);
    free(id->pool_fqdn);
    free(id->backend);
    memset(id, 0, sizeof(*id));
}

void node_owned_free(struct node_owned *o)
{
    size_t i;

    if (!o)
        return;
    for (i = 0; i < o->n; i++) {
        free(o->v[i].cls);
        free(o->v[i].key);
    }
    free(o->v);
    memset(o, 0, sizeof(*o));
}

void node_class_schema_free(struct node_class_schema *s)
{
    size_t i;

    if (!s)
        return;
    for (i = 0; i < s->nprops; i++) {
        free(s->props[i].name);
        free(s->props[i].type);
        node_instance_free(&s->props[i].qualifiers);
    }
    free(s->props);
    free(s->cls);
    memset(s, 0, sizeof(*s));
}

const struct node_schema_prop *node_schema_prop_find(const struct node_class_schema *s, const char *name)
{
    size_t i;

    for (i = 0; s && i < s->nprops; i++)
        if (ofd_strcasecmp(s->props[i].name, name) == 0)
            return &s->props[i];
    return NULL;
}

int node_schema_prop_is_key(const struct node_schema_prop *p)
{
    const struct node_value *k = p ? node_instance_get(&p->qualifiers, "key") : NULL;

    return k && k->type == OCS_BOOLEAN && k->b;
}

cJSON *node_class_schema_to_json(const struct node_class_schema *s)
{
    cJSON *o, *p, *q, *v;
    size_t i, k;

    if (s->absent)
        return cJSON_CreateNull();
    if (!(o = cJSON_CreateObject()))
        return NULL;
    for (i = 0; i < s->nprops; i++) {
        const struct node_schema_prop *sp = &s->props[i];
        if (!(p = cJSON_AddObjectToObject(o, sp->name)) || !cJSON_AddStringToObject(p, "type", sp->type)
            || !(q = cJSON_AddObjectToObject(p, "qualifiers")))
            goto oom;
        for (k = 0; k < sp->qualifiers.nprops; k++)
            if (!(v = node_value_to_json(&sp->qualifiers.props[k].v))
                || !cJSON_AddItemToObject(q, sp->qualifiers.props[k].name, v))
                goto oom;
    }
    return o;
oom:
    cJSON_Delete(o);
    return NULL;
}

const struct node_value *node_instance_get(const struct node_instance *inst, const char *name)
{
    size_t i;

    for (i = 0; inst && i < inst->nprops; i++)
        if (ofd_strcasecmp(inst->props[i].name, name) == 0)
            return &inst->props[i].v;
    return NULL;
}

enum ofd_code node_instance_add(struct node_instance *inst, const char *name, struct node_value *v)
{
    struct node_prop *n;
    char *nm = ofd_strdup(name);

    if (!nm || !(n = realloc(inst->props, (inst->nprops + 1) * sizeof(*n)))) {
        free(nm);
        node_value_free(v);
        return OFD_E_NOMEM;
    }
    inst->props = n;
    n[inst->nprops].name = nm;
    n[inst->nprops].v = *v;
    inst->nprops++;
    memset(v, 0, sizeof(*v));
    return OFD_OK;
}

enum ofd_code node_instance_add_string(struct node_instance *inst, const char *name, const char *s)
{
    struct node_value v;

    memset(&v, 0, sizeof(v));
    v.type = OCS_STRING;
    if (!(v.s = ofd_strdup(s)))
        return OFD_E_NOMEM;
    return node_instance_add(inst, name, &v);
}

enum ofd_code node_instance_add_uint32(struct node_instance *inst, const char *name, uint32_t u)
{
    struct node_value v;

    memset(&v, 0, sizeof(v));
    v.type = OCS_UINT32;
    v.u = u;
    return node_instance_add(inst, name, &v);
}

enum ofd_code node_instance_add_bool(struct node_instance *inst, const char *name, int b)
{
    struct node_value v;

    memset(&v, 0, sizeof(v));
    v.type = OCS_BOOLEAN;
    v.b = !!b;
    return node_instance_add(inst, name, &v);
}

enum ofd_code node_instance_add_bytes(struct node_instance *inst, const char *name, const unsigned char *p, size_t n)
{
    struct node_value v;

    memset(&v, 0, sizeof(v));
    v.type = OCS_UINT8_ARRAY;
    if (n && !(v.bytes = malloc(n)))
        return OFD_E_NOMEM;
    if (n)
        memcpy(v.bytes, p, n);
    v.nbytes = n;
    return node_instance_add(inst, name, &v);
}

enum ofd_code node_value_copy(struct node_value *dst, const struct node_value *src)
{
    struct node_value v;
    size_t i;

    memset(&v, 0, sizeof(v));
    v.type = src->type;
    v.u = src->u;
    v.b = src->b;
    if (src->s && !(v.s = ofd_strdup(src->s)))
        goto oom;
    if (src->nbytes) {
        if (!(v.bytes = malloc(src->nbytes)))
            goto oom;
        memcpy(v.bytes, src->bytes, src->nbytes);
        v.nbytes = src->nbytes;
    }
    if (src->nstrs) {
        if (!(v.strs = calloc(src->nstrs, sizeof(char *))))
            goto oom;
        v.nstrs = src->nstrs;
        for (i = 0; i < src->nstrs; i++)
            if (!(v.strs[i] = ofd_strdup(src->strs[i])))
                goto oom;
    }
    *dst = v;
    return OFD_OK;
oom:
    node_value_free(&v);
    return OFD_E_NOMEM;
}

enum ofd_code node_instance_copy(struct node_instance *dst, const struct node_instance *src)
{
    struct node_instance n;
    size_t i;

    memset(&n, 0, sizeof(n));
    if (src->cls && !(n.cls = ofd_strdup(src->cls)))
        goto oom;
    for (i = 0; i < src->nprops; i++) {
        struct node_value v;
        if (node_value_copy(&v, &src->props[i].v) != OFD_OK || node_instance_add(&n, src->props[i].name, &v) != OFD_OK)
            goto oom;
    }
    *dst = n;
    return OFD_OK;
oom:
    node_instance_free(&n);
    return OFD_E_NOMEM;
}

int node_value_equal(const struct node_value *a, const struct node_value *b)
{
    size_t i;

    if (a->type != b->type)
        return 0;
    switch (a->type) {
    case OCS_STRING: return ofd_strcasecmp(a->s ? a->s : "", b->s ? b->s : "") == 0;
    case OCS_UINT32: return a->u == b->u;
    case OCS_BOOLEAN: return !a->b == !b->b;
    case OCS_UINT8_ARRAY: return a->nbytes == b->nbytes && (!a->nbytes || memcmp(a->bytes, b->bytes, a->nbytes) == 0);
    case OCS_STRING_ARRAY:
        if (a->nstrs != b->nstrs)
            return 0;
        for (i = 0; i < a->nstrs; i++)
            if (ofd_strcasecmp(a->strs[i], b->strs[i]) != 0)
                return 0;
        return 1;
    }
    return 0;
}

char *node_value_text(const struct node_value *v)
{
    struct strbuf sb = {0};
    size_t i;

    switch (v->type) {
    case OCS_STRING: sb_append(&sb, v->s ? v->s : ""); break;
    case OCS_UINT32: sb_printf(&sb, "%lu", (unsigned long)v->u); break;
    case OCS_BOOLEAN: sb_append(&sb, v->b ? "true" : "false"); break;
    case OCS_UINT8_ARRAY:
        if (v->nbytes) {
            size_t n = 2 * v->nbytes + 1;
            char *hex = malloc(n);
            if (!hex || !OPENSSL_buf2hexstr_ex(hex, n, &n, v->bytes, v->nbytes, '\0'))
                sb.oom = 1;
            else
                sb_append(&sb, hex);
            free(hex);
        }
        break;
    case OCS_STRING_ARRAY:
        for (i = 0; i < v->nstrs; i++)
            sb_printf(&sb, "%s%s", i ? "," : "", v->strs[i]);
        break;
    }
    return sb_take(&sb);
}

cJSON *node_value_to_json(const struct node_value *v)
{
    cJSON *a = NULL, *x;
    size_t i;

    switch (v->type) {
    case OCS_STRING: return cJSON_CreateString(v->s ? v->s : "");
    case OCS_UINT32: return cJSON_CreateNumber((double)v->u);
    case OCS_BOOLEAN: return cJSON_CreateBool(v->b);
    case OCS_UINT8_ARRAY:
        if (!(a = cJSON_CreateArray()))
            return NULL;
        for (i = 0; i < v->nbytes; i++) {
            if (!(x = cJSON_CreateNumber(v->bytes[i])) || !cJSON_AddItemToArray(a, x)) {
                cJSON_Delete(x);
                cJSON_Delete(a);
                return NULL;
            }
        }
        return a;
    case OCS_STRING_ARRAY:
        if (!(a = cJSON_CreateArray()))
            return NULL;
        for (i = 0; i < v->nstrs; i++) {
            if (!(x = cJSON_CreateString(v->strs[i])) || !cJSON_AddItemToArray(a, x)) {
                cJSON_Delete(x);
                cJSON_Delete(a);
                return NULL;
            }
        }
        return a;
    }
    return NULL;
}

static int is_u32(const cJSON *j)
{
    double d;

    if (!cJSON_IsNumber(j))
        return 0;
    d = j->valuedouble;
    return d >= 0 && d <= 4294967295.0 && (double)(uint32_t)d == d;
}

int node_value_guess_type(const cJSON *j, enum ocs_type *t)
{
    const cJSON *x;
    int strs = 0, nums = 0, n = 0;

    if (cJSON_IsString(j))
        *t = OCS_STRING;
    else if (cJSON_IsBool(j))
        *t = OCS_BOOLEAN;
    else if (is_u32(j))
        *t = OCS_UINT32;
    else if (cJSON_IsArray(j)) {
        cJSON_ArrayForEach(x, j)
        {
            n++;
            strs += cJSON_IsString(x);
            nums += is_u32(x) && x->valuedouble <= 255;
        }
        if (n && strs == n)
            *t = OCS_STRING_ARRAY;
        else if (nums == n)
            *t = OCS_UINT8_ARRAY;
        else
            return -1;
    } else {
        return -1;
    }
    return 0;
}

enum ofd_code node_value_from_json(const cJSON *j, enum ocs_type t, struct node_value *out, ofd_err *e)
{
    struct node_value v;
    const cJSON *x;
    size_t n, i = 0;

    memset(&v, 0, sizeof(v));
    v.type = t;
    switch (t) {
    case OCS_STRING:
        if (!cJSON_IsString(j))
            return ofd_err_set(e, OFD_E_INVALID, "expected a string (CIM string)");
        if (!(v.s = ofd_strdup(j->valuestring)))
            return ofd_err_nomem(e);
        break;
    case OCS_UINT32:
        if (!is_u32(j))
            return ofd_err_set(e, OFD_E_INVALID, "expected an integer 0..4294967295 (CIM uint32)");
        v.u = (uint32_t)j->valuedouble;
        break;
    case OCS_BOOLEAN:
        if (!cJSON_IsBool(j))
            return ofd_err_set(e, OFD_E_INVALID, "expected true or false (CIM boolean)");
        v.b = cJSON_IsTrue(j);
        break;
    case OCS_UINT8_ARRAY:
        if (!cJSON_IsArray(j))
            return ofd_err_set(e, OFD_E_INVALID, "expected an array of integers 0..255 (CIM uint8[])");
        n = (size_t)cJSON_GetArraySize(j);
        if (n && !(v.bytes = malloc(n)))
            return ofd_err_nomem(e);
        cJSON_ArrayForEach(x, j)
        {
            if (!is_u32(x) || x->valuedouble > 255) {
                node_value_free(&v);
                return ofd_err_set(e, OFD_E_INVALID, "expected an array of integers 0..255 (CIM uint8[])");
            }
            v.bytes[i++] = (unsigned char)x->valuedouble;
        }
        v.nbytes = n;
        break;
    case OCS_STRING_ARRAY:
        if (!cJSON_IsArray(j))
            return ofd_err_set(e, OFD_E_INVALID, "expected an array of strings (CIM string[])");
        n = (size_t)cJSON_GetArraySize(j);
        if (n && !(v.strs = calloc(n, sizeof(char *))))
            return ofd_err_nomem(e);
        cJSON_ArrayForEach(x, j)
        {
            if (!cJSON_IsString(x)) {
                node_value_free(&v);
                return ofd_err_set(e, OFD_E_INVALID, "expected an array of strings (CIM string[])");
            }
            if (!(v.strs[i] = ofd_strdup(x->valuestring))) {
                node_value_free(&v);
                return ofd_err_nomem(e);
            }
            v.nstrs = ++i;
        }
        break;
    }
    *out = v;
    return OFD_OK;
}
