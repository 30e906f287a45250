#include "probe_sip.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "version.h"

/* Characters a host name, an address or the random id may hold: nothing that could end
 * a header or a URI. */
static int plain(const char *s, int hex_only)
{
    if (!s || !*s)
        return 0;
    for (; *s; s++) {
        char c = *s;
        int ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')
                 || (!hex_only && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' || c == '.'));
        if (!ok)
            return 0;
    }
    return 1;
}

enum ofd_code probe_sip_options(const struct probe_sip_request *r, struct strbuf *out, char *call_id, size_t size,
                                ofd_err *e)
{
    const char *from = r->from_host ? r->from_host : r->local_ip;
    const char *t = r->tls ? "tls" : "tcp";

    if (!plain(r->uri_host, 0) || !plain(r->local_ip, 0) || !plain(from, 0))
        return ofd_err_set(e, OFD_E_INVALID, "a SIP host must be a name or an address");
    if (!plain(r->id, 1) || strlen(r->id) < 24)
        return ofd_err_set(e, OFD_E_INVALID, "the request's id must be at least 24 hexadecimal digits");
    if ((size_t)snprintf(call_id, size, "%.16s@%s", r->id, from) >= size)
        return ofd_err_set(e, OFD_E_INVALID, "the Call-ID is too long");
    /* RFC 3261 8.1.1: the headers every request carries; the branch starts with the
     * magic cookie z9hG4bK (17.2.3), the From tag is ours, To has none. The Request-URI
     * is the route's next hop as OCS would address it. */
    sb_printf(out, "OPTIONS sip:%s:%u;transport=%s SIP/2.0\r\n", r->uri_host, r->port, t);
    sb_printf(out, "Via: SIP/2.0/%s %s:%u;branch=z9hG4bK%s;rport\r\n", r->tls ? "TLS" : "TCP", r->local_ip,
              r->local_port, r->id);
    sb_printf(out, "Max-Forwards: 70\r\n");
    sb_printf(out, "From: <sip:ocsfed-probe@%s>;tag=%.8s\r\n", from, r->id + 16);
    sb_printf(out, "To: <sip:%s:%u>\r\n", r->uri_host, r->port);
    sb_printf(out, "Call-ID: %s\r\n", call_id);
    sb_printf(out, "CSeq: 1 OPTIONS\r\n");
    sb_printf(out, "Contact: <sip:ocsfed-probe@%s:%u;transport=%s>\r\n", r->local_ip, r->local_port, t);
    sb_printf(out, "Accept: application/sdp\r\n");
    sb_printf(out, "User-Agent: ocsfed/%s probe\r\n", OCSFED_VERSION);
    sb_printf(out, "Content-Length: 0\r\n\r\n");
    return out->oom ? ofd_err_nomem(e) : OFD_OK;
}

/* RFC 3261 25.1: token characters (a method, a header name). */
static int is_token(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c && strchr("-.!%*_+`'~", c));
}

