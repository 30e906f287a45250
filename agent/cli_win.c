/* Commands only the Windows build has: the service. Handed to the core's command
 * table by main_win.c.
 *   ocsfed service          what the SCM runs (falls back to the console)
 *   ocsfed service run      the same loop in the foreground, Ctrl+C stops
 *   ocsfed service sync     asks the running service to check now */
#include <windows.h>
#include <shlobj.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "error_win.h"
#include "cli_win.h"
#include "evlog_win.h"
#include "nodespec.h"
#include "strbuf.h"
#include "wmi_node.h"
#include "svc_win.h"

/* The agent's state folder: CSIDL_COMMON_APPDATA\ocsfed (C:\ProgramData\ocsfed on
 * Server 2008; under All Users\Application Data on 2003), path of file name in it.
 * Uninstall leaves it. */
static int state_path(char *out, size_t size, const char *name)
{
    wchar_t dir[MAX_PATH + 32];
    char *u;
    int ok = 0;

    if (FAILED(SHGetFolderPathW(NULL, CSIDL_COMMON_APPDATA | CSIDL_FLAG_CREATE, NULL, 0, dir)))
        return 0;
    wcscat(dir, L"\\ocsfed");
    CreateDirectoryW(dir, NULL);
    if ((u = ofd_wide_to_utf8(dir))) {
        ok = snprintf(out, size, "%s\\%s", u, name) < (int)size;
        free(u);
    }
    return ok;
}

/* This server: OCS through WMI, the stores through CryptoAPI (wmi_node.h). */
static enum ofd_code open_this_server(struct node *out, ofd_err *e)
{
    struct wmi_node_config cfg;
    char owned[MAX_PATH * 3];

    memset(&cfg, 0, sizeof(cfg));
    if (!state_path(owned, sizeof(owned), "owned.json"))
        return ofd_err_set(e, OFD_E_IO, "cannot find or create the folder %%ProgramData%%\\ocsfed");
    cfg.owned_path = owned;
    return wmi_node_open(&cfg, out, e);
}

static char *this_server_journal(void)
{
    char path[MAX_PATH * 3];

    return state_path(path, sizeof(path), "journal.jsonl") ? ofd_strdup(path) : NULL;
}

const struct node_platform cli_win_platform = {open_this_server, this_server_journal};

static enum ofd_code open_node(void *ctx, const char *spec, struct node *out, ofd_err *e)
{
    char *journal = NULL;
    enum ofd_code rc;

    (void)ctx;
    rc = nodespec_open(spec, out, &journal, e);
    free(journal);
    return rc;
}

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

static enum ofd_code service_check(void *ctx, const struct svc_config *cfg, const char *reason, ofd_err *e)
{
    /* The service's memory of what it reported, across its checks. */
    static struct check_memory memory;
    const struct check_env env = {open_node, event, now, NULL, stop_requested, &memory};
    struct check_config cc;
    char state[MAX_PATH * 3], journal[MAX_PATH * 3];

    (void)ctx;
    (void)reason;
    cc.manifest_dir = cfg->manifest_path;
    cc.trusted_signer = cfg->trusted_signer;
    cc.state_path = state_path(state, sizeof(state), "state.json") ? state : NULL;
    cc.node_spec = cfg->node[0] ? cfg->node : NULL;
    /* A simulated node keeps its journal beside its file; the server's is here. */
    cc.journal_path = !cc.node_spec && state_path(journal, sizeof(journal), "journal.jsonl") ? journal : NULL;
    cc.monitor = cfg->monitor;
    /* check_run reports its own outcome; an error here is already in the log. */
    check_run(&cc, &env, NULL, e);
    return OFD_OK;
}

static int cmd_service(int argc, char **argv, FILE *out, FILE *err)
{
    const struct svc_hooks hooks = {service_check, NULL};
    ofd_err e;

    (void)out;
    if (argc == 1)
        return svc_run(&hooks, 0);
    if (argc == 2 && strcmp(argv[1], "run") == 0) {
        evlog_echo(1);
        return svc_run(&hooks, 1);
    }
    if (argc == 2 && strcmp(argv[1], "sync") == 0) {
        if (svc_sync(SVC_NAME, &e) != OFD_OK) {
            fprintf(err, "ocsfed: %s\n", e.msg);
            return 1;
        }
        return 0;
    }
    fprintf(err, "usage: ocsfed service [run | sync]\n");
    return 2;
}

const struct cli_command cli_win_commands[] = {
    {"service", "service [run | sync]", cmd_service},
};
const size_t cli_win_ncommands = sizeof(cli_win_commands) / sizeof(cli_win_commands[0]);
