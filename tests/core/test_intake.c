/* intake: the decision on each check (accept, unchanged, refuse with a reason), the
 * serial logic against the state file, torn files, and the state file itself.
 * argv[1]: the examples folder (tcp-standard.json, serial 1). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cli.h"
#include "intake.h"
#include "strbuf.h"
#include "testcert.h"

static const char *examples = "examples";

struct fixture {
    struct testcert ca, pub, other;
    struct trust_anchor anchor;
    char *text; /* tcp-standard.json, serial 1 */
    size_t len;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    struct strbuf path = {0};
    unsigned int n = 0;
    ofd_err e;

    assert_non_null(f);
    assert_int_equal(testcert_ca("intake CA", 30, &f->ca), 0);
    assert_int_equal(testcert_leaf(&f->ca, "publisher", NULL, NULL, -1, 30, &f->pub), 0);
    assert_int_equal(testcert_leaf(&f->ca, "intruder", NULL, NULL, -1, 30, &f->other), 0);
    assert_true(X509_digest(f->pub.x, EVP_sha1(), f->anchor.tp, &n));
    sb_printf(&path, "%s/tcp-standard.json", examples);
    assert_int_equal(ofd_read_file(sb_str(&path), 1u << 20, &f->text, &f->len, &e), OFD_OK);
    sb_free(&path);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;

    testcert_free(&f->ca);
    testcert_free(&f->pub);
    testcert_free(&f->other);
    free(f->text);
    free(f);
    return 0;
}

/* The example with its serial (and, with extra, one more description word). */
static char *variant(const struct fixture *f, long long serial, const char *extra)
{
    struct strbuf sb = {0};
    const char *p = strstr(f->text, "\"serial\": 1,"), *d;

    assert_non_null(p);
    sb_appendn(&sb, f->text, (size_t)(p - f->text));
    sb_printf(&sb, "\"serial\": %lld,", serial);
    p += strlen("\"serial\": 1,");
    if (extra) {
        d = strstr(p, "\"description\": \"");
        assert_non_null(d);
        d += strlen("\"description\": \"");
        sb_appendn(&sb, p, (size_t)(d - p));
        sb_append(&sb, extra);
        p = d;
    }
    sb_append(&sb, p);
    assert_false(sb.oom);
    return sb_take(&sb);
}

static void sign(const struct testcert *c, const char *text, size_t len, unsigned char **sig, size_t *sig_len)
{
    ofd_err e;

    assert_int_equal(trust_sign((const unsigned char *)text, len, c->key, c->x, sig, sig_len, &e), OFD_OK);
}

/* Decides on text signed by c (c NULL: unsigned) against state. */
static enum intake_decision decide(const struct fixture *f, const char *text, size_t len, const struct testcert *c,
                                   const struct intake_state *st, struct intake_result *res)
{
    unsigned char *sig = NULL;
    size_t sig_len = 0;
    ofd_err e;

    if (c)
        sign(c, text, len, &sig, &sig_len);
    assert_int_equal(
        intake_decide(text, len, sig, sig_len, &f->anchor, st, NULL, ".", NULL, MANIFEST_NO_FILES, res, &e), OFD_OK);
    free(sig);
    return res->decision;
}

static void first_manifest_is_accepted(void **state)
{
    struct fixture *f = *state;
    struct intake_result r;

    assert_int_equal(decide(f, f->text, f->len, &f->pub, NULL, &r), INTAKE_ACCEPT);
    assert_int_equal(r.reason, INTAKE_R_NONE);
    assert_int_equal(r.serial, 1);
    assert_non_null(r.manifest);
    assert_int_equal(r.manifest->serial, 1);
    assert_string_equal(r.msg, "manifest serial 1 accepted");
    intake_result_free(&r);
    assert_null(r.manifest);
}

