/* SPDX-License-Identifier: Apache-2.0 */
/* The configuration the host harness compiles hyp/gic/vgic_dist.c against: two partitions, one
 * with three vCPUs and 96 lines (SPIs 40 and 70 in hardware), one uniprocessor with 64 lines
 * (SPI 33 in hardware). harness.c holds the tables; vgic_model.py knows the same shape. */
#ifndef HVCFG_CONFIG_H
#define HVCFG_CONFIG_H

#define HV_NCPUS           4
#define HV_NPARTITIONS     2
#define HV_GIC_LINES       96
#define HV_GIC_MAINT_INTID 25
#define HV_VTIMER_INTID    27
#define HV_PTIMER_INTID    30
#define HV_HTIMER_INTID    26
#define HV_SEAL_BL_TARGETS 2        /* struct hv_integrity (hv/config.h) sizes its lists */
#define HV_SEAL_BL_SITES   1
#define HV_GICC_BASE       0UL      /* hv/gic.h inlines the CPU interface: never used here */

#endif
