/* export: a server as it is, for safe first contact (`ocsfed export`, read-only):
 *  - the node as a simulated node file (simnode_snapshot: every instance of the OCS
 *    classes, foreign ones included; the provider's class definitions; the certificates
 *    with whether a private key is linked; FIPS; the Front End service; the ownership
 *    record), which `--node sim:` reads back, with an "export" section holding the
 *    evidence of the provider's vocabulary (vocab.h);
 *  - a draft manifest inferred from what is configured: the routes and the host
 *    authorization towards IM&P, the transport and ports, the server certificate by
 *    thumbprint, the pool, with the list of what could not be inferred. Its plan against
 *    the node it came from changes nothing, or the command names each difference. */
#ifndef OCSFED_EXPORT_H
#define OCSFED_EXPORT_H

#include <stddef.h>

#include "error.h"
#include "node.h"
#include "vocab.h"

struct cJSON;

struct export_draft {
    struct cJSON *manifest; /* the draft, or NULL when no route towards IM&P was found */
    char **notes;           /* what could not be inferred, and what was guessed */
    size_t nnotes;
    char *summary; /* "tls, Enterprise Edition pool ..., 1 domain, 2 IM&P nodes, next hop ..." */
};

/* Infers the draft from what n holds. OFD_OK (out->manifest may be NULL: out->notes say
 * why), or the node's error. Free with export_draft_free. */
enum ofd_code export_draft_infer(const struct node *n, struct export_draft *out, ofd_err *e);
void export_draft_free(struct export_draft *d);

/* The export file of n: its snapshot with the "export" section {"format": 1, "time",
 * "agent_version", "vocabulary": [...], "draft": {"file", "not_inferred": [...]}} (draft
 * and draft_file may be NULL). OFD_OK with *text malloc'ed, or the node's error. */
enum ofd_code export_node(const struct node *n, const struct vocab *v, const struct export_draft *draft,
                          const char *draft_file, long long now, char **text, ofd_err *e);

#endif
