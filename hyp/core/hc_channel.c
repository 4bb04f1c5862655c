/* SPDX-License-Identifier: Apache-2.0 */
/* The channel calls (hyp/hypercalls.yaml: doorbell, channel_info): x1 is the caller's own
 * channel index, anything else answers NOT_SUPPORTED and is no fault. */
#include "hv/channel.h"
#include "hv/hypercall.h"
#include "hv/partition.h"
#include "hv/psci.h"

void hv_hc_doorbell(struct hv_regs *regs)
{
    const struct hv_partition *p = hv_current_partition_config();
    uint64_t end = regs->x[1];

    regs->x[0] =
        (uint64_t)(int64_t)(end >> 32 ? HV_CHANNEL_EINVAL : hv_channel_ring(p, (uint32_t)end));
}

void hv_hc_channel_info(struct hv_regs *regs)
{
    uint64_t end = regs->x[1];
    struct hv_channel_gen g;
    const struct hv_channel_end *e =
        end >> 32 ? 0 : hv_channel_state(hv_current_partition(), (uint32_t)end, &g);

    if (!e) {
        for (int i = 1; i <= 5; i++)
            regs->x[i] = 0;
        regs->x[0] = (uint64_t)PSCI_NOT_SUPPORTED;
        return;
    }
    regs->x[0] = PSCI_SUCCESS;
    regs->x[1] = g.generation;
    regs->x[2] = g.peer_generation;
    regs->x[3] = e->size;
    regs->x[4] = e->ipa;
    regs->x[5] = (e->writable ? HV_CHANNEL_FLAG_WRITABLE : 0) |
                 (e->ring_intid ? HV_CHANNEL_FLAG_CAN_RING : 0) |
                 (e->doorbell_intid ? HV_CHANNEL_FLAG_DOORBELL_IN : 0) |
                 (g.peer_halted ? HV_CHANNEL_FLAG_PEER_HALTED : 0);
}
