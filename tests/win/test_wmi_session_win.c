/* Wine's real WMI (wbemprox) through the agent's wmi/ layer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "wmi.h"

struct services {
    int rows;
    int have_winmgmt;
    char state[64];
};

static enum ofd_code collect(void *ctx, IWbemClassObject *row, ofd_err *e)
{
    struct services *sv = ctx;
    char *name = NULL, *state = NULL;
    enum ofd_code rc;

    if ((rc = wmi_get_string(row, "Name", &name, e)) != OFD_OK)
        goto out;
    if ((rc = wmi_get_string(row, "State", &state, e)) != OFD_OK)
        goto out;
    sv->rows++;
    if (_stricmp(name, "winmgmt") == 0) {
        sv->have_winmgmt = 1;
        snprintf(sv->state, sizeof(sv->state), "%s", state);
    }
out:
    free(name);
    free(state);
    return rc;
}

static void win32_service_lists_services(void **state)
{
    wmi_session *s = NULL;
    struct services sv = {0};
    ofd_err e;

    (void)state;
    ofd_err_clear(&e);
    assert_int_equal(wmi_open("ROOT\\CIMV2", &s, &e), OFD_OK);
    assert_int_equal(wmi_query(s, "SELECT Name, State FROM Win32_Service", collect, &sv, &e), OFD_OK);
    /* A booted prefix registers a few dozen services; the WMI service itself is one. */
    assert_true(sv.rows >= 5);
    assert_true(sv.have_winmgmt);
    assert_true(strcmp(sv.state, "Running") == 0 || strcmp(sv.state, "Stopped") == 0);
    assert_int_equal(wmi_call_count(s), 1);
    wmi_close(s);
}

static void where_clause_selects_one_service(void **state)
{
    wmi_session *s = NULL;
    struct services sv = {0};
    ofd_err e;

    (void)state;
    assert_int_equal(wmi_open("ROOT\\CIMV2", &s, &e), OFD_OK);
    assert_int_equal(wmi_query(s, "SELECT Name, State FROM Win32_Service WHERE Name = 'winmgmt'", collect, &sv, &e),
                     OFD_OK);
    assert_int_equal(sv.rows, 1);
    assert_true(sv.have_winmgmt);
    wmi_close(s);
}

static void bad_query_is_an_error_with_the_wbem_name(void **state)
{
    wmi_session *s = NULL;
    struct services sv = {0};
    ofd_err e;

    (void)state;
    assert_int_equal(wmi_open("ROOT\\CIMV2", &s, &e), OFD_OK);
    assert_int_equal(wmi_query(s, "SELEKT * FROM", collect, &sv, &e), OFD_E_PLATFORM);
    assert_non_null(strstr(e.msg, "WMI query \"SELEKT * FROM\" failed: WBEM_E_"));
    assert_true(e.raw != 0);
    assert_int_equal(sv.rows, 0);
    wmi_close(s);
}

static enum ofd_code stop_after_first(void *ctx, IWbemClassObject *row, ofd_err *e)
{
    (void)row;
    (*(int *)ctx)++;
    return ofd_err_set(e, OFD_E_CONFLICT, "callback stops the query");
}

static void callback_error_stops_the_query(void **state)
{
    wmi_session *s = NULL;
    int calls = 0;
    ofd_err e;

    (void)state;
    assert_int_equal(wmi_open("ROOT\\CIMV2", &s, &e), OFD_OK);
    assert_int_equal(wmi_query(s, "SELECT Name FROM Win32_Service", stop_after_first, &calls, &e), OFD_E_CONFLICT);
    assert_int_equal(calls, 1);
    assert_string_equal(e.msg, "callback stops the query");
    wmi_close(s);
}

static void missing_property_is_reported_by_name(void **state)
{
    wmi_session *s = NULL;
    struct services sv = {0};
    ofd_err e;

    (void)state;
    assert_int_equal(wmi_open("ROOT\\CIMV2", &s, &e), OFD_OK);
    /* Win32_OperatingSystem has a Name but no State: the reader names the property. */
    assert_int_equal(wmi_query(s, "SELECT * FROM Win32_OperatingSystem", collect, &sv, &e), OFD_E_PLATFORM);
    assert_non_null(strstr(e.msg, "reading WMI property State: WBEM_E_NOT_FOUND"));
    assert_int_equal(sv.rows, 0);
    wmi_close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(win32_service_lists_services),
        cmocka_unit_test(where_clause_selects_one_service),
        cmocka_unit_test(bad_query_is_an_error_with_the_wbem_name),
        cmocka_unit_test(callback_error_stops_the_query),
        cmocka_unit_test(missing_property_is_reported_by_name),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
