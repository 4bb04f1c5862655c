/* SPDX-License-Identifier: Apache-2.0 */
/*
 * atk-regs: what did the CPU bring from before? Every incarnation checks that all the CPU state
 * a guest can read holds its reset value (docs/architecture.md, "Guest-visible CPU state"):
 * the general registers and SP at the first instruction (entry.S), the EL1/EL0 system
 * registers, the timer, the trapped debug/PMU/ACTLR registers, FPCR/FPSR and v0-v31 (where
 * the boot CPU's SHA-256 of other partitions' blobs once was). Then it dirties all of it and
 * restarts: EXIT_RESET by PSCI SYSTEM_RESET (until RESET_FOR_MS of physical time have passed,
 * then SYSTEM_OFF), EXIT_FAULT by a stage-2 fault under the `restart` policy (the restart
 * limit ends it).
 */
#include "../lib/guest.h"

uint64_t entry_sp, entry_gprs;         /* entry.S */
static unsigned bad;

#define SYSREG(r)                                   \
    ({                                              \
        uint64_t v_;                                \
        __asm__ volatile("mrs %0, " #r : "=r"(v_)); \
        v_;                                         \
    })
#define SETREG(r, v) __asm__ volatile("msr " #r ", %0\n\tisb" : : "r"((uint64_t)(v)) : "memory")

static void expect(const char *name, uint64_t got, uint64_t want)
{
    if (got != want) {
        guest_printf("atk-regs: DIRTY %s = 0x%lx (reset value 0x%lx)", name, got, want);
        bad++;
    }
}

#define EXPECT0(r) expect(#r, SYSREG(r), 0)

static unsigned check_sysregs(void)
{
    expect("sp at entry", entry_sp, 0);
    expect("x1-x30 at entry", entry_gprs, 0);
    expect("sctlr_el1", SYSREG(sctlr_el1), 0x30d00800);
    EXPECT0(sp_el0);
    EXPECT0(elr_el1);
    EXPECT0(spsr_el1);
    EXPECT0(esr_el1);
    EXPECT0(far_el1);
    EXPECT0(afsr0_el1);
    EXPECT0(afsr1_el1);
    EXPECT0(par_el1);
    EXPECT0(ttbr0_el1);
    EXPECT0(ttbr1_el1);
    EXPECT0(tcr_el1);
    EXPECT0(mair_el1);
    EXPECT0(amair_el1);
    EXPECT0(vbar_el1);
    EXPECT0(contextidr_el1);
    EXPECT0(tpidr_el0);
    EXPECT0(tpidr_el1);
    EXPECT0(tpidrro_el0);
    EXPECT0(cpacr_el1);
    EXPECT0(cntkctl_el1);
    EXPECT0(csselr_el1);
    EXPECT0(cntv_ctl_el0);
    EXPECT0(cntv_cval_el0);
    /* trapped, emulated: read as zero whatever the hardware holds */
    EXPECT0(mdscr_el1);
    EXPECT0(pmcr_el0);
    EXPECT0(pmuserenr_el0);
    EXPECT0(pmcntenset_el0);
    EXPECT0(actlr_el1);
    return 33;
}

struct vregs {
    uint64_t d[64];
};

static void save_vregs(struct vregs *v)
{
    __asm__ volatile(
        "stp q0, q1, [%0, #0]\n\tstp q2, q3, [%0, #32]\n\tstp q4, q5, [%0, #64]\n\t"
        "stp q6, q7, [%0, #96]\n\tstp q8, q9, [%0, #128]\n\tstp q10, q11, [%0, #160]\n\t"
        "stp q12, q13, [%0, #192]\n\tstp q14, q15, [%0, #224]\n\tstp q16, q17, [%0, #256]\n\t"
        "stp q18, q19, [%0, #288]\n\tstp q20, q21, [%0, #320]\n\tstp q22, q23, [%0, #352]\n\t"
        "stp q24, q25, [%0, #384]\n\tstp q26, q27, [%0, #416]\n\tstp q28, q29, [%0, #448]\n\t"
        "stp q30, q31, [%0, #480]"
        :
        : "r"(v->d)
        : "memory");
}

static void fill_vregs(uint64_t pattern)
{
    __asm__ volatile("dup v0.2d, %0\n\tdup v1.2d, %0\n\tdup v2.2d, %0\n\tdup v3.2d, %0\n\t"
                     "dup v4.2d, %0\n\tdup v5.2d, %0\n\tdup v6.2d, %0\n\tdup v7.2d, %0\n\t"
                     "dup v8.2d, %0\n\tdup v9.2d, %0\n\tdup v10.2d, %0\n\tdup v11.2d, %0\n\t"
                     "dup v12.2d, %0\n\tdup v13.2d, %0\n\tdup v14.2d, %0\n\tdup v15.2d, %0\n\t"
                     "dup v16.2d, %0\n\tdup v17.2d, %0\n\tdup v18.2d, %0\n\tdup v19.2d, %0\n\t"
                     "dup v20.2d, %0\n\tdup v21.2d, %0\n\tdup v22.2d, %0\n\tdup v23.2d, %0\n\t"
                     "dup v24.2d, %0\n\tdup v25.2d, %0\n\tdup v26.2d, %0\n\tdup v27.2d, %0\n\t"
                     "dup v28.2d, %0\n\tdup v29.2d, %0\n\tdup v30.2d, %0\n\tdup v31.2d, %0"
                     :
                     : "r"(pattern)
                     : "memory");
}

/* FP/SIMD: enable it first (CPACR_EL1 resets to trapping it, and was checked above). */
static unsigned check_fpsimd(void)
{
    static struct vregs v;
    uint64_t any = 0, sum = 0;

    SETREG(cpacr_el1, 3UL << 20);
    EXPECT0(fpcr);
    EXPECT0(fpsr);
    save_vregs(&v);
    for (int i = 0; i < 64; i++) {
        any |= v.d[i];
        sum = sum * 31 + v.d[i];
    }
    if (any) {
        guest_printf("atk-regs: DIRTY v0-v31 (checksum 0x%lx); first non-zero:", sum);
        for (int i = 0; i < 64; i++)
            if (v.d[i]) {
                guest_printf("atk-regs:   v%d.d[%d] = 0x%lx", i / 2, i % 2, v.d[i]);
                break;
            }
        bad++;
    }
    return 2 + 32;
}

/* Leave a mark in everything checked above, for the next incarnation to find. */
static void dirty_everything(void)
{
    const uint64_t p = 0x5a5a5a5a5a5a5000UL;

    fill_vregs(0xa5a5a5a5a5a5a5a5UL);
    SETREG(fpcr, 0x03c00000);
    SETREG(fpsr, 0x0800009f);
    SETREG(sp_el0, p);
    SETREG(elr_el1, p);
    SETREG(spsr_el1, 0x3c5);
    SETREG(esr_el1, 0x96000010);
    SETREG(far_el1, p);
    SETREG(afsr0_el1, 1);
    SETREG(afsr1_el1, 1);
    SETREG(par_el1, p);
    SETREG(ttbr0_el1, p);
    SETREG(ttbr1_el1, p);
    SETREG(tcr_el1, 0x19);
    SETREG(mair_el1, p);
    SETREG(amair_el1, 1);
    SETREG(vbar_el1, p);
    SETREG(contextidr_el1, 0x5a);
    SETREG(tpidr_el0, p);
    SETREG(tpidr_el1, p);
    SETREG(tpidrro_el0, p);
    SETREG(cntkctl_el1, 0x303);
    SETREG(csselr_el1, 2);
    SETREG(cntv_cval_el0, p);
    SETREG(cntv_ctl_el0, 3);      /* enabled, masked */
    SETREG(sctlr_el1, 0x30d00800UL | (1UL << 26) | (1UL << 15) | (1UL << 14));
    SETREG(mdscr_el1, 0xa000);
    SETREG(pmuserenr_el0, 0xf);
    SETREG(pmcr_el0, 1);
    SETREG(actlr_el1, 0xff);
}

int regs_main(uint64_t dtb)
{
    unsigned checked = check_sysregs();     /* before anything else touches them */
    checked += check_fpsimd();
    if (bad)
        guest_printf("atk-regs: entry state DIRTY: %u of %u", bad, checked);
    else
        guest_printf("atk-regs: entry state clean: %u registers at their reset value", checked);

    dirty_everything();
#ifdef EXIT_FAULT
    guest_printf("atk-regs: dirtied, now a stage-2 fault (restart policy)");
    (void)*(volatile uint32_t *)HVCFG_UNMAPPED_IPA;
#endif
#ifdef RESET_FOR_MS
    uint64_t freq = SYSREG(cntfrq_el0), now = SYSREG(cntpct_el0);
    if (now / (freq / 1000) < RESET_FOR_MS) {
        guest_printf("atk-regs: dirtied, now SYSTEM_RESET");
        smccc_hvc(HVCFG_PSCI_SYSTEM_RESET, 0, 0, 0);
    }
#endif
    guest_printf("atk-regs: done, SYSTEM_OFF");
    guest_system_off();
}
