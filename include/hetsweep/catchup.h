/* catchup.h - bringing the shadow level with the cube, in a thread of its own.
 *
 * Right after a checkpoint swaps its file in (checkpoint.h), the old cube,
 * now the shadow, differs from the new cube only in the byte ranges that
 * checkpoint wrote (logged by dirtyvfd.h) and perhaps in its size: the new
 * cube was that very file, or a byte copy of it, before the checkpoint
 * wrote into it. A catch-up copies those ranges from the cube into the
 * shadow, sets the shadow's size to the cube's and fsyncs it, while rank 0
 * goes on computing. The next incremental checkpoint then writes only its
 * own items, and its fsync flushes only those.
 *
 * No HDF5 call is made (pread, pwrite, ftruncate, fsync only), so the thread
 * never meets the HDF5 library, which is not thread-safe here. The shadow is
 * written only under an exclusive flock taken without waiting, held until
 * the catch-up ends: where another process holds the file open (an HDF5
 * reader of the old cube takes a shared flock), nothing is written and the
 * outcome says so.
 */
#ifndef HETSWEEP_CATCHUP_H
#define HETSWEEP_CATCHUP_H

#include <stddef.h>

#include "hetsweep/blocksum.h"

typedef enum {
    HS_CATCHUP_DONE,   /* the shadow now holds the cube's bytes, synced */
    HS_CATCHUP_IN_USE, /* another process holds the shadow: nothing written */
    HS_CATCHUP_FAILED  /* an I/O error (or abandoned): the shadow is unknown */
} hs_catchup_outcome;

typedef struct hs_catchup hs_catchup;

/* Copy the bytes of `from` in ranges[0..n) (sorted and merged, or not: each
 * is copied as far as `from` reaches) into `to`, truncate or extend `to` to
 * the size of `from`, fsync it. Synchronous: the thread's work, and what the
 * tests call. *error is errno on HS_CATCHUP_FAILED. */
hs_catchup_outcome hs_catchup_copy(const char *from, const char *to, const hs_range *ranges,
                                   size_t n, int *error);

/* What the thread does first, before the copy (and even if abandoned). */
typedef void hs_catchup_first(void *arg);

/* The same in a new thread; the ranges are copied. first(arg), unless first is
 * NULL, runs in the thread before the copy. NULL only if no thread could be
 * started (the caller then runs first itself, and treats the shadow as
 * unknown). */
hs_catchup *hs_catchup_start(const char *from, const char *to, const hs_range *ranges,
                             size_t n, hs_catchup_first *first, void *arg);

/* Wait for the thread, free it, and give its outcome, its seconds and (on
 * failure) its errno. */
hs_catchup_outcome hs_catchup_finish(hs_catchup *c, double *seconds, int *error);

/* Ask the thread to stop at the next range, wait for it and free it: the
 * shadow is about to be removed. NULL is fine. */
void hs_catchup_abandon(hs_catchup *c);

/* 1 when the two files hold the same bytes, 0 when not (*where: the first
 * offset that differs, or the shorter size), -1 with errno if either cannot
 * be read. The checkpoint tests check every catch-up with it
 * (HETSWEEP_VERIFY_SHADOW=1). */
int hs_files_identical(const char *a, const char *b, unsigned long long *where);

#endif
