/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Cache maintenance by VA, the EL2 side of the cache rule (docs/architecture.md, "Cache rule"):
 * every EL2 write into guest memory is cleaned AND invalidated to the PoC (DC CIVAC), and every
 * EL2 read of memory a guest wrote is preceded by the same, because a guest may write with its
 * MMU off (Device/Non-cacheable: straight to memory, past any line EL2's cacheable mapping holds).
 * No DC CVAC here: it leaves a valid line that a later uncached guest write makes stale.
 * QEMU does not model caches, so none of this shows in boot tests: tests/test_cache_rule.py
 * checks it in the built image and tests/host/test_guestmem.c against a cache model.
 */
#include "hv/cache.h"
#include "hv/sysreg.h"

static uintptr_t dcache_line_size(void)
{
    uint64_t ctr = read_sysreg(ctr_el0);
    return 4UL << ((ctr >> 16) & 0xf);      /* DminLine is log2 of words */
}

void hv_dcache_clean_inval_range(uintptr_t start, size_t len)
{
    uintptr_t line = dcache_line_size();
    uintptr_t end = start + len;

    dsb(sy);        /* the guest's own earlier stores (and ours) complete first */
    for (uintptr_t p = start & ~(line - 1); p < end; p += line)
        __asm__ volatile("dc civac, %0" : : "r"(p) : "memory");
    dsb(sy);
}

/* Zero one 64-byte block with plain stores and clean+invalidate its lines to the PoC. Plain
 * stores, not DC ZVA: the same write bandwidth on Cortex-A53/A72, and QEMU runs each DC ZVA in
 * a helper (measured 1.4x slower than stores there). */
static void zero_clean_block(uintptr_t p, uintptr_t line)
{
    __asm__ volatile("stp xzr, xzr, [%0]\n\t"
                     "stp xzr, xzr, [%0, #16]\n\t"
                     "stp xzr, xzr, [%0, #32]\n\t"
                     "stp xzr, xzr, [%0, #48]"
                     :
                     : "r"(p)
                     : "memory");
    for (uintptr_t l = p; l < p + 64; l += line)
        __asm__ volatile("dc civac, %0" : : "r"(l) : "memory");
}

void hv_zero_clean_range(uintptr_t start, size_t len)
{
    uintptr_t line = dcache_line_size();

    for (uintptr_t p = start; p < start + len; p += 64)
        zero_clean_block(p, line);
    dsb(sy);
}

void hv_zero_clean_range_cold(uintptr_t start, size_t len)
{
    uintptr_t line = dcache_line_size();

    for (uintptr_t p = start; p < start + len; p += 64) {
        const uint64_t *q = (const uint64_t *)p;
        if (q[0] | q[1] | q[2] | q[3] | q[4] | q[5] | q[6] | q[7])
            zero_clean_block(p, line);
    }
    dsb(sy);
}

void hv_icache_inval_all(void)
{
    __asm__ volatile("ic ialluis" : : : "memory");
    dsb(ish);
    isb();
}
