/* The probe's OpenSSL transport (probe_tls.h). TLS runs over memory BIOs pumped through
 * the platform's sockets (net.h), so every wait keeps its bound and no socket code is
 * here; certificates and keys come as bytes the caller read (no file is opened here). */
#include "probe_tls.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "strbuf.h"

struct ossl {
    SSL_CTX *ctx;
    SSL *ssl;
    BIO *in, *out; /* network to TLS, TLS to network */
    struct ofd_sock *s;
    int alert, alert_sent; /* the first fatal alert, and whether this side sent it */
    int eof;               /* the peer closed its side of the connection */
    char alert_text[64];
};

static const struct probe_tls_ops *platform;

void probe_tls_set_platform(const struct probe_tls_ops *ops)
{
    platform = ops;
}

const struct probe_tls_ops *probe_tls_platform(void)
{
    return platform;
}

void probe_tls_info_free(struct probe_tls_info *info)
{
    if (!info)
        return;
    free(info->peer_der);
    info->peer_der = NULL;
    info->peer_der_len = 0;
}

/* Records the first fatal alert and its direction (SSL_CB_READ: the peer sent it). */
static void on_info(const SSL *ssl, int where, int ret)
{
    struct ossl *o = SSL_get_app_data(ssl);

    if (!o || !(where & SSL_CB_ALERT) || o->alert >= 0 || (ret >> 8) != SSL3_AL_FATAL)
        return;
    o->alert = ret & 0xff;
    o->alert_sent = (where & SSL_CB_WRITE) != 0;
    snprintf(o->alert_text, sizeof(o->alert_text), "%s", SSL_alert_desc_string_long(ret));
}

/* The failure as the probe reports it: an alert (whose side), a close, or OpenSSL's
 * first error. */
static enum ofd_code tls_failed(struct ossl *o, struct probe_tls_info *info, const char *when, ofd_err *e)
{
    unsigned long err = ERR_peek_error();
    char buf[256];

    info->alert = o->alert;
    snprintf(info->alert_text, sizeof(info->alert_text), "%s", o->alert_text);
    if (o->alert >= 0) {
        info->fail = o->alert_sent ? PROBE_TLS_LOCAL_ALERT : PROBE_TLS_PEER_ALERT;
        ERR_clear_error();
        return ofd_err_set(e, OFD_E_CRYPTO, "%s: %s sent the alert '%s'", when,
                           o->alert_sent ? "this server" : "the peer", o->alert_text);
    }
    if (!err || o->eof) {
        ERR_clear_error();
        info->fail = PROBE_TLS_CLOSED;
        return ofd_err_set(e, OFD_E_IO, "%s: the peer closed the connection", when);
    }
    ERR_error_string_n(err, buf, sizeof(buf));
    ERR_clear_error();
    info->fail = PROBE_TLS_ERROR;
    return ofd_err_set(e, OFD_E_CRYPTO, "%s: %s", when, buf);
}

/* Sends what TLS has written. */
static enum ofd_code flush_out(struct ossl *o, unsigned long long deadline, struct probe_tls_info *info, ofd_err *e)
{
    char buf[16384];
    int n;
    enum ofd_net_fail why;
    unsigned long long now;

    while ((n = BIO_read(o->out, buf, sizeof(buf))) > 0) {
        now = ofd_clock_ms();
        if (ofd_net_send(o->s, buf, (size_t)n, now < deadline ? (unsigned)(deadline - now) : 0, &why, e) != OFD_OK) {
            info->fail = why == OFD_NET_TIMEOUT ? PROBE_TLS_TIMEOUT : PROBE_TLS_CLOSED;
            return OFD_E_IO;
        }
    }
    return OFD_OK;
}

/* Gives TLS what the network has, waiting until deadline. A close is an end of file. */
static enum ofd_code fill_in(struct ossl *o, unsigned long long deadline, struct probe_tls_info *info, ofd_err *e)
{
    char buf[16384];
    size_t got = 0;
    enum ofd_net_fail why;
    unsigned long long now = ofd_clock_ms();

    if (ofd_net_recv(o->s, buf, sizeof(buf), &got, now < deadline ? (unsigned)(deadline - now) : 0, &why, e)
        != OFD_OK) {
        info->fail = why == OFD_NET_TIMEOUT ? PROBE_TLS_TIMEOUT : PROBE_TLS_CLOSED;
        return OFD_E_IO;
    }
    if (got == 0) {
        o->eof = 1;
        BIO_set_mem_eof_return(o->in, 0);
    } else
        BIO_write(o->in, buf, (int)got);
    return OFD_OK;
}

/* This server's certificate (and the chain after it) and key, from PEM text. */
static enum ofd_code use_client_cert(SSL_CTX *ctx, const struct probe_tls_config *cfg, ofd_err *e)
{
    BIO *b = NULL;
    X509 *x = NULL;
    EVP_PKEY *k = NULL;
    enum ofd_code rc = OFD_OK;

