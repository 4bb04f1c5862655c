/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Channels for bare-metal partitions (docs/hypercalls.md, "Channels"): memory shared with one
 * other partition and doorbells. The table comes from the generated partition_config.h
 * (HVCFG_CHANNELS); the calls are the doorbell and channel_info hypercalls.
 */
#ifndef GUEST_CHANNEL_H
#define GUEST_CHANNEL_H

#include <stdint.h>

#include "guest.h"

struct channel {
    const char *name;
    uint32_t index;             /* the caller's channel index (hypercall argument) */
    uint64_t ipa;               /* where this partition sees the memory */
    uint64_t size;
    uint32_t flags;             /* HVCFG_CHANNEL_WRITABLE, _CAN_RING, _DOORBELL_IN */
    uint32_t doorbell_intid;    /* the peer's doorbell pends this INTID here (0: none) */
};

struct channel_state {
    uint32_t generation;        /* this end's: starts of this partition (first start: 1) */
    uint32_t peer_generation;   /* the other end's: it grows when the peer restarts */
    uint64_t size, ipa;
    uint32_t flags;
};

/* The channel named `name`, or 0 when this partition is no end of it. */
const struct channel *channel_find(const char *name);
static inline volatile void *channel_mem(const struct channel *ch)
{
    return (volatile void *)ch->ipa;
}
/* Ring the peer's doorbell: 0, or < 0 (no doorbell toward the peer, or not our channel). */
int64_t channel_notify(const struct channel *ch);
/* Ring by raw index (what a hostile caller can do: any index). */
int64_t channel_notify_index(uint64_t index);
/* Route the peer's doorbell into this partition to this vCPU and enable it (priority 0x80);
 * the interrupt then reaches irq_handler() as INTID ch->doorbell_intid. 0: it has none. */
int channel_doorbell_enable(const struct channel *ch);
/* Both generations, size, IPA, flags: 0, or < 0 for an index that is not ours. */
int64_t channel_info(uint64_t index, struct channel_state *out);

#endif
