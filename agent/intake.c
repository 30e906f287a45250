#include "intake.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "fsutil.h"
#include "jsonpos.h"
#include "strbuf.h"

const char *intake_reason_name(enum intake_reason r)
{
    switch (r) {
    case INTAKE_R_NONE: return "none";
    case INTAKE_R_UNSIGNED: return "unsigned";
    case INTAKE_R_BAD_SIGNATURE: return "bad_signature";
    case INTAKE_R_UNTRUSTED_SIGNER: return "untrusted_signer";
    case INTAKE_R_TORN: return "torn";
    case INTAKE_R_OLDER_SERIAL: return "older_serial";
    case INTAKE_R_SAME_SERIAL_DIFFERENT_CONTENT: return "same_serial_different_content";
    case INTAKE_R_INVALID: return "invalid";
    case INTAKE_R_FILE_MISMATCH: return "file_mismatch";
    }
    return "unknown";
}

const char *intake_decision_name(enum intake_decision d)
{
    switch (d) {
    case INTAKE_ACCEPT: return "accept";
    case INTAKE_UNCHANGED: return "unchanged";
    case INTAKE_REFUSE: return "refuse";
    }
    return "unknown";
}

void intake_result_free(struct intake_result *res)
{
    if (!res)
        return;
    manifest_free(res->manifest);
    memset(res, 0, sizeof(*res));
}

static void refuse(struct intake_result *r, enum intake_reason why, const char *fmt, ...) OFD_PRINTF(3, 4);
static void refuse(struct intake_result *r, enum intake_reason why, const char *fmt, ...)
{
    char raw[OFD_ERR_MSG_MAX];
    va_list ap;

    r->decision = INTAKE_REFUSE;
    r->reason = why;
    va_start(ap, fmt);
    vsnprintf(raw, sizeof(raw), fmt, ap);
    va_end(ap);
    /* As every message: what it quotes (a path given, a diagnostic) shows its control
     * characters escaped. */
    ofd_utf8_trim(raw);
    ofd_escape_controls(r->msg, sizeof(r->msg), raw);
}

static enum intake_reason from_trust(enum trust_refusal t)
{
    switch (t) {
    case TRUST_UNSIGNED: return INTAKE_R_UNSIGNED;
    case TRUST_UNTRUSTED_SIGNER: return INTAKE_R_UNTRUSTED_SIGNER;
    case TRUST_TAMPERED: return INTAKE_R_TORN;
    default: return INTAKE_R_BAD_SIGNATURE;
    }
}

/* 1 when text is one complete JSON document (a UTF-8 BOM allowed). A copy cut short
 * is not. */
static int complete_json(const char *text, size_t len)
{
    cJSON *j;
    const char *end = NULL;
    size_t bom = jsonpos_skip_bom(text, len);

    text += bom;
    len -= bom;
    if (!(j = cJSON_ParseWithLengthOpts(text, len, &end, 0)))
        return 0;
    cJSON_Delete(j);
    while (end < text + len && (*end == ' ' || *end == '\t' || *end == '\r' || *end == '\n'))
        end++;
    return end == text + len;
}

