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

#include <mpi.h>
#include <stdint.h>

#include "hetsweep/config.h"
#include "hetsweep/error.h"
#include "hetsweep/plan.h"
#include "hetsweep/results.h"
#include "hetsweep/stimulus.h"
#include "hetsweep/tasks.h"
#include "hetsweep/unit.h"

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

/* Create a file with every group, dataset (at its fill value) and
 * attribute, and write /axes, /tasks and /stimulus. Collective. */
int hs_cube_create(const char *path, const hs_cube_contents *contents, MPI_Comm comm,
                   hs_cube **out, hs_error *err);

/* Open an existing cube file for writing. Collective. */
int hs_cube_open(const char *path, const hs_cube_contents *contents, MPI_Comm comm,
                 hs_cube **out, hs_error *err);

/* Write this rank's finished items into /results. Collective. */
int hs_cube_write_results(hs_cube *cube, const hs_item_result *items, int n_items,
                          hs_error *err);

/* Write /results/done and /results/wall_seconds ([n_units] each) from rank
 * 0's arrays (other ranks pass NULL). Collective. */
int hs_cube_write_units(hs_cube *cube, const uint8_t *done, const double *wall, hs_error *err);

/* With output.store_networks: write /networks for the units this rank owns
 * (regenerated from the context); groups already present are kept.
 * Collective. */
int hs_cube_write_networks(hs_cube *cube, const hs_context *ctx, const int *owned_units,
                           int n_owned, hs_error *err);

/* Close and free. Collective. Returns status, or a runtime error if the
 * close fails. */
int hs_cube_close(hs_cube *cube, int status, hs_error *err);

/* Serial, on a closed cube that passed hs_cube_probe: its `part` attribute
 * ("K/M") into part ("" for a whole-sweep cube) and `part_batch` into
 * *batch (0 if absent). */
int hs_cube_read_part(const char *path, char *part, size_t size, int *batch, hs_error *err);

/* Serial, on a closed file: set `checkpointed` and `ranks_used`, and when the
 * cube is new attach /axes as dimension scales with `dimensions` attributes. */
int hs_cube_stamp(const char *path, int fresh, const int *ranks_used, int n_ranks_used,
                  hs_error *err);

#endif
