/* dirtyvfd.c - a pass-through HDF5 file driver over sec2 that logs the byte
 * ranges written (dirtyvfd.h). Every callback delegates to the inner sec2
 * file through HDF5's public driver API (H5FDpublic.h); only write and
 * truncate also append to the log. */
#include "hetsweep/dirtyvfd.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hetsweep/error.h"

/* What the file-access property list carries to the driver. */
typedef struct {
    hs_dirty_log *log;
} dirty_info;

/* One open file: HDF5's public part first, then the wrapped sec2 file. */
typedef struct {
    H5FD_t pub;
    H5FD_t *inner;
    hs_dirty_log *log;
} dirty_file;

static dirty_file *as_dirty(const H5FD_t *file)
{
    return (dirty_file *)file;
}

/* ---- the log ---- */

/* Append [offset, offset + length), extending the last range when the new
 * one starts where it ends (HDF5 often writes in consecutive pieces). */
void hs_dirty_log_add(hs_dirty_log *log, unsigned long long offset, unsigned long long length)
{
    if (length == 0)
        return;
    hs_range *last = log->n ? &log->ranges[log->n - 1] : NULL;
    if (last && last->offset + last->length == offset) {
        last->length += length;
        return;
    }
    if (log->n == log->capacity) {
        log->capacity = log->capacity ? 2 * log->capacity : 64;
        log->ranges = hs_xrealloc(log->ranges, log->capacity * sizeof *log->ranges);
    }
    log->ranges[log->n++] = (hs_range){offset, length};
}

/* One raw write, kept apart and unmerged. */
static void record_raw(hs_dirty_log *log, unsigned long long offset, unsigned long long length)
{
    if (log->n_raw == log->raw_capacity) {
        log->raw_capacity = log->raw_capacity ? 2 * log->raw_capacity : 64;
        log->raw = hs_xrealloc(log->raw, log->raw_capacity * sizeof *log->raw);
    }
    log->raw[log->n_raw++] = (hs_range){offset, length};
}

static int by_offset(const void *a, const void *b)
{
    const hs_range *x = a, *y = b;
    return (x->offset > y->offset) - (x->offset < y->offset);
}

void hs_dirty_log_merge(hs_dirty_log *log)
{
    if (log->n < 2)
        return;
    qsort(log->ranges, log->n, sizeof *log->ranges, by_offset);
    size_t kept = 0;
    for (size_t i = 1; i < log->n; i++) {
        hs_range *into = &log->ranges[kept];
        const hs_range *next = &log->ranges[i];
        unsigned long long end = into->offset + into->length;
        if (next->offset <= end) {
            unsigned long long next_end = next->offset + next->length;
            if (next_end > end)
                into->length = next_end - into->offset;
        } else {
            log->ranges[++kept] = *next;
        }
    }
    log->n = kept + 1;
}

void hs_dirty_log_free(hs_dirty_log *log)
{
    free(log->ranges);
    free(log->raw);
    log->ranges = log->raw = NULL;
    log->n = log->capacity = log->n_raw = log->raw_capacity = 0;
    log->record_raw = 0;
}

/* ---- driver info in the property list ---- */

static void *info_copy(const void *info)
{
    dirty_info *copy = malloc(sizeof *copy);
    if (copy)
        *copy = *(const dirty_info *)info;
    return copy;
}

static herr_t info_free(void *info)
{
    free(info);
    return 0;
}

static void *info_get(H5FD_t *file)
{
    dirty_info info = {as_dirty(file)->log};
    return info_copy(&info);
}

/* ---- open and close ---- */

/* The inner file, opened with a plain sec2 property list. HDF5 tries to open
 * a file it is about to create first without creating it, expecting a quiet
 * failure: the error stack is not printed here (it is left to the caller). */
static H5FD_t *open_inner(const char *name, unsigned flags, haddr_t maxaddr)
{
    H5E_auto2_t print;
    void *print_data;
    if (H5Eget_auto2(H5E_DEFAULT, &print, &print_data) < 0)
        return NULL;
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    hid_t sec2 = H5Pcreate(H5P_FILE_ACCESS);
    H5FD_t *inner = NULL;
    if (sec2 >= 0 && H5Pset_fapl_sec2(sec2) >= 0)
        inner = H5FDopen(name, flags, sec2, maxaddr);
    if (sec2 >= 0)
        H5Pclose(sec2);
    H5Eset_auto2(H5E_DEFAULT, print, print_data);
    return inner;
}

static H5FD_t *dirty_open(const char *name, unsigned flags, hid_t fapl, haddr_t maxaddr)
{
    const dirty_info *info = H5Pget_driver_info(fapl);
    if (!info || !info->log)
        return NULL;
    H5FD_t *inner = open_inner(name, flags, maxaddr);
    if (!inner)
        return NULL;
    dirty_file *file = calloc(1, sizeof *file);
    if (!file) {
        H5FDclose(inner);
        return NULL;
    }
    file->inner = inner;
    file->log = info->log;
    return &file->pub;
}

static herr_t dirty_close(H5FD_t *file)
{
    herr_t status = H5FDclose(as_dirty(file)->inner);
    free(file);
    return status;
}

static int dirty_cmp(const H5FD_t *a, const H5FD_t *b)
{
    return H5FDcmp(as_dirty(a)->inner, as_dirty(b)->inner);
}

/* sec2's features, so that HDF5 lays the file out as it would with sec2 (the
 * file may be NULL: HDF5 asks the class before a file is open). */
