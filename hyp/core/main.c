/* The boot CPU's path from the MMU being on to the first partition instruction. */
#include "hv/config.h"
#include "hv/console.h"
#include "hv/partition.h"
#include "hv/sysreg.h"

void hv_main(uint64_t firmware_dtb);
void hv_secondary_main(uint64_t slot);

void hv_main(uint64_t firmware_dtb)
{
    uint32_t slot = hv_cpu_slot();

    hv_console_init();
    hv_log("hvcfg %s on %s: %u partition(s), %u CPU(s), EL2 MMU on", HV_VERSION,
           HV_BOARD_NAME, HV_NPARTITIONS, HV_NCPUS);
    hv_log("boot CPU %u (MPIDR 0x%lx); firmware DTB at 0x%lx ignored: the configuration is compiled in",
           slot, (unsigned long)(read_sysreg(mpidr_el1) & 0xff00ffffffUL),
           (unsigned long)firmware_dtb);
    hv_partitions_load_all();
    hv_vcpu_run(slot);
}

void hv_secondary_main(uint64_t slot)
{
    hv_vcpu_run((uint32_t)slot);
}
