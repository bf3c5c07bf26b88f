/* readout.c - ridge readout from accumulated statistics (SPEC 1.6, 1.7).
 *
 * Accumulation: every segment keeps its row count, feature and target means,
 * the centred Gram matrix G = Xc^T Xc (upper triangle, row-major), the centred
 * cross products C = Xc^T Yc and the centred per-task sums of squares yy. A
 * chunk is centred at its own means, in place, and merged with
 * the pairwise (Chan) update: DSYRK / DGEMM with beta = 1 add the chunk's
 * Gram and cross products straight into the segment's (one rounding per
 * element, as the chunk's own sums added after). The mean-shift terms
 * weight d_x d_x^T and weight d_x d_y^T wait as rows sqrt(weight) d of a
 * small matrix and are added SHIFT_ROWS at a time by one DSYRK and one DGEMM
 * (a DSYR and a DGER per chunk each made a pass over the whole Gram matrix
 * and cross products for one row's worth of arithmetic), and before the
 * segment changes and the solve. With readout.precision mixed, the
 * cross products of the chunk's float32 copy go through SGEMM into a float32
 * sum that is added in float64 every MIXED_CHUNKS chunks (and before the
 * segment changes and the solve). Every BLAS call works on our own 64-byte
 * aligned buffers in a fixed order, so the result depends only on the data
 * and the chunk boundaries.
 *
 * Solve: one DSYEVD of the train G gives G = V diag(l) V^T. With P = V^T C,
 * the ridge weights of a task t and lambda are b = V diag(1/(l + lambda)) P[:,t]
 * and the error of b on a segment centred at the train means is
 * SSE = b^T G' b - 2 b^T C'[:,t] + yy'[t]. On validation, where every
 * lambda reuses them, it is evaluated in the eigenbasis with M = V^T G' V
 * and Q = V^T C'; on test, with one lambda per task, from b itself (G' b,
 * no n^3 product). Each task takes the lambda with the best validation R^2
 * and is scored on test with that lambda.
 */
#include "hetsweep/readout.h"

#include "hetsweep/error.h"
#include "hetsweep/plan.h"

#include <cblas.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* LAPACK symmetric eigensolver (divide and conquer), Fortran interface. */
extern void dsyevd_(const char *jobz, const char *uplo, const int *n, double *a, const int *lda,
                    double *w, double *work, const int *lwork, int *iwork, const int *liwork,
                    int *info);

typedef struct {
    size_t rows;
    double *mean_x; /* [n_features] */
    double *mean_y; /* [n_tasks] */
    double *gram;   /* [n_features x n_features], upper triangle valid */
    double *cross;  /* [n_features x n_tasks] */
    double *yy;     /* [n_tasks] */
} segment_stats;

struct hs_readout {
    size_t n_features;
    size_t n_tasks;
    segment_stats segment[HS_N_SEGMENTS];
    size_t capacity_rows; /* rows chunk_xf holds */
    double *chunk_x;     /* hs_readout_add's copy of its chunk (the targets' capacity) */
    int mixed;           /* readout.precision: mixed */
    float *chunk_xf;     /* mixed: the centred chunk in float32 */
    float *cross_f;      /* mixed: [n_features x n_tasks], MIXED_CHUNKS chunks' sum */
    size_t float_chunks; /* mixed: chunks summed in cross_f, not yet added */
    hs_chunk_targets targets; /* hs_readout_add's own targets (empty until used) */
    segment_stats chunk; /* the chunk's own moments (no Gram, no cross products) */
    double *delta_x;     /* [n_features] */
    double *delta_y;     /* [n_tasks] */
    /* The segment whose sums wait for the queued terms below (-1: none):
     * Chan's mean-shift rows sqrt(weight) d and, with mixed, cross_f. */
    int pending_segment;
    size_t shift_count;
    double *shift_x;     /* [SHIFT_ROWS x n_features] */
    double *shift_y;     /* [SHIFT_ROWS x n_tasks] */
    /* Rows came for a segment whose statistics this readout does not keep
     * (hs_readout_new_for): its solve then fails rather than ignore them. */
    int rows_lost;
};

/* Mean-shift rows added at a time (plan.h, which counts their memory): fixed,
 * since the sums' rounding depends on it (numerics.h). */
#define SHIFT_ROWS HS_SHIFT_ROWS

/* readout.precision mixed: chunks whose float32 cross products are summed
 * in float32 (one chunk of 1000 rows, in effect) before they are added in
 * float64. Fixed, like SHIFT_ROWS. */
