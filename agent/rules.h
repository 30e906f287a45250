/* rules: the guide's rules R1-R19 (docs/federation-rules.md) as a table, so that
 * messages, the text plan and the docs name them the same way. */
#ifndef OCSFED_RULES_H
#define OCSFED_RULES_H

enum rules_kind {
    RULES_ACT,    /* the agent makes it so */
    RULES_CHECK,  /* the agent checks and reports */
    RULES_REPORT  /* IM&P side: the agent tells the operator */
};

struct rules_info {
    const char *id;      /* "R6" */
    const char *scope;   /* "server", "pool", "imp", "manifest" */
    enum rules_kind kind;
    const char *title;   /* one line */
};

/* The rule with this id ("R6", case-insensitive), or NULL. Static storage. */
const struct rules_info *rules_find(const char *id);
/* Its title, or "" for an unknown id or "syntax"/"schema". */
const char *rules_title(const char *id);

#endif
