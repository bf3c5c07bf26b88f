/* readout.h - ridge readout from accumulated statistics (SPEC 1.6, 1.7).
 *
 * One hs_readout holds, for one network (one column of a unit), the running
 * statistics of its features X (rows = samples, n_features columns) and of
 * the task targets Y (rows = samples, n_tasks columns) on three segments:
 * train, validation and test. Chunks of rows are added in time order; each
 * segment's statistics are merged with the pairwise (Chan) update, so no
 * state is stored. hs_readout_solve() then fits ridge weights on train for
 * every lambda of the grid from one eigendecomposition (DSYEVD) of the
 * centred train Gram matrix, picks each task's lambda on validation, and
 * scores test. Validation and test are centred at the train means.
 */
#ifndef HETSWEEP_READOUT_H
#define HETSWEEP_READOUT_H

#include <stddef.h>
#include <stdint.h>

#include "hetsweep/error.h"

enum hs_segment { HS_SEG_TRAIN = 0, HS_SEG_VALIDATION = 1, HS_SEG_TEST = 2, HS_N_SEGMENTS = 3 };

typedef struct hs_readout hs_readout;

hs_readout *hs_readout_new(size_t n_features, size_t n_tasks);
/* The same, with statistics of the validation segment only where
 * `validation` is nonzero (hs_plan_has_validation: a job with a fixed lambda
 * saves an n x n Gram matrix and n x n_tasks cross products a column). Without them
 * rows must never be added to that segment, and a solve needs a fixed
 * lambda (else it fails with HS_NO_VALUE). */
hs_readout *hs_readout_new_for(size_t n_features, size_t n_tasks, int validation);
void hs_readout_free(hs_readout *readout);

/* readout.precision mixed: from now on each chunk's cross products X^T Y are
 * computed in float32 (SGEMM of the centred chunk, where the targets carry a
 * float32 copy), summed in float32 over four chunks and then merged in
 * float64; the Gram matrix and the solve stay float64. */
void hs_readout_set_mixed(hs_readout *readout);
/* Allocate the work buffers of hs_readout_add_targets for chunks of up to
 * `rows` rows now (after hs_readout_set_mixed), so that adding them never
 * allocates. */
void hs_readout_reserve(hs_readout *readout, size_t rows);

/* The targets of one chunk, centred at their own means, with their means
 * and sums of squares: computed once per chunk and shared by every column
 * (network) of a unit. */
typedef struct {
    size_t rows, n_tasks, capacity_rows;
    double *centred; /* [rows x n_tasks] */
    float *centred_f; /* the same in float32, for readout.precision mixed; or NULL */
    double *mean;    /* [n_tasks] */
    double *yy;      /* [n_tasks] */
} hs_chunk_targets;

void hs_targets_init(hs_chunk_targets *targets, size_t capacity_rows, size_t n_tasks);
void hs_targets_free(hs_chunk_targets *targets);
/* Keep a float32 copy of the centred targets too (readout.precision mixed). */
void hs_targets_use_float(hs_chunk_targets *targets);
/* Y is rows x n_tasks row-major, rows <= capacity_rows. */
void hs_targets_set(hs_chunk_targets *targets, const double *Y, size_t rows);

/* Add targets->rows samples of one segment: X is rows x n_features
 * row-major, and is left centred at its own column means (no copy is
 * made). The same arithmetic as hs_readout_add with the targets' Y. */
void hs_readout_add_targets(hs_readout *readout, int segment, double *X,
                            const hs_chunk_targets *targets);

/* Add `rows` samples of one segment: X is rows x n_features, Y is rows x
 * n_tasks, both row-major. X and Y are not modified. */
void hs_readout_add(hs_readout *readout, int segment, const double *X, const double *Y,
                    size_t rows);

/* Number of samples accumulated so far in a segment. */
size_t hs_readout_rows(const hs_readout *readout, int segment);

typedef struct {
    const double *lambdas; /* relative grid: lambda_abs = lambda * trace(G) / N */
    int n_lambdas;
    int fixed; /* 1: selection fixed (one lambda, validation not needed) */
} hs_readout_options;

typedef struct {
    double *score;         /* [n_tasks] test R^2 = 1 - SSE/SST (may be negative) */
    double *alignment;     /* [n_tasks] ||X^T y||^2 / (||G||_F ||y||^2) on train */
    int8_t *lambda_index;  /* [n_tasks] chosen grid index */
    double dimensionality; /* participation ratio of the eigenvalues of G */
} hs_readout_result;

/* Solve all tasks (after adding the Chan mean-shift terms still queued:
 * readout.c). The result arrays are caller-allocated (n_tasks each).
 * Returns HS_OK, or HS_NO_VALUE if the statistics are not finite (then every score is
 * NaN, lambda_index -1 and dimensionality NaN). Negative eigenvalues from
 * rounding are clamped at 0. Validation R^2 that is NaN counts as -inf; ties
 * go to the larger lambda. */
int hs_readout_solve(hs_readout *readout, const hs_readout_options *options,
                     hs_readout_result *result);

/* The solve's work space for n_features x n_tasks (about 2n^2 + 5nt +
 * 2n^2 doubles: hs_plan_solve_bytes), to be reused column after column by one
 * thread: hs_readout_solve allocates one a call, and fresh pages cost a
 * fault each. A solver left by another solve gives the same bits. */
typedef struct hs_readout_solver hs_readout_solver;
hs_readout_solver *hs_readout_solver_new(size_t n_features, size_t n_tasks);
void hs_readout_solver_free(hs_readout_solver *solver);

/* hs_readout_solve in the work space of solver (made for this readout's
 * n_features and n_tasks; another size gives HS_NO_VALUE). */
int hs_readout_solve_with(hs_readout *readout, const hs_readout_options *options,
                          hs_readout_result *result, hs_readout_solver *solver);

#endif
