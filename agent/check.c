#include "check.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "apply.h"
#include "cs.h"
#include "cs_inspect.h"
#include "diag.h"
#include "intake.h"
#include "manifest.h"
#include "nodespec.h"
#include "net.h"
#include "plan.h"
#include "probe.h"
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

/* How long the confirmed apply waits between two probes that did not pass. */
#define CHECK_CONFIRM_RETRY_MS 5000u

/* One probe of the manifest's IM&P nodes from this server (probe.h): the node's
 * resolver, the certificate the plan selected (Schannel on a server) or the files
 * configured (OpenSSL). */
static enum ofd_code probe_once(const struct check_config *cfg, const struct check_env *env, const struct manifest *m,
                                struct node *node, const struct plan *p, const char *fqdn, unsigned long long deadline,
                                struct probe_result *pr, ofd_err *e)
{
    struct probe_options o;
    char *cert = NULL, *key = NULL;
    size_t clen = 0, klen = 0;
    enum ofd_code rc;

    memset(&o, 0, sizeof(o));
    if (cfg->probe_cert && cfg->probe_key
        && ((rc = ofd_read_file(cfg->probe_cert, CS_FILE_MAX_BYTES, &cert, &clen, e)) != OFD_OK
            || (rc = ofd_read_file(cfg->probe_key, CS_FILE_MAX_BYTES, &key, &klen, e)) != OFD_OK))
        goto out;
    o.m = m;
    o.node = node;
    o.server_fqdn = fqdn;
    o.cert_pem = cert;
    o.cert_pem_len = clen;
    o.key_pem = key;
    o.key_pem_len = klen;
    o.cert_tp = p->cert.selected ? p->cert.tp : NULL;
    o.deadline_ms = deadline;
    o.stop = env->stop_requested;
    o.stop_ctx = env->ctx;
    rc = probe_run(&o, pr, e);
out:
    if (key) {
        OPENSSL_cleanse(key, klen);
        free(key);
    }
    free(cert);
    return rc;
}

/* The confirmed apply's wait (RFC 6241 8.4's confirmed commit, confirmed by a probe):
 * probes until one passes or timeout_s have gone, at least once in full. A later probe
 * starts only before the deadline and is cut there; one cut short keeps the probe
 * before it as the verdict, which says more. None goes on once the service is
 * stopping. *passed or *stopped (the service is stopping) say how it ended; pr holds
 * the probe that decided. */
static enum ofd_code confirm_wait(const struct check_config *cfg, const struct check_env *env, const struct manifest *m,
                                  struct node *node, const struct plan *p, const char *fqdn, struct probe_result *pr,
                                  int *passed, int *stopped, ofd_err *e)
{
    unsigned long long deadline = ofd_clock_ms() + (unsigned long long)m->confirm.timeout_s * 1000u, now, until;
    struct probe_result cur;
    int first = 1;
    enum ofd_code rc = OFD_OK;

    *passed = *stopped = 0;
    memset(&cur, 0, sizeof(cur));
    for (;;) {
        if ((rc = probe_once(cfg, env, m, node, p, fqdn, first ? 0 : deadline, &cur, e)) != OFD_OK)
            goto out;
        if (first || !cur.cut || probe_passed(&cur)) {
            probe_result_free(pr);
            *pr = cur;
            memset(&cur, 0, sizeof(cur));
        }
        first = 0;
        if (probe_passed(pr)) {
            *passed = 1;
            goto out;
        }
        if (env->stop_requested && env->stop_requested(env->ctx)) {
            *stopped = 1;
            goto out;
        }
        if ((now = ofd_clock_ms()) >= deadline)
            goto out;
        until = now + CHECK_CONFIRM_RETRY_MS < deadline ? now + CHECK_CONFIRM_RETRY_MS : deadline;
        while ((now = ofd_clock_ms()) < until) {
            if (env->stop_requested && env->stop_requested(env->ctx)) {
                *stopped = 1;
                goto out;
            }
            ofd_sleep_ms(until - now < 100 ? (unsigned)(until - now) : 100u);
        }
        if (now >= deadline)
            goto out; /* no probe starts at the deadline: it could only be cut */
        probe_result_free(&cur);
    }
out:
    probe_result_free(&cur);
    return rc;
}

