/* publish.c - copy a file; fsync, checksum and rename (or swap) a finished
 * one into place. */
#define _GNU_SOURCE /* renameat2 */
#include "hetsweep/publish.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hetsweep/testhooks.h"
#include "hetsweep/probe.h"

#define BLOCK (1 << 20)

/* Write all n bytes; 0 on success. */
static int write_all(int fd, const unsigned char *buf, ssize_t n)
{
    for (ssize_t done = 0; done < n;) {
        ssize_t w = write(fd, buf + done, (size_t)(n - done));
        if (w <= 0)
            return -1;
        done += w;
    }
    return 0;
}

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
        else if (write_all(out, block, n) != 0)
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

/* After the rename or swap: make it durable, then keep only the new file's
 * checksum. */
static int settle(const char *cube_path, hs_error *err)
{
    fsync_directory_of(cube_path);
    hs_crash_point("checkpoint-sum");
    return hs_cube_sum_after_rename(cube_path, err);
}

int hs_publish_file(const char *tmp_path, const char *cube_path, hs_error *err)
{
    int status = hs_fsync_file(tmp_path, err);
    if (status == HS_OK)
        status = hs_cube_sum_before_rename(cube_path, tmp_path, err);
    if (status == HS_OK)
        hs_crash_point("checkpoint-rename");
    if (status == HS_OK && rename(tmp_path, cube_path) != 0)
        status = hs_fail(err, HS_ERR_RUNTIME, "cannot rename %s to %s: %s", tmp_path, cube_path,
                         strerror(errno));
    if (status != HS_OK) {
        unlink(tmp_path);
        return status;
    }
    return settle(cube_path, err);
}

int hs_swap_file(const char *from, const char *cube_path, const hs_blocksum *next,
                 int *unsupported, hs_error *err)
{
    *unsupported = 0;
    int status = hs_cube_sum_before_swap(cube_path, next, err);
    if (status != HS_OK)
        return status;
    hs_crash_point("checkpoint-rename");
    if (renameat2(AT_FDCWD, from, AT_FDCWD, cube_path, RENAME_EXCHANGE) != 0) {
        if (errno == EINVAL || errno == ENOSYS || errno == ENOTSUP) {
            *unsupported = 1;
            return HS_OK;
        }
        return hs_fail(err, HS_ERR_RUNTIME, "cannot swap %s with %s: %s", from, cube_path,
                       strerror(errno));
    }
    return settle(cube_path, err);
}
