#include "jsonpos.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strmap.h"

struct jp_entry {
    char *ptr;
    int line, col;
    int kline, kcol;   /* the member name, for object members; else the value */
    size_t start, end; /* the value's bytes in the text: [start, end) */
};

struct jsonpos {
    struct jp_entry *v;
    size_t n, cap;
    struct strmap index; /* pointer -> entry, case-sensitive */
};

struct scan {
    const char *s;
    size_t i, n;
    int line, col;
    int depth;
    struct strbuf path;
    struct jsonpos *pos;
    struct diags *d;
    const struct jsonpos_advice *adv; /* never NULL */
    int in_token;                     /* inside a string, number or literal */
    int failed;                       /* syntax error reported */
    int oom;
};

static struct jp_entry *find(const struct jsonpos *p, const char *ptr)
{
    size_t e = strmap_get(&p->index, ptr);

    return e ? &p->v[e - 1] : NULL;
}

/* Adds ptr at line:col. Returns the earlier entry when ptr is already there (a
 * duplicate key), NULL otherwise; sets sc->oom on failure. */
static const struct jp_entry *record(struct scan *sc, int line, int col)
{
    struct jsonpos *p = sc->pos;
    const char *ptr = sb_str(&sc->path);
    struct jp_entry *old = find(p, ptr);

    if (old)
        return old;
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 64;
        /* The index keeps the pointer strings, which do not move with the entries. */
        struct jp_entry *nv = realloc(p->v, cap * sizeof(*nv));
        if (!nv) {
            sc->oom = 1;
            return NULL;
        }
        p->v = nv;
        p->cap = cap;
    }
    if (!(p->v[p->n].ptr = ofd_strdup(ptr))) {
        sc->oom = 1;
        return NULL;
    }
    p->v[p->n].line = p->v[p->n].kline = line;
    p->v[p->n].col = p->v[p->n].kcol = col;
    p->v[p->n].start = p->v[p->n].end = sc->i;
    if (strmap_put(&p->index, p->v[p->n].ptr, p->n) < 0) {
        free(p->v[p->n].ptr);
        sc->oom = 1;
        return NULL;
    }
    p->n++;
    return NULL;
}

static int peek(const struct scan *sc)
{
    return sc->i < sc->n ? (unsigned char)sc->s[sc->i] : -1;
}

static void adv(struct scan *sc)
{
    unsigned char c = (unsigned char)sc->s[sc->i++];

    if (c == '\n') {
        sc->line++;
        sc->col = 1;
    } else if ((c & 0xC0) != 0x80) {
        sc->col++;
    }
}

/* The first syntax error, at line:col. */
static void fail_at(struct scan *sc, int line, int col, const char *fmt, ...) OFD_PRINTF(4, 5);

static void fail_at(struct scan *sc, int line, int col, const char *fmt, ...)
{
    char msg[900];
    va_list ap;

    if (sc->failed)
        return;
    sc->failed = 1;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    diags_add(sc->d, DIAG_ERROR, "syntax", line, col, "", "%s", msg);
}

static void fail(struct scan *sc, const char *what)
{
    int c = peek(sc), c2 = sc->i + 1 < sc->n ? (unsigned char)sc->s[sc->i + 1] : -1;

    if (sc->failed)
        return;
    /* Where JSON wants a token, '//', '/ *' or '#' can only be a comment meant: say so
     * (the editors people use accept them in other files). */
    if (!sc->in_token && ((c == '/' && (c2 == '/' || c2 == '*')) || c == '#')) {
        fail_at(sc, sc->line, sc->col, "unexpected '%s': JSON has no comments; remove it%s",
                c == '#'    ? "#"
                : c2 == '/' ? "//"
                            : "/*",
                sc->adv->comments ? sc->adv->comments : "");
        return;
    }
    sc->failed = 1;
    if (c < 0)
        diags_add(sc->d, DIAG_ERROR, "syntax", sc->line, sc->col, "", "unexpected end of input, expected %s", what);
    else if (c >= 0x20 && c < 0x7f)
        diags_add(sc->d, DIAG_ERROR, "syntax", sc->line, sc->col, "", "unexpected '%c', expected %s", c, what);
    else
        diags_add(sc->d, DIAG_ERROR, "syntax", sc->line, sc->col, "", "unexpected byte 0x%02X, expected %s",
                  (unsigned)c, what);
}

