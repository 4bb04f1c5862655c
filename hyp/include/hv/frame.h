/* The saved context of an exception: layout shared by vectors.S and C. */
#ifndef HV_FRAME_H
#define HV_FRAME_H

#define FRAME_X30   (30 * 8)
#define FRAME_ELR   (31 * 8)
#define FRAME_SPSR  (32 * 8)
#define FRAME_SIZE  (34 * 8)        /* 16-byte multiple */

/* Exception kinds passed to the C handlers */
#define HV_EXC_EL2_SP0        0
#define HV_EXC_EL2_SYNC       1
#define HV_EXC_EL2_IRQ        2
#define HV_EXC_EL2_FIQ        3
#define HV_EXC_EL2_SERROR     4
#define HV_EXC_LOWER_IRQ      5
#define HV_EXC_LOWER_FIQ      6
#define HV_EXC_LOWER_SERROR   7
#define HV_EXC_LOWER_AARCH32  8

#ifndef __ASSEMBLER__
#include <stdint.h>

struct hv_regs {
    uint64_t x[31];
    uint64_t elr;
    uint64_t spsr;
    uint64_t pad;
};

_Static_assert(sizeof(struct hv_regs) == FRAME_SIZE, "frame layout");
#endif

#endif
