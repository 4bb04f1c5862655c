/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A token bucket for what a partition makes the hypervisor print, in physical counter time
 * (the generic cell rate algorithm: one deadline instead of a token count). `burst` lines may
 * come at once, then `per_second`; what is refused is counted, and the count is summarised
 * once the flood is over, or once a second while it goes on (not once per line).
 * The caller serialises access (a bucket belongs to one partition, under one of its locks).
 */
#ifndef HV_RATELIMIT_H
#define HV_RATELIMIT_H

#include <stdint.h>

#include "hv/sysreg.h"

struct hv_ratelimit {
    uint64_t tat;                   /* counter value at which the bucket is full again */
    uint64_t next_summary;          /* no summary before this counter value */
    uint32_t suppressed;            /* refused since the last summary */
};

static inline uint64_t hv_ratelimit_now(void)
{
    isb();
    return read_sysreg(cntpct_el0);
}

/* 1 if one more line of `units` (1 <= units <= burst) may go out now (and it is charged), else
 * 0 (and it is counted). A console line costs by its length (hv_pconsole_units), so that the
 * budget bounds a partition's share of the UART's time, not only its number of lines. */
static inline int hv_ratelimit_take(struct hv_ratelimit *r, uint32_t per_second, uint32_t burst,
                                    uint32_t units)
{
    uint64_t cost = read_sysreg(cntfrq_el0) / per_second;
    uint64_t now = hv_ratelimit_now();
    uint64_t tat = r->tat > now ? r->tat : now;

    if (tat - now + cost * units > cost * burst) {
        if (r->suppressed != UINT32_MAX)
            r->suppressed++;
        return 0;
    }
    r->tat = tat + cost * units;
    return 1;
}

/* 1 if one more unit would be taken now (nothing is charged or counted). */
static inline int hv_ratelimit_room(const struct hv_ratelimit *r, uint32_t per_second,
                                    uint32_t burst)
{
    uint64_t cost = read_sysreg(cntfrq_el0) / per_second;
    uint64_t now = hv_ratelimit_now();
    uint64_t tat = r->tat > now ? r->tat : now;

    return tat - now + cost <= cost * burst;
}

/* Charge `units` of output that has gone out already (a line shown as it was written, which
 * the terminal must see finished), past the burst if need be: what follows waits for it. */
static inline void hv_ratelimit_charge(struct hv_ratelimit *r, uint32_t per_second, uint32_t units)
{
    uint64_t cost = read_sysreg(cntfrq_el0) / per_second;
    uint64_t now = hv_ratelimit_now();

    r->tat = (r->tat > now ? r->tat : now) + cost * units;
}

/* The count to report now (and forget), after a line that went out: 0 if nothing was refused,
 * or while the flood goes on (no room for two more lines) and a summary went out less than a
 * second ago; the count then waits for a later line. `force`: report regardless (reset). */
static inline uint32_t hv_ratelimit_summary(struct hv_ratelimit *r, uint32_t per_second,
                                            uint32_t burst, int force)
{
    uint64_t cost = read_sysreg(cntfrq_el0) / per_second;
    uint64_t now = hv_ratelimit_now();
    uint64_t backlog = r->tat > now ? r->tat - now : 0;
    int quiet = backlog + 2 * cost <= cost * burst;

    if (!r->suppressed || (!force && !quiet && now < r->next_summary))
        return 0;
    r->next_summary = now + read_sysreg(cntfrq_el0);
    uint32_t n = r->suppressed;
    r->suppressed = 0;
    return n;
}

#endif
