/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rogue: behaves for a few heartbeats, then writes into memory that belongs to another
 * partition (TARGET_PA, given by the board file). The hypervisor must stop the write and apply
 * this partition's on_fault policy; the other partitions must not notice.
 */
#include "../lib/guest.h"

#define BEATS 2

int main(uint64_t dtb)
{
    struct smccc_res id = smccc_hvc(HVCFG_HC_IDENTITY, 0, 0, 0);
    guest_printf("rogue: identity -> %ld: partition %lu, vcpu %lu of %lu", id.x0, id.x1, id.x2,
                 id.x3);
    for (int i = 1; i <= BEATS; i++) {
        guest_delay_ms(50);
        guest_printf("rogue: heartbeat %d", i);
    }
    guest_printf("rogue: writing into another partition's memory at 0x%lx", (uint64_t)TARGET_PA);
    *(volatile uint32_t *)TARGET_PA = 0xdeadbeef;
    guest_printf("rogue: the write went through?!");
    guest_system_off();
}
