/* Synchronous exceptions from guests, and the report of anything the hypervisor did not expect. */
#include "hv/console.h"
#include "hv/gic.h"
#include "hv/guest_reset.h"
#include "hv/irq.h"
#include "hv/partition.h"
#include "hv/platform.h"
#include "hv/sysreg.h"
#include "hv/traps.h"
#include "hv/vcpu.h"
#include "hv/vgic.h"

const char *hv_ec_name(uint32_t ec)
{
    switch (ec) {
    case EC_UNKNOWN:   return "unknown instruction";
    case EC_WFX:       return "WFI/WFE";
    case EC_FP:        return "FP/SIMD access";
    case EC_ILLEGAL:   return "illegal execution state";
    case EC_SVC64:     return "SVC";
    case EC_HVC64:     return "HVC";
    case EC_SMC64:     return "SMC";
    case EC_SYS64:     return "system register access";
    case EC_IABT_LOW:  return "instruction abort (lower EL)";
    case EC_IABT_CUR:  return "instruction abort (EL2)";
    case EC_PC_ALIGN:  return "PC alignment fault";
    case EC_DABT_LOW:  return "data abort (lower EL)";
    case EC_DABT_CUR:  return "data abort (EL2)";
    case EC_SP_ALIGN:  return "SP alignment fault";
    case EC_SERROR:    return "SError";
    case EC_BRK64:     return "BRK";
    default:           return "other";
    }
}

void hv_trap_lower_sync(struct hv_regs *regs)
{
    uint64_t esr = read_sysreg(esr_el2);
    uint32_t ec = ESR_EC(esr);

    switch (ec) {
    case EC_HVC64:
        hv_smccc_call(regs);
        return;
    case EC_SMC64:
        regs->elr += 4;             /* a trapped SMC returns to the SMC itself */
        hv_smccc_call(regs);
        return;
    case EC_DABT_LOW:
        hv_stage2_abort(regs, esr, 0);
        return;
    case EC_IABT_LOW:
        hv_stage2_abort(regs, esr, 1);
        return;
    case EC_SYS64:
        if (hv_trap_sysreg(regs, esr))
            return;
        __attribute__((fallthrough));       /* not one it emulates: the health monitor's */
    default:
        hv_fault(regs, HV_FAULT_KIND_UNDEF, "trapped %s (EC=0x%x) pc=0x%lx esr=0x%lx",
                 hv_ec_name(ec), ec, (unsigned long)regs->elr, (unsigned long)esr);
    }
}

/* A physical interrupt taken while a guest ran (HCR_EL2.IMO). The hypervisor's own ones are
 * deactivated here; the partition's are forwarded with the HW bit (the guest deactivates);
 * any other is masked and reported by the vGIC. Each acknowledged interrupt is left active or
 * masked, so the loop ends. */
static void lower_irq(struct hv_regs *regs)
{
    int kicked = 0;

    for (;;) {
        uint32_t iar = hv_gic_ack();
        if ((iar & 0x3ff) >= GIC_FIRST_SPECIAL)
            break;
        hv_gic_eoi(iar);
        enum hv_irq_result own = hv_irq_hypervisor(iar);
        if (own == HV_IRQ_KICK)
            kicked = 1;
        else if (own == HV_IRQ_NOT_OURS)
            hv_vgic_physical_irq(iar, 1);
    }
    if (kicked)
        hv_vcpu_handle_kick();
    (void)regs;
}

static const char *const lower_kind_names[] = {
    [HV_EXC_LOWER_IRQ] = "IRQ",
    [HV_EXC_LOWER_FIQ] = "FIQ",
    [HV_EXC_LOWER_SERROR] = "SError",
    [HV_EXC_LOWER_AARCH32] = "AArch32 exception",
};

void hv_trap_lower_other(struct hv_regs *regs, uint64_t kind)
{
    if (kind == HV_EXC_LOWER_IRQ) {
        lower_irq(regs);
        return;
    }
    /* An SError is the guest's own (an external abort of its device or memory access, at any
     * EL of it, EL0 included): under `inject` its kernel gets a virtual SError to handle as it
     * would a physical one, else the health monitor stops or restarts it. FIQ and AArch32 (EL1
     * is AArch64: this vector is never taken) are nothing a partition was granted. */
    hv_fault(regs, kind == HV_EXC_LOWER_SERROR ? HV_FAULT_KIND_SERROR : HV_FAULT_KIND_ABORT,
             "unexpected %s from guest pc=0x%lx esr=0x%lx", lower_kind_names[kind],
             (unsigned long)regs->elr, (unsigned long)read_sysreg(esr_el2));
}

static const char *const el2_kind_names[] = {
    [HV_EXC_EL2_SP0] = "exception on SP_EL0",
    [HV_EXC_EL2_SYNC] = "synchronous exception",
    [HV_EXC_EL2_IRQ] = "IRQ",
    [HV_EXC_EL2_FIQ] = "FIQ",
    [HV_EXC_EL2_SERROR] = "SError",
};

void hv_trap_unexpected(struct hv_regs *regs, uint64_t kind)
{
    uint64_t esr = read_sysreg(esr_el2);

    hv_console_panic();
    hv_log("PANIC: unexpected %s at EL2 on CPU %u", el2_kind_names[kind], hv_cpu_slot());
    hv_log("  ESR_EL2=0x%016lx EC=0x%02x (%s) ISS=0x%07lx", (unsigned long)esr, ESR_EC(esr),
           hv_ec_name(ESR_EC(esr)), (unsigned long)ESR_ISS(esr));
    hv_log("  ELR_EL2=0x%016lx FAR_EL2=0x%016lx SPSR_EL2=0x%lx", (unsigned long)regs->elr,
           (unsigned long)read_sysreg(far_el2), (unsigned long)regs->spsr);
    hv_log("  x0=0x%lx x1=0x%lx x2=0x%lx x30=0x%lx", (unsigned long)regs->x[0],
           (unsigned long)regs->x[1], (unsigned long)regs->x[2], (unsigned long)regs->x[30]);
    hv_platform_power_off();
}
