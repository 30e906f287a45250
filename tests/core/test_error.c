#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "error.h"
#include "strbuf.h"

static void set_formats_and_returns_code(void **state)
{
    ofd_err e;

    (void)state;
    ofd_err_clear(&e);
    assert_int_equal(ofd_err_set(&e, OFD_E_INVALID, "port %d out of range", 70000), OFD_E_INVALID);
    assert_int_equal(e.code, OFD_E_INVALID);
    assert_string_equal(e.msg, "port 70000 out of range");
    assert_string_equal(e.rule, "");
}

static void rule_is_recorded_and_prefix_adds_context(void **state)
{
    ofd_err e;

    (void)state;
    ofd_err_rule(&e, OFD_E_INVALID, "R6", "next hop '%s' is an IP address", "10.0.0.1");
    ofd_err_prefix(&e, "route for %s", "foo.com");
    assert_string_equal(e.rule, "R6");
    assert_string_equal(e.msg, "route for foo.com: next hop '10.0.0.1' is an IP address");
}

static void long_messages_are_truncated_not_overrun(void **state)
{
    ofd_err e;
    char big[3 * OFD_ERR_MSG_MAX];

    (void)state;
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    ofd_err_set(&e, OFD_E_IO, "%s", big);
    assert_int_equal(strlen(e.msg), OFD_ERR_MSG_MAX - 1);
    ofd_err_prefix(&e, "ctx");
    assert_int_equal(strlen(e.msg), OFD_ERR_MSG_MAX - 1);
    assert_memory_equal(e.msg, "ctx: x", 6);
}

static void null_error_is_allowed(void **state)
{
    (void)state;
    assert_int_equal(ofd_err_set(NULL, OFD_E_IO, "x"), OFD_E_IO);
    assert_string_equal(ofd_code_name(OFD_E_PLATFORM), "system call failed");
}

/* Text cut to a buffer inside a multi-byte character loses the partial character,
 * not the whole text (an event whose UTF-16 conversion failed was dropped). */
static void utf8_is_cut_on_a_character(void **state)
{
    char buf[2048];
    size_t i;

    (void)state;
    for (i = 0; i + 1 < sizeof(buf); i++)
        buf[i] = 'x';
    buf[sizeof(buf) - 1] = '\0';
    /* "é" (2 bytes), "€" (3), "𝄞" (4) with their last byte cut, then whole. */
    memcpy(buf + 2046, "\xc3", 1);
    assert_int_equal(ofd_utf8_trim(buf), 2046);
    memcpy(buf + 2045, "\xe2\x82", 2);
    buf[2047] = '\0';
    assert_int_equal(ofd_utf8_trim(buf), 2045);
    memcpy(buf + 2044, "\xf0\x9d\x84", 3);
    buf[2047] = '\0';
    assert_int_equal(ofd_utf8_trim(buf), 2044);
    memcpy(buf + 2044, "x\xc3\xa9", 3);
    buf[2047] = '\0';
    assert_int_equal(ofd_utf8_trim(buf), 2047);
    assert_int_equal(ofd_utf8_trim(strcpy(buf, "caf\xc3\xa9 \xe2\x82\xac")), 9);
    assert_int_equal(ofd_utf8_trim(strcpy(buf, "")), 0);
}

/* Text quoted from a manifest or a node file reaches the operator through these
 * messages: its control characters, C1 controls and bidi or invisible format
 * characters are shown as escapes (a newline, an ESC sequence or U+202E printed raw
 * would break or disguise the line), everything else as it was. */
static void controls_in_messages_are_escaped(void **state)
{
    ofd_err e;
    char big[OFD_ERR_MSG_MAX + 16];

    (void)state;
    ofd_err_set(&e, OFD_E_INVALID, "FQDN '%s' is not valid",
                "fe1.exa\nmple.com\t\r\b\f\x01\x1b[31m\x7f\xc2\x85\xe2\x80\xae\xe2\x81\xa6\xe2\x80\x8e\xe2\x80\x8b"
                "\xef\xbb\xbf\xe2\x80\xa8");
    assert_string_equal(e.msg, "FQDN 'fe1.exa\\nmple.com\\t\\r\\b\\f\\u0001\\u001b[31m\\u007f\\u0085\\u202e\\u2066"
                               "\\u200e\\u200b\\ufeff\\u2028' is not valid");
    /* Backslashes, quotes and letters of any script are the input's own. */
    ofd_err_set(&e, OFD_E_INVALID, "'%s'", "certs\\..\\root.pem \"ex\xc3\xa4mple\" \xc2\xa0");
    assert_string_equal(e.msg, "'certs\\..\\root.pem \"ex\xc3\xa4mple\" \xc2\xa0'");
    /* Bytes that are not UTF-8 (a stray continuation, a lone lead byte, an overlong
     * form, a surrogate) are shown as \xNN: the message stays valid UTF-8. */
    ofd_err_set(&e, OFD_E_INVALID, "CN '%s'",
                "a\x80"
                "b\xff\xc3z\xc0\xaf\xed\xa0\x80\xf4\x90\x80\x80");
    assert_string_equal(e.msg, "CN 'a\\x80b\\xff\\xc3z\\xc0\\xaf\\xed\\xa0\\x80\\xf4\\x90\\x80\\x80'");
    ofd_err_rule(&e, OFD_E_INVALID, "R4", "domain '%s'", "a\nb");
    assert_string_equal(e.msg, "domain 'a\\nb'");
    ofd_err_prefix(&e, "in '%s'", "x\ty");
    assert_string_equal(e.msg, "in 'x\\ty': domain 'a\\nb'");
    /* Already escaped text passes through unchanged (a message copied into another). */
    ofd_err_set(&e, OFD_E_INVALID, "first: %s", "in 'x\\ty': domain 'a\\nb'");
    assert_string_equal(e.msg, "first: in 'x\\ty': domain 'a\\nb'");
    /* Cut at the end of the buffer: never in the middle of an escape. */
    memset(big, 'x', OFD_ERR_MSG_MAX - 3);
    strcpy(big + OFD_ERR_MSG_MAX - 3, "\x1b");
    ofd_err_set(&e, OFD_E_INVALID, "%s", big);
    assert_int_equal(strlen(e.msg), OFD_ERR_MSG_MAX - 3);
    assert_int_equal(e.msg[OFD_ERR_MSG_MAX - 4], 'x');
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(set_formats_and_returns_code),
        cmocka_unit_test(rule_is_recorded_and_prefix_adds_context),
        cmocka_unit_test(long_messages_are_truncated_not_overrun),
        cmocka_unit_test(null_error_is_allowed),
        cmocka_unit_test(utf8_is_cut_on_a_character),
        cmocka_unit_test(controls_in_messages_are_escaped),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
