/* test_readout.c - unit tests of the ridge readout (SPEC 1.6, 1.7).
 *
 * Every statistic the readout derives from accumulated moments is checked
 * against a direct computation on stored rows: ridge weights from a Cholesky
 * solve of (Xc^T Xc + lambda I) b = Xc^T yc on the train rows centred at the
 * train means, predictions on validation and test, R^2 = 1 - SSE/SST.
 */
#include "hetsweep/readout.h"

#include "check_runner.h"
#include "hetsweep/error.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- deterministic test data ------------------------------------------- */

typedef struct {
    uint64_t state;
} prng;

static uint64_t prng_next(prng *g)
{
    g->state ^= g->state >> 12;
    g->state ^= g->state << 25;
    g->state ^= g->state >> 27;
    return g->state * 2685821657736338717ull;
}

static double prng_uniform(prng *g) /* in (0, 1) */
{
    return ((double)(prng_next(g) >> 11) + 0.5) / 9007199254740992.0;
}

static double prng_normal(prng *g)
{
    double u1 = prng_uniform(g), u2 = prng_uniform(g);
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

typedef struct {
    size_t n, t;
    size_t rows[HS_N_SEGMENTS];
    double *x[HS_N_SEGMENTS]; /* rows x n */
    double *y[HS_N_SEGMENTS]; /* rows x t */
} dataset;

static void dataset_alloc(dataset *d, size_t n, size_t t, const size_t rows[HS_N_SEGMENTS])
{
    d->n = n;
    d->t = t;
    for (int s = 0; s < HS_N_SEGMENTS; s++) {
        d->rows[s] = rows[s];
        d->x[s] = hs_alloc_doubles(rows[s] * n);
        d->y[s] = hs_alloc_doubles(rows[s] * t);
    }
}

static void dataset_free(dataset *d)
{
    for (int s = 0; s < HS_N_SEGMENTS; s++) {
        free(d->x[s]);
        free(d->y[s]);
    }
}

/* Features: correlated Gaussians with non-zero means. Targets: a linear map
 * of the features plus a bias plus noise of standard deviation noise[k]
 * (noise NULL: exact). */
static void make_linear(dataset *d, size_t n, size_t t, const size_t rows[HS_N_SEGMENTS],
                        const double *noise, uint64_t seed)
{
    prng g = {seed * 0x9E3779B97F4A7C15ull + 1};
    double *weights = hs_alloc_doubles(n * t), *bias = hs_alloc_doubles(t);
    double *offset = hs_alloc_doubles(n), *mix = hs_alloc_doubles(n);
    for (size_t i = 0; i < n * t; i++)
        weights[i] = prng_normal(&g);
    for (size_t k = 0; k < t; k++)
        bias[k] = 3.0 * prng_normal(&g);
    for (size_t j = 0; j < n; j++) {
        offset[j] = 2.0 * prng_normal(&g);
        mix[j] = 0.5 * prng_normal(&g);
    }
    dataset_alloc(d, n, t, rows);
    for (int s = 0; s < HS_N_SEGMENTS; s++) {
        for (size_t r = 0; r < rows[s]; r++) {
            double *x = d->x[s] + r * n, *y = d->y[s] + r * t, common = prng_normal(&g);
            for (size_t j = 0; j < n; j++)
                x[j] = offset[j] + prng_normal(&g) + mix[j] * common;
            for (size_t k = 0; k < t; k++) {
                y[k] = bias[k] + (noise ? noise[k] * prng_normal(&g) : 0.0);
                for (size_t j = 0; j < n; j++)
                    y[k] += x[j] * weights[j * t + k];
            }
        }
    }
    free(weights);
    free(bias);
    free(offset);
    free(mix);
}

/* Feed the dataset in chunks whose sizes cycle through pattern; with
 * interleave the segments take turns chunk by chunk. */
static void feed_into(hs_readout *r, const dataset *d, const size_t *pattern, size_t pattern_len,
                      int interleave)
{
    size_t pos[HS_N_SEGMENTS] = {0}, turn[HS_N_SEGMENTS] = {0, 1, 2};
    int busy = 1;
    while (busy) {
        busy = 0;
        for (int s = 0; s < HS_N_SEGMENTS; s++) {
            while (pos[s] < d->rows[s]) {
                size_t c = pattern[turn[s]++ % pattern_len];
                if (c > d->rows[s] - pos[s])
                    c = d->rows[s] - pos[s];
                hs_readout_add(r, s, d->x[s] + pos[s] * d->n, d->y[s] + pos[s] * d->t, c);
                pos[s] += c;
                busy = 1;
                if (interleave)
                    break;
            }
        }
    }
    for (int s = 0; s < HS_N_SEGMENTS; s++)
        ck_assert_uint_eq(hs_readout_rows(r, s), d->rows[s]);
}

static hs_readout *feed_with(const dataset *d, const size_t *pattern, size_t pattern_len,
                             int interleave, int mixed)
{
    hs_readout *r = hs_readout_new(d->n, d->t);
    if (mixed)
        hs_readout_set_mixed(r);
    feed_into(r, d, pattern, pattern_len, interleave);
    return r;
}

static hs_readout *feed(const dataset *d, const size_t *pattern, size_t pattern_len,
                        int interleave)
{
    return feed_with(d, pattern, pattern_len, interleave, 0);
}

typedef struct {
    hs_readout_result res;
    size_t t;
} result_buf;

static void result_alloc(result_buf *b, size_t t)
{
    b->t = t;
    b->res.score = hs_alloc_doubles(t);
    b->res.alignment = hs_alloc_doubles(t);
    b->res.lambda_index = hs_xcalloc(t ? t : 1, 1);
    b->res.dimensionality = 0;
}

static void result_free(result_buf *b)
{
    free(b->res.score);
    free(b->res.alignment);
    free(b->res.lambda_index);
}

static int solve(hs_readout *r, const double *lambdas, int n_lambdas, int fixed,
                 result_buf *b)
{
    hs_readout_options o = {lambdas, n_lambdas, fixed};
    return hs_readout_solve(r, &o, &b->res);
}

/* ---- direct computation from stored rows -------------------------------- */

/* Cholesky factorisation of the n x n SPD matrix a in place (lower). */
static void cholesky(double *a, size_t n)
{
    for (size_t j = 0; j < n; j++) {
        double diag = a[j * n + j];
        for (size_t k = 0; k < j; k++)
            diag -= a[j * n + k] * a[j * n + k];
        ck_assert_msg(diag > 0, "direct solve: matrix not positive definite");
        a[j * n + j] = sqrt(diag);
        for (size_t i = j + 1; i < n; i++) {
            double v = a[i * n + j];
            for (size_t k = 0; k < j; k++)
                v -= a[i * n + k] * a[j * n + k];
            a[i * n + j] = v / a[j * n + j];
        }
    }
}

static void cholesky_solve(const double *l, size_t n, double *b)
{
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < i; k++)
            b[i] -= l[i * n + k] * b[k];
        b[i] /= l[i * n + i];
    }
    for (size_t i = n; i-- > 0;) {
        for (size_t k = i + 1; k < n; k++)
            b[i] -= l[k * n + i] * b[k];
        b[i] /= l[i * n + i];
    }
}