#define MIXED_CHUNKS 4

/* ---- accumulation ---------------------------------------------------- */

static void stats_init(segment_stats *s, size_t n_features, size_t n_tasks)
{
    s->rows = 0;
    s->mean_x = hs_alloc_doubles(n_features);
    s->mean_y = hs_alloc_doubles(n_tasks);
    s->gram = hs_alloc_doubles(n_features * n_features);
    s->cross = hs_alloc_doubles(n_features * n_tasks);
    s->yy = hs_alloc_doubles(n_tasks);
}

/* The chunk's own statistics: its moments only (its Gram matrix and cross
 * products go straight into the segment's: add_chunk_products). */
static void moments_init(segment_stats *s, size_t n_features, size_t n_tasks)
{
    s->rows = 0;
    s->mean_x = hs_alloc_doubles(n_features);
    s->mean_y = hs_alloc_doubles(n_tasks);
    s->gram = s->cross = NULL;
    s->yy = hs_alloc_doubles(n_tasks);
}

/* A segment hs_readout_new_for left out has no arrays at all. */
static int holds_statistics(const segment_stats *s)
{
    return s->gram != NULL;
}

static void stats_free(segment_stats *s)
{
    free(s->mean_x);
    free(s->mean_y);
    free(s->gram);
    free(s->cross);
    free(s->yy);
}

hs_readout *hs_readout_new(size_t n_features, size_t n_tasks)
{
    return hs_readout_new_for(n_features, n_tasks, 1);
}

hs_readout *hs_readout_new_for(size_t n_features, size_t n_tasks, int validation)
{
    hs_readout *r = hs_xcalloc(1, sizeof *r); /* a segment left out stays all NULL */
    r->n_features = n_features;
    r->n_tasks = n_tasks;
    for (int s = 0; s < HS_N_SEGMENTS; s++)
        if (s != HS_SEG_VALIDATION || validation)
            stats_init(&r->segment[s], n_features, n_tasks);
    moments_init(&r->chunk, n_features, n_tasks);
    r->delta_x = hs_alloc_doubles(n_features);
    r->delta_y = hs_alloc_doubles(n_tasks);
    r->pending_segment = -1;
    r->shift_x = hs_alloc_doubles(SHIFT_ROWS * n_features);
    r->shift_y = hs_alloc_doubles(SHIFT_ROWS * n_tasks);
    return r;
}

void hs_readout_free(hs_readout *readout)
{
    if (!readout)
        return;
    for (int s = 0; s < HS_N_SEGMENTS; s++)
        stats_free(&readout->segment[s]);
    stats_free(&readout->chunk);
    free(readout->chunk_x);
    free(readout->chunk_xf);
    free(readout->cross_f);
    hs_targets_free(&readout->targets);
    free(readout->delta_x);
    free(readout->delta_y);
    free(readout->shift_x);
    free(readout->shift_y);
    free(readout);
}

size_t hs_readout_rows(const hs_readout *readout, int segment)
{
    if (segment < 0 || segment >= HS_N_SEGMENTS)
        return 0;
    return readout->segment[segment].rows;
}

void hs_readout_reserve(hs_readout *r, size_t rows)
{
    if (rows <= r->capacity_rows)
        return;
    if (r->mixed) {
        free(r->chunk_xf);
        r->chunk_xf = hs_xmalloc(rows * r->n_features * sizeof(float));
    }
    r->capacity_rows = rows;
}

/* Column means of a row-major rows x cols matrix, summed in row order. */
static void column_means(const double *A, size_t rows, size_t cols, double *mean)
{
    memset(mean, 0, cols * sizeof *mean);
    for (size_t i = 0; i < rows; i++) {
        const double *row = A + i * cols;
        for (size_t j = 0; j < cols; j++)
            mean[j] += row[j];
    }
    for (size_t j = 0; j < cols; j++)
        mean[j] /= (double)rows;
}

/* A row-major rows x cols matrix less its column means, in place. */
static void centre_rows_in_place(double *A, size_t rows, size_t cols, const double *mean)
{
    for (size_t i = 0; i < rows; i++)
        for (size_t j = 0; j < cols; j++)
            A[i * cols + j] -= mean[j];
}

/* The same, and the centred values in float32 into F too. */
static void centre_rows_in_place_and_float(double *A, size_t rows, size_t cols,
                                           const double *mean, float *F)
{
    for (size_t i = 0; i < rows; i++)
        for (size_t j = 0; j < cols; j++) {
            A[i * cols + j] -= mean[j];
            F[i * cols + j] = (float)A[i * cols + j];
        }
}

