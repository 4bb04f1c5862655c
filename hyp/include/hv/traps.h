/* SPDX-License-Identifier: Apache-2.0 */
/* Trap handlers called from the exception vectors. */
#ifndef HV_TRAPS_H
#define HV_TRAPS_H

#include <stdint.h>

#include "hv/frame.h"

void hv_trap_lower_sync(struct hv_regs *regs);
void hv_trap_lower_irq(struct hv_regs *regs);
/* FIQ, SError and AArch32 exceptions from a guest (kind: HV_EXC_LOWER_*) */
void hv_trap_lower_other(struct hv_regs *regs, uint64_t kind);
void hv_trap_unexpected(struct hv_regs *regs, uint64_t kind) __attribute__((noreturn));
void hv_smccc_call(struct hv_regs *regs);
/* SMCCC_ARCH_FEATURES: whether an architecture call is implemented here, for this CPU. */
int64_t hv_smccc_arch_features(uint32_t fid);
void hv_stage2_abort(struct hv_regs *regs, uint64_t esr, int is_instruction);
/* PAR_EL1 after AT S1E1R (write 0) or S1E1W (write 1) of `va` through the guest's stage 1; the
 * guest's own PAR_EL1 is kept. A walk into Device memory is a stage-2 fault reported in the
 * result, not an exception at EL2 (HCR_EL2.PTW). */
uint64_t hv_at_s1e1(uint64_t va, int write);
int hv_stage2_mmio_fast(struct hv_regs *regs);
const char *hv_ec_name(uint32_t ec);

#endif
