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
        cmocka_unit_test(base64_round_trips_and_refuses_what_is_not),
        cmocka_unit_test(thumbprint_is_sha1_of_der),
        cmocka_unit_test(garbage_and_trailing_bytes_are_rejected),
        cmocka_unit_test(thumbprint_text_round_trips),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
