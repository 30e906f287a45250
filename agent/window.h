/* window: when a front end may restart (R19).
 *
 * The manifest's maintenance window is shared by every server it governs. A Front End
 * restart takes the server's SIP service down for a few minutes; on an Enterprise
 * Edition pool, restarting every front end at the same moment takes the pool down. So
 * the window is cut into one slot per front end of the pool, in the order of
 * `ocs.servers`, and each front end restarts only in its own slot, and only in the part
 * of it that leaves WINDOW_GUARD_MIN minutes before the next slot opens (a restart waits
 * up to 3 minutes for the service to stop and 3 to start). A Standard Edition server is
 * its own pool: its slot is the whole window. No window at all means no automatic
 * restart: the change waits for a window or for `ocsfed apply --restart-now`. */
#ifndef OCSFED_WINDOW_H
#define OCSFED_WINDOW_H

#include <stddef.h>

#include "manifest.h"

#define WINDOW_GUARD_MIN 10    /* no restart begins in a pool slot's last minutes */
#define WINDOW_MIN_SLOT_MIN 20 /* the shortest slot a pool's front end may get */

struct window_slot {
    int present;     /* 0: the manifest has no window: no automatic restart */
    size_t index;    /* this server's slot, 0-based: its position among the pool's servers */
    size_t count;    /* slots in the window: the pool's front ends (1 on Standard Edition) */
    int offset_min;  /* the slot's start, minutes after the window's start */
    int length_min;  /* the slot's length */
    int restart_min; /* a restart may begin in the slot's first restart_min minutes */
};

/* The slot of server (an FQDN of m's ocs.servers) in m's window. Returns 0, or -1 when
 * m does not name server. */
int window_slot_of(const struct manifest *m, const char *server, struct window_slot *out);

/* 1 when a restart of server may begin at now (seconds since 1970); local_offset is
 * the server's offset from UTC in seconds, for a window in local time. */
int window_restart_allowed(const struct manifest *m, const char *server, long long now, long local_offset);

/* The first time at or after now when a restart of server may begin (seconds since
 * 1970), or -1 when never (no window, or server not in m). */
long long window_next_restart(const struct manifest *m, const char *server, long long now, long local_offset);

/* The window as the plan and report show it, for server: "sat,sun 02:40-03:20 local
 * (slot 2 of 3 of the pool's window 02:00-04:00)"; a slot opening after midnight names
 * the days it opens on ("mon 00:00-00:50 local (slot 2 of 2 of the pool's window sun
 * 23:00-01:00)"); without a pool slot "sat,sun 02:00-04:00 local"; NULL without a
 * window (or out of memory). malloc'ed. */
char *window_text(const struct manifest *m, const char *server);

/* The window's length in minutes (0 without a window). */
int window_length_min(const struct manifest_window *w);

/* The server's offset from UTC at now, in seconds (its local time zone). */
long window_local_offset(long long now);

#endif
