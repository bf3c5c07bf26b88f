/* blocksum.h - a file's checksum made of one CRC per 64 KiB block.
 *
 * A whole-file CRC must re-read the whole file after any change. A blocksum
 * can instead be refreshed for only the byte ranges that were written (and
 * the blocks at the end of the file whose extent changed with its size), so
 * that an incremental checkpoint costs what it wrote, not the size of the
 * cube. The CRC is CRC-32C (crc32.h: the crc32 instruction where the CPU has
 * it); blocksums of CRC-32, as "<cube>.sum" format 2 held them, are still
 * read and verified. The one-line text form is what "<cube>.sum" holds
 * (probe.h); the line does not name its CRC, the file's header does.
 * Nothing here knows about HDF5.
 */
#ifndef HETSWEEP_BLOCKSUM_H
#define HETSWEEP_BLOCKSUM_H

#include <stddef.h>
#include <stdint.h>

/* A byte range of a file: [offset, offset + length). */
typedef struct {
    unsigned long long offset, length;
} hs_range;

/* The block size of every blocksum (the last block of a file is shorter). */
#define HS_BLOCKSUM_BLOCK ((size_t)1 << 16)

/* The CRC of the blocks: CRC-32C (0, what every new blocksum uses) or
 * CRC-32 (zlib's; "<cube>.sum" format 2, read only). */
typedef enum { HS_BLOCKSUM_CRC32C = 0, HS_BLOCKSUM_CRC32 = 1 } hs_blocksum_algorithm;

/* size bytes in n_blocks blocks of `block` bytes; crc[i] = hs_crc32c(0, block
 * i), or hs_crc32 for HS_BLOCKSUM_CRC32. An empty file has no blocks (crc
 * NULL). */
typedef struct {
    long long size;
    size_t block, n_blocks;
    uint32_t *crc;
    hs_blocksum_algorithm algorithm;
} hs_blocksum;

/* The CRC-32C blocksum of the file at path, read whole. 0, or -1 with errno
 * (out is then empty: free it or not, either is safe). */
int hs_blocksum_of_file(const char *path, hs_blocksum *out);

/* The same with the given algorithm (CRC-32 to verify a format-2 .sum). */
int hs_blocksum_of_file_as(const char *path, hs_blocksum_algorithm algorithm,
                           hs_blocksum *out);

/* Recompute, from the file as it is now, with sum's algorithm (kept), the
 * CRC of every block that any range touches, and of every block whose extent
 * changed because the file's size changed (grown or shrunk). Reads only those
 * blocks, with pread into one block-sized buffer. 0, or -1 with errno and
 * *sum unchanged. */
int hs_blocksum_refresh(const char *path, hs_blocksum *sum, const hs_range *ranges, size_t n);

/* 1 if a and b describe the same bytes (same algorithm, block size, size and
 * CRCs): blocksums of two algorithms are never equal. */
int hs_blocksum_equal(const hs_blocksum *a, const hs_blocksum *b);

/* A deep copy of from into to (to's old contents are not freed). */
void hs_blocksum_copy(hs_blocksum *to, const hs_blocksum *from);

/* Free the CRCs and leave an empty blocksum; safe twice. */
void hs_blocksum_free(hs_blocksum *sum);

/* "blocks <block> size <bytes> <8 hex digits per block, concatenated>"
 * (nothing after the size when the file is empty): malloc'd, no newline. */
char *hs_blocksum_format(const hs_blocksum *sum);

/* Parse a line that hs_blocksum_format wrote, of CRCs of the given algorithm
 * (the line does not say which: "<cube>.sum"'s header does): 0, or -1 if it
 * is malformed (a block size other than HS_BLOCKSUM_BLOCK, a number out of
 * range, a digit count that does not match size/block, anything after the
 * digits). Nothing is allocated before the line has been checked. */
int hs_blocksum_parse(const char *line, hs_blocksum_algorithm algorithm, hs_blocksum *out);

#endif