    if (cfg->cert_pem_len > 0x7fffffff || cfg->key_pem_len > 0x7fffffff
        || !(b = BIO_new_mem_buf(cfg->cert_pem, (int)cfg->cert_pem_len))
        || !(x = PEM_read_bio_X509(b, NULL, NULL, NULL)) || SSL_CTX_use_certificate(ctx, x) != 1) {
        rc = ofd_err_rule(e, OFD_E_CRYPTO, "R14", "the certificate given is not a PEM certificate");
        goto out;
    }
    /* The rest of the file: the chain to send. */
    for (;;) {
        X509 *c = PEM_read_bio_X509(b, NULL, NULL, NULL);
        if (!c)
            break;
        if (SSL_CTX_add0_chain_cert(ctx, c) != 1) {
            X509_free(c);
            rc = ofd_err_nomem(e);
            goto out;
        }
    }
    ERR_clear_error();
    BIO_free(b);
    if (!(b = BIO_new_mem_buf(cfg->key_pem, (int)cfg->key_pem_len))
        || !(k = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL)) || SSL_CTX_use_PrivateKey(ctx, k) != 1
        || SSL_CTX_check_private_key(ctx) != 1) {
        rc = ofd_err_rule(e, OFD_E_CRYPTO, "R14",
                          "the key given is not an unencrypted PEM private key of the certificate given");
        goto out;
    }
out:
    ERR_clear_error();
    EVP_PKEY_free(k);
    X509_free(x);
    BIO_free(b);
    return rc;
}

/* R13: the peer's chain (the certificates it sent, then the CA store) to a root of the
 * Root store. */
static enum ofd_code verify_peer(struct ossl *o, const struct probe_tls_config *cfg, struct probe_tls_info *info,
                                 ofd_err *e)
{
    STACK_OF(X509) *sent = SSL_get_peer_cert_chain(o->ssl);
    struct cs_der *inter = NULL;
    unsigned char **ders = NULL;
    int n = sent ? sk_X509_num(sent) : 0, i, len;
    size_t k = 0;
    enum ofd_code rc;

    if (!(inter = calloc((size_t)n + cfg->ninter + 1, sizeof(*inter)))
        || !(ders = calloc((size_t)n + 1, sizeof(*ders)))) {
        rc = ofd_err_nomem(e);
        goto out;
    }
    for (i = 0; i < n; i++)
        if ((len = i2d_X509(sk_X509_value(sent, i), &ders[i])) > 0) {
            inter[k].der = ders[i];
            inter[k++].len = (size_t)len;
        }
    for (i = 0; (size_t)i < cfg->ninter; i++)
        inter[k++] = cfg->intermediates[i];
    if ((rc = cs_verify_chain(info->peer_der, info->peer_der_len, cfg->roots, cfg->nroots, inter, k, cfg->now, e))
        != OFD_OK)
        info->fail = PROBE_TLS_UNTRUSTED;
out:
    for (i = 0; ders && i < n; i++)
        OPENSSL_free(ders[i]);
    free(ders);
    free(inter);
    return rc;
}

static void ossl_close(void *session)
{
    struct ossl *o = session;

    if (!o)
        return;
    SSL_free(o->ssl); /* frees the BIOs given to it */
    SSL_CTX_free(o->ctx);
    free(o);
}

static enum ofd_code ossl_handshake(const struct probe_tls_config *cfg, struct ofd_sock *s, void **session,
                                    struct probe_tls_info *info, ofd_err *e)
{
    struct ossl *o = NULL;
    unsigned long long deadline = ofd_clock_ms() + cfg->timeout_ms;
    X509 *peer;
    unsigned char *p;
    int r, len;
    enum ofd_code rc;

