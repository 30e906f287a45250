#include "svc_win.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "error_win.h"
#include "evlog_win.h"
#include "scm_win.h"
#include "version.h"

/* Quiet time after a change in the manifest folder before checking: a manifest being
 * copied fires several notifications, and the check must not read it half-written. */
#define SETTLE_MS 300
/* Backoff when the manifest folder cannot be watched (share away): 5 s doubling to the
 * interval. */
#define WATCH_RETRY_MIN_MS 5000
/* How often an unconfigured agent looks at its configuration again. */
#define CONFIG_RETRY_MS 60000

static SERVICE_STATUS_HANDLE status_handle;
static SERVICE_STATUS status;
static HANDLE stop_event, sync_event;
static volatile LONG stop_flag;
static const struct svc_hooks *hooks;
static int exit_status;

int svc_stop_requested(void)
{
    return InterlockedCompareExchange(&stop_flag, 0, 0) != 0;
}

static void request_stop(void)
{
    InterlockedExchange(&stop_flag, 1);
    SetEvent(stop_event);
}

/* Reports a state to the SCM; while pending, each report raises the checkpoint so the
 * SCM sees progress (the pg_ctl way). No-op in the foreground. */
static void report(DWORD state, DWORD wait_hint)
{
    if (!status_handle)
        return;
    status.dwServiceType = SERVICE_WIN32_OWN_PROCESS;
    status.dwCurrentState = state;
    status.dwControlsAccepted = state == SERVICE_RUNNING ? SERVICE_ACCEPT_STOP | SERVICE_ACCEPT_SHUTDOWN : 0;
    status.dwWin32ExitCode = exit_status ? ERROR_SERVICE_SPECIFIC_ERROR : NO_ERROR;
    status.dwServiceSpecificExitCode = (DWORD)exit_status;
    status.dwCheckPoint = state == SERVICE_RUNNING || state == SERVICE_STOPPED ? 0 : status.dwCheckPoint + 1;
    status.dwWaitHint = wait_hint;
    SetServiceStatus(status_handle, &status);
}

/* The control handler only records the request and wakes the main loop. */
static DWORD WINAPI handler(DWORD control, DWORD type, void *data, void *ctx)
{
    (void)type;
    (void)data;
    (void)ctx;
    switch (control) {
    case SERVICE_CONTROL_STOP:
    case SERVICE_CONTROL_SHUTDOWN:
        report(SERVICE_STOP_PENDING, 10000);
        request_stop();
        return NO_ERROR;
    case SVC_CONTROL_SYNC: SetEvent(sync_event); return NO_ERROR;
    case SERVICE_CONTROL_INTERROGATE: return NO_ERROR;
    }
    return ERROR_CALL_NOT_IMPLEMENTED;
}

static BOOL WINAPI console_handler(DWORD type)
{
    (void)type;
    request_stop();
    return TRUE;
}

static enum ofd_code reg_string(HKEY key, const wchar_t *name, char *out, size_t size, int required, ofd_err *e)
{
    wchar_t buf[1024];
    DWORD type = 0, cb = sizeof(buf) - sizeof(wchar_t);
    char *u = NULL;
    LONG err;

    err = RegQueryValueExW(key, name, NULL, &type, (BYTE *)buf, &cb);
    if (err == ERROR_FILE_NOT_FOUND && !required)
        return OFD_OK;
    if (err == ERROR_FILE_NOT_FOUND)
        return ofd_err_set(e, OFD_E_NOTFOUND, "HKLM\\SOFTWARE\\ocsfed\\%ls is not set", name);
    if (err != ERROR_SUCCESS)
        return ofd_err_win32(e, (DWORD)err, "cannot read HKLM\\SOFTWARE\\ocsfed\\%ls (set by the MSI)", name);
    if (type != REG_SZ && type != REG_EXPAND_SZ)
        return ofd_err_set(e, OFD_E_INVALID, "HKLM\\SOFTWARE\\ocsfed\\%ls is not a string", name);
    buf[cb / sizeof(wchar_t)] = 0;
    if (!(u = ofd_wide_to_utf8(buf)))
        return ofd_err_nomem(e);
    if (strlen(u) >= size) {
        free(u);
        return ofd_err_set(e, OFD_E_INVALID, "HKLM\\SOFTWARE\\ocsfed\\%ls is too long", name);
    }
    if (required && !u[0]) { /* what the MSI leaves when its property was not given */
        free(u);
        return ofd_err_set(e, OFD_E_NOTFOUND, "HKLM\\SOFTWARE\\ocsfed\\%ls is not set (empty)", name);
    }
    memcpy(out, u, strlen(u) + 1);
    free(u);
    return OFD_OK;
}

