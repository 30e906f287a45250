#include "error_win.h"

#include <wbemcli.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CODE(x)          \
    {                    \
        (HRESULT)(x), #x \
    }
static const struct {
    HRESULT hr;
    const char *name;
} hr_names[] = {
    CODE(WBEM_E_FAILED),
    CODE(WBEM_E_NOT_FOUND),
    CODE(WBEM_E_ACCESS_DENIED),
    CODE(WBEM_E_PROVIDER_FAILURE),
    CODE(WBEM_E_TYPE_MISMATCH),
    CODE(WBEM_E_OUT_OF_MEMORY),
    CODE(WBEM_E_INVALID_CONTEXT),
    CODE(WBEM_E_INVALID_PARAMETER),
    CODE(WBEM_E_NOT_AVAILABLE),
    CODE(WBEM_E_CRITICAL_ERROR),
    CODE(WBEM_E_INVALID_STREAM),
    CODE(WBEM_E_NOT_SUPPORTED),
    CODE(WBEM_E_INVALID_SUPERCLASS),
    CODE(WBEM_E_INVALID_NAMESPACE),
    CODE(WBEM_E_INVALID_OBJECT),
    CODE(WBEM_E_INVALID_CLASS),
    CODE(WBEM_E_PROVIDER_NOT_FOUND),
    CODE(WBEM_E_INVALID_PROVIDER_REGISTRATION),
    CODE(WBEM_E_PROVIDER_LOAD_FAILURE),
    CODE(WBEM_E_INITIALIZATION_FAILURE),
    CODE(WBEM_E_TRANSPORT_FAILURE),
    CODE(WBEM_E_INVALID_OPERATION),
    CODE(WBEM_E_INVALID_QUERY),
    CODE(WBEM_E_INVALID_QUERY_TYPE),
    CODE(WBEM_E_ALREADY_EXISTS),
    CODE(WBEM_E_OVERRIDE_NOT_ALLOWED),
    CODE(WBEM_E_PROPAGATED_QUALIFIER),
    CODE(WBEM_E_PROPAGATED_PROPERTY),
    CODE(WBEM_E_UNEXPECTED),
    CODE(WBEM_E_ILLEGAL_OPERATION),
    CODE(WBEM_E_CANNOT_BE_KEY),
    CODE(WBEM_E_INCOMPLETE_CLASS),
    CODE(WBEM_E_INVALID_SYNTAX),
    CODE(WBEM_E_NONDECORATED_OBJECT),
    CODE(WBEM_E_READ_ONLY),
    CODE(WBEM_E_PROVIDER_NOT_CAPABLE),
    CODE(WBEM_E_CLASS_HAS_CHILDREN),
    CODE(WBEM_E_CLASS_HAS_INSTANCES),
    CODE(WBEM_E_QUERY_NOT_IMPLEMENTED),
    CODE(WBEM_E_ILLEGAL_NULL),
    CODE(WBEM_E_INVALID_QUALIFIER_TYPE),
    CODE(WBEM_E_INVALID_PROPERTY_TYPE),
    CODE(WBEM_E_VALUE_OUT_OF_RANGE),
    CODE(WBEM_E_CANNOT_BE_SINGLETON),
    CODE(WBEM_E_INVALID_CIM_TYPE),
    CODE(WBEM_E_INVALID_METHOD),
    CODE(WBEM_E_INVALID_METHOD_PARAMETERS),
    CODE(WBEM_E_SYSTEM_PROPERTY),
    CODE(WBEM_E_INVALID_PROPERTY),
    CODE(WBEM_E_CALL_CANCELLED),
    CODE(WBEM_E_SHUTTING_DOWN),
    CODE(WBEM_E_PROPAGATED_METHOD),
    CODE(WBEM_E_UNSUPPORTED_PARAMETER),
    CODE(WBEM_E_MISSING_PARAMETER_ID),
    CODE(WBEM_E_INVALID_PARAMETER_ID),
    CODE(WBEM_E_NONCONSECUTIVE_PARAMETER_IDS),
    CODE(WBEM_E_PARAMETER_ID_ON_RETVAL),
    CODE(WBEM_E_INVALID_OBJECT_PATH),
    CODE(WBEM_E_OUT_OF_DISK_SPACE),
    CODE(WBEM_E_BUFFER_TOO_SMALL),
    CODE(WBEM_E_UNSUPPORTED_PUT_EXTENSION),
    CODE(WBEM_E_UNKNOWN_OBJECT_TYPE),
    CODE(WBEM_E_UNKNOWN_PACKET_TYPE),
    CODE(WBEM_E_MARSHAL_VERSION_MISMATCH),
    CODE(WBEM_E_MARSHAL_INVALID_SIGNATURE),
    CODE(WBEM_E_INVALID_QUALIFIER),
    CODE(WBEM_E_INVALID_DUPLICATE_PARAMETER),
    CODE(WBEM_E_TOO_MUCH_DATA),
    CODE(WBEM_E_SERVER_TOO_BUSY),
    CODE(WBEM_E_INVALID_FLAVOR),
    CODE(WBEM_E_CIRCULAR_REFERENCE),
    CODE(WBEM_E_UNSUPPORTED_CLASS_UPDATE),
    CODE(WBEM_E_CANNOT_CHANGE_KEY_INHERITANCE),
    CODE(WBEM_E_CANNOT_CHANGE_INDEX_INHERITANCE),
    CODE(WBEM_E_TOO_MANY_PROPERTIES),
    CODE(WBEM_E_UPDATE_TYPE_MISMATCH),
    CODE(WBEM_E_UPDATE_OVERRIDE_NOT_ALLOWED),
    CODE(WBEM_E_UPDATE_PROPAGATED_METHOD),
    CODE(WBEM_E_METHOD_NOT_IMPLEMENTED),
    CODE(WBEM_E_METHOD_DISABLED),
    CODE(WBEM_E_REFRESHER_BUSY),
    CODE(WBEM_E_UNPARSABLE_QUERY),
    CODE(WBEM_E_NOT_EVENT_CLASS),
    CODE(WBEM_E_MISSING_GROUP_WITHIN),
    CODE(WBEM_E_MISSING_AGGREGATION_LIST),
    CODE(WBEM_E_PROPERTY_NOT_AN_OBJECT),
    CODE(WBEM_E_AGGREGATING_BY_OBJECT),
    CODE(WBEM_E_UNINTERPRETABLE_PROVIDER_QUERY),
    CODE(WBEM_E_BACKUP_RESTORE_WINMGMT_RUNNING),
    CODE(WBEM_E_QUEUE_OVERFLOW),
    CODE(WBEM_E_PRIVILEGE_NOT_HELD),
    CODE(WBEM_E_INVALID_OPERATOR),
    CODE(WBEM_E_LOCAL_CREDENTIALS),
    CODE(WBEM_E_CANNOT_BE_ABSTRACT),
    CODE(WBEM_E_AMENDED_OBJECT),
    CODE(WBEM_E_CLIENT_TOO_SLOW),
    CODE(WBEM_E_NULL_SECURITY_DESCRIPTOR),
    CODE(WBEM_E_TIMED_OUT),
    CODE(WBEM_E_INVALID_ASSOCIATION),
    CODE(WBEM_E_AMBIGUOUS_OPERATION),
    CODE(WBEM_E_QUOTA_VIOLATION),
    CODE(WBEM_E_RESERVED_001),
    CODE(WBEM_E_RESERVED_002),
    CODE(WBEM_E_UNSUPPORTED_LOCALE),
    CODE(WBEM_E_HANDLE_OUT_OF_DATE),
    CODE(WBEM_E_CONNECTION_FAILED),
    CODE(WBEM_E_INVALID_HANDLE_REQUEST),
    CODE(WBEM_E_PROPERTY_NAME_TOO_WIDE),
    CODE(WBEM_E_CLASS_NAME_TOO_WIDE),
    CODE(WBEM_E_METHOD_NAME_TOO_WIDE),
    CODE(WBEM_E_QUALIFIER_NAME_TOO_WIDE),
    CODE(WBEM_E_RERUN_COMMAND),
    CODE(WBEM_E_DATABASE_VER_MISMATCH),
    CODE(WBEM_E_VETO_DELETE),
    CODE(WBEM_E_VETO_PUT),
    CODE(WBEM_E_INVALID_LOCALE),
    CODE(WBEM_E_PROVIDER_SUSPENDED),
    CODE(WBEM_E_SYNCHRONIZATION_REQUIRED),
    CODE(WBEM_E_NO_SCHEMA),
    CODE(WBEM_E_PROVIDER_ALREADY_REGISTERED),
    CODE(WBEM_E_PROVIDER_NOT_REGISTERED),
    CODE(WBEM_E_FATAL_TRANSPORT_ERROR),
    CODE(WBEM_E_ENCRYPTED_CONNECTION_REQUIRED),
    CODE(WBEM_E_PROVIDER_TIMED_OUT),
    CODE(WBEM_E_NO_KEY),
    CODE(WBEM_E_PROVIDER_DISABLED),
    CODE(WBEM_S_FALSE),
    CODE(WBEM_S_NO_MORE_DATA),
    CODE(WBEM_S_TIMEDOUT),
    CODE(E_NOINTERFACE),
    CODE(E_OUTOFMEMORY),
    CODE(E_INVALIDARG),
    CODE(E_POINTER),
    CODE(E_FAIL),
    CODE(E_ACCESSDENIED),
    CODE(E_NOTIMPL),
    CODE(E_UNEXPECTED),
    CODE(CO_E_NOTINITIALIZED),
    CODE(RPC_E_CHANGED_MODE),
    CODE(RPC_E_TOO_LATE),
    CODE(REGDB_E_CLASSNOTREG),
    CODE(DISP_E_TYPEMISMATCH),
    CODE(DISP_E_BADVARTYPE),
    CODE(NTE_BAD_KEYSET),
    CODE(NTE_NO_KEY),
    CODE(NTE_BAD_KEY),
    CODE(NTE_BAD_SIGNATURE),
    CODE(NTE_BAD_FLAGS),
    CODE(NTE_KEYSET_NOT_DEF),
    CODE(NTE_PROV_TYPE_NOT_DEF),
    CODE(NTE_BAD_KEY_STATE),
    CODE(NTE_EXISTS),
    CODE(CRYPT_E_NOT_FOUND),
    CODE(CRYPT_E_EXISTS),
    CODE(CRYPT_E_BAD_ENCODE),
    CODE(CRYPT_E_ASN1_BADTAG),
    CODE(CRYPT_E_NO_KEY_PROPERTY),
    CODE(CERT_E_EXPIRED),
    CODE(CERT_E_UNTRUSTEDROOT),
    CODE(CERT_E_CHAINING),
    CODE(CERT_E_WRONG_USAGE),
    CODE(CERT_E_CN_NO_MATCH),
    CODE(TRUST_E_CERT_SIGNATURE),
};
#undef CODE

