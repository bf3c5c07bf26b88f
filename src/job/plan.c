/* plan.c - units, columns, work items, cost and memory estimates. */
#include "hetsweep/plan.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hetsweep/testhooks.h"

static int column_axis_id(int k)
{
    static const int ids[HS_COLUMN_AXES] = {HS_AX_PROFILE,    HS_AX_HETEROGENEITY,
                                            HS_AX_TAU_MEAN,   HS_AX_INPUT_GAIN,
                                            HS_AX_RECURRENT_GAIN, HS_AX_NOISE};
    return ids[k];
}

hs_grid hs_grid_of_job(const hs_job *job)
{
    hs_grid grid;
    for (int a = 0; a < HS_N_AXES; a++)
        grid.dims[a] = (uint64_t)job->axes[a].count;
    return grid;
}

uint64_t hs_grid_networks(const hs_grid *grid)
{
    uint64_t networks = 1;
    for (int a = 0; a < HS_N_AXES; a++)
        networks *= grid->dims[a];
    return networks;
}

uint64_t hs_grid_index(const hs_grid *grid, const uint64_t pos[HS_N_AXES])
{
    uint64_t index = 0;
    for (int a = 0; a < HS_N_AXES; a++)
        index = index * grid->dims[a] + pos[a];
    return index;
}

void hs_grid_position(const hs_grid *grid, uint64_t index, uint64_t pos[HS_N_AXES])
{
    for (int a = HS_N_AXES - 1; a >= 0; a--) {
        pos[a] = index % grid->dims[a];
        index /= grid->dims[a];
    }
}

int hs_grid_unit(const hs_grid *grid, const uint64_t pos[HS_N_AXES])
{
    return (int)((pos[HS_AX_MODEL] * grid->dims[HS_AX_N] + pos[HS_AX_N]) *
                     grid->dims[HS_AX_SEED] +
                 pos[HS_AX_SEED]);
}

void hs_grid_unit_axes(const hs_grid *grid, int unit, int idx[HS_UNIT_AXES])
{
    int n_seed = (int)grid->dims[HS_AX_SEED], n_n = (int)grid->dims[HS_AX_N];
    idx[2] = unit % n_seed;
    idx[1] = (unit / n_seed) % n_n;
    idx[0] = unit / (n_seed * n_n);
}

void hs_grid_place(const hs_grid *grid, int unit, int column, uint64_t pos[HS_N_AXES])
{
    int u[HS_UNIT_AXES];
    hs_grid_unit_axes(grid, unit, u);
    pos[HS_AX_MODEL] = (uint64_t)u[0];
    pos[HS_AX_N] = (uint64_t)u[1];
    pos[HS_AX_SEED] = (uint64_t)u[2];
    for (int k = HS_COLUMN_AXES - 1; k >= 0; k--) {
        uint64_t count = grid->dims[column_axis_id(k)];
        pos[column_axis_id(k)] = (uint64_t)column % count;
        column = (int)((uint64_t)column / count);
    }
}

uint64_t hs_grid_network(const hs_grid *grid, int unit, int column)
{
    uint64_t pos[HS_N_AXES];
    hs_grid_place(grid, unit, column, pos);
    return hs_grid_index(grid, pos);
}

void hs_plan_unit_axes(const hs_job *job, int unit, int idx[HS_UNIT_AXES])
{
    hs_grid grid = hs_grid_of_job(job);
    hs_grid_unit_axes(&grid, unit, idx);
}

int hs_plan_unit_index(const hs_job *job, int model_i, int n_i, int seed_i)
{
    hs_grid grid = hs_grid_of_job(job);
    uint64_t pos[HS_N_AXES] = {0};
    pos[HS_AX_MODEL] = (uint64_t)model_i;
    pos[HS_AX_N] = (uint64_t)n_i;
    pos[HS_AX_SEED] = (uint64_t)seed_i;
    return hs_grid_unit(&grid, pos);
}

void hs_plan_column_axes(const hs_job *job, int column, int idx[HS_COLUMN_AXES])
{
    hs_grid grid = hs_grid_of_job(job);
    uint64_t pos[HS_N_AXES];
    hs_grid_place(&grid, 0, column, pos);
    for (int k = 0; k < HS_COLUMN_AXES; k++)
        idx[k] = (int)pos[column_axis_id(k)];
}

