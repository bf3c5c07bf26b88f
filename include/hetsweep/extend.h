/* extend.h - growing a finished sweep (`run --extend OLD.h5`): an earlier
 * cube's networks are taken into this run as journal records would be, so that
 * only the networks the old cube lacks are computed.
 */
#ifndef HETSWEEP_EXTEND_H
#define HETSWEEP_EXTEND_H

#include <stddef.h>

#include "hetsweep/config.h"
#include "hetsweep/error.h"
#include "hetsweep/plan.h"
#include "hetsweep/resume.h"

/* Rank 0, after hs_resume_load: refuse (HS_ERR_INPUT, naming the key) unless
 * old_path is a whole-sweep cube of this build's numerics whose canonical job
 * equals this job's (canonical) in every key but the sweep axes, and whose every
 * axis value is in this job's list. Then add every network the old cube computed
 * and resume does not have done as a one-column item to resume->replay and mark
 * it done; *imported counts them. */
int hs_extend_import(const char *old_path, const hs_job *job, const hs_plan *plan,
                     const char *canonical, size_t n_tasks, hs_resume *resume,
                     long long *imported, hs_error *err);

#endif
