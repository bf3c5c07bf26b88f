/* scheduler.h - which rank computes which work item.
 *
 * This version splits the cost-ordered item list statically: rank r takes
 * items r, r + size, r + 2 size, ... Since the list is ordered largest
 * first, every rank gets a similar mix of sizes. The interface is that of a
 * dynamic scheduler (ask for the next item until there is none), so a
 * request-driven one can replace it without touching the sweep.
 */
#ifndef HETSWEEP_SCHEDULER_H
#define HETSWEEP_SCHEDULER_H

#include <mpi.h>

#include "hetsweep/plan.h"

typedef struct hs_scheduler hs_scheduler;

hs_scheduler *hs_scheduler_new(const hs_plan *plan, MPI_Comm comm);
void hs_scheduler_free(hs_scheduler *sched);

/* The next item for this rank: 1 and *item filled, or 0 when there is none. */
int hs_scheduler_next(hs_scheduler *sched, hs_work_item *item);

/* How many items this rank will compute in all (for progress). */
int hs_scheduler_share(const hs_scheduler *sched);

#endif
