#include "statedir_win.h"

#include <sddl.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error_win.h"
#include "strbuf.h"

const struct statedir_api statedir_api_win = {
    .create_directory = CreateDirectoryW,
    .sddl_to_sd = ConvertStringSecurityDescriptorToSecurityDescriptorW,
    .get_security = GetNamedSecurityInfoW,
    .set_security = SetNamedSecurityInfoW,
};

/* Rights on a folder (or, inherited, on the files in it) that let an account plant or
 * change what the agent reads: create or write files, delete them, change attributes,
 * permissions or owner. Reading is not among them. */
#define STATEDIR_WRITE_RIGHTS                                                                                \
    (FILE_WRITE_DATA | FILE_APPEND_DATA | FILE_WRITE_EA | FILE_DELETE_CHILD | FILE_WRITE_ATTRIBUTES | DELETE \
     | WRITE_DAC | WRITE_OWNER | GENERIC_WRITE | GENERIC_ALL | MAXIMUM_ALLOWED)

PSID statedir_self_sid(void)
{
    HANDLE token = NULL;
    TOKEN_USER *tu = NULL;
    PSID sid = NULL;
    DWORD len = 0;

    if (!OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &token))
        goto out;
    GetTokenInformation(token, TokenUser, NULL, 0, &len);
    if (!len || !(tu = malloc(len)) || !GetTokenInformation(token, TokenUser, tu, len, &len))
        goto out;
    len = GetLengthSid(tu->User.Sid);
    if ((sid = malloc(len)) && !CopySid(len, sid, tu->User.Sid)) {
        free(sid);
        sid = NULL;
    }
out:
    free(tu);
    if (token)
        CloseHandle(token);
    return sid;
}

/* "BUILTIN\Users", or the SID as a string when it has no name here. */
static void sid_name(PSID sid, char *out, size_t size)
{
    wchar_t name[256], domain[256], *str = NULL;
    DWORD nl = 256, dl = 256;
    SID_NAME_USE use;
    char *u = NULL;

    if (LookupAccountSidW(NULL, sid, name, &nl, domain, &dl, &use)) {
        wchar_t full[520];
        _snwprintf(full, 519, dl && domain[0] ? L"%ls\\%ls" : L"%ls%ls", dl && domain[0] ? domain : L"", name);
        full[519] = 0;
        u = ofd_wide_to_utf8(full);
    } else if (ConvertSidToStringSidW(sid, &str)) {
        u = ofd_wide_to_utf8(str);
        LocalFree(str);
    }
    snprintf(out, size, "%s", u ? u : "an unknown account");
    free(u);
}

static int trusted_sid(PSID sid, PSID self)
{
    static const WELL_KNOWN_SID_TYPE ok[] = {WinLocalSystemSid, WinBuiltinAdministratorsSid, WinCreatorOwnerSid};
    BYTE buf[SECURITY_MAX_SID_SIZE];
    DWORD len;
    size_t i;

    if (self && EqualSid(sid, self))
        return 1;
    for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        len = sizeof(buf);
        if (CreateWellKnownSid(ok[i], NULL, buf, &len) && EqualSid(sid, buf))
            return 1;
    }
    return 0;
}

enum ofd_code statedir_check_sd(PSECURITY_DESCRIPTOR sd, PSID self, ofd_err *e)
{
    PSID owner = NULL;
    PACL dacl = NULL;
    BOOL present = FALSE, defaulted = FALSE;
    ACL_SIZE_INFORMATION info;
    char who[300];
    DWORD i;

    if (!GetSecurityDescriptorOwner(sd, &owner, &defaulted) || !owner)
        return ofd_err_set(e, OFD_E_INVALID, "it has no owner that can be read");
    if (!trusted_sid(owner, self)) {
        sid_name(owner, who, sizeof(who));
        return ofd_err_set(e, OFD_E_INVALID,
                           "it is owned by %s, who can change its permissions at will; only SYSTEM "
                           "or Administrators may own it",
                           who);
    }
    if (!GetSecurityDescriptorDacl(sd, &present, &dacl, &defaulted))
        return ofd_err_set(e, OFD_E_INVALID, "its permissions cannot be read");
    if (!present || !dacl)
        return ofd_err_set(e, OFD_E_INVALID, "it has no access control list, so everyone has full control of it");
    if (!GetAclInformation(dacl, &info, sizeof(info), AclSizeInformation))
        return ofd_err_set(e, OFD_E_INVALID, "its permissions cannot be read");
    for (i = 0; i < info.AceCount; i++) {
        ACE_HEADER *h = NULL;
        ACCESS_ALLOWED_ACE *a;

        if (!GetAce(dacl, i, (void **)&h))
            return ofd_err_set(e, OFD_E_INVALID, "its permission entry %lu cannot be read", (unsigned long)i);
        if (h->AceType == ACCESS_DENIED_ACE_TYPE || h->AceType == ACCESS_DENIED_OBJECT_ACE_TYPE)
            continue;
        if (h->AceType != ACCESS_ALLOWED_ACE_TYPE)
            /* Object and callback entries do not belong on a folder; not read, not
             * trusted. */
            return ofd_err_set(e, OFD_E_INVALID,
                               "its permission entry %lu is of a kind (%u) ocsfed does not "
                               "accept on this folder",
                               (unsigned long)i, (unsigned)h->AceType);
        a = (ACCESS_ALLOWED_ACE *)h;
        if (!(a->Mask & STATEDIR_WRITE_RIGHTS) || trusted_sid((PSID)&a->SidStart, self))
            continue;
        sid_name((PSID)&a->SidStart, who, sizeof(who));
        return ofd_err_set(e, OFD_E_INVALID, "%s may create, change or delete files in it (access mask 0x%08lX%s)", who,
                           (unsigned long)a->Mask, h->AceFlags & INHERITED_ACE ? ", inherited" : "");
    }
    return OFD_OK;
}