/* After an undone apply that had restarted the Front End, the restored settings need a
 * restart too (R19): recorded as pending, and done now when this server's slot is
 * still open. *restarted says whether it was. */
static enum ofd_code restart_after_revert(struct node *node, int allowed, int *restarted, ofd_err *e)
{
    struct node_owned o = {0};
    struct apply_options opt;
    struct apply_result ar;
    struct plan none;
    enum ofd_code rc;

    *restarted = 0;
    if ((rc = node->ops->owned(node->ctx, &o, e)) != OFD_OK)
        return rc;
    o.restart_pending = 1;
    rc = node->ops->set_owned(node->ctx, &o, e);
    node_owned_free(&o);
    if (rc != OFD_OK || !allowed)
        return rc;
    memset(&opt, 0, sizeof(opt));
    memset(&none, 0, sizeof(none));
    opt.restart_allowed = 1;
    opt.restart_only = 1;
    if ((rc = apply_run(&none, node, &opt, &ar, e)) == OFD_OK)
        *restarted = ar.restart_done;
    return rc;
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
    struct probe_result pr = {0};
    char failure[OFD_ERR_MSG_MAX];
    int planned = 0, have_report = 0, probed = 0;
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
    /* One apply at a time, held across the recovery, the apply and the state file's
     * read-modify-write: another one's live journal is never taken for a crashed apply,
     * and 'ocsfed service retry' never saves a floor older than the one saved here. */
    if (jpath
        && (rc = apply_lock(jpath, cfg->lock_wait_ms ? cfg->lock_wait_ms : CHECK_LOCK_WAIT_MS, &lock, e)) != OFD_OK)
        goto failed;
    if (jpath && !cfg->monitor) {
        struct apply_recovery rec;

        /* An apply cut short (crash, power, kill) is undone before anything else. */
        if ((rc = apply_recover(jpath, &node, &rec, e)) != OFD_OK)
            goto failed;
        if (rec.found)
            emit(env, CHECK_EV_RECOVERED,
                 "an interrupted apply was undone from its journal %s (%zu write%s taken "
                 "back); %s is as it was before that apply%s%.1100s%s",
                 jpath, rec.undone, rec.undone == 1 ? "" : "s", id.fqdn, rec.gone ? ", except: " : "",
                 rec.gone ? rec.gone_msg : "",
                 rec.restart_pending ? "; that apply had restarted the Front End, so the restart that loads the "
                                       "restored settings is pending (R19)"
                                     : "");
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
    if (!cfg->monitor && st.reverted && st.reverted_serial == m->serial
        && !memcmp(st.reverted_sha256, in.sha256, INTAKE_SHA256_LEN)) {
        /* A serial whose confirming probe failed is not applied again: only a restart
         * its undo left for the slot (R19) is done. */
        struct apply_options opt;
        struct apply_result ar;
        char why[OFD_ERR_MSG_MAX];

        memset(&opt, 0, sizeof(opt));
        opt.restart_only = 1;
        opt.restart_allowed = window_restart_allowed(m, p.server, now, window_local_offset(now));
        if ((rc = apply_run(&p, &node, &opt, &ar, e)) != OFD_OK)
            goto failed;
        rep.restart_pending = ar.restart_pending;
        if (ar.restart_pending) { /* R19: the service checks again when the slot opens */
            long long next = window_next_restart(m, p.server, now, window_local_offset(now));
            r.next_restart = next > now ? next : 0;
        }
        snprintf(why, sizeof(why),
                 "manifest serial %lld was reverted: %s; it is not applied again: publish a new serial, or run "
                 "'ocsfed service retry' once the path to IM&P is fixed",
                 m->serial, st.reverted_reason);
        ofd_utf8_trim(why);
        r.outcome = CHECK_EV_REVERTED;
        rep.status = REPORT_FAILING;
        report_add_error(&rep, why, NULL, &werr);
        emit_state(env, r.outcome, "%s: %s", p.server, why);
        rc = OFD_OK;
        goto done;
    }
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
        opt.keep_journal = m->confirm.probe && jpath;
        if ((rc = apply_run(&p, &node, &opt, &ar, e)) != OFD_OK) {
            ofd_err_prefix(e, "apply of manifest serial %lld %s %s%s%.500s%s", m->serial,
                           rc == OFD_E_CANCELLED ? "stopped (the agent is stopping)" : "failed",
                           !ar.rolled_back || ar.rollback_rc == OFD_OK ? "and was rolled back"
                                                                       : "AND ITS ROLLBACK FAILED",
                           ar.rollback_rc == OFD_OK && ar.rollback_gone ? " (" : "",
                           ar.rollback_rc == OFD_OK && ar.rollback_gone ? ar.rollback_msg : "",
                           ar.rollback_rc == OFD_OK && ar.rollback_gone ? ")" : "");
            goto failed;
        }
        if (ar.journal_kept) {
            /* Confirmed apply: the probe must pass within the timeout, or the apply is
             * undone through its journal, kept until now. */
            int passed = 0, stopped = 0, restarted = 0;
            struct apply_recovery rec;

            probed = 1;
            if ((rc = confirm_wait(cfg, env, m, &node, &p, id.fqdn, &pr, &passed, &stopped, &werr)) != OFD_OK) {
                /* Not confirmed either: undone like a failed probe. */
                snprintf(failure, sizeof(failure), "the probe could not run: %.900s", werr.msg);
                ofd_utf8_trim(failure);
                probe_result_free(&pr);
            } else if (!passed) {
                probe_first_failure(&pr, failure, sizeof(failure));
            }
            if (passed) {
                if ((rc = apply_confirm(jpath, e)) != OFD_OK)
                    goto failed;
            } else {
                if ((rc = apply_recover(jpath, &node, &rec, e)) != OFD_OK) {
                    ofd_err_prefix(e, "apply of manifest serial %lld was not confirmed (%s) AND ITS UNDO FAILED",
                                   m->serial, stopped ? "the agent is stopping" : failure);
                    goto failed;
                }
                /* A service that is stopping leaves the restart pending rather than
                 * take the Front End down on its way out. */
                if (ar.restart_done
                    && (rc = restart_after_revert(
                            &node,
                            !stopped
                                && window_restart_allowed(m, p.server, env->now(env->ctx), window_local_offset(now)),
                            &restarted, e))
                           != OFD_OK)
                    goto failed;
                if (stopped) {
                    rc = ofd_err_set(e, OFD_E_CANCELLED,
                                     "apply of manifest serial %lld was not confirmed before the agent stopped, and "
                                     "was undone (%zu write%s taken back%s%.500s); it is applied again at the next "
                                     "check",
                                     m->serial, rec.undone, rec.undone == 1 ? "" : "s", rec.gone ? "; " : "",
                                     rec.gone ? rec.gone_msg : "");
                    goto failed;
                }
                /* Remembered, so the same broken change is not made and undone at
                 * every check. */
                if (cfg->state_path) {
                    st.reverted = 1;
                    st.reverted_serial = m->serial;
                    memcpy(st.reverted_sha256, in.sha256, INTAKE_SHA256_LEN);
                    snprintf(st.reverted_reason, sizeof(st.reverted_reason), "probe failed: %.480s", failure);
                    if ((rc = intake_state_save(cfg->state_path, &st, e)) != OFD_OK)
                        goto failed;
                }
                report_free(&rep);
                if ((rc = report_init(&rep, id.fqdn, now, cfg->monitor, e)) != OFD_OK
                    || (rc = report_add_plan(&rep, &p, 0, e)) != OFD_OK
                    || (pr.n && (rc = report_set_probe(&rep, &pr, e)) != OFD_OK))
                    goto failed;
                rep.serial = m->serial;
                if (!(rep.sha256 = ofd_strdup(hex))) {
                    rc = ofd_err_nomem(e);
                    goto failed;
                }
                {
                    size_t i;
                    const char *rule = NULL;
                    char msg[OFD_ERR_MSG_MAX];

                    for (i = 0; i < pr.n && !rule; i++)
                        if (pr.v[i].verdict == PROBE_FAIL)
                            rule = pr.v[i].rule[0] ? pr.v[i].rule : NULL;
                    snprintf(msg, sizeof(msg), "reverted: probe failed: %.990s", failure);
                    ofd_utf8_trim(msg);
                    report_add_error(&rep, msg, rule, &werr);
                }
                rep.status = REPORT_FAILING;
                rep.restart_pending = ar.restart_done && !restarted;
                if (rep.restart_pending) {
                    /* The restored settings wait for the slot (R19), counted from now: the
                     * probe's wait may have outlasted the slot this check began in. */
                    long long t = env->now(env->ctx),
                              next = window_next_restart(m, p.server, t, window_local_offset(t));
                    r.next_restart = next > t ? next : 0;
                }
                r.outcome = CHECK_EV_REVERTED;
                emit(env, r.outcome,
                     "manifest serial %lld: reverted: probe failed: %s; %s is as it was before the apply (%zu "
                     "write%s undone%s%.500s)%s; serial %lld is not applied again: publish a new serial, or run "
                     "'ocsfed service retry' once the path to IM&P is fixed",
                     m->serial, failure, p.server, rec.undone, rec.undone == 1 ? "" : "s", rec.gone ? "; " : "",
                     rec.gone ? rec.gone_msg : "",
                     restarted         ? "; Front End restarted again to load the restored settings"
                     : ar.restart_done ? "; the Front End restart that loads the restored settings waits for this "
                                         "server's slot of the maintenance window"
                                       : "",
                     m->serial);
                rc = OFD_OK;
                goto done;
            }
        }
        report_free(&rep);
        if ((rc = report_init(&rep, id.fqdn, now, cfg->monitor, e)) != OFD_OK
            || (rc = report_add_plan(&rep, &p, 1, e)) != OFD_OK
            || (rc = report_add_vocabulary(&rep, &p.vocab, e)) != OFD_OK)
            goto failed;
        if (probed && (rc = report_set_probe(&rep, &pr, e)) != OFD_OK)
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
        if (ar.writes || ar.restart_done || in.decision == INTAKE_ACCEPT) {
            char confirmed[96] = "";

            if (probed)
                snprintf(confirmed, sizeof(confirmed), "; confirmed: the probe passed (%zu checks)", pr.passed);
            emit(env, r.outcome, "manifest serial %lld: %zu change%s applied to %s (%zu writes, each read back)%s%s%s",
                 m->serial, ar.applied, ar.applied == 1 ? "" : "s", p.server, ar.writes,
                 ar.restart_done      ? "; Front End restarted"
                 : ar.restart_pending ? "; restart pending: it happens "
                                      : "",
                 ar.restart_pending ? plan_restart_when(&p, when, sizeof(when)) : "", confirmed);
        }
    }
    /* A manifest that asks for confirmation is probed at every check, for the report:
     * the path to IM&P can break after an apply was confirmed. */
    if (m->confirm.probe && !probed) {
        ofd_err pe;

        ofd_err_clear(&pe);
        if (probe_once(cfg, env, m, &node, &p, id.fqdn, 0, &pr, &pe) == OFD_OK)
            report_set_probe(&rep, &pr, &werr);
        else
            report_add_error(&rep, pe.msg, NULL, &werr);
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
    probe_result_free(&pr);
    report_free(&rep);
    intake_result_free(&in);
    node_identity_free(&id);
    node_close(&node);
    sb_free(&reports);
    free(journal);
    manifest_free(m);
    return rc;
}
