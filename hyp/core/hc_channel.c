/* SPDX-License-Identifier: Apache-2.0 */
/* The channel calls (hyp/hypercalls.yaml: doorbell, channel_info): x1 is the caller's own
 * channel index, anything else answers NOT_SUPPORTED and is no fault. */
#include "hv/channel.h"
#include "hv/hypercall.h"
#include "hv/partition.h"
#include "hv/psci.h"

void hv_hc_doorbell(struct hv_regs *regs)
{
    const struct hv_channel_end *e = hv_channel_ringable(hv_current_partition_config(), regs->x[1]);

    if (!e) {
        regs->x[0] = (uint64_t)(int64_t)HV_CHANNEL_EINVAL;
        return;
    }
    regs->x[0] = HV_CHANNEL_OK; /* before the delivery, which needs no frame then */
    hv_channel_deliver(e->peer, e->peer_end);
}

void hv_hc_channel_info(struct hv_regs *regs)
{
    struct hv_channel_gen g;
    const struct hv_channel_end *e = hv_channel_state(hv_current_partition(), regs->x[1], &g);

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