enum ofd_code svc_config_load(struct svc_config *c, ofd_err *e)
{
    HKEY key = NULL;
    char mode[16] = "apply";
    DWORD v = 0, cb = sizeof(v), type = 0;
    LONG err;
    enum ofd_code rc;

    memset(c, 0, sizeof(*c));
    c->interval_s = 300;
    if ((err = RegOpenKeyExW(HKEY_LOCAL_MACHINE, SVC_REG_KEY, 0, KEY_QUERY_VALUE, &key)) == ERROR_FILE_NOT_FOUND) {
        rc = ofd_err_set(e, OFD_E_NOTFOUND, "HKLM\\SOFTWARE\\ocsfed does not exist (is ocsfed installed?)");
        goto out;
    }
    if (err != ERROR_SUCCESS) {
        rc = ofd_err_win32(e, (DWORD)err, "cannot open HKLM\\SOFTWARE\\ocsfed (is ocsfed installed?)");
        goto out;
    }
    if ((rc = reg_string(key, L"ManifestPath", c->manifest_path, sizeof(c->manifest_path), 1, e)) != OFD_OK
        || (rc = reg_string(key, L"ReportsPath", c->reports_path, sizeof(c->reports_path), 0, e)) != OFD_OK
        || (rc = reg_string(key, L"TrustedSigner", c->trusted_signer, sizeof(c->trusted_signer), 0, e)) != OFD_OK
        || (rc = reg_string(key, L"Mode", mode, sizeof(mode), 0, e)) != OFD_OK
        || (rc = reg_string(key, L"Node", c->node, sizeof(c->node), 0, e)) != OFD_OK)
        goto out;
    if (_stricmp(mode, "monitor") == 0) {
        c->monitor = 1;
    } else if (_stricmp(mode, "apply") != 0) {
        rc = ofd_err_set(e, OFD_E_INVALID, "HKLM\\SOFTWARE\\ocsfed\\Mode is '%s': use apply or monitor", mode);
        goto out;
    }
    /* A DWORD, or a string of digits (what the MSI writes, so upgrades keep it). */
    if (RegQueryValueExW(key, L"IntervalSeconds", NULL, &type, NULL, &cb) == ERROR_SUCCESS) {
        char text[16] = "", *end = NULL;

        if (type == REG_DWORD) {
            cb = sizeof(v);
            RegQueryValueExW(key, L"IntervalSeconds", NULL, &type, (BYTE *)&v, &cb);
        } else if ((rc = reg_string(key, L"IntervalSeconds", text, sizeof(text), 0, e)) != OFD_OK) {
            goto out;
        } else {
            v = (DWORD)strtoul(text, &end, 10);
            if (!text[0] || *end)
                v = 0;
        }
        if (v < 10 || v > 86400) {
            rc = ofd_err_set(e, OFD_E_INVALID, "HKLM\\SOFTWARE\\ocsfed\\IntervalSeconds is %lu: use 10 to 86400",
                             (unsigned long)v);
            goto out;
        }
        c->interval_s = v;
    }
    rc = OFD_OK;
out:
    if (key)
        RegCloseKey(key);
    return rc;
}

/* Starts watching the manifest folder; INVALID_HANDLE_VALUE when it cannot be (the
 * share is away): the loop then polls and retries. */
static HANDLE watch(const char *dir)
{
    wchar_t *w = ofd_utf8_to_wide(dir);
    HANDLE h = INVALID_HANDLE_VALUE;

    if (w) {
        /* The folder itself, no subtree: subfolders that existed before the watch are
         * not reported by every implementation. */
        h = FindFirstChangeNotificationW(
            w, FALSE, FILE_NOTIFY_CHANGE_FILE_NAME | FILE_NOTIFY_CHANGE_SIZE | FILE_NOTIFY_CHANGE_LAST_WRITE);
        free(w);
    }
    return h;
}

/* Runs one check; returns the tick count at which the check asked to be woken (its
 * restart slot), or 0. */
