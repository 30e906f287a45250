/* A certificate through Wine's real CryptoAPI LocalMachine\Root store: added by this
 * process, found again by a second process, removed, and gone for a third. */
#include <windows.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cs_store.h"
#include "testcert.h"
#include "testproc.h"

/* Runs this test program again as "find THUMBPRINT" and returns its exit code:
 * 0 found, 3 not found, other: error. */
static DWORD find_in_child(const char *hex)
{
    return testproc_rerun("find", hex);
}

static void root_store_round_trip_across_processes(void **state)
{
    unsigned char *der = NULL, tp[CS_SHA1_LEN];
    char hex[2 * CS_SHA1_LEN + 1];
    size_t len = 0;
    int added = -1, found = -1, removed = -1;
    ofd_err e;

    (void)state;
    ofd_err_clear(&e);
    assert_int_equal(testcert_make_selfsigned("ocsfed test root", 30, &der, &len), 0);
    assert_int_equal(cs_x509_thumbprint(der, len, tp, &e), OFD_OK);
    cs_thumbprint_hex(tp, hex);

    assert_int_equal(cs_store_find("Root", tp, &found, &e), OFD_OK);
    assert_int_equal(found, 0);
    assert_int_equal(find_in_child(hex), 3);

    assert_int_equal(cs_store_add("Root", der, len, &added, &e), OFD_OK);
    assert_int_equal(added, 1);
    assert_int_equal(cs_store_find("Root", tp, &found, &e), OFD_OK);
    assert_int_equal(found, 1);
    assert_int_equal(find_in_child(hex), 0);

    /* Idempotent: a second add changes nothing. */
    assert_int_equal(cs_store_add("Root", der, len, &added, &e), OFD_OK);
    assert_int_equal(added, 0);

    assert_int_equal(cs_store_remove("Root", tp, &removed, &e), OFD_OK);
    assert_int_equal(removed, 1);
    assert_int_equal(cs_store_find("Root", tp, &found, &e), OFD_OK);
    assert_int_equal(found, 0);
    assert_int_equal(find_in_child(hex), 3);
    assert_int_equal(cs_store_remove("Root", tp, &removed, &e), OFD_OK);
    assert_int_equal(removed, 0);
    free(der);
}

static void bad_input_is_refused_with_a_message(void **state)
{
    unsigned char tp[CS_SHA1_LEN] = {0};
    int found = -1;
    ofd_err e;

    (void)state;
    assert_int_equal(cs_store_add("Root", (const unsigned char *)"junk", 4, NULL, &e), OFD_E_CRYPTO);
    assert_non_null(strstr(e.msg, "not a DER X.509 certificate"));
    assert_int_equal(cs_store_find("NoSuchStore", tp, &found, &e), OFD_E_PLATFORM);
    assert_non_null(strstr(e.msg, "cannot open the local machine certificate store 'NoSuchStore'"));
    assert_int_equal(found, -1);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(root_store_round_trip_across_processes),
        cmocka_unit_test(bad_input_is_refused_with_a_message),
    };

    if (argc == 3 && strcmp(argv[1], "find") == 0) {
        unsigned char tp[CS_SHA1_LEN];
        int found = 0;
        ofd_err e;

        if (cs_thumbprint_parse(argv[2], tp, &e) != OFD_OK || cs_store_find("Root", tp, &found, &e) != OFD_OK) {
            fprintf(stderr, "child: %s\n", e.msg);
            return 2;
        }
        return found ? 0 : 3;
    }
    return cmocka_run_group_tests(tests, NULL, NULL);
}
