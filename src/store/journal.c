/* journal.c - appending, truncating and replaying journal records; group
 * commit: a syncer thread per journal makes appended records durable. */
#include "hetsweep/journal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "hetsweep/testhooks.h"
#include "hetsweep/crc32.h"
#include "hetsweep/fileio.h"

#define RECORD_MAGIC 0x314A5348u /* "HSJ1" */
#define RECORD_HEADER 1
#define RECORD_ITEM 2
#define IDENTITY_LENGTH 64

struct hs_journal {
    char *path;
    char identity[IDENTITY_LENGTH + 1];
    int fd;
    off_t header_end;
    size_t n_tasks;
    /* group commit: appends write at once; the syncer thread fdatasyncs what
     * is pending at most HS_JOURNAL_SYNC_DELAY_S after the first pending record */
    pthread_t syncer;
    int syncer_running;
    pthread_mutex_t lock;
    pthread_cond_t wake;                   /* to the syncer: a record, or stop */
    unsigned long written, synced;         /* records appended; records known durable */
    unsigned long claimed;                 /* records a sync has started on */
    struct timespec first_pending;         /* when the oldest record no sync covers was written */
    int stopping;
    int sync_errno;                        /* the syncer's first failure, or 0 */
};

/* ---- byte buffers ------------------------------------------------------------ */

typedef struct {
    unsigned char *data;
    size_t length, capacity, read_at;
    int overrun;
} buffer;

static void put(buffer *b, const void *src, size_t size)
{
    if (b->length + size > b->capacity) {
        size_t capacity = b->capacity ? b->capacity : 1024;
        while (capacity < b->length + size)
            capacity *= 2;
        b->data = hs_xrealloc(b->data, capacity);
        b->capacity = capacity;
    }
    memcpy(b->data + b->length, src, size);
    b->length += size;
}

static void get(buffer *b, void *dst, size_t size)
{
    if (b->read_at + size > b->length) {
        b->overrun = 1;
        memset(dst, 0, size);
        return;
    }
    memcpy(dst, b->data + b->read_at, size);
    b->read_at += size;
}

/* ---- record encoding --------------------------------------------------------- */

static void encode_header(buffer *b, const char *identity, size_t n_tasks)
{
    uint8_t type = RECORD_HEADER;
    uint64_t tasks = n_tasks;
    put(b, &type, 1);
    put(b, identity, IDENTITY_LENGTH);
    put(b, &tasks, sizeof tasks);
}

/* A column: its index, then every field of the results schema, in table order. */
static void encode_column(buffer *b, const hs_column_result *c, size_t n_tasks)
{
    int32_t column = c->column;
    put(b, &column, sizeof column);
    int n_fields;
    const hs_result_field *fields = hs_result_fields(&n_fields);
    for (int k = 0; k < n_fields; k++)
        put(b, hs_result_cvalues(c, &fields[k]), hs_result_bytes(&fields[k], n_tasks));
}

static void encode_item(buffer *b, const hs_item_result *item)
{
    uint8_t type = RECORD_ITEM;
    int32_t unit = item->unit, n_columns = item->n_columns;
    uint64_t tasks = item->n_tasks;
    put(b, &type, 1);
    put(b, &unit, sizeof unit);
    put(b, &n_columns, sizeof n_columns);
    put(b, &tasks, sizeof tasks);
    put(b, &item->wall_seconds, sizeof item->wall_seconds);
    for (int k = 0; k < item->n_columns; k++)
        encode_column(b, &item->columns[k], item->n_tasks);
}

static void decode_column(buffer *b, hs_column_result *c, size_t n_tasks)
{
    int32_t column;
    get(b, &column, sizeof column);
    c->column = column;
    int n_fields;
    const hs_result_field *fields = hs_result_fields(&n_fields);
    for (int k = 0; k < n_fields; k++)
        get(b, hs_result_values(c, &fields[k]), hs_result_bytes(&fields[k], n_tasks));
}

