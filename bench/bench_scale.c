/* bench_scale: plan and apply on a simulated node file on which ocsfed already manages
 * 10, 1,000 and 10,000 entries: N/2 static routes (one per domain) and N/2 authorized
 * hosts (one per IM&P node, TCP), all in the ownership record, plus the TCP listening
 * address. The node is written directly in the converged form (applying 10,000 entries
 * one write at a time would take minutes; see bench_apply), and the first plan proves
 * it converged: nothing to change. Figures per size:
 *  - plan with nothing to change (open and read the node file, plan);
 *  - plan and apply of one more domain on top (outside the maintenance window, with
 *    the journal): one route create, 2 writes (the route and the ownership record);
 *  - plan and apply again: 0 writes;
 *  - peak memory of the whole case (each size runs in its own process).
 * Arguments: the sizes (default 10 1000 10000; even). Exit 1 when a count is not the
 * one expected or a figure misses its target. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_common.h"
#include "fsutil.h"
#include "strbuf.h"

#define RSS_TARGET_MIB 200.0
#define PLAN_TARGET_S 1.0

static int one_size(size_t n)
{
    struct manifest *m = NULL, *m1 = NULL;
    struct strbuf text = {0};
    struct bench_dir dir;
    struct plan p;
    char what[160];
    struct bench_applied a0, a1, a2;
    double t_plan0 = 0, t_plan1 = 0, t_plan2 = 0, rss;
    size_t half = n / 2, c0, c1, c2, managed;
    ofd_err e;
    int ok = 1, made = 0, rc = 1;

    memset(&p, 0, sizeof(p));
    ofd_err_clear(&e);
    if (bench_dir_make(&dir) != 0)
        goto out;
    made = 1;
    if (bench_manifest(half, half, &m, &e) != OFD_OK || bench_manifest(half + 1, half, &m1, &e) != OFD_OK)
        goto fail;
    bench_converged_node(m, &text);
    if (text.oom) {
        fprintf(stderr, "bench_scale: out of memory\n");
        goto out;
    }
    if (ofd_write_file_atomic(dir.node, text.s, text.len, &e) != OFD_OK)
        goto fail;

    /* Nothing to change: the plan sees every entry unchanged; apply writes nothing. */
    if (bench_plan_file(dir.node, m, &p, &t_plan0, &e) != OFD_OK)
        goto fail;
    c0 = bench_setting_changes(&p) + p.counts[PLAN_RESTART];
    managed = p.counts[PLAN_UNCHANGED];
    if (c0 != 0) {
        fprintf(stderr, "bench_scale: the generated node is not converged: %zu changes\n", c0);
        plan_print_text(&p, stderr);
        goto out;
    }
    if (bench_apply_file(dir.node, dir.journal, &p, 0, &a0, &e) != OFD_OK)
        goto fail;
    plan_free(&p);

    /* One more domain: one route create on top of N entries. */
    if (bench_plan_file(dir.node, m1, &p, &t_plan1, &e) != OFD_OK)
        goto fail;
    c1 = bench_setting_changes(&p);
    if (c1 != 1 || p.counts[PLAN_CREATE] != 1) {
        fprintf(stderr, "bench_scale: %zu changes planned for one more domain, expected 1 create\n", c1);
        goto out;
    }
    if (bench_apply_file(dir.node, dir.journal, &p, 0, &a1, &e) != OFD_OK)
        goto fail;
    plan_free(&p);

    /* Again: nothing to write. */
    if (bench_plan_file(dir.node, m1, &p, &t_plan2, &e) != OFD_OK)
        goto fail;
    c2 = bench_setting_changes(&p);
    if (bench_apply_file(dir.node, dir.journal, &p, 0, &a2, &e) != OFD_OK)
        goto fail;
    rss = bench_peak_rss_mib();

    printf("scale %5zu managed entries (%zu routes, %zu hosts; %zu items unchanged): plan, nothing to change "
           "%.3f s (target < 1 s), apply of it %zu writes; plan + apply of 1 more route %.3f s + %.3f s "
           "(%zu writes, target 2); re-apply %zu writes (target 0); peak RSS %.1f MiB (target < 200 MiB)\n",
           2 * half, half, half, managed, t_plan0, a0.writes, t_plan1, a1.secs, a1.writes, a2.writes, rss);

    snprintf(what, sizeof(what), "%zu managed entries: plan, nothing to change", 2 * half);
    ok &= bench_row(t_plan0 < PLAN_TARGET_S && a0.writes == 0, what, "< 1 s (and apply writes 0)",
                    "%.3f s (%zu writes)", t_plan0, a0.writes);
    snprintf(what, sizeof(what), "%zu managed entries: plan + apply of 1 change on top", 2 * half);
    ok &= bench_row(a1.writes == 2, what, "2 writes (the change + ownership record)", "%.3f s + %.3f s, %zu writes",
                    t_plan1, a1.secs, a1.writes);
    snprintf(what, sizeof(what), "%zu managed entries: re-plan and re-apply", 2 * half);
    ok &= bench_row(a2.writes == 0 && c2 == 0, what, "0 writes", "%zu writes", a2.writes);
    snprintf(what, sizeof(what), "%zu managed entries: peak RSS", 2 * half);
    ok &= bench_row(rss >= 0 && rss < RSS_TARGET_MIB, what, "< 200 MiB", "%.1f MiB", rss);
    rc = ok ? 0 : 1;
    goto out;
fail:
    fprintf(stderr, "bench_scale (%zu entries): [%s] %s\n", n, e.rule, e.msg);
out:
    plan_free(&p);
    manifest_free(m);
    manifest_free(m1);
    sb_free(&text);
    if (made)
        bench_dir_remove(&dir);
    return rc;
}

int main(int argc, char **argv)
{
    static const size_t def[] = {10, 1000, 10000};

    printf("bench_scale: plan and apply on a Standard Edition simulated node file where ocsfed manages N entries\n");
    return bench_run_sizes(argc, argv, def, sizeof(def) / sizeof(def[0]), 2, "entries", one_size, "bench_scale");
}
