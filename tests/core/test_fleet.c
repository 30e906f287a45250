/* The fleet view of `ocsfed status SHARE`, driven by the published manifest: one row per
 * server it names (no report, behind, converged at its serial), reports of servers it
 * does not name apart, verified with --signer or labelled UNVERIFIED, a refused manifest,
 * the --json object read back, and the --html page with a hostile report. Each share is
 * a folder of the test's working directory: manifest.json signed by a publisher made
 * here, and reports/<fqdn>.json written by the agent's own report writer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "cs.h"
#include "fleet.h"
#include "fsutil.h"
#include "probe.h"
#include "report.h"
#include "strbuf.h"
#include "testcert.h"
#include "testutil.h"
#include "trust.h"

static struct testcert publisher, intruder;
static char tp_pub[41], tp_other[41];

static int setup(void **state)
{
    static const struct testcert_opts ec = {.ec_key = 1};
    unsigned char tp[CS_SHA1_LEN];

    (void)state;
    if (testcert_ca_opts("fleet publisher", 30, &ec, &publisher) != 0
        || testcert_ca_opts("fleet intruder", 30, &ec, &intruder) != 0 || testcert_sha1(&publisher, tp) != 0)
        return -1;
    cs_thumbprint_hex(tp, tp_pub);
    if (testcert_sha1(&intruder, tp) != 0)
        return -1;
    cs_thumbprint_hex(tp, tp_other);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    testcert_free(&publisher);
    testcert_free(&intruder);
    return 0;
}

/* A fresh share: manifest.json for an Enterprise Edition pool of the servers named in
 * `servers` (a JSON list's inside), serial `serial`, a UTC window every day 02:00-04:00,
 * signed by the publisher; its SHA-256 in sha_hex. No reports yet. */
static void publish(const char *share, const char *servers, long long serial, char sha_hex[65])
{
    struct strbuf path = {0}, text = {0};
    unsigned char *sig = NULL, d[CS_SHA256_LEN];
    size_t sig_len = 0;
    ofd_err e;

    assert_int_equal(ofd_make_dir(share, &e), OFD_OK);
    sb_printf(&path, "%s/reports", share);
    assert_int_equal(ofd_make_dir(sb_str(&path), &e), OFD_OK);
    testutil_empty_dir(sb_str(&path));
    sb_printf(&text,
              "{\n  \"manifest_version\": 1,\n  \"serial\": %lld,\n"
              "  \"imp\": {\"transport\": \"tcp\", \"domains\": [\"example.com\"],\n"
              "          \"nodes\": [{\"fqdn\": \"imp1.example.com\", \"ip\": \"10.10.0.11\"}]},\n"
              "  \"ocs\": {\"edition\": \"enterprise\", \"pool_fqdn\": \"pool.example.com\",\n"
              "          \"servers\": [%s], \"sip_domains\": [\"example.com\"]},\n"
              "  \"maintenance_window\": {\"days\": [\"mon\", \"tue\", \"wed\", \"thu\", \"fri\", \"sat\", \"sun\"],\n"
              "                         \"start\": \"02:00\", \"end\": \"04:00\", \"timezone\": \"utc\"}\n}\n",
              serial, servers);
    assert_false(text.oom);
    sb_truncate(&path, 0);
    sb_printf(&path, "%s/manifest.json", share);
    assert_int_equal(ofd_write_file_atomic(sb_str(&path), sb_str(&text), text.len, &e), OFD_OK);
    assert_int_equal(
        trust_sign((const unsigned char *)sb_str(&text), text.len, publisher.key, publisher.x, &sig, &sig_len, &e),
        OFD_OK);
    sb_printf(&path, ".p7s");
    assert_int_equal(ofd_write_file_atomic(sb_str(&path), (const char *)sig, sig_len, &e), OFD_OK);
    assert_int_equal(cs_sha256(sb_str(&text), text.len, d, &e), OFD_OK);
    cs_sha256_hex(d, sha_hex);
    free(sig);
    sb_free(&text);
    sb_free(&path);
}

/* A report of server in share/reports, dated t, about the manifest serial/sha (sha
 * NULL: none), with the status and whatever more() adds. */
