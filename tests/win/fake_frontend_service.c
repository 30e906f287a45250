/* A real Windows service standing in for the OCS Front End (RtcSrv) in restart tests:
 * ocsfed's SCM code restarts it under Wine as it would restart RtcSrv on a server.
 * Its binary path's first argument picks a behaviour:
 *   ok         starts, runs, stops on request
 *   fail       reports START_PENDING, then stops with service exit code 42 (a Front End
 *              that cannot start)
 *   fail-now   stops with service exit code 42 without reporting START_PENDING: Wine's
 *              SCM then fails StartService itself (ERROR_SERVICE_REQUEST_TIMEOUT), which
 *              "fail" also meets when the stop wins the race with StartService
 *   hang-stop  ignores the stop request (a Front End that does not stop) */
#include <windows.h>

#include <string.h>

static SERVICE_STATUS_HANDLE status_handle;
static SERVICE_STATUS status;
static HANDLE stop_event;
static const wchar_t *mode = L"ok";

static void report(DWORD state, DWORD exit_code, DWORD specific)
{
    status.dwServiceType = SERVICE_WIN32_OWN_PROCESS;
    status.dwCurrentState = state;
    status.dwControlsAccepted = state == SERVICE_RUNNING ? SERVICE_ACCEPT_STOP : 0;
    status.dwWin32ExitCode = exit_code;
    status.dwServiceSpecificExitCode = specific;
    status.dwWaitHint = state == SERVICE_RUNNING || state == SERVICE_STOPPED ? 0 : 3000;
    SetServiceStatus(status_handle, &status);
}

static DWORD WINAPI handler(DWORD control, DWORD type, void *data, void *ctx)
{
    (void)type;
    (void)data;
    (void)ctx;
    if (control == SERVICE_CONTROL_STOP) {
        if (wcscmp(mode, L"hang-stop") == 0)
            return NO_ERROR;
        report(SERVICE_STOP_PENDING, NO_ERROR, 0);
        SetEvent(stop_event);
        return NO_ERROR;
    }
    return control == SERVICE_CONTROL_INTERROGATE ? NO_ERROR : ERROR_CALL_NOT_IMPLEMENTED;
}

static void WINAPI service_main(DWORD argc, wchar_t **argv)
{
    (void)argc;
    (void)argv;
    if (!(status_handle = RegisterServiceCtrlHandlerExW(L"", handler, NULL)))
        return;
    if (wcscmp(mode, L"fail-now") == 0) {
        report(SERVICE_STOPPED, ERROR_SERVICE_SPECIFIC_ERROR, 42);
        return;
    }
    report(SERVICE_START_PENDING, NO_ERROR, 0);
    if (wcscmp(mode, L"fail") == 0) {
        report(SERVICE_STOPPED, ERROR_SERVICE_SPECIFIC_ERROR, 42);
        return;
    }
    stop_event = CreateEventW(NULL, TRUE, FALSE, NULL);
    report(SERVICE_RUNNING, NO_ERROR, 0);
    WaitForSingleObject(stop_event, INFINITE);
    report(SERVICE_STOPPED, NO_ERROR, 0);
}

int wmain(int argc, wchar_t **argv)
{
    SERVICE_TABLE_ENTRYW table[] = {{(wchar_t *)L"", service_main}, {NULL, NULL}};

    if (argc > 1)
        mode = argv[1];
    return StartServiceCtrlDispatcherW(table) ? 0 : (int)GetLastError();
}
