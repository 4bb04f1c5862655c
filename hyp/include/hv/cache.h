/* SPDX-License-Identifier: Apache-2.0 */
/* Cache maintenance by VA (EL2 mappings are identity, so VA == PA). */
#ifndef HV_CACHE_H
#define HV_CACHE_H

#include <stddef.h>
#include <stdint.h>

/*
 * The cache rule (docs/architecture.md): clean and invalidate [start, start + len) to the point
 * of coherency, after every earlier memory access has completed. Call it after EL2 writes guest
 * memory (the guest may read it uncached: it must be in memory, and no line of ours may stay)
 * and BEFORE EL2 reads memory a guest wrote (it may have written uncached, past a stale line;
 * clean too, not just invalidate: a guest with its MMU on may hold the newest data dirty).
 * Only on a range already validated as mapped at EL2 (a guest's own RAM).
 */
void hv_dcache_clean_inval_range(uintptr_t start, size_t len);
/*
 * A partition's RAM before it starts: zeroed, cleaned and invalidated to the PoC in one pass (start
 * and len multiples of 64), so that a guest with its MMU off reads the zeros, not older memory.
 *
 * The _cold variant writes only the 64-byte blocks that do not read as zero already. It is for
 * the first load after reset: nothing but the loader has written the memory since, and the boot
 * protocols (Linux arm64 booting.rst, which the Pi firmware and QEMU follow) leave no dirty
 * cache line behind, so a block that reads as zero is zero in memory. Memory nobody used is only
 * read (under QEMU, no host page gets allocated for it: 5 times faster for 256 MiB, measured).
 * A restart must use the plain one: the partition's own dirty lines may sit over older data.
 * (The cold variant's reads are the one EL2 read of guest RAM without maintenance first: no guest
 * has run there since reset, and every line EL2 filled since its MMU went on came from memory.)
 */
void hv_zero_clean_range(uintptr_t start, size_t len);
void hv_zero_clean_range_cold(uintptr_t start, size_t len);
void hv_icache_inval_all(void);

#endif