static void put_at(const char *share, const char *server, long long t, enum report_status st, long long serial,
                   const char *sha, void (*more)(struct report *))
{
    struct report r;
    struct strbuf dir = {0};
    ofd_err e;

    assert_int_equal(report_init(&r, server, t, 0, &e), OFD_OK);
    r.status = st;
    r.serial = serial;
    if (sha)
        assert_non_null(r.sha256 = ofd_strdup(sha));
    if (more)
        more(&r);
    sb_printf(&dir, "%s/reports", share);
    assert_int_equal(report_write(sb_str(&dir), &r, &e), OFD_OK);
    sb_free(&dir);
    report_free(&r);
}

/* The same, dated `ago` seconds before the real clock's now (for the command). */
static void put(const char *share, const char *server, long long ago, enum report_status st, long long serial,
                const char *sha, void (*more)(struct report *))
{
    put_at(share, server, (long long)time(NULL) - ago, st, serial, sha, more);
}

static void pending2(struct report *r)
{
    ofd_err e;

    r->applied = r->planned = r->drift = 2;
    r->restart_pending = 1;
    assert_int_equal(report_add_change(r, "create", "MSFT_SIPStaticRoutingSetting", "sip:*@example.com", "R6", 1, &e),
                     OFD_OK);
    assert_int_equal(report_add_change(r, "restart", "service", "RTCSRV", "R19", 0, &e), OFD_OK);
}

static void failing1(struct report *r)
{
    ofd_err e;

    assert_int_equal(report_add_error(r, "WMI: access denied", "R6", &e), OFD_OK);
}

#define HOSTILE "<script>alert(1)</script><img src=x onerror=alert(2)>"

static void hostile(struct report *r)
{
    ofd_err e;

    r->monitor = 1;
    r->planned = r->drift = 1;
    assert_int_equal(report_add_change(r, "create", "MSFT_SIPStaticRoutingSetting", HOSTILE, "R6\"><b>", 0, &e),
                     OFD_OK);
    assert_int_equal(report_add_error(r, "</td></tr></table><script>alert(3)</script>", "R6", &e), OFD_OK);
}

/* A probe after the apply: TCP passed, TLS failed (an untrusted peer, R13), its text
 * hostile for the page. */
static void probe_failed(struct report *r)
{
    static struct probe_check v[2];
    struct probe_result pr;
    ofd_err e;

    memset(v, 0, sizeof(v));
    memset(&pr, 0, sizeof(pr));
    snprintf(v[0].node, sizeof(v[0].node), "imp1.example.com");
    v[0].step = PROBE_TCP;
    v[0].verdict = PROBE_PASS;
    snprintf(v[0].rule, sizeof(v[0].rule), "R6");
    snprintf(v[0].target, sizeof(v[0].target), "10.10.0.11:5061");
    snprintf(v[1].node, sizeof(v[1].node), "imp1.example.com");
    v[1].step = PROBE_TLS;
    v[1].verdict = PROBE_FAIL;
    snprintf(v[1].rule, sizeof(v[1].rule), "R13");
    snprintf(v[1].target, sizeof(v[1].target), "10.10.0.11:5061");
    snprintf(v[1].cause, sizeof(v[1].cause), "untrusted");
    snprintf(v[1].text, sizeof(v[1].text), "issuer <script>alert(5)</script> is not trusted");
    pr.v = v;
    pr.n = 2;
    pr.passed = pr.failed = 1;
    snprintf(pr.tls, sizeof(pr.tls), "openssl");
    assert_int_equal(report_add_error(r, "reverted: probe failed: FAIL tls imp1.example.com", "R13", &e), OFD_OK);
    assert_int_equal(report_set_probe(r, &pr, &e), OFD_OK);
}

/* The line of the output that starts with server followed by a space, or "". */
static const char *line_of(const char *out, const char *server)
{
    static char line[1024];
    const char *p = out;
    size_t n = strlen(server), k;

    line[0] = '\0';
    while (p && *p) {
        if (strncmp(p, server, n) == 0 && p[n] == ' ') {
            for (k = 0; p[k] && p[k] != '\n' && k + 1 < sizeof(line); k++)
                line[k] = p[k];
            line[k] = '\0';
            break;
        }
        p = strchr(p, '\n');
        if (p)
            p++;
    }
    return line;
}

#define SERVERS2 "\"fe1.example.com\", \"fe2.example.com\""
#define SERVERS3 "\"fe1.example.com\", \"fe2.example.com\", \"fe3.example.com\""

