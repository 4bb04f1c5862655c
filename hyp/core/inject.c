/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Deliver an exception to the guest's EL1 as a real CPU would. A synchronous one: the guest's
 * ESR_EL1/FAR_EL1/ELR_EL1/SPSR_EL1 are set and it resumes at its vector (VBAR_EL1) for where it
 * was: EL1 with SP_EL0 or SP_EL1, or a lower EL in AArch64 or in AArch32 (an EL0 task of a
 * 64-bit kernel may run AArch32). An SError becomes a virtual SError (HCR_EL2.VSE), which the
 * CPU takes to the guest's SError vector when it unmasks PSTATE.A, as a physical one would be.
 */
#include "hv/partition.h"
#include "hv/sysreg.h"

#define VEC_CUR_SP0 0x000UL
#define VEC_CUR_SPX 0x200UL
#define VEC_LOWER64 0x400UL
#define VEC_LOWER32 0x600UL
#define FSC_EXTABT  0x10UL

static uint64_t vector_offset(uint64_t spsr)
{
    if (spsr & SPSR_M_AARCH32)
        return VEC_LOWER32;         /* only EL0 can be AArch32 (HCR_EL2.RW) */
    switch (spsr & SPSR_M_MASK) {
    case SPSR_M_EL0T:
        return VEC_LOWER64;
    case SPSR_M_EL1T:
        return VEC_CUR_SP0;
    default:
        return VEC_CUR_SPX;
    }
}

void hv_inject_exception(struct hv_regs *regs, enum hv_fault_kind kind)
{
    int from_el0 = (regs->spsr & SPSR_M_AARCH32) || (regs->spsr & SPSR_M_MASK) == SPSR_M_EL0T;
    uint64_t esr;

    if (kind == HV_FAULT_KIND_SERROR) {
        write_sysreg(hcr_el2, read_sysreg(hcr_el2) | HCR_VSE);
        return;
    }
    if (kind == HV_FAULT_KIND_UNDEF) {
        esr = ((uint64_t)EC_UNKNOWN << ESR_EC_SHIFT) | ESR_IL;
    } else {
        uint32_t ec = ESR_EC(read_sysreg(esr_el2));
        uint32_t inj = ec == EC_IABT_LOW ? (from_el0 ? EC_IABT_LOW : EC_IABT_CUR)
                                         : (from_el0 ? EC_DABT_LOW : EC_DABT_CUR);
        esr = ((uint64_t)inj << ESR_EC_SHIFT) | ESR_IL | FSC_EXTABT;
        write_sysreg(far_el1, read_sysreg(far_el2));
    }
    write_sysreg(esr_el1, esr);
    write_sysreg(elr_el1, regs->elr);
    write_sysreg(spsr_el1, regs->spsr);
    regs->elr = read_sysreg(vbar_el1) + vector_offset(regs->spsr);
    regs->spsr = SPSR_EL1H_MASKED;
}
