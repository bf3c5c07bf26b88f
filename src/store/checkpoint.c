/* checkpoint.c - full and incremental checkpoints by rank 0 (checkpoint.h):
 * a copy or the shadow is written, stamped, checksummed, then swapped or
 * renamed into place. */
#define _GNU_SOURCE
#include "hetsweep/checkpoint.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "hetsweep/blocksum.h"
#include "hetsweep/catchup.h"
#include "hetsweep/dirtyvfd.h"
#include "hetsweep/publish.h"
#include "hetsweep/testhooks.h"

struct hs_checkpointer {
    char *cube_path, *tmp_path, *shadow_path;
    int shadow_ready;      /* the shadow holds the cube's bytes (caught up) */
    int no_exchange;       /* the file system cannot swap two names */
    hs_blocksum published; /* the cube's block checksums, once a swap made them known */
    int published_known;   /* ... and while no rename or failure has made them unsure */
    int trimmed;           /* how the catch-up's trim of "<cube>.sum" ended (HS_OK, ...) */
    hs_error trim_error;
    hs_catchup *catchup;   /* bringing the shadow level with the cube, or NULL */
    hs_chunk_map *chunks;  /* where the cube's /results chunks lie (in every copy), or NULL */
    double caught_up;      /* seconds of the catch-up waited for since the last checkpoint */
    hs_checkpoint_phases last;
    int full, incremental;
};

static char *beside(const char *cube_path, const char *suffix)
{
    size_t size = strlen(cube_path) + strlen(suffix) + 1;
    char *path = hs_xmalloc(size);
    snprintf(path, size, "%s%s", cube_path, suffix);
    return path;
}

hs_checkpointer *hs_checkpointer_new(const char *cube_path)
{
    hs_checkpointer *c = hs_xcalloc(1, sizeof *c);
    c->cube_path = hs_xstrdup(cube_path);
    c->tmp_path = beside(cube_path, ".tmp");
    c->shadow_path = beside(cube_path, ".shadow");
    c->no_exchange = hs_hook_no_exchange();
    unlink(c->tmp_path);
    unlink(c->shadow_path); /* an earlier run's: what it holds is not known */
    return c;
}

void hs_checkpointer_free(hs_checkpointer *c)
{
    if (!c)
        return;
    hs_catchup_abandon(c->catchup);
    unlink(c->shadow_path);
    hs_chunk_map_free(c->chunks);
    hs_blocksum_free(&c->published);
    free(c->cube_path);
    free(c->tmp_path);
    free(c->shadow_path);
    free(c);
}

void hs_checkpointer_copy_always(hs_checkpointer *c)
{
    c->no_exchange = 1;
}

void hs_checkpoint_counts(const hs_checkpointer *c, int *full, int *incremental)
{
    *full = c ? c->full : 0;
    *incremental = c ? c->incremental : 0;
}

void hs_checkpoint_last_phases(const hs_checkpointer *c, hs_checkpoint_phases *phases)
{
    *phases = c->last;
}

/* Seconds since t0 (MPI_Wtime), added to *phase; the time now. */
static double book(double *phase, double t0)
{
    double now = MPI_Wtime();
    *phase += now - t0;
    return now;
}

/* ---- what a checkpoint writes ------------------------------------------------ */

/* This checkpoint's items, per-unit arrays and networks into an open cube. */
static int write_contents(hs_cube *cube, const hs_cube_contents *contents,
                          const hs_unit_source *networks, const hs_checkpoint_data *data,
                          hs_error *err)
{
    int status = hs_cube_write_results(cube, data->items, data->n_items, err);
    if (status == HS_OK)
        status = hs_cube_write_units(cube, data->unit_done, data->unit_wall, err);
    if (status == HS_OK && contents->job->output.store_networks)
        status = hs_netfile_write(cube, contents->job, contents->plan->n_units, networks,
                                  data->owned_units, data->n_owned, err);
    if (status == HS_OK)
        hs_crash_point("checkpoint-write");
    return status;
}

/* Write this checkpoint's /results chunks into the open cube raw, at the
 * addresses of the checkpointer's chunk map (made when this session created
 * the cube; a cube made before is written through HDF5), through a
 * descriptor of its own: *fd, closed by the caller. */
static int write_raw(hs_checkpointer *c, hs_cube *cube, const char *path, hs_dirty_log *log,
                     int *fd, hs_error *err)
{
    if (!c->chunks || hs_hook_no_raw_chunks())
        return HS_OK;
    *fd = open(path, O_RDWR | O_CLOEXEC);
    if (*fd < 0)
        return hs_fail(err, HS_ERR_RUNTIME, "cannot open %s for writing: %s", path,
                       strerror(errno));
    hs_cube_write_raw(cube, c->chunks, *fd, log);
    return HS_OK;
}

