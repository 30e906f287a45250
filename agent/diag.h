/* Diagnostics about an input file, printed GNU style:
 *   FILE:LINE:COL: error: [R6] /imp/route_next_hop: message
 * The bracket names the rule of the guide (docs/federation-rules.md), or "syntax"
 * for malformed JSON and "schema" for the manifest's own format. */
#ifndef OCSFED_DIAG_H
#define OCSFED_DIAG_H

#include <stdio.h>
#include <stddef.h>

#include "error.h"

enum diag_sev { DIAG_ERROR, DIAG_WARNING, DIAG_NOTE };

struct diag {
    enum diag_sev sev;
    char rule[8];  /* "R6", "syntax", "schema" */
    int line, col; /* 1-based; 0 when unknown */
    char *ptr;     /* JSON pointer of the value, "" for the whole document; owned */
    char *msg;     /* owned */
    size_t seq;    /* order of addition, for a stable sort */
};

struct diags {
    struct diag *v;
    size_t n, cap;
    size_t nerrors, nwarnings;
    size_t nfile_errors; /* errors about files the input names (missing, unreadable,
                           * not matching their pins), counted by the caller */
    int oom;
};

/* Adds one diagnostic (message printf-style). Allocation failures set d->oom. */
void diags_add(struct diags *d, enum diag_sev sev, const char *rule, int line, int col, const char *ptr,
               const char *fmt, ...) OFD_PRINTF(7, 8);
/* Sorts by line, column, then order of addition. */
void diags_sort(struct diags *d);
/* Prints every diagnostic as FILE:LINE:COL: SEVERITY: [RULE] PTR: MSG. */
void diags_print(const struct diags *d, const char *file, FILE *f);
/* Formats diagnostic i into buf (same form as diags_print, without newline). */
void diags_format(const struct diags *d, size_t i, const char *file, char *buf, size_t len);
void diags_free(struct diags *d);

#endif
