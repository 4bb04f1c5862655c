/* SPDX-License-Identifier: Apache-2.0 */
/*
 * PSCI 1.1 and SMCCC 1.1 function identifiers and return codes (Arm DEN0022, DEN0028): their one
 * place. hvcfg reads the PSCI_* and SMCCC_* constants here (and in spectre.h) for `hvcfg surface`
 * and for the partitions, which get each under the partitions' prefix in their generated
 * partition_config.h; keep each a number or an `|` of earlier names.
 */
#ifndef HV_PSCI_H
#define HV_PSCI_H

#define SMCCC_VERSION           0x80000000u
#define SMCCC_ARCH_FEATURES     0x80000001u

#define PSCI_VERSION            0x84000000u
#define PSCI_CPU_SUSPEND        0x84000001u
#define PSCI_CPU_OFF            0x84000002u
#define PSCI_CPU_ON             0x84000003u
#define PSCI_AFFINITY_INFO      0x84000004u
#define PSCI_MIGRATE_INFO_TYPE  0x84000006u
#define PSCI_SYSTEM_OFF         0x84000008u
#define PSCI_SYSTEM_RESET       0x84000009u
#define PSCI_FEATURES           0x8400000au
#define PSCI_SMC64              0x40000000u     /* the SMC64 variant of a function id */
#define PSCI_CPU_ON_64          (PSCI_CPU_ON | PSCI_SMC64)
#define PSCI_AFFINITY_INFO_64   (PSCI_AFFINITY_INFO | PSCI_SMC64)

#define PSCI_SUCCESS            0
#define PSCI_NOT_SUPPORTED      -1
#define PSCI_INVALID_PARAMETERS -2
#define PSCI_DENIED             -3
#define PSCI_ALREADY_ON         -4
#define PSCI_ON_PENDING         -5
#define PSCI_INTERNAL_FAILURE   -6
#define PSCI_NOT_PRESENT        -7
#define PSCI_DISABLED           -8
#define PSCI_INVALID_ADDRESS    -9

#define PSCI_AFF_ON             0
#define PSCI_AFF_OFF            1
#define PSCI_AFF_ON_PENDING     2

#ifndef __ASSEMBLER__
#include "hv/frame.h"
/* Returns 1 when fid is a PSCI/SMCCC architecture call it handled (result in regs->x[0]). */
int hv_psci_call(struct hv_regs *regs, uint32_t fid);
#endif

#endif
