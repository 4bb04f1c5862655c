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

/* The bucket as of now: the counter, the deadline (never in the past: a full bucket's is now)
 * and what one unit costs. */
struct hv_ratelimit_view {
    uint64_t now, tat, cost;
};

/* 1 if `units` more fit in the burst now; *v: the bucket as of now. The one place the budget is
 * computed: take, room, charge and summary all ask it. */
static inline int hv_ratelimit_fits(const struct hv_ratelimit *r, uint32_t per_second,
                                    uint32_t burst, uint32_t units, struct hv_ratelimit_view *v)
{
    v->cost = read_sysreg(cntfrq_el0) / per_second;
    v->now = hv_ratelimit_now();
    v->tat = r->tat > v->now ? r->tat : v->now;
    return v->tat - v->now + v->cost * units <= v->cost * burst;
}

/* 1 if one more line of `units` (1 <= units <= burst) may go out now (and it is charged), else
 * 0 (and it is counted). A console line costs by its length (hv_pconsole_units), so that the
 * budget bounds a partition's share of the UART's time, not only its number of lines. */
static inline int hv_ratelimit_take(struct hv_ratelimit *r, uint32_t per_second, uint32_t burst,
                                    uint32_t units)
{
    struct hv_ratelimit_view v;

    if (!hv_ratelimit_fits(r, per_second, burst, units, &v)) {
        if (r->suppressed != UINT32_MAX)
            r->suppressed++;
        return 0;
    }
    r->tat = v.tat + v.cost * units;
    return 1;
}

/* 1 if one more unit would be taken now (nothing is charged or counted). */
static inline int hv_ratelimit_room(const struct hv_ratelimit *r, uint32_t per_second,
                                    uint32_t burst)
{
    struct hv_ratelimit_view v;

    return hv_ratelimit_fits(r, per_second, burst, 1, &v);
}

/* Charge `units` of output that has gone out already (a line shown as it was written, which
 * the terminal must see finished), past the burst if need be: what follows waits for it. */
static inline void hv_ratelimit_charge(struct hv_ratelimit *r, uint32_t per_second, uint32_t units)
{
    struct hv_ratelimit_view v;

    (void)hv_ratelimit_fits(r, per_second, 0, units, &v); /* charged whether it fits or not */
    r->tat = v.tat + v.cost * units;
}

/* The count to report now (and forget), after a line that went out: 0 if nothing was refused,
 * or while the flood goes on (no room for two more lines) and a summary went out less than a
 * second ago; the count then waits for a later line. `force`: report regardless (reset). */
static inline uint32_t hv_ratelimit_summary(struct hv_ratelimit *r, uint32_t per_second,
                                            uint32_t burst, int force)
{
    struct hv_ratelimit_view v;
    int quiet = hv_ratelimit_fits(r, per_second, burst, 2, &v);

    if (!r->suppressed || (!force && !quiet && v.now < r->next_summary))
        return 0;
    r->next_summary = v.now + read_sysreg(cntfrq_el0);
    uint32_t n = r->suppressed;
    r->suppressed = 0;
    return n;
}

#endif
