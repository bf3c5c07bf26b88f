/* fileio.c - whole reads and writes on a file descriptor (fileio.h). */
#include "hetsweep/fileio.h"

#include <errno.h>
#include <sys/types.h>
#include <unistd.h>

int hs_write_all(int fd, const void *data, size_t length)
{
    const unsigned char *p = data;
    while (length > 0) {
        ssize_t n = write(fd, p, length);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            if (n == 0)
                errno = EIO;
            return -1;
        }
        p += n;
        length -= (size_t)n;
    }
    return 0;
}

int hs_pread_exactly(int fd, void *buf, size_t length, unsigned long long offset)
{
    unsigned char *p = buf;
    for (size_t done = 0; done < length;) {
        ssize_t n = pread(fd, p + done, length - done, (off_t)(offset + done));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            if (n == 0)
                errno = EIO;
            return -1;
        }
        done += (size_t)n;
    }
    return 0;
}

int hs_pwrite_exactly(int fd, const void *buf, size_t length, unsigned long long offset)
{
    const unsigned char *p = buf;
    for (size_t done = 0; done < length;) {
        ssize_t n = pwrite(fd, p + done, length - done, (off_t)(offset + done));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            if (n == 0)
                errno = EIO;
            return -1;
        }
        done += (size_t)n;
    }
    return 0;
}
