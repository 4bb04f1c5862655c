/* SPDX-License-Identifier: Apache-2.0 */
#include "../atk-vgic/gic.h"

volatile uint64_t last_esr, last_far;
void atk_irq_hook(uint32_t intid)
{
    (void)intid;
}
void secondary_main(uint64_t vcpu)
{
    (void)vcpu;
    for (;;)
        __asm__ volatile("wfi");
}

static void poll_ms(uint32_t ms)  /* no trap: a pure memory spin */
{
    guest_delay_ms(ms);
}

int main(uint64_t dtb)
{
    (void)dtb;
    gic_cpu_on();
    mmio_write32(D(GICD_CTLR), 1);
    guest_irqs(0);
    for (uint32_t i = 1; i <= 4; i++)
        mmio_write8(D(GICD_IPRIORITYR + i), 0xf0);
    mmio_write8(D(GICD_IPRIORITYR + 5), 0x20);
    uint32_t s1 = seen[0][1], s5 = seen[0][5];
    mmio_write8(D(GICD_SPENDSGIR + 1), 0x03);   /* SGI 1 from vCPU 0 and vCPU 1 */
    mmio_write8(D(GICD_SPENDSGIR + 2), 0x01);
    mmio_write8(D(GICD_SPENDSGIR + 3), 0x01);
    mmio_write8(D(GICD_SPENDSGIR + 4), 0x01);   /* 4 list registers full */
    mmio_write8(D(GICD_IPRIORITYR + 1), 0x10);  /* SGI 1 now above its LR copy's priority */
    mmio_write8(D(GICD_SPENDSGIR + 5), 0x01);   /* evicts SGI 1's copy */
    guest_irqs(1);
    poll_ms(50);
    guest_printf("atk-vgic-evict: after 50 ms: SGI1 taken %u (expect 2), SGI5 %u, 2-4 %u %u %u",
                 seen[0][1] - s1, seen[0][5] - s5, seen[0][2], seen[0][3], seen[0][4]);
    poll_ms(200);
    guest_printf("atk-vgic-evict: after 250 ms: SGI1 taken %u", seen[0][1] - s1);
    uint32_t b = seen[0][9];
    mmio_write32(D(GICD_SGIR), (2u << 24) | 9);   /* any trap that sets the work flag */
    wait_for(&seen[0][9], b + 1);
    poll_ms(5);
    guest_printf("atk-vgic-evict: after an unrelated SGI to itself: SGI1 taken %u",
                 seen[0][1] - s1);
    guest_system_off();
}
