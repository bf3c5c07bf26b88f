/* rate.c - batched exponential-Euler steps of the rate network.
 *
 * The state is N x S row-major, S = hs_batch_stride(B) >= B: the padding
 * columns have zero gains and stay at phi(0). A step is one pass over row
 * blocks: the sparse recurrent product of the block's rows (from the
 * previous features), the leak update and the activation, written to the
 * other feature buffer; then the buffers swap. At batch widths 2, 4 and 8
 * on AVX-512 the recurrent product reads W from row slabs (network.h), with
 * the same bits. Row blocks are shared among the OpenMP threads of the calling team
 * (or of a team of its own, when called outside one); every element's
 * arithmetic is the same whichever thread computes it and whatever the
 * block size. Saturated features are counted per thread (integers: the sum
 * does not depend on the split). */
#include "hetsweep/rate.h"

#include <math.h>
#include <stdlib.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "hetsweep/config.h"
#include "hetsweep/vmath.h"

/* Rows per block: the block's recurrent input stays in L1. */
#define ROW_BLOCK 32

struct hs_rate {
    const hs_network *net;
    hs_row_slabs slabs;  /* W in row slabs where they help (widths 2, 4, 8), else empty */
    size_t n, batch, stride;
    int activation;
    int threads;
    double *decay;       /* a = exp(-dt/tau), N x S */
    double *gain_in;     /* 1 - a, N x S */
    double *noise_scale; /* sqrt(rho) J_u sigma_i, N x S */
    double *J, *Ju;      /* S */
    double *x;           /* N x S */
    double *phi, *phi_next; /* N x S: features of the last step, and the next */
    double *recurrent;   /* ROW_BLOCK x S per thread */
    long long *saturated; /* S per thread: saturated features after washout */
};

static double activate(double x, int activation)
{
    return activation == HS_ACT_SIGMOID ? hs_vlogistic(x) : hs_vtanh(x);
}

static void set_column(hs_rate *rate, const hs_rate_params *p, size_t b)
{
    size_t S = rate->stride;
    rate->J[b] = p->recurrent_gain[b];
    rate->Ju[b] = p->input_gain[b];
    double noise_amp = sqrt(p->noise[b]) * p->input_gain[b];
    for (size_t i = 0; i < rate->n; i++) {
        double a = exp(-p->dt_ms / p->tau[b][i]);
        rate->decay[i * S + b] = a;
        rate->gain_in[i * S + b] = 1.0 - a;
        rate->noise_scale[i * S + b] = noise_amp * p->input_sd[i];
    }
}

hs_rate *hs_rate_new(const hs_network *net, const hs_rate_params *p)
{
    hs_rate *rate = hs_xcalloc(1, sizeof *rate);
    size_t n = net->n, S = hs_batch_stride(p->batch);
    rate->net = net;
    if (hs_row_slabs_help(S, n))
        hs_row_slabs_make(&rate->slabs, net);
    rate->n = n;
    rate->batch = p->batch;
    rate->stride = S;
    rate->activation = p->activation;
    rate->threads = p->threads > 0 ? p->threads : 1;
    rate->decay = hs_alloc_doubles(n * S);
    rate->gain_in = hs_alloc_doubles(n * S);
    rate->noise_scale = hs_alloc_doubles(n * S);
    rate->J = hs_alloc_doubles(S);
    rate->Ju = hs_alloc_doubles(S);
    rate->x = hs_alloc_doubles(n * S);
    rate->phi = hs_alloc_doubles(n * S);
    rate->phi_next = hs_alloc_doubles(n * S);
    rate->recurrent = hs_alloc_doubles((size_t)rate->threads * ROW_BLOCK * S);
    rate->saturated = hs_xcalloc((size_t)rate->threads * S, sizeof(long long));
    for (size_t b = 0; b < p->batch; b++)
        set_column(rate, p, b);
    /* x_{-1} = 0, so phi(x_{-1}) = phi(0); padding columns stay there */
    double phi0 = activate(0.0, rate->activation);
    for (size_t e = 0; e < n * S; e++)
        rate->phi[e] = rate->phi_next[e] = phi0;
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
    free(rate->phi_next);
    free(rate->recurrent);
    free(rate->saturated);
    hs_row_slabs_free(&rate->slabs);
    free(rate);
}

/* Add the saturated features of rows [r0, r1) (|phi| > 0.99 for tanh,
 * |2 phi - 1| > 0.98 for the sigmoid) to counts (S per column). */
static void count_saturated_rows(const hs_rate *rate, size_t r0, size_t r1, long long *counts)
{
    const size_t S = rate->stride;
    const int sigmoid = rate->activation == HS_ACT_SIGMOID;
    const double limit = sigmoid ? 0.98 : 0.99;
    for (size_t i = r0; i < r1; i++) {
        const double *phi = rate->phi_next + i * S;
        for (size_t b = 0; b < S; b++)
            counts[b] += (sigmoid ? fabs(2.0 * phi[b] - 1.0) : fabs(phi[b])) > limit;
    }
}

