/* R12: the "System cryptography: Use FIPS compliant algorithms" policy, written through
 * WMI's StdRegProv and read back through the registry API. Where it lives depends on
 * the Windows version, read at run time:
 *   Server 2008 / 2008 R2 (NT 6.x): HKLM\SYSTEM\CurrentControlSet\Control\Lsa\FipsAlgorithmPolicy, DWORD Enabled
 *   Server 2003 (NT 5.2):           HKLM\SYSTEM\CurrentControlSet\Control\Lsa, DWORD FIPSAlgorithmPolicy */
#ifndef OCSFED_WMI_FIPS_H
#define OCSFED_WMI_FIPS_H

#include <stdint.h>

#include "wmi.h"

struct wmi_os {
    uint32_t major, minor, build;
    int server; /* a server product (not a workstation) */
};

/* The running Windows version, as the system reports it. */
enum ofd_code wmi_os_version(struct wmi_os *out, ofd_err *e);

/* A name for the version, e.g. "Windows Server 2008 R2 (6.1)". */
const char *wmi_os_name(const struct wmi_os *os);

/* Where the FIPS policy is kept on that version (HKLM-relative key, value name). */
void wmi_fips_location(const struct wmi_os *os, const char **subkey, const char **value);

/* Reads the policy: *enabled = 1, 0, or -1 when the value is absent (Windows default:
 * off). */
enum ofd_code wmi_fips_get(const struct wmi_os *os, int *enabled, ofd_err *e);

/* Sets the policy to enabled (1) or disabled (0) through StdRegProv (CreateKey, then
 * SetDWORDValue) and reads it back; a value that did not stick is an error. The
 * change takes effect after a restart (R12, R19). */
enum ofd_code wmi_fips_set(wmi_session *s, const struct wmi_os *os, int enabled, ofd_err *e);

#endif
