/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Trapped system register accesses from AArch64 EL1/EL0 (EC 0x18). What traps, and why:
 *   - debug registers (MDCR_EL2.TDA/TDOSA/TDRA: op0 = 2, including MDSCR_EL1, OSLAR_EL1, the
 *     DCC) and trace registers (CPTR_EL2.TTA: op0 = 2, op1 = 1),
 *   - the PMU (MDCR_EL2.TPM/TPMCR),
 *   - ACTLR_EL1 (HCR_EL2.TACR),
 * read as zero and ignore writes: they are per physical CPU hardware no partition owns (the
 * PMU would count the hypervisor, breakpoints would fire at EL2's addresses), and a zero reads
 * as "nothing implemented" to Linux, which probes some of them at boot.
 *   - IMPLEMENTATION DEFINED registers (HCR_EL2.TIDCP: op0 = 3, CRn = 11 or 15: CPUACTLR,
 *     CPUECTLR, L2CTLR, L2ECTLR, L2ACTLR on Cortex-A53/A72, where the L2 is the cluster's),
 *   - set/way cache maintenance (HCR_EL2.TSW),
 * and anything else, are the health monitor's: an undefined instruction under `inject`.
 */
#include "hv/guest_reset.h"
#include "hv/sysreg.h"

static int read_as_zero(uint64_t iss)
{
    uint32_t op0 = ISS_SYS_OP0(iss), op1 = ISS_SYS_OP1(iss), crn = ISS_SYS_CRN(iss);
    uint32_t crm = ISS_SYS_CRM(iss), op2 = ISS_SYS_OP2(iss);

    if (op0 == 2)                                           /* debug, trace */
        return 1;
    if (op0 != 3)
        return 0;
    if (op1 == 0 && crn == 1 && crm == 0 && op2 == 1)       /* ACTLR_EL1 */
        return 1;
    if ((op1 == 0 || op1 == 3) && crn == 9 && crm >= 12)    /* PMCR_EL0 .. PMINTENCLR_EL1 */
        return 1;
    return op1 == 3 && crn == 14 && crm >= 8;               /* PMEVCNTRn, PMEVTYPERn, PMCCFILTR */
}

int hv_trap_sysreg(struct hv_regs *regs, uint64_t esr)
{
    uint64_t iss = ESR_ISS(esr);

    if (!read_as_zero(iss))
        return 0;
    uint32_t rt = ISS_SYS_RT(iss);
    if ((iss & ISS_SYS_READ) && rt != 31)                   /* Rt = 31: XZR */
        regs->x[rt] = 0;
    regs->elr += 4;
    return 1;
}
