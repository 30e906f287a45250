/* check: what the agent does on each check, portable. The service loop (svc_win.c)
 * and `ocsfed service run` call it; the platform hands in how to open its node and
 * where events go, so the same steps run natively against a simulated node.
 *
 * The node and its apply journal come from nodespec_open, the one place that decides
 * them for the command line and the service alike.
 *
 * Steps: in apply mode, take the apply lock and undo an apply cut short (its journal);
 * take the manifest from the manifest folder through intake (signature pinned to the
 * trusted publisher, torn files, validation, the files it names against their pins,
 * serial against the state file: nothing is done with a manifest refused there); an
 * accepted serial becomes the anti-rollback floor at once, whatever follows; plan the
 * very bytes intake verified against this server's node (nothing is read from the share
 * a second time); report drift in monitor mode or apply the plan (apply.h) in apply
 * mode; and write the server's report to the reports folder. Each outcome is also one
 * event. */
#ifndef OCSFED_CHECK_H
#define OCSFED_CHECK_H

#include "error.h"
#include "fsutil.h"
#include "node.h"

enum check_event {
    CHECK_EV_APPLIED,
    CHECK_EV_CONVERGED,
    CHECK_EV_DRIFT,
    CHECK_EV_REFUSED,
    CHECK_EV_RESTART_PENDING,
    CHECK_EV_FAILED,
    CHECK_EV_RECOVERED, /* an interrupted apply undone from its journal */
    CHECK_EV_REVERTED,  /* a confirmed apply ("confirm") undone: its probe did not pass
                         * within the timeout; its serial is not applied again */
    CHECK_EV_BLOCKED    /* the agent's own set-up is refused (its state folder, where
                             * its secret is kept): nothing is checked or changed */
};

struct check_env {
    /* One event with its text (UTF-8). */
    void (*event)(void *ctx, enum check_event ev, const char *text);
    /* Seconds since 1970 (injected so tests are deterministic). */
    long long (*now)(void *ctx);
    void *ctx;
    /* 1 once the service is to stop: an apply in progress is undone and the check
     * ends. NULL: never. */
    int (*stop_requested)(void *ctx);
    /* What the last check reported (kept by the service across checks): a converged,
     * drifting or refused outcome reported already, with the same text, is not an
     * event again every interval; it stays in the report. Applies, failures and
     * recoveries are always events. NULL: every outcome is. */
    struct check_memory *memory;
    /* How the manifest, its signature and the files it names are read (NULL: from
     * disk); a test counts the reads and changes a file between them through it. */
    const struct ofd_reader *reader;
};

struct check_memory {
    int valid;
    enum check_event outcome;
    unsigned long text_hash;
};

struct check_config {
    const char *manifest_dir;   /* folder holding manifest.json and manifest.json.p7s;
                                 * reports go to its reports/ subfolder */
    const char *trusted_signer; /* publisher certificate thumbprint (hex) */
    const char *state_path;     /* state file (last accepted serial); NULL: none */
    const char *node_spec;      /* "sim:PATH", or NULL: the platform's node; opened, with
                                 * its apply journal (JOURNAL.lock beside it keeps one
                                 * apply at a time), by nodespec_open */
    int monitor;                /* 1: report drift, change nothing */
    const char *reports_dir;    /* where the report goes; NULL: MANIFEST_DIR/reports */
    const char *pfx_password;   /* R16: opens the manifest's PKCS#12 (from the platform's
                                 * protected store), or NULL */
    unsigned lock_wait_ms;      /* how long to wait for another apply; 0: CHECK_LOCK_WAIT_MS */
    const char *blocked;        /* why the platform refuses to run this check (its state
                                 * folder is not its own, its secret is kept where others
                                 * read it), or NULL: the check only reports it */
    /* The probe of a manifest with "confirm" (probe.h): this server's certificate as PEM
     * files for OpenSSL (natively); NULL on a server, where Schannel presents the one
     * the plan selects from the local machine's My store. */
    const char *probe_cert, *probe_key;
};

#define CHECK_LOCK_WAIT_MS 30000u

struct check_result {
    enum check_event outcome;
    long long serial; /* of the manifest checked, 0 when none was read */
    size_t changes;   /* planned changes (drift) */
    /* R19: in apply mode, when a Front End restart waits for this server's slot of the
     * maintenance window, the time (seconds since 1970) that slot opens, so that the
     * service checks then; 0 otherwise. */
    long long next_restart;
};

/* Runs one check. The outcome is also reported through env->event. Returns OFD_OK
 * when the check ran (whatever its outcome), or the error that stopped it (also
 * reported as CHECK_EV_FAILED). res may be NULL. */
enum ofd_code check_run(const struct check_config *cfg, const struct check_env *env, struct check_result *res,
                        ofd_err *e);

#endif