void hs_plan_position(const hs_job *job, int unit, int column, uint64_t pos[HS_N_AXES])
{
    hs_grid grid = hs_grid_of_job(job);
    hs_grid_place(&grid, unit, column, pos);
}

double hs_plan_column_flops(const hs_job *job, double n, size_t n_tasks, size_t n_samples)
{
    double T = (double)n_samples, tasks = (double)n_tasks;
    double nnz = job->network.connectivity * n * n;
    double lambdas = job->readout.lambda_count;
    double simulate = T * (2 * nnz + 6 * n + job->costs.flops_per_neuron_update * n);
    double accumulate = T * (n * n + 2 * n * tasks);
    double solve = 12 * n * n * n + 2 * n * n * tasks * (lambdas + 3);
    return simulate + accumulate + solve;
}

/* ---- memory estimates ----------------------------------------------------
 * Each term is an array the code allocates and fills (so it is resident),
 * named with the file that holds it; bench/rss.sh compares the sum with the
 * peak RSS of real runs (README, Performance). 8-byte doubles unless said. */

#define MiB 1048576.0
/* lif.h's HS_LIF_CALIBRATION_MS (a model header, above this layer) */
#define LIF_CALIBRATION_MS 1000.0
/* Not our arrays: a tiny job's peak RSS, measured (bench/rss.sh). About
 * 25 MiB outside the heap (the code and data of Open MPI, HDF5, OpenBLAS,
 * gfortran and hwloc, OpenBLAS's buffer of the main thread) and about 7 MiB
 * of their heap (MPI's and HDF5's own tables and caches). */
#define LIBRARY_BYTES (32.0 * MiB)
/* Each further OpenMP thread that calls BLAS: OpenBLAS's buffer for it, its
 * stack and its malloc arena (measured, bench/rss.sh). */
#define THREAD_LIBRARY_BYTES (2.0 * MiB)

static int sweeps_model(const hs_job *job, int model)
{
    for (int i = 0; i < job->axes[HS_AX_MODEL].count; i++)
        if ((int)job->axes[HS_AX_MODEL].values[i] == model)
            return 1;
    return 0;
}

int hs_plan_threads(const hs_job *job)
{
    if (hs_job_line(job, "run.threads_per_rank") > 0)
        return job->run.threads_per_rank;
    const char *env = getenv("OMP_NUM_THREADS");
    char *end = NULL;
    long value = env ? strtol(env, &end, 10) : 0;
    return env && end != env && value >= 1 && value <= 1024 ? (int)value : 1;
}

int hs_plan_has_validation(const hs_job *job)
{
    return job->time.validation_ms > 0 && job->readout.selection != HS_SELECT_FIXED;
}

double hs_plan_column_bytes(const hs_job *job, double n, size_t n_tasks)
{
    double t = (double)n_tasks;
    /* readout.c: the statistics of train, test and (hs_plan_has_validation)
     * validation, each means (n + t), Gram (n x n), cross products (n x t)
     * and sums of squares (t), and the moments of the chunk being merged
     * (n + 2t) */
    double segments = 2 + hs_plan_has_validation(job);
    double statistics = segments * (n * n + n * t) + (segments + 1) * (n + 2 * t);
    /* readout.c: the mean-shift rows waiting to be added, HS_SHIFT_ROWS x (n + t) */
    double shifts = HS_SHIFT_ROWS * (n + t);
    /* unit.c's feature buffer, HS_CHUNK_ROWS x n (readout.c centres it in place) */
    double chunk = 1.0 * HS_CHUNK_ROWS * n;
    /* readout.precision mixed: float32 copies of the chunk and the cross products */
    int mixed_precision = job->readout.precision == HS_PRECISION_MIXED;
    double mixed = mixed_precision ? (HS_CHUNK_ROWS * n + n * t) / 2 : 0;
    /* the model's state, 12n (rate.c: six N x S arrays, S <= 2 B with the
     * padding; lif.c: six n-vectors and counters), the column's time constants
     * (n), the merge's differences (n + t), the results (score and alignment
     * in float32, the lambda index in a byte: 9/8 t) */
    double state = 12 * n + n + (n + t) + 9.0 / 8.0 * t;
    return 8 * (statistics + shifts + chunk + mixed + state);
}