enum ofd_code intake_decide(const char *text, size_t len, const unsigned char *sig, size_t sig_len,
                            const struct trust_anchor *anchor, const struct intake_state *state,
                            const struct intake_names *names, const char *base_dir, const struct ofd_reader *rd,
                            unsigned flags, struct intake_result *res, ofd_err *e)
{
    const char *mname = names && names->manifest ? names->manifest : "manifest.json";
    const char *sname = names && names->sig ? names->sig : "manifest.json.p7s";
    struct intake_result r;
    struct diags d = {0};
    struct manifest *m = NULL;
    enum trust_refusal why = TRUST_OK;
    ofd_err te;
    size_t i;
    enum ofd_code rc;
    char diag[OFD_ERR_MSG_MAX], hex[2 * CS_SHA1_LEN + 1];

    memset(&r, 0, sizeof(r));
    ofd_err_clear(&te);
    if ((rc = cs_sha256(text, len, r.sha256, e)) != OFD_OK)
        goto out;
    if (!sig) {
        cs_thumbprint_hex(anchor->tp, hex);
        refuse(&r, INTAKE_R_UNSIGNED,
               "'%s' is not signed: there is no signature file '%s'; sign it with the publisher certificate %s", mname,
               sname, hex);
        goto done;
    }
    if (len > TRUST_MAX_CONTENT) {
        refuse(&r, INTAKE_R_INVALID, "the manifest is larger than the limit of %u bytes", TRUST_MAX_CONTENT);
        goto done;
    }
    /* Saved as UTF-16 (Notepad's "Unicode", Windows PowerShell's '>'): no copy in
     * progress, however long one waits. */
    if (jsonpos_utf16(text, len, diag, sizeof(diag))) {
        refuse(&r, INTAKE_R_INVALID, "%s: %s", mname, diag);
        goto done;
    }
    if (!complete_json(text, len)) {
        refuse(&r, INTAKE_R_TORN,
               "the manifest is not a complete JSON document (cut short, or "
               "still being copied); it is read again at the next check");
        goto done;
    }
    rc = trust_verify((const unsigned char *)text, len, sig, sig_len, anchor, NULL, &why, &te);
    if (rc == OFD_E_NOMEM) {
        ofd_err_set(e, rc, "%s", te.msg);
        goto out;
    }
    if (rc != OFD_OK) {
        if (why == TRUST_OK) { /* not a refusal: the anchor's certificate file is wrong */
            ofd_err_set(e, rc, "%s", te.msg);
            goto out;
        }
        refuse(&r, from_trust(why), "%s", te.msg);
        goto done;
    }
    /* From here on, only these verified bytes; the files the manifest names are read
     * once each and checked against the pins these bytes carry. */
    rc = manifest_parse(text, len, base_dir, rd, flags, &m, &d, &te);
    if (rc == OFD_E_INVALID && d.nerrors) {
        diags_sort(&d);
        for (i = 0; i < d.n && d.v[i].sev != DIAG_ERROR; i++)
            ;
        diags_format(&d, i, mname, diag, sizeof(diag));
        snprintf(r.rule, sizeof(r.rule), "%s", d.v[i].rule);
        if (d.nfile_errors == d.nerrors)
            refuse(&r, INTAKE_R_FILE_MISMATCH,
                   "a file the signed manifest names is missing or not the one it "
                   "pins; nothing is applied (%zu error%s), first: %s",
                   d.nerrors, d.nerrors == 1 ? "" : "s", diag);
        else
            refuse(&r, INTAKE_R_INVALID, "the manifest is signed but not valid (%zu error%s), first: %s", d.nerrors,
                   d.nerrors == 1 ? "" : "s", diag);
        goto done;
    }
    if (rc != OFD_OK) {
        ofd_err_set(e, rc, "%s", te.msg);
        goto out;
    }
    r.serial = m->serial;
    if (state && state->present) {
        if (m->serial < state->last_serial) {
            refuse(&r, INTAKE_R_OLDER_SERIAL,
                   "the manifest's serial %lld is older than the last "
                   "accepted serial %lld (an old copy put back?)",
                   m->serial, state->last_serial);
            goto done;
        }
        if (m->serial == state->last_serial) {
            if (memcmp(r.sha256, state->last_sha256, INTAKE_SHA256_LEN) == 0) {
                r.decision = INTAKE_UNCHANGED;
                snprintf(r.msg, sizeof(r.msg), "manifest serial %lld, accepted before", m->serial);
                r.manifest = m;
                m = NULL;
            } else {
                refuse(&r, INTAKE_R_SAME_SERIAL_DIFFERENT_CONTENT,
                       "the manifest has the serial %lld of the last accepted one but different "
                       "content; raise the serial when changing the manifest",
                       m->serial);
            }
            goto done;
        }
    }
    r.decision = INTAKE_ACCEPT;
    snprintf(r.msg, sizeof(r.msg), "manifest serial %lld accepted", m->serial);
    r.manifest = m;
    m = NULL;
done:
    *res = r;
    rc = OFD_OK;
out:
    manifest_free(m);
    diags_free(&d);
    return rc;
}

/* Reads path whole through rd; *present = 0 (OFD_OK) when there is no such file and
 * missing_ok. */
static enum ofd_code read_all(const struct ofd_reader *rd, const char *path, size_t max, int missing_ok, char **buf,
                              size_t *len, int *present, ofd_err *e)
{
    enum ofd_code rc = ofd_reader_read(rd, path, max, buf, len, e);

    *present = rc != OFD_E_NOTFOUND;
    if (rc == OFD_E_NOTFOUND && missing_ok) {
        ofd_err_clear(e);
        *buf = NULL;
        *len = 0;
        return OFD_OK;
    }
    return rc == OFD_E_NOTFOUND ? OFD_E_IO : rc;
}

