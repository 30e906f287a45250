/* The one table of OCS facts. A dump of these classes from a real OCS 2007 R2 server
 * (Get-WmiObject -Namespace root\cimv2 -Class MSFT_SIP... ) settles each UNCONFIRMED
 * entry; fix it here and nowhere else. */
#include "ocs_model.h"

#include <stdio.h>

#include "cs.h"
#include "strbuf.h"

const struct ocs_literals ocs_lit = {
    .listen_tcp = "TCP",    /* UNCONFIRMED literal (guide: TCP / TLS / MTLS) */
    .listen_tls = "TLS",    /* UNCONFIRMED literal */
    .listen_mtls = "MTLS",  /* UNCONFIRMED literal */
    .route_tcp = "TCP",     /* UNCONFIRMED literal */
    .route_tls = "TLS",     /* UNCONFIRMED literal */
    .ip_all = "*",          /* UNCONFIRMED: "*" or "0.0.0.0" */
    .match_uri_prefix = "", /* UNCONFIRMED: "foo.com" or "sip:*@foo.com" */
    .match_uri_suffix = "",
    .se_backend = "(local)\\rtc",
    .service = "RTCSRV", /* service key RtcSrv; SCM names are case-insensitive */
    .fips_key = "SYSTEM\\CurrentControlSet\\Control\\Lsa\\FipsAlgorithmPolicy",
    .fips_value = "Enabled",
    .fips_key_2003 = "SYSTEM\\CurrentControlSet\\Control\\Lsa",
    .fips_value_2003 = "FIPSAlgorithmPolicy",
    .domain_prop = OCS_P_ADDRESS, /* UNCONFIRMED property name of MSFT_SIPDomainData */
    .store_root = "Root",
    .store_ca = "CA",
    .store_my = "My",
    .cert_serial_little_endian = 1, /* UNCONFIRMED: CryptoAPI order assumed for TLSCertSN;
                                     * plan.c learns the order from what OCS wrote */
    .tcp_port = 5060,
    .tls_port = 5061,
};

/* One entry a line: these tables are read as lists. */
/* clang-format off */
/* R2, R3, R17. Server-scoped. TLSCertIssuer: DER of the issuer Name (UNCONFIRMED);
 * TLSCertSN: serial number bytes, little-endian (UNCONFIRMED). */
static const struct ocs_prop_def listening_props[] = {
    {.name = OCS_P_INSTANCE_ID, .type = OCS_STRING},
    {.name = OCS_P_IP_ADDRESS, .type = OCS_STRING},
    {.name = OCS_P_PORT, .type = OCS_UINT32},
    {.name = OCS_P_TRANSPORT_TYPE, .type = OCS_STRING},
    {.name = OCS_P_ENABLED, .type = OCS_BOOLEAN},
    {.name = OCS_P_TLS_CERT_ISSUER, .type = OCS_UINT8_ARRAY},
    {.name = OCS_P_TLS_CERT_SN, .type = OCS_UINT8_ARRAY},
};

/* R4-R7. Pool-scoped (Backend). No phone-URI property exists in R2 (R7: a plain
 * domain in MatchURI means "Phone URI" off). */
static const struct ocs_prop_def route_props[] = {
    {.name = OCS_P_BACKEND, .type = OCS_STRING},
    {.name = OCS_P_INSTANCE_ID, .type = OCS_STRING},
    {.name = OCS_P_MATCH_URI, .type = OCS_STRING},
    {.name = OCS_P_NEXT_HOP, .type = OCS_STRING},
    {.name = OCS_P_NEXT_HOP_PORT, .type = OCS_UINT32},
    {.name = OCS_P_NEXT_HOP_TRANSPORT, .type = OCS_STRING},
    {.name = OCS_P_ENABLED, .type = OCS_BOOLEAN},
    {.name = OCS_P_REPLACE_HOST_IN_REQUEST_URI, .type = OCS_BOOLEAN},
    {.name = OCS_P_TLS_CERT_ISSUER, .type = OCS_UINT8_ARRAY},
    {.name = OCS_P_TLS_CERT_SN, .type = OCS_UINT8_ARRAY},
};

/* R9-R11. Pool-scoped. */
static const struct ocs_prop_def host_props[] = {
    {.name = OCS_P_BACKEND, .type = OCS_STRING},
    {.name = OCS_P_INSTANCE_ID, .type = OCS_STRING},
    {.name = OCS_P_SERVER, .type = OCS_STRING},
    {.name = OCS_P_OUTBOUND_ONLY, .type = OCS_BOOLEAN},
    {.name = OCS_P_THROTTLE_AS_SERVER, .type = OCS_BOOLEAN},
    {.name = OCS_P_TREAT_AS_AUTHENTICATED, .type = OCS_BOOLEAN},
};

/* R1 (read only). Forest-level: keyed by InstanceID alone, no Backend (Microsoft's R2
 * reference, dd146629; docs/ocs-wmi-notes.md). */
static const struct ocs_prop_def domain_props[] = {
    {.name = OCS_P_INSTANCE_ID, .type = OCS_STRING},
    {.name = OCS_P_ADDRESS, .type = OCS_STRING},
    {.name = OCS_P_AUTHORITATIVE, .type = OCS_BOOLEAN},
    {.name = OCS_P_DEFAULT_DOMAIN, .type = OCS_BOOLEAN},
};

/* Pool discovery (read only). Names, types and the InstanceID key confirmed by the R2
 * reference (dd129963); PoolType is a string whose values are UNCONFIRMED. */
