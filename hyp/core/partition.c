/*
 * Partitions at run time. Everything about a partition is in the generated hv_partitions[];
 * the run-time state is only whether it runs, whether a CPU is stopping it, and how often
 * it was restarted.
 */
#include "hv/cache.h"
#include "hv/console.h"
#include "hv/lib.h"
#include "hv/partition.h"
#include "hv/pconsole.h"
#include "hv/sha256.h"
#include "hv/platform.h"
#include "hv/spinlock.h"
#include "hv/sysreg.h"
#include "hv/vcpu.h"
#include "hv/vgic.h"
#include "hv/vuart.h"

enum pstate { P_RUNNING, P_HALTED };

struct partition_state {
    enum pstate state;
    uint64_t cntvoff;               /* its virtual counter counts from its (re)start */
    uint32_t stopping;              /* a CPU is stopping or restarting it */
    uint32_t restarts;
};

static struct partition_state pstate[HV_NPARTITIONS];
static hv_spinlock_t pstate_lock;

uint64_t hv_partition_cntvoff(uint32_t idx)
{
    return pstate[idx].cntvoff;
}

uint32_t hv_partition_restarts(uint32_t idx)
{
    return pstate[idx].restarts;
}

static uint64_t counter(void)
{
    isb();
    return read_sysreg(cntpct_el0);
}

/* Measured load: hash each blob where the guest will read it, after the copy, and compare
 * with the digest recorded at build time. Returns 0 if any blob differs. */
static int measure(const struct hv_partition *p, const struct hv_blob *b, int verbose)
{
    static const char hex[] = "0123456789abcdef";
    uint8_t digest[SHA256_DIGEST];
    char text[2 * SHA256_DIGEST + 1];

    uint64_t t0 = counter();
    hv_sha256((const void *)b->dst, b->size, digest);
    uint64_t ticks = counter() - t0;
    for (int i = 0; i < SHA256_DIGEST; i++) {
        text[2 * i] = hex[digest[i] >> 4];
        text[2 * i + 1] = hex[digest[i] & 0xf];
    }
    text[2 * SHA256_DIGEST] = '\0';
    int ok = memcmp(digest, b->sha256, SHA256_DIGEST) == 0;
    if (verbose || !ok)
        hv_log("%s: %s sha256 %s (%lu bytes, %lu counter ticks)%s", p->name, b->what, text,
               (unsigned long)b->size, (unsigned long)ticks, ok ? "" : " MISMATCH");
    return ok;
}

/* Scrub the partition's RAM, copy its pristine blobs (image, DTB) into place and measure
 * them. `cold`: the first load since reset (see hv_zero_clean_range_cold), which also logs
 * every digest; a restart logs only a mismatch. Returns 0 when a measurement fails: the
 * partition must not run. */
static int partition_load(uint32_t idx, int cold)
{
    const struct hv_partition *p = &hv_partitions[idx];
    int ok = 1;

    for (uint32_t i = 0; i < p->nram; i++)
        (cold ? hv_zero_clean_range_cold : hv_zero_clean_range)(p->ram[i].pa, p->ram[i].size);
    for (uint32_t i = 0; i < p->nblobs; i++) {
        const struct hv_blob *b = &p->blobs[i];
        memcpy((void *)b->dst, (const void *)b->src, b->size);
        hv_dcache_clean_range(b->dst, b->size);
        ok &= measure(p, b, cold);
    }
    hv_icache_inval_all();
    hv_vgic_partition_reset(idx);
#ifdef HV_HAS_VUART
    if (p->vuart.present)
        hv_vuart_reset(idx);
#endif
    hv_pconsole_reset(idx);
    pstate[idx].cntvoff = counter();
    return ok;
}

void hv_partitions_load_all(void)
{
    for (uint32_t i = 0; i < HV_NPARTITIONS; i++) {
        const struct hv_partition *p = &hv_partitions[i];
        uint64_t t0 = counter();
        if (!partition_load(i, 1)) {
            pstate[i].state = P_HALTED;
            hv_log("%s: measurement mismatch -> not started", p->name);
            continue;
        }
        pstate[i].state = P_RUNNING;
        uint64_t ticks = counter() - t0;
        hv_log("%s: loaded %lu bytes at 0x%lx, entry 0x%lx, %u vCPU(s) (scrub, copy, measure: "
               "%lu counter ticks = %lu us)", p->name, (unsigned long)p->blobs[0].size,
               (unsigned long)p->blobs[0].dst, (unsigned long)p->entry_ipa, p->nvcpus,
               (unsigned long)ticks, (unsigned long)(ticks * 1000000 / read_sysreg(cntfrq_el0)));
    }
}

