/* unit.c - one work item: network, time constants, batched simulation (rate
 * or LIF, through dynamics.h) in time chunks feeding the per-column readouts,
 * then the solve and the measures. */
#include "hetsweep/unit.h"

#include <malloc.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "hetsweep/dynamics.h"
#include "hetsweep/lif.h"
#include "hetsweep/readout.h"
#include "hetsweep/rng.h"

/* Blocks of this size and larger are mapped on their own, and unmapped when
 * freed. glibc would raise the limit to the largest block freed so far (up to
 * 32 MiB): the next items' readouts and solvers would then come from its
 * heaps, whose freed space it keeps (with two threads, 20 MiB above the live
 * arrays for W1x8, measured by bench/rss.sh). A fixed limit keeps peak RSS at
 * what the arrays need, as the planner counts it. */
#define MMAP_THRESHOLD_BYTES (128 * 1024)

void hs_context_init(hs_context *ctx, const hs_job *job, const hs_stimulus *stim,
                     const hs_tasks *tasks, const hs_windows *windows)
{
#ifdef M_MMAP_THRESHOLD
    mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES);
#endif
    memset(ctx, 0, sizeof *ctx);
    ctx->job = job;
    ctx->stimulus = stim;
    ctx->tasks = tasks;
    ctx->windows = windows;
    int count = job->readout.lambda_count;
    ctx->lambdas = hs_xcalloc((size_t)count, sizeof(double));
    double lo = log10(job->readout.lambda_min), hi = log10(job->readout.lambda_max);
    for (int j = 0; j < count; j++)
        ctx->lambdas[j] = count == 1 ? job->readout.lambda_min
                          : j == count - 1 ? job->readout.lambda_max
                                           : pow(10.0, lo + j * ((hi - lo) / (count - 1)));
}

void hs_context_free(hs_context *ctx)
{
    free(ctx->lambdas);
    free(ctx->tau_file);
    memset(ctx, 0, sizeof *ctx);
}

static void unit_values(const hs_job *job, int unit, int *model, int64_t *n, int64_t *seed)
{
    int idx[HS_UNIT_AXES];
    hs_plan_unit_axes(job, unit, idx);
    *model = (int)job->axes[HS_AX_MODEL].values[idx[0]];
    *n = (int64_t)job->axes[HS_AX_N].values[idx[1]];
    *seed = (int64_t)job->axes[HS_AX_SEED].values[idx[2]];
}

int hs_unit_network(const hs_context *ctx, int unit, hs_network *net, hs_error *err)
{
    int model;
    int64_t n, seed;
    unit_values(ctx->job, unit, &model, &n, &seed);
    if (ctx->job->network.source == HS_SOURCE_FILE)
        return ctx->stored.network(ctx->stored.arg, model, n, seed, net, err);
    hs_network_random(net, ctx->job, n, seed);
    return HS_OK;
}

int hs_unit_tau(const hs_context *ctx, int unit, int profile_i, int heterogeneity_i,
                int tau_mean_i, double *tau, hs_tau_moments *moments, hs_error *err)
{
    const hs_job *job = ctx->job;
    int model;
    int64_t n, seed;
    unit_values(job, unit, &model, &n, &seed);
    int profile = (int)job->axes[HS_AX_PROFILE].values[profile_i];
    double cv = job->axes[HS_AX_HETEROGENEITY].values[heterogeneity_i];
    double mean = job->axes[HS_AX_TAU_MEAN].values[tau_mean_i];
    if (job->network.source == HS_SOURCE_FILE) {
        int status = ctx->stored.tau(ctx->stored.arg, model, n, seed, profile, cv, mean, tau, err);
        if (status != HS_OK)
            return status;
        hs_tau_moments_of(tau, (size_t)n, moments);
        return HS_OK;
    }
    hs_rng rng = hs_rng_tau(job->seed, n, seed, profile, cv, mean);
    return hs_tau_draw(profile, cv, mean, job->network.tau_min_ms, (size_t)n, &rng,
                       ctx->tau_file, ctx->n_tau_file, tau, moments);
}

