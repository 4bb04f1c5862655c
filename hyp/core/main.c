/* SPDX-License-Identifier: Apache-2.0 */
/* Each CPU's path from the MMU being on to its partition's first instruction. */
#include "hv/config.h"
#include "hv/console.h"
#include "hv/gic.h"
#include "hv/load.h"
#include "hv/mmio.h"
#include "hv/partition.h"
#include "hv/platform.h"
#include "hv/sysreg.h"
#include "hv/vcpu.h"
#include "hv/vuart.h"

void hv_main(uint64_t firmware_dtb, uint64_t loaded_at);
void hv_secondary_main(uint64_t slot);
extern char hv_secondary_entry[];
extern char _head[];              /* the link address (hyp.ld) */

/* Set by the boot CPU once every partition is verified and the good ones started: the
 * secondaries, done with their share of the load, go to their vCPUs only then. */
static uint32_t partitions_started;

/* Start every other physical CPU of the board, before the partitions are loaded: each takes
 * part in the load (core/load.c), then enters its partition's vCPU when it is started, or
 * idles at EL2 (a CPU no partition uses). */
static void start_secondaries(uint32_t boot_slot)
{
    for (uint32_t slot = 0; slot < HV_NCPUS; slot++) {
        if (slot == boot_slot)
            continue;
        int64_t ret = hv_platform_cpu_on(hv_cpus[slot].mpidr, (uint64_t)hv_secondary_entry, slot);
        if (ret != 0)
            hv_log("CPU %u (MPIDR 0x%lx) did not start: %ld", slot,
                   (unsigned long)hv_cpus[slot].mpidr, (long)ret);
    }
}

/* This CPU's EL2 controls that are UNKNOWN at reset and never change afterwards (MDCR_EL2 and
 * HSTR_EL2: hv_el2_debug_init, from head.S), before it takes part in the load: FP/SIMD
 * untrapped (the SHA-256 instructions; with TFP set the first one would trap to EL2 in a unit
 * the boot CPU waits for, tests/host/test_main.c) and the EL2 timer off (console input's
 * pacing arms it, drivers/console_input.c). */
static void el2_cpu_init(void)
{
    write_sysreg(cptr_el2, CPTR_EL2_DEFAULT);
    write_sysreg(cnthp_ctl_el2, 0);
    isb();
}

void hv_main(uint64_t firmware_dtb, uint64_t loaded_at)
{
    uint32_t slot = hv_cpu_slot();

    el2_cpu_init();
    hv_console_init();
    hv_log("hvcfg %s on %s: %u partition(s), %u CPU(s), EL2 MMU on", HV_VERSION, HV_BOARD_NAME,
           HV_NPARTITIONS, HV_NCPUS);
    hv_log("boot CPU %u (MPIDR 0x%lx); firmware DTB at 0x%lx ignored: the configuration is "
           "compiled in",
           slot, (unsigned long)(read_sysreg(mpidr_el1) & 0xff00ffffffUL),
           (unsigned long)firmware_dtb);
    if (loaded_at == (uint64_t)_head)
        hv_log("image loaded at its link address 0x%lx", (unsigned long)loaded_at);
    else
        hv_log("image loaded at 0x%lx, copied to its link address 0x%lx", (unsigned long)loaded_at,
               (unsigned long)_head);
    hv_gic_init_distributor();
    hv_gic_init_cpu(slot);
    hv_mmio_init();
    hv_load_open_boot();
    start_secondaries(slot);
    hv_partitions_load_all();       /* takes part in the load, verifies, starts partitions */
#ifdef HV_HAS_VUART
    hv_console_input_init();
#endif
    __atomic_store_n(&partitions_started, 1, __ATOMIC_RELEASE);
    sev();
    hv_cpu_start(slot);
}

void hv_secondary_main(uint64_t slot)
{
    el2_cpu_init();
    hv_gic_init_cpu((uint32_t)slot);
    hv_load_help_boot();
    while (!__atomic_load_n(&partitions_started, __ATOMIC_ACQUIRE))
        wfe();
    hv_cpu_start((uint32_t)slot);
}
