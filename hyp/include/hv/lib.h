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

#endif
