#include "strbuf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int sb_grow(struct strbuf *sb, size_t extra)
{
    size_t need, cap;
    char *n;

    if (sb->oom)
        return -1;
    need = sb->len + extra + 1;
    if (need < sb->len) {
        sb->oom = 1;
        return -1;
    }
    if (need <= sb->cap)
        return 0;
    cap = sb->cap ? sb->cap : 64;
    while (cap < need)
        cap *= 2;
    if (!(n = realloc(sb->s, cap))) {
        sb->oom = 1;
        return -1;
    }
    sb->s = n;
    sb->cap = cap;
    return 0;
}

void sb_appendn(struct strbuf *sb, const char *s, size_t n)
{
    if (sb_grow(sb, n) != 0)
        return;
    memcpy(sb->s + sb->len, s, n);
    sb->len += n;
    sb->s[sb->len] = '\0';
}

void sb_append(struct strbuf *sb, const char *s)
{
    sb_appendn(sb, s, strlen(s));
}

void sb_appendc(struct strbuf *sb, char c)
{
    sb_appendn(sb, &c, 1);
}

void sb_printf(struct strbuf *sb, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || sb_grow(sb, (size_t)n) != 0)
        return;
    va_start(ap, fmt);
    vsnprintf(sb->s + sb->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    sb->len += (size_t)n;
}

void sb_truncate(struct strbuf *sb, size_t len)
{
    if (sb->s && len <= sb->len) {
        sb->len = len;
        sb->s[len] = '\0';
    }
}

const char *sb_str(const struct strbuf *sb)
{
    return sb->s ? sb->s : "";
}

char *sb_take(struct strbuf *sb)
{
    char *s = sb->oom ? NULL : (sb->s ? sb->s : ofd_strdup(""));

    if (sb->oom)
        free(sb->s);
    sb->s = NULL;
    sb->len = sb->cap = 0;
    sb->oom = 0;
    return s;
}

void sb_free(struct strbuf *sb)
{
    free(sb->s);
    sb->s = NULL;
    sb->len = sb->cap = 0;
    sb->oom = 0;
}

