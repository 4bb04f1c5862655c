/*
 * Partitions at run time. Everything about a partition is in the generated hv_partitions[];
 * the only run-time state is whether it runs and how often it was restarted.
 */
#include <stdbool.h>

#include "hv/cache.h"
#include "hv/console.h"
#include "hv/lib.h"
#include "hv/partition.h"
#include "hv/platform.h"
#include "hv/spinlock.h"
#include "hv/sysreg.h"

enum pstate { P_STOPPED, P_RUNNING, P_HALTED };

struct partition_state {
    enum pstate state;
    uint32_t restarts;
};

static struct partition_state pstate[HV_NPARTITIONS];
static hv_spinlock_t pstate_lock;

/* Scrub the partition's RAM and copy its pristine image into place. */
static void partition_load(uint32_t idx)
{
    const struct hv_partition *p = &hv_partitions[idx];

    for (uint32_t i = 0; i < p->nram; i++)
        memset((void *)p->ram[i].pa, 0, p->ram[i].size);
    memcpy((void *)p->image_dst, (const void *)p->image_src, p->image_size);
    for (uint32_t i = 0; i < p->nram; i++)
        hv_dcache_clean_range(p->ram[i].pa, p->ram[i].size);
    hv_icache_inval_all();
}

void hv_partitions_load_all(void)
{
    for (uint32_t i = 0; i < HV_NPARTITIONS; i++) {
        const struct hv_partition *p = &hv_partitions[i];
        partition_load(i);
        pstate[i].state = P_RUNNING;
        hv_log("%s: loaded %lu bytes at 0x%lx, entry 0x%lx", p->name,
               (unsigned long)p->image_size, (unsigned long)p->image_dst,
               (unsigned long)p->entry_ipa);
    }
}

/* Per-CPU EL2 controls for running a partition's vCPU on this physical CPU. */
static void vcpu_load_el2_state(const struct hv_partition *p, uint32_t vcpu)
{
    write_sysreg(hcr_el2, HV_HCR_EL2);
    write_sysreg(vtcr_el2, HV_VTCR_EL2);
    write_sysreg(vttbr_el2, p->vttbr);
    write_sysreg(cptr_el2, CPTR_EL2_DEFAULT);
    write_sysreg(cnthctl_el2, CNTHCTL_EL1_ACCESS);
    write_sysreg(cntvoff_el2, 0);
    write_sysreg(vpidr_el2, read_sysreg(midr_el1));
    write_sysreg(vmpidr_el2, (1UL << 31) | vcpu);   /* guests count their CPUs from 0 */
    write_sysreg(sctlr_el1, SCTLR_EL1_RESET);
    isb();
    __asm__ volatile("tlbi vmalls12e1\n\tdsb nsh\n\tisb" : : : "memory");
}

void hv_enter_guest(const struct hv_regs *regs) __attribute__((noreturn));

static void vcpu_enter(uint32_t pidx, uint32_t vcpu, uint64_t entry, uint64_t x0)
    __attribute__((noreturn));
static void vcpu_enter(uint32_t pidx, uint32_t vcpu, uint64_t entry, uint64_t x0)
{
    const struct hv_partition *p = &hv_partitions[pidx];
    struct hv_regs regs;

    memset(&regs, 0, sizeof(regs));
    regs.x[0] = x0;
    regs.elr = entry;
    regs.spsr = SPSR_EL1H_MASKED;
    vcpu_load_el2_state(p, vcpu);
    hv_enter_guest(&regs);
}

void hv_vcpu_run(uint32_t slot)
{
    const struct hv_cpu *c = &hv_cpus[slot];

    if (c->partition == HV_NO_PARTITION || c->vcpu != 0) {
        /* Not a boot vCPU: wait (PSCI CPU_ON arrives with the static partitioning work). */
        for (;;)
            wfi();
    }
    const struct hv_partition *p = &hv_partitions[c->partition];
    hv_log("%s: starting vCPU 0 on CPU %u", p->name, slot);
    vcpu_enter(c->partition, 0, p->entry_ipa, p->dtb_ipa);
}

static uint32_t running_partitions(void)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < HV_NPARTITIONS; i++)
        n += pstate[i].state == P_RUNNING;
    return n;
}

static void partition_halt(uint32_t idx) __attribute__((noreturn));
static void partition_halt(uint32_t idx)
{
    hv_spin_lock(&pstate_lock);
    pstate[idx].state = P_HALTED;
    uint32_t left = running_partitions();
    hv_spin_unlock(&pstate_lock);

    hv_log("%s: halted", hv_partitions[idx].name);
    if (left == 0) {
        hv_log("no partition left running: powering off");
        hv_platform_power_off();
    }
    for (;;)
        wfi();
}

static void partition_restart(uint32_t idx) __attribute__((noreturn));
static void partition_restart(uint32_t idx)
{
    const struct hv_partition *p = &hv_partitions[idx];

    partition_load(idx);
    hv_log("%s: restarted (%u of %u)", p->name, pstate[idx].restarts, p->restart_limit);
    vcpu_enter(idx, 0, p->entry_ipa, p->dtb_ipa);
}

static const char *const action_names[] = {
    [HV_FAULT_HALT] = "halt",
    [HV_FAULT_RESTART] = "restart",
    [HV_FAULT_INJECT] = "inject",
};

void hv_fault(struct hv_regs *regs, enum hv_fault_kind kind, const char *fmt, ...)
{
    uint32_t idx = hv_cpus[hv_cpu_slot()].partition;
    const struct hv_partition *p = &hv_partitions[idx];
    char event[160];
    va_list ap;

    va_start(ap, fmt);
    hv_vsnprintf(event, sizeof(event), fmt, ap);
    va_end(ap);

    uint32_t action = p->on_fault;
    const char *note = "";
    if (action == HV_FAULT_RESTART && pstate[idx].restarts >= p->restart_limit) {
        action = HV_FAULT_HALT;
        note = " (restart limit reached)";
    }
    hv_log("%s: %s -> %s%s", p->name, event, action_names[action], note);

    switch (action) {
    case HV_FAULT_INJECT:
        hv_inject_exception(regs, kind);
        return;
    case HV_FAULT_RESTART:
        pstate[idx].restarts++;
        partition_restart(idx);
    default:
        partition_halt(idx);
    }
}
