/* SPDX-License-Identifier: Apache-2.0 */
/* memcpy/memset/strlen: freestanding, also the targets of compiler-generated calls. */
#include "hv/lib.h"

void *memcpy(void *dst, const void *src, size_t n)
{
    uint8_t *d = dst;
    const uint8_t *s = src;

    if ((((uintptr_t)d | (uintptr_t)s | n) & 7) == 0) {
        uint64_t *d8 = dst;
        const uint64_t *s8 = src;
        size_t words = n / 8, i = 0;
        /* 64 bytes per iteration (ldp/stp): partition images are tens of MiB, and under QEMU
         * the loop's own instructions cost as much as the memory accesses */
        for (; i + 8 <= words; i += 8) {
            uint64_t a = s8[i], b = s8[i + 1], c = s8[i + 2], e = s8[i + 3];
            uint64_t f = s8[i + 4], g = s8[i + 5], h = s8[i + 6], k = s8[i + 7];
            d8[i] = a;
            d8[i + 1] = b;
            d8[i + 2] = c;
            d8[i + 3] = e;
            d8[i + 4] = f;
            d8[i + 5] = g;
            d8[i + 6] = h;
            d8[i + 7] = k;
        }
        for (; i < words; i++)
            d8[i] = s8[i];
        return dst;
    }
    while (n--)
        *d++ = *s++;
    return dst;
}

void *memset(void *dst, int c, size_t n)
{
    uint8_t *d = dst;

    if (c == 0 && (((uintptr_t)d | n) & 7) == 0) {
        uint64_t *d8 = dst;
        for (size_t i = 0; i < n / 8; i++)
            d8[i] = 0;
        return dst;
    }
    while (n--)
        *d++ = (uint8_t)c;
    return dst;
}

size_t strlen(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const uint8_t *x = a, *y = b;
    for (size_t i = 0; i < n; i++)
        if (x[i] != y[i])
            return x[i] < y[i] ? -1 : 1;
    return 0;
}
