/* cube.h - the results cube's layout and its collective writes (SPEC 3)
 * with parallel HDF5.
 *
 * Every rank takes part in every call that takes a cube (collective metadata
 * and collective data transfers; a rank with nothing to write joins with an
 * empty selection). checkpoint.h decides which file these calls write (a
 * copy of the cube, "<cube>.tmp") and renames it into place.
 */
#ifndef HETSWEEP_CUBE_H
#define HETSWEEP_CUBE_H

#include <hdf5.h>
#include <mpi.h>
#include <stdint.h>

#include "hetsweep/chunkmap.h"
#include "hetsweep/config.h"
#include "hetsweep/error.h"
#include "hetsweep/plan.h"
#include "hetsweep/results.h"
#include "hetsweep/stimulus.h"
#include "hetsweep/tasks.h"

#define HS_LAYOUT_VERSION 1

typedef struct hs_cube hs_cube;

typedef struct {
    const hs_job *job;
    const hs_plan *plan;
    const hs_tasks *tasks;       /* with complexity */
    const hs_stimulus *stimulus;
    const double *similarity;    /* n_tasks x n_tasks on rank 0; NULL elsewhere */
    const char *identity;        /* SHA-256 hex of the canonical science job */
    const char *canonical;       /* the canonical science job (hs_job_canonical) */
    const char *part;            /* "K/M" for --part K/M, else NULL (root attribute `part`) */
    int part_batch;              /* with part: columns per work item (attribute `part_batch`) */
} hs_cube_contents;

/* Create a file with every group, dataset (at its fill value, allocated at
 * once, so that later writes never move anything) and attribute, and write
 * /axes, /tasks and /stimulus. Collective. On a communicator of one rank the
 * file is opened with serial_fapl (H5P_DEFAULT: POSIX I/O; or a driver that
 * logs what it writes, dirtyvfd.h); on more, with MPI-IO. */
int hs_cube_create(const char *path, const hs_cube_contents *contents, MPI_Comm comm,
                   hid_t serial_fapl, hs_cube **out, hs_error *err);

/* Open an existing cube file for writing. Collective; serial_fapl as above. */
int hs_cube_open(const char *path, const hs_cube_contents *contents, MPI_Comm comm,
                 hid_t serial_fapl, hs_cube **out, hs_error *err);

/* Where every chunk of the /results per-network datasets lies in a cube that
 * hs_cube_create made on one rank through the logging driver (dirtyvfd.h):
 * valid for this file and every byte copy of it (chunkmap.h). NULL for
 * any other cube (its datasets are written through HDF5), or when taken
 * before; the caller frees it. */
hs_chunk_map *hs_cube_take_chunk_map(hs_cube *cube);

/* From now on, write /results boxes that the map covers with pwrite on fd
 * (the open cube's file, opened for writing), logging each range in *log,
 * without HDF5; fd and log must outlive the writes. One rank. */
void hs_cube_write_raw(hs_cube *cube, const hs_chunk_map *map, int fd, hs_dirty_log *log);

/* Write the given finished items into /results. Collective (each rank writes
 * the items it is given; the checkpoints call it on MPI_COMM_SELF). */
int hs_cube_write_results(hs_cube *cube, const hs_item_result *items, int n_items,
                          hs_error *err);

/* Write /results/done and /results/wall_seconds ([n_units] each) from rank
 * 0's arrays (other ranks pass NULL). Collective. */
int hs_cube_write_units(hs_cube *cube, const uint8_t *done, const double *wall, hs_error *err);

/* For the writers of the cube's other groups (netfile.c writes /networks).
 * The communicator every collective call of this cube runs on. */
MPI_Comm hs_cube_comm(const hs_cube *cube);

/* Whether an object exists at an absolute path of at most two levels
 * ("/networks/<unit>"). The same answer on every rank. */
int hs_cube_has(const hs_cube *cube, const char *path);

/* Create a group (and its parents), collectively; negative on every rank if
 * it failed on any. */
hid_t hs_cube_new_group(hs_cube *cube, const char *path);

/* Create a dataset under parent and write it whole from the one rank whose
 * `mine` is set; the others join the collective write with nothing. */
herr_t hs_cube_dataset_from_one(hs_cube *cube, hid_t parent, const char *name,
                                hid_t file_type, hid_t mem_type, int rank,
                                const hsize_t *dims, int mine, const void *buf);

/* HS_OK, or a runtime error naming the file, `what` and HDF5's cause. */
int hs_cube_h5_status(hs_cube *cube, herr_t rc, const char *what, hs_error *err);

/* Close and free. Collective. Returns status, or a runtime error if the
 * close fails. */
int hs_cube_close(hs_cube *cube, int status, hs_error *err);

/* Serial, on a closed cube that passed hs_cube_probe: its `part` attribute
 * ("K/M") into part ("" for a whole-sweep cube) and `part_batch` into
 * *batch (0 if absent). */
int hs_cube_read_part(const char *path, char *part, size_t size, int *batch, hs_error *err);

/* Serial, on a closed file (opened with fapl): set `checkpointed` and
 * `ranks_used`, and when the cube is new attach /axes as dimension scales
 * with `dimensions` attributes. */
int hs_cube_stamp(const char *path, hid_t fapl, int fresh, const int *ranks_used,
                  int n_ranks_used, const char *run_accounting, hs_error *err);

/* The same stamp through an open cube that existed before (one rank): no
 * dimension scales to attach, so the file need not be opened again. */
int hs_cube_stamp_open(hs_cube *cube, const int *ranks_used, int n_ranks_used,
                       const char *run_accounting, hs_error *err);

#endif
