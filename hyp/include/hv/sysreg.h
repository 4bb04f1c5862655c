/* SPDX-License-Identifier: Apache-2.0 */
/* System register access and the architectural bit fields the hypervisor uses (Arm ARM names). */
#ifndef HV_SYSREG_H
#define HV_SYSREG_H

/* HCR_EL2 */
#define HCR_VM                 (1UL << 0)
#define HCR_SWIO               (1UL << 1)
#define HCR_FMO                (1UL << 3)
#define HCR_IMO                (1UL << 4)
#define HCR_AMO                (1UL << 5)
#define HCR_VSE                (1UL << 8)      /* a virtual SError is pending */
#define HCR_TSC                (1UL << 19)
#define HCR_TIDCP              (1UL << 20)
#define HCR_TACR               (1UL << 21)
#define HCR_TSW                (1UL << 22)
#define HCR_RW                 (1UL << 31)

/* MDCR_EL2: the guest reaches neither the PMU (TPM, TPMCR) nor the debug registers (TDA: the
 * breakpoint/watchpoint/DCC/MDSCR ones, TDOSA: OS lock and power-down, TDRA: ROM table); they
 * are emulated RAZ/WI (aarch64/sysreg_trap.c). HPMN takes PMCR_EL0.N, HPMD where the PMU has
 * it; HPME (EL2 counters) and TDE stay clear: debug exceptions (BRK) remain the guest's. */
#define MDCR_TPMCR             (1UL << 5)
#define MDCR_TPM               (1UL << 6)
#define MDCR_TDA               (1UL << 9)
#define MDCR_TDOSA             (1UL << 10)
#define MDCR_TDRA              (1UL << 11)
#define MDCR_EL2_TRAPS         (MDCR_TPMCR | MDCR_TPM | MDCR_TDA | MDCR_TDOSA | MDCR_TDRA)
#define MDCR_HPMD              (1UL << 17)     /* PMUv3p1: event counting prohibited at EL2 */
#define MDSCR_TDCC             (1UL << 12) /* MDSCR_EL1: EL0 access to the debug channel undefined */

/* SCTLR_EL2 (non-VHE): RES1 bits, then the ones we set */
#define SCTLR_EL2_RES1         0x30C50830UL
#define SCTLR_M                (1UL << 0)
#define SCTLR_C                (1UL << 2)
#define SCTLR_SA               (1UL << 3)
#define SCTLR_I                (1UL << 12)
#define SCTLR_WXN              (1UL << 19)
#define SCTLR_EE               (1UL << 25) /* data accesses at that EL big-endian */
#define SCTLR_EL2_ON           (SCTLR_EL2_RES1 | SCTLR_M | SCTLR_C | SCTLR_SA | SCTLR_I | SCTLR_WXN)

/* SCTLR_EL1 at guest reset: RES1 bits only, MMU and caches off */
#define SCTLR_EL1_RESET        0x30D00800UL

/* SPSR_EL2 for entering EL1h with D, A, I, F masked */
#define SPSR_EL1H_MASKED       0x3c5UL

/* CPTR_EL2 (non-VHE): RES1 bits 13:12 and 9:0 (with them TZ: SVE, and TSM: SME, trapped); TFP
 * (bit 10) clear so guests keep FP/SIMD; TTA (bit 20): trace system registers trapped */
#define CPTR_EL2_TTA           (1UL << 20)
#define CPTR_EL2_DEFAULT       (0x33ffUL | CPTR_EL2_TTA)

/* ID_AA64DFR0_EL1.PMUVer: 0 none, 0xf IMPLEMENTATION DEFINED (not the architected PMU) */
#define ID_DFR0_PMUVER(dfr0)   (((dfr0) >> 8) & 0xf)
#define ID_DFR0_PMUV3P1        4
#define PMCR_N(pmcr)           (((pmcr) >> 11) & 0x1f)
#define PMCR_P                 (1UL << 1) /* reset the event counters */
#define PMCR_C                 (1UL << 2) /* reset the cycle counter */

/* CNTHCTL_EL2 (non-VHE): EL1PCTEN | EL1PCEN. The physical counter and the EL1 physical timer
 * are the guest's (the hypervisor keeps the EL2 timer, CNTHP); both timers' PPIs are forwarded
 * to the vCPU on the CPU they fire on, and their registers reset at every vCPU start. */
#define CNTHCTL_EL1_ACCESS     0x3UL

