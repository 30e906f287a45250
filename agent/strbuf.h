/* Small string helpers for the portable core: a growable buffer and the few
 * functions that ISO C lacks (strdup, case-insensitive compare). UTF-8 throughout. */
#ifndef OCSFED_STRBUF_H
#define OCSFED_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

#include "error.h"

struct strbuf {
    char *s; /* NUL-terminated; NULL until the first append */
    size_t len;
    size_t cap;
    int oom; /* set when an allocation failed; later appends do nothing */
};

/* Appends; on allocation failure sets sb->oom and leaves the content as it was. */
void sb_append(struct strbuf *sb, const char *s);
void sb_appendn(struct strbuf *sb, const char *s, size_t n);
void sb_appendc(struct strbuf *sb, char c);
void sb_printf(struct strbuf *sb, const char *fmt, ...) OFD_PRINTF(2, 3);
/* Cuts the content back to len bytes (len <= sb->len). */
void sb_truncate(struct strbuf *sb, size_t len);
/* The content ("" when empty). Owned by sb. */
const char *sb_str(const struct strbuf *sb);
/* Hands the content over: returns a malloc'ed string the caller frees (NULL on oom)
 * and leaves sb empty. */
char *sb_take(struct strbuf *sb);
void sb_free(struct strbuf *sb);

/* malloc'ed copy of s (NULL for NULL or on oom); caller frees. */
char *ofd_strdup(const char *s);
char *ofd_strndup(const char *s, size_t n);
/* ASCII case-insensitive comparisons (FQDNs, domains). */
int ofd_strcasecmp(const char *a, const char *b);
/* Lower-cases ASCII letters in place; returns s. */
char *ofd_strlower(char *s);
/* Levenshtein distance, capped at 100 (for "did you mean"). */
int ofd_edit_distance(const char *a, const char *b);
/* Cuts s back to its last complete UTF-8 character: text cut to a buffer's size by
 * vsnprintf may end inside one, and the UTF-16 conversion at the Windows boundary then
 * refuses the whole text (an event lost). Returns the new length. */
size_t ofd_utf8_trim(char *s);
/* Text quoted from a manifest or a node file, made safe to show in a message: the C0
 * controls and DEL (as \b \t \n \f \r or \u00XX), the C1 controls, the bidi controls
 * (U+061C, U+200E, U+200F, U+202A..U+202E, U+2066..U+2069), the invisible U+00AD,
 * U+200B..U+200D, U+2060..U+2064 and U+FEFF, and the line and paragraph separators
 * U+2028 and U+2029 are written as escapes (\u202e, lower case): printed raw they break
 * the line, recolour a terminal or reorder what is shown; a byte that is not part of
 * valid UTF-8 is written as \xNN (Windows refuses such text at the UTF-16 boundary).
 * Everything else is copied as it is, backslashes included, so text escaped once passes
 * through unchanged.
 * ofd_escape_controls writes into dst (size bytes, NUL-terminated, size > 0) and stops
 * before an escape or a character that would not fit; it returns the length written.
 * sb_append_escaped appends all of it. */
size_t ofd_escape_controls(char *dst, size_t size, const char *src);
void sb_append_escaped(struct strbuf *sb, const char *src);
/* FNV-1a (32 bits) over the bytes of s, lower-cased when case_insensitive: the one
 * string hash (strmap's, the service's memory of its last event). */
unsigned long ofd_hash(const char *s, int case_insensitive);

#endif