void hs_targets_init(hs_chunk_targets *t, size_t capacity_rows, size_t n_tasks)
{
    t->rows = 0;
    t->n_tasks = n_tasks;
    t->capacity_rows = capacity_rows;
    t->centred = hs_alloc_doubles(capacity_rows * n_tasks);
    t->mean = hs_alloc_doubles(n_tasks);
    t->yy = hs_alloc_doubles(n_tasks);
}

void hs_targets_use_float(hs_chunk_targets *t)
{
    if (!t->centred_f)
        t->centred_f = hs_xmalloc(t->capacity_rows * t->n_tasks * sizeof(float));
}

void hs_readout_set_mixed(hs_readout *r)
{
    r->mixed = 1;
    r->capacity_rows = 0; /* the next chunk allocates chunk_xf */
    if (!r->cross_f) /* zero: SGEMM adds each chunk to it (beta = 1) */
        r->cross_f = hs_xcalloc(r->n_features * r->n_tasks + 1, sizeof(float));
}

void hs_targets_free(hs_chunk_targets *t)
{
    free(t->centred_f);
    free(t->centred);
    free(t->mean);
    free(t->yy);
}

void hs_targets_set(hs_chunk_targets *t, const double *Y, size_t rows)
{
    size_t n_tasks = t->n_tasks;
    t->rows = rows;
    column_means(Y, rows, n_tasks, t->mean);
    memset(t->yy, 0, n_tasks * sizeof *t->yy);
    /* centred, squared and summed (and copied in float32) in one pass */
    for (size_t i = 0; i < rows; i++) {
        const double *y = Y + i * n_tasks;
        double *c = t->centred + i * n_tasks;
        for (size_t k = 0; k < n_tasks; k++) {
            c[k] = y[k] - t->mean[k];
            t->yy[k] += c[k] * c[k];
        }
        if (t->centred_f)
            for (size_t k = 0; k < n_tasks; k++)
                t->centred_f[i * n_tasks + k] = (float)c[k];
    }
}

/* readout.precision mixed: cross_f, the float32 sum of the last chunks'
 * cross products, added in float64 to segment s's and zeroed in one pass. */
static void add_float_cross(hs_readout *r, int s)
{
    size_t count = r->n_features * r->n_tasks;
    double *cross = r->segment[s].cross;
    float *sum = r->cross_f;
    for (size_t e = 0; e < count; e++) {
        cross[e] += (double)sum[e];
        sum[e] = 0.0f;
    }
    r->float_chunks = 0;
}

/* readout.precision mixed: C = Xc^T Yc of the chunk in float32 (chunk_xf),
 * summed in cross_f; every MIXED_CHUNKS chunks added to segment s's in
 * float64. */
static void add_cross_mixed(hs_readout *r, int s, const hs_chunk_targets *y)
{
    size_t n = r->n_features, t = r->n_tasks, rows = y->rows;
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (blasint)n, (blasint)t, (blasint)rows,
                1.0f, r->chunk_xf, (blasint)n, y->centred_f, (blasint)t, 1.0f, r->cross_f,
                (blasint)t);
    if (++r->float_chunks == MIXED_CHUNKS)
        add_float_cross(r, s);
}

/* The chunk's means, sums of squares and rows into r->chunk, and X centred
 * at its own means, in place (and in float32 into chunk_xf, with mixed). */
static void chunk_moments(hs_readout *r, double *X, const hs_chunk_targets *y)
{
    size_t n = r->n_features, t = r->n_tasks, rows = y->rows;
    segment_stats *c = &r->chunk;
    c->rows = rows;
    column_means(X, rows, n, c->mean_x);
    if (r->mixed)
        centre_rows_in_place_and_float(X, rows, n, c->mean_x, r->chunk_xf);
    else
        centre_rows_in_place(X, rows, n, c->mean_x);
    memcpy(c->mean_y, y->mean, t * sizeof *c->mean_y);
    memcpy(c->yy, y->yy, t * sizeof *c->yy);
}

/* The centred chunk Xc's Gram matrix and cross products added to segment
 * s's (beta = 1: OpenBLAS neither zeroes a chunk matrix nor makes a
 * pass to add it; each element is a's plus the chunk's whole sum, rounded
 * once, as when the chunk's sums were formed apart and added, while a
 * chunk's rows fit one K block of OpenBLAS, HS_CHUNK_ROWS = 250 <= its
 * GEMM_Q). */
