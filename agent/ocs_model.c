/* The one table of OCS facts. A dump of these classes from a real OCS 2007 R2 server
 * (Get-WmiObject -Namespace root\cimv2 -Class MSFT_SIP... ) settles each UNCONFIRMED
 * entry; fix it here and nowhere else. */
#include "ocs_model.h"

#include "strbuf.h"

const struct ocs_literals ocs_lit = {
    .listen_tcp = "TCP",          /* UNCONFIRMED literal (guide: TCP / TLS / MTLS) */
    .listen_tls = "TLS",          /* UNCONFIRMED literal */
    .listen_mtls = "MTLS",        /* UNCONFIRMED literal */
    .route_tcp = "TCP",           /* UNCONFIRMED literal */
    .route_tls = "TLS",           /* UNCONFIRMED literal */
    .ip_all = "*",                /* UNCONFIRMED: "*" or "0.0.0.0" */
    .match_uri_prefix = "",       /* UNCONFIRMED: "foo.com" or "sip:*@foo.com" */
    .match_uri_suffix = "",
    .se_backend = "(local)\\rtc",
    .service = "RTCSRV",          /* service key RtcSrv; SCM names are case-insensitive */
    .fips_key = "SYSTEM\\CurrentControlSet\\Control\\Lsa\\FipsAlgorithmPolicy",
    .fips_value = "Enabled",
    .fips_key_2003 = "SYSTEM\\CurrentControlSet\\Control\\Lsa",
    .fips_value_2003 = "FIPSAlgorithmPolicy",
    .domain_prop = "Address",     /* UNCONFIRMED property name of MSFT_SIPDomainData */
    .store_root = "Root",
    .store_ca = "CA",
    .store_my = "My",
    .cert_serial_little_endian = 1, /* UNCONFIRMED: CryptoAPI order assumed for TLSCertSN;
                                     * plan.c learns the order from what OCS wrote */
    .tcp_port = 5060,
    .tls_port = 5061,
};

/* R2, R3, R17. Server-scoped. TLSCertIssuer: DER of the issuer Name (UNCONFIRMED);
 * TLSCertSN: serial number bytes, little-endian (UNCONFIRMED). */
static const struct ocs_prop_def listening_props[] = {
    {"InstanceID", OCS_STRING},
    {"IPAddress", OCS_STRING},
    {"Port", OCS_UINT32},
    {"TransportType", OCS_STRING},
    {"Enabled", OCS_BOOLEAN},
    {"TLSCertIssuer", OCS_UINT8_ARRAY},
    {"TLSCertSN", OCS_UINT8_ARRAY},
};

/* R4-R7. Pool-scoped (Backend). No phone-URI property exists in R2 (R7: a plain
 * domain in MatchURI means "Phone URI" off). */
static const struct ocs_prop_def route_props[] = {
    {"Backend", OCS_STRING},
    {"InstanceID", OCS_STRING},
    {"MatchURI", OCS_STRING},
    {"NextHop", OCS_STRING},
    {"NextHopPort", OCS_UINT32},
    {"NextHopTransport", OCS_STRING},
    {"Enabled", OCS_BOOLEAN},
    {"ReplaceHostInRequestURI", OCS_BOOLEAN},
    {"TLSCertIssuer", OCS_UINT8_ARRAY},
    {"TLSCertSN", OCS_UINT8_ARRAY},
};

/* R9-R11. Pool-scoped. */
static const struct ocs_prop_def host_props[] = {
    {"Backend", OCS_STRING},
    {"InstanceID", OCS_STRING},
    {"Server", OCS_STRING},
    {"OutboundOnly", OCS_BOOLEAN},
    {"ThrottleAsServer", OCS_BOOLEAN},
    {"TreatAsAuthenticated", OCS_BOOLEAN},
};

/* R1 (read only). Forest-level: keyed by InstanceID alone, no Backend (Microsoft's R2
 * reference, dd146629; docs/ocs-wmi-notes.md). */
