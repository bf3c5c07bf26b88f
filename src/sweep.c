/* sweep.c - the `run` command: validation, shared inputs, the compute loop,
 * progress and the collective cube write. */
#include "hetsweep/sweep.h"

#include <cblas.h>
#include <errno.h>
#include <libgen.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hetsweep/config.h"
#include "hetsweep/cube.h"
#include "hetsweep/plan.h"
#include "hetsweep/results.h"
#include "hetsweep/scheduler.h"
#include "hetsweep/sha256.h"
#include "hetsweep/stimulus.h"
#include "hetsweep/tasks.h"
#include "hetsweep/unit.h"
#include "hetsweep/validate.h"

/* Everything a rank needs to compute, derived from the job. */
typedef struct {
    hs_job job;
    hs_stimulus stimulus;
    hs_tasks tasks;
    hs_windows windows;
    hs_plan plan;
    hs_context context;
    double *similarity; /* rank 0 only */
    char identity[65];
} sweep_inputs;

static int same_everywhere(MPI_Comm comm, int status)
{
    MPI_Allreduce(MPI_IN_PLACE, &status, 1, MPI_INT, MPI_MAX, comm);
    return status;
}

static void report(const hs_error *err)
{
    if (err->status != HS_OK && err->msg[0])
        fprintf(stderr, "hetsweep: %s\n", err->msg);
}

/* Rank 0: the output path may be written (nothing is written here). */
static int check_output(const hs_sweep_options *opt, hs_error *err)
{
    struct stat st;
    if (stat(opt->cube_path, &st) == 0 && !opt->fresh)
        return hs_fail(err, HS_ERR_INPUT,
                       "%s exists: pass --fresh to replace it (an existing cube is never "
                       "overwritten silently)",
                       opt->cube_path);
    char *copy = hs_xstrdup(opt->cube_path);
    const char *dir = dirname(copy);
    int status = HS_OK;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        status = hs_fail(err, HS_ERR_RUNTIME, "output directory %s does not exist", dir);
    else if (access(dir, W_OK | X_OK) != 0)
        status = hs_fail(err, HS_ERR_RUNTIME, "output directory %s is not writable: %s", dir,
                         strerror(EACCES));
    free(copy);
    return status;
}

/* Rank 0 reads and validates the job, then every rank parses its text. */
static int share_job(const hs_sweep_options *opt, MPI_Comm comm, int rank, hs_job *job,
                     hs_error *err)
{
    int status = HS_OK;
    if (rank == 0) {
        status = hs_job_load(opt->job_path, job, err);
        if (status == HS_OK)
            status = hs_job_validate(job, err);
        if (status == HS_OK)
            status = check_output(opt, err);
    }
    MPI_Bcast(&status, 1, MPI_INT, 0, comm);
    if (status != HS_OK)
        return status;
    long length = rank == 0 ? (long)strlen(job->text) : 0;
    MPI_Bcast(&length, 1, MPI_LONG, 0, comm);
    char *text = rank == 0 ? job->text : hs_xmalloc((size_t)length + 1);
    MPI_Bcast(text, (int)length + 1, MPI_CHAR, 0, comm);
    if (rank != 0) {
        status = hs_job_parse(opt->job_path, text, (size_t)length, job, err);
        free(text);
    }
    return same_everywhere(comm, status);
}

static int prepare_inputs(sweep_inputs *in, int rank, hs_error *err)
{
    const hs_job *job = &in->job;
    openblas_set_num_threads(job->run.threads_per_rank);
    hs_tasks_make(&in->tasks, job);
    hs_windows_make(&in->windows, job, in->tasks.max_shift);
    long steps = hs_stimulus_steps_per_sample(job->time.dt_ms, job->stimulus.time_scale_ms);
    int status = hs_stimulus_make(&in->stimulus, in->windows.n_samples, steps, err);
    if (status != HS_OK)
        return status;
    hs_tasks_complexity(&in->tasks, &in->stimulus, in->windows.segment[2]);
    if (rank == 0)
        in->similarity = hs_tasks_similarity(&in->tasks, &in->stimulus, in->windows.segment[2]);
    hs_plan_make(&in->plan, job, in->tasks.n_tasks, in->windows.n_samples);
    char *canonical = hs_job_canonical(job);
    hs_sha256_hex(canonical, strlen(canonical), in->identity);
    free(canonical);
    return hs_context_init(&in->context, job, &in->stimulus, &in->tasks, &in->windows, err);
}

static void free_inputs(sweep_inputs *in)
{
    hs_context_free(&in->context);
    hs_plan_free(&in->plan);
    free(in->similarity);
    hs_stimulus_free(&in->stimulus);
    hs_tasks_free(&in->tasks);
    hs_job_free(&in->job);
}

/* Work done by this rank, for progress and the summary. */
typedef struct {
    int n_items;
    hs_item_result *items;
    int *owned_units; /* units whose first batch this rank computed */
    int n_owned;
    double started;
} rank_work;

static void print_progress(const sweep_inputs *in, const rank_work *work, int share)
{
    double elapsed = MPI_Wtime() - work->started;
    double done = work->n_items, left = share - work->n_items;
    long long networks = 0;
    for (int i = 0; i < work->n_items; i++)
        networks += work->items[i].n_columns;
    printf("hetsweep: rank 0 items %d/%d, %lld networks, %.2f networks/s, "
           "%.0f task scores/s, elapsed %.1f s, left ~%.1f s\n",
           work->n_items, share, networks, networks / elapsed,
           networks * (double)in->tasks.n_tasks / elapsed, elapsed,
           done > 0 ? elapsed / done * left : NAN);
    fflush(stdout);
}

