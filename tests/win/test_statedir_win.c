/* The agent's state folder and its secret, under Wine. Wine keeps no ACLs (a folder's
 * descriptor reads back as its default whatever was set), so what is tested is what
 * ocsfed controls: the exact descriptor it builds and hands to each call, that the
 * check refuses every descriptor that lets someone else write, and that a failing call
 * is an error naming it, never a folder silently used. The secret store is Wine's real
 * registry and DPAPI. */
#include <windows.h>
#include <aclapi.h>
#include <sddl.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "error_win.h"
#include "secret_win.h"
#include "statedir_win.h"
#include "strbuf.h"

static PSECURITY_DESCRIPTOR sd_of(const wchar_t *sddl)
{
    PSECURITY_DESCRIPTOR sd = NULL;

    assert_true(ConvertStringSecurityDescriptorToSecurityDescriptorW(sddl, SDDL_REVISION_1, &sd, NULL));
    return sd;
}

/* The descriptor as SDDL (owner and DACL), UTF-8, malloc'ed. */
static char *sddl_of(PSECURITY_DESCRIPTOR sd, SECURITY_INFORMATION what)
{
    wchar_t *w = NULL;
    char *u;

    assert_true(ConvertSecurityDescriptorToStringSecurityDescriptorW(sd, SDDL_REVISION_1, what, &w, NULL));
    u = ofd_wide_to_utf8(w);
    LocalFree(w);
    return u;
}

/* What the check says of a descriptor, owned by SYSTEM unless the SDDL says otherwise. */
static enum ofd_code check(const wchar_t *sddl, ofd_err *e)
{
    PSECURITY_DESCRIPTOR sd = sd_of(sddl);
    enum ofd_code rc;

    ofd_err_clear(e);
    rc = statedir_check_sd(sd, NULL, e);
    LocalFree(sd);
    return rc;
}

static void the_check_refuses_every_folder_others_can_write(void **state)
{
    ofd_err e;

    (void)state;
    /* What ocsfed makes, owned by SYSTEM or by Administrators. */
    assert_int_equal(check(L"O:SY" STATEDIR_SDDL, &e), OFD_OK);
    assert_int_equal(check(L"O:BA" STATEDIR_SDDL, &e), OFD_OK);
    /* Reading is no threat; creators of files are the trusted ones. */
    assert_int_equal(check(L"O:SYD:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)(A;OICI;FR;;;BU)(A;OICIIO;FA;;;CO)", &e), OFD_OK);
    /* A deny entry adds nothing that is needed. */
    assert_int_equal(check(L"O:SYD:P(D;OICI;FA;;;WD)(A;OICI;FA;;;SY)", &e), OFD_OK);

    /* %ProgramData%'s own default: Users may create files and folders in it. */
    assert_int_equal(check(L"O:SYD:(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)(A;OICI;0x1200a9;;;BU)(A;CI;0x116;;;BU)", &e),
                     OFD_E_INVALID);
    assert_non_null(strstr(e.msg, "Users may create, change or delete files in it"));
    assert_non_null(strstr(e.msg, "0x00000116"));
    /* Write, delete, change permissions, take ownership: each alone is enough. */
    assert_int_equal(check(L"O:SYD:(A;;0x2;;;BU)", &e), OFD_E_INVALID);
    assert_int_equal(check(L"O:SYD:(A;;SD;;;AU)", &e), OFD_E_INVALID);
    assert_non_null(strstr(e.msg, "Authenticated Users"));
    assert_int_equal(check(L"O:SYD:(A;;WD;;;WD)", &e), OFD_E_INVALID);
    assert_int_equal(check(L"O:SYD:(A;;WO;;;BU)", &e), OFD_E_INVALID);
    assert_int_equal(check(L"O:SYD:(A;;GW;;;BU)", &e), OFD_E_INVALID);
    /* Only for the files inside (inherit-only) still lets them be rewritten. */
    assert_int_equal(check(L"O:SYD:(A;OIIO;FW;;;BU)", &e), OFD_E_INVALID);
    /* Inherited from above: as much a grant as an explicit one. */
    assert_int_equal(check(L"O:SYD:AI(A;OICIID;FA;;;BU)", &e), OFD_E_INVALID);
    assert_non_null(strstr(e.msg, ", inherited"));
    /* A user who owns the folder can change its permissions at will. */
    assert_int_equal(check(L"O:BU" STATEDIR_SDDL, &e), OFD_E_INVALID);
    assert_non_null(strstr(e.msg, "it is owned by BUILTIN\\Users"));
    /* No DACL at all (a NULL DACL, built by hand: Wine's SDDL parser has no
     * NO_ACCESS_CONTROL): everyone's. */
    {
        SECURITY_DESCRIPTOR sd;
        BYTE sy[SECURITY_MAX_SID_SIZE];
        DWORD len = sizeof(sy);

        assert_true(InitializeSecurityDescriptor(&sd, SECURITY_DESCRIPTOR_REVISION));
        assert_true(CreateWellKnownSid(WinLocalSystemSid, NULL, sy, &len));
        assert_true(SetSecurityDescriptorOwner(&sd, sy, FALSE));
        assert_true(SetSecurityDescriptorDacl(&sd, TRUE, NULL, FALSE));
        assert_int_equal(statedir_check_sd(&sd, NULL, &e), OFD_E_INVALID);
        assert_non_null(strstr(e.msg, "no access control list"));
    }
}

