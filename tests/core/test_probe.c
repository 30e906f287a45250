/* The probe's portable parts without a network: the SIP OPTIONS request and the
 * response parser (probe_sip.c). The probe against real peers is probe_peers.sh. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "probe_sip.h"
#include "strbuf.h"

static const struct probe_sip_request tls_req = {.uri_host = "imp1.example.com",
                                                 .port = 5061,
                                                 .tls = 1,
                                                 .local_ip = "192.0.2.7",
                                                 .local_port = 40123,
                                                 .from_host = "fe1.example.com",
                                                 .id = "0123456789abcdef0123456789abcdef"};

static void options_request_is_a_minimal_correct_sip_request(void **state)
{
    struct strbuf b = {0};
    struct probe_sip_msg m;
    char call_id[128];
    const char *s;
    size_t used = 0;
    ofd_err e;

    (void)state;
    assert_int_equal(probe_sip_options(&tls_req, &b, call_id, sizeof(call_id), &e), OFD_OK);
    s = sb_str(&b);
    assert_true(!strncmp(s, "OPTIONS sip:imp1.example.com:5061;transport=tls SIP/2.0\r\n", 57));
    assert_non_null(strstr(s, "\r\nVia: SIP/2.0/TLS 192.0.2.7:40123;branch=z9hG4bK"));
    assert_non_null(strstr(s, "\r\nMax-Forwards: 70\r\n"));
    assert_non_null(strstr(s, "\r\nFrom: <sip:ocsfed-probe@fe1.example.com>;tag="));
    assert_non_null(strstr(s, "\r\nTo: <sip:imp1.example.com:5061>\r\n"));
    assert_non_null(strstr(s, "\r\nCSeq: 1 OPTIONS\r\n"));
    assert_non_null(strstr(s, "\r\nContact: <sip:ocsfed-probe@192.0.2.7:40123;transport=tls>\r\n"));
    /* The end of the headers, and no body. */
    assert_string_equal(s + b.len - 21, "Content-Length: 0\r\n\r\n");
    assert_string_equal(call_id, "0123456789abcdef@fe1.example.com");
    /* It reads back as what it is. */
    assert_int_equal(probe_sip_parse(s, b.len, &m, &used, &e), PROBE_SIP_MESSAGE);
    assert_int_equal(used, b.len);
    assert_int_equal(m.response, 0);
    assert_string_equal(m.method, "OPTIONS");
    assert_string_equal(m.call_id, call_id);
    assert_string_equal(m.cseq_method, "OPTIONS");
    sb_free(&b);
}

static void tcp_request_names_the_address_and_tcp(void **state)
{
    struct probe_sip_request r = tls_req;
    struct strbuf b = {0};
    char call_id[128];
    ofd_err e;

    (void)state;
    r.uri_host = "10.10.0.11";
    r.port = 5060;
    r.tls = 0;
    r.from_host = NULL;
    assert_int_equal(probe_sip_options(&r, &b, call_id, sizeof(call_id), &e), OFD_OK);
    assert_true(!strncmp(sb_str(&b), "OPTIONS sip:10.10.0.11:5060;transport=tcp SIP/2.0\r\n", 51));
    assert_non_null(strstr(sb_str(&b), "\r\nVia: SIP/2.0/TCP 192.0.2.7:40123;branch=z9hG4bK"));
    /* Without this server's name, its address stands in. */
    assert_string_equal(call_id, "0123456789abcdef@192.0.2.7");
    sb_free(&b);
}

static void a_header_cannot_be_injected(void **state)
{
    struct probe_sip_request r = tls_req;
    struct strbuf b = {0};
    char call_id[128];
    ofd_err e;

    (void)state;
    r.from_host = "fe1.example.com\r\nX-Evil: 1";
    assert_int_equal(probe_sip_options(&r, &b, call_id, sizeof(call_id), &e), OFD_E_INVALID);
    r = tls_req;
    r.id = "abc def";
    assert_int_equal(probe_sip_options(&r, &b, call_id, sizeof(call_id), &e), OFD_E_INVALID);
    r = tls_req;
    r.uri_host = "imp1.example.com>;x";
    assert_int_equal(probe_sip_options(&r, &b, call_id, sizeof(call_id), &e), OFD_E_INVALID);
    sb_free(&b);
}

#define OK200                                                                    \
    "SIP/2.0 200 OK\r\n"                                                         \
    "Via: SIP/2.0/TLS 192.0.2.7:40123;branch=z9hG4bK0123;received=192.0.2.7\r\n" \
    "From: <sip:ocsfed-probe@fe1.example.com>;tag=01234567\r\n"                  \
    "To: <sip:imp1.example.com:5061>;tag=99\r\n"                                 \
    "Call-ID: 0123456789abcdef@fe1.example.com\r\n"                              \
    "CSeq: 1 OPTIONS\r\n"                                                        \
    "Content-Length: 0\r\n"                                                      \
    "\r\n"

