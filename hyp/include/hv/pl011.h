/* SPDX-License-Identifier: Apache-2.0 */
/* PL011 UART, polled transmit only: the hypervisor console. */
#ifndef HV_PL011_H
#define HV_PL011_H

#include <stdint.h>

/* 8N1 with FIFOs, transmit and receive enabled. clock != 0: the divisors for `baud` at that
 * reference clock are programmed too; 0: the rate the firmware set is kept (if it enabled
 * the UART at all). */
void pl011_init(uintptr_t base, uint32_t clock, uint32_t baud);
void pl011_putc(uintptr_t base, char c);
void pl011_set_rx_irq(uintptr_t base, int on);
int pl011_getc(uintptr_t base);            /* -1 when nothing was received */

#endif
