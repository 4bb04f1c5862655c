/* SPDX-License-Identifier: Apache-2.0 */
/* SHA-256 (FIPS 180-4), for measuring partition images before they run (hv/fsverity.h). */
#ifndef HV_SHA256_H
#define HV_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_DIGEST 32

/* A block function: `blocks` whole 64-byte blocks of `data` into `state`. */
typedef void (*hv_sha256_blocks_fn)(uint32_t state[8], const uint8_t *data, size_t blocks);

/* The best block function of this CPU (aarch64/sha256_select.c). */
hv_sha256_blocks_fn hv_sha256_best(void);
/* The digest with a given block function: padding and length (core/sha256.c). */
void hv_sha256_digest(hv_sha256_blocks_fn blocks, const void *data, size_t len,
                      uint8_t digest[SHA256_DIGEST]);

extern const uint32_t hv_sha256_k[64];
/* Portable C (core/sha256.c). */
void hv_sha256_blocks_generic(uint32_t state[8], const uint8_t *data, size_t blocks);
/* With the Armv8 SHA-256 instructions (aarch64/sha256_ce.S). */
void hv_sha256_blocks_ce(uint32_t state[8], const uint8_t *data, size_t blocks);

#endif
