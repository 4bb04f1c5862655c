/* SPDX-License-Identifier: Apache-2.0 */
/* PL011 UART, polled transmit only: the hypervisor console. */
#ifndef HV_PL011_H
#define HV_PL011_H

#include <stdint.h>

void pl011_init(uintptr_t base);
void pl011_putc(uintptr_t base, char c);
void pl011_set_rx_irq(uintptr_t base, int on);
int pl011_getc(uintptr_t base);            /* -1 when nothing was received */

#endif
