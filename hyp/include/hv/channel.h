/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Channels: memory shared by two partitions, doorbells between them (core/channel.c). Compiled
 * in only when the configuration has a channel (HV_HAS_CHANNELS). Restart semantics: the
 * contents are kept; each end has a generation the hypervisor bumps at every start of its
 * partition (first start: 1), and a restarted end rings its peer if it has a doorbell toward it.
 */
#ifndef HV_CHANNEL_H
#define HV_CHANNEL_H

#include "hv/config.h"
#include "hv/lib.h"

#define HV_CHANNEL_OK               0
#define HV_CHANNEL_EINVAL           (-1) /* not one of the caller's channels, or no doorbell out */

#define HV_CHANNEL_FLAG_WRITABLE    1u
#define HV_CHANNEL_FLAG_CAN_RING    2u
#define HV_CHANNEL_FLAG_DOORBELL_IN 4u
#define HV_CHANNEL_FLAG_PEER_HALTED 8u /* the peer's partition halted (until it starts again) */

#ifdef HV_HAS_CHANNELS
/* End `end` of partition p (a guest-controlled index, all 64 bits of it), or NULL when p has no
 * such end. The index is clamped after the bounds check (hv_index_nospec), so that a
 * mispredicted check cannot read beyond the table under speculation. Inline: every doorbell
 * and channel_info call looks. */
static inline const struct hv_channel_end *hv_channel_end_of(const struct hv_partition *p,
                                                             uint64_t end)
{
    if (end >= p->nchannels)
        return 0;
    return &p->channels[hv_index_nospec(end, p->nchannels)];
}
/* End `end` of p if it has a doorbell toward its peer, else NULL. */
static inline const struct hv_channel_end *hv_channel_ringable(const struct hv_partition *p,
                                                               uint64_t end)
{
    const struct hv_channel_end *e = hv_channel_end_of(p, end);

    return e && e->ring_intid ? e : 0;
}
/* Ring end `end` of partition `p` (index into p->channels, guest-controlled: validated here).
 * Coalescing: pends the peer's doorbell line, a bit, never a queue. */
int hv_channel_ring(const struct hv_partition *p, uint64_t end);
/* How a doorbell reaches the peer (the one place, so that an ivshmem presentation can take its
 * PCI interrupt state into account). */
void hv_channel_deliver(uint32_t peer, uint32_t peer_end);
/* What a peer can tell of a channel's ends: the generations of its own end and of the other
 * end, and whether the other end's partition is halted (1). */
struct hv_channel_gen {
    uint32_t generation, peer_generation;
    uint32_t peer_halted;
};
/* End `end` of partition `pidx` and its state (one lookup), or NULL and all 0 for an index that
 * is not one of its ends. */
const struct hv_channel_end *hv_channel_state(uint32_t pidx, uint64_t end,
                                              struct hv_channel_gen *out);
/* Cold boot: zero every channel's memory, once, before any partition runs. */
void hv_channels_scrub(void);
/* Partition `idx` is starting (cold = its first start), its vGIC reset: bump its ends'
 * generation, pend each doorbell into it whose peer has started (a ring before this start was
 * dropped with the reset) and, on a restart, ring each peer it has a doorbell toward. */
void hv_channels_partition_start(uint32_t idx, int cold);
/* Partition `idx` halted (the health monitor, a failed measurement, its last vCPU off): mark it
 * and ring each peer it has a doorbell toward, so that a peer waiting on it can tell. */
void hv_channels_partition_halt(uint32_t idx);
#endif

#endif
