/* tasks.h - the task family y = u_k(t + Delta)^d and the readout windows
 * (SPEC 1.5, 1.6).
 *
 * Task order is k-major, then d, then Delta. Targets are produced per time
 * chunk from the stimulus, never stored whole. The windows (train,
 * validation, test) are shared by every task and intersected with
 * [D, T - D), D the largest |shift| of the grid.
 */
#ifndef HETSWEEP_TASKS_H
#define HETSWEEP_TASKS_H

#include <stddef.h>

#include "hetsweep/config.h"
#include "hetsweep/error.h"
#include "hetsweep/stimulus.h"

typedef struct {
    size_t begin, end; /* sample range [begin, end) */
} hs_window;

typedef struct {
    size_t n_samples; /* T */
    size_t washout;   /* samples */
    hs_window segment[3]; /* train, validation, test (readout.h's hs_segment order) */
} hs_windows;

typedef struct {
    size_t n_tasks;
    int *k;            /* component, 1-based */
    int *d;            /* degree */
    double *delta_ms;  /* requested delay */
    int *delta_steps;  /* rint(delta_ms / dt): authoritative */
    double *complexity;
    int max_shift;     /* D = max |delta_steps| */
} hs_tasks;

/* The task grid of a job (complexity left NaN until hs_tasks_complexity). */
void hs_tasks_make(hs_tasks *tasks, const hs_job *job);
void hs_tasks_free(hs_tasks *tasks);

/* Sample counts of a job's time keys; -1 if a length is not a whole number
 * of dt (within 1e-9) or is more than 2^53 of them. */
long hs_samples_of(double length_ms, double dt_ms);

/* The three windows of a job for a grid whose largest shift is max_shift. */
void hs_windows_make(hs_windows *windows, const hs_job *job, int max_shift);

/* Y[r * n_tasks + j] = u_k(t0 + r + steps_j)^d for r < rows (row-major);
 * every sample touched must lie in [0, T). */
void hs_tasks_targets(const hs_tasks *tasks, const hs_stimulus *stim, size_t t0, size_t rows,
                      double *Y);

/* Complexity 1 - |cos(y - mean, u_k - mean)| over the window; 0 for identity.
 * Where similarity is not NULL, *similarity is also set to the n_tasks x
 * n_tasks cosine similarities of the centred targets over the window
 * (row-major, symmetric), made from the same targets; caller frees. */
void hs_tasks_complexity(hs_tasks *tasks, const hs_stimulus *stim, hs_window window,
                         double **similarity);

#endif
