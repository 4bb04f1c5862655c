/* SPDX-License-Identifier: Apache-2.0 */
/* Physical interrupts the hypervisor keeps for itself. */
#ifndef HV_IRQ_H
#define HV_IRQ_H

#include <stdint.h>

enum hv_irq_result { HV_IRQ_NOT_OURS, HV_IRQ_HANDLED, HV_IRQ_KICK };

/* After the priority drop: handle and deactivate one of the hypervisor's own interrupts
 * (kick SGI, GIC maintenance, console input). */
enum hv_irq_result hv_irq_hypervisor(uint32_t iar);

#endif
