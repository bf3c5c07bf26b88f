/* crc32.c - CRC-32 (polynomial 0xEDB88320, reflected, as zlib's) and the
 * portable CRC-32C (0x82F63B78, reflected), eight bytes a step with eight
 * tables ("slicing by 8"), then byte by byte. The hardware CRC-32C and the
 * choice between the two are in crc32c.c. */
#include "hetsweep/crc32.h"

#include <pthread.h>
#include <string.h>

/* table[0] is the byte-wise table of a polynomial; table[k][n] is the CRC of
 * byte n followed by k zero bytes, so eight lookups advance it eight bytes. */
typedef struct {
    uint32_t table[8][256];
} slicing_tables;

static slicing_tables crc32_tables, crc32c_tables;
static pthread_once_t tables_once = PTHREAD_ONCE_INIT;

static void make_tables_of(uint32_t polynomial, slicing_tables *tables)
{
    uint32_t(*table)[256] = tables->table;
    for (uint32_t n = 0; n < 256; n++) {
        uint32_t c = n;
        for (int k = 0; k < 8; k++)
            c = c & 1 ? polynomial ^ (c >> 1) : c >> 1;
        table[0][n] = c;
    }
    for (uint32_t n = 0; n < 256; n++)
        for (int k = 1; k < 8; k++)
            table[k][n] = table[0][table[k - 1][n] & 0xFF] ^ (table[k - 1][n] >> 8);
}

static void make_tables(void)
{
    make_tables_of(0xEDB88320u, &crc32_tables);
    make_tables_of(0x82F63B78u, &crc32c_tables);
}

/* Continue the CRC of the tables' polynomial over length bytes. */
static uint32_t slice_by_8(const slicing_tables *tables, uint32_t crc,
                           const unsigned char *bytes, size_t length)
{
    const uint32_t(*table)[256] = tables->table;
    crc = ~crc;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    for (; length >= 8; bytes += 8, length -= 8) {
        uint32_t low, high; /* little-endian words, as x86-64 and aarch64 read them */
        memcpy(&low, bytes, 4);
        memcpy(&high, bytes + 4, 4);
        low ^= crc;
        crc = table[7][low & 0xFF] ^ table[6][(low >> 8) & 0xFF] ^
              table[5][(low >> 16) & 0xFF] ^ table[4][low >> 24] ^ table[3][high & 0xFF] ^
              table[2][(high >> 8) & 0xFF] ^ table[1][(high >> 16) & 0xFF] ^
              table[0][high >> 24];
    }
#endif
    for (size_t i = 0; i < length; i++)
        crc = table[0][(crc ^ bytes[i]) & 0xFF] ^ (crc >> 8);
    return ~crc;
}

uint32_t hs_crc32(uint32_t crc, const void *data, size_t length)
{
    pthread_once(&tables_once, make_tables);
    return slice_by_8(&crc32_tables, crc, data, length);
}

uint32_t hs_crc32c_portable(uint32_t crc, const void *data, size_t length)
{
    pthread_once(&tables_once, make_tables);
    return slice_by_8(&crc32c_tables, crc, data, length);
}
