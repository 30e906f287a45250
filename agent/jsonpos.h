/* jsonpos: a strict JSON scanner that cJSON lacks. It walks the source text once,
 * reports the first syntax error with its line and column, reports every duplicate
 * key, and records the line:column of every value under its JSON pointer (RFC 6901)
 * so that later checks can point at the value they complain about.
 * Lines and columns are 1-based; columns count UTF-8 characters, not bytes. */
#ifndef OCSFED_JSONPOS_H
#define OCSFED_JSONPOS_H

#include <stddef.h>

#include "diag.h"
#include "error.h"
#include "strbuf.h"

#define JSONPOS_MAX_DEPTH 64

struct jsonpos;

/* Scans text (len bytes; a leading UTF-8 BOM is skipped, see jsonpos_skip_bom).
 * Syntax errors ([syntax], only the first: scanning stops there), duplicate keys and
 * NUL characters in strings are added to d as errors.
 * Returns OFD_OK with *out set (the caller frees it with jsonpos_free) when the text is
 * well-formed JSON, even if d got errors for duplicates; OFD_E_INVALID on a syntax
 * error (*out untouched); OFD_E_NOMEM. */
enum ofd_code jsonpos_scan(const char *text, size_t len, struct jsonpos **out, struct diags *d, ofd_err *e);

/* What the scanner adds to its messages for one kind of document: a manifest has a
 * place for free text, a simulated node file has none. */
struct jsonpos_advice {
    const char *comments; /* appended to "JSON has no comments; remove it", or NULL */
};
/* jsonpos_scan with advice (NULL: none). */
enum ofd_code jsonpos_scan_ex(const char *text, size_t len, const struct jsonpos_advice *adv, struct jsonpos **out,
                              struct diags *d, ofd_err *e);

/* Looks up a JSON pointer ("" is the document). Returns 1 and sets line/col when the
 * value exists, else 0 (line/col untouched). */
int jsonpos_find(const struct jsonpos *p, const char *ptr, int *line, int *col);

/* Like jsonpos_find, but gives the position of the member's name for an object member
 * (the value's position otherwise). */
int jsonpos_find_key(const struct jsonpos *p, const char *ptr, int *line, int *col);

/* The bytes of the value at ptr in the scanned text: text[*start, *end), the BOM
 * counted. Returns 1, or 0 when there is no such value. For editing a document in
 * place without reformatting it (ocsfed pin). */
int jsonpos_span(const struct jsonpos *p, const char *ptr, size_t *start, size_t *end);

/* Number of values recorded. */
size_t jsonpos_count(const struct jsonpos *p);

void jsonpos_free(struct jsonpos *p);

/* Appends "/" and key escaped as a JSON pointer token (~ as ~0, / as ~1). */
void jsonpos_push(struct strbuf *sb, const char *key);
/* Appends "/" and an array index. */
void jsonpos_push_index(struct strbuf *sb, size_t i);

/* Whether text is UTF-16 rather than UTF-8 (a UTF-16 byte order mark, or every second
 * byte 0 as JSON's ASCII start is in UTF-16): 1 with the operator's message (what was
 * found, how to save the file as UTF-8) in buf (n bytes), else 0. jsonpos_scan reports
 * it as its syntax error; the agent's intake refuses such a manifest with it. */
int jsonpos_utf16(const char *text, size_t len, char *buf, size_t n);

/* Number of bytes of a UTF-8 byte order mark at the start of text (0 or 3). */
size_t jsonpos_skip_bom(const char *text, size_t len);

#endif
