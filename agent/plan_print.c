/* The plan's two outputs: the reviewable text diff (plan_print_text) and the JSON
 * (plan_to_json) that `ocsfed plan --json`, `apply --json` and the reports carry. */
#include "plan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "report.h"
#include "rules.h"
#include "strbuf.h"

const char *plan_restart_when(const struct plan *p, char *buf, size_t n)
{
    if (!p->window)
        /* R19: without a window ocsfed never restarts the Front End by itself. */
        return "when a maintenance window is set (the manifest has none) or when 'ocsfed apply --restart-now' is "
               "run on the server";
    snprintf(buf, n, "in the maintenance window %s", p->window);
    return buf;
}

static void print_value(FILE *f, const struct node_value *v)
{
    char *t;

    if (!v) {
        fputs("(not set)", f);
        return;
    }
    t = node_value_text(v);
    if (v->type == OCS_STRING)
        fprintf(f, "\"%s\"", t ? t : "");
    else if (v->type == OCS_UINT8_ARRAY)
        fprintf(f, "0x%s", t ? t : "");
    else if (v->type == OCS_STRING_ARRAY)
        fprintf(f, "[%s]", t ? t : "");
    else
        fputs(t ? t : "", f);
    free(t);
}

/* R17: the selected certificate's issuer and serial number beside the bytes OCS keeps
 * (TLSCertIssuer: the issuer Name's DER; TLSCertSN: the serial, least significant byte
 * first), as the certificate MMC shows them. */
static void annotate(const struct plan *p, const char *name, FILE *f)
{
    if (!p->cert.selected)
        return;
    if (!ofd_strcasecmp(name, OCS_P_TLS_CERT_ISSUER))
        fprintf(f, "  (issuer %s)", p->cert.issuer);
    else if (!ofd_strcasecmp(name, OCS_P_TLS_CERT_SN))
        fprintf(f, "  (serial number %s)", p->cert.serial);
}

/* R17: which certificate the server will use, and how it was chosen. */
static void print_cert(const struct plan *p, FILE *f)
{
    const struct plan_cert *c = &p->cert;
    char tp[2 * CS_SHA1_LEN + 1], expires[21];

    if (!c->selected)
        return;
    cs_thumbprint_hex(c->tp, tp);
    report_format_time(c->not_after, expires);
    fputs("Server certificate (R17): ", f);
    if (c->how == MANIFEST_CERT_THUMBPRINT)
        fprintf(f, "given by its thumbprint in the manifest, in the Personal (My) store of %s\n", p->server);
    else if (c->how == MANIFEST_CERT_PFX)
        fprintf(f, "from %s (PKCS#12), imported into the Personal (My) store of %s\n", c->pfx_file ? c->pfx_file : "?",
                p->server);
    else
        fprintf(f,
                "picked in the Personal (My) store of %s, the valid one with CN=%s and Server and Client "
                "Authentication that expires last\n",
                p->server, p->desired.expected_cn ? p->desired.expected_cn : "?");
    fprintf(f, "      %-24s %s\n", "Subject", c->subject);
    fprintf(f, "      %-24s %s\n", "Thumbprint", tp);
    fprintf(f, "      %-24s %s\n", "Expires", expires);
    fprintf(f, "      %-24s %s\n", "Issuer", c->issuer);
    fprintf(f, "      %-24s %s\n", "Serial number", c->serial);
}

void plan_print_text(const struct plan *p, FILE *f)
{
    plan_print_text_ex(p, 0, f);
}

