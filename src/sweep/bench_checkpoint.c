/* bench_checkpoint.c - `hetsweep bench --checkpoint JOB.yaml`: what one
 * checkpoint costs when 1% of the cube's networks are new, written
 * incrementally (into the shadow, in place: checkpoint.h) and as a full copy,
 * measured in the same run on the same cube. The results are synthetic (no
 * compute): the cube is filled through the run's own checkpointer, in
 * checkpoints of about 10% of the networks each, up to all but the measured
 * ones (the last of 1%); then `repeats` incremental checkpoints of 1% each, then `repeats`
 * full ones of 1% each. The cube lives in $TMPDIR (else /tmp) and is removed.
 */
#include "hetsweep/bench.h"
#include "hetsweep/clock.h"

#include <math.h>
#include <stddef.h>
#include <mpi.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hetsweep/checkpoint.h"
#include "hetsweep/config.h"
#include "hetsweep/inputs.h"
#include "hetsweep/plan.h"
#include "hetsweep/readout.h"
#include "hetsweep/results.h"
#include "hetsweep/stimulus.h"
#include "hetsweep/tasks.h"
#include "hetsweep/validate.h"

typedef struct {
    hs_job job;
    hs_tasks tasks;
    hs_windows windows;
    hs_stimulus stimulus;
    hs_plan plan;
    double *similarity;
    uint8_t *unit_done;
    double *unit_wall;
    int stage;
    int next_item;   /* the plan's items are handed to checkpoints in order */
    long long taken; /* networks handed out so far */
    char dir[4096], cube[4200];
} ckpt_bench;

static int setup(ckpt_bench *b, const char *job_path, hs_error *err)
{
    memset(b, 0, sizeof *b);
    int status = hs_job_load(job_path, &b->job, err);
    if (status == HS_OK)
        status = hs_job_validate(&b->job, err);
    if (status != HS_OK)
        return status;
    b->stage = 1;
    b->job.output.store_networks = 0; /* results only: networks are not what is timed */
    status = hs_inputs_make(&b->job, &b->tasks, &b->windows, &b->stimulus, &b->similarity, err);
    b->stage = 2; /* the tasks are made either way */
    if (status != HS_OK)
        return status;
    b->stage = 3;
    hs_plan_make(&b->plan, &b->job, b->tasks.n_tasks, b->windows.n_samples);
    b->stage = 4;
    b->unit_done = hs_xcalloc((size_t)b->plan.n_units, 1);
    b->unit_wall = hs_xcalloc((size_t)b->plan.n_units, sizeof(double));
    const char *tmp = getenv("TMPDIR");
    snprintf(b->dir, sizeof b->dir, "%s/hetsweep-bench-checkpoint.XXXXXX",
             tmp && tmp[0] ? tmp : "/tmp");
    if (!mkdtemp(b->dir))
        return hs_fail(err, HS_ERR_RUNTIME, "cannot make a folder in %s for the cube",
                       tmp && tmp[0] ? tmp : "/tmp");
    b->stage = 5;
    snprintf(b->cube, sizeof b->cube, "%s/cube.h5", b->dir);
    return HS_OK;
}

static void remove_beside(const char *cube, const char *suffix)
{
    char path[4300];
    snprintf(path, sizeof path, "%s%s", cube, suffix);
    unlink(path);
}

static void teardown(ckpt_bench *b)
{
    if (b->stage >= 5) {
        const char *suffixes[] = {"", ".sum", ".tmp", ".shadow"};
        for (size_t i = 0; i < sizeof suffixes / sizeof *suffixes; i++)
            remove_beside(b->cube, suffixes[i]);
        rmdir(b->dir);
    }
    free(b->unit_done);
    free(b->unit_wall);
    free(b->similarity);
    if (b->stage >= 4)
        hs_plan_free(&b->plan);
    if (b->stage >= 3)
        hs_stimulus_free(&b->stimulus);
    if (b->stage >= 2)
        hs_tasks_free(&b->tasks);
    if (b->stage >= 1)
        hs_job_free(&b->job);
}

/* The next work items, up to `networks` networks, with made-up results. */
static hs_item_result *next_items(ckpt_bench *b, long long networks, int *count)
{
    int first = b->next_item, last = first;
    for (long long taken = 0; last < b->plan.n_items && taken < networks; last++)
        taken += b->plan.items[last].n_columns;
    hs_item_result *items = hs_xcalloc((size_t)(last - first) + 1, sizeof *items);
    for (int i = first; i < last; i++) {
        const hs_work_item *w = &b->plan.items[i];
        hs_item_result *item = &items[i - first];
        hs_item_result_init(item, w->unit, w->first_column, w->n_columns, b->tasks.n_tasks);
        item->wall_seconds = 1.0;
        for (int k = 0; k < w->n_columns; k++) {
            hs_column_result *c = &item->columns[k];
            c->status = 0;
            for (size_t t = 0; t < b->tasks.n_tasks; t++) {
                c->score[t] = (float)((i * 31 + k * 7 + (int)t) % 1000) / 1000.0f;
                c->alignment[t] = 0.5f;
                c->lambda_index[t] = 0;
            }
        }
        b->unit_done[w->unit] = 1;
    }
    for (int i = first; i < last; i++)
        b->taken += b->plan.items[i].n_columns;
    b->next_item = last;
    *count = last - first;
    return items;
}

