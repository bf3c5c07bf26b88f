/* network.c - drawing, checking and applying a unit's W and Win. */
#include "hetsweep/network.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef __AVX512F__
#include <immintrin.h>
#endif

#include "hetsweep/rng.h"

/* Nonzero weight of presynaptic neuron j for the job's weight rule. */
typedef struct {
    int dale;
    double scale;        /* gaussian: sd 1/sqrt(pN) */
    double mean_exc, mean_inh, sd;
    hs_rng dale_rng;
} weight_rule;

static weight_rule make_rule(const hs_job *job, int64_t n, int64_t seed)
{
    weight_rule rule;
    memset(&rule, 0, sizeof rule);
    double p = job->network.connectivity;
    double base = 1.0 / sqrt(p * (double)n);
    rule.dale = job->network.weights == HS_WEIGHTS_DALE;
    rule.scale = base;
    if (rule.dale) {
        double f = job->network.excitatory_fraction;
        double mu_e = isnan(job->network.mu_e) ? base : job->network.mu_e;
        rule.mean_exc = mu_e;
        rule.mean_inh = -f * mu_e / (1.0 - f);
        rule.sd = isnan(job->network.sigma_0) ? base : job->network.sigma_0;
        rule.dale_rng = hs_rng_network(job->seed, HS_RNG_DALE, n, seed);
    }
    return rule;
}

/* The presynaptic partners of row i, ascending: the off-diagonal positions
 * m in [0, N-1) are visited by geometric skips (each gap drawn from the
 * row's own counters i*N + k), so a row costs O(its nonzeros), not O(N);
 * position m is column m, or m + 1 past the diagonal. Returns the count. */
static size_t row_partners(const hs_rng *connect, double p, size_t N, size_t i, int32_t *out)
{
    size_t count = 0;
    if (N < 2)
        return 0;
    if (p >= 1.0) {
        for (size_t m = 0; m + 1 < N; m++)
            out[count++] = (int32_t)(m < i ? m : m + 1);
        return count;
    }
    const double log_q = log1p(-p);
    double m = -1.0;
    for (uint64_t k = 0;; k++) {
        double u = hs_rng_uniform(connect, (uint64_t)i * N + k); /* in (0, 1) */
        m += 1.0 + floor(log(u) / log_q);
        if (m >= (double)(N - 1))
            return count;
        out[count++] = (int32_t)((size_t)m < i ? (size_t)m : (size_t)m + 1);
    }
}

void hs_network_random(hs_network *net, const hs_job *job, int64_t n, int64_t seed)
{
    hs_rng connect = hs_rng_network(job->seed, HS_RNG_CONNECT, n, seed);
    hs_rng weight = hs_rng_network(job->seed, HS_RNG_WEIGHT, n, seed);
    hs_rng input = hs_rng_network(job->seed, HS_RNG_WIN, n, seed);
    weight_rule rule = make_rule(job, n, seed);
    double p = job->network.connectivity;
    size_t N = (size_t)n;

    unsigned char *excitatory = NULL;
    if (rule.dale) {
        excitatory = hs_xmalloc(N);
        for (size_t j = 0; j < N; j++)
            excitatory[j] = hs_rng_uniform(&rule.dale_rng, j) < job->network.excitatory_fraction;
    }
    size_t capacity = (size_t)(p * (double)N * (double)N * 1.1) + N + 16;
    int32_t *partners = hs_xmalloc((N ? N : 1) * sizeof(int32_t));
    net->n = N;
    net->indptr = hs_xcalloc(N + 1, sizeof(int64_t));
    net->indices = hs_xmalloc(capacity * sizeof(int32_t));
    net->data = hs_xmalloc(capacity * sizeof(double));
    size_t nnz = 0;
    for (size_t i = 0; i < N; i++) {
        size_t count = row_partners(&connect, p, N, i, partners);
        if (nnz + count > capacity) {
            capacity = 2 * (nnz + count);
            net->indices = hs_xrealloc(net->indices, capacity * sizeof(int32_t));
            net->data = hs_xrealloc(net->data, capacity * sizeof(double));
        }
        for (size_t k = 0; k < count; k++) {
            size_t j = (size_t)partners[k];
            double z = hs_rng_normal(&weight, (uint64_t)i * N + j);
            net->indices[nnz] = (int32_t)j;
            net->data[nnz++] = !rule.dale ? rule.scale * z
                                          : (excitatory[j] ? rule.mean_exc : rule.mean_inh) +
                                                rule.sd * z;
        }
        net->indptr[i + 1] = (int64_t)nnz;
    }
    net->nnz = nnz;
    free(partners);
    free(excitatory);
    net->win = hs_alloc_doubles(3 * N);
    hs_rng_normal_fill(&input, 0, 3 * N, net->win);
}

