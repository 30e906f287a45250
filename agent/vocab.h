/* vocab: the server's own vocabulary, checked before ocsfed writes to it. Several values
 * ocsfed writes to OCS's WMI provider are not confirmed by any public source
 * (docs/ocs-wmi-notes.md): the TransportType and NextHopTransport literals, the form of
 * the "All" address. The provider and the server itself can say: the class definitions
 * it publishes (each property's CIM type, its keys, ValueMap/Values where declared) and
 * the values its own instances already use (the 5061 listener OCS setup made carries the
 * MTLS/TLS spelling and the address form). Each literal ocsfed writes (ocs_lit) and each
 * property of the class map it writes is held against that evidence:
 *  - agrees: declared or used exactly as ocsfed writes it;
 *  - adopted: declared or used in another case or form of the same value ("Mtls",
 *    "0.0.0.0" for All): ocsfed writes the server's spelling, the form the provider
 *    itself declares or wrote, rather than assume it compares without regard to case;
 *  - contradicts: the provider declares values without it, or the server uses a value
 *    ocsfed does not know for that property, or a property is missing or of another CIM
 *    type: the apply is refused before any write (apply.c), naming class, property, the
 *    value and the evidence;
 *  - no evidence: nothing declared and nothing used yet; ocsfed writes its own literal;
 *  - recorded: read, never written (PoolType): the evidence is kept for the export.
 * plan_make gathers it (the definitions first, then each class's instances as it plans
 * that class, adopting spellings into the desired state before comparing); the report
 * and `ocsfed export` carry it. */
#ifndef OCSFED_VOCAB_H
#define OCSFED_VOCAB_H

#include <stddef.h>

#include "desired.h"
#include "diag.h"
#include "error.h"
#include "node.h"

enum vocab_verdict { VOCAB_AGREES, VOCAB_ADOPTED, VOCAB_CONTRADICTS, VOCAB_NO_EVIDENCE, VOCAB_RECORDED };

/* Which manifests write an entry's value. */
#define VOCAB_TCP 1u
#define VOCAB_TLS 2u

struct vocab_entry {
    const char *cls;      /* class map names (static) */
    const char *prop;     /* a property, or "(class definition)" */
    const char *rule;     /* the rule of the item that writes it, for TCP manifests ("R2"), or "" */
    const char *rule_tls; /* the same for TLS manifests (vocab_rule picks) */
    char *writes;         /* what ocsfed writes: a literal, a CIM type, the key list; "" when recorded */
    char *chosen;         /* what is written: writes, or the server's spelling when adopted */
    unsigned transports;
    enum vocab_verdict verdict;
    char *evidence; /* for the operator: what the provider declares, which instance uses what */
    int literal;    /* an enumerated literal of ocs_lit (vocab_observe decides it) */
};

struct vocab {
    struct vocab_entry *v;
    size_t n;
    int oom;
};

/* Reads the class definitions of the classes ocsfed writes and of MSFT_SIPPoolSetting
 * (node_ops.schema) and records: every class-map property ocsfed writes exists with its
 * CIM type, the keys are the class map's, and each literal agrees with ValueMap/Values
 * where declared. Literals nothing is declared for wait for vocab_observe. A node without
 * the schema operation only gives entries that wait. OFD_OK, or the node's error. */
enum ofd_code vocab_schema(struct vocab *v, const struct node *n, ofd_err *e);

/* The evidence of cur, the instances of class cls now on the server: decides the
 * literals of cls that nothing declared, and adopts every adopted spelling of cls into
 * the desired items of d (NULL: none), so that what is planned and written is the
 * server's spelling. */
void vocab_observe(struct vocab *v, const char *cls, const struct node_instances *cur, struct desired *d);

/* vocab_schema, then vocab_observe of every class on the node (the export: no desired
 * state). */
enum ofd_code vocab_check(const struct node *n, struct vocab *out, ofd_err *e);

/* Notes for the plan: each spelling adopted (note) and each contradiction (error) that
 * concerns a manifest of this transport. */
void vocab_notes(const struct vocab *v, int tls, struct diags *notes);

/* The first contradiction that concerns a manifest of this transport, or NULL. */
const struct vocab_entry *vocab_contradiction(const struct vocab *v, int tls);

/* The rule an entry concerns for a manifest of this transport ("" when none). */
const char *vocab_rule(const struct vocab_entry *x, int tls);

/* "agrees", "adopted", "contradicts", "no_evidence", "recorded". */
const char *vocab_verdict_name(enum vocab_verdict verdict);

/* The entries as a JSON array of {"class", "property", "writes", "chosen", "verdict",
 * "evidence"} (the export and the report's "vocabulary"). NULL on oom. */
struct cJSON *vocab_to_json(const struct vocab *v);

void vocab_free(struct vocab *v);

#endif
