/* report: building, atomic writing and strict reading of reports/<fqdn>.json, the UTC
 * time form, classification with a fixed "now", and the fleet table of `ocsfed status`. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "cli.h"
#include "fsutil.h"
#include "manifest.h"
#include "plan.h"
#include "simnode.h"
#include "probe.h"
#include "report.h"
#include "strbuf.h"
#include "testcert.h"
#include "testutil.h"
#include "version.h"

#define NOW 1795546800LL /* 2026-11-24T19:00:00Z */

static const char *examples = "examples";

static void times_are_utc_iso8601(void **state)
{
    char buf[21];

    (void)state;
    report_format_time(0, buf);
    assert_string_equal(buf, "1970-01-01T00:00:00Z");
    report_format_time(NOW, buf);
    assert_string_equal(buf, "2026-11-24T19:00:00Z");
    report_format_time(951868799, buf);
    assert_string_equal(buf, "2000-02-29T23:59:59Z");
    report_format_time(4107542400LL, buf);
    assert_string_equal(buf, "2100-03-01T00:00:00Z");
    assert_int_equal(report_parse_time("2026-11-24T19:00:00Z"), NOW);
    assert_int_equal(report_parse_time("2000-02-29T23:59:59Z"), 951868799);
    assert_int_equal(report_parse_time("2100-03-01T00:00:00Z"), 4107542400LL);
    assert_int_equal(report_parse_time("2100-02-29T00:00:00Z"), -1);
    assert_int_equal(report_parse_time("2026-11-24 19:00:00Z"), -1);
    assert_int_equal(report_parse_time("2026-11-24T19:00:00+01:00"), -1);
    assert_int_equal(report_parse_time("2026-13-24T19:00:00Z"), -1);
    assert_int_equal(report_parse_time("1969-12-31T23:59:59Z"), -1);
}

static void make(struct report *r, const char *server, long long t, enum report_status st)
{
    ofd_err e;

    assert_int_equal(report_init(r, server, t, 0, &e), OFD_OK);
    r->status = st;
    r->serial = 12;
}

static void write_and_read_back(void **state)
{
    struct report r, back;
    ofd_err e;
    char *text = NULL;
    size_t len = 0;

    (void)state;
    assert_int_equal(ofd_make_dir("report-share", &e), OFD_OK);
    make(&r, "FE1.Example.com", NOW, REPORT_PENDING_RESTART);
    r.sha256 = ofd_strdup("ab01");
    r.planned = 2;
    r.applied = 2;
    r.drift = 2;
    r.restart_pending = 1;
    assert_int_equal(report_add_change(&r, "create", "MSFT_SIPStaticRoutingSetting", "sip:*@example.com", "R6", 1, &e),
                     OFD_OK);
    assert_int_equal(report_add_change(&r, "restart", "service", "RTCSRV", "R19", 0, &e), OFD_OK);
    assert_int_equal(report_add_error(&r, "quote \" and newline \n", NULL, &e), OFD_OK);
    assert_int_equal(report_write("report-share/reports", &r, &e), OFD_OK);
    /* Again, over the existing file (MoveFileEx with REPLACE_EXISTING on Windows). */
    r.applied = 1;
    assert_int_equal(report_write("report-share/reports", &r, &e), OFD_OK);
    assert_null(fopen("report-share/reports/fe1.example.com.json.tmp", "rb"));
    assert_int_equal(ofd_read_file("report-share/reports/fe1.example.com.json", REPORT_MAX_BYTES, &text, &len, &e),
                     OFD_OK);
    assert_non_null(strstr(text, "\"time\":\t\"2026-11-24T19:00:00Z\""));
    assert_non_null(strstr(text, "\"agent_version\":\t\"" OCSFED_VERSION "\""));
    free(text);
    assert_int_equal(report_read_file("report-share/reports/fe1.example.com.json", &back, &e), OFD_OK);
    assert_string_equal(back.server, "fe1.example.com");
    assert_string_equal(back.agent_version, OCSFED_VERSION);
    assert_int_equal(back.time, NOW);
    assert_int_equal(back.monitor, 0);
    assert_int_equal(back.status, REPORT_PENDING_RESTART);
    assert_int_equal(back.serial, 12);
    assert_string_equal(back.sha256, "ab01");
    assert_int_equal(back.planned, 2);
    assert_int_equal(back.applied, 1);
    assert_int_equal(back.drift, 2);
    assert_int_equal(back.nchanges, 2);
    assert_string_equal(back.changes[0].cls, "MSFT_SIPStaticRoutingSetting");
    assert_string_equal(back.changes[0].key, "sip:*@example.com");
    assert_string_equal(back.changes[0].rule, "R6");
    assert_int_equal(back.changes[0].applied, 1);
    assert_string_equal(back.changes[1].action, "restart");
    assert_int_equal(back.changes[1].applied, 0);
    assert_int_equal(back.nerrors, 1);
    assert_string_equal(back.errors[0].message, "quote \" and newline \n");
    assert_string_equal(back.errors[0].rule, "");
    assert_int_equal(back.restart_pending, 1);
    assert_null(back.refusal_reason);
    report_free(&back);

    assert_int_equal(report_set_refusal(&r, "older_serial", "serial 3 is older", &e), OFD_OK);
    assert_int_equal(report_write("report-share/reports", &r, &e), OFD_OK);
    assert_int_equal(report_read_file("report-share/reports/fe1.example.com.json", &back, &e), OFD_OK);
    assert_int_equal(back.status, REPORT_REFUSED);
    assert_string_equal(back.refusal_reason, "older_serial");
    assert_string_equal(back.refusal_message, "serial 3 is older");
    report_free(&back);
    report_free(&r);

    /* The server name becomes a file name: nothing that could leave the folder. */
    make(&r, "../evil", NOW, REPORT_CONVERGED);
    assert_int_equal(report_write("report-share/reports", &r, &e), OFD_E_INVALID);
    assert_memory_equal(e.msg, "cannot name a report after '../evil': ", 38);
    report_free(&r);
}