/* Leak of rows [r0, r1), recurrent input in rec (rows from r0): the new x. */
static void leak_rows(hs_rate *rate, size_t r0, size_t r1, const double *restrict rec,
                      const double *restrict drive, const double *restrict xi)
{
    const size_t S = rate->stride;
    const double *restrict J = rate->J, *restrict Ju = rate->Ju;
    for (size_t i = r0; i < r1; i++) {
        const double d = drive[i], z = xi[i];
        double *restrict x = rate->x + i * S;
        const double *restrict a = rate->decay + i * S, *restrict g = rate->gain_in + i * S;
        const double *restrict s = rate->noise_scale + i * S, *restrict r = rec + (i - r0) * S;
#pragma omp simd
        for (size_t b = 0; b < S; b++) {
            double input = (J[b] * r[b] + Ju[b] * d) + s[b] * z;
            x[b] = a[b] * x[b] + g[b] * input;
        }
    }
}

/* Elements activated together: the activation is one long chain of
 * dependent operations, and a row of 4 or 8 elements is one vector, so
 * element by element the processor could overlap only two or three chains.
 * A group of ACTIVATE_GROUP elements is several vectors' independent chains
 * side by side. Every element's arithmetic is the same in any group or in
 * the remainder (vmath.h). */
#define ACTIVATE_GROUP 32

/* phi = activation(x) over count contiguous elements: full groups, then the
 * rest. Inlined with a constant `sigmoid`, each call site is one branch-free
 * pair of loops. */
static inline __attribute__((always_inline)) void
activate_groups(double *restrict phi, const double *restrict x, size_t count, const int sigmoid)
{
    size_t e = 0;
    for (; e + ACTIVATE_GROUP <= count; e += ACTIVATE_GROUP) {
#pragma omp simd
        for (size_t k = 0; k < ACTIVATE_GROUP; k++)
            phi[e + k] = sigmoid ? hs_vlogistic(x[e + k]) : hs_vtanh(x[e + k]);
    }
#pragma omp simd
    for (size_t k = e; k < count; k++)
        phi[k] = sigmoid ? hs_vlogistic(x[k]) : hs_vtanh(x[k]);
}

HS_WIDE_VECTORS
static void activate_span(double *restrict phi, const double *restrict x, size_t count,
                          int activation)
{
    if (activation == HS_ACT_SIGMOID)
        activate_groups(phi, x, count, 1);
    else
        activate_groups(phi, x, count, 0);
}

/* Leak and activation of rows [r0, r1), recurrent input in rec (rows from
 * r0). The rows' elements are contiguous (N x S row-major). */
static void update_rows(hs_rate *rate, size_t r0, size_t r1, const double *rec,
                        const double *drive, const double *xi)
{
    const size_t S = rate->stride;
    leak_rows(rate, r0, r1, rec, drive, xi);
    activate_span(rate->phi_next + r0 * S, rate->x + r0 * S, (r1 - r0) * S, rate->activation);
}

static void step_rows(hs_rate *rate, size_t r0, size_t r1, double *rec, const double *drive,
                      const double *xi)
{
    hs_network_spmm_rows_slabs(rate->net, &rate->slabs, rate->phi, rate->stride, r0, r1, rec);
    update_rows(rate, r0, r1, rec, drive, xi);
}

static int thread_number(void)
{
#ifdef _OPENMP
    return omp_get_thread_num();
#else
    return 0;
#endif
}

/* The step as the members of a team run it: row blocks shared out, then one
 * thread swaps the buffers (the barrier after `single` ends the step). */
static void step_in_team(hs_rate *rate, const double *drive, const double *xi,
                         int count_saturation)
{
    const size_t n = rate->n, S = rate->stride;
    const long blocks = (long)((n + ROW_BLOCK - 1) / ROW_BLOCK);
    int me = thread_number();
    if (me >= rate->threads) /* a team larger than the rate was made for */
        me = 0;
    double *rec = rate->recurrent + (size_t)me * ROW_BLOCK * S;
    long long *saturated = rate->saturated + (size_t)me * S;
#pragma omp for schedule(static)
    for (long k = 0; k < blocks; k++) {
        size_t r0 = (size_t)k * ROW_BLOCK, r1 = r0 + ROW_BLOCK < n ? r0 + ROW_BLOCK : n;
        step_rows(rate, r0, r1, rec, drive, xi);
        if (count_saturation)
            count_saturated_rows(rate, r0, r1, saturated);
    }
#pragma omp single
    {
        double *swap = rate->phi;
        rate->phi = rate->phi_next;
        rate->phi_next = swap;
    }
}

void hs_rate_step(hs_rate *rate, const double *drive, const double *xi, int count_saturation)
{
#ifdef _OPENMP
    if (!omp_in_parallel() && rate->threads > 1 && hs_rate_worth_threads(rate)) {
#pragma omp parallel num_threads(rate->threads)
        step_in_team(rate, drive, xi, count_saturation);
        return;
    }
#endif
    step_in_team(rate, drive, xi, count_saturation);
}

int hs_rate_worth_threads(const hs_rate *rate)
{
    return rate->net->nnz * rate->stride >= 20000;
}

const double *hs_rate_features(const hs_rate *rate)
{
    return rate->phi;
}

size_t hs_rate_stride(const hs_rate *rate)
{
    return rate->stride;
}

long long hs_rate_saturated(const hs_rate *rate, size_t column)
{
    long long total = 0;
    for (int t = 0; t < rate->threads; t++)
        total += rate->saturated[(size_t)t * rate->stride + column];
    return total;
}
