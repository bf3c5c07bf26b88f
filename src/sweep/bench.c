/* bench.c - `hetsweep bench`: medians of measured timings of the rate step,
 * the LIF step, the normal deviates, readout accumulation and solve, and one
 * whole work item, on synthetic inputs made by the project's own modules from
 * a shortened default job.
 *
 * The job is hs_job_defaults() with washout 100, train 2000, validation 500
 * and test 500 ms (T = 3100 samples at dt = 1 ms), one seed, the default 882
 * tasks and 11 lambdas. Networks are drawn with hs_network_random; feature
 * rows fed to the readout come from simulating that network (one column,
 * lognormal cv 1), so the eigensolver sees a realistic spectrum. Only the
 * calls named in each table are inside the timed region.
 */
#include "hetsweep/bench.h"
#include "hetsweep/clock.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hetsweep/config.h"
#include "hetsweep/inputs.h"
#include "hetsweep/error.h"
#include "hetsweep/lif.h"
#include "hetsweep/network.h"
#include "hetsweep/plan.h"
#include "hetsweep/rate.h"
#include "hetsweep/readout.h"
#include "hetsweep/results.h"
#include "hetsweep/rng.h"
#include "hetsweep/stimulus.h"
#include "hetsweep/tasks.h"
#include "hetsweep/tau.h"
#include "hetsweep/unit.h"
#include "hetsweep/validate.h"

#define STEP_N 200
#define MAX_COLUMNS 16
#define UNIT_N 100
#define LIF_N 500
#define LIF_COLUMNS 8
#define TAU_MEAN_MS 20.0

static const size_t step_batches[] = {1, 5, 16};
static const size_t readout_sizes[] = {100, 200, 400};
#define N_STEP_BATCHES (sizeof step_batches / sizeof step_batches[0])
#define N_READOUT_SIZES (sizeof readout_sizes / sizeof readout_sizes[0])

/* ---- timing ---------------------------------------------------------- */

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double hs_bench_median(const double *values, int count)
{
    double *copy = hs_xmalloc((size_t)count * sizeof *copy);
    memcpy(copy, values, (size_t)count * sizeof *copy);
    qsort(copy, (size_t)count, sizeof *copy, compare_doubles);
    double m = count % 2 ? copy[count / 2] : 0.5 * (copy[count / 2 - 1] + copy[count / 2]);
    free(copy);
    return m;
}

/* ---- normal deviates ------------------------------------------------- */

#define NORMAL_DEVIATES 4000000 /* per timed run */
static const size_t normal_counts[] = {64, 500};
#define N_NORMAL_COUNTS (sizeof normal_counts / sizeof normal_counts[0])

/* ns per deviate of hs_rng_normal_fill in calls of `count` elements (the
 * noise of unit.c: one call per 64-row block of a sample). */
static double time_normal_fill(size_t count, int repeats)
{
    hs_rng noise = hs_rng_noise(1, HS_MODEL_RATE, 500, 0);
    double *xi = hs_alloc_doubles(count), *times = hs_xcalloc((size_t)repeats, sizeof(double));
    size_t calls = NORMAL_DEVIATES / count;
    for (int r = 0; r < repeats; r++) {
        double t0 = hs_now_seconds();
        for (size_t c = 0; c < calls; c++)
            hs_rng_normal_fill(&noise, (uint64_t)c * count, count, xi);
        times[r] = (hs_now_seconds() - t0) / (double)(calls * count);
    }
    double seconds = hs_bench_median(times, repeats);
    free(times);
    free(xi);
    return seconds;
}

static void bench_normals(FILE *out, int repeats)
{
    fprintf(out, "\na3. normal deviates: hs_rng_normal_fill (Philox4x32-10, Box-Muller), "
                 "%d deviates a run, 1 thread\n", NORMAL_DEVIATES);
    fprintf(out, "   %10s  %14s\n", "per call", "ns/deviate");
    for (size_t k = 0; k < N_NORMAL_COUNTS; k++)
        fprintf(out, "   %10zu  %14.2f\n", normal_counts[k],
                1e9 * time_normal_fill(normal_counts[k], repeats));
}

