/* catchup.c - copy the ranges one checkpoint wrote from the cube into the
 * shadow, in a thread of its own that first does what its caller asks
 * (catchup.h). Plain POSIX I/O, no HDF5. */
#include "hetsweep/catchup.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hetsweep/clock.h"
#include "hetsweep/error.h"
#include "hetsweep/fileio.h"

#define PIECE ((size_t)1 << 20) /* bytes per pread/pwrite */

struct hs_catchup {
    pthread_t thread;
    char *from, *to;
    hs_range *ranges;
    size_t n;
    hs_catchup_first *first;
    void *arg;
    atomic_int abandon;
    hs_catchup_outcome outcome;
    int error;
    double seconds;
};

/* One range, clipped to the source's size, piece by piece. */
static int copy_range(int in, int out, unsigned char *buf, hs_range range,
                      unsigned long long size)
{
    unsigned long long end = range.offset + range.length;
    if (end > size)
        end = size;
    for (unsigned long long at = range.offset; at < end;) {
        size_t length = end - at < PIECE ? (size_t)(end - at) : PIECE;
        if (hs_pread_exactly(in, buf, length, at) != 0 ||
            hs_pwrite_exactly(out, buf, length, at) != 0)
            return -1;
        at += length;
    }
    return 0;
}

/* The copy itself, with both files open and the shadow locked. */
static int copy_ranges(int in, int out, const hs_range *ranges, size_t n, atomic_int *abandon)
{
    struct stat st;
    if (fstat(in, &st) != 0)
        return -1;
    unsigned long long size = (unsigned long long)st.st_size;
    unsigned char *buf = hs_xmalloc(PIECE);
    int status = 0;
    for (size_t i = 0; status == 0 && i < n; i++) {
        if (abandon && atomic_load(abandon)) {
            errno = ECANCELED;
            status = -1;
        } else {
            status = copy_range(in, out, buf, ranges[i], size);
        }
    }
    free(buf);
    if (status == 0 && ftruncate(out, (off_t)size) != 0)
        status = -1;
    if (status == 0 && fsync(out) != 0)
        status = -1;
    return status;
}

static hs_catchup_outcome copy_abandonable(const char *from, const char *to,
                                           const hs_range *ranges, size_t n, atomic_int *abandon,
                                           int *error)
{
    *error = 0;
    int in = open(from, O_RDONLY | O_CLOEXEC);
    int out = in < 0 ? -1 : open(to, O_RDWR | O_CLOEXEC);
    hs_catchup_outcome outcome = HS_CATCHUP_FAILED;
    if (in >= 0 && out >= 0) {
        if (flock(out, LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK)
            outcome = HS_CATCHUP_IN_USE; /* (no flock on this file system: go on) */
        else if (copy_ranges(in, out, ranges, n, abandon) == 0)
            outcome = HS_CATCHUP_DONE;
    }
    if (outcome == HS_CATCHUP_FAILED)
        *error = errno;
    if (out >= 0)
        close(out); /* also releases the lock */
    if (in >= 0)
        close(in);
    return outcome;
}

hs_catchup_outcome hs_catchup_copy(const char *from, const char *to, const hs_range *ranges,
                                   size_t n, int *error)
{
    return copy_abandonable(from, to, ranges, n, NULL, error);
}

static void *catchup_thread(void *arg)
{
    hs_catchup *c = arg;
    double t0 = hs_now_seconds();
    if (c->first)
        c->first(c->arg);
    c->outcome = copy_abandonable(c->from, c->to, c->ranges, c->n, &c->abandon, &c->error);
    c->seconds = hs_now_seconds() - t0;
    return NULL;
}

static void catchup_free(hs_catchup *c)
{
    free(c->from);
    free(c->to);
    free(c->ranges);
    free(c);
}

hs_catchup *hs_catchup_start(const char *from, const char *to, const hs_range *ranges, size_t n,
                             hs_catchup_first *first, void *arg)
{
    hs_catchup *c = hs_xcalloc(1, sizeof *c);
    c->from = hs_xstrdup(from);
    c->to = hs_xstrdup(to);
    c->ranges = hs_xmalloc((n + 1) * sizeof *c->ranges);
    if (n > 0)
        memcpy(c->ranges, ranges, n * sizeof *ranges);
    c->n = n;
    c->first = first;
    c->arg = arg;
    atomic_init(&c->abandon, 0);
    if (pthread_create(&c->thread, NULL, catchup_thread, c) != 0) {
        catchup_free(c);
        return NULL;
    }
    return c;
}

hs_catchup_outcome hs_catchup_finish(hs_catchup *c, double *seconds, int *error)
{
    pthread_join(c->thread, NULL);
    hs_catchup_outcome outcome = c->outcome;
    *seconds = c->seconds;
    *error = c->error;
    catchup_free(c);
    return outcome;
}

void hs_catchup_abandon(hs_catchup *c)
{
    if (!c)
        return;
    atomic_store(&c->abandon, 1);
    double seconds;
    int error;
    hs_catchup_finish(c, &seconds, &error);
}

/* ---- comparison (the tests' check of every catch-up) ---- */

static int compare_open(int a, int b, unsigned long long *where)
{
    struct stat sa, sb;
    if (fstat(a, &sa) != 0 || fstat(b, &sb) != 0)
        return -1;
    unsigned long long size = (unsigned long long)(sa.st_size < sb.st_size ? sa.st_size
                                                                           : sb.st_size);
    unsigned char *x = hs_xmalloc(PIECE), *y = hs_xmalloc(PIECE);
    int same = 1;
    *where = size;
    for (unsigned long long at = 0; same == 1 && at < size; at += PIECE) {
        size_t length = size - at < PIECE ? (size_t)(size - at) : PIECE;
        if (hs_pread_exactly(a, x, length, at) != 0 ||
            hs_pread_exactly(b, y, length, at) != 0) {
            same = -1;
        } else if (memcmp(x, y, length) != 0) {
            size_t i = 0;
            while (x[i] == y[i])
                i++;
            *where = at + i;
            same = 0;
        }
    }
    free(x);
    free(y);
    if (same == 1 && sa.st_size != sb.st_size)
        same = 0;
    return same;
}

int hs_files_identical(const char *a, const char *b, unsigned long long *where)
{
    int fa = open(a, O_RDONLY | O_CLOEXEC);
    int fb = fa < 0 ? -1 : open(b, O_RDONLY | O_CLOEXEC);
    int same = fa >= 0 && fb >= 0 ? compare_open(fa, fb, where) : -1;
    int saved = errno;
    if (fb >= 0)
        close(fb);
    if (fa >= 0)
        close(fa);
    errno = saved;
    return same;
}
