/* SPDX-License-Identifier: Apache-2.0 */
/* The saved context of an exception: struct hv_regs, saved and restored by vectors.S through
 * the offsets generated from it (aarch64/asm-offsets.c: FRAME_*). */
#ifndef HV_FRAME_H
#define HV_FRAME_H

/* Exception kinds passed to the C handlers */
#define HV_EXC_EL2_SP0       0
#define HV_EXC_EL2_SYNC      1
#define HV_EXC_EL2_IRQ       2
#define HV_EXC_EL2_FIQ       3
#define HV_EXC_EL2_SERROR    4
#define HV_EXC_LOWER_IRQ     5
#define HV_EXC_LOWER_FIQ     6
#define HV_EXC_LOWER_SERROR  7
#define HV_EXC_LOWER_AARCH32 8

#ifndef __ASSEMBLER__
#include <stdint.h>

struct hv_regs {
    uint64_t x[31];
    uint64_t elr;
    uint64_t spsr;
    uint64_t pad;
};

/* The frame is pushed on the stack: SP stays 16-byte aligned. */
_Static_assert(sizeof(struct hv_regs) % 16 == 0, "struct hv_regs: a 16-byte multiple");
#endif

#endif
