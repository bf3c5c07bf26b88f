/* journal.h - the per-rank journal of finished work items (SPEC 2).
 *
 * When a work item finishes, its rank appends one record holding every
 * /results value of the item to "<cube>.journal.<rank>" (write(2) at once:
 * from then on a kill of the process loses nothing, the page cache holds it).
 * Group commit: a syncer thread per journal fdatasyncs the records written
 * so far at most HS_JOURNAL_SYNC_DELAY_S after the first of them was written,
 * so that records of items that finish close together share one sync; a
 * crash of the machine loses at most that last second of records (their
 * items are computed again). A record is [magic u32][length u32][crc32 u32]
 * [payload]; the first record of a file is a header naming the job's
 * identity, synced before open returns. Reading stops at the first record
 * that is short or fails its checksum (a torn last write), which is dropped.
 * After a checkpoint has put the records into the cube, the journal is
 * synced and truncated back to its header.
 */
#ifndef HETSWEEP_JOURNAL_H
#define HETSWEEP_JOURNAL_H

#include <stddef.h>

#include "hetsweep/error.h"
#include "hetsweep/results.h"

typedef struct hs_journal hs_journal;

/* The longest a written record waits for its sync (plus one fdatasync). */
#define HS_JOURNAL_SYNC_DELAY_S 1.0

/* Create (or truncate) this rank's journal and write its header, fsynced. */
int hs_journal_open(const char *cube_path, int rank, const char *identity, size_t n_tasks,
                    hs_journal **out, hs_error *err);

/* Append one finished item (written now, synced by the syncer within
 * HS_JOURNAL_SYNC_DELAY_S). Also reports a failed earlier sync. */
int hs_journal_append(hs_journal *journal, const hs_item_result *item, hs_error *err);

/* Sync every record written so far, now. */
int hs_journal_flush(hs_journal *journal, hs_error *err);

/* Sync what is pending, then drop every item record (after a checkpoint
 * holds them). */
int hs_journal_reset(hs_journal *journal, hs_error *err);

/* Replace the journal's records by `keep` (the records a checkpoint does not
 * hold yet): written to a new file, synced, renamed over the journal, so a
 * crash at any moment leaves the old records or the new ones, whole. With
 * n_keep 0, as hs_journal_reset. */
int hs_journal_compact(hs_journal *journal, const hs_item_result *keep, int n_keep,
                       hs_error *err);

/* An item as its record's payload (malloc'd; *length set), and back
 * (0, or -1 when the bytes are not one well-formed item of n_tasks tasks):
 * how a finished item travels to rank 0. */
unsigned char *hs_item_pack(const hs_item_result *item, size_t *length);
int hs_item_unpack(const unsigned char *data, size_t length, size_t n_tasks,
                   hs_item_result *item);

/* Stop the syncer and close; remove the file too if remove is non-zero, else
 * sync what is pending first. */
void hs_journal_close(hs_journal *journal, int remove);

typedef struct {
    int n_items;
    hs_item_result *items;
    int n_files;
    int n_torn; /* files whose last record was torn and dropped */
} hs_journal_replay;

/* Read every "<cube>.journal.*" file. Records of a job with another identity
 * or task count are refused (HS_ERR_INPUT, naming the file). */
int hs_journal_replay_all(const char *cube_path, const char *identity, size_t n_tasks,
                          hs_journal_replay *replay, hs_error *err);
void hs_journal_replay_free(hs_journal_replay *replay);

/* As hs_journal_replay_all, and more: a journal that is not a regular file
 * or holds more than max_bytes is refused (HS_ERR_INPUT, naming it); a record
 * that two journals hold (a copied journal) is replayed once, with a warning
 * naming the copy; two different records of one network are refused, naming
 * both files. */
int hs_journal_replay_bounded(const char *cube_path, const char *identity, size_t n_tasks,
                              size_t max_bytes, hs_journal_replay *replay, hs_error *err);

/* What the journals of a job of `networks` networks and n_tasks tasks can
 * hold at most, generously: the bound hs_journal_replay_bounded is given. */
size_t hs_journal_max_bytes(size_t networks, size_t n_tasks);

/* Remove every "<cube>.journal.*" file; returns how many were removed. */
int hs_journal_remove_all(const char *cube_path);

/* Names of the journal files of a cube (for messages and tests): the caller
 * frees each string and the array. */
char **hs_journal_list(const char *cube_path, int *count);

#endif
