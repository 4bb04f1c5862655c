/* SPDX-License-Identifier: Apache-2.0 */
/* Emulated MMIO on stage-2 data aborts: what the abort decoder and the device models share. */
#ifndef HV_MMIO_H
#define HV_MMIO_H

#include <stdint.h>

#include "hv/frame.h"
#include "hv/sysreg.h"

struct hv_partition;

/* What a device model says about an access in its region. FAULT and HANDLED are 0 and 1, so
 * a model's "the access is allowed" is its result. NOT_MINE: the device does not decode this
 * offset (a sparse device): reported as an access to no device, where FAULT is one the device
 * refuses; both are stage-2 faults for the health monitor. */
enum hv_mmio_result {
    HV_MMIO_FAULT = 0,              /* not an access the device allows: a stage-2 fault */
    HV_MMIO_HANDLED = 1,            /* done: *value holds a load's result */
    HV_MMIO_NOT_MINE = 2,
};

/* An access of `size` (1, 2 or 4) bytes, naturally aligned, at `offset` (< the region's size)
 * from the region's base; `*value` holds what is stored, or receives what is loaded. */
typedef enum hv_mmio_result (*hv_mmio_handler)(uint64_t offset, int is_write, unsigned size,
                                               uint64_t *value);

/* An emulated region of a partition's IPA space. */
struct hv_mmio_region {
    uint64_t base;
    uint64_t size;                  /* > 0, base and size 8-byte aligned, no wrap past 2^64 */
    hv_mmio_handler handler;
};

#define HV_MMIO_MAX_REGIONS 4       /* per partition: distributor, virtual UART, ECAM, BAR0s */

/* Register an emulated region for partition `pidx` (boot CPU, before any partition runs).
 * Refused (0) when the table is full, the region empty, not 8-byte aligned, wrapping past 2^64,
 * or overlapping one registered already; else 1. */
int hv_mmio_register(uint32_t pidx, uint64_t base, uint64_t size, hv_mmio_handler handler);
/* The emulated devices of every partition, from its configuration (hv_main, once). */
void hv_mmio_init(void);

/* Finish an emulated load of `size` (< 8) bytes as the trapped instruction would have and step
 * over it. `value` must not exceed `size` bytes: then it is already right for a zero-extending
 * load into a W or X register, and only SSE (sign extension, into Wt or Xt) changes it. rt 31
 * is XZR (and x[31] would be ELR). */
static inline void hv_mmio_complete_load(struct hv_regs *regs, uint64_t iss, unsigned size,
                                         uint64_t value)
{
    unsigned rt = ISS_SRT(iss);

    if (rt != 31) {
        if (iss & ISS_SSE) {
            unsigned shift = 64 - 8 * size;
            value = (uint64_t)((int64_t)(value << shift) >> shift);
            if (!(iss & ISS_SF))
                value &= 0xffffffffUL;
        }
        regs->x[rt] = value;
    }
    regs->elr += 4;
}

/* The generic path (stage2/mmio.c): decode the access from the data abort's syndrome, offer it
 * to partition p's regions, write back a load, step over the instruction. Returns 0 when no
 * region takes it or its device refuses it (the caller reports a stage-2 fault). */
int hv_mmio_emulate(struct hv_regs *regs, uint64_t iss, uint64_t ipa, const struct hv_partition *p);

#endif
