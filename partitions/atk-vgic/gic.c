/* SPDX-License-Identifier: Apache-2.0 */
/* The GIC and PL011 helpers the attack partitions share (gic.h). */
#include "gic.h"

volatile uint32_t seen[2][64];
volatile uint32_t bad_source;
volatile uint32_t last_iar[2];

__attribute__((weak)) void atk_irq_hook(uint32_t intid)
{
    (void)intid;
}

uint32_t my_vcpu(void)
{
    uint64_t mpidr;
    __asm__ volatile("mrs %0, mpidr_el1" : "=r"(mpidr));
    return (uint32_t)(mpidr & 1);
}

void irq_handler(void)
{
    uint32_t iar = mmio_read32(C(GICC_IAR));
    uint32_t intid = iar & 0x3ff;

    if (intid >= 1020)
        return;                                 /* spurious: nothing to end */
    if (intid < 16 && ((iar >> 10) & 7) >= HVCFG_NCPUS)
        bad_source++;
    if (intid < 64)
        seen[my_vcpu()][intid]++;
    last_iar[my_vcpu()] = iar;
    atk_irq_hook(intid);
    if (intid == UART_SPI)
        mmio_write32(U(UART_IMSC), 0);          /* line low: it is level-sensitive */
    if (intid == TIMER_PPI)
        __asm__ volatile("msr cntv_ctl_el0, %0" : : "r"(0UL));
    mmio_write32(C(GICC_EOIR), iar);
}

void gic_cpu_on(void)
{
    gicv2_cpu_interface_on(1u << TIMER_PPI);
}

int wait_for(volatile uint32_t *what, uint32_t value)
{
    for (uint32_t spins = 0; spins < 10000000u; spins++)
        if (*what >= value)
            return 1;
    return 0;
}

uint32_t uart_line_high(void)
{
    mmio_write32(U(UART_IMSC), UART_TXIM);
    return (mmio_read32(U(UART_RIS)) & UART_TXIM) != 0;
}