const char *ofd_hresult_name(HRESULT hr)
{
    size_t i;

    for (i = 0; i < sizeof(hr_names) / sizeof(hr_names[0]); i++) {
        if (hr_names[i].hr == hr)
            return hr_names[i].name;
    }
    return NULL;
}

/* The system's text for a code, UTF-8, trailing newline and period removed. */
static void system_text(DWORD code, char *buf, size_t size)
{
    wchar_t wbuf[512];
    DWORD n;
    char *u = NULL;
    size_t len;

    buf[0] = '\0';
    n = FormatMessageW(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS, NULL, code, 0, wbuf,
                       sizeof(wbuf) / sizeof(wbuf[0]), NULL);
    if (n == 0 || !(u = ofd_wide_to_utf8(wbuf)))
        goto out;
    len = strlen(u);
    while (len > 0 && (u[len - 1] == '\n' || u[len - 1] == '\r' || u[len - 1] == ' ' || u[len - 1] == '.'))
        u[--len] = '\0';
    snprintf(buf, size, "%s", u);
out:
    free(u);
}

static enum ofd_code err_platform(ofd_err *e, long raw, const char *code_text, const char *fmt, va_list ap)
{
    char what[512];

    if (!e)
        return OFD_E_PLATFORM;
    vsnprintf(what, sizeof(what), fmt, ap);
    ofd_err_set(e, OFD_E_PLATFORM, "%s: %s", what, code_text);
    e->raw = raw;
    return OFD_E_PLATFORM;
}

