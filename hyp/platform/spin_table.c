/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Boards whose CPUs wait in a spin table (the Raspberry Pi 4 firmware's armstub): a secondary
 * CPU leaves its WFE loop when its cpu-release-addr holds an entry address and an event is
 * signalled. It reads that address with its MMU off, so the write is cleaned to PoC first.
 * Such boards have no PSCI firmware: the hypervisor never issues an SMC there.
 */
#include "hv/config.h"
#include "hv/platform.h"
#include "hv/sysreg.h"

int64_t hv_platform_cpu_on(uint64_t mpidr, uint64_t entry, uint64_t context)
{
    (void)context;                  /* the entry finds its slot by MPIDR */
    for (uint32_t i = 0; i < HV_NCPUS; i++) {
        if (hv_spin_table[i].mpidr != mpidr || !hv_spin_table[i].release_addr)
            continue;
        volatile uint64_t *release = (volatile uint64_t *)hv_spin_table[i].release_addr;
        *release = entry;
        __asm__ volatile("dc civac, %0" : : "r"(release) : "memory");
        dsb(sy);
        __asm__ volatile("sev" : : : "memory");
        return 0;
    }
    return -1;
}
