/* The node model and the read interface through which the plan sees a front-end
 * server, wherever its state comes from: a simulated node (simnode.c), or WMI,
 * CryptoAPI, the registry and the SCM on Windows. One table of function pointers
 * (struct node_ops) with a context, in the manner of curl's vtls backends.
 *
 * Values are typed like WMI (CIM string, uint32, boolean, uint8[], string[]); class
 * and property names are the WMI ones (ocs_model.h). Instances are identified by the
 * plan through natural keys (ocs_class_def.match_prop), never by InstanceID, which
 * the provider generates; InstanceID is carried along for updates and deletes. */
#ifndef OCSFED_NODE_H
#define OCSFED_NODE_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "ocs_model.h"

struct cJSON;

struct node_value {
    enum ocs_type type;
    char *s;              /* OCS_STRING */
    uint32_t u;           /* OCS_UINT32 */
    int b;                /* OCS_BOOLEAN: 0 or 1 */
    unsigned char *bytes; /* OCS_UINT8_ARRAY */
    size_t nbytes;
    char **strs; /* OCS_STRING_ARRAY */
    size_t nstrs;
};

struct node_prop {
    char *name;
    struct node_value v;
};

struct node_instance {
    char *cls;
    struct node_prop *props;
    size_t nprops;
};

struct node_instances {
    struct node_instance *v;
    size_t n;
};

struct node_cert {
    char store[8];        /* "Root", "CA", "My" */
    unsigned char tp[20]; /* SHA-1 thumbprint */
    unsigned char *der;   /* NULL when only the thumbprint is known */
    size_t der_len;
    int key_known; /* 1: has_key says whether a private key is linked to it; 0: the node cannot tell */
    int has_key;   /* never the key itself: only that there is one (the export shows it) */
};

struct node_certs {
    struct node_cert *v;
    size_t n;
};

/* A property as the provider defines it (its class definition, not an instance): the
 * CIM type and the qualifiers the provider publishes on it. */
struct node_schema_prop {
    char *name;
    char *type;                      /* "string", "uint32", "boolean", "uint8[]", "string[]", "datetime", ... */
    struct node_instance qualifiers; /* key, CIMTYPE, ValueMap, Values, ...: booleans, numbers (as
                                      * uint32), strings and string[] */
};

/* The definition of a WMI class as the provider publishes it. */
struct node_class_schema {
    char *cls;
    int absent; /* the provider publishes no such class */
    struct node_schema_prop *props;
    size_t nprops;
};

struct node_identity {
    char *fqdn;      /* this server's FQDN */
    char *pool_fqdn; /* its pool; NULL or equal to fqdn on Standard Edition */
    char *backend;   /* the pool's Backend key value (SQL instance), NULL if unknown */
};

/* What ocsfed created on this node (the apply step records it): class and natural key. */
struct node_owned_item {
    char *cls;
    char *key;
};

struct node_owned {
    struct node_owned_item *v;
    size_t n;
    /* R19: an apply outside the maintenance window left a Front End restart to do; the
     * next apply inside the window does it, even with nothing else to change. */
    int restart_pending;
};

/* A front end, as plan and apply see it: the simulated node (simnode.c) and the WMI
 * node (wmi/wmi_node_win.c) implement it, tests/node_fault.c wraps it. The read
 * functions return OFD_OK and fill *out (the caller frees it with the matching
 * node_*_free function), or an error in e with *out untouched; the write functions
 * follow, NULL in an implementation that cannot write. */
struct node_ops {
    const char *kind; /* "sim", "wmi" */
    /* The server's identity. */
    enum ofd_code (*identity)(void *ctx, struct node_identity *out, ofd_err *e);
    /* All instances of a WMI class (ocs_model.h names); an unknown or empty class gives
     * an empty list. */
    enum ofd_code (*instances)(void *ctx, const char *cls, struct node_instances *out, ofd_err *e);
    /* The certificates in a local-machine system store ("Root", "CA", "My"). */
    enum ofd_code (*certificates)(void *ctx, const char *store, struct node_certs *out, ofd_err *e);
    /* R12: *enabled = 1 when the FIPS algorithm policy is on, 0 when off or absent. */
    enum ofd_code (*fips)(void *ctx, int *enabled, ofd_err *e);
    /* A service's state: *state = malloc'ed "running", "stopped", ... (caller frees);
     * NULL when the service does not exist. */
    enum ofd_code (*service_state)(void *ctx, const char *name, char **state, ofd_err *e);
    /* What ocsfed owns on this node. */
    enum ofd_code (*owned)(void *ctx, struct node_owned *out, ofd_err *e);
    /* R6: the IPv4 address fqdn resolves to from this server: *ip = malloc'ed dotted
     * address (caller frees), or NULL when it does not resolve. May itself be NULL in
     * an implementation that cannot tell; the check is then skipped. */
    enum ofd_code (*resolve)(void *ctx, const char *fqdn, char **ip, ofd_err *e);
    /* Releases ctx. */
    void (*close)(void *ctx);

