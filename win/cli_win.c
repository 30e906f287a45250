/* Commands only the Windows build has: the service and its secret. Handed to the
 * core's command table by main_win.c.
 *   ocsfed service               what the SCM runs (falls back to the console)
 *   ocsfed service run           the same loop in the foreground, Ctrl+C stops
 *   ocsfed service sync          asks the running service to check now
 *   ocsfed service secure-state  makes the state folder SYSTEM's and Administrators' again
 *   ocsfed service retry         forgets a serial undone because its probe failed
 *   ocsfed secret ...            the PKCS#12 password, where only they can read it */
#include <windows.h>
#include <shlobj.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "apply.h"
#include "check.h"
#include "error_win.h"
#include "cli_win.h"
#include "evlog_win.h"
#include "intake.h"
#include "nodespec.h"
#include "secret_win.h"
#include "statedir_win.h"
#include "strbuf.h"
#include "wmi_node.h"
#include "svc_win.h"

/* The agent's state folder: CSIDL_COMMON_APPDATA\ocsfed (C:\ProgramData\ocsfed on
 * Server 2008; under All Users\Application Data on 2003), made SYSTEM's and
 * Administrators' alone, and checked before each use (statedir_win.h). Path of file
 * name in it, UTF-8. Uninstall leaves it. */
static enum ofd_code state_path(char *out, size_t size, const char *name, ofd_err *e)
{
    wchar_t dir[MAX_PATH + 32];
    char *u = NULL;
    HRESULT hr;
    enum ofd_code rc;

    if (FAILED(hr = SHGetFolderPathW(NULL, CSIDL_COMMON_APPDATA, NULL, 0, dir))) {
        rc = ofd_err_hresult(e, hr, "cannot find the common application data folder");
        goto out;
    }
    wcscat(dir, L"\\ocsfed");
    if ((rc = statedir_ensure(&statedir_api_win, dir, e)) != OFD_OK)
        goto out;
    if (!(u = ofd_wide_to_utf8(dir))) {
        rc = ofd_err_nomem(e);
        goto out;
    }
    rc = snprintf(out, size, "%s\\%s", u, name) < (int)size
             ? OFD_OK
             : ofd_err_set(e, OFD_E_INVALID, "the path of %s is too long", name);
out:
    free(u);
    return rc;
}

/* This server: OCS through WMI, the stores through CryptoAPI (wmi_node.h). */
static enum ofd_code open_this_server(struct node *out, ofd_err *e)
{
    struct wmi_node_config cfg;
    char owned[MAX_PATH * 3];
    enum ofd_code rc;

    memset(&cfg, 0, sizeof(cfg));
    if ((rc = state_path(owned, sizeof(owned), "owned.json", e)) != OFD_OK)
        return rc;
    cfg.owned_path = owned;
    return wmi_node_open(&cfg, out, e);
}

static char *this_server_journal(void)
{
    char path[MAX_PATH * 3];
    ofd_err e;

    /* A folder that is refused here is refused, with its reason, by open_this_server. */
    return state_path(path, sizeof(path), "journal.jsonl", &e) == OFD_OK ? ofd_strdup(path) : ofd_strdup("");
}

/* R16: the protected store first (what the service uses), for `ocsfed plan|apply` in
 * an administrator's console. */
static char *stored_pfx_password(void)
{
    char *pw = NULL, *copy;
    ofd_err e;

    if (secret_get(SECRET_PFX_PASSWORD, &pw, &e) != OFD_OK || !pw)
        return NULL;
    copy = ofd_strdup(pw);
    secret_free(pw);
    return copy;
}

const struct node_platform cli_win_platform = {
    .open = open_this_server, .journal = this_server_journal, .pfx_password = stored_pfx_password};

static void event(void *ctx, enum check_event ev, const char *text)
{
    (void)ctx;
    switch (ev) {
    case CHECK_EV_APPLIED: evlog_info(EVLOG_APPLIED, "%s", text); break;
    case CHECK_EV_CONVERGED: evlog_info(EVLOG_CONVERGED, "%s", text); break;
    case CHECK_EV_DRIFT: evlog_warning(EVLOG_DRIFT, "%s", text); break;
    case CHECK_EV_REFUSED: evlog_error(EVLOG_REFUSED, "%s", text); break;
    case CHECK_EV_RESTART_PENDING: evlog_warning(EVLOG_RESTART_PENDING, "%s", text); break;
    case CHECK_EV_FAILED: evlog_error(EVLOG_CHECK_FAILED, "%s", text); break;
    case CHECK_EV_RECOVERED: evlog_warning(EVLOG_RECOVERED, "%s", text); break;
    case CHECK_EV_REVERTED: evlog_error(EVLOG_REVERTED, "%s", text); break;
    case CHECK_EV_BLOCKED: evlog_error(EVLOG_CONFIG_INVALID, "%s", text); break;
    }
}

