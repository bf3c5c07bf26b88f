/* jobfiles.h - the files a job names, attached to a unit context (storage
 * layer): network.tau_file's values, and a reader of network.source_file's
 * stored networks and time constants (netfile.h).
 */
#ifndef HETSWEEP_JOBFILES_H
#define HETSWEEP_JOBFILES_H

#include "hetsweep/error.h"
#include "hetsweep/unit.h"

/* After hs_context_init: read network.tau_file (if set) into the context and
 * install the source_file reader (network.source: file). */
int hs_jobfiles_attach(hs_context *ctx, hs_error *err);

#endif
