/* validate.c - cross-key science checks of a loaded job. */
#include "hetsweep/validate.h"

#include <hdf5.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hetsweep/h5attr.h"
#include "hetsweep/netfile.h"
#include "hetsweep/plan.h"
#include "hetsweep/probe.h"
#include "hetsweep/stimulus.h"
#include "hetsweep/tasks.h"
#include "hetsweep/tau.h"
#include "hetsweep/taufile.h"

#define MAX_NETWORKS (1 << 30)

static const char *file_of(const hs_job *job)
{
    return job->path ? job->path : "<job>";
}

/* "file:line: key: what", or "file: key (its default): what" for a key the
 * job leaves at its default: never line 0. */
static int refuse(const hs_job *job, const char *key, hs_error *err, const char *what)
{
    int line = hs_job_line(job, key);
    if (line > 0)
        return hs_fail(err, HS_ERR_INPUT, "%s:%d: %s: %s", file_of(job), line, key, what);
    return hs_fail(err, HS_ERR_INPUT, "%s: %s (its default): %s", file_of(job), key, what);
}

/* Of two keys that decide one thing together, the one the job gives (the
 * first if both or neither). */
static const char *given_key(const hs_job *job, const char *first, const char *second)
{
    return hs_job_line(job, first) == 0 && hs_job_line(job, second) > 0 ? second : first;
}

/* LIF: lif.dt_ms divides time.dt_ms exactly (SPEC 1.4). Checked only when
 * the sweep has LIF. */
static int check_lif(const hs_job *job, hs_error *err)
{
    int has_lif = 0;
    for (int i = 0; i < job->axes[HS_AX_MODEL].count; i++)
        has_lif |= (int)job->axes[HS_AX_MODEL].values[i] == HS_MODEL_LIF;
    if (!has_lif)
        return HS_OK;
    char what[256];
    double ratio = job->time.dt_ms / job->lif.dt_ms;
    if (fabs(ratio - round(ratio)) > 1e-9 * round(ratio) || round(ratio) < 1 || ratio > 1e6) {
        snprintf(what, sizeof what,
                 "%g does not divide time.dt_ms = %g into a whole number of LIF steps "
                 "(e.g. 0.25 or 0.5 with dt_ms 1)",
                 job->lif.dt_ms, job->time.dt_ms);
        return refuse(job, "lif.dt_ms", err, what);
    }
    /* a neuron fires at most once per refractory period plus one step */
    double max_rate = 1000.0 / (job->lif.refractory_ms + job->lif.dt_ms);
    if (!isnan(job->lif.target_rate_hz) && job->lif.target_rate_hz >= max_rate) {
        snprintf(what, sizeof what,
                 "%g Hz cannot be reached: a neuron fires at most %g Hz with refractory_ms %g "
                 "and dt_ms %g (valid: null, or a rate below that, e.g. 15)",
                 job->lif.target_rate_hz, max_rate, job->lif.refractory_ms, job->lif.dt_ms);
        return refuse(job, "lif.target_rate_hz", err, what);
    }
    return HS_OK;
}

/* The plan, scheduler and results count and index networks with int; 2^30
 * leaves room for a batch past the last column. */
static int check_grid(const hs_job *job, hs_error *err)
{
    double networks = 1.0;
    for (int a = 0; a < HS_N_AXES; a++)
        networks *= job->axes[a].count;
    if (networks <= MAX_NETWORKS)
        return HS_OK;
    char what[256];
    snprintf(what, sizeof what,
             "the sweep has %.0f networks (the product of the axes' lengths), more than the "
             "%d one job may hold (split it into several jobs)",
             networks, MAX_NETWORKS);
    return refuse(job, "sweep", err, what);
}

