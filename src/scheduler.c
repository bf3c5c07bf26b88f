/* scheduler.c - the static round-robin split of work items over ranks. */
#include "hetsweep/scheduler.h"

#include <stdlib.h>

#include "hetsweep/error.h"

struct hs_scheduler {
    const hs_plan *plan;
    int rank, size;
    int next; /* index into plan->items */
};

hs_scheduler *hs_scheduler_new(const hs_plan *plan, MPI_Comm comm)
{
    hs_scheduler *sched = hs_xcalloc(1, sizeof *sched);
    sched->plan = plan;
    MPI_Comm_rank(comm, &sched->rank);
    MPI_Comm_size(comm, &sched->size);
    sched->next = sched->rank;
    return sched;
}

void hs_scheduler_free(hs_scheduler *sched)
{
    free(sched);
}

int hs_scheduler_next(hs_scheduler *sched, hs_work_item *item)
{
    if (sched->next >= sched->plan->n_items)
        return 0;
    *item = sched->plan->items[sched->next];
    sched->next += sched->size;
    return 1;
}

int hs_scheduler_share(const hs_scheduler *sched)
{
    int n = sched->plan->n_items;
    return n > sched->rank ? (n - sched->rank + sched->size - 1) / sched->size : 0;
}
