/* The probe's TLS transport: a small table of function pointers, one per TLS stack, in
 * the manner of curl's vtls backends. The portable core has OpenSSL's
 * (probe_openssl.c: natively, and on Windows when certificate and key files are given);
 * the Windows build registers Schannel's (win/probe_schannel_win.c), the stack OCS
 * itself uses, with this server's certificate from the local machine's My store and
 * the FIPS policy in effect. The transport connects over a connection the probe made
 * (net.h) and gives back the peer's certificate; the probe checks its name. */
#ifndef OCSFED_PROBE_TLS_H
#define OCSFED_PROBE_TLS_H

#include <stddef.h>

#include "cs.h"
#include "cs_inspect.h"
#include "error.h"
#include "net.h"

struct probe_tls_config {
    const char *server_name; /* the IM&P node's FQDN: SNI (the peer's certificate names it) */
    /* This server's certificate for mutual TLS (R14), one of: */
    const char *cert_pem, *key_pem; /* PEM text: the certificate (then its chain) and its key (OpenSSL) */
    size_t cert_pem_len, key_pem_len;
    const unsigned char *cert_tp; /* its SHA-1 thumbprint in the local machine's My store (Schannel) */
    /* What this server trusts, for OpenSSL (Schannel asks the machine's chain engine):
     * the Root store's certificates, the only anchors, and the CA store's. */
    const struct cs_der *roots;
    size_t nroots;
    const struct cs_der *intermediates;
    size_t ninter;
    long long now;       /* the time certificates are judged at */
    unsigned timeout_ms; /* the whole handshake */
};

enum probe_tls_fail {
    PROBE_TLS_OK = 0,
    PROBE_TLS_CLIENT_CERT, /* this server's certificate or key cannot be used (R14) */
    PROBE_TLS_PEER_ALERT,  /* the peer ended the handshake (or the session) with an alert */
    PROBE_TLS_LOCAL_ALERT, /* this side ended it: no common protocol or cipher, a bad message */
    PROBE_TLS_CLOSED,      /* the peer closed the connection without an alert */
    PROBE_TLS_TIMEOUT,
    PROBE_TLS_UNTRUSTED, /* the peer's certificate does not chain to a trusted root (R13) */
    PROBE_TLS_ERROR
};

/* TLS alert numbers (RFC 8446 6) the probe tells apart. */
#define PROBE_ALERT_HANDSHAKE_FAILURE 40
#define PROBE_ALERT_BAD_CERTIFICATE 42
#define PROBE_ALERT_UNSUPPORTED_CERTIFICATE 43
#define PROBE_ALERT_CERTIFICATE_EXPIRED 45
#define PROBE_ALERT_CERTIFICATE_UNKNOWN 46
#define PROBE_ALERT_UNKNOWN_CA 48
#define PROBE_ALERT_PROTOCOL_VERSION 70
#define PROBE_ALERT_INSUFFICIENT_SECURITY 71
#define PROBE_ALERT_CERTIFICATE_REQUIRED 116

struct probe_tls_info {
    enum probe_tls_fail fail;
    int alert;               /* the alert's number, -1 when none is known */
    char alert_text[64];     /* its description ("unknown CA") */
    char protocol[32];       /* "TLSv1.2" once connected */
    char cipher[96];         /* the cipher suite */
    int client_cert_sent;    /* 1 when this server's certificate was presented */
    unsigned char *peer_der; /* the peer's certificate (malloc'ed; probe_tls_info_free) */
    size_t peer_der_len;
};

void probe_tls_info_free(struct probe_tls_info *info);

struct probe_tls_ops {
    const char *name; /* "openssl", "schannel" */
    /* Runs the handshake over s (which stays the caller's) within cfg->timeout_ms,
     * presenting this server's certificate when cfg names one, and checks that the
     * peer's chain ends at a root this server trusts. OFD_OK with *session (close with
     * close) and info filled; otherwise the failure in info->fail and e. */
    enum ofd_code (*handshake)(const struct probe_tls_config *cfg, struct ofd_sock *s, void **session,
                               struct probe_tls_info *info, ofd_err *e);
    /* Sends all len bytes. */
    enum ofd_code (*send)(void *session, const void *buf, size_t len, unsigned timeout_ms, struct probe_tls_info *info,
                          ofd_err *e);
    /* Receives decrypted bytes (up to cap), waiting at most timeout_ms for the first;
     * *got = 0: the peer closed the session. An alert from the peer (TLS 1.3 sends the
     * verdict on this server's certificate after the handshake) is an error with
     * info->fail PROBE_TLS_PEER_ALERT. */
    enum ofd_code (*recv)(void *session, void *buf, size_t cap, size_t *got, unsigned timeout_ms,
                          struct probe_tls_info *info, ofd_err *e);
    void (*close)(void *session);
};

/* The portable backend. */
extern const struct probe_tls_ops probe_tls_openssl;

/* The platform's own TLS stack (main_win.c registers Schannel; NULL: none), and the
 * one registered. */
void probe_tls_set_platform(const struct probe_tls_ops *ops);
const struct probe_tls_ops *probe_tls_platform(void);

#endif
