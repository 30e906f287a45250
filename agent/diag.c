#include "diag.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"

void diags_add(struct diags *d, enum diag_sev sev, const char *rule, int line, int col, const char *ptr,
               const char *fmt, ...)
{
    struct diag *n, *x;
    struct strbuf shown = {0}, where = {0};
    char msg[1024];
    va_list ap;

    if (d->n == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 16;
        if (!(n = realloc(d->v, cap * sizeof(*n)))) {
            d->oom = 1;
            return;
        }
        d->v = n;
        d->cap = cap;
    }
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    ofd_utf8_trim(msg);
    /* What a diagnostic quotes of the input (a value, a key in the pointer) is shown
     * with its control characters escaped: the one place for every printed form. */
    sb_append_escaped(&shown, msg);
    sb_append_escaped(&where, ptr ? ptr : "");
    x = &d->v[d->n];
    memset(x, 0, sizeof(*x));
    x->sev = sev;
    snprintf(x->rule, sizeof(x->rule), "%s", rule ? rule : "");
    x->line = line;
    x->col = col;
    x->ptr = shown.oom || where.oom ? NULL : sb_take(&where);
    x->msg = shown.oom || where.oom ? NULL : sb_take(&shown);
    x->seq = d->n;
    sb_free(&shown);
    sb_free(&where);
    if (!x->ptr || !x->msg) {
        free(x->ptr);
        free(x->msg);
        d->oom = 1;
        return;
    }
    d->n++;
    if (sev == DIAG_ERROR)
        d->nerrors++;
    else if (sev == DIAG_WARNING)
        d->nwarnings++;
}

static int cmp(const void *a, const void *b)
{
    const struct diag *x = a, *y = b;

    if (x->line != y->line)
        return x->line < y->line ? -1 : 1;
    if (x->col != y->col)
        return x->col < y->col ? -1 : 1;
    return x->seq < y->seq ? -1 : (x->seq > y->seq);
}

void diags_sort(struct diags *d)
{
    if (d->n > 1)
        qsort(d->v, d->n, sizeof(d->v[0]), cmp);
}

static const char *sev_name(enum diag_sev s)
{
    return s == DIAG_ERROR ? "error" : s == DIAG_WARNING ? "warning" : "note";
}

void diags_format(const struct diags *d, size_t i, const char *file, char *buf, size_t len)
{
    const struct diag *x = &d->v[i];

    snprintf(buf, len, "%s:%d:%d: %s: [%s] %s%s%s", file, x->line, x->col, sev_name(x->sev), x->rule, x->ptr,
             x->ptr[0] ? ": " : "", x->msg);
}

void diags_print(const struct diags *d, const char *file, FILE *f)
{
    char buf[2048];
    size_t i;

    for (i = 0; i < d->n; i++) {
        diags_format(d, i, file, buf, sizeof(buf));
        fprintf(f, "%s\n", buf);
    }
}

void diags_free(struct diags *d)
{
    size_t i;

    for (i = 0; i < d->n; i++) {
        free(d->v[i].ptr);
        free(d->v[i].msg);
    }
    free(d->v);
    memset(d, 0, sizeof(*d));
}
