#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "cs.h"
#include "testcert.h"

static void thumbprint_is_sha1_of_der(void **state)
{
    unsigned char *der = NULL, tp[CS_SHA1_LEN], md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    size_t len = 0;
    ofd_err e;

    (void)state;
    assert_int_equal(testcert_make_selfsigned("ocs1.example.com", 30, &der, &len), 0);
    assert_int_equal(cs_x509_thumbprint(der, len, tp, &e), OFD_OK);
    /* Computed independently: CryptoAPI's thumbprint is SHA-1 over the encoding. */
    assert_true(EVP_Digest(der, len, md, &mdlen, EVP_sha1(), NULL));
    assert_int_equal(mdlen, CS_SHA1_LEN);
    assert_memory_equal(tp, md, CS_SHA1_LEN);
    free(der);
}

static void garbage_and_trailing_bytes_are_rejected(void **state)
{
    unsigned char *der = NULL, tp[CS_SHA1_LEN], *longer;
    size_t len = 0;
    ofd_err e;

    (void)state;
    assert_int_equal(cs_x509_thumbprint((const unsigned char *)"nope", 4, tp, &e), OFD_E_CRYPTO);
    assert_non_null(strstr(e.msg, "not a DER X.509 certificate (4 bytes)"));
    assert_int_equal(testcert_make_selfsigned("x", 1, &der, &len), 0);
    longer = malloc(len + 1);
    assert_non_null(longer);
    memcpy(longer, der, len);
    longer[len] = 0;
    assert_int_equal(cs_x509_thumbprint(longer, len + 1, tp, &e), OFD_E_CRYPTO);
    free(longer);
    free(der);
}

static void thumbprint_text_round_trips(void **state)
{
    unsigned char tp[CS_SHA1_LEN];
    char hex[2 * CS_SHA1_LEN + 1];
    ofd_err e;

    (void)state;
    assert_int_equal(cs_thumbprint_parse("a1:b2 c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4", tp, &e), OFD_OK);
    cs_thumbprint_hex(tp, hex);
    assert_string_equal(hex, "A1B2C3D4E5F60718293A4B5C6D7E8F90A1B2C3D4");
    assert_int_equal(cs_thumbprint_parse("A1B2", tp, &e), OFD_E_INVALID);
    assert_string_equal(e.msg, "thumbprint 'A1B2' is not 40 hexadecimal digits");
    assert_int_equal(cs_thumbprint_parse("zz", tp, &e), OFD_E_INVALID);
}

/* A thumbprint copied from the certificate dialog (MMC, Details, Thumbprint) starts
 * with an invisible U+200E LEFT-TO-RIGHT MARK and shows its digits in pairs; others
 * bring U+200F, U+FEFF, U+200B or no-break spaces along. Those are removed; the 20
 * bytes compared afterwards are the digits' only. A character that reorders what is
 * shown (a bidi override) or anything else is refused. */
static void thumbprints_pasted_from_the_certificate_dialog(void **state)
{
    unsigned char tp[CS_SHA1_LEN], want[CS_SHA1_LEN];
    char removed[200];
    ofd_err e;

    (void)state;
    assert_int_equal(cs_thumbprint_parse("a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4", want, &e), OFD_OK);
    assert_int_equal(cs_thumbprint_parse("\xe2\x80\x8e"
                                         "a1 b2 c3 d4 e5 f6 07 18 29 3a 4b 5c 6d 7e 8f 90 a1 b2 c3 d4",
                                         tp, &e),
                     OFD_OK);
    assert_memory_equal(tp, want, CS_SHA1_LEN);
    assert_int_equal(cs_thumbprint_parse("\xef\xbb\xbf"
                                         "a1b2c3d4e5f60718293a\xc2\xa0\xe2\x80\x8b"
                                         "4b5c6d7e8f90a1b2c3d4\xe2\x80\x8f",
                                         tp, &e),
                     OFD_OK);
    assert_memory_equal(tp, want, CS_SHA1_LEN);
    /* What was removed is named, for a warning; separators are not invisible. */
    assert_int_equal(cs_thumbprint_parse_ex("\xe2\x80\x8e"
                                            "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4",
                                            tp, removed, sizeof(removed), &e),
                     OFD_OK);
    assert_string_equal(removed, "U+200E LEFT-TO-RIGHT MARK");
    assert_int_equal(
        cs_thumbprint_parse_ex("a1:b2 c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4", tp, removed, sizeof(removed), &e), OFD_OK);
    assert_string_equal(removed, "");
    assert_int_equal(cs_thumbprint_parse_ex("\xe2\x80\x8f"
                                            "a1\xc2\xa0"
                                            "b2\xc2\xa0"
                                            "c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4\xe2\x80\x8f",
                                            tp, removed, sizeof(removed), &e),
                     OFD_OK);
    assert_string_equal(removed, "U+200F RIGHT-TO-LEFT MARK (2 times), U+00A0 NO-BREAK SPACE (2 times)");
    assert_memory_equal(tp, want, CS_SHA1_LEN);
    /* 41 digits, or 39: not a thumbprint. */
    assert_int_equal(cs_thumbprint_parse("a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d45", tp, &e), OFD_E_INVALID);
    assert_int_equal(cs_thumbprint_parse("a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d", tp, &e), OFD_E_INVALID);
    assert_int_equal(cs_thumbprint_parse("\xe2\x80\xae"
                                         "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4",
                                         tp, &e),
                     OFD_E_INVALID);
    assert_string_equal(e.msg, "thumbprint '\\u202ea1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4' is not 40 hexadecimal "
                               "digits");
    assert_int_equal(cs_thumbprint_parse("a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4\xe2\x80", tp, &e), OFD_E_INVALID);
    assert_int_equal(cs_thumbprint_parse("\xe2\x80\x8e", tp, &e), OFD_E_INVALID);
}

/* base64 through OpenSSL's coder: round trips, line breaks and spaces ignored, the
 * padding counted right, anything else refused. */
static void base64_round_trips_and_refuses_what_is_not(void **state)
{
    static const unsigned char bytes[] = {0x30, 0x82, 0x01, 0x0a, 0xff};
    unsigned char *out = NULL;
    size_t n, len = 0;
    char *b;

    (void)state;
    for (n = 0; n <= sizeof(bytes); n++) {
        assert_non_null(b = cs_base64_encode(bytes, n));
        if (n == 0) {
            assert_string_equal(b, "");
            assert_int_equal(cs_base64_decode(b, &out, &len), -1);
        } else {
            assert_int_equal(cs_base64_decode(b, &out, &len), 0);
            assert_int_equal(len, n);
            assert_memory_equal(out, bytes, n);
            free(out);
        }
        free(b);
    }
    assert_int_equal(cs_base64_decode("MIIB\r\nCg==\n", &out, &len), 0);
    assert_int_equal(len, 4);
    assert_memory_equal(out, "\x30\x82\x01\x0a", 4);
    free(out);
    assert_int_equal(cs_base64_decode("MII*Cg==", &out, &len), -1);
    assert_int_equal(cs_base64_decode("MI=BCg==", &out, &len), -1);
    assert_int_equal(cs_base64_decode("MIIBC", &out, &len), -1);
    assert_int_equal(cs_base64_decode("====", &out, &len), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(base64_round_trips_and_refuses_what_is_not),     cmocka_unit_test(thumbprint_is_sha1_of_der),
        cmocka_unit_test(garbage_and_trailing_bytes_are_rejected),        cmocka_unit_test(thumbprint_text_round_trips),
        cmocka_unit_test(thumbprints_pasted_from_the_certificate_dialog),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
