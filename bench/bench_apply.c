/* bench_apply: plans of 1, 100, 1,000 and 10,000 changes applied to a simulated node
 * file. The node (Standard Edition, TCP) first converges to a manifest with one domain
 * and one IM&P node (inside the maintenance window, so no restart is left pending); a
 * manifest with N more domains then plans exactly N route creates. That plan is applied
 * outside the maintenance window (the restart waits, nothing restarts) with a journal,
 * as the agent does; then the node is planned and applied again, which must write
 * nothing. Each size runs in its own process, so its peak memory is its own.
 *
 * The simulated node rewrites and fsyncs its whole file at every write, and apply reads
 * the whole class back to verify each write, so a write costs time in proportion to
 * the entries already there and N writes cost N squared: 10,000 changes take about ten
 * minutes here. Above FULL_MAX changes (unless OCSFED_BENCH_FULL=1, or sizes are given
 * as arguments) the apply is therefore sampled: the plan of all N changes is made and
 * timed, then the first SAMPLE changes are applied to the small node and the last
 * SAMPLE to a node written directly with the N - SAMPLE others already there; the cost
 * per write grows linearly between the two, so the whole apply takes about
 * N x (first + last) / 2, printed as an estimate.
 * Arguments: the sizes, each run in full (default 1 100 1000 10000). Exit 1 when a
 * count is not the one expected or a figure misses its target. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_common.h"
#include "fsutil.h"
#include "simnode.h"

#define RSS_TARGET_MIB 200.0
#define PLAN_TARGET_S 1.0
#define FULL_MAX 1000
#define SAMPLE 100

struct run {
    size_t n; /* changes planned */
    double t_plan, t_replan;
    struct bench_applied apply; /* of the n changes */
    struct bench_applied again; /* of the plan made after it */
    size_t rechanges;           /* setting changes in that plan */
};

/* The starting point in d: one domain, one IM&P node, converged and restarted. */
static enum ofd_code converge_base(const struct bench_dir *d, ofd_err *e)
{
    struct manifest *base = NULL;
    struct bench_applied a;
    struct plan p;
    double t;
    enum ofd_code rc;

    memset(&p, 0, sizeof(p));
    if ((rc = bench_manifest(1, 1, &base, e)) != OFD_OK
        || (rc = simnode_init_file(d->node, BENCH_SERVER, NULL, NULL, e)) != OFD_OK
        || (rc = bench_plan_file(d->node, base, &p, &t, e)) != OFD_OK)
        goto out;
    rc = bench_apply_file(d->node, d->journal, &p, 1, &a, e);
out:
    plan_free(&p);
    manifest_free(base);
    return rc;
}

/* Plans m against the node in d, which must give exactly n route creates, applies it
 * outside the window, then plans and applies again. */
static enum ofd_code plan_apply_again(const struct bench_dir *d, const struct manifest *m, size_t n, struct run *r,
                                      ofd_err *e)
{
    struct plan p;
    enum ofd_code rc;

    memset(&p, 0, sizeof(p));
    memset(r, 0, sizeof(*r));
    r->n = n;
    if ((rc = bench_plan_file(d->node, m, &p, &r->t_plan, e)) != OFD_OK)
        goto out;
    if (bench_setting_changes(&p) != n || p.counts[PLAN_CREATE] != n) {
        rc = ofd_err_set(e, OFD_E_INVALID, "%zu changes planned (%zu creates), expected %zu creates",
                         bench_setting_changes(&p), p.counts[PLAN_CREATE], n);
        goto out;
    }
    if ((rc = bench_apply_file(d->node, d->journal, &p, 0, &r->apply, e)) != OFD_OK)
        goto out;
    plan_free(&p);
    if ((rc = bench_plan_file(d->node, m, &p, &r->t_replan, e)) != OFD_OK)
        goto out;
    r->rechanges = bench_setting_changes(&p);
    rc = bench_apply_file(d->node, d->journal, &p, 0, &r->again, e);
out:
    plan_free(&p);
    return rc;
}

