/* The fleet view as one static HTML page (`ocsfed status --html FILE`), opened from the
 * share by an administrator: no script, no external resource, a Content-Security-Policy
 * that forbids both (and allows only this page's own style, by its hash), and every
 * string from a report or the manifest escaped: the reports come from a share every
 * front end can write, so they are treated as hostile. State is said in words on each
 * badge; the colour only repeats it. */
#include "fleet.h"

#include <stdlib.h>
#include <string.h>

#include "fsutil.h"
#include "strbuf.h"

/* The page's style. No '<' in it (it sits in a <style> element); its SHA-256 is the only
 * style the policy allows. */
static const char css[] =
    "body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;margin:0;color:#1f2328;background:#f6f8fa}"
    "header{background:#24292f;color:#fff;padding:14px 24px}"
    "header h1{margin:0 0 6px;font-size:20px}"
    "header p{margin:3px 0}"
    "header code{color:#fff}"
    "main{padding:8px 24px 24px}"
    "h2{font-size:17px;margin:18px 0 8px}"
    ".label{display:inline-block;padding:1px 8px;border-radius:4px;font-weight:700}"
    ".verified{background:#1a7f37;color:#fff}"
    ".unverified{background:#d4a72c;color:#000}"
    ".refused{background:#cf222e;color:#fff}"
    ".none{background:#6e7781;color:#fff}"
    "ul.badges{list-style:none;padding:0;margin:0;display:flex;flex-wrap:wrap;gap:8px}"
    "ul.badges li{border-width:2px;border-style:solid;border-radius:6px;padding:6px "
    "10px;min-width:230px;max-width:360px}"
    "ul.badges span{display:block}"
    ".name{font-weight:700;word-break:break-all}"
    ".st{font-weight:700}"
    ".ok{background:#dafbe1;border-color:#1a7f37}"
    ".warn{background:#fff8c5;border-color:#9a6700}"
    ".bad{background:#ffebe9;border-color:#cf222e}"
    "span.st.ok,span.st.warn,span.st.bad{display:inline-block;border-width:1px;border-style:solid;border-radius:4px;"
    "padding:0 6px}"
    "table{border-collapse:collapse;background:#fff;width:100%;margin:6px 0 14px}"
    "th,td{border:1px solid #d0d7de;padding:4px 8px;text-align:left;vertical-align:top}"
    "th{background:#eaeef2}"
    "code{font-family:ui-monospace,Consolas,monospace;word-break:break-all}"
    "section.server{background:#fff;border:1px solid #d0d7de;border-radius:6px;padding:4px 16px;margin:12px 0}"
    "section.server h2{font-size:15px}"
    "small{color:#57606a}"
    "header small{color:#d0d7de}";

/* Text from the share: well-formed UTF-8, control characters blanked, and the five
 * characters HTML gives a meaning escaped. */
static void esc(struct strbuf *sb, const char *s)
{
    struct strbuf t = {0};
    const char *p;

    fleet_append_text(&t, s ? s : "");
    if (t.oom) {
        sb->oom = 1;
        return;
    }
    for (p = sb_str(&t); *p; p++) {
        switch (*p) {
        case '&': sb_append(sb, "&amp;"); break;
        case '<': sb_append(sb, "&lt;"); break;
        case '>': sb_append(sb, "&gt;"); break;
        case '"': sb_append(sb, "&quot;"); break;
        case '\'': sb_append(sb, "&#39;"); break;
        default: sb_appendc(sb, *p); break;
        }
    }
    sb_free(&t);
}

static const char *sev_class(int status)
{
    switch (fleet_status_severity(status)) {
    case 0: return "ok";
    case 2: return "warn";
    default: return "bad";
    }
}

static void badge_list(struct strbuf *sb, const struct fleet *f, const struct fleet_row *v, size_t n, int named,
                       char id)
{
    char summ[512];
    size_t i;

    sb_append(sb, "<ul class=\"badges\">\n");
    for (i = 0; i < n; i++) {
        fleet_row_summary(f, &v[i], named, summ, sizeof(summ));
        sb_printf(sb, "<li class=\"%s\"><span class=\"name\"><a href=\"#%c%zu\">", sev_class(v[i].status), id, i + 1);
        esc(sb, v[i].server);
        sb_printf(sb, "</a></span><span class=\"st\">%s</span><small>", fleet_status_words(v[i].status));
        esc(sb, summ);
        sb_append(sb, "</small></li>\n");
    }
    sb_append(sb, "</ul>\n");
}

