/* Windows side of the error type: HRESULT, WBEM and Win32 codes become an ofd_err with
 * the raw code kept for the log and a message for the operator. */
#ifndef OCSFED_ERROR_WIN_H
#define OCSFED_ERROR_WIN_H

#include <windows.h>

#include "error.h"

/* Name of an HRESULT when it is a WBEM or common COM code ("WBEM_E_NOT_FOUND"),
 * else NULL. */
const char *ofd_hresult_name(HRESULT hr);

/* Sets e to OFD_E_PLATFORM, raw = hr, message "<what>: NAME (0x8004xxxx) text". */
enum ofd_code ofd_err_hresult(ofd_err *e, HRESULT hr, const char *fmt, ...) OFD_PRINTF(3, 4);

/* Same for a Win32 error code (GetLastError()), with the system's text. */
enum ofd_code ofd_err_win32(ofd_err *e, DWORD code, const char *fmt, ...) OFD_PRINTF(3, 4);

/* UTF-8 <-> UTF-16 at the Windows boundary. Both return a malloc'ed string the caller
 * frees, or NULL (invalid input or out of memory). */
wchar_t *ofd_utf8_to_wide(const char *s);
char *ofd_wide_to_utf8(const wchar_t *w);

#endif
