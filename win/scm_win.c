#include <windows.h>

#include <stdlib.h>

#include "error_win.h"
#include "scm_win.h"

#define POLL_MS 50

const char *scm_service_state_name(enum scm_service_state s)
{
    switch (s) {
    case SCM_SVC_STOPPED: return "STOPPED";
    case SCM_SVC_START_PENDING: return "START_PENDING";
    case SCM_SVC_STOP_PENDING: return "STOP_PENDING";
    case SCM_SVC_RUNNING: return "RUNNING";
    case SCM_SVC_CONTINUE_PENDING: return "CONTINUE_PENDING";
    case SCM_SVC_PAUSE_PENDING: return "PAUSE_PENDING";
    case SCM_SVC_PAUSED: return "PAUSED";
    }
    return "UNKNOWN";
}

/* Opens the SCM and the service. On failure sets e and returns NULLs closed. */
static enum ofd_code open_service(const char *name, DWORD access, SC_HANDLE *scm, SC_HANDLE *svc, ofd_err *e)
{
    wchar_t *wname = NULL;
    DWORD err;
    enum ofd_code rc;

    *scm = *svc = NULL;
    if (!(wname = ofd_utf8_to_wide(name))) {
        rc = ofd_err_set(e, OFD_E_INVALID, "service name '%s' is not valid UTF-8", name);
        goto out;
    }
    if (!(*scm = OpenSCManagerW(NULL, NULL, SC_MANAGER_CONNECT))) {
        rc = ofd_err_win32(e, GetLastError(), "cannot open the Service Control Manager");
        goto out;
    }
    if (!(*svc = OpenServiceW(*scm, wname, access))) {
        err = GetLastError();
        rc = ofd_err_win32(e, err, "cannot open service %s", name);
        if (err == ERROR_SERVICE_DOES_NOT_EXIST)
            e->code = rc = OFD_E_NOTFOUND;
        goto out;
    }
    rc = OFD_OK;
out:
    if (rc != OFD_OK && *scm) {
        CloseServiceHandle(*scm);
        *scm = NULL;
    }
    free(wname);
    return rc;
}

static enum ofd_code query(SC_HANDLE svc, const char *name, SERVICE_STATUS_PROCESS *st, ofd_err *e)
{
    DWORD need = 0;

    if (!QueryServiceStatusEx(svc, SC_STATUS_PROCESS_INFO, (BYTE *)st, sizeof(*st), &need))
        return ofd_err_win32(e, GetLastError(), "cannot query service %s", name);
    return OFD_OK;
}

static enum ofd_code stopped_while_starting(const char *name, const SERVICE_STATUS_PROCESS *st, ofd_err *e)
{
    return ofd_err_set(e, OFD_E_PLATFORM,
                       "service %s stopped while starting (exit code %lu, service exit code %lu): "
                       "see the System event log for the reason",
                       name, (unsigned long)st->dwWin32ExitCode, (unsigned long)st->dwServiceSpecificExitCode);
}

/* Polls until the service is in `want` or the timeout passes. A service that stops
 * while we wait for it to run has failed to start: waiting longer will not help. */
static enum ofd_code wait_for(SC_HANDLE svc, const char *name, DWORD want, uint32_t timeout_ms,
                              SERVICE_STATUS_PROCESS *st, ofd_err *e)
{
    DWORD start = GetTickCount();
    enum ofd_code rc;

    for (;;) {
        if ((rc = query(svc, name, st, e)) != OFD_OK)
            return rc;
        if (st->dwCurrentState == want)
            return OFD_OK;
        if (want == SERVICE_RUNNING && st->dwCurrentState == SERVICE_STOPPED)
            return stopped_while_starting(name, st, e);
        if (GetTickCount() - start >= timeout_ms)
            break;
        Sleep(POLL_MS);
    }
    return ofd_err_set(e, OFD_E_PLATFORM, "service %s did not reach %s within %lu ms: it is %s", name,
                       scm_service_state_name((enum scm_service_state)want), (unsigned long)timeout_ms,
                       scm_service_state_name((enum scm_service_state)st->dwCurrentState));
}

