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

enum hs_segment { HS_SEG_TRAIN = 0, HS_SEG_VALIDATION = 1, HS_SEG_TEST = 2, HS_N_SEGMENTS = 3 };

typedef struct hs_readout hs_readout;

hs_readout *hs_readout_new(size_t n_features, size_t n_tasks);
void hs_readout_free(hs_readout *readout);

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

/* Solve all tasks. The result arrays are caller-allocated (n_tasks each).
 * Returns 0, or -1 if the statistics are not finite (then every score is
 * NaN, lambda_index -1 and dimensionality NaN). Negative eigenvalues from
 * rounding are clamped at 0. Validation R^2 that is NaN counts as -inf; ties
 * go to the larger lambda. */
int hs_readout_solve(const hs_readout *readout, const hs_readout_options *options,
                     hs_readout_result *result);

#endif
