/* SPDX-License-Identifier: Apache-2.0 */
/* Stage-2 aborts: a guest touched an IPA its stage-2 tables do not map (or not that way). */
#include "hv/console.h"
#include "hv/mmio.h"
#include "hv/partition.h"
#include "hv/seal.h"
#include "hv/sysreg.h"
#include "hv/traps.h"
#include "hv/vgic.h"

uint64_t hv_at_s1e1(uint64_t va, int write)
{
    uint64_t guest_par = read_sysreg(par_el1);     /* the guest's: AT must not change it */
    if (write)
        __asm__ volatile("at s1e1w, %0\n\tisb" : : "r"(va));
    else
        __asm__ volatile("at s1e1r, %0\n\tisb" : : "r"(va));
    uint64_t par = read_sysreg(par_el1);
    write_sysreg(par_el1, guest_par);
    return par;
}

/* The faulting IPA of a fault that records it in HPFAR_EL2 (the page; FAR gives the offset). */
static uint64_t hpfar_ipa(uint64_t far)
{
    return ((read_sysreg(hpfar_el2) >> 4) << 12) | (far & 0xfff);
}

/* The faulting IPA. HPFAR_EL2 is only valid for translation and access flag faults; for a
 * permission fault, take the guest's VA through its own stage 1 (or FAR when that is off). */
static uint64_t fault_ipa(uint64_t iss)
{
    uint64_t far = read_sysreg(far_el2);

    if (!FSC_IS_PERMISSION(ISS_FSC(iss)) || (iss & ISS_S1PTW))
        return hpfar_ipa(far);
    if (!(read_sysreg(sctlr_el1) & SCTLR_M))
        return far;
    uint64_t par = hv_at_s1e1(far, 0);
    if (par & 1)
        return far;                 /* cannot tell: report the VA */
    return (par & 0x0000fffffffff000UL) | (far & 0xfff);
}

/* Only a translation fault of the access itself can be one to an emulated page (those are
 * never mapped). A permission fault is on a page the partition has mapped, whatever IPA its
 * own racing stage 1 makes AT report; a fault on a stage-1 table walk (S1PTW) is not the
 * instruction's access, whose register and size the syndrome describes. */
static int emulable(uint64_t iss)
{
    return !FSC_IS_PERMISSION(ISS_FSC(iss)) && !(iss & ISS_S1PTW);
}

/*
 * Called from the vector with a partial frame (x19-x29 not saved): emulate an MMIO access to
 * an emulated device page if it needs nothing else. Returns 0 to take the full path.
 * A translation fault (the only kind an emulated page takes) has its IPA page in HPFAR_EL2.
 * Word reads of the distributor's lock-free registers, the ones drivers poll, are decoded
 * here with one page comparison instead of the generic device dispatch.
 */
int hv_stage2_mmio_fast(struct hv_regs *regs)
{
    uint64_t iss = ESR_ISS(read_sysreg(esr_el2));
    unsigned rt = ISS_SRT(iss);

    if (!(iss & ISS_ISV) || (rt >= 19 && rt <= 29) || !emulable(iss))
        return 0;
    uint64_t ipa = hpfar_ipa(read_sysreg(far_el2));     /* a translation fault: checked */
    const struct hv_partition *p = hv_current_partition_config();
    uint64_t gicd_off = ipa - p->vgic.gicd_ipa;
    if ((iss & (ISS_WNR | ISS_SAS_MASK)) == ISS_SAS_WORD && gicd_off < 0x1000)
        return hv_vgic_dist_read_fast(regs, iss, gicd_off, p);
    return hv_mmio_emulate(regs, iss, ipa, p);
}

void hv_stage2_abort(struct hv_regs *regs, uint64_t esr, int is_instruction)
{
    uint64_t iss = ESR_ISS(esr);
    uint64_t ipa = fault_ipa(iss);

    if (!is_instruction && emulable(iss) &&
        hv_mmio_emulate(regs, iss, ipa, hv_current_partition_config()))
        return;
#ifdef HV_HAS_INTEGRITY
    /* Sealed ranges stay executable at stage 2: only a data access faults on them; an EL1
     * fetch faults only outside the text of a sealed-strict partition. */
    if (is_instruction ? hv_seal_fetch_abort(regs, esr, ipa) : hv_seal_abort(regs, esr, ipa))
        return;                     /* a sealed kernel page: patched, or on_violation */
#endif

    if (is_instruction) {
        hv_fault(regs, HV_FAULT_KIND_ABORT,
                 "stage-2 fault: instruction fetch at ipa=0x%lx pc=0x%lx esr=0x%lx",
                 (unsigned long)ipa, (unsigned long)regs->elr, (unsigned long)esr);
        return;
    }
    const char *dir = (iss & ISS_WNR) ? "write" : "read";
    if (iss & ISS_ISV)
        hv_fault(regs, HV_FAULT_KIND_ABORT,
                 "stage-2 fault: %s of %u bytes at ipa=0x%lx pc=0x%lx esr=0x%lx", dir,
                 1u << ISS_SAS(iss), (unsigned long)ipa, (unsigned long)regs->elr,
                 (unsigned long)esr);
    else
        hv_fault(regs, HV_FAULT_KIND_ABORT, "stage-2 fault: %s at ipa=0x%lx pc=0x%lx esr=0x%lx",
                 dir, (unsigned long)ipa, (unsigned long)regs->elr, (unsigned long)esr);
}