/* ---- synthetic inputs ------------------------------------------------ */

typedef struct {
    hs_job job;
    hs_tasks tasks;
    hs_windows windows;
    hs_stimulus stimulus;
    hs_context context;
    int have_stimulus, have_context;
} bench_inputs;

static int inputs_make(bench_inputs *in, hs_error *err)
{
    memset(in, 0, sizeof *in);
    hs_job *job = &in->job;
    hs_job_defaults(job);
    job->time.washout_ms = 100.0;
    job->time.train_ms = 2000.0;
    job->time.validation_ms = 500.0;
    job->time.test_ms = 500.0;
    job->axes[HS_AX_N].count = 1; /* one unit: n = 100, seed 0, the five default columns */
    job->axes[HS_AX_N].values[0] = UNIT_N;
    job->axes[HS_AX_SEED].count = 1;
    job->axes[HS_AX_SEED].values[0] = 0;
    int status = hs_job_validate(job, err);
    if (status != HS_OK)
        return status;
    status = hs_inputs_make(job, &in->tasks, &in->windows, &in->stimulus, NULL, err);
    if (status != HS_OK)
        return status;
    in->have_stimulus = 1;
    hs_context_init(&in->context, job, &in->stimulus, &in->tasks, &in->windows);
    in->have_context = 1;
    return HS_OK;
}

static void inputs_free(bench_inputs *in)
{
    if (in->have_context)
        hs_context_free(&in->context);
    if (in->have_stimulus)
        hs_stimulus_free(&in->stimulus);
    if (in->tasks.k)
        hs_tasks_free(&in->tasks);
    hs_job_free(&in->job);
}

/* Per-step inputs of a network over all T samples: drive (Win u_t), the
 * unit's noise draws xi_t, and the noise scale sigma_i (population sd of the
 * drive), each as unit.c computes them. */
typedef struct {
    size_t n, steps;
    double *drive; /* steps x n */
    double *xi;    /* steps x n */
    double *input_sd; /* n */
} step_inputs;

static void step_inputs_make(step_inputs *s, const bench_inputs *in, const hs_network *net)
{
    size_t n = net->n, T = in->stimulus.n_samples;
    s->n = n;
    s->steps = T;
    s->drive = hs_alloc_doubles(T * n);
    s->xi = hs_alloc_doubles(T * n);
    s->input_sd = hs_alloc_doubles(n);
    hs_rng noise = hs_rng_noise(in->job.seed, HS_MODEL_RATE, (int64_t)n, 0);
    double *mean = hs_alloc_doubles(n);
    for (size_t t = 0; t < T; t++) {
        hs_network_drive(net, in->stimulus.u + 3 * t, s->drive + t * n);
        hs_rng_normal_fill(&noise, (uint64_t)t * n, n, s->xi + t * n);
        for (size_t i = 0; i < n; i++)
            mean[i] += s->drive[t * n + i];
    }
    for (size_t i = 0; i < n; i++)
        mean[i] /= (double)T;
    for (size_t t = 0; t < T; t++)
        for (size_t i = 0; i < n; i++) {
            double d = s->drive[t * n + i] - mean[i];
            s->input_sd[i] += d * d;
        }
    for (size_t i = 0; i < n; i++)
        s->input_sd[i] = sqrt(s->input_sd[i] / (double)T);
    free(mean);
}

static void step_inputs_free(step_inputs *s)
{
    free(s->drive);
    free(s->xi);
    free(s->input_sd);
}

/* MAX_COLUMNS columns: lognormal time constants (mean 20 ms) at the five
 * default heterogeneity levels, recurrent gain 1.0, 0.8, 1.2, 1.5 by block of
 * five, input gain 1, noise 0.1. */
