/* scheduler.c - request/reply hand-out of work items with rank 0 as server.
 *
 * A request carries the finished item's result as bytes after its fixed
 * part (one message); a reply tells the worker how many of its results the
 * published cube holds, so it can drop them from its journal.
 *
 * Where MPI gives MPI_THREAD_MULTIPLE, a server thread on rank 0 answers the
 * requests as they come, whatever rank 0's main thread is doing (a time chunk,
 * a solve): it polls with a sleep that grows while no request comes (0.2 to
 * 4 ms, in step with how far apart requests come), so it costs next to no
 * CPU. Reports it receives wait in a queue that the main thread hands to
 * on_report, so the ledger is only ever touched by the main thread. Without
 * thread support, rank 0 answers between time chunks (hs_scheduler_serve),
 * as before.
 */
#include "hetsweep/scheduler.h"

#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hetsweep/error.h"
#include "hetsweep/signals.h"

#define TAG_REQUEST 7101
#define TAG_REPLY 7102
/* The server thread's sleep between polls. Each poll costs rank 0's core a
 * share (an MPI_Iprobe drives MPI's progress engine, and each wake-up costs
 * its own on a virtual machine): polling every 0.2 ms took a quarter of it
 * (W1x8 on 2 ranks: rank 0 computed 25% slower than rank 1). So the sleep
 * starts at 0.2 ms after each request and doubles while none comes, up to a
 * 128th of the time requests have lately been apart (an answer then waits
 * under 1% of a worker's item), and never beyond 4 ms. */
#define SERVER_NAP_MIN_S 0.0002
#define SERVER_NAP_MAX_S 0.004
#define SERVER_NAP_SHARE 128.0

typedef struct {
    int unit, first_column, n_columns, signalled;
    double wall_seconds;
} request_msg; /* followed by the result's bytes, if any */

typedef struct {
    int kind;  /* hs_next */
    int index; /* item index for HS_NEXT_ITEM */
    long long covered; /* the worker's results the published cube holds */
} reply_msg;

struct hs_scheduler {
    const hs_work_item *items;
    int n_items, next;
    MPI_Comm comm; /* a duplicate: the scheduler's messages never meet the sweep's */
    int rank, size;
    hs_report_fn on_report;
    void *arg;
    int stop;
    long long *covered; /* rank 0: per rank, results the published cube holds */
    long long covered_here; /* a worker: from its last reply */
    int phase;    /* HS_NEXT_ITEM: none; else the phase every worker is told */
    int answered; /* workers told the current phase */
    double waited;       /* for replies to requests */
    double phase_waited; /* rank 0: for every worker to reach a phase (idle) */
    /* rank 0 with a server thread; the fields above are then under lock */
    int threaded, quit;
    pthread_t server;
    pthread_mutex_t lock;
    pthread_cond_t told; /* `answered` grew */
    hs_report *queue;    /* reports received, not yet handed to on_report */
    int n_queued, room;
};

static void *serve_forever(void *arg);

/* Start the server thread with every signal blocked in it, so that stop
 * signals keep reaching the main thread as before. */
static int start_server(hs_scheduler *s)
{
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int rc = pthread_create(&s->server, NULL, serve_forever, s);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return rc == 0;
}

hs_scheduler *hs_scheduler_new(const hs_work_item *items, int n_items, MPI_Comm comm,
                               hs_report_fn on_report, void *arg)
{
    hs_scheduler *s = hs_xcalloc(1, sizeof *s);
    s->items = items;
    s->n_items = n_items;
    MPI_Comm_dup(comm, &s->comm);
    MPI_Comm_rank(comm, &s->rank);
    MPI_Comm_size(comm, &s->size);
    s->on_report = on_report;
    s->arg = arg;
    s->covered = hs_xcalloc((size_t)s->size, sizeof(long long));
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->told, NULL);
    int level = MPI_THREAD_SINGLE;
    MPI_Query_thread(&level);
    if (s->rank == 0 && s->size > 1 && level == MPI_THREAD_MULTIPLE)
        s->threaded = start_server(s);
    return s;
}

void hs_scheduler_free(hs_scheduler *s)
{
    if (s->threaded) {
        pthread_mutex_lock(&s->lock);
        s->quit = 1;
        pthread_mutex_unlock(&s->lock);
        pthread_join(s->server, NULL);
    }
    pthread_cond_destroy(&s->told);
    pthread_mutex_destroy(&s->lock);
    MPI_Comm_free(&s->comm);
    for (int i = 0; i < s->n_queued; i++)
        free((void *)s->queue[i].payload);
    free(s->queue);
    free(s->covered);
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
    return HS_NEXT_ITEM;
}

