/*
 * Physical CPUs and their vCPUs. Each physical CPU hosts at most one vCPU (pinned). Requests
 * from other CPUs (start on PSCI CPU_ON, stop when the partition halts or restarts) arrive in
 * a per-CPU mailbox, announced with the kick SGI: a CPU waiting at EL2 (WFI) wakes on it, a
 * CPU running its guest traps on it.
 */
#include "hv/gic.h"
#include "hv/guest_reset.h"
#include "hv/irq.h"
#include "hv/lib.h"
#include "hv/partition.h"
#include "hv/psci.h"
#include "hv/spectre.h"
#include "hv/spinlock.h"
#include "hv/sysreg.h"
#include "hv/vcpu.h"
#include "hv/vgic.h"

enum request { REQ_NONE, REQ_START, REQ_STOP };

struct pcpu {
    volatile uint32_t request;
    volatile uint32_t state;        /* enum hv_vcpu_state */
    uint64_t entry;
    uint64_t context;
};

static struct pcpu pcpus[HV_NCPUS];
static hv_spinlock_t mailbox_lock;

void hv_enter_guest(const struct hv_regs *regs) __attribute__((noreturn));

static inline void sev(void)
{
    __asm__ volatile("dsb ish\n\tsev" : : : "memory");
}

enum hv_vcpu_state hv_vcpu_state(uint32_t slot)
{
    return (enum hv_vcpu_state)pcpus[slot].state;
}

int64_t hv_vcpu_request_start(uint32_t slot, uint64_t entry, uint64_t context)
{
    struct pcpu *c = &pcpus[slot];
    int64_t ret = PSCI_SUCCESS;

    hv_spin_lock(&mailbox_lock);
    if (c->state == VCPU_ON) {
        ret = PSCI_ALREADY_ON;
    } else if (c->state == VCPU_ON_PENDING) {
        ret = PSCI_ON_PENDING;
    } else {
        c->entry = entry;
        c->context = context;
        c->state = VCPU_ON_PENDING;
        c->request = REQ_START;
    }
    hv_spin_unlock(&mailbox_lock);
    if (ret == PSCI_SUCCESS)
        hv_gic_kick(slot);          /* it waits in WFI: an interrupt wakes it */
    return ret;
}

void hv_vcpu_stop_remote(uint32_t slot)
{
    struct pcpu *c = &pcpus[slot];

    hv_spin_lock(&mailbox_lock);
    if (c->state == VCPU_OFF) {
        c->request = REQ_NONE;
        hv_spin_unlock(&mailbox_lock);
        return;
    }
    c->request = REQ_STOP;
    hv_spin_unlock(&mailbox_lock);
    sev();
    hv_gic_kick(slot);
    while (c->state != VCPU_OFF)
        __asm__ volatile("wfe" : : : "memory");
}

/* Per-CPU EL2 controls for running a partition's vCPU on this physical CPU, and the reset of
 * everything of the CPU the guest can see (aarch64/guest_reset.c). */
static void load_el2_state(const struct hv_partition *p, uint32_t vcpu)
{
    write_sysreg(hcr_el2, hv_boot_regs.hcr_el2);
    write_sysreg(vtcr_el2, hv_boot_regs.vtcr_el2);
    write_sysreg(vttbr_el2, p->vttbr);
    write_sysreg(cptr_el2, CPTR_EL2_DEFAULT);
    write_sysreg(mdcr_el2, hv_mdcr_el2());
    write_sysreg(actlr_el2, 0);     /* no EL1 write access to CPUACTLR/CPUECTLR/L2*CTLR */
    write_sysreg(hstr_el2, 0);      /* UNKNOWN at reset: no AArch32 CP15 access traps */
    write_sysreg(cnthp_ctl_el2, 0); /* the EL2 timer (unused) off: UNKNOWN at reset */
    write_sysreg(cnthctl_el2, CNTHCTL_EL1_ACCESS);
    write_sysreg(cntvoff_el2, hv_partition_cntvoff(hv_cpus[hv_cpu_slot()].partition));
    write_sysreg(vpidr_el2, read_sysreg(midr_el1));
    write_sysreg(vmpidr_el2, (1UL << 31) | vcpu);   /* guests count their CPUs from 0 */
    write_sysreg(vbar_el2, hv_vectors_for_cpu());
    isb();
    hv_guest_reset();
    __asm__ volatile("tlbi vmalls12e1\n\tdsb nsh\n\tisb" : : : "memory");
}

void hv_vcpu_enter(uint32_t slot, uint64_t entry, uint64_t context)
{
    const struct hv_cpu *cpu = &hv_cpus[slot];
    struct hv_regs regs;

    hv_spin_lock(&mailbox_lock);
    pcpus[slot].state = VCPU_ON;
    pcpus[slot].request = REQ_NONE;
    hv_spin_unlock(&mailbox_lock);

    memset(&regs, 0, sizeof(regs));
    regs.x[0] = context;
    regs.elr = entry;
    regs.spsr = SPSR_EL1H_MASKED;
    load_el2_state(&hv_partitions[cpu->partition], cpu->vcpu);
    hv_vgic_vcpu_start();
    hv_enter_guest(&regs);
}

/* Acknowledge and deactivate whatever the GIC holds for this idle CPU: kicks, and
 * interrupts of a vCPU that is not running here any more. */
static void drain_interrupts(void)
{
    for (;;) {
        uint32_t iar = hv_gic_ack();
        if ((iar & 0x3ff) >= GIC_SPURIOUS)
            return;
        hv_gic_eoi(iar);
        if (hv_irq_hypervisor(iar) == HV_IRQ_NOT_OURS)
            hv_gic_deactivate(iar);
    }
}

void hv_vcpu_mark_off(uint32_t slot)
{
    struct pcpu *c = &pcpus[slot];

    hv_spin_lock(&mailbox_lock);
    if (c->request == REQ_STOP)
        c->request = REQ_NONE;
    /* A CPU_ON may already be waiting (it can arrive before this CPU first gets here). */
    if (c->request != REQ_START)
        c->state = VCPU_OFF;
    hv_spin_unlock(&mailbox_lock);
    sev();                          /* a CPU may be waiting for this one to be off */
}

void hv_cpu_idle(void)
{
    uint32_t slot = hv_cpu_slot();
    struct pcpu *c = &pcpus[slot];

    hv_vgic_vcpu_stop();
    hv_vcpu_mark_off(slot);

    for (;;) {
        /* Look first, then sleep: a request may predate this CPU's GIC set-up, so its kick
         * may never come. WFI, not WFE: it wakes on the kick SGI even with interrupts masked,
         * and QEMU halts a CPU in WFI instead of spinning it. */
        if (c->request == REQ_START)
            hv_vcpu_enter(slot, c->entry, c->context);
        __asm__ volatile("wfi" : : : "memory");
        drain_interrupts();
    }
}

void hv_vcpu_handle_kick(void)
{
    if (pcpus[hv_cpu_slot()].request == REQ_STOP)
        hv_cpu_idle();
}
