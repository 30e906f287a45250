/* The probe's Schannel transport (agent/probe_tls.h): the TLS stack OCS 2007 R2 itself
 * uses, with this server's certificate taken from the local machine's My store by the
 * thumbprint the plan selects (R14-R17), so the handshake presents the key OCS uses,
 * under the FIPS policy in effect (R12). SSPI as curl's lib/vtls/schannel.c drives it:
 * AcquireCredentialsHandle, an InitializeSecurityContext loop over the probe's socket
 * (agent/net.h), then EncryptMessage / DecryptMessage. The peer's certificate is judged
 * by the machine's chain engine (cs_store_verify_der), as OCS judges it; its name by
 * the probe (cs_cert_names_host). Everything here is in secur32.dll and crypt32.dll of
 * Windows Server 2003. */
#define SECURITY_WIN32
#include <windows.h>
#include <wincrypt.h>
#include <schannel.h>
#include <security.h>
#include <sspi.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs_store.h"
#include "error_win.h"
#include "probe_schannel.h"
#include "strbuf.h"

/* Encrypted bytes held between reads: a TLS record is at most 16 KiB plus overhead. */
#define SCH_BUF (17 * 1024 + 2048)

struct sch {
    CredHandle cred;
    CtxtHandle ctx;
    int have_cred, have_ctx;
    struct ofd_sock *s;
    SecPkgContext_StreamSizes sizes;
    unsigned char in[SCH_BUF]; /* encrypted bytes received and not yet decrypted */
    size_t nin;
    unsigned char *plain; /* decrypted bytes not yet given to the caller */
    size_t nplain, offplain;
    int closed;
};

/* InitializeSecurityContextW, or what a test put in its place (probe_schannel_set_isc). */
static INITIALIZE_SECURITY_CONTEXT_FN_W isc_hook;

void probe_schannel_set_isc(INITIALIZE_SECURITY_CONTEXT_FN_W fn)
{
    isc_hook = fn;
}

/* The names of the statuses a handshake ends with (FormatMessage has no text for some
 * of them on Windows Server 2003, none under Wine). */
static const char *sec_name(SECURITY_STATUS st)
{
    switch ((unsigned long)st) {
    case (unsigned long)SEC_E_ALGORITHM_MISMATCH: return "SEC_E_ALGORITHM_MISMATCH";
    case (unsigned long)SEC_E_NO_CREDENTIALS: return "SEC_E_NO_CREDENTIALS";
    case (unsigned long)SEC_E_UNKNOWN_CREDENTIALS: return "SEC_E_UNKNOWN_CREDENTIALS";
    case (unsigned long)SEC_E_CERT_UNKNOWN: return "SEC_E_CERT_UNKNOWN";
    case (unsigned long)SEC_E_CERT_EXPIRED: return "SEC_E_CERT_EXPIRED";
    case (unsigned long)SEC_E_ILLEGAL_MESSAGE: return "SEC_E_ILLEGAL_MESSAGE";
    case (unsigned long)SEC_E_INTERNAL_ERROR: return "SEC_E_INTERNAL_ERROR";
    case (unsigned long)SEC_E_DECRYPT_FAILURE: return "SEC_E_DECRYPT_FAILURE";
    case (unsigned long)SEC_E_MESSAGE_ALTERED: return "SEC_E_MESSAGE_ALTERED";
    case (unsigned long)SEC_E_INVALID_TOKEN: return "SEC_E_INVALID_TOKEN";
    case (unsigned long)SEC_E_UNSUPPORTED_FUNCTION: return "SEC_E_UNSUPPORTED_FUNCTION";
    case (unsigned long)SEC_E_WRONG_PRINCIPAL: return "SEC_E_WRONG_PRINCIPAL";
    default: return "";
    }
}

/* A security status as the probe reports it, with the rule it concerns. Schannel does
 * not say which alert ended a handshake, nor whose it was: its System log entries do. */
static enum ofd_code sec_failed(SECURITY_STATUS st, const char *what, struct probe_tls_info *info, ofd_err *e)
{
    const char *rule = "", *hint = "";

