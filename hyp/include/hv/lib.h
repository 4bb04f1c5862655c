/* SPDX-License-Identifier: Apache-2.0 */
/* The few C library functions the hypervisor needs (and the compiler may call). */
#ifndef HV_LIB_H
#define HV_LIB_H

#include <stddef.h>
#include <stdint.h>

void *memcpy(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
size_t strlen(const char *s);
int memcmp(const void *a, const void *b, size_t n);

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* n if n < bound, else 0, under speculation too: the result depends on the comparison through
 * data (CSET) and CSDB stops the CPU from predicting that, so that a mispredicted bounds check
 * before it cannot index beyond `bound` (a guest-chosen index: Spectre v1). Call it after the
 * architectural check; it does not replace it. Host tests (HV_HOST_SHIM) get the plain C. */
static inline uint64_t hv_index_nospec(uint64_t n, uint64_t bound)
{
    uint64_t mask;

#ifdef HV_HOST_SHIM
    mask = n < bound ? ~(uint64_t)0 : 0;
#else
    __asm__ volatile("cmp %1, %2\n\tcsetm %0, lo\n\thint #20" /* CSDB */
                     : "=r"(mask)
                     : "r"(n), "r"(bound)
                     : "cc");
#endif
    return n & mask;
}

#endif
