/* probe.h - opening a cube only when it is safe to (SPEC 4).
 *
 * libhdf5 can crash on a malformed file, so a cube is trusted only if its
 * checkpoint checksum "<cube>.sum" matches. Written at each checkpoint, it is
 * format 3: "hetsweep-sum 3\n" and one blocksum line (blocksum.h: size and a
 * CRC-32C per 64 KiB block) of the published cube; around a rename or swap, a
 * second line holds the other candidate's. The earlier formats are still
 * accepted, each verified with its own CRC, but never written: format 2
 * ("hetsweep-sum 2\n", the same lines of CRC-32) and the format before block
 * checksums ("hetsweep-sum\n" and "crc32 <hex> size <bytes>" lines, a CRC-32
 * of the whole file). Otherwise it is first opened and read in a child
 * process (`hetsweep probe CUBE`); only if that child succeeds is the file
 * opened here. Nothing is ever written to the cube by these checks.
 */
#ifndef HETSWEEP_PROBE_H
#define HETSWEEP_PROBE_H

#include "hetsweep/blocksum.h"
#include "hetsweep/error.h"

/* Write "<cube>.sum" for the file at cube_path (fsynced, replaced
 * atomically). */
int hs_cube_write_sum(const char *cube_path, hs_error *err);

/* Before swapping/renaming a file whose blocksum the caller already knows over
 * cube_path: make "<cube>.sum" accept both the current cube and `next` (next
 * first). The current cube's blocksum is *current where the caller knows it,
 * else the first line of "<cube>.sum" (or, if that is in format 2 or the old
 * format and matches, computed from the cube). */
int hs_cube_sum_before_swap(const char *cube_path, const hs_blocksum *next,
                            const hs_blocksum *current, hs_error *err);

/* After the rename or swap of a file whose blocksum the caller knows: keep
 * only its line. */
int hs_cube_sum_keep(const char *cube_path, const hs_blocksum *sum, hs_error *err);

/* The blocksum of the first (published) line of "<cube>.sum" into out (free
 * it with hs_blocksum_free); HS_ERR_RUNTIME if absent, in an older format (2
 * or old) or malformed (the caller then computes it with
 * hs_blocksum_of_file). */
int hs_cube_sum_read(const char *cube_path, hs_blocksum *out, hs_error *err);

enum hs_sum_state { HS_SUM_NONE = 0, HS_SUM_MATCH = 1, HS_SUM_MISMATCH = 2 };

/* Whether "<cube>.sum" exists, and if so whether it matches the file: MATCH
 * if the file's blocksum (computed once, with CRC-32C for format 3 and CRC-32
 * for format 2) equals any listed line, or, in the old format, its whole-file
 * CRC and size do. */
int hs_cube_sum_state(const char *cube_path);

/* What is at a path given as a cube: nothing, something other than a regular
 * file (a directory, a FIFO, ...), a regular file without HDF5's signature,
 * or an HDF5 file. */
enum hs_file_kind { HS_FILE_ABSENT, HS_FILE_NOT_REGULAR, HS_FILE_NOT_HDF5, HS_FILE_HDF5 };
int hs_cube_file_kind(const char *path);

/* HS_OK if `run --fresh` may remove what is at cube_path: nothing, or a
 * hetsweep cube (an HDF5 file with its checkpoint checksum beside it, or one
 * holding the layout_version and identity attributes). Anything else is
 * refused with HS_ERR_INPUT and left untouched. */
int hs_cube_check_replaceable(const char *cube_path, hs_error *err);

/* HS_OK if the cube can be opened safely here; HS_ERR_INPUT with a message
 * if it is not a readable HDF5 file. With strict, a cube whose checksum file
 * does not match is refused too (resume never builds on a changed cube). */
int hs_cube_probe(const char *cube_path, int strict, hs_error *err);

/* What the child process runs: open the file and read every attribute and
 * every dataset (variable-length data too); 0 if readable. */
int hs_cube_probe_child(const char *cube_path);

#endif
