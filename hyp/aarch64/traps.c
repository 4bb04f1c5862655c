/* SPDX-License-Identifier: Apache-2.0 */
/* Synchronous exceptions from guests, and the report of anything the hypervisor did not expect. */
#include "hv/console.h"
#include "hv/gic.h"
#include "hv/guest_reset.h"
#include "hv/irq.h"
#include "hv/partition.h"
#include "hv/platform.h"
#include "hv/seal.h"
#include "hv/sysreg.h"
#include "hv/traps.h"
#include "hv/vcpu.h"
#include "hv/vgic.h"

/* A synchronous exception from a guest, of one exception class. */
typedef void (*trap_handler)(struct hv_regs *regs, uint64_t esr);

/* Anything no handler takes is the health monitor's: an undefined instruction under `inject`. */
static void trap_unhandled(struct hv_regs *regs, uint64_t esr)
{
    uint32_t ec = ESR_EC(esr);

    hv_fault(regs, HV_FAULT_KIND_UNDEF, "trapped %s (EC=0x%x) pc=0x%lx esr=0x%lx", hv_ec_name(ec),
             ec, (unsigned long)regs->elr, (unsigned long)esr);
}

static void trap_hvc(struct hv_regs *regs, uint64_t esr)
{
    hv_smccc_call(regs);
}

static void trap_smc(struct hv_regs *regs, uint64_t esr)
{
    regs->elr += 4;                 /* a trapped SMC returns to the SMC itself */
    hv_smccc_call(regs);
}

static void trap_dabt(struct hv_regs *regs, uint64_t esr)
{
    hv_stage2_abort(regs, esr, 0);
}

static void trap_iabt(struct hv_regs *regs, uint64_t esr)
{
    hv_stage2_abort(regs, esr, 1);
}

static void trap_sysreg(struct hv_regs *regs, uint64_t esr)
{
    if (!hv_trap_sysreg(regs, esr))
        trap_unhandled(regs, esr);  /* not one it emulates */
}

/* Per exception class (ESR_EL2.EC): its name in reports, and the handler of a guest's trap
 * (none: trap_unhandled). Indexed by the 6-bit EC field, so every index is inside the table. */
static const struct {
    trap_handler handler;
    const char *name;
} ec_table[ESR_EC_MASK + 1] = {
    [EC_UNKNOWN] = {NULL, "unknown instruction"},
    [EC_WFX] = {NULL, "WFI/WFE"},
    [EC_FP] = {NULL, "FP/SIMD access"},
    [EC_ILLEGAL] = {NULL, "illegal execution state"},
    [EC_SVC64] = {NULL, "SVC"},
    [EC_HVC64] = {trap_hvc, "HVC"},
    [EC_SMC64] = {trap_smc, "SMC"},
    [EC_SYS64] = {trap_sysreg, "system register access"},
    [EC_IABT_LOW] = {trap_iabt, "instruction abort (lower EL)"},
    [EC_IABT_CUR] = {NULL, "instruction abort (EL2)"},
    [EC_PC_ALIGN] = {NULL, "PC alignment fault"},
    [EC_DABT_LOW] = {trap_dabt, "data abort (lower EL)"},
    [EC_DABT_CUR] = {NULL, "data abort (EL2)"},
    [EC_SP_ALIGN] = {NULL, "SP alignment fault"},
    [EC_SERROR] = {NULL, "SError"},
    [EC_BRK64] = {NULL, "BRK"},
};

_Static_assert(sizeof(ec_table) / sizeof(ec_table[0]) == ESR_EC(~0UL) + 1,
               "ec_table covers every value of ESR_EL2.EC");

const char *hv_ec_name(uint32_t ec)
{
    const char *name = ec <= ESR_EC_MASK ? ec_table[ec].name : NULL;
    return name ? name : "other";
}

void hv_trap_lower_sync(struct hv_regs *regs)
{
    uint64_t esr = read_sysreg(esr_el2);
    trap_handler handler = ec_table[ESR_EC(esr)].handler;      /* ESR_EC: 0..ESR_EC_MASK */

    (handler ? handler : trap_unhandled)(regs, esr);
}

/* A physical interrupt taken while a guest ran (HCR_EL2.IMO). The hypervisor's own ones are
 * deactivated here; the partition's are forwarded with the HW bit (the guest deactivates);
 * any other is masked and reported by the vGIC. Each acknowledged interrupt is left active or
 * masked, so the loop ends. It acknowledges again only while the CPU interface still signals
 * an IRQ (ISR_EL1.I at EL2: the physical one), so that the usual single interrupt costs one
 * GICC_IAR read; one that the interface raises later takes the exception again. */
void hv_trap_lower_irq(struct hv_regs *regs)
{
    int kicked = 0;

#ifdef HV_HAS_INTEGRITY
    /* Seals once user space has run (stage2/seal.c): only here, not on every trap, since the
     * timer interrupts EL0 anyway and the guest may also seal with its hypercall. */
    if (hv_current_partition_config()->integrity)
        hv_seal_guest_event(regs);
#endif
    do {
        uint32_t iar = hv_gic_ack();
        if ((iar & 0x3ff) >= GIC_FIRST_SPECIAL)
            break;
        hv_gic_eoi(iar);
        enum hv_irq_result own = hv_irq_hypervisor(iar);
        if (own == HV_IRQ_KICK)
            kicked = 1;
        else if (own == HV_IRQ_NOT_OURS)
            hv_vgic_physical_irq(iar, 1);
    } while (read_sysreg(isr_el1) & ISR_EL1_I);
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