double hs_plan_solve_bytes(double n, size_t n_tasks)
{
    double t = (double)n_tasks, wide = n > t ? n : t;
    /* readout.c's solver: V^T and M (n x n); P, Q, scaled P, M P (n x t); a
     * work matrix (n x max(n, t)) */
    double solver = 2 * n * n + 4 * n * t + n * wide;
    /* LAPACK dsyevd's work space: 1 + 6n + 2n^2 doubles, 3 + 5n ints */
    double eigen = 1 + 6 * n + 2 * n * n + (3 + 5 * n) / 2;
    /* eigenvalues, differences, and the per-task SSEs, scores and lambdas */
    double vectors = 3 * n + 10 * t;
    return 8 * (solver + eigen + vectors);
}

double hs_plan_unit_bytes(const hs_job *job, double n, size_t n_tasks)
{
    double t = (double)n_tasks, nnz = job->network.connectivity * n * n;
    /* network.c: W in CSR (8-byte values, 4-byte indices, row pointers);
     * lif.c: its copy by columns */
    double network = (12 * nnz + 8 * n) * (sweeps_model(job, HS_MODEL_LIF) ? 2 : 1);
    /* Win (3n), the noise scales, the sample's drive and noise draws,
     * input_sd's three work vectors */
    double vectors = 8 * (3 * n + n + 2 * n + 3 * n);
    /* unit.c: the chunk's targets and their centred copy (HS_CHUNK_ROWS x t
     * each; float32 too with readout.precision mixed) */
    double targets = 8 * (2.0 * HS_CHUNK_ROWS * t + 2 * t) +
                     (job->readout.precision == HS_PRECISION_MIXED ? 4.0 * HS_CHUNK_ROWS * t : 0);
    return network + vectors + targets;
}

/* lif.target_rate_hz: unit.c's calibration holds the drive and the noise
 * draws of the first LIF_CALIBRATION_MS (before the solves, not with them). */
static double calibration_bytes(const hs_job *job, double n)
{
    if (!sweeps_model(job, HS_MODEL_LIF) || isnan(job->lif.target_rate_hz))
        return 0;
    return 8 * 2 * n * ceil(LIF_CALIBRATION_MS / job->time.dt_ms);
}

double hs_plan_shared_bytes(const hs_job *job, size_t n_tasks, size_t n_samples)
{
    double networks = 1, units = 1, tasks = (double)n_tasks;
    for (int a = 0; a < HS_N_AXES; a++)
        networks *= job->axes[a].count;
    units = (double)job->axes[HS_AX_MODEL].count * job->axes[HS_AX_N].count *
            job->axes[HS_AX_SEED].count;
    double stimulus = 8.0 * 3 * (double)n_samples;
    double similarity = 8.0 * tasks * tasks; /* rank 0 */
    /* done flags and shares per network, items, the ledger per unit */
    double progress = 3.0 * networks + sizeof(hs_work_item) * networks + 48.0 * units;
    return LIBRARY_BYTES + stimulus + similarity + progress;
}

/* network.c's row slabs: a second copy of W (a 2-byte index and an 8-byte
 * value a nonzero, two offsets a group of four rows) that a rate unit of
 * padded batch width 2, 4 or 8 (batch 2 to 8) makes on an AVX-512 build for
 * N <= 65 536 (hs_row_slabs_help). */
static double slab_bytes(const hs_job *job, double n, int batch)
{
#ifdef __AVX512F__
    if (batch >= 2 && batch <= 8 && n <= 65536 && sweeps_model(job, HS_MODEL_RATE))
        return 10 * job->network.connectivity * n * n + 16 * (n / 4 + 1);
#else
    (void)job;
    (void)n;
    (void)batch;
#endif
    return 0;
}

double hs_plan_rank_bytes(const hs_job *job, double n, size_t n_tasks, size_t n_samples,
                          int batch, int threads)
{
    /* the columns are solved in parallel, one solver per thread at a time */
    int solving = threads < batch ? threads : batch;
    double solves = solving * hs_plan_solve_bytes(n, n_tasks) +
                    (solving - 1) * THREAD_LIBRARY_BYTES;
    double calibration = calibration_bytes(job, n);
    return hs_plan_shared_bytes(job, n_tasks, n_samples) + hs_plan_unit_bytes(job, n, n_tasks) +
           slab_bytes(job, n, batch) + batch * hs_plan_column_bytes(job, n, n_tasks) +
           (solves > calibration ? solves : calibration);
}

int hs_plan_shares(const hs_job *job)
{
    return job->network.source != HS_SOURCE_FILE && !hs_hook_no_share();
}

