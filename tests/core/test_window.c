/* R19: when a front end may restart. The window's arithmetic (days, midnight, UTC and
 * local time), the pool's slots (one front end at a time, in the order of
 * ocs.servers), no restart without a window, and a week of applies on the three front
 * ends of a pool, one every minute on each, through plan and apply on simulated nodes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "apply.h"
#include "manifest.h"
#include "plan.h"
#include "simnode.h"
#include "strbuf.h"
#include "window.h"

#define SAT 1795219200LL /* 2026-11-21 00:00 UTC, a Saturday */
#define MON 1795392000LL /* 2026-11-23 00:00 UTC, a Monday */

/* A TCP manifest (no certificates) for pool.example.com or a Standard Edition server,
 * with the window given as JSON (or none). */
static struct manifest *manifest_with(const char *servers, int enterprise, const char *window)
{
    struct strbuf sb = {0};
    struct manifest *m = NULL;
    struct diags d = {0};
    ofd_err e;

    sb_printf(&sb,
              "{\"manifest_version\": 1, \"serial\": 1,\n"
              " \"imp\": {\"transport\": \"tcp\", \"domains\": [\"cisco.example.com\"],\n"
              "  \"nodes\": [{\"fqdn\": \"imp1.example.com\", \"ip\": \"10.0.0.11\"}]},\n"
              " \"ocs\": {\"edition\": \"%s\", %s\"servers\": [%s]}%s%s}\n",
              enterprise ? "enterprise" : "standard", enterprise ? "\"pool_fqdn\": \"pool.example.com\", " : "",
              servers, window ? ",\n \"maintenance_window\": " : "", window ? window : "");
    if (manifest_parse(sb_str(&sb), sb.len, ".", NULL, MANIFEST_NO_FILES, &m, &d, &e) != OFD_OK) {
        size_t i;
        for (i = 0; i < d.n; i++)
            fprintf(stderr, "%s\n", d.v[i].msg);
        fail_msg("manifest: %s", e.msg);
    }
    diags_free(&d);
    sb_free(&sb);
    return m;
}

static const char POOL3[] = "\"fe1.example.com\", \"fe2.example.com\", \"fe3.example.com\"";
static const char WEEKEND_UTC[] = "{\"days\": [\"sat\", \"sun\"], \"start\": \"02:00\", \"end\": \"04:00\", "
                                  "\"timezone\": \"utc\"}";

static void the_window_alone(void **state)
{
    struct manifest *m = manifest_with("\"se1.example.com\"", 0, WEEKEND_UTC);
    struct manifest *night = manifest_with("\"se1.example.com\"", 0,
                                           "{\"days\": [\"mon\"], \"start\": \"23:00\", \"end\": \"01:00\", "
                                           "\"timezone\": \"utc\"}");
    struct manifest *local =
        manifest_with("\"se1.example.com\"", 0, "{\"days\": [\"sat\"], \"start\": \"02:00\", \"end\": \"04:00\"}");
    char *t;

    (void)state;
    assert_true(window_restart_allowed(m, "se1.example.com", SAT + 120 * 60, 0));  /* sat 02:00 */
    assert_true(window_restart_allowed(m, "SE1.example.com", SAT + 150 * 60, 0));  /* sat 02:30 */
    assert_false(window_restart_allowed(m, "se1.example.com", SAT + 4 * 3600, 0)); /* sat 04:00 */
    assert_false(window_restart_allowed(m, "se1.example.com", SAT + 120 * 60 - 1, 0));
    assert_false(window_restart_allowed(m, "se1.example.com", SAT - 2 * 86400 + 9000, 0)); /* thu 02:30 */
    assert_true(window_restart_allowed(m, "se1.example.com", SAT + 86400 + 3 * 3600, 0));  /* sun 03:00 */
    assert_false(window_restart_allowed(m, "se2.example.com", SAT + 150 * 60, 0));         /* not governed */
    /* Crossing midnight: Monday 23:30 and Tuesday 00:30 are in, Tuesday 23:30 not. */
    assert_true(window_restart_allowed(night, "se1.example.com", MON + 23 * 3600 + 1800, 0));
    assert_true(window_restart_allowed(night, "se1.example.com", MON + 24 * 3600 + 1800, 0));
    assert_false(window_restart_allowed(night, "se1.example.com", MON + 47 * 3600 + 1800, 0));
    /* Local time: 02:30 on a server 5 hours west of UTC is 07:30 UTC. */
    assert_true(window_restart_allowed(local, "se1.example.com", SAT + 7 * 3600 + 1800, -5 * 3600));
    assert_false(window_restart_allowed(local, "se1.example.com", SAT + 150 * 60, -5 * 3600));
    /* The next opening: now when open; else the next start. */
    assert_int_equal(window_next_restart(m, "se1.example.com", SAT + 150 * 60, 0), SAT + 150 * 60);
    assert_int_equal(window_next_restart(m, "se1.example.com", SAT + 5 * 3600, 0), SAT + 86400 + 120 * 60);
    assert_int_equal(window_next_restart(m, "se1.example.com", SAT + 86400 + 5 * 3600, 0), SAT + 7 * 86400 + 7200);
    t = window_text(m, "se1.example.com");
    assert_string_equal(t, "sat,sun 02:00-04:00 utc");
    free(t);
    t = window_text(night, "se1.example.com");
    assert_string_equal(t, "mon 23:00-01:00 utc");
    free(t);
    manifest_free(m);
    manifest_free(night);
    manifest_free(local);
}