double *hs_unit_taus(const hs_context *ctx, int unit, size_t n, int *status, hs_error *err)
{
    const hs_job *job = ctx->job;
    int np = job->axes[HS_AX_PROFILE].count, nh = job->axes[HS_AX_HETEROGENEITY].count,
        nm = job->axes[HS_AX_TAU_MEAN].count;
    double *tau = hs_alloc_doubles((size_t)np * nh * nm * n);
    *status = HS_OK;
    for (int p = 0; p < np && *status == HS_OK; p++)
        for (int h = 0; h < nh && *status == HS_OK; h++)
            for (int m = 0; m < nm && *status == HS_OK; m++) {
                double *row = tau + (((size_t)p * nh + h) * nm + m) * n;
                hs_tau_moments moments;
                int rc = hs_unit_tau(ctx, unit, p, h, m, row, &moments, err);
                if (rc == HS_NO_VALUE)
                    for (size_t i = 0; i < n; i++)
                        row[i] = NAN;
                else if (rc != HS_OK)
                    *status = rc;
            }
    if (*status != HS_OK) {
        free(tau);
        return NULL;
    }
    return tau;
}

/* Population sd of (Win u_t)_i over every sample: the noise scale sigma_i. */
static double *input_sd(const hs_network *net, const hs_stimulus *stim)
{
    size_t n = net->n, T = stim->n_samples;
    double *mean = hs_alloc_doubles(n), *ss = hs_alloc_doubles(n), *drive = hs_alloc_doubles(n);
    for (size_t t = 0; t < T; t++) {
        hs_network_drive(net, stim->u + 3 * t, drive);
        for (size_t i = 0; i < n; i++)
            mean[i] += drive[i];
    }
    for (size_t i = 0; i < n; i++)
        mean[i] /= (double)T;
    for (size_t t = 0; t < T; t++) {
        hs_network_drive(net, stim->u + 3 * t, drive);
        for (size_t i = 0; i < n; i++)
            ss[i] += (drive[i] - mean[i]) * (drive[i] - mean[i]);
    }
    for (size_t i = 0; i < n; i++)
        ss[i] = sqrt(ss[i] / (double)T);
    free(mean);
    free(drive);
    return ss;
}

/* The columns of an item that can be simulated, with their parameters. */
typedef struct {
    int count;        /* active columns */
    int *slot;        /* active index -> position in the item */
    double **tau;     /* per active column, n values */
    double *J, *Ju, *rho;
} active_columns;

static int prepare_columns(const hs_context *ctx, const hs_work_item *item, size_t n,
                           hs_item_result *out, active_columns *act, hs_error *err)
{
    const hs_job *job = ctx->job;
    int B = item->n_columns;
    act->count = 0;
    act->slot = hs_xcalloc((size_t)B, sizeof(int));
    act->tau = hs_xcalloc((size_t)B, sizeof(double *));
    act->J = hs_xcalloc((size_t)B, sizeof(double));
    act->Ju = hs_xcalloc((size_t)B, sizeof(double));
    act->rho = hs_xcalloc((size_t)B, sizeof(double));
    for (int b = 0; b < B; b++) {
        int c[HS_COLUMN_AXES];
        hs_plan_column_axes(job, item->first_column + b, c);
        double *tau = hs_alloc_doubles(n);
        hs_tau_moments m;
        int status = hs_unit_tau(ctx, item->unit, c[0], c[1], c[2], tau, &m, err);
        if (status != HS_OK && status != HS_NO_VALUE) {
            free(tau);
            return status;
        }
        hs_column_result *res = &out->columns[b];
        if (status == HS_NO_VALUE) {
            res->status = HS_NET_INFEASIBLE;
            free(tau);
            continue;
        }
        double moments[5] = {m.mean, m.sd, m.min, m.max, m.skewness};
        memcpy(res->tau_moments, moments, sizeof moments);
        int k = act->count++;
        act->slot[k] = b;
        act->tau[k] = tau;
        act->Ju[k] = job->axes[HS_AX_INPUT_GAIN].values[c[3]];
        act->J[k] = job->axes[HS_AX_RECURRENT_GAIN].values[c[4]];
        act->rho[k] = job->axes[HS_AX_NOISE].values[c[5]];
    }
    return HS_OK;
}

static void free_columns(active_columns *act, int n_slots)
{
    for (int k = 0; k < n_slots; k++)
        free(act->tau[k]);
    free(act->slot);
    free(act->tau);
    free(act->J);
    free(act->Ju);
    free(act->rho);
}

