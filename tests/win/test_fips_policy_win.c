/* R12 through Wine's real WMI (StdRegProv) and registry, on each Windows version OCS
 * 2007 R2 runs on. The version is switched as `winecfg /v` does (HKCU\Software\Wine,
 * Version; HKLM ProductOptions\ProductType) and read by a child process at its start,
 * like a real server's agent. */
#include <windows.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "wmi_fips.h"

#define LSA L"SYSTEM\\CurrentControlSet\\Control\\Lsa"

/* Reads a DWORD from HKLM; -1 when absent. */
static long reg_dword(const wchar_t *key, const wchar_t *value)
{
    DWORD data = 0, size = sizeof(data);

    if (RegGetValueW(HKEY_LOCAL_MACHINE, key, value, RRF_RT_REG_DWORD, NULL, &data, &size) != ERROR_SUCCESS)
        return -1;
    return (long)data;
}

/* Child: reports the version it sees, sets FIPS on then off and checks each step in the
 * registry where that version keeps it. Exit 0 when every step is as expected. */
static int child(const char *expect)
{
    struct wmi_os os;
    wmi_session *s = NULL;
    int now = 0, rc = 1;
    char seen[32];
    ofd_err e;

    ofd_err_clear(&e);
    if (wmi_os_version(&os, &e) != OFD_OK)
        goto out;
    snprintf(seen, sizeof(seen), "%lu.%lu", (unsigned long)os.major, (unsigned long)os.minor);
    printf("child sees %s\n", wmi_os_name(&os));
    /* The NT version decides where R12 writes. (Wine 8.0 reports win2008r2 as a
     * workstation and win7 as a server, so the product type is not asserted.) */
    if (strcmp(seen, expect) != 0) {
        fprintf(stderr, "expected NT %s, got %s\n", expect, seen);
        goto out;
    }
    if (wmi_open("ROOT\\DEFAULT", &s, &e) != OFD_OK || wmi_fips_get(&os, &now, &e) != OFD_OK)
        goto out;
    if (now != -1 && now != 0) {
        fprintf(stderr, "FIPS policy already %d before the test\n", now);
        goto out;
    }
    if (wmi_fips_set(s, &os, 1, &e) != OFD_OK || wmi_fips_get(&os, &now, &e) != OFD_OK || now != 1)
        goto out;
    if (os.major >= 6) {
        if (reg_dword(LSA L"\\FipsAlgorithmPolicy", L"Enabled") != 1 || reg_dword(LSA, L"FIPSAlgorithmPolicy") != -1) {
            fprintf(stderr, "NT 6.x: the value is not at FipsAlgorithmPolicy\\Enabled alone\n");
            goto out;
        }
    } else if (reg_dword(LSA, L"FIPSAlgorithmPolicy") != 1
               || reg_dword(LSA L"\\FipsAlgorithmPolicy", L"Enabled") != -1) {
        fprintf(stderr, "NT 5.2: the value is not at Lsa\\FIPSAlgorithmPolicy alone\n");
        goto out;
    }
    if (wmi_fips_set(s, &os, 0, &e) != OFD_OK || wmi_fips_get(&os, &now, &e) != OFD_OK || now != 0)
        goto out;
    rc = 0;
out:
    if (rc && e.msg[0])
        fprintf(stderr, "child: [%s] %s\n", e.rule, e.msg);
    wmi_close(s);
    return rc;
}

/* Removes the policy from both places, so each child starts from a clean machine. */
static void clear_fips(void)
{
    HKEY key;

    if (RegOpenKeyExW(HKEY_LOCAL_MACHINE, LSA, 0, KEY_SET_VALUE, &key) == ERROR_SUCCESS) {
        RegDeleteValueW(key, L"FIPSAlgorithmPolicy");
        RegDeleteKeyW(key, L"FipsAlgorithmPolicy");
        RegCloseKey(key);
    }
    assert_int_equal(reg_dword(LSA, L"FIPSAlgorithmPolicy"), -1);
    assert_int_equal(reg_dword(LSA L"\\FipsAlgorithmPolicy", L"Enabled"), -1);
}

static DWORD run_as(const wchar_t *version, const char *expect)
{
    wchar_t exe[MAX_PATH], cmd[2 * MAX_PATH];
    STARTUPINFOW si;
    PROCESS_INFORMATION pi;
    HKEY key;
    DWORD code = 99;

    clear_fips();
    assert_int_equal(RegCreateKeyExW(HKEY_CURRENT_USER, L"Software\\Wine", 0, NULL, 0, KEY_SET_VALUE, NULL, &key, NULL),
                     ERROR_SUCCESS);
    assert_int_equal(RegSetValueExW(key, L"Version", 0, REG_SZ, (const BYTE *)version,
                                    (DWORD)((wcslen(version) + 1) * sizeof(wchar_t))),
                     ERROR_SUCCESS);
    RegCloseKey(key);
    /* winecfg also records the product type; Wine reports it from there. */
    assert_int_equal(RegCreateKeyExW(HKEY_LOCAL_MACHINE, L"System\\CurrentControlSet\\Control\\ProductOptions", 0, NULL,
                                     0, KEY_SET_VALUE, NULL, &key, NULL),
                     ERROR_SUCCESS);
    assert_int_equal(
        RegSetValueExW(key, L"ProductType", 0, REG_SZ, (const BYTE *)L"ServerNT", (DWORD)sizeof(L"ServerNT")),
        ERROR_SUCCESS);
    RegCloseKey(key);
    memset(&si, 0, sizeof(si));
    si.cb = sizeof(si);
    assert_true(GetModuleFileNameW(NULL, exe, MAX_PATH) > 0);
    _snwprintf(cmd, sizeof(cmd) / sizeof(cmd[0]), L"\"%ls\" child \"%hs\"", exe, expect);
    cmd[sizeof(cmd) / sizeof(cmd[0]) - 1] = 0;
    assert_true(CreateProcessW(exe, cmd, NULL, NULL, FALSE, 0, NULL, NULL, &si, &pi));
    WaitForSingleObject(pi.hProcess, 60000);
    GetExitCodeProcess(pi.hProcess, &code);
    CloseHandle(pi.hThread);
    CloseHandle(pi.hProcess);
    return code;
}

static void fips_on_server_2003(void **state)
{
    (void)state;
    assert_int_equal(run_as(L"win2003", "5.2"), 0);
}

static void fips_on_server_2008(void **state)
{
    (void)state;
    assert_int_equal(run_as(L"win2008", "6.0"), 0);
}

static void fips_on_server_2008_r2(void **state)
{
    (void)state;
    assert_int_equal(run_as(L"win2008r2", "6.1"), 0);
}

static void location_follows_the_version(void **state)
{
    struct wmi_os os2003 = {5, 2, 3790, 1}, os2008 = {6, 0, 6002, 1};
    const char *key, *value;

    (void)state;
    wmi_fips_location(&os2003, &key, &value);
    assert_string_equal(key, "SYSTEM\\CurrentControlSet\\Control\\Lsa");
    assert_string_equal(value, "FIPSAlgorithmPolicy");
    wmi_fips_location(&os2008, &key, &value);
    assert_string_equal(key, "SYSTEM\\CurrentControlSet\\Control\\Lsa\\FipsAlgorithmPolicy");
    assert_string_equal(value, "Enabled");
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(location_follows_the_version),
        cmocka_unit_test(fips_on_server_2003),
        cmocka_unit_test(fips_on_server_2008),
        cmocka_unit_test(fips_on_server_2008_r2),
    };

    if (argc == 3 && strcmp(argv[1], "child") == 0)
        return child(argv[2]);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