/* Which column each column copies (-1: none): cv = 0 of profile index p > 0
 * copies profile index 0 with the same other indices. */
static void find_sources(hs_plan *plan, const hs_job *job)
{
    plan->source = hs_xcalloc((size_t)plan->n_columns, sizeof(int));
    plan->profile_stride = plan->n_columns / job->axes[HS_AX_PROFILE].count;
    plan->n_copies = 0;
    int shares = hs_plan_shares(job);
    for (int c = 0; c < plan->n_columns; c++) {
        int idx[HS_COLUMN_AXES];
        hs_plan_column_axes(job, c, idx);
        int copies = shares && idx[0] > 0 && job->axes[HS_AX_HETEROGENEITY].values[idx[1]] == 0;
        plan->source[c] = copies ? c - idx[0] * plan->profile_stride : -1;
        plan->n_copies += copies;
    }
}

int hs_plan_copies_of(const hs_plan *plan, int column, int *copies)
{
    int count = 0;
    if (!plan->source || plan->source[column] >= 0)
        return 0;
    for (int c = column + plan->profile_stride; c < plan->n_columns; c += plan->profile_stride)
        if (plan->source[c] == column)
            copies[count++] = c;
    return count;
}

long long hs_plan_networks(const hs_plan *plan)
{
    return (long long)plan->n_units * plan->n_columns;
}

long long hs_plan_networks_copied(const hs_plan *plan)
{
    return (long long)plan->n_units * plan->n_copies;
}

static int compare_items(const void *a, const void *b)
{
    const hs_work_item *x = a, *y = b;
    if (x->flops != y->flops)
        return x->flops > y->flops ? -1 : 1;
    if (x->unit != y->unit)
        return x->unit < y->unit ? -1 : 1;
    return (x->first_column > y->first_column) - (x->first_column < y->first_column);
}

static void sort_items(hs_plan *plan);
static void build_items(hs_plan *plan, const hs_job *job, int batch);

static int choose_batch(const hs_job *job, double largest_n, size_t n_tasks, size_t n_samples,
                        int n_columns)
{
    double budget = job->run.memory_budget_mb * MiB;
    /* HETSWEEP_MAX_BATCH lowers the cap (tests use it to prove that the split
     * of columns into batches never changes a result). */
    long max_batch = hs_hook_max_batch(HS_MAX_BATCH);
    if (max_batch < 1 || max_batch > HS_MAX_BATCH)
        max_batch = HS_MAX_BATCH;
    int batch = (int)max_batch < n_columns ? (int)max_batch : n_columns;
    while (batch > 1 && hs_plan_rank_bytes(job, largest_n, n_tasks, n_samples, batch,
                                           hs_plan_threads(job)) > budget)
        batch--;
    return batch < 1 ? 1 : batch;
}

void hs_plan_make(hs_plan *plan, const hs_job *job, size_t n_tasks, size_t n_samples)
{
    memset(plan, 0, sizeof *plan);
    plan->n_units = job->axes[HS_AX_MODEL].count * job->axes[HS_AX_N].count *
                    job->axes[HS_AX_SEED].count;
    plan->n_columns = 1;
    for (int k = 0; k < HS_COLUMN_AXES; k++)
        plan->n_columns *= job->axes[column_axis_id(k)].count;
    plan->n_tasks = n_tasks;
    plan->n_samples = n_samples;
    plan->n_lambdas = job->readout.lambda_count;

    double largest_n = 0;
    for (int i = 0; i < job->axes[HS_AX_N].count; i++)
        if (job->axes[HS_AX_N].values[i] > largest_n)
            largest_n = job->axes[HS_AX_N].values[i];
    plan->largest_n = largest_n;
    plan->shared_bytes = hs_plan_shared_bytes(job, n_tasks, n_samples);
    find_sources(plan, job);
    build_items(plan, job, choose_batch(job, largest_n, n_tasks, n_samples, plan->n_columns));
}

/* A unit's items: runs of up to batch computed columns (copies end a run),
 * written to items unless it is NULL; returns their count. Without copies,
 * [0, batch), [batch, 2 batch), ... */
