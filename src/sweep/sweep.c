/* sweep.c - the `run` command: validation and resume on rank 0, shared
 * inputs, the dynamic compute loop with journal and checkpoints, progress,
 * stop signals and the final summary. */
#define _GNU_SOURCE /* sched_getaffinity, CPU_COUNT */
#include "hetsweep/sweep.h"

#include <cblas.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <math.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hetsweep/checkpoint.h"
#include "hetsweep/collective.h"
#include "hetsweep/config.h"
#include "hetsweep/inputs.h"
#include "hetsweep/testhooks.h"
#include "hetsweep/cube.h"
#include "hetsweep/extend.h"
#include "hetsweep/job_digest.h"
#include "hetsweep/jobfiles.h"
#include "hetsweep/journal.h"
#include "hetsweep/plan.h"
#include "hetsweep/probe.h"
#include "hetsweep/readout.h"
#include "hetsweep/resume.h"
#include "hetsweep/results.h"
#include "hetsweep/scheduler.h"
#include "hetsweep/sha256.h"
#include "hetsweep/signals.h"
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
    char *canonical;
    char identity[65];
    int threads;         /* OpenMP threads of this rank */
    char part[32];       /* "K/M" with --part, else "" */
    char part_positions[32]; /* "K mod M", for messages */
    uint8_t *share;      /* with --part: [n_units * n_columns], 1 for this part's networks */
    long long extended;  /* rank 0, --extend: networks taken from the old cube */
    const uint8_t *done; /* [n_units * n_columns]: done before this run (the resume's flags) */
} sweep_inputs;

/* Rank 0's view of the whole sweep: what is done, and for progress. */
typedef struct {
    int n_units, n_columns;
    int *columns_needed;    /* per unit: its columns in this run's share (all without --part) */
    int *columns_done;      /* per unit, of those */
    uint8_t *unit_done;     /* per unit, for the cube */
    double *unit_wall;      /* per unit, over every run */
    int *ranks_used;
    int n_ranks_used;
    char *run_accounting;   /* earlier runs' accounting lines (the cube's), or NULL */
    long long networks_total, networks_done, networks_this_run;
    long long networks_copied;  /* of networks_this_run: copies of a cv = 0 network (plan.h) */
    const hs_plan *plan;        /* which columns copy which */
    const uint8_t *done;        /* done before this run */
    int n_ranks, items_to_compute, items_finished;
    double started, computing_since, next_progress, last_checkpoint;
    double progress_every, checkpoint_every;
    size_t n_tasks;
    int quiet;
    int bar;                /* progress as a bar (stderr is a terminal) */
    int bar_drawn;          /* a bar line is open: end it before other output */
} ledger;

/* Where this rank's time goes, for the summary. */
enum { T_COMPUTE, T_JOURNAL, T_CHECKPOINT, T_SCHEDULE, T_IDLE, N_TIMERS };

/* Where the rank time of this run went so far, in percent, summed over every
 * rank (meaningful on rank 0): the closing summary prints it and the final
 * checkpoint stores it in the cube (`run_accounting`, shown by `status`). */
typedef struct {
    int n_ranks;
    double elapsed;
    double share[N_TIMERS];
    double rest; /* set-up and everything not timed */
} run_shares;

/* Rank 0: every item (its own and the others') the cube does not hold yet,
 * which its next checkpoint writes. Another rank: its items the cube does not
 * hold yet, which its journal keeps (hs_journal_compact). */
typedef struct {
    hs_item_result *items;
    int n_items, capacity;
    int *owned_units;
    int n_owned;
    hs_journal *journal;
    double timers[N_TIMERS];
    long long reported; /* another rank: results sent to rank 0 so far */
    long long *received; /* rank 0: per rank, results received so far (its own too) */
    hs_checkpointer *checkpointer; /* rank 0 */
} rank_work;

static void report(const hs_error *err)
{
    if (err->status != HS_OK && err->msg[0])
        fprintf(stderr, "hetsweep: %s\n", err->msg);
}

/* ---- before any work: the job, the output path, what is done ---------------- */

static int check_output_directory(const char *cube_path, hs_error *err)
{
    char *copy = hs_xstrdup(cube_path);
    const char *dir = dirname(copy);
    struct stat st;
    int status = HS_OK;
    if (stat(dir, &st) != 0)
        status = hs_fail(err, HS_ERR_RUNTIME, "output directory %s: %s", dir,
                         errno == ENOENT ? "does not exist" : strerror(errno));
    else if (!S_ISDIR(st.st_mode))
        status = hs_fail(err, HS_ERR_RUNTIME, "output directory %s is not a directory", dir);
    else if (access(dir, W_OK | X_OK) != 0)
        status = hs_fail(err, HS_ERR_RUNTIME, "output directory %s is not writable: %s", dir,
                         strerror(errno));
    free(copy);
    return status;
}

/* --fresh: remove the cube and everything beside it that belongs to it. */
static void remove_previous(const char *cube_path)
{
    char side[4096];
    unlink(cube_path);
    snprintf(side, sizeof side, "%s.sum", cube_path);
    unlink(side);
    snprintf(side, sizeof side, "%s.tmp", cube_path);
    unlink(side);
    snprintf(side, sizeof side, "%s.shadow", cube_path);
    unlink(side);
    hs_journal_remove_all(cube_path);
}

/* Rank 0 holds "<cube>.lock" (flock) for the whole run, so that two runs
 * never write one cube. A file system without flock gets a warning. A lock
 * file this run created is removed again if the run is refused or fails. */