/* Start writing the results written raw back to the disk, without waiting:
 * the fsync to come then finds much of it under way (about 1 ms less, while
 * HDF5 stamps and closes the file; this costs ~0.3 ms here). Linux only. */
static void start_writeback(int fd)
{
#ifdef SYNC_FILE_RANGE_WRITE
    sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);
#else
    (void)fd;
#endif
}

/* Write the checkpoint into the file at path (created when fresh, else opened
 * in place) and stamp it, through the driver that logs every byte range
 * written into *log. */
static int write_checkpoint_file(hs_checkpointer *c, const char *path, int fresh,
                                 hs_dirty_log *log, const hs_cube_contents *contents,
                                 const hs_unit_source *networks,
                                 const hs_checkpoint_data *data, hs_error *err)
{
    hid_t fapl = hs_dirty_fapl(log);
    if (fapl < 0)
        return hs_fail(err, HS_ERR_RUNTIME, "%s: cannot set up HDF5's logging driver", path);
    hs_cube *cube = NULL;
    int raw_fd = -1;
    int status = fresh ? hs_cube_create(path, contents, MPI_COMM_SELF, fapl, &cube, err)
                       : hs_cube_open(path, contents, MPI_COMM_SELF, fapl, &cube, err);
    if (status == HS_OK && fresh) {
        hs_chunk_map_free(c->chunks);
        c->chunks = hs_cube_take_chunk_map(cube);
    } else if (status == HS_OK) {
        status = write_raw(c, cube, path, log, &raw_fd, err);
    }
    if (status == HS_OK)
        status = write_contents(cube, contents, networks, data, err);
    if (status == HS_OK && raw_fd >= 0)
        start_writeback(raw_fd);
    if (status == HS_OK && !fresh) /* stamped now; a new cube once closed (hs_cube_stamp) */
        status = hs_cube_stamp_open(cube, data->ranks_used, data->n_ranks_used,
                                    data->run_accounting, err);
    if (cube)
        status = hs_cube_close(cube, status, err);
    if (raw_fd >= 0 && close(raw_fd) != 0 && status == HS_OK)
        status = hs_fail(err, HS_ERR_RUNTIME, "cannot write %s: %s", path, strerror(errno));
    if (status == HS_OK && fresh)
        status = hs_cube_stamp(path, fapl, fresh, data->ranks_used, data->n_ranks_used,
                               data->run_accounting, err);
    H5Pclose(fapl);
    return status;
}

/* ---- free space -------------------------------------------------------------- */

/* Bytes a new cube of these contents takes, at most: every /results dataset
 * (all networks), the task similarity, the tasks and the stimulus. */
static double new_cube_bytes(const hs_cube_contents *contents)
{
    size_t n_tasks = contents->tasks->n_tasks;
    double networks = (double)contents->plan->n_units * contents->plan->n_columns;
    int n_fields = 0;
    const hs_result_field *fields = hs_result_fields(&n_fields);
    double per_network = 0;
    for (int f = 0; f < n_fields; f++)
        per_network += (double)hs_elem_size(fields[f].file) * hs_result_count(&fields[f], n_tasks);
    return networks * per_network + 4.0 * n_tasks * n_tasks + 64.0 * n_tasks +
           24.0 * contents->stimulus->n_samples + 16.0 * contents->plan->n_units;
}

/* Before anything is written: the file system must hold what this checkpoint
 * adds (`need` bytes) with room to spare. HDF5 cannot recover from running
 * out of space in the middle of a write, so a checkpoint that would not fit
 * is refused whole, and the journals keep the finished items. */
static int check_space(const char *cube_path, double need, hs_error *err)
{
    need = need * 1.1 + 1048576.0; /* HDF5's metadata, and a margin */
    char *copy = hs_xstrdup(cube_path);
    struct statvfs fs;
    int known = statvfs(dirname(copy), &fs) == 0;
    free(copy);
    double avail = known ? (double)fs.f_bavail * (double)fs.f_frsize : need;
    if (avail >= need)
        return HS_OK;
    return hs_fail(err, HS_ERR_RUNTIME,
                   "%s: not enough free space for a checkpoint: it needs about %.1f MB, the file "
                   "system has %.1f MB free; nothing was written (finished items stay in the "
                   "journals: free some space, or write the cube elsewhere, then run again)",
                   cube_path, need / 1048576.0, avail / 1048576.0);
}

/* ---- putting the new file in place ------------------------------------------ */

