/* test_blocksum.c - unit tests of the CRCs (crc32.h: CRC-32, and CRC-32C by
 * hardware and by tables), per-block checksums (blocksum.h), the
 * write-recording HDF5 driver (dirtyvfd.h) and the format 3 of "<cube>.sum"
 * that uses them, with formats 2 and old still read (probe.h). */
#define _GNU_SOURCE
#include <check.h>

#include "check_runner.h"
#include <errno.h>
#include <fcntl.h>
#include <hdf5.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "hetsweep/blocksum.h"
#include "hetsweep/crc32.h"
#include "hetsweep/dirtyvfd.h"
#include "hetsweep/probe.h"

#define BLOCK ((long long)HS_BLOCKSUM_BLOCK)

/* ---- helpers ---- */

/* A fresh empty directory for one test's files; its path into dir. */
static void temp_dir(char *dir, size_t size)
{
    snprintf(dir, size, "/tmp/hs_blocksum_XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
}

/* Remove a test directory and the files in it (no subdirectories). */
static void remove_dir(const char *dir)
{
    char command[256];
    snprintf(command, sizeof command, "rm -rf '%s'", dir);
    ck_assert_int_eq(system(command), 0);
}

/* A small deterministic generator, so that every run writes the same bytes. */
static uint64_t next_random(uint64_t *state)
{
    *state = *state * 6364136223846793005ull + 1442695040888963407ull;
    return *state >> 33;
}

static void fill_random(unsigned char *buf, size_t length, uint64_t *state)
{
    for (size_t i = 0; i < length; i++)
        buf[i] = (unsigned char)next_random(state);
}

/* Write length random bytes at offset of the file (created if absent). */
static void pwrite_random(const char *path, long long offset, size_t length, uint64_t *state)
{
    unsigned char *buf = malloc(length ? length : 1);
    fill_random(buf, length, state);
    int fd = open(path, O_WRONLY | O_CREAT, 0644);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(pwrite(fd, buf, length, offset), (ssize_t)length);
    close(fd);
    free(buf);
}

static long long file_size(const char *path)
{
    struct stat st;
    ck_assert_int_eq(stat(path, &st), 0);
    return (long long)st.st_size;
}

static void write_text_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
}

/* The whole text of a small file (malloc'd). */
static char *read_text_file(const char *path)
{
    FILE *f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    char *text = calloc(1, 1 << 16);
    size_t n = fread(text, 1, (1 << 16) - 1, f);
    fclose(f);
    text[n] = '\0';
    return text;
}

/* Whether the file's blocksum, computed whole, equals sum. */
static int sum_is_current(const char *path, const hs_blocksum *sum)
{
    hs_blocksum fresh;
    ck_assert_int_eq(hs_blocksum_of_file(path, &fresh), 0);
    int equal = hs_blocksum_equal(&fresh, sum);
    hs_blocksum_free(&fresh);
    return equal;
}

/* ---- blocksum: format and parse ---- */

/* A reflected CRC one bit at a time, as the reference for the eight-byte
 * steps and the instruction. */
static uint32_t crc_bitwise(uint32_t polynomial, const unsigned char *p, size_t n)
{
    uint32_t c = ~0u;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = c & 1 ? polynomial ^ (c >> 1) : c >> 1;
    }
    return ~c;
}

static uint32_t crc_bytewise(const unsigned char *p, size_t n)
{
    return crc_bitwise(0xEDB88320u, p, n);
}

START_TEST(crc32_matches_the_bytewise_definition)
{
    ck_assert_uint_eq(hs_crc32(0, "123456789", 9), 0xCBF43926u); /* the check value */
    unsigned char buf[100];
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = (unsigned char)(i * 37 + 11);
    for (size_t start = 0; start < 8; start++) /* every alignment and tail length */
        for (size_t n = 0; start + n <= sizeof buf; n++)
            ck_assert_uint_eq(hs_crc32(0, buf + start, n), crc_bytewise(buf + start, n));
    uint32_t split = hs_crc32(hs_crc32(0, buf, 13), buf + 13, 87); /* continued */
    ck_assert_uint_eq(split, crc_bytewise(buf, 100));
}
END_TEST

START_TEST(crc32c_check_value_on_every_path)
{
    ck_assert_uint_eq(hs_crc32c(0, "123456789", 9), 0xE3069283u);
    ck_assert_uint_eq(hs_crc32c_portable(0, "123456789", 9), 0xE3069283u);
    ck_assert_uint_eq(hs_crc32c(0, "", 0), 0);
    ck_assert_uint_eq(hs_crc32c(0, NULL, 0), 0);
    printf("crc32c: %s\n", hs_crc32c_uses_hardware() ? "the SSE4.2 instruction" : "tables");
}
END_TEST

/* n random bytes (malloc'd) from a fixed seed. */
static unsigned char *random_bytes(size_t n, uint64_t seed)
{
    unsigned char *bytes = malloc(n ? n : 1);
    fill_random(bytes, n, &seed);
    return bytes;
}

START_TEST(crc32c_tables_and_hardware_agree_at_every_alignment)
{
    unsigned char *bytes = random_bytes(300 + 16, 11);
    for (size_t start = 0; start < 16; start++)
        for (size_t n = 0; n <= 300; n++) {
            uint32_t reference = crc_bitwise(0x82F63B78u, bytes + start, n);
            ck_assert_uint_eq(hs_crc32c_portable(0, bytes + start, n), reference);
            ck_assert_uint_eq(hs_crc32c(0, bytes + start, n), reference);
        }
    free(bytes);
}
END_TEST

START_TEST(crc32c_tables_and_hardware_agree_on_megabytes)
{
    size_t total = 5u << 20;
    unsigned char *bytes = random_bytes(total + 8, 12);
    ck_assert_uint_eq(hs_crc32c(0, bytes, total), hs_crc32c_portable(0, bytes, total));
    ck_assert_uint_eq(hs_crc32c(0, bytes + 3, total), hs_crc32c_portable(0, bytes + 3, total));
    /* around the lengths where three streams of 256 or 8192 bytes start */
    static const size_t edges[] = {767, 768, 769, 775, 776, 1536, 24575, 24576, 24577,
                                   24576 + 768, 49151, 65535, 65536, 65537, 65536 * 3 + 5};
    for (size_t i = 0; i < sizeof edges / sizeof edges[0]; i++)
        for (size_t start = 0; start < 8; start++)
            ck_assert_uint_eq(hs_crc32c(0, bytes + start, edges[i]),
                              hs_crc32c_portable(0, bytes + start, edges[i]));
    uint64_t state = 13;
    for (int trial = 0; trial < 200; trial++) {
        size_t n = (size_t)(next_random(&state) % (300 << 10));
        size_t start = (size_t)(next_random(&state) % (total - n));
        ck_assert_uint_eq(hs_crc32c(0, bytes + start, n), hs_crc32c_portable(0, bytes + start, n));
    }
    free(bytes);
}
END_TEST

