#include "cs_inspect.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "strbuf.h"

#define CS_FILE_MAX ((long)CS_FILE_MAX_BYTES)

static long long asn1_time_unix(const ASN1_TIME *t)
{
    struct tm tm;
    long long days, y;
    int m;

    memset(&tm, 0, sizeof(tm));
    if (!t || !ASN1_TIME_to_tm(t, &tm))
        return 0;
    /* Days from civil (proleptic Gregorian), independent of the local time zone. */
    y = (long long)tm.tm_year + 1900;
    m = tm.tm_mon + 1;
    y -= m <= 2;
    {
        long long era = (y >= 0 ? y : y - 399) / 400;
        long long yoe = y - era * 400;
        long long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + tm.tm_mday - 1;
        long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        days = era * 146097 + doe - 719468;
    }
    return days * 86400 + tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec;
}

/* Appends text to out (size bytes, NUL-terminated), control characters as \xNN; when
 * it does not fit, ends out with "..." and returns -1. */
static int put_text(char *out, size_t size, const char *text, size_t len)
{
    size_t at = strlen(out), i;
    char esc[5];

    for (i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)text[i];
        const char *piece = (const char *)&text[i];
        size_t n = 1;
        if (ch < 0x20 || ch == 0x7f) {
            snprintf(esc, sizeof(esc), "\\x%02x", ch);
            piece = esc;
            n = 4;
        }
        if (at + n + 4 > size) {
            if (size >= 4)
                memcpy(out + (at + 4 > size ? size - 4 : at), "...", 4);
            return -1;
        }
        memcpy(out + at, piece, n);
        at += n;
        out[at] = '\0';
    }
    return 0;
}

/* CryptoAPI's short names of Name attributes (CertNameToStr, CERT_X500_NAME_STR). */
static const char *x500_key(int nid)
{
    switch (nid) {
    case NID_commonName: return "CN";
    case NID_localityName: return "L";
    case NID_organizationName: return "O";
    case NID_organizationalUnitName: return "OU";
    case NID_pkcs9_emailAddress: return "E";
    case NID_countryName: return "C";
    case NID_stateOrProvinceName: return "S";
    case NID_streetAddress: return "STREET";
    case NID_title: return "T";
    case NID_givenName: return "G";
    case NID_initials: return "I";
    case NID_surname: return "SN";
    case NID_domainComponent: return "DC";
    case NID_serialNumber: return "SERIALNUMBER";
    case NID_description: return "Description";
    case NID_postalCode: return "PostalCode";
    }
    return NULL;
}

/* A Name as the certificate MMC shows it: RDNs most specific (last) first, as
 * CertNameToStr with CERT_NAME_STR_REVERSE_FLAG, the attributes of one RDN in their
 * order joined by " + ", "KEY = value". */
static void name_text(const X509_NAME *name, char *out, size_t size)
{
    int n = X509_NAME_entry_count(name), first, last, k;
    char oid[128];

    out[0] = '\0';
    for (last = n - 1; last >= 0; last = first - 1) {
        int set = X509_NAME_ENTRY_set(X509_NAME_get_entry(name, last));
        for (first = last; first > 0 && X509_NAME_ENTRY_set(X509_NAME_get_entry(name, first - 1)) == set; first--)
            ;
        if (last != n - 1 && put_text(out, size, ", ", 2))
            return;
        for (k = first; k <= last; k++) {
            const X509_NAME_ENTRY *ne = X509_NAME_get_entry(name, k);
            const ASN1_OBJECT *obj = X509_NAME_ENTRY_get_object(ne);
            const char *key = x500_key(OBJ_obj2nid(obj));
            unsigned char *v = NULL;
            int len;
            if (!key) {
                memcpy(oid, "OID.", 4);
                if (OBJ_obj2txt(oid + 4, (int)sizeof(oid) - 4, obj, 1) <= 0)
                    snprintf(oid + 4, sizeof(oid) - 4, "?");
                key = oid;
            }
            len = ASN1_STRING_to_UTF8(&v, X509_NAME_ENTRY_get_data(ne));
            if ((k > first && put_text(out, size, " + ", 3)) || put_text(out, size, key, strlen(key))
                || put_text(out, size, " = ", 3) || (len > 0 && put_text(out, size, (const char *)v, (size_t)len))) {
                OPENSSL_free(v);
                return;
            }
            OPENSSL_free(v);
        }
    }
}

