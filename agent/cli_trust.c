/* ocsfed pin / sign / verify: the publisher's side and the agent's check of a signed
 * manifest. Exit status:
 *   pin:    0 every file pinned and the manifest valid, 1 error (or, with --check, a
 *           pin missing or stale), 2 usage;
 *   sign:   0 signed, 1 error (an invalid manifest, or a file not matching its pin, is
 *           not signed), 2 usage;
 *   verify: 0 the manifest would be accepted, 1 refused or error, 2 usage. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "fsutil.h"
#include "intake.h"
#include "manifest.h"
#include "strbuf.h"
#include "trust.h"

int cmd_pin(int argc, char **argv, FILE *out, FILE *err);
int cmd_sign(int argc, char **argv, FILE *out, FILE *err);
int cmd_verify(int argc, char **argv, FILE *out, FILE *err);

/* Validates text (the manifest at path) with the files it names read and checked
 * against their pins; prints every diagnostic. Returns 1 when it is valid. */
static int valid_manifest(const char *path, const char *text, size_t len, FILE *err)
{
    struct manifest *m = NULL;
    struct diags d = {0};
    char *dir = manifest_dir_of(path);
    ofd_err e;
    int ok = 0;

    ofd_err_clear(&e);
    if (!dir) {
        fprintf(err, "ocsfed: out of memory\n");
        return 0;
    }
    if (manifest_parse(text, len, dir, NULL, 0, &m, &d, &e) == OFD_OK)
        ok = 1;
    if (d.nerrors)
        diags_print(&d, path, err);
    else if (!ok)
        fprintf(err, "ocsfed: %s: %s\n", path, e.msg);
    manifest_free(m);
    diags_free(&d);
    free(dir);
    return ok;
}

int cmd_pin(int argc, char **argv, FILE *out, FILE *err)
{
    const char *path = NULL;
    char *text = NULL, *pinned = NULL, *dir = NULL;
    size_t len = 0, plen = 0, changed = 0;
    struct diags d = {0};
    int i, check = 0, status = 1;
    ofd_err e;

    ofd_err_clear(&e);
    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--check") == 0)
            check = 1;
        else if (argv[i][0] != '-' && !path)
            path = argv[i];
        else
            goto usage;
    }
    if (!path)
        goto usage;
    if (ofd_read_file(path, MANIFEST_MAX_BYTES, &text, &len, &e) != OFD_OK) {
        fprintf(err, "ocsfed: %s\n", e.msg);
        goto out;
    }
    if (!(dir = manifest_dir_of(path))) {
        fprintf(err, "ocsfed: out of memory\n");
        goto out;
    }
    if (manifest_pin(text, len, dir, &pinned, &plen, &changed, &d, &e) != OFD_OK) {
        if (d.nerrors)
            diags_print(&d, path, err);
        fprintf(err, "ocsfed: %s: %s; nothing written\n", path, e.msg);
        goto out;
    }
    if (check) {
        if (changed)
            fprintf(out, "%s: %zu file%s not pinned, or changed since pinned: run 'ocsfed pin %s'\n", path, changed,
                    changed == 1 ? "" : "s", path);
        else
            fprintf(out, "%s: every file it names matches its pin\n", path);
        status = changed ? 1 : 0;
        goto out;
    }
    if (changed && ofd_write_file_atomic(path, pinned, plen, &e) != OFD_OK) {
        fprintf(err, "ocsfed: %s\n", e.msg);
        goto out;
    }
    fprintf(out, "%s: %zu pin%s written%s\n", path, changed, changed == 1 ? "" : "s",
            changed ? "; sign the manifest again" : ": every file it names matches its pin");
    status = valid_manifest(path, pinned, plen, err) ? 0 : 1;
    goto out;
usage:
    cli_usage("pin", err);
    status = 2;
out:
    free(text);
    free(pinned);
    free(dir);
    diags_free(&d);
    return status;
}

