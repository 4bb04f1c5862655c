/* SHA-256 (FIPS 180-4), for measuring partition images before they run. */
#ifndef HV_SHA256_H
#define HV_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_DIGEST 32

void hv_sha256(const void *data, size_t len, uint8_t digest[SHA256_DIGEST]);

extern const uint32_t hv_sha256_k[64];
/* Whole 64-byte blocks with the Armv8 SHA-256 instructions (core/sha256_ce.c). */
void hv_sha256_blocks_ce(uint32_t state[8], const uint8_t *data, size_t blocks);

#endif