/* No window: never a restart, at any minute of the week; validation says so (a note). */
static void no_window_no_restart(void **state)
{
    struct manifest *m = manifest_with(POOL3, 1, NULL);
    long long t;
    struct window_slot s;

    (void)state;
    for (t = MON; t < MON + 7 * 86400; t += 60)
        assert_false(window_restart_allowed(m, "fe1.example.com", t, 0));
    assert_int_equal(window_next_restart(m, "fe1.example.com", MON, 0), -1);
    assert_null(window_text(m, "fe1.example.com"));
    assert_int_equal(window_slot_of(m, "fe2.example.com", &s), 0);
    assert_int_equal(s.present, 0);
    manifest_free(m);
}

/* A pool of three in a 2-hour window: 40-minute slots in the order of ocs.servers, a
 * restart beginning in the first 30 minutes of each; Standard Edition servers each
 * have the whole window. */
static void pool_slots(void **state)
{
    struct manifest *m = manifest_with(POOL3, 1, WEEKEND_UTC);
    struct manifest *se = manifest_with("\"se1.example.com\", \"se2.example.com\"", 0, WEEKEND_UTC);
    struct window_slot s;
    char *t;

    (void)state;
    assert_int_equal(window_slot_of(m, "fe3.example.com", &s), 0);
    assert_int_equal(s.index, 2);
    assert_int_equal(s.count, 3);
    assert_int_equal(s.offset_min, 80);
    assert_int_equal(s.length_min, 40);
    assert_int_equal(s.restart_min, 30);
    assert_true(window_restart_allowed(m, "fe1.example.com", SAT + 120 * 60, 0));
    assert_false(window_restart_allowed(m, "fe2.example.com", SAT + 120 * 60, 0));
    assert_false(window_restart_allowed(m, "fe1.example.com", SAT + 150 * 60, 0)); /* fe1's guard */
    assert_true(window_restart_allowed(m, "fe2.example.com", SAT + 160 * 60, 0));
    assert_true(window_restart_allowed(m, "fe3.example.com", SAT + 229 * 60, 0));
    assert_false(window_restart_allowed(m, "fe3.example.com", SAT + 230 * 60, 0));
    assert_int_equal(window_next_restart(m, "fe3.example.com", SAT, 0), SAT + 200 * 60);
    t = window_text(m, "fe2.example.com");
    assert_string_equal(t, "sat,sun 02:40-03:10 utc (slot 2 of 3 of the pool's window 02:00-04:00)");
    free(t);
    assert_int_equal(window_slot_of(se, "se2.example.com", &s), 0);
    assert_int_equal(s.count, 1);
    assert_int_equal(s.restart_min, 120);
    assert_true(window_restart_allowed(se, "se2.example.com", SAT + 120 * 60, 0));
    assert_int_equal(window_slot_of(m, "fe9.example.com", &s), -1);
    manifest_free(m);
    manifest_free(se);
}

