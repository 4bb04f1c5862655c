/* SPDX-License-Identifier: Apache-2.0 */
/*
 * atk_psci: races the hypervisor's partition/vCPU state machine with PSCI from all its vCPUs.
 * Every incarnation (start or restart) begins in main() on vCPU 0, which reads a fresh tag from
 * the physical counter into `incarnation`, a word the restart scrubs. Each vCPU keeps the tag
 * it started in; a vCPU that finds `incarnation` changed is from an earlier incarnation, which
 * the hypervisor must never let run after a restart: it says so ("STALE"). Secondary vCPUs
 * write their tag into marker[] as they run; vCPU 0 first checks for a while that no marker
 * is written before it starts anyone ("markers clean" / "STALE marker").
 *
 * MODE (define):
 *   1 ON_RESET     CPU_ON vCPU 1, then SYSTEM_RESET at once; again in every incarnation
 *   2 ON_OFF       CPU_ON vCPU 1, then SYSTEM_OFF at once
 *   3 CONCURRENT   vCPUs 0-2 call CPU_ON(vCPU 3) together: one SUCCESS, the rest ALREADY_ON
 *   4 OFF_RESET    vCPUs 1 and 2 call CPU_OFF while vCPU 0 calls SYSTEM_RESET
 *   5 SURVIVE      vCPUs 1 and 2 write markers and CPU_ON each other while vCPU 0 resets
 *   6 RESET_LOOP   SYSTEM_RESET at once, in every incarnation (the on_reset limit halts it)
 *   7 STRESS       every vCPU: seeded pseudo-random CPU_ON/CPU_OFF/AFFINITY_INFO/SYSTEM_RESET/
 *                  SYSTEM_OFF (SEED, OPS per vCPU and incarnation)
 * The partition never powers off by itself in modes 1 and 3-7: the on_reset limit ends it.
 *
 * Every loop executes YIELD: under -icount QEMU runs all CPUs on one thread, one after the
 * other, and a spinning CPU keeps that thread for up to 100 ms of virtual time; YIELD hands it
 * on, so the CPUs interleave finely, as they would run at once on hardware (otherwise a wait
 * for another vCPU times out, and the victim's beats measure QEMU's scheduler).
 */
#include "../lib/guest.h"

#define MAX_VCPUS 4

#ifndef MODE
#define MODE 1
#endif
#ifndef SEED
#define SEED 1
#endif
#ifndef OPS
#define OPS 400
#endif

static volatile uint64_t incarnation;           /* scrubbed by every restart */
static volatile uint64_t marker[MAX_VCPUS];
static volatile uint64_t ready[MAX_VCPUS];      /* single writer each: no atomics needed */
static volatile int64_t result[MAX_VCPUS];
static volatile uint64_t go;

static inline void yield(void)
{
    __asm__ volatile("yield" : : : "memory");
}

static uint64_t us_to_ticks(uint64_t us)
{
    uint64_t freq;
    __asm__ volatile("mrs %0, cntfrq_el0" : "=r"(freq));
    return freq / 1000000 * us;
}

static int64_t psci(uint32_t fid, uint64_t a1, uint64_t a2, uint64_t a3)
{
    return smccc_hvc(fid, a1, a2, a3).x0;
}

static int64_t cpu_on(uint64_t vcpu)
{
    return psci(HVCFG_PSCI_CPU_ON_64, vcpu, (uint64_t)_secondary_start, vcpu);
}

/* A vCPU of an earlier incarnation notices: the word it started with changed. */
static int stale(uint64_t mine, uint64_t vcpu)
{
    uint64_t now = incarnation;
    if (now == mine)
        return 0;
    guest_printf("vcpu%lu: STALE: started in 0x%lx, partition now in 0x%lx", vcpu, mine, now);
    return 1;
}

/* Wait up to `us` for cond(), giving up rather than hanging the test. */
#define WAIT_US(cond, us)                                 \
    ({                                                    \
        uint64_t _end = guest_cntvct() + us_to_ticks(us); \
        while (!(cond) && guest_cntvct() < _end)          \
            yield();                                      \
        (cond);                                           \
    })