START_TEST(crc32c_continues_over_pieces)
{
    size_t total = 200000;
    unsigned char *bytes = random_bytes(total, 14);
    uint32_t whole = hs_crc32c_portable(0, bytes, total);
    ck_assert_uint_eq(hs_crc32c(0, bytes, total), whole);
    static const size_t cuts[] = {0, 1, 7, 8, 13, 300, 768, 24576, 65536, 199999, 200000};
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
        size_t a = cuts[i];
        ck_assert_uint_eq(hs_crc32c(hs_crc32c(0, bytes, a), bytes + a, total - a), whole);
        ck_assert_uint_eq(
            hs_crc32c_portable(hs_crc32c_portable(0, bytes, a), bytes + a, total - a), whole);
        ck_assert_uint_eq(hs_crc32c(hs_crc32c_portable(0, bytes, a), bytes + a, total - a),
                          whole);
    }
    free(bytes);
}
END_TEST

/* Seconds on a monotonic clock. */
static double seconds_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

typedef uint32_t crc_function(uint32_t crc, const void *data, size_t length);

/* GB/s of a CRC over `bytes` cut into 64 KiB blocks (one CRC each, as a
 * blocksum computes them), 8 times over: the median of 5 passes. */
static double block_crc_speed(crc_function *crc, const unsigned char *bytes, size_t total)
{
    double seconds[5];
    volatile uint32_t sink = 0;
    for (int pass = 0; pass < 5; pass++) {
        double t0 = seconds_now();
        for (int again = 0; again < 8; again++)
            for (size_t at = 0; at < total; at += HS_BLOCKSUM_BLOCK)
                sink ^= crc(0, bytes + at, HS_BLOCKSUM_BLOCK);
        seconds[pass] = seconds_now() - t0;
    }
    (void)sink;
    qsort(seconds, 5, sizeof seconds[0], compare_doubles);
    return 8.0 * (double)total / seconds[2] / 1e9;
}

/* Printed, not asserted (the machine may be busy): the speed of the block
 * CRCs, CRC-32 (format 2) against CRC-32C (format 3). */
START_TEST(block_crc_speeds_are_printed)
{
    size_t total = 4u << 20;
    unsigned char *bytes = random_bytes(total, 15);
    printf("64 KiB blocks, median of 5 passes of 8 x 4 MiB: CRC-32 %.2f GB/s, CRC-32C by "
           "tables %.2f GB/s, CRC-32C %.2f GB/s (%s)\n",
           block_crc_speed(hs_crc32, bytes, total),
           block_crc_speed(hs_crc32c_portable, bytes, total),
           block_crc_speed(hs_crc32c, bytes, total),
           hs_crc32c_uses_hardware() ? "the SSE4.2 instruction" : "tables");
    free(bytes);
}
END_TEST

START_TEST(format_and_parse_round_trip)
{
    static const long long sizes[] = {0, 1, BLOCK, BLOCK + 1, 5 * BLOCK / 2};
    char dir[64], path[128];
    temp_dir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/file", dir);
    uint64_t state = 1;
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        unlink(path);
        write_text_file(path, "");
        pwrite_random(path, 0, (size_t)sizes[i], &state);
        hs_blocksum sum, back;
        ck_assert_int_eq(hs_blocksum_of_file(path, &sum), 0);
        ck_assert_int_eq(sum.size, sizes[i]);
        ck_assert_uint_eq(sum.n_blocks, (size_t)((sizes[i] + BLOCK - 1) / BLOCK));
        char *line = hs_blocksum_format(&sum);
        ck_assert_int_eq(hs_blocksum_parse(line, HS_BLOCKSUM_CRC32C, &back), 0);
        ck_assert(hs_blocksum_equal(&sum, &back));
        ck_assert_ptr_null(strchr(line, '\n'));
        free(line);
        hs_blocksum_free(&back);
        hs_blocksum_free(&sum);
    }
    remove_dir(dir);
}
END_TEST

START_TEST(format_is_the_documented_line)
{
    uint32_t crc[2] = {0xdeadbeef, 0x0000000a};
    hs_blocksum sum = {BLOCK + 3, HS_BLOCKSUM_BLOCK, 2, crc, HS_BLOCKSUM_CRC32C};
    char *line = hs_blocksum_format(&sum);
    ck_assert_str_eq(line, "blocks 65536 size 65539 deadbeef0000000a");
    free(line);
    hs_blocksum empty = {0, HS_BLOCKSUM_BLOCK, 0, NULL, HS_BLOCKSUM_CRC32C};
    line = hs_blocksum_format(&empty);
    ck_assert_str_eq(line, "blocks 65536 size 0");
    free(line);
    /* the CRC of a block is hs_crc32c(0, its bytes), or hs_crc32 when asked */
    char dir[64], path[128];
    temp_dir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/file", dir);
    write_text_file(path, "hello");
    ck_assert_int_eq(hs_blocksum_of_file(path, &sum), 0);
    ck_assert_int_eq(sum.algorithm, HS_BLOCKSUM_CRC32C);
    ck_assert_uint_eq(sum.crc[0], hs_crc32c(0, "hello", 5));
    hs_blocksum_free(&sum);
    ck_assert_int_eq(hs_blocksum_of_file_as(path, HS_BLOCKSUM_CRC32, &sum), 0);
    ck_assert_int_eq(sum.algorithm, HS_BLOCKSUM_CRC32);
    ck_assert_uint_eq(sum.crc[0], hs_crc32(0, "hello", 5));
    hs_blocksum_free(&sum);
    remove_dir(dir);
}
END_TEST

START_TEST(malformed_lines_are_rejected)
{
    static const char *bad[] = {
        "",
        "blocks",
        "crc32 deadbeef size 5",
        "blocks 65536 size 5",                          /* no digits */
        "blocks 65536 size 5 ",                         /* empty digits */
        "blocks 65536 size 5 0000000",                  /* 7 digits */
        "blocks 65536 size 5 000000000",                /* 9 digits */
        "blocks 65536 size 5 0000000g",                 /* bad hex */
        "blocks 65536 size 5 -0000001",                 /* a sign */
        "blocks 65536 size 5 00000000 ",                /* after the digits */
        "blocks 65536 size 5 00000000\n",               /* a newline */
        "blocks 65536 size 131073 0000000000000000",   /* 2 of 3 blocks */
        "blocks 65536 size 65536 0000000000000000",   /* 2 of 1 block */
        "blocks 65536 size 0 ",                         /* empty with a space */
        "blocks 65536 size 0 00000000",                 /* empty with a block */
        "blocks 65536 size -1 00000000",                /* negative size */
        "blocks 65536 size +1 00000000",                /* a sign */
        "blocks 65536 size 9223372036854775807 00000000",  /* huge size */
        "blocks 65536 size 9223372036854775808 00000000",  /* past long long */
        "blocks 65536 size 99999999999999999999999999 00000000",
        "blocks 4096 size 5 00000000",                    /* another block size */
        "blocks 0 size 0",
        "blocks 99999999999999999999999 size 5 00000000",
        "blocks 65536  size 5 00000000",                /* two spaces */
        "blocks 65536 size 5  00000000",
        " blocks 65536 size 5 00000000",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        hs_blocksum sum = {0};
        ck_assert_msg(hs_blocksum_parse(bad[i], HS_BLOCKSUM_CRC32C, &sum) == -1,
                      "accepted: \"%s\"", bad[i]);
        ck_assert_ptr_null(sum.crc);
    }
    hs_blocksum ok;
    ck_assert_int_eq(hs_blocksum_parse("blocks 65536 size 5 DEADbeef", HS_BLOCKSUM_CRC32, &ok), 0);
    ck_assert_uint_eq(ok.crc[0], 0xdeadbeef);
    ck_assert_int_eq(ok.algorithm, HS_BLOCKSUM_CRC32);
    hs_blocksum_free(&ok);
    hs_blocksum_free(&ok); /* safe twice */
}
END_TEST

