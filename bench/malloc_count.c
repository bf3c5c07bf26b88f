/* malloc_count.c - an LD_PRELOAD shim that counts a process's heap
 * allocations, for the memory measurements of bench/rss.sh (issue 9).
 *
 * It wraps malloc, calloc, realloc, aligned_alloc, posix_memalign, memalign
 * and free around glibc's own (__libc_*), and at exit writes one line to
 * stderr (or to the file named by MALLOC_COUNT_FILE):
 *
 *     malloc_count: calls C  bytes B  peak_live P  live_at_exit L
 *
 * calls counts every allocating call (realloc too), bytes their requested
 * sizes, peak_live the largest sum of live usable sizes at any moment. Two
 * runs of the same job that differ only in their length (more time chunks)
 * making the same number of calls prove that nothing is allocated per chunk
 * or per step. Counters are atomic: the OpenMP threads allocate too.
 *
 * Build: cc -O2 -shared -fPIC bench/malloc_count.c -o malloc_count.so
 */
#define _GNU_SOURCE
#include <malloc.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t count, size_t size);
extern void *__libc_realloc(void *p, size_t size);
extern void *__libc_memalign(size_t alignment, size_t size);
extern void __libc_free(void *p);

static atomic_llong calls, bytes, live, peak;

static void note_live(long long change)
{
    long long now = atomic_fetch_add(&live, change) + change;
    long long before = atomic_load(&peak);
    while (now > before && !atomic_compare_exchange_weak(&peak, &before, now))
        ;
}

static void *counted(void *p, size_t requested)
{
    if (p) {
        atomic_fetch_add(&calls, 1);
        atomic_fetch_add(&bytes, (long long)requested);
        note_live((long long)malloc_usable_size(p));
    }
    return p;
}

void *malloc(size_t size)
{
    return counted(__libc_malloc(size), size);
}

void *calloc(size_t count, size_t size)
{
    return counted(__libc_calloc(count, size), count * size);
}

void *realloc(void *old, size_t size)
{
    long long was = old ? (long long)malloc_usable_size(old) : 0;
    void *p = __libc_realloc(old, size);
    if (p || size == 0)
        note_live(-was);
    return counted(p, size);
}

void *memalign(size_t alignment, size_t size)
{
    return counted(__libc_memalign(alignment, size), size);
}

void *aligned_alloc(size_t alignment, size_t size)
{
    return memalign(alignment, size);
}

int posix_memalign(void **out, size_t alignment, size_t size)
{
    void *p = memalign(alignment, size);
    if (!p)
        return 12; /* ENOMEM */
    *out = p;
    return 0;
}

void free(void *p)
{
    if (p)
        note_live(-(long long)malloc_usable_size(p));
    __libc_free(p);
}

__attribute__((destructor)) static void report(void)
{
    char line[256];
    int length = snprintf(line, sizeof line,
                          "malloc_count: calls %lld  bytes %lld  peak_live %lld  "
                          "live_at_exit %lld\n",
                          (long long)calls, (long long)bytes, (long long)peak, (long long)live);
    const char *path = getenv("MALLOC_COUNT_FILE");
    FILE *f = path ? fopen(path, "a") : NULL;
    if (f) {
        fputs(line, f);
        fclose(f);
    } else if (length > 0) {
        ssize_t ignored = write(2, line, (size_t)length);
        (void)ignored;
    }
}
