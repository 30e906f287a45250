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
#include "ocs_model.h"

struct node_value;

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

/* A property as the project's typed value (node.h): *present = 0 when it is NULL.
 * uint32 accepts VT_I4/VT_UI4 (and narrower integers), arrays must be one-dimensional
 * VT_UI1 or VT_BSTR. A property the object lacks, or a VARIANT of another type, is an
 * error naming it. */
enum ofd_code wmi_get_value(IWbemClassObject *o, const char *prop, enum ocs_type type, struct node_value *out,
                            int *present, ofd_err *e);

/* Property readers. *out is written only on success. A NULL property value gives
 * OFD_E_NOTFOUND (for strings: *out = NULL and OFD_OK when allow_null). */
enum ofd_code wmi_get_string(IWbemClassObject *o, const char *prop, char **out, ofd_err *e);
enum ofd_code wmi_get_uint32(IWbemClassObject *o, const char *prop, uint32_t *out, ofd_err *e);
enum ofd_code wmi_get_bool(IWbemClassObject *o, const char *prop, int *out, ofd_err *e);

/* A method argument: a name and a string or uint32 value. The VARIANT type is chosen
 * from the parameter's CIMTYPE, so the same call works on Windows and on Wine. */
struct wmi_arg {
    const char *name;
    enum { WMI_ARG_STRING, WMI_ARG_UINT32 } type;
    const char *s;
    uint32_t u;
};

/* Calls a static or instance method (`path` is a class name or an object path) with
 * arguments and returns its uint32 ReturnValue in *ret. Every Put is checked: a Put
 * that fails is an error, never a call made with a missing argument (Wine then writes
 * 0 where a value was meant). */
enum ofd_code wmi_call(wmi_session *s, const char *path, const char *method, const struct wmi_arg *args, size_t nargs,
                       uint32_t *ret, ofd_err *e);

/* Puts a uint32 into a property or parameter, choosing VT_I4 (what Windows documents)
 * and falling back to VT_UI4 when the object answers WBEM_E_TYPE_MISMATCH (Wine). */
enum ofd_code wmi_put_uint32(IWbemClassObject *o, const char *prop, uint32_t v, ofd_err *e);

/* Puts a string (UTF-8) into a property or parameter. */
enum ofd_code wmi_put_string(IWbemClassObject *o, const char *prop, const char *v, ofd_err *e);

/* Instances. wmi_spawn: a new, empty instance of cls (GetObject of the class, then
 * SpawnInstance). wmi_get_object: the object at an object path (OFD_E_NOTFOUND when
 * there is none). wmi_put_instance: PutInstance with flags (WBEM_FLAG_CREATE_ONLY,
 * WBEM_FLAG_UPDATE_ONLY); `what` names the object in messages; WBEM_E_ALREADY_EXISTS
 * gives OFD_E_CONFLICT, WBEM_E_NOT_FOUND OFD_E_NOTFOUND. wmi_delete_instance: by object
 * path. The caller releases objects it gets. */
enum ofd_code wmi_spawn(wmi_session *s, const char *cls, IWbemClassObject **out, ofd_err *e);
enum ofd_code wmi_get_object(wmi_session *s, const char *path, IWbemClassObject **out, ofd_err *e);
enum ofd_code wmi_put_instance(wmi_session *s, IWbemClassObject *inst, long flags, const char *what, ofd_err *e);
enum ofd_code wmi_delete_instance(wmi_session *s, const char *path, ofd_err *e);

/* A BSTR of UTF-8 text (the caller frees it with SysFreeString); NULL on invalid
 * UTF-8 or out of memory. */
BSTR wmi_bstr(const char *utf8);

/* Puts a VARIANT (the caller's, not cleared here) into a property. */
enum ofd_code wmi_put_variant(IWbemClassObject *o, const char *prop, VARIANT *v, ofd_err *e);

/* An object path, cls.k1="v1",k2="v2", values escaped as object paths want. Malloc'ed
 * UTF-8; NULL on out of memory. */
char *wmi_object_path(const char *cls, const char *const *keys, const char *const *values, size_t n);

/* PutInstance and DeleteInstance calls this session made. */
unsigned long wmi_write_count(const wmi_session *s);

/* How many WMI calls this session made (queries, gets, puts, deletes, methods):
 * benchmarks and tests count them. */
unsigned long wmi_call_count(const wmi_session *s);

#endif