/* A pool's window across midnight: a slot that opens after midnight is on the next day,
 * and the text says that day (the window's own days in brackets), each day shifted. */
static void a_slot_after_midnight_names_its_own_day(void **state)
{
    static const char POOL2[] = "\"fe1.example.com\", \"fe2.example.com\"";
    struct manifest *m = manifest_with(POOL2, 1, "{\"days\": [\"sun\"], \"start\": \"23:00\", \"end\": \"01:00\"}");
    struct manifest *two = manifest_with(
        POOL2, 1, "{\"days\": [\"sat\", \"sun\"], \"start\": \"23:00\", \"end\": \"01:00\", \"timezone\": \"utc\"}");
    struct manifest *three = manifest_with(POOL3, 1, "{\"days\": [\"sun\"], \"start\": \"23:00\", \"end\": \"01:00\"}");
    char *t;

    (void)state;
    /* The timing: fe2 may restart Monday 00:00-00:50, not Sunday. */
    assert_true(window_restart_allowed(m, "fe2.example.com", MON + 10 * 60, 0));
    assert_false(window_restart_allowed(m, "fe2.example.com", MON - 86400 + 10 * 60, 0));
    assert_true(window_restart_allowed(m, "fe1.example.com", MON - 3600 + 10 * 60, 0)); /* sun 23:10 */
    t = window_text(m, "fe2.example.com");
    assert_string_equal(t, "mon 00:00-00:50 local (slot 2 of 2 of the pool's window sun 23:00-01:00)");
    free(t);
    /* The slot that opens before midnight keeps the window's day. */
    t = window_text(m, "fe1.example.com");
    assert_string_equal(t, "sun 23:00-23:50 local (slot 1 of 2 of the pool's window 23:00-01:00)");
    free(t);
    /* Several days: each shifted, in the window's order. */
    t = window_text(two, "fe2.example.com");
    assert_string_equal(t, "sun,mon 00:00-00:50 utc (slot 2 of 2 of the pool's window sat,sun 23:00-01:00)");
    free(t);
    assert_true(window_restart_allowed(two, "fe2.example.com", SAT + 86400 + 10 * 60, 0)); /* sun 00:10 */
    /* A slot opening before midnight whose restart part crosses it: the day it opens. */
    t = window_text(three, "fe2.example.com");
    assert_string_equal(t, "sun 23:40-00:10 local (slot 2 of 3 of the pool's window 23:00-01:00)");
    free(t);
    t = window_text(three, "fe3.example.com");
    assert_string_equal(t, "mon 00:20-00:50 local (slot 3 of 3 of the pool's window sun 23:00-01:00)");
    free(t);
    manifest_free(m);
    manifest_free(two);
    manifest_free(three);
}

