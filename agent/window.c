#include "window.h"

#include <string.h>
#include <time.h>

#include "error.h"
#include "strbuf.h"

#define WEEK_S (7LL * 86400)

int window_length_min(const struct manifest_window *w)
{
    if (!w || !w->present)
        return 0;
    return w->end_min > w->start_min ? w->end_min - w->start_min : 1440 - w->start_min + w->end_min;
}

int window_slot_of(const struct manifest *m, const char *server, struct window_slot *out)
{
    size_t i;
    int len = window_length_min(&m->window);

    memset(out, 0, sizeof(*out));
    for (i = 0; i < m->nservers; i++)
        if (ofd_strcasecmp(m->servers[i].fqdn, server) == 0)
            break;
    if (i == m->nservers)
        return -1;
    out->present = m->window.present;
    /* Standard Edition servers are pools of one: their restarts do not meet. */
    if (m->edition == MANIFEST_ENTERPRISE && m->nservers > 1) {
        out->index = i;
        out->count = m->nservers;
        out->length_min = len / (int)m->nservers;
        out->offset_min = (int)i * out->length_min;
        out->restart_min = out->length_min - WINDOW_GUARD_MIN;
    } else {
        out->count = 1;
        out->length_min = out->restart_min = len;
    }
    if (out->restart_min < 1)
        out->restart_min = 1; /* validation refuses such a window (R19); never negative */
    return 0;
}

/* Seconds since the start of the week (Monday 00:00) in the window's time zone. */
static long long week_seconds(const struct manifest_window *w, long long now, long local_offset)
{
    long long t = now + (w->utc ? 0 : local_offset) + 3 * 86400; /* 1970-01-01 was a Thursday */

    return ((t % WEEK_S) + WEEK_S) % WEEK_S;
}

/* How long until the slot's restart part opens at or after now: 0 when it is open now,
 * -1 when never. */
static long long until_slot(const struct manifest *m, const char *server, long long now, long local_offset)
{
    struct window_slot s;
    long long ws, best = -1;
    int d;

    if (window_slot_of(m, server, &s) != 0 || !s.present)
        return -1;
    ws = week_seconds(&m->window, now, local_offset);
    for (d = 0; d < 7; d++) {
        long long begin, since, wait;

        if (!(m->window.days >> d & 1))
            continue;
        begin = ((long long)d * 1440 + m->window.start_min + s.offset_min) * 60;
        since = ((ws - begin) % WEEK_S + WEEK_S) % WEEK_S;
        if (since < (long long)s.restart_min * 60)
            return 0;
        wait = WEEK_S - since;
        if (best < 0 || wait < best)
            best = wait;
    }
    return best;
}

int window_restart_allowed(const struct manifest *m, const char *server, long long now, long local_offset)
{
    return until_slot(m, server, now, local_offset) == 0;
}

long long window_next_restart(const struct manifest *m, const char *server, long long now, long local_offset)
{
    long long wait = until_slot(m, server, now, local_offset);

    return wait < 0 ? -1 : now + wait;
}

static void hhmm(struct strbuf *sb, int min)
{
    min %= 1440;
    sb_printf(sb, "%02d:%02d", min / 60, min % 60);
}

/* The window's days, each moved on by shift days (in the window's order). */
static void day_list(struct strbuf *sb, unsigned days, int shift)
{
    static const char *const names[7] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
    int k, first = 1;

    for (k = 0; k < 7; k++) {
        if (days & (1u << k)) {
            sb_printf(sb, "%s%s", first ? "" : ",", names[(k + shift) % 7]);
            first = 0;
        }
    }
}

char *window_text(const struct manifest *m, const char *server)
{
    const struct manifest_window *w = &m->window;
    struct window_slot s;
    struct strbuf sb = {0};
    int shift;

    if (!w->present)
        return NULL;
    if (window_slot_of(m, server, &s) != 0)
        s.count = 1;
    if (s.count > 1) {
        /* A slot of a window across midnight that opens after midnight is on the next
         * day (until_slot counts it so): name that day, and the window's own days in
         * the brackets. A slot opening before midnight keeps its day. */
        shift = (w->start_min + s.offset_min) / 1440;
        day_list(&sb, w->days, shift);
        sb_appendc(&sb, ' ');
        hhmm(&sb, w->start_min + s.offset_min);
        sb_appendc(&sb, '-');
        hhmm(&sb, w->start_min + s.offset_min + s.restart_min);
        sb_printf(&sb, " %s (slot %zu of %zu of the pool's window ", w->utc ? "utc" : "local", s.index + 1, s.count);
        if (shift) {
            day_list(&sb, w->days, 0);
            sb_appendc(&sb, ' ');
        }
        hhmm(&sb, w->start_min);
        sb_appendc(&sb, '-');
        hhmm(&sb, w->end_min);
        sb_appendc(&sb, ')');
    } else {
        day_list(&sb, w->days, 0);
        sb_appendc(&sb, ' ');
        hhmm(&sb, w->start_min);
        sb_appendc(&sb, '-');
        hhmm(&sb, w->end_min);
        sb_printf(&sb, " %s", w->utc ? "utc" : "local");
    }
    return sb_take(&sb);
}

long window_local_offset(long long now)
{
    time_t t = (time_t)now;
    struct tm lt, ut;
    struct tm *p;

    if (!(p = localtime(&t)))
        return 0;
    lt = *p;
    if (!(p = gmtime(&t)))
        return 0;
    ut = *p;
    ut.tm_isdst = lt.tm_isdst;
    /* time_t counts seconds on both builds; no difftime (msvcrt on Server 2003 lacks
     * _difftime64). */
    return (long)(mktime(&lt) - mktime(&ut));
}
