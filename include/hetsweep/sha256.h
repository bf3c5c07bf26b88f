/* sha256.h - SHA-256 (FIPS 180-4), for the cube's resume identity (SPEC 2). */
#ifndef HETSWEEP_SHA256_H
#define HETSWEEP_SHA256_H

#include <stddef.h>
#include <stdint.h>

/* hex receives 64 lowercase hex digits and a terminating NUL. */
void hs_sha256_hex(const void *data, size_t length, char hex[65]);

#endif