/* indptr must start at 0 and never decrease, so that every row's entries lie
 * in [0, indptr[n]); checked whole before any row is read. */
static const char *indptr_problem(const int64_t *indptr, size_t n)
{
    if (indptr[0] != 0)
        return "W_indptr[0] is not 0";
    for (size_t i = 0; i < n; i++)
        if (indptr[i + 1] < indptr[i])
            return "W_indptr is not monotone";
    return NULL;
}

static const char *row_problem(size_t n, const int64_t *indptr, const int32_t *indices,
                               const double *data, size_t row)
{
    for (int64_t e = indptr[row]; e < indptr[row + 1]; e++) {
        if (indices[e] < 0 || (size_t)indices[e] >= n)
            return "W_indices out of range";
        if (e > indptr[row] && indices[e] <= indices[e - 1])
            return "W_indices not ascending within a row";
        if (!isfinite(data[e]))
            return "W_data not finite";
    }
    return NULL;
}

int hs_network_adopt(hs_network *net, size_t n, int64_t *indptr, int32_t *indices, double *data,
                     double *win, const char *where, hs_error *err)
{
    const char *problem = indptr_problem(indptr, n);
    for (size_t i = 0; !problem && i < n; i++)
        problem = row_problem(n, indptr, indices, data, i);
    for (size_t i = 0; !problem && i < 3 * n; i++)
        if (!isfinite(win[i]))
            problem = "Win not finite";
    if (problem) {
        free(indptr);
        free(indices);
        free(data);
        free(win);
        return hs_fail(err, HS_ERR_INPUT, "%s: %s", where, problem);
    }
    net->n = n;
    net->nnz = (size_t)indptr[n];
    net->indptr = indptr;
    net->indices = indices;
    net->data = data;
    net->win = win;
    return HS_OK;
}

void hs_network_free(hs_network *net)
{
    free(net->indptr);
    free(net->indices);
    free(net->data);
    free(net->win);
    memset(net, 0, sizeof *net);
}

void hs_network_drive_rows(const hs_network *net, const double *u, size_t row_begin,
                           size_t row_end, double *out)
{
    for (size_t i = row_begin; i < row_end; i++) {
        const double *w = net->win + 3 * i;
        out[i] = (w[0] * u[0] + w[1] * u[1]) + w[2] * u[2];
    }
}

void hs_network_drive(const hs_network *net, const double *u, double *out)
{
    hs_network_drive_rows(net, u, 0, net->n, out);
}

/* One kernel per padded width W: the W accumulators of a row stay in
 * registers and the loop over them vectorises. Each accumulator sums its
 * row's nonzeros in stored order, so a column's bits do not depend on W.
 *
 * SPMM_ROWS rows advance together: one row's sum is a chain of dependent
 * additions (an add's latency per nonzero), so the rows' independent chains
 * are interleaved over their common length, and each row's remaining
 * nonzeros follow on their own. Every row still adds its own nonzeros in
 * stored order, one multiply and one add each: the bits do not change. */
