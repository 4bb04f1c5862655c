/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Partitions at run time. Everything about a partition is in the generated hv_partitions[];
 * whether it runs, and in which incarnation, is vcpu.c's state machine. Here: loading,
 * stopping, restarting (counted against its limits) and the health monitor.
 */
#include "hv/channel.h"
#include "hv/console.h"
#include "hv/ivshmem.h"
#include "hv/lib.h"
#include "hv/load.h"
#include "hv/partition.h"
#include "hv/pconsole.h"
#include "hv/platform.h"
#include "hv/seal.h"
#include "hv/sysreg.h"
#include "hv/vcpu.h"
#include "hv/vgic.h"
#include "hv/vuart.h"

/* Written only by the CPU that owns the partition's stop (hv_run_claim_stop), or at boot. */
struct partition_state {
    uint64_t cntvoff;               /* its virtual counter counts from its (re)start */
    uint32_t restarts;              /* by the health monitor (on_fault: restart) */
    uint32_t resets;                /* requested (PSCI SYSTEM_RESET) */
};

static struct partition_state pstate[HV_NPARTITIONS];
static uint32_t alive;              /* partitions not halted: the last one to halt powers off */

uint64_t hv_partition_cntvoff(uint32_t idx)
{
    return pstate[idx].cntvoff;
}

/* What a partition needs besides its RAM and blobs (core/load.c loads those) for a start from
 * defined state: its vGIC, virtual UART, console line and virtual counter. */
static void partition_reset(uint32_t idx)
{
    hv_vgic_partition_reset(idx);
#ifdef HV_HAS_VUART
    if (hv_partitions[idx].vuart.present)
        hv_vuart_reset(idx);
#endif
#ifdef HV_HAS_IVSHMEM
    hv_ivshmem_reset(idx);
#endif
#ifdef HV_HAS_INTEGRITY
    if (hv_partitions[idx].integrity)
        hv_seal_partition_reset(idx);
#endif
    hv_pconsole_reset(idx);
    pstate[idx].cntvoff = hv_counter();
}

static void power_off(void) __attribute__((noreturn));
static void power_off(void)
{
    hv_log("no partition left running: powering off");
    hv_platform_power_off();
}

/* Boot: every CPU has helped load every partition (hv_load_open_boot); each partition whose
 * blobs all match starts. */
void hv_partitions_load_all(void)
{
    hv_load_finish_boot();
#ifdef HV_HAS_CHANNELS
    hv_channels_scrub();            /* once, before any start: a restart keeps the contents */
#endif
    for (uint32_t i = 0; i < HV_NPARTITIONS; i++) {
        const struct hv_partition *p = &hv_partitions[i];
        partition_reset(i);
        int startable = 1;
#ifdef HV_HAS_INTEGRITY
        startable = hv_seal_can_start(i);   /* sealed-strict without FEAT_XNX: says why */
#endif
        if (startable && !hv_load_verify(i, 1)) {
            hv_log("%s: measurement mismatch -> not started", p->name);
            startable = 0;
        }
        if (!startable) {
#ifdef HV_HAS_CHANNELS
            hv_channels_partition_halt(i);  /* its peers can tell it will not come */
#endif
            continue;
        }
#ifdef HV_HAS_CHANNELS
        hv_channels_partition_start(i, 1);      /* generation, and the peers rung */
#endif
        hv_log("%s: loaded %lu bytes at 0x%lx, entry 0x%lx, %u vCPU(s)", p->name,
               (unsigned long)p->blobs[0].size, (unsigned long)p->blobs[0].dst,
               (unsigned long)p->entry_ipa, p->nvcpus);
        alive++;
        hv_run_start(i);            /* vCPU 0's CPU enters it when it gets to its idle loop */
    }
    if (alive == 0)
        power_off();                /* none passed its measurement */
}

void hv_cpu_start(uint32_t slot)
{
    const struct hv_cpu *c = &hv_cpus[slot];

    if (c->partition != HV_NO_PARTITION && c->vcpu == 0 &&
        hv_run_state(c->partition) == RUN_RUNNING)
        hv_log("%s: starting vCPU 0 on CPU %u", hv_partitions[c->partition].name, slot);
    hv_cpu_idle();                  /* enters a requested vCPU, or waits for a CPU_ON */
}

/* Own the partition's stop, or leave (another CPU stops it). The owner returns once all the
 * partition's vCPUs are out of guest code, its own vGIC state released. */
