/* plan: desired state (desired.h) against current state (node.h), as an ordered list of
 * changes, each naming its rule. ocsfed owns only what it created (the node's ownership
 * record) or what the manifest names:
 *  - a desired instance is matched with the current one by natural key (listening
 *    address by Port, route by MatchURI, authorized host by Server); if it differs it
 *    is updated, even when another administrator created it: the manifest names that
 *    domain or host, so ocsfed adopts it;
 *  - a current instance the manifest does not want is deleted only when ocsfed owns
 *    it and its class may be deleted; anything else is left alone and counted;
 *  - listening addresses, certificates and the FIPS policy are never deleted.
 * The Front End restart (R19) is planned when any change needs it. */
#ifndef OCSFED_PLAN_H
#define OCSFED_PLAN_H

#include <stdio.h>

#include "desired.h"
#include "diag.h"
#include "error.h"
#include "manifest.h"
#include "node.h"
#include "vocab.h"

enum plan_action { PLAN_CREATE, PLAN_UPDATE, PLAN_DELETE, PLAN_UNCHANGED, PLAN_RESTART };
#define PLAN_NACTIONS 5

struct plan_change {
    enum plan_action action;
    const char *cls;                 /* WMI class, or "certificate", "fips_policy", "service" */
    char *key;                       /* natural key */
    const char *rule;                /* "R6" (static) */
    int owned;                       /* the current instance is in ocsfed's ownership record */
    struct node_instance props;      /* create: all wanted; update: the wanted values that
                                   * differ; restart: Name, MaintenanceWindow */
    struct node_instance current;    /* update: current values of those (and InstanceID);
                                   * delete: the whole instance; unchanged: InstanceID */
    char *instance_id;               /* InstanceID of the current instance, or NULL */
    const struct desired_item *item; /* into plan.desired; NULL for deletes */
};

/* A current instance the plan leaves alone: not wanted, and not ocsfed's to delete. */
struct plan_left_alone {
    const char *cls;   /* WMI class (static) */
    char *key;         /* natural key; NULL when the instance has none */
    char *instance_id; /* NULL when it has none */
    char *why;         /* why it is left alone, one clause */
};

/* The server certificate the plan selects (R17), named for the people reading the plan. */
struct plan_cert {
    int selected;                /* 1: known (TLS, and a PKCS#12 that could be opened) */
    enum manifest_cert_kind how; /* AUTO: picked among the installed ones; THUMBPRINT; PFX */
    char *pfx_file;              /* PFX: the file as the manifest names it */
    unsigned char tp[20];
    long long not_after; /* seconds since 1970 (UTC) */
    /* As the certificate MMC shows them (cs_cert_info): "CN = ...", "12 34". */
    char subject[512], issuer[512], serial[200];
};

struct plan {
    char *server;
    char *pool; /* NULL on Standard Edition */
    int enterprise;
    int tls;
    long long serial;
    char *window; /* "sat,sun 02:00-04:00 local", or NULL */
    struct desired desired;
    struct plan_change *v;
    size_t n;
    size_t counts[PLAN_NACTIONS];
    size_t foreign;                     /* current instances left alone (not wanted, not owned) */
    struct plan_left_alone *left_alone; /* those foreign instances, in class order */
    struct diags notes;                 /* warnings and notes found on the node (R1, R16, R18, R19) */
    struct plan_cert cert;              /* TLS: the server certificate R17 selects */
    struct vocab vocab;                 /* the server's own vocabulary against what is written (vocab.h): a
                                         * contradiction refuses the apply; adopted spellings are planned */
};

/* What the plan needs beyond the manifest and the node, decided by the caller (the
 * command line, or the service's configuration), never read from the environment here. */
struct plan_options {
    long long now;            /* seconds since 1970: certificate validity */
    const char *pfx_password; /* R16: opens the manifest's PKCS#12, or NULL */
};

/* Plans m against node. Returns OFD_OK and fills *out (caller frees with plan_free);
 * OFD_E_NOTFOUND when the manifest does not govern the node's server; OFD_E_INVALID
 * (rule in e) when the node cannot satisfy the manifest (e.g. no certificate passes
 * R14/R15); errors of the node's read functions as they come. */
enum ofd_code plan_make(const struct manifest *m, const struct node *node, const struct plan_options *opt,
                        struct plan *out, ofd_err *e);

/* 1 when the plan has anything but unchanged items (a restart included). */
int plan_has_changes(const struct plan *p);
/* 1 when a setting is to be created, updated or deleted: not only a restart that an
 * earlier apply left for the maintenance window. */
int plan_has_setting_changes(const struct plan *p);

/* R19: when the Front End restart of p's server may happen, as the plan, apply and the
 * agent's events say it: "in the maintenance window sat,sun 02:00-02:50 local (slot 1
 * of 2 ...)", or, without a window, when one is set or on `apply --restart-now`. */
const char *plan_restart_when(const struct plan *p, char *buf, size_t n);

/* Prints the plan as a reviewable diff (unchanged items only counted). The entries
 * left alone are counted; with verbose (plan_print_text_ex) each is listed. */
void plan_print_text(const struct plan *p, FILE *f);
void plan_print_text_ex(const struct plan *p, int verbose, FILE *f);

/* The plan as JSON: {"server", "pool", "edition", "transport", "serial",
 * "changes": [{"action", "class", "key", "rule", "owned", "instance_id", "properties",
 * "current"}], "summary": {...}, "left_alone": [{"class", "key", "instance_id", "why"}],
 * "diagnostics": [..]}. Malloc'ed text; NULL on oom. */
char *plan_to_json(const struct plan *p);

/* "create", "update", "delete", "unchanged", "restart". */
const char *plan_action_name(enum plan_action a);

void plan_free(struct plan *p);

#endif