enum ofd_code intake_check_files(const char *manifest_path, const char *sig_path, const struct trust_anchor *anchor,
                                 const struct intake_state *state, const struct ofd_reader *rd, unsigned flags,
                                 struct intake_result *res, ofd_err *e)
{
    char *m1 = NULL, *m2 = NULL, *s1 = NULL, *s2 = NULL, *base = NULL, *slash;
    size_t m1n = 0, m2n = 0, s1n = 0, s2n = 0;
    int mp, sp1 = 0, sp2 = 0, sig_too_large = 0;
    enum ofd_code rc;
    struct intake_result r;
    struct intake_names names;

    memset(&r, 0, sizeof(r));
    /* Each file twice, interleaved: a copy in progress shows as a difference. A file
     * over its limit is a refusal (reported), not an error. */
    if ((rc = read_all(rd, manifest_path, TRUST_MAX_CONTENT, 0, &m1, &m1n, &mp, e)) != OFD_OK)
        goto failed;
    if ((rc = read_all(rd, sig_path, TRUST_MAX_SIG, 1, &s1, &s1n, &sp1, e)) != OFD_OK) {
        sig_too_large = 1;
        goto failed;
    }
    if ((rc = read_all(rd, manifest_path, TRUST_MAX_CONTENT, 0, &m2, &m2n, &mp, e)) != OFD_OK)
        goto failed;
    if ((rc = read_all(rd, sig_path, TRUST_MAX_SIG, 1, &s2, &s2n, &sp2, e)) != OFD_OK) {
        sig_too_large = 1;
        goto failed;
    }
    if (m1n != m2n || memcmp(m1, m2, m1n) != 0 || sp1 != sp2 || s1n != s2n || (s1n && memcmp(s1, s2, s1n) != 0)) {
        refuse(&r, INTAKE_R_TORN,
               "the manifest or its signature changed while it was read "
               "(still being copied?); it is read again at the next check");
        *res = r;
        rc = OFD_OK;
        goto out;
    }
    if (!(base = ofd_strdup(manifest_path))) {
        rc = ofd_err_nomem(e);
        goto out;
    }
    slash = strrchr(base, '/');
    if (strrchr(base, '\\') > slash)
        slash = strrchr(base, '\\');
    if (slash)
        slash[1] = '\0';
    else
        strcpy(base, ".");
    names.manifest = manifest_path;
    names.sig = sig_path;
    rc = intake_decide(m1, m1n, sp1 ? (const unsigned char *)s1 : NULL, s1n, anchor, state, &names, base, rd, flags,
                       res, e);
    goto out;
failed:
    if (rc != OFD_E_INVALID)
        goto out;
    refuse(&r, sig_too_large ? INTAKE_R_BAD_SIGNATURE : INTAKE_R_INVALID, "%s",
           e ? e->msg : "a file is larger than its limit");
    if (e)
        ofd_err_clear(e);
    *res = r;
    rc = OFD_OK;
out:
    free(base);
    free(m1);
    free(m2);
    free(s1);
    free(s2);
    return rc;
}

void intake_state_from_result(const struct intake_result *res, struct intake_state *st)
{
    st->present = 1;
    st->last_serial = res->serial;
    memcpy(st->last_sha256, res->sha256, INTAKE_SHA256_LEN);
    st->reverted = 0;
    st->reverted_reason[0] = '\0';
}

/* A whole number in [0, 2^53), as serials are. */
static int serial_number(const cJSON *n)
{
    return cJSON_IsNumber(n) && n->valuedouble >= 0 && n->valuedouble <= 9007199254740991.0
           && n->valuedouble == (double)(long long)n->valuedouble;
}

