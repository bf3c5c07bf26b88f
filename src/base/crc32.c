/* crc32.c - table-driven CRC-32 (polynomial 0xEDB88320, reflected). */
#include "hetsweep/crc32.h"

static uint32_t table[256];
static int table_ready;

static void make_table(void)
{
    for (uint32_t n = 0; n < 256; n++) {
        uint32_t c = n;
        for (int k = 0; k < 8; k++)
            c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        table[n] = c;
    }
    table_ready = 1;
}

uint32_t hs_crc32(uint32_t crc, const void *data, size_t length)
{
    if (!table_ready)
        make_table();
    const unsigned char *bytes = data;
    crc = ~crc;
    for (size_t i = 0; i < length; i++)
        crc = table[(crc ^ bytes[i]) & 0xFF] ^ (crc >> 8);
    return ~crc;
}
