/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The offsets and sizes the assembly (vectors.S, head.S) needs, taken from the C structs:
 * compiled with -S, never linked; each DEFINE leaves a marker line in the assembler output
 * that asm-offsets.sed (next to this file) turns into a #define of the generated
 * asm-offsets.h (the technique of Linux, Bao and Jailhouse). The assembly writes no offset by
 * hand.
 */
#include <stddef.h>

#include "hv/config.h"
#include "hv/frame.h"
#include "hv/vgic.h"

#define DEFINE(sym, val) \
    __asm__ volatile("\n.ascii \"->" #sym " %0 " #val "\"" : : "i"((long)(val)))

void hv_asm_offsets(void);

void hv_asm_offsets(void)
{
    /* struct hv_regs: the exception frame vectors.S saves and restores */
    DEFINE(FRAME_X0, offsetof(struct hv_regs, x));
    DEFINE(FRAME_X30, offsetof(struct hv_regs, x[30]));
    DEFINE(FRAME_ELR, offsetof(struct hv_regs, elr));
    DEFINE(FRAME_SPSR, offsetof(struct hv_regs, spsr));
    DEFINE(FRAME_SIZE, sizeof(struct hv_regs));

    /* struct hv_boot_regs: the EL2 MMU set-up head.S loads */
    DEFINE(BOOT_REGS_MAIR, offsetof(struct hv_boot_regs, mair_el2));
    DEFINE(BOOT_REGS_TCR, offsetof(struct hv_boot_regs, tcr_el2));
    DEFINE(BOOT_REGS_TTBR0, offsetof(struct hv_boot_regs, ttbr0_el2));
    DEFINE(BOOT_REGS_SCTLR, offsetof(struct hv_boot_regs, sctlr_el2));

    /* struct hv_cpu: head.S finds its CPU slot by MPIDR */
    DEFINE(CPU_MPIDR, offsetof(struct hv_cpu, mpidr));
    DEFINE(CPU_SIZE, sizeof(struct hv_cpu));

    /* hv_vgic_work[]: the per-CPU flag the vector tests before returning to a guest */
    DEFINE(VGIC_WORK_SIZE, sizeof(hv_vgic_work[0]));
}
