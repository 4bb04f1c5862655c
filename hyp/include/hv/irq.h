/* SPDX-License-Identifier: Apache-2.0 */
/* Physical interrupts the hypervisor keeps for itself. */
#ifndef HV_IRQ_H
#define HV_IRQ_H

#include <stdint.h>

#include "hv/gic.h"

enum hv_irq_result { HV_IRQ_NOT_OURS, HV_IRQ_HANDLED, HV_IRQ_KICK };

/* One of the hypervisor's own interrupts other than the kick (GIC maintenance, console
 * input): handled and deactivated; HV_IRQ_NOT_OURS for any other. */
enum hv_irq_result hv_irq_device(uint32_t iar);

/* After the priority drop: handle and deactivate one of the hypervisor's own interrupts. The
 * kick (every doorbell, virtual SGI or request from another CPU) is decided inline. */
static inline enum hv_irq_result hv_irq_hypervisor(uint32_t iar)
{
    if ((iar & 0x3ff) != HV_SGI_KICK)
        return hv_irq_device(iar);
    hv_gic_deactivate(iar);
    return HV_IRQ_KICK;
}

#endif