/* ---- the calls, through a table a test can fail ---- */

static int fail_at, calls;
static char created_sddl[512], set_sddl[512];
static const wchar_t *served_sddl; /* what get_security reads back; NULL: the real call */

static int failing(void)
{
    return ++calls == fail_at;
}

static BOOL WINAPI t_create_directory(LPCWSTR path, LPSECURITY_ATTRIBUTES sa)
{
    char *s;

    if (failing()) {
        SetLastError(ERROR_ACCESS_DENIED);
        return FALSE;
    }
    /* The descriptor the folder is created with, exactly. */
    s = sddl_of(sa->lpSecurityDescriptor, OWNER_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION);
    snprintf(created_sddl, sizeof(created_sddl), "%s", s);
    free(s);
    return CreateDirectoryW(path, sa);
}

static BOOL WINAPI t_sddl_to_sd(LPCWSTR sddl, DWORD rev, PSECURITY_DESCRIPTOR *sd, PULONG size)
{
    if (failing()) {
        SetLastError(ERROR_INVALID_PARAMETER);
        return FALSE;
    }
    return ConvertStringSecurityDescriptorToSecurityDescriptorW(sddl, rev, sd, size);
}

static DWORD WINAPI t_get_security(LPCWSTR path, SE_OBJECT_TYPE type, SECURITY_INFORMATION what, PSID *owner,
                                   PSID *group, PACL *dacl, PACL *sacl, PSECURITY_DESCRIPTOR *sd)
{
    BOOL present, defaulted;

    if (failing())
        return ERROR_ACCESS_DENIED;
    if (!served_sddl)
        return GetNamedSecurityInfoW(path, type, what, owner, group, dacl, sacl, sd);
    *sd = sd_of(served_sddl);
    GetSecurityDescriptorOwner(*sd, owner, &defaulted);
    GetSecurityDescriptorDacl(*sd, &present, dacl, &defaulted);
    return ERROR_SUCCESS;
}

static DWORD WINAPI t_set_security(LPWSTR path, SE_OBJECT_TYPE type, SECURITY_INFORMATION what, PSID owner, PSID group,
                                   PACL dacl, PACL sacl)
{
    SECURITY_DESCRIPTOR sd;
    char *s;

    if (failing())
        return ERROR_ACCESS_DENIED;
    /* The folder's (the first set) as SDDL: owner, DACL and whether it is protected. */
    if (!set_sddl[0] && InitializeSecurityDescriptor(&sd, SECURITY_DESCRIPTOR_REVISION)
        && SetSecurityDescriptorOwner(&sd, owner, FALSE) && SetSecurityDescriptorDacl(&sd, TRUE, dacl, FALSE)) {
        if (what & PROTECTED_DACL_SECURITY_INFORMATION)
            SetSecurityDescriptorControl(&sd, SE_DACL_PROTECTED, SE_DACL_PROTECTED);
        s = sddl_of(&sd, OWNER_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION);
        snprintf(set_sddl, sizeof(set_sddl), "%s", s);
        free(s);
    }
    return SetNamedSecurityInfoW(path, type, what, owner, group, dacl, sacl);
}