/* The case: the manifest names two servers, one reported. Not "all converged". */
static void a_named_server_that_never_reported_fails(void **state)
{
    char sha[65];

    (void)state;
    publish("fleet-never", SERVERS2, 12, sha);
    put("fleet-never", "fe1.example.com", 60, REPORT_CONVERGED, 12, sha, NULL);
    assert_int_equal(testutil_ocsfed("status", "fleet-never", "--signer", tp_pub, NULL), 1);
    assert_non_null(strstr(line_of(testutil_out, "fe1.example.com"), " converged "));
    assert_non_null(strstr(line_of(testutil_out, "fe2.example.com"), " no_report "));
    assert_non_null(strstr(testutil_out, "1 no_report"));
    /* Once it reports at the published serial, the fleet is converged. */
    put("fleet-never", "fe2.example.com", 30, REPORT_CONVERGED, 12, sha, NULL);
    assert_int_equal(testutil_ocsfed("status", "fleet-never", "--signer", tp_pub, NULL), 0);
    assert_non_null(strstr(line_of(testutil_out, "fe2.example.com"), " converged "));
}

/* A report from a server the manifest does not name is listed apart and does not count. */
static void unnamed_reports_are_shown_apart(void **state)
{
    char sha[65];
    const char *apart, *row;

    (void)state;
    publish("fleet-apart", SERVERS2, 12, sha);
    put("fleet-apart", "fe1.example.com", 60, REPORT_CONVERGED, 12, sha, NULL);
    put("fleet-apart", "fe2.example.com", 60, REPORT_CONVERGED, 12, sha, NULL);
    put("fleet-apart", "old.example.com", 60, REPORT_FAILING, 9, NULL, failing1);
    assert_int_equal(testutil_ocsfed("status", "fleet-apart", "--signer", tp_pub, NULL), 0);
    assert_non_null(apart = strstr(testutil_out, "not in the published manifest"));
    assert_non_null(row = strstr(testutil_out, "\nold.example.com "));
    assert_true(row > apart);
    assert_true(strstr(testutil_out, "\nfe2.example.com ") < apart);
}

/* A server that applied an older serial than the published one is behind: exit 2. */
static void an_older_serial_is_behind(void **state)
{
    char sha[65];
    const char *row;

    (void)state;
    publish("fleet-behind", SERVERS2, 12, sha);
    put("fleet-behind", "fe1.example.com", 60, REPORT_CONVERGED, 12, sha, NULL);
    put("fleet-behind", "fe2.example.com", 60, REPORT_CONVERGED, 11, "00ff", NULL);
    assert_int_equal(testutil_ocsfed("status", "fleet-behind", "--signer", tp_pub, NULL), 2);
    row = line_of(testutil_out, "fe2.example.com");
    assert_non_null(strstr(row, " behind "));
    assert_non_null(strstr(row, " 12 "));
    assert_non_null(strstr(row, " 11 "));
    /* The published serial with other bytes is not that manifest either. */
    put("fleet-behind", "fe2.example.com", 60, REPORT_CONVERGED, 12, "00ff", NULL);
    assert_int_equal(testutil_ocsfed("status", "fleet-behind", "--signer", tp_pub, NULL), 1);
    assert_non_null(strstr(line_of(testutil_out, "fe2.example.com"), " other_manifest "));
}

/* Without --signer the manifest is read and validated but the view says UNVERIFIED;
 * with it, verified as the agent does, and another publisher's signature is refused. */
static void verified_only_with_the_signer(void **state)
{
    char sha[65];

    (void)state;
    publish("fleet-verify", SERVERS2, 12, sha);
    put("fleet-verify", "fe1.example.com", 60, REPORT_CONVERGED, 12, sha, NULL);
    put("fleet-verify", "fe2.example.com", 60, REPORT_CONVERGED, 12, sha, NULL);
    assert_int_equal(testutil_ocsfed("status", "fleet-verify", NULL), 0);
    assert_non_null(strstr(testutil_out, "UNVERIFIED"));
    assert_non_null(strstr(testutil_out, "serial 12"));
    assert_int_equal(testutil_ocsfed("status", "fleet-verify", "--signer", tp_pub, NULL), 0);
    assert_null(strstr(testutil_out, "UNVERIFIED"));
    assert_non_null(strstr(testutil_out, "verified"));
    assert_non_null(strstr(testutil_out, tp_pub));
    /* Pinned to someone else: refused, the reports still shown, exit 1. */
    assert_int_equal(testutil_ocsfed("status", "fleet-verify", "--signer", tp_other, NULL), 1);
    assert_non_null(strstr(testutil_out, "REFUSED (untrusted_signer)"));
    assert_non_null(strstr(line_of(testutil_out, "fe1.example.com"), " converged "));
    assert_int_equal(testutil_ocsfed("status", "fleet-verify", "--signer", "not-a-thumbprint", NULL), 2);
}