typedef struct {
    double *tau[MAX_COLUMNS];
    double J[MAX_COLUMNS], Ju[MAX_COLUMNS], rho[MAX_COLUMNS];
} column_set;

static int columns_make(column_set *cols, const hs_job *job, size_t n)
{
    static const double levels[] = {0.0, 0.25, 0.5, 1.0, 2.0};
    static const double gains[] = {1.0, 0.8, 1.2, 1.5};
    memset(cols, 0, sizeof *cols);
    for (int b = 0; b < MAX_COLUMNS; b++) {
        double cv = levels[b % 5];
        cols->tau[b] = hs_alloc_doubles(n);
        hs_rng rng = hs_rng_tau(job->seed, (int64_t)n, 0, HS_PROFILE_LOGNORMAL, cv, TAU_MEAN_MS);
        if (hs_tau_draw(HS_PROFILE_LOGNORMAL, cv, TAU_MEAN_MS, job->network.tau_min_ms, n, &rng,
                        NULL, 0, cols->tau[b], NULL) != HS_OK)
            return -1;
        cols->J[b] = gains[(b / 5) % 4];
        cols->Ju[b] = 1.0;
        cols->rho[b] = 0.1;
    }
    return 0;
}

static void columns_free(column_set *cols)
{
    for (int b = 0; b < MAX_COLUMNS; b++)
        free(cols->tau[b]);
}

static hs_rate *rate_for(const hs_network *net, const hs_job *job, const column_set *cols,
                         size_t first, size_t batch, const step_inputs *s)
{
    hs_rate_params params = {batch,
                             (const double *const *)cols->tau + first,
                             cols->J + first,
                             cols->Ju + first,
                             cols->rho + first,
                             s->input_sd,
                             job->time.dt_ms,
                             job->network.activation,
                             1};
    return hs_rate_new(net, &params);
}

/* Seconds for s->steps steps of columns [first, first + batch). */
static double time_steps(const hs_network *net, const hs_job *job, const column_set *cols,
                         size_t first, size_t batch, const step_inputs *s)
{
    hs_rate *rate = rate_for(net, job, cols, first, batch, s);
    double t0 = hs_now_seconds();
    for (size_t t = 0; t < s->steps; t++)
        hs_rate_step(rate, s->drive + t * s->n, s->xi + t * s->n, 0);
    double seconds = hs_now_seconds() - t0;
    hs_rate_free(rate);
    return seconds;
}

/* ---- a. the rate step ------------------------------------------------ */

static int bench_rate_step(FILE *out, const bench_inputs *in, int repeats)
{
    hs_network net = {0};
    hs_network_random(&net, &in->job, STEP_N, 0);
    step_inputs s = {0};
    step_inputs_make(&s, in, &net);
    column_set cols;
    if (columns_make(&cols, &in->job, STEP_N) != 0) {
        columns_free(&cols);
        step_inputs_free(&s);
        hs_network_free(&net);
        fprintf(stderr, "hetsweep: bench: a time-constant profile was infeasible\n");
        return HS_ERR_RUNTIME;
    }
    time_steps(&net, &in->job, &cols, 0, MAX_COLUMNS, &s); /* warm-up, not reported */
    double *batched = hs_xcalloc(N_STEP_BATCHES * (size_t)repeats, sizeof(double));
    double *separate = hs_xcalloc(N_STEP_BATCHES * (size_t)repeats, sizeof(double));
    for (int r = 0; r < repeats; r++) {
        double single[MAX_COLUMNS];
        for (size_t b = 0; b < MAX_COLUMNS; b++)
            single[b] = time_steps(&net, &in->job, &cols, b, 1, &s);
        for (size_t k = 0; k < N_STEP_BATCHES; k++) {
            size_t B = step_batches[k];
            batched[k * (size_t)repeats + (size_t)r] = time_steps(&net, &in->job, &cols, 0, B, &s);
            double sum = 0.0;
            for (size_t b = 0; b < B; b++)
                sum += single[b];
            separate[k * (size_t)repeats + (size_t)r] = sum;
        }
    }
    fprintf(out, "\na. rate step: hs_rate_step, N = %d, p = %g (%zu nonzeros), %zu steps a run\n",
           STEP_N, in->job.network.connectivity, net.nnz, s.steps);
    fprintf(out, "   (separate = the same B columns as B batch-1 runs; speed-up = separate / "
                 "batched)\n");
    fprintf(out, "   %5s  %12s  %16s  %14s  %9s\n", "batch", "us/step", "us/column-step",
            "separate us", "speed-up");
    for (size_t k = 0; k < N_STEP_BATCHES; k++) {
        size_t B = step_batches[k];
        double t_batched = hs_bench_median(batched + k * (size_t)repeats, repeats) / (double)s.steps;
        double t_separate = hs_bench_median(separate + k * (size_t)repeats, repeats) / (double)s.steps;
        fprintf(out, "   %5zu  %12.2f  %16.2f  %14.2f  %8.2fx\n", B, 1e6 * t_batched,
                1e6 * t_batched / (double)B, 1e6 * t_separate, t_separate / t_batched);
    }
    free(batched);
    free(separate);
    columns_free(&cols);
    step_inputs_free(&s);
    hs_network_free(&net);
    return HS_OK;
}

