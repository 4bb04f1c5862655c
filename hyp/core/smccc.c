/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SMCCC calls from guests (HVC, and SMC trapped by HCR_EL2.TSC). Nothing reaches the firmware:
 * a guest never talks to EL3 behind the hypervisor's back. Calls a partition was not granted,
 * and unknown function ids, answer NOT_SUPPORTED quietly, as SMCCC requires.
 */
#include "hv/config.h"
#include "hv/hypercall.h"
#include "hv/partition.h"
#include "hv/psci.h"
#include "hv/spectre.h"
#include "hv/traps.h"

static int __attribute__((unused)) granted(uint32_t bit)
{
    return (hv_current_partition_config()->hypercalls >> bit) & 1;
}

#define SMCCC_OWNER(fid)       (((fid) >> 24) & 0x3f)
#define SMCCC_OWNER_ARCH       0
#define SMCCC_OWNER_STANDARD   4       /* PSCI */
#define SMCCC_OWNER_VENDOR_HYP 6       /* hvcfg's own calls */

/* One case per call this configuration compiles in (HV_HYPERCALLS_USED, generated from
 * hyp/hypercalls.yaml); each only if the partition's YAML granted it. */
#define HYPERCALL_CASE(NAME, handler) \
    case HV_HC_##NAME##_FID:          \
        if (granted(HV_HC_##NAME))    \
            return handler(regs);     \
        break;

/* hvcfg's own calls. Tail calls throughout, so that the NOT_SUPPORTED answer needs no stack
 * frame; not inlined, so that hv_smccc_call reaches it (every hypercall) by a tail call before
 * the frame the PSCI path needs. */
static __attribute__((noinline)) void vendor_call(struct hv_regs *regs, uint32_t fid)
{
    switch (fid) {
        HV_HYPERCALLS_USED(HYPERCALL_CASE)
    default:
        break;
    }
    regs->x[0] = (uint64_t)PSCI_NOT_SUPPORTED;
}

int64_t hv_smccc_arch_features(uint32_t fid)
{
    switch (fid) {
    case SMCCC_VERSION:
    case SMCCC_ARCH_FEATURES:
        return PSCI_SUCCESS;
    case SMCCC_ARCH_WORKAROUND_1:
    case SMCCC_ARCH_WORKAROUND_2:
    case SMCCC_ARCH_WORKAROUND_3:
        return hv_spectre_features(fid);
    default:
        return PSCI_NOT_SUPPORTED;
    }
}

/* The ARCH_WORKAROUND calls are among the NOT_SUPPORTED ones: no CPU claims a mitigation
 * (aarch64/spectre.c), so ARCH_FEATURES never invites a guest to make them. */
static void architecture_call(struct hv_regs *regs, uint32_t fid)
{
    if (!hv_psci_call(regs, fid))
        regs->x[0] = (uint64_t)PSCI_NOT_SUPPORTED;
}

void hv_smccc_call(struct hv_regs *regs)
{
    uint32_t fid = (uint32_t)regs->x[0];
    uint32_t owner = SMCCC_OWNER(fid);

    /* By owner first: a call outside the architecture, PSCI and hvcfg ranges costs nothing. */
    if (owner == SMCCC_OWNER_VENDOR_HYP)
        return vendor_call(regs, fid);
    if (owner == SMCCC_OWNER_ARCH || owner == SMCCC_OWNER_STANDARD)
        return architecture_call(regs, fid);
    regs->x[0] = (uint64_t)PSCI_NOT_SUPPORTED;
}