static void add_chunk_products(hs_readout *r, int s, const double *Xc,
                               const hs_chunk_targets *y)
{
    size_t n = r->n_features, t = r->n_tasks, rows = y->rows;
    segment_stats *a = &r->segment[s];
    if (n > 0)
        cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, (blasint)n, (blasint)rows, 1.0, Xc,
                    (blasint)n, 1.0, a->gram, (blasint)n);
    if (n > 0 && t > 0 && r->mixed && y->centred_f)
        add_cross_mixed(r, s, y);
    else if (n > 0 && t > 0)
        cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (blasint)n, (blasint)t,
                    (blasint)rows, 1.0, Xc, (blasint)n, y->centred, (blasint)t, 1.0, a->cross,
                    (blasint)t);
}

/* The waiting mean-shift rows added to segment s's Gram matrix and cross
 * products: G += S_x^T S_x, C += S_x^T S_y. */
static void add_shifts(hs_readout *r, int s)
{
    size_t n = r->n_features, t = r->n_tasks, k = r->shift_count;
    if (k > 0 && n > 0) {
        segment_stats *a = &r->segment[s];
        cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, (blasint)n, (blasint)k, 1.0,
                    r->shift_x, (blasint)n, 1.0, a->gram, (blasint)n);
        if (t > 0)
            cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (blasint)n, (blasint)t,
                        (blasint)k, 1.0, r->shift_x, (blasint)n, r->shift_y, (blasint)t, 1.0,
                        a->cross, (blasint)t);
    }
    r->shift_count = 0;
}

/* Every term queued for the pending segment added to its sums (before
 * another segment's chunk, and before the solve). */
static void add_pending(hs_readout *r)
{
    if (r->pending_segment < 0)
        return;
    add_shifts(r, r->pending_segment);
    if (r->float_chunks > 0)
        add_float_cross(r, r->pending_segment);
    r->pending_segment = -1;
}

/* Queue segment s's mean-shift terms weight d_x d_x^T and weight d_x d_y^T
 * (r->delta_x, r->delta_y) as the row sqrt(weight) d. */
static void queue_shift(hs_readout *r, int s, double weight)
{
    size_t n = r->n_features, t = r->n_tasks;
    if (weight == 0)
        return;
    if (r->shift_count == SHIFT_ROWS)
        add_shifts(r, s);
    double root = sqrt(weight);
    double *x = r->shift_x + r->shift_count * n, *y = r->shift_y + r->shift_count * t;
    for (size_t j = 0; j < n; j++)
        x[j] = root * r->delta_x[j];
    for (size_t k = 0; k < t; k++)
        y[k] = root * r->delta_y[k];
    r->shift_count++;
}

/* Chan's pairwise merge of the chunk b into segment s, whose Gram matrix and
 * cross products already hold b's (add_chunk_products): the mean-shift terms
 * (queued), the sums of squares, the means and the row count. */
static void merge_stats(hs_readout *r, int s, const segment_stats *b)
{
    segment_stats *a = &r->segment[s];
    size_t n = r->n_features, t = r->n_tasks;
    double n_a = (double)a->rows, n_b = (double)b->rows, n_ab = n_a + n_b;
    double weight = n_a * n_b / n_ab, step = n_b / n_ab;
    for (size_t j = 0; j < n; j++)
        r->delta_x[j] = b->mean_x[j] - a->mean_x[j];
    for (size_t k = 0; k < t; k++)
        r->delta_y[k] = b->mean_y[k] - a->mean_y[k];
    queue_shift(r, s, weight);
    for (size_t k = 0; k < t; k++)
        a->yy[k] += b->yy[k] + weight * r->delta_y[k] * r->delta_y[k];
    for (size_t j = 0; j < n; j++)
        a->mean_x[j] += step * r->delta_x[j];
    for (size_t k = 0; k < t; k++)
        a->mean_y[k] += step * r->delta_y[k];
    a->rows += b->rows;
}

void hs_readout_add_targets(hs_readout *readout, int segment, double *X,
                            const hs_chunk_targets *targets)
{
    if (targets->rows == 0 || segment < 0 || segment >= HS_N_SEGMENTS)
        return;
    if (!holds_statistics(&readout->segment[segment])) {
        readout->rows_lost = 1;
        return;
    }
    hs_readout_reserve(readout, targets->rows);
    if (readout->pending_segment != segment)
        add_pending(readout);
    readout->pending_segment = segment;
    chunk_moments(readout, X, targets);
    add_chunk_products(readout, segment, X, targets);
    merge_stats(readout, segment, &readout->chunk);
}