static void column_means(const double *a, size_t rows, size_t cols, double *mean)
{
    for (size_t j = 0; j < cols; j++) {
        mean[j] = 0;
        for (size_t r = 0; r < rows; r++)
            mean[j] += a[r * cols + j];
        mean[j] /= (double)rows;
    }
}

typedef struct {
    double *beta;      /* n x t */
    double *intercept; /* t */
} direct_fit;

/* Ridge fit of every task on the train rows for one relative lambda. */
static void direct_fit_all(const dataset *d, double lambda_rel, direct_fit *f)
{
    size_t n = d->n, t = d->t, rows = d->rows[HS_SEG_TRAIN];
    const double *x = d->x[HS_SEG_TRAIN], *y = d->y[HS_SEG_TRAIN];
    double *mx = hs_alloc_doubles(n), *my = hs_alloc_doubles(t);
    double *a = hs_alloc_doubles(n * n), *rhs = hs_alloc_doubles(n);
    column_means(x, rows, n, mx);
    column_means(y, rows, t, my);
    for (size_t r = 0; r < rows; r++)
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < n; j++)
                a[i * n + j] += (x[r * n + i] - mx[i]) * (x[r * n + j] - mx[j]);
    double trace = 0;
    for (size_t i = 0; i < n; i++)
        trace += a[i * n + i];
    for (size_t i = 0; i < n; i++)
        a[i * n + i] += lambda_rel * trace / (double)n;
    cholesky(a, n);
    f->beta = hs_alloc_doubles(n * t);
    f->intercept = hs_alloc_doubles(t);
    for (size_t k = 0; k < t; k++) {
        for (size_t i = 0; i < n; i++) {
            rhs[i] = 0;
            for (size_t r = 0; r < rows; r++)
                rhs[i] += (x[r * n + i] - mx[i]) * (y[r * t + k] - my[k]);
        }
        cholesky_solve(a, n, rhs);
        f->intercept[k] = my[k];
        for (size_t i = 0; i < n; i++) {
            f->beta[i * t + k] = rhs[i];
            f->intercept[k] -= mx[i] * rhs[i];
        }
    }
    free(mx);
    free(my);
    free(a);
    free(rhs);
}