static __attribute__((unused)) uint64_t xorshift(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* STRESS: OPS seeded pseudo-random PSCI calls, checking the incarnation after each; a line
 * every 50 calls so that the test can count them (few lines: the
 * partition's output budget must not drop any in a long run). */
static __attribute__((unused)) void stress(uint64_t vcpu, uint64_t mine)
{
    /* A vCPU started again in the same incarnation must not replay the same calls: the
     * counter differs (and under -icount a run is still reproducible from its seed). */
    uint64_t rng = (SEED * 0x9e3779b97f4a7c15ull) ^ (mine * 0xbf58476d1ce4e5b9ull) ^
                   (guest_cntpct() << 8) ^ (vcpu + 1);

    for (uint32_t i = 1; i <= OPS; i++) {
        uint64_t r = xorshift(&rng);
        uint64_t target = (r >> 16) % MAX_VCPUS;
        uint32_t pick = (uint32_t)(r % 10000);
        marker[vcpu] = mine;
        if (pick < 4500) {
            psci(HVCFG_PSCI_AFFINITY_INFO_64, target, 0, 0);
        } else if (pick < 9000) {
            cpu_on(target);
        } else if (pick < 9300) {
            /* vCPU 0 only while another one seems on: the stress ends by restart limit or
             * SYSTEM_OFF, and only rarely (a race) by the last CPU_OFF. */
            if (vcpu == 0 && psci(HVCFG_PSCI_AFFINITY_INFO_64, 1 + target % 3, 0, 0) != 0)
                continue;
            psci(HVCFG_PSCI_CPU_OFF, 0, 0, 0);
            guest_printf("vcpu%lu: CPU_OFF returned", vcpu);
        } else if (pick < 9390) {
            psci(HVCFG_PSCI_SYSTEM_RESET, 0, 0, 0);
            guest_printf("vcpu%lu: SYSTEM_RESET returned", vcpu);
        } else if (pick < 9392) {
            psci(HVCFG_PSCI_SYSTEM_OFF, 0, 0, 0);
            guest_printf("vcpu%lu: SYSTEM_OFF returned", vcpu);
        } else {
            psci(HVCFG_PSCI_AFFINITY_INFO_64, target, 0, 0);
        }
        if (stale(mine, vcpu))
            return;
        if (i % 50 == 0)
            guest_printf("vcpu%lu: 50 calls", vcpu);
        yield();
    }
    psci(HVCFG_PSCI_SYSTEM_RESET, 0, 0, 0); /* not stopped after OPS calls: end the incarnation */
}

void secondary_main(uint64_t vcpu)
{
    uint64_t mine = incarnation;

    if (vcpu >= MAX_VCPUS)
        return;
    ready[vcpu] = mine;
#if MODE == 3
    WAIT_US(go == mine, 20000);
    result[vcpu] = cpu_on(3);
#elif MODE == 4
    WAIT_US(go == mine, 20000);
    psci(HVCFG_PSCI_CPU_OFF, 0, 0, 0);
    guest_printf("vcpu%lu: CPU_OFF returned", vcpu);
#elif MODE == 5
    for (;;) {
        marker[vcpu] = mine;
        cpu_on(1 + (vcpu % 2));         /* vCPU 1 starts 2, 2 starts 1: racing the stop */
        if (stale(mine, vcpu))
            return;
        yield();
    }
#elif MODE == 7
    stress(vcpu, mine);
#endif
    for (;;) {
        marker[vcpu] = mine;
        if (stale(mine, vcpu))
            return; /* start.S parks it in WFI */
        yield();
    }
}

int main(uint64_t dtb)
{
    uint64_t mine = guest_cntpct() | 1; /* never 0, the scrubbed value */

    /* Before anyone else runs in this incarnation, nothing may write a marker. */
    int dirty = WAIT_US(marker[1] || marker[2] || marker[3], 2000);
    incarnation = mine;
    guest_printf("atk_psci: mode %d up, tag 0x%lx, markers %s", MODE, mine,
                 dirty ? "STALE marker" : "clean");

#if MODE == 1
    guest_printf("CPU_ON vcpu1 then SYSTEM_RESET");
    cpu_on(1);
    psci(HVCFG_PSCI_SYSTEM_RESET, 0, 0, 0);
#elif MODE == 2
    guest_printf("CPU_ON vcpu1 then SYSTEM_OFF");
    cpu_on(1);
    psci(HVCFG_PSCI_SYSTEM_OFF, 0, 0, 0);
#elif MODE == 3
    int64_t on1 = cpu_on(1), on2 = cpu_on(2);
    if (!WAIT_US(ready[1] == mine && ready[2] == mine, 20000))
        guest_printf("CPU_ON vcpu1 -> %ld, vcpu2 -> %ld: not up", on1, on2);
    go = mine;
    result[0] = cpu_on(3);
    int done = WAIT_US(result[1] && result[2], 20000);
    int success = 0, already = 0, other = 0;
    for (int v = 0; v < 3; v++) {
        success += result[v] == HVCFG_PSCI_SUCCESS;
        already += result[v] == HVCFG_PSCI_ALREADY_ON;
        other += result[v] != HVCFG_PSCI_SUCCESS && result[v] != HVCFG_PSCI_ALREADY_ON;
    }
    /* HVCFG_PSCI_SUCCESS is 0: a missing result counts as a success and makes the round fail. */
    guest_printf("CPU_ON vcpu3 from vcpus 0-2: %ld %ld %ld -> success %d already_on %d other %d%s",
                 result[0], result[1], result[2], success, already, other,
                 done ? "" : " (timeout)");
    WAIT_US(ready[3] == mine, 20000);
    guest_printf("vcpu3 %s", ready[3] == mine ? "up" : "NOT up");
    psci(HVCFG_PSCI_SYSTEM_RESET, 0, 0, 0);
#elif MODE == 4
    cpu_on(1);
    cpu_on(2);
    WAIT_US(ready[1] == mine && ready[2] == mine, 20000);
    guest_printf("CPU_OFF vcpus 1-2 racing SYSTEM_RESET");
    go = mine;
    psci(HVCFG_PSCI_SYSTEM_RESET, 0, 0, 0);
#elif MODE == 5
    cpu_on(1);
    cpu_on(2);
    WAIT_US(marker[1] == mine && marker[2] == mine, 20000);
    guest_printf("vcpus 1-2 writing markers: SYSTEM_RESET");
    psci(HVCFG_PSCI_SYSTEM_RESET, 0, 0, 0);
#elif MODE == 6
    psci(HVCFG_PSCI_SYSTEM_RESET, 0, 0, 0);
#elif MODE == 7
    guest_printf("stress: seed %d ops %d", SEED, OPS);
    for (uint64_t v = 1; v < MAX_VCPUS; v++)
        cpu_on(v);
    stress(0, mine);
#endif
    guest_printf("vcpu0: PSCI call returned?!");
    while (!stale(mine, 0))
        yield();
    for (;;)
        __asm__ volatile("wfi");
}