static int lock_created;
static int lock_cube(const char *cube_path, int *lock_fd, hs_error *err)
{
    char path[4096];
    snprintf(path, sizeof path, "%s.lock", cube_path);
    *lock_fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (*lock_fd >= 0)
        lock_created = 1;
    else if (errno == EEXIST)
        *lock_fd = open(path, O_RDWR | O_CLOEXEC);
    if (*lock_fd < 0)
        return hs_fail(err, HS_ERR_RUNTIME, "cannot create %s: %s", path, strerror(errno));
    if (flock(*lock_fd, LOCK_EX | LOCK_NB) == 0)
        return HS_OK;
    if (errno == EWOULDBLOCK)
        return hs_fail(err, HS_ERR_INPUT,
                       "%s is in use by another hetsweep run (it holds %s); wait for it to end "
                       "or stop it first",
                       cube_path, path);
    fprintf(stderr, "hetsweep: warning: cannot lock %s (%s): make sure no other run writes "
                    "this cube\n",
            path, strerror(errno));
    return HS_OK;
}

/* -o never names the job file, and --fresh only ever removes a hetsweep
 * cube: anything else at the output path is refused and left untouched. */
static int check_output_path(const hs_sweep_options *opt, hs_error *err)
{
    struct stat cube, job;
    if (stat(opt->cube_path, &cube) != 0)
        return HS_OK;
    if (stat(opt->job_path, &job) == 0 && cube.st_dev == job.st_dev && cube.st_ino == job.st_ino)
        return hs_fail(err, HS_ERR_INPUT,
                       "-o %s names the job file itself; choose another output path (e.g. "
                       "results.h5); nothing was written",
                       opt->cube_path);
    if (!opt->fresh)
        return HS_OK; /* resume: the cube is probed and validated there */
    int status = hs_cube_check_replaceable(opt->cube_path, err);
    if (status == HS_OK)
        return HS_OK;
    if (hs_cube_file_kind(opt->cube_path) == HS_FILE_HDF5)
        return status;
    char reason[sizeof err->msg];
    snprintf(reason, sizeof reason, "%s", err->msg);
    return hs_fail(err, HS_ERR_INPUT,
                   "%s; --fresh only ever replaces a hetsweep cube (remove it yourself, or "
                   "choose another output path)",
                   reason);
}

static int load_job(const hs_sweep_options *opt, hs_job *job, int *lock_fd, hs_error *err)
{
    int status = hs_job_load(opt->job_path, job, err);
    if (status == HS_OK)
        status = hs_job_validate(job, err);
    if (status == HS_OK)
        status = check_output_path(opt, err);
    if (status == HS_OK)
        status = check_output_directory(opt->cube_path, err);
    if (status == HS_OK)
        status = lock_cube(opt->cube_path, lock_fd, err);
    return status;
}

/* Rank 0 reads and validates the job, then every rank parses its text. */
static int share_job(const hs_sweep_options *opt, MPI_Comm comm, int rank, hs_job *job,
                     int *lock_fd, hs_error *err)
{
    int status = rank == 0 ? load_job(opt, job, lock_fd, err) : HS_OK;
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
    return hs_agree(comm, status);
}

/* --part K/M: keep the items of this part and mark its networks. */
static void keep_part(sweep_inputs *in, const hs_sweep_options *opt)
{
    if (opt->part_count <= 0)
        return;
    snprintf(in->part, sizeof in->part, "%d/%d", opt->part_index, opt->part_count);
    snprintf(in->part_positions, sizeof in->part_positions, "%d mod %d", opt->part_index,
             opt->part_count);
    hs_plan_keep_part(&in->plan, opt->part_index, opt->part_count);
    in->share = hs_xcalloc((size_t)in->plan.n_units * (size_t)in->plan.n_columns, 1);
    int *copies = hs_xcalloc((size_t)in->job.axes[HS_AX_PROFILE].count, sizeof(int));
    for (int i = 0; i < in->plan.n_items; i++) {
        const hs_work_item *item = &in->plan.items[i];
        uint8_t *unit_share = in->share + (size_t)item->unit * in->plan.n_columns;
        for (int c = item->first_column; c < item->first_column + item->n_columns; c++) {
            unit_share[c] = 1;
            int count = hs_plan_copies_of(&in->plan, c, copies);
            for (int k = 0; k < count; k++) /* a copy belongs to its source's part */
                unit_share[copies[k]] = 1;
        }
    }
    free(copies);
}

/* The copies of (unit, column) this run records with it: those not done
 * before (a cube of a run without sharing may hold some). Returns their count. */
static int copies_to_record(const hs_plan *plan, const uint8_t *done, int unit, int column,
                            int *copies)
{
    int count = hs_plan_copies_of(plan, column, copies), kept = 0;
    for (int k = 0; k < count; k++)
        if (!done[(size_t)unit * plan->n_columns + copies[k]])
            copies[kept++] = copies[k];
    return kept;
}

/* The copies recorded with a finished item's columns, counted. */
static int count_copies(const hs_plan *plan, const uint8_t *done, int unit, int first_column,
                        int n_columns, int *copies)
{
    int total = 0;
    for (int c = first_column; c < first_column + n_columns; c++)
        total += copies_to_record(plan, done, unit, c, copies);
    return total;
}

/* OpenMP threads per rank: hs_plan_threads. BLAS stays at one thread per
 * call: the threads share out columns and rows, whose bits never depend on it. */
static int prepare_inputs(sweep_inputs *in, const hs_sweep_options *opt, int rank, int n_ranks,
                          hs_error *err)
{
    const hs_job *job = &in->job;
    openblas_set_num_threads(1);
    in->threads = hs_plan_threads(job);
    int status = hs_inputs_make(job, &in->tasks, &in->windows, &in->stimulus,
                                rank == 0 ? &in->similarity : NULL, err);
    if (status != HS_OK)
        return status;
    hs_plan_make(&in->plan, job, in->tasks.n_tasks, in->windows.n_samples);
    if (opt->part_count <= 0)
        hs_plan_spread(&in->plan, job, n_ranks);
    keep_part(in, opt);
    hs_context_init(&in->context, job, &in->stimulus, &in->tasks, &in->windows);
    in->context.threads = in->threads;
    return hs_jobfiles_attach(&in->context, err);
}

