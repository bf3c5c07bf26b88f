/* testhooks.h - the environment variables only the tests read, all in one place.
 *
 * Built with -Dtest_hooks=true (meson's default; it defines HS_TEST_HOOKS),
 * src/testhooks.c reads:
 *   HETSWEEP_CRASH_AT=<point>:<k>   the k-th time (1-based) this process passes
 *       <point>, it kills itself with SIGKILL. Points: journal-torn (half a
 *       journal record written), journal-unsynced (a whole record written,
 *       not yet synced by the journal's syncer), checkpoint-write (results written into
 *       <cube>.tmp, not yet closed), checkpoint-rename (tmp closed and fsynced,
 *       not yet renamed), checkpoint-sum (renamed, checksum not yet written),
 *       journal-reset (checkpoint complete, journal not yet truncated).
 *   HETSWEEP_FAIL_AT=<point>:<rank> that rank fails at <point> as if the
 *       operation there had failed (the error tests: every rank must stop and
 *       exit). Point: cube-write (a /results write of a checkpoint: rank 0
 *       writes them all).
 *   HETSWEEP_MAX_BATCH=K            lowers the cap on columns per work item.
 *   HETSWEEP_ITEM_ORDER=reverse     hands the work items out smallest first.
 *   HETSWEEP_NO_SHARE=1             computes every cv = 0 column of every profile
 *       instead of once (plan.h): the tests compare the two.
 *   HETSWEEP_NO_EXCHANGE=1          checkpoints act as on a file system that
 *       cannot swap two names (every checkpoint a full copy, renamed).
 *   HETSWEEP_VERIFY_SHADOW=1        after every catch-up of the shadow
 *       (catchup.h), rank 0 compares it with the cube byte for byte and fails
 *       the next checkpoint if they differ.
 *   HETSWEEP_CRC32C=portable        CRC-32C (crc32.h) by tables, not by the
 *       SSE4.2 crc32 instruction: read once per process, at the first CRC-32C.
 * None of them changes a result. Built with -Dtest_hooks=false (packaging), no
 * variable is read and every hook answers "no hook". Unset, each costs one
 * getenv per call.
 */
#ifndef HETSWEEP_TESTHOOKS_H
#define HETSWEEP_TESTHOOKS_H

/* SIGKILL when HETSWEEP_CRASH_AT names <name> and this is its k-th pass. */
void hs_crash_point(const char *name);

/* Non-zero when HETSWEEP_CRASH_AT names <name> (the caller then prepares the
 * state that point is to leave behind, e.g. a torn journal record). */
int hs_crash_point_armed(const char *name);

/* Non-zero on the rank HETSWEEP_FAIL_AT names for point <name>. */
int hs_fail_point(const char *name, int rank);

/* HETSWEEP_MAX_BATCH as a number (the caller checks its range), or otherwise. */
long hs_hook_max_batch(long otherwise);

/* Non-zero when HETSWEEP_ITEM_ORDER=reverse. */
int hs_hook_reverse_items(void);

/* Non-zero when HETSWEEP_NO_SHARE=1. */
int hs_hook_no_share(void);

/* Non-zero when HETSWEEP_NO_EXCHANGE=1. */
int hs_hook_no_exchange(void);

/* Non-zero when HETSWEEP_CHECKPOINT_EACH_ITEM=1: rank 0 checkpoints before
 * each of its items, whatever run.checkpoint_every_s says, so that a test's
 * crash point counted in checkpoints falls at the same item however fast the
 * machine. */
int hs_hook_checkpoint_each_item(void);

/* Non-zero when HETSWEEP_VERIFY_SHADOW=1. */
int hs_hook_verify_shadow(void);

/* Non-zero when HETSWEEP_NO_RAW_CHUNKS=1: checkpoints write /results through
 * HDF5 only, not raw at mapped chunk addresses (chunkwrite.h). */
int hs_hook_no_raw_chunks(void);

/* Non-zero when HETSWEEP_CRC32C=portable. */
int hs_hook_crc32c_portable(void);

#endif