static int unit_items(const hs_plan *plan, int unit, double column_flops, hs_work_item *items)
{
    int count = 0;
    for (int c = 0; c < plan->n_columns;) {
        if (plan->source[c] >= 0) {
            c++;
            continue;
        }
        int first = c;
        while (c < plan->n_columns && plan->source[c] < 0 && c - first < plan->batch)
            c++;
        if (items)
            items[count] = (hs_work_item){unit, first, c - first, column_flops * (c - first)};
        count++;
    }
    return count;
}

static void build_items(hs_plan *plan, const hs_job *job, int batch)
{
    size_t n_tasks = plan->n_tasks, n_samples = plan->n_samples;
    free(plan->items);
    plan->batch = batch;
    plan->total_flops = 0;
    plan->bytes_per_rank = hs_plan_rank_bytes(job, plan->largest_n, n_tasks, n_samples, batch,
                                              hs_plan_threads(job));

    plan->n_items = 0;
    for (int pass = 0; pass < 2; pass++) { /* count, then fill */
        if (pass == 1)
            plan->items = hs_xcalloc((size_t)plan->n_items + 1, sizeof(hs_work_item));
        int k = 0;
        for (int unit = 0; unit < plan->n_units; unit++) {
            int idx[HS_UNIT_AXES];
            hs_plan_unit_axes(job, unit, idx);
            double n = job->axes[HS_AX_N].values[idx[1]];
            double column_flops = hs_plan_column_flops(job, n, n_tasks, n_samples);
            k += unit_items(plan, unit, column_flops, pass ? plan->items + k : NULL);
        }
        plan->n_items = k;
    }
    for (int i = 0; i < plan->n_items; i++)
        plan->total_flops += plan->items[i].flops;
    sort_items(plan);
}

void hs_plan_spread(hs_plan *plan, const hs_job *job, int workers)
{
    long long networks = hs_plan_networks(plan) - hs_plan_networks_copied(plan);
    if (workers <= 1 || plan->n_items >= workers || plan->batch <= 1)
        return;
    long long narrower = (networks + workers - 1) / workers;
    if (narrower < plan->batch)
        build_items(plan, job, narrower < 1 ? 1 : (int)narrower);
}

/* Cost order, largest first; HETSWEEP_ITEM_ORDER=reverse hands them out the
 * other way round (a test uses it: results never depend on the order). */
static void sort_items(hs_plan *plan)
{
    qsort(plan->items, (size_t)plan->n_items, sizeof(hs_work_item), compare_items);
    if (hs_hook_reverse_items())
        for (int i = 0, j = plan->n_items - 1; i < j; i++, j--) {
            hs_work_item swap = plan->items[i];
            plan->items[i] = plan->items[j];
            plan->items[j] = swap;
        }
}

/* A growing list of work items. */
typedef struct {
    hs_work_item *items;
    int count, room;
} item_list;

static void item_list_add(item_list *list, hs_work_item item)
{
    if (list->count == list->room) {
        list->room = list->room ? 2 * list->room : 64;
        list->items = hs_xrealloc(list->items, (size_t)list->room * sizeof item);
    }
    list->items[list->count++] = item;
}

/* The runs of columns of item still to do. */
static long long keep_undone(item_list *kept, const hs_work_item *item, const unsigned char *flags)
{
    double per_column = item->flops / item->n_columns;
    long long left = 0;
    for (int c = item->first_column; c < item->first_column + item->n_columns;) {
        if (flags[c]) {
            c++;
            continue;
        }
        int first = c;
        while (c < item->first_column + item->n_columns && !flags[c])
            c++;
        item_list_add(kept, (hs_work_item){item->unit, first, c - first, per_column * (c - first)});
        left += c - first;
    }
    return left;
}

/* The copies of item's columns not done: recorded with their source, or,
 * where the source is done, computed as items of their own (one column each,
 * joined into runs as far as the batch width allows). */
static long long keep_copies(item_list *kept, const hs_plan *plan, const hs_work_item *item,
                             const unsigned char *flags)
{
    double per_column = item->flops / item->n_columns;
    long long left = 0;
    int first_own = kept->count;
    int end = item->first_column + item->n_columns;
    for (int step = plan->profile_stride; plan->source && step < plan->n_columns;
         step += plan->profile_stride)
        for (int c = item->first_column; c < end && c + step < plan->n_columns; c++) {
            int d = c + step;
            if (plan->source[d] != c || flags[d])
                continue;
            left++;
            if (!flags[c])
                continue; /* recorded with c */
            hs_work_item *last = kept->count > first_own ? &kept->items[kept->count - 1] : NULL;
            if (last && last->first_column + last->n_columns == d && last->n_columns < plan->batch) {
                last->n_columns++;
                last->flops += per_column;
            } else {
                item_list_add(kept, (hs_work_item){item->unit, d, 1, per_column});
            }
        }
    return left;
}

