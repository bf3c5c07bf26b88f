/* plan.c - units, columns, work items, cost and memory estimates. */
#include "hetsweep/plan.h"

#include <stdlib.h>
#include <string.h>

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

double hs_plan_column_bytes(double n, size_t n_tasks)
{
    double tasks = (double)n_tasks;
    double statistics = 3 * (n * n + n * tasks + n + 2 * tasks);
    double chunk = HS_CHUNK_ROWS * n * 2;
    double state = 8 * n;
    return 8 * (statistics + chunk + state);
}

double hs_plan_solve_bytes(double n, size_t n_tasks)
{
    return 8 * (4 * n * n + 5 * n * (double)n_tasks);
}

/* The threads that solve at once: each holds one solver's work space. */
static double solving_threads(const hs_job *job)
{
    return job->run.threads_per_rank > 1 ? job->run.threads_per_rank : 1;
}

double hs_plan_unit_bytes(const hs_job *job, double n, size_t n_tasks)
{
    double nnz = job->network.connectivity * n * n;
    double targets = 2.0 * HS_CHUNK_ROWS * (double)n_tasks + HS_CHUNK_ROWS * n;
    /* W (CSR, and LIF's CSC copy), Win, drive, noise draws, sigma */
    return nnz * 12 * 2 + 8 * (3 * n + 4 * n) + 8 * targets;
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
    /* MPI, HDF5 and OpenBLAS's own buffers: a tiny job's peak RSS, measured */
    double libraries = 32.0 * 1048576.0;
    return libraries + stimulus + similarity + progress;
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

static int choose_batch(const hs_job *job, double largest_n, size_t n_tasks, int n_columns,
                        double shared)
{
    double budget = job->run.memory_budget_mb * 1024.0 * 1024.0;
    double spare = budget - shared - hs_plan_unit_bytes(job, largest_n, n_tasks) -
                   solving_threads(job) * hs_plan_solve_bytes(largest_n, n_tasks);
    double per_column = hs_plan_column_bytes(largest_n, n_tasks);
    double fits = spare / per_column; /* any size: capped before it becomes an int */
    /* HETSWEEP_MAX_BATCH lowers the cap (tests use it to prove that the split
     * of columns into batches never changes a result). */
    const char *cap = getenv("HETSWEEP_MAX_BATCH");
    long max_batch = cap ? strtol(cap, NULL, 10) : HS_MAX_BATCH;
    if (max_batch < 1 || max_batch > HS_MAX_BATCH)
        max_batch = HS_MAX_BATCH;
    int batch = fits >= (double)max_batch ? (int)max_batch : fits > 1 ? (int)fits : 1;
    if (batch > n_columns)
        batch = n_columns;
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
    build_items(plan, job,
                choose_batch(job, largest_n, n_tasks, plan->n_columns, plan->shared_bytes));
}

static void build_items(hs_plan *plan, const hs_job *job, int batch)
{
    size_t n_tasks = plan->n_tasks, n_samples = plan->n_samples;
    free(plan->items);
    plan->batch = batch;
    plan->total_flops = 0;
    plan->bytes_per_rank = plan->shared_bytes + hs_plan_unit_bytes(job, plan->largest_n, n_tasks) +
                           plan->batch * hs_plan_column_bytes(plan->largest_n, n_tasks) +
                           solving_threads(job) * hs_plan_solve_bytes(plan->largest_n, n_tasks);

    int items_per_unit = (plan->n_columns + plan->batch - 1) / plan->batch;
    plan->n_items = plan->n_units * items_per_unit;
    plan->items = hs_xcalloc((size_t)plan->n_items, sizeof(hs_work_item));
    int k = 0;
    for (int unit = 0; unit < plan->n_units; unit++) {
        int idx[HS_UNIT_AXES];
        hs_plan_unit_axes(job, unit, idx);
        double n = job->axes[HS_AX_N].values[idx[1]];
        double column_flops = hs_plan_column_flops(job, n, n_tasks, n_samples);
        for (int first = 0; first < plan->n_columns; first += plan->batch, k++) {
            int count = plan->n_columns - first < plan->batch ? plan->n_columns - first : plan->batch;
            plan->items[k] = (hs_work_item){unit, first, count, column_flops * count};
            plan->total_flops += column_flops * count;
        }
    }
    sort_items(plan);
}

void hs_plan_spread(hs_plan *plan, const hs_job *job, int workers)
{
    long long networks = (long long)plan->n_units * plan->n_columns;
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
    const char *order = getenv("HETSWEEP_ITEM_ORDER");
    if (order && strcmp(order, "reverse") == 0)
        for (int i = 0, j = plan->n_items - 1; i < j; i++, j--) {
            hs_work_item swap = plan->items[i];
            plan->items[i] = plan->items[j];
            plan->items[j] = swap;
        }
}

long long hs_plan_drop_done(hs_plan *plan, const unsigned char *done)
{
    hs_work_item *kept = hs_xcalloc((size_t)plan->n_items * (size_t)plan->batch + 1,
                                    sizeof(hs_work_item));
    int n_kept = 0;
    long long left = 0;
    for (int i = 0; i < plan->n_items; i++) {
        const hs_work_item *item = &plan->items[i];
        double per_column = item->flops / item->n_columns;
        const unsigned char *flags = done + (size_t)item->unit * plan->n_columns;
        for (int c = item->first_column; c < item->first_column + item->n_columns;) {
            if (flags[c]) {
                c++;
                continue;
            }
            int first = c;
            while (c < item->first_column + item->n_columns && !flags[c])
                c++;
            kept[n_kept++] = (hs_work_item){item->unit, first, c - first, per_column * (c - first)};
            left += c - first;
        }
    }
    free(plan->items);
    plan->items = kept;
    plan->n_items = n_kept;
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
    memset(plan, 0, sizeof *plan);
}

int hs_plan_fits(const hs_plan *plan, const hs_job *job)
{
    return plan->bytes_per_rank <= job->run.memory_budget_mb * 1024.0 * 1024.0;
}
