/* net for POSIX systems (the native build): non-blocking sockets and poll(2), so that
 * every wait has its bound. */
#include "net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "strbuf.h"

struct ofd_sock {
    int fd;
};

static enum ofd_code fail(ofd_err *e, enum ofd_net_fail *why, enum ofd_net_fail f, const char *what, int err)
{
    if (why)
        *why = f;
    return ofd_err_set(e, OFD_E_IO, "%s: %s", what, f == OFD_NET_TIMEOUT ? "timed out" : strerror(err));
}

static enum ofd_net_fail classify(int err)
{
    switch (err) {
    case ECONNREFUSED: return OFD_NET_REFUSED;
    case ETIMEDOUT: return OFD_NET_TIMEOUT;
    case ENETUNREACH:
    case EHOSTUNREACH:
    case ENETDOWN:
    case EHOSTDOWN: return OFD_NET_UNREACHABLE;
    case ECONNRESET:
    case EPIPE: return OFD_NET_CLOSED;
    default: return OFD_NET_ERROR;
    }
}

/* Waits for events on fd until deadline (ofd_clock_ms). 1 ready, 0 timed out, -1 error. */
static int wait_fd(int fd, short events, unsigned long long deadline)
{
    for (;;) {
        struct pollfd p = {fd, events, 0};
        unsigned long long now = ofd_clock_ms();
        int r;

        if (now >= deadline)
            return 0;
        r = poll(&p, 1, (int)(deadline - now > 60000 ? 60000 : deadline - now));
        if (r > 0)
            return 1;
        if (r < 0 && errno != EINTR)
            return -1;
    }
}

enum ofd_code ofd_net_connect(const char *ipv4, unsigned port, unsigned timeout_ms, struct ofd_sock **out,
                              enum ofd_net_fail *why, ofd_err *e)
{
    struct sockaddr_in sa;
    struct ofd_sock *s = NULL;
    int fd = -1, err = 0, r;
    socklen_t len = sizeof(err);
    enum ofd_code rc;

    if (why)
        *why = OFD_NET_OK;
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons((unsigned short)port);
    if (port == 0 || port > 65535 || inet_pton(AF_INET, ipv4, &sa.sin_addr) != 1) {
        if (why)
            *why = OFD_NET_ERROR;
        return ofd_err_set(e, OFD_E_INVALID, "'%s' port %u is not an IPv4 address and port", ipv4, port);
    }
    if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0 || fcntl(fd, F_SETFD, FD_CLOEXEC) < 0
        || fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0) {
        rc = fail(e, why, OFD_NET_ERROR, "cannot make a socket", errno);
        goto out;
    }
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
        if (errno != EINPROGRESS) {
            rc = fail(e, why, classify(errno), "connect", errno);
            goto out;
        }
        if ((r = wait_fd(fd, POLLOUT, ofd_clock_ms() + timeout_ms)) <= 0) {
            rc = fail(e, why, r == 0 ? OFD_NET_TIMEOUT : OFD_NET_ERROR, "connect", errno);
            goto out;
        }
        if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0) {
            rc = fail(e, why, classify(err ? err : errno), "connect", err ? err : errno);
            goto out;
        }
    }
    if (!(s = malloc(sizeof(*s)))) {
        rc = ofd_err_nomem(e);
        goto out;
    }
    s->fd = fd;
    fd = -1;
    *out = s;
    rc = OFD_OK;
out:
    if (fd >= 0)
        close(fd);
    return rc;
}

enum ofd_code ofd_net_send(struct ofd_sock *s, const void *buf, size_t len, unsigned timeout_ms, enum ofd_net_fail *why,
                           ofd_err *e)
{
    const char *p = buf;
    unsigned long long deadline = ofd_clock_ms() + timeout_ms;
    ssize_t n;
    int r;

    if (why)
        *why = OFD_NET_OK;
    while (len > 0) {
        if ((r = wait_fd(s->fd, POLLOUT, deadline)) <= 0)
            return fail(e, why, r == 0 ? OFD_NET_TIMEOUT : OFD_NET_ERROR, "send", errno);
        /* MSG_NOSIGNAL: a peer that closed is an error here, not a SIGPIPE. */
        if ((n = send(s->fd, p, len, MSG_NOSIGNAL)) < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
                continue;
            return fail(e, why, classify(errno), "send", errno);
        }
        p += n;
        len -= (size_t)n;
    }
    return OFD_OK;
}

enum ofd_code ofd_net_recv(struct ofd_sock *s, void *buf, size_t cap, size_t *got, unsigned timeout_ms,
                           enum ofd_net_fail *why, ofd_err *e)
{
    unsigned long long deadline = ofd_clock_ms() + timeout_ms;
    ssize_t n;
    int r;

    *got = 0;
    if (why)
        *why = OFD_NET_OK;
    for (;;) {
        if ((r = wait_fd(s->fd, POLLIN, deadline)) <= 0)
            return fail(e, why, r == 0 ? OFD_NET_TIMEOUT : OFD_NET_ERROR, "receive", errno);
        if ((n = recv(s->fd, buf, cap, 0)) < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
                continue;
            return fail(e, why, classify(errno), "receive", errno);
        }
        if (n == 0 && why)
            *why = OFD_NET_CLOSED;
        *got = (size_t)n;
        return OFD_OK;
    }
}

enum ofd_code ofd_net_local(struct ofd_sock *s, char ip[16], unsigned *port, ofd_err *e)
{
    struct sockaddr_in sa;
    socklen_t len = sizeof(sa);

    if (getsockname(s->fd, (struct sockaddr *)&sa, &len) != 0 || sa.sin_family != AF_INET
        || !inet_ntop(AF_INET, &sa.sin_addr, ip, 16))
        return ofd_err_set(e, OFD_E_IO, "cannot read this end's address: %s", strerror(errno));
    *port = ntohs(sa.sin_port);
    return OFD_OK;
}

void ofd_net_close(struct ofd_sock *s)
{
    if (!s)
        return;
    close(s->fd);
    free(s);
}

enum ofd_code ofd_net_resolve(const char *fqdn, char **ip, ofd_err *e)
{
    struct addrinfo hints, *res = NULL;
    char text[INET_ADDRSTRLEN];
    int r;

    *ip = NULL;
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_INET;
    hints.ai_socktype = SOCK_STREAM;
    if ((r = getaddrinfo(fqdn, NULL, &hints, &res)) != 0) {
        /* A name that does not exist (or has no IPv4 address) is an answer. */
        if (r == EAI_NONAME || r == EAI_AGAIN || r == EAI_FAIL
#ifdef EAI_NODATA
            || r == EAI_NODATA
#endif
        )
            return OFD_OK;
        return ofd_err_set(e, OFD_E_IO, "cannot resolve '%s': %s", fqdn, gai_strerror(r));
    }
    if (res && res->ai_family == AF_INET
        && inet_ntop(AF_INET, &((struct sockaddr_in *)(void *)res->ai_addr)->sin_addr, text, sizeof(text))
        && !(*ip = ofd_strdup(text))) {
        freeaddrinfo(res);
        return ofd_err_nomem(e);
    }
    freeaddrinfo(res);
    return OFD_OK;
}

unsigned long long ofd_clock_ms(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (unsigned long long)t.tv_sec * 1000u + (unsigned long long)t.tv_nsec / 1000000u;
}