static reply_msg decide(hs_scheduler *s, int source)
{
    reply_msg reply = {HS_NEXT_ITEM, -1, s->covered[source]};
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

/* A request from a worker: its fixed part and the result's bytes (malloc'd,
 * or NULL), received whole. */
typedef struct {
    request_msg req;
    int source;
    unsigned char *payload;
    size_t payload_length;
} request_in;

static void receive_request(hs_scheduler *s, const MPI_Status *probed, request_in *in)
{
    int bytes = 0;
    MPI_Get_count(probed, MPI_BYTE, &bytes);
    unsigned char *buffer = hs_xmalloc((size_t)bytes > sizeof in->req ? (size_t)bytes
                                                                      : sizeof in->req);
    MPI_Recv(buffer, bytes, MPI_BYTE, probed->MPI_SOURCE, TAG_REQUEST, s->comm,
             MPI_STATUS_IGNORE);
    memcpy(&in->req, buffer, sizeof in->req);
    in->source = probed->MPI_SOURCE;
    in->payload_length = (size_t)bytes - sizeof in->req;
    in->payload = NULL;
    if (in->payload_length > 0) {
        in->payload = hs_xmalloc(in->payload_length);
        memcpy(in->payload, buffer + sizeof in->req, in->payload_length);
    }
    free(buffer);
}

static hs_report report_of(const request_in *in)
{
    return (hs_report){in->req.unit,          in->req.first_column, in->req.n_columns,
                       in->req.wall_seconds,  in->source,           in->payload,
                       in->payload_length};
}

static void answer(hs_scheduler *s, request_in *in)
{
    hs_report report = report_of(in);
    note_report(s, &report);
    free(in->payload);
    if (in->req.signalled)
        s->stop = 1;
    reply_msg reply = decide(s, in->source);
    MPI_Send(&reply, (int)sizeof reply, MPI_BYTE, in->source, TAG_REPLY, s->comm);
}

/* ---- the server thread (rank 0, MPI_THREAD_MULTIPLE) ------------------------ */

/* The report (and its result's bytes, now the queue's) waits for the main
 * thread. */
static void enqueue(hs_scheduler *s, const request_in *in)
{
    if (in->req.n_columns <= 0) {
        free(in->payload);
        return;
    }
    if (s->n_queued == s->room) {
        s->room = s->room ? 2 * s->room : 64;
        s->queue = hs_xrealloc(s->queue, (size_t)s->room * sizeof *s->queue);
    }
    s->queue[s->n_queued++] = report_of(in);
}

/* When requests come, and how long the server sleeps between polls. */
typedef struct {
    double last, gap; /* the latest request; requests' recent spacing (seconds) */
    double nap;
} server_pace;

static void pace_request(server_pace *p, double now)
{
    if (p->last > 0) /* an average that follows the last few gaps */
        p->gap = p->gap > 0 ? 0.75 * p->gap + 0.25 * (now - p->last) : now - p->last;
    p->last = now;
    p->nap = SERVER_NAP_MIN_S;
}

/* Sleep, then lengthen the next sleep (see SERVER_NAP_SHARE). */
static void pace_idle(server_pace *p, double now)
{
    struct timespec nap = {0, (long)(p->nap * 1e9)};
    nanosleep(&nap, NULL);
    double spacing = now - p->last > p->gap ? now - p->last : p->gap;
    double longest = spacing / SERVER_NAP_SHARE;
    longest = longest < SERVER_NAP_MIN_S ? SERVER_NAP_MIN_S
              : longest > SERVER_NAP_MAX_S ? SERVER_NAP_MAX_S
                                           : longest;
    p->nap = 2 * p->nap < longest ? 2 * p->nap : longest;
}

static void *serve_forever(void *arg)
{
    hs_scheduler *s = arg;
    server_pace pace = {MPI_Wtime(), 0, SERVER_NAP_MIN_S};
    for (;;) {
        pthread_mutex_lock(&s->lock);
        int quit = s->quit;
        pthread_mutex_unlock(&s->lock);
        if (quit)
            return NULL;
        int pending = 0;
        MPI_Status status;
        MPI_Iprobe(MPI_ANY_SOURCE, TAG_REQUEST, s->comm, &pending, &status);
        if (!pending) {
            pace_idle(&pace, MPI_Wtime());
            continue;
        }
        pace_request(&pace, MPI_Wtime());
        request_in in;
        receive_request(s, &status, &in);
        pthread_mutex_lock(&s->lock);
        enqueue(s, &in);
        if (in.req.signalled)
            s->stop = 1;
        reply_msg reply = decide(s, in.source);
        pthread_cond_broadcast(&s->told);
        pthread_mutex_unlock(&s->lock);
        MPI_Send(&reply, (int)sizeof reply, MPI_BYTE, in.source, TAG_REPLY, s->comm);
    }
}

/* Main thread of rank 0: hand the queued reports to on_report. */
static void deliver_reports(hs_scheduler *s)
{
    pthread_mutex_lock(&s->lock);
    hs_report *reports = s->queue;
    int count = s->n_queued;
    s->queue = NULL;
    s->n_queued = s->room = 0;
    pthread_mutex_unlock(&s->lock);
    for (int i = 0; i < count; i++) {
        note_report(s, &reports[i]);
        free((void *)reports[i].payload);
    }
    free(reports);
}

static hs_next next_on_threaded_root(hs_scheduler *s, const hs_report *finished,
                                     hs_work_item *item)
{
    note_report(s, finished);
    deliver_reports(s);
    pthread_mutex_lock(&s->lock);
    if (s->phase == HS_NEXT_ITEM)
        s->phase = phase_due(s);
    if (s->phase == HS_NEXT_ITEM) {
        *item = s->items[s->next++];
        pthread_mutex_unlock(&s->lock);
        return HS_NEXT_ITEM;
    }
    hs_next kind = (hs_next)s->phase;
    double t0 = MPI_Wtime();
    while (s->answered < s->size - 1)
        pthread_cond_wait(&s->told, &s->lock);
    s->phase_waited += MPI_Wtime() - t0;
    s->phase = HS_NEXT_ITEM;
    s->answered = 0;
    pthread_mutex_unlock(&s->lock);
    deliver_reports(s); /* every worker's last report came with its request */
    return kind;
}

void hs_scheduler_serve(hs_scheduler *s)
{
    if (s->rank != 0)
        return;
    if (s->threaded) {
        deliver_reports(s);
        return;
    }
    for (;;) {
        int pending = 0;
        MPI_Status status;
        MPI_Iprobe(MPI_ANY_SOURCE, TAG_REQUEST, s->comm, &pending, &status);
        if (!pending)
            return;
        request_in in;
        receive_request(s, &status, &in);
        answer(s, &in);
    }
}

/* Rank 0 in a phase: answer requests until every worker has been told. */
static void complete_phase(hs_scheduler *s)
{
    double t0 = MPI_Wtime();
    while (s->answered < s->size - 1) {
        MPI_Status status;
        MPI_Probe(MPI_ANY_SOURCE, TAG_REQUEST, s->comm, &status);
        request_in in;
        receive_request(s, &status, &in);
        answer(s, &in);
    }
    s->phase_waited += MPI_Wtime() - t0;
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
        return kind;
    }
    *item = s->items[s->next++];
    return HS_NEXT_ITEM;
}

