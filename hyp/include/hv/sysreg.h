/* System register access and the architectural bit fields the hypervisor uses (Arm ARM names). */
#ifndef HV_SYSREG_H
#define HV_SYSREG_H

/* HCR_EL2 */
#define HCR_VM      (1UL << 0)
#define HCR_SWIO    (1UL << 1)
#define HCR_FMO     (1UL << 3)
#define HCR_IMO     (1UL << 4)
#define HCR_AMO     (1UL << 5)
#define HCR_TSC     (1UL << 19)
#define HCR_TSW     (1UL << 22)
#define HCR_RW      (1UL << 31)

/* SCTLR_EL2 (non-VHE): RES1 bits, then the ones we set */
#define SCTLR_EL2_RES1  0x30C50830UL
#define SCTLR_M     (1UL << 0)
#define SCTLR_C     (1UL << 2)
#define SCTLR_SA    (1UL << 3)
#define SCTLR_I     (1UL << 12)
#define SCTLR_WXN   (1UL << 19)
#define SCTLR_EL2_ON (SCTLR_EL2_RES1 | SCTLR_M | SCTLR_C | SCTLR_SA | SCTLR_I | SCTLR_WXN)

/* SCTLR_EL1 at guest reset: RES1 bits only, MMU and caches off */
#define SCTLR_EL1_RESET 0x30D00800UL

/* SPSR_EL2 for entering EL1h with D, A, I, F masked */
#define SPSR_EL1H_MASKED 0x3c5UL

/* CPTR_EL2 (non-VHE): RES1 bits 13:12 and 9:0; TFP (bit 10) clear so guests keep FP/SIMD */
#define CPTR_EL2_DEFAULT 0x33ffUL

/* CNTHCTL_EL2 (non-VHE): EL1PCTEN only. The physical counter is readable; the EL1 physical
 * timer traps (EL1PCEN clear): guests use the virtual timer, which the hypervisor forwards. */
#define CNTHCTL_EL1_ACCESS 0x1UL

/* ESR_ELx */
#define ESR_EC_SHIFT    26
#define ESR_EC(esr)     ((uint32_t)(((esr) >> ESR_EC_SHIFT) & 0x3f))
#define ESR_IL          (1UL << 25)
#define ESR_ISS(esr)    ((esr) & 0x1ffffff)
#define EC_UNKNOWN      0x00
#define EC_WFX          0x01
#define EC_FP           0x07
#define EC_ILLEGAL      0x0e
#define EC_SVC64        0x15
#define EC_HVC64        0x16
#define EC_SMC64        0x17
#define EC_SYS64        0x18
#define EC_IABT_LOW     0x20
#define EC_IABT_CUR     0x21
#define EC_PC_ALIGN     0x22
#define EC_DABT_LOW     0x24
#define EC_DABT_CUR     0x25
#define EC_SP_ALIGN     0x26
#define EC_SERROR       0x2f
#define EC_BRK64        0x3c

/* Data/instruction abort ISS */
#define ISS_ISV         (1UL << 24)
#define ISS_SAS(iss)    (((iss) >> 22) & 3)
#define ISS_SAS_MASK    (3UL << 22)
#define ISS_SAS_WORD    (2UL << 22)     /* 4 bytes */
#define ISS_SRT(iss)    (((iss) >> 16) & 0x1f)
#define ISS_WNR         (1UL << 6)
#define ISS_S1PTW       (1UL << 7)
#define ISS_SSE         (1UL << 21)
#define ISS_SF          (1UL << 15)
#define ISS_FSC(iss)    ((iss) & 0x3f)

#ifndef __ASSEMBLER__
#include <stdint.h>

#define read_sysreg(r) ({ uint64_t __v; __asm__ volatile("mrs %0, " #r : "=r"(__v)); __v; })
#define write_sysreg(r, v) do { uint64_t __v = (uint64_t)(v); \
        __asm__ volatile("msr " #r ", %0" : : "r"(__v)); } while (0)
#define isb()     __asm__ volatile("isb" : : : "memory")
#define dsb(opt)  __asm__ volatile("dsb " #opt : : : "memory")
#define wfi()     __asm__ volatile("wfi" : : : "memory")
#endif

#endif