/* The published manifest changed after signing: refused, reports shown, exit 1. Not
 * signed at all: refused with --signer; without it, still UNVERIFIED. Not valid: refused
 * both ways. */
static void a_tampered_manifest_is_refused(void **state)
{
    char sha[65], *text = NULL, *p;
    size_t len = 0;
    ofd_err e;

    (void)state;
    publish("fleet-tamper", SERVERS2, 12, sha);
    put("fleet-tamper", "fe1.example.com", 60, REPORT_CONVERGED, 12, sha, NULL);
    put("fleet-tamper", "fe2.example.com", 60, REPORT_CONVERGED, 12, sha, NULL);
    assert_int_equal(ofd_read_file("fleet-tamper/manifest.json", 1u << 20, &text, &len, &e), OFD_OK);
    assert_non_null(p = strstr(text, "\"serial\": 12"));
    p[11] = '3'; /* serial 13, same length */
    assert_int_equal(ofd_write_file_atomic("fleet-tamper/manifest.json", text, len, &e), OFD_OK);
    assert_int_equal(testutil_ocsfed("status", "fleet-tamper", "--signer", tp_pub, NULL), 1);
    assert_non_null(strstr(testutil_out, "REFUSED (torn)"));
    assert_non_null(strstr(testutil_out, "does not match its signature"));
    assert_non_null(strstr(line_of(testutil_out, "fe1.example.com"), " converged "));
    assert_non_null(strstr(line_of(testutil_out, "fe2.example.com"), " converged "));

    remove("fleet-tamper/manifest.json.p7s");
    assert_int_equal(testutil_ocsfed("status", "fleet-tamper", "--signer", tp_pub, NULL), 1);
    assert_non_null(strstr(testutil_out, "REFUSED (unsigned)"));

    p = strstr(text, "\"pool_fqdn\"");
    assert_non_null(p);
    memcpy(p + 14, "no pool", 7); /* "pool.ex" -> "no pool": not an FQDN */
    assert_int_equal(ofd_write_file_atomic("fleet-tamper/manifest.json", text, len, &e), OFD_OK);
    assert_int_equal(testutil_ocsfed("status", "fleet-tamper", NULL), 1);
    assert_non_null(strstr(testutil_out, "REFUSED (invalid)"));
    assert_non_null(strstr(testutil_out, "/ocs/pool_fqdn"));
    assert_non_null(strstr(line_of(testutil_out, "fe1.example.com"), " converged "));
    free(text);
}

/* No manifest on the share: the reports alone, as before, saying so. */
static void without_a_manifest_the_reports_alone(void **state)
{
    ofd_err e;

    (void)state;
    assert_int_equal(ofd_make_dir("fleet-none", &e), OFD_OK);
    assert_int_equal(ofd_make_dir("fleet-none/reports", &e), OFD_OK);
    testutil_empty_dir("fleet-none/reports");
    put("fleet-none", "a.example.com", 60, REPORT_CONVERGED, 3, NULL, NULL);
    assert_int_equal(testutil_ocsfed("status", "fleet-none", NULL), 0);
    assert_non_null(strstr(testutil_out, "no published manifest"));
    assert_non_null(strstr(line_of(testutil_out, "a.example.com"), " converged "));
    assert_int_equal(testutil_ocsfed("status", "fleet-none", "--signer", tp_pub, NULL), 0);
    assert_non_null(strstr(testutil_out, "no published manifest"));
}

/* A pending restart shows this server's slot of the pool's window and when it opens. */
static void a_pending_restart_shows_its_slot(void **state)
{
    char sha[65];
    const char *row;

    (void)state;
    publish("fleet-slot", SERVERS3, 12, sha);
    put("fleet-slot", "fe1.example.com", 60, REPORT_CONVERGED, 12, sha, NULL);
    put("fleet-slot", "fe2.example.com", 60, REPORT_PENDING_RESTART, 12, sha, pending2);
    put("fleet-slot", "fe3.example.com", 60, REPORT_CONVERGED, 12, sha, NULL);
    assert_int_equal(testutil_ocsfed("status", "fleet-slot", "--signer", tp_pub, NULL), 2);
    row = line_of(testutil_out, "fe2.example.com");
    assert_non_null(strstr(row, " pending_restart "));
    assert_non_null(strstr(row, "02:40-03:10 utc (slot 2 of 3 of the pool's window 02:00-04:00)"));
    assert_non_null(strstr(row, "next "));
}

