/* The probe's Schannel transport (probe_schannel_win.c), which main_win.c registers with
 * probe_tls_set_platform: on a server the probe's TLS is the stack OCS uses. */
#ifndef OCSFED_PROBE_SCHANNEL_H
#define OCSFED_PROBE_SCHANNEL_H

#include "probe_tls.h"

extern const struct probe_tls_ops probe_tls_schannel;

#endif