void hs_readout_add(hs_readout *readout, int segment, const double *X, const double *Y,
                    size_t rows)
{
    if (rows == 0 || segment < 0 || segment >= HS_N_SEGMENTS)
        return;
    if (readout->targets.capacity_rows < rows) {
        hs_targets_free(&readout->targets);
        hs_targets_init(&readout->targets, rows, readout->n_tasks);
        free(readout->chunk_x);
        readout->chunk_x = hs_alloc_doubles(rows * readout->n_features);
    }
    if (readout->mixed)
        hs_targets_use_float(&readout->targets);
    hs_targets_set(&readout->targets, Y, rows);
    memcpy(readout->chunk_x, X, rows * readout->n_features * sizeof *X);
    hs_readout_add_targets(readout, segment, readout->chunk_x, &readout->targets);
}

/* ---- solve: helpers ---------------------------------------------------- */

static int all_finite(const double *a, size_t count)
{
    for (size_t i = 0; i < count; i++)
        if (!isfinite(a[i]))
            return 0;
    return 1;
}

static int stats_finite(const segment_stats *s, size_t n, size_t t)
{
    if (!holds_statistics(s))
        return 1;
    /* Only the upper triangle of gram is meaningful. */
    for (size_t i = 0; i < n; i++)
        if (!all_finite(s->gram + i * n + i, n - i))
            return 0;
    return all_finite(s->mean_x, n) && all_finite(s->mean_y, t) && all_finite(s->cross, n * t) &&
           all_finite(s->yy, t);
}

static int options_valid(const hs_readout_options *o)
{
    if (!o || !o->lambdas || o->n_lambdas < 1 || o->n_lambdas > INT8_MAX)
        return 0;
    for (int k = 0; k < o->n_lambdas; k++)
        if (!isfinite(o->lambdas[k]) || o->lambdas[k] < 0)
            return 0;
    return 1;
}

static void fail_result(hs_readout_result *result, size_t n_tasks)
{
    for (size_t k = 0; k < n_tasks; k++) {
        result->score[k] = NAN;
        result->alignment[k] = NAN;
        result->lambda_index[k] = -1;
    }
    result->dimensionality = NAN;
}

/* Full symmetric copy of an upper-triangle row-major matrix. */
static void symmetric_copy(const double *upper, size_t n, double *full)
{
    for (size_t i = 0; i < n; i++) {
        full[i * n + i] = upper[i * n + i];
        for (size_t j = i + 1; j < n; j++)
            full[i * n + j] = full[j * n + i] = upper[i * n + j];
    }
}

/* LAPACK's work space for dsyevd on n x n (its size query). */
static void eigen_work_size(size_t n, int *lwork, int *liwork)
{
    int dim = (int)n, query = -1, info = 0, iwork_query = 0;
    double work_query = 0, a = 0, w = 0;
    *lwork = *liwork = 1;
    if (n == 0)
        return;
    dsyevd_("V", "L", &dim, &a, &dim, &w, &work_query, &query, &iwork_query, &query, &info);
    if (info == 0) {
        *lwork = (int)work_query;
        *liwork = iwork_query;
    }
}

/* Eigendecomposition of the full symmetric A (n x n, overwritten by V^T in
 * row-major: row i is the eigenvector of eigenvalue w[i]), in the work space
 * of eigen_work_size. Returns LAPACK info. */
static int eigen_decompose(double *A, size_t n, double *w, double *work, int lwork, int *iwork,
                           int liwork)
{
    int dim = (int)n, info = 0;
    /* Row-major upper triangle = column-major lower triangle. */
    dsyevd_("V", "L", &dim, A, &dim, w, work, &lwork, iwork, &liwork, &info);
    return info;
}

/* Statistics of segment s re-centred at the train means: the full G' and C'
 * and yy' (into gram, cross, yy). */