static const cJSON *get(const cJSON *o, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

    if (!v)
        fail_msg("no member '%s'", name);
    return v;
}

static const char *str(const cJSON *o, const char *name)
{
    const cJSON *v = get(o, name);

    if (!cJSON_IsString(v))
        fail_msg("'%s' is not a string", name);
    return v->valuestring;
}

static double num(const cJSON *o, const char *name)
{
    const cJSON *v = get(o, name);

    if (!cJSON_IsNumber(v))
        fail_msg("'%s' is not a number", name);
    return v->valuedouble;
}

/* --json: one object, read back with cJSON. */
static void json_for_scripts(void **state)
{
    char sha[65];
    cJSON *j;
    const cJSON *m, *s, *row, *c;
    int rc;

    (void)state;
    publish("fleet-json", SERVERS3, 12, sha);
    put("fleet-json", "fe1.example.com", 60, REPORT_CONVERGED, 12, sha, NULL);
    put("fleet-json", "fe2.example.com", 60, REPORT_PENDING_RESTART, 12, sha, pending2);
    put("fleet-json", "stray.example.com", 60, REPORT_CONVERGED, 12, sha, NULL);
    rc = testutil_ocsfed("status", "fleet-json", "--signer", tp_pub, "--json", NULL);
    assert_int_equal(rc, 1);
    assert_non_null(j = cJSON_Parse(testutil_out));
    m = get(j, "manifest");
    assert_string_equal(str(m, "path"), "fleet-json/manifest.json");
    assert_true(cJSON_IsTrue(get(m, "verified")));
    assert_string_equal(str(m, "state"), "verified");
    assert_int_equal((int)num(m, "serial"), 12);
    assert_string_equal(str(m, "sha256"), sha);
    assert_string_equal(str(m, "signer"), tp_pub);
    s = get(j, "servers");
    assert_int_equal(cJSON_GetArraySize(s), 3);
    row = cJSON_GetArrayItem(s, 0);
    assert_string_equal(str(row, "server"), "fe1.example.com");
    assert_string_equal(str(row, "status"), "converged");
    assert_int_equal((int)num(row, "applied_serial"), 12);
    assert_true(cJSON_IsTrue(get(row, "sha256_match")));
    row = cJSON_GetArrayItem(s, 1);
    assert_string_equal(str(row, "status"), "pending_restart");
    assert_true(cJSON_IsTrue(get(row, "restart_pending")));
    assert_non_null(strstr(str(row, "restart_slot"), "slot 2 of 3"));
    assert_int_equal(strlen(str(row, "next_restart")), 20);
    c = get(row, "changes");
    assert_int_equal(cJSON_GetArraySize(c), 2);
    assert_string_equal(str(cJSON_GetArrayItem(c, 0), "rule"), "R6");
    row = cJSON_GetArrayItem(s, 2);
    assert_string_equal(str(row, "server"), "fe3.example.com");
    assert_string_equal(str(row, "status"), "no_report");
    assert_true(cJSON_IsNull(get(row, "applied_serial")));
    s = get(j, "others");
    assert_int_equal(cJSON_GetArraySize(s), 1);
    assert_string_equal(str(cJSON_GetArrayItem(s, 0), "server"), "stray.example.com");
    c = get(j, "counts");
    assert_int_equal((int)num(c, "converged"), 1);
    assert_int_equal((int)num(c, "pending_restart"), 1);
    assert_int_equal((int)num(c, "no_report"), 1);
    assert_int_equal((int)num(j, "exit_status"), rc);
    cJSON_Delete(j);

    /* Without --signer: the same, labelled unverified. */
    assert_int_equal(testutil_ocsfed("status", "fleet-json", "--json", NULL), 1);
    assert_non_null(j = cJSON_Parse(testutil_out));
    m = get(j, "manifest");
    assert_true(cJSON_IsFalse(get(m, "verified")));
    assert_string_equal(str(m, "state"), "unverified");
    assert_non_null(strstr(str(m, "message"), "--signer"));
    cJSON_Delete(j);
}

/* Counts the case-insensitive occurrences of needle in hay. */
static int count_ci(const char *hay, const char *needle)
{
    size_t n = strlen(needle), i, k;
    int c = 0;

    for (i = 0; hay[i]; i++) {
        for (k = 0; k < n && hay[i + k]; k++) {
            char a = hay[i + k], b = needle[k];
            if (a >= 'A' && a <= 'Z')
                a = (char)(a - 'A' + 'a');
            if (a != b)
                break;
        }
        if (k == n)
            c++;
    }
    return c;
}