static void stop_vcpus(uint32_t idx)
{
    if (!hv_run_claim_stop(idx))
        hv_cpu_idle();
    hv_vgic_vcpu_stop();
    hv_run_wait_others_off(idx);
}

/* The stop owner, all vCPUs off: the partition stays halted. */
static void halted_and_idle(uint32_t idx) __attribute__((noreturn));
static void halted_and_idle(uint32_t idx)
{
    /* Its passed-through SPIs disabled at the distributor and released: a level line of a
     * halted partition must not keep interrupting its idle CPU. */
    hv_vgic_partition_stop(idx);
    hv_pconsole_reset(idx);         /* its partial line and suppressed counts: said, emptied */
#ifdef HV_HAS_INTEGRITY
    hv_seal_report(idx);            /* kernel patches done, writes refused */
#endif
    hv_run_halted(idx);
#ifdef HV_HAS_CHANNELS
    hv_channels_partition_halt(idx);
#endif
    hv_log("%s: halted", hv_partitions[idx].name);
    if (__atomic_sub_fetch(&alive, 1, __ATOMIC_ACQ_REL) == 0)
        power_off();
    hv_cpu_idle();
}

void hv_partition_halt(uint32_t idx)
{
    stop_vcpus(idx);
    halted_and_idle(idx);
}

void hv_partition_restart(uint32_t idx, int fault)
{
    const struct hv_partition *p = &hv_partitions[idx];
    struct partition_state *s = &pstate[idx];

    stop_vcpus(idx);
    if (!fault && s->resets >= p->reset_limit) {
        hv_log("%s: restart limit reached (%u requested restarts) -> halt", p->name, s->resets);
        halted_and_idle(idx);
    }
    hv_load_partition(idx);         /* on the partition's own CPUs: the others run others */
    partition_reset(idx);
    if (!hv_load_verify(idx, 0)) {
        hv_log("%s: measurement mismatch -> not restarted", p->name);
        halted_and_idle(idx);
    }
#ifdef HV_HAS_CHANNELS
    hv_channels_partition_start(idx, 0);        /* generation, and the peers rung */
#endif
    if (fault)
        hv_log("%s: restarted (%u of %u)", p->name, ++s->restarts, p->restart_limit);
    else
        hv_log("%s: restarted on request (%u of %u)", p->name, ++s->resets, p->reset_limit);
    hv_run_start(idx);
    hv_cpu_idle();                  /* this CPU enters vCPU 0 if it is its CPU */
}

void hv_partition_vcpu_off(uint32_t idx)
{
    /* Its vGIC state released before it counts as off, as hv_cpu_idle does: a restart owner
     * waiting for it (hv_run_wait_others_off) then resets the vGIC after this CPU put back what
     * its list registers held (SGIs, virtual SPIs), never before, so none of that reaches the
     * next incarnation. */
    hv_vgic_vcpu_stop();
    if (!hv_vcpu_off_self(idx))
        hv_cpu_idle();
    hv_log("%s: last vCPU off", hv_partitions[idx].name);
    halted_and_idle(idx);
}

static const char *const action_names[] = {HV_FAULT_ACTION_NAMES};

void hv_fault(struct hv_regs *regs, enum hv_fault_kind kind, const char *fmt, ...)
{
    char event[160];
    va_list ap;

    va_start(ap, fmt);
    hv_vsnprintf(event, sizeof(event), fmt, ap);
    va_end(ap);
    hv_fault_as(regs, kind, hv_partitions[hv_current_partition()].on_fault, event);
}

void hv_fault_as(struct hv_regs *regs, enum hv_fault_kind kind, uint32_t action, const char *event)
{
    uint32_t idx = hv_current_partition();
    const struct hv_partition *p = &hv_partitions[idx];

    const char *note = "";
    if (action == HV_FAULT_RESTART && pstate[idx].restarts >= p->restart_limit) {
        action = HV_FAULT_HALT;
        note = " (restart limit reached)";
    }
    hv_log_event(idx, "%s -> %s%s", event, action_names[action], note);

    switch (action) {
    case HV_FAULT_INJECT:
        hv_inject_exception(regs, kind);
        return;
    case HV_FAULT_RESTART:
        hv_partition_restart(idx, 1);
    default:
        hv_partition_halt(idx);
    }
}