static const struct statedir_api test_api = {t_create_directory, t_sddl_to_sd, t_get_security, t_set_security};

static void reset(int at, const wchar_t *served)
{
    fail_at = at;
    calls = 0;
    served_sddl = served;
    created_sddl[0] = set_sddl[0] = '\0';
}

static void the_folder_is_made_with_the_intended_descriptor(void **state)
{
    wchar_t dir[MAX_PATH];
    ofd_err e;

    (void)state;
    GetFullPathNameW(L"statedir-new", MAX_PATH, dir, NULL);
    RemoveDirectoryW(dir);
    reset(0, NULL);
    if (statedir_ensure(&test_api, dir, &e) != OFD_OK)
        fail_msg("%s", e.msg);
    /* Protected (no inheritance from %ProgramData%), SYSTEM and Administrators alone,
     * passed on to what is made inside. */
    assert_string_equal(created_sddl, "D:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)");
    assert_int_equal(calls, 3); /* built, created, read back and checked */
    /* Found there the next time: read back and checked again, not made again. */
    reset(0, NULL);
    assert_int_equal(statedir_ensure(&test_api, dir, &e), OFD_OK);
    assert_int_equal(calls, 3);
    RemoveDirectoryW(dir);
}

static void a_folder_others_can_write_is_refused(void **state)
{
    wchar_t dir[MAX_PATH];
    ofd_err e;

    (void)state;
    GetFullPathNameW(L"statedir-found", MAX_PATH, dir, NULL);
    CreateDirectoryW(dir, NULL);
    /* The folder a local user made before the agent was installed, or the inherited
     * permissions an earlier version left. */
    reset(0, L"O:BUD:(A;OICI;FA;;;BU)");
    assert_int_equal(statedir_ensure(&test_api, dir, &e), OFD_E_INVALID);
    assert_non_null(strstr(e.msg, "statedir-found is refused: it is owned by BUILTIN\\Users"));
    assert_non_null(strstr(e.msg, "delete the folder for the agent to make it anew"));
    reset(0, L"O:SYD:(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)(A;CI;0x116;;;BU)");
    assert_int_equal(statedir_ensure(&test_api, dir, &e), OFD_E_INVALID);
    assert_non_null(strstr(e.msg, "BUILTIN\\Users may create, change or delete files in it"));
    RemoveDirectoryW(dir);
}

/* Every call's failure is an error that names what failed; none is passed over. */
static void every_call_is_checked(void **state)
{
    static const char *const what[] = {"cannot build the security descriptor", "cannot create the folder",
                                       "cannot read the owner and permissions"};
    wchar_t dir[MAX_PATH];
    ofd_err e;
    int k;

    (void)state;
    GetFullPathNameW(L"statedir-faults", MAX_PATH, dir, NULL);
    for (k = 1; k <= 3; k++) {
        RemoveDirectoryW(dir);
        reset(k, NULL);
        ofd_err_clear(&e);
        assert_int_not_equal(statedir_ensure(&test_api, dir, &e), OFD_OK);
        assert_non_null(strstr(e.msg, what[k - 1]));
    }
    /* And for the administrator's secure-state: the folder's own descriptor, then each
     * file's. */
    RemoveDirectoryW(dir);
    CreateDirectoryW(dir, NULL);
    {
        wchar_t file[MAX_PATH + 16];
        HANDLE h;

        _snwprintf(file, MAX_PATH + 15, L"%ls\\state.json", dir);
        file[MAX_PATH + 15] = 0;
        h = CreateFileW(file, GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, 0, NULL);
        assert_true(h != INVALID_HANDLE_VALUE);
        CloseHandle(h);
        for (k = 1; k <= 3; k++) {
            reset(k, NULL);
            assert_int_not_equal(statedir_secure(&test_api, dir, &e), OFD_OK);
        }
        reset(0, NULL);
        assert_int_equal(statedir_secure(&test_api, dir, &e), OFD_OK);
        assert_int_equal(calls, 3); /* built, the folder set, its one file set */
        assert_string_equal(set_sddl, "O:BAD:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)");
        DeleteFileW(file);
    }
    RemoveDirectoryW(dir);
}

