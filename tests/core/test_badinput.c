/* The bad-input catalogue: every case of tests/core/badinput/cases.txt runs its
 * command (validate, plan or apply) through cli_main and must exit as listed and print
 * the listed text; a case run against a simulated node runs on a copy of it that must be
 * byte for byte unchanged afterwards (a refused input never reaches the node).
 * Inputs named "@name" are made at run time into badinput-work/ (in the current
 * directory, the test's build directory): the ones too big to keep in the repository.
 * argv[1]: tests/core/badinput. OCSFED_BADINPUT_SKIP_BIG=1 skips the cases that write
 * tens of megabytes (scripts/memcheck.sh sets it: under Valgrind they only cost time). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cli.h"
#include "fsutil.h"
#include "manifest.h"
#include "simnode.h"
#include "strbuf.h"

#define WORK "badinput-work"
#define NODE_COPY WORK "/node-copy.json"
#define MIB (1024u * 1024u)
#define NOW "1796000000" /* apply --now: a fixed time, so no case depends on the clock */

static const char *data = "badinput";

struct bcase {
    int line;       /* in cases.txt */
    char *cmd;      /* validate, plan, apply */
    char *manifest; /* a file of the data folder, or @generator */
    char *node;     /* a file of the data folder, @generator, or NULL (validate) */
    int exit;
    char *expect; /* alternatives separated by " || "; {M} {N} {D} expanded */
    char name[200];
};

/* ---- generated inputs ---- */

/* Writes n bytes c to f. */
static int fill(FILE *f, int c, size_t n)
{
    static char buf[65536];
    size_t k;

    memset(buf, c, sizeof(buf));
    for (; n; n -= k) {
        k = n < sizeof(buf) ? n : sizeof(buf);
        if (fwrite(buf, 1, k, f) != k)
            return -1;
    }
    return 0;
}

/* Writes data/file with the text after anchor's first occurrence replaced by
 * pre + n times c + post + the rest (anchor kept). */
static int insert_after(FILE *f, const char *file, const char *anchor, const char *pre, int c, size_t n,
                        const char *post)
{
    char path[1024], *text = NULL, *at;
    size_t len;
    ofd_err e;
    int rc = -1;

    snprintf(path, sizeof(path), "%s/%s", data, file);
    if (ofd_read_file(path, MIB, &text, &len, &e) != OFD_OK || !(at = strstr(text, anchor)))
        goto out;
    at += strlen(anchor);
    if (fwrite(text, 1, (size_t)(at - text), f) != (size_t)(at - text) || fputs(pre, f) < 0 || fill(f, c, n) != 0
        || fputs(post, f) < 0 || fputs(at, f) < 0)
        goto out;
    rc = 0;
out:
    free(text);
    return rc;
}

/* data/file followed by spaces up to total bytes. */
static int pad_to(FILE *f, const char *file, size_t total)
{
    char path[1024], *text = NULL;
    size_t len;
    ofd_err e;
    int rc = -1;

    snprintf(path, sizeof(path), "%s/%s", data, file);
    if (ofd_read_file(path, MIB, &text, &len, &e) == OFD_OK && len <= total && fwrite(text, 1, len, f) == len
        && fill(f, ' ', total - len) == 0)
        rc = 0;
    free(text);
    return rc;
}

static int nest(FILE *f, const char *pre, const char *open, const char *mid, const char *close, size_t depth,
                const char *post)
{
    size_t i;

    if (fputs(pre, f) < 0)
        return -1;
    for (i = 0; i < depth; i++)
        if (fputs(open, f) < 0)
            return -1;
    if (fputs(mid, f) < 0)
        return -1;
    for (i = 0; close && i < depth; i++)
        if (fputs(close, f) < 0)
            return -1;
    return fputs(post, f) < 0 ? -1 : 0;
}

/* A list of n generated FQDNs (label prefix, a number, ".example.com") in place of the
 * text after anchor up to the next ']'. */
static int many(FILE *f, const char *file, const char *anchor, const char *prefix, size_t n)
{
    char path[1024], *text = NULL, *at, *end;
    size_t len, i;
    ofd_err e;
    int rc = -1;

    snprintf(path, sizeof(path), "%s/%s", data, file);
    if (ofd_read_file(path, MIB, &text, &len, &e) != OFD_OK || !(at = strstr(text, anchor)) || !(end = strchr(at, ']')))
        goto out;
    at += strlen(anchor);
    if (fwrite(text, 1, (size_t)(at - text), f) != (size_t)(at - text))
        goto out;
    for (i = 0; i < n; i++)
        if (fprintf(f, "%s\"%s%zu.example.com\"", i ? ", " : "", prefix, i) < 0)
            goto out;
    if (fputs(end, f) < 0)
        goto out;
    rc = 0;
out:
    free(text);
    return rc;
}