/* 1 when every tag of the page is one the page's own template uses, with no event
 * handler attribute (on...=) in it: text from the share made no element. */
static int only_known_tags(const char *page)
{
    static const char *const known[] = {
        "!doctype", "html",  "head",  "meta", "title", "style", "body", "header",  "main", "h1", "h2",   "p",     "a",
        "table",    "thead", "tbody", "tr",   "th",    "td",    "span", "section", "ul",   "li", "code", "small", NULL};
    const char *p = page, *end;
    size_t n, i, k;

    while ((p = strchr(p, '<')) != NULL) {
        p += p[1] == '/' ? 2 : 1;
        for (n = 0; p[n] && p[n] != ' ' && p[n] != '>'; n++)
            ;
        for (i = 0; known[i]; i++) {
            for (k = 0; k < n && known[i][k] && (p[k] | 0x20) == known[i][k]; k++)
                ;
            if (k == n && !known[i][k])
                break;
        }
        if (!known[i]) {
            print_error("unknown tag <%.*s\n", (int)n, p);
            return 0;
        }
        if (!(end = strchr(p, '>')))
            return 0;
        for (k = 0; p + k + 3 < end; k++)
            if (p[k] == ' ' && (p[k + 1] | 0x20) == 'o' && (p[k + 2] | 0x20) == 'n') {
                print_error("an event handler in <%.*s>\n", (int)(end - p), p);
                return 0;
            }
        p = end;
    }
    return 1;
}

/* --html: a self-contained page; everything from the share is text, not markup. */
static void html_page_shows_hostile_reports_as_text(void **state)
{
    char sha[65], *page = NULL;
    size_t len = 0;
    ofd_err e;

    (void)state;
    publish("fleet-html", SERVERS3, 12, sha);
    put("fleet-html", "fe1.example.com", 60, REPORT_CONVERGED, 12, sha, NULL);
    put("fleet-html", "fe2.example.com", 60, REPORT_DRIFTING, 12, sha, hostile);
    put("fleet-html", "evil.example.com", 60, REPORT_DRIFTING, 12, sha, hostile);
    remove("fleet-html/page.html");
    assert_int_equal(
        testutil_ocsfed("status", "fleet-html", "--signer", tp_pub, "--html", "fleet-html/page.html", NULL), 1);
    assert_int_equal(ofd_read_file("fleet-html/page.html", 1u << 24, &page, &len, &e), OFD_OK);
    assert_memory_equal(page, "<!DOCTYPE html>", 15);
    assert_non_null(strstr(page, "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none';"));
    assert_non_null(strstr(page, "script-src 'none'"));
    /* Nothing that runs, and nothing fetched. */
    assert_int_equal(count_ci(page, "<script"), 0);
    assert_int_equal(count_ci(page, "<img"), 0);
    assert_int_equal(count_ci(page, "<link"), 0);
    assert_int_equal(count_ci(page, "<iframe"), 0);
    assert_int_equal(count_ci(page, "http://"), 0);
    assert_int_equal(count_ci(page, "https://"), 0);
    assert_int_equal(count_ci(page, "url("), 0);
    assert_true(only_known_tags(page)); /* no element or event handler from the share */
    /* The hostile text is shown, escaped, for the named server and the one apart. */
    assert_int_equal(count_ci(page, "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;"), 2);
    assert_non_null(strstr(page, "R6&quot;&gt;&lt;b&gt;"));
    assert_non_null(strstr(page, "&lt;/td&gt;&lt;/tr&gt;&lt;/table&gt;&lt;script&gt;alert(3)&lt;/script&gt;"));
    /* The header and every server's state, in words. */
    assert_non_null(strstr(page, "serial 12"));
    assert_non_null(strstr(page, "verified"));
    assert_non_null(strstr(page, tp_pub));
    assert_non_null(strstr(page, ">fe1.example.com<"));
    assert_non_null(strstr(page, ">converged<"));
    assert_non_null(strstr(page, ">drifting<"));
    assert_non_null(strstr(page, ">no report<"));
    assert_non_null(strstr(page, "not in the published manifest"));
    free(page);
    /* The page is written atomically: no temporary file left. */
    assert_int_equal(ofd_read_file("fleet-html/page.html.tmp", 16, &page, &len, &e), OFD_E_NOTFOUND);
    /* Unverified: said on the page. */
    assert_int_equal(testutil_ocsfed("status", "fleet-html", "--html", "fleet-html/page.html", NULL), 1);
    assert_int_equal(ofd_read_file("fleet-html/page.html", 1u << 24, &page, &len, &e), OFD_OK);
    assert_non_null(strstr(page, "UNVERIFIED"));
    free(page);
}