static void centre_at_train(const hs_readout *r, const segment_stats *s, double *gram,
                            double *cross, double *yy, double *dx, double *dy)
{
    size_t n = r->n_features, t = r->n_tasks;
    const segment_stats *tr = &r->segment[HS_SEG_TRAIN];
    double rows = (double)s->rows;
    for (size_t j = 0; j < n; j++)
        dx[j] = s->mean_x[j] - tr->mean_x[j];
    for (size_t k = 0; k < t; k++)
        dy[k] = s->mean_y[k] - tr->mean_y[k];
    memcpy(gram, s->gram, n * n * sizeof *gram);
    memcpy(cross, s->cross, n * t * sizeof *cross);
    if (n > 0) {
        cblas_dsyr(CblasRowMajor, CblasUpper, (blasint)n, rows, dx, 1, gram, (blasint)n);
        if (t > 0)
            cblas_dger(CblasRowMajor, (blasint)n, (blasint)t, rows, dx, 1, dy, 1, cross,
                       (blasint)t);
    }
    for (size_t k = 0; k < t; k++)
        yy[k] = s->yy[k] + rows * dy[k] * dy[k];
}

/* ---- solve: the eigenbasis ---------------------------------------------- */

/* The solve's work space (hs_readout_solver): a thread solving column after
 * column reuses it, so its pages are touched once, not once a column. Every
 * array is written before it is read (test_readout solves with a solver left
 * dirty by another readout). */
struct hs_readout_solver {
    size_t n, t;
    double *vt;     /* [n x n] V^T, row i = eigenvector i */
    double *eig;    /* [n] clamped eigenvalues */
    double *p;      /* [n x t] V^T C_train */
    double *m;      /* [n x n] V^T G' V of the segment being scored */
    double *q;      /* [n x t] V^T C' of the segment being scored */
    double *yy;     /* [t] yy' of the segment being scored */
    double *pl;     /* [n x t] scaled P */
    double *mpl;    /* [n x t] M P_l */
    double *work;   /* [n x max(n, t)] */
    double *dx, *dy;
    double *eigen_work; /* dsyevd's */
    int *eigen_iwork;
    int eigen_lwork, eigen_liwork;
};
typedef struct hs_readout_solver solver;

hs_readout_solver *hs_readout_solver_new(size_t n, size_t t)
{
    solver *s = hs_xcalloc(1, sizeof *s);
    size_t wide = n > t ? n : t;
    s->n = n;
    s->t = t;
    s->vt = hs_alloc_doubles(n * n);
    s->eig = hs_alloc_doubles(n);
    s->p = hs_alloc_doubles(n * t);
    s->m = hs_alloc_doubles(n * n);
    s->q = hs_alloc_doubles(n * t);
    s->yy = hs_alloc_doubles(t);
    s->pl = hs_alloc_doubles(n * t);
    s->mpl = hs_alloc_doubles(n * t);
    s->work = hs_alloc_doubles(n * wide);
    s->dx = hs_alloc_doubles(n);
    s->dy = hs_alloc_doubles(t);
    eigen_work_size(n, &s->eigen_lwork, &s->eigen_liwork);
    s->eigen_work = hs_alloc_doubles((size_t)s->eigen_lwork);
    s->eigen_iwork = hs_xmalloc((size_t)s->eigen_liwork * sizeof *s->eigen_iwork);
    return s;
}

void hs_readout_solver_free(hs_readout_solver *s)
{
    if (!s)
        return;
    free(s->vt);
    free(s->eig);
    free(s->p);
    free(s->m);
    free(s->q);
    free(s->yy);
    free(s->pl);
    free(s->mpl);
    free(s->work);
    free(s->dx);
    free(s->dy);
    free(s->eigen_work);
    free(s->eigen_iwork);
    free(s);
}

/* Project segment seg (re-centred at train) into the eigenbasis: m, q, yy. */
static void solver_project(solver *s, const hs_readout *r, int seg)
{
    blasint n = (blasint)s->n, t = (blasint)s->t;
    double *cross = s->pl; /* pl and mpl are free here */
    centre_at_train(r, &r->segment[seg], s->m, cross, s->yy, s->dx, s->dy);
    if (n == 0)
        return;
    /* work = V^T G' (G' upper triangle in s->m), then M = work V. */
    cblas_dsymm(CblasRowMajor, CblasRight, CblasUpper, n, n, 1.0, s->m, n, s->vt, n, 0.0,
                s->work, n);
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, n, n, 1.0, s->work, n, s->vt, n,
                0.0, s->m, n);
    if (t > 0)
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, t, n, 1.0, s->vt, n, cross, t,
                    0.0, s->q, t);
}

static double inverse_or_zero(double x)
{
    return x == 0 ? 0.0 : 1.0 / x;
}

