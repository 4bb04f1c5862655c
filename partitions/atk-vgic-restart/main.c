/* SPDX-License-Identifier: Apache-2.0 */
/*
 * atk-vgic-restart: every incarnation checks that the timer and SGIs (to itself, to its vCPU 1
 * and back) arrive, then raises its PL011's level interrupt; in that interrupt's handler it
 * unmasks interrupts and arms the timer at a higher priority, and in the nested timer handler
 * it reads memory it does not have: the hypervisor restarts it with both physical interrupts
 * active in its list registers. Issue 12 finding 7: after such a restart nothing arrived again.
 * Before that, vCPU 1 masks its interrupts and vCPU 0 sends it SGI_STALE, which stays pending
 * (in its list registers) across the restart: the next incarnation's vCPU 1 must not take it
 * (an SGI belongs to the incarnation that sent it, though a vCPU's own SGIs survive its stop).
 */
#include "../atk-vgic/gic.h"

#define SGI_PING  4
#define SGI_PONG  5
#define SGI_STALE 9

static volatile uint32_t armed, vcpu1_up, vcpu1_early, hold, held;

void atk_irq_hook(uint32_t intid)
{
    if (!armed)
        return;
    if (intid == UART_SPI) {
        guest_printf("atk-vgic-restart: in its SPI handler: arm the timer, unmask");
        guest_timer_in_ticks(1000);
        guest_irqs(1);
        for (;;)
            ;                                   /* the timer preempts */
    }
    if (intid == TIMER_PPI) {
        guest_printf("atk-vgic-restart: action: fault in the timer handler, SPI and timer active");
        (void)*(volatile uint32_t *)HVCFG_UNMAPPED_IPA;
    }
}

void secondary_main(uint64_t vcpu)
{
    gic_cpu_on();
    guest_irqs(1);
    guest_delay_ms(5);                          /* what waited for it is taken by now */
    for (uint32_t sgi = 0; sgi < 16; sgi++)
        vcpu1_early += seen[1][sgi];
    vcpu1_up = 1;
    for (;;) {
        uint32_t n = seen[1][SGI_PING];
        __asm__ volatile("wfi" : : : "memory");
        if (seen[1][SGI_PING] != n)
            mmio_write32(D(GICD_SGIR), (1u << 16) | SGI_PONG);
        if (hold) {
            guest_irqs(0); /* SGI_STALE stays pending until the restart */
            held = 1;
            for (;;)
                ;
        }
    }
}

int main(uint64_t dtb)
{
    gic_cpu_on();
    mmio_write8(D(GICD_IPRIORITYR + TIMER_PPI), 0x80); /* preempts the SPI */
    mmio_write8(D(GICD_IPRIORITYR + UART_SPI), 0xa0);
    mmio_write32(D(GICD_CTLR), 1);
    guest_irqs(1);

    mmio_write32(D(GICD_SGIR), (2u << 24) | 3);
    uint32_t sgi = wait_for(&seen[0][3], 1);
    guest_timer_in_ticks(1000);
    uint32_t timer = wait_for(&seen[0][TIMER_PPI], 1);
    smccc_hvc(HVCFG_PSCI_CPU_ON_64, 1, (uint64_t)_secondary_start, 1);
    wait_for(&vcpu1_up, 1);
    guest_printf("atk-vgic-restart: SGIs vcpu1 took before any was sent to it: %u", vcpu1_early);
    mmio_write32(D(GICD_SGIR), (2u << 16) | SGI_PING);
    uint32_t pong = wait_for(&seen[0][SGI_PONG], 1);
    guest_printf("atk-vgic-restart: incarnation: sgi %u timer %u vcpu1 sgi answered %u", sgi, timer,
                 pong);
    hold = 1;
    mmio_write32(D(GICD_SGIR), (2u << 16) | SGI_PING); /* wakes it: it masks and spins */
    uint32_t masked = wait_for(&held, 1);
    mmio_write32(D(GICD_SGIR), (2u << 16) | SGI_STALE);
    /* The test asserts both: else SGI 9 was not left pending across the fault */
    guest_printf("atk-vgic-restart: vcpu1 masked %u, SGI %d pending for it, taken %u", masked,
                 SGI_STALE, seen[1][SGI_STALE]);

    armed = 1;
    mmio_write8(D(GICD_ITARGETSR + UART_SPI), 0x01);
    mmio_write32(D(GICD_ISENABLER + 4 * (UART_SPI / 32)), 1u << (UART_SPI % 32));
    guest_printf("atk-vgic-restart: line %u, its SPI enabled", uart_line_high());
    guest_delay_ms(100);
    guest_printf("atk-vgic-restart: its SPI never came");
    guest_system_off();
}
