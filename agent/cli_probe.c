/* ocsfed probe MANIFEST [--node sim:FILE] [--cert CERT.pem --key KEY.pem] [--json]: from
 * this server, does the path to each IM&P node work (probe.h)? One line per check, or
 * --json. Exit status 0 when every check passed, 1 when one failed (or the probe could
 * not run), 2 usage.
 *
 * The node (--node, or on Windows without --cert this server through WMI) answers DNS
 * (its resolve) and, with TLS, which certificate this server presents: the one its
 * plan selects (R14-R17), taken by Schannel from the local machine's My store. --cert
 * and --key (PEM files) present that certificate through OpenSSL instead, natively and
 * on Windows alike. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "cli.h"
#include "cs.h"
#include "cs_inspect.h"
#include "manifest.h"
#include "nodespec.h"
#include "plan.h"
#include "probe.h"
#include "strbuf.h"

int cmd_probe(int argc, char **argv, FILE *out, FILE *err);

/* The thumbprint of the first certificate in PEM text, or -1. */
static int pem_thumbprint(const char *pem, size_t len, unsigned char tp[CS_SHA1_LEN])
{
    unsigned char *der = NULL;
    size_t dlen = 0;
    int rc = -1;

    if (cs_cert_from_buffer((const unsigned char *)pem, len, "certificate", &der, &dlen, NULL) == OFD_OK
        && cs_x509_thumbprint(der, dlen, tp, NULL) == OFD_OK)
        rc = 0;
    free(der);
    return rc;
}

int cmd_probe(int argc, char **argv, FILE *out, FILE *err)
{
    const char *mpath = NULL, *nodespec = NULL, *cert = NULL, *key = NULL;
    struct manifest *m = NULL;
    struct diags d = {0};
    struct node node = {0};
    struct node_identity id = {0};
    struct probe_options po;
    struct probe_result res = {0};
    struct plan p;
    struct plan_options plo;
    char *journal = NULL, *cert_pem = NULL, *key_pem = NULL, *password = NULL, *json = NULL;
    size_t cert_len = 0, key_len = 0;
    unsigned char tp[CS_SHA1_LEN];
    int i, as_json = 0, planned = 0, status = 1;
    ofd_err e;

    ofd_err_clear(&e);
    memset(&po, 0, sizeof(po));
    memset(&p, 0, sizeof(p));
    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--node") == 0 && i + 1 < argc)
            nodespec = argv[++i];
        else if (strcmp(argv[i], "--cert") == 0 && i + 1 < argc)
            cert = argv[++i];
        else if (strcmp(argv[i], "--key") == 0 && i + 1 < argc)
            key = argv[++i];
        else if (strcmp(argv[i], "--json") == 0)
            as_json = 1;
        else if (argv[i][0] != '-' && !mpath)
            mpath = argv[i];
        else
            break;
    }
    if (i < argc || !mpath || !cert != !key) {
        cli_usage("probe", err);
        return 2;
    }
    if (manifest_load(mpath, 0, &m, &d, &e) != OFD_OK) {
        diags_print(&d, mpath, err);
        fprintf(err, "%s: %s; nothing probed\n", mpath, d.nerrors ? "the manifest has errors" : e.msg);
        goto out;
    }
    if (cert
        && ((ofd_read_file(cert, CS_FILE_MAX_BYTES, &cert_pem, &cert_len, &e) != OFD_OK)
            || ofd_read_file(key, CS_FILE_MAX_BYTES, &key_pem, &key_len, &e) != OFD_OK)) {
        fprintf(err, "ocsfed: %s\n", e.msg);
        goto out;
    }
    /* The node: the one named, or this server when there is one and no files say which
     * certificate to present. */
    if ((nodespec || !cert) && (nodespec || nodespec_has_platform())) {
        if (nodespec_open(nodespec, &node, &journal, &e) != OFD_OK || node.ops->identity(node.ctx, &id, &e) != OFD_OK) {
            fprintf(err, "ocsfed: %s; nothing probed\n", e.msg);
            goto out;
        }
        po.node = &node;
        po.server_fqdn = id.fqdn;
    }
    if (po.node && m->transport == MANIFEST_TLS) {
        /* Which certificate this server presents: the one its plan selects (R14-R17). */
        memset(&plo, 0, sizeof(plo));
        plo.now = (long long)time(NULL);
        plo.pfx_password = password = nodespec_pfx_password();
        if (plan_make(m, &node, &plo, &p, &e) != OFD_OK) {
            fprintf(err, "ocsfed: cannot tell which certificate this server presents: %s%s%s%s; nothing probed\n",
                    e.rule[0] ? "[" : "", e.rule, e.rule[0] ? "] " : "", e.msg);
            goto out;
        }
        planned = 1;
        if (p.cert.selected) {
            po.cert_tp = p.cert.tp;
            if (cert_pem && pem_thumbprint(cert_pem, cert_len, tp) == 0 && memcmp(tp, p.cert.tp, CS_SHA1_LEN) != 0) {
                char a[2 * CS_SHA1_LEN + 1], b[2 * CS_SHA1_LEN + 1];
                cs_thumbprint_hex(tp, a);
                cs_thumbprint_hex(p.cert.tp, b);
                fprintf(err, "ocsfed: note: %s is certificate %s; this server's plan selects %s [R17]\n", cert, a, b);
            }
        }
    }
    po.m = m;
    po.cert_pem = cert_pem;
    po.cert_pem_len = cert_len;
    po.key_pem = key_pem;
    po.key_pem_len = key_len;
    if (probe_run(&po, &res, &e) != OFD_OK) {
        fprintf(err, "ocsfed: %s\n", e.msg);
        goto out;
    }
    if (as_json) {
        if (!(json = probe_to_json(&res))) {
            fprintf(err, "ocsfed: out of memory\n");
            goto out;
        }
        fprintf(out, "%s\n", json);
    } else {
        probe_print_text(&res, out);
    }
    status = probe_passed(&res) ? 0 : 1;
out:
    free(json);
    probe_result_free(&res);
    if (planned)
        plan_free(&p);
    nodespec_password_free(password);
    if (key_pem) {
        OPENSSL_cleanse(key_pem, key_len);
        free(key_pem);
    }
    free(cert_pem);
    node_identity_free(&id);
    node_close(&node);
    free(journal);
    manifest_free(m);
    diags_free(&d);
    return status;
}
