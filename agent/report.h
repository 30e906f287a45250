/* report: what the agent found and did on its last check, written by each server to
 * the share as reports/<server fqdn>.json (atomically), and read back by
 * `ocsfed status SHARE` into a fleet table. Format (docs/trust-and-reports.md):
 *   {"format": 1, "server": "fe1.example.com", "agent_version": "0.1.0",
 *    "time": "2026-11-24T19:00:00Z", "mode": "apply", "status": "converged",
 *    "manifest": {"serial": 12, "sha256": "..."},
 *    "summary": {"planned": 2, "applied": 2, "drift": 2},
 *    "changes": [{"action": "create", "class": "...", "key": "...", "rule": "R6",
 *                 "applied": true}],
 *    "errors": [{"message": "...", "rule": "R14"}],
 *    "restart_pending": false,
 *    "refusal": null | {"reason": "older_serial", "message": "..."},
 *    "imp_checklist": {...},   (optional: imp_checklist.h, of the manifest checked)
 *    "vocabulary": [{"class", "property", "writes", "chosen", "verdict", "evidence"}]}
 * ("vocabulary", the evidence of the provider's own vocabulary (vocab.h), only when the
 * check planned; a report without it is read as before).
 * The reader is strict: the file comes from a share any front end can write. */
#ifndef OCSFED_REPORT_H
#define OCSFED_REPORT_H

#include <stddef.h>
#include <stdio.h>

#include "error.h"
#include "imp_checklist.h"

#define REPORT_MAX_BYTES (1024u * 1024u) /* a report file */
#define REPORT_MAX_DEPTH 5               /* object/array nesting (an IM&P checklist item's values) */
#define REPORT_MAX_ITEMS 10000u          /* changes, errors */
#define REPORT_MAX_STRING 2048u          /* any string value */
#define REPORT_MAX_FILES 10000u          /* reports in the folder */
/* A report older than this is "silent": 3 x the default check interval (300 s). */
#define REPORT_DEFAULT_STALE_AFTER 900

enum report_status {
    REPORT_CONVERGED,
    REPORT_DRIFTING,
    REPORT_PENDING_RESTART,
    REPORT_FAILING,
    REPORT_REFUSED,
    REPORT_SILENT,    /* only in the fleet table: no recent report */
    REPORT_FUTURE,    /* only in the fleet table: dated ahead, the server's clock is wrong */
    REPORT_UNREADABLE /* only in the fleet table: the file is not a report */
};
#define REPORT_NSTATUS 8

struct report_change {
    char *action; /* "create", "update", "delete", "restart" */
    char *cls;    /* WMI class or "certificate", "fips_policy", "service" */
    char *key;
    char *rule; /* "R6" or "" */
    int applied;
};

struct report_error {
    char *message;
    char *rule; /* "" when none */
};

/* One entry of the vocabulary check (vocab.h), as text. */
struct report_vocab {
    char *cls, *prop, *writes, *chosen, *verdict, *evidence;
};

/* What the probe (probe.h) found, when one ran on this check: after a confirmed apply,
 * or on every check of a manifest that asks for confirmation ("confirm"). */
struct report_probe_check {
    char *node, *check, *result, *rule, *target, *cause, *message; /* result: pass, fail, skip */
};

struct report_probe {
    int passed;
    char *tls; /* the TLS transport, "" when none */
    struct report_probe_check *v;
    size_t n;
};

struct report {
    char *server; /* lower-case FQDN */
    char *agent_version;
    long long time; /* seconds since 1970, UTC */
    int monitor;    /* mode: 1 monitor, 0 apply */
    enum report_status status;
    long long serial; /* 0: no manifest read */
    char *sha256;     /* hex, or NULL */
    size_t planned, applied, drift;
    struct report_change *changes;
    size_t nchanges;
    struct report_error *errors;
    size_t nerrors;
    int restart_pending;
    char *refusal_reason; /* intake_reason_name(), or NULL */
    char *refusal_message;
    struct imp_checklist *imp;  /* the IM&P checklist of the manifest checked, or NULL */
    struct report_vocab *vocab; /* the vocabulary check's evidence */
    size_t nvocab;
    struct report_probe *probe; /* NULL: no probe ran (older reports have none) */
};

/* Builders: copy their strings into r. Return OFD_OK or OFD_E_NOMEM. */
enum ofd_code report_init(struct report *r, const char *server, long long now, int monitor, ofd_err *e);
enum ofd_code report_add_change(struct report *r, const char *action, const char *cls, const char *key,
                                const char *rule, int applied, ofd_err *e);
