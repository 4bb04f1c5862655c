/* SPDX-License-Identifier: Apache-2.0 */
/* The hypervisor's own interrupts, wherever they are taken (from a guest or while idle). */
#include "hv/config.h"
#include "hv/gic.h"
#include "hv/irq.h"
#include "hv/vgic.h"
#include "hv/vuart.h"

enum hv_irq_result hv_irq_hypervisor(uint32_t iar)
{
    uint32_t intid = iar & 0x3ff;
    enum hv_irq_result r = HV_IRQ_HANDLED;

    if (intid == HV_SGI_KICK)
        r = HV_IRQ_KICK;
    else if (intid == HV_GIC_MAINT_INTID)
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
    return r;
}
