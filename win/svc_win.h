/* The agent as a Windows service (OcsFedAgent): the Service Control Manager protocol,
 * the wait loop (stop, "sync now", a change in the manifest folder, the interval),
 * and its configuration in HKLM\SOFTWARE\ocsfed. What one check does is a hook, so
 * the same loop runs the real check in ocsfed.exe and a probe in the tests. */
#ifndef OCSFED_SVC_WIN_H
#define OCSFED_SVC_WIN_H

#include <windows.h>

#include <stdint.h>

#include "error.h"

#define SVC_NAME_UTF8 "OcsFedAgent"
#define SVC_WIDE_(s) L##s
#define SVC_WIDE(s) SVC_WIDE_(s)
#define SVC_NAME SVC_WIDE(SVC_NAME_UTF8)
#define SVC_DISPLAY_NAME L"OCS Federation Agent"
#define SVC_REG_KEY L"SOFTWARE\\ocsfed"
/* Custom control code: check now (`ocsfed service sync`, `sc control OcsFedAgent 128`). */
#define SVC_CONTROL_SYNC 128

struct svc_config {
    char manifest_path[1024]; /* folder holding manifest.json (UNC path or local), UTF-8 */
    char reports_path[1024];  /* where the reports go; "": MANIFEST_PATH\reports. Apart,
                                * the manifest folder can be read-only to the servers */
    char trusted_signer[64];  /* publisher certificate thumbprint, hex */
    int monitor;              /* 1: report drift, change nothing */
    uint32_t interval_s;      /* poll interval (default 300) */
    char node[1024];          /* node spec: "" for this server (WMI), "sim:PATH" for a
                                * simulated front end (tests, demonstrations) */
};

/* Reads the configuration from HKLM\SOFTWARE\ocsfed (values ManifestPath,
 * ReportsPath, TrustedSigner, Mode = apply|monitor, IntervalSeconds, Node). Missing values take their
 * defaults, except ManifestPath, which is required (OFD_E_NOTFOUND when it, or the key,
 * is missing or empty): without it the service keeps running, reports
 * EVLOG_CONFIG_INVALID once a minute and checks nothing; in a console svc_run prints
 * what is missing and how to set it, and returns 1. */
enum ofd_code svc_config_load(struct svc_config *c, ofd_err *e);

struct svc_hooks {
    /* One check: reason is "start", "sync", "change", "share back" (the manifest folder
     * can be watched again after it was away) or "interval". It should call
     * svc_stop_requested() between steps and, when it returns 1, finish or roll back
     * the step in flight and return. Errors are logged; the loop goes on. *wake_at
     * (0 on entry) may be set to a time (seconds since 1970) at which the loop checks
     * again, reason "restart slot": when this server's restart slot opens (R19), even
     * if nothing changed and the interval is longer. */
    enum ofd_code (*check)(void *ctx, const struct svc_config *cfg, const char *reason, long long *wake_at, ofd_err *e);
    void *ctx;
};

/* Runs the service under the SCM (returns when it has stopped: 0), or, when
 * foreground is set or the process was not started by the SCM, in the console until
 * Ctrl+C (`ocsfed service run`); there, a configuration that cannot be loaded is
 * printed with how to set it and 1 returned at once. Returns the process exit status. */
int svc_run(const struct svc_hooks *hooks, int foreground);

/* 1 once a stop has been requested (SCM stop, shutdown or Ctrl+C). */
int svc_stop_requested(void);

/* Asks the running agent service to check now (SVC_CONTROL_SYNC). */
enum ofd_code svc_sync(ofd_err *e);

#endif
