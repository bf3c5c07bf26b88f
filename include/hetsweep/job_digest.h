/* job_digest.h - SHA-256 of the contents of the input files a job names
 * (network.tau_file, network.source_file), for the cube's identity (SPEC 2).
 *
 * The identity hashes what the files hold, not where they lie: a file moved
 * or copied to another path resumes its cube, an edited one is refused.
 *   network.tau_file: the float64 values read from it (hs_tau_read_file), so
 *     for "path.h5:/dataset" the dataset's values and not the whole file, and
 *     for a text list its numbers and not its comments or spacing.
 *   network.source_file (with network.source: file; a source_file the job
 *     does not use stays a path): the /networks data the job uses
 *     (hs_netfile_read_*):
 *     for every (model, n, seed) unit of the sweep, W (indptr, indices, data)
 *     and Win, and tau of every (profile, heterogeneity, tau_mean_ms) of the
 *     sweep; never the cube's attributes, which change when it is stamped.
 * Values are hashed in their native byte order (little-endian on every host
 * hetsweep supports).
 */
#ifndef HETSWEEP_JOB_DIGEST_H
#define HETSWEEP_JOB_DIGEST_H

#include "hetsweep/config.h"
#include "hetsweep/error.h"

/* Read the job's input files and fill digests ("" for a file not named).
 * Errors name the job file, line and key (HS_ERR_INPUT). */
int hs_job_digest_files(const hs_job *job, hs_job_digests *digests, hs_error *err);

#endif