START_TEST(equal_and_copy)
{
    uint32_t crc[2] = {1, 2};
    hs_blocksum a = {BLOCK + 1, HS_BLOCKSUM_BLOCK, 2, crc, HS_BLOCKSUM_CRC32C}, b;
    hs_blocksum_copy(&b, &a);
    ck_assert_ptr_ne(b.crc, a.crc);
    ck_assert(hs_blocksum_equal(&a, &b));
    b.crc[1] = 3;
    ck_assert(!hs_blocksum_equal(&a, &b));
    ck_assert_uint_eq(crc[1], 2); /* a deep copy */
    b.crc[1] = 2;
    b.size = BLOCK + 2;
    ck_assert(!hs_blocksum_equal(&a, &b));
    b.size = BLOCK + 1;
    b.algorithm = HS_BLOCKSUM_CRC32; /* the same digits of another CRC */
    ck_assert(!hs_blocksum_equal(&a, &b));
    hs_blocksum_free(&b);
    hs_blocksum empty = {0, HS_BLOCKSUM_BLOCK, 0, NULL, HS_BLOCKSUM_CRC32C}, copy;
    hs_blocksum_copy(&copy, &empty);
    ck_assert_ptr_null(copy.crc);
    ck_assert(hs_blocksum_equal(&empty, &copy));
    ck_assert(!hs_blocksum_equal(&empty, &a));
    copy.algorithm = HS_BLOCKSUM_CRC32; /* even of an empty file */
    ck_assert(!hs_blocksum_equal(&empty, &copy));
    hs_blocksum_copy(&b, &copy);
    ck_assert_int_eq(b.algorithm, HS_BLOCKSUM_CRC32);
}
END_TEST

/* ---- blocksum: refresh ---- */

/* One random write of up to 300 KiB, anywhere up to 1 MiB past the end;
 * recorded in ranges[*n]. */
static void random_write(const char *path, hs_range *ranges, size_t *n, uint64_t *state)
{
    long long size = file_size(path);
    long long offset = (long long)(next_random(state) % (uint64_t)(size + BLOCK));
    size_t length = (size_t)(next_random(state) % (300 << 10)) + (next_random(state) % 4 == 0);
    pwrite_random(path, offset, length, state);
    ranges[(*n)++] = (hs_range){(unsigned long long)offset, length};
}

/* Truncate to a random size up to 6 MiB; if record, the bytes between the
 * old and the new end are recorded as a range (as dirtyvfd does). */
static void random_truncate(const char *path, hs_range *ranges, size_t *n, int record,
                            uint64_t *state)
{
    long long old_size = file_size(path);
    long long new_size = (long long)(next_random(state) % (uint64_t)(6 * BLOCK));
    ck_assert_int_eq(truncate(path, new_size), 0);
    if (record && new_size != old_size)
        ranges[(*n)++] = (hs_range){(unsigned long long)(new_size < old_size ? new_size : old_size),
                                    (unsigned long long)llabs(new_size - old_size)};
}

START_TEST(refresh_equals_a_full_checksum_after_random_writes)
{
    char dir[64], path[128];
    temp_dir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/file", dir);
    uint64_t state = 20261207;
    pwrite_random(path, 0, (size_t)(3 * BLOCK), &state);
    hs_blocksum sum;
    ck_assert_int_eq(hs_blocksum_of_file(path, &sum), 0);
    for (int trial = 0; trial < 300; trial++) {
        hs_range ranges[16];
        size_t n = 0;
        int writes = (int)(next_random(&state) % 5);
        for (int w = 0; w < writes; w++) {
            if (next_random(&state) % 6 == 0)
                random_truncate(path, ranges, &n, 1, &state); /* recorded: mid-way */
            random_write(path, ranges, &n, &state);
        }
        if (next_random(&state) % 4 == 0)
            random_truncate(path, ranges, &n, 0, &state); /* the last size change */
        ck_assert_int_eq(hs_blocksum_refresh(path, &sum, ranges, n), 0);
        ck_assert_msg(sum_is_current(path, &sum), "trial %d", trial);
    }
    hs_blocksum_free(&sum);
    remove_dir(dir);
}
END_TEST

START_TEST(refresh_keeps_the_algorithm)
{
    char dir[64], path[128];
    temp_dir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/file", dir);
    uint64_t state = 8;
    pwrite_random(path, 0, (size_t)(3 * BLOCK), &state);
    hs_blocksum crc32, crc32c, fresh;
    ck_assert_int_eq(hs_blocksum_of_file_as(path, HS_BLOCKSUM_CRC32, &crc32), 0);
    ck_assert_int_eq(hs_blocksum_of_file(path, &crc32c), 0);
    ck_assert(!hs_blocksum_equal(&crc32, &crc32c));
    pwrite_random(path, BLOCK + 5, 10, &state);
    pwrite_random(path, 3 * BLOCK, 10, &state);
    hs_range written[2] = {{BLOCK + 5, 10}, {3 * BLOCK, 10}};
    ck_assert_int_eq(hs_blocksum_refresh(path, &crc32, written, 2), 0);
    ck_assert_int_eq(hs_blocksum_refresh(path, &crc32c, written, 2), 0);
    ck_assert_int_eq(crc32.algorithm, HS_BLOCKSUM_CRC32);
    ck_assert_int_eq(crc32c.algorithm, HS_BLOCKSUM_CRC32C);
    ck_assert(sum_is_current(path, &crc32c));
    ck_assert_int_eq(hs_blocksum_of_file_as(path, HS_BLOCKSUM_CRC32, &fresh), 0);
    ck_assert(hs_blocksum_equal(&fresh, &crc32));
    hs_blocksum_free(&fresh);
    hs_blocksum_free(&crc32);
    hs_blocksum_free(&crc32c);
    remove_dir(dir);
}
END_TEST