/* The cube's identity: the SHA-256 of the canonical science text, with the
 * contents of the input files in place of their paths. Rank 0 reads the
 * files; every rank gets their digests. */
static int share_identity(sweep_inputs *in, MPI_Comm comm, int rank, hs_error *err)
{
    hs_job_digests digests;
    memset(&digests, 0, sizeof digests);
    int status = rank == 0 ? hs_job_digest_files(&in->job, &digests, err) : HS_OK;
    status = hs_agree(comm, status);
    if (status != HS_OK)
        return status;
    MPI_Bcast(&digests, (int)sizeof digests, MPI_CHAR, 0, comm);
    in->canonical = hs_job_identity_canonical(&in->job, &digests);
    hs_sha256_hex(in->canonical, strlen(in->canonical), in->identity);
    return HS_OK;
}

static void free_inputs(sweep_inputs *in)
{
    hs_context_free(&in->context);
    hs_plan_free(&in->plan);
    free(in->share);
    free(in->similarity);
    free(in->canonical);
    hs_stimulus_free(&in->stimulus);
    hs_tasks_free(&in->tasks);
    hs_job_free(&in->job);
}

/* Rank 0, resuming: the cube must be the same part of the sweep (or the
 * whole sweep) as this run, split into work items of the same width, or the
 * part's share would change under it. */
static int check_part(const char *cube_path, const sweep_inputs *in, hs_error *err)
{
    char found[64];
    int batch = 0;
    int status = hs_cube_read_part(cube_path, found, sizeof found, &batch, err);
    if (status != HS_OK || strcmp(found, in->part) == 0) {
        if (status == HS_OK && in->part[0] && batch != in->plan.batch)
            status = hs_fail(err, HS_ERR_INPUT,
                             "%s is part %s of a sweep cut into work items of up to %d columns; "
                             "this run's plan has %d (run.memory_budget_mb or HETSWEEP_MAX_BATCH "
                             "changed), which would change the part's share: resume it with the "
                             "settings it was started with; the cube was left as it is",
                             cube_path, found, batch, in->plan.batch);
        return status;
    }
    return hs_fail(err, HS_ERR_INPUT,
                   "%s holds %s%s, but this run asks for %s%s; the cube was left as it is "
                   "(use the cube's own --part, another output path, or --fresh)",
                   cube_path, found[0] ? "part " : "the whole sweep", found,
                   in->part[0] ? "part " : "the whole sweep (no --part)", in->part);
}

/* Rank 0: --fresh, or the existing cube and journals; then every rank
 * learns which networks are done. */
static int load_progress(const hs_sweep_options *opt, sweep_inputs *in, MPI_Comm comm, int rank,
                         hs_resume *resume, hs_error *err)
{
    int status = HS_OK;
    size_t cells = (size_t)in->plan.n_units * (size_t)in->plan.n_columns;
    if (rank == 0) {
        if (opt->fresh)
            remove_previous(opt->cube_path);
        status = hs_resume_load(opt->cube_path, &in->job, &in->plan, in->identity,
                                in->canonical, resume, err);
        if (status == HS_OK && resume->cube_exists)
            status = check_part(opt->cube_path, in, err);
        if (status == HS_OK && opt->extend_from) /* taken in as journal records would be */
            status = hs_extend_import(opt->extend_from, &in->job, &in->plan, in->canonical,
                                      in->tasks.n_tasks, resume, &in->extended, err);
    }
    status = hs_agree(comm, status);
    if (status != HS_OK)
        return status;
    if (rank != 0)
        resume->done = hs_xcalloc(cells, 1);
    MPI_Bcast(resume->done, (int)cells, MPI_UNSIGNED_CHAR, 0, comm);
    return HS_OK;
}

/* ---- rank 0's ledger --------------------------------------------------------- */

static void ledger_init(ledger *l, const sweep_inputs *in, const hs_resume *resume,
                        const hs_sweep_options *opt, int n_ranks, double started)
{
    memset(l, 0, sizeof *l);
    l->n_units = in->plan.n_units;
    l->n_columns = in->plan.n_columns;
    l->n_tasks = in->tasks.n_tasks;
    l->plan = &in->plan;
    l->done = in->done;
    l->columns_needed = hs_xcalloc((size_t)l->n_units, sizeof(int));
    l->columns_done = hs_xcalloc((size_t)l->n_units, sizeof(int));
    l->unit_done = hs_xcalloc((size_t)l->n_units, 1);
    l->unit_wall = hs_xcalloc((size_t)l->n_units, sizeof(double));
    for (int u = 0; u < l->n_units; u++) {
        for (int c = 0; c < l->n_columns; c++) {
            size_t cell = (size_t)u * l->n_columns + c;
            int mine = in->share ? in->share[cell] : 1;
            l->columns_needed[u] += mine;
            l->columns_done[u] += mine && resume->done[cell];
        }
        l->networks_total += l->columns_needed[u];
        l->networks_done += l->columns_done[u];
        /* a part's unit is done when its share of the unit is */
        l->unit_done[u] = l->columns_done[u] == l->columns_needed[u];
        if (resume->unit_wall)
            l->unit_wall[u] = resume->unit_wall[u];
    }
    l->ranks_used = hs_xcalloc((size_t)resume->n_ranks_used + 1, sizeof(int));
    for (int i = 0; i < resume->n_ranks_used; i++)
        l->ranks_used[i] = resume->ranks_used[i];
    l->n_ranks_used = resume->n_ranks_used;
    l->ranks_used[l->n_ranks_used++] = n_ranks;
    l->run_accounting = resume->run_accounting ? hs_xstrdup(resume->run_accounting) : NULL;
    l->started = started;
    l->computing_since = l->last_checkpoint = MPI_Wtime();
    l->progress_every = in->job.run.progress_every_s;
    /* the first line within a second, then every run.progress_every_s */
    l->next_progress = l->computing_since + fmin(1.0, l->progress_every);
    l->checkpoint_every = in->job.run.checkpoint_every_s;
    l->quiet = opt->quiet;
    /* under mpirun stderr is a pipe to mpirun: run --ranks says whether its is a terminal */
    const char *bar = getenv("HETSWEEP_PROGRESS_BAR");
    l->bar = bar ? strcmp(bar, "1") == 0 : isatty(STDERR_FILENO);
    l->n_ranks = n_ranks;
}

