/* fileio.h - whole reads and writes on a file descriptor: POSIX read and
 * write may move fewer bytes than asked, or be interrupted by a signal; these
 * go on until every byte has moved. Used by the journals, the checkpoint
 * copies and raw chunk writes, the block checksums and the shadow's
 * catch-up. */
#ifndef HETSWEEP_FILEIO_H
#define HETSWEEP_FILEIO_H

#include <stddef.h>
#include <sys/uio.h>

/* write() all length bytes at the file's position; 0, or -1 with errno. */
int hs_write_all(int fd, const void *data, size_t length);

/* pread() exactly length bytes at offset; 0, or -1 with errno (EIO if the
 * file ends first). */
int hs_pread_exactly(int fd, void *buf, size_t length, unsigned long long offset);

/* pwrite() all length bytes at offset; 0, or -1 with errno. */
int hs_pwrite_exactly(int fd, const void *buf, size_t length, unsigned long long offset);

/* pwritev() every byte of iov[0..n) at offset, one piece after the other (iov
 * is changed on the way); 0, or -1 with errno. */
int hs_pwritev_exactly(int fd, struct iovec *iov, int n, unsigned long long offset);

#endif
