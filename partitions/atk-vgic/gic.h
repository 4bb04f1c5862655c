/* SPDX-License-Identifier: Apache-2.0 */
/* The attack partitions' view of their virtual GIC and passed-through PL011 (both IPAs). */
#ifndef ATK_GIC_H
#define ATK_GIC_H

#include "../lib/gicv2.h"

#define UART_IMSC 0x38
#define UART_RIS  0x3c
#define UART_TXIM (1u << 5)

#define UART_SPI  40      /* its PL011's interrupt (level-sensitive) */
#define TIMER_PPI 27

#define U(off)    (HVCFG_UART_BASE + (off))

/* Interrupts taken, per vCPU and INTID (< 64), and SGIs whose source was not one of its vCPUs. */
extern volatile uint32_t seen[2][64];
extern volatile uint32_t bad_source;
extern volatile uint32_t last_iar[2];    /* the last GICC_IAR value each vCPU acknowledged */

uint32_t my_vcpu(void);
void gic_cpu_on(void);          /* vectors, priorities 0xa0, SGIs + timer enabled, PMR open */
int wait_for(volatile uint32_t *what, uint32_t value);   /* 1 when reached, 0 on timeout */
/* Its PL011's interrupt line high (TX interrupt unmasked; it stays high until masked). */
uint32_t uart_line_high(void);
/* The handler: counts, checks SGI sources, calls atk_irq_hook (a partition may define it; it
 * may not return), then lowers the PL011 line, stops the timer and ends the interrupt. */
void irq_handler(void);
void atk_irq_hook(uint32_t intid);

#endif