static DWORD run_check(const struct svc_config *cfg, const char *reason)
{
    long long wake_at = 0, now;
    ofd_err e;

    ofd_err_clear(&e);
    if (hooks->check(hooks->ctx, cfg, reason, &wake_at, &e) != OFD_OK)
        evlog_error(EVLOG_CHECK_FAILED, "%s", e.msg);
    if (wake_at <= 0)
        return 0;
    now = (long long)time(NULL);
    /* Further than the interval: the interval's check comes first and asks again. */
    if (wake_at - now > (long long)cfg->interval_s)
        return 0;
    /* One second late rather than early: the slot must be open when the check runs;
     * never 0, which means no wake-up. */
    return (GetTickCount() + (DWORD)((wake_at > now ? wake_at - now : 0) + 1) * 1000u) | 1u;
}

/* The main loop, shared by the service and the foreground mode. */
static void loop(void)
{
    struct svc_config cfg;
    HANDLE change = INVALID_HANDLE_VALUE;
    DWORD retry_ms = WATCH_RETRY_MIN_MS, next_watch = GetTickCount(), last_interval, wake_tick = 0;
    const char *reason = "start";
    int away = 0;
    ofd_err e;

    /* An agent installed without a configuration keeps running and says so, once a
     * minute, until the configuration is fixed (then `ocsfed service sync` or the
     * next minute picks it up): failing to start would roll the MSI back. */
    for (;;) {
        ofd_err_clear(&e);
        if (svc_config_load(&cfg, &e) == OFD_OK)
            break;
        evlog_error(EVLOG_CONFIG_INVALID, "%s", e.msg);
        if (WaitForMultipleObjects(2, (HANDLE[]){stop_event, sync_event}, FALSE, CONFIG_RETRY_MS) == WAIT_OBJECT_0) {
            evlog_info(EVLOG_STOPPED, "stopped");
            return;
        }
    }
    evlog_info(EVLOG_STARTED, "watching %s, mode %s, every %lu s", cfg.manifest_path, cfg.monitor ? "monitor" : "apply",
               (unsigned long)cfg.interval_s);
    last_interval = GetTickCount();
    while (!svc_stop_requested()) {
        HANDLE waits[3];
        DWORD n = 0, r, timeout, since;

        if (reason) {
            wake_tick = run_check(&cfg, reason);
            reason = NULL;
            if (svc_stop_requested())
                break;
        }
        if (change == INVALID_HANDLE_VALUE && (LONG)(GetTickCount() - next_watch) >= 0) {
            change = watch(cfg.manifest_path);
            if (change == INVALID_HANDLE_VALUE) {
                evlog_warning(EVLOG_SHARE_AWAY, "cannot watch %s (error %lu): polling, next try in %lu s",
                              cfg.manifest_path, (unsigned long)GetLastError(), (unsigned long)(retry_ms / 1000));
                next_watch = GetTickCount() + retry_ms;
                if (retry_ms < cfg.interval_s * 1000u)
                    retry_ms *= 2;
                away = 1;
            } else {
                retry_ms = WATCH_RETRY_MIN_MS;
                /* Back after an outage: what was published meanwhile is checked now, not
                 * at the next interval. */
                if (away) {
                    away = 0;
                    reason = "share back";
                    continue;
                }
            }
        }
        waits[n++] = stop_event;
        waits[n++] = sync_event;
        if (change != INVALID_HANDLE_VALUE)
            waits[n++] = change;
        since = GetTickCount() - last_interval;
        timeout = since >= cfg.interval_s * 1000u ? 0 : cfg.interval_s * 1000u - since;
        if (change == INVALID_HANDLE_VALUE && timeout > retry_ms)
            timeout = retry_ms;
        if (wake_tick) {
            DWORD left = (LONG)(wake_tick - GetTickCount()) > 0 ? wake_tick - GetTickCount() : 0;
            if (timeout > left)
                timeout = left;
        }
        r = WaitForMultipleObjects(n, waits, FALSE, timeout);
        if (r == WAIT_OBJECT_0) {
            break;
        } else if (r == WAIT_OBJECT_0 + 1) {
            reason = "sync";
        } else if (r == WAIT_OBJECT_0 + 2) {
            /* Let a copy in progress finish: wait until the folder is quiet. */
            do {
                if (!FindNextChangeNotification(change)) {
                    FindCloseChangeNotification(change);
                    change = INVALID_HANDLE_VALUE;
                    break;
                }
            } while (WaitForSingleObject(change, SETTLE_MS) == WAIT_OBJECT_0 && !svc_stop_requested());
            reason = "change";
        } else if (r == WAIT_TIMEOUT) {
            if (wake_tick && (LONG)(GetTickCount() - wake_tick) >= 0) {
                wake_tick = 0;
                reason = "restart slot";
            } else if (GetTickCount() - last_interval >= cfg.interval_s * 1000u) {
                last_interval = GetTickCount();
                reason = "interval";
            }
        } else {
            evlog_error(EVLOG_CHECK_FAILED, "waiting failed (error %lu)", (unsigned long)GetLastError());
            Sleep(1000);
        }
    }
    if (change != INVALID_HANDLE_VALUE)
        FindCloseChangeNotification(change);
    evlog_info(EVLOG_STOPPED, "stopped");
}

