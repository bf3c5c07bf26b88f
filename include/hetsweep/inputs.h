/* inputs.h - what every computation of a job starts from, made in one place
 * for the run and the benches: its tasks (with their complexity), its time
 * windows and its stimulus. */
#ifndef HETSWEEP_INPUTS_H
#define HETSWEEP_INPUTS_H

#include "hetsweep/config.h"
#include "hetsweep/error.h"
#include "hetsweep/stimulus.h"
#include "hetsweep/tasks.h"

/* Make the job's tasks and windows, then its stimulus, then the tasks'
 * complexity and, where similarity is not NULL, their similarity matrix
 * over the test window (from the same targets; caller frees). The tasks are
 * made whatever happens (free them with hs_tasks_free); the stimulus and
 * the similarity only when HS_OK is returned. */
int hs_inputs_make(const hs_job *job, hs_tasks *tasks, hs_windows *windows,
                   hs_stimulus *stimulus, double **similarity, hs_error *err);

#endif
