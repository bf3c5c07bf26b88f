/* blocksum.c - per-block CRC-32C (or, read from format-2 sums, CRC-32) of a
 * file: computed whole, refreshed for the ranges a writer touched, compared,
 * and written as / read from one line. */
#include "hetsweep/blocksum.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hetsweep/crc32.h"
#include "hetsweep/error.h"
#include "hetsweep/fileio.h"

/* Blocks needed for size bytes. */
static size_t blocks_for(unsigned long long size, size_t block)
{
    return (size_t)(size / block + (size % block != 0));
}

/* Bytes of block i of a file of `size` bytes. */
static size_t block_length(unsigned long long size, size_t block, size_t i)
{
    unsigned long long start = (unsigned long long)i * block;
    unsigned long long left = size - start;
    return left < block ? (size_t)left : block;
}

/* The CRC function of an algorithm. */
typedef uint32_t crc_function(uint32_t crc, const void *data, size_t length);

static crc_function *crc_of(hs_blocksum_algorithm algorithm)
{
    return algorithm == HS_BLOCKSUM_CRC32 ? hs_crc32 : hs_crc32c;
}

/* The CRC of block i of the open file of `size` bytes, read into buf. */
static int block_crc(int fd, unsigned char *buf, unsigned long long size, size_t block, size_t i,
                     crc_function *crc_of_bytes, uint32_t *crc)
{
    size_t length = block_length(size, block, i);
    if (hs_pread_exactly(fd, buf, length, (unsigned long long)i * block) != 0)
        return -1;
    *crc = crc_of_bytes(0, buf, length);
    return 0;
}

/* Open path for reading and find its size; the fd, or -1 with errno. */
static int open_sized(const char *path, unsigned long long *size)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0)
        return -1;
    if (fstat(fd, &st) != 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    *size = (unsigned long long)st.st_size;
    return fd;
}

/* Recompute crc[i] for every i with dirty[i] set; 0, or -1 with errno. */
static int crc_marked_blocks(int fd, unsigned long long size, size_t block, size_t n_blocks,
                             const unsigned char *dirty, hs_blocksum_algorithm algorithm,
                             uint32_t *crc)
{
    unsigned char *buf = hs_xmalloc(block);
    crc_function *crc_of_bytes = crc_of(algorithm);
    int status = 0;
    for (size_t i = 0; i < n_blocks && status == 0; i++)
        if (dirty[i])
            status = block_crc(fd, buf, size, block, i, crc_of_bytes, &crc[i]);
    int saved = errno;
    free(buf);
    errno = saved;
    return status;
}

int hs_blocksum_of_file(const char *path, hs_blocksum *out)
{
    return hs_blocksum_of_file_as(path, HS_BLOCKSUM_CRC32C, out);
}

int hs_blocksum_of_file_as(const char *path, hs_blocksum_algorithm algorithm,
                           hs_blocksum *out)
{
    memset(out, 0, sizeof *out);
    out->block = HS_BLOCKSUM_BLOCK;
    out->algorithm = algorithm;
    unsigned long long size;
    int fd = open_sized(path, &size);
    if (fd < 0)
        return -1;
    size_t n = blocks_for(size, HS_BLOCKSUM_BLOCK);
    uint32_t *crc = n ? hs_xmalloc(n * sizeof *crc) : NULL;
    unsigned char *all = n ? hs_xmalloc(n) : NULL;
    if (n)
        memset(all, 1, n);
    int status = crc_marked_blocks(fd, size, HS_BLOCKSUM_BLOCK, n, all, algorithm, crc);
    int saved = errno;
    free(all);
    close(fd);
    if (status != 0) {
        free(crc);
        errno = saved;
        return -1;
    }
    out->size = (long long)size;
    out->n_blocks = n;
    out->crc = crc;
    return 0;
}

/* Mark the blocks (below n_blocks) that [offset, offset + length) touches. */
static void mark_range(unsigned char *dirty, size_t n_blocks, size_t block,
                       unsigned long long offset, unsigned long long length)
{
    if (length == 0 || offset / block >= n_blocks)
        return;
    unsigned long long last_byte = length - 1 > ULLONG_MAX - offset ? ULLONG_MAX
                                                                     : offset + length - 1;
    size_t first = (size_t)(offset / block);
    size_t last = last_byte / block >= n_blocks ? n_blocks - 1 : (size_t)(last_byte / block);
    memset(dirty + first, 1, last - first + 1);
}

/* Mark the blocks whose extent differs between a file of old_size and one of
 * new_size bytes: from the block holding the smaller end onwards. */
static void mark_resized(unsigned char *dirty, size_t n_blocks, size_t block,
                         unsigned long long old_size, unsigned long long new_size)
{
    if (old_size == new_size)
        return;
    unsigned long long end = old_size < new_size ? old_size : new_size;
    for (size_t i = (size_t)(end / block); i < n_blocks; i++)
        dirty[i] = 1;
}

/* The new CRC array of a refresh: the old CRCs where still valid. */
static uint32_t *carried_crcs(const hs_blocksum *sum, size_t n_blocks)
{
    uint32_t *crc = n_blocks ? hs_xcalloc(n_blocks, sizeof *crc) : NULL;
    size_t kept = sum->n_blocks < n_blocks ? sum->n_blocks : n_blocks;
    if (kept)
        memcpy(crc, sum->crc, kept * sizeof *crc);
    return crc;
}

