/*
 * SMCCC calls from guests (HVC, and SMC trapped by HCR_EL2.TSC). Nothing reaches the firmware:
 * a guest never talks to EL3 behind the hypervisor's back. Calls a partition was not granted,
 * and unknown function ids, answer NOT_SUPPORTED quietly, as SMCCC requires.
 */
#include "hv/config.h"
#include "hv/hypercall.h"
#include "hv/partition.h"
#include "hv/psci.h"
#include "hv/traps.h"

static int __attribute__((unused)) granted(uint32_t hc)
{
    return (hv_partitions[hv_current_partition()].hypercalls >> hc) & 1;
}

void hv_smccc_call(struct hv_regs *regs)
{
    uint32_t fid = (uint32_t)regs->x[0];

    switch (fid) {
#ifdef HV_HAS_HC_CONSOLE
    case HVCFG_HC_CONSOLE_WRITE:
        if (granted(HV_HC_CONSOLE)) {
            hv_hc_console_write(regs);
            return;
        }
        break;
#endif
#ifdef HV_HAS_HC_IDENTITY
    case HVCFG_HC_IDENTITY:
        if (granted(HV_HC_IDENTITY)) {
            hv_hc_identity(regs);
            return;
        }
        break;
#endif
    default:
        if (hv_psci_call(regs, fid))
            return;
    }
    regs->x[0] = (uint64_t)PSCI_NOT_SUPPORTED;
}
