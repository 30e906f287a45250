/* ocsfed export [--node sim:FILE] [--out NODE.json] [--manifest DRAFT.json]: the server
 * (or a simulated one) as a simulated node file, and a draft manifest inferred from it,
 * for safe first contact (export.h). Read-only: no journal is recovered, no file is
 * overwritten. Without --out the node file goes to standard output and what the command
 * says to standard error. Exit status: 0 exported (a draft's differences are said, not an
 * error), 1 error, 2 usage. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "apply.h"
#include "cli.h"
#include "export.h"
#include "fsutil.h"
#include "manifest.h"
#include "nodespec.h"
#include "plan.h"
#include "strbuf.h"
#include "vocab.h"

/* Writes text to path, which must not exist yet. */
static int write_new(const char *path, const char *text, FILE *err)
{
    FILE *f = ofd_create_new(path);

    if (!f) {
        fprintf(err, "ocsfed: %s: %s\n", path,
                errno == EEXIST ? "exists: the export never overwrites a file" : strerror(errno));
        return -1;
    }
    if (fputs(text, f) < 0 || fputc('\n', f) == EOF || fclose(f) != 0) {
        fprintf(err, "ocsfed: cannot write %s\n", path);
        return -1;
    }
    return 0;
}

static int exists(const char *path)
{
    FILE *f = ofd_fopen(path, "rb");

    if (f)
        fclose(f);
    return f != NULL;
}

/* "5 classes (9 instances), 5 class definitions, 3 certificates (1 with a private key)". */
static void describe(const char *text, FILE *f)
{
    cJSON *root = cJSON_Parse(text), *c, *st, *it;
    const cJSON *fips, *svc;
    size_t classes = 0, instances = 0, defs = 0, certs = 0, keys = 0;

    if (!root)
        return;
    cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(root, "ocs"))
    {
        classes++;
        instances += (size_t)cJSON_GetArraySize(c);
    }
    cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(root, "schema")) defs += !cJSON_IsNull(c);
    cJSON_ArrayForEach(st, cJSON_GetObjectItemCaseSensitive(root, "certificates"))
    {
        cJSON_ArrayForEach(it, st)
        {
            certs++;
            keys += cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(it, "private_key"));
        }
    }
    fips = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(root, "fips"), "Enabled");
    svc = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(root, "services"), ocs_lit.service);
    fprintf(f,
            "%zu classes (%zu instances), %zu class definitions, %zu certificates (%zu with a private key), FIPS %s, "
            "%s %s\n",
            classes, instances, defs, certs, keys, cJSON_IsNumber(fips) && fips->valuedouble == 1 ? "on" : "off",
            ocs_lit.service, cJSON_IsString(svc) ? svc->valuestring : "not installed");
    cJSON_Delete(root);
}

static void print_vocab(const struct vocab *v, FILE *f)
{
    size_t i, count[VOCAB_RECORDED + 1] = {0};

    for (i = 0; i < v->n; i++) {
        const struct vocab_entry *x = &v->v[i];
        count[x->verdict]++;
        if (x->verdict == VOCAB_CONTRADICTS)
            fprintf(f, "vocabulary: contradicts: %s.%s: ocsfed writes \"%s\", but %s\n", x->cls, x->prop, x->writes,
                    x->evidence);
        else if (x->verdict == VOCAB_ADOPTED)
            fprintf(f, "vocabulary: adopted: %s.%s: \"%s\" is written \"%s\" here (%s)\n", x->cls, x->prop, x->writes,
                    x->chosen, x->evidence);
    }
    fprintf(f,
            "vocabulary: %zu agree, %zu adopted, %zu contradict, %zu without evidence, %zu recorded (the export's "
            "\"vocabulary\")\n",
            count[VOCAB_AGREES], count[VOCAB_ADOPTED], count[VOCAB_CONTRADICTS], count[VOCAB_NO_EVIDENCE],
            count[VOCAB_RECORDED]);
}

/* Why a change of the draft's plan is there, for the round trip. */
static void print_change(const struct plan_change *c, FILE *f)
{
    size_t k;

    fprintf(f, "  %s %s %s [%s]", plan_action_name(c->action), c->cls, c->key, c->rule ? c->rule : "");
    switch (c->action) {
    case PLAN_CREATE: fprintf(f, ": not on the server"); break;
    case PLAN_DELETE: fprintf(f, ": ocsfed made it, and the draft does not name it"); break;
    case PLAN_RESTART: fprintf(f, ": the Front End restart an earlier apply left for the maintenance window"); break;
    default: break;
    }
    for (k = 0; c->action == PLAN_UPDATE && k < c->props.nprops; k++) {
        const struct node_value *now = node_instance_get(&c->current, c->props.props[k].name);
        char *a = now ? node_value_text(now) : NULL, *b = node_value_text(&c->props.props[k].v);
        fprintf(f, "%s %s %s -> %s", k ? ";" : ":", c->props.props[k].name, a ? a : "(not set)", b ? b : "?");
        free(a);
        free(b);
    }
    fputc('\n', f);
}

/* The round trip: the draft validates, and its plan against the node changes nothing,
 * or each difference is named with its rule. 0, or -1 when the draft is not valid. */
