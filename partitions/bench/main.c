/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bench: instructions spent in the hypervisor per trapped operation (scripts/bench-traps).
 *
 * Run under QEMU `-icount shift=0,sleep=off` with a 1 GHz counter, one counter tick is one
 * instruction executed by any CPU (the clock is shared), so every figure is taken while the other
 * vCPU waits in WFI. Each operation runs in a loop of N iterations (loops.S) and is compared
 * with the same loop holding a NOP instead: (ticks(op) - ticks(nop)) / N is what the operation
 * costs beyond the one instruction it replaces.
 *
 * vCPU 1 enables its CPU interface and interrupts, then sleeps in WFI; its IRQ handler
 * acknowledges SGI 1 and, in ping-pong mode, answers with SGI 2 to vCPU 0.
 *
 * Output, one line each (parsed by scripts/bench-traps and tests/test_bench.py):
 *   bench: calib <name> n=<N> ticks=<T> per_iter=<x.xx>
 *   bench: op <name> n=<N> ticks=<T> nop_ticks=<T0> per_op=<x.xx> [receiver_ran]
 *   bench: done
 */
#include "../lib/gicv2.h"

#define SGI_PING 1       /* vCPU 0 -> vCPU 1 */
#define SGI_PONG 2       /* vCPU 1 -> vCPU 0, in ping-pong mode */
#define NULL_HVC 0xc600ffffu     /* vendor hypervisor range, unknown: NOT_SUPPORTED */

#ifndef BENCH_N
#define BENCH_N 1000
#endif

uint64_t bench_nop(uint64_t n, uint64_t arg, uint64_t value);
uint64_t bench_hvc(uint64_t n, uint64_t fid, uint64_t unused);
uint64_t bench_ldr(uint64_t n, uint64_t addr, uint64_t unused);
uint64_t bench_str(uint64_t n, uint64_t addr, uint64_t value);
uint64_t bench_smc(uint64_t n, uint64_t fid, uint64_t unused);
uint64_t bench_mrs_actlr(uint64_t n, uint64_t unused, uint64_t unused2);
uint64_t bench_nop2(uint64_t n, uint64_t arg, uint64_t value);
uint64_t bench_nop9(uint64_t n, uint64_t arg, uint64_t value);

static volatile uint32_t vcpu1_ready, ping_pong;
static volatile uint32_t pings_seen, pongs_seen, timer_seen, others_seen;
#define TIMER_PPI 27

static inline uint64_t ticks(void)
{
    uint64_t t;
    __asm__ volatile("isb\n\tmrs %0, cntvct_el0\n\tisb" : "=r"(t) : : "memory");
    return t;
}

static inline void irqs_on(void)
{
    __asm__ volatile("msr daifclr, #2\n\tisb" : : : "memory");
}
static inline void irqs_off(void)
{
    __asm__ volatile("msr daifset, #2" : : : "memory");
}
static inline void wfi(void)
{
    __asm__ volatile("dsb sy\n\twfi" : : : "memory");
}

static uint64_t my_vcpu(void)
{
    uint64_t mpidr;
    __asm__ volatile("mrs %0, mpidr_el1" : "=r"(mpidr));
    return mpidr & 0xff;
}

void irq_handler(void)
{
    uint32_t iar = mmio_read32(C(GICC_IAR));        /* GICV: no trap */
    uint32_t intid = iar & 0x3ff;

    if (intid == SGI_PING) {
        pings_seen++;
        if (ping_pong)
            mmio_write32(D(GICD_SGIR), (1u << 16) | SGI_PONG);
    } else if (intid == SGI_PONG) {
        pongs_seen++;
    } else if (intid == TIMER_PPI) {
        __asm__ volatile("msr cntv_ctl_el0, %0" : : "r"(0UL));     /* one shot */
        timer_seen++;
    } else if (intid < 1020) {
        others_seen++;
    }
    if (intid < 1020)
        mmio_write32(C(GICC_EOIR), iar);
}

static void cpu_interface_on(void)
{
    guest_install_vectors();
    for (int i = 0; i < 16; i++)
        mmio_write8(D(GICD_IPRIORITYR + i), 0xa0);
    mmio_write32(D(GICD_ISENABLER), 0xffff | (my_vcpu() == 0 ? 1u << TIMER_PPI : 0));
    mmio_write32(C(GICC_PMR), 0xff);
    mmio_write32(C(GICC_CTLR), 1);
}

void secondary_main(uint64_t vcpu)
{
    (void)vcpu;
    cpu_interface_on();
    irqs_on();
    vcpu1_ready = 1;
    for (;;)
        wfi();                  /* the IRQ handler does the work */
}

/* x.xx of a / n, printed as an integer part and two decimals (no FP in guests). */
static void fixed2(int64_t a, uint64_t n, int64_t *whole, uint64_t *cents)
{
    int neg = a < 0;
    uint64_t m = (uint64_t)(neg ? -a : a) * 100 / n;
    *whole = (int64_t)(m / 100) * (neg ? -1 : 1);
    *cents = m % 100;
}

static void calib(const char *name, uint64_t (*loop)(uint64_t, uint64_t, uint64_t), uint64_t n)
{
    loop(10, 0, 0);
    uint64_t t = loop(n, 0, 0);
    int64_t w;
    uint64_t c;
    fixed2((int64_t)t, n, &w, &c);
    guest_printf("bench: calib %s n=%lu ticks=%lu per_iter=%ld.%lu%lu", name, n, t, w, c / 10,
                 c % 10);
}

