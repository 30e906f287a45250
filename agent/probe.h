/* probe: does the path from this server to each IM&P node the manifest names work? For
 * every node, in order, each step only when the one before passed:
 *   dns  (TLS) the node's FQDN resolves, from this server, to the manifest's address
 *        (R6), through the node's resolve (a simulated node's "dns"), else this
 *        machine's resolver;
 *   tcp  a connection to the manifest's address on the route's port (R5 TCP, R6 TLS);
 *   tls  (TLS) a mutual TLS handshake presenting this server's certificate (R14), the
 *        peer's certificate chaining to a root this server trusts (R13) and naming the
 *        node's FQDN (R10); a refusal by either side names the alert and its side;
 *   sip  one OPTIONS request over that connection; any final response (2xx-6xx) means
 *        the peer answers SIP.
 * Each step is bounded by its timeout. The address connected to is the manifest's, so
 * a wrong DNS answer fails dns alone and the other steps still say whether the node
 * itself works. */
#ifndef OCSFED_PROBE_H
#define OCSFED_PROBE_H

#include <stddef.h>
#include <stdio.h>

#include "error.h"
#include "manifest.h"
#include "node.h"
#include "probe_tls.h"

/* Default bounds of each step (ms); DNS has the resolver's own. */
#define PROBE_CONNECT_MS 5000u
#define PROBE_TLS_MS 10000u
#define PROBE_SIP_MS 5000u

enum probe_step { PROBE_DNS, PROBE_TCP, PROBE_TLS, PROBE_SIP };
enum probe_verdict { PROBE_PASS, PROBE_FAIL, PROBE_SKIP };

struct probe_check {
    char node[256]; /* the IM&P node's FQDN */
    enum probe_step step;
    enum probe_verdict verdict;
    char rule[8];     /* "R6", or "" */
    char target[280]; /* "10.10.0.11:5061", or the FQDN for dns */
    char cause[32];   /* why it failed ("refused", "untrusted", ...; docs/probe.md), "" */
    char text[512];   /* what was found, for the operator */
};

struct probe_result {
    struct probe_check *v;
    size_t n;
    size_t passed, failed, skipped;
    size_t cut;   /* checks not made: the deadline or a stop (cause "cut_short") */
    char tls[16]; /* the TLS transport used ("openssl", "schannel"), "" when none */
};

struct probe_options {
    const struct manifest *m;
    /* The server probed from: DNS through its resolve (none: this machine's resolver),
     * and, for OpenSSL, the certificates of its Root and CA stores as what it trusts,
     * beside the manifest's own. NULL: no node. */
    struct node *node;
    const char *server_fqdn; /* this server (the From of OPTIONS); NULL: its address */
    /* This server's certificate (R14): PEM certificate and key (OpenSSL), or the
     * thumbprint the plan selected in the local machine's My store (Schannel). */
    const char *cert_pem, *key_pem;
    size_t cert_pem_len, key_pem_len;
    const unsigned char *cert_tp;
    /* The TLS transport; NULL: the platform's (Schannel) when it has one, a thumbprint
     * is given and no PEM, else OpenSSL. */
    const struct probe_tls_ops *tls;
    unsigned connect_ms, tls_ms, sip_ms; /* 0: the defaults above */
    long long now;                       /* when certificates are judged; 0: now */
    /* The confirmed apply's bounds: no step starts or waits past deadline_ms (an
     * ofd_clock_ms() time; 0: none), and none starts once stop(stop_ctx) says the service
     * is stopping. A node not probed for either fails with cause "cut_short". */
    unsigned long long deadline_ms;
    int (*stop)(void *ctx);
    void *stop_ctx;
};

/* Probes every IM&P node of o->m. OFD_OK with *out filled whatever the verdicts (free
 * with probe_result_free); an error only when the probe could not run at all. */
enum ofd_code probe_run(const struct probe_options *o, struct probe_result *out, ofd_err *e);
void probe_result_free(struct probe_result *r);

/* 1 when no check failed (and there was one). */
int probe_passed(const struct probe_result *r);

const char *probe_step_name(enum probe_step s);
const char *probe_verdict_name(enum probe_verdict v);

/* One line per check, then a line of counts. */
void probe_print_text(const struct probe_result *r, FILE *out);
/* A check as one line: "FAIL tls imp1.example.com 10.10.0.11:5061 [R13] untrusted: ...". */
void probe_check_line(const struct probe_check *c, char *buf, size_t size);
/* The first failed check as a line (for a report's error, an event), "" when none. */
void probe_first_failure(const struct probe_result *r, char *buf, size_t size);
/* {"passed": bool, "tls": "openssl", "checks": [{"node", "check", "result", "rule",
 *  "target", "cause", "message"}]}: malloc'ed JSON text, NULL on out of memory. */
char *probe_to_json(const struct probe_result *r);

#endif