enum ofd_code statedir_ensure(const struct statedir_api *api, const wchar_t *dir, ofd_err *e)
{
    PSECURITY_DESCRIPTOR want = NULL, got = NULL;
    SECURITY_ATTRIBUTES sa;
    PSID self = NULL, owner = NULL;
    PACL dacl = NULL;
    char *name = ofd_wide_to_utf8(dir);
    ofd_err why;
    DWORD err;
    enum ofd_code rc;

    if (!name) {
        rc = ofd_err_nomem(e);
        goto out;
    }
    if (!api->sddl_to_sd(STATEDIR_SDDL, SDDL_REVISION_1, &want, NULL)) {
        rc = ofd_err_win32(e, GetLastError(), "cannot build the security descriptor of %s", name);
        goto out;
    }
    memset(&sa, 0, sizeof(sa));
    sa.nLength = sizeof(sa);
    sa.lpSecurityDescriptor = want;
    if (!api->create_directory(dir, &sa) && (err = GetLastError()) != ERROR_ALREADY_EXISTS) {
        rc = ofd_err_win32(e, err, "cannot create the folder %s", name);
        goto out;
    }
    /* Created now or found: what counts is what the folder says it is. */
    if ((err = api->get_security(dir, SE_FILE_OBJECT, OWNER_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION, &owner,
                                 NULL, &dacl, NULL, &got))
        != ERROR_SUCCESS) {
        rc = ofd_err_win32(e, err, "cannot read the owner and permissions of %s", name);
        goto out;
    }
    self = statedir_self_sid();
    ofd_err_clear(&why);
    if ((rc = statedir_check_sd(got, self, &why)) != OFD_OK)
        ofd_err_set(e, rc,
                    "the agent's folder %s is refused: %s. What is in it cannot be trusted: look at its "
                    "files (journal.jsonl, owned.json, state.json), then delete the folder for the agent to make it "
                    "anew, or run 'ocsfed service secure-state' as an administrator to keep them",
                    name, why.msg);
out:
    if (want)
        LocalFree(want);
    if (got)
        LocalFree(got);
    free(self);
    free(name);
    return rc;
}

/* Owner and DACL of one object, from the descriptor's parts. */
static enum ofd_code set_one(const struct statedir_api *api, wchar_t *path, SECURITY_INFORMATION what, PSID owner,
                             PACL dacl, ofd_err *e)
{
    DWORD err = api->set_security(path, SE_FILE_OBJECT, what, owner, NULL, dacl, NULL);
    char *name;

    if (err == ERROR_SUCCESS)
        return OFD_OK;
    name = ofd_wide_to_utf8(path);
    ofd_err_win32(e, err, "cannot set the owner and permissions of %s", name ? name : "the folder");
    free(name);
    return OFD_E_PLATFORM;
}

enum ofd_code statedir_secure(const struct statedir_api *api, const wchar_t *dir, ofd_err *e)
{
    PSECURITY_DESCRIPTOR want = NULL;
    PACL dacl = NULL, empty = NULL;
    BOOL present = FALSE, defaulted = FALSE;
    BYTE admins[SECURITY_MAX_SID_SIZE], empty_buf[sizeof(ACL) + 16];
    DWORD len = sizeof(admins);
    WIN32_FIND_DATAW fd;
    HANDLE h = INVALID_HANDLE_VALUE;
    wchar_t path[MAX_PATH * 2];
    enum ofd_code rc;

    if (!api->sddl_to_sd(STATEDIR_SDDL, SDDL_REVISION_1, &want, NULL)
        || !GetSecurityDescriptorDacl(want, &present, &dacl, &defaulted)
        || !CreateWellKnownSid(WinBuiltinAdministratorsSid, NULL, admins, &len)
        || !InitializeAcl((PACL)empty_buf, sizeof(empty_buf), ACL_REVISION)) {
        rc = ofd_err_win32(e, GetLastError(), "cannot build the security descriptor of the agent's folder");
        goto out;
    }
    empty = (PACL)empty_buf;
    if ((rc = set_one(api, (wchar_t *)dir,
                      OWNER_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION | PROTECTED_DACL_SECURITY_INFORMATION,
                      admins, dacl, e))
        != OFD_OK)
        goto out;
    /* Each file: Administrators' again, and nothing but what the folder passes on. */
    if (_snwprintf(path, MAX_PATH * 2 - 1, L"%ls\\*", dir) < 0
        || (h = FindFirstFileW(path, &fd)) == INVALID_HANDLE_VALUE) {
        rc = OFD_OK; /* an empty folder */
        goto out;
    }
    do {
        if (fd.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY)
            continue;
        _snwprintf(path, MAX_PATH * 2 - 1, L"%ls\\%ls", dir, fd.cFileName);
        path[MAX_PATH * 2 - 1] = 0;
        if ((rc =
                 set_one(api, path,
                         OWNER_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION | UNPROTECTED_DACL_SECURITY_INFORMATION,
                         admins, empty, e))
            != OFD_OK)
            goto out;
    } while (FindNextFileW(h, &fd));
    rc = OFD_OK;
out:
    if (h != INVALID_HANDLE_VALUE)
        FindClose(h);
    if (want)
        LocalFree(want);
    return rc;
}
