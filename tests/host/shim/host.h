/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What is architecture-specific in the hypervisor, for host-compiled unit tests: included
 * before anything else (-include). System registers become fields of host_sysreg, which a
 * test sets (runner.c zeroes it before each test); barriers do nothing; this CPU's slot is
 * TPIDR_EL2 as on the target. hyp/include/hv/sysreg.h and vcpu.h step aside for HV_HOST_SHIM.
 */
#ifndef HOST_SHIM_H
#define HOST_SHIM_H

#define HV_HOST_SHIM 1

#include <stdint.h>

struct host_sysregs {
    uint64_t cntfrq_el0, cntpct_el0;
    uint64_t esr_el2, far_el2, hpfar_el2, elr_el2, spsr_el2;
    uint64_t sctlr_el1, par_el1, tpidr_el2, cptr_el2, mpidr_el1;
    uint64_t cntv_ctl_el0, cntp_ctl_el0;        /* hyp/gic/vgic.c stops the timers */
    uint64_t cnthp_ctl_el2;                     /* core/main.c clears it at boot */
    uint64_t vttbr_el2, vbar_el1, id_aa64mmfr1_el1;     /* hyp/stage2/seal.c */
};

extern struct host_sysregs host_sysreg;

#define read_sysreg(r)     (host_sysreg.r)
#define write_sysreg(r, v) ((void)(host_sysreg.r = (uint64_t)(v)))
#define isb()              ((void)0)
#define dsb(opt)           ((void)0)
#define wfi()              ((void)0)
#define wfe()              ((void)0)
#define sev()              ((void)0)

static inline uint32_t hv_cpu_slot(void)
{
    return (uint32_t)host_sysreg.tpidr_el2;
}

#endif