/* The serial number as MMC's Details tab shows it: the DER INTEGER's content bytes
 * (what CryptoAPI keeps, reversed), sign byte included, "00 89 ab". */
static int serial_text(const ASN1_INTEGER *sn, char *out, size_t size)
{
    unsigned char *der = NULL;
    const unsigned char *content;
    char *hex = NULL, *h;
    size_t hn = 0, clen;
    int n, rc = -1;

    out[0] = '\0';
    /* The whole DER INTEGER, then past its tag and length. */
    if ((n = i2d_ASN1_INTEGER(sn, &der)) < 3)
        goto out;
    content = der + 2 + (der[1] & 0x80 ? (der[1] & 0x7f) : 0);
    if (content >= der + n)
        goto out;
    clen = (size_t)(der + n - content);
    if (!(hex = malloc(3 * clen + 1)) || !OPENSSL_buf2hexstr_ex(hex, 3 * clen + 1, &hn, content, (long)clen, ' '))
        goto out;
    for (h = hex; *h; h++)
        if (*h >= 'A' && *h <= 'F')
            *h = (char)(*h - 'A' + 'a');
    put_text(out, size, hex, strlen(hex));
    rc = 0;
out:
    OPENSSL_free(der);
    free(hex);
    return rc;
}

void cs_cert_info_free(struct cs_cert_info *ci)
{
    if (!ci)
        return;
    free(ci->issuer_der);
    free(ci->serial_le);
    memset(ci, 0, sizeof(*ci));
}

enum ofd_code cs_inspect_der(const unsigned char *der, size_t len, struct cs_cert_info *out, ofd_err *e)
{
    const unsigned char *p = der;
    X509 *x = NULL;
    EXTENDED_KEY_USAGE *eku = NULL;
    BASIC_CONSTRAINTS *bc = NULL;
    ASN1_INTEGER *sn;
    BIGNUM *bn = NULL;
    BIO *mem = NULL;
    struct cs_cert_info ci;
    unsigned char *ip = NULL;
    int n, i, crit = 0;
    char *buf;
    long bl;
    enum ofd_code rc = OFD_E_CRYPTO;
    int said = 0;

