/* SPDX-License-Identifier: Apache-2.0 */
/*
 * smp: a two-vCPU partition. vCPU 0 brings vCPU 1 up with PSCI CPU_ON, probes the PSCI rules
 * the hypervisor must enforce (foreign CPUs, already-on CPUs, unknown calls), prints heartbeats
 * from both vCPUs, and checks that the memory another partition attacks did not change.
 */
#include "../lib/guest.h"

#define BEATS      8
#define VICTIM_LEN 0x8000

static volatile uint8_t victim[VICTIM_LEN]; /* in the data region the rogue partition attacks */

static int64_t affinity(uint64_t vcpu)
{
    return smccc_hvc(HVCFG_PSCI_AFFINITY_INFO_64, vcpu, 0, 0).x0;
}

void secondary_main(uint64_t vcpu)
{
    guest_printf("vcpu%lu: up", vcpu);
    for (int i = 1; i <= BEATS; i++) {
        guest_delay_ms(100);
        guest_printf("vcpu%lu: heartbeat %d", vcpu, i);
    }
    guest_printf("vcpu%lu: CPU_OFF", vcpu);
    smccc_hvc(HVCFG_PSCI_CPU_OFF, 0, 0, 0);
    guest_printf("vcpu%lu: CPU_OFF returned?!", vcpu);
}

int main(uint64_t dtb)
{
    guest_printf("vcpu0: up, PSCI version 0x%lx",
                 (uint64_t)smccc_hvc(HVCFG_PSCI_VERSION, 0, 0, 0).x0);
    for (uint32_t i = 0; i < VICTIM_LEN; i++)
        victim[i] = (uint8_t)(i * 7 + 3);
    guest_printf("victim checksum before: 0x%x", guest_checksum(victim, VICTIM_LEN));

    guest_printf("AFFINITY_INFO vcpu1 before CPU_ON -> %ld", affinity(1));
    guest_printf("CPU_ON vcpu1 -> %ld",
                 smccc_hvc(HVCFG_PSCI_CPU_ON_64, 1, (uint64_t)_secondary_start, 1).x0);
    while (affinity(1) != 0)
        ;
    guest_printf("AFFINITY_INFO vcpu1 after CPU_ON -> %ld", affinity(1));
    guest_printf("CPU_ON vcpu1 again -> %ld",
                 smccc_hvc(HVCFG_PSCI_CPU_ON_64, 1, (uint64_t)_secondary_start, 1).x0);
    guest_printf("CPU_ON foreign cpu 2 -> %ld",
                 smccc_hvc(HVCFG_PSCI_CPU_ON_64, 2, (uint64_t)_secondary_start, 2).x0);
    guest_printf("CPU_ON entry outside my code -> %ld",
                 smccc_hvc(HVCFG_PSCI_CPU_ON_64, 1, HVCFG_UNMAPPED_IPA, 1).x0);
    guest_printf("unknown function 0xc6001234 -> %ld", smccc_hvc(0xc6001234u, 0, 0, 0).x0);
    guest_printf("PSCI_VERSION through SMC -> 0x%lx",
                 (uint64_t)smccc_smc(HVCFG_PSCI_VERSION, 0, 0, 0).x0);

    for (int i = 1; i <= BEATS; i++) {
        guest_delay_ms(100);
        guest_printf("vcpu0: heartbeat %d", i);
    }
    while (affinity(1) != 1)
        ;
    guest_printf("AFFINITY_INFO vcpu1 after its CPU_OFF -> %ld", affinity(1));
    guest_printf("victim checksum after: 0x%x", guest_checksum(victim, VICTIM_LEN));
    guest_printf("SYSTEM_OFF");
    guest_system_off();
}
