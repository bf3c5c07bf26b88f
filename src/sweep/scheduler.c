/* scheduler.c - request/reply hand-out of work items with rank 0 as server. */
#include "hetsweep/scheduler.h"

#include <stdlib.h>

#include "hetsweep/error.h"
#include "hetsweep/signals.h"

#define TAG_REQUEST 7101
#define TAG_REPLY 7102

typedef struct {
    int unit, first_column, n_columns, signalled;
    double wall_seconds;
} request_msg;

typedef struct {
    int kind;  /* hs_next */
    int index; /* item index for HS_NEXT_ITEM */
} reply_msg;

struct hs_scheduler {
    const hs_work_item *items;
    int n_items, next;
    MPI_Comm comm;
    int rank, size;
    hs_report_fn on_report;
    void *arg;
    int stop, checkpoint_wanted;
    int phase;    /* HS_NEXT_ITEM: none; else the phase every worker is told */
    int answered; /* workers told the current phase */
    double waited;
};

hs_scheduler *hs_scheduler_new(const hs_work_item *items, int n_items, MPI_Comm comm,
                               hs_report_fn on_report, void *arg)
{
    hs_scheduler *s = hs_xcalloc(1, sizeof *s);
    s->items = items;
    s->n_items = n_items;
    s->comm = comm;
    MPI_Comm_rank(comm, &s->rank);
    MPI_Comm_size(comm, &s->size);
    s->on_report = on_report;
    s->arg = arg;
    return s;
}

void hs_scheduler_free(hs_scheduler *s)
{
    free(s);
}

static void note_report(hs_scheduler *s, const hs_report *report)
{
    if (report && report->n_columns > 0 && s->on_report)
        s->on_report(report, s->arg);
}

/* The phase that begins now, if any: stop or no work left finishes. */
static int phase_due(hs_scheduler *s)
{
    if (hs_signals_received())
        s->stop = 1;
    if (s->stop || s->next >= s->n_items)
        return HS_NEXT_FINISH;
    if (s->checkpoint_wanted)
        return HS_NEXT_CHECKPOINT;
    return HS_NEXT_ITEM;
}

static reply_msg decide(hs_scheduler *s)
{
    reply_msg reply = {HS_NEXT_ITEM, -1};
    if (s->phase == HS_NEXT_ITEM)
        s->phase = phase_due(s);
    if (s->phase != HS_NEXT_ITEM) {
        reply.kind = s->phase;
        s->answered++;
    } else {
        reply.index = s->next++;
    }
    return reply;
}

static void answer(hs_scheduler *s, const request_msg *req, int source)
{
    hs_report report = {req->unit, req->first_column, req->n_columns, req->wall_seconds};
    note_report(s, &report);
    if (req->signalled)
        s->stop = 1;
    reply_msg reply = decide(s);
    MPI_Send(&reply, (int)sizeof reply, MPI_BYTE, source, TAG_REPLY, s->comm);
}

void hs_scheduler_serve(hs_scheduler *s)
{
    if (s->rank != 0)
        return;
    for (;;) {
        int pending = 0;
        MPI_Status status;
        MPI_Iprobe(MPI_ANY_SOURCE, TAG_REQUEST, s->comm, &pending, &status);
        if (!pending)
            return;
        request_msg req;
        MPI_Recv(&req, (int)sizeof req, MPI_BYTE, status.MPI_SOURCE, TAG_REQUEST, s->comm,
                 MPI_STATUS_IGNORE);
        answer(s, &req, status.MPI_SOURCE);
    }
}

/* Rank 0 in a phase: answer requests until every worker has been told. */
static void complete_phase(hs_scheduler *s)
{
    double t0 = MPI_Wtime();
    while (s->answered < s->size - 1) {
        request_msg req;
        MPI_Status status;
        MPI_Recv(&req, (int)sizeof req, MPI_BYTE, MPI_ANY_SOURCE, TAG_REQUEST, s->comm, &status);
        answer(s, &req, status.MPI_SOURCE);
    }
    s->waited += MPI_Wtime() - t0;
}

static hs_next next_on_root(hs_scheduler *s, const hs_report *finished, hs_work_item *item)
{
    note_report(s, finished);
    hs_scheduler_serve(s);
    if (s->phase == HS_NEXT_ITEM)
        s->phase = phase_due(s);
    if (s->phase != HS_NEXT_ITEM) {
        hs_next kind = (hs_next)s->phase;
        complete_phase(s);
        s->phase = HS_NEXT_ITEM;
        s->answered = 0;
        if (kind == HS_NEXT_CHECKPOINT)
            s->checkpoint_wanted = 0;
        return kind;
    }
    *item = s->items[s->next++];
    return HS_NEXT_ITEM;
}

static hs_next next_on_worker(hs_scheduler *s, const hs_report *finished, hs_work_item *item)
{
    request_msg req = {-1, -1, 0, hs_signals_received(), 0.0};
    if (finished) {
        req.unit = finished->unit;
        req.first_column = finished->first_column;
        req.n_columns = finished->n_columns;
        req.wall_seconds = finished->wall_seconds;
    }
    double t0 = MPI_Wtime();
    reply_msg reply;
    MPI_Send(&req, (int)sizeof req, MPI_BYTE, 0, TAG_REQUEST, s->comm);
    MPI_Recv(&reply, (int)sizeof reply, MPI_BYTE, 0, TAG_REPLY, s->comm, MPI_STATUS_IGNORE);
    s->waited += MPI_Wtime() - t0;
    if (reply.kind == HS_NEXT_ITEM)
        *item = s->items[reply.index];
    return (hs_next)reply.kind;
}

hs_next hs_scheduler_next(hs_scheduler *s, const hs_report *finished, hs_work_item *item)
{
    return s->rank == 0 ? next_on_root(s, finished, item) : next_on_worker(s, finished, item);
}

void hs_scheduler_request_checkpoint(hs_scheduler *s)
{
    s->checkpoint_wanted = 1;
}

int hs_scheduler_incomplete(const hs_scheduler *s)
{
    return s->next < s->n_items;
}

double hs_scheduler_wait_seconds(const hs_scheduler *s)
{
    return s->waited;
}