static void overview(struct strbuf *sb, const struct fleet *f, const struct fleet_row *v, size_t n, int named, char id)
{
    char age[16], iso[21], when[32];
    size_t i;

    sb_append(sb, "<table>\n<thead><tr><th>server</th><th>status</th><th>published serial</th><th>applied "
                  "serial</th><th>same SHA-256</th><th>last report</th><th>restart slot</th></tr></thead>\n<tbody>\n");
    for (i = 0; i < n; i++) {
        const struct fleet_row *row = &v[i];
        const struct report_row *r = row->rep;
        int readable = r && r->status != REPORT_UNREADABLE;

        sb_printf(sb, "<tr><td><a href=\"#%c%zu\">", id, i + 1);
        esc(sb, row->server);
        sb_printf(sb, "</a></td><td><span class=\"st %s\">%s</span></td><td>", sev_class(row->status),
                  fleet_status_words(row->status));
        if (named)
            sb_printf(sb, "%lld", f->serial);
        else
            sb_append(sb, "-");
        sb_append(sb, "</td><td>");
        if (readable && r->rep.serial)
            sb_printf(sb, "%lld", r->rep.serial);
        else
            sb_append(sb, "-");
        sb_printf(sb, "</td><td>%s</td><td>", row->sha_match < 0 ? "-" : row->sha_match ? "yes" : "no");
        if (readable) {
            report_format_age(f->now - r->rep.time, age, sizeof(age));
            report_format_time(r->rep.time, iso);
            sb_printf(sb, "%s ago <small>%s</small>", age, iso);
        } else {
            sb_append(sb, "-");
        }
        sb_append(sb, "</td><td>");
        if (row->slot)
            esc(sb, row->slot);
        else
            sb_append(sb, named && f->mstate != FLEET_M_NONE && f->mstate != FLEET_M_REFUSED ? "no window" : "-");
        if (row->next_restart >= 0) {
            fleet_format_when(f, row->next_restart, when);
            sb_printf(sb, "<small> pending: next %s</small>", when);
        }
        sb_append(sb, "</td></tr>\n");
    }
    sb_append(sb, "</tbody>\n</table>\n");
}

/* The failed checks of the report's probe, as the text view lines them (docs/probe.md),
 * each with what the probe found. */
static void probe_failures(struct strbuf *sb, const struct report *rep)
{
    char line[1024];
    size_t i, listed = 0, failed = 0;

    for (i = 0; rep->probe && i < rep->probe->n; i++) {
        const struct report_probe_check *c = &rep->probe->v[i];
        if (strcmp(c->result, "fail") != 0)
            continue;
        if (failed++ >= FLEET_MAX_LISTED)
            continue;
        if (!listed++)
            sb_append(sb, "<p>Failed probe checks:</p>\n<ul>\n");
        report_probe_failure_line(c, line, sizeof(line));
        sb_append(sb, "<li><code>");
        esc(sb, line);
        sb_append(sb, "</code>");
        if (c->message && c->message[0]) {
            sb_append(sb, " <small>");
            esc(sb, c->message);
            sb_append(sb, "</small>");
        }
        sb_append(sb, "</li>\n");
    }
    if (listed)
        sb_append(sb, "</ul>\n");
    if (failed > listed)
        sb_printf(sb, "<p>%zu more failed probe checks are not listed here: see the report.</p>\n", failed - listed);
}

/* One server's part: its summary, its changes with their rules, its errors and failed
 * probe checks. */