static hs_next next_on_worker(hs_scheduler *s, const hs_report *finished, hs_work_item *item)
{
    request_msg req = {-1, -1, 0, hs_signals_received(), 0.0};
    size_t extra = 0;
    if (finished) {
        req.unit = finished->unit;
        req.first_column = finished->first_column;
        req.n_columns = finished->n_columns;
        req.wall_seconds = finished->wall_seconds;
        extra = finished->payload_length;
    }
    unsigned char *message = hs_xmalloc(sizeof req + extra);
    memcpy(message, &req, sizeof req);
    if (extra)
        memcpy(message + sizeof req, finished->payload, extra);
    double t0 = MPI_Wtime();
    reply_msg reply;
    MPI_Send(message, (int)(sizeof req + extra), MPI_BYTE, 0, TAG_REQUEST, s->comm);
    MPI_Recv(&reply, (int)sizeof reply, MPI_BYTE, 0, TAG_REPLY, s->comm, MPI_STATUS_IGNORE);
    s->waited += MPI_Wtime() - t0;
    free(message);
    s->covered_here = reply.covered;
    if (reply.kind == HS_NEXT_ITEM)
        *item = s->items[reply.index];
    return (hs_next)reply.kind;
}

hs_next hs_scheduler_next(hs_scheduler *s, const hs_report *finished, hs_work_item *item)
{
    if (s->rank != 0)
        return next_on_worker(s, finished, item);
    return s->threaded ? next_on_threaded_root(s, finished, item)
                       : next_on_root(s, finished, item);
}

void hs_scheduler_stop(hs_scheduler *s)
{
    pthread_mutex_lock(&s->lock);
    s->stop = 1;
    pthread_mutex_unlock(&s->lock);
}

void hs_scheduler_set_covered(hs_scheduler *s, const long long *covered)
{
    pthread_mutex_lock(&s->lock);
    for (int r = 0; r < s->size; r++)
        s->covered[r] = covered[r];
    pthread_mutex_unlock(&s->lock);
}

long long hs_scheduler_covered(const hs_scheduler *s)
{
    return s->covered_here;
}

int hs_scheduler_incomplete(const hs_scheduler *s)
{
    pthread_mutex_lock((pthread_mutex_t *)&s->lock);
    int incomplete = s->next < s->n_items;
    pthread_mutex_unlock((pthread_mutex_t *)&s->lock);
    return incomplete;
}

double hs_scheduler_wait_seconds(const hs_scheduler *s)
{
    return s->waited;
}

double hs_scheduler_phase_wait_seconds(const hs_scheduler *s)
{
    return s->phase_waited;
}
