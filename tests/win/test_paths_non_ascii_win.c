/* Paths with characters outside the ANSI code page, under Wine: every file the agent
 * reads or writes is opened by its UTF-16 name. Before, the state file was written as
 * UTF-16 but read through the ANSI code page: under a folder named with an "é" it read
 * as missing, and anti-rollback was silently off (`ocsfed verify --state` accepted an
 * older serial). */
#include <windows.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cs.h"
#include "fsutil.h"
#include "intake.h"
#include "strbuf.h"
#include "testcert.h"
#include "testutil.h"
#include "trust.h"

/* "état-ocsfed" and "données" in UTF-8: neither is in every ANSI code page. */
#define DIR_STATE "\xc3\xa9tat-ocsfed"
#define DIR_SHARE  \
    "donn\xc3\xa9" \
    "es"

static const char manifest_text[] =
    "{\"manifest_version\": 1, \"serial\": 12, \"imp\": {\"transport\": \"tls\", \"domains\": [\"example.com\"], "
    "\"nodes\": [{\"fqdn\": \"imp1.example.com\", \"ip\": \"10.10.0.11\"}]}, \"ocs\": {\"edition\": \"standard\", "
    "\"servers\": [\"ocs-se1.example.com\"]}, \"certificates\": {\"trusted_roots\": [\"certs/r\xc3\xa9seau.pem\"]}}\n";

static void anti_rollback_holds_under_a_non_ascii_folder(void **state)
{
    struct testcert ca, pub;
    struct intake_state st;
    unsigned char *der = NULL, *sig = NULL, tp[CS_SHA1_LEN];
    size_t der_len = 0, sig_len = 0;
    char tp_hex[41], *text = NULL;
    size_t len = 0;
    ofd_err e;

    (void)state;
    assert_int_equal(ofd_make_dir(DIR_STATE, &e), OFD_OK);
    assert_int_equal(ofd_make_dir(DIR_SHARE, &e), OFD_OK);
    assert_int_equal(ofd_make_dir(DIR_SHARE "/certs", &e), OFD_OK);
    /* A manifest naming a certificate, both under non-ASCII names, pinned and signed. */
    assert_int_equal(testcert_ca("R\xc3\xa9seau Root CA", 30, &ca), 0);
    assert_int_equal(testcert_der(&ca, &der, &der_len), 0);
    assert_int_equal(ofd_write_file_atomic(DIR_SHARE "/certs/r\xc3\xa9seau.pem", (const char *)der, der_len, &e),
                     OFD_OK);
    free(der);
    assert_int_equal(ofd_write_file_atomic(DIR_SHARE "/manifest.json", manifest_text, sizeof(manifest_text) - 1, &e),
                     OFD_OK);
    assert_int_equal(testutil_ocsfed("pin", DIR_SHARE "/manifest.json", NULL), 0);
    assert_int_equal(ofd_read_file(DIR_SHARE "/manifest.json", 1u << 20, &text, &len, &e), OFD_OK);
    assert_int_equal(testcert_leaf(&ca, "publisher", NULL, NULL, -1, 30, &pub), 0);
    assert_int_equal(testcert_der(&pub, &der, &der_len), 0);
    assert_int_equal(cs_x509_thumbprint(der, der_len, tp, &e), OFD_OK);
    cs_thumbprint_hex(tp, tp_hex);
    assert_int_equal(trust_sign((const unsigned char *)text, len, pub.key, pub.x, &sig, &sig_len, &e), OFD_OK);
    assert_int_equal(ofd_write_file_atomic(DIR_SHARE "/manifest.json.p7s", (const char *)sig, sig_len, &e), OFD_OK);
    assert_int_equal(testutil_ocsfed("verify", DIR_SHARE "/manifest.json", "--signer", tp_hex, NULL), 0);

    /* The floor is serial 13, in the state file under the non-ASCII folder. */
    memset(&st, 0, sizeof(st));
    st.present = 1;
    st.last_serial = 13;
    assert_int_equal(intake_state_save(DIR_STATE "/state.json", &st, &e), OFD_OK);
    assert_true(GetFileAttributesW(L"\u00e9tat-ocsfed\\state.json") != INVALID_FILE_ATTRIBUTES);
    memset(&st, 0, sizeof(st));
    assert_int_equal(intake_state_load(DIR_STATE "/state.json", &st, &e), OFD_OK);
    assert_int_equal(st.present, 1);
    assert_int_equal(st.last_serial, 13);
    /* So the signed serial 12 is refused as older, as the agent would. */
    assert_int_equal(testutil_ocsfed("verify", DIR_SHARE "\\manifest.json", "--signer", tp_hex, "--state",
                                     DIR_STATE "\\state.json", NULL),
                     1);
    assert_non_null(strstr(testutil_out, "REFUSED (older_serial)"));
    free(text);
    free(sig);
    free(der);
    testcert_free(&pub);
    testcert_free(&ca);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(anti_rollback_holds_under_a_non_ascii_folder),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