    info->fail = PROBE_TLS_ERROR;
    switch ((unsigned long)st) {
    case (unsigned long)SEC_E_ALGORITHM_MISMATCH:
        rule = "R12"; /* no common protocol or cipher: the FIPS policy narrows them */
        info->fail = PROBE_TLS_LOCAL_ALERT;
        info->alert = PROBE_ALERT_HANDSHAKE_FAILURE;
        snprintf(info->alert_text, sizeof(info->alert_text), "handshake failure");
        hint = ": no protocol version or cipher suite that both sides accept (the FIPS policy narrows them, R12)";
        break;
    case (unsigned long)SEC_E_NO_CREDENTIALS:
    case (unsigned long)SEC_E_UNKNOWN_CREDENTIALS:
        rule = "R14";
        hint = ": Schannel cannot use this certificate's private key (is the key in the machine key set, and "
               "readable by this account?)";
        break;
    case (unsigned long)SEC_E_CERT_UNKNOWN:
    case (unsigned long)SEC_E_CERT_EXPIRED: rule = "R14"; break;
    default:
        hint = "; the System event log's Schannel entries name the TLS alert and its side (36887 received, 36888 "
               "sent)";
        break;
    }
    ofd_err_set(e, OFD_E_PLATFORM, "%s failed in Schannel: %s (0x%08lX)%s", what,
                sec_name(st)[0] ? sec_name(st) : "status", (unsigned long)st, hint);
    if (e) {
        e->raw = (long)st;
        snprintf(e->rule, sizeof(e->rule), "%s", rule);
    }
    return OFD_E_PLATFORM;
}

/* CryptoAPI's algorithm ids of a connection, by name. */
static const char *alg_name(ALG_ID a)
{
    switch (a) {
    case CALG_AES_128: return "AES-128";
    case CALG_AES_192: return "AES-192";
    case CALG_AES_256: return "AES-256";
    case CALG_3DES: return "3DES";
    case CALG_RC4: return "RC4";
    case CALG_SHA1: return "SHA-1";
    case CALG_SHA_256: return "SHA-256";
    case CALG_SHA_384: return "SHA-384";
    case CALG_MD5: return "MD5";
    case CALG_RSA_KEYX: return "RSA";
    case CALG_DH_EPHEM: return "DHE";
    case 0xae06: return "ECDHE"; /* CALG_ECDH_EPHEM, not in the NT 5.2 headers */
    default: return "?";
    }
}

static enum ofd_code send_token(struct sch *c, const SecBuffer *b, unsigned long long deadline,
                                struct probe_tls_info *info, ofd_err *e)
{
    unsigned long long now = ofd_clock_ms();
    enum ofd_net_fail why;

    if (!b->pvBuffer || !b->cbBuffer)
        return OFD_OK;
    if (ofd_net_send(c->s, b->pvBuffer, b->cbBuffer, now < deadline ? (unsigned)(deadline - now) : 0, &why, e)
        != OFD_OK) {
        info->fail = why == OFD_NET_TIMEOUT ? PROBE_TLS_TIMEOUT : PROBE_TLS_CLOSED;
        return OFD_E_IO;
    }
    return OFD_OK;
}

/* Reads more encrypted bytes into c->in until deadline; a close is PROBE_TLS_CLOSED. */
static enum ofd_code read_more(struct sch *c, unsigned long long deadline, struct probe_tls_info *info, ofd_err *e)
{
    unsigned long long now = ofd_clock_ms();
    size_t got = 0;
    enum ofd_net_fail why;

    if (c->nin >= sizeof(c->in)) {
        info->fail = PROBE_TLS_ERROR;
        return ofd_err_set(e, OFD_E_INVALID, "a TLS record larger than %u bytes", (unsigned)sizeof(c->in));
    }
    if (ofd_net_recv(c->s, c->in + c->nin, sizeof(c->in) - c->nin, &got,
                     now < deadline ? (unsigned)(deadline - now) : 0, &why, e)
        != OFD_OK) {
        info->fail = why == OFD_NET_TIMEOUT ? PROBE_TLS_TIMEOUT : PROBE_TLS_CLOSED;
        return OFD_E_IO;
    }
    if (got == 0) {
        c->closed = 1;
        info->fail = PROBE_TLS_CLOSED;
        return ofd_err_set(e, OFD_E_IO, "the peer closed the connection");
    }
    c->nin += got;
    return OFD_OK;
}