static int g_manifest_100mb(FILE *f)
{
    return insert_after(f, "ok-tcp.json", "\"serial\": 1,", " \"description\": \"", 'x', 100 * MIB, "\",");
}

static int g_manifest_max_plus_1(FILE *f)
{
    return pad_to(f, "ok-tcp.json", MANIFEST_MAX_BYTES + 1);
}

static int g_manifest_max(FILE *f)
{
    return pad_to(f, "ok-tcp.json", MANIFEST_MAX_BYTES);
}

static int g_deep_arrays(FILE *f)
{
    return nest(f, "{ \"description\": ", "[", "", "]", 10000, " }\n");
}

static int g_deep_objects(FILE *f)
{
    return nest(f, "{ \"description\": ", "{\"a\": ", "1", "}", 10000, " }\n");
}

static int g_deep_unclosed(FILE *f)
{
    return nest(f, "", "[", "", NULL, 10000, "");
}

/* The deepest document accepted: the root object and 63 arrays. */
static int g_deep_64(FILE *f)
{
    return nest(f, "{ \"description\": ", "[", "", "]", 63, " }\n");
}

/* One level more: refused. */
static int g_deep_65(FILE *f)
{
    return nest(f, "{ \"description\": ", "[", "", "]", 64, " }\n");
}

static int g_string_3mb(FILE *f)
{
    return insert_after(f, "ok-tcp.json", "\"serial\": 1,", " \"description\": \"", 'x', 3 * MIB, "\",");
}

static int g_string_max(FILE *f)
{
    return insert_after(f, "ok-tcp.json", "\"serial\": 1,", " \"description\": \"", 'x', MANIFEST_MAX_STRING, "\",");
}

static int g_key_3mb(FILE *f)
{
    return insert_after(f, "ok-tcp.json", "\"serial\": 1,", " \"", 'k', 3 * MIB, "\": 1,");
}

static int g_fqdn_3mb(FILE *f)
{
    return insert_after(f, "ok-tcp.json", "\"servers\": [", "\"", 'a', 3 * MIB, ".example.com\", ");
}

/* A pin of the right form that no file has: the cases fail before it is compared. */
#define ZERO_PIN "0000000000000000000000000000000000000000000000000000000000000000"

static int g_path_3mb(FILE *f)
{
    return insert_after(f, "ok-tls.json", "\"trusted_roots\": [", "{\"file\": \"certs/", 'p', 3 * MIB,
                        ".pem\", \"sha256\": \"" ZERO_PIN "\"}, ");
}

/* A manifest naming a root certificate one byte over the certificate file limit. */
static int g_cert_file_big(FILE *f)
{
    FILE *pem = fopen(WORK "/big-cert.pem", "wb");

    if (!pem || fill(pem, 'A', 1024u * 1024u + 1) != 0 || fclose(pem) != 0)
        return -1;
    return insert_after(f, "ok-tls.json", "\"trusted_roots\": [",
                        "{\"file\": \"big-cert.pem\", \"sha256\": \"" ZERO_PIN "\"}, ", ' ', 0, "");
}

static int g_domains_100001(FILE *f)
{
    return many(f, "ok-tcp.json", "\"domains\": [", "d", MANIFEST_MAX_LIST + 1);
}

static int g_servers_100001(FILE *f)
{
    return many(f, "ok-tcp.json", "\"servers\": [", "s", MANIFEST_MAX_LIST + 1);
}

static int g_node_max_plus_1(FILE *f)
{
    return pad_to(f, "node-ok.json", SIMNODE_MAX_BYTES + 1);
}

static int g_node_deep(FILE *f)
{
    return insert_after(f, "node-ok.json", "\"owned\": []", ", \"x\": ", '[', 10000, "]");
}

static int g_node_string_3mb(FILE *f)
{
    return insert_after(f, "node-ok.json", "\"InstanceID\": \"{", "", 'A', 3 * MIB, "");
}