static long long now(void *ctx)
{
    (void)ctx;
    return (long long)time(NULL);
}

static int stop_requested(void *ctx)
{
    (void)ctx;
    return svc_stop_requested();
}

/* What makes the service refuse to check at all, said in its report and event 2001:
 * the PKCS#12 password in its environment (the service key's Environment value, which
 * every local user can read). */
static int password_in_environment(void)
{
    return GetEnvironmentVariableW(L"OCSFED_PFX_PASSWORD", NULL, 0) > 0;
}

static enum ofd_code service_check(void *ctx, const struct svc_config *cfg, const char *reason, long long *wake_at,
                                   ofd_err *e)
{
    /* The service's memory of what it reported, across its checks. */
    static struct check_memory memory;
    const struct check_env env = {.event = event, .now = now, .stop_requested = stop_requested, .memory = &memory};
    struct check_config cc;
    char state[MAX_PATH * 3], *password = NULL;
    struct check_result res;
    ofd_err why;

    (void)ctx;
    (void)reason;
    memset(&cc, 0, sizeof(cc));
    ofd_err_clear(&why);
    cc.manifest_dir = cfg->manifest_path;
    cc.reports_dir = cfg->reports_path[0] ? cfg->reports_path : NULL;
    cc.trusted_signer = cfg->trusted_signer;
    cc.node_spec = cfg->node[0] ? cfg->node : NULL;
    cc.monitor = cfg->monitor;
    /* The state folder is checked before every check: a folder others can write is
     * refused, and so is everything in it. */
    if (state_path(state, sizeof(state), "state.json", &why) != OFD_OK) {
        cc.blocked = why.msg;
    } else if (password_in_environment()) {
        cc.blocked = "OCSFED_PFX_PASSWORD is set in the service's environment (the Environment value of "
                     "HKLM\\SYSTEM\\CurrentControlSet\\Services\\OcsFedAgent), which every local user can read: "
                     "remove it, and keep the password with 'ocsfed secret set pfx-password', where only SYSTEM and "
                     "Administrators can read it";
    } else if (secret_get(SECRET_PFX_PASSWORD, &password, &why) != OFD_OK) {
        cc.blocked = why.msg;
    }
    cc.state_path = state;
    cc.pfx_password = password;
    /* check_run reports its own outcome; an error here is already in the log. */
    memset(&res, 0, sizeof(res));
    check_run(&cc, &env, &res, e);
    *wake_at = res.next_restart;
    secret_free(password);
    return OFD_OK;
}

/* ocsfed service secure-state: the state folder made SYSTEM's and Administrators'
 * again, for an administrator who has looked at what is in it (an upgrade from a version
 * that left it to the inherited permissions, or a folder someone else made). */
static int secure_state(FILE *out, FILE *err)
{
    wchar_t dir[MAX_PATH + 32];
    char path[MAX_PATH * 3];
    HRESULT hr;
    ofd_err e;

    ofd_err_clear(&e);
    if (FAILED(hr = SHGetFolderPathW(NULL, CSIDL_COMMON_APPDATA, NULL, 0, dir))) {
        ofd_err_hresult(&e, hr, "cannot find the common application data folder");
        goto fail;
    }
    wcscat(dir, L"\\ocsfed");
    if (statedir_secure(&statedir_api_win, dir, &e) != OFD_OK || state_path(path, sizeof(path), "", &e) != OFD_OK)
        goto fail;
    fprintf(out, "%s: owned by Administrators, SYSTEM and Administrators alone may write in it\n", path);
    return 0;
fail:
    fprintf(err, "ocsfed: %s\n", e.msg);
    return 1;
}

/* ocsfed service retry: forgets the serial the agent undid because its confirming probe
 * failed (check.c), so the next check applies that manifest again; then asks the
 * service to check now. For an administrator who has fixed the path to IM&P without
 * publishing a new serial. */
static int retry_reverted(FILE *out, FILE *err)
{
    char path[MAX_PATH * 3], journal[MAX_PATH * 3];
    struct intake_state st;
    struct ofd_lock *lock = NULL;
    int rc = 1;
    ofd_err e;

    ofd_err_clear(&e);
    if (state_path(path, sizeof(path), "state.json", &e) != OFD_OK
        || state_path(journal, sizeof(journal), "journal.jsonl", &e) != OFD_OK)
        goto fail;
    /* The service's check saves the floor under this lock: a read-modify-write of the
     * state file beside it could put back a floor it has just raised. */
    if (apply_lock(journal, CHECK_LOCK_WAIT_MS, &lock, &e) != OFD_OK || intake_state_load(path, &st, &e) != OFD_OK)
        goto fail;
    if (!st.present || !st.reverted) {
        fprintf(out, "no reverted serial is recorded in %s: nothing to retry\n", path);
        rc = 0;
        goto out;
    }
    if (intake_state_clear_reverted(path, &e) != OFD_OK)
        goto fail;
    ofd_lock_release(lock);
    lock = NULL;
    fprintf(out, "manifest serial %lld is applied again at the next check (it was reverted: %s)\n", st.reverted_serial,
            st.reverted_reason);
    if (svc_sync(&e) != OFD_OK)
        fprintf(out, "the service was not asked to check now (%s): it checks at its next interval\n", e.msg);
    rc = 0;
    goto out;
fail:
    fprintf(err, "ocsfed: %s\n", e.msg);
out:
    ofd_lock_release(lock);
    return rc;
}

