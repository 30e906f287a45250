#include <windows.h>

#include <stdio.h>
#include <stdlib.h>

#include "error_win.h"
#include "ocs_model.h"
#include "wmi_fips.h"

#define HKLM_WMI 0x80000002u /* StdRegProv's hDefKey for HKEY_LOCAL_MACHINE */

enum ofd_code wmi_os_version(struct wmi_os *out, ofd_err *e)
{
    OSVERSIONINFOEXW v;

    memset(&v, 0, sizeof(v));
    v.dwOSVersionInfoSize = sizeof(v);
    /* Without a compatibility manifest GetVersionEx reports up to 6.2 on newer systems;
     * on the systems OCS 2007 R2 runs on (5.2 to 6.1) it tells the truth. */
    if (!GetVersionExW((OSVERSIONINFOW *)&v))
        return ofd_err_win32(e, GetLastError(), "cannot read the Windows version");
    out->major = v.dwMajorVersion;
    out->minor = v.dwMinorVersion;
    out->build = v.dwBuildNumber;
    out->server = v.wProductType != VER_NT_WORKSTATION;
    return OFD_OK;
}

const char *wmi_os_name(const struct wmi_os *os)
{
    uint32_t v = os->major * 100 + os->minor;

    if (v == 502)
        return os->server ? "Windows Server 2003 (5.2)" : "Windows XP x64 (5.2)";
    if (v == 600)
        return os->server ? "Windows Server 2008 (6.0)" : "Windows Vista (6.0)";
    if (v == 601)
        return os->server ? "Windows Server 2008 R2 (6.1)" : "Windows 7 (6.1)";
    return v < 502 ? "a Windows older than Server 2003" : "a Windows newer than Server 2008 R2";
}

void wmi_fips_location(const struct wmi_os *os, const char **subkey, const char **value)
{
    /* Where R12 lives on each system: the one table of OCS facts (ocs_model.c). */
    if (os->major >= 6) {
        *subkey = ocs_lit.fips_key;
        *value = ocs_lit.fips_value;
    } else {
        *subkey = ocs_lit.fips_key_2003;
        *value = ocs_lit.fips_value_2003;
    }
}

enum ofd_code wmi_fips_get(const struct wmi_os *os, int *enabled, ofd_err *e)
{
    const char *subkey, *value;
    wchar_t *wkey = NULL, *wval = NULL;
    HKEY key = NULL;
    DWORD type = 0, data = 0, size = sizeof(data);
    LONG err;
    enum ofd_code rc;

    wmi_fips_location(os, &subkey, &value);
    if (!(wkey = ofd_utf8_to_wide(subkey)) || !(wval = ofd_utf8_to_wide(value))) {
        rc = ofd_err_nomem(e);
        goto out;
    }
    /* Read with the registry API: Wine's StdRegProv has no GetDWORDValue. */
    err = RegOpenKeyExW(HKEY_LOCAL_MACHINE, wkey, 0, KEY_QUERY_VALUE, &key);
    if (err == ERROR_FILE_NOT_FOUND) {
        *enabled = -1;
        rc = OFD_OK;
        goto out;
    }
    if (err != ERROR_SUCCESS) {
        rc = ofd_err_win32(e, (DWORD)err, "cannot open HKLM\\%s", subkey);
        goto out;
    }
    err = RegQueryValueExW(key, wval, NULL, &type, (BYTE *)&data, &size);
    if (err == ERROR_FILE_NOT_FOUND) {
        *enabled = -1;
        rc = OFD_OK;
        goto out;
    }
    if (err != ERROR_SUCCESS) {
        rc = ofd_err_win32(e, (DWORD)err, "cannot read HKLM\\%s\\%s", subkey, value);
        goto out;
    }
    if (type != REG_DWORD || size != sizeof(data)) {
        rc = ofd_err_rule(e, OFD_E_INVALID, "R12", "HKLM\\%s\\%s is not a DWORD (registry type %lu)", subkey, value,
                          (unsigned long)type);
        goto out;
    }
    *enabled = data != 0;
    rc = OFD_OK;
out:
    if (key)
        RegCloseKey(key);
    free(wkey);
    free(wval);
    return rc;
}

enum ofd_code wmi_fips_set(wmi_session *s, const struct wmi_os *os, int enabled, ofd_err *e)
{
    const char *subkey, *value;
    uint32_t ret = 0;
    int now = -1;
    enum ofd_code rc;

    wmi_fips_location(os, &subkey, &value);
    {
        const struct wmi_arg create[] = {
            {"hDefKey", WMI_ARG_UINT32, NULL, HKLM_WMI},
            {"sSubKeyName", WMI_ARG_STRING, subkey, 0},
        };
        const struct wmi_arg set[] = {
            {"hDefKey", WMI_ARG_UINT32, NULL, HKLM_WMI},
            {"sSubKeyName", WMI_ARG_STRING, subkey, 0},
            {"sValueName", WMI_ARG_STRING, value, 0},
            {"uValue", WMI_ARG_UINT32, NULL, enabled ? 1u : 0u},
        };

        /* Server 2008 has no FipsAlgorithmPolicy key until the policy is first set. */
        if ((rc = wmi_call(s, "StdRegProv", "CreateKey", create, 2, &ret, e)) != OFD_OK)
            goto out;
        if (ret != 0) {
            rc = ofd_err_win32(e, ret, "StdRegProv.CreateKey HKLM\\%s", subkey);
            goto out;
        }
        if ((rc = wmi_call(s, "StdRegProv", "SetDWORDValue", set, 4, &ret, e)) != OFD_OK)
            goto out;
        if (ret != 0) {
            rc = ofd_err_win32(e, ret, "StdRegProv.SetDWORDValue HKLM\\%s\\%s", subkey, value);
            goto out;
        }
    }
    if ((rc = wmi_fips_get(os, &now, e)) != OFD_OK)
        goto out;
    if (now != (enabled ? 1 : 0)) {
        rc = ofd_err_rule(e, OFD_E_PLATFORM, "R12",
                          "the FIPS policy HKLM\\%s\\%s reads back as %d after writing %d through StdRegProv", subkey,
                          value, now, enabled ? 1 : 0);
        goto out;
    }
    rc = OFD_OK;
out:
    if (rc != OFD_OK && e && !e->rule[0])
        snprintf(e->rule, sizeof(e->rule), "R12");
    return rc;
}
