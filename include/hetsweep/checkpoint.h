/* checkpoint.h - materialising the journals' view into the cube (SPEC 2, 3).
 *
 * Rank 0 writes every checkpoint alone, while the other ranks go on computing
 * (they send it their results). A checkpoint never writes the file at the
 * cube path: the file at <cube> is always a complete checkpoint, matching
 * "<cube>.sum" (probe.h).
 *
 * Full checkpoint: "<cube>.tmp" is a copy of the current cube (or, the first
 * time, a new cube with the full layout, every dataset allocated); the items
 * are written into it, the provenance stamped, the file fsynced, its block
 * checksum computed, and it replaces the cube. Where the file system can
 * exchange two names atomically (renameat2 RENAME_EXCHANGE: ext4, xfs, btrfs,
 * tmpfs), it is swapped with the cube and the old cube is kept as the shadow
 * "<cube>.shadow"; else it is renamed over the cube.
 *
 * Incremental checkpoint (once a shadow exists and has caught up): the
 * shadow holds the cube's bytes. This checkpoint's items are written into it
 * in place, through a file driver that logs every byte range HDF5 writes
 * (dirtyvfd.h); the shadow is fsynced, its block checksum refreshed for those
 * ranges only (blocksum.h), and it is swapped with the cube. Its cost grows
 * with what is new, not with the size of the cube. A shadow that some other
 * process holds open (an HDF5 reader of the old cube, seen through its
 * flock) is never written: that checkpoint is a full one.
 *
 * Catch-up: after every swap the old cube, now the shadow, lacks only what
 * that checkpoint wrote. A thread copies those byte ranges from the cube into
 * it and fsyncs it (catchup.h) while rank 0 computes; the next checkpoint
 * waits for it first (it has long ended, as a rule). A catch-up that failed,
 * or found the shadow held open, makes the next checkpoint a full one.
 *
 * A crash at any moment leaves the cube of the last complete checkpoint at
 * the cube path (with "<cube>.sum" accepting it), and at most a stale
 * "<cube>.tmp" or "<cube>.shadow", which the next run removes.
 */
#ifndef HETSWEEP_CHECKPOINT_H
#define HETSWEEP_CHECKPOINT_H

#include <stdint.h>

#include "hetsweep/cube.h"
#include "hetsweep/error.h"
#include "hetsweep/results.h"
#include "hetsweep/netfile.h"

typedef struct {
    const hs_item_result *items; /* every item since the last checkpoint */
    int n_items;
    const int *owned_units;      /* units whose networks to store (store_networks) */
    int n_owned;
    const uint8_t *unit_done;    /* [n_units] */
    const double *unit_wall;     /* [n_units], seconds over every run */
    const int *ranks_used;       /* rank counts of every run so far */
    int n_ranks_used;
    const char *run_accounting;  /* every run's accounting lines (the cube's
                                    `run_accounting`), or NULL to keep the cube's */
} hs_checkpoint_data;

typedef struct hs_checkpointer hs_checkpointer;

/* Where the last checkpoint's seconds went (hetsweep bench --checkpoint). */
typedef struct {
    double wait;     /* waiting for the last catch-up to end */
    double write;    /* HDF5 writes (a full one: the copy too) and the stamp */
    double sync;     /* fsync of the written file */
    double checksum; /* block checksums of what was written (a full one: all), and
                        <cube>.sum written: in a thread, beside the fsync */
    double swap;     /* swap or rename, directory fsync, .sum trimmed */
    double catchup;  /* the catch-up it waited for: its own seconds, in its thread */
    double bytes;    /* bytes written into the file (an incremental one: the shadow) */
} hs_checkpoint_phases;

/* Rank 0, once per run, before its first checkpoint: removes a stale
 * "<cube>.tmp" and "<cube>.shadow". */
hs_checkpointer *hs_checkpointer_new(const char *cube_path);

/* Write one checkpoint (rank 0 alone). networks makes the owned units'
 * /networks (output.store_networks only; else NULL). On failure the cube at
 * its path is left as it was. */
int hs_checkpoint(hs_checkpointer *c, const hs_cube_contents *contents,
                  const hs_unit_source *networks, const hs_checkpoint_data *data, hs_error *err);

/* Make every later checkpoint a full copy (as where names cannot be swapped):
 * `hetsweep bench --checkpoint` times both kinds. */
void hs_checkpointer_copy_always(hs_checkpointer *c);

/* How many checkpoints were full copies and how many incremental. */
void hs_checkpoint_counts(const hs_checkpointer *c, int *full, int *incremental);

/* Wait for the catch-up of the last checkpoint, if any (a checkpoint does
 * this first anyway): the bench times checkpoints apart from it, and a run
 * ends with it. Fails as hs_checkpoint would: where "<cube>.sum" could not
 * be trimmed (the catch-up's first step), or on the verification hook. */
int hs_checkpoint_settle(hs_checkpointer *c, hs_error *err);

/* The phases of the last checkpoint. */
void hs_checkpoint_last_phases(const hs_checkpointer *c, hs_checkpoint_phases *phases);

/* Stop a catch-up, remove the shadow and free (NULL is fine). */
void hs_checkpointer_free(hs_checkpointer *c);

#endif
