/* SPDX-License-Identifier: Apache-2.0 */
/* The GICv2 a partition sees: its distributor (emulated) and CPU interface (the GICV), with
 * the register offsets of the GICv2 architecture, for the test partitions that drive them. */
#ifndef GUEST_GICV2_H
#define GUEST_GICV2_H

#include "guest.h"
/* The architecture's register map, the one the hypervisor uses too. */
#include "../../hyp/include/hv/gicv2_regs.h"

#define D(off) (HVCFG_GICD_BASE + (off))
#define C(off) (HVCFG_GICC_BASE + (off))

/* This vCPU's CPU interface on: vectors installed, SGI/PPI priorities 0xa0, SGIs and the PPIs
 * in `ppis` enabled, priority mask open. */
static inline void gicv2_cpu_interface_on(uint32_t ppis)
{
    guest_install_vectors();
    for (int i = 0; i < 32; i++)
        mmio_write8(D(GICD_IPRIORITYR + i), 0xa0);
    mmio_write32(D(GICD_ISENABLER), 0xffff | ppis);
    mmio_write32(C(GICC_PMR), 0xff);
    mmio_write32(C(GICC_CTLR), 1);
}

#endif