#define SPMM_ROWS 4

/* acc[W] += w * X[j][:] for the nonzeros e of [from, to) of one row. */
#define SPMM_ROW_RANGE(W)                                                                  \
    static inline void spmm_range_##W(const int32_t *restrict indices,                    \
                                      const double *restrict data,                        \
                                      const double *restrict X, int64_t from, int64_t to, \
                                      double *restrict acc)                               \
    {                                                                                      \
        for (int64_t e = from; e < to; e++) {                                              \
            const double w = data[e];                                                      \
            const double *restrict x = X + (size_t)indices[e] * W;                         \
            _Pragma("omp simd") for (size_t b = 0; b < W; b++) acc[b] += w * x[b];         \
        }                                                                                  \
    }

/* Rows i .. i + SPMM_ROWS - 1 into Y (their first row at Y). */
#define SPMM_ROW_GROUP(W)                                                                  \
    static inline void spmm_group_##W(const hs_network *net, const double *restrict X,    \
                                      size_t i, double *restrict Y)                       \
    {                                                                                      \
        const int64_t *indptr = net->indptr + i;                                           \
        const int32_t *restrict indices = net->indices;                                    \
        const double *restrict data = net->data;                                           \
        double acc[SPMM_ROWS][W];                                                          \
        int64_t common = indptr[1] - indptr[0];                                            \
        for (int r = 0; r < SPMM_ROWS; r++) {                                              \
            int64_t length = indptr[r + 1] - indptr[r];                                    \
            common = length < common ? length : common;                                    \
            _Pragma("omp simd") for (size_t b = 0; b < W; b++) acc[r][b] = 0.0;            \
        }                                                                                  \
        for (int64_t k = 0; k < common; k++)                                               \
            for (int r = 0; r < SPMM_ROWS; r++) {                                          \
                const int64_t e = indptr[r] + k;                                           \
                const double w = data[e];                                                  \
                const double *restrict x = X + (size_t)indices[e] * W;                     \
                _Pragma("omp simd") for (size_t b = 0; b < W; b++) acc[r][b] += w * x[b];  \
            }                                                                              \
        for (int r = 0; r < SPMM_ROWS; r++) {                                              \
            spmm_range_##W(indices, data, X, indptr[r] + common, indptr[r + 1], acc[r]);   \
            _Pragma("omp simd") for (size_t b = 0; b < W; b++) Y[r * W + b] = acc[r][b];   \
        }                                                                                  \
    }

/* Rows [row_begin, row_end) one at a time into Y (row_begin's at Y). */
#define SPMM_SINGLE_ROWS(W)                                                                \
    static void spmm_single_##W(const hs_network *net, const double *restrict X,          \
                                size_t row_begin, size_t row_end, double *restrict Y)     \
    {                                                                                      \
        for (size_t i = row_begin; i < row_end; i++) {                                     \
            double acc[W];                                                                 \
            _Pragma("omp simd") for (size_t b = 0; b < W; b++) acc[b] = 0.0;               \
            spmm_range_##W(net->indices, net->data, X, net->indptr[i], net->indptr[i + 1], \
                           acc);                                                           \
            double *restrict y = Y + (i - row_begin) * W;                                  \
            _Pragma("omp simd") for (size_t b = 0; b < W; b++) y[b] = acc[b];              \
        }                                                                                  \
    }

/* Width W: rows in groups of SPMM_ROWS, the last few one at a time. */
#define SPMM_KERNEL(W)                                                                     \
    SPMM_ROW_RANGE(W)                                                                      \
    SPMM_ROW_GROUP(W)                                                                      \
    SPMM_SINGLE_ROWS(W)                                                                    \
    static void spmm_width_##W(const hs_network *net, const double *restrict X,           \
                               size_t row_begin, size_t row_end, double *restrict Y)      \
    {                                                                                      \
        size_t i = row_begin;                                                              \
        for (; row_end - i >= SPMM_ROWS; i += SPMM_ROWS)                                   \
            spmm_group_##W(net, X, i, Y + (i - row_begin) * W);                            \
        spmm_single_##W(net, X, i, row_end, Y + (i - row_begin) * W);                      \
    }