/* Copies n bytes of s into dst (size bytes), control characters blanked. */
static void copy_text(char *dst, size_t size, const char *s, size_t n)
{
    size_t i;

    if (n >= size)
        n = size - 1;
    for (i = 0; i < n; i++)
        dst[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? ' ' : s[i];
    dst[n] = '\0';
}

/* Whether the start of a message (p[0..n), the first line not complete yet) can still
 * be SIP: a response's "SIP/2.0 " or a request's method (a token, then a space). */
static int may_be_sip(const char *p, size_t n)
{
    static const char sip[] = "SIP/2.0 ";
    size_t i;

    if (!memcmp(p, sip, n < 8 ? n : 8))
        return 1;
    for (i = 0; i < n && p[i] != ' '; i++)
        if (!is_token(p[i]))
            return 0;
    return 1;
}

static enum probe_sip_parse_result not_sip(ofd_err *e, const char *fmt, ...) OFD_PRINTF(2, 3);

static enum probe_sip_parse_result not_sip(ofd_err *e, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    ofd_err_setv(e, OFD_E_INVALID, fmt, ap);
    va_end(ap);
    return PROBE_SIP_NOT_SIP;
}

/* The start line of a complete header block. */
static enum probe_sip_parse_result start_line(const char *p, size_t n, struct probe_sip_msg *m, ofd_err *e)
{
    const char *sp;

    if (n >= 8 && !memcmp(p, "SIP/2.0 ", 8)) {
        m->response = 1;
        if (n < 11 || p[8] < '1' || p[8] > '6' || p[9] < '0' || p[9] > '9' || p[10] < '0' || p[10] > '9'
            || (n > 11 && p[11] != ' '))
            return not_sip(e, "a SIP status line without a status code 100-699");
        m->status = (p[8] - '0') * 100 + (p[9] - '0') * 10 + (p[10] - '0');
        if (n > 12)
            copy_text(m->reason, sizeof(m->reason), p + 12, n - 12);
        return PROBE_SIP_MESSAGE;
    }
    /* Method SP Request-URI SP SIP/2.0: a method and a URI, neither empty, nor the
     * URI with a space. */
    if (n < 11 || !(sp = memchr(p, ' ', n)) || sp == p || memcmp(p + n - 8, " SIP/2.0", 8) != 0 || sp + 1 >= p + n - 8
        || memchr(sp + 1, ' ', (size_t)(p + n - 8 - (sp + 1))))
        return not_sip(e, "neither a SIP status line nor a SIP request line");
    copy_text(m->method, sizeof(m->method), p, (size_t)(sp - p));
    return PROBE_SIP_MESSAGE;
}

/* Header name at p[0..n) is name or its compact form. */
static int header_is(const char *p, size_t n, const char *name, char compact)
{
    size_t i;

    if (n == 1 && (p[0] | 0x20) == compact)
        return 1;
    if (n != strlen(name))
        return 0;
    for (i = 0; i < n; i++)
        if ((p[i] | 0x20) != (name[i] | 0x20))
            return 0;
    return 1;
}

enum probe_sip_parse_result probe_sip_parse(const char *buf, size_t len, struct probe_sip_msg *m, size_t *used,
                                            ofd_err *e)
{
    const char *p = buf, *end = buf + len, *line, *nl, *head_end = NULL;
    size_t skip, body = 0;
    int first = 1;
    enum probe_sip_parse_result r;

    memset(m, 0, sizeof(*m));
    *used = 0;
    /* Keep-alives (CRLF pairs, RFC 5626) between messages. */
    while (p < end && (*p == '\r' || *p == '\n'))
        p++;
    skip = (size_t)(p - buf);
    /* The header block ends at an empty line; each line at LF (CR before it dropped). */
    for (line = p; line < end && (nl = memchr(line, '\n', (size_t)(end - line))); line = nl + 1) {
        size_t n = (size_t)(nl - line);
        const char *colon, *v, *ve;

        if (n && line[n - 1] == '\r')
            n--;
        if ((size_t)(nl + 1 - p) > PROBE_SIP_MAX_HEADERS)
            break;
        if (first) {
            if ((r = start_line(line, n, m, e)) != PROBE_SIP_MESSAGE)
                return r;
            first = 0;
            continue;
        }
        if (n == 0) {
            head_end = nl + 1;
            break;
        }
        if (line[0] == ' ' || line[0] == '\t')
            continue; /* a folded line (RFC 3261 7.3.1): nothing the probe reads */
        if (!(colon = memchr(line, ':', n)))
            return not_sip(e, "a SIP header line without a colon");
        for (ve = colon; ve > line && (ve[-1] == ' ' || ve[-1] == '\t'); ve--)
            ;
        for (v = colon + 1; v < line + n && (*v == ' ' || *v == '\t'); v++)
            ;
        n = (size_t)(line + n - v);
        while (n && (v[n - 1] == ' ' || v[n - 1] == '\t'))
            n--;
        if (header_is(line, (size_t)(ve - line), "Call-ID", 'i')) {
            copy_text(m->call_id, sizeof(m->call_id), v, n);
        } else if (header_is(line, (size_t)(ve - line), "CSeq", 0)) {
            const char *sp = memchr(v, ' ', n);
            if (sp)
                copy_text(m->cseq_method, sizeof(m->cseq_method), sp + 1, (size_t)(v + n - sp - 1));
        } else if (header_is(line, (size_t)(ve - line), "Content-Length", 'l')) {
            size_t i;
            body = 0;
            if (n == 0 || n > 9)
                return not_sip(e, "a Content-Length that is not a number of bytes");
            for (i = 0; i < n; i++) {
                if (v[i] < '0' || v[i] > '9')
                    return not_sip(e, "a Content-Length that is not a number of bytes");
                body = body * 10 + (size_t)(v[i] - '0');
            }
            if (body > PROBE_SIP_MAX_BODY)
                return not_sip(e, "a SIP body larger than 65536 bytes");
        }
    }
    if (!head_end) {
        /* The first line may still be arriving: refuse what cannot become SIP now. */
        if (first && p < end && !may_be_sip(p, (size_t)(end - p) < 16 ? (size_t)(end - p) : 16))
            return not_sip(e, "the bytes received do not start a SIP message");
        if ((size_t)(end - p) > PROBE_SIP_MAX_HEADERS) {
            return not_sip(e, "no end of the SIP headers within %u bytes", PROBE_SIP_MAX_HEADERS);
        }
        return PROBE_SIP_INCOMPLETE;
    }
    if ((size_t)(end - head_end) < body)
        return PROBE_SIP_INCOMPLETE;
    *used = skip + (size_t)(head_end - p) + body;
    return PROBE_SIP_MESSAGE;
}
