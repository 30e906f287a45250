/* The service loop under the real SCM of the Wine prefix: start, the first check,
 * "sync now" (control 128), a change in the manifest folder, stop in the middle of a
 * check, and a configuration that is wrong until an administrator fixes it; and the
 * same program in a console without its configuration, which says so and exits. */
#include <windows.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "svc_win.h"
#include "scm_win.h"

#define LOG "C:\\ocsfed-svc\\checks.log"

static void set_config_path(const wchar_t *mode, const wchar_t *path)
{
    HKEY key;
    DWORD interval = 3600;

    assert_int_equal(RegCreateKeyExW(HKEY_LOCAL_MACHINE, SVC_REG_KEY, 0, NULL, 0, KEY_SET_VALUE, NULL, &key, NULL),
                     ERROR_SUCCESS);
    RegSetValueExW(key, L"ManifestPath", 0, REG_SZ, (const BYTE *)path, (DWORD)((wcslen(path) + 1) * sizeof(wchar_t)));
    RegSetValueExW(key, L"Mode", 0, REG_SZ, (const BYTE *)mode, (DWORD)((wcslen(mode) + 1) * sizeof(wchar_t)));
    RegSetValueExW(key, L"IntervalSeconds", 0, REG_DWORD, (const BYTE *)&interval, sizeof(interval));
    RegCloseKey(key);
}

static void set_config(const wchar_t *mode)
{
    set_config_path(mode, L"C:\\ocsfed-share");
}

static void install(void)
{
    wchar_t exe[MAX_PATH], cmd[2 * MAX_PATH], *slash;
    SC_HANDLE scm, svc;

    CreateDirectoryW(L"C:\\ocsfed-svc", NULL);
    CreateDirectoryW(L"C:\\ocsfed-share", NULL);
    DeleteFileW(L"C:\\ocsfed-svc\\checks.log");
    assert_true(GetModuleFileNameW(NULL, exe, MAX_PATH) > 0);
    slash = wcsrchr(exe, L'\\');
    slash[1] = 0;
    _snwprintf(cmd, sizeof(cmd) / sizeof(cmd[0]), L"\"%lssvc_harness.exe\"", exe);
    cmd[sizeof(cmd) / sizeof(cmd[0]) - 1] = 0;
    scm = OpenSCManagerW(NULL, NULL, SC_MANAGER_ALL_ACCESS);
    assert_non_null(scm);
    svc = OpenServiceW(scm, SVC_NAME, SERVICE_ALL_ACCESS);
    if (!svc)
        svc = CreateServiceW(scm, SVC_NAME, SVC_DISPLAY_NAME, SERVICE_ALL_ACCESS, SERVICE_WIN32_OWN_PROCESS,
                             SERVICE_DEMAND_START, SERVICE_ERROR_NORMAL, cmd, NULL, NULL, NULL, NULL, NULL);
    assert_non_null(svc);
    CloseServiceHandle(svc);
    CloseServiceHandle(scm);
}

/* Number of lines equal to `line` in the probe's log. */
static int count(const char *line)
{
    char buf[256];
    int n = 0;
    FILE *f = fopen(LOG, "r");

    if (!f)
        return 0;
    while (fgets(buf, sizeof(buf), f)) {
        buf[strcspn(buf, "\r\n")] = 0;
        n += strcmp(buf, line) == 0;
    }
    fclose(f);
    return n;
}

/* Waits up to ms for `line` to appear n times; returns the time it took or -1. */
static long wait_line(const char *line, int n, DWORD ms)
{
    DWORD t0 = GetTickCount();

    while (GetTickCount() - t0 < ms) {
        if (count(line) >= n)
            return (long)(GetTickCount() - t0);
        Sleep(20);
    }
    return -1;
}

static void start(void)
{
    SC_HANDLE scm = OpenSCManagerW(NULL, NULL, SC_MANAGER_ALL_ACCESS);
    SC_HANDLE svc = OpenServiceW(scm, SVC_NAME, SERVICE_START);

    assert_non_null(svc);
    assert_true(StartServiceW(svc, 0, NULL));
    CloseServiceHandle(svc);
    CloseServiceHandle(scm);
}

/* Sends STOP and returns the milliseconds until the SCM reports STOPPED. */
static long stop(void)
{
    SC_HANDLE scm = OpenSCManagerW(NULL, NULL, SC_MANAGER_ALL_ACCESS);
    SC_HANDLE svc = OpenServiceW(scm, SVC_NAME, SERVICE_STOP | SERVICE_QUERY_STATUS);
    SERVICE_STATUS st;
    DWORD t0 = GetTickCount();
    long took = -1;

    assert_non_null(svc);
    assert_true(ControlService(svc, SERVICE_CONTROL_STOP, &st));
    while (GetTickCount() - t0 < 15000) {
        assert_true(QueryServiceStatus(svc, &st));
        if (st.dwCurrentState == SERVICE_STOPPED) {
            took = (long)(GetTickCount() - t0);
            break;
        }
        Sleep(20);
    }
    CloseServiceHandle(svc);
    CloseServiceHandle(scm);
    return took;
}