START_TEST(refresh_reads_only_the_touched_blocks)
{
    char dir[64], path[128];
    temp_dir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/file", dir);
    uint64_t state = 7;
    pwrite_random(path, 0, (size_t)(4 * BLOCK), &state);
    hs_blocksum sum;
    ck_assert_int_eq(hs_blocksum_of_file(path, &sum), 0);
    uint32_t before[4];
    memcpy(before, sum.crc, sizeof before);
    /* block 0 changes unrecorded: a refresh that re-read it would see it */
    pwrite_random(path, 10, 1, &state);
    pwrite_random(path, 2 * BLOCK + 5, 100, &state);
    hs_range written = {2 * BLOCK + 5, 100};
    ck_assert_int_eq(hs_blocksum_refresh(path, &sum, &written, 1), 0);
    ck_assert_uint_eq(sum.crc[0], before[0]);
    ck_assert_uint_eq(sum.crc[1], before[1]);
    ck_assert_uint_ne(sum.crc[2], before[2]);
    ck_assert_uint_eq(sum.crc[3], before[3]);
    /* growing re-reads the old last block only if it was short, and the new ones */
    pwrite_random(path, 4 * BLOCK, 10, &state);
    ck_assert_int_eq(hs_blocksum_refresh(path, &sum, NULL, 0), 0);
    ck_assert_uint_eq(sum.n_blocks, 5);
    ck_assert_uint_eq(sum.crc[3], before[3]);
    /* ranges past the end, of length 0, or reaching past 2^64 are harmless */
    hs_range odd[3] = {{100 * BLOCK, 5}, {0, 0}, {3 * BLOCK, ~0ull}};
    ck_assert_int_eq(hs_blocksum_refresh(path, &sum, odd, 3), 0);
    ck_assert_uint_eq(sum.crc[0], before[0]);
    ck_assert_uint_eq(sum.crc[3], before[3]); /* re-read: unchanged bytes */
    hs_blocksum_free(&sum);
    remove_dir(dir);
}
END_TEST

START_TEST(unreadable_files_fail_with_errno_and_leave_the_sum)
{
    char dir[64], path[128], absent[128];
    temp_dir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/file", dir);
    snprintf(absent, sizeof absent, "%s/absent", dir);
    hs_blocksum sum;
    errno = 0;
    ck_assert_int_eq(hs_blocksum_of_file(absent, &sum), -1);
    ck_assert_int_eq(errno, ENOENT);
    ck_assert_ptr_null(sum.crc);
    hs_blocksum_free(&sum);
    write_text_file(path, "some bytes");
    ck_assert_int_eq(hs_blocksum_of_file(path, &sum), 0);
    uint32_t crc = sum.crc[0];
    hs_range all = {0, 10};
    errno = 0;
    ck_assert_int_eq(hs_blocksum_refresh(absent, &sum, &all, 1), -1);
    ck_assert_int_eq(errno, ENOENT);
    ck_assert_uint_eq(sum.crc[0], crc);
    ck_assert_int_eq(sum.size, 10);
    /* a directory opens but cannot be read */
    errno = 0;
    hs_blocksum other;
    ck_assert_int_eq(hs_blocksum_of_file(dir, &other), -1);
    ck_assert_int_eq(errno, EISDIR);
    ck_assert_int_eq(hs_blocksum_refresh(dir, &sum, &all, 1), -1);
    ck_assert_int_eq(errno, EISDIR);
    ck_assert_int_eq(sum.size, 10);
    ck_assert_uint_eq(sum.crc[0], crc);
    hs_blocksum bad = {10, 0, 1, &crc, HS_BLOCKSUM_CRC32C};
    ck_assert_int_eq(hs_blocksum_refresh(path, &bad, &all, 1), -1);
    ck_assert_int_eq(errno, EINVAL);
    hs_blocksum_free(&sum);
    remove_dir(dir);
}
END_TEST

/* ---- dirtyvfd ---- */

START_TEST(log_merge_sorts_and_joins)
{
    hs_dirty_log log = {0};
    hs_range input[] = {{50, 10}, {0, 10}, {10, 5}, {100, 1}, {52, 3}, {58, 10}, {200, 0}};
    log.ranges = malloc(sizeof input);
    memcpy(log.ranges, input, sizeof input);
    log.n = log.capacity = sizeof input / sizeof input[0];
    hs_dirty_log_merge(&log);
    hs_range expected[] = {{0, 15}, {50, 18}, {100, 1}, {200, 0}};
    ck_assert_uint_eq(log.n, 4);
    for (size_t i = 0; i < 4; i++) {
        ck_assert_uint_eq(log.ranges[i].offset, expected[i].offset);
        ck_assert_uint_eq(log.ranges[i].length, expected[i].length);
    }
    hs_dirty_log_free(&log);
    ck_assert_uint_eq(log.n, 0);
    hs_dirty_log_free(&log);
    hs_dirty_log_merge(&log); /* empty: nothing to do */
}
END_TEST

#define CONTIGUOUS_VALUES (3 * 131072) /* 3 MiB of doubles */
#define CHUNKED_VALUES (2 * 131072)
#define CHUNK_VALUES 16384

/* A 1-D dataset of doubles i + offset; contiguous and allocated early, or
 * chunked. Object times off, so that two files of the same calls are equal. */