/* pl = P with column k scaled by 1/(eig + lambda_abs[k]) row-wise. */
static void scale_p(solver *s, const double *lambda_abs)
{
    for (size_t i = 0; i < s->n; i++)
        for (size_t k = 0; k < s->t; k++)
            s->pl[i * s->t + k] = s->p[i * s->t + k] * inverse_or_zero(s->eig[i] + lambda_abs[k]);
}

/* sse[k] = b^T (G b) - 2 c^T b + yy[k] for every task k, from the n x t
 * matrices b (weights), gb (G times them) and c (cross products), summed
 * over the rows in order. */
static void sse_from_products(size_t n, size_t t, const double *b, const double *gb,
                              const double *c, const double *yy, double *sse)
{
    for (size_t k = 0; k < t; k++)
        sse[k] = 0;
    for (size_t i = 0; i < n; i++) {
        const double *bi = b + i * t, *gbi = gb + i * t, *ci = c + i * t;
        for (size_t k = 0; k < t; k++)
            sse[k] += bi[k] * gbi[k] - 2.0 * ci[k] * bi[k];
    }
    for (size_t k = 0; k < t; k++)
        sse[k] += yy[k];
}

/* sse[k] = pl^T M pl - 2 q^T pl + yy' for every task k (in the eigenbasis). */
static void segment_sse(solver *s, double *sse)
{
    size_t n = s->n, t = s->t;
    if (n > 0 && t > 0)
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (blasint)n, (blasint)t,
                    (blasint)n, 1.0, s->m, (blasint)n, s->pl, (blasint)t, 0.0, s->mpl,
                    (blasint)t);
    sse_from_products(n, t, s->pl, s->mpl, s->q, s->yy, sse);
}

static double r_squared(double sse, double sst)
{
    return 1.0 - sse / sst;
}

/* ---- solve: the measures -------------------------------------------- */

static double trace_upper(const double *gram, size_t n)
{
    double trace = 0;
    for (size_t i = 0; i < n; i++)
        trace += gram[i * n + i];
    return trace;
}

static double frobenius_upper(const double *gram, size_t n)
{
    double sum = 0;
    for (size_t i = 0; i < n; i++) {
        sum += gram[i * n + i] * gram[i * n + i];
        for (size_t j = i + 1; j < n; j++)
            sum += 2.0 * gram[i * n + j] * gram[i * n + j];
    }
    return sqrt(sum);
}

static double participation_ratio(const double *eig, size_t n)
{
    double sum = 0, sum_sq = 0;
    for (size_t i = 0; i < n; i++) {
        sum += eig[i];
        sum_sq += eig[i] * eig[i];
    }
    return sum_sq > 0 ? sum * sum / sum_sq : NAN;
}

static void alignments(const segment_stats *train, size_t n, size_t t, double *alignment)
{
    double norm_g = frobenius_upper(train->gram, n);
    for (size_t k = 0; k < t; k++) {
        double c2 = 0;
        for (size_t i = 0; i < n; i++)
            c2 += train->cross[i * t + k] * train->cross[i * t + k];
        double denominator = norm_g * train->yy[k];
        alignment[k] = denominator != 0 ? c2 / denominator : NAN;
    }
}

/* ---- solve: lambda selection and test ------------------------------------ */

/* Pick each task's lambda on validation: best R^2, NaN as -inf, ties to the
 * larger lambda. */
static void select_lambdas(solver *s, const hs_readout *r, const hs_readout_options *o,
                           double scale, hs_readout_result *result)
{
    size_t t = s->t;
    const double *sst = r->segment[HS_SEG_VALIDATION].yy;
    double *best = hs_alloc_doubles(t), *sse = hs_alloc_doubles(t);
    double *lambda_abs = hs_alloc_doubles(t);
    for (size_t k = 0; k < t; k++) {
        best[k] = -INFINITY;
        result->lambda_index[k] = -1;
    }
    solver_project(s, r, HS_SEG_VALIDATION);
    for (int l = 0; l < o->n_lambdas; l++) {
        for (size_t k = 0; k < t; k++)
            lambda_abs[k] = o->lambdas[l] * scale;
        scale_p(s, lambda_abs);
        segment_sse(s, sse);
        for (size_t k = 0; k < t; k++) {
            double r2 = r_squared(sse[k], sst[k]);
            if (isnan(r2))
                r2 = -INFINITY;
            int chosen = result->lambda_index[k];
            if (chosen < 0 || r2 > best[k] ||
                (r2 == best[k] && o->lambdas[l] > o->lambdas[chosen])) {
                best[k] = r2;
                result->lambda_index[k] = (int8_t)l;
            }
        }
    }
    free(best);
    free(sse);
    free(lambda_abs);
}