static void checks_on_start_sync_and_change(void **state)
{
    ofd_err e;
    long t;
    FILE *f;

    (void)state;
    set_config(L"apply");
    install();
    start();
    assert_true(wait_line("start", 1, 10000) >= 0);

    assert_int_equal(svc_sync(&e), OFD_OK);
    assert_true(wait_line("sync", 1, 5000) >= 0);

    /* A manifest published in the watched folder is seen within seconds. */
    f = fopen("C:\\ocsfed-share\\manifest.json", "w");
    assert_non_null(f);
    fputs("{}\n", f);
    fclose(f);
    t = wait_line("change", 1, 5000);
    assert_true(t >= 0);
    print_message("change seen %ld ms after the write\n", t);

    t = stop();
    assert_true(t >= 0);
    assert_true(wait_line("exited", 1, 5000) >= 0);
    assert_int_equal(count("interrupted"), 0);
    assert_int_equal(count("monitor"), 0);
}

/* R19: a check whose Front End restart waits for this server's slot asks to be woken
 * when the slot opens; the loop checks then ("restart slot"), though the interval is an
 * hour and nothing changed in the folder. */
static void a_restart_slot_wakes_the_loop(void **state)
{
    FILE *f;
    long t;

    (void)state;
    set_config(L"apply");
    install();
    f = fopen("C:\\ocsfed-svc\\wake", "w");
    assert_non_null(f);
    fclose(f);
    start();
    assert_true(wait_line("start", 1, 10000) >= 0);
    t = wait_line("restart slot", 1, 10000);
    print_message("restart-slot check %ld ms after the start check was seen\n", t);
    assert_true(t >= 1000);
    assert_int_equal(count("interval"), 0);
    assert_true(stop() >= 0);
    DeleteFileW(L"C:\\ocsfed-svc\\wake");
}

static void stop_in_the_middle_of_a_check(void **state)
{
    FILE *f;
    ofd_err e;
    long t;

    (void)state;
    set_config(L"monitor");
    install();
    start();
    assert_true(wait_line("start", 1, 10000) >= 0);
    assert_int_equal(count("monitor"), 1);
    f = fopen("C:\\ocsfed-svc\\slow", "w");
    assert_non_null(f);
    fclose(f);
    assert_int_equal(svc_sync(&e), OFD_OK);
    assert_true(wait_line("slow-begin", 1, 5000) >= 0);
    t = stop();
    print_message("stopped %ld ms after STOP, mid-check\n", t);
    assert_true(t >= 0 && t < 5000);
    assert_int_equal(count("interrupted"), 1);
    assert_int_equal(count("slow-end"), 0);
    DeleteFileW(L"C:\\ocsfed-svc\\slow");
}

static void bad_configuration_waits_for_a_fix(void **state)
{
    enum scm_service_state st = 0;
    ofd_err e;

    (void)state;
    set_config(L"sometimes");
    install();
    start();
    /* It stays up (an MSI install must not roll back) but checks nothing... */
    Sleep(1000);
    assert_int_equal(scm_service_query("OcsFedAgent", &st, NULL, &e), OFD_OK);
    assert_int_equal(st, SCM_SVC_RUNNING);
    assert_int_equal(count("start"), 0);
    /* ...until the configuration is fixed and it is asked to look again. */
    set_config(L"apply");
    assert_int_equal(svc_sync(&e), OFD_OK);
    assert_true(wait_line("start", 1, 5000) >= 0);
    assert_true(stop() >= 0);
}

/* The manifest folder is away when the service starts (a share down): it polls; when
 * the folder can be watched again, what was published meanwhile is checked at once,
 * not at the next interval (an hour here). */
static void a_share_back_after_an_outage_is_checked_at_once(void **state)
{
    long t;

    (void)state;
    RemoveDirectoryW(L"C:\\ocsfed-away");
    set_config_path(L"apply", L"C:\\ocsfed-away");
    install();
    start();
    assert_true(wait_line("start", 1, 10000) >= 0);
    assert_int_equal(count("share back"), 0);
    assert_true(CreateDirectoryW(L"C:\\ocsfed-away", NULL));
    /* The next watch attempt comes 5 s after the first failure. */
    t = wait_line("share back", 1, 15000);
    print_message("checked %ld ms after the folder came back\n", t);
    assert_true(t >= 0);
    assert_true(stop() >= 0);
    RemoveDirectoryW(L"C:\\ocsfed-away");
}

/* Runs svc_harness.exe (with arg, or none) as a console program, not started by the
 * SCM, its standard error in C:\ocsfed-svc\stderr.txt, read into err. Returns its exit
 * code, or STILL_ACTIVE when it was still running after ms (it is then ended). */
