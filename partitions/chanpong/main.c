/* SPDX-License-Identifier: Apache-2.0 */
/*
 * chanpong: the server of the channel demo. Answers every new request of channel `req` on
 * `reply` and rings back; counts requests, doorbell interrupts and its beats in the one-way
 * `telemetry`; tells when the peer's generation changes (chanping restarted). Beats every
 * PERIOD_MS on its virtual counter like the victim (tests/victim.py: "victim: beat ..."), so
 * that what a doorbell flood costs it is measured; after BEATS beats it powers off.
 */
#include "../lib/chanproto.h"
#include "../lib/channel.h"
#include "../lib/gicv2.h"

#ifndef PERIOD_MS
#define PERIOD_MS 20
#endif

static volatile uint32_t rings;
static const struct channel *req, *reply, *tel;
static uint32_t bell_generation;   /* the peer's generation at the last doorbell */

static void serve(void)
{
    static uint32_t last_seq;
    volatile struct chan_req *rq = channel_mem(req);
    volatile struct chan_reply *rp = channel_mem(reply);
    volatile struct chan_telemetry *tm = channel_mem(tel);
    uint32_t seq = __atomic_load_n(&rq->seq, __ATOMIC_ACQUIRE);

    if (seq == last_seq)
        return;                 /* a ring without a new request (a flood, a restart) */
    if (seq == CHAN_SEQ_STOP)
        guest_system_off();
    last_seq = seq;
    rp->result = chan_answer(rq->value);
    __atomic_store_n(&rp->seq, seq, __ATOMIC_RELEASE);
    tm->served++;
    channel_notify(reply);
}

void irq_handler(void)
{
    uint32_t iar = mmio_read32(C(GICC_IAR));
    uint32_t intid = iar & 0x3ff;

    if (intid >= 1020)
        return;
    mmio_write32(C(GICC_EOIR), iar);
    if (intid == req->doorbell_intid) {
        struct channel_state st;
        rings++;
        channel_info(req->index, &st);
        if (st.peer_generation != bell_generation) {
            bell_generation = st.peer_generation;    /* the hypervisor rang for a restart */
            ((volatile struct chan_telemetry *)channel_mem(tel))->restart_bells++;
        }
        serve();
    }
}

int main(uint64_t dtb)
{
    struct channel_state st;
    uint64_t freq = guest_cntfrq(), last, worst = 0;
    uint32_t peer_gen;

    req = channel_find("req"), reply = channel_find("reply"), tel = channel_find("telemetry");
    if (!req || !reply || !tel) {
        guest_printf("chanpong: a channel is missing");
        guest_system_off();
    }
    volatile struct chan_telemetry *tm = channel_mem(tel);
    channel_info(req->index, &st);
    peer_gen = bell_generation = st.peer_generation;
    guest_printf("chanpong: generation %u, peer generation %u, telemetry flags %u", st.generation,
                 peer_gen, tel->flags);
    /* chanping started first: its doorbell into chanpong is pending from the start (a ring
     * made before this start would have been dropped with this partition's vGIC reset). */
    uint32_t bell = req->doorbell_intid;
    guest_printf("chanpong: doorbell pending at start %u",
                 (mmio_read32(D(GICD_ISPENDR + 4 * (bell / 32))) >> (bell % 32)) & 1);
    gicv2_cpu_interface_on(0);
    channel_doorbell_enable(req);
    __asm__ volatile("msr daifclr, #2\n\tisb" : : : "memory");
#ifdef BENCH
    for (;;)
        __asm__ volatile("dsb sy\n\twfi" : : : "memory");
#endif
    last = guest_cntvct();
    for (uint32_t i = 1;; i++) {
        guest_wait_ms_sliced(PERIOD_MS);
        uint64_t t = guest_cntvct(), period_us = (t - last) * 1000000 / freq;
        last = t;
        if (period_us > worst)
            worst = period_us;
        guest_printf("victim: beat %u period_us %lu", i, period_us);
        __atomic_store_n(&tm->beats, i, __ATOMIC_RELEASE);
        tm->rings = rings;
        channel_info(req->index, &st);
        if (st.peer_generation != peer_gen) {
            guest_printf("chanpong: peer generation %u -> %u", peer_gen, st.peer_generation);
            peer_gen = bell_generation = st.peer_generation;
        }
#ifdef BEATS
        if (i == BEATS) {
            guest_printf("chanpong: %u doorbell interrupts, %u requests served", rings, tm->served);
            guest_printf("victim: summary beats %u worst_period_us %lu", i, worst);
            guest_system_off();
        }
#endif
    }
}
