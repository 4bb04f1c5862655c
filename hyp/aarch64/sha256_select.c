/* SPDX-License-Identifier: Apache-2.0 */
/* The fastest SHA-256 block function this CPU has. */
#include "hv/sha256.h"

/* ID_AA64ISAR0_EL1.SHA2 (bits 15:12): the SHA-256 instructions are there. */
static int have_sha256_instructions(void)
{
    uint64_t isar0;
    __asm__("mrs %0, id_aa64isar0_el1" : "=r"(isar0));
    return ((isar0 >> 12) & 0xf) >= 1;
}

hv_sha256_blocks_fn hv_sha256_best(void)
{
    return have_sha256_instructions() ? hv_sha256_blocks_ce : hv_sha256_blocks_generic;
}
