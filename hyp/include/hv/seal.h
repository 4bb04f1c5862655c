/* SPDX-License-Identifier: Apache-2.0 */
/* Kernel sealing (integrity: {kernel: sealed}, docs/integrity.md): stage2/seal.c. */
#ifndef HV_SEAL_H
#define HV_SEAL_H

#include <stdint.h>

#include "hv/config.h"
#include "hv/frame.h"

#ifdef HV_HAS_INTEGRITY
/* VTTBR_EL2 for entering a vCPU of `p` (index idx): the sealed tables once it is sealed. */
uint64_t hv_seal_vttbr(const struct hv_partition *p);
/* An exception or interrupt taken from a vCPU of a partition with integrity: seal once its
 * user space has run and its kernel has write-protected its rodata. */
void hv_seal_guest_event(const struct hv_regs *regs);
/* A kick: a vCPU still on the unsealed tables of a sealed partition moves to the sealed ones. */
void hv_seal_sync(void);
/* A stage-2 permission fault of a data access at `ipa`: 1 if it was on a sealed range (an
 * allowed patch done, or a violation handled by on_violation), 0 if the range is not sealed
 * (the health monitor's). Sealed ranges stay executable: no instruction fetch faults there. */
int hv_seal_abort(struct hv_regs *regs, uint64_t esr, uint64_t ipa);
/* sealed-strict: a stage-2 instruction abort at `ipa`: 1 if it was EL1 executing outside the
 * sealed kernel text after the seal (a violation, handled by on_violation; a fetch cannot be
 * skipped, so `block` injects), 0 if it is the health monitor's. */
int hv_seal_fetch_abort(struct hv_regs *regs, uint64_t esr, uint64_t ipa);
/* May partition `idx` start on this CPU? Not if it is sealed-strict and the CPU lacks FEAT_XNX
 * (said on the console): its stage-2 EL1 execute-never bit would be RES0, i.e. ignored. */
int hv_seal_can_start(uint32_t idx);
/* Partition `idx` starts a new incarnation (unsealed by itself: sealed_gen is per incarnation):
 * its violation sites are reported afresh. */
void hv_seal_partition_reset(uint32_t idx);
/* Say how many patches were done and writes refused (since the hypervisor started). */
void hv_seal_report(uint32_t idx);
#endif

#endif
