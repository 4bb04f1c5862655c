/* SPDX-License-Identifier: Apache-2.0 */
/*
 * atk-regs-trap: tries, one after another, the per-CPU hardware a partition must not own
 * (issue 12, findings 8, 12, 13). Each line says what it tried and what came back:
 *   "<what>: read 0x..": a register the hypervisor emulates as RAZ/WI (it must read 0 after
 *     a write of non-zero: the write reached no hardware);
 *   "<what>: injected EC=0x.. vector 0x..": an exception came back (the health monitor's
 *     undefined instruction, or a stage-2 fault of an EL0 task, at the vector for where it was).
 */
#include "../lib/guest.h"

volatile uint64_t last_esr, last_far, last_vector = ~0UL;   /* written by the vectors */
extern char trap_vectors[], el0_a64_load[], el0_a32_load[], el0_a64_dcc[], el0_a32_dcc[];
void run_el0(void *entry, uint64_t spsr, uint64_t x1);

#define RD(r)                                                    \
    ({                                                           \
        uint64_t v_;                                             \
        __asm__ volatile("mrs %0, " #r : "=r"(v_) : : "memory"); \
        v_;                                                      \
    })
#define WR(r, v) __asm__ volatile("msr " #r ", %0\n\tisb" : : "r"((uint64_t)(v)) : "memory")

static unsigned tried;

static void outcome(const char *what, uint64_t value)
{
    tried++;
    if (last_vector != ~0UL)
        guest_printf("atk-trap: %s: injected EC=0x%lx vector 0x%lx", what, (last_esr >> 26) & 0x3f,
                     last_vector);
    else
        guest_printf("atk-trap: %s: read 0x%lx", what, value);
    last_vector = ~0UL;
    last_esr = last_far = 0;
}

/* Write a non-zero value, read back. */
#define POKE(r, v, what)      \
    do {                      \
        WR(r, v);             \
        outcome(what, RD(r)); \
    } while (0)

static void pmu(void)
{
    POKE(pmcr_el0, 0x7, "PMCR_EL0 enable and reset counters");
    POKE(pmuserenr_el0, 0xf, "PMUSERENR_EL0 give EL0 the PMU");
    POKE(pmcntenset_el0, 1UL << 31, "PMCNTENSET_EL0 start the cycle counter");
    POKE(pmccfiltr_el0, 1UL << 27, "PMCCFILTR_EL0 count cycles at EL2 (NSH)");
    smccc_hvc(0xc6ffffff, 0, 0, 0);         /* spend cycles at EL2 */
    outcome("PMCCNTR_EL0 cycles after a hypercall", RD(pmccntr_el0));
    POKE(pmevtyper0_el0, (1UL << 27) | 0x11, "PMEVTYPER0_EL0 CPU_CYCLES at EL2");
    outcome("PMEVCNTR0_EL0", RD(pmevcntr0_el0));
    POKE(pmintenset_el1, ~0UL, "PMINTENSET_EL1 overflow interrupts");
    POKE(pmselr_el0, 0x1f, "PMSELR_EL0 select the cycle counter");
    outcome("PMXEVCNTR_EL0", RD(pmxevcntr_el0));
}

static void debug(void)
{
    POKE(mdscr_el1, (1UL << 15) | (1UL << 13) | 1, "MDSCR_EL1 MDE KDE SS");
    POKE(dbgbvr0_el1, 0x40000000, "DBGBVR0_EL1 breakpoint address");
    POKE(dbgbcr0_el1, 0x1e7, "DBGBCR0_EL1 enable breakpoint, all ELs");
    POKE(dbgwvr0_el1, 0x40100000, "DBGWVR0_EL1 watchpoint address");
    POKE(dbgwcr0_el1, 0x1ff7, "DBGWCR0_EL1 enable watchpoint");
    WR(oslar_el1, 0);
    outcome("OSLAR_EL1 unlock, OSLSR_EL1", RD(oslsr_el1));
    POKE(osdlr_el1, 1, "OSDLR_EL1 double lock");
    WR(dbgclaimset_el1, 0xff);
    outcome("DBGCLAIMSET_EL1, DBGCLAIMCLR_EL1", RD(dbgclaimclr_el1));
    WR(dbgdtrtx_el0, 'X');
    outcome("DBGDTRTX_EL0 debug channel, MDCCSR_EL0", RD(mdccsr_el0));
    outcome("MDRAR_EL1 debug ROM address", RD(mdrar_el1));
    POKE(mdccint_el1, 1UL << 29, "MDCCINT_EL1 DCC interrupts");
}

/* QEMU's ACTLR_EL1 reads as zero anyway: that it traps shows in the time 64 reads take. */
static uint64_t ticks_for_64_actlr_reads(void)
{
    uint64_t t0 = RD(cntvct_el0);
    for (int i = 0; i < 64; i++)
        (void)RD(actlr_el1);
    return RD(cntvct_el0) - t0;
}

static void control(void)
{
    POKE(actlr_el1, ~0UL, "ACTLR_EL1");
    guest_printf("atk-trap: ACTLR_EL1 64 reads took %lu counter ticks at %lu Hz",
                 ticks_for_64_actlr_reads(), RD(cntfrq_el0));
    outcome("CPUACTLR_EL1 read (s3_1_c15_c2_0)", RD(s3_1_c15_c2_0));
    WR(s3_1_c15_c2_0, 1UL << 55);
    outcome("CPUACTLR_EL1 write", 0);
    WR(s3_1_c15_c2_1, 0);
    outcome("CPUECTLR_EL1 write: leave coherency (s3_1_c15_c2_1)", 0);
    WR(s3_1_c11_c0_2, 0);
    outcome("L2CTLR_EL1 write (s3_1_c11_c0_2)", 0);
    WR(s3_1_c11_c0_3, 0);
    outcome("L2ECTLR_EL1 write (s3_1_c11_c0_3)", 0);
    WR(s3_1_c15_c0_0, ~0UL);
    outcome("L2ACTLR_EL1 write (s3_1_c15_c0_0)", 0);
    outcome("CBAR_EL1 read (s3_1_c15_c3_0)", RD(s3_1_c15_c3_0));
}

/* Run an EL0 task until its first exception; what it was is in ESR_EL1. */
static void el0_task(void *entry, uint64_t spsr, const char *what)
{
    run_el0(entry, spsr, HVCFG_UNMAPPED_IPA);
    last_esr = RD(esr_el1);
    outcome(what, 0);
}

static void lower_el(void)
{
    el0_task(el0_a64_load, 0x3c0, "AArch64 EL0 task reads unmapped memory");   /* EL0t */
    el0_task(el0_a32_load, 0x1d0, "AArch32 EL0 task reads unmapped memory");   /* usr */
    el0_task(el0_a64_dcc, 0x3c0, "AArch64 EL0 task reads MDCCSR_EL0");
    el0_task(el0_a32_dcc, 0x1d0, "AArch32 EL0 task reads DBGDSCRint");
}

static void speculation(void)
{
    static const uint32_t ids[] = {HVCFG_SMCCC_ARCH_WORKAROUND_1, HVCFG_SMCCC_ARCH_WORKAROUND_2,
                                   HVCFG_SMCCC_ARCH_WORKAROUND_3};
    for (int i = 0; i < 3; i++)
        guest_printf("atk-trap: ARCH_FEATURES(WORKAROUND_%d) -> %ld", i + 1,
                     smccc_hvc(HVCFG_SMCCC_ARCH_FEATURES, ids[i], 0, 0).x0);
    guest_printf("atk-trap: ARCH_WORKAROUND_1 -> %ld",
                 smccc_hvc(HVCFG_SMCCC_ARCH_WORKAROUND_1, 0, 0, 0).x0);
}

int main(uint64_t dtb)
{
    WR(vbar_el1, trap_vectors);
    guest_printf("atk-trap: up");
    pmu();
    debug();
    control();
    lower_el();
    speculation();
    guest_printf("atk-trap: %u attempts, still alive, SYSTEM_OFF", tried);
    guest_system_off();
}
