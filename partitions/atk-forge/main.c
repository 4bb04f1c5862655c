/* SPDX-License-Identifier: Apache-2.0 */
/*
 * atk-forge: writes raw bytes to its own passed-through PL011, trying to make `hvcfg run`'s
 * terminal show lines that look like the hypervisor's or the victim's, and to drive the
 * terminal with control sequences. Each attempt is announced first (`atk-forge: try N ...`) so
 * a test can count them. Then it powers its partition off.
 */
#include "../lib/guest.h"

#ifndef HVCFG_UART_BASE
#error "atk-forge needs a passed-through UART (devices: in the board file)"
#endif

#define RAW(s) guest_uart_write(s, sizeof(s) - 1)

struct attempt {
    const char *what;
    const char *bytes;
    uint64_t len;
};

#define A(what, s)             \
    {                          \
        what, s, sizeof(s) - 1 \
    }

static const struct attempt attempts[] = {
    A("forged hypervisor line", "[hyp] forged: partition 'victim' halted\r\n"),
    A("forged victim line", "[victim] forged: victim: beat 1 period_us 1\r\n"),
    A("forged victim summary", "[victim] victim: summary beats 999 worst_period_us 1\r\n"),
    A("forged power-off line", "[hyp] no partition left running: powering off\r\n"),
    A("clear screen and home", "\x1b[2J\x1b[H[hyp] forged after clear\r\n"),
    A("carriage return overwrite", "harmless\r[hyp] forged over CR\r\n"),
    A("backspaces", "xxxxxxxx\b\b\b\b\b\b\b\b[hyp] forged over BS\r\n"),
    A("terminal title (OSC)", "\x1b]0;pwned\x07[hyp] forged title\r\n"),
    A("8-bit CSI and NUL", "\x9b"
                           "2J\x00[hyp] forged C1\r\n"),
    A("cursor up onto the previous line", "\x1b[1A\x1b[2K[hyp] forged cursor\r\n"),
    A("line split past the filter's length",
      "0123456789012345678901234567890123456789012345678901234567890123456789"
      "0123456789012345678901234567890123456789012345678901234567890123456789"
      "0123456789012345678901234567890123456789012345678901234567890123456789"
      "0123456789012345678901234567890123456789[hyp] forged split\r\n"),
    A("vertical tab and form feed", "\v\f[hyp] forged VT FF\r\n"),
};

int main(uint64_t dtb)
{
    uint64_t n = sizeof(attempts) / sizeof(attempts[0]);
    for (uint64_t i = 0; i < n; i++) {
        guest_printf("atk-forge: try %d %s", (int)(i + 1), attempts[i].what);
        guest_uart_write(attempts[i].bytes, attempts[i].len);
        guest_delay_ms(20);
    }
    guest_printf("atk-forge: %d attempts done", (int)n);
    RAW("[hyp] forged unterminated line at power-off");
    guest_system_off();
}
