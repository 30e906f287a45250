/* The probe's SIP (RFC 3261): one OPTIONS request, and the responses read back from a
 * stream (TCP or TLS), framed by Content-Length. Pure functions over buffers, so the
 * parser is tested and fuzzed apart from any network. */
#ifndef OCSFED_PROBE_SIP_H
#define OCSFED_PROBE_SIP_H

#include <stddef.h>

#include "error.h"
#include "strbuf.h"

/* A SIP message's start line and headers are at most this long; a longer one is not a
 * SIP answer the probe waits for. Its body (skipped) at most PROBE_SIP_MAX_BODY. */
#define PROBE_SIP_MAX_HEADERS 16384u
#define PROBE_SIP_MAX_BODY 65536u

struct probe_sip_request {
    const char *uri_host; /* the Request-URI's host: the node's FQDN (TLS) or address (TCP) */
    unsigned port;        /* the route's port */
    int tls;              /* transport TLS (1) or TCP (0) */
    const char *local_ip; /* this end of the connection, for Via and Contact */
    unsigned local_port;
    const char *from_host; /* this server's FQDN (From, Call-ID), or NULL: local_ip */
    const char *id;        /* random hex: the branch, tag and Call-ID are made from it */
};

/* The OPTIONS request, appended to out: Via with a z9hG4bK branch, Max-Forwards, From
 * with a tag, To, Call-ID, CSeq 1 OPTIONS, Contact, Content-Length: 0. Its Call-ID is
 * copied to call_id (at most size bytes with the NUL). OFD_OK or OFD_E_NOMEM /
 * OFD_E_INVALID (an id or host with characters a header cannot hold). */
enum ofd_code probe_sip_options(const struct probe_sip_request *r, struct strbuf *out, char *call_id, size_t size,
                                ofd_err *e);

struct probe_sip_msg {
    int response;      /* 1 a response, 0 a request */
    int status;        /* a response's code (100-699) */
    char reason[128];  /* its reason phrase, control characters blanked */
    char method[32];   /* a request's method */
    char call_id[256]; /* "" when absent */
    char cseq_method[32];
};

enum probe_sip_parse_result {
    PROBE_SIP_INCOMPLETE, /* more bytes are needed */
    PROBE_SIP_MESSAGE,    /* one message, *used bytes long (keep-alive CRLFs before it included) */
    PROBE_SIP_NOT_SIP     /* the bytes are not a SIP message (e says why) */
};

/* Parses the first message in buf[0..len). */
enum probe_sip_parse_result probe_sip_parse(const char *buf, size_t len, struct probe_sip_msg *m, size_t *used,
                                            ofd_err *e);

#endif
