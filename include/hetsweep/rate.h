/* rate.h - leaky-integrator rate dynamics for a batch of columns (SPEC 1.3).
 *
 * The state is N x S (row-major: neuron i's columns are contiguous, S the
 * padded width of hs_batch_stride); one
 * sparse product with W per step serves every column. Column b has its own
 * time constants, recurrent gain J, input gain J_u and noise level rho; the
 * drive (Win u_t) and the noise draw xi_t are shared by all columns of the
 * unit. Exponential Euler:
 *   x_t = a x_{t-1} + (1 - a) (J W phi(x_{t-1}) + J_u Win u_t + eta_t),
 *   eta_t,i = sqrt(rho) J_u sigma_i xi_t,i,   features r_t = phi(x_t).
 */
#ifndef HETSWEEP_RATE_H
#define HETSWEEP_RATE_H

#include <stddef.h>

#include "hetsweep/network.h"

typedef struct hs_rate hs_rate;

typedef struct {
    size_t batch;
    const double *const *tau;    /* batch pointers to N time constants (ms) */
    const double *recurrent_gain; /* batch */
    const double *input_gain;     /* batch */
    const double *noise;          /* batch: rho */
    const double *input_sd;       /* N: sigma_i, sd of (Win u)_i over all samples */
    double dt_ms;
    int activation; /* enum hs_activation */
    int threads;    /* OpenMP threads for the step; 0 or 1: one */
} hs_rate_params;

hs_rate *hs_rate_new(const hs_network *net, const hs_rate_params *params);
void hs_rate_free(hs_rate *rate);

/* Advance one sample. drive = Win u_t (N), xi = standard normals (N); with
 * count_saturation, the saturated features of the new state are counted
 * (|phi| > 0.99 for tanh, |2 phi - 1| > 0.98 for the sigmoid). Called by
 * every thread of an OpenMP team, the team shares the rows (and the call
 * ends with a barrier); called outside a team, it makes one of `threads`
 * threads when the network is large enough to pay for them. */
void hs_rate_step(hs_rate *rate, const double *drive, const double *xi, int count_saturation);

/* Whether a step has work enough to share among threads. */
int hs_rate_worth_threads(const hs_rate *rate);

/* phi(x_t), N x stride row-major (stride = hs_batch_stride(batch); column b
 * of neuron i at [i * stride + b]), valid until the next step. */
const double *hs_rate_features(const hs_rate *rate);
size_t hs_rate_stride(const hs_rate *rate);

/* Saturated features of column b counted so far. */
long long hs_rate_saturated(const hs_rate *rate, size_t column);

#endif