#define NOW 1795546800LL /* 2026-11-24T19:00:00Z, a Tuesday */

static void load_at(const char *share, const struct trust_anchor *anchor, struct fleet *f)
{
    struct fleet_options o = {.share = share, .anchor = anchor, .now = NOW, .stale_after = 900};
    ofd_err e;

    if (fleet_load(&o, f, &e) != OFD_OK)
        fail_msg("fleet_load: %s", e.msg);
}

static void many_changes(struct report *r)
{
    ofd_err e;
    char key[32];
    unsigned i;

    r->monitor = 1;
    for (i = 0; i <= FLEET_MAX_LISTED; i++) {
        snprintf(key, sizeof(key), "sip:*@d%u.example.com", i);
        assert_int_equal(report_add_change(r, "create", "MSFT_SIPStaticRoutingSetting", key, "R6", 0, &e), OFD_OK);
    }
    r->planned = r->drift = r->nchanges;
}

/* The rows at a fixed now, through the core: the next restart of a pending server is its
 * own slot's next opening; a named server's unreadable or stale report stays in its row;
 * the lists on the page and in the JSON stop at FLEET_MAX_LISTED with the total given. */
static void rows_at_a_fixed_now(void **state)
{
    struct trust_anchor anchor;
    struct fleet f;
    char sha[65], iso[21], *page, *json;
    ofd_err e;
    cJSON *j;
    const cJSON *row;

    (void)state;
    memset(&anchor, 0, sizeof(anchor));
    assert_int_equal(cs_thumbprint_parse(tp_pub, anchor.tp, &e), OFD_OK);
    publish("fleet-core", SERVERS3, 12, sha);
    put_at("fleet-core", "fe1.example.com", NOW - 3600, REPORT_CONVERGED, 12, sha, NULL);
    put_at("fleet-core", "fe2.example.com", NOW - 60, REPORT_PENDING_RESTART, 12, sha, pending2);
    assert_int_equal(testcert_write_file("fleet-core/reports/fe3.example.com.json", "{\"format\": 2}", 13), 0);
    put_at("fleet-core", "big.example.com", NOW - 60, REPORT_DRIFTING, 12, sha, many_changes);
    load_at("fleet-core", &anchor, &f);
    assert_int_equal(f.mstate, FLEET_M_VERIFIED);
    assert_int_equal(f.nrows, 3);
    assert_int_equal(f.rows[0].status, REPORT_SILENT); /* an hour old */
    assert_int_equal(f.rows[1].status, REPORT_PENDING_RESTART);
    report_format_time(f.rows[1].next_restart, iso);
    assert_string_equal(iso, "2026-11-25T02:40:00Z"); /* slot 2 of 3, the next morning */
    assert_int_equal(f.rows[0].next_restart, -1);     /* nothing pending */
    assert_int_equal(f.rows[2].status, REPORT_UNREADABLE);
    assert_non_null(f.rows[2].rep);
    assert_int_equal(f.nothers, 1);
    assert_string_equal(f.others[0].server, "big.example.com");
    assert_int_equal(fleet_exit(&f), 1);
    assert_non_null(page = fleet_to_html(&f, NULL));
    assert_non_null(strstr(page, "1 more changes are not listed here"));
    assert_non_null(strstr(page, "d999.example.com"));
    assert_null(strstr(page, "d1000.example.com"));
    free(page);
    assert_non_null(json = fleet_to_json(&f));
    assert_non_null(j = cJSON_Parse(json));
    row = cJSON_GetArrayItem(get(j, "others"), 0);
    assert_int_equal(cJSON_GetArraySize(get(row, "changes")), FLEET_MAX_LISTED);
    assert_int_equal((int)num(row, "changes_total"), FLEET_MAX_LISTED + 1);
    row = cJSON_GetArrayItem(get(j, "servers"), 2);
    assert_string_equal(str(row, "status"), "unreadable");
    assert_non_null(strstr(str(row, "problem"), "'format' is not 1"));
    cJSON_Delete(j);
    cJSON_free(json);
    fleet_free(&f);
}