static const struct ocs_prop_def domain_props[] = {
    {"InstanceID", OCS_STRING},
    {"Address", OCS_STRING},
    {"Authoritative", OCS_BOOLEAN},
    {"DefaultDomain", OCS_BOOLEAN},
};

/* Pool discovery (read only). Names, types and the InstanceID key confirmed by the R2
 * reference (dd129963); PoolType is a string whose values are UNCONFIRMED. */
static const struct ocs_prop_def pool_props[] = {
    {"InstanceID", OCS_STRING},
    {"PoolFQDN", OCS_STRING},
    {"PoolType", OCS_STRING},
    {"PoolMemberList", OCS_STRING_ARRAY},
    {"BackEndDBPath", OCS_STRING},
    {"MajorVersion", OCS_UINT32},
};

/* Non-WMI items, described with the same table so the plan treats them alike. */
static const struct ocs_prop_def cert_props[] = {
    {"Store", OCS_STRING},
    {"Thumbprint", OCS_STRING},
    {"Subject", OCS_STRING},
    {"Source", OCS_STRING},
};

static const struct ocs_prop_def fips_props[] = {
    {"Enabled", OCS_UINT32},
};

static const struct ocs_prop_def service_props[] = {
    {"Name", OCS_STRING},
    {"State", OCS_STRING},
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* may_delete: listening addresses are never deleted (OCS uses 5061 MTLS for its own
 * traffic too); certificates and the FIPS policy are never taken back.
 * needs_restart for routes and host authorization is UNCONFIRMED; assumed yes. */
/* Columns: name, wmi, pool_scoped (Backend key), WMI keys, natural key, may_delete,
 * needs_restart, properties. */
static const struct ocs_class_def classes[] = {
    {OCS_CLASS_LISTENING, 1, 0, "InstanceID", "Port", 0, 1, listening_props, N(listening_props)},
    {OCS_CLASS_ROUTE, 1, 1, "Backend,InstanceID", "MatchURI", 1, 1, route_props, N(route_props)},
    {OCS_CLASS_HOST, 1, 1, "Backend,InstanceID", "Server", 1, 1, host_props, N(host_props)},
    {OCS_CLASS_DOMAIN, 1, 0, "InstanceID", "Address", 0, 0, domain_props, N(domain_props)},
    {OCS_CLASS_POOL, 1, 0, "InstanceID", "PoolFQDN", 0, 0, pool_props, N(pool_props)},
    {OCS_CLASS_CERT, 0, 0, "", "Thumbprint", 0, 1, cert_props, N(cert_props)},
    {OCS_CLASS_FIPS, 0, 0, "", "Enabled", 0, 1, fips_props, N(fips_props)},
    {OCS_CLASS_SERVICE, 0, 0, "", "Name", 0, 0, service_props, N(service_props)},
};

const struct ocs_class_def *ocs_class_find(const char *name)
{
    size_t i;

    for (i = 0; i < N(classes); i++)
        if (ofd_strcasecmp(classes[i].name, name) == 0)
            return &classes[i];
    return NULL;
}

const struct ocs_class_def *ocs_class_at(size_t i)
{
    return i < N(classes) ? &classes[i] : NULL;
}

size_t ocs_class_count(void)
{
    return N(classes);
}

const struct ocs_prop_def *ocs_prop_find(const struct ocs_class_def *cls, const char *name)
{
    size_t i;

    for (i = 0; cls && i < cls->nprops; i++)
        if (ofd_strcasecmp(cls->props[i].name, name) == 0)
            return &cls->props[i];
    return NULL;
}

const char *ocs_type_name(enum ocs_type t)
{
    switch (t) {
    case OCS_STRING: return "string";
    case OCS_UINT32: return "uint32";
    case OCS_BOOLEAN: return "boolean";
    case OCS_UINT8_ARRAY: return "uint8[]";
    case OCS_STRING_ARRAY: return "string[]";
    }
    return "?";
}
