/* SPDX-License-Identifier: Apache-2.0 */
/*
 * atk-canary: does every register survive the hypervisor's fast paths? Every general register
 * holds a canary (canary.S) while
 * - it spins, and its virtual timer (every TIMER_TICKS) and the SGIs its vCPU 1 sends without
 *   pause take it into EL2 through the partial-frame IRQ path (x0-x18 and x30 saved, x19-x29
 *   left to the C code's callee-saved discipline), with its own IRQs unmasked in half of the
 *   rounds (its handler runs too) and masked in the other half (EL2 only);
 * - one emulated distributor load lands in each of x0-x30 (the fast path serves x0-x18 and
 *   x30, and must decline x19-x29: their values are not in its frame);
 * - one emulated store goes out from each of x1-x30 and wzr;
 * - one HVC runs (x4-x30 are the caller's, SMCCC).
 * Any register that comes back different is printed (CORRUPT) and counted. The counts of
 * interrupts taken say the rounds were interrupted at all.
 */
#include "../lib/gicv2.h"

#define SGI_KICK  5
#define TIMER_PPI 27
#ifndef ROUNDS
#define ROUNDS 40
#endif
#define SPINS       300000
#define TIMER_TICKS 2000                    /* 32 us at 62.5 MHz (its own handler must keep up) */
#define STORE_REG   (GICD_IPRIORITYR + 8)  /* its SGIs 8-11's priorities: banked, unused */

typedef void canary_fn(uint64_t seed, uint64_t arg, uint64_t out[31]);
extern canary_fn canary_spin, canary_hvc;
extern canary_fn *const canary_loads[31];
extern canary_fn *const canary_stores[31];

static volatile uint32_t timer_irqs, kicks_taken, kicker_stop, vcpu1_up, rearm;
static volatile uint64_t kicks_sent;
static unsigned bad;

/* canary.S's values: x30 = seed, x(n) = ror(x(n+1), 7) + 0x5a5. */
static void canaries(uint64_t seed, uint64_t v[31])
{
    v[30] = seed;
    for (int n = 29; n >= 1; n--)
        v[n] = ((v[n + 1] >> 7) | (v[n + 1] << 57)) + 0x5a5;
    v[0] = 0;
}

/* x`first`..x30 as expected, but for x`skip` (-1: none). */
static void compare(const char *what, int which, const uint64_t got[31], const uint64_t want[31],
                    int first, int skip)
{
    for (int n = first; n <= 30; n++) {
        if (n == skip || got[n] == want[n])
            continue;
        if (bad++ < 20)
            guest_printf("atk-canary: CORRUPT %s %d: x%d = 0x%lx, not 0x%lx", what, which, n,
                         got[n], want[n]);
    }
}

void irq_handler(void)
{
    uint32_t iar = mmio_read32(C(GICC_IAR)), intid = iar & 0x3ff;

    if (intid >= 1020)
        return;
    if (intid == TIMER_PPI) {
        timer_irqs++;
        if (rearm)
            guest_timer_in_ticks(TIMER_TICKS);
        else
            __asm__ volatile("msr cntv_ctl_el0, %0" : : "r"(0UL));
    } else if (intid == SGI_KICK) {
        kicks_taken++;
    }
    mmio_write32(C(GICC_EOIR), iar);
}

/* vCPU 1: SGIs at vCPU 0 as fast as the trap lets it, until told to stop. */
void secondary_main(uint64_t vcpu)
{
    (void)vcpu;
    vcpu1_up = 1;
    while (!kicker_stop) {
        mmio_write32(D(GICD_SGIR), (1u << 16) | SGI_KICK);
        kicks_sent++;
    }
    smccc_hvc(HVCFG_PSCI_CPU_OFF, 0, 0, 0);
    for (;;)
        __asm__ volatile("wfi");
}

static void spin_rounds(void)
{
    uint64_t out[31], want[31];
    uint32_t masked_rounds = 0;

    rearm = 1;
    guest_timer_in_ticks(TIMER_TICKS);
    for (uint32_t r = 0; r < ROUNDS; r++) {
        uint64_t seed = 0x0123456789abcdefull * (r + 1);
        guest_irqs(r & 1);
        masked_rounds += !(r & 1);
        canaries(seed, want);
        canary_spin(seed, SPINS + 97 * r, out);
        guest_irqs(1);
        compare("spin", (int)r, out, want, 0, -1);
        if (!(r & 1))
            guest_timer_in_ticks(
                TIMER_TICKS);        /* masked, it fired once and waits in a list register */
    }
    rearm = 0;
    guest_printf("atk-canary: %u spin rounds (%u masked): timer interrupts %u, SGIs taken %u",
                 ROUNDS, masked_rounds, timer_irqs, kicks_taken);
}

static void mmio_rounds(void)
{
    uint64_t out[31], want[31], seed = 0xfedcba9876543210ull;
    uint32_t typer = mmio_read32(D(GICD_TYPER)), loads = 0, stores = 0;

    canaries(seed, want);
    for (int r = 0; r <= 30; r++) {
        canary_loads[r](seed, D(GICD_TYPER), out);
        loads += out[r] == typer;
        want[0] = D(GICD_TYPER);
        compare("load into", r, out, want, r == 0 ? 1 : 0, r);
    }
    for (int i = 0; i <= 30; i++) {
        int r = i < 30 ? i + 1 : 31;            /* 31: wzr */
        uint32_t value = r < 31 ? (uint32_t)want[r] : 0;
        mmio_write32(D(STORE_REG), 0x5a5a5a5a);
        uint32_t before = mmio_read32(D(STORE_REG));
        canary_stores[i](seed, D(STORE_REG), out);
        uint32_t got = mmio_read32(D(STORE_REG));
        mmio_write32(D(STORE_REG), value);      /* what the same store from C leaves */
        stores += got == mmio_read32(D(STORE_REG)) && got != before;    /* and it changed */
        want[0] = D(STORE_REG);
        compare("store from", r, out, want, 0, -1);
    }
    guest_printf(
        "atk-canary: emulated loads exact into %u of 31 registers, stores exact from %u of 31",
        loads, stores);
}

static void hvc_round(void)
{
    uint64_t out[31], want[31], seed = 0x5555aaaa3333ccccull;

    canaries(seed, want);
    canary_hvc(seed, HVCFG_PSCI_VERSION, out);
    compare("hvc", 0, out, want, 4, -1);
    guest_printf("atk-canary: HVC PSCI_VERSION answered 0x%lx", out[0]);
}

int main(uint64_t dtb)
{
    (void)dtb;
    gicv2_cpu_interface_on(1u << TIMER_PPI);
    mmio_write32(D(GICD_CTLR), 1);
    guest_irqs(1);
    smccc_hvc(HVCFG_PSCI_CPU_ON_64, 1, (uint64_t)_secondary_start, 1);
    while (!vcpu1_up)
        ;
    spin_rounds();
    mmio_rounds();
    hvc_round();
    kicker_stop = 1;
    guest_printf("atk-canary: SGIs sent %lu; corrupted registers %u", kicks_sent, bad);
    guest_system_off();
}
