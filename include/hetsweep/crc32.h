/* crc32.h - CRC-32 (IEEE 802.3, as zlib), for journal records and the
 * cube's checkpoint checksum. */
#ifndef HETSWEEP_CRC32_H
#define HETSWEEP_CRC32_H

#include <stddef.h>
#include <stdint.h>

/* Continue a CRC over more bytes; start with crc = 0. */
uint32_t hs_crc32(uint32_t crc, const void *data, size_t length);

#endif
