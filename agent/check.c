#include "check.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apply.h"
#include "cs.h"
#include "diag.h"
#include "intake.h"
#include "manifest.h"
#include "nodespec.h"
#include "plan.h"
#include "report.h"
#include "strbuf.h"
#include "trust.h"
#include "window.h"

#define MANIFEST_NAME "manifest.json"

static void emit(const struct check_env *env, enum check_event ev, const char *fmt, ...) OFD_PRINTF(3, 4);

static void emit(const struct check_env *env, enum check_event ev, const char *fmt, ...)
{
    char text[2048];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    ofd_utf8_trim(text);
    if (env->event)
        env->event(env->ctx, ev, text);
}

/* An outcome that is a state (converged, drifting, refused): an event only when it
 * differs from the last one reported, by outcome or by text (the serial, the drift
 * counts, the refusal's reason are in the text). */
static void emit_state(const struct check_env *env, enum check_event ev, const char *fmt, ...) OFD_PRINTF(3, 4);

static void emit_state(const struct check_env *env, enum check_event ev, const char *fmt, ...)
{
    struct check_memory *mem = env->memory;
    char text[2048];
    unsigned long h;
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    ofd_utf8_trim(text);
    h = ofd_hash(text, 0);
    if (mem) {
        if (mem->valid && mem->outcome == ev && mem->text_hash == h)
            return;
        mem->valid = 1;
        mem->outcome = ev;
        mem->text_hash = h;
    }
    if (env->event)
        env->event(env->ctx, ev, text);
}

