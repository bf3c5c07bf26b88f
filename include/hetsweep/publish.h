/* publish.h - putting a finished cube in place so that a crash at any moment
 * leaves either the old file or the new one, each matching "<cube>.sum"
 * (SPEC 4): used by checkpoints (checkpoint.h) and by merge (merge.h).
 *
 * The writer copies the cube to a temporary name (or creates one there),
 * fills it, and calls hs_publish_file(), which fsyncs it (and meanwhile, in a
 * thread, checksums it and makes "<cube>.sum" accept both files), renames it
 * over the cube, fsyncs the directory and keeps only the new file's checksum.
 * A checkpoint that swaps calls the two halves, hs_sync_and_accept then
 * hs_swap_file, and trims the checksum itself, later (hs_trim_sum).
 */
#ifndef HETSWEEP_PUBLISH_H
#define HETSWEEP_PUBLISH_H

#include "hetsweep/blocksum.h"
#include "hetsweep/error.h"

/* Copy the file at from to to (created or truncated). On failure to is
 * removed; HS_ERR_RUNTIME names the file and the system's reason. */
int hs_copy_file(const char *from, const char *to, hs_error *err);

/* Publish the complete file at tmp_path as cube_path (see above). On failure
 * tmp_path is removed and cube_path is left as it was. The fault tests' crash
 * points "checkpoint-rename" (before the rename) and "checkpoint-sum" (after
 * it, before the checksum is trimmed) lie here. */
int hs_publish_file(const char *tmp_path, const char *cube_path, hs_error *err);

/* Seconds of the two halves of hs_sync_and_accept, which overlap. */
typedef struct {
    double sync, checksum;
} hs_publish_times;

/* Make the written file at path ready to replace the cube: fsync it and, side
 * by side in a thread, compute its block checksums into *sum (whole: from the
 * whole file; else refresh *sum, the file's before it was written, for the
 * given ranges) and make "<cube>.sum" accept both it and the current cube,
 * whose checksums are *current (NULL: as "<cube>.sum" has them). times may be
 * NULL. */
int hs_sync_and_accept(const char *path, const char *cube_path, hs_blocksum *sum,
                       const hs_blocksum *current, const hs_range *ranges, size_t n_ranges,
                       int whole, hs_publish_times *times, hs_error *err);

/* Swap the file at `from`, made ready by hs_sync_and_accept, with the cube at
 * cube_path in one step (renameat2 with RENAME_EXCHANGE) and fsync the
 * directory; afterwards `from` holds the old cube, and "<cube>.sum" still
 * accepts both files until hs_trim_sum. Where the file system cannot exchange
 * two names, *unsupported is set and nothing is renamed. The crash point
 * "checkpoint-rename" lies here. */
int hs_swap_file(const char *from, const char *cube_path, int *unsupported, hs_error *err);

/* After hs_swap_file: keep only the new cube's checksums `sum` in
 * "<cube>.sum" (the crash point "checkpoint-sum" comes first). Until then
 * the .sum accepts the old cube too, which is harmless: the cube path holds
 * the new one for good. */
int hs_trim_sum(const char *cube_path, const hs_blocksum *sum, hs_error *err);

/* fsync the file at path; HS_ERR_RUNTIME names it and the system's reason. */
int hs_fsync_file(const char *path, hs_error *err);

#endif