void plan_print_text_ex(const struct plan *p, int verbose, FILE *f)
{
    char when[256];
    static const char sign[PLAN_NACTIONS] = {'+', '~', '-', '=', '!'};
    size_t i, k;

    fprintf(f, "ocsfed plan for %s (%s%s), manifest serial %lld, transport %s\n", p->server,
            p->enterprise ? "Enterprise Edition, pool " : "Standard Edition", p->pool ? p->pool : "", p->serial,
            p->tls ? "tls" : "tcp");
    print_cert(p, f);
    for (i = 0; i < p->n; i++) {
        const struct plan_change *ch = &p->v[i];
        if (ch->action == PLAN_UNCHANGED)
            continue;
        fprintf(f, "\n%c %-7s %s %s  [%s %s]", sign[ch->action], plan_action_name(ch->action), ch->cls, ch->key,
                ch->rule, rules_title(ch->rule));
        if (ch->instance_id)
            fprintf(f, "\n      InstanceID %s%s", ch->instance_id,
                    ch->owned ? "" : " (not created by ocsfed; the manifest names it)");
        fputc('\n', f);
        if (ch->action == PLAN_CREATE || ch->action == PLAN_RESTART) {
            for (k = 0; k < ch->props.nprops; k++) {
                fprintf(f, "      %-24s ", ch->props.props[k].name);
                print_value(f, &ch->props.props[k].v);
                annotate(p, ch->props.props[k].name, f);
                fputc('\n', f);
            }
        } else if (ch->action == PLAN_UPDATE) {
            for (k = 0; k < ch->props.nprops; k++) {
                const char *name = ch->props.props[k].name;
                fprintf(f, "      %-24s ", name);
                print_value(f, node_instance_get(&ch->current, name));
                fputs(" -> ", f);
                print_value(f, &ch->props.props[k].v);
                annotate(p, name, f);
                fputc('\n', f);
            }
        } else if (ch->action == PLAN_DELETE) {
            for (k = 0; k < ch->current.nprops; k++) {
                if (!ofd_strcasecmp(ch->current.props[k].name, OCS_P_INSTANCE_ID))
                    continue;
                fprintf(f, "      %-24s ", ch->current.props[k].name);
                print_value(f, &ch->current.props[k].v);
                fputc('\n', f);
            }
        }
    }
    if (!plan_has_changes(p)) {
        fprintf(f, "\nNo changes: %s matches the manifest (%zu items checked).\n", p->server,
                p->counts[PLAN_UNCHANGED]);
    } else if (!plan_has_setting_changes(p)) {
        /* Settings converged; an earlier apply outside the window left the restart. */
        fprintf(f,
                "\nNo changes: %s matches the manifest (%zu items checked); the Front End service %s restart "
                "(R19) is still to do, %s.\n",
                p->server, p->counts[PLAN_UNCHANGED], ocs_lit.service, plan_restart_when(p, when, sizeof(when)));
    } else {
        fprintf(f, "\nPlan: %zu to create, %zu to update, %zu to delete, %zu unchanged", p->counts[PLAN_CREATE],
                p->counts[PLAN_UPDATE], p->counts[PLAN_DELETE], p->counts[PLAN_UNCHANGED]);
        if (p->counts[PLAN_RESTART])
            fprintf(f, "; the Front End service %s restarts %s", ocs_lit.service,
                    plan_restart_when(p, when, sizeof(when)));
        fputs(".\n", f);
    }
    if (p->foreign)
        fprintf(f,
                "%zu existing entr%s that ocsfed did not create and the manifest does not "
                "name left alone%s\n",
                p->foreign, p->foreign == 1 ? "y" : "ies",
                verbose           ? ":"
                : p->foreign == 1 ? " (--verbose lists it)."
                                  : " (--verbose lists them).");
    for (k = 0; verbose && k < p->foreign; k++) {
        const struct plan_left_alone *la = &p->left_alone[k];
        const struct ocs_class_def *def = ocs_class_find(la->cls);
        fprintf(f, "      %s ", la->cls);
        if (la->key)
            fputs(la->key, f);
        else
            fprintf(f, "(no %s)", def ? def->match_prop : "key");
        if (la->instance_id)
            fprintf(f, " (InstanceID %s)", la->instance_id);
        fprintf(f, ": %s\n", la->why);
    }
}

static cJSON *instance_json(const struct node_instance *inst)
{
    cJSON *o = cJSON_CreateObject(), *v;
    size_t i;

    for (i = 0; o && i < inst->nprops; i++) {
        if (!(v = node_value_to_json(&inst->props[i].v)) || !cJSON_AddItemToObject(o, inst->props[i].name, v)) {
            cJSON_Delete(v);
            cJSON_Delete(o);
            return NULL;
        }
    }
    return o;
}

/* "server_certificate": {"selected_by": "auto" | "thumbprint" | "pfx", "pfx",
 * "subject", "thumbprint", "not_after", "issuer", "serial_number"} or null. 0 on oom. */
static int add_cert(cJSON *root, const struct plan *p)
{
    const struct plan_cert *c = &p->cert;
    cJSON *o;
    char tp[2 * CS_SHA1_LEN + 1], expires[21];

    if (!c->selected)
        return cJSON_AddNullToObject(root, "server_certificate") != NULL;
    cs_thumbprint_hex(c->tp, tp);
    report_format_time(c->not_after, expires);
    return (o = cJSON_AddObjectToObject(root, "server_certificate")) != NULL
           && cJSON_AddStringToObject(o, "selected_by",
                                      c->how == MANIFEST_CERT_THUMBPRINT ? "thumbprint"
                                      : c->how == MANIFEST_CERT_PFX      ? "pfx"
                                                                         : "auto")
           && (c->pfx_file ? cJSON_AddStringToObject(o, "pfx", c->pfx_file) : cJSON_AddNullToObject(o, "pfx"))
           && cJSON_AddStringToObject(o, "subject", c->subject) && cJSON_AddStringToObject(o, "thumbprint", tp)
           && cJSON_AddStringToObject(o, "not_after", expires) && cJSON_AddStringToObject(o, "issuer", c->issuer)
           && cJSON_AddStringToObject(o, "serial_number", c->serial);
}