/* Width 1 takes every row on its own: with scalar accumulators the compiler
 * makes gathers of a group's interleaved loads, slower than one chain. */
#define SPMM_KERNEL_SINGLE_ROWS(W)                                                         \
    SPMM_ROW_RANGE(W)                                                                      \
    SPMM_SINGLE_ROWS(W)                                                                    \
    static void spmm_width_##W(const hs_network *net, const double *restrict X,           \
                               size_t row_begin, size_t row_end, double *restrict Y)      \
    {                                                                                      \
        spmm_single_##W(net, X, row_begin, row_end, Y);                                    \
    }

SPMM_KERNEL_SINGLE_ROWS(1)
SPMM_KERNEL(2)
SPMM_KERNEL(4)
SPMM_KERNEL(8)
SPMM_KERNEL(12)
SPMM_KERNEL(16)

size_t hs_batch_stride(size_t batch)
{
    static const size_t widths[] = {1, 2, 4, 8, 12, 16};
    for (size_t k = 0; k < sizeof widths / sizeof *widths; k++)
        if (batch <= widths[k])
            return widths[k];
    return (batch + 15) / 16 * 16;
}

void hs_network_spmm_rows(const hs_network *net, const double *X, size_t stride,
                          size_t row_begin, size_t row_end, double *Y)
{
    switch (stride) {
    case 1: spmm_width_1(net, X, row_begin, row_end, Y); return;
    case 2: spmm_width_2(net, X, row_begin, row_end, Y); return;
    case 4: spmm_width_4(net, X, row_begin, row_end, Y); return;
    case 8: spmm_width_8(net, X, row_begin, row_end, Y); return;
    case 12: spmm_width_12(net, X, row_begin, row_end, Y); return;
    case 16: spmm_width_16(net, X, row_begin, row_end, Y); return;
    default:
        for (size_t block = 0; block < stride; block += 16) /* wider: 16 at a time */
            for (size_t i = row_begin; i < row_end; i++) {
                double *y = Y + (i - row_begin) * stride + block;
                for (size_t b = 0; b < 16; b++)
                    y[b] = 0.0;
                for (int64_t e = net->indptr[i]; e < net->indptr[i + 1]; e++) {
                    const double w = net->data[e];
                    const double *x = X + (size_t)net->indices[e] * stride + block;
                    for (size_t b = 0; b < 16; b++)
                        y[b] += w * x[b];
                }
            }
    }
}

void hs_network_spmm(const hs_network *net, const double *X, size_t stride, double *Y)
{
    hs_network_spmm_rows(net, X, stride, 0, net->n, Y);
}

/* ---- row slabs (batch width 2) ------------------------------------------ */

/* The shortest of the SPMM_ROWS rows from row i. */
static int64_t group_common(const hs_network *net, size_t i)
{
    const int64_t *indptr = net->indptr + i;
    int64_t common = indptr[1] - indptr[0];
    for (int r = 1; r < SPMM_ROWS; r++) {
        int64_t length = indptr[r + 1] - indptr[r];
        common = length < common ? length : common;
    }
    return common;
}

/* Rows a slab's 16-bit indices can address. */
#define SLAB_MAX_N 65536

int hs_row_slabs_help(size_t stride, size_t n)
{
#ifdef __AVX512F__
    return (stride == 2 || stride == 4 || stride == 8) && n <= SLAB_MAX_N;
#else
    (void)stride;
    (void)n;
    return 0;
#endif
}

