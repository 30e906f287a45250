/* fleet: the view of `ocsfed status SHARE`, driven by the published manifest.
 *
 * SHARE/manifest.json (with its signature manifest.json.p7s) names the servers that
 * should report. Given the publisher's thumbprint it is verified exactly as an agent
 * verifies it (intake_check_files: the signature pinned to that thumbprint, validation,
 * the named files against their pins); without one it is parsed and validated only, and
 * the view says UNVERIFIED. Each server the manifest names gets one row, in the order of
 * `ocs.servers`, whether it reported or not; reports of servers it does not name are
 * kept apart ("others") and do not count. Without a manifest on the share, or with one
 * that is refused, the rows are the reports alone, as the reports folder holds them.
 *
 * The reports come from a share every front end can write: they are read with the
 * strict reader (report_fleet_load) and every string from them stays data for the
 * printers (fleet_print.c: text and JSON; fleet_html.c: the static page), which escape
 * it. */
#ifndef OCSFED_FLEET_H
#define OCSFED_FLEET_H

#include <stddef.h>
#include <stdio.h>

#include "cs.h"
#include "error.h"
#include "report.h"
#include "trust.h"

/* A row's status: a report's (report_status, below REPORT_NSTATUS) or one that only the
 * comparison with the published manifest gives. */
enum fleet_status {
    FLEET_NO_REPORT = REPORT_NSTATUS, /* named by the manifest, no report file */
    FLEET_BEHIND,                     /* reports an older serial than the published one */
    FLEET_OTHER_MANIFEST,             /* a newer serial, or the published serial with other bytes */
    FLEET_NSTATUS_END
};
#define FLEET_NSTATUS ((int)FLEET_NSTATUS_END)

/* At most this many changes and errors of one server are listed in the JSON object and
 * on the page (their totals are always given): a report may hold 10,000 of each. */
#define FLEET_MAX_LISTED 1000u

enum fleet_manifest {
    FLEET_M_NONE,       /* no SHARE/manifest.json: the reports alone */
    FLEET_M_VERIFIED,   /* accepted as the agents accept it, pinned to the signer */
    FLEET_M_UNVERIFIED, /* valid, but its signature was not checked (no signer given) */
    FLEET_M_REFUSED     /* does not verify, or not valid: the reports alone */
};

struct fleet_row {
    char *server;                 /* the manifest's FQDN; apart: the report's, or its file's name */
    int status;                   /* a report_status or a fleet_status */
    const struct report_row *rep; /* NULL: no report (the row's report, owned by fleet.reports) */
    int sha_match;                /* 1 the published manifest's bytes, 0 others, -1 not known */
    char *slot;                   /* window_text(): the server's restart slot; NULL without one */
    long long next_restart;       /* a pending restart: when its slot next opens; -1 none */
};

struct fleet {
    enum fleet_manifest mstate;
    char *manifest_path;
    char *reports_dir;
    long long serial;          /* the published serial; 0 unless it was parsed */
    char sha256[65];           /* of the manifest's bytes, "" when none was read */
    char signer[41];           /* VERIFIED: the pinned thumbprint */
    char reason[40];           /* REFUSED: intake_reason_name(), or "unreadable" */
    char msg[OFD_ERR_MSG_MAX]; /* REFUSED: why; UNVERIFIED: what was not checked */
    int has_window, window_utc;
    struct report_fleet reports;
    struct fleet_row *rows; /* the manifest's servers in order (or every report) */
    size_t nrows;
    struct fleet_row *others; /* reports of servers the manifest does not name */
    size_t nothers;
    size_t counts[FLEET_NSTATUS_END]; /* of rows */
    long long now, stale_after;
    long local_offset; /* this machine's offset from UTC, for a window in local time */
};

struct fleet_options {
    const char *share;
    const char *reports_dir;           /* NULL: SHARE/reports */
    const struct trust_anchor *anchor; /* NULL: not verified */
    long long now, stale_after;
    long local_offset;
};

/* Reads the manifest and the reports and builds the rows. A manifest that does not
 * verify or validate is not an error (mstate REFUSED, with why). Returns OFD_OK with
 * *out filled (free with fleet_free); OFD_E_IO when the reports folder cannot be read,
 * OFD_E_INVALID when it holds too many files, OFD_E_NOMEM. */
enum ofd_code fleet_load(const struct fleet_options *o, struct fleet *out, ofd_err *e);
void fleet_free(struct fleet *f);

/* 0 every named server converged at the published manifest; 2 some drifting, pending a
 * restart or behind, nothing worse; 1 anything else (failing, refused, silent,
 * unreadable, no report, another manifest), a refused manifest, or no report at all
 * without a manifest. Servers apart do not count. */
int fleet_exit(const struct fleet *f);

/* "converged", ..., "no_report", "behind", "other_manifest" (text, JSON) and the same
 * in words for the page ("pending restart", "no report"). Never NULL. */
const char *fleet_status_name(int status);
const char *fleet_status_words(int status);
/* 0 fine, 2 needs attention soon, 1 wrong: the exit status a row alone gives. */
int fleet_status_severity(int status);
const char *fleet_manifest_name(enum fleet_manifest m);

/* A row's one-line summary (control characters blanked, cut to n at a whole UTF-8
 * character). */
void fleet_row_summary(const struct fleet *f, const struct fleet_row *row, int named, char *buf, size_t n);
/* Text from a report for the JSON object and the page: appended with each byte that
 * is not well-formed UTF-8 replaced by U+FFFD and control characters by a space (a
 * report is read as bytes). fleet_text: the same as a malloc'ed copy ("" for NULL; NULL
 * only when out of memory). */
struct strbuf;
void fleet_append_text(struct strbuf *sb, const char *s);
char *fleet_text(const char *s);
/* A time as "YYYY-MM-DD HH:MM utc" or "... local" (this machine's zone). */
void fleet_format_when(const struct fleet *f, long long t, char buf[32]);

/* fleet_print.c: the text view (a line on the manifest, the table, the servers apart,
 * the counts) and the JSON object (malloc'ed text, NULL when out of memory). */
void fleet_print(const struct fleet *f, FILE *out);
char *fleet_to_json(const struct fleet *f);

/* fleet_html.c: the page, one self-contained document (malloc'ed, NULL when out of
 * memory), and written atomically to path. */
char *fleet_to_html(const struct fleet *f, size_t *len);
enum ofd_code fleet_write_html(const struct fleet *f, const char *path, ofd_err *e);

#endif