static void direct_fit_free(direct_fit *f)
{
    free(f->beta);
    free(f->intercept);
}

/* R^2 of task k on a segment from stored rows, SST about the segment mean. */
static double direct_r2(const dataset *d, int seg, const direct_fit *f, size_t k)
{
    size_t n = d->n, t = d->t, rows = d->rows[seg];
    double mean = 0, sse = 0, sst = 0;
    for (size_t r = 0; r < rows; r++)
        mean += d->y[seg][r * t + k];
    mean /= (double)rows;
    for (size_t r = 0; r < rows; r++) {
        double pred = f->intercept[k], y = d->y[seg][r * t + k];
        for (size_t i = 0; i < n; i++)
            pred += d->x[seg][r * n + i] * f->beta[i * t + k];
        sse += (pred - y) * (pred - y);
        sst += (y - mean) * (y - mean);
    }
    return 1.0 - sse / sst;
}

/* The grid choice by the SPEC rule from given validation R^2 values. */
static int direct_pick(const double *r2, const double *lambdas, int n_lambdas)
{
    int chosen = -1;
    double best = -INFINITY;
    for (int l = 0; l < n_lambdas; l++) {
        double v = isnan(r2[l]) ? -INFINITY : r2[l];
        if (chosen < 0 || v > best || (v == best && lambdas[l] > lambdas[chosen])) {
            best = v;
            chosen = l;
        }
    }
    return chosen;
}

/* ---- 1. exact linear targets --------------------------------------------- */

START_TEST(test_exact_linear)
{
    static const size_t sizes[] = {5, 20, 60};
    static const size_t pattern[] = {7, 1, 13, 2, 31, 5};
    static const double lambdas[] = {1e-12, 1e-10, 1e-8};
    size_t n = sizes[_i], t = 4;
    size_t rows[HS_N_SEGMENTS] = {4 * n + 37, 2 * n + 11, 2 * n + 19};
    dataset d;
    make_linear(&d, n, t, rows, NULL, 100 + n);
    hs_readout *r = feed(&d, pattern, 6, 1);
    result_buf b;
    result_alloc(&b, t);
    ck_assert_int_eq(solve(r, lambdas, 3, 0, &b), 0);
    for (size_t k = 0; k < t; k++)
        ck_assert_msg(fabs(b.res.score[k] - 1.0) < 1e-9, "N=%zu task %zu: R^2 = %.17g", n, k,
                      b.res.score[k]);
    ck_assert(isfinite(b.res.dimensionality) && b.res.dimensionality >= 1.0);
    result_free(&b);
    hs_readout_free(r);
    dataset_free(&d);
}
END_TEST

/* ---- 2. accumulated R^2 equals direct R^2 -------------------------------- */

static const double noise7[7] = {0.0, 0.1, 0.5, 1.0, 3.0, 10.0, 100.0};
static const double grid[] = {1e-6, 1e-3, 1e-1, 1.0, 10.0};

START_TEST(test_matches_direct)
{
    static const size_t sizes[] = {3, 17, 50};
    static const size_t pattern[] = {11, 3, 29};
    size_t n = sizes[_i], t = 7;
    size_t rows[HS_N_SEGMENTS] = {3 * n + 40, n + 25, n + 30};
    dataset d;
    make_linear(&d, n, t, rows, noise7, 200 + n);
    hs_readout *r = feed(&d, pattern, 3, 0);
    result_buf fixed, selected;
    result_alloc(&fixed, t);
    result_alloc(&selected, t);
    ck_assert_int_eq(solve(r, grid, 5, 0, &selected), 0);
    for (int l = 0; l < 5; l++) {
        direct_fit f;
        direct_fit_all(&d, grid[l], &f);
        ck_assert_int_eq(solve(r, &grid[l], 1, 1, &fixed), 0);
        for (size_t k = 0; k < t; k++) {
            double direct = direct_r2(&d, HS_SEG_TEST, &f, k);
            ck_assert_int_eq(fixed.res.lambda_index[k], 0);
            ck_assert_msg(fabs(fixed.res.score[k] - direct) < 1e-9,
                          "N=%zu lambda %g task %zu: %.17g vs direct %.17g", n, grid[l], k,
                          fixed.res.score[k], direct);
            if (selected.res.lambda_index[k] == l)
                ck_assert_msg(fabs(selected.res.score[k] - direct) < 1e-9,
                              "N=%zu task %zu chosen lambda: %.17g vs direct %.17g", n, k,
                              selected.res.score[k], direct);
        }
        direct_fit_free(&f);
    }
    result_free(&fixed);
    result_free(&selected);
    hs_readout_free(r);
    dataset_free(&d);
}
END_TEST

