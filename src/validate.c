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

#include "hetsweep/netfile.h"
#include "hetsweep/plan.h"
#include "hetsweep/stimulus.h"
#include "hetsweep/tasks.h"
#include "hetsweep/tau.h"

#define MAX_NETWORKS (1 << 30)

static const char *file_of(const hs_job *job)
{
    return job->path ? job->path : "<job>";
}

static int refuse(const hs_job *job, const char *key, hs_error *err, const char *what)
{
    return hs_fail(err, HS_ERR_INPUT, "%s:%d: %s: %s", file_of(job), hs_job_line(job, key), key,
                   what);
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
                 "dt_ms / (stimulus.time_scale_ms * %g) must be a whole number of Lorenz steps "
                 "(e.g. dt_ms 1 with time_scale_ms 50)",
                 HS_LORENZ_STEP);
        return refuse(job, "time.dt_ms", err, what);
    }
    const char *keys[4] = {"time.washout_ms", "time.train_ms", "time.validation_ms", "time.test_ms"};
    double values[4] = {job->time.washout_ms, job->time.train_ms, job->time.validation_ms,
                        job->time.test_ms};
    for (int k = 0; k < 4; k++)
        if (hs_samples_of(values[k], job->time.dt_ms) < 0) {
            snprintf(what, sizeof what, "%g is not a whole number of time.dt_ms (%g)", values[k],
                     job->time.dt_ms);
            return refuse(job, keys[k], err, what);
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
    if (space >= 0)
        H5Sclose(space);
    if (type >= 0)
        H5Tclose(type);
    if (ds >= 0)
        H5Dclose(ds);
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

/* network.tau_file ("list.txt" or "path.h5:/dataset", as tau.c reads it):
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
        int status = hs_netfile_check(job->network.source_file, job, err);
        if (status != HS_OK) {
            hs_error inner = *err;
            return hs_fail(err, HS_ERR_INPUT, "%s:%d: %s", file_of(job),
                           hs_job_line(job, "network.source_file"), inner.msg);
        }
    }
    return HS_OK;
}

static int check_memory(const hs_job *job, hs_error *err)
{
    hs_tasks tasks;
    hs_tasks_make(&tasks, job);
    hs_windows windows;
    hs_windows_make(&windows, job, tasks.max_shift);
    hs_plan plan;
    hs_plan_make(&plan, job, tasks.n_tasks, windows.n_samples);
    int fits = hs_plan_fits(&plan, job);
    double need_mb = plan.bytes_per_rank / (1024.0 * 1024.0);
    hs_plan_free(&plan);
    hs_tasks_free(&tasks);
    if (fits)
        return HS_OK;
    char what[256];
    snprintf(what, sizeof what,
             "the largest network needs about %.0f MB per rank, more than the budget of %g MB "
             "(raise run.memory_budget_mb or use smaller n)",
             need_mb, job->run.memory_budget_mb);
    return refuse(job, "run.memory_budget_mb", err, what);
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
