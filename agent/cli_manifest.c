/* Subcommands over the manifest: validate, sim init, plan, imp-checklist. Exit status:
 *   validate: 0 valid (warnings allowed), 1 errors, 2 usage;
 *   sim init: 0 created, 1 error, 2 usage;
 *   imp-checklist: 0 printed, 1 invalid manifest (as validate says it), 2 usage;
 *   plan:     0 nothing to change, 2 changes pending, 1 error or usage
 *             (terraform plan -detailed-exitcode); a Front End restart left for the
 *             maintenance window alone is not a change to the settings: 0, and said;
 *             1 also when the server's vocabulary would refuse the apply (vocab.h).
 *             A journal beside the node file (an apply cut short) is reported: the
 *             next apply undoes it first. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "apply.h"
#include "fsutil.h"
#include "cli_manifest.h"
#include "imp_checklist.h"
#include "manifest.h"
#include "nodespec.h"
#include "plan.h"
#include "simnode.h"
#include "strbuf.h"

/* A manifest that did not load, as `ocsfed validate` says it: every error and warning
 * (notes only matter for a manifest that will be used) and a count, or the reason the
 * file could not be read. */
static void print_refused(const char *path, struct diags *d, const ofd_err *e, FILE *err)
{
    size_t i, k = 0;

    if (!d->n) {
        fprintf(err, "ocsfed: %s\n", e->msg);
        return;
    }
    for (i = 0; i < d->n; i++)
        if (d->v[i].sev != DIAG_NOTE)
            d->v[k++] = d->v[i];
        else {
            free(d->v[i].ptr);
            free(d->v[i].msg);
        }
    d->n = k;
    diags_print(d, path, err);
    fprintf(err, "%s: %zu error%s, %zu warning%s; nothing applied\n", path, d->nerrors, d->nerrors == 1 ? "" : "s",
            d->nwarnings, d->nwarnings == 1 ? "" : "s");
}

int cmd_validate(int argc, char **argv, FILE *out, FILE *err)
{
    struct manifest *m = NULL;
    struct diags d = {0};
    ofd_err e;
    int status = 1;

    ofd_err_clear(&e);
    if (argc != 2 || argv[1][0] == '-') {
        cli_usage("validate", err);
        return 2;
    }
    if (manifest_load(argv[1], 0, &m, &d, &e) == OFD_OK) {
        diags_print(&d, argv[1], err);
        fprintf(out,
                "%s: valid manifest, serial %lld: %s, %s Edition, %zu server%s, "
                "%zu domain%s, %zu IM&P node%s",
                argv[1], m->serial, m->transport == MANIFEST_TLS ? "tls" : "tcp",
                m->edition == MANIFEST_ENTERPRISE ? "Enterprise" : "Standard", m->nservers, m->nservers == 1 ? "" : "s",
                m->ndomains, m->ndomains == 1 ? "" : "s", m->nnodes, m->nnodes == 1 ? "" : "s");
        if (m->confirm.probe)
            fprintf(out, "; each apply confirmed by a probe within %u s", m->confirm.timeout_s);
        fprintf(out, "\n");
        status = 0;
    } else {
        print_refused(argv[1], &d, &e, err);
    }
    manifest_free(m);
    diags_free(&d);
    return status;
}

int cmd_sim(int argc, char **argv, FILE *out, FILE *err)
{
    const char *file = NULL, *fqdn = NULL, *pool = NULL, *store = NULL;
    ofd_err e;
    int i;

    ofd_err_clear(&e);
    if (argc < 2 || strcmp(argv[1], "init") != 0)
        goto usage;
    for (i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--fqdn") == 0 && i + 1 < argc)
            fqdn = argv[++i];
        else if (strcmp(argv[i], "--pool") == 0 && i + 1 < argc)
            pool = argv[++i];
        else if (strcmp(argv[i], "--pool-store") == 0 && i + 1 < argc)
            store = argv[++i];
        else if (argv[i][0] != '-' && !file)
            file = argv[i];
        else
            goto usage;
    }
    if (!file || !fqdn)
        goto usage;
    if (simnode_init_file(file, fqdn, pool, store, &e) != OFD_OK) {
        fprintf(err, "ocsfed: %s\n", e.msg);
        return 1;
    }
    fprintf(out, "%s: empty simulated node %s (%s%s%s)\n", file, fqdn,
            pool ? "Enterprise Edition front end" : "Standard Edition", store ? ", the pool's entries in " : "",
            store ? store : "");
    return 0;
usage:
    cli_usage("sim", err);
    return 2;
}

static void print_notes(const struct diags *d, FILE *err)
{
    static const char *const sev[3] = {"error", "warning", "note"};
    size_t i;

    for (i = 0; i < d->n; i++)
        fprintf(err, "ocsfed: %s: [%s] %s\n", sev[d->v[i].sev], d->v[i].rule, d->v[i].msg);
}

