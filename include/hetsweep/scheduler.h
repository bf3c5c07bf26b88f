/* scheduler.h - dynamic hand-out of work items (SPEC 2).
 *
 * Rank 0 holds the cost-ordered list of items (largest first) and gives the
 * next one to whichever rank asks; a rank asks when it has finished one, and
 * its request reports what it finished. Rank 0 computes too: it takes items
 * from the same list; a server thread answers the others' requests at once
 * (with MPI_THREAD_MULTIPLE; otherwise rank 0 answers between time chunks of
 * its own work, hs_scheduler_serve). Besides items, rank 0 can answer "checkpoint"
 * (every rank then joins a collective checkpoint) or "finish" (no more work,
 * or a stop signal: every rank joins the final checkpoint). Once one rank has
 * been told to checkpoint or finish, all are, before any new item goes out.
 */
#ifndef HETSWEEP_SCHEDULER_H
#define HETSWEEP_SCHEDULER_H

#include <mpi.h>

#include "hetsweep/plan.h"

typedef enum { HS_NEXT_ITEM = 0, HS_NEXT_CHECKPOINT = 1, HS_NEXT_FINISH = 2 } hs_next;

/* What a rank finished (n_columns 0: nothing). */
typedef struct {
    int unit, first_column, n_columns;
    double wall_seconds;
} hs_report;

/* Called on rank 0 for every finished item, its own and the others'. */
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

/* Rank 0: make the next phase a checkpoint. */
void hs_scheduler_request_checkpoint(hs_scheduler *sched);

/* Rank 0: whether items were left unhanded when the sweep finished (a stop). */
int hs_scheduler_incomplete(const hs_scheduler *sched);

/* Seconds this rank spent waiting for replies to its requests. */
double hs_scheduler_wait_seconds(const hs_scheduler *sched);

/* Rank 0: seconds spent waiting for every other rank to finish its item and
 * reach a checkpoint or the end (idle time, not scheduling). */
double hs_scheduler_phase_wait_seconds(const hs_scheduler *sched);

#endif