/* This server's certificate, from the local machine's My store by thumbprint. */
static enum ofd_code find_cert(const unsigned char tp[CS_SHA1_LEN], HCERTSTORE *st, PCCERT_CONTEXT *cert, ofd_err *e)
{
    CRYPT_HASH_BLOB h;
    char hex[2 * CS_SHA1_LEN + 1];

    cs_thumbprint_hex(tp, hex);
    if (!(*st = CertOpenStore(
              CERT_STORE_PROV_SYSTEM_W, 0, 0,
              CERT_SYSTEM_STORE_LOCAL_MACHINE | CERT_STORE_OPEN_EXISTING_FLAG | CERT_STORE_READONLY_FLAG, L"My")))
        return ofd_err_win32(e, GetLastError(), "cannot open the local machine's My store");
    h.cbData = CS_SHA1_LEN;
    h.pbData = (BYTE *)tp;
    if (!(*cert = CertFindCertificateInStore(*st, X509_ASN_ENCODING | PKCS_7_ASN_ENCODING, 0, CERT_FIND_SHA1_HASH, &h,
                                             NULL)))
        return ofd_err_rule(e, OFD_E_NOTFOUND, "R16", "certificate %s is not in the local machine's My store", hex);
    return OFD_OK;
}

static void sch_close(void *session)
{
    struct sch *c = session;

    if (!c)
        return;
    if (c->have_ctx)
        DeleteSecurityContext(&c->ctx);
    if (c->have_cred)
        FreeCredentialsHandle(&c->cred);
    free(c->plain);
    free(c);
}

/* The peer's certificate (DER into info) and R13: its chain, through what it sent, to a
 * root of the machine's Root store. */
static enum ofd_code check_peer(struct sch *c, struct probe_tls_info *info, ofd_err *e)
{
    PCCERT_CONTEXT peer = NULL, x = NULL;
    struct cs_der *sent = NULL;
    size_t n = 0, cap = 0;
    SECURITY_STATUS st;
    enum ofd_code rc;

    if ((st = QueryContextAttributesW(&c->ctx, SECPKG_ATTR_REMOTE_CERT_CONTEXT, &peer)) != SEC_E_OK || !peer) {
        rc = sec_failed(st == SEC_E_OK ? SEC_E_CERT_UNKNOWN : st, "reading the peer's certificate", info, e);
        goto out;
    }
    if (!(info->peer_der = malloc(peer->cbCertEncoded))) {
        rc = ofd_err_nomem(e);
        goto out;
    }
    memcpy(info->peer_der, peer->pbCertEncoded, peer->cbCertEncoded);
    info->peer_der_len = peer->cbCertEncoded;
    /* What the peer sent with it is in the context's store. */
    while (peer->hCertStore && (x = CertEnumCertificatesInStore(peer->hCertStore, x))) {
        if (n == cap) {
            struct cs_der *nv = realloc(sent, (cap = cap ? 2 * cap : 8) * sizeof(*nv));
            if (!nv) {
                rc = ofd_err_nomem(e);
                goto out;
            }
            sent = nv;
        }
        sent[n].der = x->pbCertEncoded;
        sent[n++].len = x->cbCertEncoded;
    }
    if ((rc = cs_store_verify_der(info->peer_der, info->peer_der_len, sent, n, e)) != OFD_OK)
        info->fail = PROBE_TLS_UNTRUSTED;
out:
    if (x)
        CertFreeCertificateContext(x);
    free(sent);
    if (peer)
        CertFreeCertificateContext(peer);
    return rc;
}

