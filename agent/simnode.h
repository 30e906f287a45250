/* simnode: a simulated OCS front-end server kept in a JSON file, the first
 * implementation of the node read interface (node.h). Format (docs/manifest.md,
 * "Simulated node"):
 *   { "ocsfed_sim_node": 1,
 *     "node": { "fqdn": "fe1.example.com", "pool": "pool.example.com",
 *               "backend": "sql.example.com\\rtc" },
 *     "ocs": { "MSFT_SIPRoutingTableData": [ { "InstanceID": "{...}", "MatchURI": ..., ... } ],
 *              ... one array per WMI class, properties as OCS stores them },
 *     "certificates": { "Root": [ { "thumbprint": "hex", "der": "base64" } ], "CA": [], "My": [] },
 *     "fips": { "Enabled": 0 },
 *     "services": { "RTCSRV": "running" },
 *     "ocsfed": { "owned": [ { "class": "MSFT_SIPRoutingTableData", "key": "foo.com" } ] },
 *     "schema": { "MSFT_SIPListeningAddressData": { "Port": { "type": "uint32",
 *                 "qualifiers": { "CIMTYPE": "uint32" } }, ... }, ... },
 *     "export": { ... } }
 * "schema" (optional): the class definitions the provider publishes (node_ops.schema), a
 * class null when the provider has none; "export" (optional): what `ocsfed export` said
 * about the server (kept as it is, never read). A certificate may say "private_key":
 * true or false (whether one is linked to it; never the key).
 * Properties the model knows (ocs_model.c) must have its CIM type: uint8[] is an array of
 * numbers, string[] an array of strings. So that a dump of a real server
 * (Get-WmiObject ... | ConvertTo-Json) can be dropped in: a class may be one object
 * instead of an array, object-valued members (PowerShell metadata) are ignored, unknown
 * properties keep the type their JSON suggests, and null means "not set".
 * A missing file is an empty node to simnode_open; a node an operator names must exist
 * (simnode_open_named). */
#ifndef OCSFED_SIMNODE_H
#define OCSFED_SIMNODE_H

#include "error.h"
#include "node.h"

#define SIMNODE_MAX_BYTES (64u * 1024u * 1024u)

/* Opens the simulated node in path. On OFD_OK *out reads it (close with node_close).
 * A missing file gives an empty node with no identity. Malformed files fail with
 * OFD_E_INVALID and "PATH:LINE:COL: message" in e. */
enum ofd_code simnode_open(const char *path, struct node *out, ofd_err *e);

/* As simnode_open, for the node an operator names (--node sim:FILE, the service's
 * Node): a file that is not there (OFD_E_NOTFOUND), a folder or an unreadable file is an
 * error that says so and what to do, never an empty node ("the node has no FQDN"). */
enum ofd_code simnode_open_named(const char *path, struct node *out, ofd_err *e);

/* Same from a buffer; name is used in messages. */
enum ofd_code simnode_open_buffer(const char *text, size_t len, const char *name, struct node *out, ofd_err *e);

/* Writes a new, empty simulated node to path: identity fqdn (and pool for an
 * Enterprise Edition front end; Standard Edition otherwise, Backend "(local)\rtc"),
 * the classes empty, FIPS off, RTCSRV running. Refuses to overwrite (OFD_E_CONFLICT);
 * OFD_E_INVALID for a malformed FQDN; OFD_E_IO. pool_store (with pool; NULL: none) names
 * a file beside path that holds the pool's shared classes (routes, authorized hosts)
 * for every front end of the pool that names it; it is made on the first write. */
enum ofd_code simnode_init_file(const char *path, const char *fqdn, const char *pool, const char *pool_store,
                                ofd_err *e);

struct cJSON;
/* The state node n reads, as a simulated node file (the format simnode_open reads), for
 * `ocsfed export`: its identity; every instance of the OCS classes, foreign ones
 * included, with every property (instances_all where the node has it); the class
 * definitions the provider publishes (schema); the Root, CA and My certificates with
 * whether a private key is linked; FIPS; the Front End service; the ownership record;
 * and, when the node can resolve names, what the FQDNs its routes and authorized hosts
 * name resolve to. extra (taken over; NULL: none) becomes the "export" section. OFD_OK
 * with the text in *text (malloc'ed), or the node's error. Only reads. */
enum ofd_code simnode_snapshot(const struct node *n, struct cJSON *extra, char **text, ofd_err *e);

#endif