static void make_dataset(hid_t file, const char *name, hsize_t count, int chunked, double offset)
{
    hid_t space = H5Screate_simple(1, &count, NULL);
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_obj_track_times(dcpl, 0);
    if (chunked) {
        hsize_t chunk = CHUNK_VALUES;
        H5Pset_chunk(dcpl, 1, &chunk);
    } else {
        H5Pset_alloc_time(dcpl, H5D_ALLOC_TIME_EARLY);
    }
    hid_t ds = H5Dcreate2(file, name, H5T_IEEE_F64LE, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    ck_assert_int_ge(ds, 0);
    double *values = malloc(count * sizeof *values);
    for (hsize_t i = 0; i < count; i++)
        values[i] = (double)i + offset;
    ck_assert_int_ge(H5Dwrite(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values), 0);
    free(values);
    H5Dclose(ds);
    H5Pclose(dcpl);
    H5Sclose(space);
}

/* A file of the two datasets, written through fapl. */
static void create_two_datasets(const char *path, hid_t fapl)
{
    hid_t fcpl = H5Pcreate(H5P_FILE_CREATE);
    hid_t file = H5Fcreate(path, H5F_ACC_TRUNC, fcpl, fapl);
    ck_assert_int_ge(file, 0);
    make_dataset(file, "contiguous", CONTIGUOUS_VALUES, 0, 0.0);
    make_dataset(file, "chunked", CHUNKED_VALUES, 1, 0.5);
    ck_assert_int_ge(H5Fclose(file), 0);
    H5Pclose(fcpl);
}

/* Overwrite 1000 values of /contiguous at `start` with -1, and add an
 * attribute to /chunked. */
static void update_in_place(const char *path, hid_t fapl, hsize_t start)
{
    hid_t file = H5Fopen(path, H5F_ACC_RDWR, fapl);
    ck_assert_int_ge(file, 0);
    hid_t ds = H5Dopen2(file, "contiguous", H5P_DEFAULT);
    hid_t space = H5Dget_space(ds);
    hsize_t count = 1000;
    H5Sselect_hyperslab(space, H5S_SELECT_SET, &start, NULL, &count, NULL);
    hid_t memory = H5Screate_simple(1, &count, NULL);
    double values[1000];
    for (int i = 0; i < 1000; i++)
        values[i] = -1.0;
    ck_assert_int_ge(H5Dwrite(ds, H5T_NATIVE_DOUBLE, memory, space, H5P_DEFAULT, values), 0);
    H5Sclose(memory);
    H5Sclose(space);
    H5Dclose(ds);
    hid_t chunked = H5Dopen2(file, "chunked", H5P_DEFAULT);
    hid_t scalar = H5Screate(H5S_SCALAR);
    hid_t attr = H5Acreate2(chunked, "checkpoint", H5T_STD_I64LE, scalar, H5P_DEFAULT,
                            H5P_DEFAULT);
    long long stamp = 42;
    ck_assert_int_ge(H5Awrite(attr, H5T_NATIVE_LLONG, &stamp), 0);
    H5Aclose(attr);
    H5Sclose(scalar);
    H5Dclose(chunked);
    ck_assert_int_ge(H5Fclose(file), 0);
}

/* Read value i of /contiguous with the default driver. */
static double read_plainly(const char *path, hsize_t i)
{
    hid_t file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    ck_assert_int_ge(file, 0);
    hid_t ds = H5Dopen2(file, "contiguous", H5P_DEFAULT);
    hid_t space = H5Dget_space(ds);
    hsize_t one = 1;
    H5Sselect_hyperslab(space, H5S_SELECT_SET, &i, NULL, &one, NULL);
    hid_t memory = H5Screate_simple(1, &one, NULL);
    double value = 0;
    ck_assert_int_ge(H5Dread(ds, H5T_NATIVE_DOUBLE, memory, space, H5P_DEFAULT, &value), 0);
    ck_assert_int_gt(H5Aexists_by_name(file, "chunked", "checkpoint", H5P_DEFAULT), 0);
    H5Sclose(memory);
    H5Sclose(space);
    H5Dclose(ds);
    H5Fclose(file);
    return value;
}

static unsigned long long logged_bytes(const hs_dirty_log *log)
{
    unsigned long long total = 0;
    for (size_t i = 0; i < log->n; i++)
        total += log->ranges[i].length;
    return total;
}

START_TEST(dirty_log_refreshes_the_sum_of_an_update_in_place)
{
    char dir[64], path[128];
    temp_dir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/cube.h5", dir);
    hs_dirty_log created = {0}, updated = {0};
    hid_t fapl = hs_dirty_fapl(&created);
    ck_assert_int_ge(fapl, 0);
    create_two_datasets(path, fapl);
    H5Pclose(fapl);
    ck_assert_uint_gt(created.n, 0);
    hs_blocksum sum;
    ck_assert_int_eq(hs_blocksum_of_file(path, &sum), 0);
    ck_assert_uint_ge(sum.n_blocks, 5);

    fapl = hs_dirty_fapl(&updated);
    update_in_place(path, fapl, 200000);
    H5Pclose(fapl);
    hs_dirty_log_merge(&updated);
    ck_assert_uint_gt(updated.n, 0);
    /* not the 5 MiB file: the superblock, the attribute's object header, and the
     * 8000 bytes written through HDF5's 64 KiB sieve buffer */
    ck_assert_uint_lt(logged_bytes(&updated), 128 << 10);
    ck_assert_int_eq(hs_blocksum_refresh(path, &sum, updated.ranges, updated.n), 0);
    ck_assert(sum_is_current(path, &sum));
    ck_assert(read_plainly(path, 200000) == -1.0);
    ck_assert(read_plainly(path, 199999) == 199999.0);
    hs_blocksum_free(&sum);
    hs_dirty_log_free(&created);
    hs_dirty_log_free(&updated);
    remove_dir(dir);
}
END_TEST

START_TEST(dirty_log_records_a_truncation)
{
    char dir[64], path[128];
    temp_dir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/cube.h5", dir);
    hs_dirty_log created = {0}, shrunk = {0};
    hid_t fapl = hs_dirty_fapl(&created);
    create_two_datasets(path, fapl);
    H5Pclose(fapl);
    long long before = file_size(path);
    hs_blocksum sum;
    ck_assert_int_eq(hs_blocksum_of_file(path, &sum), 0);
    /* the chunked dataset was allocated last: deleting it shrinks the file */
    fapl = hs_dirty_fapl(&shrunk);
    hid_t file = H5Fopen(path, H5F_ACC_RDWR, fapl);
    ck_assert_int_ge(H5Ldelete(file, "chunked", H5P_DEFAULT), 0);
    ck_assert_int_ge(H5Fclose(file), 0);
    H5Pclose(fapl);
    long long after = file_size(path);
    ck_assert_int_lt(after, before);
    hs_dirty_log_merge(&shrunk);
    int logged = 0;
    for (size_t i = 0; i < shrunk.n; i++)
        logged |= shrunk.ranges[i].offset <= (unsigned long long)after &&
                  shrunk.ranges[i].offset + shrunk.ranges[i].length >= (unsigned long long)before;
    ck_assert_msg(logged, "the truncation from %lld to %lld bytes is not in the log", before,
                  after);
    ck_assert_int_eq(hs_blocksum_refresh(path, &sum, shrunk.ranges, shrunk.n), 0);
    ck_assert(sum_is_current(path, &sum));
    hs_blocksum_free(&sum);
    hs_dirty_log_free(&created);
    hs_dirty_log_free(&shrunk);
    remove_dir(dir);
}
END_TEST

/* The whole contents of a file (malloc'd), its size into *size. */
static unsigned char *read_bytes(const char *path, long long *size)
{
    *size = file_size(path);
    unsigned char *bytes = malloc((size_t)*size + 1);
    int fd = open(path, O_RDONLY);
    ck_assert_int_eq(read(fd, bytes, (size_t)*size), (ssize_t)*size);
    close(fd);
    return bytes;
}

START_TEST(dirty_driver_writes_what_sec2_writes)
{
    char dir[64], plain[128], dirty[128];
    temp_dir(dir, sizeof dir);
    snprintf(plain, sizeof plain, "%s/plain.h5", dir);
    snprintf(dirty, sizeof dirty, "%s/dirty.h5", dir);
    hs_dirty_log log = {0};
    hid_t sec2 = H5Pcreate(H5P_FILE_ACCESS);
    H5Pset_fapl_sec2(sec2);
    hid_t fapl = hs_dirty_fapl(&log);
    create_two_datasets(plain, sec2);
    create_two_datasets(dirty, fapl);
    update_in_place(plain, sec2, 5);
    update_in_place(dirty, fapl, 5);
    H5Pclose(fapl);
    H5Pclose(sec2);
    long long plain_size, dirty_size;
    unsigned char *a = read_bytes(plain, &plain_size), *b = read_bytes(dirty, &dirty_size);
    ck_assert_int_eq(plain_size, dirty_size);
    ck_assert_int_eq(memcmp(a, b, (size_t)plain_size), 0);
    free(a);
    free(b);
    hs_dirty_log_free(&log);
    remove_dir(dir);
}
END_TEST

START_TEST(dirty_fapl_refusals)
{
    char dir[64], path[128];
    temp_dir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/absent.h5", dir);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    ck_assert_int_lt(hs_dirty_fapl(NULL), 0);
    hs_dirty_log log = {0};
    hid_t fapl = hs_dirty_fapl(&log);
    ck_assert_int_lt(H5Fopen(path, H5F_ACC_RDONLY, fapl), 0); /* the inner open fails */
    /* the driver without its log (driver info) refuses to open */
    hid_t bare = H5Pcreate(H5P_FILE_ACCESS);
    H5Pset_driver(bare, H5Pget_driver(fapl), NULL);
    ck_assert_int_lt(H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, bare), 0);
    ck_assert_uint_eq(log.n, 0);
    H5Pclose(bare);
    /* the property list can be copied and the file's access list read back */
    hid_t copy = H5Pcopy(fapl);
    hid_t file = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, copy);
    ck_assert_int_ge(file, 0);
    hid_t access = H5Fget_access_plist(file);
    ck_assert_int_eq(H5Pget_driver(access), H5Pget_driver(fapl));
    H5Pclose(access);
    H5Fclose(file);
    ck_assert_uint_gt(log.n, 0);
    H5Pclose(copy);
    H5Pclose(fapl);
    hs_dirty_log_free(&log);
    remove_dir(dir);
}
END_TEST