static int check_time(const hs_job *job, hs_error *err)
{
    char what[256];
    if (hs_stimulus_steps_per_sample(job->time.dt_ms, job->stimulus.time_scale_ms) < 0) {
        snprintf(what, sizeof what,
                 "time.dt_ms = %g over stimulus.time_scale_ms = %g times %g must be a whole "
                 "number of Lorenz steps (e.g. dt_ms 1 with time_scale_ms 50)",
                 job->time.dt_ms, job->stimulus.time_scale_ms, HS_LORENZ_STEP);
        return refuse(job, given_key(job, "time.dt_ms", "stimulus.time_scale_ms"), err, what);
    }
    const char *keys[4] = {"time.washout_ms", "time.train_ms", "time.validation_ms", "time.test_ms"};
    double values[4] = {job->time.washout_ms, job->time.train_ms, job->time.validation_ms,
                        job->time.test_ms};
    for (int k = 0; k < 4; k++)
        if (hs_samples_of(values[k], job->time.dt_ms) < 0) {
            const char *key = given_key(job, keys[k], "time.dt_ms");
            snprintf(what, sizeof what, "%s = %g is not a whole number of time.dt_ms = %g",
                     keys[k], values[k], job->time.dt_ms);
            return refuse(job, key, err, what);
        }
    return HS_OK;
}

/* Task shifts are int samples (tasks.h): refuse delays beyond that before
 * the task grid is made. */
static int check_delays(const hs_job *job, hs_error *err)
{
    double lo = fabs(job->tasks.delay_lo), hi = fabs(job->tasks.delay_hi);
    double shift = (lo > hi ? lo : hi) * job->stimulus.time_scale_ms / job->time.dt_ms;
    if (shift < INT_MAX)
        return HS_OK;
    char what[256];
    snprintf(what, sizeof what,
             "a delay of %g time scales is %.3g samples of time.dt_ms (valid: fewer than %d, "
             "and fewer than time.train_ms holds)",
             lo > hi ? lo : hi, shift, INT_MAX);
    return refuse(job, "tasks.delay_range", err, what);
}

static int check_segments(const hs_job *job, hs_error *err)
{
    hs_tasks tasks;
    hs_tasks_make(&tasks, job);
    int D = tasks.max_shift;
    hs_tasks_free(&tasks);
    const char *keys[3] = {"time.train_ms", "time.validation_ms", "time.test_ms"};
    double values[3] = {job->time.train_ms, job->time.validation_ms, job->time.test_ms};
    for (int k = 0; k < 3; k++) {
        long samples = hs_samples_of(values[k], job->time.dt_ms);
        if (k == 1 && samples == 0 && job->readout.selection == HS_SELECT_FIXED)
            continue;
        if (samples <= D) {
            char what[256];
            snprintf(what, sizeof what,
                     "%ld samples is not longer than the largest task delay (%d samples, from "
                     "tasks.delay_range); need more than %g ms",
                     samples, D, D * job->time.dt_ms);
            return refuse(job, keys[k], err, what);
        }
    }
    return HS_OK;
}

static int check_profiles(const hs_job *job, hs_error *err)
{
    const hs_axis *profiles = &job->axes[HS_AX_PROFILE], *levels = &job->axes[HS_AX_HETEROGENEITY];
    const hs_axis *means = &job->axes[HS_AX_TAU_MEAN], *sizes = &job->axes[HS_AX_N];
    for (int p = 0; p < profiles->count; p++)
        for (int h = 0; h < levels->count; h++)
            for (int m = 0; m < means->count; m++)
                for (int s = 0; s < sizes->count; s++) {
                    char why[256];
                    if (!hs_tau_feasible((int)profiles->values[p], levels->values[h],
                                         means->values[m], job->network.tau_min_ms,
                                         (int64_t)sizes->values[s], why, sizeof why))
                        return refuse(job, "sweep.heterogeneity", err, why);
                }
    return HS_OK;
}

/* The most a time-constant file may hold: values are resampled to N, so any
 * count is usable, but not any size. */
#define MAX_TAU_FILE_BYTES ((off_t)256 << 20)

/* An HDF5 tau file's dataset must not declare more values than the file can
 * hold (nor than the cap): checked before tau.c allocates and reads it. */