    memset(&ci, 0, sizeof(ci));
    if (len > 0x7fffffff || !(x = d2i_X509(NULL, &p, (long)len)) || p != der + len) {
        ofd_err_set(e, OFD_E_CRYPTO, "not a DER X.509 certificate (%zu bytes)", len);
        said = 1;
        goto out;
    }
    if (cs_x509_thumbprint(der, len, ci.tp, e) != OFD_OK) {
        said = 1;
        goto out;
    }
    X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, ci.cn, sizeof(ci.cn));
    if (!(mem = BIO_new(BIO_s_mem())))
        goto out;
    X509_NAME_print_ex(mem, X509_get_subject_name(x), 0, XN_FLAG_RFC2253);
    bl = BIO_get_mem_data(mem, &buf);
    if (bl > 0)
        snprintf(ci.subject, sizeof(ci.subject), "%.*s", (int)(bl > 511 ? 511 : bl), buf);
    name_text(X509_get_subject_name(x), ci.subject_text, sizeof(ci.subject_text));
    name_text(X509_get_issuer_name(x), ci.issuer_text, sizeof(ci.issuer_text));
    if ((eku = X509_get_ext_d2i(x, NID_ext_key_usage, &crit, NULL))) {
        ci.has_eku = 1;
        for (i = 0; i < sk_ASN1_OBJECT_num(eku); i++) {
            int nid = OBJ_obj2nid(sk_ASN1_OBJECT_value(eku, i));
            ci.server_auth |= nid == NID_server_auth;
            ci.client_auth |= nid == NID_client_auth;
        }
    }
    if ((bc = X509_get_ext_d2i(x, NID_basic_constraints, &crit, NULL)))
        ci.is_ca = bc->ca != 0;
    ci.self_signed = X509_NAME_cmp(X509_get_subject_name(x), X509_get_issuer_name(x)) == 0;
    ci.not_before = asn1_time_unix(X509_get0_notBefore(x));
    ci.not_after = asn1_time_unix(X509_get0_notAfter(x));
    if ((n = i2d_X509_NAME(X509_get_issuer_name(x), &ip)) <= 0)
        goto out;
    if (!(ci.issuer_der = malloc((size_t)n)))
        goto out;
    memcpy(ci.issuer_der, ip, (size_t)n);
    ci.issuer_len = (size_t)n;
    sn = X509_get_serialNumber(x);
    if (serial_text(sn, ci.serial_text, sizeof(ci.serial_text)) != 0 || !(bn = ASN1_INTEGER_to_BN(sn, NULL)))
        goto out;
    n = BN_num_bytes(bn);
    if (n == 0)
        n = 1;
    if (!(ci.serial_le = calloc(1, (size_t)n)))
        goto out;
    /* CryptoAPI keeps serial numbers least significant byte first. */
    if (BN_bn2lebinpad(bn, ci.serial_le, n) != n)
        goto out;
    ci.serial_len = (size_t)n;
    *out = ci;
    memset(&ci, 0, sizeof(ci));
    rc = OFD_OK;
out:
    if (rc != OFD_OK && !said)
        ofd_err_set(e, OFD_E_CRYPTO, "cannot inspect the certificate");
    cs_cert_info_free(&ci);
    OPENSSL_free(ip);
    BN_free(bn);
    BIO_free(mem);
    EXTENDED_KEY_USAGE_free(eku);
    BASIC_CONSTRAINTS_free(bc);
    X509_free(x);
    return rc;
}

int cs_x509_der(X509 *x, unsigned char **der, size_t *len)
{
    unsigned char *buf, *p;
    int n;

    if ((n = i2d_X509(x, NULL)) <= 0 || !(buf = malloc((size_t)n)))
        return -1;
    p = buf;
    i2d_X509(x, &p);
    *der = buf;
    *len = (size_t)n;
    return 0;
}

enum ofd_code cs_cert_from_buffer(const unsigned char *buf, size_t blen, const char *name, unsigned char **der,
                                  size_t *len, ofd_err *e)
{
    const unsigned char *p;
    BIO *bio = NULL;
    X509 *x = NULL, *extra = NULL;
    enum ofd_code rc = OFD_E_CRYPTO;

    if (blen > CS_FILE_MAX) {
        ofd_err_set(e, OFD_E_CRYPTO, "'%s' is larger than %ld bytes", name, CS_FILE_MAX);
        goto out;
    }
    p = buf;
    if (!(x = d2i_X509(NULL, &p, (long)blen)) || p != buf + blen) {
        X509_free(x);
        x = NULL;
        if (!(bio = BIO_new_mem_buf(buf, (int)blen)))
            goto fail;
        if (!(x = PEM_read_bio_X509(bio, NULL, NULL, NULL))) {
            ofd_err_set(e, OFD_E_CRYPTO, "'%s' holds no DER or PEM certificate", name);
            goto out;
        }
        if ((extra = PEM_read_bio_X509(bio, NULL, NULL, NULL))) {
            ofd_err_set(e, OFD_E_CRYPTO,
                        "'%s' holds more than one certificate: give one "
                        "file per certificate",
                        name);
            goto out;
        }
    }
    if (cs_x509_der(x, der, len) != 0)
        goto fail;
    rc = OFD_OK;
    goto out;
fail:
    ofd_err_set(e, OFD_E_CRYPTO, "cannot read a certificate from '%s'", name);
out:
    ERR_clear_error();
    BIO_free(bio);
    X509_free(x);
    X509_free(extra);
    return rc;
}