int cmd_sign(int argc, char **argv, FILE *out, FILE *err)
{
    const char *manifest = NULL, *key_path = NULL, *cert_path = NULL, *pfx = NULL;
    const char *password = NULL, *outp = NULL;
    struct strbuf def = {0};
    EVP_PKEY *key = NULL;
    X509 *cert = NULL;
    char *text = NULL;
    unsigned char *sig = NULL, tp[CS_SHA1_LEN];
    char hex[2 * CS_SHA1_LEN + 1];
    size_t len = 0, sig_len = 0;
    unsigned int tpn = 0;
    ofd_err e;
    int i, status = 1;

    ofd_err_clear(&e);
    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--key") == 0 && i + 1 < argc)
            key_path = argv[++i];
        else if (strcmp(argv[i], "--cert") == 0 && i + 1 < argc)
            cert_path = argv[++i];
        else if (strcmp(argv[i], "--pfx") == 0 && i + 1 < argc)
            pfx = argv[++i];
        else if (strcmp(argv[i], "--password") == 0 && i + 1 < argc)
            password = argv[++i];
        else if (strcmp(argv[i], "--out") == 0 && i + 1 < argc)
            outp = argv[++i];
        else if (argv[i][0] != '-' && !manifest)
            manifest = argv[i];
        else
            goto usage;
    }
    if (!manifest || (pfx ? (key_path || cert_path) : (!key_path || !cert_path)))
        goto usage;
    if (!outp) {
        sb_printf(&def, "%s.p7s", manifest);
        if (def.oom) {
            fprintf(err, "ocsfed: out of memory\n");
            goto out;
        }
        outp = sb_str(&def);
    }
    if (ofd_read_file(manifest, TRUST_MAX_CONTENT, &text, &len, &e) != OFD_OK) {
        fprintf(err, "ocsfed: %s\n", e.msg);
        goto out;
    }
    /* Only what an agent would accept is signed: these bytes valid, and every file they
     * name there and matching its pin. */
    if (!valid_manifest(manifest, text, len, err)) {
        fprintf(err,
                "ocsfed: %s: not signed: fix the errors above (a file not pinned, or changed since it was "
                "pinned: 'ocsfed pin %s')\n",
                manifest, manifest);
        goto out;
    }
    if (trust_load_signer(key_path, cert_path, pfx, password, &key, &cert, &e) != OFD_OK
        || trust_sign((const unsigned char *)text, len, key, cert, &sig, &sig_len, &e) != OFD_OK
        || ofd_write_file_atomic(outp, (const char *)sig, sig_len, &e) != OFD_OK) {
        fprintf(err, "ocsfed: %s\n", e.msg);
        goto out;
    }
    if (!X509_digest(cert, EVP_sha1(), tp, &tpn)) {
        fprintf(err,
                "ocsfed: signed into %s, but the certificate's thumbprint cannot be "
                "computed\n",
                outp);
        goto out;
    }
    cs_thumbprint_hex(tp, hex);
    fprintf(out, "%s: signed by %s into %s (%zu bytes)\n", manifest, hex, outp, sig_len);
    status = 0;
    goto out;
usage:
    cli_usage("sign", err);
    status = 2;
out:
    free(sig);
    free(text);
    EVP_PKEY_free(key);
    X509_free(cert);
    sb_free(&def);
    return status;
}

int cmd_verify(int argc, char **argv, FILE *out, FILE *err)
{
    const char *manifest = NULL, *signer = NULL, *cert_path = NULL, *sig_path = NULL;
    const char *state_path = NULL;
    struct strbuf def = {0};
    struct trust_anchor anchor;
    struct intake_state st;
    struct intake_result res;
    unsigned char *cert = NULL;
    size_t cert_len = 0;
    char removed[256], hex[2 * CS_SHA1_LEN + 1];
    ofd_err e;
    int i, status = 1;

    ofd_err_clear(&e);
    memset(&anchor, 0, sizeof(anchor));
    memset(&st, 0, sizeof(st));
    memset(&res, 0, sizeof(res));
    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--signer") == 0 && i + 1 < argc)
            signer = argv[++i];
        else if (strcmp(argv[i], "--cert") == 0 && i + 1 < argc)
            cert_path = argv[++i];
        else if (strcmp(argv[i], "--sig") == 0 && i + 1 < argc)
            sig_path = argv[++i];
        else if (strcmp(argv[i], "--state") == 0 && i + 1 < argc)
            state_path = argv[++i];
        else if (argv[i][0] != '-' && !manifest)
            manifest = argv[i];
        else
            goto usage;
    }
    if (!manifest || !signer)
        goto usage;
    if (!sig_path) {
        sb_printf(&def, "%s.p7s", manifest);
        if (def.oom) {
            fprintf(err, "ocsfed: out of memory\n");
            goto out;
        }
        sig_path = sb_str(&def);
    }
    if (cs_thumbprint_parse_ex(signer, anchor.tp, removed, sizeof(removed), &e) != OFD_OK) {
        fprintf(err, "ocsfed: --signer: %s\n", e.msg);
        status = 2;
        goto out;
    }
    if (removed[0]) {
        cs_thumbprint_hex(anchor.tp, hex);
        fprintf(err,
                "ocsfed: warning: --signer: removed %s from the thumbprint (invisible, as a copy from the certificate "
                "dialog brings along): it reads %s\n",
                removed, hex);
    }
    if (cert_path) {
        if (trust_read_cert(cert_path, &cert, &cert_len, &e) != OFD_OK) {
            fprintf(err, "ocsfed: %s\n", e.msg);
            goto out;
        }
        anchor.cert_der = cert;
        anchor.cert_len = cert_len;
    }
    if (state_path && intake_state_load(state_path, &st, &e) != OFD_OK) {
        fprintf(err, "ocsfed: %s\n", e.msg);
        goto out;
    }
    if (intake_check_files(manifest, sig_path, &anchor, &st, NULL, 0, &res, &e) != OFD_OK) {
        fprintf(err, "ocsfed: %s\n", e.msg);
        goto out;
    }
    if (res.decision == INTAKE_REFUSE) {
        fprintf(out, "REFUSED (%s): %s\n", intake_reason_name(res.reason), res.msg);
    } else {
        fprintf(out, "OK: %s: %s\n", manifest, res.msg);
        status = 0;
    }
    goto out;
usage:
    cli_usage("verify", err);
    status = 2;
out:
    intake_result_free(&res);
    free(cert);
    sb_free(&def);
    return status;
}