/* ---- 3. lambda selection --------------------------------------------------- */

START_TEST(test_selection_matches_direct)
{
    static const size_t sizes[] = {3, 17, 50};
    static const size_t pattern[] = {64};
    /* Not ascending, on purpose. */
    static const double lambdas[] = {1.0, 1e-6, 30.0, 1e-2, 1e-4, 0.3, 3.0};
    enum { n_lambdas = 7 };
    size_t n = sizes[_i], t = 7;
    /* Few train rows so that the best lambda moves along the grid. */
    size_t rows[HS_N_SEGMENTS] = {n + 12, 2 * n + 30, n + 20};
    dataset d;
    make_linear(&d, n, t, rows, noise7, 300 + n);
    hs_readout *r = feed(&d, pattern, 1, 0);
    result_buf b;
    result_alloc(&b, t);
    ck_assert_int_eq(solve(r, lambdas, n_lambdas, 0, &b), 0);
    double r2[7][n_lambdas];
    for (int l = 0; l < n_lambdas; l++) {
        direct_fit f;
        direct_fit_all(&d, lambdas[l], &f);
        for (size_t k = 0; k < t; k++)
            r2[k][l] = direct_r2(&d, HS_SEG_VALIDATION, &f, k);
        direct_fit_free(&f);
    }
    for (size_t k = 0; k < t; k++) {
        int want = direct_pick(r2[k], lambdas, n_lambdas), got = b.res.lambda_index[k];
        ck_assert_msg(got >= 0 && got < n_lambdas, "task %zu: index %d", k, got);
        /* Equal unless the two are a rounding-level near tie. */
        ck_assert_msg(got == want || fabs(r2[k][got] - r2[k][want]) < 1e-12,
                      "N=%zu task %zu: picked %d (R^2 %.17g), direct picks %d (R^2 %.17g)", n,
                      k, got, r2[k][got], want, r2[k][want]);
    }
    result_free(&b);
    hs_readout_free(r);
    dataset_free(&d);
}
END_TEST

/* Exact ties: a zero target (every validation R^2 is 0/0 = NaN) and a target
 * constant on validation (every R^2 is -inf) both take the largest lambda. */
START_TEST(test_selection_ties)
{
    static const double lambdas[] = {1.0, 100.0, 1e-2, 10.0};
    static const size_t pattern[] = {9};
    size_t n = 6, t = 3, rows[HS_N_SEGMENTS] = {50, 40, 40};
    dataset d;
    make_linear(&d, n, t, rows, noise7, 7);
    for (int s = 0; s < HS_N_SEGMENTS; s++)
        for (size_t r = 0; r < rows[s]; r++) {
            d.y[s][r * t + 0] = 0.0;
            if (s == HS_SEG_VALIDATION)
                d.y[s][r * t + 1] = 4.25;
        }
    hs_readout *r = feed(&d, pattern, 1, 0);
    result_buf b;
    result_alloc(&b, t);
    ck_assert_int_eq(solve(r, lambdas, 4, 0, &b), 0);
    ck_assert_int_eq(b.res.lambda_index[0], 1);
    ck_assert_int_eq(b.res.lambda_index[1], 1);
    ck_assert(isnan(b.res.score[0])); /* 0/0 on test too */
    ck_assert(isfinite(b.res.score[1]) && isfinite(b.res.score[2]));
    ck_assert(isnan(b.res.alignment[0]));
    result_free(&b);
    hs_readout_free(r);
    dataset_free(&d);
}
END_TEST

/* ---- 4. chunking invariance and determinism --------------------------------- */