static DWORD run_in_console(const wchar_t *arg, DWORD ms, char *err, size_t size)
{
    wchar_t exe[MAX_PATH], cmd[2 * MAX_PATH], *slash;
    SECURITY_ATTRIBUTES sa = {sizeof(sa), NULL, TRUE};
    STARTUPINFOW si;
    PROCESS_INFORMATION pi;
    HANDLE out;
    DWORD code = 99;
    FILE *f;
    size_t n;

    CreateDirectoryW(L"C:\\ocsfed-svc", NULL);
    assert_true(GetModuleFileNameW(NULL, exe, MAX_PATH) > 0);
    slash = wcsrchr(exe, L'\\');
    slash[1] = 0;
    _snwprintf(cmd, sizeof(cmd) / sizeof(cmd[0]), L"\"%lssvc_harness.exe\"%ls%ls", exe, arg ? L" " : L"",
               arg ? arg : L"");
    cmd[sizeof(cmd) / sizeof(cmd[0]) - 1] = 0;
    out = CreateFileW(L"C:\\ocsfed-svc\\stderr.txt", GENERIC_WRITE, FILE_SHARE_READ, &sa, CREATE_ALWAYS, 0, NULL);
    assert_true(out != INVALID_HANDLE_VALUE);
    memset(&si, 0, sizeof(si));
    si.cb = sizeof(si);
    si.dwFlags = STARTF_USESTDHANDLES;
    si.hStdInput = GetStdHandle(STD_INPUT_HANDLE);
    si.hStdOutput = out;
    si.hStdError = out;
    assert_true(CreateProcessW(NULL, cmd, NULL, NULL, TRUE, 0, NULL, NULL, &si, &pi));
    CloseHandle(out);
    if (WaitForSingleObject(pi.hProcess, ms) == WAIT_TIMEOUT) {
        TerminateProcess(pi.hProcess, 3);
        WaitForSingleObject(pi.hProcess, 5000);
        code = STILL_ACTIVE;
    } else {
        GetExitCodeProcess(pi.hProcess, &code);
    }
    CloseHandle(pi.hThread);
    CloseHandle(pi.hProcess);
    err[0] = 0;
    if ((f = fopen("C:\\ocsfed-svc\\stderr.txt", "rb"))) {
        n = fread(err, 1, size - 1, f);
        err[n] = 0;
        fclose(f);
    }
    return code;
}

/* In a console (`ocsfed service` run by hand, or `service run`) nobody reads the Event
 * Log: without its configuration the agent says what is missing and how to set it, and
 * exits 1 at once instead of waiting in silence. Under the SCM it still waits
 * (bad_configuration_waits_for_a_fix). */
static void in_a_console_a_missing_configuration_is_said_at_once(void **state)
{
    static const wchar_t *const args[] = {NULL, L"run"};
    char err[4096];
    HKEY key;
    DWORD code;
    int i;

    (void)state;
    for (i = 0; i < 2; i++) {
        /* No HKLM\SOFTWARE\ocsfed at all. */
        RegDeleteKeyW(HKEY_LOCAL_MACHINE, SVC_REG_KEY);
        code = run_in_console(args[i], 15000, err, sizeof(err));
        print_message("%s", err);
        assert_int_equal(code, 1);
        assert_non_null(strstr(err, "HKLM\\SOFTWARE\\ocsfed does not exist"));
        assert_non_null(strstr(err, "MANIFEST_PATH="));
        assert_non_null(strstr(err, "reg add HKLM\\SOFTWARE\\ocsfed /v ManifestPath"));
        assert_null(strstr(err, "running in the foreground"));
        /* The key, without ManifestPath. */
        assert_int_equal(RegCreateKeyExW(HKEY_LOCAL_MACHINE, SVC_REG_KEY, 0, NULL, 0, KEY_SET_VALUE, NULL, &key, NULL),
                         ERROR_SUCCESS);
        RegSetValueExW(key, L"Mode", 0, REG_SZ, (const BYTE *)L"apply", sizeof(L"apply"));
        RegCloseKey(key);
        code = run_in_console(args[i], 15000, err, sizeof(err));
        print_message("%s", err);
        assert_int_equal(code, 1);
        assert_non_null(strstr(err, "HKLM\\SOFTWARE\\ocsfed\\ManifestPath is not set"));
        assert_non_null(strstr(err, "MANIFEST_PATH="));
    }
    RegDeleteKeyW(HKEY_LOCAL_MACHINE, SVC_REG_KEY);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(checks_on_start_sync_and_change),
        cmocka_unit_test(a_restart_slot_wakes_the_loop),
        cmocka_unit_test(stop_in_the_middle_of_a_check),
        cmocka_unit_test(bad_configuration_waits_for_a_fix),
        cmocka_unit_test(a_share_back_after_an_outage_is_checked_at_once),
        cmocka_unit_test(in_a_console_a_missing_configuration_is_said_at_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
