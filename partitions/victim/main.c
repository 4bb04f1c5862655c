/* SPDX-License-Identifier: Apache-2.0 */
/*
 * victim: the partition that attack tests run next to. It beats every PERIOD_MS (measured on
 * its virtual counter, so that time stolen from it at EL2 shows), prints each beat through
 * the console hypercall (the shared path an attacker may try to block), and records the worst
 * period between two beats. After BEATS beats it prints a summary line that tests parse
 * (tests/victim.py) and powers its partition off; without BEATS it beats forever. While it
 * waits it keeps a masked timer deadline close (guest_icount_slice): under -icount that makes
 * QEMU's round robin come back to its CPU every 100 us, so a late beat is the hypervisor's
 * doing, not QEMU's scheduling of busy neighbours.
 */
#include "../lib/guest.h"

#ifndef PERIOD_MS
#define PERIOD_MS 20
#endif

int main(uint64_t dtb)
{
    uint64_t freq, last, worst = 0;
    __asm__ volatile("mrs %0, cntfrq_el0" : "=r"(freq));

    last = guest_cntvct(); /* the first period includes the first console call */
    guest_printf("victim: up, a beat every %d ms", PERIOD_MS);
    for (uint64_t i = 1;; i++) {
        guest_wait_ms_sliced(PERIOD_MS);
        uint64_t t = guest_cntvct();
        uint64_t period_us = (t - last) * 1000000 / freq;
        last = t;
        if (period_us > worst)
            worst = period_us;
        guest_printf("victim: beat %lu period_us %lu", i, period_us);
#ifdef BEATS
        if (i == BEATS) {
            guest_printf("victim: summary beats %lu worst_period_us %lu", i, worst);
            guest_system_off();
        }
#endif
    }
}