/* ESR_ELx */
#define ESR_EC_SHIFT           26
#define ESR_EC_MASK            0x3f /* EC is 6 bits: 64 exception classes */
#define ESR_EC(esr)            ((uint32_t)(((esr) >> ESR_EC_SHIFT) & ESR_EC_MASK))
#define ESR_IL                 (1UL << 25)
#define ESR_ISS(esr)           ((esr)&0x1ffffff)
#define EC_UNKNOWN             0x00
#define EC_WFX                 0x01
#define EC_CP15_32             0x03
#define EC_CP15_64             0x04
#define EC_CP14_32             0x05
#define EC_CP14_LS             0x06
#define EC_FP                  0x07
#define EC_ILLEGAL             0x0e
#define EC_SVC64               0x15
#define EC_HVC64               0x16
#define EC_SMC64               0x17
#define EC_SYS64               0x18
#define EC_IABT_LOW            0x20
#define EC_IABT_CUR            0x21
#define EC_PC_ALIGN            0x22
#define EC_DABT_LOW            0x24
#define EC_DABT_CUR            0x25
#define EC_SP_ALIGN            0x26
#define EC_SERROR              0x2f
#define EC_BRK64               0x3c

/* Data/instruction abort ISS */
#define ISS_ISV                (1UL << 24)
#define ISS_SAS(iss)           (((iss) >> 22) & 3)
#define ISS_SAS_MASK           (3UL << 22)
#define ISS_SAS_WORD           (2UL << 22) /* 4 bytes */
#define ISS_SRT(iss)           (((iss) >> 16) & 0x1f)
#define ISS_WNR                (1UL << 6)
#define ISS_S1PTW              (1UL << 7)
#define ISS_SSE                (1UL << 21)
#define ISS_SF                 (1UL << 15)
#define ISS_FSC(iss)           ((iss)&0x3f)
/* A permission fault, at any level (FSC 0b0011xx) */
#define FSC_IS_PERMISSION(fsc) (((fsc)&0x3c) == 0x0c)

/* EC 0x18 (MSR/MRS/SYS) ISS: Op0, Op2, Op1, CRn, Rt, CRm, Direction (1: read) */
#define ISS_SYS_OP0(iss)       (((iss) >> 20) & 3)
#define ISS_SYS_OP2(iss)       (((iss) >> 17) & 7)
#define ISS_SYS_OP1(iss)       (((iss) >> 14) & 7)
#define ISS_SYS_CRN(iss)       (((iss) >> 10) & 0xf)
#define ISS_SYS_RT(iss)        (((iss) >> 5) & 0x1f)
#define ISS_SYS_CRM(iss)       (((iss) >> 1) & 0xf)
#define ISS_SYS_READ           1UL

/* ISR_EL1.I: an IRQ is pending (read at EL2: the physical one, from the GIC CPU interface) */
#define ISR_EL1_I              (1UL << 7)

/* SPSR_ELx.M: bit 4 set = AArch32; AArch64 modes in M[3:0] */
#define SPSR_M_AARCH32         (1UL << 4)
#define SPSR_M_MASK            0xfUL
#define SPSR_M_EL0T            0x0UL
#define SPSR_M_EL1T            0x4UL

/* Register access. Host-compiled unit tests (tests/host) define HV_HOST_SHIM and supply these
 * over plain variables instead. */
#if !defined(__ASSEMBLER__) && !defined(HV_HOST_SHIM)
#include <stdint.h>

#define read_sysreg(r)                               \
    ({                                               \
        uint64_t __v;                                \
        __asm__ volatile("mrs %0, " #r : "=r"(__v)); \
        __v;                                         \
    })
#define write_sysreg(r, v)                               \
    do {                                                 \
        uint64_t __v = (uint64_t)(v);                    \
        __asm__ volatile("msr " #r ", %0" : : "r"(__v)); \
    } while (0)
#define isb()    __asm__ volatile("isb" : : : "memory")
#define dsb(opt) __asm__ volatile("dsb " #opt : : : "memory")
#define wfi()    __asm__ volatile("wfi" : : : "memory")
#define wfe()    __asm__ volatile("wfe" : : : "memory")
/* Wake CPUs waiting in WFE, the stores before it completed first. */
#define sev()    __asm__ volatile("dsb ish\n\tsev" : : : "memory")
#endif

#ifndef __ASSEMBLER__
/* The physical counter, read in program order (the ISB keeps it from being read early). */
static inline uint64_t hv_counter(void)
{
    isb();
    return read_sysreg(cntpct_el0);
}
#endif

#endif
