/* stimulus.c - Lorenz integration and z-scoring of the shared stimulus. */
#include "hetsweep/stimulus.h"

#include <math.h>
#include <stdlib.h>

long hs_stimulus_steps_per_sample(double dt_ms, double time_scale_ms)
{
    double ratio = dt_ms / (time_scale_ms * HS_LORENZ_STEP);
    double steps = round(ratio);
    if (!isfinite(ratio) || steps < 1.0 || steps > 0x1p53 || fabs(ratio - steps) > 1e-9)
        return -1;
    return (long)steps;
}

static void lorenz(const double v[3], double out[3])
{
    out[0] = 10.0 * (v[1] - v[0]);
    out[1] = v[0] * (28.0 - v[2]) - v[1];
    out[2] = v[0] * v[1] - (8.0 / 3.0) * v[2];
}

void hs_lorenz_rk4_step(double v[3], double h)
{
    double k1[3], k2[3], k3[3], k4[3], tmp[3];
    lorenz(v, k1);
    for (int i = 0; i < 3; i++)
        tmp[i] = v[i] + (h / 2) * k1[i];
    lorenz(tmp, k2);
    for (int i = 0; i < 3; i++)
        tmp[i] = v[i] + (h / 2) * k2[i];
    lorenz(tmp, k3);
    for (int i = 0; i < 3; i++)
        tmp[i] = v[i] + h * k3[i];
    lorenz(tmp, k4);
    for (int i = 0; i < 3; i++)
        v[i] = v[i] + (h / 6) * (((k1[i] + 2 * k2[i]) + 2 * k3[i]) + k4[i]);
}

static void zscore_columns(hs_stimulus *stim)
{
    size_t T = stim->n_samples;
    for (int k = 0; k < 3; k++) {
        double sum = 0.0;
        for (size_t t = 0; t < T; t++)
            sum += stim->u[3 * t + k];
        double mean = sum / (double)T;
        double ss = 0.0;
        for (size_t t = 0; t < T; t++) {
            double d = stim->u[3 * t + k] - mean;
            ss += d * d;
        }
        double sd = sqrt(ss / (double)T);
        stim->raw_mean[k] = mean;
        stim->raw_std[k] = sd;
        for (size_t t = 0; t < T; t++)
            stim->u[3 * t + k] = (stim->u[3 * t + k] - mean) / sd;
    }
}

int hs_stimulus_make(hs_stimulus *stim, size_t n_samples, long steps_per_sample, hs_error *err)
{
    if (n_samples < 2 || steps_per_sample < 1)
        return hs_fail(err, HS_ERR_INPUT, "stimulus: need at least 2 samples and 1 step per sample");
    stim->n_samples = n_samples;
    stim->u = hs_alloc_doubles(3 * n_samples);
    double v[3] = {1.0, 1.0, 1.0};
    for (int s = 0; s < HS_LORENZ_TRANSIENT; s++)
        hs_lorenz_rk4_step(v, HS_LORENZ_STEP);
    for (size_t t = 0; t < n_samples; t++) {
        if (t > 0)
            for (long s = 0; s < steps_per_sample; s++)
                hs_lorenz_rk4_step(v, HS_LORENZ_STEP);
        for (int k = 0; k < 3; k++)
            stim->u[3 * t + k] = v[k];
    }
    zscore_columns(stim);
    return HS_OK;
}

void hs_stimulus_free(hs_stimulus *stim)
{
    free(stim->u);
    stim->u = NULL;
    stim->n_samples = 0;
}