static void free_items(hs_item_result *items, int count)
{
    for (int i = 0; i < count; i++)
        hs_item_result_free(&items[i]);
    free(items);
}

/* One checkpoint of the next `networks` networks (whole work items: a few
 * more, or fewer at the end); its seconds and phases. The catch-up of the
 * checkpoint before it has ended first, untimed: in a run, rank 0 computes
 * while it goes on. */
static int checkpoint_next(ckpt_bench *b, hs_checkpointer *c, long long networks,
                           double *seconds, hs_checkpoint_phases *phases, hs_error *err)
{
    int settled = hs_checkpoint_settle(c, err);
    if (settled != HS_OK)
        return settled;
    int count;
    hs_item_result *items = next_items(b, networks, &count);
    if (count == 0) {
        free(items);
        return hs_fail(err, HS_ERR_INPUT, "the job's work items ran out before the timed "
                       "checkpoints (use fewer --repeats or a bigger job)");
    }
    hs_cube_contents contents = {&b->job,          &b->plan,     &b->tasks,
                                 &b->stimulus,     b->similarity, "bench",
                                 "bench checkpoint", NULL,        b->plan.batch};
    int ranks_used = 1;
    hs_checkpoint_data data = {items, count, NULL, 0, b->unit_done, b->unit_wall, &ranks_used, 1,
                               NULL};
    double t0 = hs_now_seconds();
    int status = hs_checkpoint(c, &contents, NULL, &data, err);
    *seconds = hs_now_seconds() - t0;
    hs_checkpoint_last_phases(c, phases);
    free_items(items, count);
    return status;
}

/* The median over n checkpoints of the phase at `offset` in hs_checkpoint_phases. */
static double median_phase(const hs_checkpoint_phases *phases, int n, size_t offset)
{
    double values[HS_BENCH_MAX_REPEATS];
    for (int i = 0; i < n; i++)
        memcpy(&values[i], (const char *)&phases[i] + offset, sizeof(double));
    return hs_bench_median(values, n);
}

#define MEDIAN_PHASE(phases, n, name) median_phase(phases, n, offsetof(hs_checkpoint_phases, name))

static void print_incremental_phases(FILE *out, const hs_checkpoint_phases *phases, int n)
{
    fprintf(out, "      wait %.4f, write %.4f, then side by side fsync %.4f and checksum "
            "%.4f, then swap %.4f s\n",
            MEDIAN_PHASE(phases, n, wait), MEDIAN_PHASE(phases, n, write),
            MEDIAN_PHASE(phases, n, sync), MEDIAN_PHASE(phases, n, checksum),
            MEDIAN_PHASE(phases, n, swap));
}

static void print_full_phases(FILE *out, const hs_checkpoint_phases *phases, int n)
{
    fprintf(out, "      copy and write %.4f, then fsync, checksum and rename %.4f s\n",
            MEDIAN_PHASE(phases, n, write), MEDIAN_PHASE(phases, n, swap));
}

/* The least a durable write of `bytes` costs here: pwrite over the cached
 * pages of an existing file, in pieces of 64 KiB, then fsync; the median of
 * `repeats`, or NAN if the scratch file in dir cannot be written. */
static double durable_write_floor(const char *dir, double bytes, int repeats)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/floor.bin", dir);
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    size_t piece = 65536, total = (size_t)bytes;
    unsigned char *buf = hs_xcalloc(piece, 1);
    double seconds[HS_BENCH_MAX_REPEATS + 1];
    int ok = fd >= 0;
    for (int r = 0; ok && r <= repeats; r++) { /* the first pass creates the pages */
        memset(buf, r + 1, piece);
        double t0 = hs_now_seconds();
        for (size_t at = 0; ok && at < total; at += piece) {
            size_t length = total - at < piece ? total - at : piece;
            ok = pwrite(fd, buf, length, (off_t)at) == (ssize_t)length;
        }
        ok = ok && fsync(fd) == 0;
        seconds[r] = hs_now_seconds() - t0;
    }
    free(buf);
    if (fd >= 0)
        close(fd);
    unlink(path);
    return ok ? hs_bench_median(seconds + 1, repeats) : NAN;
}

