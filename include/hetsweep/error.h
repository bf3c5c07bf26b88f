/* error.h - status codes and the error record that every fallible call fills.
 *
 * Functions that can fail return an int status (HS_OK on success) and, on
 * failure, describe what went wrong in an hs_error passed by the caller. The
 * message names the file, line or key and what would be valid; the status is
 * the process exit code main() will use (SPEC 2: 1 runtime, 2 invalid input,
 * 3 stopped by a signal). Nothing below main() calls exit(). One status type
 * serves every module; inside cube.c, chains of HDF5 calls keep HDF5's herr_t
 * and turn into a status (with HDF5's own cause) at the module's boundary.
 */
#ifndef HETSWEEP_ERROR_H
#define HETSWEEP_ERROR_H

#include <stddef.h>

enum hs_status {
    HS_NO_VALUE = -1,   /* not an error: the value does not exist (time constants
                         * with infeasible moments, a readout whose statistics are
                         * not finite); the result holds NaN. Never an exit code. */
    HS_OK = 0,
    HS_ERR_RUNTIME = 1, /* I/O, disk full, MPI, out of memory */
    HS_ERR_INPUT = 2,   /* command line, job file, foreign or corrupt cube */
    HS_STOPPED = 3      /* stopped by a signal, resumable */
};

typedef struct {
    int status;
    char msg[2048];
} hs_error;

/* Record a failure and return its status, so callers can write
 * `return hs_fail(err, HS_ERR_INPUT, "...", ...);`. err may be NULL. */
int hs_fail(hs_error *err, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Clear an error record. */
void hs_error_clear(hs_error *err);

/* Allocation helpers that never return NULL for a non-zero size: on failure
 * they print a message and abort (out of memory is not recoverable here). */
void *hs_xmalloc(size_t size);
void *hs_xcalloc(size_t count, size_t size);
void *hs_xrealloc(void *ptr, size_t size);
char *hs_xstrdup(const char *s);
/* 64-byte aligned allocation of count doubles, zeroed; free with free(). */
double *hs_alloc_doubles(size_t count);

#endif
