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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(thumbprint_is_sha1_of_der),
        cmocka_unit_test(garbage_and_trailing_bytes_are_rejected),
        cmocka_unit_test(thumbprint_text_round_trips),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
