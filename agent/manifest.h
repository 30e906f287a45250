/* manifest: the federation manifest, version 1 (docs/manifest.md,
 * schema/manifest-v1.schema.json). Parsing and validation report every problem at
 * once as diagnostics (diag.h) located at the offending value; a manifest with an
 * error is never returned, so nothing can be applied from it. */
#ifndef OCSFED_MANIFEST_H
#define OCSFED_MANIFEST_H

#include <stddef.h>

#include "cs.h"
#include "diag.h"
#include "error.h"
#include "fsutil.h"

#define MANIFEST_MAX_BYTES (4u * 1024u * 1024u) /* larger files are refused */
#define MANIFEST_MAX_LIST 100000u               /* domains, nodes, servers, certificates */
#define MANIFEST_MAX_STRING 65536u              /* any string or member name, in bytes */

enum manifest_transport { MANIFEST_TLS, MANIFEST_TCP };
enum manifest_edition { MANIFEST_STANDARD, MANIFEST_ENTERPRISE };

struct manifest_node {
    char *fqdn; /* lower case */
    char *ip;   /* dotted IPv4 */
};

enum manifest_cert_kind { MANIFEST_CERT_AUTO, MANIFEST_CERT_PFX, MANIFEST_CERT_THUMBPRINT };

#define MANIFEST_SHA256_LEN CS_SHA256_LEN

/* A file the manifest names (a CA certificate, a PKCS#12), pinned by the SHA-256 of its
 * bytes: the signature covers the pin, so the file is trusted as far as the manifest
 * is. It is read once, its pin checked on the bytes read, and only those bytes are used
 * afterwards (parsed, added to a store, imported). */
struct manifest_file {
    char *file;                                /* as written in the manifest */
    char *path;                                /* resolved against the manifest's folder */
    unsigned char sha256[MANIFEST_SHA256_LEN]; /* the pin */
    unsigned char *data;                       /* the checked bytes; NULL with MANIFEST_NO_FILES */
    size_t len;
};

/* The OCS server certificate (R14-R17): imported from a PKCS#12 file, named by
 * thumbprint, or (AUTO) picked by the agent among the installed ones. */
struct manifest_server_cert {
    enum manifest_cert_kind kind;
    struct manifest_file pfx;      /* PFX */
    unsigned char tp[CS_SHA1_LEN]; /* THUMBPRINT */
};

struct manifest_server {
    char *fqdn;                       /* lower case */
    struct manifest_server_cert cert; /* per-server; AUTO falls back to certificates.server */
};

/* A trusted root or intermediate CA certificate read from a file (R13). */
struct manifest_cacert {
    struct manifest_file f;
    unsigned char *der; /* the certificate in f.data; NULL when files were not read */
    size_t der_len;
    unsigned char tp[CS_SHA1_LEN];
    char subject[512];
};

struct manifest_window {
    int present;
    unsigned days;          /* bit 0 = Monday ... bit 6 = Sunday */
    int start_min, end_min; /* minutes after midnight; end < start crosses midnight */
    int utc;                /* 0: the server's local time */
};

/* The confirmed apply (agent/check.c): after an apply, the agent probes the path to
 * IM&P (probe.h) until it passes or timeout_s seconds have gone, and undoes the apply
 * through its journal when it did not pass. */
#define MANIFEST_CONFIRM_DEFAULT_S 120u
#define MANIFEST_CONFIRM_MAX_S 3600u
struct manifest_confirm {
    int probe;          /* 1: "confirm": {"probe": true} */
    unsigned timeout_s; /* 1..MANIFEST_CONFIRM_MAX_S */
};

struct manifest {
    int version;
    long long serial;
    char *description;
    /* imp */
    enum manifest_transport transport;
    unsigned peer_auth_port;
    unsigned server_auth_port; /* 0 when not given */
    unsigned route_port;       /* next hop port of the static routes */
    char **domains;            /* lower case */
    size_t ndomains;
    struct manifest_node *nodes;
    size_t nnodes;
    size_t next_hop; /* index into nodes */
    /* ocs */
    enum manifest_edition edition;
    char *pool_fqdn;    /* enterprise only, lower case */
    char **sip_domains; /* optional, for the R1 check */
    size_t nsip_domains;
    struct manifest_server *servers;
    size_t nservers;
    /* certificates */
    struct manifest_cacert *roots;
    size_t nroots;
    struct manifest_cacert *intermediates;
    size_t nintermediates;
    struct manifest_server_cert server_cert;
    struct manifest_window window;
    struct manifest_confirm confirm;
    char *base_dir; /* directory the certificate paths are relative to */
};

/* Flags of manifest_parse / manifest_load. */
#define MANIFEST_NO_FILES \
    1u /* do not read certificate files (fuzzing, tests); pins are
                              * still checked for their form */

/* Parses and validates text (len bytes, a UTF-8 BOM allowed). base_dir: directory of
 * the manifest, for certificate paths ("." when NULL). rd: how the files it names are
 * read (NULL: from disk); each is read once and checked against its pin. Every problem
 * goes to d (errors, warnings R1/R8, notes R13/R18); d->nfile_errors counts the errors
 * about named files (missing, unreadable, or not matching their pins).
 * Returns OFD_OK with *out set (caller frees with manifest_free) when d holds no error;
 * OFD_E_INVALID when it does (*out untouched); OFD_E_NOMEM. */
enum ofd_code manifest_parse(const char *text, size_t len, const char *base_dir, const struct ofd_reader *rd,
                             unsigned flags, struct manifest **out, struct diags *d, ofd_err *e);

/* Reads path (at most MANIFEST_MAX_BYTES) and parses it with its directory as base.
 * OFD_E_IO / OFD_E_INVALID in e when the file cannot be read; otherwise as
 * manifest_parse. */
enum ofd_code manifest_load(const char *path, unsigned flags, struct manifest **out, struct diags *d, ofd_err *e);

void manifest_free(struct manifest *m);

/* The folder of the manifest at path, which the files it names are relative to ("."
 * for a bare name). Malloc'ed; NULL on out of memory. */
char *manifest_dir_of(const char *path);

/* The server entry for fqdn (case-insensitive), or NULL. */
const struct manifest_server *manifest_find_server(const struct manifest *m, const char *fqdn);

/* Format checks shared with the simulated node: 1 when valid, else 0 with a reason in
 * why (static string). */
int manifest_is_fqdn(const char *s, const char **why);
int manifest_is_ipv4(const char *s, const char **why);

/* ocsfed pin: text with every file it names pinned to the SHA-256 of the file as it is
 * now (a bare "certs/x.pem" becomes {"file": "certs/x.pem", "sha256": "..."}; a pin
 * that differs is replaced), the rest of the text byte for byte as it was. base_dir as
 * for manifest_parse. Returns OFD_OK with a malloc'ed *out (caller frees), its length,
 * and in *changed how many pins were added or replaced; OFD_E_INVALID (syntax, or a file
 * that cannot be read: the diagnostics in d); OFD_E_NOMEM. */
enum ofd_code manifest_pin(const char *text, size_t len, const char *base_dir, char **out, size_t *out_len,
                           size_t *changed, struct diags *d, ofd_err *e);

#endif