static void assert_close(const result_buf *a, const result_buf *b, double tol)
{
    for (size_t k = 0; k < a->t; k++) {
        ck_assert_int_eq(a->res.lambda_index[k], b->res.lambda_index[k]);
        ck_assert_msg(fabs(a->res.score[k] - b->res.score[k]) <= tol, "score %zu: %.17g vs %.17g",
                      k, a->res.score[k], b->res.score[k]);
        ck_assert_msg(fabs(a->res.alignment[k] - b->res.alignment[k]) <= tol,
                      "alignment %zu: %.17g vs %.17g", k, a->res.alignment[k],
                      b->res.alignment[k]);
    }
    ck_assert_msg(fabs(a->res.dimensionality - b->res.dimensionality) <=
                      tol * fmax(1.0, a->res.dimensionality),
                  "dimensionality %.17g vs %.17g", a->res.dimensionality, b->res.dimensionality);
}

START_TEST(test_chunking_invariance)
{
    static const size_t one[] = {1}, all[] = {100000}, odd[] = {17, 2, 40, 1, 9};
    static const double lambdas[] = {1e-8, 1e-6, 1e-4, 1e-2, 1.0, 100.0};
    size_t n = 23, t = 7, rows[HS_N_SEGMENTS] = {301, 117, 140};
    dataset d;
    make_linear(&d, n, t, rows, noise7, 4);
    /* rf: rows one at a time, each segment's in a run: hundreds of Chan
     * mean-shift rows queued, added HS_SHIFT_ROWS at a time (rb's segments
     * take turns, so its queue is emptied at every change of segment). */
    hs_readout *ra = feed(&d, all, 1, 0), *rb = feed(&d, one, 1, 1), *rc = feed(&d, odd, 5, 1),
               *rd = feed(&d, odd, 5, 1), *rf = feed(&d, one, 1, 0);
    result_buf a, b, c, e, f;
    result_alloc(&a, t);
    result_alloc(&b, t);
    result_alloc(&c, t);
    result_alloc(&e, t);
    result_alloc(&f, t);
    ck_assert_int_eq(solve(ra, lambdas, 6, 0, &a), 0);
    ck_assert_int_eq(solve(rb, lambdas, 6, 0, &b), 0);
    ck_assert_int_eq(solve(rc, lambdas, 6, 0, &c), 0);
    ck_assert_int_eq(solve(rd, lambdas, 6, 0, &e), 0);
    ck_assert_int_eq(solve(rf, lambdas, 6, 0, &f), 0);
    assert_close(&a, &b, 1e-12);
    assert_close(&a, &c, 1e-12);
    assert_close(&a, &f, 1e-12);
    /* Same chunk boundaries: bitwise the same. */
    ck_assert(memcmp(c.res.score, e.res.score, t * sizeof(double)) == 0);
    ck_assert(memcmp(c.res.alignment, e.res.alignment, t * sizeof(double)) == 0);
    ck_assert(memcmp(&c.res.dimensionality, &e.res.dimensionality, sizeof(double)) == 0);
    result_free(&a);
    result_free(&b);
    result_free(&c);
    result_free(&e);
    result_free(&f);
    hs_readout_free(ra);
    hs_readout_free(rb);
    hs_readout_free(rc);
    hs_readout_free(rd);
    hs_readout_free(rf);
    dataset_free(&d);
}
END_TEST

/* readout.precision mixed: the cross products in float32 move the scores a
 * little (not bitwise the float64 ones, so the float32 path ran) and no more
 * than float32 rounding of well-conditioned data allows. */
START_TEST(test_mixed_precision_close_to_float64)
{
    static const size_t pattern[] = {50};
    static const double lambdas[] = {1e-6, 1e-3};
    size_t n = 30, t = 7, rows[HS_N_SEGMENTS] = {400, 150, 150};
    dataset d;
    make_linear(&d, n, t, rows, noise7, 11);
    hs_readout *exact = feed_with(&d, pattern, 1, 0, 0), *mixed = feed_with(&d, pattern, 1, 0, 1);
    result_buf a, b;
    result_alloc(&a, t);
    result_alloc(&b, t);
    ck_assert_int_eq(solve(exact, lambdas, 2, 0, &a), 0);
    ck_assert_int_eq(solve(mixed, lambdas, 2, 0, &b), 0);
    double largest = 0;
    for (size_t k = 0; k < t; k++)
        largest = fmax(largest, fabs(a.res.score[k] - b.res.score[k]));
    ck_assert_msg(largest > 0 && largest < 1e-4, "largest |R^2 difference| %g", largest);
    ck_assert(a.res.dimensionality == b.res.dimensionality); /* the Gram matrix stays float64 */
    result_free(&a);
    result_free(&b);
    hs_readout_free(exact);
    hs_readout_free(mixed);
    dataset_free(&d);
}
END_TEST