int hs_blocksum_refresh(const char *path, hs_blocksum *sum, const hs_range *ranges, size_t n)
{
    unsigned long long size;
    if (sum->block == 0) {
        errno = EINVAL;
        return -1;
    }
    int fd = open_sized(path, &size);
    if (fd < 0)
        return -1;
    size_t n_blocks = blocks_for(size, sum->block);
    unsigned char *dirty = n_blocks ? hs_xcalloc(n_blocks, 1) : NULL;
    for (size_t r = 0; r < n; r++)
        mark_range(dirty, n_blocks, sum->block, ranges[r].offset, ranges[r].length);
    mark_resized(dirty, n_blocks, sum->block, (unsigned long long)sum->size, size);
    uint32_t *crc = carried_crcs(sum, n_blocks);
    int status = crc_marked_blocks(fd, size, sum->block, n_blocks, dirty, sum->algorithm, crc);
    int saved = errno;
    free(dirty);
    close(fd);
    if (status != 0) {
        free(crc);
        errno = saved;
        return -1;
    }
    free(sum->crc);
    sum->crc = crc;
    sum->n_blocks = n_blocks;
    sum->size = (long long)size;
    return 0;
}

int hs_blocksum_equal(const hs_blocksum *a, const hs_blocksum *b)
{
    return a->algorithm == b->algorithm && a->block == b->block && a->size == b->size &&
           a->n_blocks == b->n_blocks &&
           (a->n_blocks == 0 || memcmp(a->crc, b->crc, a->n_blocks * sizeof *a->crc) == 0);
}

void hs_blocksum_copy(hs_blocksum *to, const hs_blocksum *from)
{
    *to = *from;
    to->crc = NULL;
    if (from->n_blocks) {
        to->crc = hs_xmalloc(from->n_blocks * sizeof *to->crc);
        memcpy(to->crc, from->crc, from->n_blocks * sizeof *to->crc);
    }
}

void hs_blocksum_free(hs_blocksum *sum)
{
    free(sum->crc);
    sum->crc = NULL;
    sum->n_blocks = 0;
    sum->size = 0;
}

char *hs_blocksum_format(const hs_blocksum *sum)
{
    char head[64];
    int head_length = snprintf(head, sizeof head, "blocks %zu size %lld%s", sum->block,
                               sum->size, sum->n_blocks ? " " : "");
    char *line = hs_xmalloc((size_t)head_length + 8 * sum->n_blocks + 1);
    memcpy(line, head, (size_t)head_length);
    static const char hex[] = "0123456789abcdef";
    char *digits = line + head_length;
    for (size_t i = 0; i < sum->n_blocks; i++) /* "%08x" each; snprintf took ~1 ms a line */
        for (int shift = 28; shift >= 0; shift -= 4)
            *digits++ = hex[(sum->crc[i] >> shift) & 0xf];
    *digits = '\0';
    return line;
}

/* Skip the literal word at *p; 0 if it was there. */
static int expect(const char **p, const char *word)
{
    size_t length = strlen(word);
    if (strncmp(*p, word, length) != 0)
        return -1;
    *p += length;
    return 0;
}

/* A decimal number of at most `max` at *p (digits only, no sign); 0 if valid. */
static int decimal(const char **p, unsigned long long max, unsigned long long *value)
{
    const char *s = *p;
    unsigned long long v = 0;
    if (*s < '0' || *s > '9')
        return -1;
    for (; *s >= '0' && *s <= '9'; s++) {
        unsigned digit = (unsigned)(*s - '0');
        if (v > (max - digit) / 10)
            return -1;
        v = v * 10 + digit;
    }
    *p = s;
    *value = v;
    return 0;
}

/* The value of one hex digit, or -1. */
static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* n CRCs of 8 hex digits each from digits (already known to be 8n long). */
static int hex_crcs(const char *digits, size_t n, uint32_t *crc)
{
    for (size_t i = 0; i < n; i++) {
        uint32_t c = 0;
        for (int k = 0; k < 8; k++) {
            int d = hex_digit(digits[8 * i + (size_t)k]);
            if (d < 0)
                return -1;
            c = c << 4 | (uint32_t)d;
        }
        crc[i] = c;
    }
    return 0;
}

/* The block size and file size of a line, and where its digits start. */
static int parse_head(const char *line, unsigned long long *block, unsigned long long *size,
                      const char **digits)
{
    const char *p = line;
    if (expect(&p, "blocks ") != 0 || decimal(&p, HS_BLOCKSUM_BLOCK, block) != 0 ||
        *block != HS_BLOCKSUM_BLOCK || expect(&p, " size ") != 0 ||
        decimal(&p, LLONG_MAX, size) != 0)
        return -1;
    *digits = p;
    return 0;
}

int hs_blocksum_parse(const char *line, hs_blocksum_algorithm algorithm, hs_blocksum *out)
{
    unsigned long long block, size;
    const char *digits;
    if (parse_head(line, &block, &size, &digits) != 0)
        return -1;
    size_t n = blocks_for(size, (size_t)block);
    if (n > 0 && expect(&digits, " ") != 0)
        return -1;
    /* n <= LLONG_MAX / 2^20, so 8 n cannot overflow */
    if (strlen(digits) != 8 * n)
        return -1;
    uint32_t *crc = n ? hs_xmalloc(n * sizeof *crc) : NULL;
    if (hex_crcs(digits, n, crc) != 0) {
        free(crc);
        return -1;
    }
    out->block = (size_t)block;
    out->size = (long long)size;
    out->n_blocks = n;
    out->crc = crc;
    out->algorithm = algorithm;
    return 0;
}
