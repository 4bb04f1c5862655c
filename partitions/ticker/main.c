/* SPDX-License-Identifier: Apache-2.0 */
/* ticker: heartbeats on its own passed-through UART, then PSCI SYSTEM_OFF. */
#include "../lib/guest.h"

#define BEATS 12

int main(uint64_t dtb)
{
    guest_printf("ticker: up on my own UART");
    for (int i = 1; i <= BEATS; i++) {
        guest_delay_ms(100);
        guest_printf("ticker: heartbeat %d", i);
    }
    guest_printf("ticker: SYSTEM_OFF");
    guest_system_off();
}
