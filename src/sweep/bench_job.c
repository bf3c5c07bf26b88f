/* bench_job.c - `hetsweep bench`'s whole-job table: a job run as a user runs
 * it (every work item through hs_unit_run), in one process, with 1 and with
 * P OpenMP threads (P = the cores this process may use), against a DGEMM
 * roof measured in the same invocation.
 *
 * The job is W1x8 by default (8 rate networks, N = 500, 882 tasks, one fixed
 * lambda: bench/jobs/w1x8.yaml holds the same text) or any job file given
 * with --job. Useful FLOPs per network are counted as the arithmetic the
 * science needs, not what this implementation happens to do: per
 * accumulated row N(N+1) for the Gram matrix and 2 N n_tasks for the cross
 * products, per step 2 nnz for the recurrent product, and 8 N^3 + 4 N^2
 * n_tasks for the solve. The fraction of the roof is that count over the
 * seconds, divided by the roof of the same number of threads (that many
 * single-threaded DGEMMs running at once, n = 1000).
 */
#include "hetsweep/bench.h"
#include "hetsweep/clock.h"

#include <cblas.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "hetsweep/config.h"
#include "hetsweep/inputs.h"
#include "hetsweep/jobfiles.h"
#include "hetsweep/plan.h"
#include "hetsweep/readout.h"
#include "hetsweep/results.h"
#include "hetsweep/stimulus.h"
#include "hetsweep/tasks.h"
#include "hetsweep/unit.h"
#include "hetsweep/validate.h"

#define ROOF_N 1000

static const char W1X8[] =
    "name: w1x8\n"
    "seed: 1\n"
    "time: {dt_ms: 1, washout_ms: 500, train_ms: 20000, validation_ms: 0, test_ms: 5000}\n"
    "readout:\n"
    "  lambdas: {min: 1.0e-6, max: 1.0e-6, count: 1}\n"
    "  selection: fixed\n"
    "sweep:\n"
    "  model: [rate]\n"
    "  profile: [lognormal]\n"
    "  heterogeneity: [0, 0.25, 0.5, 0.75, 1, 1.25, 1.5, 2]\n"
    "  tau_mean_ms: [20]\n"
    "  n: [500]\n"
    "  seeds: [0]\n";

typedef struct {
    hs_job job;
    hs_tasks tasks;
    hs_windows windows;
    hs_stimulus stimulus;
    hs_context context;
    hs_plan plan;
    int stage; /* how far set-up got, for the clean-up */
} job_inputs;

static int available_threads(void)
{
#ifdef _OPENMP
    return omp_get_num_procs();
#else
    return 1;
#endif
}

/* ---- the roof ---------------------------------------------------------- */

/* GFLOP/s of `threads` single-threaded DGEMMs (n = ROOF_N) running at once,
 * summed; the median of `repeats`. */
static double dgemm_roof(int threads, int repeats)
{
    size_t n = ROOF_N, size = n * n;
    double *a = hs_alloc_doubles(size * (size_t)threads * 3);
    for (size_t i = 0; i < size * (size_t)threads * 3; i++)
        a[i] = (double)(i % 97) / 97.0 - 0.5;
    double *rates = hs_xcalloc((size_t)repeats, sizeof(double));
    for (int r = 0; r < repeats; r++) {
        double t0 = hs_now_seconds();
#pragma omp parallel for num_threads(threads) schedule(static, 1)
        for (int k = 0; k < threads; k++) {
            double *x = a + (size_t)k * 3 * size;
            cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (blasint)n, (blasint)n,
                        (blasint)n, 1.0, x, (blasint)n, x + size, (blasint)n, 0.0, x + 2 * size,
                        (blasint)n);
        }
        rates[r] = 2.0 * (double)n * (double)n * (double)n * threads / (hs_now_seconds() - t0) / 1e9;
    }
    double roof = hs_bench_median(rates, repeats);
    free(rates);
    free(a);
    return roof;
}

/* ---- the job ----------------------------------------------------------- */

