#include "rules.h"

#include "strbuf.h"

/* Where each rule is enforced is kept here and checked by the test rules_index: each
 * file named must cite the rule. */
static const struct rules_info table[] = {
    {.id = "R1",
     .scope = "pool",
     .kind = RULES_CHECKS,
     .title = "IM&P domains and OCS SIP domains match",
     .enforced = "agent/manifest.c agent/plan.c"},
    {.id = "R2",
     .scope = "server",
     .kind = RULES_SETS,
     .title = "TCP: OCS listens on 5060, IP address All",
     .enforced = "agent/desired.c agent/ocs_model.c"},
    {.id = "R3",
     .scope = "server",
     .kind = RULES_SETS,
     .title = "TLS: OCS listens on 5061, IP address All, transport MTLS",
     .enforced = "agent/desired.c agent/manifest.c agent/ocs_model.c"},
    {.id = "R4",
     .scope = "pool",
     .kind = RULES_SETS,
     .title = "one static route per IM&P domain, to an IM&P node",
     .enforced = "agent/manifest.c agent/desired.c"},
    {.id = "R5",
     .scope = "pool",
     .kind = RULES_SETS | RULES_CHECKS,
     .title = "TCP route: next hop TCP 5060, the node's IP address",
     .enforced = "agent/manifest.c agent/desired.c agent/probe.c"},
    {.id = "R6",
     .scope = "pool",
     .kind = RULES_SETS | RULES_CHECKS,
     .title = "TLS route: next hop TLS on the peer-auth port, the node's FQDN",
     .enforced = "agent/manifest.c agent/desired.c agent/plan.c agent/probe.c"},
    {.id = "R7",
     .scope = "pool",
     .kind = RULES_SETS,
     .title = "routes: Phone URI off, Replace host in request URI off",
     .enforced = "agent/desired.c"},
    {.id = "R8",
     .scope = "IM&P",
     .kind = RULES_CHECKS,
     .title = "IM&P peer-auth listener on 5061, server-auth elsewhere",
     .enforced = "agent/manifest.c agent/imp_checklist.c"},
    {.id = "R9",
     .scope = "pool",
     .kind = RULES_SETS,
     .title = "TCP: one authorized host per IM&P node, its IP address",
     .enforced = "agent/desired.c agent/manifest.c"},
    {.id = "R10",
     .scope = "pool",
     .kind = RULES_SETS | RULES_CHECKS,
     .title = "TLS: two authorized hosts per IM&P node, FQDN and IP",
     .enforced = "agent/desired.c agent/manifest.c agent/probe.c"},
    {.id = "R11",
     .scope = "pool",
     .kind = RULES_SETS,
     .title = "authorized hosts: not outbound only, throttle as server, treat as authenticated",
     .enforced = "agent/desired.c"},
    {.id = "R12",
     .scope = "server",
     .kind = RULES_SETS,
     .title = "TLS: FIPS algorithm policy enabled",
     .enforced = "agent/desired.c agent/apply.c wmi/wmi_fips_win.c"},
    {.id = "R13",
     .scope = "server",
     .kind = RULES_SETS | RULES_CHECKS,
     .title = "TLS: the IM&P CA's root certificate in Trusted Root",
     .enforced = "agent/manifest.c agent/desired.c agent/plan.c agent/apply.c certstore/cs_inspect.c "
                 "win/cs_store_win.c agent/probe.c"},
    {.id = "R14",
     .scope = "server",
     .kind = RULES_CHECKS,
     .title = "TLS: server certificate with Server and Client Authentication",
     .enforced = "certstore/cs_inspect.c agent/plan.c agent/apply.c win/cs_store_win.c agent/probe.c "
                 "win/probe_schannel_win.c"},
    {.id = "R15",
     .scope = "server",
     .kind = RULES_CHECKS,
     .title = "TLS: certificate CN is the SE server's or the EE pool's FQDN",
     .enforced = "certstore/cs_inspect.c agent/plan.c agent/manifest.c"},
    {.id = "R16",
     .scope = "server",
     .kind = RULES_SETS,
     .title = "TLS: the server certificate in the Personal (My) store",
     .enforced = "agent/manifest.c agent/plan.c agent/apply.c win/cs_store_win.c"},
    {.id = "R17",
     .scope = "server",
     .kind = RULES_SETS,
     .title = "TLS: OCS uses that certificate for TLS negotiation",
     .enforced = "agent/desired.c agent/plan.c"},
    {.id = "R18",
     .scope = "IM&P",
     .kind = RULES_REPORTS,
     .title = "IM&P: OCS CA root and TLS peer subjects to add",
     .enforced = "agent/manifest.c agent/plan.c agent/imp_checklist.c"},
    {.id = "R19",
     .scope = "server",
     .kind = RULES_SETS,
     .title = "restart the Front End service, in the maintenance window",
     .enforced = "agent/desired.c agent/plan.c agent/apply.c win/scm_win.c agent/window.c agent/check.c"},
};

const struct rules_info *rules_all(size_t *n)
{
    *n = sizeof(table) / sizeof(table[0]);
    return table;
}

const struct rules_info *rules_find(const char *id)
{
    size_t i;

    for (i = 0; id && i < sizeof(table) / sizeof(table[0]); i++)
        if (ofd_strcasecmp(table[i].id, id) == 0)
            return &table[i];
    return NULL;
}

const char *rules_title(const char *id)
{
    const struct rules_info *r = rules_find(id);

    return r ? r->title : "";
}

const char *rules_kind_text(unsigned kind)
{
    switch (kind) {
    case RULES_SETS: return "sets";
    case RULES_CHECKS: return "checks";
    case RULES_SETS | RULES_CHECKS: return "sets and checks";
    case RULES_REPORTS: return "reports";
    }
    return "?";
}
