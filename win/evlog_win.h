/* The Event Log (source OcsFedAgent): one event per start, stop, apply, refusal,
 * drift and error, with the IDs of the message table compiled from ocsfed_msg.mc. */
#ifndef OCSFED_EVLOG_WIN_H
#define OCSFED_EVLOG_WIN_H

#include <windows.h>

#include "error.h"
#include "ocsfed_msg.h"

#define EVLOG_SOURCE L"OcsFedAgent"

/* Registers the event source for this process (RegisterEventSourceW). Reporting
 * before or without it is a no-op. */
void evlog_open(void);
void evlog_close(void);

/* Also print each event on stderr (the foreground mode and the CLI). */
void evlog_echo(int on);

/* Reports event `id` with one insertion string made from fmt (UTF-8). */
void evlog_info(DWORD id, const char *fmt, ...) OFD_PRINTF(2, 3);
void evlog_warning(DWORD id, const char *fmt, ...) OFD_PRINTF(2, 3);
void evlog_error(DWORD id, const char *fmt, ...) OFD_PRINTF(2, 3);

#endif