static herr_t dirty_query(const H5FD_t *file, unsigned long *flags)
{
    if (!file)
        return H5FDdriver_query(H5FD_SEC2, flags);
    return H5FDquery(as_dirty(file)->inner, flags) < 0 ? -1 : 0;
}

/* ---- addresses, I/O, flush, truncate, locks: all delegated ---- */

static haddr_t dirty_get_eoa(const H5FD_t *file, H5FD_mem_t type)
{
    return H5FDget_eoa(as_dirty(file)->inner, type);
}

static herr_t dirty_set_eoa(H5FD_t *file, H5FD_mem_t type, haddr_t addr)
{
    return H5FDset_eoa(as_dirty(file)->inner, type, addr);
}

static haddr_t dirty_get_eof(const H5FD_t *file, H5FD_mem_t type)
{
    return H5FDget_eof(as_dirty(file)->inner, type);
}

static herr_t dirty_get_handle(H5FD_t *file, hid_t fapl, void **handle)
{
    return H5FDget_vfd_handle(as_dirty(file)->inner, fapl, handle);
}

static herr_t dirty_read(H5FD_t *file, H5FD_mem_t type, hid_t dxpl, haddr_t addr, size_t size,
                         void *buf)
{
    return H5FDread(as_dirty(file)->inner, type, dxpl, addr, size, buf);
}

static herr_t dirty_write(H5FD_t *file, H5FD_mem_t type, hid_t dxpl, haddr_t addr, size_t size,
                          const void *buf)
{
    dirty_file *dirty = as_dirty(file);
    if (H5FDwrite(dirty->inner, type, dxpl, addr, size, buf) < 0)
        return -1;
    hs_dirty_log_add(dirty->log, addr, size);
    if (dirty->log->record_raw && type == H5FD_MEM_DRAW)
        record_raw(dirty->log, addr, size);
    return 0;
}

static herr_t dirty_flush(H5FD_t *file, hid_t dxpl, hbool_t closing)
{
    return H5FDflush(as_dirty(file)->inner, dxpl, closing);
}

/* Truncation (to the end of allocated space) also changes bytes: those
 * between the old and the new end of the file. */
static herr_t dirty_truncate(H5FD_t *file, hid_t dxpl, hbool_t closing)
{
    dirty_file *dirty = as_dirty(file);
    haddr_t before = H5FDget_eof(dirty->inner, H5FD_MEM_DEFAULT);
    if (H5FDtruncate(dirty->inner, dxpl, closing) < 0)
        return -1;
    haddr_t after = H5FDget_eof(dirty->inner, H5FD_MEM_DEFAULT);
    if (before != HADDR_UNDEF && after != HADDR_UNDEF && before != after)
        hs_dirty_log_add(dirty->log, before < after ? before : after,
                   before < after ? after - before : before - after);
    return 0;
}

static herr_t dirty_lock(H5FD_t *file, hbool_t rw)
{
    return H5FDlock(as_dirty(file)->inner, rw);
}

static herr_t dirty_unlock(H5FD_t *file)
{
    return H5FDunlock(as_dirty(file)->inner);
}

/* ---- the class ---- */

static const H5FD_class_t dirty_class = {
    .name = "hetsweep_dirty",
    .maxaddr = (haddr_t)INT64_MAX, /* sec2's: the largest off_t */
    .fc_degree = H5F_CLOSE_WEAK,
    .terminate = NULL,
    .sb_size = NULL, /* no driver info in the superblock, as sec2 */
    .sb_encode = NULL,
    .sb_decode = NULL,
    .fapl_size = sizeof(dirty_info),
    .fapl_get = info_get,
    .fapl_copy = info_copy,
    .fapl_free = info_free,
    .dxpl_size = 0,
    .dxpl_copy = NULL,
    .dxpl_free = NULL,
    .open = dirty_open,
    .close = dirty_close,
    .cmp = dirty_cmp,
    .query = dirty_query,
    .get_type_map = NULL,
    .alloc = NULL,
    .free = NULL,
    .get_eoa = dirty_get_eoa,
    .set_eoa = dirty_set_eoa,
    .get_eof = dirty_get_eof,
    .get_handle = dirty_get_handle,
    .read = dirty_read,
    .write = dirty_write,
    .flush = dirty_flush,
    .truncate = dirty_truncate,
    .lock = dirty_lock,
    .unlock = dirty_unlock,
    .fl_map = H5FD_FLMAP_DICHOTOMY,
};

/* The driver's id, registered on first use (and again if HDF5 was closed and
 * reopened since). */
static hid_t dirty_driver(void)
{
    static hid_t driver = -1;
    if (driver < 0 || H5Iis_valid(driver) <= 0)
        driver = H5FDregister(&dirty_class);
    return driver;
}

hs_dirty_log *hs_dirty_log_of(hid_t fapl)
{
    if (fapl < 0 || H5Pget_driver(fapl) != dirty_driver())
        return NULL;
    const dirty_info *info = H5Pget_driver_info(fapl);
    return info ? info->log : NULL;
}

hid_t hs_dirty_fapl(hs_dirty_log *log)
{
    hid_t driver = log ? dirty_driver() : -1;
    if (driver < 0)
        return -1;
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    dirty_info info = {log};
    if (fapl >= 0 && H5Pset_driver(fapl, driver, &info) < 0) {
        H5Pclose(fapl);
        fapl = -1;
    }
    return fapl;
}