static const struct gen {
    const char *name;
    int big; /* writes 10 MB or more, or parses megabytes: skipped under Valgrind */
    int (*make)(FILE *f);
} gens[] = {
    {"@manifest-100mb", 1, g_manifest_100mb},
    {"@manifest-max-plus-1", 0, g_manifest_max_plus_1},
    {"@manifest-max", 0, g_manifest_max},
    {"@deep-10000-arrays", 0, g_deep_arrays},
    {"@deep-10000-objects", 0, g_deep_objects},
    {"@deep-10000-unclosed", 0, g_deep_unclosed},
    {"@deep-64", 0, g_deep_64},
    {"@deep-65", 0, g_deep_65},
    {"@string-3mb", 1, g_string_3mb},
    {"@string-max", 0, g_string_max},
    {"@key-3mb", 1, g_key_3mb},
    {"@fqdn-3mb", 1, g_fqdn_3mb},
    {"@path-3mb", 1, g_path_3mb},
    {"@cert-file-big", 0, g_cert_file_big},
    {"@domains-100001", 1, g_domains_100001},
    {"@servers-100001", 1, g_servers_100001},
    {"@node-max-plus-1", 1, g_node_max_plus_1},
    {"@node-deep-10000", 0, g_node_deep},
    {"@node-string-3mb", 1, g_node_string_3mb},
};

static const struct gen *find_gen(const char *name)
{
    size_t i;

    for (i = 0; i < sizeof(gens) / sizeof(gens[0]); i++)
        if (strcmp(gens[i].name, name) == 0)
            return &gens[i];
    return NULL;
}

/* Makes the input name at path: a generated one, or a copy of the data file. */
static void make_input(const char *name, const char *path)
{
    const struct gen *g = find_gen(name);
    FILE *f;

    if (name[0] != '@') {
        char src[1024], *text = NULL;
        size_t len = 0;
        ofd_err e;
        snprintf(src, sizeof(src), "%s/%s", data, name);
        assert_int_equal(ofd_read_file(src, SIMNODE_MAX_BYTES, &text, &len, &e), OFD_OK);
        assert_non_null(f = fopen(path, "wb"));
        assert_int_equal(fwrite(text, 1, len, f), len);
        assert_int_equal(fclose(f), 0);
        free(text);
        return;
    }
    if (!g)
        fail_msg("cases.txt: no generator '%s'", name);
    assert_non_null(f = fopen(path, "wb"));
    assert_int_equal(g->make(f), 0);
    assert_int_equal(fclose(f), 0);
}

/* ---- running a case ---- */

/* s with {M}, {N} and {D} replaced. Malloc'ed. */
static char *expand(const char *s, const char *m, const char *n)
{
    struct strbuf sb = {0};

    for (; *s; s++) {
        if (s[0] == '{' && s[1] && s[2] == '}' && strchr("MND", s[1])) {
            sb_append(&sb, s[1] == 'M' ? m : s[1] == 'N' ? (n ? n : "") : data);
            s += 2;
        } else {
            sb_appendc(&sb, *s);
        }
    }
    return sb_take(&sb);
}

static char *read_back(const char *path)
{
    char *text = NULL;
    size_t len = 0;
    ofd_err e;

    assert_int_equal(ofd_read_file(path, 256u * MIB, &text, &len, &e), OFD_OK);
    return text;
}

static void run_case(void **state)
{
    const struct bcase *c = *state;
    const struct gen *g;
    char mpath[1024], nspec[1100], *argv[8], *out = NULL, *err = NULL, *want, *alt;
    char *before = NULL, *after = NULL;
    size_t blen = 0, alen = 0;
    FILE *fo, *fe;
    int argc = 0, rc, found = 0;
    ofd_err e;

    if (getenv("OCSFED_BADINPUT_SKIP_BIG")
        && (((g = find_gen(c->manifest)) && g->big) || (c->node && (g = find_gen(c->node)) && g->big)))
        skip();
    if (c->manifest[0] == '@') {
        snprintf(mpath, sizeof(mpath), "%s/%s.json", WORK, c->manifest + 1);
        make_input(c->manifest, mpath);
    } else {
        snprintf(mpath, sizeof(mpath), "%s/%s", data, c->manifest);
    }
    argv[argc++] = (char *)"ocsfed";
    argv[argc++] = c->cmd;
    argv[argc++] = mpath;
    if (c->node) {
        make_input(c->node, NODE_COPY);
        assert_int_equal(ofd_read_file(NODE_COPY, 256u * MIB, &before, &blen, &e), OFD_OK);
        snprintf(nspec, sizeof(nspec), "sim:%s", NODE_COPY);
        argv[argc++] = (char *)"--node";
        argv[argc++] = nspec;
        if (strcmp(c->cmd, "apply") == 0) {
            argv[argc++] = (char *)"--now";
            argv[argc++] = (char *)NOW;
        }
    }
    argv[argc] = NULL;
    assert_non_null(fo = fopen(WORK "/out.txt", "wb"));
    assert_non_null(fe = fopen(WORK "/err.txt", "wb"));
    rc = cli_main(argc, argv, fo, fe);
    assert_int_equal(fclose(fo), 0);
    assert_int_equal(fclose(fe), 0);
    out = read_back(WORK "/out.txt");
    err = read_back(WORK "/err.txt");
    want = expand(c->expect, mpath, c->node ? NODE_COPY : NULL);
    for (alt = want; alt && !found;) {
        char *bar = strstr(alt, " || ");
        if (bar)
            *bar = '\0';
        found = strstr(out, alt) || strstr(err, alt);
        alt = bar ? bar + 4 : NULL;
    }
    if (rc != c->exit || !found) {
        /* Shows what the program said, cut short: some outputs are megabytes. */
        print_error("cases.txt:%d: %s: exit %d (want %d)\n  want: %s\n  stdout: %.2000s\n"
                    "  stderr: %.2000s\n",
                    c->line, c->name, rc, c->exit, c->expect, out, err);
        fail();
    }
    if (c->node) {
        assert_int_equal(ofd_read_file(NODE_COPY, 256u * MIB, &after, &alen, &e), OFD_OK);
        if (alen != blen || memcmp(before, after, blen) != 0)
            fail_msg("cases.txt:%d: %s: the node file changed", c->line, c->name);
        remove(NODE_COPY);
    }
    if (c->manifest[0] == '@') {
        remove(mpath);
        remove(WORK "/big-cert.pem");
    }
    remove(WORK "/out.txt");
    remove(WORK "/err.txt");
    free(want);
    free(out);
    free(err);
    free(before);
    free(after);
}