/* R19: a window too short for the pool's slots is an error naming the length needed. */
static void a_window_too_short_for_the_pool(void **state)
{
    static const char text[] =
        "{\"manifest_version\": 1, \"serial\": 1,\n"
        " \"imp\": {\"transport\": \"tcp\", \"domains\": [\"cisco.example.com\"],\n"
        "  \"nodes\": [{\"fqdn\": \"imp1.example.com\", \"ip\": \"10.0.0.11\"}]},\n"
        " \"ocs\": {\"edition\": \"enterprise\", \"pool_fqdn\": \"pool.example.com\", \"servers\": "
        "[\"fe1.example.com\", "
        "\"fe2.example.com\", \"fe3.example.com\"]},\n"
        " \"maintenance_window\": {\"days\": [\"sat\"], \"start\": \"23:30\", \"end\": \"00:15\"}}\n";
    struct manifest *m = NULL;
    struct diags d = {0};
    ofd_err e;
    size_t i, found = 0;

    (void)state;
    assert_int_equal(manifest_parse(text, sizeof(text) - 1, ".", NULL, MANIFEST_NO_FILES, &m, &d, &e), OFD_E_INVALID);
    for (i = 0; i < d.n; i++)
        if (d.v[i].sev == DIAG_ERROR) {
            assert_string_equal(d.v[i].rule, "R19");
            assert_string_equal(d.v[i].ptr, "/maintenance_window");
            assert_string_equal(d.v[i].msg,
                                "a window of 45 minutes gives each of the 3 front ends of pool "
                                "pool.example.com a restart slot of 15 minutes, and each needs 20 (the restart and a "
                                "margin before the next front end's slot): make the window 60 minutes or longer");
            found++;
        }
    assert_int_equal(found, 1);
    assert_null(m);
    diags_free(&d);
}

/* The three front ends of a pool, each applied every minute of a week (Monday to
 * Sunday, the window Saturday and Sunday 02:00-04:00 UTC), after an apply on Monday
 * left each one's restart pending: each restarts exactly once, inside the window and
 * the first part of its own slot, so no two restarts begin less than the guard apart
 * (a restart takes up to 2 x 3 minutes). */
static void a_week_of_applies_on_a_pool(void **state)
{
    static const char *const fe[3] = {"fe1.example.com", "fe2.example.com", "fe3.example.com"};
    struct manifest *m = manifest_with(POOL3, 1, WEEKEND_UTC);
    struct node n[3];
    long long restarted[3] = {-1, -1, -1}, t;
    char path[64];
    int i, j, restarts[3] = {0, 0, 0};
    ofd_err e;

    (void)state;
    for (i = 0; i < 3; i++) {
        snprintf(path, sizeof(path), "window-%d.json", i);
        remove(path);
        assert_int_equal(simnode_init_file(path, fe[i], "pool.example.com", NULL, &e), OFD_OK);
        assert_int_equal(simnode_open(path, &n[i], &e), OFD_OK);
    }
    for (t = MON; t < MON + 7 * 86400; t += 60) {
        for (i = 0; i < 3; i++) {
            struct plan p;
            struct plan_options po = {.now = t};
            struct apply_options opt = {0};
            struct apply_result res;

            assert_int_equal(plan_make(m, &n[i], &po, &p, &e), OFD_OK);
            /* As the agent does: only when something is to do. */
            if (plan_has_changes(&p)) {
                opt.restart_allowed = window_restart_allowed(m, p.server, t, 0);
                if (apply_run(&p, &n[i], &opt, &res, &e) != OFD_OK)
                    fail_msg("%s at %lld: %s", fe[i], t, e.msg);
                if (t == MON)
                    assert_true(res.restart_pending);
                if (res.restart_done) {
                    restarts[i]++;
                    restarted[i] = t;
                }
            }
            plan_free(&p);
        }
    }
    for (i = 0; i < 3; i++) {
        long long since_sat = restarted[i] - (MON + 5 * 86400); /* that week's Saturday */

        assert_int_equal(restarts[i], 1);
        /* Saturday, in fe<i+1>'s slot: 02:00 + 40 min x i, its first 30 minutes. */
        assert_true(since_sat >= (120 + 40 * i) * 60 && since_sat < (120 + 40 * i + 30) * 60);
        for (j = 0; j < i; j++)
            assert_true(llabs(restarted[i] - restarted[j]) >= (long long)WINDOW_GUARD_MIN * 60);
        node_close(&n[i]);
        snprintf(path, sizeof(path), "window-%d.json", i);
        remove(path);
    }
    manifest_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_window_alone),
        cmocka_unit_test(no_window_no_restart),
        cmocka_unit_test(pool_slots),
        cmocka_unit_test(a_slot_after_midnight_names_its_own_day),
        cmocka_unit_test(a_window_too_short_for_the_pool),
        cmocka_unit_test(a_week_of_applies_on_a_pool),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