/* Simulation state of one item: dynamics, chunk buffers and readouts. */
typedef struct {
    size_t n, B, n_tasks;
    int threads;
    int validation;          /* hs_plan_has_validation: whether validation rows are read out */
    hs_dynamics *dynamics;
    hs_readout **readout;    /* B */
    double **features;       /* B buffers of HS_CHUNK_ROWS x n */
    double *targets;         /* HS_CHUNK_ROWS x n_tasks */
    hs_chunk_targets centred; /* the chunk's targets of one segment, shared */
    double *drive, *xi;      /* n */
    int *failed;             /* B */
    int *nonfinite;          /* B: whether the chunk held a feature that is not finite */
    const hs_poll *poll;     /* or NULL */
} simulation;

/* Row `row` of every column's feature buffer, the columns shared out among
 * the team (or all of them, outside one). Each column also notes, while the
 * row is in cache, whether x - x was anything but 0 (x infinite or NaN): its
 * finiteness check, an integer OR that vectorises (a sum of x - x was one
 * chain of additions). */
static void copy_features(simulation *sim, size_t row)
{
    const double *phi = hs_dynamics_features(sim->dynamics);
    size_t neuron_stride, column_stride;
    hs_dynamics_layout(sim->dynamics, &neuron_stride, &column_stride);
    long B = (long)sim->B;
#pragma omp for schedule(static)
    for (long b = 0; b < B; b++) {
        double *restrict dst = sim->features[b] + row * sim->n;
        const double *restrict src = phi + (size_t)b * column_stride;
        int nonfinite = 0;
        for (size_t i = 0; i < sim->n; i++) {
            double x = src[i * neuron_stride];
            dst[i] = x;
            nonfinite |= !(x - x == 0.0);
        }
        sim->nonfinite[b] |= nonfinite;
    }
}

/* A column whose chunk held a feature that is not finite has failed. */
static void check_finite(simulation *sim)
{
    for (size_t b = 0; b < sim->B; b++) {
        if (sim->nonfinite[b])
            sim->failed[b] = 1;
        sim->nonfinite[b] = 0;
    }
}

/* Column b's readout's accumulation of segment s's rows from begin (the
 * chunk starts at c0; the targets are already centred in sim->centred),
 * which centres those rows of the feature buffer in place. */
static void feed_column(simulation *sim, size_t b, int s, size_t begin, size_t c0)
{
    if (!sim->failed[b])
        hs_readout_add_targets(sim->readout[b], s, sim->features[b] + (begin - c0) * sim->n,
                               &sim->centred);
}

/* feed_column for every column: in parallel over a team of sim->threads,
 * each column's arithmetic its own whichever thread runs it; inline on one
 * thread, where a parallel region of one (libgomp allocates its team) would
 * be the time loop's only heap allocation. */
static void feed_columns(simulation *sim, int s, size_t begin, size_t c0)
{
    long B = (long)sim->B;
    if (sim->threads > 1) {
#pragma omp parallel for num_threads(sim->threads) schedule(dynamic, 1)
        for (long b = 0; b < B; b++)
            feed_column(sim, (size_t)b, s, begin, c0);
    } else {
        for (long b = 0; b < B; b++)
            feed_column(sim, (size_t)b, s, begin, c0);
    }
}

/* Feed the chunk [c0, c0 + rows) to every readout, segment by segment: the
 * targets are centred once, then the columns' readouts run in parallel. The
 * validation rows only where a lambda is selected on them. */
static void feed_readouts(simulation *sim, const hs_context *ctx, size_t c0, size_t rows)
{
    check_finite(sim);
    for (int s = 0; s < HS_N_SEGMENTS; s++) {
        if (s == HS_SEG_VALIDATION && !sim->validation)
            continue;
        hs_window w = ctx->windows->segment[s];
        size_t begin = w.begin > c0 ? w.begin : c0;
        size_t end = w.end < c0 + rows ? w.end : c0 + rows;
        if (begin >= end)
            continue;
        hs_tasks_targets(ctx->tasks, ctx->stimulus, begin, end - begin, sim->targets);
        hs_targets_set(&sim->centred, sim->targets, end - begin);
        feed_columns(sim, s, begin, c0);
    }
}

/* lif.target_rate_hz: calibrate each column's bias on the run's first
 * HS_LIF_CALIBRATION_MS of input (the same drive and noise draws the run then
 * sees), before the first sample. */