/* "N changes" (or "1 change") into buf of 32 bytes. */
static const char *changes_name(size_t n, char buf[32])
{
    snprintf(buf, 32, "%zu change%s", n, n == 1 ? "" : "s");
    return buf;
}

static int row_plan(size_t n, double t_plan)
{
    char what[160], nb[32];

    snprintf(what, sizeof(what), "apply %s: plan (sim node file)", changes_name(n, nb));
    return bench_row(t_plan < PLAN_TARGET_S, what, "< 1 s", "%.3f s", t_plan);
}

static int rows_after(size_t n, size_t rewrites, size_t rechanges, double rss)
{
    char what[160], nb[32];
    int ok = 1;

    snprintf(what, sizeof(what), "apply %s: re-plan and re-apply", changes_name(n, nb));
    ok &= bench_row(rewrites == 0 && rechanges == 0, what, "0 writes", "%zu writes", rewrites);
    snprintf(what, sizeof(what), "apply %s: peak RSS", changes_name(n, nb));
    ok &= bench_row(rss >= 0 && rss < RSS_TARGET_MIB, what, "< 200 MiB", "%.1f MiB", rss);
    return ok;
}

/* The whole apply of n changes. */
static int full_size(size_t n)
{
    struct manifest *m = NULL;
    struct bench_dir dir;
    struct run r;
    char what[160], target[160], nb[32];
    double rss;
    ofd_err e;
    int ok = 1, made = 0, rc = 1;

    ofd_err_clear(&e);
    if (bench_dir_make(&dir) != 0)
        goto out;
    made = 1;
    if (converge_base(&dir, &e) != OFD_OK || bench_manifest(1 + n, 1, &m, &e) != OFD_OK
        || plan_apply_again(&dir, m, n, &r, &e) != OFD_OK)
        goto fail;
    rss = bench_peak_rss_mib();
    printf("apply %5zu changes: plan %.3f s, apply %.3f s (%zu writes, target %zu: each change one write, "
           "plus the ownership record), re-apply %zu writes (target 0); peak RSS %.1f MiB\n",
           n, r.t_plan, r.apply.secs, r.apply.writes, n + 1, r.again.writes, rss);
    printf("      apply: %.2f ms per write on average; CPU %.3f s, the rest waiting (fsync)\n",
           r.apply.secs * 1e3 / (double)(r.apply.writes ? r.apply.writes : 1), r.apply.cpu);
    ok &= row_plan(n, r.t_plan);
    snprintf(what, sizeof(what), "apply %s: apply outside the window, journal, fsync", changes_name(n, nb));
    snprintf(target, sizeof(target), "%zu writes (one per change + ownership record)", n + 1);
    ok &= bench_row(r.apply.writes == n + 1, what, target, "%.3f s, %zu writes", r.apply.secs, r.apply.writes);
    ok &= rows_after(n, r.again.writes, r.rechanges, rss);
    rc = ok ? 0 : 1;
    goto out;
fail:
    fprintf(stderr, "bench_apply (%zu changes): [%s] %s\n", n, e.rule, e.msg);
out:
    manifest_free(m);
    if (made)
        bench_dir_remove(&dir);
    return rc;
}

