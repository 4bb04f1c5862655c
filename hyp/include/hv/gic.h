/* SPDX-License-Identifier: Apache-2.0 */
/* The physical GIC as the hypervisor uses it (GICv2 / GIC-400). */
#ifndef HV_GIC_H
#define HV_GIC_H

#include <stdint.h>

#include "hv/config.h"
#include "hv/gicv2_regs.h"

#define HV_SGI_KICK       0          /* hypervisor-internal: "look at your mailbox" */
#define GIC_FIRST_SPECIAL 1020       /* INTIDs 1020..1023 are not interrupts */
#define GIC_SPURIOUS      1023

void hv_gic_init_distributor(void);
void hv_gic_init_cpu(uint32_t slot);
void hv_gic_kick(uint32_t slot);    /* send HV_SGI_KICK to the CPU in that slot */
/* This CPU's interface: GICC_IAR (the INTID, with the source CPU for SGIs), GICC_EOIR (the
 * priority drop only: EOImode 1), GICC_DIR. Inline, one access each: every interrupt taken
 * at EL2 makes them. Host-compiled tests (tests/host) supply their own. */
#ifdef HV_HOST_SHIM
uint32_t hv_gic_ack(void);
void hv_gic_eoi(uint32_t iar);
void hv_gic_deactivate(uint32_t iar);
#else
static inline uint32_t hv_gic_ack(void)
{
    return *(volatile uint32_t *)(HV_GICC_BASE + GICC_IAR);
}

static inline void hv_gic_eoi(uint32_t iar)
{
    *(volatile uint32_t *)(HV_GICC_BASE + GICC_EOIR) = iar;
}

static inline void hv_gic_deactivate(uint32_t iar)
{
    *(volatile uint32_t *)(HV_GICC_BASE + GICC_DIR) = iar;
}
#endif
/* The physical distributor. Each call is a single write (or, for ICFGR, a read-modify-write
 * under one global lock) and ignores an INTID or slot it has no register for. */
void hv_gic_set_enabled(uint32_t intid, int enabled);
void hv_gic_route(uint32_t intid, uint32_t slot);   /* SPIs only; slot: this hypervisor's CPU */
uint32_t hv_gic_pending_word(uint32_t word);        /* GICD_ISPENDR<word> */
uint32_t hv_gic_active_word(uint32_t word);         /* GICD_ISACTIVER<word> */
/* GICD_ISPENDR/ICPENDR<word> (pend 1/0), GICD_ISACTIVER/ICACTIVER<word> (active 1/0): one
 * write-1-to-act write of `bits`, which must be the caller's own interrupts. */
void hv_gic_pend_word(uint32_t word, uint32_t bits, int pend);
void hv_gic_activate_word(uint32_t word, uint32_t bits, int active);
void hv_gic_clear_active(uint32_t intid);           /* GICD_ICACTIVER: from any CPU */
void hv_gic_set_edge(uint32_t intid, int edge);     /* SPIs only (GICD_ICFGR) */
/* Returns once this CPU's earlier distributor writes have reached it (a read of the same
 * Device-nGnRE peripheral: its answer comes after them; a DSB alone may complete on an early
 * write acknowledgement). */
void hv_gic_sync(void);

#endif
