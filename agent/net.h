/* net: the few network operations the probe (probe.h) needs, one implementation per
 * platform (posix/net_posix.c with BSD sockets, win/net_win.c with Winsock; CMake picks
 * the file, as for fsutil.h). IPv4 only: the manifest names each IM&P node by an IPv4
 * address (R9). Every wait is bounded by a timeout in milliseconds; a failure says
 * why in *why (which may be NULL) as well as in e. */
#ifndef OCSFED_NET_H
#define OCSFED_NET_H

#include <stddef.h>

#include "error.h"

enum ofd_net_fail {
    OFD_NET_OK = 0,
    OFD_NET_REFUSED,     /* nothing listens there: the peer answered with a reset */
    OFD_NET_TIMEOUT,     /* no answer within the timeout (a filter dropping packets) */
    OFD_NET_UNREACHABLE, /* no route to that network or host */
    OFD_NET_CLOSED,      /* the peer closed or reset the connection */
    OFD_NET_ERROR        /* anything else (the message says what) */
};

struct ofd_sock;

/* Connects to ipv4:port, waiting at most timeout_ms. OFD_OK with *out (close with
 * ofd_net_close), or OFD_E_IO with *why. */
enum ofd_code ofd_net_connect(const char *ipv4, unsigned port, unsigned timeout_ms, struct ofd_sock **out,
                              enum ofd_net_fail *why, ofd_err *e);
/* Sends all len bytes, waiting at most timeout_ms in all. */
enum ofd_code ofd_net_send(struct ofd_sock *s, const void *buf, size_t len, unsigned timeout_ms, enum ofd_net_fail *why,
                           ofd_err *e);
/* Receives what has arrived, up to cap bytes, waiting at most timeout_ms for the first
 * byte. *got = 0 when the peer closed the connection (OFD_OK, *why OFD_NET_CLOSED);
 * OFD_E_IO with *why OFD_NET_TIMEOUT when nothing came. */
enum ofd_code ofd_net_recv(struct ofd_sock *s, void *buf, size_t cap, size_t *got, unsigned timeout_ms,
                           enum ofd_net_fail *why, ofd_err *e);
/* This end of the connection: dotted address and port (for a SIP Via header). */
enum ofd_code ofd_net_local(struct ofd_sock *s, char ip[16], unsigned *port, ofd_err *e);
/* Closes s (NULL is allowed). */
void ofd_net_close(struct ofd_sock *s);

/* This machine's resolver (the one OCS uses): the IPv4 address fqdn resolves to, as a
 * malloc'ed dotted string in *ip, or *ip = NULL when the name does not resolve
 * (OFD_OK either way); an error only when the resolver itself cannot be used. Bounded
 * by the resolver's own timeouts. */
enum ofd_code ofd_net_resolve(const char *fqdn, char **ip, ofd_err *e);

/* Milliseconds on a clock that never goes back (not the time of day). */
unsigned long long ofd_clock_ms(void);

/* "refused", "timed out", ... for messages. Never NULL. */
const char *ofd_net_fail_name(enum ofd_net_fail f);

#endif