static void report(const char *name, uint64_t n, uint64_t t, uint64_t t0, const char *extra)
{
    int64_t w;
    uint64_t c;
    fixed2((int64_t)(t - t0), n, &w, &c);
    guest_printf("bench: op %s n=%lu ticks=%lu nop_ticks=%lu per_op=%ld.%lu%lu%s", name, n, t, t0,
                 w, c / 10, c % 10, extra);
}

static void op(const char *name, uint64_t (*loop)(uint64_t, uint64_t, uint64_t), uint64_t arg,
               uint64_t value, uint64_t n)
{
    loop(10, arg, value);                       /* the same path once before timing */
    bench_nop(10, arg, value);
    uint64_t t = loop(n, arg, value);
    uint64_t t0 = bench_nop(n, arg, value);
    report(name, n, t, t0, "");
}

/* Let vCPU 1 finish whatever it was doing and go back to WFI: vCPU 0 sleeps in WFI too (under
 * single-threaded TCG a spinning CPU may keep the other from running at all) until its virtual
 * timer fires. Interrupts of vCPU 0 are masked on entry and exit. */
static void settle(void)
{
    uint32_t seen = timer_seen;
    __asm__ volatile("msr cntv_tval_el0, %0\n\tmsr cntv_ctl_el0, %1\n\tisb"
                     :
                     : "r"(200000UL), "r"(1UL)
                     : "memory");
    while (timer_seen == seen) {
        wfi();
        irqs_on();
        irqs_off();
    }
}

/* Round trip: SGI 1 to vCPU 1, which answers SGI 2; vCPU 0 waits in WFI for it. Both CPUs'
 * instructions, from vCPU 0's write to the return from its own handler. */
uint64_t __attribute__((noinline, noclone)) bench_round_trip(uint64_t n, uint32_t sgir)
{
    uint64_t start = ticks();
    for (uint32_t i = 1; i <= n; i++) {
        mmio_write32(D(GICD_SGIR), sgir);
        while (pongs_seen < i) {
            wfi();              /* a pending virtual IRQ wakes it even while masked */
            irqs_on();
            irqs_off();
        }
    }
    return ticks() - start;
}

int main(uint64_t dtb)
{
    (void)dtb;
    const uint64_t n = BENCH_N;

    cpu_interface_on();
    mmio_write32(D(GICD_CTLR), 1);
    guest_printf("bench: %u vCPUs, N=%lu, counter %lu Hz", HVCFG_NCPUS, n, ({
                     uint64_t f;
                     __asm__ volatile("mrs %0, cntfrq_el0" : "=r"(f));
                     f;
                 }));

    if (smccc_hvc(HVCFG_PSCI_CPU_ON_64, 1, (uint64_t)_secondary_start, 1).x0 != 0) {
        guest_printf("bench: CPU_ON failed");
        guest_system_off();
    }
    while (!vcpu1_ready)
        ;
    irqs_off();
    settle();

    /* Calibration: a loop of k nops costs k + 3 ticks per iteration if 1 tick = 1 instruction. */
    calib("nop1", bench_nop, n);
    calib("nop2", bench_nop2, n);
    calib("nop9", bench_nop9, n);

    int64_t r = smccc_hvc(NULL_HVC, 0, 0, 0).x0;
    if (r != -1)
        guest_printf("bench: warning: null hypercall returned %ld, not NOT_SUPPORTED", r);
    op("null_hvc", bench_hvc, NULL_HVC, 0, n);
    op("psci_version", bench_hvc, HVCFG_PSCI_VERSION, 0, n);
    op("gicd_typer_read", bench_ldr, D(GICD_TYPER), 0, n);
    op("gicd_isenabler0_read", bench_ldr, D(GICD_ISENABLER), 0, n);
    /* Through the full trap path (hv_trap_lower_sync): a trapped SMC, a trapped system register. */
    op("psci_version_smc", bench_smc, HVCFG_PSCI_VERSION, 0, n);
    op("sysreg_read", bench_mrs_actlr, 0, 0, n);

    /* One-way virtual SGI, the sender's cost: vCPU 0 writes GICD_SGIR N times. vCPU 1 runs only
     * when vCPU 0 stops (single-threaded TCG, round robin), so the loop counts the sender only;
     * the SGIs it sends meanwhile stay pending as one (a GIC keeps one pending bit per SGI and
     * source). receiver_ran says how many vCPU 1 took during the loop (0: sender only). */
    ping_pong = 0;
    uint32_t sgir = (2u << 16) | SGI_PING; /* target list: vCPU 1 */
    bench_str(10, D(GICD_SGIR), sgir);
    settle();
    pings_seen = 0;
    uint64_t t = bench_str(n, D(GICD_SGIR), sgir);
    uint32_t delivered = pings_seen;
    settle();
    uint64_t t0 = bench_nop(n, D(GICD_SGIR), sgir);
    report("sgi_one_way", n, t, t0, delivered ? " receiver_ran" : "");
    guest_printf("bench: sgi_one_way: vCPU 1 took %u SGIs during the loop, %u after", delivered,
                 pings_seen - delivered);

    ping_pong = 1;
    pongs_seen = 0;
    t = bench_round_trip(n, sgir);
    settle();
    t0 = bench_nop(n, 0, 0);
    report("sgi_round_trip", n, t, t0, "");
    irqs_on();

    if (others_seen)
        guest_printf("bench: warning: %u unexpected interrupts", others_seen);
    guest_printf("bench: done");
    guest_system_off();
}
