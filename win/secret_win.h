/* Secrets the agent needs on a server, kept where only SYSTEM and Administrators can
 * read them: the PKCS#12 password (R16) is not in the service's Environment value,
 * which every local user can read, but encrypted with DPAPI for this machine and stored
 * in HKLM\SOFTWARE\ocsfed\Secrets, a key whose DACL is SYSTEM's and Administrators'
 * alone (SECRET_SDDL). Set by an administrator with `ocsfed secret set pfx-password`. */
#ifndef OCSFED_SECRET_WIN_H
#define OCSFED_SECRET_WIN_H

#include <windows.h>

#include "error.h"

#define SECRET_KEY L"SOFTWARE\\ocsfed\\Secrets"
/* SYSTEM and Administrators, full control, no inheritance from SOFTWARE\ocsfed. */
#define SECRET_SDDL L"D:P(A;CI;KA;;;SY)(A;CI;KA;;;BA)"
/* The one secret there is: the value name and the DPAPI entropy that binds it. */
#define SECRET_PFX_PASSWORD "pfx-password"

/* Stores value (UTF-8) under name, encrypted (CryptProtectData, local machine) in the
 * protected key, which is created with SECRET_SDDL or given it again. Returns OFD_OK,
 * OFD_E_INVALID (an unknown name), OFD_E_PLATFORM (the call that failed named). */
enum ofd_code secret_set(const char *name, const char *value, ofd_err *e);

/* The secret name, decrypted: *value malloc'ed (wipe and free with secret_free), or
 * NULL when none is stored. Returns OFD_OK, OFD_E_PLATFORM. */
enum ofd_code secret_get(const char *name, char **value, ofd_err *e);

/* Removes the secret name (absent: OK). */
enum ofd_code secret_clear(const char *name, ofd_err *e);

/* Overwrites and frees a value secret_get returned. */
void secret_free(char *value);

/* The descriptor SECRET_SDDL asks for, as SDDL read back from the one built (malloc'ed,
 * UTF-8), for the tests: Wine keeps no registry ACLs either. */
char *secret_descriptor_sddl(void);

#endif
