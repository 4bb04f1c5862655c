/* Emulated MMIO on stage-2 data aborts: what the abort decoder and the device models share. */
#ifndef HV_MMIO_H
#define HV_MMIO_H

#include <stdint.h>

#include "hv/frame.h"
#include "hv/sysreg.h"

struct hv_partition;

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

/* The generic path: find the emulated device at `ipa` in partition p, do the access, write back
 * a load, step over the instruction. Returns 0 when no device takes it (a stage-2 fault). */
int hv_mmio_emulate(struct hv_regs *regs, uint64_t iss, uint64_t ipa,
                    const struct hv_partition *p);

#endif