static void serial_logic(void **state)
{
    struct fixture *f = *state;
    struct intake_result r;
    struct intake_state st;
    char *v5 = variant(f, 5, NULL), *v5b = variant(f, 5, "changed "), *v4 = variant(f, 4, NULL);
    char *v6 = variant(f, 6, NULL);

    assert_int_equal(decide(f, v5, strlen(v5), &f->pub, NULL, &r), INTAKE_ACCEPT);
    intake_state_from_result(&r, &st);
    intake_result_free(&r);
    assert_int_equal(st.last_serial, 5);

    assert_int_equal(decide(f, v5, strlen(v5), &f->pub, &st, &r), INTAKE_UNCHANGED);
    assert_string_equal(r.msg, "manifest serial 5, accepted before");
    /* The manifest of these very bytes: the check works from it, never from a re-read. */
    assert_non_null(r.manifest);
    assert_int_equal(r.manifest->serial, 5);
    intake_result_free(&r);

    assert_int_equal(decide(f, v5b, strlen(v5b), &f->pub, &st, &r), INTAKE_REFUSE);
    assert_int_equal(r.reason, INTAKE_R_SAME_SERIAL_DIFFERENT_CONTENT);
    assert_string_equal(r.msg, "the manifest has the serial 5 of the last accepted one but "
                               "different content; raise the serial when changing the manifest");
    intake_result_free(&r);

    assert_int_equal(decide(f, v4, strlen(v4), &f->pub, &st, &r), INTAKE_REFUSE);
    assert_int_equal(r.reason, INTAKE_R_OLDER_SERIAL);
    assert_string_equal(r.msg, "the manifest's serial 4 is older than the last accepted serial 5 "
                               "(an old copy put back?)");
    assert_int_equal(r.serial, 4);
    intake_result_free(&r);

    assert_int_equal(decide(f, v6, strlen(v6), &f->pub, &st, &r), INTAKE_ACCEPT);
    assert_int_equal(r.serial, 6);
    intake_result_free(&r);
    free(v4), free(v5), free(v5b), free(v6);
}

static void signature_refusals(void **state)
{
    struct fixture *f = *state;
    struct intake_result r;
    ofd_err e;

    assert_int_equal(decide(f, f->text, f->len, NULL, NULL, &r), INTAKE_REFUSE);
    assert_int_equal(r.reason, INTAKE_R_UNSIGNED);
    /* On bytes alone: the share's names. */
    assert_memory_equal(r.msg, "'manifest.json' is not signed: there is no signature file 'manifest.json.p7s'; ", 79);
    intake_result_free(&r);

    assert_int_equal(decide(f, f->text, f->len, &f->other, NULL, &r), INTAKE_REFUSE);
    assert_int_equal(r.reason, INTAKE_R_UNTRUSTED_SIGNER);
    assert_memory_equal(r.msg, "the manifest is signed by certificate ", 38);
    assert_null(r.manifest);
    intake_result_free(&r);

    assert_int_equal(intake_decide(f->text, f->len, (const unsigned char *)"junk", 4, &f->anchor, NULL, NULL, ".", NULL,
                                   MANIFEST_NO_FILES, &r, &e),
                     OFD_OK);
    assert_int_equal(r.decision, INTAKE_REFUSE);
    assert_int_equal(r.reason, INTAKE_R_BAD_SIGNATURE);
    intake_result_free(&r);
}

static void torn_manifests_are_refused(void **state)
{
    struct fixture *f = *state;
    struct intake_result r;
    unsigned char *sig = NULL;
    size_t sig_len = 0;
    char *v2 = variant(f, 2, NULL);
    ofd_err e;

    /* The signature of the whole file, the manifest cut short: not complete JSON. */
    sign(&f->pub, f->text, f->len, &sig, &sig_len);
    assert_int_equal(
        intake_decide(f->text, f->len / 2, sig, sig_len, &f->anchor, NULL, NULL, ".", NULL, MANIFEST_NO_FILES, &r, &e),
        OFD_OK);
    assert_int_equal(r.decision, INTAKE_REFUSE);
    assert_int_equal(r.reason, INTAKE_R_TORN);
    assert_string_equal(r.msg, "the manifest is not a complete JSON document (cut short, or "
                               "still being copied); it is read again at the next check");
    intake_result_free(&r);
    /* Complete JSON, but not the bytes that were signed (a new manifest beside the old
     * signature, before the new .p7s arrived). */
    assert_int_equal(
        intake_decide(v2, strlen(v2), sig, sig_len, &f->anchor, NULL, NULL, ".", NULL, MANIFEST_NO_FILES, &r, &e),
        OFD_OK);
    assert_int_equal(r.reason, INTAKE_R_TORN);
    assert_string_equal(r.msg, "the manifest does not match its signature (changed or "
                               "half-copied after signing)");
    intake_result_free(&r);
    free(sig);
    free(v2);
}