static int compute_items(sweep_inputs *in, MPI_Comm comm, int rank, const hs_sweep_options *opt,
                         rank_work *work, hs_error *err)
{
    hs_scheduler *sched = hs_scheduler_new(&in->plan, comm);
    int share = hs_scheduler_share(sched);
    work->items = hs_xcalloc((size_t)(share ? share : 1), sizeof(hs_item_result));
    work->owned_units = hs_xcalloc((size_t)(share ? share : 1), sizeof(int));
    double last_report = MPI_Wtime();
    hs_work_item item;
    int status = HS_OK;
    while (status == HS_OK && hs_scheduler_next(sched, &item)) {
        hs_item_result *res = &work->items[work->n_items];
        hs_item_result_init(res, item.unit, item.first_column, item.n_columns, in->tasks.n_tasks);
        double t0 = MPI_Wtime();
        status = hs_unit_run(&in->context, &item, res, err);
        res->wall_seconds = MPI_Wtime() - t0;
        work->n_items++;
        if (item.first_column == 0)
            work->owned_units[work->n_owned++] = item.unit;
        if (rank == 0 && !opt->quiet &&
            MPI_Wtime() - last_report >= in->job.run.progress_every_s) {
            print_progress(in, work, share);
            last_report = MPI_Wtime();
        }
    }
    hs_scheduler_free(sched);
    return same_everywhere(comm, status);
}

static void print_summary(const sweep_inputs *in, const rank_work *work, MPI_Comm comm,
                          const hs_sweep_options *opt, int n_ranks)
{
    long long counts[2] = {0, 0}; /* networks, failed */
    for (int i = 0; i < work->n_items; i++)
        for (int b = 0; b < work->items[i].n_columns; b++) {
            counts[0]++;
            counts[1] += work->items[i].columns[b].status != HS_NET_OK;
        }
    int rank;
    MPI_Comm_rank(comm, &rank);
    MPI_Reduce(rank == 0 ? MPI_IN_PLACE : counts, counts, 2, MPI_LONG_LONG, MPI_SUM, 0, comm);
    if (rank != 0 || opt->quiet)
        return;
    double elapsed = MPI_Wtime() - work->started;
    printf("hetsweep: done: %d units, %lld networks (%lld failed), %lld task scores in %.1f s "
           "(%.0f scores/s) on %d rank(s) -> %s\n",
           in->plan.n_units, counts[0], counts[1], counts[0] * (long long)in->tasks.n_tasks,
           elapsed, counts[0] * (double)in->tasks.n_tasks / elapsed, n_ranks, opt->cube_path);
}

static int write_cube(sweep_inputs *in, rank_work *work, MPI_Comm comm,
                      const hs_sweep_options *opt, hs_error *err)
{
    hs_cube_contents contents = {&in->job, &in->plan, &in->tasks, &in->stimulus, in->similarity,
                                 in->identity};
    hs_cube *cube = NULL;
    int status = same_everywhere(comm, hs_cube_create(opt->cube_path, &contents, comm, &cube, err));
    if (status != HS_OK) {
        if (cube)
            hs_cube_abort(cube);
        return status;
    }
    status = hs_cube_write_results(cube, work->items, work->n_items, err);
    if (status == HS_OK && in->job.output.store_networks)
        status = hs_cube_write_networks(cube, &in->context, work->owned_units, work->n_owned, err);
    if (status != HS_OK) {
        hs_cube_abort(cube);
        return status;
    }
    return hs_cube_finish(cube, err);
}

int hs_sweep_run(const hs_sweep_options *opt, MPI_Comm comm)
{
    int rank, n_ranks;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &n_ranks);
    hs_error err;
    hs_error_clear(&err);
    sweep_inputs in;
    memset(&in, 0, sizeof in);
    rank_work work;
    memset(&work, 0, sizeof work);
    work.started = MPI_Wtime();

    int status = share_job(opt, comm, rank, &in.job, &err);
    if (status == HS_OK)
        status = same_everywhere(comm, prepare_inputs(&in, rank, &err));
    if (status == HS_OK && rank == 0 && !opt->quiet)
        printf("hetsweep: %s: %d units x %d columns in %d work items, %zu tasks, %zu samples, "
               "%d rank(s) x %d BLAS thread(s)\n",
               in.job.name, in.plan.n_units, in.plan.n_columns, in.plan.n_items,
               in.tasks.n_tasks, in.windows.n_samples, n_ranks, in.job.run.threads_per_rank);
    if (status == HS_OK)
        status = compute_items(&in, comm, rank, opt, &work, &err);
    if (status == HS_OK)
        status = write_cube(&in, &work, comm, opt, &err);
    if (status == HS_OK)
        print_summary(&in, &work, comm, opt, n_ranks);
    report(&err);
    for (int i = 0; i < work.n_items; i++)
        hs_item_result_free(&work.items[i]);
    free(work.items);
    free(work.owned_units);
    if (in.plan.items)
        free_inputs(&in);
    else
        hs_job_free(&in.job);
    return status;
}