/* The job of path, or else of the built-in text. */
static int inputs_make(job_inputs *in, const char *path, const char *text, hs_error *err)
{
    memset(in, 0, sizeof *in);
    int status = path ? hs_job_load(path, &in->job, err)
                      : hs_job_parse("(built-in W1x8)", text, strlen(text), &in->job, err);
    if (status != HS_OK)
        return status;
    in->stage = 1;
    status = hs_job_validate(&in->job, err);
    if (status != HS_OK)
        return status;
    status = hs_inputs_make(&in->job, &in->tasks, &in->windows, &in->stimulus, NULL, err);
    in->stage = 2; /* the tasks are made either way */
    if (status != HS_OK)
        return status;
    in->stage = 3;
    hs_plan_make(&in->plan, &in->job, in->tasks.n_tasks, in->windows.n_samples);
    in->stage = 4;
    hs_context_init(&in->context, &in->job, &in->stimulus, &in->tasks, &in->windows);
    in->stage = 5;
    status = hs_jobfiles_attach(&in->context, err);
    return status;
}

static void inputs_free(job_inputs *in)
{
    if (in->stage >= 5)
        hs_context_free(&in->context);
    if (in->stage >= 4)
        hs_plan_free(&in->plan);
    if (in->stage >= 3)
        hs_stimulus_free(&in->stimulus);
    if (in->stage >= 2)
        hs_tasks_free(&in->tasks);
    if (in->stage >= 1)
        hs_job_free(&in->job);
}

/* The science's arithmetic for every network of the job (see the top). */
static double useful_flops(const job_inputs *in)
{
    double rows = 0, tasks = (double)in->tasks.n_tasks, T = (double)in->windows.n_samples;
    for (int s = 0; s < HS_N_SEGMENTS; s++) /* validation only where it is read out */
        if (s != HS_SEG_VALIDATION || hs_plan_has_validation(&in->job))
            rows += (double)(in->windows.segment[s].end - in->windows.segment[s].begin);
    double p = in->job.network.connectivity, total = 0;
    for (int u = 0; u < in->plan.n_units; u++) {
        int idx[HS_UNIT_AXES];
        hs_plan_unit_axes(&in->job, u, idx);
        double n = in->job.axes[HS_AX_N].values[idx[1]];
        double per_network = rows * (n * (n + 1) + 2 * n * tasks) + T * 2 * p * n * (n - 1) +
                             8 * n * n * n + 4 * n * n * tasks;
        total += per_network * (in->plan.n_columns - in->plan.n_copies); /* computed ones */
    }
    return total;
}

/* Seconds to compute every work item once with `threads` threads. */
static int run_all_items(job_inputs *in, int threads, double *seconds, hs_error *err)
{
    in->context.threads = threads;
    double t0 = hs_now_seconds();
    int status = HS_OK;
    for (int i = 0; i < in->plan.n_items && status == HS_OK; i++) {
        const hs_work_item *item = &in->plan.items[i];
        hs_item_result result;
        hs_item_result_init(&result, item->unit, item->first_column, item->n_columns,
                            in->tasks.n_tasks);
        status = hs_unit_run(&in->context, item, NULL, &result, err);
        hs_item_result_free(&result);
    }
    *seconds = hs_now_seconds() - t0;
    return status;
}

/* ---- the measured rate, for `check` ------------------------------------- */

/* "$XDG_CACHE_HOME/hetsweep-rate" or "$HOME/.cache/hetsweep-rate"; 0 if
 * neither is set. */
static int rate_path(char *path, size_t size)
{
    const char *cache = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    if (cache && cache[0])
        return snprintf(path, size, "%s/hetsweep-rate", cache) < (int)size;
    if (home && home[0])
        return snprintf(path, size, "%s/.cache/hetsweep-rate", home) < (int)size;
    return 0;
}