static void invalid_manifest_is_refused(void **state)
{
    struct fixture *f = *state;
    struct intake_result r;
    struct strbuf sb = {0};
    const char *p = strstr(f->text, "\"manifest_version\": 1");

    assert_non_null(p);
    sb_appendn(&sb, f->text, (size_t)(p - f->text));
    sb_append(&sb, "\"manifest_version\": 2");
    sb_append(&sb, p + strlen("\"manifest_version\": 1"));
    assert_int_equal(decide(f, sb_str(&sb), sb.len, &f->pub, NULL, &r), INTAKE_REFUSE);
    assert_int_equal(r.reason, INTAKE_R_INVALID);
    assert_string_equal(r.rule, "schema");
    assert_string_equal(r.msg, "the manifest is signed but not valid (1 error), first: "
                               "manifest.json:3:23: error: [schema] /manifest_version: this ocsfed "
                               "reads manifest version 1, not 2");
    intake_result_free(&r);
    sb_free(&sb);
}

static void state_file_round_trip(void **state)
{
    struct intake_state st, back;
    ofd_err e;
    char *text = NULL;
    size_t len = 0, i;

    (void)state;
    remove("intake-state.json");
    memset(&back, 0x55, sizeof(back));
    assert_int_equal(intake_state_load("intake-state.json", &back, &e), OFD_OK);
    assert_int_equal(back.present, 0);
    memset(&st, 0, sizeof(st));
    st.present = 1;
    st.last_serial = 9007199254740991LL;
    for (i = 0; i < INTAKE_SHA256_LEN; i++)
        st.last_sha256[i] = (unsigned char)(i * 7);
    assert_int_equal(intake_state_save("intake-state.json", &st, &e), OFD_OK);
    assert_int_equal(ofd_read_file("intake-state.json", 4096, &text, &len, &e), OFD_OK);
    assert_string_equal(text, "{\"format\": 1, \"last_serial\": 9007199254740991, \"last_sha256\": "
                              "\"00070e151c232a31383f464d545b626970777e858c939aa1a8afb6bdc4cbd2d9\"}\n");
    free(text);
    assert_int_equal(intake_state_load("intake-state.json", &back, &e), OFD_OK);
    assert_int_equal(back.present, 1);
    assert_int_equal(back.last_serial, st.last_serial);
    assert_memory_equal(back.last_sha256, st.last_sha256, INTAKE_SHA256_LEN);
    /* Written over an existing file; no temporary left behind. */
    st.last_serial = 3;
    assert_int_equal(intake_state_save("intake-state.json", &st, &e), OFD_OK);
    assert_int_equal(intake_state_load("intake-state.json", &back, &e), OFD_OK);
    assert_int_equal(back.last_serial, 3);
    assert_null(fopen("intake-state.json.tmp", "rb"));
    /* Damaged: refused, not taken as "nothing applied". */
    assert_int_equal(testcert_write_file("intake-state.json", "{\"format\": 1, \"last_serial\": 3", 30), 0);
    memset(&back, 0x55, sizeof(back));
    assert_int_equal(intake_state_load("intake-state.json", &back, &e), OFD_E_INVALID);
    assert_string_equal(e.msg, "the state file 'intake-state.json' is damaged; remove it only if "
                               "the manifest on the share is the one to apply");
    assert_int_equal(back.present, 0x55555555);
    assert_int_equal(testcert_write_file("intake-state.json",
                                         "{\"format\": 1, \"last_serial\": 1.5, "
                                         "\"last_sha256\": \"00\"}",
                                         52),
                     0);
    assert_int_equal(intake_state_load("intake-state.json", &back, &e), OFD_E_INVALID);
}