/* The test errors of one weight vector per task, in the original basis:
 * b = V pl (the ridge weights), then G' b and C' of the test segment
 * re-centred at the train means. Two n x n x t products, where projecting
 * G' into the eigenbasis (solver_project) would take two n^3 products and
 * two n x n x t: the test has one lambda per task, so nothing is reused. */
static void test_sse(solver *s, const hs_readout *r, double *sse)
{
    blasint n = (blasint)s->n, t = (blasint)s->t;
    double *gram = s->m, *cross = s->q, *weights = s->mpl, *g_weights = s->work;
    centre_at_train(r, &r->segment[HS_SEG_TEST], gram, cross, s->yy, s->dx, s->dy);
    if (n > 0 && t > 0) {
        cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, n, t, n, 1.0, s->vt, n, s->pl, t,
                    0.0, weights, t);
        cblas_dsymm(CblasRowMajor, CblasLeft, CblasUpper, n, t, 1.0, gram, n, weights, t, 0.0,
                    g_weights, t);
    }
    sse_from_products(s->n, s->t, weights, g_weights, cross, s->yy, sse);
}

static void score_test(solver *s, const hs_readout *r, const hs_readout_options *o, double scale,
                       hs_readout_result *result)
{
    size_t t = s->t;
    const double *sst = r->segment[HS_SEG_TEST].yy;
    double *sse = hs_alloc_doubles(t), *lambda_abs = hs_alloc_doubles(t);
    for (size_t k = 0; k < t; k++)
        lambda_abs[k] = o->lambdas[result->lambda_index[k]] * scale;
    scale_p(s, lambda_abs);
    test_sse(s, r, sse);
    for (size_t k = 0; k < t; k++)
        result->score[k] = r_squared(sse[k], sst[k]);
    free(sse);
    free(lambda_abs);
}

/* Eigendecomposition of the train G and P = V^T C_train. Returns HS_OK, or
 * HS_NO_VALUE if it failed or is not finite. */
static int solver_train(solver *s, const segment_stats *train)
{
    blasint n = (blasint)s->n, t = (blasint)s->t;
    if (s->n == 0)
        return HS_OK;
    symmetric_copy(train->gram, s->n, s->vt);
    if (eigen_decompose(s->vt, s->n, s->eig, s->eigen_work, s->eigen_lwork, s->eigen_iwork,
                        s->eigen_liwork) != 0 ||
        !all_finite(s->eig, s->n))
        return HS_NO_VALUE;
    for (size_t i = 0; i < s->n; i++)
        if (s->eig[i] < 0)
            s->eig[i] = 0;
    if (t > 0)
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, t, n, 1.0, s->vt, n,
                    train->cross, t, 0.0, s->p, t);
    return HS_OK;
}

int hs_readout_solve_with(hs_readout *readout, const hs_readout_options *options,
                          hs_readout_result *result, hs_readout_solver *sv)
{
    add_pending(readout);
    size_t n = readout->n_features, t = readout->n_tasks;
    const segment_stats *train = &readout->segment[HS_SEG_TRAIN];
    int ok = options_valid(options) && n <= INT_MAX && t <= INT_MAX && sv->n == n && sv->t == t &&
             !readout->rows_lost &&
             (options->fixed || holds_statistics(&readout->segment[HS_SEG_VALIDATION]));
    for (int s = 0; ok && s < HS_N_SEGMENTS; s++)
        ok = stats_finite(&readout->segment[s], n, t);
    if (ok)
        ok = solver_train(sv, train) == HS_OK;
    if (ok) {
        double scale = n > 0 ? trace_upper(train->gram, n) / (double)n : 0.0;
        if (options->fixed)
            memset(result->lambda_index, 0, t * sizeof *result->lambda_index);
        else
            select_lambdas(sv, readout, options, scale, result);
        score_test(sv, readout, options, scale, result);
        alignments(train, n, t, result->alignment);
        result->dimensionality = participation_ratio(sv->eig, n);
    }
    if (!ok) {
        fail_result(result, t);
        return HS_NO_VALUE;
    }
    return HS_OK;
}

int hs_readout_solve(hs_readout *readout, const hs_readout_options *options,
                     hs_readout_result *result)
{
    hs_readout_solver *sv = hs_readout_solver_new(readout->n_features, readout->n_tasks);
    int status = hs_readout_solve_with(readout, options, result, sv);
    hs_readout_solver_free(sv);
    return status;
}
