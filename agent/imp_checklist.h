/* imp_checklist: the IM&P side of the federation, which ocsfed cannot reach, as a
 * checklist computed from the manifest (docs/imp-checklist.md): the domains and nodes to
 * check (R1), the TLS peer subjects (R18), the CA certificates to upload as cup-trust
 * (R18), the incoming ACL entries for each OCS server, the application listeners (R8;
 * with TCP the TCP listener, R5), IM&P's static routes towards OCS, and what to check
 * before switching transport. Every item carries its rule where one applies and its
 * values as the administrator types them.
 *
 * Printed by `ocsfed imp-checklist MANIFEST [--json]` and written into each server's
 * report ("imp_checklist", agent/report.c), so that a fleet view can show it. */
#ifndef OCSFED_IMP_CHECKLIST_H
#define OCSFED_IMP_CHECKLIST_H

#include <stddef.h>
#include <stdio.h>

#include "error.h"

struct manifest;
struct cJSON;

/* The sections, in the order they are printed. A new one is a new checklist format. */
enum imp_section {
    IMP_SEC_DOMAINS,       /* R1: IM&P's local domains and cluster nodes */
    IMP_SEC_PEER_SUBJECTS, /* R18, TLS only */
    IMP_SEC_CA_CERTS,      /* R18, TLS only: cup-trust */
    IMP_SEC_ACL,           /* incoming ACL: one entry per OCS server (two with TCP) */
    IMP_SEC_LISTENERS,     /* R8 (TLS), the TCP listener (R5) */
    IMP_SEC_ROUTES,        /* IM&P's static routes towards OCS */
    IMP_SEC_SWITCH         /* checks before switching to this transport */
};
#define IMP_NSECTIONS 7

#define IMP_FORMAT 1      /* the "format" of the JSON form */
#define IMP_MAX_VALUES 8  /* values of one item (the reader's bound) */
#define IMP_MAX_NAME 32   /* bytes of a value's name */
#define IMP_MAX_ITEMS 500 /* items a report carries; the rest are counted in "total" */

enum imp_value_kind { IMP_VAL_STRING, IMP_VAL_NUMBER, IMP_VAL_NULL };

/* One value of an item: a name ("subject", "port") and a string, a whole number or
 * null (a value the manifest does not hold, such as an OCS server's address; the
 * item's text says where to find it). */
struct imp_value {
    char *name;
    enum imp_value_kind kind;
    char *s;       /* STRING */
    long long num; /* NUMBER, 0 .. 2^53-1 */
};

struct imp_item {
    enum imp_section section;
    char rule[8]; /* "R18", or "" when no rule of the guide applies */
    char *text;   /* one sentence for the administrator */
    struct imp_value *values;
    size_t nvalues;
};

struct imp_checklist {
    int tls;        /* transport: 1 TLS, 0 TCP */
    int enterprise; /* edition */
    long long serial;
    struct imp_item *v; /* numbered from 1 in this order */
    size_t n;
    size_t total; /* items in the whole checklist: n, or more when a report carried only
                   * the first IMP_MAX_ITEMS */
};

/* The checklist of a valid manifest. Returns OFD_OK with *out filled (caller frees
 * with imp_checklist_free), or OFD_E_NOMEM. */
enum ofd_code imp_checklist_make(const struct manifest *m, struct imp_checklist *out, ofd_err *e);
void imp_checklist_free(struct imp_checklist *c);

/* A section's name in JSON ("peer_subjects") and its title, and the inverse of the
 * name (-1 when unknown). */
const char *imp_section_id(enum imp_section s);
const char *imp_section_title(enum imp_section s);
int imp_section_parse(const char *id);

/* The JSON form (docs/imp-checklist.md):
 *   {"format": 1, "serial": 12, "transport": "tls", "edition": "enterprise",
 *    "total": N, "sections": [{"id": "...", "title": "..."}],
 *    "items": [{"n": 1, "section": "domains", "rule": "R1" | null, "text": "...",
 *               "values": {"domain": "example.com", "port": 5061, "address": null}}]}
 * max_items (0: all) keeps the first items only, "total" still counting all of them;
 * max_string (0: no limit) cuts longer strings at a character boundary: a report's
 * bounds. NULL on out of memory. */
struct cJSON *imp_checklist_to_cjson(const struct imp_checklist *c, size_t max_items, size_t max_string);
/* The same as text, whole: malloc'ed, caller frees; NULL on out of memory. */
char *imp_checklist_to_json(const struct imp_checklist *c);

/* The text form: a heading naming manifest_path, then each section's items numbered
 * from 1 across sections, each with its rule and one "name: value" line per value. */
void imp_checklist_print_text(const struct imp_checklist *c, const struct manifest *m, const char *manifest_path,
                              FILE *out);

/* Builds an item (for the report reader): appends one with a copy of text and no
 * values, then values one by one. OFD_OK or OFD_E_NOMEM. */
enum ofd_code imp_checklist_add_item(struct imp_checklist *c, enum imp_section s, const char *rule, const char *text,
                                     ofd_err *e);
enum ofd_code imp_item_add_value(struct imp_item *it, const char *name, enum imp_value_kind kind, const char *s,
                                 long long num, ofd_err *e);

#endif
