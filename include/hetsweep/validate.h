/* validate.h - the science checks that need more than one key (SPEC 1.1,
 * 1.2, 1.6, 5): step ratios, segment lengths against the task delays,
 * profile feasibility, the network source file and the memory plan. Run by
 * `check` and by `run` before any work; messages name the file, line and key.
 */
#ifndef HETSWEEP_VALIDATE_H
#define HETSWEEP_VALIDATE_H

#include "hetsweep/config.h"
#include "hetsweep/error.h"

int hs_job_validate(const hs_job *job, hs_error *err);

/* Load and validate the job file at path, then free it: HS_OK, or the first
 * refusal in err. For commands that must refuse a bad job before starting
 * anything long (bench, run --ranks). */
int hs_job_check_file(const char *path, hs_error *err);

#endif