int cmd_plan(int argc, char **argv, FILE *out, FILE *err)
{
    const char *mpath = NULL, *nodespec = NULL;
    struct manifest *m = NULL;
    struct diags d = {0};
    struct node node = {0};
    struct plan p;
    struct plan_options po;
    char *json = NULL, *journal = NULL, *password = NULL;
    int as_json = 0, verbose = 0, status = 1, i;
    ofd_err e;

    memset(&p, 0, sizeof(p));
    memset(&po, 0, sizeof(po));
    ofd_err_clear(&e);
    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--node") == 0 && i + 1 < argc)
            nodespec = argv[++i];
        else if (strcmp(argv[i], "--json") == 0)
            as_json = 1;
        else if (strcmp(argv[i], "--verbose") == 0)
            verbose = 1;
        else if (argv[i][0] != '-' && !mpath)
            mpath = argv[i];
        else
            break; /* unknown option or a second manifest */
    }
    if (i < argc || !mpath) {
        cli_usage("plan", err);
        return 1;
    }
    if (manifest_load(mpath, 0, &m, &d, &e) != OFD_OK) {
        if (d.n) {
            diags_print(&d, mpath, err);
            fprintf(err, "%s: %zu error%s; nothing planned\n", mpath, d.nerrors, d.nerrors == 1 ? "" : "s");
        } else {
            fprintf(err, "ocsfed: %s\n", e.msg);
        }
        goto out;
    }
    /* Warnings of the manifest itself; notes (R13, R18) are repeated by the plan. */
    for (i = 0; (size_t)i < d.n; i++)
        if (d.v[i].sev == DIAG_WARNING) {
            struct diags one = d;
            one.v = &d.v[i];
            one.n = 1;
            diags_print(&one, mpath, err);
        }
    if (nodespec_open(nodespec, &node, &journal, &e) != OFD_OK) {
        fprintf(err, "ocsfed: %s\n", e.msg);
        goto out;
    }
    if (apply_journal_exists(journal))
        fprintf(err,
                "ocsfed: warning: %s: an apply was cut short here; the next apply undoes it first, and this "
                "plan shows the node as that apply left it\n",
                journal);
    po.now = (long long)time(NULL);
    po.pfx_password = password = nodespec_pfx_password();
    if (plan_make(m, &node, &po, &p, &e) != OFD_OK) {
        if (e.rule[0])
            fprintf(err, "ocsfed: error: [%s] %s\n", e.rule, e.msg);
        else
            fprintf(err, "ocsfed: error: %s\n", e.msg);
        goto out;
    }
    if (as_json) {
        if (!(json = plan_to_json(&p))) {
            fprintf(err, "ocsfed: out of memory\n");
            goto out;
        }
        fprintf(out, "%s\n", json);
    } else {
        print_notes(&p.notes, err);
        plan_print_text_ex(&p, verbose, out);
    }
    status = plan_has_setting_changes(&p) ? 2 : 0;
    /* An apply of it would be refused before any write (vocab.h; the error is among the
     * plan's diagnostics): an error, not changes pending. */
    if (plan_has_changes(&p) && vocab_contradiction(&p.vocab, p.tls))
        status = 1;
out:
    nodespec_password_free(password);
    free(json);
    free(journal);
    plan_free(&p);
    node_close(&node);
    manifest_free(m);
    diags_free(&d);
    return status;
}

int cmd_imp_checklist(int argc, char **argv, FILE *out, FILE *err)
{
    const char *mpath = NULL;
    struct manifest *m = NULL;
    struct diags d = {0};
    struct imp_checklist c;
    char *json = NULL;
    int as_json = 0, status = 1, i;
    size_t k;
    ofd_err e;

    memset(&c, 0, sizeof(c));
    ofd_err_clear(&e);
    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0)
            as_json = 1;
        else if (argv[i][0] != '-' && !mpath)
            mpath = argv[i];
        else
            break; /* unknown option or a second manifest */
    }
    if (i < argc || !mpath) {
        cli_usage("imp-checklist", err);
        return 2;
    }
    if (manifest_load(mpath, 0, &m, &d, &e) != OFD_OK) {
        print_refused(mpath, &d, &e, err);
        goto out;
    }
    /* The manifest's warnings (R8's among them); its notes are what this prints. */
    for (k = 0; k < d.n; k++)
        if (d.v[k].sev == DIAG_WARNING) {
            struct diags one = d;
            one.v = &d.v[k];
            one.n = 1;
            diags_print(&one, mpath, err);
        }
    if (imp_checklist_make(m, &c, &e) != OFD_OK) {
        fprintf(err, "ocsfed: %s\n", e.msg);
        goto out;
    }
    if (as_json) {
        if (!(json = imp_checklist_to_json(&c))) {
            fprintf(err, "ocsfed: out of memory\n");
            goto out;
        }
        fprintf(out, "%s\n", json);
    } else {
        imp_checklist_print_text(&c, m, mpath, out);
    }
    status = 0;
out:
    free(json);
    imp_checklist_free(&c);
    manifest_free(m);
    diags_free(&d);
    return status;
}
