#include "error.h"

#include <stdio.h>
#include <string.h>

#include "strbuf.h"

void ofd_err_clear(ofd_err *e)
{
    if (e)
        memset(e, 0, sizeof(*e));
}

enum ofd_code ofd_err_setv(ofd_err *e, enum ofd_code code, const char *fmt, va_list ap)
{
    char raw[OFD_ERR_MSG_MAX];

    if (e) {
        e->code = code;
        e->raw = 0;
        e->rule[0] = '\0';
        /* The one place every message passes: what it quotes of the input is shown
         * with its control characters escaped. */
        vsnprintf(raw, sizeof(raw), fmt, ap);
        ofd_utf8_trim(raw);
        ofd_escape_controls(e->msg, sizeof(e->msg), raw);
    }
    return code;
}

enum ofd_code ofd_err_set(ofd_err *e, enum ofd_code code, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    ofd_err_setv(e, code, fmt, ap);
    va_end(ap);
    return code;
}

enum ofd_code ofd_err_rule(ofd_err *e, enum ofd_code code, const char *rule, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    ofd_err_setv(e, code, fmt, ap);
    va_end(ap);
    if (e && rule)
        snprintf(e->rule, sizeof(e->rule), "%s", rule);
    return code;
}

void ofd_err_prefix(ofd_err *e, const char *fmt, ...)
{
    char raw[256], head[256];
    char old[OFD_ERR_MSG_MAX];
    size_t hlen, olen;
    va_list ap;

    if (!e)
        return;
    va_start(ap, fmt);
    vsnprintf(raw, sizeof(raw), fmt, ap);
    va_end(ap);
    ofd_utf8_trim(raw);
    ofd_escape_controls(head, sizeof(head), raw);
    memcpy(old, e->msg, sizeof(old));
    /* Built by hand: truncating the tail of a long message is intended. */
    hlen = strlen(head);
    if (hlen > sizeof(e->msg) - 3)
        hlen = sizeof(e->msg) - 3;
    memcpy(e->msg, head, hlen);
    memcpy(e->msg + hlen, ": ", 2);
    olen = strlen(old);
    if (olen > sizeof(e->msg) - hlen - 3)
        olen = sizeof(e->msg) - hlen - 3;
    memcpy(e->msg + hlen + 2, old, olen);
    e->msg[hlen + 2 + olen] = '\0';
}

const char *ofd_code_name(enum ofd_code code)
{
    switch (code) {
    case OFD_OK: return "ok";
    case OFD_E_INVALID: return "invalid input";
    case OFD_E_IO: return "i/o error";
    case OFD_E_NOMEM: return "out of memory";
    case OFD_E_PLATFORM: return "system call failed";
    case OFD_E_NOTFOUND: return "not found";
    case OFD_E_CONFLICT: return "conflict";
    case OFD_E_CRYPTO: return "cryptography error";
    case OFD_E_INTERNAL: return "internal error";
    case OFD_E_CANCELLED: return "cancelled";
    }
    return "unknown error";
}

enum ofd_code ofd_err_nomem(ofd_err *e)
{
    return ofd_err_set(e, OFD_E_NOMEM, "out of memory");
}
