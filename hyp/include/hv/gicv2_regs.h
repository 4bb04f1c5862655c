/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The GICv2 register map (Arm IHI 0048B): the distributor, the CPU interface (and its virtual
 * twin, GICV, at the same offsets) and the virtual interface control (GICH). Written once: the
 * hypervisor's driver and vGIC and the test partitions (partitions/lib/gicv2.h) include it.
 * Offsets only, no code: a partition includes it as well as the hypervisor.
 */
#ifndef HV_GICV2_REGS_H
#define HV_GICV2_REGS_H

#define GICD_CTLR       0x000
#define GICD_TYPER      0x004
#define GICD_IIDR       0x008
#define GICD_IGROUPR    0x080
#define GICD_ISENABLER  0x100
#define GICD_ICENABLER  0x180
#define GICD_ISPENDR    0x200
#define GICD_ICPENDR    0x280
#define GICD_ISACTIVER  0x300
#define GICD_ICACTIVER  0x380
#define GICD_IPRIORITYR 0x400
#define GICD_ITARGETSR  0x800
#define GICD_ICFGR      0xc00
#define GICD_NSACR      0xe00
#define GICD_SGIR       0xf00
#define GICD_CPENDSGIR  0xf10
#define GICD_SPENDSGIR  0xf20
#define GICD_PIDR4      0xfd0 /* PIDR4-7, PIDR0-3, CIDR0-3 to the end of the page */
#define GICD_PIDR2      0xfe8 /* ICPIDR2: [7:4] the architecture version */
#define GICD_CIDR0      0xff0
#define GICD_SIZE       0x1000

#define GICC_CTLR       0x000
#define GICC_PMR        0x004
#define GICC_BPR        0x008
#define GICC_IAR        0x00c
#define GICC_EOIR       0x010
#define GICC_DIR        0x1000

#define GICH_HCR        0x000
#define GICH_VTR        0x004
#define GICH_VMCR       0x008
#define GICH_MISR       0x010
#define GICH_EISR0      0x020
#define GICH_ELRSR0     0x030
#define GICH_APR        0x0f0
#define GICH_LR(n)      (0x100 + 4 * (n))

#endif
