/* Services through the Service Control Manager (R19: restart the Front End, RtcSrv).
 * Windows only. */
#ifndef OCSFED_SCM_WIN_H
#define OCSFED_SCM_WIN_H

#include <stdint.h>

#include "error.h"

/* The OCS 2007 R2 Front End service (display name "Office Communications Server
 * Front-End"). */
#define SCM_FRONT_END_SERVICE "RtcSrv"

enum scm_service_state {
    SCM_SVC_STOPPED = 1,
    SCM_SVC_START_PENDING,
    SCM_SVC_STOP_PENDING,
    SCM_SVC_RUNNING,
    SCM_SVC_CONTINUE_PENDING,
    SCM_SVC_PAUSE_PENDING,
    SCM_SVC_PAUSED
};

/* Reads a service's state and process id. Returns OFD_E_NOTFOUND when no such service
 * is installed. */
enum ofd_code scm_service_query(const char *name, enum scm_service_state *state, uint32_t *pid, ofd_err *e);

/* Stops the service if it runs, waits for it to stop, starts it and waits until it
 * reports RUNNING. Each wait is bounded by timeout_ms; a service that does not stop,
 * does not come back, or stops again while starting is an error naming the service,
 * the state it was left in and its exit code. On success *new_pid (may be NULL) is the
 * process id of the restarted service. */
enum ofd_code scm_service_restart(const char *name, uint32_t timeout_ms, uint32_t *new_pid, ofd_err *e);

/* Sends a user-defined control code (128-255) to a service; what says what it asks,
 * for the error ("check now"). */
enum ofd_code scm_service_control(const char *name, uint32_t code, const char *what, ofd_err *e);

/* Name of a state, e.g. "RUNNING". */
const char *scm_service_state_name(enum scm_service_state s);

#endif
