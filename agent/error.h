/* The agent's one error type: a code for the program, the rule it concerns, the raw
 * platform code for the log, and a message written for the operator. */
#ifndef OCSFED_ERROR_H
#define OCSFED_ERROR_H

#include <stdarg.h>

/* printf-style checking. MinGW builds use the C99 printf (__USE_MINGW_ANSI_STDIO), so
 * %zu and friends are checked as GNU formats there, not as msvcrt's. */
#if defined(__MINGW32__)
#define OFD_PRINTF(f, a) __attribute__((format(gnu_printf, f, a)))
#else
#define OFD_PRINTF(f, a) __attribute__((format(printf, f, a)))
#endif

enum ofd_code {
    OFD_OK = 0,
    OFD_E_INVALID, /* bad input: manifest, arguments, node file */
    OFD_E_IO,      /* file or share */
    OFD_E_NOMEM,
    OFD_E_PLATFORM, /* a Windows, COM, WMI or CryptoAPI call failed; raw holds its code */
    OFD_E_NOTFOUND,
    OFD_E_CONFLICT,
    OFD_E_CRYPTO, /* OpenSSL */
    OFD_E_INTERNAL,
    OFD_E_CANCELLED /* a stop was requested (the service is stopping) */
};

#define OFD_ERR_MSG_MAX 1024

typedef struct ofd_err {
    enum ofd_code code;
    long raw;     /* HRESULT, Win32 or WBEM code; 0 when there is none */
    char rule[8]; /* "R6", or "" when no rule of the guide is concerned */
    char msg[OFD_ERR_MSG_MAX];
} ofd_err;

/* Clears e (NULL is allowed). */
void ofd_err_clear(ofd_err *e);

/* Sets e's code and message (printf format); returns code so that callers can write
 * `return ofd_err_set(e, ...)`. e may be NULL. */
enum ofd_code ofd_err_set(ofd_err *e, enum ofd_code code, const char *fmt, ...) OFD_PRINTF(3, 4);
enum ofd_code ofd_err_setv(ofd_err *e, enum ofd_code code, const char *fmt, va_list ap) OFD_PRINTF(3, 0);

/* The one "out of memory": sets e to OFD_E_NOMEM and returns it. */
enum ofd_code ofd_err_nomem(ofd_err *e);

/* Like ofd_err_set, and records the rule of the guide (e.g. "R6") it concerns. */
enum ofd_code ofd_err_rule(ofd_err *e, enum ofd_code code, const char *rule, const char *fmt, ...) OFD_PRINTF(4, 5);

/* Puts "what: " in front of the existing message, for context added on the way up. */
void ofd_err_prefix(ofd_err *e, const char *fmt, ...) OFD_PRINTF(2, 3);

/* The code's name, e.g. "invalid input". Never NULL. */
const char *ofd_code_name(enum ofd_code code);

#endif