static int measure(ckpt_bench *b, int repeats, FILE *out, hs_error *err)
{
    long long total = hs_plan_networks(&b->plan) - hs_plan_networks_copied(&b->plan),
              one_percent = (total + 99) / 100;
    int widest = 1; /* a checkpoint takes whole items: up to widest - 1 more networks */
    for (int i = 0; i < b->plan.n_items; i++)
        widest = b->plan.items[i].n_columns > widest ? b->plan.items[i].n_columns : widest;
    long long fill = total - (2LL * repeats + 1) * (one_percent + widest);
    if (fill < 10 * one_percent)
        return hs_fail(err, HS_ERR_INPUT, "the job has %lld networks: too few to fill the cube "
                       "and time %d checkpoints of 1%% each twice (use fewer --repeats or a "
                       "bigger job)", total, repeats);
    hs_checkpointer *c = hs_checkpointer_new(b->cube);
    double incremental[HS_BENCH_MAX_REPEATS], full[HS_BENCH_MAX_REPEATS], seconds;
    hs_checkpoint_phases inc_phases[HS_BENCH_MAX_REPEATS], full_phases[HS_BENCH_MAX_REPEATS],
        ignored;
    int status = HS_OK;
    double t0 = hs_now_seconds();
    while (status == HS_OK && b->taken < fill) {
        long long step = fill / 9 + 1;
        status = checkpoint_next(b, c, step < fill - b->taken ? step : fill - b->taken, &seconds,
                                 &ignored, err);
    }
    if (status == HS_OK) /* so that the timed ones follow a checkpoint of 1% too */
        status = checkpoint_next(b, c, one_percent, &seconds, &ignored, err);
    double filled = hs_now_seconds() - t0;
    long long filled_networks = b->taken;
    long long before = b->taken;
    for (int r = 0; status == HS_OK && r < repeats; r++)
        status = checkpoint_next(b, c, one_percent, &incremental[r], &inc_phases[r], err);
    long long timed = b->taken - before;

    int n_full, n_incremental;
    hs_checkpoint_counts(c, &n_full, &n_incremental);
    hs_checkpointer_free(c);
    c = hs_checkpointer_new(b->cube);
    hs_checkpointer_copy_always(c);
    before = b->taken;
    for (int r = 0; status == HS_OK && r < repeats; r++)
        status = checkpoint_next(b, c, one_percent, &full[r], &full_phases[r], err);
    timed += b->taken - before;
    hs_checkpointer_free(c);
    if (status != HS_OK)
        return status;
    struct stat st;
    double bytes = stat(b->cube, &st) == 0 ? (double)st.st_size : NAN;
    double inc = hs_bench_median(incremental, repeats), cop = hs_bench_median(full, repeats);
    double catchup = MEDIAN_PHASE(inc_phases, repeats, catchup);
    double written = MEDIAN_PHASE(inc_phases, repeats, bytes);
    double floor = durable_write_floor(b->dir, written, repeats);
    fprintf(out, "checkpoint of %s: %lld networks x %zu tasks, cube %.1f MB in %s\n",
            b->job.name, total, b->tasks.n_tasks, bytes / 1e6, b->dir);
    fprintf(out, "  filled to %lld networks in %.1f s (%d full and %d incremental checkpoints)\n",
            filled_networks, filled, n_full, n_incremental - repeats);
    fprintf(out, "  one checkpoint with %.0f networks (%.2f%%) new on average, median of %d:\n",
            (double)timed / (2 * repeats), 100.0 * timed / (2.0 * repeats * total), repeats);
    fprintf(out, "    incremental (shadow written in place, swapped): %9.4f s\n", inc);
    print_incremental_phases(out, inc_phases, repeats);
    fprintf(out, "      then the shadow's catch-up, in a thread:     %9.4f s\n", catchup);
    fprintf(out, "    full copy (copied, written, renamed):          %9.4f s\n", cop);
    print_full_phases(out, full_phases, repeats);
    fprintf(out, "    incremental / full: %.2f%% (rank 0 stops computing for it)\n",
            100.0 * inc / cop);
    fprintf(out, "    (incremental + catch-up) / full: %.2f%% (all the I/O work)\n",
            100.0 * (inc + catchup) / cop);
    fprintf(out, "    floor: the %.1f MB an incremental one writes, written with pwrite over a\n"
            "      scratch file's cached pages and fsynced: %.4f s = %.2f%% of the full copy\n",
            written / 1e6, floor, 100.0 * floor / cop);
    return HS_OK;
}

int hs_bench_checkpoint(FILE *out, const char *job_path, int repeats, hs_error *err)
{
    int mpi_started = 0, initialized = 0;
    MPI_Initialized(&initialized);
    if (!initialized) { /* the checkpointer's cube calls name MPI_COMM_SELF */
        MPI_Init(NULL, NULL);
        mpi_started = 1;
    }
    ckpt_bench b;
    int status = setup(&b, job_path, err);
    if (status == HS_OK)
        status = measure(&b, repeats, out, err);
    teardown(&b);
    if (mpi_started)
        MPI_Finalize();
    return status;
}