/* ---- a2. the LIF step ------------------------------------------------- */

/* hs_lif_sample alone (no readout), N = LIF_N, 8 columns (levels 0 .. 2,
 * twice), one thread: synaptic events per second per core in the step. */
static int bench_lif_step(FILE *out, const bench_inputs *in, int repeats)
{
    const hs_job *job = &in->job;
    hs_network net = {0};
    hs_network_random(&net, job, LIF_N, 0);
    step_inputs s = {0};
    step_inputs_make(&s, in, &net);
    column_set cols;
    int status = columns_make(&cols, job, LIF_N) == 0 ? HS_OK : HS_ERR_RUNTIME;
    double *times = hs_xcalloc((size_t)repeats, sizeof(double)), events = 0;
    for (int r = 0; status == HS_OK && r < repeats; r++) {
        hs_lif_params p = {LIF_COLUMNS,      (const double *const *)cols.tau, cols.J,
                           cols.Ju,          cols.rho,        s.input_sd,
                           job->time.dt_ms,  job->lif.dt_ms,  job->lif.refractory_ms,
                           job->lif.tau_syn_ms, job->lif.tau_readout_ms, job->lif.bias, 1};
        hs_lif *lif = hs_lif_new(&net, &p);
        double t0 = hs_now_seconds();
        for (size_t t = 0; t < s.steps; t++)
            hs_lif_sample(lif, s.drive + t * s.n, s.xi + t * s.n, 1);
        times[r] = hs_now_seconds() - t0;
        events = 0;
        for (size_t b = 0; b < LIF_COLUMNS; b++) {
            hs_lif_counts c;
            hs_lif_counts_of(lif, b, &c);
            events += (double)c.synaptic_events;
        }
        hs_lif_free(lif);
    }
    if (status == HS_OK) {
        double seconds = hs_bench_median(times, repeats);
        fprintf(out, "\na2. LIF step: hs_lif_sample, N = %d, p = %g, %d columns (cv 0 .. 2), "
                     "%zu samples of %g LIF steps, 1 thread\n",
                LIF_N, job->network.connectivity, LIF_COLUMNS, s.steps,
                job->time.dt_ms / job->lif.dt_ms);
        fprintf(out, "   %12s  %16s  %22s\n", "seconds", "synaptic events",
                "events/s per core");
        fprintf(out, "   %12.4f  %16.4g  %22.4g\n", seconds, events, events / seconds);
    } else {
        fprintf(stderr, "hetsweep: bench: a time-constant profile was infeasible\n");
    }
    free(times);
    columns_free(&cols);
    step_inputs_free(&s);
    hs_network_free(&net);
    return status;
}

