/* fuzz_journal.c - libFuzzer harness for journal replay (resume's reader).
 *
 * The input is framed into journal records with valid CRCs, so the fuzzer
 * reaches the decoder rather than stopping at the checksum: byte 0 holds
 * flags (bit 0: spoil the last record's CRC, a torn tail; bit 1: copy the
 * journal under a second name, so duplicates are found and dropped), then
 * records as [length u16 little-endian][payload]. The file starts with a real
 * header written by hs_journal_open. Replay must return, never crash. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hetsweep/crc32.h"
#include "hetsweep/journal.h"

#define RECORD_MAGIC 0x314A5348u
#define N_TASKS 3

static const char identity[] =
    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

static char cube[256];

static void make_paths(void)
{
    if (cube[0])
        return;
    char dir[] = "/tmp/hetsweep-fuzz-journal-XXXXXX";
    if (!mkdtemp(dir))
        abort();
    snprintf(cube, sizeof cube, "%s/cube.h5", dir);
}

/* Append the input's records, framed, to the journal at path. */
static void append_records(const char *path, const uint8_t *data, size_t size, int torn)
{
    FILE *f = fopen(path, "ab");
    if (!f)
        abort();
    size_t at = 1;
    while (at + 2 <= size) {
        uint32_t length = (uint32_t)data[at] | (uint32_t)data[at + 1] << 8;
        at += 2;
        if (length > size - at)
            length = (uint32_t)(size - at);
        int last = at + length + 2 > size;
        uint32_t frame[3] = {RECORD_MAGIC, length, hs_crc32(0, data + at, length)};
        if (last && torn)
            frame[2] ^= 1;
        fwrite(frame, sizeof frame, 1, f);
        fwrite(data + at, 1, length, f);
        at += length;
    }
    fclose(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    make_paths();
    hs_journal_remove_all(cube);
    hs_error err;
    hs_error_clear(&err);
    hs_journal *journal = NULL;
    if (hs_journal_open(cube, 0, identity, N_TASKS, &journal, &err) != HS_OK)
        abort();
    hs_journal_close(journal, 0);
    char path[300], copy[300];
    snprintf(path, sizeof path, "%s.journal.0", cube);
    snprintf(copy, sizeof copy, "%s.journal.9", cube);
    int flags = size ? data[0] : 0;
    append_records(path, data, size, flags & 1);
    if (flags & 2) {
        FILE *in = fopen(path, "rb"), *out = fopen(copy, "wb");
        int c;
        while (in && out && (c = fgetc(in)) != EOF)
            fputc(c, out);
        if (in)
            fclose(in);
        if (out)
            fclose(out);
    }
    hs_journal_replay replay;
    hs_error_clear(&err);
    if (hs_journal_replay_bounded(cube, identity, N_TASKS, hs_journal_max_bytes(64, N_TASKS),
                                  &replay, &err) == HS_OK)
        hs_journal_replay_free(&replay);
    return 0;
}
