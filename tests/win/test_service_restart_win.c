/* R19: restarting the Front End through the agent's SCM code, against real services
 * registered in the Wine prefix (tests/win/fake_frontend_service.c). */
#include <windows.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "scm_win.h"

/* Registers service `name` running fake_frontend_service.exe (beside this test) with
 * `mode`; demand start. */
static void install(const wchar_t *name, const wchar_t *mode)
{
    wchar_t exe[MAX_PATH], cmd[2 * MAX_PATH], *slash;
    SC_HANDLE scm, svc;

    assert_true(GetModuleFileNameW(NULL, exe, MAX_PATH) > 0);
    slash = wcsrchr(exe, L'\\');
    assert_non_null(slash);
    slash[1] = 0;
    _snwprintf(cmd, sizeof(cmd) / sizeof(cmd[0]), L"\"%lsfake_frontend_service.exe\" %ls", exe, mode);
    cmd[sizeof(cmd) / sizeof(cmd[0]) - 1] = 0;
    scm = OpenSCManagerW(NULL, NULL, SC_MANAGER_ALL_ACCESS);
    assert_non_null(scm);
    svc = CreateServiceW(scm, name, name, SERVICE_ALL_ACCESS, SERVICE_WIN32_OWN_PROCESS, SERVICE_DEMAND_START,
                         SERVICE_ERROR_NORMAL, cmd, NULL, NULL, NULL, NULL, NULL);
    assert_non_null(svc);
    CloseServiceHandle(svc);
    CloseServiceHandle(scm);
}

static void start_and_wait(const wchar_t *name, const char *uname, uint32_t *pid)
{
    SC_HANDLE scm, svc;
    enum scm_service_state st = 0;
    ofd_err e;
    int i;

    scm = OpenSCManagerW(NULL, NULL, SC_MANAGER_ALL_ACCESS);
    svc = OpenServiceW(scm, name, SERVICE_START);
    assert_non_null(svc);
    assert_true(StartServiceW(svc, 0, NULL));
    CloseServiceHandle(svc);
    CloseServiceHandle(scm);
    for (i = 0; i < 100; i++) {
        assert_int_equal(scm_service_query(uname, &st, pid, &e), OFD_OK);
        if (st == SCM_SVC_RUNNING)
            break;
        Sleep(50);
    }
    assert_int_equal(st, SCM_SVC_RUNNING);
}

static void running_service_is_restarted_as_a_new_process(void **state)
{
    uint32_t pid = 0, pid2 = 0, pid3 = 0;
    enum scm_service_state st = 0;
    ofd_err e;

    (void)state;
    install(L"OcsFedTestFE", L"ok");
    start_and_wait(L"OcsFedTestFE", "OcsFedTestFE", &pid);
    assert_true(pid != 0);
    assert_int_equal(scm_service_restart("OcsFedTestFE", 10000, &pid2, &e), OFD_OK);
    assert_true(pid2 != 0);
    assert_true(pid2 != pid);
    assert_int_equal(scm_service_query("OcsFedTestFE", &st, &pid3, &e), OFD_OK);
    assert_int_equal(st, SCM_SVC_RUNNING);
    assert_int_equal(pid3, pid2);
}

static void stopped_service_is_started(void **state)
{
    uint32_t pid = 0;
    enum scm_service_state st = 0;
    ofd_err e;

    (void)state;
    install(L"OcsFedTestStopped", L"ok");
    assert_int_equal(scm_service_query("OcsFedTestStopped", &st, NULL, &e), OFD_OK);
    assert_int_equal(st, SCM_SVC_STOPPED);
    assert_int_equal(scm_service_restart("OcsFedTestStopped", 10000, &pid, &e), OFD_OK);
    assert_true(pid != 0);
    assert_int_equal(scm_service_query("OcsFedTestStopped", &st, NULL, &e), OFD_OK);
    assert_int_equal(st, SCM_SVC_RUNNING);
}

/* Both ways a Front End can fail to start give the operator its own exit codes: stopping
 * after START_PENDING (seen while polling, or racing StartService under load) and stopping
 * before it (Wine's SCM fails StartService with ERROR_SERVICE_REQUEST_TIMEOUT). */
static void service_that_cannot_start_is_reported(void **state)
{
    static const struct {
        const wchar_t *name, *mode;
        const char *uname;
    } cases[] = {{L"OcsFedTestBroken", L"fail", "OcsFedTestBroken"},
                 {L"OcsFedTestBrokenNow", L"fail-now", "OcsFedTestBrokenNow"}};
    char want[200];
    ofd_err e;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        install(cases[i].name, cases[i].mode);
        assert_int_equal(scm_service_restart(cases[i].uname, 10000, NULL, &e), OFD_E_PLATFORM);
        snprintf(want, sizeof(want), "service %s stopped while starting (exit code 1066, service exit code 42)",
                 cases[i].uname);
        if (!strstr(e.msg, want))
            fail_msg("%s: unexpected error: %s", cases[i].uname, e.msg);
    }
}

static void service_that_does_not_stop_times_out(void **state)
{
    uint32_t pid = 0;
    DWORD t0;
    ofd_err e;

    (void)state;
    install(L"OcsFedTestHang", L"hang-stop");
    start_and_wait(L"OcsFedTestHang", "OcsFedTestHang", &pid);
    t0 = GetTickCount();
    assert_int_equal(scm_service_restart("OcsFedTestHang", 700, NULL, &e), OFD_E_PLATFORM);
    assert_true(GetTickCount() - t0 >= 600);
    assert_string_equal(e.msg, "service OcsFedTestHang did not reach STOPPED within 700 ms: it is RUNNING");
}

static void missing_service_is_not_found(void **state)
{
    enum scm_service_state st = 0;
    ofd_err e;

    (void)state;
    assert_int_equal(scm_service_restart(SCM_FRONT_END_SERVICE, 1000, NULL, &e), OFD_E_NOTFOUND);
    assert_non_null(strstr(e.msg, "cannot open service RtcSrv: error 1060"));
    assert_int_equal(scm_service_query("NoSuchService", &st, NULL, &e), OFD_E_NOTFOUND);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(running_service_is_restarted_as_a_new_process),
        cmocka_unit_test(stopped_service_is_started),
        cmocka_unit_test(service_that_cannot_start_is_reported),
        cmocka_unit_test(service_that_does_not_stop_times_out),
        cmocka_unit_test(missing_service_is_not_found),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
