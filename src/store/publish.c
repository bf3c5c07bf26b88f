/* publish.c - copy a file; fsync a finished one while a thread checksums it,
 * then rename (or swap) it into place. */
#define _GNU_SOURCE /* renameat2 */
#include "hetsweep/publish.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hetsweep/clock.h"
#include "hetsweep/fileio.h"
#include "hetsweep/testhooks.h"
#include "hetsweep/probe.h"

#define BLOCK (1 << 20)

int hs_copy_file(const char *from, const char *to, hs_error *err)
{
    int in = open(from, O_RDONLY | O_CLOEXEC);
    int out = in < 0 ? -1 : open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    int status = HS_OK;
    if (in < 0 || out < 0)
        status = hs_fail(err, HS_ERR_RUNTIME, "cannot copy %s to %s: %s", from, to,
                         strerror(errno));
    unsigned char *block = hs_xmalloc(BLOCK);
    ssize_t n;
    while (status == HS_OK && (n = read(in, block, BLOCK)) != 0) {
        if (n < 0)
            status = hs_fail(err, HS_ERR_RUNTIME, "cannot read %s: %s", from, strerror(errno));
        else if (hs_write_all(out, block, (size_t)n) != 0)
            status = hs_fail(err, HS_ERR_RUNTIME, "cannot write %s: %s", to, strerror(errno));
    }
    free(block);
    if (in >= 0)
        close(in);
    if (out >= 0 && close(out) != 0 && status == HS_OK)
        status = hs_fail(err, HS_ERR_RUNTIME, "cannot write %s: %s", to, strerror(errno));
    if (status != HS_OK)
        unlink(to);
    return status;
}

static int fsync_path(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

static void fsync_directory_of(const char *path)
{
    char *copy = hs_xstrdup(path);
    fsync_path(dirname(copy));
    free(copy);
}

int hs_fsync_file(const char *path, hs_error *err)
{
    if (fsync_path(path) == 0)
        return HS_OK;
    return hs_fail(err, HS_ERR_RUNTIME, "cannot fsync %s: %s", path, strerror(errno));
}

/* ---- the new file made ready: fsynced, checksummed, accepted --------------- */

/* The thread's half of hs_sync_and_accept: the block checksums, then
 * "<cube>.sum" accepting the new file beside the cube. Plain POSIX I/O. */
typedef struct {
    const char *path, *cube_path;
    hs_blocksum *sum;
    const hs_blocksum *current;
    const hs_range *ranges;
    size_t n_ranges;
    int whole, status;
    hs_error err;
    double seconds;
} sum_job;

static void *checksum_and_accept(void *arg)
{
    sum_job *job = arg;
    double t0 = hs_now_seconds();
    hs_error_clear(&job->err);
    int rc = job->whole ? hs_blocksum_of_file(job->path, job->sum)
                        : hs_blocksum_refresh(job->path, job->sum, job->ranges, job->n_ranges);
    job->status = rc == 0 ? HS_OK
                          : hs_fail(&job->err, HS_ERR_RUNTIME, "cannot read %s to checksum it: %s",
                                    job->path, strerror(errno));
    if (job->status == HS_OK)
        job->status = hs_cube_sum_before_swap(job->cube_path, job->sum, job->current,
                                              &job->err);
    job->seconds = hs_now_seconds() - t0;
    return NULL;
}

int hs_sync_and_accept(const char *path, const char *cube_path, hs_blocksum *sum,
                       const hs_blocksum *current, const hs_range *ranges, size_t n_ranges,
                       int whole, hs_publish_times *times, hs_error *err)
{
    sum_job job = {path, cube_path, sum, current, ranges, n_ranges, whole, HS_OK, {0}, 0.0};
    pthread_t thread;
    int threaded = pthread_create(&thread, NULL, checksum_and_accept, &job) == 0;
    double t0 = hs_now_seconds();
    int status = hs_fsync_file(path, err);
    double synced = hs_now_seconds() - t0;
    if (threaded)
        pthread_join(thread, NULL);
    else
        checksum_and_accept(&job);
    if (times) {
        times->sync = synced;
        times->checksum = job.seconds;
    }
    if (status == HS_OK && job.status != HS_OK) {
        status = job.status;
        if (err)
            *err = job.err;
    }
    return status;
}

/* ---- into place --------------------------------------------------------------- */

int hs_trim_sum(const char *cube_path, const hs_blocksum *sum, hs_error *err)
{
    hs_crash_point("checkpoint-sum");
    return hs_cube_sum_keep(cube_path, sum, err);
}

int hs_publish_file(const char *tmp_path, const char *cube_path, hs_error *err)
{
    hs_blocksum next = {0};
    int status = hs_sync_and_accept(tmp_path, cube_path, &next, NULL, NULL, 0, 1, NULL, err);
    if (status == HS_OK)
        hs_crash_point("checkpoint-rename");
    if (status == HS_OK && rename(tmp_path, cube_path) != 0)
        status = hs_fail(err, HS_ERR_RUNTIME, "cannot rename %s to %s: %s", tmp_path, cube_path,
                         strerror(errno));
    if (status != HS_OK) {
        unlink(tmp_path);
    } else {
        fsync_directory_of(cube_path); /* the rename made durable */
        status = hs_trim_sum(cube_path, &next, err);
    }
    hs_blocksum_free(&next);
    return status;
}

int hs_swap_file(const char *from, const char *cube_path, int *unsupported, hs_error *err)
{
    *unsupported = 0;
    hs_crash_point("checkpoint-rename");
    if (renameat2(AT_FDCWD, from, AT_FDCWD, cube_path, RENAME_EXCHANGE) != 0) {
        if (errno == EINVAL || errno == ENOSYS || errno == ENOTSUP) {
            *unsupported = 1;
            return HS_OK;
        }
        return hs_fail(err, HS_ERR_RUNTIME, "cannot swap %s with %s: %s", from, cube_path,
                       strerror(errno));
    }
    fsync_directory_of(cube_path); /* the swap made durable */
    return HS_OK;
}