static int check_tau_dataset_size(const hs_job *job, const char *path, const char *name,
                                  off_t file_bytes, hs_error *err)
{
    H5E_auto2_t old_func = NULL;
    void *old_data = NULL;
    H5Eget_auto2(H5E_DEFAULT, &old_func, &old_data);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    hid_t file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    hid_t ds = file < 0 || H5Lexists(file, name, H5P_DEFAULT) <= 0 ? -1
                                                                   : H5Dopen2(file, name, H5P_DEFAULT);
    hid_t type = ds < 0 ? -1 : H5Dget_type(ds), space = ds < 0 ? -1 : H5Dget_space(ds);
    hssize_t points = space < 0 ? 0 : H5Sget_simple_extent_npoints(space);
    size_t size = type < 0 ? 1 : H5Tget_size(type);
    hs_h5_close_dataset(ds, type, space);
    if (file >= 0)
        H5Fclose(file);
    H5Eset_auto2(H5E_DEFAULT, old_func, old_data);
    int too_many = points > 0 && (size == 0 || (hsize_t)points > (hsize_t)file_bytes / size ||
                                  (hsize_t)points > (hsize_t)MAX_TAU_FILE_BYTES / sizeof(double));
    if (!too_many)
        return HS_OK; /* anything else wrong with it, tau.c says */
    char why[256];
    snprintf(why, sizeof why,
             "dataset '%s' in '%s' declares %lld values, more than its file (%lld bytes) or %lld "
             "MiB of time constants can hold",
             name, path, (long long)points, (long long)file_bytes,
             (long long)(MAX_TAU_FILE_BYTES >> 20));
    return refuse(job, "network.tau_file", err, why);
}

/* An HDF5 file the job names is opened here only after the crash-safe probe
 * (probe.h): libhdf5 can crash on a malformed file, so a child process reads it
 * first. The refusal names the key. */
static int probe_input(const hs_job *job, const char *key, const char *path, hs_error *err)
{
    hs_error probe_err = {0};
    if (hs_cube_probe(path, 0, &probe_err) == HS_OK)
        return HS_OK;
    return refuse(job, key, err, probe_err.msg);
}

/* network.tau_file ("list.txt" or "path.h5:/dataset", as taufile.c reads it):
 * a regular file (never a FIFO or a device, which could block or never end)
 * of bounded size, checked before anything is read. */
static int check_tau_file_bounds(const hs_job *job, hs_error *err)
{
    const char *spec = job->network.tau_file;
    const char *sep = strstr(spec, ":/");
    int is_hdf5 = sep && access(spec, F_OK) != 0;
    size_t length = is_hdf5 ? (size_t)(sep - spec) : strlen(spec);
    char *path = hs_xmalloc(length + 1);
    memcpy(path, spec, length);
    path[length] = '\0';
    struct stat st;
    int status = HS_OK;
    char why[512];
    if (stat(path, &st) != 0) {
        status = HS_OK; /* missing: tau.c names it */
    } else if (!S_ISREG(st.st_mode)) {
        snprintf(why, sizeof why, "'%s' is not a regular file (a FIFO, device or directory): "
                                  "expected a text list or an HDF5 file of time constants",
                 path);
        status = refuse(job, "network.tau_file", err, why);
    } else if (st.st_size > MAX_TAU_FILE_BYTES) {
        snprintf(why, sizeof why, "'%s' has %lld bytes; a time-constant file may have at most "
                                  "%lld MiB",
                 path, (long long)st.st_size, (long long)(MAX_TAU_FILE_BYTES >> 20));
        status = refuse(job, "network.tau_file", err, why);
    } else if (is_hdf5) {
        status = probe_input(job, "network.tau_file", path, err);
        if (status == HS_OK)
            status = check_tau_dataset_size(job, path, sep + 1, st.st_size, err);
    }
    free(path);
    return status;
}