/* Decode an item record (type byte already read). Returns 0 on success. */
static int decode_item(buffer *b, size_t n_tasks, hs_item_result *item)
{
    int32_t unit, n_columns;
    uint64_t tasks;
    double wall;
    get(b, &unit, sizeof unit);
    get(b, &n_columns, sizeof n_columns);
    get(b, &tasks, sizeof tasks);
    get(b, &wall, sizeof wall);
    if (b->overrun || tasks != n_tasks || n_columns < 1 || n_columns > 1 << 20 || unit < 0)
        return -1;
    hs_item_result_init(item, unit, 0, n_columns, n_tasks);
    item->wall_seconds = wall;
    for (int k = 0; k < n_columns; k++)
        decode_column(b, &item->columns[k], n_tasks);
    if (b->overrun || b->read_at != b->length) {
        hs_item_result_free(item);
        return -1;
    }
    item->first_column = item->columns[0].column;
    return 0;
}

/* ---- writing ----------------------------------------------------------------- */

/* Frame a payload as a record and write it to fd, the file at path (durable
 * only after a sync). */
static int write_record_to(int fd, const char *path, const buffer *payload, hs_error *err)
{
    uint32_t frame[3] = {RECORD_MAGIC, (uint32_t)payload->length,
                         hs_crc32(0, payload->data, payload->length)};
    if (hs_crash_point_armed("journal-torn") && payload->length > 1) { /* torn, then death */
        if (hs_write_all(fd, frame, sizeof frame) == 0 &&
            hs_write_all(fd, payload->data, payload->length / 2) == 0 && fsync(fd) == 0)
            hs_crash_point("journal-torn");
        if (lseek(fd, -(off_t)(sizeof frame + payload->length / 2), SEEK_CUR) < 0)
            return hs_fail(err, HS_ERR_RUNTIME, "journal %s: %s", path, strerror(errno));
    }
    if (hs_write_all(fd, frame, sizeof frame) != 0 ||
        hs_write_all(fd, payload->data, payload->length) != 0)
        return hs_fail(err, HS_ERR_RUNTIME, "cannot write journal %s: %s", path,
                       strerror(errno));
    return HS_OK;
}

static int write_record(hs_journal *j, const buffer *payload, hs_error *err)
{
    return write_record_to(j->fd, j->path, payload, err);
}

/* ---- group commit ------------------------------------------------------------ */

static void deadline_after(struct timespec *t, double seconds)
{
    long whole = (long)seconds;
    t->tv_sec += whole;
    t->tv_nsec += (long)((seconds - (double)whole) * 1e9);
    if (t->tv_nsec >= 1000000000L) {
        t->tv_sec++;
        t->tv_nsec -= 1000000000L;
    }
}

static int reached(const struct timespec *deadline)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return now.tv_sec > deadline->tv_sec ||
           (now.tv_sec == deadline->tv_sec && now.tv_nsec >= deadline->tv_nsec);
}

/* Make every record written so far durable (called with j->lock held; drops
 * it during the fdatasync so that appends go on meanwhile). */
static void sync_locked(hs_journal *j)
{
    unsigned long target = j->written;
    if (j->synced >= target)
        return;
    if (target > j->claimed)
        j->claimed = target;
    pthread_mutex_unlock(&j->lock);
    int rc = fdatasync(j->fd), saved = errno;
    pthread_mutex_lock(&j->lock);
    if (rc != 0 && !j->sync_errno)
        j->sync_errno = saved; /* kept: every later append, flush and reset reports it */
    if (target > j->synced)
        j->synced = target;
}

/* The syncer: sleeps until a record is pending, waits until the first pending
 * one is HS_JOURNAL_SYNC_DELAY_S old (records that come meanwhile share the
 * sync), then syncs them all. Independent of appends: a record waits at most
 * the delay plus one fdatasync, even if no other record ever comes. */
static void *syncer_main(void *arg)
{
    hs_journal *j = arg;
    pthread_mutex_lock(&j->lock);
    while (!j->stopping) {
        if (j->synced >= j->written) {
            pthread_cond_wait(&j->wake, &j->lock);
            continue;
        }
        struct timespec deadline = j->first_pending;
        deadline_after(&deadline, HS_JOURNAL_SYNC_DELAY_S);
        if (!reached(&deadline)) {
            pthread_cond_timedwait(&j->wake, &j->lock, &deadline);
            continue;
        }
        sync_locked(j);
    }
    pthread_mutex_unlock(&j->lock);
    return NULL;
}

