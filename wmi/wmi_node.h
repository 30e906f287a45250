/* The node interface (agent/node.h) over this server itself: OCS's WMI classes through
 * wmi/ (the class map is agent/ocs_model.c), the certificate stores through CryptoAPI,
 * the FIPS policy through StdRegProv and the registry, services through the SCM.
 * `ocsfed plan|apply MANIFEST` on Windows without --node uses it. */
#ifndef OCSFED_WMI_NODE_H
#define OCSFED_WMI_NODE_H

#include <windows.h>
#include <wbemidl.h>

#include "node.h"
#include "wmi.h"

struct wmi_node_config {
    /* The OCS provider: NULL connects to ROOT\CIMV2 of this machine; tests hand in
     * the stand-in for OCS's classes. */
    IWbemServices *svc;
    /* This server's FQDN; NULL asks Windows (GetComputerNameEx, DNS full name). */
    const char *fqdn;
    /* File holding what ocsfed created on this server (and a restart left for the
     * maintenance window); NULL: nothing can be written. */
    const char *owned_path;
    /* How long a Front End restart may take (R19); 0: 180 s. */
    uint32_t restart_timeout_ms;
};

/* The WMI session to the OCS provider of a node wmi_node_open made (calls and writes
 * are counted there); NULL for another kind of node. */
struct wmi_session *wmi_node_session(const struct node *n);

/* Opens the node. On OFD_OK *out reads this server (close with node_close). */
enum ofd_code wmi_node_open(const struct wmi_node_config *cfg, struct node *out, ofd_err *e);

/* Reads property pd of a WMI object into v (typed by pd->type). *present = 0 when the
 * value is NULL. A property the object does not have is an error naming the class map. */
enum ofd_code wmi_node_read_value(IWbemClassObject *o, const char *cls, const struct ocs_prop_def *pd,
                                  struct node_value *v, int *present, ofd_err *e);

#endif