static void connection_info(struct sch *c, struct probe_tls_info *info)
{
    SecPkgContext_ConnectionInfo ci;

    memset(&ci, 0, sizeof(ci));
    if (QueryContextAttributesW(&c->ctx, SECPKG_ATTR_CONNECTION_INFO, &ci) != SEC_E_OK)
        return;
    snprintf(info->protocol, sizeof(info->protocol), "%s",
             ci.dwProtocol & SP_PROT_TLS1_2_CLIENT   ? "TLSv1.2"
             : ci.dwProtocol & SP_PROT_TLS1_1_CLIENT ? "TLSv1.1"
             : ci.dwProtocol & SP_PROT_TLS1_CLIENT   ? "TLSv1"
             : ci.dwProtocol & SP_PROT_SSL3_CLIENT   ? "SSLv3"
                                                     : "TLS");
    snprintf(info->cipher, sizeof(info->cipher), "%s %s %s", alg_name(ci.aiExch), alg_name(ci.aiCipher),
             alg_name(ci.aiHash));
}

static enum ofd_code sch_handshake(const struct probe_tls_config *cfg, struct ofd_sock *s, void **session,
                                   struct probe_tls_info *info, ofd_err *e)
{
    unsigned long long deadline = ofd_clock_ms() + cfg->timeout_ms;
    struct sch *c = NULL;
    HCERTSTORE my = NULL;
    PCCERT_CONTEXT cert = NULL;
    SCHANNEL_CRED sc;
    SecBuffer ib[2], ob[2];
    SecBufferDesc in, out;
    wchar_t *target = NULL;
    ULONG attrs = 0;
    TimeStamp expiry;
    SECURITY_STATUS st;
    int first = 1, asked = 0; /* asked: SEC_I_INCOMPLETE_CREDENTIALS answers so far */
    size_t given;             /* the input bytes of the last call */
    enum ofd_code rc;
    const ULONG want = ISC_REQ_SEQUENCE_DETECT | ISC_REQ_REPLAY_DETECT | ISC_REQ_CONFIDENTIALITY
                       | ISC_REQ_ALLOCATE_MEMORY | ISC_REQ_STREAM | ISC_REQ_USE_SUPPLIED_CREDS
                       | ISC_REQ_MANUAL_CRED_VALIDATION | ISC_REQ_EXTENDED_ERROR;