/* ---- 5. alignment and participation ratio on known matrices ------------------ */

/* Sylvester Hadamard entry of order 8: columns 1..7 are centred and orthogonal. */
static double hadamard(size_t row, size_t col)
{
    return __builtin_popcount((unsigned)(row & col)) % 2 ? -1.0 : 1.0;
}

START_TEST(test_known_measures)
{
    static const double lambdas[] = {1e-12};
    static const size_t pattern[] = {3};
    size_t n = 3, t = 4, rows[HS_N_SEGMENTS] = {8, 8, 8};
    dataset d;
    dataset_alloc(&d, n, t, rows);
    for (int s = 0; s < HS_N_SEGMENTS; s++)
        for (size_t r = 0; r < 8; r++) {
            double *x = d.x[s] + r * n, *y = d.y[s] + r * t;
            /* Scales 1, 2, 3: eigenvalues 8, 32, 72. */
            x[0] = 5.0 + hadamard(r, 1);
            x[1] = -2.0 + 2.0 * hadamard(r, 2);
            x[2] = 7.0 + 3.0 * hadamard(r, 4);
            y[0] = 10.0 + hadamard(r, 1);      /* feature 0 */
            y[1] = 3.0 * hadamard(r, 4);       /* feature 2 */
            y[2] = hadamard(r, 7);             /* orthogonal to every feature */
            y[3] = hadamard(r, 1) + hadamard(r, 7);
        }
    hs_readout *rd = feed(&d, pattern, 1, 0);
    result_buf b;
    result_alloc(&b, t);
    ck_assert_int_eq(solve(rd, lambdas, 1, 0, &b), 0);
    double norm_g = sqrt(8.0 * 8.0 + 32.0 * 32.0 + 72.0 * 72.0);
    double expect[4] = {64.0 / (norm_g * 8.0), 72.0 * 72.0 / (norm_g * 72.0), 0.0,
                        64.0 / (norm_g * 16.0)};
    ck_assert_msg(fabs(b.res.dimensionality - 2.0) < 1e-12, "PR %.17g", b.res.dimensionality);
    for (size_t k = 0; k < t; k++)
        ck_assert_msg(fabs(b.res.alignment[k] - expect[k]) < 1e-12, "alignment %zu: %.17g vs %.17g",
                      k, b.res.alignment[k], expect[k]);
    ck_assert(fabs(b.res.score[0] - 1.0) < 1e-9);
    ck_assert(fabs(b.res.score[1] - 1.0) < 1e-9);
    ck_assert(fabs(b.res.score[2]) < 1e-9); /* predicts the mean */
    ck_assert(fabs(b.res.score[3] - 0.5) < 1e-9);
    result_free(&b);
    hs_readout_free(rd);
    dataset_free(&d);
}
END_TEST

/* All features constant: G = 0, dimensionality NaN, every prediction the
 * train mean. */
START_TEST(test_zero_gram)
{
    static const double lambdas[] = {0.0, 1.0};
    static const size_t pattern[] = {4};
    size_t n = 4, t = 2, rows[HS_N_SEGMENTS] = {10, 10, 10};
    dataset d;
    make_linear(&d, n, t, rows, noise7, 9);
    for (int s = 0; s < HS_N_SEGMENTS; s++)
        for (size_t i = 0; i < rows[s] * n; i++)
            d.x[s][i] = 1.5;
    hs_readout *r = feed(&d, pattern, 1, 0);
    result_buf b;
    result_alloc(&b, t);
    ck_assert_int_eq(solve(r, lambdas, 2, 0, &b), 0);
    ck_assert(isnan(b.res.dimensionality));
    for (size_t k = 0; k < t; k++) {
        ck_assert(isfinite(b.res.score[k]) && b.res.score[k] <= 0.0);
        ck_assert(isnan(b.res.alignment[k]));
    }
    result_free(&b);
    hs_readout_free(r);
    dataset_free(&d);
}
END_TEST

/* ---- 6. singular and non-finite input ------------------------------------------- */

