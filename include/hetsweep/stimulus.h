/* stimulus.h - the chaotic drive shared by every network (SPEC 1.1).
 *
 * Lorenz system, classical RK4 with internal step h = 0.001, start (1,1,1),
 * 10 000 transient steps, then T samples, each component z-scored over the T
 * samples (population sd). Computed once per process.
 */
#ifndef HETSWEEP_STIMULUS_H
#define HETSWEEP_STIMULUS_H

#include <stddef.h>

#include "hetsweep/error.h"

#define HS_LORENZ_STEP 0.001
#define HS_LORENZ_TRANSIENT 10000

typedef struct {
    size_t n_samples;   /* T */
    double *u;          /* T x 3, row-major, z-scored */
    double raw_mean[3]; /* before z-scoring */
    double raw_std[3];
} hs_stimulus;

/* Integer RK4 steps per sample: round(dt / (time_scale_ms * h)). Returns -1
 * if that ratio is not within 1e-9 of an integer in [1, 2^53]. */
long hs_stimulus_steps_per_sample(double dt_ms, double time_scale_ms);

/* One RK4 step of the Lorenz system, exactly as SPEC 1.1 writes it. */
void hs_lorenz_rk4_step(double v[3], double h);

/* Compute the z-scored series of n_samples samples. */
int hs_stimulus_make(hs_stimulus *stim, size_t n_samples, long steps_per_sample, hs_error *err);
void hs_stimulus_free(hs_stimulus *stim);

#endif
