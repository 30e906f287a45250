/* A stand-in for OCS 2007 R2's WMI classes at the IWbemServices seam (test code,
 * Windows build). OCS cannot run under Wine; everything else does. This in-process
 * COM object implements the IWbemServices, IEnumWbemClassObject and IWbemClassObject
 * methods the agent's wmi/ layer uses, holds instances of the OCS classes with their
 * documented property names and CIM types (its own schema table, transcribed from
 * Microsoft's OCS 2007 R2 WMI reference independently of agent/ocs_model.c, so a
 * wrong name in the class map shows up as a rejection), rejects what OCS would
 * reject, and counts calls and outstanding references. Its class definitions carry
 * qualifier sets (IWbemQualifierSet): key and CIMTYPE, as the reference's syntax blocks
 * show them, and what a test declares (ocs_standin_declare).
 *
 * Hand it to the agent with wmi_open_services(ocs_standin_services(s), ...). */
#ifndef OCSFED_OCS_STANDIN_H
#define OCSFED_OCS_STANDIN_H

#include <windows.h>
#include <wbemidl.h>

struct ocs_standin;

/* Counters, reset by ocs_standin_reset_counts. */
struct ocs_standin_counts {
    unsigned long queries;        /* IWbemServices::ExecQuery */
    unsigned long get_objects;    /* IWbemServices::GetObject */
    unsigned long puts;           /* IWbemServices::PutInstance (successful or not) */
    unsigned long deletes;        /* IWbemServices::DeleteInstance (successful or not) */
    unsigned long methods;        /* IWbemServices::ExecMethod */
    unsigned long rejected;       /* calls answered with a WBEM error */
    unsigned long qualifier_sets; /* IWbemClassObject::GetPropertyQualifierSet (successful or not) */
};

/* A new, empty stand-in (no instances). NULL on out of memory. */
struct ocs_standin *ocs_standin_new(void);

/* The IWbemServices of the stand-in. The stand-in keeps its own reference; a caller
 * that keeps the pointer beyond the call must AddRef it. */
IWbemServices *ocs_standin_services(struct ocs_standin *s);

/* Adds an instance directly (test set-up, not counted). props: NULL-terminated
 * name/value pairs where value is a VARIANT*. Returns S_OK or the WBEM error the
 * stand-in would answer to PutInstance (unknown property, wrong type, missing key). */
HRESULT ocs_standin_seed(struct ocs_standin *s, const WCHAR *cls, ...);

/* Declares a qualifier of string values on property prop of class cls (ValueMap,
 * Values): its qualifier set then has it, on the class and on its instances. R2's
 * reference shows none (docs/ocs-wmi-notes.md); a test declares one to stand for a
 * provider that does. A second declaration of the same qualifier replaces the first.
 * S_OK, WBEM_E_INVALID_CLASS, WBEM_E_NOT_FOUND (no such property), or out of memory. */
HRESULT ocs_standin_declare(struct ocs_standin *s, const WCHAR *cls, const WCHAR *prop, const WCHAR *qualifier,
                            const WCHAR *const *values, size_t n);

/* Instances currently held for cls (case-insensitive), or -1 for an unknown class. */
int ocs_standin_count(const struct ocs_standin *s, const WCHAR *cls);

void ocs_standin_counts(const struct ocs_standin *s, struct ocs_standin_counts *out);
void ocs_standin_reset_counts(struct ocs_standin *s);

/* COM references handed out by the stand-in and not yet released (services,
 * enumerators, class objects, instances), not counting the stand-in's own reference
 * to its IWbemServices. 0 after every test that released what it got. */
long ocs_standin_outstanding(const struct ocs_standin *s);

/* Frees the stand-in and its instances. Objects still referenced stay valid (they
 * hold their own data) but are then leaks the test should have reported. */
void ocs_standin_free(struct ocs_standin *s);

#endif