static void a_final_response_is_parsed_whole(void **state)
{
    static const char text[] = OK200;
    struct probe_sip_msg m;
    size_t used = 0, cut;
    ofd_err e;

    (void)state;
    assert_int_equal(probe_sip_parse(text, strlen(text), &m, &used, &e), PROBE_SIP_MESSAGE);
    assert_int_equal(used, strlen(text));
    assert_int_equal(m.response, 1);
    assert_int_equal(m.status, 200);
    assert_string_equal(m.reason, "OK");
    assert_string_equal(m.call_id, "0123456789abcdef@fe1.example.com");
    assert_string_equal(m.cseq_method, "OPTIONS");
    /* Arriving a piece at a time: incomplete until the last byte. */
    for (cut = 0; cut < strlen(text); cut++)
        assert_int_equal(probe_sip_parse(text, cut, &m, &used, &e), PROBE_SIP_INCOMPLETE);
}

static void provisional_then_final_with_a_body_and_compact_headers(void **state)
{
    static const char text[] = "\r\n\r\n" /* a keep-alive first (RFC 5626) */
                               "SIP/2.0 100 Trying\r\n"
                               "i: abc@fe1\r\n"
                               "CSeq: 1 OPTIONS\r\n"
                               "l: 0\r\n"
                               "\r\n"
                               "SIP/2.0 403 Forbidden by policy\n" /* bare LF line ends */
                               "call-id: abc@fe1\n"
                               "Content-Type: application/sdp\n"
                               "Content-Length:   5\n"
                               "\n"
                               "v=0\r\n"
                               "SIP/2.0 200";
    struct probe_sip_msg m;
    size_t used = 0, off;
    ofd_err e;

    (void)state;
    assert_int_equal(probe_sip_parse(text, strlen(text), &m, &used, &e), PROBE_SIP_MESSAGE);
    assert_int_equal(m.status, 100);
    assert_string_equal(m.call_id, "abc@fe1");
    off = used;
    assert_int_equal(probe_sip_parse(text + off, strlen(text) - off, &m, &used, &e), PROBE_SIP_MESSAGE);
    assert_int_equal(m.status, 403);
    assert_string_equal(m.reason, "Forbidden by policy");
    assert_string_equal(m.call_id, "abc@fe1");
    off += used;
    /* The body was skipped: what is left is the start of the next message. */
    assert_string_equal(text + off, "SIP/2.0 200");
    assert_int_equal(probe_sip_parse(text + off, strlen(text) - off, &m, &used, &e), PROBE_SIP_INCOMPLETE);
}

static void what_is_not_sip_is_said(void **state)
{
    static const char *const bad[] = {
        "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n",
        "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", /* a TLS record on a TCP route */
        "SIP/2.0 99 Too Low\r\nContent-Length: 0\r\n\r\n",
        "SIP/2.0 700 Too High\r\nContent-Length: 0\r\n\r\n",
        "SIP/2.0 2000 OK\r\nContent-Length: 0\r\n\r\n",
        "SIP/2.0 200 OK\r\nContent-Length: 99999999\r\n\r\n",
        "SIP/2.0 200 OK\r\nContent-Length: -1\r\n\r\n",
        "SIP/2.0 200 OK\r\nContent-Length: 12x\r\n\r\n",
        "SIP/2.0 200 OK\r\nno colon here\r\n\r\n",
        "OPTIONS SIP/2.0\r\nContent-Length: 0\r\n\r\n", /* no Request-URI (fuzz_sip found a read past it) */
        "OPTIONS  SIP/2.0\r\nContent-Length: 0\r\n\r\n",
    };
    struct probe_sip_msg m;
    size_t used, i;
    ofd_err e;

    (void)state;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ofd_err_clear(&e);
        if (probe_sip_parse(bad[i], strlen(bad[i]), &m, &used, &e) != PROBE_SIP_NOT_SIP)
            fail_msg("case %u was taken for SIP: %s", (unsigned)i, bad[i]);
        assert_true(e.msg[0] != '\0');
    }
}

static void headers_without_an_end_are_bounded(void **state)
{
    char *big = malloc(PROBE_SIP_MAX_HEADERS + 64);
    struct probe_sip_msg m;
    size_t used;
    ofd_err e;

    (void)state;
    assert_non_null(big);
    strcpy(big, "SIP/2.0 200 OK\r\nX-Long: ");
    memset(big + strlen(big), 'a', PROBE_SIP_MAX_HEADERS + 10);
    big[PROBE_SIP_MAX_HEADERS + 30] = '\0';
    assert_int_equal(probe_sip_parse(big, strlen(big), &m, &used, &e), PROBE_SIP_NOT_SIP);
    assert_non_null(strstr(e.msg, "16384"));
    /* Just under the bound it is only incomplete. */
    big[PROBE_SIP_MAX_HEADERS - 10] = '\0';
    assert_int_equal(probe_sip_parse(big, strlen(big), &m, &used, &e), PROBE_SIP_INCOMPLETE);
    free(big);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(options_request_is_a_minimal_correct_sip_request),
        cmocka_unit_test(tcp_request_names_the_address_and_tcp),
        cmocka_unit_test(a_header_cannot_be_injected),
        cmocka_unit_test(a_final_response_is_parsed_whole),
        cmocka_unit_test(provisional_then_final_with_a_body_and_compact_headers),
        cmocka_unit_test(what_is_not_sip_is_said),
        cmocka_unit_test(headers_without_an_end_are_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