    memset(info, 0, sizeof(*info));
    info->alert = -1;
    if (!(c = calloc(1, sizeof(*c))) || !(target = ofd_utf8_to_wide(cfg->server_name))) {
        rc = ofd_err_nomem(e);
        goto fail;
    }
    c->s = s;
    if (cfg->cert_tp && (rc = find_cert(cfg->cert_tp, &my, &cert, e)) != OFD_OK) {
        info->fail = PROBE_TLS_CLIENT_CERT;
        goto fail;
    }
    /* The protocols and ciphers are the system's (0): what the FIPS policy and the
     * SCHANNEL registry settings allow OCS. The peer is judged afterwards (check_peer),
     * by the machine's chain engine, so the probe can say why. */
    memset(&sc, 0, sizeof(sc));
    sc.dwVersion = SCHANNEL_CRED_VERSION;
    sc.cCreds = cert ? 1 : 0;
    sc.paCred = cert ? &cert : NULL;
    sc.dwFlags = SCH_CRED_MANUAL_CRED_VALIDATION | SCH_CRED_NO_DEFAULT_CREDS;
    if ((st = AcquireCredentialsHandleW(NULL, (SEC_WCHAR *)UNISP_NAME_W, SECPKG_CRED_OUTBOUND, NULL, &sc, NULL, NULL,
                                        &c->cred, &expiry))
        != SEC_E_OK) {
        rc = sec_failed(st, "taking this server's certificate and private key", info, e);
        info->fail = PROBE_TLS_CLIENT_CERT;
        if (e)
            snprintf(e->rule, sizeof(e->rule), "R14");
        goto fail;
    }
    c->have_cred = 1;
    info->client_cert_sent = cert != NULL;
    /* Every pass either sends the first token, reads more, or gives Schannel less input
     * than the pass before (it took some), and SEC_I_INCOMPLETE_CREDENTIALS is retried
     * once: so the loop ends. The deadline bounds it besides: the agent runs it as SYSTEM,
     * holding the apply lock during a confirmed apply. */
    for (;;) {
        if (ofd_clock_ms() >= deadline) {
            info->fail = PROBE_TLS_TIMEOUT;
            goto net_fail;
        }
        given = c->nin;
        ib[0].BufferType = SECBUFFER_TOKEN;
        ib[0].pvBuffer = c->in;
        ib[0].cbBuffer = (unsigned long)c->nin;
        ib[1].BufferType = SECBUFFER_EMPTY;
        ib[1].pvBuffer = NULL;
        ib[1].cbBuffer = 0;
        in.ulVersion = SECBUFFER_VERSION;
        in.cBuffers = 2;
        in.pBuffers = ib;
        ob[0].BufferType = SECBUFFER_TOKEN;
        ob[0].pvBuffer = NULL;
        ob[0].cbBuffer = 0;
        ob[1].BufferType = SECBUFFER_ALERT;
        ob[1].pvBuffer = NULL;
        ob[1].cbBuffer = 0;
        out.ulVersion = SECBUFFER_VERSION;
        out.cBuffers = 2;
        out.pBuffers = ob;
        st = (isc_hook ? isc_hook : InitializeSecurityContextW)(&c->cred, first ? NULL : &c->ctx, target, want, 0, 0,
                                                                first ? NULL : &in, 0, first ? &c->ctx : NULL, &out,
                                                                &attrs, &expiry);
        if (first && (st == SEC_E_OK || st == SEC_I_CONTINUE_NEEDED || st == SEC_I_INCOMPLETE_CREDENTIALS))
            c->have_ctx = 1;
        first = 0;
        /* Whatever Schannel wrote goes out, an alert included. */
        rc = send_token(c, &ob[0], deadline, info, e);
        if (ob[1].pvBuffer && ob[1].cbBuffer && rc == OFD_OK)
            rc = send_token(c, &ob[1], deadline, info, e);
        if (ob[0].pvBuffer)
            FreeContextBuffer(ob[0].pvBuffer);
        if (ob[1].pvBuffer)
            FreeContextBuffer(ob[1].pvBuffer);
        if (rc != OFD_OK && (st == SEC_E_OK || st == SEC_I_CONTINUE_NEEDED))
            goto fail;
        if (st == SEC_E_INCOMPLETE_MESSAGE) {
            if ((rc = read_more(c, deadline, info, e)) != OFD_OK)
                goto net_fail;
            continue;
        }
        if (st == SEC_I_INCOMPLETE_CREDENTIALS) {
            /* The peer asked for a client certificate. Schannel may ask once, then go on
             * with the same input. A second time means it will not present ours: with
             * ISC_REQ_USE_SUPPLIED_CREDS there are no other credentials to try. */
            info->client_cert_sent = 0;
            if (++asked > 1) {
                info->fail = PROBE_TLS_CLIENT_CERT;
                rc = ofd_err_rule(
                    e, OFD_E_PLATFORM, "R14",
                    cert ? "the peer asks for a client certificate, and Schannel will not present this server's "
                           "(SEC_I_INCOMPLETE_CREDENTIALS twice): this server's certificate, its private key, or "
                           "its issuer is not one the peer accepts (its list of acceptable CAs must name the CA "
                           "that issued this server's certificate) [R14]"
                         : "the peer asks for a client certificate, and this server has none to present "
                           "(SEC_I_INCOMPLETE_CREDENTIALS twice) [R14]");
                goto fail;
            }
            continue;
        }
        if (st == SEC_E_OK || st == SEC_I_CONTINUE_NEEDED) {
            /* What Schannel did not take belongs to the next call (or the session). */
            if (ib[1].BufferType == SECBUFFER_EXTRA && ib[1].cbBuffer && ib[1].cbBuffer <= c->nin) {
                memmove(c->in, c->in + c->nin - ib[1].cbBuffer, ib[1].cbBuffer);
                c->nin = ib[1].cbBuffer;
            } else {
                c->nin = 0;
            }
            if (st == SEC_E_OK)
                break;
            /* Called again only with less input than it had: when it took nothing, more
             * must come from the peer first. */
            if ((c->nin == 0 || c->nin >= given) && (rc = read_more(c, deadline, info, e)) != OFD_OK)
                goto net_fail;
            continue;
        }
        rc = sec_failed(st, "the TLS handshake", info, e);
        goto fail;
    }
    if ((st = QueryContextAttributesW(&c->ctx, SECPKG_ATTR_STREAM_SIZES, &c->sizes)) != SEC_E_OK) {
        rc = sec_failed(st, "reading the TLS record sizes", info, e);
        goto fail;
    }
    connection_info(c, info);
    if ((rc = check_peer(c, info, e)) != OFD_OK)
        goto fail;
    *session = c;
    c = NULL;
    rc = OFD_OK;
    goto out;
net_fail:
    if (info->fail == PROBE_TLS_TIMEOUT)
        rc = ofd_err_set(e, OFD_E_IO, "TLS handshake: no answer within %u ms", cfg->timeout_ms);
    else if (info->fail == PROBE_TLS_CLOSED)
        rc = ofd_err_set(e, OFD_E_IO, "TLS handshake: the peer closed the connection");
    /* otherwise read_more's own error (a record larger than the buffer) stands */
fail:
    if (info->fail == PROBE_TLS_OK)
        info->fail = PROBE_TLS_ERROR;
out:
    sch_close(c);
    if (cert)
        CertFreeCertificateContext(cert);
    if (my)
        CertCloseStore(my, 0);
    free(target);
    return rc;
}

