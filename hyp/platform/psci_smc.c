/* SPDX-License-Identifier: Apache-2.0 */
/* Boards whose firmware implements PSCI through SMC (QEMU virt with virtualization=on). */
#include "hv/platform.h"
#include "hv/psci.h"
#include "hv/sysreg.h"

static uint64_t smc_call(uint64_t fid, uint64_t a1, uint64_t a2, uint64_t a3)
{
    register uint64_t x0 __asm__("x0") = fid;
    register uint64_t x1 __asm__("x1") = a1;
    register uint64_t x2 __asm__("x2") = a2;
    register uint64_t x3 __asm__("x3") = a3;

    __asm__ volatile("smc #0"
                     : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3)
                     :
                     : "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11", "x12", "x13", "x14", "x15",
                       "x16", "x17", "memory");
    return x0;
}

void hv_platform_power_off(void)
{
    smc_call(PSCI_SYSTEM_OFF, 0, 0, 0);
    for (;;)
        wfi();
}

int64_t hv_platform_cpu_on(uint64_t mpidr, uint64_t entry, uint64_t context)
{
    return (int64_t)smc_call(PSCI_CPU_ON_64, mpidr, entry, context);
}