static void ledger_free(ledger *l)
{
    free(l->columns_needed);
    free(l->columns_done);
    free(l->unit_done);
    free(l->unit_wall);
    free(l->ranks_used);
    free(l->run_accounting);
}

/* "1:02:03" or "4:05" or "17 s"; "?" before the first item finished. */
static void format_seconds(char *buf, size_t size, double seconds)
{
    if (!isfinite(seconds) || seconds < 0) {
        snprintf(buf, size, "?");
        return;
    }
    long s = lround(seconds);
    if (s < 60)
        snprintf(buf, size, "%ld s", s);
    else if (s < 3600)
        snprintf(buf, size, "%ld:%02ld", s / 60, s % 60);
    else
        snprintf(buf, size, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
}

static void draw_bar(const ledger *l, double percent, double rate, const char *eta)
{
    enum { WIDTH = 24 };
    char bar[WIDTH + 1];
    int filled = (int)(percent / 100.0 * WIDTH);
    for (int i = 0; i < WIDTH; i++)
        bar[i] = i < filled ? '#' : '.';
    bar[WIDTH] = '\0';
    fprintf(stderr, "\rhetsweep: [%s] %5.1f%%  %lld/%lld networks  %.2f/s  ETA %-10s", bar,
            percent, l->networks_done, l->networks_total, rate, eta);
}

/* Rank 0: percent done, networks/s and ETA on stderr; a bar on a terminal,
 * a line otherwise. */
static void print_progress(ledger *l)
{
    double now = MPI_Wtime(), elapsed = now - l->computing_since;
    int units_done = 0;
    for (int u = 0; u < l->n_units; u++)
        units_done += l->unit_done[u];
    double rate = elapsed > 0 ? l->networks_this_run / elapsed : 0.0;
    double left = (double)(l->networks_total - l->networks_done);
    double percent = l->networks_total ? 100.0 * l->networks_done / l->networks_total : 100.0;
    char eta[32], spent[32];
    format_seconds(eta, sizeof eta, rate > 0 ? left / rate : NAN);
    format_seconds(spent, sizeof spent, now - l->started);
    if (l->bar) {
        draw_bar(l, percent, rate, eta);
        l->bar_drawn = 1;
    } else {
        fprintf(stderr, "hetsweep: %d/%d units, %lld/%lld networks (%.1f%%), %.2f networks/s, "
                        "%.0f network-task scores/s, elapsed %s, ETA %s\n",
                units_done, l->n_units, l->networks_done, l->networks_total, percent, rate,
                rate * (double)l->n_tasks, spent, eta);
    }
    fflush(stderr);
}

/* Rank 0, often: a progress line when one is due. */
static void maybe_progress(ledger *l)
{
    if (l->quiet || MPI_Wtime() < l->next_progress)
        return;
    print_progress(l);
    l->next_progress = MPI_Wtime() + l->progress_every;
}

/* What a stop would finish now: every rank holds at most one item. */
static void update_announcement(const ledger *l)
{
    int left = l->items_to_compute - l->items_finished;
    hs_signals_announce(left < l->n_ranks ? left : l->n_ranks);
}

/* Every finished item, from any rank, is counted here. */
static void count_report(ledger *l, const hs_report *r)
{
    int *copies = hs_xcalloc((size_t)(l->plan->n_columns / l->plan->profile_stride), sizeof(int));
    int networks = r->n_columns + count_copies(l->plan, l->done, r->unit, r->first_column,
                                               r->n_columns, copies);
    free(copies);
    l->columns_done[r->unit] += networks;
    l->unit_done[r->unit] = l->columns_done[r->unit] == l->columns_needed[r->unit];
    l->unit_wall[r->unit] += r->wall_seconds;
    l->networks_done += networks;
    l->networks_this_run += networks;
    l->networks_copied += networks - r->n_columns;
    l->items_finished++;
    update_announcement(l);
    maybe_progress(l);
}

/* ---- checkpoints ------------------------------------------------------------- */

static void keep_item(rank_work *w, const hs_item_result *item);

/* Rank 0's view, for the scheduler's reports. */
typedef struct {
    ledger *l;
    rank_work *w;
    size_t n_tasks;
} root_state;

/* Rank 0: every finished item reaches it here; another rank's result comes
 * with it, to be written by rank 0's next checkpoint. */
static void on_report(const hs_report *r, void *arg)
{
    root_state *root = arg;
    count_report(root->l, r);
    if (!r->payload)
        return; /* rank 0's own: compute_one kept it */
    double t0 = MPI_Wtime(); /* gathering results is the checkpoints' work */
    hs_item_result item;
    if (hs_item_unpack(r->payload, r->payload_length, root->n_tasks, &item) != 0) {
        fprintf(stderr, "hetsweep: internal error: a malformed result from rank %d\n", r->rank);
        MPI_Abort(MPI_COMM_WORLD, HS_ERR_RUNTIME);
    }
    keep_item(root->w, &item);
    root->w->received[r->rank]++;
    root->w->timers[T_CHECKPOINT] += MPI_Wtime() - t0;
}

static void keep_item(rank_work *w, const hs_item_result *item)
{
    if (w->n_items == w->capacity) {
        w->capacity = w->capacity ? 2 * w->capacity : 16;
        w->items = hs_xrealloc(w->items, (size_t)w->capacity * sizeof *item);
        w->owned_units = hs_xrealloc(w->owned_units, (size_t)w->capacity * sizeof(int));
    }
    w->items[w->n_items++] = *item;
    for (int k = 0; k < item->n_columns; k++)
        if (item->columns[k].column == 0)
            w->owned_units[w->n_owned++] = item->unit;
}

static void forget_items(rank_work *w)
{
    for (int i = 0; i < w->n_items; i++)
        hs_item_result_free(&w->items[i]);
    w->n_items = 0;
    w->n_owned = 0;
}

/* Another rank: drop its first `count` items (the cube holds them now). */
static void forget_first_items(rank_work *w, int count)
{
    for (int i = 0; i < count; i++)
        hs_item_result_free(&w->items[i]);
    memmove(w->items, w->items + count, (size_t)(w->n_items - count) * sizeof *w->items);
    w->n_items -= count;
    w->n_owned = 0; /* used by rank 0's checkpoints only */
}

/* /networks of a unit, for the checkpoint to store: its network and every time
 * constant, made here (the storage layer never computes). */
static int unit_to_store(void *arg, int unit, hs_network *net, double **tau, hs_error *err)
{
    const hs_context *ctx = arg;
    int status = hs_unit_network(ctx, unit, net, err);
    if (status == HS_OK)
        *tau = hs_unit_taus(ctx, unit, net->n, &status, err);
    return status;
}

/* Collective. */
static run_shares measure_shares(const rank_work *w, const ledger *l, MPI_Comm comm)
{
    run_shares r = {0};
    double timers[N_TIMERS];
    int rank;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &r.n_ranks);
    MPI_Reduce(w->timers, timers, N_TIMERS, MPI_DOUBLE, MPI_SUM, 0, comm);
    if (rank != 0)
        return r;
    r.elapsed = MPI_Wtime() - l->started;
    double rank_seconds = r.elapsed * r.n_ranks, accounted = 0;
    for (int t = 0; t < N_TIMERS; t++) {
        r.share[t] = 100 * timers[t] / rank_seconds;
        accounted += timers[t];
    }
    r.rest = 100 * (rank_seconds - accounted) / rank_seconds;
    return r;
}