/* A serial reverted by its confirming probe (check.c) is remembered with the floor, and
 * forgotten when a newer serial is accepted or an operator clears it. */
static void a_reverted_serial_is_remembered(void **state)
{
    struct intake_state st, back;
    struct intake_result r;
    char *text = NULL;
    size_t len = 0;
    ofd_err e;

    (void)state;
    memset(&st, 0, sizeof(st));
    st.present = 1;
    st.last_serial = 12;
    memset(st.last_sha256, 0xab, sizeof(st.last_sha256));
    st.reverted = 1;
    st.reverted_serial = 12;
    memset(st.reverted_sha256, 0xab, sizeof(st.reverted_sha256));
    snprintf(st.reverted_reason, sizeof(st.reverted_reason), "probe failed: FAIL tcp imp1 \"quoted\"\n");
    assert_int_equal(intake_state_save("intake-reverted.json", &st, &e), OFD_OK);
    assert_int_equal(ofd_read_file("intake-reverted.json", 4096, &text, &len, &e), OFD_OK);
    assert_non_null(strstr(text, "\"reverted\": {\"serial\": 12, \"sha256\": \"abab"));
    free(text);
    memset(&back, 0, sizeof(back));
    assert_int_equal(intake_state_load("intake-reverted.json", &back, &e), OFD_OK);
    assert_int_equal(back.reverted, 1);
    assert_int_equal(back.reverted_serial, 12);
    assert_memory_equal(back.reverted_sha256, st.reverted_sha256, INTAKE_SHA256_LEN);
    /* Control characters are blanked: the reason goes to reports and events. */
    assert_string_equal(back.reverted_reason, "probe failed: FAIL tcp imp1 \"quoted\" ");
    /* Cleared by an operator: the floor stays. */
    assert_int_equal(intake_state_clear_reverted("intake-reverted.json", &e), OFD_OK);
    assert_int_equal(intake_state_load("intake-reverted.json", &back, &e), OFD_OK);
    assert_int_equal(back.reverted, 0);
    assert_int_equal(back.last_serial, 12);
    /* A newer serial accepted: forgotten. */
    memset(&r, 0, sizeof(r));
    r.decision = INTAKE_ACCEPT;
    r.serial = 13;
    intake_state_from_result(&r, &st);
    assert_int_equal(st.reverted, 0);
    assert_int_equal(st.last_serial, 13);
    /* A damaged record is a damaged file. */
    assert_int_equal(testcert_write_file("intake-reverted.json",
                                         "{\"format\": 1, \"last_serial\": 3, \"last_sha256\": "
                                         "\"00070e151c232a31383f464d545b626970777e858c939aa1a8afb6bdc4cbd2d9\", "
                                         "\"reverted\": {\"serial\": \"3\"}}",
                                         143),
                     0);
    assert_int_equal(intake_state_load("intake-reverted.json", &back, &e), OFD_E_INVALID);
}

