/* SPDX-License-Identifier: Apache-2.0 */
/* heartbeat: a bare-metal partition that prints a numbered heartbeat through the console
 * hypercall (every PERIOD_MS, BEATS times or forever), so tests can see it keep going while
 * other partitions boot and stop. */
#include "../lib/guest.h"

#ifndef PERIOD_MS
#define PERIOD_MS 500
#endif

int main(uint64_t dtb)
{
    for (uint64_t i = 1;; i++) {
        guest_printf("heartbeat %lu", i);
        guest_delay_ms(PERIOD_MS);
#ifdef BEATS
        if (i == BEATS) {
            guest_printf("%d beats: SYSTEM_OFF", BEATS);
            guest_system_off();
        }
#endif
    }
}
