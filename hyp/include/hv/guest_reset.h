/* SPDX-License-Identifier: Apache-2.0 */
/* Guest-visible CPU state: its reset before every vCPU entry, and what the guest may reach. */
#ifndef HV_GUEST_RESET_H
#define HV_GUEST_RESET_H

#include <stdint.h>

#include "hv/frame.h"

/* Reset FP/SIMD, the EL1/EL0 system registers, debug and PMU state (docs/architecture.md). */
void hv_guest_reset(void);
/* Each CPU at boot, right after its EL2 MMU is on (head.S), before any guest: MDCR_EL2 as
 * above and HSTR_EL2 = 0. Both reset to UNKNOWN values the firmware need not set. */
void hv_el2_debug_init(void);
/* A trapped MSR/MRS (EC 0x18): 1 when emulated (read as zero, write ignored), 0 when it is
 * the health monitor's. */
int hv_trap_sysreg(struct hv_regs *regs, uint64_t esr);

#endif