static int start_syncer(hs_journal *j)
{
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_mutex_init(&j->lock, NULL);
    pthread_cond_init(&j->wake, &attr);
    pthread_condattr_destroy(&attr);
    j->syncer_running = pthread_create(&j->syncer, NULL, syncer_main, j) == 0;
    return j->syncer_running ? 0 : -1;
}

static void stop_syncer(hs_journal *j)
{
    if (!j->syncer_running)
        return;
    pthread_mutex_lock(&j->lock);
    j->stopping = 1;
    pthread_cond_signal(&j->wake);
    pthread_mutex_unlock(&j->lock);
    pthread_join(j->syncer, NULL);
    j->syncer_running = 0;
    pthread_cond_destroy(&j->wake);
    pthread_mutex_destroy(&j->lock);
}

/* A failed sync in the syncer, as this journal's error. */
static int sync_status(hs_journal *j, hs_error *err)
{
    if (!j->sync_errno)
        return HS_OK;
    return hs_fail(err, HS_ERR_RUNTIME, "cannot sync journal %s: %s", j->path,
                   strerror(j->sync_errno));
}

int hs_journal_flush(hs_journal *j, hs_error *err)
{
    pthread_mutex_lock(&j->lock);
    sync_locked(j);
    int status = sync_status(j, err);
    pthread_mutex_unlock(&j->lock);
    return status;
}

/* Where a compaction writes the journal's next contents before renaming them
 * over it; the name does not start like a journal's, so no replay reads it. */
static const char *compact_path(const char *journal)
{
    static __thread char path[4096];
    const char *slash = strrchr(journal, '/');
    size_t dir = slash ? (size_t)(slash - journal + 1) : 0;
    snprintf(path, sizeof path, "%.*s.compacting-%s", (int)dir, journal, journal + dir);
    return path;
}

static char *journal_path(const char *cube_path, int rank)
{
    size_t size = strlen(cube_path) + 32;
    char *path = hs_xmalloc(size);
    snprintf(path, size, "%s.journal.%d", cube_path, rank);
    return path;
}

