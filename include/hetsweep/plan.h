/* plan.h - the sweep grid: units, columns, work items and their estimates
 * (SPEC 2).
 *
 * A unit is one (model, n, seed): one W, one Win, one noise realisation. Its
 * columns are the combinations of (profile, heterogeneity, tau_mean_ms,
 * input_gain, recurrent_gain, noise), which advance together. A work item is
 * (unit, a contiguous batch of columns). Items are ordered by estimated cost,
 * largest first, ties by unit then column, so the order is a pure function of
 * the job.
 *
 * cv = 0 is one network for every profile (every time constant is tau_mean,
 * and nothing else a column computes depends on the profile): a column at
 * heterogeneity 0 of profile index p > 0 copies the column of profile index 0
 * with the same other indices (its source). Copies are in no work item; the
 * item that computes a source records its copies too. Not with network.source:
 * file, whose stored time constants are read per profile.
 */
#ifndef HETSWEEP_PLAN_H
#define HETSWEEP_PLAN_H

#include <stddef.h>
#include <stdint.h>

#include "hetsweep/config.h"

#define HS_UNIT_AXES 3   /* model, n, seed */
#define HS_COLUMN_AXES 6 /* profile, heterogeneity, tau_mean, input_gain, recurrent_gain, noise */
#define HS_MAX_BATCH 16  /* columns per work item at most */
#define HS_CHUNK_ROWS 250 /* samples per time chunk: fixed, so results never depend on it */
/* readout.c: Chan's mean-shift terms are added this many chunks at a time
 * (fixed: the sums' rounding depends on it) */
#define HS_SHIFT_ROWS 32

typedef struct {
    int unit;
    int first_column;
    int n_columns;
    double flops; /* estimated */
} hs_work_item;

typedef struct {
    int n_units;
    int n_columns; /* per unit */
    size_t n_tasks;
    size_t n_samples;
    int n_lambdas;
    int batch;     /* columns per item (the last item of a unit may have fewer) */
    int n_items;
    hs_work_item *items; /* cost order, largest first */
    double bytes_per_rank;  /* estimated peak RSS: shared inputs and one item of the largest
                               unit, with hs_plan_threads(job) threads */
    double shared_bytes;    /* of those, what every rank holds whatever it computes */
    double largest_n;       /* the largest network size of the sweep */
    double total_flops;    /* of the columns computed (copies cost nothing) */
    int *source;           /* per column: the column it copies, or -1 (computed) */
    int n_copies;          /* columns per unit that copy another */
    int profile_stride;    /* columns between two profiles of the same other indices */
} hs_plan;

/* Build the plan. memory_budget_bytes bounds the batch width; if even one
 * column of the largest unit does not fit, the plan is still built and
 * hs_plan_fits() says no. */
void hs_plan_make(hs_plan *plan, const hs_job *job, size_t n_tasks, size_t n_samples);
void hs_plan_free(hs_plan *plan);

/* No idle rank: where the plan has fewer work items than workers, cut the
 * columns into narrower items so that every worker gets one. Results never
 * depend on the width (each column's arithmetic is its own), so this may
 * follow the rank count; not with --part, whose share must stay stable. */
void hs_plan_spread(hs_plan *plan, const hs_job *job, int workers);

/* Remove the columns marked in done ([n_units * n_columns]) from the items,
 * splitting an item into its runs of columns still to do; the cost order is
 * kept. A copy not done whose source is (a cube of a run without sharing)
 * becomes a work item of its own. Returns the number of networks left
 * (copies recorded with their source included). */
long long hs_plan_drop_done(hs_plan *plan, const unsigned char *done);
int hs_plan_fits(const hs_plan *plan, const hs_job *job);

/* --part K/M (job arrays): keep only the items whose position in the full
 * cost order (largest first, ties by unit then column; never the
 * HETSWEEP_ITEM_ORDER test order) is congruent to index mod count. Called
 * on the plan of hs_plan_make, before hs_plan_drop_done, so a part is the
 * same on every resume. Each column of the sweep falls in exactly one part
 * for a given batch width. */
void hs_plan_keep_part(hs_plan *plan, int index, int count);

/* Whether columns at cv = 0 share one computation across profiles: not with
 * network.source: file, nor under the test hook HETSWEEP_NO_SHARE=1. */
int hs_plan_shares(const hs_job *job);

/* The columns that copy `column` (none unless it is a source), at most one
 * per profile, written to copies; returns their count. */
int hs_plan_copies_of(const hs_plan *plan, int column, int *copies);

/* Networks of the whole sweep, and those that copy another. */
long long hs_plan_networks(const hs_plan *plan);
long long hs_plan_networks_copied(const hs_plan *plan);

