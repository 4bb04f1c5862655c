/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The run-time state machine of partitions and their vCPUs (docs/architecture.md, "Partition
 * and vCPU states"). Each physical CPU hosts at most one vCPU (pinned). A partition has an
 * incarnation number (`gen`): every stop bumps it first, a start request carries the one it
 * was made in, and a CPU enters its vCPU only for a request of the current incarnation while
 * the partition runs, so no start can overtake a stop. Every field of a partition's run state
 * and of its vCPUs is written under that partition's lock; only its own CPUs take it.
 * Requests between CPUs are announced with the kick SGI: a CPU waiting at EL2 (WFI) wakes on
 * it, a CPU running its guest traps on it and leaves if its incarnation is over.
 */
#include "hv/gic.h"
#include "hv/guest_reset.h"
#include "hv/irq.h"
#include "hv/lib.h"
#include "hv/load.h"
#include "hv/partition.h"
#include "hv/psci.h"
#include "hv/seal.h"
#include "hv/spectre.h"
#include "hv/spinlock.h"
#include "hv/sysreg.h"
#include "hv/vcpu.h"
#include "hv/vgic.h"

struct prun {
    hv_spinlock_t lock;
    volatile uint32_t state;        /* enum hv_run_state */
    volatile uint32_t gen;          /* incarnation: bumped by every stop */
};

struct pcpu {
    volatile uint32_t state;        /* enum hv_vcpu_state */
    uint32_t start_gen;             /* ON_PENDING: the incarnation the start was requested in */
    uint32_t gen;                   /* ON: the incarnation it runs in */
    const struct prun *run;         /* its partition's, from its first entry on (try_enter) */
    uint64_t entry;
    uint64_t context;
};

static struct prun pruns[HV_NPARTITIONS];
static struct pcpu pcpus[HV_NCPUS];

void hv_enter_guest(const struct hv_regs *regs) __attribute__((noreturn));

static struct prun *run_of_slot(uint32_t slot)
{
    return &pruns[hv_cpus[slot].partition];
}

enum hv_vcpu_state hv_vcpu_state(uint32_t slot)
{
    return (enum hv_vcpu_state)pcpus[slot].state;
}

enum hv_run_state hv_run_state(uint32_t idx)
{
    return (enum hv_run_state)pruns[idx].state;
}

/* OFF -> ON_PENDING, in the current incarnation of a running partition. */
int64_t hv_vcpu_request_start(uint32_t slot, uint64_t entry, uint64_t context)
{
    struct prun *r = run_of_slot(slot);
    struct pcpu *c = &pcpus[slot];
    int64_t ret = PSCI_SUCCESS;

    hv_spin_lock(&r->lock);
    if (r->state != RUN_RUNNING) {
        ret = PSCI_INTERNAL_FAILURE;    /* being stopped: the caller is kicked out too */
    } else if (c->state != VCPU_OFF) {
        ret = PSCI_ALREADY_ON;          /* accepted once (ON_PENDING or ON), as KVM answers */
    } else {
        c->entry = entry;
        c->context = context;
        c->start_gen = r->gen;
        c->state = VCPU_ON_PENDING;
    }
    hv_spin_unlock(&r->lock);
    if (ret == PSCI_SUCCESS)
        hv_gic_kick(slot);          /* it waits in WFI: an interrupt wakes it */
    return ret;
}

/* HALTED or STOPPING -> RUNNING, with vCPU 0 requested (the caller has loaded the partition
 * and its other vCPUs are off). */
void hv_run_start(uint32_t idx)
{
    const struct hv_partition *p = &hv_partitions[idx];
    struct prun *r = &pruns[idx];

    hv_spin_lock(&r->lock);
    r->state = RUN_RUNNING;
    hv_spin_unlock(&r->lock);
    hv_vcpu_request_start(p->cpu_slot[0], p->entry_ipa, p->dtb_ipa);
}

/* RUNNING -> STOPPING: bump the incarnation first (no start of the old one can enter after
 * this), cancel pending starts, and mark the caller's own vCPU off. Returns 0 when the
 * partition was not running: another CPU stops it, the caller just leaves. */
int hv_run_claim_stop(uint32_t idx)
{
    const struct hv_partition *p = &hv_partitions[idx];
    struct prun *r = &pruns[idx];
    int won = 0;

    hv_spin_lock(&r->lock);
    if (r->state == RUN_RUNNING) {
        won = 1;
        r->state = RUN_STOPPING;
        r->gen++;
        for (uint32_t v = 0; v < p->nvcpus; v++)
            if (pcpus[p->cpu_slot[v]].state == VCPU_ON_PENDING)
                pcpus[p->cpu_slot[v]].state = VCPU_OFF;
        pcpus[hv_cpu_slot()].state = VCPU_OFF;
    }
    hv_spin_unlock(&r->lock);
    return won;
}

/* STOPPING: kick every other CPU of the partition and wait until none is ON. Bounded: a CPU
 * in guest code takes the kick at once; one in a trap handler takes it when the handler
 * returns; one idle at EL2 is already off. No new ON is possible while the partition stops. */
void hv_run_wait_others_off(uint32_t idx)
{
    const struct hv_partition *p = &hv_partitions[idx];
    uint32_t self = hv_cpu_slot();

    for (uint32_t v = 0; v < p->nvcpus; v++)
        if (p->cpu_slot[v] != self && pcpus[p->cpu_slot[v]].state == VCPU_ON)
            hv_gic_kick(p->cpu_slot[v]);
    /* Acquire: what a vCPU did before it went off (its last SGI, under the distributor lock)
     * happens before what the caller does next (the load's vGIC reset drops that SGI). */
    for (uint32_t v = 0; v < p->nvcpus; v++)
        while (p->cpu_slot[v] != self &&
               __atomic_load_n(&pcpus[p->cpu_slot[v]].state, __ATOMIC_ACQUIRE) == VCPU_ON)
            __asm__ volatile("wfe" : : : "memory");
}

/* STOPPING -> HALTED. */
void hv_run_halted(uint32_t idx)
{
    struct prun *r = &pruns[idx];

    hv_spin_lock(&r->lock);
    r->state = RUN_HALTED;
    hv_spin_unlock(&r->lock);
}

/* PSCI CPU_OFF: ON -> OFF for the caller. Returns 1 when no vCPU of the running partition is
 * ON or ON_PENDING any more: the partition is then STOPPING and the caller owns its stop. */
int hv_vcpu_off_self(uint32_t idx)
{
    const struct hv_partition *p = &hv_partitions[idx];
    struct prun *r = &pruns[idx];
    int last = 0;

    hv_spin_lock(&r->lock);
    pcpus[hv_cpu_slot()].state = VCPU_OFF;
    if (r->state == RUN_RUNNING) {
        last = 1;
        for (uint32_t v = 0; v < p->nvcpus; v++)
            if (pcpus[p->cpu_slot[v]].state != VCPU_OFF)
                last = 0;
        if (last) {
            r->state = RUN_STOPPING;
            r->gen++;
        }
    }
    hv_spin_unlock(&r->lock);
    sev();                          /* a stopping CPU may be waiting for this one */
    return last;
}

/* Per-CPU EL2 controls for running a partition's vCPU on this physical CPU, and the reset of
 * everything of the CPU the guest can see (aarch64/guest_reset.c). */
static void load_el2_state(const struct hv_partition *p, uint32_t vcpu)
{
    write_sysreg(hcr_el2, hv_boot_regs.hcr_el2);
    write_sysreg(vtcr_el2, hv_boot_regs.vtcr_el2);
#ifdef HV_HAS_INTEGRITY
    write_sysreg(vttbr_el2, hv_seal_vttbr(p));
#else
    write_sysreg(vttbr_el2, p->vttbr);
#endif
    /* CPTR_EL2, MDCR_EL2, HSTR_EL2 and CNTHP_CTL_EL2 are set once per CPU at boot (head.S,
     * core/main.c) and nothing changes them: not rewritten here. */
    write_sysreg(actlr_el2, 0);     /* no EL1 write access to CPUACTLR/CPUECTLR/L2*CTLR */
    write_sysreg(cnthctl_el2, CNTHCTL_EL1_ACCESS);
    write_sysreg(cntvoff_el2, hv_partition_cntvoff(hv_cpus[hv_cpu_slot()].partition));
    write_sysreg(vpidr_el2, read_sysreg(midr_el1));
    write_sysreg(vmpidr_el2, (1UL << 31) | vcpu);   /* guests count their CPUs from 0 */
    write_sysreg(vbar_el2, hv_vectors_for_cpu());
    isb();
    hv_guest_reset();
    __asm__ volatile("tlbi vmalls12e1\n\tdsb nsh\n\tisb" : : : "memory");
}

/* Enter this CPU's vCPU (try_enter has made it ON). */
static void hv_vcpu_enter(uint32_t slot, uint64_t entry, uint64_t context)
    __attribute__((noreturn));
static void hv_vcpu_enter(uint32_t slot, uint64_t entry, uint64_t context)
{
    const struct hv_cpu *cpu = &hv_cpus[slot];
    struct hv_regs regs;

    memset(&regs, 0, sizeof(regs));
    regs.x[0] = context;
    regs.elr = entry;
    regs.spsr = SPSR_EL1H_MASKED;
    load_el2_state(&hv_partitions[cpu->partition], cpu->vcpu);
    hv_vgic_vcpu_start();
#ifdef HV_HAS_INTEGRITY
    /* Entered but not run: this core lacks FEAT_XNX, so the partition stops as at a fault. */
    if (!hv_seal_can_start(cpu->partition))
        hv_partition_halt(cpu->partition);
#endif
    hv_enter_guest(&regs);
}

/* Acknowledge whatever the GIC holds for this idle CPU: kicks, and interrupts of a vCPU that
 * is not running here (the vGIC keeps its partition's pending, masks any other): none is
 * deactivated while its line stays high, so this ends. */
static void drain_interrupts(void)
{
    for (;;) {
        int recorded;
        uint32_t iar = hv_vgic_idle_ack(&recorded);  /* priority dropped; its SPIs recorded */
        if ((iar & 0x3ff) >= GIC_FIRST_SPECIAL)
            return;
        if (!recorded && hv_irq_hypervisor(iar) == HV_IRQ_NOT_OURS)
            hv_vgic_physical_irq(iar, 0);
    }
}

/* ON_PENDING -> ON when the request is of the current incarnation and the partition runs
 * (checked under the lock a stop takes to bump the incarnation); then enter. Else return. */
static void try_enter(uint32_t slot)
{
    struct prun *r = run_of_slot(slot);
    struct pcpu *c = &pcpus[slot];
    uint64_t entry = 0, context = 0;
    int go = 0;

    hv_spin_lock(&r->lock);
    if (c->state == VCPU_ON_PENDING) {
        if (c->start_gen == r->gen && r->state == RUN_RUNNING) {
            go = 1;
            c->state = VCPU_ON;
            c->gen = r->gen;
            c->run = r;
            entry = c->entry;
            context = c->context;
        } else {
            c->state = VCPU_OFF;    /* a request of an earlier incarnation never runs */
        }
    }
    hv_spin_unlock(&r->lock);
    if (go)
        hv_vcpu_enter(slot, entry, context);
}

/* ON -> OFF for this CPU's vCPU: it runs no guest code any more. ON_PENDING stays: a start
 * can be requested before this CPU first gets here. */
static void mark_self_off(uint32_t slot)
{
    struct prun *r = run_of_slot(slot);

    hv_spin_lock(&r->lock);
    if (pcpus[slot].state == VCPU_ON)
        pcpus[slot].state = VCPU_OFF;
    hv_spin_unlock(&r->lock);
    sev();                          /* a stopping CPU may be waiting for this one */
}

void hv_cpu_idle(void)
{
    uint32_t slot = hv_cpu_slot();
    int hosts = hv_cpus[slot].partition != HV_NO_PARTITION;

    /* Its release before it counts as off (docs/architecture.md, "Stop, restart, halt"). After
     * PSCI CPU_OFF this is the second stop, possibly after a restart's reset: it finds the list
     * registers empty (nothing fills them between the two), so it puts nothing back. */
    hv_vgic_vcpu_stop();
    if (hosts)
        mark_self_off(slot);

    for (;;) {
        /* Look first, then sleep: a request may predate this CPU's GIC set-up, so its kick
         * may never come. WFI, not WFE: it wakes on the kick SGI even with interrupts masked,
         * and QEMU halts a CPU in WFI instead of spinning it. */
        if (hosts) {
            hv_load_help(hv_cpus[slot].partition);  /* its partition's restart, if loading */
            try_enter(slot);
        }
        __asm__ volatile("wfi" : : : "memory");
        drain_interrupts();
    }
}

/* A kick arrived while the guest ran: leave if this vCPU's incarnation is over. No lock: a
 * stop bumps `gen` before it kicks (hv_gic_kick orders the two), and most kicks are the vGIC's
 * (an SGI from another vCPU), which must not queue on the partition's lock. */
void hv_vcpu_handle_kick(void)
{
    const struct pcpu *c = &pcpus[hv_cpu_slot()];

    /* c->run is set: a guest ran on this CPU (only try_enter enters one) */
    if (c->gen != __atomic_load_n(&c->run->gen, __ATOMIC_ACQUIRE))
        hv_cpu_idle();
#ifdef HV_HAS_INTEGRITY
    hv_seal_sync();                 /* its partition was sealed on another vCPU */
#endif
}

uint32_t hv_vcpu_gen(void)
{
    return pcpus[hv_cpu_slot()].gen;
}
