/* The agent's state folder, %ProgramData%\ocsfed: the anti-rollback floor
 * (state.json), the apply journal and its lock, the ownership record. What is in it
 * drives SYSTEM's writes, so it belongs to SYSTEM and Administrators alone:
 *   - created with a protected DACL: SYSTEM and Administrators full control, inherited
 *     by what is created inside, nothing else (STATEDIR_SDDL);
 *   - its owner and DACL read back and checked before every use: a folder that someone
 *     else owns, or may write to, is refused (never silently used or silently fixed:
 *     what such a someone left inside could be a planted journal).
 * The security calls go through a table so that a test can fail each one: Wine keeps no
 * ACLs, so what is tested there is the descriptor built and that every call is checked. */
#ifndef OCSFED_STATEDIR_WIN_H
#define OCSFED_STATEDIR_WIN_H

#include <windows.h>
#include <aclapi.h>

#include <stddef.h>

#include "error.h"

/* SYSTEM and Administrators, full control, inherited by files and subfolders; the
 * folder does not inherit from %ProgramData% (P), where Users may create files. The
 * owner is the creator's default: SYSTEM for the service, Administrators for an
 * administrator's `ocsfed apply`. */
#define STATEDIR_SDDL L"D:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)"

struct statedir_api {
    BOOL(WINAPI *create_directory)(LPCWSTR path, LPSECURITY_ATTRIBUTES sa);
    BOOL(WINAPI *sddl_to_sd)(LPCWSTR sddl, DWORD revision, PSECURITY_DESCRIPTOR *sd, PULONG size);
    DWORD(WINAPI *get_security)
    (LPCWSTR path, SE_OBJECT_TYPE type, SECURITY_INFORMATION what, PSID *owner, PSID *group, PACL *dacl, PACL *sacl,
     PSECURITY_DESCRIPTOR *sd);
    DWORD(WINAPI *set_security)
    (LPWSTR path, SE_OBJECT_TYPE type, SECURITY_INFORMATION what, PSID owner, PSID group, PACL dacl, PACL sacl);
};

/* The real calls (kernel32, advapi32). */
extern const struct statedir_api statedir_api_win;

/* Makes dir (UTF-16) with STATEDIR_SDDL unless it exists, then reads its owner and DACL
 * back and checks them (statedir_check_sd). Returns OFD_OK; OFD_E_INVALID when the
 * folder is not SYSTEM's and Administrators' alone (the message names who else may
 * write, and what to do); OFD_E_PLATFORM when a call fails (named in the message). */
enum ofd_code statedir_ensure(const struct statedir_api *api, const wchar_t *dir, ofd_err *e);

/* Checks a folder's descriptor: owned by SYSTEM, Administrators or self (the account
 * this process runs as; NULL: none), and no allow entry of its DACL gives another
 * account a right to create, write, delete, or change permissions or owner (inherited
 * entries and entries only for the files inside included). A NULL DACL is everyone's
 * full control. Entries that deny are not needed to be safe and are not counted.
 * Returns OFD_OK or OFD_E_INVALID naming the account and the right. */
enum ofd_code statedir_check_sd(PSECURITY_DESCRIPTOR sd, PSID self, ofd_err *e);

/* Gives an existing dir the descriptor it would have been created with: owner
 * Administrators, DACL STATEDIR_SDDL, and each file directly in it owned by
 * Administrators with its permissions inherited from the folder again. For the
 * administrator who has looked at what is inside (`ocsfed service secure-state`).
 * Returns OFD_OK, OFD_E_PLATFORM. */
enum ofd_code statedir_secure(const struct statedir_api *api, const wchar_t *dir, ofd_err *e);

/* The SID of the account this process runs as (malloc'ed, caller frees), or NULL. */
PSID statedir_self_sid(void);

#endif