static void calibrate(simulation *sim, const hs_context *ctx, const hs_network *net,
                      const hs_rng *noise)
{
    size_t n = sim->n, T = ctx->stimulus->n_samples;
    size_t samples = (size_t)lround(HS_LIF_CALIBRATION_MS / ctx->job->time.dt_ms);
    samples = samples < T ? samples : T;
    double *drive = hs_alloc_doubles(samples * n), *xi = hs_alloc_doubles(samples * n);
    for (size_t t = 0; t < samples; t++) {
        hs_network_drive(net, ctx->stimulus->u + 3 * t, drive + t * n);
        hs_rng_normal_fill(noise, (uint64_t)t * n, n, xi + t * n);
    }
    hs_dynamics_calibrate(sim->dynamics, drive, xi, samples);
    free(drive);
    free(xi);
}

/* Sample t's input, the rows shared out among the team: drive = Win u_t and
 * the noise draws, each element by its index, so the split changes nothing. */
static void sample_input(simulation *sim, const hs_context *ctx, const hs_network *net,
                         const hs_rng *noise, size_t t)
{
    const long n = (long)sim->n, block = 64;
#pragma omp for schedule(static)
    for (long r0 = 0; r0 < n; r0 += block) {
        size_t r1 = (size_t)(r0 + block < n ? r0 + block : n);
        hs_network_drive_rows(net, ctx->stimulus->u + 3 * t, (size_t)r0, r1, sim->drive);
        hs_rng_normal_fill(noise, (uint64_t)t * sim->n + (uint64_t)r0, r1 - (size_t)r0,
                           sim->xi + r0);
    }
}

/* One chunk of samples: every thread of the team runs this loop, sharing
 * out each sample's input rows, the step and the feature copy (each ends with
 * the barrier of its worksharing loop). */
static void simulate_chunk(simulation *sim, const hs_context *ctx, const hs_network *net,
                           const hs_rng *noise, size_t c0, size_t rows)
{
    for (size_t r = 0; r < rows; r++) {
        size_t t = c0 + r;
        sample_input(sim, ctx, net, noise, t);
        hs_dynamics_sample(sim->dynamics, sim->drive, sim->xi, t >= ctx->windows->washout);
        copy_features(sim, r);
    }
}

static void simulate(simulation *sim, const hs_context *ctx, const hs_network *net,
                     const hs_rng *noise)
{
    size_t T = ctx->stimulus->n_samples;
    if (hs_dynamics_needs_calibration(sim->dynamics))
        calibrate(sim, ctx, net, noise);
    /* a team only where a sample has work enough to pay for its barriers */
    int team = hs_dynamics_worth_threads(sim->dynamics) ? sim->threads : 1;
    for (size_t c0 = 0; c0 < T; c0 += HS_CHUNK_ROWS) {
        size_t rows = T - c0 < HS_CHUNK_ROWS ? T - c0 : HS_CHUNK_ROWS;
        if (team > 1) {
#pragma omp parallel num_threads(team)
            simulate_chunk(sim, ctx, net, noise, c0, rows);
        } else { /* no region of one thread: libgomp would allocate its team */
            simulate_chunk(sim, ctx, net, noise, c0, rows);
        }
        feed_readouts(sim, ctx, c0, rows);
        if (sim->poll)
            sim->poll->fn(sim->poll->arg);
    }
}

static int on_main_thread(void)
{
#ifdef _OPENMP
    return omp_get_thread_num() == 0;
#else
    return 1;
#endif
}

static void solve_column(const hs_context *ctx, simulation *sim, size_t k,
                         hs_readout_solver *solver, hs_column_result *res)
{
    size_t n_tasks = sim->n_tasks;
    if (sim->failed[k]) {
        res->status = HS_NET_NONFINITE;
        return;
    }
    double *score = hs_alloc_doubles(n_tasks), *align = hs_alloc_doubles(n_tasks);
    hs_readout_options opt = {ctx->lambdas, ctx->job->readout.lambda_count,
                              ctx->job->readout.selection == HS_SELECT_FIXED};
    hs_readout_result rr = {score, align, res->lambda_index, NAN};
    int status = hs_readout_solve_with(sim->readout[k], &opt, &rr, solver);
    res->status = status == HS_OK ? HS_NET_OK : HS_NET_NONFINITE;
    for (size_t t = 0; t < n_tasks; t++) {
        res->score[t] = (float)score[t];
        res->alignment[t] = (float)align[t];
    }
    res->dimensionality = rr.dimensionality;
    free(score);
    free(align);
}