/* Rank 0: the cube's accounting lines with this run's appended (malloc'd). */
static char *accounting_with_this_run(const ledger *l, const run_shares *r)
{
    char line[256];
    snprintf(line, sizeof line,
             "ranks=%d wall_s=%.2f networks=%lld compute=%.2f journal=%.2f checkpoints=%.2f "
             "scheduling=%.2f idle=%.2f rest=%.2f\n",
             r->n_ranks, r->elapsed, l->networks_this_run, r->share[T_COMPUTE],
             r->share[T_JOURNAL], r->share[T_CHECKPOINT], r->share[T_SCHEDULE], r->share[T_IDLE],
             r->rest);
    const char *before = l->run_accounting ? l->run_accounting : "";
    char *text = hs_xmalloc(strlen(before) + strlen(line) + 1);
    strcpy(text, before);
    strcat(text, line);
    return text;
}

/* Rank 0, alone, while the others go on computing: write every item it
 * holds into the cube (checkpoint.h), then drop its own journal's records;
 * *covered (per rank, or NULL) is then how many of each rank's results the
 * cube holds. accounting: the final checkpoint's record of where the run's
 * rank time went (NULL otherwise). */
static int checkpoint(sweep_inputs *in, rank_work *w, ledger *l,
                      const char *accounting, long long *covered, hs_error *err)
{
    double t0 = MPI_Wtime();
    hs_cube_contents contents = {&in->job,      &in->plan,    &in->tasks,    &in->stimulus,
                                 in->similarity, in->identity, in->canonical, in->part,
                                 in->plan.batch};
    hs_checkpoint_data data = {w->items,       w->n_items,     w->owned_units,
                               w->n_owned,     l->unit_done,   l->unit_wall,
                               l->ranks_used,  l->n_ranks_used, accounting};
    hs_unit_source networks = {unit_to_store, &in->context};
    int status = hs_checkpoint(w->checkpointer, &contents, &networks, &data, err);
    if (status == HS_OK)
        hs_crash_point("journal-reset");
    if (status == HS_OK && w->journal)
        status = hs_journal_reset(w->journal, err);
    if (status == HS_OK) {
        forget_items(w);
        if (covered && w->received)
            memcpy(covered, w->received, (size_t)l->n_ranks * sizeof *covered);
    }
    l->last_checkpoint = MPI_Wtime();
    w->timers[T_CHECKPOINT] += MPI_Wtime() - t0;
    return status;
}

/* The run's last checkpoint, by rank 0, which stores where the rank time went
 * (up to this checkpoint; the summary printed after it counts it too); the
 * others wait for its outcome. Collective. */
static int final_checkpoint(sweep_inputs *in, rank_work *w,
                            ledger *l, MPI_Comm comm, int rank, int status, hs_error *err)
{
    run_shares shares = measure_shares(w, l, comm);
    if (rank == 0 && status == HS_OK) {
        char *accounting = accounting_with_this_run(l, &shares);
        status = checkpoint(in, w, l, accounting, NULL, err);
        free(accounting);
        if (status == HS_OK) /* its last step, the .sum trimmed, has ended well */
            status = hs_checkpoint_settle(w->checkpointer, err);
    }
    double t0 = MPI_Wtime();
    status = hs_agree(comm, status);
    if (rank != 0) /* waiting for rank 0's write: idle at the end */
        w->timers[T_IDLE] += MPI_Wtime() - t0;
    return status;
}

