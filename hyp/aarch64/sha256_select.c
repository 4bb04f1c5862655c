/* SPDX-License-Identifier: Apache-2.0 */
/* SHA-256 with the fastest block function this CPU has. */
#include "hv/sha256.h"

/* ID_AA64ISAR0_EL1.SHA2 (bits 15:12): the SHA-256 instructions are there. */
static int have_sha256_instructions(void)
{
    uint64_t isar0;
    __asm__("mrs %0, id_aa64isar0_el1" : "=r"(isar0));
    return ((isar0 >> 12) & 0xf) >= 1;
}

void hv_sha256(const void *data, size_t len, uint8_t digest[SHA256_DIGEST])
{
    hv_sha256_digest(have_sha256_instructions() ? hv_sha256_blocks_ce : hv_sha256_blocks_generic,
                     data, len, digest);
}