enum ofd_code scm_service_query(const char *name, enum scm_service_state *state, uint32_t *pid, ofd_err *e)
{
    SC_HANDLE scm = NULL, svc = NULL;
    SERVICE_STATUS_PROCESS st;
    enum ofd_code rc;

    if ((rc = open_service(name, SERVICE_QUERY_STATUS, &scm, &svc, e)) != OFD_OK)
        goto out;
    if ((rc = query(svc, name, &st, e)) != OFD_OK)
        goto out;
    *state = (enum scm_service_state)st.dwCurrentState;
    if (pid)
        *pid = st.dwProcessId;
out:
    if (svc)
        CloseServiceHandle(svc);
    if (scm)
        CloseServiceHandle(scm);
    return rc;
}

enum ofd_code scm_service_control(const char *name, uint32_t code, const char *what, ofd_err *e)
{
    SC_HANDLE scm = NULL, svc = NULL;
    SERVICE_STATUS st;
    enum ofd_code rc;

    if ((rc = open_service(name, SERVICE_USER_DEFINED_CONTROL, &scm, &svc, e)) != OFD_OK)
        goto out;
    if (!ControlService(svc, code, &st)) {
        rc = ofd_err_win32(e, GetLastError(), "cannot ask service %s to %s", name, what);
        goto out;
    }
    rc = OFD_OK;
out:
    if (svc)
        CloseServiceHandle(svc);
    if (scm)
        CloseServiceHandle(scm);
    return rc;
}

/* R19: the Front End restart, stop then start, each wait bounded. */
enum ofd_code scm_service_restart(const char *name, uint32_t timeout_ms, uint32_t *new_pid, ofd_err *e)
{
    SC_HANDLE scm = NULL, svc = NULL;
    SERVICE_STATUS_PROCESS st;
    SERVICE_STATUS ss;
    DWORD err;
    enum ofd_code rc;

    if ((rc = open_service(name, SERVICE_QUERY_STATUS | SERVICE_STOP | SERVICE_START, &scm, &svc, e)) != OFD_OK)
        goto out;
    if ((rc = query(svc, name, &st, e)) != OFD_OK)
        goto out;
    if (st.dwCurrentState != SERVICE_STOPPED) {
        if (st.dwCurrentState != SERVICE_STOP_PENDING && !ControlService(svc, SERVICE_CONTROL_STOP, &ss)
            && (err = GetLastError()) != ERROR_SERVICE_NOT_ACTIVE) {
            rc = ofd_err_win32(e, err, "cannot stop service %s", name);
            goto out;
        }
        if ((rc = wait_for(svc, name, SERVICE_STOPPED, timeout_ms, &st, e)) != OFD_OK)
            goto out;
    }
    if (!StartServiceW(svc, 0, NULL) && (err = GetLastError()) != ERROR_SERVICE_ALREADY_RUNNING) {
        /* A service that stops during StartService (Wine's SCM then fails the call with
         * ERROR_SERVICE_REQUEST_TIMEOUT) left its own exit codes: they say more. */
        if (err == ERROR_SERVICE_REQUEST_TIMEOUT && query(svc, name, &st, e) == OFD_OK
            && st.dwCurrentState == SERVICE_STOPPED && st.dwWin32ExitCode != NO_ERROR
            && st.dwWin32ExitCode != ERROR_SERVICE_NEVER_STARTED)
            rc = stopped_while_starting(name, &st, e);
        else
            rc = ofd_err_win32(e, err, "cannot start service %s", name);
        goto out;
    }
    if ((rc = wait_for(svc, name, SERVICE_RUNNING, timeout_ms, &st, e)) != OFD_OK)
        goto out;
    if (new_pid)
        *new_pid = st.dwProcessId;
    rc = OFD_OK;
out:
    if (svc)
        CloseServiceHandle(svc);
    if (scm)
        CloseServiceHandle(scm);
    return rc;
}
