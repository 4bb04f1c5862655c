/* SPDX-License-Identifier: Apache-2.0 */
/* The GICv2 a partition sees: its distributor (emulated) and CPU interface (the GICV), with
 * the register offsets of the GICv2 architecture, for the test partitions that drive them. */
#ifndef GUEST_GICV2_H
#define GUEST_GICV2_H

#include "guest.h"

#define GICD_CTLR       0x000
#define GICD_TYPER      0x004
#define GICD_IIDR       0x008
#define GICD_ISENABLER  0x100
#define GICD_ICENABLER  0x180
#define GICD_ISPENDR    0x200
#define GICD_ICPENDR    0x280
#define GICD_ISACTIVER  0x300
#define GICD_ICACTIVER  0x380
#define GICD_IPRIORITYR 0x400
#define GICD_ITARGETSR  0x800
#define GICD_ICFGR      0xc00
#define GICD_SGIR       0xf00
#define GICD_CPENDSGIR  0xf10
#define GICD_SPENDSGIR  0xf20
#define GICD_PIDR2      0xfe8           /* ICPIDR2: [7:4] the architecture version */
#define GICD_CIDR0      0xff0
#define GICC_CTLR       0x00
#define GICC_PMR        0x04
#define GICC_IAR        0x0c
#define GICC_EOIR       0x10

#define D(off)          (HVCFG_GICD_BASE + (off))
#define C(off)          (HVCFG_GICC_BASE + (off))

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