static void files_on_disk(void **state)
{
    struct fixture *f = *state;
    struct intake_result r;
    unsigned char *sig = NULL;
    size_t sig_len = 0;
    ofd_err e;

    remove("intake-m.json.p7s");
    assert_int_equal(testcert_write_file("intake-m.json", f->text, f->len), 0);
    assert_int_equal(
        intake_check_files("intake-m.json", "intake-m.json.p7s", &f->anchor, NULL, NULL, MANIFEST_NO_FILES, &r, &e),
        OFD_OK);
    assert_int_equal(r.reason, INTAKE_R_UNSIGNED);
    intake_result_free(&r);
    sign(&f->pub, f->text, f->len, &sig, &sig_len);
    assert_int_equal(testcert_write_file("intake-m.json.p7s", sig, sig_len), 0);
    assert_int_equal(
        intake_check_files("intake-m.json", "intake-m.json.p7s", &f->anchor, NULL, NULL, MANIFEST_NO_FILES, &r, &e),
        OFD_OK);
    assert_int_equal(r.decision, INTAKE_ACCEPT);
    assert_int_equal(r.serial, 1);
    intake_result_free(&r);
    /* Truncated on the share: torn. */
    assert_int_equal(testcert_write_file("intake-m.json", f->text, f->len - 10), 0);
    assert_int_equal(
        intake_check_files("intake-m.json", "intake-m.json.p7s", &f->anchor, NULL, NULL, MANIFEST_NO_FILES, &r, &e),
        OFD_OK);
    assert_int_equal(r.reason, INTAKE_R_TORN);
    intake_result_free(&r);
    /* The signature half-copied. */
    assert_int_equal(testcert_write_file("intake-m.json", f->text, f->len), 0);
    assert_int_equal(testcert_write_file("intake-m.json.p7s", sig, sig_len / 2), 0);
    assert_int_equal(
        intake_check_files("intake-m.json", "intake-m.json.p7s", &f->anchor, NULL, NULL, MANIFEST_NO_FILES, &r, &e),
        OFD_OK);
    assert_int_equal(r.reason, INTAKE_R_BAD_SIGNATURE);
    intake_result_free(&r);
    /* Over the limits: refused, the files are not read whole. */
    {
        char *big = calloc(TRUST_MAX_CONTENT + 1, 1);
        assert_non_null(big);
        memset(big, ' ', TRUST_MAX_CONTENT + 1);
        assert_int_equal(testcert_write_file("intake-m.json.p7s", big, TRUST_MAX_SIG + 1), 0);
        assert_int_equal(
            intake_check_files("intake-m.json", "intake-m.json.p7s", &f->anchor, NULL, NULL, MANIFEST_NO_FILES, &r, &e),
            OFD_OK);
        assert_int_equal(r.reason, INTAKE_R_BAD_SIGNATURE);
        assert_string_equal(r.msg, "'intake-m.json.p7s' is larger than the limit of 1048576 bytes");
        intake_result_free(&r);
        assert_int_equal(testcert_write_file("intake-m.json", big, TRUST_MAX_CONTENT + 1), 0);
        assert_int_equal(
            intake_check_files("intake-m.json", "intake-m.json.p7s", &f->anchor, NULL, NULL, MANIFEST_NO_FILES, &r, &e),
            OFD_OK);
        assert_int_equal(r.reason, INTAKE_R_INVALID);
        assert_string_equal(r.msg, "'intake-m.json' is larger than the limit of 4194304 bytes");
        intake_result_free(&r);
        free(big);
    }
    /* No manifest: an error, not a decision. */
    assert_int_equal(intake_check_files("intake-none.json", "intake-none.json.p7s", &f->anchor, NULL, NULL,
                                        MANIFEST_NO_FILES, &r, &e),
                     OFD_E_IO);
    free(sig);
}

/* ocsfed verify --state: the serial rules from the command line. */
static int verify_cmd(const char *signer, const char *state_path, char *out_text, size_t n)
{
    char *argv[] = {(char *)"ocsfed", (char *)"verify",  (char *)"intake-cli.json", (char *)"--signer",
                    (char *)signer,   (char *)"--state", (char *)state_path,        NULL};
    FILE *out = fopen("intake-out.txt", "w+b"), *err = fopen("intake-err.txt", "w+b");
    size_t got;
    int rc;

    assert_non_null(out);
    assert_non_null(err);
    rc = cli_main(7, argv, out, err);
    rewind(out);
    got = fread(out_text, 1, n - 1, out);
    out_text[got] = '\0';
    fclose(out);
    fclose(err);
    return rc;
}