/* ---- the .sum file ---- */

/* Paths of one test's cube, its .sum and a second file. */
typedef struct {
    char dir[64], cube[128], sum[128], next[128];
} sum_paths;

static void make_paths(sum_paths *p)
{
    temp_dir(p->dir, sizeof p->dir);
    snprintf(p->cube, sizeof p->cube, "%s/cube.h5", p->dir);
    snprintf(p->sum, sizeof p->sum, "%s/cube.h5.sum", p->dir);
    snprintf(p->next, sizeof p->next, "%s/cube.h5.shadow", p->dir);
}

/* Flip one bit of the byte at offset. */
static void flip_byte(const char *path, long long offset)
{
    int fd = open(path, O_RDWR);
    unsigned char c;
    ck_assert_int_eq(pread(fd, &c, 1, offset), 1);
    c ^= 1;
    ck_assert_int_eq(pwrite(fd, &c, 1, offset), 1);
    close(fd);
}

/* Lines of a text (newlines counted). */
static int count_lines(const char *text)
{
    int lines = 0;
    for (; *text; text++)
        lines += *text == '\n';
    return lines;
}

START_TEST(written_sum_matches_and_a_flipped_byte_does_not)
{
    sum_paths p;
    make_paths(&p);
    uint64_t state = 3;
    pwrite_random(p.cube, 0, (size_t)(2 * BLOCK + 17), &state);
    hs_error err;
    hs_error_clear(&err);
    ck_assert_int_eq(hs_cube_sum_state(p.cube), HS_SUM_NONE);
    ck_assert_int_eq(hs_cube_write_sum(p.cube, &err), HS_OK);
    char *text = read_text_file(p.sum);
    ck_assert_int_eq(strncmp(text, "hetsweep-sum 3\nblocks 65536 size 131089 ", 40), 0);
    ck_assert_int_eq(count_lines(text), 2);
    free(text);
    ck_assert_int_eq(hs_cube_sum_state(p.cube), HS_SUM_MATCH);
    flip_byte(p.cube, BLOCK + 3);
    ck_assert_int_eq(hs_cube_sum_state(p.cube), HS_SUM_MISMATCH);
    flip_byte(p.cube, BLOCK + 3);
    ck_assert_int_eq(hs_cube_sum_state(p.cube), HS_SUM_MATCH);
    ck_assert_int_eq(truncate(p.cube, 2 * BLOCK), 0);
    ck_assert_int_eq(hs_cube_sum_state(p.cube), HS_SUM_MISMATCH);
    hs_blocksum read_back;
    ck_assert_int_eq(hs_cube_sum_read(p.cube, &read_back, &err), HS_OK);
    ck_assert_int_eq(read_back.size, 2 * BLOCK + 17);
    hs_blocksum_free(&read_back);
    unlink(p.cube);
    ck_assert_int_eq(hs_cube_sum_state(p.cube), HS_SUM_MISMATCH); /* no cube, a .sum */
    remove_dir(p.dir);
}
END_TEST

/* Write an old-format .sum ("hetsweep-sum\n", then "crc32 <hex> size <n>")
 * for the file at path, the whole-file CRC computed here. */