/* ---- the catalogue ---- */

static char *trim(char *s)
{
    char *end;

    while (*s == ' ' || *s == '\t')
        s++;
    end = s + strlen(s);
    while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r' || end[-1] == '\n'))
        *--end = '\0';
    return s;
}

/* Parses cases.txt: "command | manifest | node or - | exit | expected text" per line,
 * '#' comments. Returns the number of cases; *text keeps the strings they point into. */
static size_t load_cases(struct bcase **out, char **text)
{
    char path[1024], *line, *next;
    struct bcase *v = NULL;
    size_t n = 0, cap = 0, len;
    int lineno = 0;
    ofd_err e;

    snprintf(path, sizeof(path), "%s/cases.txt", data);
    if (ofd_read_file(path, MIB, text, &len, &e) != OFD_OK) {
        fprintf(stderr, "test_badinput: %s\n", e.msg);
        exit(1);
    }
    for (line = *text; line && *line; line = next) {
        char *f[5];
        int k;
        lineno++;
        if ((next = strchr(line, '\n')))
            *next++ = '\0';
        line = trim(line);
        if (!*line || *line == '#')
            continue;
        for (k = 0; k < 4; k++) {
            char *bar = strstr(line, " | ");
            if (!bar)
                break;
            *bar = '\0';
            f[k] = trim(line);
            line = bar + 3;
        }
        f[4] = trim(line);
        if (k < 4 || !*f[4]) {
            fprintf(stderr, "%s:%d: expected 'command | manifest | node | exit | text'\n", path, lineno);
            exit(1);
        }
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            if (!(v = realloc(v, cap * sizeof(*v))))
                exit(1);
        }
        memset(&v[n], 0, sizeof(v[n]));
        v[n].line = lineno;
        v[n].cmd = f[0];
        v[n].manifest = f[1];
        v[n].node = strcmp(f[2], "-") == 0 ? NULL : f[2];
        v[n].exit = atoi(f[3]);
        v[n].expect = f[4];
        snprintf(v[n].name, sizeof(v[n].name), "%s %s%s%s", f[0], f[1], v[n].node ? " on " : "",
                 v[n].node ? v[n].node : "");
        n++;
    }
    *out = v;
    return n;
}

int main(int argc, char **argv)
{
    struct CMUnitTest *tests;
    struct bcase *cases = NULL;
    char *text = NULL;
    size_t n, i;
    ofd_err e;
    int rc;

    if (argc > 1)
        data = argv[1];
    n = load_cases(&cases, &text);
    if (ofd_make_dir(WORK, &e) != OFD_OK) {
        fprintf(stderr, "test_badinput: %s\n", e.msg);
        return 1;
    }
    if (!(tests = calloc(n, sizeof(*tests))))
        return 1;
    for (i = 0; i < n; i++) {
        tests[i].name = cases[i].name;
        tests[i].test_func = run_case;
        tests[i].initial_state = &cases[i];
    }
    printf("bad-input catalogue: %zu cases\n", n);
    rc = _cmocka_run_group_tests("badinput", tests, n, NULL, NULL);
    free(tests);
    free(cases);
    free(text);
    return rc;
}