enum ofd_code report_add_error(struct report *r, const char *message, const char *rule, ofd_err *e);
enum ofd_code report_set_refusal(struct report *r, const char *reason, const char *message, ofd_err *e);
enum ofd_code report_add_vocab(struct report *r, const struct report_vocab *v, ofd_err *e);
struct vocab;
/* Adds every entry of the vocabulary check (vocab.h) to the report's "vocabulary". */
enum ofd_code report_add_vocabulary(struct report *r, const struct vocab *v, ofd_err *e);
struct plan;
struct manifest;
/* Adds every change of p except the unchanged ones (action, class, key, rule), marked
 * applied or not, and sets planned and drift to their number and applied to that
 * number or 0. The restart flag and the status stay the caller's. OFD_OK or
 * OFD_E_NOMEM. */
enum ofd_code report_add_plan(struct report *r, const struct plan *p, int applied, ofd_err *e);
/* Attaches the IM&P checklist of m (imp_checklist.h), replacing one already there.
 * OFD_OK or OFD_E_NOMEM. */
enum ofd_code report_set_imp_checklist(struct report *r, const struct manifest *m, ofd_err *e);
struct probe_result;
/* Puts the probe's result in the report (replacing one there). OFD_OK or OFD_E_NOMEM. */
enum ofd_code report_set_probe(struct report *r, const struct probe_result *p, ofd_err *e);
void report_free(struct report *r);

/* Name of a status ("converged", ..., "silent", "future_dated", "unreadable") and its inverse (-1 when
 * unknown; only the five written statuses are accepted). */
const char *report_status_name(enum report_status s);
int report_status_parse(const char *s);

/* Seconds since 1970 as "YYYY-MM-DDTHH:MM:SSZ" (buf >= 21 bytes), and back (-1 when
 * s is not exactly that form). Pure arithmetic: no time zone, no locale. */
void report_format_time(long long t, char buf[21]);
long long report_parse_time(const char *s);

/* The report as JSON text: malloc'ed, caller frees; NULL on out of memory. */
char *report_to_json(const struct report *r);

/* Writes reports_dir/<server>.json atomically (the folder is created when missing; by
 * default SHARE/reports, or the agent's REPORTS_PATH). The server name must be an FQDN
 * (no path separators). OFD_OK or OFD_E_INVALID / OFD_E_IO / OFD_E_NOMEM. */
enum ofd_code report_write(const char *reports_dir, const struct report *r, ofd_err *e);

/* Parses a report (at most REPORT_MAX_BYTES, nesting REPORT_MAX_DEPTH, each field's
 * type checked). Returns OFD_OK with *out filled (caller frees with report_free), or
 * OFD_E_INVALID with the first problem in e. */
enum ofd_code report_parse(const char *text, size_t len, struct report *out, ofd_err *e);
enum ofd_code report_read_file(const char *path, struct report *out, ofd_err *e);

/* A report's status as the fleet table shows it: SILENT when it is older than
 * stale_after seconds at now, FUTURE when it is dated more than 5 minutes after now
 * (the server's clock is ahead). */
enum report_status report_classify(const struct report *r, long long now, long long stale_after);

struct report_row {
    char *file;        /* the file's name */
    struct report rep; /* filled unless status is UNREADABLE */
    enum report_status status;
    char *problem; /* UNREADABLE: why */
};

struct report_fleet {
    struct report_row *v;
    size_t n;
    size_t counts[REPORT_NSTATUS];
    long long now, stale_after;
};

/* Reads every *.json in reports_dir (SHARE/reports by default). Returns OFD_OK with
 * *out filled (free with report_fleet_free); OFD_E_IO when the folder cannot be read. */
enum ofd_code report_fleet_load(const char *reports_dir, long long now, long long stale_after, struct report_fleet *out,
                                ofd_err *e);
/* The fixed-width table and a closing line of counts. */
void report_fleet_print(const struct report_fleet *f, FILE *out);
/* A failed probe check as the status views show it: "probe: FAIL tls NODE TARGET [RULE]
 * CAUSE" (no target for dns), control characters blanked. */
void report_probe_failure_line(const struct report_probe_check *c, char *buf, size_t size);
/* Under a row of the table, one line per failed probe check of r ("    probe: FAIL tls
 * NODE TARGET [RULE] CAUSE"), control characters blanked. */
void report_print_probe_failures(const struct report *r, FILE *out);
/* 0 all converged; 2 some drifting or pending restart (nothing worse); 1 any failing,
 * refused, silent, future-dated or unreadable, or no report at all. */
int report_fleet_exit(const struct report_fleet *f);
void report_fleet_free(struct report_fleet *f);
/* The table's summary of a row (one line, control characters blanked) and its age
 * column ("60s", "2m", "3h", "4d", "future"), for the manifest-driven view (fleet.h). */
void report_row_summary(const struct report_row *row, long long now, char *buf, size_t n);
void report_format_age(long long seconds, char *buf, size_t n);

#endif