/* The sweep's grid: the length of each of the HS_N_AXES axes. A network's
 * index is its position in row-major order over them: its offset in
 * /results/status and every other per-network dataset. Units are numbered
 * row-major over (model, n, seed), columns over the six column axes (in
 * HS_COLUMN_AXES order). The one copy of this arithmetic: the cube writer,
 * resume, merge and status all use it. */
typedef struct {
    uint64_t dims[HS_N_AXES];
} hs_grid;

hs_grid hs_grid_of_job(const hs_job *job);
/* Networks in the grid: the product of the axis lengths. */
uint64_t hs_grid_networks(const hs_grid *grid);
/* The index of a position, and its inverse. */
uint64_t hs_grid_index(const hs_grid *grid, const uint64_t pos[HS_N_AXES]);
void hs_grid_position(const hs_grid *grid, uint64_t index, uint64_t pos[HS_N_AXES]);
/* The position and the index of (unit, column). */
void hs_grid_place(const hs_grid *grid, int unit, int column, uint64_t pos[HS_N_AXES]);
uint64_t hs_grid_network(const hs_grid *grid, int unit, int column);
/* The unit a position belongs to; the (model, n, seed) indices of a unit. */
int hs_grid_unit(const hs_grid *grid, const uint64_t pos[HS_N_AXES]);
void hs_grid_unit_axes(const hs_grid *grid, int unit, int idx[HS_UNIT_AXES]);

/* Axis indices of a unit: idx[0] model, idx[1] n, idx[2] seed. */
void hs_plan_unit_axes(const hs_job *job, int unit, int idx[HS_UNIT_AXES]);
/* Axis indices of a column: profile, heterogeneity, tau_mean, input_gain,
 * recurrent_gain, noise. */
void hs_plan_column_axes(const hs_job *job, int column, int idx[HS_COLUMN_AXES]);
/* The cube position [HS_N_AXES] of (unit, column). */
void hs_plan_position(const hs_job *job, int unit, int column, uint64_t pos[HS_N_AXES]);
/* Unit index of (model, n, seed) axis indices. */
int hs_plan_unit_index(const hs_job *job, int model_i, int n_i, int seed_i);

/* Estimated FLOPs of one column of a unit of n neurons. */
double hs_plan_column_flops(const hs_job *job, double n, size_t n_tasks, size_t n_samples);

/* Memory estimates, in bytes: every term is an array the code fills, named
 * with the file that holds it (plan.c), plus the libraries' own, measured.
 * Arithmetic only: nothing is allocated, so a huge job is refused in
 * microseconds. bench/rss.sh compares them with the peak RSS of real runs.
 *
 * One column of a unit of n neurons, held while its item runs: the
 * readout's statistics and chunk buffers, the model's state, the results. */
double hs_plan_column_bytes(const hs_job *job, double n, size_t n_tasks);
/* Whether a column's readout keeps statistics of a validation segment: only
 * where a lambda is selected on validation (readout.selection: validation,
 * which needs time.validation_ms > 0). With a fixed lambda the validation
 * window is simulated but not read out. */
int hs_plan_has_validation(const hs_job *job);
/* The solver's work space of one column (held only while it is solved: one
 * per solving thread of the rank, not one per column). */
double hs_plan_solve_bytes(double n, size_t n_tasks);
/* A unit's network, input vectors and chunk targets, whatever its width. */
double hs_plan_unit_bytes(const hs_job *job, double n, size_t n_tasks);
/* Bytes a rank holds whatever it computes: the libraries' own, the stimulus
 * (T samples), rank 0's similarity matrix, and the plan's and progress's
 * arrays over every network. (At set-up rank 0 also holds the test window's
 * targets for a moment, before any unit: validate.c checks that peak too.) */
double hs_plan_shared_bytes(const hs_job *job, size_t n_tasks, size_t n_samples);
/* The peak of a rank computing items of `batch` columns of n neurons with
 * `threads` OpenMP threads: shared, unit and columns, then the solves (or
 * lif.target_rate_hz's calibration, before them, if larger). */
double hs_plan_rank_bytes(const hs_job *job, double n, size_t n_tasks, size_t n_samples,
                          int batch, int threads);
/* The OpenMP threads of a rank: run.threads_per_rank where the job gives it,
 * else OMP_NUM_THREADS where set, else 1 (as `run` starts them). */
int hs_plan_threads(const hs_job *job);

/* The tail of the hand-out: simulate it with the estimated costs (each item,
 * in cost order, to the worker free first); while the workers would stand idle
 * at the end for more than HS_TAIL_IDLE_SHARE of their time and the item that
 * ends it has two or more columns, split that item into halves. Results never
 * depend on how columns are grouped into items, so this only moves work. At
 * most HS_TAIL_MAX_SPLITS_PER_WORKER splits per worker. Returns the number of
 * splits. */
#define HS_TAIL_IDLE_SHARE 0.05
#define HS_TAIL_MAX_SPLITS_PER_WORKER 4
int hs_plan_split_tail(hs_plan *plan, int workers);

#endif
