/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The fuzzer's driver: vCPU 0 prints the seed, starts the other vCPUs, and every vCPU makes
 * random actions until the deadline (FUZZ_MS of virtual time since the machine started) or
 * FUZZ_ITERS actions. Then the secondaries turn themselves off and vCPU 0 powers the
 * partition off. A SYSTEM_RESET (only well before the deadline) starts a new incarnation
 * whose random stream also depends on the time it starts, so a run always ends: the deadline
 * is absolute, and each incarnation ends at it.
 */
#include "fuzz.h"

struct fz_cpu fz_cpus[NCPUS];
uint64_t fz_deadline;
volatile uint8_t fz_scratch[8192] __attribute__((aligned(64)));
static volatile uint32_t print_lock;

void fz_lock(void)
{
    while (__atomic_exchange_n(&print_lock, 1, __ATOMIC_ACQUIRE))
        ;
}

void fz_unlock(void)
{
    __atomic_store_n(&print_lock, 0, __ATOMIC_RELEASE);
}

int fz_may_reset(void)
{
    /* the last fifth of the run has no resets: the final incarnation gets time to end */
    return fz_counter() < fz_deadline - fz_deadline / 5;
}

const char *const fz_kind_names[K_NKINDS] = {
    "hvc_arch", "hvc_psci",   "hvc_vendor", "hvc_owner", "hvc_random", "console",  "mem",
    "gicd",     "vuart",      "uart_irq",   "mrs",       "msr",        "sys",      "irq_window",
    "cpu_on",   "cpu_on_bad", "cpu_off",    "affinity",  "reset",      "on_reset", "channel",
};

#if HVCFG_CHANNEL_COUNT > 0
const struct fz_channel fz_channels[HVCFG_CHANNEL_COUNT] = HVCFG_CHANNELS;
#endif

/* The counts of this incarnation, all vCPUs together (their state is in shared RAM). */
void fz_summary(const char *why)
{
    uint64_t actions = 0, faults = 0, irqs = 0, doorbells = 0, violations = 0, ecs = 0;
    uint64_t kinds[K_NKINDS];
    uint32_t combos = 0;

    for (int k = 0; k < K_NKINDS; k++)
        kinds[k] = 0;
    for (int v = 0; v < NCPUS; v++) {
        const struct fz_cpu *c = &fz_cpus[v];
        actions += c->actions;
        faults += c->faults;
        irqs += c->irqs;
        doorbells += c->doorbell_irqs;
        violations += c->violations;
        ecs |= c->ec_seen;
        for (int k = 0; k < K_NKINDS; k++)
            kinds[k] += c->kinds[k];
    }
    for (int f = 0; f < 32; f++) {
        uint32_t m = 0;
        for (int v = 0; v < NCPUS; v++)
            m |= fz_cpus[v].forms_targets[f];
        for (; m; m &= m - 1)
            combos++;
    }
    FZ_LOG("fuzz: %s: actions %lu faults %lu irqs %lu doorbell_irqs %lu violations %lu ecs 0x%lx "
           "mem_combos %u",
           why, actions, faults, irqs, doorbells, violations, ecs, combos);
    for (int k = 0; k < K_NKINDS; k++)
        if (kinds[k])
            FZ_LOG("fuzz: kind %s %lu", fz_kind_names[k], kinds[k]);
}

static enum fz_kind one_action(struct fz_cpu *c, uint32_t self)
{
    uint64_t r = fz_below(&c->rng, 100);
    if (r < 22)
        return fz_call_action(c);
    if (r < 47)
        return fz_mem_action(c);
    if (r < 60)
        return fz_device_action(c);
    if (r < 85)
        return fz_sysreg_action(c);
    if (r < 88) {
        /* A short window with IRQs unmasked: pending virtual interrupts are taken. Half the
         * time the CPU interface is enabled and the virtual timer fires into it first. */
        int timer = fz_below(&c->rng, 2);
        FZ_BEGIN(c, K_IRQ_WINDOW, "irq window timer %d", timer);
        if (FUZZ_ARM_DOORBELLS)
            fz_arm_doorbells();
        if (timer) {
            mmio_write32(HVCFG_GICC_BASE + 0x0, 1); /* GICC_CTLR */
            mmio_write32(HVCFG_GICC_BASE + 0x4, 0xff); /* GICC_PMR */
            mmio_write32(HVCFG_GICD_BASE + 0x100, 1u << 27); /* ISENABLER0: timer */
            __asm__ volatile("msr cntv_tval_el0, %0\n\tmsr cntv_ctl_el0, %1\n\tisb"
                             :
                             : "r"(0UL), "r"(1UL));
        }
        __asm__ volatile("msr daifclr, #2\n\t"
                         ".rept 64\n\tnop\n\t.endr\n\t"
                         "msr daifset, #2"
                         :
                         :
                         : "memory");
        return K_IRQ_WINDOW;
    }
    return fz_psci_action(c, self);
}