static void simulation_init(simulation *sim, const hs_context *ctx, const hs_network *net,
                            size_t batch)
{
    memset(sim, 0, sizeof *sim);
    sim->n = net->n;
    sim->B = batch;
    sim->n_tasks = ctx->tasks->n_tasks;
    sim->threads = ctx->threads > 0 ? ctx->threads : 1;
    sim->readout = hs_xcalloc(sim->B, sizeof(hs_readout *));
    sim->features = hs_xcalloc(sim->B, sizeof(double *));
    sim->failed = hs_xcalloc(sim->B, sizeof(int));
    sim->nonfinite = hs_xcalloc(sim->B, sizeof(int));
    sim->targets = hs_alloc_doubles(HS_CHUNK_ROWS * sim->n_tasks);
    hs_targets_init(&sim->centred, HS_CHUNK_ROWS, sim->n_tasks);
    sim->drive = hs_alloc_doubles(sim->n);
    sim->xi = hs_alloc_doubles(sim->n);
    int mixed = ctx->job->readout.precision == HS_PRECISION_MIXED;
    sim->validation = hs_plan_has_validation(ctx->job);
    if (mixed)
        hs_targets_use_float(&sim->centred);
    for (size_t k = 0; k < sim->B; k++) {
        sim->readout[k] = hs_readout_new_for(sim->n, sim->n_tasks, sim->validation);
        if (mixed)
            hs_readout_set_mixed(sim->readout[k]);
        hs_readout_reserve(sim->readout[k], HS_CHUNK_ROWS);
        sim->features[k] = hs_alloc_doubles(HS_CHUNK_ROWS * sim->n);
    }
}

static void simulation_free(simulation *sim)
{
    for (size_t k = 0; k < sim->B; k++) {
        hs_readout_free(sim->readout[k]);
        free(sim->features[k]);
    }
    hs_dynamics_free(sim->dynamics);
    hs_targets_free(&sim->centred);
    free(sim->readout);
    free(sim->features);
    free(sim->failed);
    free(sim->nonfinite);
    free(sim->targets);
    free(sim->drive);
    free(sim->xi);
}

static void run_columns(const hs_context *ctx, const hs_network *net, const hs_work_item *item,
                        const hs_poll *poll, active_columns *act, hs_item_result *out)
{
    const hs_job *job = ctx->job;
    simulation sim;
    simulation_init(&sim, ctx, net, (size_t)act->count);
    sim.poll = poll && poll->fn ? poll : NULL;
    double *sd = input_sd(net, ctx->stimulus);
    int idx[HS_UNIT_AXES];
    hs_plan_unit_axes(job, item->unit, idx);
    int model = (int)job->axes[HS_AX_MODEL].values[idx[0]];
    hs_dynamics_params params = {sim.B,   (const double *const *)act->tau,
                                 act->J,  act->Ju,
                                 act->rho, sd,
                                 sim.threads};
    sim.dynamics = hs_dynamics_new(model, job, net, &params);
    hs_rng noise = hs_rng_noise(job->seed, model, (int64_t)job->axes[HS_AX_N].values[idx[1]],
                                (int64_t)job->axes[HS_AX_SEED].values[idx[2]]);
    simulate(&sim, ctx, net, &noise);
    long B = (long)sim.B;
    int solving = sim.threads < act->count ? sim.threads : act->count;
    /* one solver a thread, reused column after column (plan.c counts them) */
#pragma omp parallel num_threads(solving) if (solving > 1)
    {
        hs_readout_solver *solver = hs_readout_solver_new(sim.n, sim.n_tasks);
#pragma omp for schedule(dynamic, 1)
        for (long k = 0; k < B; k++) {
            hs_column_result *res = &out->columns[act->slot[k]];
            solve_column(ctx, &sim, (size_t)k, solver, res);
            hs_dynamics_record(sim.dynamics, (size_t)k, ctx->stimulus->n_samples,
                               ctx->windows->washout, sim.n_tasks, res);
            if (sim.poll && on_main_thread()) /* MPI from the main thread only */
                sim.poll->fn(sim.poll->arg);
        }
        hs_readout_solver_free(solver);
    }
    simulation_free(&sim);
    free(sd);
}

int hs_unit_run(const hs_context *ctx, const hs_work_item *item, const hs_poll *poll,
                hs_item_result *out, hs_error *err)
{
    hs_network net = {0};
    int status = hs_unit_network(ctx, item->unit, &net, err);
    if (status != HS_OK)
        return status;
    active_columns act = {0};
    status = prepare_columns(ctx, item, net.n, out, &act, err);
    if (status == HS_OK && act.count > 0)
        run_columns(ctx, &net, item, poll, &act, out);
    free_columns(&act, act.count);
    hs_network_free(&net);
    return status;
}