/* The first checkpoint folds the replayed journals into the cube (or creates
 * it); then the old journals go and this run's start empty. */
static int start_run(const hs_sweep_options *opt, sweep_inputs *in, hs_resume *resume,
                     rank_work *w, ledger *l, MPI_Comm comm, int rank, hs_error *err)
{
    int needed = rank == 0 && (!resume->cube_exists || resume->replay.n_items > 0);
    int status = HS_OK;
    if (rank == 0)
        w->checkpointer = hs_checkpointer_new(opt->cube_path);
    if (needed) {
        for (int i = 0; i < resume->replay.n_items; i++)
            keep_item(w, &resume->replay.items[i]);
        free(resume->replay.items); /* the items now belong to w */
        resume->replay.items = NULL;
        resume->replay.n_items = 0;
        status = checkpoint(in, w, l, NULL, NULL, err);
    }
    if (status == HS_OK && rank == 0)
        hs_journal_remove_all(opt->cube_path);
    double t0 = MPI_Wtime();
    status = hs_agree(comm, status);
    if (rank != 0) /* waiting for rank 0's first checkpoint (or none) */
        w->timers[T_IDLE] += MPI_Wtime() - t0;
    if (status == HS_OK)
        status = hs_agree(comm, hs_journal_open(opt->cube_path, rank, in->identity,
                                             in->tasks.n_tasks, &w->journal, err));
    return status;
}

/* ---- the compute loop -------------------------------------------------------- */

typedef struct {
    hs_scheduler *sched;
    ledger *l;
} poll_state;

/* Rank 0, between time chunks: answer requests (without a server thread),
 * count what the others finished, show progress. */
static void poll_root(void *arg)
{
    poll_state *p = arg;
    hs_scheduler_serve(p->sched);
    maybe_progress(p->l);
}

/* A finished item's result, and the copies of its columns (plan.h) in the
 * same record: one journal record, so a copy is done exactly when its source
 * is. */
static void add_copies(const sweep_inputs *in, hs_item_result *res)
{
    const hs_plan *plan = &in->plan;
    int *copies = hs_xcalloc((size_t)in->job.axes[HS_AX_PROFILE].count, sizeof(int));
    int total = count_copies(plan, in->done, res->unit, res->first_column, res->n_columns, copies);
    if (total > 0) {
        hs_item_result all;
        hs_item_result_init(&all, res->unit, res->first_column, res->n_columns + total,
                            res->n_tasks);
        all.wall_seconds = res->wall_seconds;
        int k = res->n_columns;
        for (int b = 0; b < res->n_columns; b++) {
            const hs_column_result *source = &res->columns[b];
            hs_column_result_copy(&all.columns[b], source, res->n_tasks);
            int count = copies_to_record(plan, in->done, res->unit, source->column, copies);
            for (int j = 0; j < count; j++, k++) {
                all.columns[k].column = copies[j];
                hs_column_result_copy(&all.columns[k], source, res->n_tasks);
            }
        }
        hs_item_result_free(res);
        *res = all;
    }
    free(copies);
}

static int compute_one(sweep_inputs *in, const hs_work_item *item, const hs_poll *poll,
                       rank_work *w, int rank, hs_report *finished, hs_error *err)
{
    hs_item_result res;
    hs_item_result_init(&res, item->unit, item->first_column, item->n_columns,
                        in->tasks.n_tasks);
    double t0 = MPI_Wtime();
    int status = hs_unit_run(&in->context, item, poll, &res, err);
    res.wall_seconds = MPI_Wtime() - t0;
    w->timers[T_COMPUTE] += res.wall_seconds;
    if (status == HS_OK)
        add_copies(in, &res);
    if (status == HS_OK) {
        t0 = MPI_Wtime();
        status = hs_journal_append(w->journal, &res, err);
        w->timers[T_JOURNAL] += MPI_Wtime() - t0;
    }
    if (status != HS_OK) {
        hs_item_result_free(&res);
        return status;
    }
    *finished = (hs_report){item->unit, item->first_column, item->n_columns, res.wall_seconds,
                            rank, NULL, 0};
    if (rank != 0) { /* its result travels to rank 0 with the next request */
        t0 = MPI_Wtime();
        finished->payload = hs_item_pack(&res, &finished->payload_length);
        w->reported++;
        w->timers[T_SCHEDULE] += MPI_Wtime() - t0;
    }
    keep_item(w, &res);
    return HS_OK;
}

/* A failure inside the loop cannot wait for the others: the journals hold
 * everything finished, so stop every rank now. */
static void abort_run(MPI_Comm comm, const hs_error *err, int status)
{
    report(err);
    fprintf(stderr, "hetsweep: stopping all ranks; finished work is kept in the journals\n");
    fflush(stderr);
    MPI_Abort(comm, status);
}

/* Add the scheduler's waits since the last booking to this rank's timers. */
static void book_waits(rank_work *w, const hs_scheduler *sched, double *booked_wait,
                       double *booked_phase)
{
    double wait = hs_scheduler_wait_seconds(sched), phase = hs_scheduler_phase_wait_seconds(sched);
    w->timers[T_SCHEDULE] += wait - *booked_wait;
    w->timers[T_IDLE] += phase - *booked_phase;
    *booked_wait = wait;
    *booked_phase = phase;
}

/* Another rank, after a reply: its results the cube now holds leave its
 * journal (those it does not hold yet are written again, whole). */