START_TEST(test_singular_gram)
{
    static const double lambdas[] = {0.0, 1e-8, 1e-2, 1.0};
    static const size_t pattern[] = {3, 5};
    size_t n = 30, t = 7, rows[HS_N_SEGMENTS] = {10, 12, 12};
    dataset d;
    make_linear(&d, n, t, rows, noise7, 11);
    for (int s = 0; s < HS_N_SEGMENTS; s++)
        for (size_t r = 0; r < rows[s]; r++)
            for (size_t j = 1; j < n; j += 2)
                d.x[s][r * n + j] = d.x[s][r * n + j - 1];
    hs_readout *r = feed(&d, pattern, 2, 1);
    result_buf b;
    result_alloc(&b, t);
    for (int l = 0; l < 4; l++) {
        ck_assert_int_eq(solve(r, &lambdas[l], 1, 1, &b), 0);
        for (size_t k = 0; k < t; k++)
            ck_assert_msg(isfinite(b.res.score[k]), "lambda %g task %zu: %g", lambdas[l], k,
                          b.res.score[k]);
    }
    ck_assert_int_eq(solve(r, lambdas, 4, 0, &b), 0);
    for (size_t k = 0; k < t; k++) {
        ck_assert(isfinite(b.res.score[k]) && isfinite(b.res.alignment[k]));
        ck_assert(b.res.lambda_index[k] >= 0 && b.res.lambda_index[k] < 4);
    }
    /* At most 9 independent directions: rank(G) <= train rows - 1. */
    ck_assert(isfinite(b.res.dimensionality));
    ck_assert(b.res.dimensionality >= 1.0 && b.res.dimensionality <= 9.0 + 1e-9);
    result_free(&b);
    hs_readout_free(r);
    dataset_free(&d);
}
END_TEST

static void assert_failed(const result_buf *b)
{
    for (size_t k = 0; k < b->t; k++) {
        ck_assert(isnan(b->res.score[k]));
        ck_assert(isnan(b->res.alignment[k]));
        ck_assert_int_eq(b->res.lambda_index[k], -1);
    }
    ck_assert(isnan(b->res.dimensionality));
}

START_TEST(test_non_finite)
{
    static const double lambdas[] = {1e-3, 1.0};
    static const size_t pattern[] = {6};
    size_t n = 5, t = 3, rows[HS_N_SEGMENTS] = {30, 20, 20};
    /* _i: 0 NaN in train X, 1 Inf in validation Y, 2 -Inf in test X. */
    int seg = _i;
    dataset d;
    make_linear(&d, n, t, rows, noise7, 13);
    if (_i == 0)
        d.x[seg][7 * n + 2] = NAN;
    else if (_i == 1)
        d.y[seg][3 * t + 1] = INFINITY;
    else
        d.x[seg][19 * n + 4] = -INFINITY;
    hs_readout *r = feed(&d, pattern, 1, 0);
    result_buf b;
    result_alloc(&b, t);
    ck_assert_int_eq(solve(r, lambdas, 2, 0, &b), -1);
    assert_failed(&b);
    result_free(&b);
    hs_readout_free(r);
    dataset_free(&d);
}
END_TEST

START_TEST(test_bad_options)
{
    static const double lambdas[] = {1e-3, -1.0};
    static const size_t pattern[] = {6};
    size_t n = 5, t = 3, rows[HS_N_SEGMENTS] = {30, 20, 20};
    dataset d;
    make_linear(&d, n, t, rows, noise7, 17);
    hs_readout *r = feed(&d, pattern, 1, 0);
    result_buf b;
    result_alloc(&b, t);
    ck_assert_int_eq(solve(r, lambdas, 0, 0, &b), -1);
    assert_failed(&b);
    ck_assert_int_eq(solve(r, lambdas, 2, 0, &b), -1);
    assert_failed(&b);
    ck_assert_int_eq(solve(r, lambdas, 1, 0, &b), 0);
    result_free(&b);
    hs_readout_free(r);
    dataset_free(&d);
}
END_TEST

/* A solver reused after another readout's solve (its arrays full of that
 * solve's values) gives the bits of a fresh one: every work array is written
 * before it is read. A solver made for another size is refused. */