int hs_journal_open(const char *cube_path, int rank, const char *identity, size_t n_tasks,
                    hs_journal **out, hs_error *err)
{
    hs_journal *j = hs_xcalloc(1, sizeof *j);
    j->path = journal_path(cube_path, rank);
    j->n_tasks = n_tasks;
    snprintf(j->identity, sizeof j->identity, "%s", identity);
    unlink(compact_path(j->path)); /* a compaction a crash cut short: never published */
    j->fd = open(j->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (j->fd < 0) {
        int status = hs_fail(err, HS_ERR_RUNTIME, "cannot create journal %s: %s", j->path,
                             strerror(errno));
        free(j->path);
        free(j);
        return status;
    }
    buffer b = {0};
    encode_header(&b, identity, n_tasks);
    int status = write_record(j, &b, err);
    free(b.data);
    if (status == HS_OK && fsync(j->fd) != 0)
        status = hs_fail(err, HS_ERR_RUNTIME, "cannot sync journal %s: %s", j->path,
                         strerror(errno));
    j->header_end = lseek(j->fd, 0, SEEK_CUR);
    if (status == HS_OK && start_syncer(j) != 0)
        status = hs_fail(err, HS_ERR_RUNTIME, "journal %s: cannot start its syncer thread",
                         j->path);
    if (status != HS_OK) {
        hs_journal_close(j, 1);
        return status;
    }
    *out = j;
    return HS_OK;
}

int hs_journal_append(hs_journal *j, const hs_item_result *item, hs_error *err)
{
    buffer b = {0};
    encode_item(&b, item);
    int status = write_record(j, &b, err);
    free(b.data);
    if (status == HS_OK)
        hs_crash_point("journal-unsynced"); /* written, in the page cache, not synced */
    pthread_mutex_lock(&j->lock);
    if (status == HS_OK) {
        if (j->claimed == j->written) /* the first record no sync covers starts the clock */
            clock_gettime(CLOCK_MONOTONIC, &j->first_pending);
        j->written++;
        pthread_cond_signal(&j->wake);
        status = sync_status(j, err);
    }
    pthread_mutex_unlock(&j->lock);
    return status;
}

int hs_journal_reset(hs_journal *j, hs_error *err)
{
    int status = hs_journal_flush(j, err);
    if (status != HS_OK)
        return status;
    if (ftruncate(j->fd, j->header_end) != 0 || lseek(j->fd, j->header_end, SEEK_SET) < 0 ||
        fsync(j->fd) != 0)
        return hs_fail(err, HS_ERR_RUNTIME, "cannot truncate journal %s: %s", j->path,
                       strerror(errno));
    return HS_OK;
}

/* Write header + records to a new file beside the journal, sync it, and
 * rename it over the journal: at every moment the journal's name holds
 * either the old records or the new ones, whole. */
static int write_compacted(hs_journal *j, const hs_item_result *keep, int n_keep, int *new_fd,
                           hs_error *err)
{
    const char *tmp = compact_path(j->path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return hs_fail(err, HS_ERR_RUNTIME, "cannot create %s: %s", tmp, strerror(errno));
    buffer b = {0};
    encode_header(&b, j->identity, j->n_tasks);
    int status = write_record_to(fd, tmp, &b, err);
    off_t header_end = lseek(fd, 0, SEEK_CUR);
    for (int i = 0; status == HS_OK && i < n_keep; i++) {
        b.length = 0;
        encode_item(&b, &keep[i]);
        status = write_record_to(fd, tmp, &b, err);
    }
    free(b.data);
    if (status == HS_OK && (fsync(fd) != 0 || rename(tmp, j->path) != 0))
        status = hs_fail(err, HS_ERR_RUNTIME, "cannot replace journal %s: %s", j->path,
                         strerror(errno));
    if (status != HS_OK) {
        close(fd);
        unlink(tmp);
        return status;
    }
    char *dir = hs_xstrdup(j->path);
    int dir_fd = open(dirname(dir), O_RDONLY | O_CLOEXEC);
    if (dir_fd >= 0) {
        fsync(dir_fd);
        close(dir_fd);
    }
    free(dir);
    j->header_end = header_end;
    *new_fd = fd;
    return HS_OK;
}

int hs_journal_compact(hs_journal *j, const hs_item_result *keep, int n_keep, hs_error *err)
{
    if (n_keep == 0)
        return hs_journal_reset(j, err);
    int status = hs_journal_flush(j, err);
    int fd = -1;
    if (status == HS_OK)
        status = write_compacted(j, keep, n_keep, &fd, err);
    if (status != HS_OK)
        return status;
    pthread_mutex_lock(&j->lock); /* the syncer uses j->fd */
    dup2(fd, j->fd);
    pthread_mutex_unlock(&j->lock);
    close(fd);
    return HS_OK;
}

unsigned char *hs_item_pack(const hs_item_result *item, size_t *length)
{
    buffer b = {0};
    encode_item(&b, item);
    *length = b.length;
    return b.data;
}

int hs_item_unpack(const unsigned char *data, size_t length, size_t n_tasks,
                   hs_item_result *item)
{
    buffer b = {(unsigned char *)data, length, length, 0, 0};
    uint8_t type = 0;
    get(&b, &type, 1);
    if (b.overrun || type != RECORD_ITEM)
        return -1;
    return decode_item(&b, n_tasks, item);
}

void hs_journal_close(hs_journal *j, int remove)
{
    if (!j)
        return;
    stop_syncer(j);
    if (!remove && j->synced < j->written)
        fdatasync(j->fd); /* best effort: the caller is failing or stopping */
    close(j->fd);
    if (remove)
        unlink(j->path);
    free(j->path);
    free(j);
}

/* ---- reading ----------------------------------------------------------------- */

/* Paths of the files beside the cube whose names start with
 * <lead><cube's name><tail>, followed by something. */
static char **list_beside(const char *cube_path, const char *lead, const char *tail, int *count)
{
    char *dir_copy = hs_xstrdup(cube_path), *base_copy = hs_xstrdup(cube_path);
    const char *dir = dirname(dir_copy), *base = basename(base_copy);
    size_t prefix_len = strlen(lead) + strlen(base) + strlen(tail);
    char *prefix = hs_xmalloc(prefix_len + 1);
    snprintf(prefix, prefix_len + 1, "%s%s%s", lead, base, tail);
    char **names = NULL;
    *count = 0;
    DIR *d = opendir(dir);
    for (struct dirent *e = d ? readdir(d) : NULL; e; e = readdir(d)) {
        if (strncmp(e->d_name, prefix, prefix_len) != 0 || !e->d_name[prefix_len])
            continue;
        names = hs_xrealloc(names, (size_t)(*count + 1) * sizeof(char *));
        size_t size = strlen(dir) + strlen(e->d_name) + 2;
        names[*count] = hs_xmalloc(size);
        snprintf(names[*count], size, "%s/%s", dir, e->d_name);
        (*count)++;
    }
    if (d)
        closedir(d);
    free(prefix);
    free(dir_copy);
    free(base_copy);
    return names;
}

char **hs_journal_list(const char *cube_path, int *count)
{
    return list_beside(cube_path, "", ".journal.", count);
}

/* A journal file, whole: only a regular file, of at most max_bytes (opened
 * without blocking, so a FIFO cannot hold the reader). */
static int read_file(const char *path, size_t max_bytes, unsigned char **data, size_t *length,
                     hs_error *err)
{
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        int saved = errno;
        if (fd >= 0)
            close(fd);
        return hs_fail(err, HS_ERR_RUNTIME, "cannot read journal %s: %s", path, strerror(saved));
    }
    int status = HS_OK;
    if (!S_ISREG(st.st_mode))
        status = hs_fail(err, HS_ERR_INPUT,
                         "journal %s is not a regular file (a device, FIFO, directory or a link "
                         "to one); remove it, or run with --fresh",
                         path);
    else if ((unsigned long long)st.st_size > max_bytes)
        status = hs_fail(err, HS_ERR_INPUT,
                         "journal %s holds %lld bytes, more than this job's journals can (at most "
                         "%zu); it is not this job's: remove it, or run with --fresh",
                         path, (long long)st.st_size, max_bytes);
    size_t used = 0, size = status == HS_OK ? (size_t)st.st_size : 0;
    *data = hs_xmalloc(size + 1);
    for (ssize_t n = 1; status == HS_OK && used < size && n > 0; used += (size_t)(n > 0 ? n : 0))
        if ((n = read(fd, *data + used, size - used)) < 0)
            status = hs_fail(err, HS_ERR_RUNTIME, "cannot read journal %s: %s", path,
                             strerror(errno));
    close(fd);
    *length = used;
    if (status != HS_OK) {
        free(*data);
        *data = NULL;
    }
    return status;
}

/* Next framed record at *offset: its payload, or NULL at the end or a torn tail. */
static const unsigned char *next_record(const unsigned char *data, size_t length, size_t *offset,
                                        size_t *payload_length, int *torn)
{
    uint32_t frame[3];
    if (*offset == length)
        return NULL;
    if (length - *offset < sizeof frame) {
        *torn = 1;
        return NULL;
    }
    memcpy(frame, data + *offset, sizeof frame);
    size_t start = *offset + sizeof frame;
    if (frame[0] != RECORD_MAGIC || frame[1] > length - start ||
        hs_crc32(0, data + start, frame[1]) != frame[2]) {
        *torn = 1;
        return NULL;
    }
    *offset = start + frame[1];
    *payload_length = frame[1];
    return data + start;
}

static int check_header(const unsigned char *payload, size_t length, const char *identity,
                        size_t n_tasks, const char *path, hs_error *err)
{
    buffer b = {(unsigned char *)payload, length, length, 0, 0};
    uint8_t type;
    char found[IDENTITY_LENGTH + 1] = {0};
    uint64_t tasks;
    get(&b, &type, 1);
    get(&b, found, IDENTITY_LENGTH);
    get(&b, &tasks, sizeof tasks);
    if (b.overrun || type != RECORD_HEADER)
        return hs_fail(err, HS_ERR_INPUT, "%s is not a hetsweep journal", path);
    if (memcmp(found, identity, IDENTITY_LENGTH) != 0 || tasks != n_tasks)
        return hs_fail(err, HS_ERR_INPUT,
                       "%s belongs to another job (identity %.12s..., this job %.12s...): "
                       "remove it or run with --fresh",
                       path, found, identity);
    return HS_OK;
}

static void add_item(hs_journal_replay *replay, hs_item_result *item)
{
    replay->items = hs_xrealloc(replay->items, (size_t)(replay->n_items + 1) * sizeof *item);
    replay->items[replay->n_items++] = *item;
}

static int replay_file(const char *path, const char *identity, size_t n_tasks,
                       size_t max_bytes, hs_journal_replay *replay, hs_error *err)
{
    size_t length = 0, offset = 0, payload_length = 0;
    unsigned char *data = NULL;
    int status = read_file(path, max_bytes, &data, &length, err);
    if (status != HS_OK)
        return status;
    int torn = 0;
    const unsigned char *payload = next_record(data, length, &offset, &payload_length, &torn);
    if (payload)
        status = check_header(payload, payload_length, identity, n_tasks, path, err);
    while (status == HS_OK && payload &&
           (payload = next_record(data, length, &offset, &payload_length, &torn))) {
        buffer b = {(unsigned char *)payload, payload_length, payload_length, 0, 0};
        uint8_t type;
        get(&b, &type, 1);
        hs_item_result item;
        if (type != RECORD_ITEM || decode_item(&b, n_tasks, &item) != 0) {
            torn = 1;
            break;
        }
        add_item(replay, &item);
    }
    replay->n_files++;
    replay->n_torn += torn;
    free(data);
    return status;
}

/* ---- duplicated records ---------------------------------------------------------- */

/* One network of one replayed item. */
typedef struct {
    int unit, column, item;
} cell_ref;

static int compare_cells(const void *a, const void *b)
{
    const cell_ref *x = a, *y = b;
    if (x->unit != y->unit)
        return x->unit < y->unit ? -1 : 1;
    if (x->column != y->column)
        return x->column < y->column ? -1 : 1;
    return (x->item > y->item) - (x->item < y->item);
}

/* Whether two items would be the same record, byte for byte. */
static int same_record(const hs_item_result *a, const hs_item_result *b)
{
    buffer x = {0}, y = {0};
    encode_item(&x, a);
    encode_item(&y, b);
    int same = x.length == y.length && memcmp(x.data, y.data, x.length) == 0;
    free(x.data);
    free(y.data);
    return same;
}

static cell_ref *list_cells(const hs_journal_replay *replay, size_t *count)
{
    size_t total = 0, k = 0;
    for (int i = 0; i < replay->n_items; i++)
        total += (size_t)replay->items[i].n_columns;
    cell_ref *cells = hs_xmalloc((total ? total : 1) * sizeof *cells);
    for (int i = 0; i < replay->n_items; i++)
        for (int c = 0; c < replay->items[i].n_columns; c++, k++)
            cells[k] = (cell_ref){replay->items[i].unit, replay->items[i].columns[c].column, i};
    qsort(cells, total, sizeof *cells, compare_cells);
    *count = total;
    return cells;
}

/* Mark the later copy of every record that two journals (or one, twice) hold;
 * refuse records of one network that differ. */
static int mark_duplicates(const hs_journal_replay *replay, char **names, const int *file_of,
                           uint8_t *drop, hs_error *err)
{
    size_t count;
    cell_ref *cells = list_cells(replay, &count);
    int status = HS_OK;
    for (size_t first = 0, k = 1; k < count && status == HS_OK; k++) {
        const cell_ref *a = &cells[first], *b = &cells[k];
        if (a->unit != b->unit || a->column != b->column) {
            first = k; /* the lowest item of a network is the one kept */
            continue;
        }
        if (drop[b->item])
            continue;
        if (a->item != b->item && same_record(&replay->items[a->item], &replay->items[b->item]))
            drop[b->item] = 1;
        else
            status = hs_fail(err, HS_ERR_INPUT,
                             "journals %s and %s hold different results for one network (unit "
                             "%d, column %d): one of them was altered or belongs to another run "
                             "of this job; remove the wrong one, or run with --fresh",
                             names[file_of[a->item]], names[file_of[b->item]], a->unit, a->column);
    }
    free(cells);
    return status;
}

/* Drop the marked items, naming each journal that repeated another's records. */
static void drop_duplicates(hs_journal_replay *replay, char **names, const int *file_of,
                            const uint8_t *drop, int n_files)
{
    int *repeats = hs_xcalloc((size_t)n_files + 1, sizeof(int)), kept = 0;
    for (int i = 0; i < replay->n_items; i++) {
        if (drop[i]) {
            repeats[file_of[i]]++;
            hs_item_result_free(&replay->items[i]);
        } else {
            replay->items[kept++] = replay->items[i];
        }
    }
    replay->n_items = kept;
    for (int f = 0; f < n_files; f++)
        if (repeats[f])
            fprintf(stderr,
                    "hetsweep: warning: journal %s repeats %d record(s) held by another journal "
                    "of this cube (a copy?); each record is replayed once\n",
                    names[f], repeats[f]);
    free(repeats);
}

static int remove_duplicates(hs_journal_replay *replay, char **names, const int *file_of,
                             int n_files, hs_error *err)
{
    uint8_t *drop = hs_xcalloc((size_t)replay->n_items + 1, 1);
    int status = mark_duplicates(replay, names, file_of, drop, err);
    if (status == HS_OK)
        drop_duplicates(replay, names, file_of, drop, n_files);
    free(drop);
    return status;
}

/* ---- replay ------------------------------------------------------------------------ */

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int hs_journal_replay_bounded(const char *cube_path, const char *identity, size_t n_tasks,
                              size_t max_bytes, hs_journal_replay *replay, hs_error *err)
{
    memset(replay, 0, sizeof *replay);
    int count = 0, status = HS_OK;
    char **names = hs_journal_list(cube_path, &count);
    if (count > 1) /* the first of two copies is the one kept, whatever readdir's order */
        qsort(names, (size_t)count, sizeof *names, compare_names);
    int *file_of = NULL;
    for (int i = 0; i < count && status == HS_OK; i++) {
        int before = replay->n_items;
        status = replay_file(names[i], identity, n_tasks, max_bytes, replay, err);
        file_of = hs_xrealloc(file_of, ((size_t)replay->n_items + 1) * sizeof(int));
        for (int k = before; k < replay->n_items; k++)
            file_of[k] = i;
    }
    if (status == HS_OK)
        status = remove_duplicates(replay, names, file_of, count, err);
    for (int i = 0; i < count; i++)
        free(names[i]);
    free(names);
    free(file_of);
    if (status != HS_OK)
        hs_journal_replay_free(replay);
    return status;
}

int hs_journal_replay_all(const char *cube_path, const char *identity, size_t n_tasks,
                          hs_journal_replay *replay, hs_error *err)
{
    return hs_journal_replay_bounded(cube_path, identity, n_tasks, SIZE_MAX, replay, err);
}

/* The bytes of one column in an item record. */
static size_t column_bytes(size_t n_tasks)
{
    int n_fields;
    const hs_result_field *fields = hs_result_fields(&n_fields);
    size_t bytes = sizeof(int32_t);
    for (int k = 0; k < n_fields; k++)
        bytes += hs_result_bytes(&fields[k], n_tasks);
    return bytes;
}

size_t hs_journal_max_bytes(size_t networks, size_t n_tasks)
{
    /* a record per network at most once per run (the frame, the item's fields
     * and one column), twice over, and the header: generous on purpose */
    size_t per_network = 12 + 25 + column_bytes(n_tasks);
    if (networks > (SIZE_MAX - (1u << 20)) / 2 / per_network)
        return SIZE_MAX;
    return 2 * networks * per_network + (1u << 20);
}

void hs_journal_replay_free(hs_journal_replay *replay)
{
    for (int i = 0; i < replay->n_items; i++)
        hs_item_result_free(&replay->items[i]);
    free(replay->items);
    memset(replay, 0, sizeof *replay);
}

static int remove_listed(char **names, int count)
{
    int removed = 0;
    for (int i = 0; i < count; i++) {
        removed += unlink(names[i]) == 0;
        free(names[i]);
    }
    free(names);
    return removed;
}

int hs_journal_remove_all(const char *cube_path)
{
    int count = 0, stale = 0;
    char **names = hs_journal_list(cube_path, &count);
    char **compacting = list_beside(cube_path, ".compacting-", ".journal.", &stale);
    remove_listed(compacting, stale); /* compactions a crash cut short */
    return remove_listed(names, count);
}
