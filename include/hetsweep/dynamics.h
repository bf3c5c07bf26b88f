/* dynamics.h - one interface over the two network models (rate.h, lif.h), so
 * that a work item runs either with the same chunked loop: advance one
 * readout sample, read the features, and at the end record each column's
 * counters, activity and costs.
 */
#ifndef HETSWEEP_DYNAMICS_H
#define HETSWEEP_DYNAMICS_H

#include <stddef.h>

#include "hetsweep/config.h"
#include "hetsweep/network.h"
#include "hetsweep/results.h"

typedef struct hs_dynamics hs_dynamics;

typedef struct {
    size_t batch;
    const double *const *tau;     /* batch pointers to N time constants */
    const double *recurrent_gain; /* batch */
    const double *input_gain;     /* batch */
    const double *noise;          /* batch */
    const double *input_sd;       /* N */
    int threads;                  /* OpenMP threads of the step (0 or 1: one) */
} hs_dynamics_params;

hs_dynamics *hs_dynamics_new(int model, const hs_job *job, const hs_network *net,
                             const hs_dynamics_params *params);
void hs_dynamics_free(hs_dynamics *dyn);

/* Advance one readout sample; after_washout says whether activity counts.
 * Called by every thread of an OpenMP team (the team shares the work and the
 * call ends with a barrier), or outside one. */
void hs_dynamics_sample(hs_dynamics *dyn, const double *drive, const double *xi,
                        int after_washout);

/* lif.target_rate_hz: whether this unit calibrates its bias, and the
 * calibration itself, on `samples` readout samples of drive and xi (each
 * samples x N), before the first sample (rate networks: nothing to do). */
int hs_dynamics_needs_calibration(const hs_dynamics *dyn);

/* Whether a sample has work enough to share among threads. */
int hs_dynamics_worth_threads(const hs_dynamics *dyn);
void hs_dynamics_calibrate(hs_dynamics *dyn, const double *drive, const double *xi,
                           size_t samples);

/* The features of the last sample: neuron i of column b at
 * [i * neuron_stride + b * column_stride] (the models lay out their state
 * differently; hs_dynamics_layout says how). */
const double *hs_dynamics_features(const hs_dynamics *dyn);
void hs_dynamics_layout(const hs_dynamics *dyn, size_t *neuron_stride, size_t *column_stride);

/* Counters, activity, simulated seconds and costs of one column after
 * n_samples samples, washout of them before the readout. */
void hs_dynamics_record(const hs_dynamics *dyn, size_t column, size_t n_samples,
                        size_t washout, size_t n_tasks, hs_column_result *res);

#endif