static int drop_covered(hs_scheduler *sched, rank_work *w, hs_error *err)
{
    long long held = w->reported - w->n_items; /* results before w->items[0] */
    long long covered = hs_scheduler_covered(sched);
    if (covered <= held)
        return HS_OK;
    double t0 = MPI_Wtime();
    forget_first_items(w, (int)(covered - held));
    int status = hs_journal_compact(w->journal, w->items, w->n_items, err);
    w->timers[T_JOURNAL] += MPI_Wtime() - t0;
    return status;
}

/* Rank 0, between its own items: a checkpoint when one is due (with the
 * testing knob HETSWEEP_CHECKPOINT_EACH_ITEM: whenever results wait for one),
 * of every result received so far; then the others learn what the cube holds. */
static int checkpoint_if_due(sweep_inputs *in, rank_work *w,
                             ledger *l, hs_scheduler *sched, hs_error *err)
{
    int due = hs_hook_checkpoint_each_item()
                  ? w->n_items > 0
                  : MPI_Wtime() - l->last_checkpoint >= l->checkpoint_every;
    if (!due)
        return HS_OK;
    hs_scheduler_serve(sched); /* the results received until now */
    long long *covered = hs_xcalloc((size_t)l->n_ranks, sizeof *covered);
    int status = checkpoint(in, w, l, NULL, covered, err);
    if (status == HS_OK)
        hs_scheduler_set_covered(sched, covered);
    free(covered);
    return status;
}

static int compute_loop(sweep_inputs *in, rank_work *w, ledger *l,
                        MPI_Comm comm, int rank, int *incomplete, hs_error *err)
{
    root_state root = {l, w, in->tasks.n_tasks};
    hs_scheduler *sched = hs_scheduler_new(in->plan.items, in->plan.n_items, comm,
                                           rank == 0 ? on_report : NULL, &root);
    poll_state state = {sched, l};
    hs_poll poll = {poll_root, &state}; /* rank 0 serves requests while it computes */
    hs_report finished, *pending = NULL;
    hs_work_item item;
    int status = HS_OK, failed = HS_OK;
    double booked_wait = 0, booked_phase = 0;
    for (;;) {
        if (rank == 0 && failed == HS_OK) {
            maybe_progress(l);
            failed = checkpoint_if_due(in, w, l, sched, err);
            if (failed != HS_OK) /* every rank ends after its item, kept in its journal */
                hs_scheduler_stop(sched);
        }
        hs_next next = hs_scheduler_next(sched, pending, &item);
        if (pending)
            free((void *)pending->payload);
        pending = NULL;
        if (rank != 0 && (status = drop_covered(sched, w, err)) != HS_OK)
            abort_run(comm, err, status);
        if (next != HS_NEXT_ITEM)
            break;
        status = compute_one(in, &item, rank == 0 ? &poll : NULL, w, rank, &finished, err);
        if (status != HS_OK)
            abort_run(comm, err, status);
        pending = &finished;
    }
    book_waits(w, sched, &booked_wait, &booked_phase); /* for the stored accounting */
    *incomplete = rank == 0 ? hs_scheduler_incomplete(sched) : 0;
    MPI_Bcast(incomplete, 1, MPI_INT, 0, comm);
    hs_scheduler_free(sched);
    return final_checkpoint(in, w, l, comm, rank, failed, err);
}

/* ---- messages ---------------------------------------------------------------- */

/* OpenMP threads crowded onto fewer CPUs than there are threads (mpirun
 * binds each rank to one core by default) run slower than one thread: say
 * so, with the fix. */
static void warn_if_bound_tighter(int threads)
{
    cpu_set_t cpus;
    if (threads <= 1 || sched_getaffinity(0, sizeof cpus, &cpus) != 0)
        return;
    int allowed = CPU_COUNT(&cpus);
    if (allowed >= threads)
        return;
    fprintf(stderr,
            "hetsweep: warning: %d OpenMP threads per rank, but rank 0 may run on %d CPU(s) "
            "only (mpirun binds each rank to one core by default): give each rank its cores "
            "with mpirun --map-by slot:PE=%d (or --bind-to none)\n",
            threads, allowed, threads);
}

static void print_start(const sweep_inputs *in, const hs_resume *resume, const ledger *l,
                        long long left, int n_ranks, const hs_sweep_options *opt)
{
    warn_if_bound_tighter(in->threads);
    printf("hetsweep: %s: %d units x %d columns, %zu tasks, %zu samples, %d rank(s) x %d "
           "OpenMP thread(s), BLAS 1 thread per call, work items of up to %d columns%s%s\n",
           in->job.name, in->plan.n_units, in->plan.n_columns, in->tasks.n_tasks,
           in->windows.n_samples, n_ranks, in->threads, in->plan.batch,
           opt->mpi_layer ? ", " : "", opt->mpi_layer ? opt->mpi_layer : "");
    const char *opt_extend_from = opt->extend_from;
    if (in->plan.n_copies > 0)
        printf("hetsweep: networks: %lld (%lld copies: cv = 0 computed once for every profile, "
               "as %s, and recorded for the others)\n",
               hs_plan_networks(&in->plan), hs_plan_networks_copied(&in->plan),
               hs_profile_name((int)in->job.axes[HS_AX_PROFILE].values[0]));
    long long total = l->networks_total;
    if (in->part[0])
        printf("hetsweep: part %s: %lld of the sweep's %lld networks, in the work items whose "
               "position in the cost order is %s; join the parts with hetsweep merge\n",
               in->part, total, (long long)in->plan.n_units * in->plan.n_columns,
               in->part_positions);
    if (in->extended > 0 || (opt_extend_from && !resume->cube_exists))
        printf("hetsweep: extending %s: %lld of its networks taken in, not computed again\n",
               opt_extend_from, in->extended);
    if (resume->cube_exists || resume->done_in_journals > 0)
        printf("hetsweep: resuming: %lld of %lld networks done (%lld in the cube, %lld from %d "
               "journal file(s), %d torn record(s) dropped); %lld to compute in %d work items\n",
               total - left, total, resume->done_in_cube, resume->done_in_journals,
               resume->replay.n_files, resume->replay.n_torn, left, in->plan.n_items);
    fflush(stdout);
}

