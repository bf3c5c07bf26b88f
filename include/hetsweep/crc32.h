/* crc32.h - the two CRCs of hetsweep: CRC-32 (IEEE 802.3, as zlib) for journal
 * records and the old formats of the cube's checkpoint checksum, and CRC-32C
 * (Castagnoli, as iSCSI and ext4) for the block checksums of "<cube>.sum"
 * format 3, with the x86 crc32 instruction (SSE4.2) where the CPU has it. */
#ifndef HETSWEEP_CRC32_H
#define HETSWEEP_CRC32_H

#include <stddef.h>
#include <stdint.h>

/* Continue a CRC-32 over more bytes; start with crc = 0. */
uint32_t hs_crc32(uint32_t crc, const void *data, size_t length);

/* Continue a CRC-32C over more bytes; start with crc = 0. The same result on
 * every path (hardware, portable) and every machine; the check value, of
 * "123456789", is 0xE3069283. */
uint32_t hs_crc32c(uint32_t crc, const void *data, size_t length);

/* hs_crc32c by tables alone (slicing by 8), whatever the CPU: what hs_crc32c
 * runs where the CPU lacks SSE4.2, outside x86-64, or under the test hook
 * HETSWEEP_CRC32C=portable (testhooks.h). */
uint32_t hs_crc32c_portable(uint32_t crc, const void *data, size_t length);

/* 1 if hs_crc32c uses the crc32 instruction in this process, else 0. */
int hs_crc32c_uses_hardware(void);

#endif
