/*
 * hvcfg's own calls, in the SMCCC Vendor Specific Hypervisor Service range (owner 6).
 * docs/hypercalls.md is the reference for guests.
 */
#ifndef HV_HYPERCALL_H
#define HV_HYPERCALL_H

#include <stdint.h>

#include "hv/frame.h"

#define HVCFG_HC_CONSOLE_WRITE  0xc6000001u     /* x1 = buffer IPA, x2 = length */
#define HVCFG_HC_IDENTITY       0xc6000002u

#define HVCFG_CONSOLE_MAX       256             /* bytes per call */

void hv_hc_console_write(struct hv_regs *regs);
void hv_hc_identity(struct hv_regs *regs);

/* Copy [ipa, ipa+len) of the current partition's RAM into dst; 0 if the range is not wholly
 * inside one readable region of the partition. */
int hv_guest_read(uint64_t ipa, void *dst, uint64_t len);

#endif
