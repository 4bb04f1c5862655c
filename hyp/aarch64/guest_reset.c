/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The reset of every piece of CPU state a guest can read, before each first entry and each
 * restart of a vCPU (docs/architecture.md, "Guest-visible CPU state"). Nothing of an earlier
 * incarnation, another partition or the hypervisor itself (the SHA-256 state of the boot CPU's
 * measurements in v0-v31) survives into the guest: what is not written here is either restored
 * from the zeroed entry frame (x0-x30, PC, PSTATE) or out of the guest's reach (trapped).
 */
#include "hv/guest_reset.h"
#include "hv/sysreg.h"

/* v0-v31, FPCR and FPSR. The hypervisor's C code never uses them (-mgeneral-regs-only); the
 * SHA-256 instructions (aarch64/sha256_ce.S) do, on whichever CPU loads a partition. */
static void fpsimd_reset(void)
{
    __asm__ volatile(
        "movi v0.16b, #0\n\tmovi v1.16b, #0\n\tmovi v2.16b, #0\n\tmovi v3.16b, #0\n\t"
        "movi v4.16b, #0\n\tmovi v5.16b, #0\n\tmovi v6.16b, #0\n\tmovi v7.16b, #0\n\t"
        "movi v8.16b, #0\n\tmovi v9.16b, #0\n\tmovi v10.16b, #0\n\tmovi v11.16b, #0\n\t"
        "movi v12.16b, #0\n\tmovi v13.16b, #0\n\tmovi v14.16b, #0\n\tmovi v15.16b, #0\n\t"
        "movi v16.16b, #0\n\tmovi v17.16b, #0\n\tmovi v18.16b, #0\n\tmovi v19.16b, #0\n\t"
        "movi v20.16b, #0\n\tmovi v21.16b, #0\n\tmovi v22.16b, #0\n\tmovi v23.16b, #0\n\t"
        "movi v24.16b, #0\n\tmovi v25.16b, #0\n\tmovi v26.16b, #0\n\tmovi v27.16b, #0\n\t"
        "movi v28.16b, #0\n\tmovi v29.16b, #0\n\tmovi v30.16b, #0\n\tmovi v31.16b, #0\n\t"
        "msr fpcr, xzr\n\tmsr fpsr, xzr"
        :
        :
        : "memory");
}

/* The EL1/EL0 system registers a guest owns (reads and writes without trapping). Reset values
 * are the architectural ones where the Arm ARM gives one, else 0 (UNKNOWN at reset: any value
 * is correct, and 0 tells nothing). */
static void el1_reset(void)
{
    write_sysreg(sctlr_el1, SCTLR_EL1_RESET);   /* MMU and caches off */
    write_sysreg(cpacr_el1, 0);                 /* FP/SIMD trapped to EL1 until it enables it */
    write_sysreg(ttbr0_el1, 0);
    write_sysreg(ttbr1_el1, 0);
    write_sysreg(tcr_el1, 0);
    write_sysreg(mair_el1, 0);
    write_sysreg(amair_el1, 0);
    write_sysreg(vbar_el1, 0);
    write_sysreg(contextidr_el1, 0);
    write_sysreg(tpidr_el1, 0);
    write_sysreg(tpidr_el0, 0);
    write_sysreg(tpidrro_el0, 0);
    write_sysreg(esr_el1, 0);
    write_sysreg(far_el1, 0);
    write_sysreg(afsr0_el1, 0);
    write_sysreg(afsr1_el1, 0);
    write_sysreg(par_el1, 0);
    write_sysreg(elr_el1, 0);
    write_sysreg(spsr_el1, 0);
    write_sysreg(sp_el0, 0);
    write_sysreg(sp_el1, 0);
    write_sysreg(csselr_el1, 0);
    write_sysreg(cntkctl_el1, 0);               /* EL0 reaches no counter or timer */
    write_sysreg(cntv_ctl_el0, 0);              /* virtual timer off, its compare value 0 */
    write_sysreg(cntv_cval_el0, 0);
    write_sysreg(cntp_ctl_el0, 0);              /* physical timer off, its compare value 0 */
    write_sysreg(cntp_cval_el0, 0);
}

/* Debug and PMU state: trapped for the guest (MDCR_EL2), so it can neither read nor change
 * it, but the hardware acts on it. Nothing the firmware or an earlier guest left may stay on:
 * no software step, no breakpoints (MDSCR_EL1.MDE/KDE/SS clear), and no counter running. */
static uint64_t pmu_version(void)
{
    return ID_DFR0_PMUVER(read_sysreg(id_aa64dfr0_el1));
}

static int has_pmuv3(void)
{
    return pmu_version() != 0 && pmu_version() != 0xf;
}

/* MDCR_EL2 for guests on this CPU: PMU and debug trapped, HPMN = PMCR_EL0.N. */
static uint64_t guest_mdcr(void)
{
    /* HPMN = N: the architecture makes 0 UNPREDICTABLE before PMUv3p5; with TPM set the
     * guest reaches no counter whatever HPMN says. HPMD (PMUv3p1 on): no event counts at
     * EL2 even if one is left enabled. */
    if (!has_pmuv3())
        return MDCR_EL2_TRAPS;
    return MDCR_EL2_TRAPS | PMCR_N(read_sysreg(pmcr_el0)) |
           (pmu_version() >= ID_DFR0_PMUV3P1 ? MDCR_HPMD : 0);
}

void hv_el2_debug_init(void)
{
    /* MDCR_EL2.HPME or HPMN left by the firmware could let a counter count EL2's own work
     * (the hypervisor loads and hashes every partition before any vCPU entry rewrites it);
     * TDE could route debug exceptions to EL2. HSTR_EL2: no AArch32 CP15 traps. */
    write_sysreg(mdcr_el2, guest_mdcr());
    write_sysreg(hstr_el2, 0);
    isb();
}

static void debug_pmu_reset(void)
{
    /* TDCC: EL0's debug channel accesses (MDCCSR_EL0, DBGDTR*_EL0, AArch32 CP14) are undefined
     * at EL1, as Linux sets it: they never become a trap to EL2 a user task could provoke. */
    write_sysreg(mdscr_el1, MDSCR_TDCC);
    write_sysreg(mdccint_el1, 0);
    if (has_pmuv3()) {
        write_sysreg(pmcntenclr_el0, ~0UL);
        write_sysreg(pmintenclr_el1, ~0UL);
        write_sysreg(pmovsclr_el0, ~0UL);
        write_sysreg(pmuserenr_el0, 0);
        write_sysreg(pmselr_el0, 0);
        write_sysreg(pmccfiltr_el0, 0);
        write_sysreg(pmcr_el0, PMCR_P | PMCR_C);    /* E clear: nothing counts; counters 0 */
    }
}

void hv_guest_reset(void)
{
    fpsimd_reset();
    el1_reset();
    debug_pmu_reset();
    /* No exclusive reservation of an earlier incarnation (or of EL2) lets a first STXR pass. */
    __asm__ volatile("clrex" : : : "memory");
    isb();
}