static void print_summary(const sweep_inputs *in, const rank_work *w, const ledger *l,
                          MPI_Comm comm, const hs_sweep_options *opt, int stopped)
{
    int rank;
    MPI_Comm_rank(comm, &rank);
    run_shares r = measure_shares(w, l, comm);
    if (rank != 0 || opt->quiet)
        return;
    if (l->bar_drawn)
        fputc('\n', stderr); /* end the progress bar's line */
    long long simulated = l->networks_this_run - l->networks_copied;
    char copied[96] = "";
    if (l->networks_copied > 0)
        snprintf(copied, sizeof copied, " (%lld simulated, %lld copies at cv = 0)", simulated,
                 l->networks_copied);
    printf("hetsweep: %s: %lld/%lld networks, %lld computed in this run%s, %.0f network-task "
           "scores/s, %.1f s on %d rank(s) -> %s\n",
           stopped ? "stopped (resumable, exit 3)" : "done", l->networks_done, l->networks_total,
           l->networks_this_run, copied, simulated * (double)in->tasks.n_tasks / r.elapsed,
           r.elapsed, r.n_ranks, opt->cube_path);
    printf("hetsweep: share of rank time: compute %.1f%%, journal %.1f%%, checkpoints %.1f%%, "
           "scheduling waits %.1f%%, idle (waiting for other ranks) %.1f%%, set-up "
           "and rest %.1f%%\n",
           r.share[T_COMPUTE], r.share[T_JOURNAL], r.share[T_CHECKPOINT], r.share[T_SCHEDULE],
           r.share[T_IDLE], r.rest);
    int full, incremental;
    hs_checkpoint_counts(w->checkpointer, &full, &incremental);
    printf("hetsweep: checkpoints: %d, by rank 0 while the others computed (%d incremental, "
           "writing only what was new; %d full)\n",
           full + incremental, incremental, full);
}

/* ---- the command ------------------------------------------------------------- */

static int run_sweep(const hs_sweep_options *opt, sweep_inputs *in, hs_resume *resume,
                     rank_work *w, ledger *l, MPI_Comm comm, int rank, double started,
                     hs_error *err)
{
    int n_ranks;
    MPI_Comm_size(comm, &n_ranks);
    in->done = resume->done;
    long long left = hs_plan_drop_done(&in->plan, resume->done);
    if (opt->part_count <= 0) /* a part's items are its own; the merge joins them */
        hs_plan_split_tail(&in->plan, n_ranks);
    if (rank == 0) {
        ledger_init(l, in, resume, opt, n_ranks, started);
        w->received = hs_xcalloc((size_t)n_ranks, sizeof *w->received);
        l->items_to_compute = in->plan.n_items;
        update_announcement(l);
        if (!opt->quiet)
            print_start(in, resume, l, left, n_ranks, opt);
    }
    int status = start_run(opt, in, resume, w, l, comm, rank, err);
    int incomplete = 0;
    if (status == HS_OK)
        status = compute_loop(in, w, l, comm, rank, &incomplete, err);
    if (status == HS_OK)
        hs_journal_close(w->journal, 1); /* everything is in the cube */
    else
        hs_journal_close(w->journal, 0);
    w->journal = NULL;
    if (status == HS_OK)
        print_summary(in, w, l, comm, opt, incomplete);
    return status == HS_OK && incomplete ? HS_STOPPED : status;
}

int hs_sweep_run(const hs_sweep_options *opt, MPI_Comm comm)
{
    double started = MPI_Wtime();
    int rank, n_ranks;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &n_ranks);
    if (rank == 0)
        hs_signals_announce(0); /* rank 0 speaks for the run when a stop signal comes */
    hs_error err;
    hs_error_clear(&err);
    sweep_inputs in;
    memset(&in, 0, sizeof in);
    hs_resume resume;
    memset(&resume, 0, sizeof resume);
    rank_work work;
    memset(&work, 0, sizeof work);
    ledger led;
    memset(&led, 0, sizeof led);

    int lock_fd = -1;
    int status = share_job(opt, comm, rank, &in.job, &lock_fd, &err);
    if (status == HS_OK)
        status = hs_agree(comm, prepare_inputs(&in, opt, rank, n_ranks, &err));
    if (status == HS_OK)
        status = share_identity(&in, comm, rank, &err);
    if (status == HS_OK)
        status = load_progress(opt, &in, comm, rank, &resume, &err);
    if (status == HS_OK)
        status = run_sweep(opt, &in, &resume, &work, &led, comm, rank, started, &err);
    if (status != HS_STOPPED)
        report(&err);
    forget_items(&work);
    free(work.items);
    free(work.owned_units);
    free(work.received);
    hs_checkpointer_free(work.checkpointer);
    hs_resume_free(&resume);
    ledger_free(&led);
    free_inputs(&in);
    if (lock_fd >= 0 && lock_created && status != HS_OK && status != HS_STOPPED) {
        char path[4096];
        snprintf(path, sizeof path, "%s.lock", opt->cube_path);
        unlink(path); /* nothing of this run is left behind */
    }
    if (lock_fd >= 0)
        close(lock_fd); /* releases the lock; the empty file stays, harmlessly */
    return status;
}
