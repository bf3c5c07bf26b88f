/* merge.h - `hetsweep merge OUT.h5 PART.h5...`: join the part cubes of a job
 * array (`run --part K/M`) into one cube (SPEC 4), serially, without MPI.
 *
 * Every part is validated first (the safety probe of probe.h, the layout
 * version, the job identity); a part of another job is refused, listing the
 * science keys that differ. A network computed in more than one part is
 * "present twice": the merge is refused and lists them. Networks computed in
 * no part are "missing": they are reported per unit and the merged cube is
 * still written, with those networks not computed (a later `hetsweep run` of
 * the job on the merged cube computes just them). OUT must not exist: merge
 * never overwrites a file. It writes OUT.tmp (a copy of the first part with
 * the other parts' networks folded in), then OUT.sum, and renames it into
 * place.
 */
#ifndef HETSWEEP_MERGE_H
#define HETSWEEP_MERGE_H

#include <stdio.h>

#include "hetsweep/error.h"

/* Messages and the summary go to out (warnings to stderr). Returns HS_OK
 * (also when networks are missing), HS_ERR_INPUT (nothing written) or
 * HS_ERR_RUNTIME. */
int hs_merge(const char *out_path, char *const *part_paths, int n_parts, FILE *out,
             hs_error *err);

#endif