enum ofd_code cs_pkcs12_cert(const unsigned char *buf, size_t blen, const char *name, const char *password,
                             unsigned char **der, size_t *len, ofd_err *e)
{
    const unsigned char *p;
    PKCS12 *p12 = NULL;
    EVP_PKEY *key = NULL;
    X509 *x = NULL;
    STACK_OF(X509) *ca = NULL;
    enum ofd_code rc = OFD_E_CRYPTO;

    p = buf;
    if (blen > CS_FILE_MAX || !(p12 = d2i_PKCS12(NULL, &p, (long)blen))) {
        ofd_err_set(e, OFD_E_CRYPTO, "'%s' is not a PKCS#12 (.pfx) file", name);
        goto out;
    }
    if (!PKCS12_parse(p12, password ? password : "", &key, &x, &ca) || !x) {
        ofd_err_set(e, OFD_E_CRYPTO,
                    "cannot open '%s': wrong password, or no certificate "
                    "with a private key in it",
                    name);
        goto out;
    }
    if (cs_x509_der(x, der, len) != 0) {
        ofd_err_set(e, OFD_E_CRYPTO, "cannot encode the certificate of '%s'", name);
        goto out;
    }
    rc = OFD_OK;
out:
    ERR_clear_error();
    PKCS12_free(p12);
    EVP_PKEY_free(key);
    X509_free(x);
    sk_X509_pop_free(ca, X509_free);
    return rc;
}

enum ofd_code cs_check_server_cert(const struct cs_cert_info *ci, const char *expected_cn, long long now, ofd_err *e)
{
    char tp[2 * CS_SHA1_LEN + 1];
    size_t i;
    int same = strlen(ci->cn) == strlen(expected_cn);

    cs_thumbprint_hex(ci->tp, tp);
    if (!ci->has_eku || !ci->server_auth || !ci->client_auth)
        return ofd_err_rule(e, OFD_E_INVALID, "R14",
                            "certificate %s (CN=%s) lacks %s in its intended purposes "
                            "(needs Server Authentication and Client Authentication)",
                            tp, ci->cn,
                            (!ci->has_eku || (!ci->server_auth && !ci->client_auth))
                                ? "Server and Client Authentication"
                            : !ci->client_auth ? "Client Authentication"
                                               : "Server Authentication");
    for (i = 0; same && expected_cn[i]; i++) {
        char a = ci->cn[i], b = expected_cn[i];
        if (a >= 'A' && a <= 'Z')
            a = (char)(a - 'A' + 'a');
        if (b >= 'A' && b <= 'Z')
            b = (char)(b - 'A' + 'a');
        same = a == b;
    }
    if (!same)
        return ofd_err_rule(e, OFD_E_INVALID, "R15", "certificate %s has subject CN=%s, expected CN=%s", tp,
                            ci->cn[0] ? ci->cn : "(none)", expected_cn);
    if (now < ci->not_before)
        return ofd_err_rule(e, OFD_E_INVALID, "R16", "certificate %s (CN=%s) is not valid yet", tp, ci->cn);
    if (now > ci->not_after)
        return ofd_err_rule(e, OFD_E_INVALID, "R16",
                            "certificate %s (CN=%s) has expired; an "
                            "expired certificate stops the Front End from starting",
                            tp, ci->cn);
    return OFD_OK;
}

static X509 *x509_from(const struct cs_der *d)
{
    const unsigned char *p = d->der;

    return d->len <= 0x7fffffff ? d2i_X509(NULL, &p, (long)d->len) : NULL;
}

