/* SPDX-License-Identifier: Apache-2.0 */
/* Each CPU's path to the load phase (hyp/core/main.c): every CPU that hashes has FP/SIMD
 * untrapped at EL2 first. CPTR_EL2 is UNKNOWN at reset (the Arm ARM; Linux writes it on every
 * CPU for that reason) and a loader or firmware may leave TFP set: a secondary that took part
 * in the load with it would trap to EL2 at its first SHA-256 instruction, in a unit the boot
 * CPU then waits for. */
#include <setjmp.h>

#include "check.h"
#include "../../hyp/core/main.c"

char hv_secondary_entry[4], _head[4];
const struct hv_cpu hv_cpus[HV_NCPUS] = {{.partition = 0}, {.partition = 0}};

static jmp_buf out;
static uint64_t cptr_at_load = ~0UL;
static unsigned loads;

void hv_gic_init_cpu(uint32_t slot)
{
}

void hv_gic_init_distributor(void)
{
}

void hv_mmio_init(void)
{
}

void hv_console_init(void)
{
}

void hv_console_input_init(void)
{
}

void hv_log(const char *fmt, ...)
{
}

int64_t hv_platform_cpu_on(uint64_t mpidr, uint64_t entry, uint64_t context)
{
    return 0;
}

void hv_load_open_boot(void)
{
}

/* The load: the CPU hashes (SHA-256 instructions, v0-v31) here. */
static void load(void)
{
    cptr_at_load = host_sysreg.cptr_el2;
    loads++;
}

void hv_load_help_boot(void)
{
    load();
}

void hv_partitions_load_all(void)
{
    load();
}

void hv_cpu_start(uint32_t slot)
{
    longjmp(out, 1);
}

#define CPTR_EL2_TFP (1UL << 10)

TEST(a_secondary_untraps_fp_before_it_hashes)
{
    host_sysreg.cptr_el2 = CPTR_EL2_DEFAULT | CPTR_EL2_TFP;    /* as firmware may leave it */
    host_sysreg.tpidr_el2 = 1;
    partitions_started = 1;
    if (!setjmp(out))
        hv_secondary_main(1);
    EXPECT_EQ(loads, 1);
    EXPECT_EQ(cptr_at_load & CPTR_EL2_TFP, 0);
}

TEST(the_boot_cpu_untraps_fp_before_it_hashes)
{
    host_sysreg.cptr_el2 = CPTR_EL2_DEFAULT | CPTR_EL2_TFP;
    host_sysreg.tpidr_el2 = 0;
    loads = 0;
    if (!setjmp(out))
        hv_main(0, 0);
    EXPECT_EQ(loads, 1);
    EXPECT_EQ(cptr_at_load & CPTR_EL2_TFP, 0);
}
