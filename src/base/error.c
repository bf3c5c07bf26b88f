/* error.c - the error record and allocation helpers declared in error.h. */
#include "hetsweep/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int hs_fail(hs_error *err, int status, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
        err->status = status;
    }
    return status;
}

void hs_error_clear(hs_error *err)
{
    if (err) {
        err->status = HS_OK;
        err->msg[0] = '\0';
    }
}

static void out_of_memory(size_t size)
{
    /* The one exit below main: no caller can do better than stop, and a
     * runtime failure is exit 1 (what is done is in the journals), not the
     * SIGABRT of abort(). */
    fprintf(stderr, "hetsweep: out of memory allocating %zu bytes (exit 1; give the run more "
                    "memory, or lower run.memory_budget_mb so that work items hold fewer "
                    "columns)\n",
            size);
    exit(HS_ERR_RUNTIME);
}

void *hs_xmalloc(size_t size)
{
    void *p = malloc(size ? size : 1);
    if (!p)
        out_of_memory(size);
    return p;
}

void *hs_xcalloc(size_t count, size_t size)
{
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (!p)
        out_of_memory(count * size);
    return p;
}

void *hs_xrealloc(void *ptr, size_t size)
{
    void *p = realloc(ptr, size ? size : 1);
    if (!p)
        out_of_memory(size);
    return p;
}

char *hs_xstrdup(const char *s)
{
    size_t len = strlen(s) + 1;
    char *p = hs_xmalloc(len);
    memcpy(p, s, len);
    return p;
}

double *hs_alloc_doubles(size_t count)
{
    size_t bytes = (count ? count : 1) * sizeof(double);
    bytes = (bytes + 63) / 64 * 64;
    double *p = aligned_alloc(64, bytes);
    if (!p)
        out_of_memory(bytes);
    memset(p, 0, bytes);
    return p;
}