enum ofd_code check_run(const struct check_config *cfg, const struct check_env *env, struct check_result *res,
                        ofd_err *e)
{
    char when[256];
    struct intake_result in;
    struct intake_state st;
    struct trust_anchor anchor;
    struct plan_options po;
    struct manifest *m = NULL;
    struct node node = {0};
    struct ofd_lock *lock = NULL;
    struct strbuf reports = {0};
    char *journal = NULL;
    const char *jpath;
    struct node_identity id;
    struct report rep;
    struct plan p;
    char path[1200], sig[1300], hex[2 * CS_SHA256_LEN + 1];
    struct check_result r;
    int planned = 0, have_report = 0;
    long long now = env->now(env->ctx);
    ofd_err werr;
    enum ofd_code rc;

    memset(&r, 0, sizeof(r));
    memset(&p, 0, sizeof(p));
    memset(&in, 0, sizeof(in));
    memset(&st, 0, sizeof(st));
    memset(&anchor, 0, sizeof(anchor));
    memset(&id, 0, sizeof(id));
    memset(&rep, 0, sizeof(rep));
    snprintf(path, sizeof(path), "%s/%s", cfg->manifest_dir, MANIFEST_NAME);
    snprintf(sig, sizeof(sig), "%s.p7s", path);
    if (cfg->reports_dir)
        sb_append(&reports, cfg->reports_dir);
    else
        sb_printf(&reports, "%s/reports", cfg->manifest_dir);
    if (reports.oom) {
        rc = ofd_err_nomem(e);
        goto failed;
    }

    /* Who we are, first: every report, even a refusal, names this server. */
    if ((rc = nodespec_open(cfg->node_spec, &node, &journal, e)) != OFD_OK
        || (rc = node.ops->identity(node.ctx, &id, e)) != OFD_OK)
        goto failed;
    if (!id.fqdn) {
        rc = ofd_err_set(e, OFD_E_INVALID, "the node has no FQDN");
        goto failed;
    }
    if ((rc = report_init(&rep, id.fqdn, now, cfg->monitor, e)) != OFD_OK)
        goto failed;
    have_report = 1;
    if (cfg->blocked) {
        char why[OFD_ERR_MSG_MAX];

        snprintf(why, sizeof(why), "%s; nothing is checked or changed until this is fixed", cfg->blocked);
        ofd_utf8_trim(why);
        rc = ofd_err_set(e, OFD_E_INVALID, "%s", why);
        r.outcome = CHECK_EV_BLOCKED;
        emit_state(env, r.outcome, "%s", why);
        rep.status = REPORT_FAILING;
        report_add_error(&rep, why, NULL, &werr);
        goto done;
    }

    if (!cfg->trusted_signer || !cfg->trusted_signer[0]) {
        rc = ofd_err_set(e, OFD_E_INVALID,
                         "no trusted publisher is configured (TrustedSigner): no manifest can "
                         "be accepted");
        goto failed;
    }
    if ((rc = cs_thumbprint_parse(cfg->trusted_signer, anchor.tp, e)) != OFD_OK)
        goto failed;
    jpath = journal && journal[0] ? journal : NULL;
    if (jpath && cfg->monitor && apply_journal_exists(jpath)) {
        /* Monitor mode changes nothing, not even to undo an interrupted apply. */
        rc = ofd_err_set(e, OFD_E_CONFLICT,
                         "the journal %s of an interrupted apply is there, and monitor mode "
                         "changes nothing: %s may be half-configured; run 'ocsfed apply', or switch the agent to "
                         "apply mode, to undo that apply",
                         jpath, id.fqdn);
        goto failed;
    }
    if (jpath && !cfg->monitor) {
        struct apply_recovery rec;

        /* One apply at a time, held across the recovery and the apply: another one's
         * live journal is never taken for a crashed apply. */
        if ((rc = apply_lock(jpath, cfg->lock_wait_ms ? cfg->lock_wait_ms : CHECK_LOCK_WAIT_MS, &lock, e)) != OFD_OK)
            goto failed;
        /* An apply cut short (crash, power, kill) is undone before anything else. */
        if ((rc = apply_recover(jpath, &node, &rec, e)) != OFD_OK)
            goto failed;
        if (rec.found)
            emit(env, CHECK_EV_RECOVERED,
                 "an interrupted apply was undone from its journal %s (%zu write%s taken "
                 "back); %s is as it was before that apply",
                 jpath, rec.undone, rec.undone == 1 ? "" : "s", id.fqdn);
    }
    if (cfg->state_path && (rc = intake_state_load(cfg->state_path, &st, e)) != OFD_OK)
        goto failed;
    if ((rc = intake_check_files(path, sig, &anchor, &st, env->reader, 0, &in, e)) != OFD_OK)
        goto failed;
    r.serial = in.serial;
    /* The report names the manifest by its hash, once there was one to hash. */
    cs_sha256_hex(in.sha256, hex);
    if (in.decision != INTAKE_REFUSE || in.serial) {
        if (!(rep.sha256 = ofd_strdup(hex))) {
            rc = ofd_err_nomem(e);
            goto failed;
        }
    }
    if (in.decision == INTAKE_REFUSE) {
        r.outcome = CHECK_EV_REFUSED;
        emit_state(env, r.outcome, "%s refused (%s): %s", path, intake_reason_name(in.reason), in.msg);
        rc = report_set_refusal(&rep, intake_reason_name(in.reason), in.msg, e);
        goto done;
    }
    /* The floor moves with every accepted serial, whatever comes of it (applied,
     * converged, monitored, failed): the older manifest is refused from now on. */
    if (in.decision == INTAKE_ACCEPT && cfg->state_path) {
        intake_state_from_result(&in, &st);
        if ((rc = intake_state_save(cfg->state_path, &st, e)) != OFD_OK)
            goto failed;
    }
    /* ACCEPT or UNCHANGED: the manifest parsed from the bytes intake verified. */
    m = in.manifest;
    in.manifest = NULL;
    rep.serial = m->serial;
    memset(&po, 0, sizeof(po));
    po.now = now;
    po.pfx_password = cfg->pfx_password;
    if ((rc = plan_make(m, &node, &po, &p, e)) != OFD_OK)
        goto failed;
    planned = 1;
    r.changes = p.n - p.counts[PLAN_UNCHANGED];
    if ((rc = report_add_plan(&rep, &p, 0, e)) != OFD_OK || (rc = report_add_vocabulary(&rep, &p.vocab, e)) != OFD_OK)
        goto failed;
    if (!plan_has_changes(&p)) {
        r.outcome = CHECK_EV_CONVERGED;
        rep.status = REPORT_CONVERGED;
        emit_state(env, r.outcome, "manifest serial %lld: %s is at the desired state", m->serial, p.server);
    } else if (cfg->monitor && !plan_has_setting_changes(&p)) {
        /* The settings match; only a restart an earlier apply left for the window is
         * to do: not drift, and no event (that came with the apply). */
        r.outcome = CHECK_EV_RESTART_PENDING;
        rep.status = REPORT_PENDING_RESTART;
        rep.restart_pending = 1;
    } else if (cfg->monitor) {
        const struct vocab_entry *ve = vocab_contradiction(&p.vocab, p.tls);
        char why[OFD_ERR_MSG_MAX];

        r.outcome = CHECK_EV_DRIFT;
        rep.status = REPORT_DRIFTING;
        /* Monitor mode says now what an apply would refuse (vocab.h). */
        if (ve) {
            snprintf(why, sizeof(why), "an apply would be refused: %s.%s: ocsfed would write \"%s\", but %s", ve->cls,
                     ve->prop, ve->writes, ve->evidence);
            ofd_utf8_trim(why);
            if ((rc = report_add_error(&rep, why, vocab_rule(ve, p.tls), e)) != OFD_OK)
                goto failed;
        }
        emit_state(env, r.outcome,
                   "manifest serial %lld: %zu change%s pending on %s (%zu to create, %zu to update, %zu to delete%s); "
                   "monitor mode changes nothing",
                   m->serial, r.changes, r.changes == 1 ? "" : "s", p.server, p.counts[PLAN_CREATE],
                   p.counts[PLAN_UPDATE], p.counts[PLAN_DELETE], p.counts[PLAN_RESTART] ? ", a Front End restart" : "");
    } else {
        struct apply_options opt;
        struct apply_result ar;

        memset(&opt, 0, sizeof(opt));
        opt.restart_allowed = window_restart_allowed(m, p.server, now, window_local_offset(now));
        opt.journal = jpath;
        opt.pfx_password = cfg->pfx_password;
        opt.cancelled = env->stop_requested;
        opt.cancel_ctx = env->ctx;
        if ((rc = apply_run(&p, &node, &opt, &ar, e)) != OFD_OK) {
            ofd_err_prefix(e, "apply of manifest serial %lld %s %s", m->serial,
                           rc == OFD_E_CANCELLED ? "stopped (the agent is stopping)" : "failed",
                           !ar.rolled_back || ar.rollback_rc == OFD_OK ? "and was rolled back"
                                                                       : "AND ITS ROLLBACK FAILED");
            goto failed;
        }
        report_free(&rep);
        if ((rc = report_init(&rep, id.fqdn, now, cfg->monitor, e)) != OFD_OK
            || (rc = report_add_plan(&rep, &p, 1, e)) != OFD_OK
            || (rc = report_add_vocabulary(&rep, &p.vocab, e)) != OFD_OK)
            goto failed;
        rep.serial = m->serial;
        if (!(rep.sha256 = ofd_strdup(hex))) {
            rc = ofd_err_nomem(e);
            goto failed;
        }
        rep.restart_pending = ar.restart_pending;
        if (ar.restart_pending) { /* R19: the service checks again when the slot opens */
            long long next = window_next_restart(m, p.server, now, window_local_offset(now));
            r.next_restart = next > now ? next : 0;
        }
        rep.status = ar.restart_pending ? REPORT_PENDING_RESTART : REPORT_CONVERGED;
        r.outcome = ar.restart_pending ? CHECK_EV_RESTART_PENDING : CHECK_EV_APPLIED;
        /* A check that only finds the restart still waiting for the window says so in
         * the report, not in a new event every interval: the event came with the
         * apply that made it pending. */
        if (ar.writes || ar.restart_done || in.decision == INTAKE_ACCEPT)
            emit(env, r.outcome, "manifest serial %lld: %zu change%s applied to %s (%zu writes, each read back)%s%s",
                 m->serial, ar.applied, ar.applied == 1 ? "" : "s", p.server, ar.writes,
                 ar.restart_done      ? "; Front End restarted"
                 : ar.restart_pending ? "; restart pending: it happens "
                                      : "",
                 ar.restart_pending ? plan_restart_when(&p, when, sizeof(when)) : "");
    }
    rc = OFD_OK;
    goto done;
failed:
    r.outcome = CHECK_EV_FAILED;
    emit(env, r.outcome, "%s", e ? e->msg : "check failed");
    if (have_report) {
        rep.status = REPORT_FAILING;
        report_add_error(&rep, e ? e->msg : "check failed", e && e->rule[0] ? e->rule : NULL, &werr);
    }
done:
    ofd_lock_release(lock);
    /* The report is written whatever happened, so `ocsfed status` sees this server;
     * with the IM&P checklist of the manifest checked, when there was one (a report
     * without it is still a report). */
    if (have_report) {
        if (m && !rep.imp)
            report_set_imp_checklist(&rep, m, &werr);
        ofd_err_clear(&werr);
        if (report_write(sb_str(&reports), &rep, &werr) != OFD_OK) {
            emit(env, CHECK_EV_FAILED, "cannot write the report: %s", werr.msg);
            if (rc == OFD_OK) {
                if (e)
                    *e = werr;
                rc = werr.code;
            }
        }
    }
    if (rc == OFD_OK && res)
        *res = r;
    if (planned)
        plan_free(&p);
    report_free(&rep);
    intake_result_free(&in);
    node_identity_free(&id);
    node_close(&node);
    sb_free(&reports);
    free(journal);
    manifest_free(m);
    return rc;
}
