/* tasks.c - the task grid, chunked targets, complexity, similarity, windows. */
#include "hetsweep/tasks.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>

void hs_tasks_make(hs_tasks *tasks, const hs_job *job)
{
    int count = job->tasks.delay_count;
    size_t n = (size_t)job->tasks.n_components * (size_t)job->tasks.n_degrees * (size_t)count;
    tasks->n_tasks = n;
    tasks->k = hs_xcalloc(n, sizeof(int));
    tasks->d = hs_xcalloc(n, sizeof(int));
    tasks->delta_ms = hs_xcalloc(n, sizeof(double));
    tasks->delta_steps = hs_xcalloc(n, sizeof(int));
    tasks->complexity = hs_xcalloc(n, sizeof(double));
    double lo = job->tasks.delay_lo * job->stimulus.time_scale_ms;
    double hi = job->tasks.delay_hi * job->stimulus.time_scale_ms;
    double step = count > 1 ? (hi - lo) / (count - 1) : 0.0;
    int max_shift = 0;
    size_t t = 0;
    for (int ci = 0; ci < job->tasks.n_components; ci++)
        for (int di = 0; di < job->tasks.n_degrees; di++)
            for (int j = 0; j < count; j++, t++) {
                double delta = (count > 1 && j == count - 1) ? hi : lo + j * step;
                tasks->k[t] = job->tasks.components[ci];
                tasks->d[t] = job->tasks.degrees[di];
                tasks->delta_ms[t] = delta;
                tasks->delta_steps[t] = (int)rint(delta / job->time.dt_ms);
                tasks->complexity[t] = NAN;
                int shift = abs(tasks->delta_steps[t]);
                if (shift > max_shift)
                    max_shift = shift;
            }
    tasks->max_shift = max_shift;
}

void hs_tasks_free(hs_tasks *tasks)
{
    free(tasks->k);
    free(tasks->d);
    free(tasks->delta_ms);
    free(tasks->delta_steps);
    free(tasks->complexity);
    tasks->n_tasks = 0;
}

long hs_samples_of(double length_ms, double dt_ms)
{
    double ratio = length_ms / dt_ms;
    double whole = round(ratio);
    if (!isfinite(ratio) || fabs(ratio) > 0x1p53 || /* else (long) may overflow */
        fabs(ratio - whole) > 1e-9 * (whole > 1 ? whole : 1))
        return -1;
    return (long)whole;
}

static hs_window clip_window(size_t begin, size_t end, size_t lo, size_t hi)
{
    hs_window w;
    w.begin = begin > lo ? begin : lo;
    w.end = end < hi ? end : hi;
    if (w.end < w.begin)
        w.end = w.begin;
    return w;
}

void hs_windows_make(hs_windows *windows, const hs_job *job, int max_shift)
{
    double dt = job->time.dt_ms;
    size_t washout = (size_t)hs_samples_of(job->time.washout_ms, dt);
    size_t n_train = (size_t)hs_samples_of(job->time.train_ms, dt);
    size_t n_val = (size_t)hs_samples_of(job->time.validation_ms, dt);
    size_t n_test = (size_t)hs_samples_of(job->time.test_ms, dt);
    size_t T = washout + n_train + n_val + n_test;
    size_t lo = (size_t)max_shift;
    size_t hi = T > lo ? T - lo : 0;
    windows->n_samples = T;
    windows->washout = washout;
    windows->segment[0] = clip_window(washout, washout + n_train, lo, hi);
    windows->segment[1] = clip_window(washout + n_train, washout + n_train + n_val, lo, hi);
    windows->segment[2] = clip_window(washout + n_train + n_val, T, lo, hi);
}

/* The end of the run of tasks from j0 that share its component and degree
 * (consecutive in the task order: k-major, then d, then Delta). */
static size_t run_end(const hs_tasks *tasks, size_t j0)
{
    size_t j1 = j0 + 1;
    while (j1 < tasks->n_tasks && tasks->k[j1] == tasks->k[j0] && tasks->d[j1] == tasks->d[j0])
        j1++;
    return j1;
}

/* Tasks a targets' block holds: its sources stay in registers or L1. */
#define TARGET_BLOCK 64

