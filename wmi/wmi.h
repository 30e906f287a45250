/* wmi: a small C layer over COM WMI. Windows only; the portable core never sees it:
 * it reaches WMI through the node interfaces that this layer implements.
 *
 * Threading: a session belongs to the thread that opened it. wmi_open initialises COM
 * (multithreaded) and its process security once for that thread. */
#ifndef OCSFED_WMI_H
#define OCSFED_WMI_H

#include <windows.h>
#include <wbemidl.h>

#include <stdint.h>

#include "error.h"

typedef struct wmi_session wmi_session;

/* Connects to a local namespace such as "ROOT\\CIMV2". On success *out is a session
 * the caller closes with wmi_close. */
enum ofd_code wmi_open(const char *ns, wmi_session **out, ofd_err *e);

/* Wraps an IWbemServices the caller already has (the OCS stand-in in tests, or a
 * remote connection); takes its own reference. COM must already be initialised. */
enum ofd_code wmi_open_services(IWbemServices *svc, wmi_session **out, ofd_err *e);

/* Releases the session and, if wmi_open initialised COM, uninitialises it. NULL ok. */
void wmi_close(wmi_session *s);

/* Called once per row of a query; return OFD_OK to go on, anything else stops the
 * query and is returned by wmi_query (set e). row is only valid during the call. */
typedef enum ofd_code (*wmi_row_fn)(void *ctx, IWbemClassObject *row, ofd_err *e);

/* Runs a WQL query (UTF-8) and calls fn for each row, in order. Returns OFD_OK, or the
 * first error (WMI's, with the WBEM code's name, or fn's). */
enum ofd_code wmi_query(wmi_session *s, const char *wql, wmi_row_fn fn, void *ctx, ofd_err *e);

/* Property readers. *out is written only on success. A NULL property value gives
 * OFD_E_NOTFOUND (for strings: *out = NULL and OFD_OK when allow_null). */
enum ofd_code wmi_get_string(IWbemClassObject *o, const char *prop, char **out, ofd_err *e);
enum ofd_code wmi_get_uint32(IWbemClassObject *o, const char *prop, uint32_t *out, ofd_err *e);
enum ofd_code wmi_get_bool(IWbemClassObject *o, const char *prop, int *out, ofd_err *e);

/* Calls a method on an object path ("Win32_Service.Name=\"RtcSrv\"") with no input
 * arguments and returns its uint32 ReturnValue in *ret. */
enum ofd_code wmi_call_noargs(wmi_session *s, const char *path, const char *method,
                              uint32_t *ret, ofd_err *e);

/* How many WMI calls this session made (queries, gets, puts, deletes, methods):
 * benchmarks and tests count them. */
unsigned long wmi_call_count(const wmi_session *s);

#endif
