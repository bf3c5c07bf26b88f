/* rate.c - batched exponential-Euler steps of the rate network. */
#include "hetsweep/rate.h"

#include <math.h>
#include <stdlib.h>

#include "hetsweep/config.h"

struct hs_rate {
    const hs_network *net;
    size_t n, batch;
    int activation;
    double *decay;       /* a = exp(-dt/tau), N x B */
    double *gain_in;     /* 1 - a, N x B */
    double *noise_scale; /* sqrt(rho) J_u sigma_i, N x B */
    double *J, *Ju;      /* B */
    double *x, *phi, *recurrent; /* N x B */
};

static double activate(double x, int activation)
{
    return activation == HS_ACT_SIGMOID ? 1.0 / (1.0 + exp(-x)) : tanh(x);
}

hs_rate *hs_rate_new(const hs_network *net, const hs_rate_params *p)
{
    hs_rate *rate = hs_xcalloc(1, sizeof *rate);
    size_t n = net->n, B = p->batch;
    rate->net = net;
    rate->n = n;
    rate->batch = B;
    rate->activation = p->activation;
    rate->decay = hs_alloc_doubles(n * B);
    rate->gain_in = hs_alloc_doubles(n * B);
    rate->noise_scale = hs_alloc_doubles(n * B);
    rate->J = hs_alloc_doubles(B);
    rate->Ju = hs_alloc_doubles(B);
    rate->x = hs_alloc_doubles(n * B);
    rate->phi = hs_alloc_doubles(n * B);
    rate->recurrent = hs_alloc_doubles(n * B);
    for (size_t b = 0; b < B; b++) {
        rate->J[b] = p->recurrent_gain[b];
        rate->Ju[b] = p->input_gain[b];
        double noise_amp = sqrt(p->noise[b]) * p->input_gain[b];
        for (size_t i = 0; i < n; i++) {
            double a = exp(-p->dt_ms / p->tau[b][i]);
            rate->decay[i * B + b] = a;
            rate->gain_in[i * B + b] = 1.0 - a;
            rate->noise_scale[i * B + b] = noise_amp * p->input_sd[i];
        }
    }
    /* x_{-1} = 0, so phi(x_{-1}) = phi(0) */
    double phi0 = activate(0.0, rate->activation);
    for (size_t e = 0; e < n * B; e++)
        rate->phi[e] = phi0;
    return rate;
}

void hs_rate_free(hs_rate *rate)
{
    if (!rate)
        return;
    free(rate->decay);
    free(rate->gain_in);
    free(rate->noise_scale);
    free(rate->J);
    free(rate->Ju);
    free(rate->x);
    free(rate->phi);
    free(rate->recurrent);
    free(rate);
}

void hs_rate_step(hs_rate *rate, const double *drive, const double *xi)
{
    size_t n = rate->n, B = rate->batch;
    hs_network_spmm(rate->net, rate->phi, B, rate->recurrent);
    for (size_t i = 0; i < n; i++) {
        const double d = drive[i], z = xi[i];
        double *x = rate->x + i * B;
        const double *a = rate->decay + i * B, *g = rate->gain_in + i * B;
        const double *s = rate->noise_scale + i * B, *r = rate->recurrent + i * B;
        for (size_t b = 0; b < B; b++) {
            double input = (rate->J[b] * r[b] + rate->Ju[b] * d) + s[b] * z;
            x[b] = a[b] * x[b] + g[b] * input;
        }
    }
    for (size_t e = 0; e < n * B; e++)
        rate->phi[e] = activate(rate->x[e], rate->activation);
}

const double *hs_rate_features(const hs_rate *rate)
{
    return rate->phi;
}

void hs_rate_count_saturated(const hs_rate *rate, long long *counts)
{
    size_t n = rate->n, B = rate->batch;
    int sigmoid = rate->activation == HS_ACT_SIGMOID;
    for (size_t i = 0; i < n; i++)
        for (size_t b = 0; b < B; b++) {
            double f = rate->phi[i * B + b];
            double level = sigmoid ? fabs(2.0 * f - 1.0) : fabs(f);
            counts[b] += level > (sigmoid ? 0.98 : 0.99);
        }
}
