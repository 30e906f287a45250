/* net for Windows: Winsock with non-blocking sockets and select(), so that every wait
 * has its bound. All of it is in ws2_32.dll of Windows Server 2003 (getaddrinfo since
 * XP). */
#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error_win.h"
#include "net.h"
#include "strbuf.h"

struct ofd_sock {
    SOCKET fd;
};

/* Winsock is reference-counted: each socket holds one start-up, released on close. */
static int wsa_start(void)
{
    WSADATA d;

    return WSAStartup(MAKEWORD(2, 2), &d) == 0;
}

static enum ofd_net_fail classify(int err)
{
    switch (err) {
    case WSAECONNREFUSED: return OFD_NET_REFUSED;
    case WSAETIMEDOUT: return OFD_NET_TIMEOUT;
    case WSAENETUNREACH:
    case WSAEHOSTUNREACH:
    case WSAENETDOWN:
    case WSAEHOSTDOWN: return OFD_NET_UNREACHABLE;
    case WSAECONNRESET:
    case WSAECONNABORTED:
    case WSAESHUTDOWN: return OFD_NET_CLOSED;
    default: return OFD_NET_ERROR;
    }
}

static enum ofd_code fail(ofd_err *e, enum ofd_net_fail *why, enum ofd_net_fail f, const char *what, int err)
{
    if (why)
        *why = f;
    if (f == OFD_NET_TIMEOUT)
        return ofd_err_set(e, OFD_E_IO, "%s: timed out", what);
    ofd_err_win32(e, (DWORD)err, "%s", what);
    if (e)
        e->code = OFD_E_IO;
    return OFD_E_IO;
}

/* Waits until fd is readable (write 0) or writable/failed (write 1), until deadline.
 * 1 ready, 0 timed out, -1 error. */
static int wait_fd(SOCKET fd, int write, unsigned long long deadline)
{
    for (;;) {
        fd_set rd, wr, ex;
        struct timeval tv;
        unsigned long long now = ofd_clock_ms(), left;
        int r;

        if (now >= deadline)
            return 0;
        left = deadline - now > 60000 ? 60000 : deadline - now;
        FD_ZERO(&rd);
        FD_ZERO(&wr);
        FD_ZERO(&ex);
        if (write) {
            FD_SET(fd, &wr);
            FD_SET(fd, &ex); /* a failed connect shows here on Windows, not in wr */
        } else {
            FD_SET(fd, &rd);
        }
        tv.tv_sec = (long)(left / 1000);
        tv.tv_usec = (long)(left % 1000) * 1000;
        r = select(0, &rd, &wr, &ex, &tv);
        if (r > 0)
            return 1;
        if (r < 0)
            return -1;
    }
}

enum ofd_code ofd_net_connect(const char *ipv4, unsigned port, unsigned timeout_ms, struct ofd_sock **out,
                              enum ofd_net_fail *why, ofd_err *e)
{
    struct sockaddr_in sa;
    struct ofd_sock *s = NULL;
    SOCKET fd = INVALID_SOCKET;
    u_long nb = 1;
    int err = 0, len = sizeof(err), r, started = 0;
    enum ofd_code rc;

    if (why)
        *why = OFD_NET_OK;
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons((unsigned short)port);
    sa.sin_addr.s_addr = inet_addr(ipv4);
    if (port == 0 || port > 65535 || sa.sin_addr.s_addr == INADDR_NONE) {
        if (why)
            *why = OFD_NET_ERROR;
        return ofd_err_set(e, OFD_E_INVALID, "'%s' port %u is not an IPv4 address and port", ipv4, port);
    }
    if (!(started = wsa_start())) {
        rc = ofd_err_set(e, OFD_E_PLATFORM, "cannot start Winsock");
        goto out;
    }
    if ((fd = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)) == INVALID_SOCKET || ioctlsocket(fd, FIONBIO, &nb) != 0) {
        rc = fail(e, why, OFD_NET_ERROR, "cannot make a socket", WSAGetLastError());
        goto out;
    }
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
        if (WSAGetLastError() != WSAEWOULDBLOCK) {
            rc = fail(e, why, classify(WSAGetLastError()), "connect", WSAGetLastError());
            goto out;
        }
        if ((r = wait_fd(fd, 1, ofd_clock_ms() + timeout_ms)) <= 0) {
            rc = fail(e, why, r == 0 ? OFD_NET_TIMEOUT : OFD_NET_ERROR, "connect", WSAGetLastError());
            goto out;
        }
        if (getsockopt(fd, SOL_SOCKET, SO_ERROR, (char *)&err, &len) != 0 || err != 0) {
            rc = fail(e, why, classify(err ? err : WSAGetLastError()), "connect", err ? err : WSAGetLastError());
            goto out;
        }
    }
    if (!(s = malloc(sizeof(*s)))) {
        rc = ofd_err_nomem(e);
        goto out;
    }
    s->fd = fd;
    fd = INVALID_SOCKET;
    started = 0; /* the socket keeps it until ofd_net_close */
    *out = s;
    rc = OFD_OK;