long long hs_plan_drop_done(hs_plan *plan, const unsigned char *done)
{
    item_list kept = {0};
    long long left = 0;
    for (int i = 0; i < plan->n_items; i++) {
        const hs_work_item *item = &plan->items[i];
        const unsigned char *flags = done + (size_t)item->unit * plan->n_columns;
        left += keep_undone(&kept, item, flags);
        left += keep_copies(&kept, plan, item, flags);
    }
    free(plan->items);
    plan->items = kept.items ? kept.items : hs_xcalloc(1, sizeof(hs_work_item));
    plan->n_items = kept.count;
    sort_items(plan);
    return left;
}

void hs_plan_keep_part(hs_plan *plan, int index, int count)
{
    qsort(plan->items, (size_t)plan->n_items, sizeof(hs_work_item), compare_items);
    int n_kept = 0;
    plan->total_flops = 0;
    for (int i = index; i < plan->n_items; i += count) {
        plan->items[n_kept++] = plan->items[i];
        plan->total_flops += plan->items[i].flops;
    }
    plan->n_items = n_kept;
    sort_items(plan);
}

void hs_plan_free(hs_plan *plan)
{
    free(plan->items);
    free(plan->source);
    memset(plan, 0, sizeof *plan);
}

int hs_plan_fits(const hs_plan *plan, const hs_job *job)
{
    return plan->bytes_per_rank <= job->run.memory_budget_mb * MiB;
}

/* ---- the tail of the hand-out ------------------------------------------------- */

/* Min-heap of the workers' finish times. */
static void heap_sift_down(double *heap, int n, int i)
{
    for (;;) {
        int least = i, left = 2 * i + 1, right = left + 1;
        if (left < n && heap[left] < heap[least])
            least = left;
        if (right < n && heap[right] < heap[least])
            least = right;
        if (least == i)
            return;
        double swap = heap[i];
        heap[i] = heap[least];
        heap[least] = swap;
        i = least;
    }
}

/* The hand-out as the scheduler makes it with estimated costs: each item, in
 * plan order, to the worker free first. Returns the makespan and the index of
 * the item that ends it. */
static double simulate_hand_out(const hs_plan *plan, int workers, double *heap, int *last)
{
    for (int w = 0; w < workers; w++)
        heap[w] = 0;
    double makespan = 0;
    *last = -1;
    for (int i = 0; i < plan->n_items; i++) {
        heap[0] += plan->items[i].flops; /* the earliest-free worker takes it */
        if (heap[0] > makespan) {
            makespan = heap[0];
            *last = i;
        }
        heap_sift_down(heap, workers, 0);
    }
    return makespan;
}

/* Split item i into two halves of its columns. */
static void halve_item(hs_plan *plan, int i)
{
    plan->items = hs_xrealloc(plan->items, (size_t)(plan->n_items + 1) * sizeof(hs_work_item));
    hs_work_item *item = &plan->items[i];
    int first_half = item->n_columns / 2;
    double per_column = item->flops / item->n_columns;
    plan->items[plan->n_items++] =
        (hs_work_item){item->unit, item->first_column + first_half,
                       item->n_columns - first_half, per_column * (item->n_columns - first_half)};
    item->n_columns = first_half;
    item->flops = per_column * first_half;
}

int hs_plan_split_tail(hs_plan *plan, int workers)
{
    if (workers <= 1 || plan->n_items == 0)
        return 0;
    double total = 0;
    for (int i = 0; i < plan->n_items; i++)
        total += plan->items[i].flops;
    double *heap = hs_xcalloc((size_t)workers, sizeof(double));
    int splits = 0;
    for (; splits < HS_TAIL_MAX_SPLITS_PER_WORKER * workers; splits++) {
        int last;
        double makespan = simulate_hand_out(plan, workers, heap, &last);
        double idle = workers * makespan - total;
        if (last < 0 || idle <= HS_TAIL_IDLE_SHARE * workers * makespan ||
            plan->items[last].n_columns < 2)
            break;
        halve_item(plan, last);
        sort_items(plan);
    }
    free(heap);
    return splits;
}