START_TEST(test_reused_solver_same_bits)
{
    static const double lambdas[] = {1.0, 1e-6, 30.0, 1e-2, 1e-4};
    static const size_t pattern[] = {40};
    size_t n = 23, t = 7, rows[HS_N_SEGMENTS] = {90, 60, 50};
    dataset first, second;
    make_linear(&first, n, t, rows, noise7, 41);
    make_linear(&second, n, t, rows, noise7, 42);
    hs_readout *a = feed(&first, pattern, 1, 0), *b = feed(&second, pattern, 1, 0);
    hs_readout_options o = {lambdas, 5, 0};
    result_buf fresh, reused;
    result_alloc(&fresh, t);
    result_alloc(&reused, t);
    ck_assert_int_eq(hs_readout_solve(b, &o, &fresh.res), 0);
    hs_readout_solver *solver = hs_readout_solver_new(n, t);
    ck_assert_int_eq(hs_readout_solve_with(a, &o, &reused.res, solver), 0);
    ck_assert_int_eq(hs_readout_solve_with(b, &o, &reused.res, solver), 0);
    ck_assert_mem_eq(fresh.res.score, reused.res.score, t * sizeof(double));
    ck_assert_mem_eq(fresh.res.alignment, reused.res.alignment, t * sizeof(double));
    ck_assert_mem_eq(fresh.res.lambda_index, reused.res.lambda_index, t);
    ck_assert_mem_eq(&fresh.res.dimensionality, &reused.res.dimensionality, sizeof(double));
    hs_readout_solver_free(solver);
    solver = hs_readout_solver_new(n + 1, t);
    ck_assert_int_eq(hs_readout_solve_with(b, &o, &reused.res, solver), HS_NO_VALUE);
    assert_failed(&reused);
    hs_readout_solver_free(solver);
    result_free(&fresh);
    result_free(&reused);
    hs_readout_free(a);
    hs_readout_free(b);
    dataset_free(&first);
    dataset_free(&second);
}
END_TEST

/* A readout made without validation statistics (a job with a fixed lambda),
 * fed train and test only, gives the bits of a full one fed all three
 * segments; a solve that selects on validation, or one after validation
 * rows came, fails instead. */
START_TEST(test_without_validation)
{
    static const double lambdas[] = {1e-3, 1e-1};
    static const size_t pattern[] = {40};
    size_t n = 23, t = 7, rows[HS_N_SEGMENTS] = {90, 30, 50};
    dataset d;
    make_linear(&d, n, t, rows, noise7, 43);
    hs_readout *full = feed(&d, pattern, 1, 1);
    hs_readout *lean = hs_readout_new_for(n, t, 0);
    dataset without = d; /* the same rows, its validation left out */
    without.rows[HS_SEG_VALIDATION] = 0;
    feed_into(lean, &without, pattern, 1, 1);
    result_buf a, b;
    result_alloc(&a, t);
    result_alloc(&b, t);
    ck_assert_int_eq(solve(full, lambdas + 1, 1, 1, &a), 0);
    ck_assert_int_eq(solve(lean, lambdas + 1, 1, 1, &b), 0);
    ck_assert_mem_eq(a.res.score, b.res.score, t * sizeof(double));
    ck_assert_mem_eq(a.res.alignment, b.res.alignment, t * sizeof(double));
    ck_assert_mem_eq(a.res.lambda_index, b.res.lambda_index, t);
    ck_assert_mem_eq(&a.res.dimensionality, &b.res.dimensionality, sizeof(double));
    ck_assert_int_eq(solve(lean, lambdas, 2, 0, &b), HS_NO_VALUE);
    assert_failed(&b);
    ck_assert_int_eq(solve(lean, lambdas + 1, 1, 1, &b), 0); /* nothing was spoilt */
    ck_assert_mem_eq(a.res.score, b.res.score, t * sizeof(double));
    hs_readout_add(lean, HS_SEG_VALIDATION, d.x[HS_SEG_TRAIN], d.y[HS_SEG_TRAIN], 5);
    ck_assert_uint_eq(hs_readout_rows(lean, HS_SEG_VALIDATION), 0);
    ck_assert_int_eq(solve(lean, lambdas + 1, 1, 1, &b), HS_NO_VALUE);
    assert_failed(&b);
    result_free(&a);
    result_free(&b);
    hs_readout_free(full);
    hs_readout_free(lean);
    dataset_free(&d);
}
END_TEST

Suite *hs_test_suite(void)
{
    Suite *s = suite_create("readout");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, test_exact_linear, 0, 3);
    tcase_add_loop_test(tc, test_matches_direct, 0, 3);
    tcase_add_loop_test(tc, test_selection_matches_direct, 0, 3);
    tcase_add_test(tc, test_selection_ties);
    tcase_add_test(tc, test_chunking_invariance);
    tcase_add_test(tc, test_mixed_precision_close_to_float64);
    tcase_add_test(tc, test_known_measures);
    tcase_add_test(tc, test_zero_gram);
    tcase_add_test(tc, test_singular_gram);
    tcase_add_loop_test(tc, test_non_finite, 0, 3);
    tcase_add_test(tc, test_bad_options);
    tcase_add_test(tc, test_reused_solver_same_bits);
    tcase_add_test(tc, test_without_validation);
    suite_add_tcase(s, tc);
    return s;
}