    memset(info, 0, sizeof(*info));
    info->alert = -1;
    ERR_clear_error();
    if (!(o = calloc(1, sizeof(*o)))) {
        rc = ofd_err_nomem(e);
        goto fail;
    }
    o->alert = -1;
    o->s = s;
    if (!(o->ctx = SSL_CTX_new(TLS_client_method())) || !(o->in = BIO_new(BIO_s_mem()))
        || !(o->out = BIO_new(BIO_s_mem()))) {
        BIO_free(o->in);
        BIO_free(o->out);
        rc = ofd_err_nomem(e);
        goto fail;
    }
    /* Verification is ours, after the handshake (verify_peer): the probe then says why
     * a chain is not trusted, rather than OpenSSL's "certificate verify failed". */
    SSL_CTX_set_verify(o->ctx, SSL_VERIFY_NONE, NULL);
    if (cfg->cert_pem && (rc = use_client_cert(o->ctx, cfg, e)) != OFD_OK) {
        BIO_free(o->in);
        BIO_free(o->out);
        info->fail = PROBE_TLS_CLIENT_CERT;
        goto fail;
    }
    if (!(o->ssl = SSL_new(o->ctx))) {
        BIO_free(o->in);
        BIO_free(o->out);
        rc = ofd_err_nomem(e);
        goto fail;
    }
    SSL_set_bio(o->ssl, o->in, o->out);
    SSL_set_app_data(o->ssl, o);
    SSL_set_info_callback(o->ssl, on_info);
    SSL_set_tlsext_host_name(o->ssl, cfg->server_name);
    SSL_set_connect_state(o->ssl);
    for (;;) {
        r = SSL_do_handshake(o->ssl);
        /* What TLS wrote goes out first, an alert included. */
        if ((rc = flush_out(o, deadline, info, e)) != OFD_OK && r == 1)
            goto fail;
        if (r == 1)
            break;
        if (SSL_get_error(o->ssl, r) != SSL_ERROR_WANT_READ) {
            rc = tls_failed(o, info, "TLS handshake", e);
            goto fail;
        }
        if (fill_in(o, deadline, info, e) != OFD_OK) {
            rc = info->fail == PROBE_TLS_TIMEOUT
                     ? ofd_err_set(e, OFD_E_IO, "TLS handshake: no answer within %u ms", cfg->timeout_ms)
                     : ofd_err_set(e, OFD_E_IO, "TLS handshake: the peer closed the connection");
            goto fail;
        }
    }
    snprintf(info->protocol, sizeof(info->protocol), "%s", SSL_get_version(o->ssl));
    snprintf(info->cipher, sizeof(info->cipher), "%s", SSL_CIPHER_get_name(SSL_get_current_cipher(o->ssl)));
    info->client_cert_sent = cfg->cert_pem != NULL && SSL_get_certificate(o->ssl) != NULL;
    if (!(peer = SSL_get0_peer_certificate(o->ssl)) || (len = i2d_X509(peer, NULL)) <= 0) {
        info->fail = PROBE_TLS_ERROR;
        rc = ofd_err_set(e, OFD_E_CRYPTO, "the peer presented no certificate");
        goto fail;
    }
    if (!(info->peer_der = p = malloc((size_t)len))) {
        rc = ofd_err_nomem(e);
        goto fail;
    }
    info->peer_der_len = (size_t)i2d_X509(peer, &p);
    if ((rc = verify_peer(o, cfg, info, e)) != OFD_OK)
        goto fail;
    *session = o;
    return OFD_OK;
fail:
    if (info->fail == PROBE_TLS_OK)
        info->fail = PROBE_TLS_ERROR;
    ERR_clear_error();
    ossl_close(o);
    return rc;
}

static enum ofd_code ossl_send(void *session, const void *buf, size_t len, unsigned timeout_ms,
                               struct probe_tls_info *info, ofd_err *e)
{
    struct ossl *o = session;
    unsigned long long deadline = ofd_clock_ms() + timeout_ms;
    size_t done;

    if (len > 0x7fffffff)
        return ofd_err_set(e, OFD_E_INVALID, "too much to send at once");
    if (SSL_write_ex(o->ssl, buf, len, &done) != 1)
        return tls_failed(o, info, "TLS", e);
    return flush_out(o, deadline, info, e) == OFD_OK ? OFD_OK : ofd_err_set(e, OFD_E_IO, "send: the peer is gone");
}

static enum ofd_code ossl_recv(void *session, void *buf, size_t cap, size_t *got, unsigned timeout_ms,
                               struct probe_tls_info *info, ofd_err *e)
{
    struct ossl *o = session;
    unsigned long long deadline = ofd_clock_ms() + timeout_ms;
    int err;

    *got = 0;
    for (;;) {
        if (SSL_read_ex(o->ssl, buf, cap, got) == 1)
            return OFD_OK;
        err = SSL_get_error(o->ssl, 0);
        flush_out(o, deadline, info, e); /* a key update's answer, an alert */
        if (err == SSL_ERROR_ZERO_RETURN || (o->eof && o->alert < 0)) {
            ERR_clear_error();
            *got = 0;
            return OFD_OK;
        }
        if (err != SSL_ERROR_WANT_READ)
            return tls_failed(o, info, "TLS", e);
        if (fill_in(o, deadline, info, e) != OFD_OK)
            return info->fail == PROBE_TLS_TIMEOUT ? ofd_err_set(e, OFD_E_IO, "no answer within %u ms", timeout_ms)
                                                   : ofd_err_set(e, OFD_E_IO, "the peer closed the connection");
    }
}

const struct probe_tls_ops probe_tls_openssl = {
    .name = "openssl", .handshake = ossl_handshake, .send = ossl_send, .recv = ossl_recv, .close = ossl_close};