void hs_tasks_targets(const hs_tasks *tasks, const hs_stimulus *stim, size_t t0, size_t rows,
                      double *Y)
{
    size_t n = tasks->n_tasks;
    const int *restrict shift = tasks->delta_steps;
    /* run by run, so that a row's tasks of one component and degree are
     * SIMD loops: the gather of u, then x^d as d - 1 multiplies in order
     * (each a loop along the block), the same in every lane */
    for (size_t j0 = 0, j1; j0 < n; j0 = j1) {
        j1 = run_end(tasks, j0);
        const int d = tasks->d[j0];
        for (size_t r = 0; r < rows; r++) {
            const double *u = stim->u + 3 * (t0 + r) + (tasks->k[j0] - 1);
            double *restrict row = Y + r * n;
            for (size_t b0 = j0; b0 < j1; b0 += TARGET_BLOCK) {
                size_t count = j1 - b0 < TARGET_BLOCK ? j1 - b0 : TARGET_BLOCK;
                double x[TARGET_BLOCK];
#pragma omp simd
                for (size_t j = 0; j < count; j++)
                    x[j] = u[3 * (long)shift[b0 + j]];
#pragma omp simd
                for (size_t j = 0; j < count; j++)
                    row[b0 + j] = x[j];
                for (int m = 1; m < d; m++) {
#pragma omp simd
                    for (size_t j = 0; j < count; j++)
                        row[b0 + j] *= x[j];
                }
            }
        }
    }
}

/* Centred, unit-norm targets over a window: (rows x n_tasks) row-major. The
 * passes go along the rows (unit stride) while each task's sums still add
 * its rows in order. */
static double *normalised_targets(const hs_tasks *tasks, const hs_stimulus *stim, hs_window w)
{
    size_t rows = w.end - w.begin, n = tasks->n_tasks;
    double *Y = hs_alloc_doubles(rows * n);
    double *mean = hs_alloc_doubles(n), *ss = hs_alloc_doubles(n);
    hs_tasks_targets(tasks, stim, w.begin, rows, Y);
    for (size_t r = 0; r < rows; r++)
        for (size_t j = 0; j < n; j++)
            mean[j] += Y[r * n + j];
    for (size_t j = 0; j < n; j++)
        mean[j] /= (double)rows;
    for (size_t r = 0; r < rows; r++)
        for (size_t j = 0; j < n; j++) {
            Y[r * n + j] -= mean[j];
            ss[j] += Y[r * n + j] * Y[r * n + j];
        }
    for (size_t j = 0; j < n; j++) /* the norm, kept in ss */
        ss[j] = sqrt(ss[j]);
    for (size_t r = 0; r < rows; r++)
        for (size_t j = 0; j < n; j++)
            Y[r * n + j] = ss[j] > 0 ? Y[r * n + j] / ss[j] : 0.0;
    free(mean);
    free(ss);
    return Y;
}

/* The n x n cosine similarities of the centred, unit-norm targets Y (rows x
 * n): Y^T Y, both triangles. */
static double *similarity_of(const double *Y, size_t rows, size_t n)
{
    double *S = hs_alloc_doubles(n * n);
    cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, (int)n, (int)rows, 1.0, Y, (int)n, 0.0,
                S, (int)n);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < i; j++)
            S[i * n + j] = S[j * n + i];
    return S;
}

/* Each task's complexity from the normalised targets Y of window w. The
 * three components' means and sums of squares are the same for every task
 * of a component (formed once), and the tasks' dot products advance row by
 * row, unit-stride along Y's rows; every sum still adds its rows in order. */
static void complexity_of(hs_tasks *tasks, const hs_stimulus *stim, hs_window w,
                          const double *Y)
{
    size_t rows = w.end - w.begin, n = tasks->n_tasks;
    double mean[3] = {0, 0, 0}, ss[3] = {0, 0, 0};
    for (int k = 0; k < 3; k++) {
        double sum = 0.0;
        for (size_t r = 0; r < rows; r++)
            sum += stim->u[3 * (w.begin + r) + k];
        mean[k] = sum / (double)rows;
        for (size_t r = 0; r < rows; r++) {
            double x = stim->u[3 * (w.begin + r) + k] - mean[k];
            ss[k] += x * x;
        }
    }
    double *dot = hs_alloc_doubles(n);
    for (size_t r = 0; r < rows; r++) {
        double x[3];
        for (int k = 0; k < 3; k++)
            x[k] = stim->u[3 * (w.begin + r) + k] - mean[k];
        const double *row = Y + r * n;
        for (size_t j = 0; j < n; j++)
            dot[j] += x[tasks->k[j] - 1] * row[j];
    }
    for (size_t j = 0; j < n; j++) {
        int k = tasks->k[j] - 1;
        double cosine = ss[k] > 0 ? dot[j] / sqrt(ss[k]) : 0.0;
        tasks->complexity[j] = tasks->d[j] == 1 && tasks->delta_steps[j] == 0 ? 0.0
                                                                              : 1.0 - fabs(cosine);
    }
    free(dot);
}

void hs_tasks_complexity(hs_tasks *tasks, const hs_stimulus *stim, hs_window w,
                         double **similarity)
{
    double *Y = normalised_targets(tasks, stim, w);
    complexity_of(tasks, stim, w, Y);
    if (similarity)
        *similarity = similarity_of(Y, w.end - w.begin, tasks->n_tasks);
    free(Y);
}