static void write_old_sum(const char *sum_path, const char *path, const char *extra_line)
{
    long long size;
    unsigned char *bytes = read_bytes(path, &size);
    FILE *f = fopen(sum_path, "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f, "hetsweep-sum\n");
    if (extra_line)
        fprintf(f, "%s\n", extra_line);
    fprintf(f, "crc32 %08x size %lld\n", hs_crc32(0, bytes, (size_t)size), size);
    fclose(f);
    free(bytes);
}

START_TEST(old_format_sum_is_still_accepted)
{
    sum_paths p;
    make_paths(&p);
    uint64_t state = 4;
    pwrite_random(p.cube, 0, (size_t)(BLOCK + 100), &state);
    write_old_sum(p.sum, p.cube, "crc32 00000000 size 5");
    ck_assert_int_eq(hs_cube_sum_state(p.cube), HS_SUM_MATCH);
    hs_error err;
    hs_error_clear(&err);
    hs_blocksum sum;
    ck_assert_int_eq(hs_cube_sum_read(p.cube, &sum, &err), HS_ERR_RUNTIME);
    ck_assert_ptr_nonnull(strstr(err.msg, "older format"));
    flip_byte(p.cube, 5);
    ck_assert_int_eq(hs_cube_sum_state(p.cube), HS_SUM_MISMATCH);
    flip_byte(p.cube, 5);
    /* a swap from an old-format .sum keeps the current cube accepted */
    pwrite_random(p.next, 0, 1000, &state);
    hs_blocksum next;
    ck_assert_int_eq(hs_blocksum_of_file(p.next, &next), 0);
    ck_assert_int_eq(hs_cube_sum_before_swap(p.cube, &next, NULL, &err), HS_OK);
    ck_assert_int_eq(hs_cube_sum_state(p.cube), HS_SUM_MATCH);
    ck_assert_int_eq(rename(p.next, p.cube), 0);
    ck_assert_int_eq(hs_cube_sum_state(p.cube), HS_SUM_MATCH);
    hs_blocksum_free(&next);
    remove_dir(p.dir);
}
END_TEST

/* Swap the two files (as a checkpoint swaps the shadow with the cube). */
static void swap_files(const char *a, const char *b)
{
    ck_assert_int_eq(renameat2(AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE), 0);
}

/* The format-2 .sum that the previous release (hs_cube_write_sum of commit
 * 85f66f1) wrote for the 2 * BLOCK + 17 bytes that pwrite_random writes from
 * state 6: the CRC-32 of each block (zlib.crc32 agrees). */
#define FORMAT_2_SEED 6
#define FORMAT_2_LINE "blocks 65536 size 131089 fc00eba77edaa8e880e2a2b2"
#define FORMAT_2_SUM "hetsweep-sum 2\n" FORMAT_2_LINE "\n"

/* The cube of FORMAT_2_SUM and that .sum, as the previous release left them. */
static void write_format_2_cube(const sum_paths *p)
{
    uint64_t state = FORMAT_2_SEED;
    pwrite_random(p->cube, 0, (size_t)(2 * BLOCK + 17), &state);
    write_text_file(p->sum, FORMAT_2_SUM);
}

START_TEST(format_2_sum_of_the_previous_release_still_verifies)
{
    sum_paths p;
    make_paths(&p);
    write_format_2_cube(&p);
    ck_assert_int_eq(hs_cube_sum_state(p.cube), HS_SUM_MATCH);
    flip_byte(p.cube, 2 * BLOCK + 3);
    ck_assert_int_eq(hs_cube_sum_state(p.cube), HS_SUM_MISMATCH);
    flip_byte(p.cube, 2 * BLOCK + 3);
    ck_assert_int_eq(hs_cube_sum_state(p.cube), HS_SUM_MATCH);
    /* no CRC-32C blocksum to refresh from */
    hs_error err;
    hs_error_clear(&err);
    hs_blocksum sum;
    ck_assert_int_eq(hs_cube_sum_read(p.cube, &sum, &err), HS_ERR_RUNTIME);
    ck_assert_ptr_nonnull(strstr(err.msg, "older format"));
    /* the CRC-32 digits under the format-3 header do not match: */
    write_text_file(p.sum, "hetsweep-sum 3\n" FORMAT_2_LINE "\n");
    ck_assert_int_eq(hs_cube_sum_state(p.cube), HS_SUM_MISMATCH);
    /* nor do the CRC-32C digits under the format-2 header */
    ck_assert_int_eq(hs_cube_write_sum(p.cube, &err), HS_OK);
    ck_assert_int_eq(hs_cube_sum_state(p.cube), HS_SUM_MATCH);
    char *text = read_text_file(p.sum);
    ck_assert_int_eq(strncmp(text, "hetsweep-sum 3\n", 15), 0);
    text[13] = '2';
    write_text_file(p.sum, text);
    free(text);
    ck_assert_int_eq(hs_cube_sum_state(p.cube), HS_SUM_MISMATCH);
    remove_dir(p.dir);
}
END_TEST

START_TEST(a_swap_from_a_format_2_sum_writes_format_3)
{
    sum_paths p;
    make_paths(&p);
    write_format_2_cube(&p);
    uint64_t state = 9;
    pwrite_random(p.next, 0, 1000, &state);
    hs_blocksum next;
    ck_assert_int_eq(hs_blocksum_of_file(p.next, &next), 0);
    hs_error err;
    hs_error_clear(&err);
    ck_assert_int_eq(hs_cube_sum_before_swap(p.cube, &next, NULL, &err), HS_OK);
    char *text = read_text_file(p.sum);
    ck_assert_int_eq(strncmp(text, "hetsweep-sum 3\nblocks 65536 size 1000 ", 38), 0);
    ck_assert_int_eq(count_lines(text), 3); /* the old cube, now by its CRC-32C */
    ck_assert_ptr_nonnull(strstr(text, "\nblocks 65536 size 131089 "));
    ck_assert_ptr_null(strstr(text, FORMAT_2_LINE));
    free(text);
    ck_assert_int_eq(hs_cube_sum_state(p.cube), HS_SUM_MATCH);
    swap_files(p.next, p.cube);
    ck_assert_int_eq(hs_cube_sum_state(p.cube), HS_SUM_MATCH);
    ck_assert_int_eq(hs_cube_sum_keep(p.cube, &next, &err), HS_OK);
    text = read_text_file(p.sum);
    ck_assert_int_eq(count_lines(text), 2);
    free(text);
    hs_blocksum_free(&next);
    ck_assert_int_eq(hs_cube_sum_read(p.cube, &next, &err), HS_OK);
    ck_assert(sum_is_current(p.cube, &next));
    hs_blocksum_free(&next);
    swap_files(p.next, p.cube); /* the old cube back: no longer accepted */
    ck_assert_int_eq(hs_cube_sum_state(p.cube), HS_SUM_MISMATCH);
    /* a format-2 .sum the cube does not match vouches for nothing */
    write_text_file(p.sum, FORMAT_2_SUM);
    flip_byte(p.cube, 7);
    ck_assert_int_eq(hs_blocksum_of_file(p.next, &next), 0);
    ck_assert_int_eq(hs_cube_sum_before_swap(p.cube, &next, NULL, &err), HS_OK);
    text = read_text_file(p.sum);
    ck_assert_int_eq(count_lines(text), 2);
    free(text);
    ck_assert_int_eq(hs_cube_sum_state(p.cube), HS_SUM_MISMATCH);
    hs_blocksum_free(&next);
    remove_dir(p.dir);
}
END_TEST

START_TEST(before_swap_accepts_both_and_keep_leaves_only_the_new)
{
    sum_paths p;
    make_paths(&p);
    uint64_t state = 5;
    pwrite_random(p.cube, 0, (size_t)(3 * BLOCK), &state);
    hs_error err;
    hs_error_clear(&err);
    ck_assert_int_eq(hs_cube_write_sum(p.cube, &err), HS_OK);
    /* the shadow: a copy of the cube, then a few in-place writes */
    hs_blocksum next;
    ck_assert_int_eq(hs_cube_sum_read(p.cube, &next, &err), HS_OK);
    char command[512];
    snprintf(command, sizeof command, "cp '%s' '%s'", p.cube, p.next);
    ck_assert_int_eq(system(command), 0);
    pwrite_random(p.next, BLOCK + 9, 50, &state);
    pwrite_random(p.next, 3 * BLOCK, 20, &state);
    hs_range written[2] = {{BLOCK + 9, 50}, {3 * BLOCK, 20}};
    ck_assert_int_eq(hs_blocksum_refresh(p.next, &next, written, 2), 0);
    ck_assert_int_eq(hs_cube_sum_before_swap(p.cube, &next, NULL, &err), HS_OK);
    char *text = read_text_file(p.sum);
    ck_assert_int_eq(count_lines(text), 3);
    ck_assert_ptr_nonnull(strstr(text, "size 196628 ")); /* next first */
    ck_assert(strstr(text, "size 196628 ") < strstr(text, "size 196608 "));
    free(text);
    ck_assert_int_eq(hs_cube_sum_state(p.cube), HS_SUM_MATCH); /* before the swap */
    swap_files(p.next, p.cube);
    ck_assert_int_eq(hs_cube_sum_state(p.cube), HS_SUM_MATCH); /* after it */
    ck_assert_int_eq(hs_cube_sum_keep(p.cube, &next, &err), HS_OK);
    text = read_text_file(p.sum);
    ck_assert_int_eq(count_lines(text), 2);
    free(text);
    ck_assert_int_eq(hs_cube_sum_state(p.cube), HS_SUM_MATCH);
    swap_files(p.next, p.cube); /* the old cube back: no longer accepted */
    ck_assert_int_eq(hs_cube_sum_state(p.cube), HS_SUM_MISMATCH);
    hs_blocksum_free(&next);
    remove_dir(p.dir);
}
END_TEST

START_TEST(unusable_sum_files)
{
    sum_paths p;
    make_paths(&p);
    hs_error err;
    hs_error_clear(&err);
    write_text_file(p.cube, "cube");
    hs_blocksum sum;
    ck_assert_int_eq(hs_cube_sum_read(p.cube, &sum, &err), HS_ERR_RUNTIME); /* absent */
    ck_assert_ptr_nonnull(strstr(err.msg, "no checkpoint checksum"));
    static const char *texts[] = {
        "", "hetsweep-sum 4\nblocks 65536 size 4 00000000\n", "hetsweep-sum 3\n",
        "hetsweep-sum 2\n", "hetsweep-sum 3\nblocks 65536 size 4 0000000z\n",
        "hetsweep-sum 2\nblocks 65536 size 4 0000000z\n", "hetsweep-sum 2\ncrc32 0 size 4\n",
        "hetsweep-sum\nblocks 65536 size 4 00000000\n"};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        write_text_file(p.sum, texts[i]);
        ck_assert_int_eq(hs_cube_sum_state(p.cube), HS_SUM_MISMATCH);
        ck_assert_int_eq(hs_cube_sum_read(p.cube, &sum, &err), HS_ERR_RUNTIME);
    }
    /* a malformed second line does not hide a matching first one */
    ck_assert_int_eq(hs_cube_write_sum(p.cube, &err), HS_OK);
    char *text = read_text_file(p.sum);
    FILE *f = fopen(p.sum, "w");
    fprintf(f, "hetsweep-sum 3\nblocks 65536 size 4 zz\n%s", text + strlen("hetsweep-sum 3\n"));
    fclose(f);
    free(text);
    ck_assert_int_eq(hs_cube_sum_state(p.cube), HS_SUM_MATCH);
    remove_dir(p.dir);
}
END_TEST

