/* jsonpos: every value's line:column under its JSON pointer, member names' positions,
 * escapes in pointers, strict syntax with positions, duplicate keys, limits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "jsonpos.h"

static struct jsonpos *scan_ok(const char *text, struct diags *d)
{
    struct jsonpos *p = NULL;
    ofd_err e;

    assert_int_equal(jsonpos_scan(text, strlen(text), &p, d, &e), OFD_OK);
    return p;
}

static void at(const struct jsonpos *p, const char *ptr, int line, int col)
{
    int l = 0, c = 0;

    assert_true(jsonpos_find(p, ptr, &l, &c));
    assert_int_equal(l, line);
    assert_int_equal(c, col);
}

static void positions(void **state)
{
    struct diags d = {0};
    struct jsonpos *p;
    int l, c;

    (void)state;
    p = scan_ok("{\n  \"a\": [1, {\"b/c\": true, \"d~e\": null}],\n\t\"\xc3\xa9t\xc3\xa9\": \"x\"\n}", &d);
    assert_int_equal(d.n, 0);
    at(p, "", 1, 1);
    at(p, "/a", 2, 8);
    at(p, "/a/0", 2, 9);
    at(p, "/a/1", 2, 12);
    at(p, "/a/1/b~1c", 2, 20);
    at(p, "/a/1/d~0e", 2, 33);
    at(p, "/\xc3\xa9t\xc3\xa9", 3, 9); /* a tab is one column, é one character */
    assert_true(jsonpos_find_key(p, "/a/1/d~0e", &l, &c));
    assert_int_equal(c, 26);
    assert_false(jsonpos_find(p, "/zz", &l, &c));
    assert_int_equal(jsonpos_count(p), 7);
    jsonpos_free(p);
}

static void duplicates_all_reported(void **state)
{
    struct diags d = {0};
    struct jsonpos *p;

    (void)state;
    p = scan_ok("{\"k\": 1, \"o\": {\"x\": 1, \"x\": 2}, \"k\": 3}", &d);
    assert_int_equal(d.nerrors, 2);
    assert_string_equal(d.v[0].ptr, "/o/x");
    assert_string_equal(d.v[0].msg, "duplicate key 'x' (first at 1:16)");
    assert_int_equal(d.v[0].col, 24);
    assert_string_equal(d.v[1].msg, "duplicate key 'k' (first at 1:2)");
    jsonpos_free(p);
    diags_free(&d);
}

#define UTF16_FIX                                                                                                    \
    "save it as UTF-8 (Notepad: File > Save As, Encoding UTF-8; PowerShell: Set-Content -Encoding UTF8 or Out-File " \
    "-Encoding utf8, not '>')"

static void syntax(void **state)
{
    static const struct {
        const char *text;
        int line, col;
        const char *msg;
        size_t len; /* 0: strlen(text) */
    } cases[] = {
        {"{\"a\" 1}", 1, 6, "unexpected '1', expected ':' after the member name", 0},
        {"[1,]", 1, 4, "unexpected ']', expected another element after ',' (no trailing commas in JSON)", 0},
        {"[01]", 1, 3, "unexpected '1', expected ',' or ']' after an array element", 0},
        {"[1.]", 1, 4, "unexpected ']', expected a digit after '.'", 0},
        {"{\"a\": tru}", 1, 10, "unexpected '}', expected a value (object, array, string, number, true, false or null)",
         0},
        {"\"a\\q\"", 1, 3,
         "'\\q' is not a JSON escape (\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX): write \\\\ for a backslash", 0},
        {"\"a\\x41\"", 1, 3,
         "'\\x' is not a JSON escape: write \\u0041 for that character (\\u and four hexadecimal "
         "digits), \\\\ for a backslash",
         0},
        {"{\"file\": \"C:\\Users\\x.pem\"}", 1, 13,
         "'\\U' is not a JSON escape (a single backslash starts one): write the path with '/' (\"C:/Users/x.pem\") or "
         "double each backslash (\"C:\\\\Users\\\\x.pem\")",
         0},
        {"[1, // one\n 2]", 1, 5, "unexpected '//': JSON has no comments; remove it", 0},
        {"/* x */ {}", 1, 1, "unexpected '/*': JSON has no comments; remove it", 0},
        {"{} # x", 1, 4, "unexpected '#': JSON has no comments; remove it", 0},
        {"[\"a//b\", 1 /]", 1, 12, "unexpected '/', expected ',' or ']' after an array element", 0},
        {"[\"\\u#abc\"]", 1, 5, "unexpected '#', expected four hexadecimal digits after \\u", 0},
        {"[-//]", 1, 3, "unexpected '/', expected a digit", 0},
        {"\xff\xfe{\0}\0", 1, 1, "the file is UTF-16 (little-endian, byte order mark FF FE), not UTF-8: " UTF16_FIX, 6},
        {"\xfe\xff\0{\0}", 1, 1, "the file is UTF-16 (big-endian, byte order mark FE FF), not UTF-8: " UTF16_FIX, 6},
        {"{\0\n\0}\0", 1, 1,
         "the file is UTF-16 (little-endian without a byte order mark: every second byte is 0), "
         "not UTF-8: " UTF16_FIX,
         6},
        {"\"\\udc00\"", 1, 8, "unexpected '\"', expected a high surrogate before a low one (\\uD800-\\uDBFF)", 0},
        {"\"\\ud800x\"", 1, 8, "unexpected 'x', expected a low surrogate escape (\\uDC00-\\uDFFF) after a high one", 0},
        {"\"a\nb\"", 1, 3, "unexpected byte 0x0A, expected no control characters in a string (use \\n, \\t, ...)", 0},
        {"\"\xff\"", 1, 2, "unexpected byte 0xFF, expected valid UTF-8", 0},
        {"\"\xc0\xaf\"", 1, 2, "unexpected byte 0xC0, expected valid UTF-8", 0},
        {"{} {}", 1, 4, "unexpected '{', expected the end of the document after the top-level value", 0},
        {"[\"abc", 1, 6, "unexpected end of input, expected '\"' to close the string", 0},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct diags d = {0};
        struct jsonpos *p = NULL;
        ofd_err e;
        assert_int_equal(jsonpos_scan(cases[i].text, cases[i].len ? cases[i].len : strlen(cases[i].text), &p, &d, &e),
                         OFD_E_INVALID);
        assert_null(p);
        assert_int_equal(d.n, 1);
        assert_string_equal(d.v[0].rule, "syntax");
        assert_string_equal(d.v[0].msg, cases[i].msg);
        assert_int_equal(d.v[0].line, cases[i].line);
        assert_int_equal(d.v[0].col, cases[i].col);
        diags_free(&d);
    }
}

static void valid_escapes(void **state)
{
    struct diags d = {0};
    struct jsonpos *p;

    (void)state;
    p = scan_ok("{\"\\u00e9\\ud83d\\ude00\\/\": [-0, 1e5, -2.5E-3, \"\\b\\f\\n\\r\\t\\\"\\\\\"]}", &d);
    at(p, "/\xc3\xa9\xf0\x9f\x98\x80~1", 1, 26);
    assert_int_equal(d.n, 0);
    jsonpos_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(positions),
        cmocka_unit_test(duplicates_all_reported),
        cmocka_unit_test(syntax),
        cmocka_unit_test(valid_escapes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
