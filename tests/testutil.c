#include "testutil.h"

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
#include "strbuf.h"

void testutil_copy_file(const char *src, const char *dst)
{
    char *text = NULL;
    size_t len = 0;
    ofd_err e;

    assert_int_equal(ofd_read_file(src, 1u << 24, &text, &len, &e), OFD_OK);
    assert_int_equal(ofd_write_file_atomic(dst, text, len, &e), OFD_OK);
    free(text);
}

struct manifest *testutil_load_manifest(const char *path)
{
    struct manifest *m = NULL;
    struct diags d = {0};
    ofd_err e;

    if (manifest_load(path, 0, &m, &d, &e) != OFD_OK)
        fail_msg("%s: %s", path, d.n ? d.v[0].msg : e.msg);
    diags_free(&d);
    return m;
}

void testutil_write_manifest(const char *src, const char *dst, void (*edit)(cJSON *root))
{
    char *text = NULL, *out;
    size_t len = 0;
    cJSON *root;
    ofd_err e;

    assert_int_equal(ofd_read_file(src, 1u << 20, &text, &len, &e), OFD_OK);
    assert_non_null(root = cJSON_ParseWithLength(text, len));
    free(text);
    cJSON_DeleteItemFromObject(root, "$schema");
    if (edit)
        edit(root);
    assert_non_null(out = cJSON_Print(root));
    cJSON_Delete(root);
    assert_int_equal(ofd_write_file_atomic(dst, out, strlen(out), &e), OFD_OK);
    cJSON_free(out);
    testutil_pin_manifest(dst);
}

void testutil_pin_manifest(const char *path)
{
    struct diags d = {0};
    char *text = NULL, *out = NULL, *dir = manifest_dir_of(path);
    size_t len = 0, olen = 0, changed = 0;
    ofd_err e;

    assert_non_null(dir);
    assert_int_equal(ofd_read_file(path, MANIFEST_MAX_BYTES, &text, &len, &e), OFD_OK);
    if (manifest_pin(text, len, dir, &out, &olen, &changed, &d, &e) != OFD_OK)
        fail_msg("%s: cannot pin: %s", path, d.n ? d.v[0].msg : e.msg);
    if (changed)
        assert_int_equal(ofd_write_file_atomic(path, out, olen, &e), OFD_OK);
    diags_free(&d);
    free(text);
    free(out);
    free(dir);
}

char testutil_out[65536], testutil_err[65536];

static void slurp(FILE *f, char *buf, size_t len)
{
    size_t n;

    rewind(f);
    n = fread(buf, 1, len - 1, f);
    buf[n] = '\0';
    fclose(f);
}

int testutil_ocsfed(const char *a0, ...)
{
    char *argv[16];
    int argc = 0, rc;
    const char *a;
    va_list ap;
    FILE *out = fopen("testutil-out.txt", "w+b"), *err = fopen("testutil-err.txt", "w+b");

    assert_non_null(out);
    assert_non_null(err);
    argv[argc++] = (char *)"ocsfed";
    va_start(ap, a0);
    for (a = a0; a && argc < 15; a = va_arg(ap, const char *))
        argv[argc++] = (char *)a;
    va_end(ap);
    argv[argc] = NULL;
    rc = cli_main(argc, argv, out, err);
    slurp(out, testutil_out, sizeof(testutil_out));
    slurp(err, testutil_err, sizeof(testutil_err));
    remove("testutil-out.txt");
    remove("testutil-err.txt");
    return rc;
}

void testutil_empty_dir(const char *dir)
{
    char **names = NULL;
    size_t n = 0, i;
    struct strbuf p = {0};
    ofd_err e;

    if (ofd_list_dir(dir, 100000, &names, &n, &e) != OFD_OK)
        return;
    for (i = 0; i < n; i++) {
        sb_truncate(&p, 0);
        sb_printf(&p, "%s/%s", dir, names[i]);
        remove(sb_str(&p));
    }
    ofd_names_free(names, n);
    sb_free(&p);
}
