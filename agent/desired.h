/* desired: the expansion of a manifest into the desired state of one OCS server,
 * following the guide's rules exactly; every item names the rule it comes from.
 * Order: certificates (R13, R16), FIPS (R12), listening address (R2/R3, R17), static
 * routes (R4-R7), authorized hosts (R9-R11), the Front End service (R19). */
#ifndef OCSFED_DESIRED_H
#define OCSFED_DESIRED_H

#include <stddef.h>

#include "cs.h"
#include "error.h"
#include "manifest.h"
#include "node.h"

struct desired_item {
    const struct ocs_class_def *cls;
    char *key;                 /* natural key as text: "5061", "foo.com", "Root/<thumbprint>" */
    const char *rule;          /* "R6" (static string) */
    struct node_instance inst; /* the properties wanted, typed like WMI */
    /* certificates only */
    const char *store; /* "Root", "CA", "My" */
    int tp_known;      /* 0: a PKCS#12 whose thumbprint is not known yet */
    unsigned char tp[CS_SHA1_LEN];
    const unsigned char *der; /* borrowed from the manifest; NULL when not read */
    size_t der_len;
    const char *source;       /* the file it came from, as the manifest names it (borrowed), or NULL */
    const unsigned char *pfx; /* R16: the PKCS#12 bytes to import, checked against their pin
                               * (borrowed from the manifest); NULL otherwise */
    size_t pfx_len;
};

/* The server certificate, resolved by the caller (plan.c) from the manifest and the
 * node: kind says where it comes from. Pointers are borrowed. */
struct desired_cert {
    enum manifest_cert_kind kind; /* AUTO: picked among the installed ones */
    int tp_known;                 /* 1: tp is set */
    int known;                    /* 1: issuer and serial are set too */
    unsigned char tp[CS_SHA1_LEN];
    const char *subject;
    const unsigned char *issuer_der; /* R17: TLSCertIssuer */
    size_t issuer_len;
    const unsigned char *serial_le; /* R17: TLSCertSN */
    size_t serial_len;
    const struct manifest_file *pfx; /* PFX: the pinned file (name and bytes) */
};

struct desired {
    char *server;      /* lower case */
    char *expected_cn; /* R15: the SE server's or the EE pool's FQDN */
    int enterprise;
    struct desired_item *v;
    size_t n;
};

/* The subject CN the server's certificate must carry (R15): the SE server's FQDN or
 * the EE pool's. Points into m or at server. */
const char *desired_expected_cn(const struct manifest *m, const char *server);

/* Expands m for the server fqdn. cert: the resolved server certificate (TLS; NULL when
 * unknown, then R16 and R17 items are left out). Returns OFD_OK and fills *out (caller
 * frees with desired_free); OFD_E_NOTFOUND with rule "" when the manifest does not
 * govern fqdn; OFD_E_NOMEM. */
enum ofd_code desired_expand(const struct manifest *m, const char *fqdn, const struct desired_cert *cert,
                             struct desired *out, ofd_err *e);

void desired_free(struct desired *d);

/* The item of class cls with key (case-insensitive), or NULL. Linear. */
const struct desired_item *desired_find(const struct desired *d, const char *cls, const char *key);

#endif
