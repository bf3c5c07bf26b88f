/* probe.c - the checkpoint checksum and the child-process probe of a cube. */
#include "hetsweep/probe.h"

#include <errno.h>
#include <fcntl.h>
#include <hdf5.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hetsweep/blocksum.h"
#include "hetsweep/crc32.h"
#include "hetsweep/h5attr.h"

extern char **environ;

static char *sum_path(const char *cube_path)
{
    size_t size = strlen(cube_path) + 8;
    char *path = hs_xmalloc(size);
    snprintf(path, size, "%s.sum", cube_path);
    return path;
}

/* CRC-32 and size of a whole file; -1 if it cannot be read. */
static int file_crc(const char *path, uint32_t *crc, long long *size)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    unsigned char *block = hs_xmalloc(1 << 20);
    uint32_t c = 0;
    long long total = 0;
    ssize_t n;
    while ((n = read(fd, block, 1 << 20)) > 0) {
        c = hs_crc32(c, block, (size_t)n);
        total += n;
    }
    free(block);
    close(fd);
    if (n < 0)
        return -1;
    *crc = c;
    *size = total;
    return 0;
}

/* The checksum line of the old format: "crc32 <hex> size <bytes>". */
static int old_sum_line(const char *path, char *line, size_t size)
{
    uint32_t crc;
    long long bytes;
    if (file_crc(path, &crc, &bytes) != 0)
        return -1;
    snprintf(line, size, "crc32 %08x size %lld", crc, bytes);
    return 0;
}

/* The headers of "<cube>.sum": format 3 holds blocksum lines (blocksum.h) of
 * CRC-32C, the only format written; format 2 blocksum lines of CRC-32, the
 * old format whole-file CRC-32 lines (both still accepted, never written). */
#define SUM_HEADER "hetsweep-sum 3\n"
#define CRC32_BLOCKS_SUM_HEADER "hetsweep-sum 2\n"
#define OLD_SUM_HEADER "hetsweep-sum\n"
#define MAX_SUM_LINES 8 /* two are ever written */

enum sum_format { SUM_UNKNOWN, SUM_OLD, SUM_CRC32_BLOCKS, SUM_CRC32C_BLOCKS };

/* The contents of "<cube>.sum": its format and its lines (no newlines). */
typedef struct {
    enum sum_format format;
    char *lines[MAX_SUM_LINES];
    size_t n;
} sum_file;

static void free_sum_file(sum_file *sf)
{
    for (size_t i = 0; i < sf->n; i++)
        free(sf->lines[i]);
    sf->n = 0;
}

/* The format a "<cube>.sum" header line (newline included) announces. */
static enum sum_format format_of_header(const char *line)
{
    if (strcmp(line, SUM_HEADER) == 0)
        return SUM_CRC32C_BLOCKS;
    if (strcmp(line, CRC32_BLOCKS_SUM_HEADER) == 0)
        return SUM_CRC32_BLOCKS;
    if (strcmp(line, OLD_SUM_HEADER) == 0)
        return SUM_OLD;
    return SUM_UNKNOWN;
}

/* The CRC of the blocksum lines of a format that has them. */
static hs_blocksum_algorithm algorithm_of(enum sum_format format)
{
    return format == SUM_CRC32_BLOCKS ? HS_BLOCKSUM_CRC32 : HS_BLOCKSUM_CRC32C;
}

/* Read "<cube>.sum"; -1 if there is none (or it cannot be opened). */
static int read_sum_file(const char *cube_path, sum_file *sf)
{
    char *path = sum_path(cube_path);
    FILE *f = fopen(path, "r");
    free(path);
    memset(sf, 0, sizeof *sf);
    if (!f)
        return -1;
    char *line = NULL;
    size_t capacity = 0;
    ssize_t length = getline(&line, &capacity, f);
    if (length > 0)
        sf->format = format_of_header(line);
    while (sf->format != SUM_UNKNOWN && sf->n < MAX_SUM_LINES &&
           getline(&line, &capacity, f) > 0) {
        line[strcspn(line, "\n")] = '\0';
        sf->lines[sf->n++] = hs_xstrdup(line);
    }
    free(line);
    fclose(f);
    return 0;
}