static void details(struct strbuf *sb, const struct fleet *f, const struct fleet_row *row, int named, char id, size_t k)
{
    const struct report_row *r = row->rep;
    const struct report *rep = r && r->status != REPORT_UNREADABLE ? &r->rep : NULL;
    char summ[512];
    size_t i;

    fleet_row_summary(f, row, named, summ, sizeof(summ));
    sb_printf(sb, "<section class=\"server\" id=\"%c%zu\">\n<h2>", id, k);
    esc(sb, row->server);
    sb_printf(sb, " <span class=\"st %s\">%s</span></h2>\n<p>", sev_class(row->status),
              fleet_status_words(row->status));
    esc(sb, summ);
    sb_append(sb, "</p>\n");
    if (r && !rep) {
        sb_append(sb, "<p>The file <code>");
        esc(sb, r->file);
        sb_append(sb, "</code> is not a report: ");
        esc(sb, r->problem);
        sb_append(sb, "</p>\n");
    }
    if (!rep) {
        sb_append(sb, "</section>\n");
        return;
    }
    sb_printf(sb, "<p><small>Mode %s; %zu planned, %zu applied, %zu found drifting; agent ",
              rep->monitor ? "monitor" : "apply", rep->planned, rep->applied, rep->drift);
    esc(sb, rep->agent_version);
    sb_append(sb, "; manifest SHA-256 <code>");
    esc(sb, rep->sha256 ? rep->sha256 : "-");
    sb_append(sb, "</code></small></p>\n");
    if (rep->refusal_reason) {
        sb_append(sb, "<p>The server refused the manifest (<code>");
        esc(sb, rep->refusal_reason);
        sb_append(sb, "</code>): ");
        esc(sb, rep->refusal_message);
        sb_append(sb, "</p>\n");
    }
    if (rep->nchanges) {
        sb_printf(sb, "<table>\n<thead><tr><th>change</th><th>class</th><th>key</th><th>rule</th><th>applied</th></tr>"
                      "</thead>\n<tbody>\n");
        for (i = 0; i < rep->nchanges && i < FLEET_MAX_LISTED; i++) {
            const struct report_change *c = &rep->changes[i];
            sb_append(sb, "<tr><td>");
            esc(sb, c->action);
            sb_append(sb, "</td><td><code>");
            esc(sb, c->cls);
            sb_append(sb, "</code></td><td><code>");
            esc(sb, c->key);
            sb_append(sb, "</code></td><td>");
            esc(sb, c->rule[0] ? c->rule : "-");
            sb_printf(sb, "</td><td>%s</td></tr>\n", c->applied ? "applied" : "pending");
        }
        sb_append(sb, "</tbody>\n</table>\n");
        if (rep->nchanges > FLEET_MAX_LISTED)
            sb_printf(sb, "<p>%zu more changes are not listed here: see the report.</p>\n",
                      rep->nchanges - FLEET_MAX_LISTED);
    } else {
        sb_append(sb, "<p>No pending changes.</p>\n");
    }
    if (rep->nerrors) {
        sb_append(sb, "<p>Errors:</p>\n<ul>\n");
        for (i = 0; i < rep->nerrors && i < FLEET_MAX_LISTED; i++) {
            sb_append(sb, "<li>");
            if (rep->errors[i].rule[0]) {
                sb_append(sb, "<code>[");
                esc(sb, rep->errors[i].rule);
                sb_append(sb, "]</code> ");
            }
            esc(sb, rep->errors[i].message);
            sb_append(sb, "</li>\n");
        }
        sb_append(sb, "</ul>\n");
        if (rep->nerrors > FLEET_MAX_LISTED)
            sb_printf(sb, "<p>%zu more errors are not listed here: see the report.</p>\n",
                      rep->nerrors - FLEET_MAX_LISTED);
    }
    probe_failures(sb, rep);
    sb_append(sb, "</section>\n");
}

