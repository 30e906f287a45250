/* apply: carries a plan out on a node, all or nothing. Changes run in a safe order
 * (certificates, FIPS, authorized hosts, routes, listening addresses, then deletes of
 * routes before hosts, the Front End restart last); each write is read back and
 * compared; on the first failure every write already made is undone in reverse order.
 * The ownership record is updated with what was created and deleted, and says when a
 * Front End restart waits for the maintenance window (R19).
 *
 * The journal: before each write, its undo record is appended to a journal file and
 * flushed to the disk; it is removed when the apply completes or is fully undone. A
 * journal found at the next start is an apply cut short (a crash, power, a kill):
 * apply_recover undoes it, so the node ends as it was before that apply. */
#ifndef OCSFED_APPLY_H
#define OCSFED_APPLY_H

#include "error.h"
#include "fsutil.h"
#include "node.h"
#include "plan.h"

struct apply_options {
    int restart_allowed;      /* 1: this server's restart slot is open (window.h), or an
                               * administrator forced the restart (R19) */
    const char *journal;      /* journal file; NULL: none (tests of the rollback alone) */
    const char *pfx_password; /* R16: opens the manifest's PKCS#12, or NULL */
    /* Asked before each write; 1 stops the apply (the write in flight has finished)
     * and undoes what it did: a service stopping mid-apply leaves the node as it was.
     * NULL: never. */
    int (*cancelled)(void *ctx);
    void *cancel_ctx;
    /* How the read-back waits between tries (APPLY_READBACK_DELAYS_MS); NULL: it sleeps
     * (ofd_sleep_ms). Tests count the waits instead of waiting. */
    void (*sleep_ms)(void *ctx, unsigned ms);
    void *sleep_ctx;
    /* 1: a confirmed apply ("confirm", check.c): on success the journal is kept, so the
     * apply can still be undone (apply_recover) until it is confirmed (apply_confirm). */
    int keep_journal;
    /* 1: no setting is changed; only a Front End restart the node records as pending is
     * done (when restart_allowed): for a serial that was reverted, whose restored
     * settings wait for a restart. */
    int restart_only;
};

/* A provider slow to show what was just written (an AD-backed instance may not be
 * readable at once) is given a few seconds before a read-back mismatch is declared: the
 * read-back is tried again after each of these waits, 3 s in all, and the apply fails
 * (and is undone) only when the last one still differs. */
#define APPLY_READBACK_DELAYS_MS      \
    {                                 \
        100u, 200u, 400u, 800u, 1500u \
    }
#define APPLY_READBACK_TOTAL_MS 3000u

/* A journal larger than this is not one ocsfed wrote (10,000 changes take ~3 MB). */
#define APPLY_JOURNAL_MAX_BYTES (256u * 1024u * 1024u)

struct apply_recovery {
    int found;                      /* there was a journal */
    int torn;                       /* its last entry was cut short (its write never started) */
    size_t undone;                  /* entries taken back */
    size_t gone;                    /* entries the apply updated that someone else deleted since: left deleted */
    char gone_msg[OFD_ERR_MSG_MAX]; /* the first of them, and how many more; "" when none */
    /* the apply had restarted the Front End: the restored settings' restart is now
     * pending (R19) */
    int restart_pending;
};

struct apply_result {
    size_t writes;  /* node writes made (0 when nothing had to change) */
    size_t applied; /* plan changes carried out */
    int restart_done;
    int restart_pending;                /* a restart is needed but waits for the window */
    int journal_kept;                   /* keep_journal: the journal of this apply's writes is there */
    int rolled_back;                    /* a failure was undone */
    enum ofd_code rollback_rc;          /* OFD_OK when the rollback itself succeeded */
    size_t rollback_gone;               /* as apply_recovery's gone: updated entries deleted since, left so */
    char rollback_msg[OFD_ERR_MSG_MAX]; /* the rollback's failure; when it succeeded, "" or what it left */
};

/* Applies p to n (which must have the write interface). Returns OFD_OK when every
 * change was made and verified; otherwise the first error (rule and message in e),
 * after undoing what was done (outcome in res). res is always filled. A plan whose
 * vocabulary check found a contradiction (vocab.h) is refused before any write. */
enum ofd_code apply_run(const struct plan *p, struct node *n, const struct apply_options *opt, struct apply_result *res,
                        ofd_err *e);

/* If journal exists, undoes the apply it records on n (newest entry first) and
 * removes it. Returns OFD_OK (res->found says whether there was one), or an error with
 * the journal kept: a damaged journal, a journal of another node, or a write that
 * failed (the next run tries again). */
enum ofd_code apply_recover(const char *journal, struct node *n, struct apply_recovery *res, ofd_err *e);

/* Puts in buf (size bytes) the note of the gone-th entry found deleted since (note:
 * journal_undo's): the first note, then how many more. */
void apply_note_gone(char *buf, size_t size, size_t gone, const char *note);

/* A confirmed apply stands: its kept journal is removed (a missing one is OK). To undo
 * it instead, apply_recover(journal, ...) takes its writes back, newest first. */
enum ofd_code apply_confirm(const char *journal, ofd_err *e);

/* The journal of a simulated node file: PATH.journal. Malloc'ed; NULL on oom. */
char *apply_journal_for(const char *node_path);

/* One apply at a time on a node: the lock JOURNAL.lock, held across apply_recover and
 * apply_run, so that a second apply never takes a live journal for a crashed one. Waits
 * up to wait_ms for the other to finish. Returns OFD_OK with *lock set (release with
 * ofd_lock_release); OFD_E_CONFLICT when another apply still holds it. */
enum ofd_code apply_lock(const char *journal, unsigned wait_ms, struct ofd_lock **lock, ofd_err *e);

/* 1 when the journal of an apply cut short is there (to be recovered). */
int apply_journal_exists(const char *journal);

#endif
