/* SPDX-License-Identifier: Apache-2.0 */
/* The request/reply protocol of the channel demo (partitions/chanping, partitions/chanpong):
 * what each channel holds. A writer stores the payload, then the sequence number with release
 * order; a reader loads the sequence number with acquire order, then the payload. */
#ifndef GUEST_CHANPROTO_H
#define GUEST_CHANPROTO_H

#include <stdint.h>

struct chan_req {               /* channel `req`: chanping writes, chanpong reads */
    uint32_t seq;
    uint32_t value;
};

struct chan_reply {             /* channel `reply`: chanpong writes, chanping reads */
    uint32_t seq;
    uint32_t result;
};

struct chan_telemetry {         /* channel `telemetry`: chanpong writes, chanping reads only */
    uint32_t served;            /* requests answered */
    uint32_t beats;             /* chanpong's heartbeat count */
    uint32_t rings;             /* doorbell interrupts chanpong took */
    uint32_t restart_bells;     /* of them, those that came with a new peer generation */
};

#define CHAN_SEQ_STOP 0xffffffffu  /* a request that asks chanpong to power its partition off */

static inline uint32_t chan_answer(uint32_t value)
{
    return value * 3u + 7u;
}

#endif
