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

#endif
