/* SPDX-License-Identifier: Apache-2.0 */
/* Console hypercall: a partition without a UART writes text through the hypervisor. */
#include "hv/config.h"
#include "hv/hypercall.h"
#include "hv/partition.h"
#include "hv/pconsole.h"
#include "hv/psci.h"

void hv_hc_console_write(struct hv_regs *regs)
{
    uint64_t ipa = regs->x[1], len = regs->x[2];
    char buf[HV_HC_CONSOLE_MAX];

    if (len > HV_HC_CONSOLE_MAX || !hv_guest_read(ipa, buf, len)) {
        regs->x[0] = (uint64_t)PSCI_INVALID_PARAMETERS;
        /* With the inject policy the HVC becomes an undefined instruction for the guest. */
        hv_fault(regs, HV_FAULT_KIND_UNDEF,
                 "console hypercall: buffer ipa=0x%lx len=%lu outside its memory or over %u bytes",
                 (unsigned long)ipa, (unsigned long)len, HV_HC_CONSOLE_MAX);
        return;
    }
    hv_pconsole_write(hv_current_partition(), buf, len);
    regs->x[0] = len;
}