enum ofd_code ofd_err_hresult(ofd_err *e, HRESULT hr, const char *fmt, ...)
{
    char code[400], text[300];
    const char *name = ofd_hresult_name(hr);
    enum ofd_code rc;
    va_list ap;

    system_text((DWORD)hr, text, sizeof(text));
    snprintf(code, sizeof(code), "%s%s(0x%08lX)%s%s", name ? name : "", name ? " " : "", (unsigned long)hr,
             text[0] ? " " : "", text);
    va_start(ap, fmt);
    rc = err_platform(e, (long)hr, code, fmt, ap);
    va_end(ap);
    return rc;
}

enum ofd_code ofd_err_win32(ofd_err *e, DWORD err, const char *fmt, ...)
{
    char code[400], text[300];
    const char *name = ofd_hresult_name((HRESULT)err);
    enum ofd_code rc;
    va_list ap;

    /* CryptoAPI reports HRESULTs through GetLastError(): show those in hex. */
    system_text(err, text, sizeof(text));
    if (err & 0x80000000u)
        snprintf(code, sizeof(code), "%s%s(0x%08lX)%s%s", name ? name : "", name ? " " : "", (unsigned long)err,
                 text[0] ? " " : "", text);
    else
        snprintf(code, sizeof(code), "error %lu%s%s", (unsigned long)err, text[0] ? " " : "", text);
    va_start(ap, fmt);
    rc = err_platform(e, (long)err, code, fmt, ap);
    va_end(ap);
    return rc;
}

wchar_t *ofd_utf8_to_wide(const char *s)
{
    int n;
    wchar_t *w;

    if (!s || (n = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, -1, NULL, 0)) <= 0)
        return NULL;
    if (!(w = malloc((size_t)n * sizeof(*w))))
        return NULL;
    MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, -1, w, n);
    return w;
}

char *ofd_wide_to_utf8(const wchar_t *w)
{
    int n;
    char *s;

    if (!w || (n = WideCharToMultiByte(CP_UTF8, 0, w, -1, NULL, 0, NULL, NULL)) <= 0)
        return NULL;
    if (!(s = malloc((size_t)n)))
        return NULL;
    WideCharToMultiByte(CP_UTF8, 0, w, -1, s, n, NULL, NULL);
    return s;
}
