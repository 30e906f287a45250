#include "secret_win.h"

#include <sddl.h>
#include <wincrypt.h>

#include <stdlib.h>
#include <string.h>

#include "error_win.h"
#include "strbuf.h"

/* The DPAPI entropy: a blob encrypted for another purpose on this machine does not
 * decrypt as this secret. */
static DATA_BLOB entropy_of(const char *name)
{
    DATA_BLOB b;

    b.pbData = (BYTE *)name;
    b.cbData = (DWORD)strlen(name);
    return b;
}

static int known(const char *name)
{
    return strcmp(name, SECRET_PFX_PASSWORD) == 0;
}

enum ofd_code secret_set(const char *name, const char *value, ofd_err *e)
{
    PSECURITY_DESCRIPTOR sd = NULL;
    SECURITY_ATTRIBUTES sa;
    DATA_BLOB in, out, ent;
    HKEY key = NULL;
    wchar_t *wname = NULL;
    DWORD disp = 0;
    LONG err;
    enum ofd_code rc;

    memset(&out, 0, sizeof(out));
    if (!known(name)) {
        rc = ofd_err_set(e, OFD_E_INVALID, "unknown secret '%s' (there is %s)", name, SECRET_PFX_PASSWORD);
        goto out;
    }
    if (!(wname = ofd_utf8_to_wide(name))) {
        rc = ofd_err_nomem(e);
        goto out;
    }
    if (!ConvertStringSecurityDescriptorToSecurityDescriptorW(SECRET_SDDL, SDDL_REVISION_1, &sd, NULL)) {
        rc = ofd_err_win32(e, GetLastError(), "cannot build the security descriptor of HKLM\\%ls", SECRET_KEY);
        goto out;
    }
    memset(&sa, 0, sizeof(sa));
    sa.nLength = sizeof(sa);
    sa.lpSecurityDescriptor = sd;
    if ((err = RegCreateKeyExW(HKEY_LOCAL_MACHINE, SECRET_KEY, 0, NULL, 0, KEY_SET_VALUE | WRITE_DAC, &sa, &key, &disp))
        != ERROR_SUCCESS) {
        rc = ofd_err_win32(e, (DWORD)err, "cannot create HKLM\\%ls (run as an administrator)", SECRET_KEY);
        goto out;
    }
    /* A key that was there already gets the same protection. */
    if (disp == REG_OPENED_EXISTING_KEY
        && (err = RegSetKeySecurity(key, DACL_SECURITY_INFORMATION | PROTECTED_DACL_SECURITY_INFORMATION, sd))
               != ERROR_SUCCESS) {
        rc = ofd_err_win32(e, (DWORD)err, "cannot protect HKLM\\%ls", SECRET_KEY);
        goto out;
    }
    in.pbData = (BYTE *)value;
    in.cbData = (DWORD)strlen(value);
    ent = entropy_of(name);
    if (!CryptProtectData(&in, L"ocsfed", &ent, NULL, NULL, CRYPTPROTECT_LOCAL_MACHINE | CRYPTPROTECT_UI_FORBIDDEN,
                          &out)) {
        rc = ofd_err_win32(e, GetLastError(), "cannot encrypt the secret %s (DPAPI)", name);
        goto out;
    }
    if ((err = RegSetValueExW(key, wname, 0, REG_BINARY, out.pbData, out.cbData)) != ERROR_SUCCESS) {
        rc = ofd_err_win32(e, (DWORD)err, "cannot store the secret %s in HKLM\\%ls", name, SECRET_KEY);
        goto out;
    }
    rc = OFD_OK;
out:
    if (out.pbData)
        LocalFree(out.pbData);
    if (key)
        RegCloseKey(key);
    if (sd)
        LocalFree(sd);
    free(wname);
    return rc;
}

enum ofd_code secret_get(const char *name, char **value, ofd_err *e)
{
    DATA_BLOB in, out, ent;
    HKEY key = NULL;
    wchar_t *wname = NULL;
    BYTE *blob = NULL;
    DWORD type = 0, len = 0;
    char *v = NULL;
    LONG err;
    enum ofd_code rc;