/* n changes planned in full; the apply sampled at its start and its end. */
static int sampled_size(size_t n)
{
    struct manifest *m = NULL, *head = NULL, *rest = NULL;
    struct strbuf text = {0};
    struct bench_dir dir;
    struct plan p;
    struct run first, last;
    char what[160], target[160], nb[32];
    double t_plan, ms_first, ms_last, est, rss;
    ofd_err e;
    int ok = 1, made = 0, rc = 1;

    memset(&p, 0, sizeof(p));
    ofd_err_clear(&e);
    if (bench_dir_make(&dir) != 0)
        goto out;
    made = 1;
    /* The plan of all n changes. */
    if (converge_base(&dir, &e) != OFD_OK || bench_manifest(1 + n, 1, &m, &e) != OFD_OK
        || bench_plan_file(dir.node, m, &p, &t_plan, &e) != OFD_OK)
        goto fail;
    if (bench_setting_changes(&p) != n || p.counts[PLAN_CREATE] != n) {
        fprintf(stderr, "bench_apply: %zu changes planned, expected %zu creates\n", bench_setting_changes(&p), n);
        goto out;
    }
    plan_free(&p);
    /* Its first SAMPLE writes, on the small node. */
    if (bench_manifest(1 + SAMPLE, 1, &head, &e) != OFD_OK
        || plan_apply_again(&dir, head, SAMPLE, &first, &e) != OFD_OK)
        goto fail;
    /* Its last SAMPLE writes, on the node holding the others. */
    if (bench_manifest(1 + n - SAMPLE, 1, &rest, &e) != OFD_OK)
        goto fail;
    bench_converged_node(rest, &text);
    if (text.oom) {
        fprintf(stderr, "bench_apply: out of memory\n");
        goto out;
    }
    if (ofd_write_file_atomic(dir.node, text.s, text.len, &e) != OFD_OK
        || plan_apply_again(&dir, m, SAMPLE, &last, &e) != OFD_OK)
        goto fail;
    rss = bench_peak_rss_mib();
    ms_first = first.apply.secs * 1e3 / (double)(SAMPLE + 1);
    ms_last = last.apply.secs * 1e3 / (double)(SAMPLE + 1);
    est = (double)(n + 1) * (ms_first + ms_last) / 2.0 / 1e3;
    printf("apply %5zu changes: plan %.3f s; apply sampled, not run in full (a write costs more as the node "
           "grows: the sim rewrites and fsyncs its whole file, apply reads the whole class back):\n"
           "      first %d writes %.2f ms each (CPU %.2f ms), last %d writes %.2f ms each (CPU %.2f ms): about "
           "%.0f s for all %zu writes (target %zu: each change one write, plus the ownership record);\n"
           "      writes of the samples %zu and %zu (target %d each), re-apply %zu writes (target 0); "
           "peak RSS %.1f MiB. Full run: OCSFED_BENCH_FULL=1, or bench_apply %zu\n",
           n, t_plan, SAMPLE, ms_first, first.apply.cpu * 1e3 / (double)(SAMPLE + 1), SAMPLE, ms_last,
           last.apply.cpu * 1e3 / (double)(SAMPLE + 1), est, n + 1, n + 1, first.apply.writes, last.apply.writes,
           SAMPLE + 1, first.again.writes + last.again.writes, rss, n);
    ok &= row_plan(n, t_plan);
    snprintf(what, sizeof(what), "apply %s: apply outside the window, journal, fsync (sampled)", changes_name(n, nb));
    snprintf(target, sizeof(target), "%zu writes (one per change + ownership record)", n + 1);
    ok &= bench_row(first.apply.writes == SAMPLE + 1 && last.apply.writes == SAMPLE + 1, what, target,
                    "about %.0f s (first %d writes %.1f ms each, last %d %.1f ms each)", est, SAMPLE, ms_first, SAMPLE,
                    ms_last);
    ok &= rows_after(n, first.again.writes + last.again.writes, first.rechanges + last.rechanges, rss);
    rc = ok ? 0 : 1;
    goto out;
fail:
    fprintf(stderr, "bench_apply (%zu changes): [%s] %s\n", n, e.rule, e.msg);
out:
    plan_free(&p);
    manifest_free(m);
    manifest_free(head);
    manifest_free(rest);
    sb_free(&text);
    if (made)
        bench_dir_remove(&dir);
    return rc;
}

/* Sizes above FULL_MAX are sampled unless OCSFED_BENCH_FULL=1 or sizes are given. */
static int full_run;

static int one_size(size_t n)
{
    return full_run || n <= FULL_MAX ? full_size(n) : sampled_size(n);
}

int main(int argc, char **argv)
{
    static const size_t def[] = {1, 100, 1000, 10000};
    const char *full_env = getenv("OCSFED_BENCH_FULL");

    full_run = argc > 1 || (full_env && strcmp(full_env, "1") == 0);
    printf("bench_apply: N route creates on a Standard Edition simulated node file (TMPDIR or /tmp)\n");
    return bench_run_sizes(argc, argv, def, sizeof(def) / sizeof(def[0]), 1, "changes", one_size, "bench_apply");
}