char *plan_to_json(const struct plan *p)
{
    static const char *const sevs[3] = {"error", "warning", "note"};
    cJSON *root = cJSON_CreateObject(), *arr, *o, *x, *sum;
    char *text = NULL;
    size_t i;

    if (!root || !cJSON_AddStringToObject(root, "server", p->server)
        || !(p->pool ? cJSON_AddStringToObject(root, "pool", p->pool) : cJSON_AddNullToObject(root, "pool"))
        || !cJSON_AddStringToObject(root, "edition", p->enterprise ? "enterprise" : "standard")
        || !cJSON_AddStringToObject(root, "transport", p->tls ? "tls" : "tcp")
        || !cJSON_AddNumberToObject(root, "serial", (double)p->serial) || !add_cert(root, p)
        || !(arr = cJSON_AddArrayToObject(root, "changes")))
        goto out;
    for (i = 0; i < p->n; i++) {
        const struct plan_change *ch = &p->v[i];
        if (!(o = cJSON_CreateObject()) || !cJSON_AddItemToArray(arr, o)) {
            cJSON_Delete(o);
            goto out;
        }
        if (!cJSON_AddStringToObject(o, "action", plan_action_name(ch->action))
            || !cJSON_AddStringToObject(o, "class", ch->cls) || !cJSON_AddStringToObject(o, "key", ch->key)
            || !cJSON_AddStringToObject(o, "rule", ch->rule) || !cJSON_AddBoolToObject(o, "owned", ch->owned)
            || !(ch->instance_id ? cJSON_AddStringToObject(o, "instance_id", ch->instance_id)
                                 : cJSON_AddNullToObject(o, "instance_id")))
            goto out;
        if (!(x = instance_json(&ch->props)) || !cJSON_AddItemToObject(o, "properties", x)) {
            cJSON_Delete(x);
            goto out;
        }
        if (!(x = instance_json(&ch->current)) || !cJSON_AddItemToObject(o, "current", x)) {
            cJSON_Delete(x);
            goto out;
        }
    }
    if (!(sum = cJSON_AddObjectToObject(root, "summary")))
        goto out;
    for (i = 0; i < PLAN_NACTIONS; i++)
        if (i != PLAN_RESTART
            && !cJSON_AddNumberToObject(sum, plan_action_name((enum plan_action)i), (double)p->counts[i]))
            goto out;
    if (!cJSON_AddBoolToObject(sum, "restart", p->counts[PLAN_RESTART] != 0)
        || !cJSON_AddNumberToObject(sum, "left_alone", (double)p->foreign)
        || !(arr = cJSON_AddArrayToObject(root, "left_alone")))
        goto out;
    for (i = 0; i < p->foreign; i++) {
        const struct plan_left_alone *la = &p->left_alone[i];
        if (!(o = cJSON_CreateObject()) || !cJSON_AddItemToArray(arr, o)) {
            cJSON_Delete(o);
            goto out;
        }
        if (!cJSON_AddStringToObject(o, "class", la->cls)
            || !(la->key ? cJSON_AddStringToObject(o, "key", la->key) : cJSON_AddNullToObject(o, "key"))
            || !(la->instance_id ? cJSON_AddStringToObject(o, "instance_id", la->instance_id)
                                 : cJSON_AddNullToObject(o, "instance_id"))
            || !cJSON_AddStringToObject(o, "why", la->why))
            goto out;
    }
    if (!(arr = cJSON_AddArrayToObject(root, "diagnostics")))
        goto out;
    for (i = 0; i < p->notes.n; i++) {
        if (!(o = cJSON_CreateObject()) || !cJSON_AddItemToArray(arr, o)) {
            cJSON_Delete(o);
            goto out;
        }
        if (!cJSON_AddStringToObject(o, "severity", sevs[p->notes.v[i].sev])
            || !cJSON_AddStringToObject(o, "rule", p->notes.v[i].rule)
            || !cJSON_AddStringToObject(o, "message", p->notes.v[i].msg))
            goto out;
    }
    text = cJSON_Print(root);
out:
    cJSON_Delete(root);
    return text;
}