static int check_files(const hs_job *job, hs_error *err)
{
    if (job->network.tau_file) {
        int bounded = check_tau_file_bounds(job, err);
        if (bounded != HS_OK)
            return bounded;
        double *values = NULL;
        size_t count = 0;
        int status = hs_tau_read_file(job->network.tau_file, &values, &count, err);
        free(values);
        if (status != HS_OK) {
            hs_error inner = *err;
            return hs_fail(err, HS_ERR_INPUT, "%s:%d: network.tau_file: %s", file_of(job),
                           hs_job_line(job, "network.tau_file"), inner.msg);
        }
    }
    if (job->network.source == HS_SOURCE_FILE) {
        struct stat st;
        if (stat(job->network.source_file, &st) == 0 && !S_ISREG(st.st_mode)) {
            char why[512];
            snprintf(why, sizeof why,
                     "'%s' is not a regular file (a FIFO, device or directory): expected a cube "
                     "with /networks",
                     job->network.source_file);
            return refuse(job, "network.source_file", err, why);
        }
        if (access(job->network.source_file, F_OK) == 0) { /* missing: netfile.c names it */
            int probed = probe_input(job, "network.source_file", job->network.source_file, err);
            if (probed != HS_OK)
                return probed;
        }
        int status = hs_netfile_check(job->network.source_file, job, err);
        if (status != HS_OK) {
            hs_error inner = *err;
            return hs_fail(err, HS_ERR_INPUT, "%s:%d: %s", file_of(job),
                           hs_job_line(job, "network.source_file"), inner.msg);
        }
    }
    return HS_OK;
}

/* The memory one rank may use on this node: the smallest of the physical
 * memory, the cgroup's limit and the SLURM allocation; its source in `source`. */
static double machine_bytes(char *source, size_t size)
{
    double pages = (double)sysconf(_SC_PHYS_PAGES), page = (double)sysconf(_SC_PAGESIZE);
    double best = pages > 0 && page > 0 ? pages * page : INFINITY;
    snprintf(source, size, "the %.0f MB this machine has", best / 1048576.0);
    FILE *cgroup = fopen("/sys/fs/cgroup/memory.max", "r");
    double limit = 0;
    if (cgroup && fscanf(cgroup, "%lf", &limit) == 1 && limit > 0 && limit < best) {
        best = limit;
        snprintf(source, size, "the %.0f MB of this cgroup (/sys/fs/cgroup/memory.max)",
                 best / 1048576.0);
    }
    if (cgroup)
        fclose(cgroup);
    const char *per_node = getenv("SLURM_MEM_PER_NODE"), *per_cpu = getenv("SLURM_MEM_PER_CPU");
    const char *cpus = getenv("SLURM_CPUS_PER_TASK");
    double mb = per_node ? atof(per_node) : per_cpu ? atof(per_cpu) * (cpus ? atof(cpus) : 1) : 0;
    if (mb > 0 && mb * 1048576.0 < best) {
        best = mb * 1048576.0;
        snprintf(source, size, "the SLURM allocation (%s = %s MB%s)",
                 per_node ? "SLURM_MEM_PER_NODE" : "SLURM_MEM_PER_CPU",
                 per_node ? per_node : per_cpu, per_node ? "" : " per CPU");
    }
    return best;
}

/* Which key makes the shared inputs large: the longest time segment, the
 * task grid, or the longest sweep axis. */