static int cmd_service(int argc, char **argv, FILE *out, FILE *err)
{
    const struct svc_hooks hooks = {service_check, NULL};
    ofd_err e;

    if (argc == 1)
        return svc_run(&hooks, 0);
    if (argc == 2 && strcmp(argv[1], "run") == 0) {
        evlog_echo(1);
        return svc_run(&hooks, 1);
    }
    if (argc == 2 && strcmp(argv[1], "sync") == 0) {
        if (svc_sync(&e) != OFD_OK) {
            fprintf(err, "ocsfed: %s\n", e.msg);
            return 1;
        }
        return 0;
    }
    if (argc == 2 && strcmp(argv[1], "secure-state") == 0)
        return secure_state(out, err);
    if (argc == 2 && strcmp(argv[1], "retry") == 0)
        return retry_reverted(out, err);
    cli_usage("service", err);
    return 2;
}

/* One line from stdin, without echo when it is a console; the line end removed. */
static char *read_secret_line(FILE *in)
{
    HANDLE h = GetStdHandle(STD_INPUT_HANDLE);
    DWORD mode = 0;
    int console = GetConsoleMode(h, &mode);
    char buf[1024], *nl;
    char *v = NULL;

    if (console)
        SetConsoleMode(h, mode & ~(DWORD)ENABLE_ECHO_INPUT);
    if (fgets(buf, sizeof(buf), in)) {
        if ((nl = strpbrk(buf, "\r\n")))
            *nl = '\0';
        v = ofd_strdup(buf);
    }
    if (console)
        SetConsoleMode(h, mode);
    SecureZeroMemory(buf, sizeof(buf));
    return v;
}

/* ocsfed secret set|clear|status pfx-password: the PKCS#12 password (R16) where only
 * SYSTEM and Administrators can read it (secret_win.h). `set` reads it from standard
 * input, never from the command line (which others can see in the process list). */
static int cmd_secret(int argc, char **argv, FILE *out, FILE *err)
{
    char *v = NULL;
    ofd_err e;
    int rc = 1;

    ofd_err_clear(&e);
    if (argc != 3 || strcmp(argv[2], SECRET_PFX_PASSWORD) != 0)
        goto usage;
    if (strcmp(argv[1], "set") == 0) {
        if (GetConsoleMode(GetStdHandle(STD_INPUT_HANDLE), &(DWORD){0}))
            fprintf(err, "password for the PKCS#12 file (not shown): ");
        if (!(v = read_secret_line(stdin)) || !v[0]) {
            fprintf(err, "\nocsfed: no password given on standard input; nothing stored\n");
            goto out;
        }
        if (secret_set(SECRET_PFX_PASSWORD, v, &e) != OFD_OK)
            goto fail;
        fprintf(out, "%s stored in HKLM\\%ls (DPAPI, readable by SYSTEM and Administrators only)\n",
                SECRET_PFX_PASSWORD, SECRET_KEY);
    } else if (strcmp(argv[1], "clear") == 0) {
        if (secret_clear(SECRET_PFX_PASSWORD, &e) != OFD_OK)
            goto fail;
        fprintf(out, "%s removed\n", SECRET_PFX_PASSWORD);
    } else if (strcmp(argv[1], "status") == 0) {
        if (secret_get(SECRET_PFX_PASSWORD, &v, &e) != OFD_OK)
            goto fail;
        fprintf(out, "%s: %s\n", SECRET_PFX_PASSWORD, v ? "stored" : "not stored");
    } else {
        goto usage;
    }
    rc = 0;
    goto out;
fail:
    fprintf(err, "ocsfed: %s\n", e.msg);
    goto out;
usage:
    cli_usage("secret", err);
    rc = 2;
out:
    secret_free(v);
    return rc;
}

const struct cli_command cli_win_commands[] = {
    {"service", "service [run | sync | secure-state | retry]", cmd_service},
    {"secret", "secret (set | clear | status) pfx-password", cmd_secret},
};
const size_t cli_win_ncommands = sizeof(cli_win_commands) / sizeof(cli_win_commands[0]);
