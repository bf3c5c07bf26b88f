/* inputs.c - a job's tasks, windows and stimulus (inputs.h). */
#include "hetsweep/inputs.h"

#include "hetsweep/readout.h"

int hs_inputs_make(const hs_job *job, hs_tasks *tasks, hs_windows *windows,
                   hs_stimulus *stimulus, double **similarity, hs_error *err)
{
    hs_tasks_make(tasks, job);
    hs_windows_make(windows, job, tasks->max_shift);
    long steps = hs_stimulus_steps_per_sample(job->time.dt_ms, job->stimulus.time_scale_ms);
    int status = hs_stimulus_make(stimulus, windows->n_samples, steps, err);
    if (status == HS_OK)
        hs_tasks_complexity(tasks, stimulus, windows->segment[HS_SEG_TEST], similarity);
    return status;
}