static enum ofd_code parse(const char *text, ofd_err *e)
{
    struct report r;
    enum ofd_code rc = report_parse(text, strlen(text), &r, e);

    if (rc == OFD_OK)
        report_free(&r);
    return rc;
}

#define GOOD_HEAD                                                                   \
    "{\"format\": 1, \"server\": \"a.example.com\", \"agent_version\": \"0.1.0\", " \
    "\"time\": \"2026-11-24T19:00:00Z\", \"mode\": \"apply\", "
#define GOOD_TAIL                                                   \
    "\"manifest\": {\"serial\": 1, \"sha256\": null}, "             \
    "\"summary\": {\"planned\": 0, \"applied\": 0, \"drift\": 0}, " \
    "\"changes\": [], \"errors\": [], \"restart_pending\": false, \"refusal\": null}"

static void reader_is_strict(void **state)
{
    ofd_err e;
    char *big;

    (void)state;
    assert_int_equal(parse(GOOD_HEAD "\"status\": \"converged\", " GOOD_TAIL, &e), OFD_OK);
    assert_int_equal(parse(GOOD_HEAD "\"status\": \"silent\", " GOOD_TAIL, &e), OFD_E_INVALID);
    assert_string_equal(e.msg, "unknown 'status'");
    assert_int_equal(parse(GOOD_HEAD "\"status\": 3, " GOOD_TAIL, &e), OFD_E_INVALID);
    assert_string_equal(e.msg, "'status' is missing, not a string or too long");
    assert_int_equal(parse("[[[[[[[[[[]]]]]]]]]]", &e), OFD_E_INVALID);
    assert_string_equal(e.msg, "nested deeper than 5 levels");
    assert_int_equal(parse("{\"a\": \"[[[[[[[[\"}", &e), OFD_E_INVALID); /* strings do not nest */
    assert_string_equal(e.msg, "'format' is not 1");
    assert_int_equal(parse("{\"format\": 1", &e), OFD_E_INVALID);
    assert_string_equal(e.msg, "not a JSON object");
    assert_int_equal(parse(GOOD_HEAD "\"status\": \"converged\", \"manifest\": {\"serial\": -1}}", &e), OFD_E_INVALID);
    assert_string_equal(e.msg, "'serial' is missing or not a whole number >= 0");
    assert_int_equal(parse("{\"format\": 1, \"server\": \"a\", \"agent_version\": \"1\", \"time\": "
                           "\"yesterday\"}",
                           &e),
                     OFD_E_INVALID);
    assert_string_equal(e.msg, "'time' is not YYYY-MM-DDTHH:MM:SSZ");
    assert_int_equal(parse(GOOD_HEAD "\"status\": \"converged\", \"manifest\": {\"serial\": 1}, "
                                     "\"summary\": {\"planned\": 0, \"applied\": 0, \"drift\": 0}, "
                                     "\"changes\": [1], \"errors\": [], \"restart_pending\": false}",
                           &e),
                     OFD_E_INVALID);
    assert_string_equal(e.msg, "a change is not an object");
    big = calloc(REPORT_MAX_BYTES + 2, 1);
    assert_non_null(big);
    memset(big, ' ', REPORT_MAX_BYTES + 1);
    assert_int_equal(report_parse(big, REPORT_MAX_BYTES + 1, &(struct report){0}, &e), OFD_E_INVALID);
    assert_string_equal(e.msg, "larger than the limit of 1048576 bytes");
    free(big);
}

