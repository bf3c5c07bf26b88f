/* resume.h - what an existing cube and its journals already hold (SPEC 2).
 *
 * Before any work, rank 0 opens the cube at the output path (after the
 * safety probe of probe.h), refuses it if it belongs to another job (listing
 * every science key that differs, with both values), and reads which networks
 * are done and each unit's accumulated wall time. The journals left by a run
 * that was cut off are replayed on top.
 */
#ifndef HETSWEEP_RESUME_H
#define HETSWEEP_RESUME_H

#include <stdint.h>

#include "hetsweep/config.h"
#include "hetsweep/error.h"
#include "hetsweep/journal.h"
#include "hetsweep/plan.h"

typedef struct {
    int cube_exists;
    uint8_t *done;        /* [n_units * n_columns]: 1 if the network is computed */
    double *unit_wall;    /* [n_units]: wall seconds so far (0 where none) */
    int *ranks_used;      /* rank counts of earlier runs */
    int n_ranks_used;
    char *run_accounting; /* earlier runs' accounting lines, or NULL */
    long long done_in_cube, done_in_journals;
    hs_journal_replay replay; /* journal records not yet in the cube */
} hs_resume;

/* Read the cube at cube_path (if any) and its journals. identity and
 * canonical are this job's (config.h's canonical text). */
int hs_resume_load(const char *cube_path, const hs_job *job, const hs_plan *plan,
                   const char *identity, const char *canonical, hs_resume *resume,
                   hs_error *err);
void hs_resume_free(hs_resume *resume);

/* The numerics version (numerics.h) a canonical job text names; 1 where it
 * names none (cubes of the first engine). */
int hs_canonical_numerics(const char *canonical);

/* HS_OK if a cube's canonical job was computed with this build's numerics;
 * otherwise HS_ERR_INPUT with a message naming both versions. */
int hs_check_numerics(const char *path, const char *canonical, hs_error *err);


#endif
