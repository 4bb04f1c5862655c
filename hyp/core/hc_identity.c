/* SPDX-License-Identifier: Apache-2.0 */
/* Identity hypercall: which partition and vCPU am I, and what is my name. */
#include "hv/config.h"
#include "hv/hypercall.h"
#include "hv/lib.h"
#include "hv/partition.h"
#include "hv/psci.h"
#include "hv/vcpu.h"

void hv_hc_identity(struct hv_regs *regs)
{
    uint32_t idx = hv_current_partition();
    const struct hv_partition *p = &hv_partitions[idx];
    char name[32] = {0};
    size_t n = strlen(p->name);

    memcpy(name, p->name, n < sizeof(name) ? n : sizeof(name));
    regs->x[0] = PSCI_SUCCESS;
    regs->x[1] = idx;
    regs->x[2] = hv_cpus[hv_cpu_slot()].vcpu;
    regs->x[3] = p->nvcpus;
    for (int i = 0; i < 4; i++) {
        uint64_t w = 0;
        for (int b = 7; b >= 0; b--)
            w = (w << 8) | (uint8_t)name[i * 8 + b];
        regs->x[4 + i] = w;
    }
}
