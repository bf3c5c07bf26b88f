/* checkpoint.c - copy, collective write, stamp, then publish (publish.h). */
#include "hetsweep/checkpoint.h"

#include "hetsweep/collective.h"

#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "hetsweep/testhooks.h"
#include "hetsweep/publish.h"

/* Rank 0: prepare <cube>.tmp as a copy of the cube if there is one. */
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

/* Rank 0, before anything is written: the file system must hold the new file
 * (a copy of the cube, or a new cube) with room to spare. HDF5 cannot recover
 * from running out of space in the middle of a write, so a checkpoint that
 * would not fit is refused whole, and the journals keep the finished items. */
static int check_space(const char *cube_path, const hs_cube_contents *contents, int fresh,
                       hs_error *err)
{
    struct stat st;
    double need = fresh ? new_cube_bytes(contents)
                        : (stat(cube_path, &st) == 0 ? (double)st.st_size : 0.0);
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

static int prepare_tmp(const char *cube_path, const char *tmp_path,
                       const hs_cube_contents *contents, int *fresh, hs_error *err)
{
    *fresh = access(cube_path, F_OK) != 0;
    unlink(tmp_path);
    int status = check_space(cube_path, contents, *fresh, err);
    if (status != HS_OK)
        return status;
    return *fresh ? HS_OK : hs_copy_file(cube_path, tmp_path, err);
}

/* Rank 0, serially: stamp, attach scales (new cube), then publish (fsync,
 * checksum, rename). */
static int publish(const char *cube_path, const char *tmp_path, int fresh,
                   const hs_checkpoint_data *data, hs_error *err)
{
    int status = hs_cube_stamp(tmp_path, fresh, data->ranks_used, data->n_ranks_used,
                               data->run_accounting, err);
    if (status != HS_OK) {
        unlink(tmp_path);
        return status;
    }
    return hs_publish_file(tmp_path, cube_path, err);
}

int hs_checkpoint(const char *cube_path, const hs_cube_contents *contents,
                  const hs_unit_source *networks, const hs_checkpoint_data *data, MPI_Comm comm,
                  hs_error *err)
{
    int rank;
    MPI_Comm_rank(comm, &rank);
    size_t size = strlen(cube_path) + 8;
    char *tmp_path = hs_xmalloc(size);
    snprintf(tmp_path, size, "%s.tmp", cube_path);
    int fresh = 0, status = HS_OK;
    if (rank == 0)
        status = prepare_tmp(cube_path, tmp_path, contents, &fresh, err);
    MPI_Bcast(&fresh, 1, MPI_INT, 0, comm);
    status = hs_agree(comm, status);
    hs_cube *cube = NULL;
    if (status == HS_OK)
        status = hs_agree(comm, fresh ? hs_cube_create(tmp_path, contents, comm, &cube, err)
                                   : hs_cube_open(tmp_path, contents, comm, &cube, err));
    if (status == HS_OK)
        status = hs_cube_write_results(cube, data->items, data->n_items, err);
    if (status == HS_OK)
        status = hs_cube_write_units(cube, rank == 0 ? data->unit_done : NULL,
                                     rank == 0 ? data->unit_wall : NULL, err);
    if (status == HS_OK && contents->job->output.store_networks)
        status = hs_netfile_write(cube, contents->job, contents->plan->n_units, networks,
                                  data->owned_units, data->n_owned, err);
    if (status == HS_OK)
        hs_crash_point("checkpoint-write");
    if (cube)
        status = hs_agree(comm, hs_cube_close(cube, status, err));
    if (status == HS_OK && rank == 0)
        status = publish(cube_path, tmp_path, fresh, data, err);
    else if (rank == 0)
        unlink(tmp_path);
    status = hs_agree(comm, status);
    free(tmp_path);
    return status;
}
