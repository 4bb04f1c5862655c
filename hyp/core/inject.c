/*
 * Deliver a synchronous exception to the guest's EL1 as a real CPU would: the guest's
 * ESR_EL1/FAR_EL1/ELR_EL1/SPSR_EL1 are set and it resumes at its vector (VBAR_EL1).
 */
#include "hv/partition.h"
#include "hv/sysreg.h"

#define SPSR_M_MASK   0xfUL
#define SPSR_M_EL0T   0x0UL
#define SPSR_M_EL1T   0x4UL
#define VEC_CUR_SP0   0x000UL
#define VEC_CUR_SPX   0x200UL
#define VEC_LOWER64   0x400UL
#define FSC_EXTABT    0x10UL

void hv_inject_exception(struct hv_regs *regs, enum hv_fault_kind kind)
{
    uint64_t mode = regs->spsr & SPSR_M_MASK;
    uint64_t offset = mode == SPSR_M_EL0T ? VEC_LOWER64 : mode == SPSR_M_EL1T ? VEC_CUR_SP0
                                                                             : VEC_CUR_SPX;
    uint64_t esr;

    if (kind == HV_FAULT_KIND_UNDEF) {
        esr = ((uint64_t)EC_UNKNOWN << ESR_EC_SHIFT) | ESR_IL;
    } else {
        uint32_t ec = ESR_EC(read_sysreg(esr_el2));
        uint32_t inj = ec == EC_IABT_LOW ? (mode == SPSR_M_EL0T ? EC_IABT_LOW : EC_IABT_CUR)
                                         : (mode == SPSR_M_EL0T ? EC_DABT_LOW : EC_DABT_CUR);
        esr = ((uint64_t)inj << ESR_EC_SHIFT) | ESR_IL | FSC_EXTABT;
        write_sysreg(far_el1, read_sysreg(far_el2));
    }
    write_sysreg(esr_el1, esr);
    write_sysreg(elr_el1, regs->elr);
    write_sysreg(spsr_el1, regs->spsr);
    regs->elr = read_sysreg(vbar_el1) + offset;
    regs->spsr = SPSR_EL1H_MASKED;
}