static const char *shared_culprit(const hs_job *job, size_t n_tasks, size_t n_samples,
                                  size_t test_rows)
{
    double similarity = 8.0 * (double)n_tasks * (double)n_tasks;
    double stimulus = 8.0 * 3 * (double)n_samples + 8.0 * (double)test_rows * (double)n_tasks;
    double networks = hs_plan_shared_bytes(job, n_tasks, 0) - similarity;
    if (similarity >= stimulus && similarity >= networks)
        return "tasks.delay_count";
    if (stimulus >= networks) {
        const char *keys[4] = {"time.washout_ms", "time.train_ms", "time.validation_ms",
                               "time.test_ms"};
        double values[4] = {job->time.washout_ms, job->time.train_ms, job->time.validation_ms,
                            job->time.test_ms};
        int longest = 1;
        for (int k = 0; k < 4; k++)
            if (values[k] > values[longest])
                longest = k;
        return keys[longest];
    }
    static const char *axis_keys[HS_N_AXES] = {
        "sweep.model", "sweep.profile", "sweep.heterogeneity", "sweep.tau_mean_ms", "sweep.n",
        "sweep.input_gain", "sweep.recurrent_gain", "sweep.noise", "sweep.seeds"};
    int longest = 0;
    for (int a = 0; a < HS_N_AXES; a++)
        if (job->axes[a].count > job->axes[longest].count)
            longest = a;
    return axis_keys[longest];
}

/* Arithmetic only (nothing the size of the job is allocated): the shared
 * inputs, then one column of the largest network, against the smaller of
 * run.memory_budget_mb and what this node has. */
static int check_memory(const hs_job *job, hs_error *err)
{
    hs_tasks tasks;
    hs_tasks_make(&tasks, job);
    hs_windows windows;
    hs_windows_make(&windows, job, tasks.max_shift);
    size_t n_tasks = tasks.n_tasks, n_samples = windows.n_samples;
    size_t test_rows = windows.segment[2].end - windows.segment[2].begin;
    hs_tasks_free(&tasks);
    double largest_n = 0;
    for (int i = 0; i < job->axes[HS_AX_N].count; i++)
        largest_n = fmax(largest_n, job->axes[HS_AX_N].values[i]);
    double shared = hs_plan_shared_bytes(job, n_tasks, n_samples);
    double setup = shared + 8.0 * (double)test_rows * (double)n_tasks; /* similarity's targets */
    double one_column = hs_plan_rank_bytes(job, largest_n, n_tasks, n_samples, 1, 1);
    char machine[160], limit_text[256], what[512];
    double budget = job->run.memory_budget_mb * 1048576.0, machine_limit =
                                                                machine_bytes(machine, sizeof machine);
    if (budget <= machine_limit)
        snprintf(limit_text, sizeof limit_text, "run.memory_budget_mb = %g MB",
                 job->run.memory_budget_mb);
    else
        snprintf(limit_text, sizeof limit_text, "%s", machine);
    double limit = fmin(budget, machine_limit);
    if (setup > limit) {
        snprintf(what, sizeof what,
                 "needs about %.0f MB per rank for the stimulus, targets and progress arrays "
                 "alone, more than %s (shorten the segments, the task grid or the sweep)",
                 setup / 1048576.0, limit_text);
        return refuse(job, shared_culprit(job, n_tasks, n_samples, test_rows), err, what);
    }
    if (one_column > limit) {
        snprintf(what, sizeof what,
                 "%.0f needs about %.0f MB per rank for one network of that size, more than %s "
                 "(use smaller n, or a machine or budget with more memory)",
                 largest_n, one_column / 1048576.0, limit_text);
        return refuse(job, "sweep.n", err, what);
    }
    return HS_OK;
}

int hs_job_validate(const hs_job *job, hs_error *err)
{
    int status = check_lif(job, err);
    if (status == HS_OK)
        status = check_grid(job, err);
    if (status == HS_OK)
        status = check_time(job, err);
    if (status == HS_OK)
        status = check_delays(job, err);
    if (status == HS_OK)
        status = check_segments(job, err);
    if (status == HS_OK)
        status = check_profiles(job, err);
    if (status == HS_OK)
        status = check_files(job, err);
    if (status == HS_OK)
        status = check_memory(job, err);
    return status;
}

int hs_job_check_file(const char *path, hs_error *err)
{
    hs_job job;
    int status = hs_job_load(path, &job, err);
    if (status == HS_OK)
        status = hs_job_validate(&job, err);
    hs_job_free(&job);
    return status;
}