static enum ofd_code sch_send(void *session, const void *buf, size_t len, unsigned timeout_ms,
                              struct probe_tls_info *info, ofd_err *e)
{
    struct sch *c = session;
    unsigned long long deadline = ofd_clock_ms() + timeout_ms, now;
    const unsigned char *p = buf;
    unsigned char *rec = NULL;
    SecBuffer b[4];
    SecBufferDesc d;
    SECURITY_STATUS st;
    enum ofd_net_fail why;
    enum ofd_code rc = OFD_OK;

    if (!(rec = malloc(c->sizes.cbHeader + c->sizes.cbMaximumMessage + c->sizes.cbTrailer)))
        return ofd_err_nomem(e);
    while (len > 0 && rc == OFD_OK) {
        size_t n = len > c->sizes.cbMaximumMessage ? c->sizes.cbMaximumMessage : len;

        memcpy(rec + c->sizes.cbHeader, p, n);
        b[0].BufferType = SECBUFFER_STREAM_HEADER;
        b[0].pvBuffer = rec;
        b[0].cbBuffer = c->sizes.cbHeader;
        b[1].BufferType = SECBUFFER_DATA;
        b[1].pvBuffer = rec + c->sizes.cbHeader;
        b[1].cbBuffer = (unsigned long)n;
        b[2].BufferType = SECBUFFER_STREAM_TRAILER;
        b[2].pvBuffer = rec + c->sizes.cbHeader + n;
        b[2].cbBuffer = c->sizes.cbTrailer;
        b[3].BufferType = SECBUFFER_EMPTY;
        b[3].pvBuffer = NULL;
        b[3].cbBuffer = 0;
        d.ulVersion = SECBUFFER_VERSION;
        d.cBuffers = 4;
        d.pBuffers = b;
        if ((st = EncryptMessage(&c->ctx, 0, &d, 0)) != SEC_E_OK) {
            rc = sec_failed(st, "encrypting", info, e);
            break;
        }
        now = ofd_clock_ms();
        if (ofd_net_send(c->s, rec, b[0].cbBuffer + b[1].cbBuffer + b[2].cbBuffer,
                         now < deadline ? (unsigned)(deadline - now) : 0, &why, e)
            != OFD_OK) {
            info->fail = why == OFD_NET_TIMEOUT ? PROBE_TLS_TIMEOUT : PROBE_TLS_CLOSED;
            rc = OFD_E_IO;
            break;
        }
        p += n;
        len -= n;
    }
    free(rec);
    return rc;
}