/* "reverted": {"serial": N, "sha256": "...", "reason": "..."} into s; 0 or -1. */
static int load_reverted(const cJSON *r, struct intake_state *s)
{
    const cJSON *ser = cJSON_GetObjectItemCaseSensitive(r, "serial"),
                *sha = cJSON_GetObjectItemCaseSensitive(r, "sha256"),
                *why = cJSON_GetObjectItemCaseSensitive(r, "reason");
    char *p;

    if (!cJSON_IsObject(r) || !serial_number(ser) || !cJSON_IsString(sha)
        || cs_sha256_parse(sha->valuestring, s->reverted_sha256) != 0 || !cJSON_IsString(why))
        return -1;
    s->reverted = 1;
    s->reverted_serial = (long long)ser->valuedouble;
    snprintf(s->reverted_reason, sizeof(s->reverted_reason), "%s", why->valuestring);
    ofd_utf8_trim(s->reverted_reason);
    for (p = s->reverted_reason; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = ' ';
    return 0;
}

enum ofd_code intake_state_load(const char *path, struct intake_state *st, ofd_err *e)
{
    char *text = NULL;
    size_t len = 0;
    cJSON *j = NULL, *fmt, *ser, *sha, *rev;
    struct intake_state s;
    enum ofd_code rc;

    memset(&s, 0, sizeof(s));
    if ((rc = ofd_read_file(path, INTAKE_STATE_MAX_BYTES, &text, &len, e)) == OFD_E_NOTFOUND) {
        ofd_err_clear(e);
        *st = s; /* nothing accepted yet */
        rc = OFD_OK;
        goto out;
    }
    if (rc != OFD_OK) {
        ofd_err_prefix(e, "the state file");
        goto out;
    }
    j = cJSON_ParseWithLength(text, len);
    fmt = cJSON_GetObjectItemCaseSensitive(j, "format");
    ser = cJSON_GetObjectItemCaseSensitive(j, "last_serial");
    sha = cJSON_GetObjectItemCaseSensitive(j, "last_sha256");
    rev = cJSON_GetObjectItemCaseSensitive(j, "reverted");
    if (!cJSON_IsObject(j) || !cJSON_IsNumber(fmt) || fmt->valuedouble != 1 || !serial_number(ser)
        || !cJSON_IsString(sha) || cs_sha256_parse(sha->valuestring, s.last_sha256) != 0
        || (rev && !cJSON_IsNull(rev) && load_reverted(rev, &s) != 0)) {
        rc = ofd_err_set(e, OFD_E_INVALID,
                         "the state file '%s' is damaged; remove it only if "
                         "the manifest on the share is the one to apply",
                         path);
        goto out;
    }
    s.present = 1;
    s.last_serial = (long long)ser->valuedouble;
    *st = s;
    rc = OFD_OK;
out:
    cJSON_Delete(j);
    free(text);
    return rc;
}

enum ofd_code intake_state_save(const char *path, const struct intake_state *st, ofd_err *e)
{
    struct strbuf sb = {0};
    char hex[2 * INTAKE_SHA256_LEN + 1];
    enum ofd_code rc;

    cJSON *why = NULL;
    char *quoted = NULL, reason[INTAKE_REVERTED_REASON_MAX], *p;

    cs_sha256_hex(st->last_sha256, hex);
    sb_printf(&sb, "{\"format\": 1, \"last_serial\": %lld, \"last_sha256\": \"%s\"", st->last_serial, hex);
    if (st->reverted) {
        /* The reason as a JSON string, control characters blanked: it is bounded so
         * the file stays far below INTAKE_STATE_MAX_BYTES. */
        snprintf(reason, sizeof(reason), "%s", st->reverted_reason);
        ofd_utf8_trim(reason);
        for (p = reason; *p; p++)
            if ((unsigned char)*p < 0x20 || *p == 0x7f)
                *p = ' ';
        cs_sha256_hex(st->reverted_sha256, hex);
        if (!(why = cJSON_CreateString(reason)) || !(quoted = cJSON_PrintUnformatted(why))) {
            rc = ofd_err_nomem(e);
            goto out;
        }
        sb_printf(&sb, ", \"reverted\": {\"serial\": %lld, \"sha256\": \"%s\", \"reason\": %s}", st->reverted_serial,
                  hex, quoted);
    }
    sb_append(&sb, "}\n");
    if (sb.oom)
        rc = ofd_err_nomem(e);
    else
        rc = ofd_write_file_atomic(path, sb_str(&sb), sb.len, e);
out:
    cJSON_free(quoted);
    cJSON_Delete(why);
    sb_free(&sb);
    return rc;
}

enum ofd_code intake_state_clear_reverted(const char *path, ofd_err *e)
{
    struct intake_state st;
    enum ofd_code rc;

    if ((rc = intake_state_load(path, &st, e)) != OFD_OK || !st.present || !st.reverted)
        return rc;
    st.reverted = 0;
    return intake_state_save(path, &st, e);
}
