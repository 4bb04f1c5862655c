/* The sample configuration `make -C hyp check` compiles against: the generated hvcfg_config.h
 * of tests/boards/qemu-virt-fuzz.yaml (every feature but the spin-table platform), without its
 * provenance comment. tests/test_hyp_build.py fails when it differs from what hvcfg generates. */
#ifndef HV_GEN_CONFIG_H
#define HV_GEN_CONFIG_H

#define HV_VERSION          "0.1.0"
#define HV_BOARD_NAME       "qemu-virt"
#define HV_NCPUS            3
#define HV_NPARTITIONS      2
#define HV_STACK_SIZE       0x4000UL
#define HV_CONSOLE_BASE     0x9000000UL
#define HV_GICD_BASE        0x8000000UL
#define HV_GICC_BASE        0x8010000UL
#define HV_GICH_BASE        0x8030000UL
#define HV_GIC_MAINT_INTID  25
#define HV_VTIMER_INTID     27
#define HV_PTIMER_INTID     30     /* EL1 physical timer (non-secure) */
#define HV_GIC_LINES        64     /* the most lines of any partition's virtual GIC */
#define HV_CONSOLE_INTID    33
#define HV_PM_BASE          0x0UL   /* BCM283x power management (0: none) */

/* Partitions with a virtual UART (console input focus cycles through them) */
#define HV_HAS_VUART        1
#define HV_VUART_PARTITIONS 0

/* Health-monitor actions (on_fault.action): values of hv_partition.on_fault */
#define HV_FAULT_HALT 0
#define HV_FAULT_RESTART 1
#define HV_FAULT_INJECT 2
#define HV_FAULT_ACTION_NAMES "halt", "restart", "inject"

/* Hypervisor calls (hyp/hypercalls.yaml): grant bits of hv_partition.hypercalls, SMCCC ids */
#define HV_HC_CONSOLE 0
#define HV_HC_CONSOLE_FID 0xc6000001u
#define HV_HC_IDENTITY 1
#define HV_HC_IDENTITY_FID 0xc6000002u

/* Those some partition is granted: the others are not even linked in. X(NAME, handler) per
 * call, expanded by the dispatcher (core/smccc.c) into the cases of a switch. */
#define HV_HAS_HC_CONSOLE 1
#define HV_HAS_HC_IDENTITY 1
#define HV_HYPERCALLS_USED(X) X(CONSOLE, hv_hc_console_write) X(IDENTITY, hv_hc_identity)

#ifndef __ASSEMBLER__
struct hv_regs;

void hv_hc_console_write(struct hv_regs *regs);
void hv_hc_identity(struct hv_regs *regs);
#endif

#endif
