/* The probe's Schannel transport (probe_schannel_win.c), which main_win.c registers with
 * probe_tls_set_platform: on a server the probe's TLS is the stack OCS uses. */
#ifndef OCSFED_PROBE_SCHANNEL_H
#define OCSFED_PROBE_SCHANNEL_H

#ifndef SECURITY_WIN32
#define SECURITY_WIN32
#endif
#include <windows.h>
#include <security.h>

#include "probe_tls.h"

extern const struct probe_tls_ops probe_tls_schannel;

/* For tests only: the handshake calls fn in place of secur32's
 * InitializeSecurityContextW (NULL: the real one again), so that a test can make
 * Schannel answer what Wine's never does (SEC_I_INCOMPLETE_CREDENTIALS again and again).
 * Not thread-safe: set it before a probe, never during one. */
void probe_schannel_set_isc(INITIALIZE_SECURITY_CONTEXT_FN_W fn);

#endif