static const struct ocs_prop_def pool_props[] = {
    {.name = OCS_P_INSTANCE_ID, .type = OCS_STRING},
    {.name = OCS_P_POOL_FQDN, .type = OCS_STRING},
    {.name = OCS_P_POOL_TYPE, .type = OCS_STRING},
    {.name = OCS_P_POOL_MEMBER_LIST, .type = OCS_STRING_ARRAY},
    {.name = OCS_P_BACK_END_DB_PATH, .type = OCS_STRING},
    {.name = OCS_P_MAJOR_VERSION, .type = OCS_UINT32},
};

/* Non-WMI items, described with the same table so the plan treats them alike. */
static const struct ocs_prop_def cert_props[] = {
    {.name = OCS_P_STORE, .type = OCS_STRING},
    {.name = OCS_P_THUMBPRINT, .type = OCS_STRING},
    {.name = OCS_P_SUBJECT, .type = OCS_STRING},
    {.name = OCS_P_SOURCE, .type = OCS_STRING},
};

static const struct ocs_prop_def fips_props[] = {
    {.name = OCS_P_ENABLED, .type = OCS_UINT32},
};

static const struct ocs_prop_def service_props[] = {
    {.name = OCS_P_NAME, .type = OCS_STRING},
    {.name = OCS_P_STATE, .type = OCS_STRING},
};
/* clang-format on */

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* may_delete: listening addresses are never deleted (OCS uses 5061 MTLS for its own
 * traffic too); certificates and the FIPS policy are never taken back.
 * needs_restart for routes and host authorization is UNCONFIRMED; assumed yes. */
static const struct ocs_class_def classes[] = {
    {.name = OCS_CLASS_LISTENING,
     .wmi = 1,
     .wmi_keys = OCS_P_INSTANCE_ID,
     .match_prop = OCS_P_PORT,
     .needs_restart = 1,
     .props = listening_props,
     .nprops = N(listening_props)},
    {.name = OCS_CLASS_ROUTE,
     .wmi = 1,
     .pool_scoped = 1,
     .wmi_keys = OCS_P_BACKEND "," OCS_P_INSTANCE_ID,
     .match_prop = OCS_P_MATCH_URI,
     .may_delete = 1,
     .needs_restart = 1,
     .props = route_props,
     .nprops = N(route_props)},
    {.name = OCS_CLASS_HOST,
     .wmi = 1,
     .pool_scoped = 1,
     .wmi_keys = OCS_P_BACKEND "," OCS_P_INSTANCE_ID,
     .match_prop = OCS_P_SERVER,
     .may_delete = 1,
     .needs_restart = 1,
     .props = host_props,
     .nprops = N(host_props)},
    {.name = OCS_CLASS_DOMAIN,
     .wmi = 1,
     .wmi_keys = OCS_P_INSTANCE_ID,
     .match_prop = OCS_P_ADDRESS,
     .props = domain_props,
     .nprops = N(domain_props)},
    {.name = OCS_CLASS_POOL,
     .wmi = 1,
     .wmi_keys = OCS_P_INSTANCE_ID,
     .match_prop = OCS_P_POOL_FQDN,
     .props = pool_props,
     .nprops = N(pool_props)},
    {.name = OCS_CLASS_CERT,
     .wmi_keys = "",
     .match_prop = OCS_P_THUMBPRINT,
     .needs_restart = 1,
     .props = cert_props,
     .nprops = N(cert_props)},
    {.name = OCS_CLASS_FIPS,
     .wmi_keys = "",
     .match_prop = OCS_P_ENABLED,
     .needs_restart = 1,
     .props = fips_props,
     .nprops = N(fips_props)},
    {.name = OCS_CLASS_SERVICE,
     .wmi_keys = "",
     .match_prop = OCS_P_NAME,
     .props = service_props,
     .nprops = N(service_props)},
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

int ocs_pool_instance_id(const char *pool, const char *cls, const char *key, char out[OCS_INSTANCE_ID_LEN])
{
    /* ocsfed's namespace for these names (a random UUID, fixed forever: changing it
     * would disown every entry made before). */
    static const unsigned char ns[16] = {0x6f, 0x1c, 0x2b, 0x9e, 0x8a, 0x4d, 0x4e, 0x3b,
                                         0x9c, 0x51, 0x0c, 0x5f, 0xed, 0xa9, 0xa7, 0xe2};
    struct strbuf name = {0};
    unsigned char h[CS_SHA1_LEN];
    ofd_err e;
    int rc = -1;

    /* Case-insensitive as OCS and DNS compare them: lower-case FQDN, class and key. */
    sb_appendn(&name, (const char *)ns, sizeof(ns));
    sb_printf(&name, "%s\n%s\n%s", pool, cls, key);
    if (name.oom)
        goto out;
    ofd_strlower(name.s + sizeof(ns));
    if (cs_sha1(name.s, name.len, h, &e) != OFD_OK)
        goto out;
    h[6] = (unsigned char)((h[6] & 0x0f) | 0x50); /* version 5 */
    h[8] = (unsigned char)((h[8] & 0x3f) | 0x80); /* RFC 4122 variant */
    snprintf(out, OCS_INSTANCE_ID_LEN, "{%02X%02X%02X%02X-%02X%02X-%02X%02X-%02X%02X-%02X%02X%02X%02X%02X%02X}", h[0],
             h[1], h[2], h[3], h[4], h[5], h[6], h[7], h[8], h[9], h[10], h[11], h[12], h[13], h[14], h[15]);
    rc = 0;
out:
    sb_free(&name);
    return rc;
}