    /* ---- The write interface (the apply step). NULL in read-only implementations.
     * Each write is durable when it returns OFD_OK (the simulated node has saved its
     * file atomically; WMI has committed), shaped like WMI: PutInstance create-only or
     * update-only, DeleteInstance by InstanceID. */
    /* Creates inst (class inst->cls) and returns its InstanceID in *instance_id
     * (malloc'ed, caller frees). Without an InstanceID in inst the node makes a new one
     * (a GUID, as OCS's scripts do); with one (an undo re-creating a deleted instance)
     * it is kept, and an instance with that id already there is OFD_E_CONFLICT. */
    enum ofd_code (*create_instance)(void *ctx, const struct node_instance *inst, char **instance_id, ofd_err *e);
    /* Sets the properties in props on the instance of cls with instance_id. A property
     * given as OCS_STRING with s == NULL is set to NULL (not set), as WMI's VT_NULL:
     * that is how an undo takes back a property the update added. */
    enum ofd_code (*update_instance)(void *ctx, const char *cls, const char *instance_id,
                                     const struct node_instance *props, ofd_err *e);
    /* Deletes the instance of cls with instance_id. */
    enum ofd_code (*delete_instance)(void *ctx, const char *cls, const char *instance_id, ofd_err *e);
    /* Adds a DER certificate to a store ("Root", "CA", "My"); present already: OK. */
    enum ofd_code (*add_certificate)(void *ctx, const char *store, const unsigned char *der, size_t len, ofd_err *e);
    /* Removes a certificate by SHA-1 thumbprint; absent: OK. */
    enum ofd_code (*remove_certificate)(void *ctx, const char *store, const unsigned char tp[20], ofd_err *e);
    /* R12: sets the FIPS algorithm policy. */
    enum ofd_code (*set_fips)(void *ctx, int enabled, ofd_err *e);
    /* R19: restarts a service and waits until it runs. */
    enum ofd_code (*restart_service)(void *ctx, const char *name, ofd_err *e);
    /* Replaces the record of what ocsfed owns on this node (and the pending restart). */
    enum ofd_code (*set_owned)(void *ctx, const struct node_owned *owned, ofd_err *e);

    /* ---- Optional read (NULL: callers list the whole class instead). The instance
     * of cls with instance_id into *out (caller frees); *found = 0 when there is none.
     * Apply reads each write back with it: one WMI GetObject instead of a query of
     * the class, which grows with the server. */
    enum ofd_code (*get_instance)(void *ctx, const char *cls, const char *instance_id, struct node_instance *out,
                                  int *found, ofd_err *e);

    /* R16: imports the PKCS#12 file in pfx[0..len) (certificate and private key) into My
     * and gives the certificate's SHA-1 thumbprint in tp. The bytes are the ones the
     * manifest pins; no file is read here. NULL: the node cannot. */
    enum ofd_code (*import_pfx)(void *ctx, const unsigned char *pfx, size_t len, const char *password,
                                unsigned char tp[20], ofd_err *e);

    /* R13, R14: the server certificate tp in My can be used: it chains to a root in
     * Root (through CA), and its private key is present and usable (where the node
     * keeps keys). adding: the certificates an apply adds before it selects tp (the
     * manifest's trusted roots and intermediates, the certificate of a PKCS#12 to
     * import), counted as if they were in their stores ("Root", "CA", "My"; der set);
     * NULL when none. Apply asks with NULL just before the listener is told to use the
     * certificate (R17), when they are in place; the plan asks first, with them, so that
     * it fails where the apply would. A certificate only in adding has its key checked
     * when it is imported. NULL: not checked. */
    enum ofd_code (*cert_usable)(void *ctx, const unsigned char tp[20], const struct node_certs *adding, ofd_err *e);

