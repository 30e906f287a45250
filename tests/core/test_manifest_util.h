/* Shared by the manifest tests: build a manifest from a base text with substitutions
 * and collect its diagnostics as text. */
#ifndef OCSFED_TEST_MANIFEST_UTIL_H
#define OCSFED_TEST_MANIFEST_UTIL_H

#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "manifest.h"
#include "strbuf.h"

/* base with each pairs[i] replaced by pairs[i+1] (first occurrence; aborts if absent);
 * pairs ends with NULL. Malloc'ed. */
static inline char *subst(const char *base, const char *const *pairs)
{
    char *s = ofd_strdup(base);
    size_t i;

    for (i = 0; s && pairs[i]; i += 2) {
        char *at = strstr(s, pairs[i]);
        struct strbuf sb = {0};
        if (!at)
            abort();
        sb_appendn(&sb, s, (size_t)(at - s));
        sb_append(&sb, pairs[i + 1]);
        sb_append(&sb, at + strlen(pairs[i]));
        free(s);
        s = sb_take(&sb);
    }
    return s;
}

/* text with every file it names pinned as the files are now (ocsfed pin), for tests
 * whose manifests name files by bare path. Malloc'ed; aborts when a file cannot be read. */
static inline char *pinned(const char *text)
{
    struct diags d = {0};
    char *out = NULL;
    size_t len = 0, changed = 0;
    ofd_err e;

    if (manifest_pin(text, strlen(text), ".", &out, &len, &changed, &d, &e) != OFD_OK)
        abort();
    diags_free(&d);
    return out;
}

/* Parses text (files not read unless with_files) and returns its diagnostics of
 * severity <= max_sev, one per line, "m.json:L:C: ..." (malloc'ed). *m_out gets the
 * manifest when valid (or is freed when m_out is NULL). */
static inline char *diag_text(const char *text, enum diag_sev max_sev, int with_files, struct manifest **m_out)
{
    struct manifest *m = NULL;
    struct diags d = {0};
    struct strbuf sb = {0};
    char line[2048];
    ofd_err e;
    size_t i;

    manifest_parse(text, strlen(text), ".", NULL, with_files ? 0 : MANIFEST_NO_FILES, &m, &d, &e);
    for (i = 0; i < d.n; i++) {
        if (d.v[i].sev > max_sev)
            continue;
        diags_format(&d, i, "m.json", line, sizeof(line));
        sb_printf(&sb, "%s\n", line);
    }
    diags_free(&d);
    if (m_out)
        *m_out = m;
    else
        manifest_free(m);
    return sb_take(&sb);
}

#endif
