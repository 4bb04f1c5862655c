/*
 * SMCCC calls from guests (HVC, and SMC trapped by HCR_EL2.TSC). Nothing reaches the firmware:
 * a guest never talks to EL3 behind the hypervisor's back.
 */
#include "hv/traps.h"

#define SMCCC_NOT_SUPPORTED ((uint64_t)-1)

void hv_smccc_call(struct hv_regs *regs)
{
    /* No service is granted to partitions yet: every function id answers NOT_SUPPORTED. */
    regs->x[0] = SMCCC_NOT_SUPPORTED;
}
