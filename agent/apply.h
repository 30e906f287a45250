/* apply: carries a plan out on a node, all or nothing. Changes run in a safe order
 * (certificates, FIPS, authorized hosts, routes, listening addresses, then deletes of
 * routes before hosts, the Front End restart last); each write is read back and
 * compared; on the first failure every write already made is undone in reverse order.
 * The ownership record is updated with what was created and deleted.
 *
 * Not yet here (issue 4 goes on): the on-disk journal that recovers from a crash in
 * the middle of an apply. */
#ifndef OCSFED_APPLY_H
#define OCSFED_APPLY_H

#include "error.h"
#include "node.h"
#include "plan.h"

struct apply_options {
    int restart_allowed;   /* 1: inside the maintenance window (R19) */
};

struct apply_result {
    size_t writes;         /* node writes made (0 when nothing had to change) */
    size_t applied;        /* plan changes carried out */
    int restart_done;
    int restart_pending;   /* a restart is needed but waits for the window */
    int rolled_back;       /* a failure was undone */
    enum ofd_code rollback_rc; /* OFD_OK when the rollback itself succeeded */
    char rollback_msg[OFD_ERR_MSG_MAX];
};

/* Applies p to n (which must have the write interface). Returns OFD_OK when every
 * change was made and verified; otherwise the first error (rule and message in e),
 * after undoing what was done (outcome in res). res is always filled. */
enum ofd_code apply_run(const struct plan *p, struct node *n, const struct apply_options *opt,
                        struct apply_result *res, ofd_err *e);

/* 1 when now (seconds since 1970) is inside the manifest's maintenance window, or the
 * manifest has none. local_offset: the server's offset from UTC in seconds. */
int apply_in_window(const struct manifest_window *w, long long now, long local_offset);

/* This server's offset from UTC at now, in seconds (from the C library's time zone). */
long apply_local_offset(long long now);

#endif