START_TEST(sum_write_failures_are_reported)
{
    sum_paths p;
    make_paths(&p);
    hs_error err;
    hs_error_clear(&err);
    char absent[128], tmp[160];
    snprintf(absent, sizeof absent, "%s/absent.h5", p.dir);
    ck_assert_int_eq(hs_cube_write_sum(absent, &err), HS_ERR_RUNTIME);
    ck_assert_ptr_nonnull(strstr(err.msg, "absent.h5"));
    write_text_file(p.cube, "cube");
    /* the .sum cannot be written: its temporary name is taken by a directory */
    snprintf(tmp, sizeof tmp, "%s.tmp", p.sum);
    ck_assert_int_eq(mkdir(tmp, 0755), 0);
    ck_assert_int_eq(hs_cube_write_sum(p.cube, &err), HS_ERR_RUNTIME);
    ck_assert_ptr_nonnull(strstr(err.msg, "cannot write"));
    hs_blocksum next;
    ck_assert_int_eq(hs_blocksum_of_file(p.cube, &next), 0);
    ck_assert_int_eq(hs_cube_sum_before_swap(p.cube, &next, NULL, &err), HS_ERR_RUNTIME);
    ck_assert_int_eq(hs_cube_sum_keep(p.cube, &next, &err), HS_ERR_RUNTIME);
    hs_blocksum_free(&next);
    ck_assert_int_eq(access(p.sum, F_OK), -1);
    rmdir(tmp);
    remove_dir(p.dir);
}
END_TEST

static Suite *blocksum_suite(void)
{
    Suite *s = suite_create("blocksum");
    TCase *text = tcase_create("text");
    tcase_add_test(text, crc32_matches_the_bytewise_definition);
    tcase_add_test(text, crc32c_check_value_on_every_path);
    tcase_add_test(text, crc32c_tables_and_hardware_agree_at_every_alignment);
    tcase_add_test(text, crc32c_tables_and_hardware_agree_on_megabytes);
    tcase_add_test(text, crc32c_continues_over_pieces);
    tcase_add_test(text, block_crc_speeds_are_printed);
    tcase_add_test(text, format_and_parse_round_trip);
    tcase_add_test(text, format_is_the_documented_line);
    tcase_add_test(text, malformed_lines_are_rejected);
    tcase_add_test(text, equal_and_copy);
    suite_add_tcase(s, text);
    TCase *refresh = tcase_create("refresh");
    tcase_set_timeout(refresh, 120);
    tcase_add_test(refresh, refresh_equals_a_full_checksum_after_random_writes);
    tcase_add_test(refresh, refresh_keeps_the_algorithm);
    tcase_add_test(refresh, refresh_reads_only_the_touched_blocks);
    tcase_add_test(refresh, unreadable_files_fail_with_errno_and_leave_the_sum);
    suite_add_tcase(s, refresh);
    TCase *vfd = tcase_create("dirtyvfd");
    tcase_set_timeout(vfd, 60);
    tcase_add_test(vfd, log_merge_sorts_and_joins);
    tcase_add_test(vfd, dirty_log_refreshes_the_sum_of_an_update_in_place);
    tcase_add_test(vfd, dirty_log_records_a_truncation);
    tcase_add_test(vfd, dirty_driver_writes_what_sec2_writes);
    tcase_add_test(vfd, dirty_fapl_refusals);
    suite_add_tcase(s, vfd);
    TCase *sum = tcase_create("sum");
    tcase_add_test(sum, written_sum_matches_and_a_flipped_byte_does_not);
    tcase_add_test(sum, old_format_sum_is_still_accepted);
    tcase_add_test(sum, format_2_sum_of_the_previous_release_still_verifies);
    tcase_add_test(sum, a_swap_from_a_format_2_sum_writes_format_3);
    tcase_add_test(sum, before_swap_accepts_both_and_keep_leaves_only_the_new);
    tcase_add_test(sum, unusable_sum_files);
    tcase_add_test(sum, sum_write_failures_are_reported);
    suite_add_tcase(s, sum);
    return s;
}

Suite *hs_test_suite(void)
{
    return blocksum_suite();
}