/* Replace "<cube>.sum" atomically with the given lines (second may be NULL). */
static int write_sum_lines(const char *cube_path, const char *first, const char *second,
                           hs_error *err)
{
    char *path = sum_path(cube_path);
    size_t tmp_size = strlen(path) + 8;
    char *tmp = hs_xmalloc(tmp_size);
    snprintf(tmp, tmp_size, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    int ok = f && fprintf(f, SUM_HEADER "%s\n", first) > 0;
    if (ok && second)
        ok = fprintf(f, "%s\n", second) > 0;
    ok = f && fflush(f) == 0 && fsync(fileno(f)) == 0 && ok;
    if (f)
        ok = fclose(f) == 0 && ok;
    ok = ok && rename(tmp, path) == 0;
    int status = ok ? HS_OK
                    : hs_fail(err, HS_ERR_RUNTIME, "cannot write %s: %s", path, strerror(errno));
    if (!ok)
        unlink(tmp);
    free(tmp);
    free(path);
    return status;
}

/* Write "<cube>.sum" with one or two blocksums (CRC-32C: format 3 has no
 * other). */
static int write_blocksums(const char *cube_path, const hs_blocksum *first,
                           const hs_blocksum *second, hs_error *err)
{
    if (first->algorithm != HS_BLOCKSUM_CRC32C ||
        (second && second->algorithm != HS_BLOCKSUM_CRC32C))
        return hs_fail(err, HS_ERR_RUNTIME,
                       "internal error: a block checksum of %s.sum is not a CRC-32C", cube_path);
    char *one = hs_blocksum_format(first);
    char *two = second ? hs_blocksum_format(second) : NULL;
    int status = write_sum_lines(cube_path, one, two, err);
    free(one);
    free(two);
    return status;
}

/* Whether a file matches one of the whole-file CRC lines of an old .sum. */
static int matches_old_lines(const char *path, const sum_file *sf)
{
    char actual[128];
    if (old_sum_line(path, actual, sizeof actual) != 0)
        return 0;
    for (size_t i = 0; i < sf->n; i++)
        if (strcmp(sf->lines[i], actual) == 0)
            return 1;
    return 0;
}

/* Whether a file matches one of the blocksum lines of a format-3 or format-2
 * .sum (its blocksum is computed once, with the format's CRC). */
static int matches_blocksum_lines(const char *path, const sum_file *sf)
{
    hs_blocksum_algorithm algorithm = algorithm_of(sf->format);
    hs_blocksum actual, listed;
    if (hs_blocksum_of_file_as(path, algorithm, &actual) != 0)
        return 0;
    int match = 0;
    for (size_t i = 0; i < sf->n && !match; i++)
        if (hs_blocksum_parse(sf->lines[i], algorithm, &listed) == 0) {
            match = hs_blocksum_equal(&actual, &listed);
            hs_blocksum_free(&listed);
        }
    hs_blocksum_free(&actual);
    return match;
}

int hs_cube_sum_state(const char *cube_path)
{
    sum_file sf;
    if (read_sum_file(cube_path, &sf) != 0)
        return HS_SUM_NONE;
    int match = sf.format == SUM_CRC32C_BLOCKS || sf.format == SUM_CRC32_BLOCKS
                    ? matches_blocksum_lines(cube_path, &sf)
                : sf.format == SUM_OLD ? matches_old_lines(cube_path, &sf)
                                       : 0;
    free_sum_file(&sf);
    return match ? HS_SUM_MATCH : HS_SUM_MISMATCH;
}

/* The CRC-32C blocksum of the published cube: the first line of a format-3
 * .sum; with a format-2 or old .sum that the cube matches, computed from the
 * cube (once: the next .sum written is format 3). 0 if found. */
static int published_blocksum(const char *cube_path, hs_blocksum *out)
{
    sum_file sf;
    if (read_sum_file(cube_path, &sf) != 0)
        return -1;
    int found = -1;
    if (sf.format == SUM_CRC32C_BLOCKS && sf.n > 0)
        found = hs_blocksum_parse(sf.lines[0], HS_BLOCKSUM_CRC32C, out);
    else if ((sf.format == SUM_CRC32_BLOCKS && matches_blocksum_lines(cube_path, &sf)) ||
             (sf.format == SUM_OLD && matches_old_lines(cube_path, &sf)))
        found = hs_blocksum_of_file(cube_path, out);
    free_sum_file(&sf);
    return found;
}

int hs_cube_sum_read(const char *cube_path, hs_blocksum *out, hs_error *err)
{
    sum_file sf;
    memset(out, 0, sizeof *out);
    if (read_sum_file(cube_path, &sf) != 0)
        return hs_fail(err, HS_ERR_RUNTIME, "%s has no checkpoint checksum %s.sum", cube_path,
                       cube_path);
    int status = HS_OK;
    if (sf.format != SUM_CRC32C_BLOCKS || sf.n == 0 ||
        hs_blocksum_parse(sf.lines[0], HS_BLOCKSUM_CRC32C, out) != 0)
        status = hs_fail(err, HS_ERR_RUNTIME,
                         "%s.sum holds no CRC-32C block checksums (an older format, or "
                         "malformed)",
                         cube_path);
    free_sum_file(&sf);
    return status;
}

int hs_cube_sum_before_swap(const char *cube_path, const hs_blocksum *next,
                            const hs_blocksum *current, hs_error *err)
{
    hs_blocksum read;
    int have_current = current != NULL;
    if (!current && published_blocksum(cube_path, &read) == 0) {
        current = &read;
        have_current = 2; /* read here: freed here */
    }
    /* until the swap, either file may be at the cube path: accept both */
    int status = write_blocksums(cube_path, next,
                                 current && !hs_blocksum_equal(current, next) ? current : NULL,
                                 err);
    if (have_current == 2)
        hs_blocksum_free(&read);
    return status;
}

int hs_cube_sum_keep(const char *cube_path, const hs_blocksum *sum, hs_error *err)
{
    return write_blocksums(cube_path, sum, NULL, err);
}

int hs_cube_write_sum(const char *cube_path, hs_error *err)
{
    hs_blocksum sum;
    if (hs_blocksum_of_file(cube_path, &sum) != 0)
        return hs_fail(err, HS_ERR_RUNTIME, "cannot read %s to checksum it: %s", cube_path,
                       strerror(errno));
    int status = write_blocksums(cube_path, &sum, NULL, err);
    hs_blocksum_free(&sum);
    return status;
}

/* What the probe child visits: the file's size bounds every read. */
typedef struct {
    const char *cube_path;
    hsize_t file_size;
    int failures;
} probe_visit;

/* Whether a dataset declares more bytes than the whole file holds (every
 * dataset of a cube is allocated when it is created, so none can). */
static int declares_too_much(const probe_visit *visit, const char *name, hssize_t points,
                             size_t size)
{
    if (size == 0 || (hsize_t)points <= visit->file_size / size)
        return 0;
    fprintf(stderr, "hetsweep: %s: dataset /%s declares %lld values of %zu bytes, more than the "
                    "file's %llu bytes hold\n",
            visit->cube_path, name, (long long)points, size,
            (unsigned long long)visit->file_size);
    return 1;
}

/* Read the value of one attribute or dataset (its type and space given)
 * into memory as its native type; count a failure. Variable-length data
 * (strings, the dimension scales' lists) is read too: libhdf5 follows its
 * pointers into the file's global heap, and a damaged heap crashes it here,
 * in the child, not in the command that asked. */
static void read_value(probe_visit *visit, const char *name, hid_t attr, hid_t ds, hid_t type,
                       hid_t space)
{
    hssize_t points = space < 0 ? -1 : H5Sget_simple_extent_npoints(space);
    hid_t mem = type < 0 ? -1 : H5Tget_native_type(type, H5T_DIR_DEFAULT);
    size_t size = mem < 0 ? 0 : H5Tget_size(mem);
    if (mem < 0 || points < 0) {
        visit->failures++;
    } else if (declares_too_much(visit, name, points, size)) {
        visit->failures++;
    } else {
        void *buf = hs_xcalloc((size_t)points + 1, size);
        herr_t rc = attr >= 0 ? H5Aread(attr, mem, buf)
                              : H5Dread(ds, mem, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf);
        if (rc >= 0 && (H5Tdetect_class(mem, H5T_VLEN) > 0 || H5Tis_variable_str(mem) > 0))
            H5Dvlen_reclaim(mem, space, H5P_DEFAULT, buf);
        visit->failures += rc < 0;
        free(buf);
    }
    if (mem >= 0)
        H5Tclose(mem);
}

/* Read one attribute of an object. */
static herr_t read_attribute(hid_t object, const char *name, const H5A_info_t *info, void *data)
{
    (void)info;
    probe_visit *visit = data;
    hid_t attr = H5Aopen(object, name, H5P_DEFAULT);
    hid_t type = attr < 0 ? -1 : H5Aget_type(attr);
    hid_t space = attr < 0 ? -1 : H5Aget_space(attr);
    if (attr < 0)
        visit->failures++;
    else
        read_value(visit, name, attr, -1, type, space);
    hs_h5_close_attribute(attr, type, space);
    return visit->failures ? 1 : 0;
}

/* Read every attribute of an object, and a dataset's values; count the
 * failures. */
static herr_t read_object(hid_t root, const char *name, const H5O_info_t *info, void *data)
{
    probe_visit *visit = data;
    hid_t object = H5Oopen(root, name, H5P_DEFAULT);
    if (object < 0) {
        visit->failures++;
        return 1;
    }
    if (H5Aiterate2(object, H5_INDEX_NAME, H5_ITER_NATIVE, NULL, read_attribute, visit) < 0)
        visit->failures++;
    if (!visit->failures && info->type == H5O_TYPE_DATASET) {
        hid_t type = H5Dget_type(object);
        hid_t space = H5Dget_space(object);
        read_value(visit, name, -1, object, type, space);
        if (space >= 0)
            H5Sclose(space);
        if (type >= 0)
            H5Tclose(type);
    }
    H5Oclose(object);
    return visit->failures ? 1 : 0; /* stop at the first failure */
}

int hs_cube_probe_child(const char *cube_path)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    hid_t file = H5Fopen(cube_path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (file < 0)
        return 1;
    probe_visit visit = {cube_path, 0, 0};
    if (H5Fget_filesize(file, &visit.file_size) < 0 ||
        H5Ovisit(file, H5_INDEX_NAME, H5_ITER_NATIVE, read_object, &visit) < 0)
        visit.failures++;
    if (H5Fclose(file) < 0)
        visit.failures++;
    return visit.failures ? 1 : 0;
}

/* HDF5's signature, found at offset 0 or at 512, 1024, 2048, ... (after a
 * user block). */
static int has_hdf5_signature(int fd, off_t size)
{
    static const unsigned char signature[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
    for (off_t offset = 0; offset + 8 <= size; offset = offset ? 2 * offset : 512) {
        unsigned char head[8];
        if (pread(fd, head, sizeof head, offset) != (ssize_t)sizeof head)
            return 0;
        if (memcmp(head, signature, sizeof head) == 0)
            return 1;
    }
    return 0;
}

int hs_cube_file_kind(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return errno == ENOENT ? HS_FILE_ABSENT : HS_FILE_NOT_REGULAR;
    if (!S_ISREG(st.st_mode))
        return HS_FILE_NOT_REGULAR;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return HS_FILE_NOT_REGULAR;
    int kind = has_hdf5_signature(fd, st.st_size) ? HS_FILE_HDF5 : HS_FILE_NOT_HDF5;
    close(fd);
    return kind;
}

/* A message for a path that cannot be a cube at all; HS_OK if it is an
 * HDF5 file. */
static int refuse_non_hdf5(const char *path, hs_error *err)
{
    struct stat st;
    switch (hs_cube_file_kind(path)) {
    case HS_FILE_HDF5:
        return HS_OK;
    case HS_FILE_ABSENT:
        return hs_fail(err, HS_ERR_INPUT, "%s: %s", path, strerror(ENOENT));
    case HS_FILE_NOT_REGULAR:
        if (stat(path, &st) != 0)
            return hs_fail(err, HS_ERR_INPUT, "%s: %s", path, strerror(errno));
        return hs_fail(err, HS_ERR_INPUT, "%s is %s, not a hetsweep cube; it was left as it is",
                       path, S_ISDIR(st.st_mode) ? "a directory" : "not a regular file");
    default:
        return hs_fail(err, HS_ERR_INPUT,
                       "%s is not a hetsweep cube (it is not an HDF5 file); it was left as it is",
                       path);
    }
}

int hs_cube_check_replaceable(const char *cube_path, hs_error *err)
{
    int status = refuse_non_hdf5(cube_path, err);
    if (status != HS_OK || hs_cube_file_kind(cube_path) == HS_FILE_ABSENT)
        return status;
    /* a damaged cube of ours: its checkpoint checksum is still beside it */
    if (hs_cube_sum_state(cube_path) != HS_SUM_NONE)
        return HS_OK;
    hs_error probe_err;
    hs_error_clear(&probe_err);
    int ours = 0;
    if (hs_cube_probe(cube_path, 0, &probe_err) == HS_OK) {
        H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
        hid_t file = H5Fopen(cube_path, H5F_ACC_RDONLY, H5P_DEFAULT);
        if (file >= 0) {
            ours = H5Aexists(file, "layout_version") > 0 && H5Aexists(file, "identity") > 0;
            H5Fclose(file);
        }
    }
    if (ours)
        return HS_OK;
    return hs_fail(err, HS_ERR_INPUT,
                   "%s is an HDF5 file but not a hetsweep cube (no layout_version and identity "
                   "attributes, and no %s.sum); --fresh only ever replaces a hetsweep cube, so "
                   "it was left as it is (choose another output path)",
                   cube_path, cube_path);
}

int hs_cube_probe(const char *cube_path, int strict, hs_error *err)
{
    int status = refuse_non_hdf5(cube_path, err);
    if (status != HS_OK)
        return status;
    int sum = hs_cube_sum_state(cube_path);
    if (sum == HS_SUM_MATCH)
        return HS_OK;
    if (sum == HS_SUM_MISMATCH && strict)
        return hs_fail(err, HS_ERR_INPUT,
                       "%s does not match its checkpoint checksum %s.sum: it was truncated, "
                       "corrupted or changed after hetsweep wrote it, so it is not resumed and "
                       "was left as it is (move it away, or remove %s.sum to accept it as is)",
                       cube_path, cube_path, cube_path);
    char self[4096];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0)
        return hs_fail(err, HS_ERR_RUNTIME, "cannot find this program to probe %s", cube_path);
    self[n] = '\0';
    char *argv[] = {self, "probe", (char *)cube_path, NULL};
    pid_t pid;
    if (posix_spawn(&pid, self, NULL, NULL, argv, environ) != 0)
        return hs_fail(err, HS_ERR_RUNTIME, "cannot start a probe of %s", cube_path);
    int wstatus = 0;
    while (waitpid(pid, &wstatus, 0) < 0 && errno == EINTR)
        ;
    if (WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0)
        return HS_OK;
    return hs_fail(err, HS_ERR_INPUT,
                   "%s is not a readable HDF5 cube (corrupt or truncated%s); it was left as it "
                   "is",
                   cube_path, WIFSIGNALED(wstatus) ? ": the HDF5 library crashed on it" : "");
}
