/* rules: the guide's rules R1-R19 (docs/federation-rules.md) as a table, so that
 * messages, the text plan and the docs name them the same way, and so that the test
 * rules_index can hold the code, this table and the docs to each other: every rule
 * cited in the code is here, every row is cited in the files it names, and the docs
 * give each row a section with its scope and kind. */
#ifndef OCSFED_RULES_H
#define OCSFED_RULES_H

#include <stddef.h>

/* What ocsfed does about a rule (flags). */
enum rules_kind {
    RULES_SETS = 1,   /* makes the server so, and keeps it so */
    RULES_CHECKS = 2, /* verifies, refuses or warns */
    RULES_REPORTS = 4 /* IM&P side: tells the operator */
};

struct rules_info {
    const char *id;       /* "R6" */
    const char *scope;    /* "server", "pool" (the pool's shared store), "IM&P" (its side) */
    unsigned kind;        /* enum rules_kind flags */
    const char *title;    /* one line */
    const char *enforced; /* the files that set or check it, space-separated, from the
                            * repository's root */
};

/* The rule with this id ("R6", case-insensitive), or NULL. Static storage. */
const struct rules_info *rules_find(const char *id);
/* Its title, or "" for an unknown id or "syntax"/"schema". */
const char *rules_title(const char *id);
/* "sets", "checks", "sets and checks", "reports" (static). */
const char *rules_kind_text(unsigned kind);
/* The whole table: *n rows. */
const struct rules_info *rules_all(size_t *n);

#endif
