/* checkpoint.c - copy, collective write, stamp, then publish (publish.h). */
#include "hetsweep/checkpoint.h"

#include "hetsweep/collective.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hetsweep/testhooks.h"
#include "hetsweep/publish.h"

/* Rank 0: prepare <cube>.tmp as a copy of the cube if there is one. */
static int prepare_tmp(const char *cube_path, const char *tmp_path, int *fresh, hs_error *err)
{
    *fresh = access(cube_path, F_OK) != 0;
    unlink(tmp_path);
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
