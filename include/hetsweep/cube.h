/* cube.h - writing the results cube (SPEC 3) with parallel HDF5.
 *
 * Every rank takes part in every call (collective metadata and collective
 * data transfers; a rank with nothing to write joins with an empty
 * selection). The cube is written into "<path>.tmp" and renamed over <path>
 * by hs_cube_finish, so the file at <path> is always complete. Dimension
 * scales and the `dimensions` attributes are attached by rank 0 in a serial
 * pass after the parallel file is closed.
 */
#ifndef HETSWEEP_CUBE_H
#define HETSWEEP_CUBE_H

#include <mpi.h>

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
} hs_cube_contents;

/* Create <path>.tmp with every group, dataset (at its fill value) and
 * attribute, and write /axes, /tasks and /stimulus. Collective. */
int hs_cube_create(const char *path, const hs_cube_contents *contents, MPI_Comm comm,
                   hs_cube **out, hs_error *err);

/* Write this rank's finished items into /results. Collective. */
int hs_cube_write_results(hs_cube *cube, const hs_item_result *items, int n_items,
                          hs_error *err);

/* With output.store_networks: write /networks for the units this rank owns
 * (regenerated from the context). Collective. */
int hs_cube_write_networks(hs_cube *cube, const hs_context *ctx, const int *owned_units,
                           int n_owned, hs_error *err);

/* Close, attach dimension scales (rank 0), fsync and rename <path>.tmp over
 * <path>. Collective. Frees the cube. */
int hs_cube_finish(hs_cube *cube, hs_error *err);

/* Close and remove <path>.tmp after a failure. Collective. Frees the cube. */
void hs_cube_abort(hs_cube *cube);

#endif
