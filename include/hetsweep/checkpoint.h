/* checkpoint.h - materialising the journals' view into the cube (SPEC 2, 3).
 *
 * A checkpoint makes "<cube>.tmp": a copy of the current cube (or, the first
 * time, a new cube with the full layout), into which every rank writes,
 * collectively, the items it finished since the last checkpoint. Rank 0 then
 * stamps the provenance, closes and fsyncs the file, renames it over <cube>
 * and writes "<cube>.sum". The file at <cube> is therefore always a complete
 * checkpoint; a crash leaves at most a stale "<cube>.tmp", which the next
 * checkpoint overwrites.
 */
#ifndef HETSWEEP_CHECKPOINT_H
#define HETSWEEP_CHECKPOINT_H

#include <mpi.h>
#include <stdint.h>

#include "hetsweep/cube.h"
#include "hetsweep/error.h"
#include "hetsweep/results.h"
#include "hetsweep/netfile.h"

typedef struct {
    const hs_item_result *items; /* this rank's items since the last checkpoint */
    int n_items;
    const int *owned_units;      /* units whose networks this rank stores (store_networks) */
    int n_owned;
    const uint8_t *unit_done;    /* rank 0: [n_units] */
    const double *unit_wall;     /* rank 0: [n_units], seconds over every run */
    const int *ranks_used;       /* rank 0: rank counts of every run so far */
    int n_ranks_used;
    const char *run_accounting;  /* rank 0: every run's accounting lines (the cube's
                                    `run_accounting`), or NULL to keep the cube's */
} hs_checkpoint_data;

/* Collective. networks makes the owned units' /networks (output.store_networks
 * only; else NULL). On failure the cube at its path is left as it was. */
int hs_checkpoint(const char *cube_path, const hs_cube_contents *contents,
                  const hs_unit_source *networks, const hs_checkpoint_data *data, MPI_Comm comm,
                  hs_error *err);

#endif