static void header(struct strbuf *sb, const struct fleet *f, const char *style_hash)
{
    static const char *const exits[] = {"every server the manifest names is converged at the published manifest",
                                        "something needs attention",
                                        "some servers are drifting, waiting for a restart or behind, nothing worse"};
    char iso[21];
    int parsed = f->mstate == FLEET_M_VERIFIED || f->mstate == FLEET_M_UNVERIFIED, ex = fleet_exit(f), s;
    const char *sep = "";

    sb_printf(sb,
              "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
              "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; script-src 'none'; "
              "style-src 'sha256-%s'; img-src 'none'; font-src 'none'; connect-src 'none'; object-src 'none'; "
              "frame-src 'none'; form-action 'none'; base-uri 'none'\">\n"
              "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>",
              style_hash);
    if (parsed)
        sb_printf(sb, "ocsfed fleet: manifest serial %lld, %s", f->serial,
                  f->mstate == FLEET_M_VERIFIED ? "verified" : "UNVERIFIED");
    else
        sb_printf(sb, "ocsfed fleet: %s", f->mstate == FLEET_M_REFUSED ? "manifest REFUSED" : "no published manifest");
    sb_printf(sb, "</title>\n<style>%s</style>\n</head>\n<body>\n<header>\n<h1>OCS federation fleet</h1>\n<p>", css);
    switch (f->mstate) {
    case FLEET_M_VERIFIED:
        sb_printf(sb,
                  "<span class=\"label verified\">verified</span> manifest serial %lld, signed by the pinned "
                  "publisher <code>%s</code>",
                  f->serial, f->signer);
        break;
    case FLEET_M_UNVERIFIED:
        sb_printf(sb, "<span class=\"label unverified\">UNVERIFIED</span> manifest serial %lld: ", f->serial);
        esc(sb, f->msg);
        break;
    case FLEET_M_REFUSED:
        sb_append(sb, "<span class=\"label refused\">REFUSED</span> manifest refused (");
        esc(sb, f->reason);
        sb_append(sb, "): ");
        esc(sb, f->msg);
        sb_append(sb, "; the reports alone below");
        break;
    case FLEET_M_NONE:
        sb_append(sb, "<span class=\"label none\">no published manifest</span> the reports alone below");
        break;
    }
    sb_append(sb, "</p>\n<p><small>Manifest <code>");
    esc(sb, f->manifest_path);
    sb_append(sb, "</code>");
    if (f->sha256[0])
        sb_printf(sb, ", SHA-256 <code>%s</code>", f->sha256);
    sb_append(sb, "; reports from <code>");
    esc(sb, f->reports_dir);
    report_format_time(f->now, iso);
    sb_printf(sb, "</code>. Generated %s by ocsfed status; a report older than %llds is silent.</small></p>\n<p>", iso,
              f->stale_after);
    sb_printf(sb, "%zu server%s:", f->nrows, f->nrows == 1 ? "" : "s");
    for (s = 0; s < FLEET_NSTATUS; s++) {
        if (!f->counts[s])
            continue;
        sb_printf(sb, "%s %zu %s", sep, f->counts[s], fleet_status_words(s));
        sep = ",";
    }
    if (f->nothers)
        sb_printf(sb, "; %zu report%s of servers not in the manifest", f->nothers, f->nothers == 1 ? "" : "s");
    sb_printf(sb, ". Exit status %d: %s.</p>\n</header>\n", ex, exits[ex]);
}

char *fleet_to_html(const struct fleet *f, size_t *len)
{
    struct strbuf sb = {0};
    unsigned char d[CS_SHA256_LEN];
    char *hash = NULL;
    int parsed = f->mstate == FLEET_M_VERIFIED || f->mstate == FLEET_M_UNVERIFIED;
    size_t i;

    if (cs_sha256(css, sizeof(css) - 1, d, NULL) != OFD_OK || !(hash = cs_base64_encode(d, sizeof(d))))
        goto out;
    header(&sb, f, hash);
    sb_append(&sb, "<main>\n");
    sb_printf(&sb, "<h2>%s</h2>\n", parsed ? "Servers the published manifest names" : "Servers that reported");
    badge_list(&sb, f, f->rows, f->nrows, parsed, 's');
    overview(&sb, f, f->rows, f->nrows, parsed, 's');
    if (f->nothers) {
        sb_append(&sb, "<h2>Reports of servers not in the published manifest (not counted)</h2>\n");
        badge_list(&sb, f, f->others, f->nothers, 0, 'o');
        overview(&sb, f, f->others, f->nothers, 0, 'o');
    }
    sb_append(&sb, "<h2>Each server: pending changes with their rules, and errors</h2>\n");
    for (i = 0; i < f->nrows; i++)
        details(&sb, f, &f->rows[i], parsed, 's', i + 1);
    for (i = 0; i < f->nothers; i++)
        details(&sb, f, &f->others[i], 0, 'o', i + 1);
    sb_append(&sb, "</main>\n</body>\n</html>\n");
out:
    free(hash);
    if (sb.oom || !hash) {
        sb_free(&sb);
        return NULL;
    }
    if (len)
        *len = sb.len;
    return sb_take(&sb);
}

enum ofd_code fleet_write_html(const struct fleet *f, const char *path, ofd_err *e)
{
    size_t len = 0;
    char *page = fleet_to_html(f, &len);
    enum ofd_code rc;

    if (!page)
        return ofd_err_nomem(e);
    rc = ofd_write_file_atomic(path, page, len, e);
    free(page);
    return rc;
}