static void verify_command_with_state(void **state)
{
    struct fixture *f = *state;
    struct intake_result r;
    struct intake_state st;
    unsigned char *sig = NULL;
    size_t sig_len = 0;
    char hex[2 * CS_SHA1_LEN + 1], out[4096];
    ofd_err e;

    cs_thumbprint_hex(f->anchor.tp, hex);
    assert_int_equal(testcert_write_file("intake-cli.json", f->text, f->len), 0);
    sign(&f->pub, f->text, f->len, &sig, &sig_len);
    assert_int_equal(testcert_write_file("intake-cli.json.p7s", sig, sig_len), 0);
    free(sig);
    remove("intake-cli-state.json");
    assert_int_equal(verify_cmd(hex, "intake-cli-state.json", out, sizeof(out)), 0);
    assert_string_equal(out, "OK: intake-cli.json: manifest serial 1 accepted\n");
    assert_int_equal(decide(f, f->text, f->len, &f->pub, NULL, &r), INTAKE_ACCEPT);
    intake_state_from_result(&r, &st);
    intake_result_free(&r);
    assert_int_equal(intake_state_save("intake-cli-state.json", &st, &e), OFD_OK);
    assert_int_equal(verify_cmd(hex, "intake-cli-state.json", out, sizeof(out)), 0);
    assert_string_equal(out, "OK: intake-cli.json: manifest serial 1, accepted before\n");
    st.last_serial = 2;
    assert_int_equal(intake_state_save("intake-cli-state.json", &st, &e), OFD_OK);
    assert_int_equal(verify_cmd(hex, "intake-cli-state.json", out, sizeof(out)), 1);
    assert_string_equal(out, "REFUSED (older_serial): the manifest's serial 1 is older than the "
                             "last accepted serial 2 (an old copy put back?)\n");
}

/* ocsfed verify names the files it was given, not the share's manifest.json. */
static char verify_err[4096];

static int verify_files(const char *manifest, const char *signer, const char *sig, char *out_text, size_t n)
{
    char *argv[] = {(char *)"ocsfed", (char *)"verify", (char *)manifest, (char *)"--signer",
                    (char *)signer,   (char *)"--sig",  (char *)sig,      NULL};
    FILE *out = fopen("intake-out.txt", "w+b"), *err = fopen("intake-err.txt", "w+b");
    size_t got;
    int rc;

    assert_non_null(out);
    assert_non_null(err);
    rc = cli_main(sig ? 7 : 5, argv, out, err);
    rewind(out);
    got = fread(out_text, 1, n - 1, out);
    out_text[got] = '\0';
    rewind(err);
    got = fread(verify_err, 1, sizeof(verify_err) - 1, err);
    verify_err[got] = '\0';
    fclose(out);
    fclose(err);
    return rc;
}

