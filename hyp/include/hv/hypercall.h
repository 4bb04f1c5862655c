/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hvcfg's own calls, in the SMCCC Vendor Specific Hypervisor Service range (owner 6). Their ids,
 * grant bits and handlers are in hyp/hypercalls.yaml, from which hvcfg generates HV_HC_<NAME>,
 * HV_HC_<NAME>_FID, the handler prototypes and HV_HYPERCALLS_USED (gen/hvcfg_config.h).
 * docs/hypercalls.md is the reference for guests.
 */
#ifndef HV_HYPERCALL_H
#define HV_HYPERCALL_H

#include <stdint.h>

#include "hv/config.h"
#include "hv/frame.h"

#define HV_HC_CONSOLE_MAX 256             /* bytes per console call */

/* Copy [ipa, ipa+len) of the current partition's RAM into dst; 0 if the range is not wholly
 * inside one readable region of the partition. */
int hv_guest_read(uint64_t ipa, void *dst, uint64_t len);
/* 1 if `ipa` lies in memory of partition p declared executable (perm x), else 0. */
int hv_guest_executable(const struct hv_partition *p, uint64_t ipa);

#endif