void hv_cpu_start(uint32_t slot)
{
    const struct hv_cpu *c = &hv_cpus[slot];

    if (c->partition != HV_NO_PARTITION && c->vcpu == 0 && pstate[c->partition].state == P_RUNNING) {
        const struct hv_partition *p = &hv_partitions[c->partition];
        hv_log("%s: starting vCPU 0 on CPU %u", p->name, slot);
        hv_vcpu_enter(slot, p->entry_ipa, p->dtb_ipa);
    }
    hv_cpu_idle();                  /* a secondary vCPU waits for its partition's CPU_ON */
}

/* Claim the right to stop a partition; a second CPU arriving meanwhile just goes idle. */
static void claim_stop(uint32_t idx)
{
    hv_spin_lock(&pstate_lock);
    int already = pstate[idx].stopping;
    pstate[idx].stopping = 1;
    hv_spin_unlock(&pstate_lock);
    if (already)
        hv_cpu_idle();
}

static void stop_other_vcpus(uint32_t idx)
{
    const struct hv_partition *p = &hv_partitions[idx];
    uint32_t self = hv_cpu_slot();

    for (uint32_t v = 0; v < p->nvcpus; v++)
        if (p->cpu_slot[v] != self)
            hv_vcpu_stop_remote(p->cpu_slot[v]);
}

static void mark_halted_and_idle(uint32_t idx) __attribute__((noreturn));
static void mark_halted_and_idle(uint32_t idx)
{
    uint32_t left = 0;

    hv_spin_lock(&pstate_lock);
    pstate[idx].state = P_HALTED;
    pstate[idx].stopping = 0;
    for (uint32_t i = 0; i < HV_NPARTITIONS; i++)
        left += pstate[i].state == P_RUNNING;
    hv_spin_unlock(&pstate_lock);

    hv_log("%s: halted", hv_partitions[idx].name);
    if (left == 0) {
        hv_log("no partition left running: powering off");
        hv_platform_power_off();
    }
    hv_cpu_idle();
}

void hv_partition_halt(uint32_t idx)
{
    claim_stop(idx);
    stop_other_vcpus(idx);
    mark_halted_and_idle(idx);
}

void hv_partition_restart(uint32_t idx, int counted)
{
    const struct hv_partition *p = &hv_partitions[idx];

    claim_stop(idx);
    stop_other_vcpus(idx);
    if (!partition_load(idx, 0)) {
        hv_log("%s: measurement mismatch -> not restarted", p->name);
        mark_halted_and_idle(idx);
    }
    hv_spin_lock(&pstate_lock);
    if (counted)
        pstate[idx].restarts++;
    pstate[idx].stopping = 0;
    hv_spin_unlock(&pstate_lock);
    if (counted)
        hv_log("%s: restarted (%u of %u)", p->name, pstate[idx].restarts, p->restart_limit);
    else
        hv_log("%s: restarted on request", p->name);

    uint32_t boot = p->cpu_slot[0];
    if (boot == hv_cpu_slot())
        hv_vcpu_enter(boot, p->entry_ipa, p->dtb_ipa);
    hv_vcpu_request_start(boot, p->entry_ipa, p->dtb_ipa);
    hv_cpu_idle();
}

void hv_partition_vcpu_off(uint32_t idx)
{
    const struct hv_partition *p = &hv_partitions[idx];
    uint32_t self = hv_cpu_slot();
    int last = 0;

    /* The partition stops with its last vCPU. Marking this vCPU off and counting the others
     * under one lock means two CPU_OFFs at once cannot both believe the other is still on. */
    hv_spin_lock(&pstate_lock);
    hv_vcpu_mark_off(self);
    if (!pstate[idx].stopping) {
        last = 1;
        for (uint32_t v = 0; v < p->nvcpus; v++)
            if (hv_vcpu_state(p->cpu_slot[v]) != VCPU_OFF)
                last = 0;
        pstate[idx].stopping = last;
    }
    hv_spin_unlock(&pstate_lock);

    if (!last)
        hv_cpu_idle();
    hv_log("%s: last vCPU off", p->name);
    mark_halted_and_idle(idx);
}

static const char *const action_names[] = {
    [HV_FAULT_HALT] = "halt",
    [HV_FAULT_RESTART] = "restart",
    [HV_FAULT_INJECT] = "inject",
};

void hv_fault(struct hv_regs *regs, enum hv_fault_kind kind, const char *fmt, ...)
{
    uint32_t idx = hv_current_partition();
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
