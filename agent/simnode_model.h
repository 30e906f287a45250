/* The simulated node's model, inside the simnode module: simnode.c implements the
 * node operations on it, simnode_file.c reads it from and saves it to its JSON file
 * (the format in docs/manifest.md). Not for other modules: simnode.h is the interface. */
#ifndef OCSFED_SIMNODE_MODEL_H
#define OCSFED_SIMNODE_MODEL_H

#include "error.h"
#include "node.h"

struct cJSON;

struct sim_class {
    char *name;
    struct node_instances inst;
};

struct sim_service {
    char *name;
    char *state;
};

struct sim {
    struct node_identity id;
    int has_dns;
    struct sim_service *dns; /* name -> address, reusing the pair type */
    size_t ndns;
    struct sim_class *classes;
    size_t nclasses;
    struct node_certs certs;
    int fips;
    struct sim_service *svcs;
    size_t nsvcs;
    struct node_owned owned;
    char *pool_store;  /* the pool's shared store, a file beside this one holding the
                        * pool-scoped classes (routes, authorized hosts) that every
                        * front end of the pool sees, as they share the pool's SQL back
                        * end; NULL: the node keeps them itself */
    int is_pool_store; /* this model is such a store: pool identity and classes only */
    struct sim *pool;  /* the store as last read (simnode.c reads it afresh each time) */
    char *path;        /* where writes are saved; NULL for a node read from a buffer */
    int poisoned;      /* a save failed: memory and file may differ, refuse writes */
    unsigned long ids; /* InstanceIDs made by this node */
    int has_schema;    /* the file has a "schema" section: the provider's class definitions */
    struct node_class_schema *schema;
    size_t nschema;
    struct cJSON *export_info; /* the "export" section `ocsfed export` wrote: kept as it is */
};

/* Reads the file format in text (len bytes, named name in messages) into a new model
 * (*out, free with simnode_model_free). OFD_OK, OFD_E_INVALID (FILE:LINE:COL: where),
 * OFD_E_NOMEM. */
enum ofd_code simnode_model_read(const char *text, size_t len, const char *name, struct sim **out, ofd_err *e);

/* Saves the model to its file (s->path) atomically. A failure poisons the node: memory
 * and disk may then differ, so later writes are refused until it is reopened. */
enum ofd_code simnode_model_save(struct sim *s, ofd_err *e);

void simnode_model_free(struct sim *s);

#endif
