/* SPDX-License-Identifier: Apache-2.0 */
/* atk-vgic-lost: with its IRQs masked, pend a software copy of a hardware interrupt
 * (GICD_ISPENDR) so that it sits in a list register, then let the physical one fire, then
 * SYSTEM_RESET. The physical interrupt must not be lost: the next incarnation gets its timer
 * and its passed-through SPI again. ATTACK bit 0: timer PPI 27, bit 1: the UART's SPI 40
 * (ATTACK 0: the control run, without the copies). */
#include "../atk-vgic/gic.h"

#ifndef ATTACK
#define ATTACK 3
#endif

void secondary_main(uint64_t vcpu)
{
    (void)vcpu;
    for (;;)
        ;
}

int main(uint64_t dtb)
{
    (void)dtb;
    uint64_t threshold = guest_cntfrq() / 2;          /* 500 ms of machine time */
    gic_cpu_on();
    mmio_write32(D(GICD_CTLR), 1);
    mmio_write8(D(GICD_ITARGETSR + UART_SPI), 0x01);

    if (guest_cntpct() < threshold) {
        guest_printf("atk-lost: incarnation 1 (ATTACK=%u)", ATTACK);
        guest_irqs(1);
        guest_timer_in_ticks(1000);
        uint32_t t = wait_for(&seen[0][TIMER_PPI], 1);
        guest_irqs(0);
        guest_printf("atk-lost: incarnation 1: timer before attack %u", t);
        /* IRQs masked at EL1 from here on: nothing is acknowledged by the guest. */
        if (ATTACK & 1)
            mmio_write32(D(GICD_ISPENDR), 1u << TIMER_PPI);     /* soft copy in an LR */
        guest_timer_in_ticks(1000);                                   /* the real one fires */
        if (ATTACK & 2)
            mmio_write32(D(GICD_ISPENDR + 4), 1u << (UART_SPI % 32));
        mmio_write32(D(GICD_ISENABLER + 4), 1u << (UART_SPI % 32));
        uart_line_high();                                       /* the real SPI fires */
        guest_delay_ms(5);
        guest_printf("atk-lost: incarnation 1: reset");
        while (guest_cntpct() < threshold)
            ;
        smccc_hvc(HVCFG_PSCI_SYSTEM_RESET, 0, 0, 0);
    }
    guest_printf("atk-lost: incarnation 2");
    uint32_t before = seen[0][UART_SPI];
    guest_irqs(1);
    guest_timer_in_ticks(1000);
    uint32_t t = wait_for(&seen[0][TIMER_PPI], 1);
    mmio_write32(D(GICD_ISENABLER + 4), 1u << (UART_SPI % 32));
    uint32_t line = uart_line_high();
    uint32_t s = wait_for(&seen[0][UART_SPI], before + 1);
    guest_printf("atk-lost: incarnation 2: timer arrived %u, uart line %u, SPI arrived %u", t, line,
                 s);
    guest_system_off();
}
