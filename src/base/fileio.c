/* fileio.c - whole reads and writes on a file descriptor (fileio.h). */
#include "hetsweep/fileio.h"

#include <errno.h>
#include <sys/types.h>
#include <unistd.h>

/* What a read or write call's return n means: 1 bytes moved, 0 interrupted
 * by a signal (call again), -1 failed (errno set; EIO where nothing moved). */
static int moved(ssize_t n)
{
    if (n > 0)
        return 1;
    if (n < 0 && errno == EINTR)
        return 0;
    if (n == 0)
        errno = EIO;
    return -1;
}

int hs_write_all(int fd, const void *data, size_t length)
{
    const unsigned char *p = data;
    while (length > 0) {
        ssize_t n = write(fd, p, length);
        int how = moved(n);
        if (how < 0)
            return -1;
        if (how == 0)
            continue;
        p += n;
        length -= (size_t)n;
    }
    return 0;
}

/* pread (writing 0) or pwrite (1) exactly length bytes at offset. */
static int move_exactly(int fd, unsigned char *buf, size_t length, unsigned long long offset,
                        int writing)
{
    for (size_t done = 0; done < length;) {
        off_t at = (off_t)(offset + done);
        ssize_t n = writing ? pwrite(fd, buf + done, length - done, at)
                            : pread(fd, buf + done, length - done, at);
        int how = moved(n);
        if (how < 0)
            return -1;
        if (how > 0)
            done += (size_t)n;
    }
    return 0;
}

int hs_pread_exactly(int fd, void *buf, size_t length, unsigned long long offset)
{
    return move_exactly(fd, buf, length, offset, 0);
}

int hs_pwrite_exactly(int fd, const void *buf, size_t length, unsigned long long offset)
{
    return move_exactly(fd, (unsigned char *)buf, length, offset, 1);
}

int hs_pwritev_exactly(int fd, struct iovec *iov, int n, unsigned long long offset)
{
    while (n > 0) {
        ssize_t done = pwritev(fd, iov, n, (off_t)offset);
        int how = moved(done);
        if (how < 0)
            return -1;
        if (how == 0)
            continue;
        offset += (unsigned long long)done;
        while (n > 0 && (size_t)done >= iov->iov_len) { /* the pieces written whole */
            done -= (ssize_t)iov->iov_len;
            iov++;
            n--;
        }
        if (n > 0) { /* the rest of a piece written in part */
            iov->iov_base = (unsigned char *)iov->iov_base + done;
            iov->iov_len -= (size_t)done;
        }
    }
    return 0;
}