/* ---- b, c. the readout ----------------------------------------------- */

/* Features (T x n, row-major) of a one-column simulation (column 3: cv 1)
 * and the targets of each segment (rows of the segment x n_tasks). */
typedef struct {
    size_t n;
    double *features;
    double *targets[HS_N_SEGMENTS];
} readout_data;

static int readout_data_make(readout_data *d, const bench_inputs *in, size_t n)
{
    memset(d, 0, sizeof *d);
    hs_network net = {0};
    hs_network_random(&net, &in->job, (int64_t)n, 0);
    step_inputs s = {0};
    step_inputs_make(&s, in, &net);
    column_set cols;
    int status = columns_make(&cols, &in->job, n);
    if (status == 0) {
        d->n = n;
        d->features = hs_alloc_doubles(s.steps * n);
        hs_rate *rate = rate_for(&net, &in->job, &cols, 3, 1, &s);
        for (size_t t = 0; t < s.steps; t++) {
            hs_rate_step(rate, s.drive + t * n, s.xi + t * n, 0);
            memcpy(d->features + t * n, hs_rate_features(rate), n * sizeof(double));
        }
        hs_rate_free(rate);
        size_t n_tasks = in->tasks.n_tasks;
        for (int seg = 0; seg < HS_N_SEGMENTS; seg++) {
            hs_window w = in->windows.segment[seg];
            d->targets[seg] = hs_alloc_doubles((w.end - w.begin) * n_tasks);
            hs_tasks_targets(&in->tasks, &in->stimulus, w.begin, w.end - w.begin,
                             d->targets[seg]);
        }
    }
    columns_free(&cols);
    step_inputs_free(&s);
    hs_network_free(&net);
    return status;
}

static void readout_data_free(readout_data *d)
{
    free(d->features);
    for (int seg = 0; seg < HS_N_SEGMENTS; seg++)
        free(d->targets[seg]);
}

/* Add a segment in chunks of HS_CHUNK_ROWS rows. */
static void add_segment(hs_readout *readout, const bench_inputs *in, const readout_data *d,
                        int seg)
{
    hs_window w = in->windows.segment[seg];
    size_t n_tasks = in->tasks.n_tasks;
    for (size_t r0 = 0; r0 < w.end - w.begin; r0 += HS_CHUNK_ROWS) {
        size_t rows = w.end - w.begin - r0;
        if (rows > HS_CHUNK_ROWS)
            rows = HS_CHUNK_ROWS;
        hs_readout_add(readout, seg, d->features + (w.begin + r0) * d->n,
                       d->targets[seg] + r0 * n_tasks, rows);
    }
}

/* Seconds to add the train segment to a fresh readout (its work buffers
 * allocated beforehand by an untimed chunk on the test segment). */
static double time_accumulate(const bench_inputs *in, const readout_data *d)
{
    size_t n_tasks = in->tasks.n_tasks;
    hs_window test = in->windows.segment[HS_SEG_TEST];
    hs_readout *readout = hs_readout_new(d->n, n_tasks);
    hs_readout_add(readout, HS_SEG_TEST, d->features + test.begin * d->n,
                   d->targets[HS_SEG_TEST], HS_CHUNK_ROWS);
    double t0 = hs_now_seconds();
    add_segment(readout, in, d, HS_SEG_TRAIN);
    double seconds = hs_now_seconds() - t0;
    hs_readout_free(readout);
    return seconds;
}

typedef struct {
    double accumulate_s, solve_s;
    size_t train_rows;
} readout_timing;