#define PROBE_LINE "    probe: FAIL tls imp1.example.com 10.10.0.11:5061 [R13] untrusted"

/* docs/probe.md: a failed probe check is shown under its server's row, in the view the
 * published manifest drives as in the reports alone; --json and --html carry it too. */
static void failed_probe_checks_under_the_row(void **state)
{
    char sha[65], *page = NULL;
    const char *row, *probe, *next;
    const cJSON *s, *pr, *c;
    size_t len = 0;
    cJSON *j;
    ofd_err e;

    (void)state;
    publish("fleet-probe", SERVERS2, 12, sha);
    put("fleet-probe", "fe1.example.com", 60, REPORT_FAILING, 12, sha, probe_failed);
    put("fleet-probe", "fe2.example.com", 60, REPORT_CONVERGED, 12, sha, NULL);
    put("fleet-probe", "old.example.com", 60, REPORT_FAILING, 12, sha, probe_failed);
    assert_int_equal(testutil_ocsfed("status", "fleet-probe", "--signer", tp_pub, NULL), 1);
    assert_non_null(row = strstr(testutil_out, "\nfe1.example.com "));
    assert_non_null(probe = strstr(row, "\n" PROBE_LINE "\n"));
    assert_non_null(next = strstr(row + 1, "\n"));
    assert_ptr_equal(probe, next); /* right under fe1's row */
    assert_non_null(row = strstr(testutil_out, "\nold.example.com "));
    assert_ptr_equal(strstr(row, "\n" PROBE_LINE "\n"), strstr(row + 1, "\n"));
    assert_int_equal(count_ci(testutil_out, "probe: fail"), 2); /* the passed check is not a line */

    assert_int_equal(testutil_ocsfed("status", "fleet-probe", "--signer", tp_pub, "--json", NULL), 1);
    assert_non_null(j = cJSON_Parse(testutil_out));
    s = get(j, "servers");
    pr = get(cJSON_GetArrayItem(s, 0), "probe");
    assert_true(cJSON_IsFalse(get(pr, "passed")));
    assert_string_equal(str(pr, "tls"), "openssl");
    c = get(pr, "checks");
    assert_int_equal(cJSON_GetArraySize(c), 2);
    assert_string_equal(str(cJSON_GetArrayItem(c, 1), "check"), "tls");
    assert_string_equal(str(cJSON_GetArrayItem(c, 1), "result"), "fail");
    assert_string_equal(str(cJSON_GetArrayItem(c, 1), "rule"), "R13");
    assert_string_equal(str(cJSON_GetArrayItem(c, 1), "target"), "10.10.0.11:5061");
    assert_string_equal(str(cJSON_GetArrayItem(c, 1), "cause"), "untrusted");
    assert_true(cJSON_IsNull(get(cJSON_GetArrayItem(s, 1), "probe"))); /* no probe ran there */
    assert_non_null(get(cJSON_GetArrayItem(get(j, "others"), 0), "probe"));
    cJSON_Delete(j);

    remove("fleet-probe/page.html");
    assert_int_equal(
        testutil_ocsfed("status", "fleet-probe", "--signer", tp_pub, "--html", "fleet-probe/page.html", NULL), 1);
    assert_int_equal(ofd_read_file("fleet-probe/page.html", 1u << 24, &page, &len, &e), OFD_OK);
    assert_int_equal(count_ci(page, "probe: fail tls imp1.example.com 10.10.0.11:5061 [r13] untrusted"), 2);
    assert_int_equal(count_ci(page, "issuer &lt;script&gt;alert(5)&lt;/script&gt; is not trusted"), 2);
    assert_int_equal(count_ci(page, "<script"), 0);
    assert_true(only_known_tags(page));
    free(page);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_named_server_that_never_reported_fails),
        cmocka_unit_test(unnamed_reports_are_shown_apart),
        cmocka_unit_test(an_older_serial_is_behind),
        cmocka_unit_test(verified_only_with_the_signer),
        cmocka_unit_test(a_tampered_manifest_is_refused),
        cmocka_unit_test(without_a_manifest_the_reports_alone),
        cmocka_unit_test(a_pending_restart_shows_its_slot),
        cmocka_unit_test(json_for_scripts),
        cmocka_unit_test(html_page_shows_hostile_reports_as_text),
        cmocka_unit_test(rows_at_a_fixed_now),
        cmocka_unit_test(failed_probe_checks_under_the_row),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
