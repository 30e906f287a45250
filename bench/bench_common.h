/* bench_common: what the native benchmarks share: a clock, the peak memory, a TCP
 * Standard Edition manifest of any size, a simulated node file in a temp folder, one
 * case per child process (so that each case's peak memory is its own), and the rows
 * that scripts/bench.sh collects into its summary table:
 *   ROW|what|figure|target|ok        (ok: "yes" or "NO")
 * Native only (fork, getrusage). */
#ifndef OCSFED_BENCH_COMMON_H
#define OCSFED_BENCH_COMMON_H

#include <stddef.h>

#include "error.h"
#include "manifest.h"
#include "plan.h"
#include "strbuf.h"

/* The server every benchmark manifest governs (Standard Edition, TCP). */
#define BENCH_SERVER "ocs-se1.example.com"

/* Seconds on a monotonic clock. */
double bench_now(void);

/* This process's peak resident set so far, in MiB. */
double bench_peak_rss_mib(void);

/* CPU time (user + system) this process has used so far, in seconds. */
double bench_cpu_s(void);

/* Parses a TCP Standard Edition manifest for BENCH_SERVER with the domains
 * d0.example.com .. d(ndomains-1).example.com and the IM&P nodes imp0..imp(nnodes-1)
 * (nnodes >= 1; the first is the routes' next hop). On OFD_OK *out is the manifest
 * (caller frees with manifest_free). */
enum ofd_code bench_manifest(size_t ndomains, size_t nnodes, struct manifest **out, ofd_err *e);

/* The IP address of IM&P node i as in bench_manifest ("10.A.B.C"); buf of 16 bytes. */
void bench_node_ip(size_t i, char buf[16]);

/* Appends to t the text of a simulated node file of BENCH_SERVER converged to m as
 * bench_manifest makes it (TCP: the listening address, one route per domain to the
 * next hop's address, one authorized host per node address), all of it in ocsfed's
 * ownership record, no restart pending. Out of memory: t->oom. Writing it directly
 * skips the quadratic cost of applying thousands of entries one save at a time. */
void bench_converged_node(const struct manifest *m, struct strbuf *t);

/* A new temp folder holding the node file: dir is "TMPDIR/ocsfed-bench.XXXXXX",
 * node is "DIR/node.json", journal its journal. */
struct bench_dir {
    char dir[512];
    char node[600];
    char journal[640];
};

/* Creates the folder (nothing in it yet). Returns 0, or -1 with a message printed. */
int bench_dir_make(struct bench_dir *d);

/* Removes every file in the folder and the folder. */
void bench_dir_remove(const struct bench_dir *d);

/* Opens the node file, plans m against it; *secs the time of both. OFD_OK: *p filled
 * (caller frees with plan_free). */
enum ofd_code bench_plan_file(const char *node_path, const struct manifest *m, struct plan *p, double *secs,
                              ofd_err *e);

/* What bench_apply_file measured. */
struct bench_applied {
    double secs;   /* wall clock */
    double cpu;    /* CPU time (user + system); the rest is spent waiting, on fsync */
    size_t writes; /* node writes made */
};

/* Opens the node file and applies p with the journal; restart_allowed as in
 * apply_options. *out is filled even on failure. */
enum ofd_code bench_apply_file(const char *node_path, const char *journal, const struct plan *p, int restart_allowed,
                               struct bench_applied *out, ofd_err *e);

/* Plan changes other than unchanged items and the restart (create, update, delete). */
size_t bench_setting_changes(const struct plan *p);

/* Prints one summary row "ROW|what|figure|target|yes-or-NO"; the figure from fmt.
 * Returns ok. */
int bench_row(int ok, const char *what, const char *target, const char *fmt, ...) OFD_PRINTF(4, 5);

/* Runs fn(n) in a child process and returns its exit status (1 if it was killed, with
 * a line saying so). Output is flushed before the fork. */
int bench_in_child(int (*fn)(size_t n), size_t n, const char *name);

/* Runs fn(n) in a child (bench_in_child) for each size given on the command line, or
 * each of def[0..ndef) when none is: the shared main of the size benchmarks. A size
 * below min_n is a usage error (exit 2); `unit` names it ("changes", "entries"). */
int bench_run_sizes(int argc, char **argv, const size_t *def, size_t ndef, size_t min_n, const char *unit,
                    int (*fn)(size_t n), const char *name);

#endif
