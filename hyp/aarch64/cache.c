/* Cache maintenance by VA. QEMU does not model caches, so none of this shows in tests: review it. */
#include "hv/cache.h"
#include "hv/sysreg.h"

static uintptr_t dcache_line_size(void)
{
    uint64_t ctr = read_sysreg(ctr_el0);
    return 4UL << ((ctr >> 16) & 0xf);      /* DminLine is log2 of words */
}

void hv_dcache_clean_range(uintptr_t start, size_t len)
{
    uintptr_t line = dcache_line_size();
    uintptr_t end = start + len;

    for (uintptr_t p = start & ~(line - 1); p < end; p += line)
        __asm__ volatile("dc cvac, %0" : : "r"(p) : "memory");
    dsb(sy);
}

void hv_icache_inval_all(void)
{
    __asm__ volatile("ic ialluis" : : : "memory");
    dsb(ish);
    isb();
}