static enum ofd_code sch_recv(void *session, void *buf, size_t cap, size_t *got, unsigned timeout_ms,
                              struct probe_tls_info *info, ofd_err *e)
{
    struct sch *c = session;
    unsigned long long deadline = ofd_clock_ms() + timeout_ms;
    SecBuffer b[4];
    SecBufferDesc d;
    SECURITY_STATUS st;
    int i;

    *got = 0;
    for (;;) {
        if (c->offplain < c->nplain) {
            size_t n = c->nplain - c->offplain < cap ? c->nplain - c->offplain : cap;
            memcpy(buf, c->plain + c->offplain, n);
            c->offplain += n;
            *got = n;
            return OFD_OK;
        }
        if (c->nin == 0) {
            if (c->closed)
                return OFD_OK;
            if (read_more(c, deadline, info, e) != OFD_OK) {
                if (c->closed) {
                    info->fail = PROBE_TLS_OK;
                    return OFD_OK; /* *got = 0: the peer closed */
                }
                return OFD_E_IO;
            }
        }
        b[0].BufferType = SECBUFFER_DATA;
        b[0].pvBuffer = c->in;
        b[0].cbBuffer = (unsigned long)c->nin;
        for (i = 1; i < 4; i++) {
            b[i].BufferType = SECBUFFER_EMPTY;
            b[i].pvBuffer = NULL;
            b[i].cbBuffer = 0;
        }
        d.ulVersion = SECBUFFER_VERSION;
        d.cBuffers = 4;
        d.pBuffers = b;
        st = DecryptMessage(&c->ctx, &d, 0, NULL);
        if (st == SEC_E_INCOMPLETE_MESSAGE) {
            if (read_more(c, deadline, info, e) != OFD_OK) {
                if (c->closed) {
                    info->fail = PROBE_TLS_OK;
                    return OFD_OK;
                }
                return OFD_E_IO;
            }
            continue;
        }
        if (st == SEC_I_CONTEXT_EXPIRED) { /* close_notify */
            c->closed = 1;
            c->nin = 0;
            return OFD_OK;
        }
        if (st != SEC_E_OK && st != SEC_I_RENEGOTIATE) {
            /* A fatal alert from the peer after the handshake (with TLS 1.3, its verdict
             * on this server's certificate) ends here. */
            enum ofd_code rc = sec_failed(st, "reading the session", info, e);
            info->fail = PROBE_TLS_PEER_ALERT;
            return rc;
        }
        free(c->plain);
        c->plain = NULL;
        c->nplain = c->offplain = 0;
        for (i = 1; i < 4; i++) {
            if (b[i].BufferType == SECBUFFER_DATA && b[i].cbBuffer && !c->plain) {
                if (!(c->plain = malloc(b[i].cbBuffer)))
                    return ofd_err_nomem(e);
                memcpy(c->plain, b[i].pvBuffer, b[i].cbBuffer);
                c->nplain = b[i].cbBuffer;
            }
        }
        /* The rest is the next record's. */
        for (i = 1; i < 4 && b[i].BufferType != SECBUFFER_EXTRA; i++)
            ;
        if (i < 4 && b[i].cbBuffer && b[i].cbBuffer <= c->nin) {
            memmove(c->in, c->in + c->nin - b[i].cbBuffer, b[i].cbBuffer);
            c->nin = b[i].cbBuffer;
        } else {
            c->nin = 0;
        }
        /* SEC_I_RENEGOTIATE: the peer asks for a new handshake, which the probe does not
         * take up (the Schannel of Windows Server 2003 to 2008 R2 has no TLS 1.3 and
         * its post-handshake messages): reading goes on, bounded by the SIP answer's
         * timeout. */
    }
}

const struct probe_tls_ops probe_tls_schannel = {
    .name = "schannel", .handshake = sch_handshake, .send = sch_send, .recv = sch_recv, .close = sch_close};
