/* scheduler.h - dynamic hand-out of work items (SPEC 2).
 *
 * Rank 0 holds the cost-ordered list of items (largest first) and gives the
 * next one to whichever rank asks; a rank asks when it has finished one, and
 * its request reports what it finished and carries its result (bytes the
 * caller packs; rank 0's on_report receives them), so rank 0 holds every
 * result and writes the checkpoints alone while the others go on computing.
 * Rank 0 computes too: it takes items from the same list; a server thread
 * answers the others' requests at once (with MPI_THREAD_MULTIPLE; otherwise
 * rank 0 answers between time chunks of its own work, hs_scheduler_serve).
 * Every reply says how many of the worker's results the published cube holds
 * (hs_scheduler_set_covered), so the worker can drop them from its journal.
 * Besides items, rank 0 can answer "finish" (no more work, or a stop signal:
 * every rank then ends, and rank 0 writes the final checkpoint). Once one
 * rank has been told to finish, all are, before any new item goes out.
 */
#ifndef HETSWEEP_SCHEDULER_H
#define HETSWEEP_SCHEDULER_H

#include <mpi.h>
#include <stddef.h>

#include "hetsweep/plan.h"

typedef enum { HS_NEXT_ITEM = 0, HS_NEXT_FINISH = 2 } hs_next;

/* What a rank finished (n_columns 0: nothing), and its result's bytes
 * (a worker's reports only; rank 0's own carry none). */
typedef struct {
    int unit, first_column, n_columns;
    double wall_seconds;
    int rank;
    const unsigned char *payload;
    size_t payload_length;
} hs_report;

/* Called on rank 0's main thread for every finished item, its own and the
 * others'; the payload is valid during the call only. */
typedef void (*hs_report_fn)(const hs_report *report, void *arg);

typedef struct hs_scheduler hs_scheduler;

hs_scheduler *hs_scheduler_new(const hs_work_item *items, int n_items, MPI_Comm comm,
                               hs_report_fn on_report, void *arg);
void hs_scheduler_free(hs_scheduler *sched);

/* Every rank: report what was finished (or NULL) and get what to do next. */
hs_next hs_scheduler_next(hs_scheduler *sched, const hs_report *finished, hs_work_item *item);

/* Rank 0, main thread: pass received reports to on_report, and without a
 * server thread answer pending requests, without blocking (no-op elsewhere). */
void hs_scheduler_serve(hs_scheduler *sched);

/* Rank 0: hand out no more items (as after a stop signal); every rank is
 * told to finish at its next request. */
void hs_scheduler_stop(hs_scheduler *sched);

/* Rank 0, after publishing a checkpoint: per rank, how many of its results
 * (counted in the order they were reported) the cube now holds. */
void hs_scheduler_set_covered(hs_scheduler *sched, const long long *covered);

/* A worker: that count for this rank, as of its last reply. */
long long hs_scheduler_covered(const hs_scheduler *sched);

/* Rank 0: whether items were left unhanded when the sweep finished (a stop). */
int hs_scheduler_incomplete(const hs_scheduler *sched);

/* Seconds this rank spent waiting for replies to its requests. */
double hs_scheduler_wait_seconds(const hs_scheduler *sched);

/* Rank 0: seconds spent waiting for every other rank to finish its item and
 * reach the end (idle time, not scheduling). */
double hs_scheduler_phase_wait_seconds(const hs_scheduler *sched);

#endif