static void WINAPI service_main(DWORD argc, wchar_t **argv)
{
    (void)argc;
    (void)argv;
    if (!(status_handle = RegisterServiceCtrlHandlerExW(SVC_NAME, handler, NULL)))
        return;
    report(SERVICE_START_PENDING, 5000);
    report(SERVICE_RUNNING, 0);
    loop();
    /* STOPPED last, once the loop (and any check in flight) has finished. */
    report(SERVICE_STOPPED, 0);
}

/* In a console nobody reads the Event Log: what is wrong with the configuration, and
 * how to set it (README, "The agent on a front end"). */
static void console_config_help(const ofd_err *e)
{
    fprintf(
        stderr,
        "ocsfed: %s\n"
        "ocsfed: the agent's settings are values of HKLM\\SOFTWARE\\ocsfed, written by its MSI from its "
        "properties:\n"
        "ocsfed:   msiexec /i ocsfed-%s-x64.msi MANIFEST_PATH=\\\\fileserver\\ocsfed "
        "[REPORTS_PATH=FOLDER] [TRUSTED_SIGNER=THUMBPRINT] [MODE=monitor|apply] [INTERVAL=SECONDS] [NODE=sim:FILE]\n"
        "ocsfed: or, as an administrator, one value at a time (ManifestPath is required; ReportsPath, "
        "TrustedSigner, Mode, IntervalSeconds and Node are optional):\n"
        "ocsfed:   reg add HKLM\\SOFTWARE\\ocsfed /v ManifestPath /t REG_SZ /d \\\\fileserver\\ocsfed\n"
        "ocsfed: nothing checked; the service (started by the SCM) waits for these settings instead, "
        "reporting event 2001\n",
        e->msg, OCSFED_VERSION);
}

int svc_run(const struct svc_hooks *h, int foreground)
{
    SERVICE_TABLE_ENTRYW table[] = {{(wchar_t *)SVC_NAME, service_main}, {NULL, NULL}};
    struct svc_config cfg;
    ofd_err e;
    int rc = 1;

    hooks = h;
    stop_event = CreateEventW(NULL, TRUE, FALSE, NULL);
    sync_event = CreateEventW(NULL, FALSE, FALSE, NULL);
    if (!stop_event || !sync_event) {
        fprintf(stderr, "ocsfed: cannot create events (error %lu)\n", (unsigned long)GetLastError());
        goto out;
    }
    evlog_open();
    if (!foreground) {
        if (StartServiceCtrlDispatcherW(table)) {
            rc = exit_status;
            goto out;
        }
        if (GetLastError() != ERROR_FAILED_SERVICE_CONTROLLER_CONNECT) {
            fprintf(stderr, "ocsfed: StartServiceCtrlDispatcher failed (error %lu)\n", (unsigned long)GetLastError());
            goto out;
        }
        /* Not started by the SCM: run in the console, as `service run` does. */
    }
    /* The service waits for a missing configuration (an MSI install must not roll
     * back); a console run says what is missing and fails instead of sitting silent. */
    ofd_err_clear(&e);
    if (svc_config_load(&cfg, &e) != OFD_OK) {
        console_config_help(&e);
        goto out;
    }
    SetConsoleCtrlHandler(console_handler, TRUE);
    fprintf(stderr, "ocsfed: running in the foreground; Ctrl+C stops\n");
    loop();
    rc = exit_status;
out:
    evlog_close();
    if (stop_event)
        CloseHandle(stop_event);
    if (sync_event)
        CloseHandle(sync_event);
    stop_event = sync_event = NULL;
    return rc;
}

enum ofd_code svc_sync(ofd_err *e)
{
    return scm_service_control(SVC_NAME_UTF8, SVC_CONTROL_SYNC, "check now", e);
}