static int bench_readout_size(const bench_inputs *in, size_t n, int repeats, readout_timing *out)
{
    readout_data d;
    if (readout_data_make(&d, in, n) != 0) {
        readout_data_free(&d);
        fprintf(stderr, "hetsweep: bench: a time-constant profile was infeasible\n");
        return HS_ERR_RUNTIME;
    }
    size_t n_tasks = in->tasks.n_tasks;
    double *times = hs_xcalloc((size_t)repeats, sizeof(double));
    for (int r = 0; r < repeats; r++)
        times[r] = time_accumulate(in, &d);
    out->accumulate_s = hs_bench_median(times, repeats);
    out->train_rows = in->windows.segment[HS_SEG_TRAIN].end - in->windows.segment[HS_SEG_TRAIN].begin;

    hs_readout *readout = hs_readout_new(n, n_tasks);
    for (int seg = 0; seg < HS_N_SEGMENTS; seg++)
        add_segment(readout, in, &d, seg);
    double *score = hs_alloc_doubles(n_tasks), *alignment = hs_alloc_doubles(n_tasks);
    int8_t *lambda_index = hs_xcalloc(n_tasks, sizeof(int8_t));
    hs_readout_options options = {in->context.lambdas, in->job.readout.lambda_count, 0};
    int status = HS_OK;
    for (int r = 0; r < repeats && status == HS_OK; r++) {
        hs_readout_result result = {score, alignment, lambda_index, NAN};
        double t0 = hs_now_seconds();
        int solved = hs_readout_solve(readout, &options, &result);
        times[r] = hs_now_seconds() - t0;
        if (solved != HS_OK) {
            fprintf(stderr, "hetsweep: bench: readout solve for N = %zu was not finite\n", n);
            status = HS_ERR_RUNTIME;
        }
    }
    out->solve_s = status == HS_OK ? hs_bench_median(times, repeats) : NAN;
    free(score);
    free(alignment);
    free(lambda_index);
    hs_readout_free(readout);
    free(times);
    readout_data_free(&d);
    return status;
}

static int bench_readout(FILE *out, const bench_inputs *in, int repeats)
{
    readout_timing timing[N_READOUT_SIZES];
    for (size_t k = 0; k < N_READOUT_SIZES; k++) {
        int status = bench_readout_size(in, readout_sizes[k], repeats, &timing[k]);
        if (status != HS_OK)
            return status;
    }
    size_t n_tasks = in->tasks.n_tasks;
    size_t chunks = (timing[0].train_rows + HS_CHUNK_ROWS - 1) / HS_CHUNK_ROWS;
    fprintf(out, "\nb. readout accumulation: hs_readout_add, %zu tasks, %zu train rows in %zu "
                 "chunks of %d rows\n",
            n_tasks, timing[0].train_rows, chunks, HS_CHUNK_ROWS);
    fprintf(out, "   (flops counted: N^2 + 2 N tasks per row)\n");
    fprintf(out, "   %5s  %12s  %10s\n", "N", "ms/chunk", "GFLOP/s");
    for (size_t k = 0; k < N_READOUT_SIZES; k++) {
        double n = (double)readout_sizes[k];
        double flops = (double)timing[k].train_rows * (n * n + 2.0 * n * (double)n_tasks);
        fprintf(out, "   %5zu  %12.3f  %10.2f\n", readout_sizes[k],
                1e3 * timing[k].accumulate_s / (double)chunks, flops / timing[k].accumulate_s / 1e9);
    }
    fprintf(out, "\nc. readout solve: hs_readout_solve, %zu tasks, %d lambdas "
                 "(DSYEVD + selection + test scores)\n",
            n_tasks, in->job.readout.lambda_count);
    fprintf(out, "   %5s  %12s\n", "N", "seconds");
    for (size_t k = 0; k < N_READOUT_SIZES; k++)
        fprintf(out, "   %5zu  %12.4f\n", readout_sizes[k], timing[k].solve_s);
    return HS_OK;
}

/* ---- d. one work item ------------------------------------------------ */