/* Group g's entries: the interleaved nonzeros, then each row's others. */
static void copy_group(hs_row_slabs *slabs, const hs_network *net, size_t g)
{
    const int64_t *indptr = net->indptr + g * SPMM_ROWS;
    const int64_t common = slabs->common[g];
    size_t to = (size_t)slabs->start[g];
    for (int64_t k = 0; k < common; k++)
        for (int r = 0; r < SPMM_ROWS; r++, to++) {
            slabs->indices[to] = (uint16_t)net->indices[indptr[r] + k];
            slabs->data[to] = net->data[indptr[r] + k];
        }
    for (int r = 0; r < SPMM_ROWS; r++)
        for (int64_t e = indptr[r] + common; e < indptr[r + 1]; e++, to++) {
            slabs->indices[to] = (uint16_t)net->indices[e];
            slabs->data[to] = net->data[e];
        }
}

void hs_row_slabs_make(hs_row_slabs *slabs, const hs_network *net)
{
    memset(slabs, 0, sizeof *slabs);
    if (net->n > SLAB_MAX_N)
        return;
    size_t groups = net->n / SPMM_ROWS;
    slabs->groups = groups;
    slabs->start = hs_xmalloc((groups + 1) * sizeof *slabs->start);
    slabs->common = hs_xmalloc((groups + 1) * sizeof *slabs->common);
    for (size_t g = 0; g < groups; g++)
        slabs->common[g] = group_common(net, g * SPMM_ROWS);
    for (size_t g = 0; g <= groups; g++)
        slabs->start[g] = net->indptr[g * SPMM_ROWS];
    size_t entries = (size_t)slabs->start[groups];
    slabs->indices = hs_xmalloc((entries + 1) * sizeof *slabs->indices);
    slabs->data = hs_alloc_doubles(entries + 1);
    for (size_t g = 0; g < groups; g++)
        copy_group(slabs, net, g);
}

void hs_row_slabs_free(hs_row_slabs *slabs)
{
    free(slabs->start);
    free(slabs->common);
    free(slabs->indices);
    free(slabs->data);
    memset(slabs, 0, sizeof *slabs);
}

#ifdef __AVX512F__
/* Rows 4g .. 4g + 3 at width 2 into Y: lane 2r + b of one vector sums row
 * r's column b over the interleaved nonzeros (a multiply, then an add), then
 * each row's other nonzeros follow in stored order. */
static void slab_group_2(const hs_network *net, const hs_row_slabs *slabs, const double *X,
                         size_t g, double *Y)
{
    const __m512i pairs = _mm512_set_epi64(3, 3, 2, 2, 1, 1, 0, 0);
    const int64_t common = slabs->common[g];
    const uint16_t *indices = slabs->indices + slabs->start[g];
    const double *data = slabs->data + slabs->start[g];
    __m512d acc = _mm512_setzero_pd();
    for (int64_t k = 0; k < common; k++, indices += SPMM_ROWS, data += SPMM_ROWS) {
        __m512d w = _mm512_permutexvar_pd(pairs, _mm512_castpd256_pd512(_mm256_loadu_pd(data)));
        uint64_t four; /* the four rows' column indices, 16 bits each */
        memcpy(&four, indices, sizeof four);
        __m512d x = _mm512_castpd128_pd512(_mm_loadu_pd(X + 2 * (four & 0xffff)));
        x = _mm512_insertf64x2(x, _mm_loadu_pd(X + 2 * ((four >> 16) & 0xffff)), 1);
        x = _mm512_insertf64x2(x, _mm_loadu_pd(X + 2 * ((four >> 32) & 0xffff)), 2);
        x = _mm512_insertf64x2(x, _mm_loadu_pd(X + 2 * (four >> 48)), 3);
        acc = _mm512_add_pd(acc, _mm512_mul_pd(w, x));
    }
    double sums[2 * SPMM_ROWS];
    _mm512_storeu_pd(sums, acc);
    const int64_t *indptr = net->indptr + g * SPMM_ROWS;
    for (int r = 0; r < SPMM_ROWS; r++) {
        __m128d row = _mm_loadu_pd(sums + 2 * r);
        for (int64_t e = indptr[r] + common; e < indptr[r + 1]; e++, indices++, data++)
            row = _mm_add_pd(row, _mm_mul_pd(_mm_set1_pd(*data),
                                             _mm_loadu_pd(X + 2 * (size_t)*indices)));
        _mm_storeu_pd(Y + 2 * r, row);
    }
}

