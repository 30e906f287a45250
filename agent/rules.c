#include "rules.h"

#include <stddef.h>

#include "strbuf.h"

static const struct rules_info table[] = {
    {"R1", "pool", RULES_CHECK, "IM&P domains and OCS SIP domains match"},
    {"R2", "server", RULES_ACT, "TCP: OCS listens on 5060, IP address All"},
    {"R3", "server", RULES_ACT, "TLS: OCS listens on 5061, IP address All, transport MTLS"},
    {"R4", "pool", RULES_ACT, "one static route per IM&P domain, to an IM&P node"},
    {"R5", "pool", RULES_ACT, "TCP route: next hop TCP 5060, the node's IP address"},
    {"R6", "pool", RULES_ACT, "TLS route: next hop TLS on the peer-auth port, the node's FQDN"},
    {"R7", "pool", RULES_ACT, "routes: Phone URI off, Replace host in request URI off"},
    {"R8", "imp", RULES_CHECK, "IM&P peer-auth listener on 5061, server-auth elsewhere"},
    {"R9", "pool", RULES_ACT, "TCP: one authorized host per IM&P node, its IP address"},
    {"R10", "pool", RULES_ACT, "TLS: two authorized hosts per IM&P node, FQDN and IP"},
    {"R11", "pool", RULES_ACT, "authorized hosts: not outbound only, throttle as server, "
                               "treat as authenticated"},
    {"R12", "server", RULES_ACT, "TLS: FIPS algorithm policy enabled"},
    {"R13", "server", RULES_ACT, "TLS: the IM&P CA's root certificate in Trusted Root"},
    {"R14", "server", RULES_CHECK, "TLS: server certificate with Server and Client Authentication"},
    {"R15", "server", RULES_CHECK, "TLS: certificate CN is the SE server's or the EE pool's FQDN"},
    {"R16", "server", RULES_ACT, "TLS: the server certificate in the Personal (My) store"},
    {"R17", "server", RULES_ACT, "TLS: OCS uses that certificate for TLS negotiation"},
    {"R18", "imp", RULES_REPORT, "IM&P: OCS CA root and TLS peer subjects to add"},
    {"R19", "server", RULES_ACT, "restart the Front End service, in the maintenance window"},
};

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