/* A probe's result, as a check of the agent puts it in the report (probe.h). */
static void two_checks(struct probe_result *pr)
{
    static struct probe_check v[2];

    memset(v, 0, sizeof(v));
    memset(pr, 0, sizeof(*pr));
    snprintf(v[0].node, sizeof(v[0].node), "imp1.example.com");
    v[0].step = PROBE_TCP;
    v[0].verdict = PROBE_PASS;
    snprintf(v[0].rule, sizeof(v[0].rule), "R6");
    snprintf(v[0].target, sizeof(v[0].target), "10.10.0.11:5061");
    snprintf(v[0].text, sizeof(v[0].text), "connected in 2 ms");
    snprintf(v[1].node, sizeof(v[1].node), "imp1.example.com");
    v[1].step = PROBE_TLS;
    v[1].verdict = PROBE_FAIL;
    snprintf(v[1].rule, sizeof(v[1].rule), "R13");
    snprintf(v[1].target, sizeof(v[1].target), "10.10.0.11:5061");
    snprintf(v[1].cause, sizeof(v[1].cause), "untrusted");
    snprintf(v[1].text, sizeof(v[1].text), "the peer's certificate: \x01 not trusted");
    pr->v = v;
    pr->n = 2;
    pr->passed = pr->failed = 1;
    snprintf(pr->tls, sizeof(pr->tls), "schannel");
}

/* The probe's result rides in the report; a report without one is read as before. */
static void probe_results_in_the_report(void **state)
{
    struct report r, back;
    struct probe_result pr;
    ofd_err e;

    (void)state;
    two_checks(&pr);
    make(&r, "fe1.example.com", NOW, REPORT_FAILING);
    assert_int_equal(report_add_error(&r, "reverted: probe failed: FAIL tls ...", "R13", &e), OFD_OK);
    assert_int_equal(report_set_probe(&r, &pr, &e), OFD_OK);
    assert_int_equal(ofd_make_dir("report-probe", &e), OFD_OK);
    assert_int_equal(report_write("report-probe/reports", &r, &e), OFD_OK);
    report_free(&r);
    assert_int_equal(report_read_file("report-probe/reports/fe1.example.com.json", &back, &e), OFD_OK);
    assert_non_null(back.probe);
    assert_int_equal(back.probe->passed, 0);
    assert_string_equal(back.probe->tls, "schannel");
    assert_int_equal(back.probe->n, 2);
    assert_string_equal(back.probe->v[0].check, "tcp");
    assert_string_equal(back.probe->v[0].result, "pass");
    assert_string_equal(back.probe->v[1].check, "tls");
    assert_string_equal(back.probe->v[1].result, "fail");
    assert_string_equal(back.probe->v[1].rule, "R13");
    assert_string_equal(back.probe->v[1].target, "10.10.0.11:5061");
    assert_string_equal(back.probe->v[1].cause, "untrusted");
    assert_string_equal(back.probe->v[1].message, "the peer's certificate: \x01 not trusted");
    report_free(&back);
    /* Without a probe: none. */
    assert_int_equal(report_parse(GOOD_HEAD "\"status\": \"converged\", " GOOD_TAIL,
                                  strlen(GOOD_HEAD "\"status\": \"converged\", " GOOD_TAIL), &back, &e),
                     OFD_OK);
    assert_null(back.probe);
    report_free(&back);
    /* Strict when there is one. */
    assert_int_equal(parse(GOOD_HEAD "\"status\": \"converged\", \"probe\": null, " GOOD_TAIL, &e), OFD_OK);
    assert_int_equal(parse(GOOD_HEAD "\"status\": \"converged\", \"probe\": 3, " GOOD_TAIL, &e), OFD_E_INVALID);
    assert_string_equal(e.msg, "'probe' is neither null nor an object");
    assert_int_equal(parse(GOOD_HEAD
                           "\"status\": \"converged\", \"probe\": {\"passed\": true, \"tls\": \"\", "
                           "\"checks\": [{\"node\": \"a\", \"check\": \"tcp\", \"result\": \"maybe\", "
                           "\"rule\": \"\", \"target\": \"x\", \"cause\": \"\", \"message\": \"\"}]}, " GOOD_TAIL,
                           &e),
                     OFD_E_INVALID);
    assert_string_equal(e.msg, "a probe check's 'result' is not pass, fail or skip");
    assert_int_equal(parse(GOOD_HEAD "\"status\": \"converged\", \"probe\": {\"passed\": true, \"tls\": \"\", "
                                     "\"checks\": [7]}, " GOOD_TAIL,
                           &e),
                     OFD_E_INVALID);
    assert_string_equal(e.msg, "a probe check is not an object");
}