out:
    if (fd != INVALID_SOCKET)
        closesocket(fd);
    if (started)
        WSACleanup();
    return rc;
}

enum ofd_code ofd_net_send(struct ofd_sock *s, const void *buf, size_t len, unsigned timeout_ms, enum ofd_net_fail *why,
                           ofd_err *e)
{
    const char *p = buf;
    unsigned long long deadline = ofd_clock_ms() + timeout_ms;
    int n, r, chunk;

    if (why)
        *why = OFD_NET_OK;
    while (len > 0) {
        if ((r = wait_fd(s->fd, 1, deadline)) <= 0)
            return fail(e, why, r == 0 ? OFD_NET_TIMEOUT : OFD_NET_ERROR, "send", WSAGetLastError());
        chunk = len > 65536 ? 65536 : (int)len;
        if ((n = send(s->fd, p, chunk, 0)) == SOCKET_ERROR) {
            if (WSAGetLastError() == WSAEWOULDBLOCK)
                continue;
            return fail(e, why, classify(WSAGetLastError()), "send", WSAGetLastError());
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
    int n, r;

    *got = 0;
    if (why)
        *why = OFD_NET_OK;
    for (;;) {
        if ((r = wait_fd(s->fd, 0, deadline)) <= 0)
            return fail(e, why, r == 0 ? OFD_NET_TIMEOUT : OFD_NET_ERROR, "receive", WSAGetLastError());
        if ((n = recv(s->fd, buf, cap > 65536 ? 65536 : (int)cap, 0)) == SOCKET_ERROR) {
            if (WSAGetLastError() == WSAEWOULDBLOCK)
                continue;
            return fail(e, why, classify(WSAGetLastError()), "receive", WSAGetLastError());
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
    int len = sizeof(sa);

    if (getsockname(s->fd, (struct sockaddr *)&sa, &len) != 0 || sa.sin_family != AF_INET)
        return ofd_err_win32(e, (DWORD)WSAGetLastError(), "cannot read this end's address");
    snprintf(ip, 16, "%s", inet_ntoa(sa.sin_addr));
    *port = ntohs(sa.sin_port);
    return OFD_OK;
}

void ofd_net_close(struct ofd_sock *s)
{
    if (!s)
        return;
    closesocket(s->fd);
    WSACleanup();
    free(s);
}

enum ofd_code ofd_net_resolve(const char *fqdn, char **ip, ofd_err *e)
{
    struct addrinfo hints, *res = NULL;
    char text[16];
    int r;
    enum ofd_code rc = OFD_OK;

    *ip = NULL;
    if (!wsa_start())
        return ofd_err_set(e, OFD_E_PLATFORM, "cannot start Winsock");
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_INET;
    hints.ai_socktype = SOCK_STREAM;
    if ((r = getaddrinfo(fqdn, NULL, &hints, &res)) != 0) {
        /* A name that does not exist (or has no IPv4 address) is an answer. */
        if (r != WSAHOST_NOT_FOUND && r != WSATRY_AGAIN && r != WSANO_RECOVERY && r != WSANO_DATA)
            rc = ofd_err_win32(e, (DWORD)r, "cannot resolve '%s'", fqdn);
        goto out;
    }
    if (res && res->ai_family == AF_INET) {
        snprintf(text, sizeof(text), "%s", inet_ntoa(((struct sockaddr_in *)(void *)res->ai_addr)->sin_addr));
        if (!(*ip = ofd_strdup(text)))
            rc = ofd_err_nomem(e);
    }
out:
    if (res)
        freeaddrinfo(res);
    WSACleanup();
    return rc;
}

unsigned long long ofd_clock_ms(void)
{
    /* GetTickCount64 is Vista's: carry GetTickCount's wrap (49.7 days) by hand. */
    static DWORD last;
    static unsigned long long high;
    DWORD now = GetTickCount();

    if (now < last)
        high += 1ull << 32;
    last = now;
    return high + now;
}