static void run(struct fz_cpu *c, uint32_t self)
{
    uint64_t freq;
    __asm__ volatile("mrs %0, cntfrq_el0" : "=r"(freq));

    for (uint64_t i = 0; i < FUZZ_ITERS && fz_counter() < fz_deadline; i++) {
        c->actions++;
        guest_icount_slice();
        uint64_t t0 = fz_counter();
        one_action(c, self);
        /* An action that took over 1 ms of virtual time: the hypervisor kept this vCPU. */
        uint64_t us = (fz_counter() - t0) * 1000000 / freq;
        if (us > 1000)
            FZ_LOG("fuzz: slow v%u #%lu %s %lu us (0x%lx 0x%lx 0x%lx)", self, c->actions,
                   fz_kind_names[c->last_kind], us, c->last_args[0], c->last_args[1],
                   c->last_args[2]);
        __asm__ volatile("msr daifset, #0xf" : : : "memory"); /* whatever an MSR did to DAIF */
    }
}

static void seed_rng(struct fz_cpu *c, uint32_t vcpu, uint64_t salt)
{
    if (c->rng)
        return; /* started again in this incarnation: go on */
    c->rng = (uint64_t)SEED * 0x2545f4914f6cdd1dUL ^ salt ^ ((uint64_t)vcpu << 56);
    fz_next(&c->rng);
}

static void fp_on(void)
{
    __asm__ volatile("msr cpacr_el1, %0\n\tisb" : : "r"(3UL << 20));
}

void fz_secondary(uint64_t context, uint64_t vcpu)
{
    struct fz_cpu *c = &fz_cpus[vcpu];

    fp_on();
    seed_rng(c, (uint32_t)vcpu, context ^ fz_counter());
    run(c, (uint32_t)vcpu);
    FZ_LOG("fuzz: v%lu done", vcpu);
    smccc_hvc(HVCFG_PSCI_CPU_OFF, 0, 0, 0);
    FZ_VIOLATION(c, "CPU_OFF returned");
}

int main(uint64_t dtb)
{
    uint64_t freq, t0 = fz_counter();
    __asm__ volatile("mrs %0, cntfrq_el0" : "=r"(freq));

    guest_install_vectors();
    fp_on();
    fz_deadline = (uint64_t)FUZZ_MS * freq / 1000;
    FZ_LOG("fuzz: seed %d", SEED);
    FZ_LOG("fuzz: incarnation at %lu us, %d vCPUs, until %d ms", t0 * 1000000 / freq, NCPUS,
           FUZZ_MS);

    struct fz_cpu *c = &fz_cpus[0];
    seed_rng(c, 0, t0);
    /* All vCPUs run from the start (waiting at most a fifth of the run for each: under icount
     * QEMU runs the CPUs round-robin, and a CPU woken by the hypervisor's kick may wait tens
     * of ms of virtual time for its turn). */
    for (uint32_t v = 1; v < NCPUS; v++) {
        int64_t ret = smccc_hvc(HVCFG_PSCI_CPU_ON_64, v, (uint64_t)fz_entry, fz_next(&c->rng)).x0;
        uint64_t start = fz_counter(), until = start + fz_deadline / 5;
        while (smccc_hvc(HVCFG_PSCI_AFFINITY_INFO_64, v, 0, 0).x0 != 0 && fz_counter() < until)
            guest_icount_slice();
        FZ_LOG("fuzz: CPU_ON v%u -> %ld, on after %lu us", v, ret,
               (fz_counter() - start) * 1000000 / freq);
        if (ret != 0)
            FZ_VIOLATION(c, "CPU_ON v%u -> %ld", v, ret);
    }
    run(c, 0);

    /* Let the other vCPUs finish their last action and print (bounded: 20 ms). */
    uint64_t until = fz_counter() + freq / 50;
    for (uint32_t v = 1; v < NCPUS; v++)
        while (smccc_hvc(HVCFG_PSCI_AFFINITY_INFO_64, v, 0, 0).x0 != 1 && fz_counter() < until)
            ;
    fz_summary("summary");
    fz_cpu_on_then_off(c);
}