static int bench_unit(FILE *out, const bench_inputs *in, int repeats)
{
    size_t n_tasks = in->tasks.n_tasks;
    int n_columns = in->job.axes[HS_AX_HETEROGENEITY].count;
    hs_work_item item = {0, 0, n_columns, 0.0};
    double *times = hs_xcalloc((size_t)repeats, sizeof(double));
    int status = HS_OK;
    hs_error err;
    hs_error_clear(&err);
    for (int r = 0; r < repeats && status == HS_OK; r++) {
        hs_item_result result;
        hs_item_result_init(&result, item.unit, item.first_column, item.n_columns, n_tasks);
        double t0 = hs_now_seconds();
        status = hs_unit_run(&in->context, &item, NULL, &result, &err);
        times[r] = hs_now_seconds() - t0;
        if (status != HS_OK)
            fprintf(stderr, "hetsweep: bench: %s\n", err.msg);
        for (int b = 0; status == HS_OK && b < n_columns; b++)
            if (result.columns[b].status != HS_NET_OK) {
                fprintf(stderr, "hetsweep: bench: work item column %d ended with status %d\n",
                        b, result.columns[b].status);
                status = HS_ERR_RUNTIME;
            }
        hs_item_result_free(&result);
    }
    if (status == HS_OK) {
        double seconds = hs_bench_median(times, repeats);
        fprintf(out, "\nd. one work item: hs_unit_run, rate, N = %d, %d columns, %zu tasks, "
                     "T = %zu samples\n",
                UNIT_N, n_columns, n_tasks, in->windows.n_samples);
        fprintf(out, "   %12s  %22s\n", "seconds", "network-task scores/s");
        fprintf(out, "   %12.4f  %22.0f\n", seconds, (double)n_columns * (double)n_tasks / seconds);
    }
    free(times);
    return status;
}

/* ---- the table ------------------------------------------------------- */

int hs_bench_run(FILE *out, int repeats, const char *job_path)
{
    if (repeats < HS_BENCH_MIN_REPEATS || repeats > HS_BENCH_MAX_REPEATS) {
        fprintf(stderr, "hetsweep: bench: repeats must be in [%d, %d]\n", HS_BENCH_MIN_REPEATS,
                HS_BENCH_MAX_REPEATS);
        return HS_ERR_INPUT;
    }
    openblas_set_num_threads(1);
    double started = hs_now_seconds();
    bench_inputs in;
    hs_error err;
    hs_error_clear(&err);
    int status = inputs_make(&in, &err);
    if (status != HS_OK) {
        fprintf(stderr, "hetsweep: bench: %s\n", err.msg);
        inputs_free(&in);
        return status;
    }
    const hs_job *job = &in.job;
    fprintf(out, "hetsweep bench: medians of %d run(s), CLOCK_MONOTONIC, measured here\n",
            repeats);
    fprintf(out, "BLAS: %s; %d thread(s)\n", openblas_get_config(), openblas_get_num_threads());
    fprintf(out, "job: defaults with washout %g, train %g, validation %g, test %g ms "
                 "(T = %zu samples, dt %g ms), %zu tasks, %d lambdas\n",
            job->time.washout_ms, job->time.train_ms, job->time.validation_ms, job->time.test_ms,
            in.windows.n_samples, job->time.dt_ms, in.tasks.n_tasks, job->readout.lambda_count);
    fflush(out);
    status = bench_rate_step(out, &in, repeats);
    fflush(out);
    if (status == HS_OK)
        status = bench_lif_step(out, &in, repeats);
    fflush(out);
    if (status == HS_OK)
        bench_normals(out, repeats);
    fflush(out);
    if (status == HS_OK)
        status = bench_readout(out, &in, repeats);
    fflush(out);
    if (status == HS_OK)
        status = bench_unit(out, &in, repeats);
    fflush(out);
    if (status == HS_OK) {
        status = hs_bench_job(out, job_path, repeats, &err);
        if (status != HS_OK)
            fprintf(stderr, "hetsweep: bench: %s\n", err.msg);
    }
    if (status == HS_OK)
        fprintf(out, "\ntotal bench time %.1f s\n", hs_now_seconds() - started);
    fflush(out);
    inputs_free(&in);
    return status;
}
