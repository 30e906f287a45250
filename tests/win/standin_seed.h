/* Fills the OCS stand-in, Wine's certificate stores and its FIPS policy with what a
 * simulated node file holds, through raw COM (independently of the agent's writer),
 * so that the WMI node and the simulated node start from the same server. Test and
 * benchmark code. */
#ifndef OCSFED_STANDIN_SEED_H
#define OCSFED_STANDIN_SEED_H

#include "error.h"
#include "ocs_standin.h"

/* Returns OFD_OK, or the first failure in e. The stand-in's counters are reset. */
enum ofd_code standin_seed_from_sim(struct ocs_standin *st, const char *sim_path, ofd_err *e);

/* The examples' server certificates come without their private keys, and a server
 * certificate without one is refused before OCS is told to use it (R14). This writes
 * sim_out: sim_src with its My store replaced by one new certificate for the same
 * subject CN (Server and Client Authentication, RSA), issued by a new CA that is added
 * to its Root store; then seeds as standin_seed_from_sim from sim_out, empties Wine's
 * local machine My store (earlier tests of the process left theirs) and imports the
 * new certificate with its key (PKCS#12). Both nodes then hold the same certificates,
 * and the WMI node a usable key. */
enum ofd_code standin_seed_keyed(struct ocs_standin *st, const char *sim_src, const char *sim_out, ofd_err *e);

/* The same with the certificate issued by ca, and its key in the user's key set when
 * user_key (Wine's Schannel reads keys only there: tests/win/test_probe_schannel_win.c)
 * rather than the machine's, as ocsfed's import puts it. */
struct testcert;
enum ofd_code standin_seed_keyed_by(struct ocs_standin *st, const char *sim_src, const char *sim_out,
                                    const struct testcert *ca, int user_key, ofd_err *e);

#endif