    /* ---- Optional reads of the provider itself, for the vocabulary check (vocab.h) and
     * `ocsfed export`. */
    /* The definition of class cls as the provider publishes it (WMI: GetObject of the
     * class, its property names, CIM types and qualifiers), into *out (free with
     * node_class_schema_free); a class the provider does not have gives out->absent.
     * *known = 0 (out untouched): this node cannot tell (a simulated node without a
     * "schema" section for cls). NULL: never known. */
    enum ofd_code (*schema)(void *ctx, const char *cls, struct node_class_schema *out, int *known, ofd_err *e);
    /* Every instance of cls with every property the provider holds, those the class map
     * does not know included (typed by their CIM type), for the export. NULL: instances()
     * gives every property already. */
    enum ofd_code (*instances_all)(void *ctx, const char *cls, struct node_instances *out, ofd_err *e);
};

struct node {
    const struct node_ops *ops;
    void *ctx;
};

/* Closes the node (safe on a zeroed struct) and zeroes it. */
void node_close(struct node *n);

void node_value_free(struct node_value *v);
void node_instance_free(struct node_instance *i);
void node_instances_free(struct node_instances *l);
void node_certs_free(struct node_certs *l);
void node_identity_free(struct node_identity *id);
void node_owned_free(struct node_owned *o);
void node_class_schema_free(struct node_class_schema *s);

/* The property named name of a class definition (case-insensitive), or NULL. */
const struct node_schema_prop *node_schema_prop_find(const struct node_class_schema *s, const char *name);
/* 1 when the property carries the qualifier key = true. */
int node_schema_prop_is_key(const struct node_schema_prop *p);
/* A class definition as JSON: {"Prop": {"type": "string", "qualifiers": {...}}, ...}, or
 * null for an absent class (the simulated node's "schema" section). NULL on oom. */
struct cJSON *node_class_schema_to_json(const struct node_class_schema *s);

/* The property named name (case-insensitive) or NULL. */
const struct node_value *node_instance_get(const struct node_instance *i, const char *name);
/* Adds a property (copies name; takes over the content of *v, which is zeroed).
 * Returns OFD_OK or OFD_E_NOMEM (v freed). */
enum ofd_code node_instance_add(struct node_instance *i, const char *name, struct node_value *v);
/* Convenience adders; copy their arguments. */
enum ofd_code node_instance_add_string(struct node_instance *i, const char *name, const char *s);
enum ofd_code node_instance_add_uint32(struct node_instance *i, const char *name, uint32_t u);
enum ofd_code node_instance_add_bool(struct node_instance *i, const char *name, int b);
enum ofd_code node_instance_add_bytes(struct node_instance *i, const char *name, const unsigned char *p, size_t n);
/* Deep copy into *dst. Returns OFD_OK or OFD_E_NOMEM. */
enum ofd_code node_value_copy(struct node_value *dst, const struct node_value *src);
enum ofd_code node_instance_copy(struct node_instance *dst, const struct node_instance *src);

/* 1 when equal: same type and content; strings compare case-insensitively (OCS and
 * WMI treat these names and keywords without regard to case). */
int node_value_equal(const struct node_value *a, const struct node_value *b);
/* The value as text for keys and the text plan: strings bare, numbers in decimal,
 * booleans true/false, uint8[] as hex, string[] comma-separated. Malloc'ed. */
char *node_value_text(const struct node_value *v);
/* The value as JSON (uint8[] as an array of numbers). New cJSON item, NULL on oom. */
struct cJSON *node_value_to_json(const struct node_value *v);
/* The value from JSON for a CIM type. Returns OFD_OK or OFD_E_INVALID with e saying
 * what was expected. */
enum ofd_code node_value_from_json(const struct cJSON *j, enum ocs_type t, struct node_value *out, ofd_err *e);
/* The CIM type a JSON value suggests when the table does not know the property:
 * string, boolean, integer (uint32), array of strings, array of integers (uint8[]).
 * Returns 0 and sets *t, or -1. */
int node_value_guess_type(const struct cJSON *j, enum ocs_type *t);

#endif