static void save_rate(FILE *out, double gflops_per_core)
{
    char path[4096], tmp[4200];
    if (!rate_path(path, sizeof path))
        return;
    snprintf(tmp, sizeof tmp, "%s.%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "w");
    if (!f || fprintf(f, "%.6g\n", gflops_per_core) < 0 || fclose(f) != 0 ||
        rename(tmp, path) != 0) {
        remove(tmp);
        return; /* a prediction is a convenience: no cache, no prediction */
    }
    fprintf(out, "   saved %.3g useful GFLOP/s per core to %s (hetsweep check predicts times "
                 "from it)\n",
            gflops_per_core, path);
}

int hs_bench_measured_rate(double *gflops_per_core, char *where, size_t size)
{
    char path[4096];
    if (!rate_path(path, sizeof path))
        return 0;
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    double value = 0;
    int ok = fscanf(f, "%lf", &value) == 1 && value > 0 && value < 1e6;
    fclose(f);
    if (ok) {
        *gflops_per_core = value;
        snprintf(where, size, "%s", path);
    }
    return ok;
}

static void print_row(FILE *out, int threads, double seconds, double roof, const job_inputs *in,
                      double flops, double base_seconds)
{
    double networks = (double)in->plan.n_units * in->plan.n_columns;
    double rate = flops / seconds / 1e9;
    fprintf(out, "   %7d  %9.2f  %11.3f  %12.0f  %11.2f  %11.2f  %8.2f  %8.2f\n", threads, seconds,
            seconds / networks, networks * (double)in->tasks.n_tasks / seconds, rate, roof,
            rate / roof, base_seconds / seconds);
}

/* Start the process's peak RSS afresh from what it holds now (Linux: "5"
 * to /proc/self/clear_refs resets VmHWM), so that the job's peak is not the
 * roof's; without it the peak covers the whole process. */
static void reset_peak_rss(void)
{
    FILE *f = fopen("/proc/self/clear_refs", "w");
    if (f) {
        fputs("5", f);
        fclose(f);
    }
}

/* The process's peak RSS in bytes since the last reset_peak_rss: VmHWM of
 * /proc/self/status, else ru_maxrss (KiB on Linux). */
static double peak_rss_bytes(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    double kib = 0;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "VmHWM: %lf kB", &kib) == 1)
            break;
    if (f)
        fclose(f);
    if (kib <= 0) {
        struct rusage usage;
        getrusage(RUSAGE_SELF, &usage);
        kib = (double)usage.ru_maxrss;
    }
    return kib * 1024.0;
}

/* The peak RSS of the runs with `threads` threads against the planner's
 * estimate for that thread count, and their ratio. */
static void print_memory(FILE *out, const job_inputs *in, int threads, double peak)
{
    double estimate = hs_plan_rank_bytes(&in->job, in->plan.largest_n, in->tasks.n_tasks,
                                         in->windows.n_samples, in->plan.batch, threads);
    fprintf(out, "   peak RSS with %d thread%s %.1f MB; the planner's estimate %.1f MB; "
                 "ratio %.2f\n",
            threads, threads == 1 ? "" : "s", peak / 1048576.0, estimate / 1048576.0,
            peak / estimate);
}

int hs_bench_job(FILE *out, const char *job_path, int repeats, hs_error *err)
{
    job_inputs in;
    int status = inputs_make(&in, job_path, W1X8, err);
    int counts[2] = {1, available_threads()};
    int n_counts = counts[1] > 1 ? 2 : 1;
    double flops = status == HS_OK ? useful_flops(&in) : 0, base = 0, peaks[2] = {0, 0};
    if (status == HS_OK) {
        fprintf(out, "\ne. whole job %s, in one process: %d units x %d columns, %zu tasks, "
                     "T = %zu samples, %d work items; %.3g useful FLOPs\n",
                in.job.name, in.plan.n_units, in.plan.n_columns, in.tasks.n_tasks,
                in.windows.n_samples, in.plan.n_items, flops);
        fprintf(out, "   %7s  %9s  %11s  %12s  %11s  %11s  %8s  %8s\n", "threads", "seconds",
                "s/network", "scores/s", "GFLOP/s", "roof GF/s", "of roof", "speed-up");
    }
    for (int c = 0; status == HS_OK && c < n_counts; c++) {
        double roof = dgemm_roof(counts[c], repeats);
        double *times = hs_xcalloc((size_t)repeats, sizeof(double));
        reset_peak_rss();
        for (int r = 0; status == HS_OK && r < repeats; r++)
            status = run_all_items(&in, counts[c], &times[r], err);
        if (status == HS_OK) {
            double seconds = hs_bench_median(times, repeats);
            if (c == 0)
                base = seconds;
            print_row(out, counts[c], seconds, roof, &in, flops, base);
            if (c == 0 && !job_path) /* W1x8 with one thread: the rate `check` uses */
                save_rate(out, flops / seconds / 1e9);
            fflush(out);
        }
        free(times);
        if (status == HS_OK)
            peaks[c] = peak_rss_bytes();
    }
    for (int c = 0; status == HS_OK && c < n_counts; c++)
        print_memory(out, &in, counts[c], peaks[c]);
    inputs_free(&in);
    return status;
}