static void classification_uses_now(void **state)
{
    struct report r;

    (void)state;
    make(&r, "a.example.com", NOW - 900, REPORT_DRIFTING);
    assert_int_equal(report_classify(&r, NOW, 900), REPORT_DRIFTING);
    assert_int_equal(report_classify(&r, NOW + 1, 900), REPORT_SILENT);
    r.time = NOW + 300; /* a clock a little ahead is tolerated, far ahead is not */
    assert_int_equal(report_classify(&r, NOW, 900), REPORT_DRIFTING);
    r.time = NOW + 301; /* far ahead: the server's clock, not silence */
    assert_int_equal(report_classify(&r, NOW, 900), REPORT_FUTURE);
    report_free(&r);
}

static void put(const char *share, const char *server, long long t, enum report_status st,
                void (*more)(struct report *))
{
    struct report r;
    ofd_err e;

    struct strbuf dir = {0};

    make(&r, server, t, st);
    if (more)
        more(&r);
    sb_printf(&dir, "%s/reports", share);
    assert_int_equal(report_write(sb_str(&dir), &r, &e), OFD_OK);
    sb_free(&dir);
    report_free(&r);
}

static void drift3(struct report *r)
{
    r->monitor = 1;
    r->drift = r->planned = 3;
}
static void restart2(struct report *r)
{
    r->applied = 2;
    r->restart_pending = 1;
}
static void fail1(struct report *r)
{
    ofd_err e;
    assert_int_equal(report_add_error(r, "WMI: access denied", "R6", &e), OFD_OK);
}
static void probe_failed(struct report *r)
{
    struct probe_result pr;
    ofd_err e;

    two_checks(&pr);
    assert_int_equal(report_add_error(r, "reverted: probe failed", "R13", &e), OFD_OK);
    assert_int_equal(report_set_probe(r, &pr, &e), OFD_OK);
}
static void refused(struct report *r)
{
    ofd_err e;
    assert_int_equal(report_set_refusal(r, "older_serial", "serial 11 is older than 12", &e), OFD_OK);
}

