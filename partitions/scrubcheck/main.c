/* SPDX-License-Identifier: Apache-2.0 */
/*
 * scrubcheck: what an earlier incarnation wrote must be gone when the next one starts. The
 * load phase (hyp/core/load.c) scrubs a partition's RAM in 2 MiB chunks on every CPU that takes
 * part, leaving out the blobs' ranges, which the copies write; the end of a blob's last 64-byte
 * block is zeroed by the copy. Both are checked here: the device tree's slot after the tree
 * (the DTB is a blob in writable RAM, of a size that is no multiple of 64) and a scratch region.
 */
#include "../lib/guest.h"

#define DTB_SLOT 0x10000UL          /* the device tree's slot (layout.py DTB_SLOT) */
#define PATTERN  0xa5a5a5a5a5a5a5a5UL

static uint32_t be32(const volatile uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The first byte of [a, b) that is not zero, or 0. */
static uint64_t first_dirty(uint64_t a, uint64_t b)
{
    for (uint64_t p = a; p < b; p++)
        if (*(const volatile uint8_t *)p)
            return p;
    return 0;
}

static void fill(uint64_t a, uint64_t b)
{
    for (uint64_t p = a; p < b; p++)
        *(volatile uint8_t *)p = (uint8_t)PATTERN;
}

int main(uint64_t dtb)
{
    uint64_t tail = dtb + be32((const volatile uint8_t *)dtb + 4), end = dtb + DTB_SLOT;
    uint64_t scratch = SCRATCH, scratch_end = SCRATCH + SCRATCH_SIZE;
    uint64_t dirty = first_dirty(tail, end);

    if (!dirty)
        dirty = first_dirty(scratch, scratch_end);
    if (dirty)
        guest_printf("scrubcheck: DIRTY at 0x%lx", (unsigned long)dirty);
    else
        guest_printf("scrubcheck: clean: %lu bytes after the DTB, %lu bytes of scratch",
                     (unsigned long)(end - tail), (unsigned long)(scratch_end - scratch));
    fill(tail, end);
    fill(scratch, scratch_end);
    guest_printf("scrubcheck: filled, SYSTEM_RESET");
    smccc_hvc(HVCFG_PSCI_SYSTEM_RESET, 0, 0, 0);
    guest_printf("scrubcheck: SYSTEM_RESET returned");
    return 0;
}