static void ws(struct scan *sc)
{
    int c;

    while ((c = peek(sc)) == ' ' || c == '\t' || c == '\n' || c == '\r')
        adv(sc);
}

static int hexv(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static int hex4(struct scan *sc, unsigned *out)
{
    unsigned v = 0;
    int k, h;

    for (k = 0; k < 4; k++) {
        if ((h = hexv(peek(sc))) < 0) {
            fail(sc, "four hexadecimal digits after \\u");
            return -1;
        }
        v = v * 16 + (unsigned)h;
        adv(sc);
    }
    *out = v;
    return 0;
}

static void put_utf8(struct strbuf *sb, unsigned cp)
{
    char b[4];

    if (!sb)
        return;
    if (cp < 0x80) {
        b[0] = (char)cp;
        sb_appendn(sb, b, 1);
    } else if (cp < 0x800) {
        b[0] = (char)(0xC0 | (cp >> 6));
        b[1] = (char)(0x80 | (cp & 0x3F));
        sb_appendn(sb, b, 2);
    } else if (cp < 0x10000) {
        b[0] = (char)(0xE0 | (cp >> 12));
        b[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        b[2] = (char)(0x80 | (cp & 0x3F));
        sb_appendn(sb, b, 3);
    } else {
        b[0] = (char)(0xF0 | (cp >> 18));
        b[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        b[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        b[3] = (char)(0x80 | (cp & 0x3F));
        sb_appendn(sb, b, 4);
    }
}

/* One UTF-8 sequence starting at sc->i (first byte >= 0x80); copied into out. */
static int utf8_seq(struct scan *sc, struct strbuf *out)
{
    const unsigned char *u = (const unsigned char *)sc->s + sc->i;
    size_t left = sc->n - sc->i, need, k;
    unsigned cp, min;

    if (u[0] >= 0xC2 && u[0] <= 0xDF) {
        need = 2;
        cp = u[0] & 0x1F;
        min = 0x80;
    } else if (u[0] >= 0xE0 && u[0] <= 0xEF) {
        need = 3;
        cp = u[0] & 0x0F;
        min = 0x800;
    } else if (u[0] >= 0xF0 && u[0] <= 0xF4) {
        need = 4;
        cp = u[0] & 0x07;
        min = 0x10000;
    } else {
        fail(sc, "valid UTF-8");
        return -1;
    }
    if (left < need) {
        fail(sc, "valid UTF-8");
        return -1;
    }
    for (k = 1; k < need; k++) {
        if ((u[k] & 0xC0) != 0x80) {
            fail(sc, "valid UTF-8");
            return -1;
        }
        cp = (cp << 6) | (u[k] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
        fail(sc, "valid UTF-8");
        return -1;
    }
    if (out)
        sb_appendn(out, sc->s + sc->i, need);
    for (k = 0; k < need; k++)
        adv(sc);
    return 0;
}

/* The text of the string whose quote is at s[start], as written (escapes undecoded), to
 * its closing quote on the same line: malloc'ed, or NULL when there is none within
 * JSONPOS_QUOTE_MAX bytes (too long to quote in a message). */
#define JSONPOS_QUOTE_MAX 200

static char *raw_string(const struct scan *sc, size_t start)
{
    size_t i;

    for (i = start + 1; i < sc->n && i - start <= JSONPOS_QUOTE_MAX; i++) {
        unsigned char c = (unsigned char)sc->s[i];
        if (c == '"')
            return ofd_strndup(sc->s + start + 1, i - start - 1);
        if (c < 0x20)
            return NULL;
        if (c == '\\')
            i++;
    }
    return NULL;
}

/* Whether raw (a string as written) looks like a file path: two backslashes or more, a
 * '/', a drive ("C:"), or a file extension after its last backslash. */
static int looks_like_path(const char *raw)
{
    const char *dot = strrchr(raw, '.'), *bs = strrchr(raw, '\\'), *q;
    size_t nbs = 0;

    for (q = raw; *q; q++)
        nbs += *q == '\\';
    if (nbs >= 2 || strchr(raw, '/') || (isalpha((unsigned char)raw[0]) && raw[1] == ':'))
        return 1;
    if (!dot || (bs && dot < bs) || !dot[1] || strlen(dot + 1) > 5)
        return 0;
    for (q = dot + 1; *q; q++)
        if (!isalnum((unsigned char)*q))
            return 0;
    return 1;
}

/* raw with each path separator written as sep: a single backslash (the mistake), an
 * escaped one, or an escaped slash. */
static void path_with(struct strbuf *sb, const char *raw, const char *sep)
{
    for (; *raw; raw++) {
        if (*raw != '\\') {
            sb_appendc(sb, *raw);
        } else if (raw[1] == '\\' || raw[1] == '/') {
            sb_append(sb, raw[1] == '/' ? "/" : sep);
            raw++;
        } else if (raw[1] == '"') {
            sb_append(sb, "\\\"");
            raw++;
        } else {
            sb_append(sb, sep);
        }
    }
}

/* A backslash at bline:bcol that starts no JSON escape, in the string whose quote is at
 * s[start]. The usual cause is a Windows path ("certs\imp-root-ca.pem"): say how to
 * write it; a C-style \xHH: say how JSON writes that character. */
static void bad_escape(struct scan *sc, size_t start, int bline, int bcol)
{
    int c = peek(sc);
    char *raw;
    struct strbuf slash = {0}, twice = {0};

    if (c < 0x21 || c > 0x7e) {
        fail(sc, "an escape: \\\" \\\\ \\/ \\b \\f \\n \\r \\t or \\uXXXX");
        return;
    }
    raw = raw_string(sc, start);
    if (raw && looks_like_path(raw)) {
        path_with(&slash, raw, "/");
        path_with(&twice, raw, "\\\\");
        if (slash.oom || twice.oom)
            sc->oom = 1;
        else
            fail_at(sc, bline, bcol,
                    "'\\%c' is not a JSON escape (a single backslash starts one): write the path with '/' (\"%s\") or "
                    "double each backslash (\"%s\")",
                    c, sb_str(&slash), sb_str(&twice));
    } else if (c == 'x' && sc->i + 2 < sc->n && isxdigit((unsigned char)sc->s[sc->i + 1])
               && isxdigit((unsigned char)sc->s[sc->i + 2])) {
        fail_at(sc, bline, bcol,
                "'\\x' is not a JSON escape: write \\u00%c%c for that character (\\u and four hexadecimal digits), "
                "\\\\ for a backslash",
                sc->s[sc->i + 1], sc->s[sc->i + 2]);
    } else {
        fail_at(sc, bline, bcol,
                "'\\%c' is not a JSON escape (\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX): write \\\\ for a "
                "backslash",
                c);
    }
    free(raw);
    sb_free(&slash);
    sb_free(&twice);
}

/* A string at sc->i ('"'); its decoded text goes to out when out is not NULL. */
static int string_in(struct scan *sc, struct strbuf *out)
{
    int line = sc->line, col = sc->col, c, bline, bcol;
    size_t quote = sc->i;

    adv(sc); /* the quote */
    for (;;) {
        c = peek(sc);
        if (c < 0) {
            fail(sc, "'\"' to close the string");
            return -1;
        }
        if (c == '"') {
            adv(sc);
            return 0;
        }
        if (c < 0x20) {
            fail(sc, "no control characters in a string (use \\n, \\t, ...)");
            return -1;
        }
        if (c >= 0x80) {
            if (utf8_seq(sc, out) != 0)
                return -1;
            continue;
        }
        if (c != '\\') {
            /* a run of plain ASCII: one column each, no newline possible */
            size_t start = sc->i;
            while (sc->i < sc->n && (unsigned char)sc->s[sc->i] >= 0x20 && (unsigned char)sc->s[sc->i] < 0x80
                   && sc->s[sc->i] != '"' && sc->s[sc->i] != '\\')
                sc->i++;
            sc->col += (int)(sc->i - start);
            if (out)
                sb_appendn(out, sc->s + start, sc->i - start);
            continue;
        }
        bline = sc->line;
        bcol = sc->col;
        adv(sc);
        c = peek(sc);
        switch (c) {
        case '"':
        case '\\':
        case '/':
            if (out)
                sb_appendc(out, (char)c);
            adv(sc);
            break;
        case 'b':
        case 'f':
        case 'n':
        case 'r':
        case 't':
            if (out)
                sb_appendc(out, c == 'b' ? '\b' : c == 'f' ? '\f' : c == 'n' ? '\n' : c == 'r' ? '\r' : '\t');
            adv(sc);
            break;
        case 'u': {
            unsigned cp, lo;
            adv(sc);
            if (hex4(sc, &cp) != 0)
                return -1;
            if (cp >= 0xDC00 && cp <= 0xDFFF) {
                fail(sc, "a high surrogate before a low one (\\uD800-\\uDBFF)");
                return -1;
            }
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                if (peek(sc) != '\\') {
                    fail(sc, "a low surrogate escape (\\uDC00-\\uDFFF) after a high one");
                    return -1;
                }
                adv(sc);
                if (peek(sc) != 'u') {
                    fail(sc, "a low surrogate escape (\\uDC00-\\uDFFF) after a high one");
                    return -1;
                }
                adv(sc);
                if (hex4(sc, &lo) != 0)
                    return -1;
                if (lo < 0xDC00 || lo > 0xDFFF) {
                    fail(sc, "a low surrogate escape (\\uDC00-\\uDFFF) after a high one");
                    return -1;
                }
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            }
            if (cp == 0)
                diags_add(sc->d, DIAG_ERROR, "schema", line, col, sb_str(&sc->path),
                          "NUL character (\\u0000) is not allowed in a string");
            put_utf8(out, cp);
            break;
        }
        default: bad_escape(sc, quote, bline, bcol); return -1;
        }
    }
}

static int number_in(struct scan *sc)
{
    int c;

    if (peek(sc) == '-')
        adv(sc);
    c = peek(sc);
    if (c == '0') {
        adv(sc);
    } else if (c >= '1' && c <= '9') {
        while ((c = peek(sc)) >= '0' && c <= '9')
            adv(sc);
    } else {
        fail(sc, "a digit");
        return -1;
    }
    if (peek(sc) == '.') {
        adv(sc);
        if (!((c = peek(sc)) >= '0' && c <= '9')) {
            fail(sc, "a digit after '.'");
            return -1;
        }
        while ((c = peek(sc)) >= '0' && c <= '9')
            adv(sc);
    }
    if ((c = peek(sc)) == 'e' || c == 'E') {
        adv(sc);
        if ((c = peek(sc)) == '+' || c == '-')
            adv(sc);
        if (!((c = peek(sc)) >= '0' && c <= '9')) {
            fail(sc, "a digit in the exponent");
            return -1;
        }
        while ((c = peek(sc)) >= '0' && c <= '9')
            adv(sc);
    }
    return 0;
}

static int literal_in(struct scan *sc, const char *word)
{
    size_t k, n = strlen(word);

    for (k = 0; k < n; k++) {
        if (peek(sc) != word[k]) {
            fail(sc, "a value (object, array, string, number, true, false or null)");
            return -1;
        }
        adv(sc);
    }
    return 0;
}

/* A token: an error inside one is about the token, not a comment between tokens. */
static int string(struct scan *sc, struct strbuf *out)
{
    int rc;

    sc->in_token = 1;
    rc = string_in(sc, out);
    sc->in_token = 0;
    return rc;
}

static int number(struct scan *sc)
{
    int rc;

    sc->in_token = 1;
    rc = number_in(sc);
    sc->in_token = 0;
    return rc;
}

static int literal(struct scan *sc, const char *word)
{
    int rc;

    sc->in_token = 1;
    rc = literal_in(sc, word);
    sc->in_token = 0;
    return rc;
}

static int value(struct scan *sc);

static int object(struct scan *sc)
{
    struct strbuf key = {0};
    size_t base = sc->path.len, me;
    int rc = -1, kline, kcol;

    adv(sc); /* { */
    ws(sc);
    if (peek(sc) == '}') {
        adv(sc);
        return 0;
    }
    for (;;) {
        const struct jp_entry *dup;
        if (peek(sc) != '"') {
            fail(sc, "'\"' to start a member name");
            goto out;
        }
        kline = sc->line;
        kcol = sc->col;
        sb_truncate(&key, 0);
        sb_appendc(&key, '\0');
        sb_truncate(&key, 0);
        if (string(sc, &key) != 0)
            goto out;
        ws(sc);
        if (peek(sc) != ':') {
            fail(sc, "':' after the member name");
            goto out;
        }
        adv(sc);
        ws(sc);
        jsonpos_push(&sc->path, sb_str(&key));
        if (sc->path.oom || key.oom) {
            sc->oom = 1;
            goto out;
        }
        dup = record(sc, sc->line, sc->col);
        if (sc->oom)
            goto out;
        me = sc->pos->n - 1;
        if (dup) {
            diags_add(sc->d, DIAG_ERROR, "syntax", kline, kcol, sb_str(&sc->path),
                      "duplicate key '%s' (first at %d:%d)", sb_str(&key), dup->kline, dup->kcol);
        } else {
            sc->pos->v[me].kline = kline;
            sc->pos->v[me].kcol = kcol;
        }
        if (value(sc) != 0)
            goto out;
        if (!dup)
            sc->pos->v[me].end = sc->i;
        sb_truncate(&sc->path, base);
        ws(sc);
        if (peek(sc) == ',') {
            adv(sc);
            ws(sc);
            if (peek(sc) == '}') {
                fail(sc, "another member after ',' (no trailing commas in JSON)");
                goto out;
            }
            continue;
        }
        if (peek(sc) == '}') {
            adv(sc);
            break;
        }
        fail(sc, "',' or '}' after an object member");
        goto out;
    }
    rc = 0;
out:
    sb_free(&key);
    return rc;
}

static int array(struct scan *sc)
{
    size_t base = sc->path.len, idx = 0, me;

    adv(sc); /* [ */
    ws(sc);
    if (peek(sc) == ']') {
        adv(sc);
        return 0;
    }
    for (;;) {
        jsonpos_push_index(&sc->path, idx++);
        if (sc->path.oom) {
            sc->oom = 1;
            return -1;
        }
        record(sc, sc->line, sc->col);
        me = sc->pos->n - 1;
        if (sc->oom || value(sc) != 0)
            return -1;
        sc->pos->v[me].end = sc->i;
        sb_truncate(&sc->path, base);
        ws(sc);
        if (peek(sc) == ',') {
            adv(sc);
            ws(sc);
            if (peek(sc) == ']') {
                fail(sc, "another element after ',' (no trailing commas in JSON)");
                return -1;
            }
            continue;
        }
        if (peek(sc) == ']') {
            adv(sc);
            return 0;
        }
        fail(sc, "',' or ']' after an array element");
        return -1;
    }
}

static int value(struct scan *sc)
{
    int c = peek(sc), rc;

    switch (c) {
    case '{':
    case '[':
        if (sc->depth >= JSONPOS_MAX_DEPTH) {
            if (!sc->failed)
                diags_add(sc->d, DIAG_ERROR, "syntax", sc->line, sc->col, "", "nesting deeper than %d levels",
                          JSONPOS_MAX_DEPTH);
            sc->failed = 1;
            return -1;
        }
        sc->depth++;
        rc = c == '{' ? object(sc) : array(sc);
        sc->depth--;
        return rc;
    case '"': return string(sc, NULL);
    case 't': return literal(sc, "true");
    case 'f': return literal(sc, "false");
    case 'n': return literal(sc, "null");
    default:
        if (c == '-' || (c >= '0' && c <= '9'))
            return number(sc);
        fail(sc, "a value (object, array, string, number, true, false or null)");
        return -1;
    }
}

int jsonpos_utf16(const char *text, size_t len, char *buf, size_t n)
{
    const unsigned char *u = (const unsigned char *)text;
    const char *what = NULL;

    if (len >= 2 && u[0] == 0xFF && u[1] == 0xFE)
        what = "little-endian, byte order mark FF FE";
    else if (len >= 2 && u[0] == 0xFE && u[1] == 0xFF)
        what = "big-endian, byte order mark FE FF";
    /* No mark: JSON starts with ASCII, which UTF-16 writes as a byte and a 0. */
    else if (len >= 4 && u[0] && !u[1] && u[2] && !u[3])
        what = "little-endian without a byte order mark: every second byte is 0";
    else if (len >= 4 && !u[0] && u[1] && !u[2] && u[3])
        what = "big-endian without a byte order mark: every second byte is 0";
    if (!what)
        return 0;
    snprintf(buf, n,
             "the file is UTF-16 (%s), not UTF-8: save it as UTF-8 (Notepad: File > Save As, Encoding UTF-8; "
             "PowerShell: Set-Content -Encoding UTF8 or Out-File -Encoding utf8, not '>')",
             what);
    return 1;
}

size_t jsonpos_skip_bom(const char *text, size_t len)
{
    return (len >= 3 && (unsigned char)text[0] == 0xEF && (unsigned char)text[1] == 0xBB
            && (unsigned char)text[2] == 0xBF)
               ? 3
               : 0;
}

enum ofd_code jsonpos_scan(const char *text, size_t len, struct jsonpos **out, struct diags *d, ofd_err *e)
{
    return jsonpos_scan_ex(text, len, NULL, out, d, e);
}

enum ofd_code jsonpos_scan_ex(const char *text, size_t len, const struct jsonpos_advice *adv, struct jsonpos **out,
                              struct diags *d, ofd_err *e)
{
    static const struct jsonpos_advice none = {0};
    struct scan sc;
    enum ofd_code rc = OFD_E_INVALID;
    char utf16[512];

    memset(&sc, 0, sizeof(sc));
    sc.s = text;
    sc.n = len;
    sc.i = jsonpos_skip_bom(text, len);
    sc.line = sc.col = 1;
    sc.d = d;
    sc.adv = adv ? adv : &none;
    if (!(sc.pos = calloc(1, sizeof(*sc.pos))) || strmap_init(&sc.pos->index, 64, 0) != 0) {
        rc = ofd_err_nomem(e);
        goto out;
    }
    sb_append(&sc.path, "");
    /* Not converted: a signature covers the bytes as they are. */
    if (jsonpos_utf16(text, len, utf16, sizeof(utf16)))
        fail_at(&sc, 1, 1, "%s", utf16);
    ws(&sc);
    record(&sc, sc.line, sc.col);
    if (!sc.failed && !sc.oom && value(&sc) == 0) {
        sc.pos->v[0].end = sc.i;
        ws(&sc);
        if (sc.i < sc.n)
            fail(&sc, "the end of the document after the top-level value");
    }
    if (sc.oom || d->oom) {
        rc = ofd_err_nomem(e);
        goto out;
    }
    if (sc.failed) {
        ofd_err_set(e, OFD_E_INVALID, "not well-formed JSON");
        goto out;
    }
    *out = sc.pos;
    sc.pos = NULL;
    rc = OFD_OK;
out:
    jsonpos_free(sc.pos);
    sb_free(&sc.path);
    return rc;
}

int jsonpos_find(const struct jsonpos *p, const char *ptr, int *line, int *col)
{
    const struct jp_entry *x = p ? find(p, ptr) : NULL;

    if (!x)
        return 0;
    *line = x->line;
    *col = x->col;
    return 1;
}

int jsonpos_find_key(const struct jsonpos *p, const char *ptr, int *line, int *col)
{
    const struct jp_entry *x = p ? find(p, ptr) : NULL;

    if (!x)
        return 0;
    *line = x->kline;
    *col = x->kcol;
    return 1;
}

int jsonpos_span(const struct jsonpos *p, const char *ptr, size_t *start, size_t *end)
{
    const struct jp_entry *x = p ? find(p, ptr) : NULL;

    if (!x)
        return 0;
    *start = x->start;
    *end = x->end;
    return 1;
}

size_t jsonpos_count(const struct jsonpos *p)
{
    return p ? p->n : 0;
}

void jsonpos_free(struct jsonpos *p)
{
    size_t i;

    if (!p)
        return;
    for (i = 0; i < p->n; i++)
        free(p->v[i].ptr);
    free(p->v);
    strmap_free(&p->index);
    free(p);
}

void jsonpos_push(struct strbuf *sb, const char *key)
{
    sb_appendc(sb, '/');
    for (; *key; key++) {
        if (*key == '~')
            sb_append(sb, "~0");
        else if (*key == '/')
            sb_append(sb, "~1");
        else
            sb_appendc(sb, *key);
    }
}

void jsonpos_push_index(struct strbuf *sb, size_t i)
{
    sb_printf(sb, "/%zu", i);
}