/* The reports folder as status lists it: regular files only, sorted, bounded. */
static void folder_listing(void **state)
{
    static const char *const files[] = {"report-list/c.json", "report-list/a.json", "report-list/b.json"};
    char **names = NULL;
    size_t n = 0, i;
    ofd_err e;

    (void)state;
    testutil_empty_dir("report-list");
    assert_int_equal(ofd_make_dir("report-list", &e), OFD_OK);
    assert_int_equal(ofd_make_dir("report-list/sub.json", &e), OFD_OK);
    for (i = 0; i < 3; i++)
        assert_int_equal(ofd_write_file_atomic(files[i], "{}", 2, &e), OFD_OK);
    assert_int_equal(ofd_list_dir("report-list", 3, &names, &n, &e), OFD_OK);
    assert_int_equal(n, 3);
    assert_string_equal(names[0], "a.json");
    assert_string_equal(names[1], "b.json");
    assert_string_equal(names[2], "c.json");
    ofd_names_free(names, n);
    names = NULL;
    assert_int_equal(ofd_list_dir("report-list", 2, &names, &n, &e), OFD_E_INVALID);
    assert_null(names);
    assert_string_equal(e.msg, "the folder 'report-list' holds more than 2 files");
    assert_int_equal(ofd_list_dir("report-list/none", 2, &names, &n, &e), OFD_E_IO);
    assert_non_null(strstr(e.msg, "cannot read the folder 'report-list/none'"));
    testutil_empty_dir("report-list");
}

static char table[8192];

static int status_of(const char *share, long long stale, struct report_fleet *f)
{
    struct strbuf dir = {0};
    FILE *out;
    size_t n;
    ofd_err e;

    sb_printf(&dir, "%s/reports", share);
    assert_int_equal(report_fleet_load(sb_str(&dir), NOW, stale, f, &e), OFD_OK);
    sb_free(&dir);
    out = fopen("report-table.txt", "w+b");
    assert_non_null(out);
    report_fleet_print(f, out);
    rewind(out);
    n = fread(table, 1, sizeof(table) - 1, out);
    table[n] = '\0';
    fclose(out);
    return report_fleet_exit(f);
}

static void fleet_table(void **state)
{
    struct report_fleet f;
    ofd_err e;
    const char *want =
        "SERVER                                   STATUS            SERIAL     AGE  SUMMARY\n"
        "a.example.com                            converged             12     60s  0 applied, apply\n"
        "b.example.com                            drifting              12      2m  3 changes found (monitor mode)\n"
        "c.example.com                            pending_restart       12     30s  2 applied; Front End restart waits "
        "for the maintenance window\n"
        "d.example.com                            failing               12     10s  1 error, first: WMI: access "
        "denied\n"
        "d2.example.com                           failing               12     10s  1 error, first: reverted: probe "
        "failed\n"
        "    probe: FAIL tls imp1.example.com 10.10.0.11:5061 [R13] untrusted\n"
        "e.example.com                            refused               12      5s  manifest refused (older_serial): "
        "serial 11 is older than 12\n"
        "f.example.com                            silent                12      3h  no report for too long; last said "
        "converged\n"
        "g.example.com.json                       unreadable             -       -  unreadable: not a JSON object\n"
        "h.example.com.json                       unreadable             -       -  unreadable: the report is about "
        "'a.example.com', not the file's server\n"
        "9 servers: 1 converged, 1 drifting, 1 pending_restart, 2 failing, 1 refused, 1 silent, 2 unreadable (silent: "
        "no report for 900s)\n";

    (void)state;
    assert_int_equal(ofd_make_dir("report-fleet", &e), OFD_OK);
    assert_int_equal(ofd_make_dir("report-fleet/reports", &e), OFD_OK);
    testutil_empty_dir("report-fleet/reports");
    assert_int_equal(report_fleet_load("report-fleet/reports", NOW, 900, &f, &e), OFD_OK);
    assert_int_equal(f.n, 0);
    assert_int_equal(report_fleet_exit(&f), 1); /* nobody reported */
    report_fleet_free(&f);

    put("report-fleet", "a.example.com", NOW - 60, REPORT_CONVERGED, NULL);
    assert_int_equal(status_of("report-fleet", 900, &f), 0);
    report_fleet_free(&f);
    put("report-fleet", "b.example.com", NOW - 120, REPORT_DRIFTING, drift3);
    put("report-fleet", "c.example.com", NOW - 30, REPORT_PENDING_RESTART, restart2);
    assert_int_equal(status_of("report-fleet", 900, &f), 2);
    report_fleet_free(&f);
    put("report-fleet", "d.example.com", NOW - 10, REPORT_FAILING, fail1);
    put("report-fleet", "d2.example.com", NOW - 10, REPORT_FAILING, probe_failed);
    put("report-fleet", "e.example.com", NOW - 5, REPORT_REFUSED, refused);
    put("report-fleet", "f.example.com", NOW - 3 * 3600, REPORT_CONVERGED, NULL);
    assert_int_equal(testcert_write_file("report-fleet/reports/g.example.com.json", "{", 1), 0);
    assert_int_equal(testcert_write_file("report-fleet/reports/i.example.com.json.tmp", "{", 1), 0);
    {
        char *text = NULL;
        size_t len = 0;
        assert_int_equal(ofd_read_file("report-fleet/reports/a.example.com.json", REPORT_MAX_BYTES, &text, &len, &e),
                         OFD_OK);
        assert_int_equal(testcert_write_file("report-fleet/reports/h.example.com.json", text, len), 0);
        free(text);
    }
    assert_int_equal(status_of("report-fleet", 900, &f), 1);
    assert_string_equal(table, want);
    assert_int_equal(f.counts[REPORT_SILENT], 1);
    report_fleet_free(&f);
    /* With a longer threshold f is no longer silent. */
    assert_int_equal(status_of("report-fleet", 4 * 3600, &f), 1);
    assert_int_equal(f.counts[REPORT_SILENT], 0);
    assert_int_equal(f.counts[REPORT_CONVERGED], 2);
    report_fleet_free(&f);

    assert_int_equal(report_fleet_load("no-such-share/reports", NOW, 900, &f, &e), OFD_E_IO);
}