static void refusals_name_the_files_given(void **state)
{
    struct fixture *f = *state;
    struct strbuf sb = {0}, want = {0};
    unsigned char *sig = NULL;
    size_t sig_len = 0;
    char hex[2 * CS_SHA1_LEN + 1], out[4096];
    const char *p = strstr(f->text, "\"manifest_version\": 1");

    cs_thumbprint_hex(f->anchor.tp, hex);
    remove("my-manifest.json.p7s");
    assert_int_equal(testcert_write_file("my-manifest.json", f->text, f->len), 0);
    assert_int_equal(verify_files("my-manifest.json", hex, NULL, out, sizeof(out)), 1);
    sb_printf(&want,
              "REFUSED (unsigned): 'my-manifest.json' is not signed: there is no signature file "
              "'my-manifest.json.p7s'; sign it with the publisher certificate %s\n",
              hex);
    assert_string_equal(out, sb_str(&want));
    assert_int_equal(verify_files("my-manifest.json", hex, "elsewhere/my.p7s", out, sizeof(out)), 1);
    sb_truncate(&want, 0);
    sb_printf(&want,
              "REFUSED (unsigned): 'my-manifest.json' is not signed: there is no signature file "
              "'elsewhere/my.p7s'; sign it with the publisher certificate %s\n",
              hex);
    assert_string_equal(out, sb_str(&want));

    /* Signed but not valid: the first error is at a line of the file given. */
    assert_non_null(p);
    sb_appendn(&sb, f->text, (size_t)(p - f->text));
    sb_append(&sb, "\"manifest_version\": 2");
    sb_append(&sb, p + strlen("\"manifest_version\": 1"));
    assert_int_equal(testcert_write_file("my-manifest.json", sb_str(&sb), sb.len), 0);
    sign(&f->pub, sb_str(&sb), sb.len, &sig, &sig_len);
    assert_int_equal(testcert_write_file("my-manifest.sig", sig, sig_len), 0);
    assert_int_equal(verify_files("my-manifest.json", hex, "my-manifest.sig", out, sizeof(out)), 1);
    assert_string_equal(out, "REFUSED (invalid): the manifest is signed but not valid (1 error), first: "
                             "my-manifest.json:3:23: error: [schema] /manifest_version: this ocsfed reads manifest "
                             "version 1, not 2\n");
    free(sig);
    sb_free(&sb);
    sb_free(&want);
}

/* --signer pasted from the certificate dialog: its invisible U+200E is removed, said,
 * and the signature is checked against the 20 bytes of the digits. */
static void signer_pasted_from_the_certificate_dialog(void **state)
{
    struct fixture *f = *state;
    struct strbuf signer = {0}, want = {0};
    unsigned char *sig = NULL;
    size_t sig_len = 0, i;
    char hex[2 * CS_SHA1_LEN + 1], out[4096], last;

    cs_thumbprint_hex(f->anchor.tp, hex);
    sb_append(&signer, "\xe2\x80\x8e");
    for (i = 0; i < 2 * CS_SHA1_LEN; i += 2)
        sb_printf(&signer, "%s%.2s", i ? " " : "", hex + i);
    assert_int_equal(testcert_write_file("my-signed.json", f->text, f->len), 0);
    sign(&f->pub, f->text, f->len, &sig, &sig_len);
    assert_int_equal(testcert_write_file("my-signed.json.p7s", sig, sig_len), 0);
    assert_int_equal(verify_files("my-signed.json", sb_str(&signer), NULL, out, sizeof(out)), 0);
    assert_string_equal(out, "OK: my-signed.json: manifest serial 1 accepted\n");
    sb_printf(&want,
              "ocsfed: warning: --signer: removed U+200E LEFT-TO-RIGHT MARK from the thumbprint (invisible, as a copy "
              "from the certificate dialog brings along): it reads %s\n",
              hex);
    assert_string_equal(verify_err, sb_str(&want));
    /* The digits are what is compared: one digit off is another publisher. */
    last = signer.s[signer.len - 1];
    sb_truncate(&signer, signer.len - 1);
    sb_append(&signer, last == '0' ? "1" : "0");
    assert_int_equal(verify_files("my-signed.json", sb_str(&signer), NULL, out, sizeof(out)), 1);
    assert_memory_equal(out, "REFUSED (untrusted_signer): ", 28);
    free(sig);
    sb_free(&signer);
    sb_free(&want);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(first_manifest_is_accepted),
        cmocka_unit_test(serial_logic),
        cmocka_unit_test(signature_refusals),
        cmocka_unit_test(torn_manifests_are_refused),
        cmocka_unit_test(invalid_manifest_is_refused),
        cmocka_unit_test(state_file_round_trip),
        cmocka_unit_test(a_reverted_serial_is_remembered),
        cmocka_unit_test(files_on_disk),
        cmocka_unit_test(verify_command_with_state),
        cmocka_unit_test(refusals_name_the_files_given),
        cmocka_unit_test(signer_pasted_from_the_certificate_dialog),
    };

    if (argc > 1)
        examples = argv[1];
    return cmocka_run_group_tests(tests, setup, teardown);
}