static int round_trip(const char *path, const char *text, const struct node *n, FILE *msg)
{
    struct manifest *m = NULL;
    struct diags d = {0};
    struct plan p;
    char *dir = manifest_dir_of(path);
    size_t i, changes = 0;
    int rc = -1;
    ofd_err e;

    memset(&p, 0, sizeof(p));
    ofd_err_clear(&e);
    if (!dir || manifest_parse(text, strlen(text), dir, NULL, 0, &m, &d, &e) != OFD_OK) {
        diags_print(&d, path, msg);
        fprintf(msg, "round trip: %s is not a valid manifest%s%s\n", path, e.msg[0] ? ": " : "", e.msg);
        goto out;
    }
    if (plan_make(m, n, &(struct plan_options){.now = (long long)time(NULL)}, &p, &e) != OFD_OK) {
        fprintf(msg, "round trip: %s is valid, but its plan fails: %s%s%s%s\n", path, e.rule[0] ? "[" : "", e.rule,
                e.rule[0] ? "] " : "", e.msg);
        goto out;
    }
    for (i = 0; i < p.n; i++)
        changes += p.v[i].action != PLAN_UNCHANGED;
    if (!changes) {
        fprintf(msg, "round trip: %s is valid and its plan changes nothing on %s\n", path, p.server);
    } else {
        fprintf(msg, "round trip: %s is valid; its plan against %s has %zu change%s:\n", path, p.server, changes,
                changes == 1 ? "" : "s");
        for (i = 0; i < p.n; i++)
            if (p.v[i].action != PLAN_UNCHANGED)
                print_change(&p.v[i], msg);
    }
    rc = 0;
out:
    plan_free(&p);
    manifest_free(m);
    diags_free(&d);
    free(dir);
    return rc;
}

int cmd_export(int argc, char **argv, FILE *out, FILE *err)
{
    const char *spec = NULL, *out_path = NULL, *draft_path = NULL;
    struct node node = {0};
    struct vocab v;
    struct export_draft d;
    struct node_identity id;
    char *journal = NULL, *text = NULL, *draft_text = NULL;
    long long now = (long long)time(NULL);
    FILE *msg = err;
    int i, status = 1;
    size_t k;
    ofd_err e;

    ofd_err_clear(&e);
    memset(&v, 0, sizeof(v));
    memset(&d, 0, sizeof(d));
    memset(&id, 0, sizeof(id));
    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--node") == 0 && i + 1 < argc)
            spec = argv[++i];
        else if (strcmp(argv[i], "--out") == 0 && i + 1 < argc)
            out_path = argv[++i];
        else if (strcmp(argv[i], "--manifest") == 0 && i + 1 < argc)
            draft_path = argv[++i];
        else
            break;
    }
    if (i < argc) {
        cli_usage("export", err);
        return 2;
    }
    if (out_path)
        msg = out;
    /* Nothing is written unless both files can be: the node's own file above all. */
    if ((out_path && exists(out_path)) || (draft_path && exists(draft_path))) {
        fprintf(err, "ocsfed: %s exists: the export never overwrites a file\n",
                out_path && exists(out_path) ? out_path : draft_path);
        return 1;
    }
    if (nodespec_open(spec, &node, &journal, &e) != OFD_OK || node.ops->identity(node.ctx, &id, &e) != OFD_OK) {
        fprintf(err, "ocsfed: %s\n", e.msg);
        goto out;
    }
    if (!id.fqdn) {
        fprintf(err, "ocsfed: the node has no FQDN\n");
        goto out;
    }
    if (apply_journal_exists(journal))
        fprintf(err,
                "ocsfed: warning: %s: an apply was cut short here; the next apply undoes it, and this export shows "
                "the node as that apply left it\n",
                journal);
    if (vocab_check(&node, &v, &e) != OFD_OK || (draft_path && export_draft_infer(&node, &d, &e) != OFD_OK)
        || export_node(&node, &v, draft_path ? &d : NULL, draft_path, now, &text, &e) != OFD_OK) {
        fprintf(err, "ocsfed: %s\n", e.msg);
        goto out;
    }
    if (out_path ? write_new(out_path, text, err) != 0 : fprintf(out, "%s\n", text) < 0)
        goto out;
    fprintf(msg, "exported %s to %s: ", id.fqdn, out_path ? out_path : "standard output");
    describe(text, msg);
    print_vocab(&v, msg);
    status = 0;
    if (!draft_path)
        goto out;
    if (!d.manifest) {
        for (k = 0; k < d.nnotes; k++)
            fprintf(msg, "not inferred: %s\n", d.notes[k]);
        fprintf(err, "ocsfed: no draft manifest: nothing on %s is towards IM&P\n", id.fqdn);
        status = 1;
        goto out;
    }
    if (!(draft_text = cJSON_Print(d.manifest))) {
        fprintf(err, "ocsfed: out of memory\n");
        status = 1;
        goto out;
    }
    if (write_new(draft_path, draft_text, err) != 0) {
        status = 1;
        goto out;
    }
    fprintf(msg, "draft manifest %s: %s\n", draft_path, d.summary);
    for (k = 0; k < d.nnotes; k++)
        fprintf(msg, "not inferred: %s\n", d.notes[k]);
    if (round_trip(draft_path, draft_text, &node, msg) != 0)
        status = 1;
out:
    cJSON_free(draft_text);
    cJSON_free(text);
    export_draft_free(&d);
    vocab_free(&v);
    node_identity_free(&id);
    node_close(&node);
    free(journal);
    return status;
}