enum ofd_code cs_verify_chain(const unsigned char *leaf, size_t leaf_len, const struct cs_der *roots, size_t nroots,
                              const struct cs_der *intermediates, size_t ninter, long long now, ofd_err *e)
{
    const struct cs_der ld = {leaf, leaf_len};
    X509 *x = NULL, *c;
    X509_STORE *store = NULL;
    X509_STORE_CTX *ctx = NULL;
    STACK_OF(X509) *untrusted = NULL;
    unsigned char tp[CS_SHA1_LEN];
    char hex[2 * CS_SHA1_LEN + 1] = "";
    size_t i;
    int err;
    enum ofd_code rc;

    if (!(x = x509_from(&ld)) || cs_x509_thumbprint(leaf, leaf_len, tp, NULL) != OFD_OK) {
        rc = ofd_err_set(e, OFD_E_CRYPTO, "the certificate is not DER X.509");
        goto out;
    }
    cs_thumbprint_hex(tp, hex);
    if (!(store = X509_STORE_new()) || !(untrusted = sk_X509_new_null()) || !(ctx = X509_STORE_CTX_new())) {
        rc = ofd_err_nomem(e);
        goto out;
    }
    /* A certificate of a store that does not parse is skipped, as CryptoAPI skips it. */
    for (i = 0; i < nroots; i++)
        if ((c = x509_from(&roots[i]))) {
            X509_STORE_add_cert(store, c);
            X509_free(c);
        }
    for (i = 0; i < ninter; i++)
        if ((c = x509_from(&intermediates[i])) && !sk_X509_push(untrusted, c))
            X509_free(c);
    if (!X509_STORE_CTX_init(ctx, store, x, untrusted)) {
        rc = ofd_err_nomem(e);
        goto out;
    }
    X509_VERIFY_PARAM_set_time(X509_STORE_CTX_get0_param(ctx), (time_t)now);
    if (X509_verify_cert(ctx) == 1) {
        rc = OFD_OK;
        goto out;
    }
    err = X509_STORE_CTX_get_error(ctx);
    switch (err) {
    case X509_V_ERR_CERT_HAS_EXPIRED:
    case X509_V_ERR_CERT_NOT_YET_VALID: rc = ofd_err_rule(e, OFD_E_INVALID, "R14", CS_MSG_CHAIN_EXPIRED, hex); break;
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
        rc = ofd_err_rule(e, OFD_E_INVALID, "R13", CS_MSG_UNTRUSTED_ROOT, hex);
        break;
    default:
        rc = ofd_err_rule(e, OFD_E_INVALID, "R13", "the chain of certificate %s is not valid: %s", hex,
                          X509_verify_cert_error_string(err));
        break;
    }
out:
    X509_STORE_CTX_free(ctx);
    sk_X509_pop_free(untrusted, X509_free);
    X509_STORE_free(store);
    X509_free(x);
    return rc;
}

enum ofd_code cs_cert_names_host(const unsigned char *der, size_t len, const char *host, int *ok, char *names,
                                 size_t size, ofd_err *e)
{
    const unsigned char *p = der;
    X509 *x = NULL;
    GENERAL_NAMES *alt = NULL;
    struct strbuf b = {0};
    char cn[256] = "";
    int i;

    *ok = 0;
    if (size)
        names[0] = '\0';
    if (len > 0x7fffffff || !(x = d2i_X509(NULL, &p, (long)len)))
        return ofd_err_set(e, OFD_E_CRYPTO, "not a DER X.509 certificate (%zu bytes)", len);
    /* No wildcard in the middle of a label, none over two labels (RFC 6125 6.4.3). */
    *ok = X509_check_host(x, host, strlen(host), X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS, NULL) == 1;
    if (X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, cn, sizeof(cn)) > 0)
        sb_printf(&b, "CN=%s", cn);
    if ((alt = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL)))
        for (i = 0; i < sk_GENERAL_NAME_num(alt); i++) {
            const GENERAL_NAME *g = sk_GENERAL_NAME_value(alt, i);
            if (g->type == GEN_DNS)
                sb_printf(&b, "%sDNS:%.*s", b.len ? ", " : "", ASN1_STRING_length(g->d.dNSName),
                          (const char *)ASN1_STRING_get0_data(g->d.dNSName));
        }
    if (size)
        snprintf(names, size, "%s", b.len ? sb_str(&b) : "no name");
    sb_free(&b);
    GENERAL_NAMES_free(alt);
    X509_free(x);
    ERR_clear_error();
    return OFD_OK;
}
