/* SPDX-License-Identifier: Apache-2.0 */
/* The generated configuration's constants, as host unit tests see them: a small machine (the
 * tables behind them, hv_partitions and hv_cpus, are each test's own). */
#ifndef HVCFG_CONFIG_H
#define HVCFG_CONFIG_H

#define HV_VERSION          "host"
#define HV_BOARD_NAME       "host"
#define HV_NCPUS            2
#define HV_NPARTITIONS      2
#define HV_STACK_SIZE       0x4000UL
#define HV_CONSOLE_BASE     0UL
#define HV_CONSOLE_CLOCK    24000000u
#define HV_CONSOLE_BAUD     115200u
#define HV_GICD_BASE        0UL
#define HV_GICC_BASE        0UL
#define HV_GICH_BASE        0UL
#define HV_GIC_MAINT_INTID  25
#define HV_VTIMER_INTID     27
#define HV_PTIMER_INTID     30
#define HV_HTIMER_INTID     26
#define HV_GIC_LINES        64
#define HV_CONSOLE_INTID    33
#define HV_PM_BASE          0UL
#define HV_HAS_VUART        1
#define HV_VUART_PARTITIONS 0
#define HV_HAS_HC_CONSOLE   1
#define HV_HAS_HC_IDENTITY  1
#define HV_SEAL_BL_TARGETS  2       /* struct hv_integrity (hv/config.h) sizes its lists */
#define HV_SEAL_BL_SITES    1
#define HV_FAULT_HALT       0
#define HV_FAULT_RESTART    1
#define HV_FAULT_INJECT     2

#endif
