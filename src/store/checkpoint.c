/* checkpoint.c - full and incremental checkpoints by rank 0 (checkpoint.h):
 * a copy or the shadow is written, stamped, checksummed, then swapped or
 * renamed into place. */
#include "hetsweep/checkpoint.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "hetsweep/blocksum.h"
#include "hetsweep/dirtyvfd.h"
#include "hetsweep/probe.h"
#include "hetsweep/publish.h"
#include "hetsweep/testhooks.h"

struct hs_checkpointer {
    char *cube_path, *tmp_path, *shadow_path;
    int shadow_ready;      /* the shadow holds the cube minus `pending` */
    int no_exchange;       /* the file system cannot swap two names */
    hs_blocksum published; /* the cube's block checksums (when known) */
    hs_blocksum shadow;    /* the shadow's */
    int published_known;
    hs_item_result *pending; /* the last checkpoint's items: in the cube, not the shadow */
    int n_pending;
    int *pending_owned;
    int n_pending_owned;
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

static void forget_pending(hs_checkpointer *c)
{
    for (int i = 0; i < c->n_pending; i++)
        hs_item_result_free(&c->pending[i]);
    free(c->pending);
    free(c->pending_owned);
    c->pending = NULL;
    c->pending_owned = NULL;
    c->n_pending = c->n_pending_owned = 0;
}

void hs_checkpointer_free(hs_checkpointer *c)
{
    if (!c)
        return;
    unlink(c->shadow_path);
    forget_pending(c);
    hs_blocksum_free(&c->published);
    hs_blocksum_free(&c->shadow);
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

/* ---- what a checkpoint writes ------------------------------------------------ */

/* memcpy of count elements, where from may be NULL when count is 0. */
static void copy_elements(void *to, const void *from, size_t count, size_t size)
{
    if (count > 0)
        memcpy(to, from, count * size);
}

/* This checkpoint's items become the ones the shadow lacks (deep copies). */
static void keep_as_pending(hs_checkpointer *c, const hs_checkpoint_data *data)
{
    forget_pending(c);
    c->pending = hs_xcalloc((size_t)data->n_items + 1, sizeof *c->pending);
    for (int i = 0; i < data->n_items; i++) {
        const hs_item_result *from = &data->items[i];
        hs_item_result *to = &c->pending[i];
        hs_item_result_init(to, from->unit, from->first_column, from->n_columns,
                            from->n_tasks);
        to->wall_seconds = from->wall_seconds;
        for (int k = 0; k < from->n_columns; k++) {
            to->columns[k].column = from->columns[k].column;
            hs_column_result_copy(&to->columns[k], &from->columns[k], from->n_tasks);
        }
    }
    c->n_pending = data->n_items;
    c->pending_owned = hs_xcalloc((size_t)data->n_owned + 1, sizeof(int));
    copy_elements(c->pending_owned, data->owned_units, (size_t)data->n_owned, sizeof(int));
    c->n_pending_owned = data->n_owned;
}

/* Items, per-unit arrays and networks into an open cube. */
static int write_contents(hs_cube *cube, const hs_cube_contents *contents,
                          const hs_unit_source *networks, const hs_item_result *items,
                          int n_items, const int *owned, int n_owned,
                          const hs_checkpoint_data *data, hs_error *err)
{
    int status = hs_cube_write_results(cube, items, n_items, err);
    if (status == HS_OK)
        status = hs_cube_write_units(cube, data->unit_done, data->unit_wall, err);
    if (status == HS_OK && contents->job->output.store_networks)
        status = hs_netfile_write(cube, contents->job, contents->plan->n_units, networks, owned,
                                  n_owned, err);
    if (status == HS_OK)
        hs_crash_point("checkpoint-write");
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

/* The cube's block checksums before this checkpoint replaces it: known from
 * the last one, or read from <cube>.sum, or (an older .sum) computed. */
static int learn_published_sum(hs_checkpointer *c)
{
    if (c->published_known)
        return 0;
    hs_error ignored;
    hs_error_clear(&ignored);
    if (hs_cube_sum_read(c->cube_path, &c->published, &ignored) != HS_OK &&
        hs_blocksum_of_file(c->cube_path, &c->published) != 0)
        return -1;
    c->published_known = 1;
    return 0;
}

/* The new cube's checksums become the published ones; the old cube's, the
 * shadow's; this checkpoint's items, those the shadow lacks. */
static void after_swap(hs_checkpointer *c, hs_blocksum *next, const hs_checkpoint_data *data)
{
    hs_blocksum_free(&c->shadow);
    c->shadow = c->published;
    c->published = *next;
    memset(next, 0, sizeof *next);
    c->published_known = 1;
    c->shadow_ready = 1;
    keep_as_pending(c, data);
}

/* ---- the full checkpoint ----------------------------------------------------- */

static int fill_tmp(hs_checkpointer *c, const hs_cube_contents *contents,
                    const hs_unit_source *networks, const hs_checkpoint_data *data, int fresh,
                    hs_error *err)
{
    struct stat st;
    double need = fresh ? new_cube_bytes(contents)
                        : (stat(c->cube_path, &st) == 0 ? (double)st.st_size : 0.0);
    int status = check_space(c->cube_path, need, err);
    if (status == HS_OK && !fresh)
        status = hs_copy_file(c->cube_path, c->tmp_path, err);
    hs_cube *cube = NULL;
    if (status == HS_OK)
        status = fresh ? hs_cube_create(c->tmp_path, contents, MPI_COMM_SELF, H5P_DEFAULT, &cube,
                                        err)
                       : hs_cube_open(c->tmp_path, contents, MPI_COMM_SELF, H5P_DEFAULT, &cube,
                                      err);
    if (status == HS_OK)
        status = write_contents(cube, contents, networks, data->items, data->n_items,
                                data->owned_units, data->n_owned, data, err);
    if (cube)
        status = hs_cube_close(cube, status, err);
    if (status == HS_OK)
        status = hs_cube_stamp(c->tmp_path, H5P_DEFAULT, fresh, data->ranks_used,
                               data->n_ranks_used, data->run_accounting, err);
    return status;
}

/* Where the cube can be swapped: the tmp file goes in, and the old cube
 * stays as the shadow. */
static int publish_by_swap(hs_checkpointer *c, const hs_checkpoint_data *data, int *unsupported,
                           hs_error *err)
{
    int status = hs_fsync_file(c->tmp_path, err);
    if (status != HS_OK)
        return status;
    hs_blocksum next = {0};
    if (learn_published_sum(c) != 0 || hs_blocksum_of_file(c->tmp_path, &next) != 0)
        return hs_fail(err, HS_ERR_RUNTIME, "cannot read %s to checksum it: %s", c->tmp_path,
                       strerror(errno));
    status = hs_swap_file(c->tmp_path, c->cube_path, &next, unsupported, err);
    if (status == HS_OK && !*unsupported && rename(c->tmp_path, c->shadow_path) != 0)
        status = hs_fail(err, HS_ERR_RUNTIME, "cannot rename %s to %s: %s", c->tmp_path,
                         c->shadow_path, strerror(errno));
    if (status == HS_OK && !*unsupported)
        after_swap(c, &next, data);
    hs_blocksum_free(&next);
    return status;
}

static int full_checkpoint(hs_checkpointer *c, const hs_cube_contents *contents,
                           const hs_unit_source *networks, const hs_checkpoint_data *data,
                           hs_error *err)
{
    int fresh = access(c->cube_path, F_OK) != 0;
    unlink(c->tmp_path);
    c->shadow_ready = 0;
    unlink(c->shadow_path);
    int status = fill_tmp(c, contents, networks, data, fresh, err);
    int unsupported = 1;
    if (status == HS_OK && !fresh && !c->no_exchange)
        status = publish_by_swap(c, data, &unsupported, err);
    if (status == HS_OK && unsupported) { /* a new cube, or no swap here: rename */
        c->no_exchange = c->no_exchange || !fresh;
        c->published_known = 0;
        status = hs_publish_file(c->tmp_path, c->cube_path, err);
    }
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

/* The shadow's items: the last checkpoint's, then this one's. */
static hs_item_result *items_for_shadow(const hs_checkpointer *c, const hs_checkpoint_data *data,
                                        int **owned, int *n_owned)
{
    hs_item_result *items = hs_xcalloc((size_t)(c->n_pending + data->n_items) + 1, sizeof *items);
    copy_elements(items, c->pending, (size_t)c->n_pending, sizeof *items);
    copy_elements(items + c->n_pending, data->items, (size_t)data->n_items, sizeof *items);
    *n_owned = c->n_pending_owned + data->n_owned;
    *owned = hs_xcalloc((size_t)*n_owned + 1, sizeof(int));
    copy_elements(*owned, c->pending_owned, (size_t)c->n_pending_owned, sizeof(int));
    copy_elements(*owned + c->n_pending_owned, data->owned_units, (size_t)data->n_owned,
                  sizeof(int));
    return items;
}

/* Write into the shadow in place, logging the byte ranges written. */
static int fill_shadow(hs_checkpointer *c, const hs_cube_contents *contents,
                       const hs_unit_source *networks, const hs_checkpoint_data *data,
                       hs_dirty_log *log, hs_error *err)
{
    hid_t fapl = hs_dirty_fapl(log);
    if (fapl < 0)
        return hs_fail(err, HS_ERR_RUNTIME, "%s: cannot set up HDF5's logging driver",
                       c->shadow_path);
    int *owned, n_owned;
    hs_item_result *items = items_for_shadow(c, data, &owned, &n_owned);
    hs_cube *cube = NULL;
    int status = hs_cube_open(c->shadow_path, contents, MPI_COMM_SELF, fapl, &cube, err);
    if (status == HS_OK)
        status = write_contents(cube, contents, networks, items, c->n_pending + data->n_items,
                                owned, n_owned, data, err);
    if (cube)
        status = hs_cube_close(cube, status, err);
    if (status == HS_OK)
        status = hs_cube_stamp(c->shadow_path, fapl, 0, data->ranks_used, data->n_ranks_used,
                               data->run_accounting, err);
    H5Pclose(fapl);
    free(items); /* shallow: the items belong to c->pending and data */
    free(owned);
    if (status == HS_OK)
        status = hs_fsync_file(c->shadow_path, err);
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
    hs_blocksum next = {0};
    if (status == HS_OK) {
        hs_dirty_log_merge(&log);
        hs_blocksum_copy(&next, &c->shadow);
        if (hs_blocksum_refresh(c->shadow_path, &next, log.ranges, log.n) != 0)
            status = hs_fail(err, HS_ERR_RUNTIME, "cannot read %s to checksum it: %s",
                             c->shadow_path, strerror(errno));
    }
    hs_dirty_log_free(&log);
    int unsupported = 0;
    if (status == HS_OK)
        status = hs_swap_file(c->shadow_path, c->cube_path, &next, &unsupported, err);
    if (status == HS_OK && !unsupported)
        after_swap(c, &next, data);
    hs_blocksum_free(&next);
    if (status != HS_OK || unsupported) { /* the shadow is no longer what it was */
        c->shadow_ready = 0;
        unlink(c->shadow_path);
    }
    if (status == HS_OK && unsupported) /* cannot happen once a swap worked; be safe */
        return full_checkpoint(c, contents, networks, data, err);
    c->incremental += status == HS_OK;
    return status;
}

int hs_checkpoint(hs_checkpointer *c, const hs_cube_contents *contents,
                  const hs_unit_source *networks, const hs_checkpoint_data *data, hs_error *err)
{
    int status = c->shadow_ready && shadow_unused(c->shadow_path)
                     ? incremental_checkpoint(c, contents, networks, data, err)
                     : full_checkpoint(c, contents, networks, data, err);
    if (status != HS_OK) { /* which file is where is no longer sure: start over */
        c->shadow_ready = 0;
        c->published_known = 0;
        unlink(c->shadow_path);
    }
    return status;
}
