/* SPDX-License-Identifier: Apache-2.0 */
/*
 * chanping: the client of the channel demo. First incarnation (generation 1): ROUNDS
 * request/reply round trips (channel `req` + doorbell, answer on `reply` + doorbell back),
 * the one-way `telemetry` read, doorbell and channel_info calls with indices that are not its
 * own (each must answer -1, no fault), then a write into the read-only `reply`: a stage-2
 * fault, and the health monitor restarts it (on_fault). Second incarnation (generation 2): the
 * request it wrote before is still there (a restart keeps a channel's contents), then it floods
 * chanpong's doorbell until chanpong's heartbeat is done. With BENCH: only the timed round
 * trips (scripts/bench-traps).
 */
#include "../lib/chanproto.h"
#include "../lib/channel.h"
#include "../lib/gicv2.h"

#ifndef ROUNDS
#define ROUNDS 100
#endif

static volatile uint32_t replies;      /* doorbells from chanpong */

void irq_handler(void)
{
    uint32_t iar = mmio_read32(C(GICC_IAR));
    uint32_t intid = iar & 0x3ff;

    if (intid < 1020) {
        replies++;
        mmio_write32(C(GICC_EOIR), iar);
    }
}

static const struct channel *need(const char *name)
{
    const struct channel *ch = channel_find(name);
    if (!ch) {
        guest_printf("chanping: no channel %s", name);
        guest_system_off();
    }
    return ch;
}

static void wait_reply(uint32_t before)
{
    while (replies == before)
        __asm__ volatile("dsb sy\n\twfi" : : : "memory");
}

/* One round trip: returns the answer chanpong wrote. */
static uint32_t round_trip(const struct channel *req, const struct channel *reply, uint32_t seq,
                           uint32_t value)
{
    volatile struct chan_req *rq = channel_mem(req);
    volatile struct chan_reply *rp = channel_mem(reply);
    uint32_t before = replies;

    rq->value = value;
    __atomic_store_n(&rq->seq, seq, __ATOMIC_RELEASE);
    channel_notify(req);
    while (__atomic_load_n(&rp->seq, __ATOMIC_ACQUIRE) != seq) {
        wait_reply(before);
        before = replies;
    }
    return rp->result;
}

#ifdef BENCH
static uint64_t ticks(void)
{
    uint64_t t;
    __asm__ volatile("isb\n\tmrs %0, cntvct_el0\n\tisb" : "=r"(t) : : "memory");
    return t;
}

static void bench(const struct channel *req, const struct channel *reply)
{
    uint64_t n = BENCH, t0 = ticks();
    for (uint32_t i = 1; i <= n; i++)
        round_trip(req, reply, i, i);
    uint64_t t = ticks() - t0;
    guest_printf("chanping: bench round_trip n=%lu ticks=%lu per_round_trip=%lu", n, t, t / n);
    __atomic_store_n(&((volatile struct chan_req *)channel_mem(req))->seq, CHAN_SEQ_STOP,
                     __ATOMIC_RELEASE);
    channel_notify(req);        /* chanpong powers off: the machine stops */
    guest_system_off();
}
#endif

int main(uint64_t dtb)
{
    const struct channel *req = need("req"), *reply = need("reply"), *tel = need("telemetry");
    struct channel_state st;

    gicv2_cpu_interface_on(0);
    channel_doorbell_enable(reply);
    __asm__ volatile("msr daifclr, #2\n\tisb" : : : "memory");
    do                          /* chanpong loaded (its vGIC reset is behind it) */
        channel_info(req->index, &st);
    while (st.peer_generation == 0);
    guest_printf("chanping: generation %u, peer generation %u, req at 0x%lx (%lu bytes), flags %u",
                 st.generation, st.peer_generation, st.ipa, st.size, st.flags);
#ifdef BENCH
    (void)tel;
    bench(req, reply);
    return 0;
#else
    volatile struct chan_req *rq = channel_mem(req);
    volatile struct chan_telemetry *tm = channel_mem(tel);

    if (st.generation == 1) {
        uint32_t bad = 0;
        for (uint32_t i = 1; i <= ROUNDS; i++)
            bad += round_trip(req, reply, i, i * 11u) != chan_answer(i * 11u);
        guest_printf("chanping: %u round trips, %u wrong answers", ROUNDS, bad);
        guest_printf("chanping: telemetry served %u",
                     __atomic_load_n(&tm->served, __ATOMIC_ACQUIRE));
        /* Not our doorbells: each answers -1 and is no fault. */
        guest_printf("chanping: ring telemetry (no doorbell out) -> %ld", channel_notify(tel));
        guest_printf("chanping: ring index %u (none) -> %ld", HVCFG_CHANNEL_COUNT,
                     channel_notify_index(HVCFG_CHANNEL_COUNT));
        guest_printf("chanping: ring index 0x100000000 -> %ld",
                     channel_notify_index(0x100000000UL));
        guest_printf("chanping: ring index -1 -> %ld", channel_notify_index(~0UL));
        guest_printf("chanping: channel_info index %u -> %ld", HVCFG_CHANNEL_COUNT,
                     channel_info(HVCFG_CHANNEL_COUNT, &st));
        guest_printf("chanping: channel_info index 0x100000000 -> %ld", /* not channel 0 */
                     channel_info(0x100000000UL, &st));
        guest_printf("chanping: writing the read-only channel reply at 0x%lx", reply->ipa);
        *(volatile uint32_t *)channel_mem(reply) = 0xbad;
        guest_printf("chanping: the write went through");
        guest_system_off();
    }
    guest_printf("chanping: incarnation %u: req seq %u kept", st.generation,
                 __atomic_load_n(&rq->seq, __ATOMIC_ACQUIRE));
    /* It has not rung since its restart: a doorbell chanpong took with the new generation is
     * the one the hypervisor rang for the restart. */
    guest_wait_ms_sliced(60);
    guest_printf("chanping: chanpong took %u restart doorbell(s) before it rang",
                 __atomic_load_n(&tm->restart_bells, __ATOMIC_ACQUIRE));
    uint64_t rings = 0;
    int64_t bad = 0;
    while (__atomic_load_n(&tm->beats, __ATOMIC_ACQUIRE) < FLOOD_UNTIL_BEATS) {
        for (int i = 0; i < 1000; i++, rings++)
            bad |= channel_notify(req);
    }
    guest_printf("chanping: flood done: %lu rings, errors %ld", rings, bad);
    guest_system_off();
#endif
}
