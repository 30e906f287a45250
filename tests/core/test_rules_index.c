/* The rules index holds: every rule R<n> the code cites (the product's sources and
 * their messages) is in the table of agent/rules.c; every file the table says enforces
 * a rule cites it; every row is cited in the code; and docs/federation-rules.md has a
 * section per row, headed "### R<n> ... (<scope>, <kind>)" as the table says.
 * Argument: the repository's root. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fsutil.h"
#include "rules.h"
#include "strbuf.h"

static const char *root;

/* The folders of the product's sources. */
static const char *const folders[] = {"agent", "certstore", "posix", "win", "wmi"};

static int is_word(int c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

/* Calls fn for each rule citation "R<n>" in text: a word of its own, not the "R2" of
 * "2007 R2" or "2008 R2" (product names). */
static void citations(const char *text, void (*fn)(void *ctx, const char *id), void *ctx)
{
    const char *p;

    for (p = text; (p = strchr(p, 'R')); p++) {
        char id[16];
        size_t k = 1;

        if ((p > text && is_word((unsigned char)p[-1])) || !(p[1] >= '0' && p[1] <= '9'))
            continue;
        while (k < 8 && p[k] >= '0' && p[k] <= '9')
            k++;
        if (is_word((unsigned char)p[k])
            || (p - text >= 5 && (!strncmp(p - 5, "2007 ", 5) || !strncmp(p - 5, "2008 ", 5))))
            continue;
        memcpy(id, p, k);
        id[k] = '\0';
        fn(ctx, id);
    }
}

static char *read_text(const char *rel)
{
    struct strbuf path = {0};
    char *text = NULL;
    size_t len = 0;
    ofd_err e;

    sb_printf(&path, "%s/%s", root, rel);
    if (ofd_read_file(sb_str(&path), 4u << 20, &text, &len, &e) != OFD_OK)
        fail_msg("%s", e.msg);
    sb_free(&path);
    return text;
}

struct seen {
    const char *file;
    int cited[64];
    int unknown;
};

static void note(void *ctx, const char *id)
{
    struct seen *s = ctx;
    const struct rules_info *r = rules_find(id);
    size_t n, i;
    const struct rules_info *all = rules_all(&n);

    if (!r) {
        print_error("%s cites %s, which is not in the rules table (agent/rules.c)\n", s->file, id);
        s->unknown++;
        return;
    }
    for (i = 0; i < n; i++)
        if (&all[i] == r)
            s->cited[i] = 1;
}

static void every_cited_rule_is_indexed_and_every_row_cited(void **state)
{
    struct seen all_code;
    size_t n, i, k, f;
    const struct rules_info *rows = rules_all(&n);
    ofd_err e;

    (void)state;
    memset(&all_code, 0, sizeof(all_code));
    assert_true(n <= 64);
    for (f = 0; f < sizeof(folders) / sizeof(folders[0]); f++) {
        struct strbuf dir = {0};
        char **names = NULL;
        size_t nn = 0;

        sb_printf(&dir, "%s/%s", root, folders[f]);
        assert_int_equal(ofd_list_dir(sb_str(&dir), 1000, &names, &nn, &e), OFD_OK);
        for (k = 0; k < nn; k++) {
            size_t len = strlen(names[k]);
            struct strbuf rel = {0};
            char *text;

            if (len < 3 || (strcmp(names[k] + len - 2, ".c") && strcmp(names[k] + len - 2, ".h"))
                || !strcmp(names[k], "rules.c"))
                continue;
            sb_printf(&rel, "%s/%s", folders[f], names[k]);
            all_code.file = sb_str(&rel);
            text = read_text(sb_str(&rel));
            citations(text, note, &all_code);
            free(text);
            sb_free(&rel);
        }
        ofd_names_free(names, nn);
        sb_free(&dir);
    }
    assert_int_equal(all_code.unknown, 0);
    for (i = 0; i < n; i++)
        if (!all_code.cited[i])
            fail_msg("rule %s is in the table but cited nowhere in the code", rows[i].id);
}

static void each_enforcing_file_cites_its_rule(void **state)
{
    size_t n, i;
    const struct rules_info *rows = rules_all(&n);

    (void)state;
    for (i = 0; i < n; i++) {
        char *files = ofd_strdup(rows[i].enforced), *tok, *sp;

        assert_non_null(files);
        for (tok = files; tok && *tok; tok = sp ? sp + 1 : NULL) {
            struct seen s;
            char *text;

            if ((sp = strchr(tok, ' ')))
                *sp = '\0';
            text = read_text(tok);
            memset(&s, 0, sizeof(s));
            s.file = tok;
            citations(text, note, &s);
            free(text);
            if (!s.cited[i])
                fail_msg("the table says %s enforces %s, but it does not cite it", tok, rows[i].id);
        }
        free(files);
    }
}

static void the_docs_have_a_section_per_rule(void **state)
{
    char *doc = read_text("docs/federation-rules.md");
    size_t n, i;
    const struct rules_info *rows = rules_all(&n);

    (void)state;
    for (i = 0; i < n; i++) {
        struct strbuf head = {0}, tail = {0};
        const char *at, *eol;

        sb_printf(&head, "\n### %s ", rows[i].id);
        sb_printf(&tail, "(%s, %s)", rows[i].scope, rules_kind_text(rows[i].kind));
        if (!(at = strstr(doc, sb_str(&head))))
            fail_msg("docs/federation-rules.md has no section '### %s ...'", rows[i].id);
        eol = strchr(at + 1, '\n');
        if (!eol || !strstr(at, sb_str(&tail)) || strstr(at, sb_str(&tail)) > eol)
            fail_msg("docs/federation-rules.md: the heading of %s does not end '%s'", rows[i].id, sb_str(&tail));
        sb_free(&head);
        sb_free(&tail);
    }
    free(doc);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_cited_rule_is_indexed_and_every_row_cited),
        cmocka_unit_test(each_enforcing_file_cites_its_rule),
        cmocka_unit_test(the_docs_have_a_section_per_rule),
    };

    if (argc != 2) {
        fprintf(stderr, "usage: test_rules_index REPOSITORY_ROOT\n");
        return 2;
    }
    root = argv[1];
    return cmocka_run_group_tests(tests, NULL, NULL);
}
