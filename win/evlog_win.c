#include "evlog_win.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "error_win.h"
#include "strbuf.h"

static HANDLE source;
static int echo;

void evlog_open(void)
{
    if (!source)
        source = RegisterEventSourceW(NULL, EVLOG_SOURCE);
}

void evlog_close(void)
{
    if (source)
        DeregisterEventSource(source);
    source = NULL;
}

void evlog_echo(int on)
{
    echo = on;
}

static void report(WORD type, DWORD id, const char *fmt, va_list ap)
{
    char text[2048];
    wchar_t *w;
    const wchar_t *strings[1];

    vsnprintf(text, sizeof(text), fmt, ap);
    /* Cut on a character: a text cut inside one would not convert, and be lost. */
    ofd_utf8_trim(text);
    if (echo)
        fprintf(stderr, "ocsfed: event %lu: %s\n", (unsigned long)(id & 0xFFFF), text);
    if (!source || !(w = ofd_utf8_to_wide(text)))
        return;
    strings[0] = w;
    ReportEventW(source, type, 0, id, NULL, 1, 0, strings, NULL);
    free(w);
}

void evlog_info(DWORD id, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    report(EVENTLOG_INFORMATION_TYPE, id, fmt, ap);
    va_end(ap);
}

void evlog_warning(DWORD id, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    report(EVENTLOG_WARNING_TYPE, id, fmt, ap);
    va_end(ap);
}

void evlog_error(DWORD id, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    report(EVENTLOG_ERROR_TYPE, id, fmt, ap);
    va_end(ap);
}
