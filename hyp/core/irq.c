/* SPDX-License-Identifier: Apache-2.0 */
/* The hypervisor's own interrupts, wherever they are taken (from a guest or while idle). */
#include "hv/config.h"
#include "hv/gic.h"
#include "hv/irq.h"
#include "hv/vgic.h"
#include "hv/vuart.h"

enum hv_irq_result hv_irq_device(uint32_t iar)
{
    uint32_t intid = iar & 0x3ff;

    if (intid == HV_GIC_MAINT_INTID)
        hv_vgic_maintenance();
#ifdef HV_HAS_VUART
    else if (intid == HV_CONSOLE_INTID)
        hv_console_input_irq();
    else if (intid == HV_HTIMER_INTID)
        hv_console_input_timer();
#endif
    else
        return HV_IRQ_NOT_OURS;
    hv_gic_deactivate(iar);
    return HV_IRQ_HANDLED;
}