    memset(&out, 0, sizeof(out));
    *value = NULL;
    if (!(wname = ofd_utf8_to_wide(name))) {
        rc = ofd_err_nomem(e);
        goto out;
    }
    if ((err = RegOpenKeyExW(HKEY_LOCAL_MACHINE, SECRET_KEY, 0, KEY_QUERY_VALUE, &key)) == ERROR_FILE_NOT_FOUND) {
        rc = OFD_OK; /* none stored */
        goto out;
    }
    if (err != ERROR_SUCCESS) {
        rc = ofd_err_win32(e, (DWORD)err, "cannot open HKLM\\%ls (only SYSTEM and Administrators can)", SECRET_KEY);
        goto out;
    }
    if ((err = RegQueryValueExW(key, wname, NULL, &type, NULL, &len)) == ERROR_FILE_NOT_FOUND) {
        rc = OFD_OK;
        goto out;
    }
    if (err != ERROR_SUCCESS || type != REG_BINARY || !len || !(blob = malloc(len))
        || (err = RegQueryValueExW(key, wname, NULL, &type, blob, &len)) != ERROR_SUCCESS) {
        rc = ofd_err_win32(e, (DWORD)err, "cannot read the secret %s from HKLM\\%ls", name, SECRET_KEY);
        goto out;
    }
    in.pbData = blob;
    in.cbData = len;
    ent = entropy_of(name);
    if (!CryptUnprotectData(&in, NULL, &ent, NULL, NULL, CRYPTPROTECT_UI_FORBIDDEN, &out)) {
        rc = ofd_err_win32(e, GetLastError(),
                           "cannot decrypt the secret %s (stored on another machine?): set it "
                           "again with 'ocsfed secret set %s'",
                           name, name);
        goto out;
    }
    if (!(v = malloc(out.cbData + 1))) {
        rc = ofd_err_nomem(e);
        goto out;
    }
    memcpy(v, out.pbData, out.cbData);
    v[out.cbData] = '\0';
    *value = v;
    rc = OFD_OK;
out:
    if (out.pbData) {
        SecureZeroMemory(out.pbData, out.cbData);
        LocalFree(out.pbData);
    }
    if (key)
        RegCloseKey(key);
    free(blob);
    free(wname);
    return rc;
}

enum ofd_code secret_clear(const char *name, ofd_err *e)
{
    HKEY key = NULL;
    wchar_t *wname = ofd_utf8_to_wide(name);
    LONG err;
    enum ofd_code rc = OFD_OK;

    if (!wname)
        return ofd_err_nomem(e);
    if ((err = RegOpenKeyExW(HKEY_LOCAL_MACHINE, SECRET_KEY, 0, KEY_SET_VALUE, &key)) == ERROR_SUCCESS) {
        if ((err = RegDeleteValueW(key, wname)) != ERROR_SUCCESS && err != ERROR_FILE_NOT_FOUND)
            rc = ofd_err_win32(e, (DWORD)err, "cannot remove the secret %s", name);
        RegCloseKey(key);
    } else if (err != ERROR_FILE_NOT_FOUND) {
        rc = ofd_err_win32(e, (DWORD)err, "cannot open HKLM\\%ls", SECRET_KEY);
    }
    free(wname);
    return rc;
}

void secret_free(char *value)
{
    if (!value)
        return;
    SecureZeroMemory(value, strlen(value));
    free(value);
}

char *secret_descriptor_sddl(void)
{
    PSECURITY_DESCRIPTOR sd = NULL;
    wchar_t *w = NULL;
    char *u = NULL;

    if (ConvertStringSecurityDescriptorToSecurityDescriptorW(SECRET_SDDL, SDDL_REVISION_1, &sd, NULL)
        && ConvertSecurityDescriptorToStringSecurityDescriptorW(sd, SDDL_REVISION_1, DACL_SECURITY_INFORMATION, &w,
                                                                NULL))
        u = ofd_wide_to_utf8(w);
    if (w)
        LocalFree(w);
    if (sd)
        LocalFree(sd);
    return u;
}