/* The catch-up's first step: "<cube>.sum" keeps only the published
 * checksums (the swap has put the cube in place for good; until this, the
 * .sum accepts the old one too). Off the checkpoint's critical path. */
static void trim_sum(void *arg)
{
    hs_checkpointer *c = arg;
    c->trimmed = hs_trim_sum(c->cube_path, &c->published, &c->trim_error);
}

/* The new cube's checksums become the published ones, and the old cube, now
 * the shadow, starts catching up with the ranges this checkpoint wrote (after
 * the .sum is trimmed, in the same thread). */
static void after_swap(hs_checkpointer *c, hs_blocksum *next, hs_dirty_log *log)
{
    hs_blocksum_free(&c->published);
    c->published = *next;
    c->published_known = 1;
    memset(next, 0, sizeof *next);
    hs_dirty_log_merge(log);
    c->trimmed = HS_OK;
    c->catchup = hs_catchup_start(c->cube_path, c->shadow_path, log->ranges, log->n, trim_sum, c);
    if (!c->catchup)
        trim_sum(c);
    c->shadow_ready = 0; /* until the catch-up has ended well */
}

/* Wait for the last catch-up (it has long ended, as a rule); the shadow is
 * ready when it ended well. Fails only under HETSWEEP_VERIFY_SHADOW=1, when
 * the shadow does not hold the cube's bytes. */
static int settle_catchup(hs_checkpointer *c, double *waited, hs_error *err)
{
    hs_catchup_outcome outcome = HS_CATCHUP_FAILED;
    if (c->catchup) {
        double t0 = MPI_Wtime(), seconds;
        int error;
        outcome = hs_catchup_finish(c->catchup, &seconds, &error);
        c->caught_up += seconds;
        book(waited, t0);
        c->catchup = NULL;
        c->shadow_ready = outcome == HS_CATCHUP_DONE;
    }
    if (c->trimmed != HS_OK) { /* the .sum could not be written: say why */
        c->trimmed = HS_OK;
        if (err)
            *err = c->trim_error;
        return HS_ERR_RUNTIME;
    }
    if (!c->shadow_ready || !hs_hook_verify_shadow())
        return HS_OK;
    unsigned long long where = 0;
    int same = hs_files_identical(c->shadow_path, c->cube_path, &where);
    if (same == 1)
        return HS_OK;
    c->shadow_ready = 0;
    return hs_fail(err, HS_ERR_RUNTIME, "internal error: after its catch-up, %s differs from %s "
                   "(at byte %llu%s)", c->shadow_path, c->cube_path, where,
                   same < 0 ? ", or cannot be read" : "");
}

/* ---- the full checkpoint ----------------------------------------------------- */

static int fill_tmp(hs_checkpointer *c, const hs_cube_contents *contents,
                    const hs_unit_source *networks, const hs_checkpoint_data *data, int fresh,
                    hs_dirty_log *log, hs_error *err)
{
    struct stat st;
    double need = fresh ? new_cube_bytes(contents)
                        : (stat(c->cube_path, &st) == 0 ? (double)st.st_size : 0.0);
    int status = check_space(c->cube_path, need, err);
    if (status == HS_OK && !fresh)
        status = hs_copy_file(c->cube_path, c->tmp_path, err);
    if (status == HS_OK)
        status = write_checkpoint_file(c, c->tmp_path, fresh, log, contents, networks, data,
                                       err);
    return status;
}

/* fsync the written file and, side by side, checksum it (whole, or the
 * published blocksum refreshed for the logged ranges) and make "<cube>.sum"
 * accept it; then swap it in. */
static int sync_and_swap(hs_checkpointer *c, const char *path, hs_dirty_log *log, int whole,
                         int *unsupported, hs_error *err)
{
    hs_blocksum next = {0};
    if (!whole)
        hs_blocksum_copy(&next, &c->published); /* the shadow's too, once caught up */
    hs_publish_times times = {0, 0};
    int status = hs_sync_and_accept(path, c->cube_path, &next,
                                    c->published_known ? &c->published : NULL, log->ranges,
                                    log->n, whole, &times, err);
    c->last.sync = times.sync;
    c->last.checksum = times.checksum;
    double t0 = MPI_Wtime();
    if (status == HS_OK)
        status = hs_swap_file(path, c->cube_path, unsupported, err);
    if (status == HS_OK && !*unsupported && whole && rename(path, c->shadow_path) != 0)
        status = hs_fail(err, HS_ERR_RUNTIME, "cannot rename %s to %s: %s", path,
                         c->shadow_path, strerror(errno));
    if (status == HS_OK && !*unsupported)
        after_swap(c, &next, log);
    book(&c->last.swap, t0);
    hs_blocksum_free(&next);
    return status;
}

