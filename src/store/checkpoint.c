/* checkpoint.c - copy, collective write, stamp, fsync, rename, checksum. */
#include "hetsweep/checkpoint.h"

#include "hetsweep/collective.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hetsweep/crashpoint.h"
#include "hetsweep/probe.h"

static int copy_file(const char *from, const char *to, hs_error *err)
{
    int in = open(from, O_RDONLY | O_CLOEXEC);
    int out = in < 0 ? -1 : open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    int status = HS_OK;
    if (in < 0 || out < 0)
        status = hs_fail(err, HS_ERR_RUNTIME, "cannot copy %s to %s: %s", from, to,
                         strerror(errno));
    unsigned char *block = hs_xmalloc(1 << 20);
    ssize_t n;
    while (status == HS_OK && (n = read(in, block, 1 << 20)) != 0) {
        ssize_t done = 0;
        while (n > 0 && done < n) {
            ssize_t w = write(out, block + done, (size_t)(n - done));
            if (w <= 0) {
                status = hs_fail(err, HS_ERR_RUNTIME, "cannot write %s: %s", to, strerror(errno));
                break;
            }
            done += w;
        }
        if (n < 0)
            status = hs_fail(err, HS_ERR_RUNTIME, "cannot read %s: %s", from, strerror(errno));
    }
    free(block);
    if (in >= 0)
        close(in);
    if (out >= 0 && close(out) != 0 && status == HS_OK)
        status = hs_fail(err, HS_ERR_RUNTIME, "cannot write %s: %s", to, strerror(errno));
    if (status != HS_OK)
        unlink(to);
    return status;
}

static int fsync_path(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

static void fsync_directory_of(const char *path)
{
    char *copy = hs_xstrdup(path);
    fsync_path(dirname(copy));
    free(copy);
}

/* Rank 0: prepare <cube>.tmp as a copy of the cube if there is one. */
static int prepare_tmp(const char *cube_path, const char *tmp_path, int *fresh, hs_error *err)
{
    *fresh = access(cube_path, F_OK) != 0;
    unlink(tmp_path);
    return *fresh ? HS_OK : copy_file(cube_path, tmp_path, err);
}

/* Rank 0, serially: stamp, attach scales (new cube), fsync, rename, sum. */
static int publish(const char *cube_path, const char *tmp_path, int fresh,
                   const hs_checkpoint_data *data, hs_error *err)
{
    int status = hs_cube_stamp(tmp_path, fresh, data->ranks_used, data->n_ranks_used, err);
    if (status == HS_OK && fsync_path(tmp_path) != 0)
        status = hs_fail(err, HS_ERR_RUNTIME, "cannot fsync %s: %s", tmp_path, strerror(errno));
    if (status == HS_OK)
        status = hs_cube_sum_before_rename(cube_path, tmp_path, err);
    if (status == HS_OK)
        hs_crash_point("checkpoint-rename");
    if (status == HS_OK && rename(tmp_path, cube_path) != 0)
        status = hs_fail(err, HS_ERR_RUNTIME, "cannot rename %s to %s: %s", tmp_path, cube_path,
                         strerror(errno));
    if (status != HS_OK) {
        unlink(tmp_path);
        return status;
    }
    fsync_directory_of(cube_path);
    hs_crash_point("checkpoint-sum");
    return hs_cube_sum_after_rename(cube_path, err);
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
        status = prepare_tmp(cube_path, tmp_path, &fresh, err);
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