/* A report dated more than 5 minutes ahead says the server's clock is wrong: its own
 * status and wording, not "no report for too long", and still a failing exit status. */
static void a_future_dated_report_is_a_clock_problem(void **state)
{
    struct report_fleet f;
    ofd_err e;

    (void)state;
    assert_int_equal(ofd_make_dir("report-future", &e), OFD_OK);
    assert_int_equal(ofd_make_dir("report-future/reports", &e), OFD_OK);
    testutil_empty_dir("report-future/reports");
    put("report-future", "a.example.com", NOW - 60, REPORT_CONVERGED, NULL);
    put("report-future", "fe1.example.com", NOW + 2 * 3600 + 5, REPORT_CONVERGED, NULL);
    assert_int_equal(status_of("report-future", 900, &f), 1);
    assert_int_equal(f.counts[REPORT_FUTURE], 1);
    assert_int_equal(f.counts[REPORT_SILENT], 0);
    assert_string_equal(
        table,
        "SERVER                                   STATUS            SERIAL     AGE  SUMMARY\n"
        "a.example.com                            converged             12     60s  0 applied, apply\n"
        "fe1.example.com                          future_dated          12  future  dated 2h in the future: check "
        "the clock of fe1.example.com; last said converged\n"
        "2 servers: 1 converged, 0 drifting, 0 pending_restart, 0 failing, 0 refused, 0 silent, 1 future_dated "
        "(silent: no report for 900s)\n");
    report_fleet_free(&f);
    /* Ten minutes ahead reads in minutes. */
    put("report-future", "fe1.example.com", NOW + 600, REPORT_DRIFTING, drift3);
    assert_int_equal(status_of("report-future", 900, &f), 1);
    assert_non_null(strstr(table, "dated 10m in the future: check the clock of fe1.example.com; last said drifting\n"));
    report_fleet_free(&f);
    testutil_empty_dir("report-future/reports");
}

static int status_cmd(int argc, const char *a1, const char *a2, const char *a3)
{
    char *argv[] = {(char *)"ocsfed", (char *)"status", (char *)a1, (char *)a2, (char *)a3, NULL};
    FILE *out = fopen("report-out.txt", "w+b"), *err = fopen("report-err.txt", "w+b");
    size_t got;
    int rc;

    assert_non_null(out);
    assert_non_null(err);
    rc = cli_main(argc, argv, out, err);
    rewind(out);
    got = fread(table, 1, sizeof(table) - 1, out);
    table[got] = '\0';
    fclose(out);
    fclose(err);
    return rc;
}

