/* Every OCS 2007 R2 fact the agent relies on, in one table (ocs_model.c): WMI class and
 * property names with their CIM types, the natural keys the plan matches on, and the
 * literal strings OCS stores. Facts marked UNCONFIRMED in ocs_model.c come from the
 * guide and Microsoft's reference but have not been checked against a dump of a real
 * server; correcting one is a one-line change there (docs/federation-rules.md). */
#ifndef OCSFED_OCS_MODEL_H
#define OCSFED_OCS_MODEL_H

#include <stddef.h>

/* CIM types of the properties the agent reads or writes. */
enum ocs_type { OCS_STRING, OCS_UINT32, OCS_BOOLEAN, OCS_UINT8_ARRAY, OCS_STRING_ARRAY };

struct ocs_prop_def {
    const char *name;
    enum ocs_type type;
};

/* A class the plan manages: a WMI class, or one of the non-WMI items "certificate",
 * "fips_policy" and "service". */
struct ocs_class_def {
    const char *name;
    int wmi;                /* 1: a WMI class in root\cimv2 */
    int pool_scoped;        /* 1: carries the Backend key, shared by a pool's servers */
    const char *wmi_keys;   /* the WMI key properties, comma-separated ("" for non-WMI) */
    const char *match_prop; /* natural key the plan matches instances on */
    int may_delete;         /* 1: the plan may delete instances ocsfed owns */
    int needs_restart;      /* 1: a change takes effect after a Front End restart (R19) */
    const struct ocs_prop_def *props;
    size_t nprops;
};

/* The literal values OCS stores; see ocs_model.c for which are unconfirmed. */
struct ocs_literals {
    const char *listen_tcp;       /* TransportType of the R2 TCP listener */
    const char *listen_tls;       /* TransportType of a plain TLS listener (R3 changes it) */
    const char *listen_mtls;      /* TransportType required by R3 */
    const char *route_tcp;        /* NextHopTransport, R5 */
    const char *route_tls;        /* NextHopTransport, R6 */
    const char *ip_all;           /* IPAddress meaning "All" (R2, R3) */
    const char *match_uri_prefix; /* MatchURI = prefix + domain + suffix */
    const char *match_uri_suffix;
    const char *se_backend;                       /* Backend key on Standard Edition */
    const char *service;                          /* Front End service name (R19) */
    const char *fips_key;                         /* registry key of R12 (Windows Server 2008) */
    const char *fips_value;                       /* its DWORD value name */
    const char *fips_key_2003;                    /* Windows Server 2003: key ... */
    const char *fips_value_2003;                  /* ... and value */
    const char *domain_prop;                      /* property of MSFT_SIPDomainData holding the domain (R1) */
    const char *store_root, *store_ca, *store_my; /* CryptoAPI system stores */
    int cert_serial_little_endian;                /* TLSCertSN byte order (CryptoAPI keeps it reversed) */
    unsigned tcp_port, tls_port;                  /* R2, R3 */
};

extern const struct ocs_literals ocs_lit;

/* Property names: the one spelling of each, used by the class map below and by the
 * desired state, the plan, apply, the simulated node and the WMI node. The non-WMI
 * items (certificate, fips_policy, service) and the restart's description use the
 * last ones. */
#define OCS_P_INSTANCE_ID "InstanceID"
#define OCS_P_IP_ADDRESS "IPAddress"
#define OCS_P_PORT "Port"
#define OCS_P_TRANSPORT_TYPE "TransportType"
#define OCS_P_ENABLED "Enabled"
#define OCS_P_TLS_CERT_ISSUER "TLSCertIssuer"
#define OCS_P_TLS_CERT_SN "TLSCertSN"
#define OCS_P_BACKEND "Backend"
#define OCS_P_MATCH_URI "MatchURI"
#define OCS_P_NEXT_HOP "NextHop"
#define OCS_P_NEXT_HOP_PORT "NextHopPort"
#define OCS_P_NEXT_HOP_TRANSPORT "NextHopTransport"
#define OCS_P_REPLACE_HOST_IN_REQUEST_URI "ReplaceHostInRequestURI"
#define OCS_P_SERVER "Server"
#define OCS_P_OUTBOUND_ONLY "OutboundOnly"
#define OCS_P_THROTTLE_AS_SERVER "ThrottleAsServer"
#define OCS_P_TREAT_AS_AUTHENTICATED "TreatAsAuthenticated"
#define OCS_P_ADDRESS "Address"
#define OCS_P_AUTHORITATIVE "Authoritative"
#define OCS_P_DEFAULT_DOMAIN "DefaultDomain"
#define OCS_P_POOL_FQDN "PoolFQDN"
#define OCS_P_POOL_TYPE "PoolType"
#define OCS_P_POOL_MEMBER_LIST "PoolMemberList"
#define OCS_P_BACK_END_DB_PATH "BackEndDBPath"
#define OCS_P_MAJOR_VERSION "MajorVersion"
#define OCS_P_STORE "Store"
#define OCS_P_THUMBPRINT "Thumbprint"
#define OCS_P_SUBJECT "Subject"
#define OCS_P_SOURCE "Source"
#define OCS_P_NAME "Name"
#define OCS_P_STATE "State"
#define OCS_P_MAINTENANCE_WINDOW "MaintenanceWindow"
#define OCS_P_REASON "Reason"

#define OCS_CLASS_LISTENING "MSFT_SIPListeningAddressData"
#define OCS_CLASS_ROUTE "MSFT_SIPRoutingTableData"
#define OCS_CLASS_HOST "MSFT_SIPRemoteAddressData"
#define OCS_CLASS_DOMAIN "MSFT_SIPDomainData"
#define OCS_CLASS_POOL "MSFT_SIPPoolSetting"
#define OCS_CLASS_CERT "certificate"
#define OCS_CLASS_FIPS "fips_policy"
#define OCS_CLASS_SERVICE "service"

/* The class definition for name (exact WMI spelling, compared case-insensitively), or
 * NULL. The returned pointer is static. */
const struct ocs_class_def *ocs_class_find(const char *name);

/* The InstanceID ocsfed gives an entry it creates in a pool's shared store (a class
 * with pool_scoped): a name-based UUID (RFC 4122 version 5) of the pool's FQDN, the
 * class and the entry's natural key, braced as OCS writes InstanceIDs. Every front end
 * of the pool derives the same one, so any of them knows the entries ocsfed made for
 * the pool, whichever front end made them, without a record of its own. out: 39 bytes.
 * 0, or -1 when the hash cannot be computed. */
#define OCS_INSTANCE_ID_LEN 39
int ocs_pool_instance_id(const char *pool, const char *cls, const char *key, char out[OCS_INSTANCE_ID_LEN]);
/* The classes, for iteration. */
const struct ocs_class_def *ocs_class_at(size_t i);
size_t ocs_class_count(void);
/* A property of cls (case-insensitive), or NULL. */
const struct ocs_prop_def *ocs_prop_find(const struct ocs_class_def *cls, const char *name);
/* "string", "uint32", "boolean", "uint8[]", "string[]". */
const char *ocs_type_name(enum ocs_type t);

#endif
