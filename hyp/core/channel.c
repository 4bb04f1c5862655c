/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Channels: memory two partitions share (mapped by their stage 2, never touched here after
 * cold boot) and doorbells between them. The hypervisor keeps one word per partition, its
 * start count, which is the generation of each of its ends: a peer compares it to tell that
 * the other side restarted. Nothing here takes a lock a guest can hold: ringing costs one
 * bounded distributor update in the peer (hv_vgic_pend_virtual), and a flood of rings leaves
 * the peer one pending bit.
 */
#include "hv/cache.h"
#include "hv/channel.h"
#include "hv/config.h"
#include "hv/ivshmem.h"
#include "hv/lib.h"
#include "hv/vgic.h"

/* Starts of each partition: the generation of all its ends (0 before the first start). */
static uint32_t starts[HV_NPARTITIONS];
/* Set when a partition halts for good (until its next start, which only a restart of the
 * machine brings): a peer waiting on it can tell "halted" from "slow". */
static uint8_t halted[HV_NPARTITIONS];

/* `peer` and `peer_end` come from the generated tables (verify proves them), never from a
 * guest: no check here. */
void hv_channel_deliver(uint32_t peer, uint32_t peer_end)
{
    const struct hv_partition *q = &hv_partitions[peer];

#ifdef HV_HAS_IVSHMEM
    /* an ivshmem end's interrupt is its PCI function's INTx (IntrStatus, Interrupt Disable) */
    if (q->ivshmem.nfn) {
        hv_ivshmem_doorbell(q, peer_end);
        return;
    }
#endif
    hv_vgic_pend_virtual(peer, q->channels[peer_end].doorbell_intid);
}

int hv_channel_ring(const struct hv_partition *p, uint64_t end)
{
    const struct hv_channel_end *e = hv_channel_ringable(p, end);

    if (!e)
        return HV_CHANNEL_EINVAL;
    hv_channel_deliver(e->peer, e->peer_end);
    return HV_CHANNEL_OK;
}

const struct hv_channel_end *hv_channel_state(uint32_t pidx, uint64_t end,
                                              struct hv_channel_gen *out)
{
    const struct hv_channel_end *e =
        pidx < HV_NPARTITIONS ? hv_channel_end_of(&hv_partitions[pidx], end) : 0;

    if (!e) {
        out->generation = out->peer_generation = 0;
        out->peer_halted = 0;
        return 0;
    }
    out->generation = __atomic_load_n(&starts[pidx], __ATOMIC_ACQUIRE);
    out->peer_generation = __atomic_load_n(&starts[e->peer], __ATOMIC_ACQUIRE);
    out->peer_halted = __atomic_load_n(&halted[e->peer], __ATOMIC_ACQUIRE);
    return e;
}

void hv_channels_scrub(void)
{
#if HV_NCHANNELS > 0
    for (uint32_t i = 0; i < HV_NCHANNELS; i++)
        hv_zero_clean_range_cold(hv_channel_mems[i].pa, hv_channel_mems[i].size);
#endif
}

void hv_channels_partition_start(uint32_t idx, int cold)
{
    const struct hv_partition *p = &hv_partitions[idx];

    if (!p->nchannels)
        return;
    __atomic_store_n(&halted[idx], 0, __ATOMIC_RELEASE);
    __atomic_add_fetch(&starts[idx], 1, __ATOMIC_RELEASE);
    for (uint32_t i = 0; i < p->nchannels; i++) {
        const struct hv_channel_end *e = &p->channels[i];
        /* A ring from a peer that started earlier was dropped with this partition's vGIC
         * state (its reset is behind us): pend the doorbell into it again. Spurious at worst. */
        if (e->doorbell_intid && __atomic_load_n(&starts[e->peer], __ATOMIC_ACQUIRE))
            hv_channel_deliver(idx, i);
        if (!cold)
            hv_channel_ring(p, i);  /* the peers learn of the restart; no-op without a doorbell */
    }
}

void hv_channels_partition_halt(uint32_t idx)
{
    const struct hv_partition *p = &hv_partitions[idx];

    if (!p->nchannels)
        return;
    __atomic_store_n(&halted[idx], 1, __ATOMIC_RELEASE);
    for (uint32_t i = 0; i < p->nchannels; i++)
        hv_channel_ring(p, i);      /* the peers learn of the halt; no-op without a doorbell */
}