/* Rows 4g .. 4g + 3 at width W into Y, one W-wide vector a row (type VEC,
 * intrinsics of prefix P): a step reads the four rows' indices in one load
 * and each weight by a broadcast; each row's other nonzeros follow. */
#define SLAB_GROUP_BY_ROW(W, VEC, P)                                                       \
    static void slab_group_##W(const hs_network *net, const hs_row_slabs *slabs,          \
                               const double *X, size_t g, double *Y)                      \
    {                                                                                      \
        const int64_t common = slabs->common[g];                                           \
        const uint16_t *indices = slabs->indices + slabs->start[g];                        \
        const double *data = slabs->data + slabs->start[g];                                \
        VEC acc[SPMM_ROWS];                                                                \
        for (int r = 0; r < SPMM_ROWS; r++)                                                \
            acc[r] = P##_setzero_pd();                                                     \
        for (int64_t k = 0; k < common; k++, indices += SPMM_ROWS, data += SPMM_ROWS) {    \
            uint64_t four; /* the four rows' column indices, 16 bits each */               \
            memcpy(&four, indices, sizeof four);                                           \
            for (int r = 0; r < SPMM_ROWS; r++) {                                          \
                VEC x = P##_loadu_pd(X + W * ((four >> (16 * r)) & 0xffff));               \
                acc[r] = P##_add_pd(acc[r], P##_mul_pd(P##_set1_pd(data[r]), x));          \
            }                                                                              \
        }                                                                                  \
        const int64_t *indptr = net->indptr + g * SPMM_ROWS;                               \
        for (int r = 0; r < SPMM_ROWS; r++) {                                              \
            VEC row = acc[r];                                                              \
            for (int64_t e = indptr[r] + common; e < indptr[r + 1]; e++, indices++, data++) \
                row = P##_add_pd(row, P##_mul_pd(P##_set1_pd(*data),                       \
                                                 P##_loadu_pd(X + W * (size_t)*indices)));  \
            P##_storeu_pd(Y + W * r, row);                                                 \
        }                                                                                  \
    }

SLAB_GROUP_BY_ROW(4, __m256d, _mm256)
SLAB_GROUP_BY_ROW(8, __m512d, _mm512)

/* The group kernel of a stride that has one, else NULL. */
typedef void (*slab_kernel)(const hs_network *, const hs_row_slabs *, const double *, size_t,
                            double *);
static slab_kernel slab_kernel_for(size_t stride)
{
    return stride == 2 ? slab_group_2 : stride == 4 ? slab_group_4 : stride == 8 ? slab_group_8
                                                                                 : NULL;
}
#endif

void hs_network_spmm_rows_slabs(const hs_network *net, const hs_row_slabs *slabs,
                                const double *X, size_t stride, size_t row_begin,
                                size_t row_end, double *Y)
{
    size_t i = row_begin;
#ifdef __AVX512F__
    slab_kernel kernel = slab_kernel_for(stride);
    if (slabs->start && kernel && row_begin % SPMM_ROWS == 0)
        for (; row_end - i >= SPMM_ROWS && i / SPMM_ROWS < slabs->groups; i += SPMM_ROWS)
            kernel(net, slabs, X, i / SPMM_ROWS, Y + (i - row_begin) * stride);
#else
    (void)slabs;
#endif
    hs_network_spmm_rows(net, X, stride, i, row_end, Y + (i - row_begin) * stride);
}
