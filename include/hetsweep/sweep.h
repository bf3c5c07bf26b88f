/* sweep.h - `hetsweep run`: validate on rank 0, share the job, compute the
 * work items the scheduler hands this rank, and write the cube collectively.
 */
#ifndef HETSWEEP_SWEEP_H
#define HETSWEEP_SWEEP_H

#include <mpi.h>
#include <stdbool.h>

#include "hetsweep/error.h"

typedef struct {
    const char *job_path;
    const char *cube_path;
    bool fresh;
    bool quiet;
    int part_index, part_count; /* --part K/M (job arrays); part_count 0: the whole sweep */
    const char *extend_from;    /* --extend OLD.h5: take its networks in, or NULL */
    const char *mpi_layer;      /* for the first line: hs_mpi_choose_pml's phrase, or NULL */
} hs_sweep_options;

/* Run a sweep over comm (MPI already initialised, stop-signal handlers
 * installed with hs_signals_install before MPI_Init). Returns an hs_status that
 * is the same on every rank; messages are printed by the ranks that have
 * them. */
int hs_sweep_run(const hs_sweep_options *options, MPI_Comm comm);

#endif