/* Wine's reading back of a real folder: its default descriptor owned by the account
 * Wine runs everything as (this process's own), which the check accepts as self. */
static void a_real_folder_under_wine_is_accepted(void **state)
{
    wchar_t dir[MAX_PATH];
    ofd_err e;

    (void)state;
    GetFullPathNameW(L"statedir-real", MAX_PATH, dir, NULL);
    RemoveDirectoryW(dir);
    if (statedir_ensure(&statedir_api_win, dir, &e) != OFD_OK)
        fail_msg("%s", e.msg);
    RemoveDirectoryW(dir);
}

static int contains(const BYTE *p, size_t n, const char *s)
{
    size_t k = strlen(s), i;

    for (i = 0; i + k <= n; i++)
        if (memcmp(p + i, s, k) == 0)
            return 1;
    return 0;
}

/* The PKCS#12 password: encrypted with DPAPI in a key for SYSTEM and Administrators,
 * read back the same, never stored as its text. */
static void the_pfx_password_is_kept_encrypted_in_a_protected_key(void **state)
{
    char *v = NULL, *sddl;
    BYTE raw[4096];
    DWORD len = sizeof(raw), type = 0;
    HKEY key;
    ofd_err e;

    (void)state;
    assert_int_equal(secret_get(SECRET_PFX_PASSWORD, &v, &e), OFD_OK);
    assert_null(v);
    if (secret_set(SECRET_PFX_PASSWORD, "s3cret p\xc3\xa4ss", &e) != OFD_OK)
        fail_msg("%s", e.msg);
    assert_int_equal(secret_get(SECRET_PFX_PASSWORD, &v, &e), OFD_OK);
    assert_string_equal(v, "s3cret p\xc3\xa4ss");
    secret_free(v);
    /* What the registry holds is a DPAPI blob, not the text. */
    assert_int_equal(RegOpenKeyExW(HKEY_LOCAL_MACHINE, SECRET_KEY, 0, KEY_QUERY_VALUE, &key), ERROR_SUCCESS);
    assert_int_equal(RegQueryValueExW(key, L"pfx-password", NULL, &type, raw, &len), ERROR_SUCCESS);
    RegCloseKey(key);
    assert_int_equal(type, REG_BINARY);
    assert_true(len > 16);
    assert_false(contains(raw, len, "s3cret"));
    /* The key's descriptor as built (Wine keeps none to read back). */
    sddl = secret_descriptor_sddl();
    assert_string_equal(sddl, "D:P(A;CI;KA;;;SY)(A;CI;KA;;;BA)");
    free(sddl);
    /* Set again over the existing key, then cleared. */
    assert_int_equal(secret_set(SECRET_PFX_PASSWORD, "other", &e), OFD_OK);
    assert_int_equal(secret_get(SECRET_PFX_PASSWORD, &v, &e), OFD_OK);
    assert_string_equal(v, "other");
    secret_free(v);
    assert_int_equal(secret_clear(SECRET_PFX_PASSWORD, &e), OFD_OK);
    assert_int_equal(secret_get(SECRET_PFX_PASSWORD, &v, &e), OFD_OK);
    assert_null(v);
    assert_int_equal(secret_set("other-secret", "x", &e), OFD_E_INVALID);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_check_refuses_every_folder_others_can_write),
        cmocka_unit_test(the_folder_is_made_with_the_intended_descriptor),
        cmocka_unit_test(a_folder_others_can_write_is_refused),
        cmocka_unit_test(every_call_is_checked),
        cmocka_unit_test(a_real_folder_under_wine_is_accepted),
        cmocka_unit_test(the_pfx_password_is_kept_encrypted_in_a_protected_key),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