char *ofd_strndup(const char *s, size_t n)
{
    char *d;

    if (!s || !(d = malloc(n + 1)))
        return NULL;
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

char *ofd_strdup(const char *s)
{
    return s ? ofd_strndup(s, strlen(s)) : NULL;
}

static int lc(int c)
{
    return (c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c;
}

int ofd_strcasecmp(const char *a, const char *b)
{
    for (;; a++, b++) {
        int x = lc((unsigned char)*a), y = lc((unsigned char)*b);
        if (x != y || !x)
            return x - y;
    }
}

char *ofd_strlower(char *s)
{
    char *p;

    for (p = s; p && *p; p++)
        *p = (char)lc((unsigned char)*p);
    return s;
}

int ofd_edit_distance(const char *a, const char *b)
{
    int row[64], i, j, la = (int)strlen(a), lb = (int)strlen(b);

    if (la > 62 || lb > 62)
        return 100;
    for (j = 0; j <= lb; j++)
        row[j] = j;
    for (i = 1; i <= la; i++) {
        int prev = row[0], cur;
        row[0] = i;
        for (j = 1; j <= lb; j++) {
            int cost = lc((unsigned char)a[i - 1]) != lc((unsigned char)b[j - 1]);
            cur = row[j];
            row[j] = prev + cost;
            if (row[j - 1] + 1 < row[j])
                row[j] = row[j - 1] + 1;
            if (cur + 1 < row[j])
                row[j] = cur + 1;
            prev = cur;
        }
    }
    return row[lb] > 100 ? 100 : row[lb];
}

unsigned long ofd_hash(const char *s, int case_insensitive)
{
    unsigned long h = 2166136261UL;

    for (; *s; s++) {
        h ^= (unsigned long)(case_insensitive ? lc((unsigned char)*s) : (unsigned char)*s);
        h = (h * 16777619UL) & 0xffffffffUL;
    }
    return h;
}

size_t ofd_utf8_trim(char *s)
{
    size_t n = strlen(s), i = n, need;
    unsigned char lead;

    while (i > 0 && n - i < 3 && ((unsigned char)s[i - 1] & 0xC0) == 0x80)
        i--;
    if (i == 0 || (lead = (unsigned char)s[i - 1]) < 0xC0)
        return n; /* ends in ASCII, or in stray bytes that were never a character */
    need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
    if (n - (i - 1) < need) {
        s[i - 1] = '\0';
        return i - 1;
    }
    return n;
}

/* Whether a message shows cp as an escape (see ofd_escape_controls). */
static int shown_escaped(unsigned cp)
{
    return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0xAD || cp == 0x061C || (cp >= 0x200B && cp <= 0x200F)
           || (cp >= 0x2028 && cp <= 0x202E) || (cp >= 0x2060 && cp <= 0x2069) || cp == 0xFEFF;
}

/* The next character of s as a message shows it: *put and *plen (the escape in esc, or
 * the character's own bytes). Returns the bytes of s it takes; a byte that does not
 * start a valid UTF-8 sequence (a stray continuation, an overlong form, a surrogate,
 * beyond U+10FFFF) is one character of its own, shown as \xNN: Windows refuses such
 * text at the UTF-16 boundary, and the event quoting it would be lost. */
static size_t shown_unit(const unsigned char *s, char esc[8], const char **put, size_t *plen)
{
    size_t need = s[0] >= 0xF0 && s[0] <= 0xF4 ? 4 : s[0] >= 0xE0 ? 3 : s[0] >= 0xC2 && s[0] < 0xE0 ? 2 : 1, k;
    unsigned cp = need == 4 ? s[0] & 0x07u : need == 3 ? s[0] & 0x0Fu : need == 2 ? s[0] & 0x1Fu : s[0];

    if (s[0] >= 0xF5 || (s[0] >= 0x80 && s[0] < 0xC2))
        need = 1;
    for (k = 1; k < need; k++) {
        if ((s[k] & 0xC0) != 0x80) {
            need = 1; /* not UTF-8: the lead byte alone */
            cp = s[0];
            break;
        }
        cp = (cp << 6) | (s[k] & 0x3Fu);
    }
    if ((need == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) || (need == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
        need = 1;
    if (need == 1 && s[0] >= 0x80) {
        snprintf(esc, 8, "\\x%02x", (unsigned)s[0]);
        *put = esc;
        *plen = 4;
        return 1;
    }
    if (!shown_escaped(cp)) {
        *put = (const char *)s;
        *plen = need;
        return need;
    }
    switch (cp) {
    case '\b': strcpy(esc, "\\b"); break;
    case '\t': strcpy(esc, "\\t"); break;
    case '\n': strcpy(esc, "\\n"); break;
    case '\f': strcpy(esc, "\\f"); break;
    case '\r': strcpy(esc, "\\r"); break;
    default: snprintf(esc, 8, "\\u%04x", (unsigned)(cp & 0xFFFFu)); break; /* the escaped are all below U+10000 */
    }
    *put = esc;
    *plen = strlen(esc);
    return need;
}

size_t ofd_escape_controls(char *dst, size_t size, const char *src)
{
    const unsigned char *s = (const unsigned char *)src;
    const char *put;
    char esc[8];
    size_t n = 0, plen, took;

    while (*s) {
        took = shown_unit(s, esc, &put, &plen);
        if (n + plen >= size)
            break;
        memcpy(dst + n, put, plen);
        n += plen;
        s += took;
    }
    dst[n] = '\0';
    return n;
}

void sb_append_escaped(struct strbuf *sb, const char *src)
{
    const unsigned char *s = (const unsigned char *)src;
    const char *put;
    char esc[8];
    size_t plen;

    while (*s) {
        s += shown_unit(s, esc, &put, &plen);
        sb_appendn(sb, put, plen);
    }
}