/* The command on the real clock: exit statuses and the table's header. */
static void status_command(void **state)
{
    ofd_err e;

    (void)state;
    assert_int_equal(ofd_make_dir("report-cmd", &e), OFD_OK);
    assert_int_equal(ofd_make_dir("report-cmd/reports", &e), OFD_OK);
    testutil_empty_dir("report-cmd/reports");
    assert_int_equal(status_cmd(3, "report-cmd", NULL, NULL), 1); /* no reports */
    put("report-cmd", "a.example.com", (long long)time(NULL), REPORT_CONVERGED, NULL);
    assert_int_equal(status_cmd(3, "report-cmd", NULL, NULL), 0);
    /* No manifest.json in the share: the reports alone, said so above the table. */
    assert_memory_equal(table, "Manifest: no published manifest (report-cmd/manifest.json is not there)", 71);
    assert_non_null(strstr(table, "\nSERVER "));
    assert_non_null(strstr(table, "\na.example.com "));
    assert_non_null(strstr(table, "1 server: 1 converged, 0 drifting,"));
    put("report-cmd", "b.example.com", (long long)time(NULL) - 100, REPORT_DRIFTING, drift3);
    assert_int_equal(status_cmd(5, "report-cmd", "--stale-after", "3600"), 2);
    assert_int_equal(status_cmd(5, "report-cmd", "--stale-after", "60"), 1); /* b is silent */
    assert_non_null(strstr(table, "(silent: no report for 60s)"));
    assert_int_equal(status_cmd(5, "report-cmd", "--stale-after", "soon"), 2);
    assert_int_equal(status_cmd(2, NULL, NULL, NULL), 2);
    assert_int_equal(status_cmd(3, "no-such-share", NULL, NULL), 1);
    /* Reports kept apart from the manifest folder (the agents' REPORTS_PATH). */
    assert_int_equal(status_cmd(5, "no-such-share", "--reports", "report-cmd/reports"), 2);
    assert_non_null(strstr(table, "\nb.example.com "));
}

/* A plan's changes go into the report as they are, unchanged items left out. */
static void plan_into_report(void **state)
{
    struct strbuf mp = {0}, np = {0};
    struct manifest *m = NULL;
    struct diags d = {0};
    struct node node;
    struct plan p;
    struct report r;
    size_t i, k = 0;
    ofd_err e;

    (void)state;
    sb_printf(&mp, "%s/tcp-standard.json", examples);
    sb_printf(&np, "%s/nodes/ocs-se1.json", examples);
    assert_int_equal(manifest_load(sb_str(&mp), 0, &m, &d, &e), OFD_OK);
    assert_int_equal(simnode_open(sb_str(&np), &node, &e), OFD_OK);
    assert_int_equal(plan_make(m, &node, &(struct plan_options){.now = NOW}, &p, &e), OFD_OK);
    make(&r, "ocs-se1.example.com", NOW, REPORT_DRIFTING);
    assert_int_equal(report_add_plan(&r, &p, 0, &e), OFD_OK);
    assert_true(r.planned > 0);
    assert_int_equal(r.planned, p.n - p.counts[PLAN_UNCHANGED]);
    assert_int_equal(r.drift, r.planned);
    assert_int_equal(r.applied, 0);
    assert_int_equal(r.nchanges, r.planned);
    for (i = 0; i < p.n; i++) {
        if (p.v[i].action == PLAN_UNCHANGED)
            continue;
        assert_string_equal(r.changes[k].action, plan_action_name(p.v[i].action));
        assert_string_equal(r.changes[k].cls, p.v[i].cls);
        assert_string_equal(r.changes[k].key, p.v[i].key);
        assert_string_equal(r.changes[k].rule, p.v[i].rule ? p.v[i].rule : "");
        assert_int_equal(r.changes[k].applied, 0);
        k++;
    }
    report_free(&r);
    plan_free(&p);
    node_close(&node);
    manifest_free(m);
    diags_free(&d);
    sb_free(&mp);
    sb_free(&np);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(times_are_utc_iso8601),
        cmocka_unit_test(write_and_read_back),
        cmocka_unit_test(reader_is_strict),
        cmocka_unit_test(classification_uses_now),
        cmocka_unit_test(fleet_table),
        cmocka_unit_test(plan_into_report),
        cmocka_unit_test(status_command),
        cmocka_unit_test(folder_listing),
        cmocka_unit_test(a_future_dated_report_is_a_clock_problem),
        cmocka_unit_test(probe_results_in_the_report),
    };

    if (argc > 1)
        examples = argv[1];
    return cmocka_run_group_tests(tests, NULL, NULL);
}