static int full_checkpoint(hs_checkpointer *c, const hs_cube_contents *contents,
                           const hs_unit_source *networks, const hs_checkpoint_data *data,
                           hs_error *err)
{
    int fresh = access(c->cube_path, F_OK) != 0;
    if (fresh) { /* a new file: its chunks are not those of any file mapped before */
        hs_chunk_map_free(c->chunks);
        c->chunks = NULL;
    }
    unlink(c->tmp_path);
    c->shadow_ready = 0;
    unlink(c->shadow_path);
    hs_dirty_log log = {0}; /* what the shadow will lack after the swap */
    double t0 = MPI_Wtime();
    int status = fill_tmp(c, contents, networks, data, fresh, &log, err);
    book(&c->last.write, t0);
    int unsupported = 1;
    if (status == HS_OK && !fresh && !c->no_exchange)
        status = sync_and_swap(c, c->tmp_path, &log, 1, &unsupported, err);
    if (status == HS_OK && unsupported) { /* a new cube, or no swap here: rename */
        c->no_exchange = c->no_exchange || !fresh;
        t0 = MPI_Wtime();
        c->published_known = 0; /* hs_publish_file keeps the new checksums to itself */
        status = hs_publish_file(c->tmp_path, c->cube_path, err);
        book(&c->last.swap, t0);
    }
    hs_dirty_log_free(&log);
    if (status != HS_OK)
        unlink(c->tmp_path);
    c->full += status == HS_OK;
    return status;
}

/* ---- the incremental checkpoint ---------------------------------------------- */

/* Whether no other process holds the shadow open: HDF5 readers take a shared
 * flock, which an exclusive one cannot get past. */
static int shadow_unused(const char *path)
{
    int fd = open(path, O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return 0;
    int unused = flock(fd, LOCK_EX | LOCK_NB) == 0 || errno != EWOULDBLOCK;
    close(fd); /* also releases the lock */
    return unused;
}

/* Write this checkpoint's items into the shadow in place, logging the byte
 * ranges written. */
static int fill_shadow(hs_checkpointer *c, const hs_cube_contents *contents,
                       const hs_unit_source *networks, const hs_checkpoint_data *data,
                       hs_dirty_log *log, hs_error *err)
{
    double t0 = MPI_Wtime();
    int status = write_checkpoint_file(c, c->shadow_path, 0, log, contents, networks, data,
                                       err);
    book(&c->last.write, t0);
    hs_dirty_log_merge(log);
    for (size_t i = 0; i < log->n; i++)
        c->last.bytes += (double)log->ranges[i].length;
    return status;
}

static int incremental_checkpoint(hs_checkpointer *c, const hs_cube_contents *contents,
                                  const hs_unit_source *networks,
                                  const hs_checkpoint_data *data, hs_error *err)
{
    int status = check_space(c->cube_path, 0.0, err);
    hs_dirty_log log = {0};
    if (status == HS_OK)
        status = fill_shadow(c, contents, networks, data, &log, err);
    int unsupported = 0;
    if (status == HS_OK)
        status = sync_and_swap(c, c->shadow_path, &log, 0, &unsupported, err);
    hs_dirty_log_free(&log);
    if (status != HS_OK || unsupported) { /* the shadow is no longer what it was */
        c->shadow_ready = 0;
        unlink(c->shadow_path);
    }
    if (status == HS_OK && unsupported) /* cannot happen once a swap worked; be safe */
        return full_checkpoint(c, contents, networks, data, err);
    c->incremental += status == HS_OK;
    return status;
}

int hs_checkpoint_settle(hs_checkpointer *c, hs_error *err)
{
    double waited = 0;
    return settle_catchup(c, &waited, err);
}

int hs_checkpoint(hs_checkpointer *c, const hs_cube_contents *contents,
                  const hs_unit_source *networks, const hs_checkpoint_data *data, hs_error *err)
{
    memset(&c->last, 0, sizeof c->last);
    int status = settle_catchup(c, &c->last.wait, err);
    c->last.catchup = c->caught_up;
    c->caught_up = 0;
    if (status == HS_OK)
        status = c->shadow_ready && shadow_unused(c->shadow_path)
                     ? incremental_checkpoint(c, contents, networks, data, err)
                     : full_checkpoint(c, contents, networks, data, err);
    if (status != HS_OK) { /* which file is where is no longer sure: start over */
        hs_catchup_abandon(c->catchup);
        c->catchup = NULL;
        c->published_known = 0;
        c->shadow_ready = 0;
        unlink(c->shadow_path);
    }
    return status;
}
