/* SPDX-License-Identifier: Apache-2.0 */
/* The console's bring-up on a BCM2711 without the firmware's help: GPIO function select and
 * pulls (hyp/platform/bcm2711_uart.c) on a register file in host memory, with what the
 * compiler generates for UART0 on a Pi 4 (gen/hvcfg_config.h), and the PL011's divisors
 * (hyp/drivers/pl011.c, pl011_init). */
#include <string.h>

#include "check.h"

static uint32_t gpio[0x100 / 4];        /* GPFSEL0..5 at 0x00, PUP_PDN_CNTRL0..3 at 0xe4 */
static uint32_t uart[0x100 / 4];

#define HV_GPIO_BASE            ((uintptr_t)gpio)
#define HV_CONSOLE_TX_PIN       14
#define HV_CONSOLE_RX_PIN       15
#define HV_CONSOLE_PIN_FUNC     0x4     /* ALT0 */
#define HV_CONSOLE_RELEASE_PINS 32, 33
#define HV_CONSOLE_RELEASE_FUNC 0x7     /* ALT3: UART0 for Bluetooth */

#include "../../hyp/drivers/pl011.c"
#include "../../hyp/platform/bcm2711_uart.c"

#define GPFSEL(n) gpio[(n)]
#define PULLS(n)  gpio[(0xe4 / 4) + (n)]

TEST(uart0_pins_become_alt0_and_nothing_else_moves)
{
    memset(gpio, 0, sizeof(gpio));
    /* GPIO 10-19 all outputs (001), 14/15 as the firmware leaves them without the overlay
     * (ALT5, the mini-UART: 010); all pulls down (10). */
    GPFSEL(1) = 0x09249249u & ~(0x3fu << 12);
    GPFSEL(1) |= (2u << 12) | (2u << 15);
    PULLS(0) = 0xaaaaaaaau;
    hv_platform_console_pins();
    EXPECT_EQ((GPFSEL(1) >> 12) & 0x3f, 0x24);                 /* 100 100: ALT0, ALT0 */
    EXPECT_EQ(GPFSEL(1) & ~(0x3fu << 12), 0x09249249u & ~(0x3fu << 12));
    EXPECT_EQ(PULLS(0) >> 28, 0x4);                            /* 15: up (01), 14: none */
    EXPECT_EQ(PULLS(0) & 0x0fffffffu, 0x0aaaaaaau);
}

TEST(uart0_taken_back_from_the_bluetooth_pins)
{
    memset(gpio, 0, sizeof(gpio));
    GPFSEL(3) = (7u << 6) | (7u << 9) | (1u << 12);  /* 32, 33 ALT3; 34 an output */
    hv_platform_console_pins();
    EXPECT_EQ((GPFSEL(3) >> 6) & 0x3f, 0);                     /* inputs: RXD has one source */
    EXPECT_EQ((GPFSEL(3) >> 12) & 7, 1);                       /* 34 untouched */
}

TEST(other_functions_on_the_bluetooth_pins_are_left_alone)
{
    memset(gpio, 0, sizeof(gpio));
    GPFSEL(3) = (1u << 6) | (4u << 9);                         /* 32 output, 33 ALT0 */
    hv_platform_console_pins();
    EXPECT_EQ(GPFSEL(3), (1u << 6) | (4u << 9));
}

#define REG(off) uart[(off) / 4]

TEST(divisors_for_115200_at_48_mhz)
{
    memset(uart, 0, sizeof(uart));
    REG(UARTCR) = CR_UARTEN | CR_TXE;           /* the firmware's setup, at whatever rate */
    pl011_init((uintptr_t)uart, 48000000, 115200);
    EXPECT_EQ(REG(UARTIBRD), 26);
    EXPECT_EQ(REG(UARTFBRD), 3);
    EXPECT_EQ(REG(UARTLCR_H), LCR_FEN | LCR_WLEN8);
    EXPECT_EQ(REG(UARTCR), CR_UARTEN | CR_TXE | CR_RXE);
}

TEST(without_a_clock_the_firmwares_rate_is_kept)
{
    memset(uart, 0, sizeof(uart));
    REG(UARTCR) = CR_UARTEN | CR_TXE;
    REG(UARTIBRD) = 13;
    pl011_init((uintptr_t)uart, 0, 115200);
    EXPECT_EQ(REG(UARTIBRD), 13);
    EXPECT_EQ(REG(UARTCR), CR_UARTEN | CR_TXE);              /* untouched */
    REG(UARTCR) = 0;                                           /* not enabled: enable it */
    pl011_init((uintptr_t)uart, 0, 115200);
    EXPECT_EQ(REG(UARTIBRD), 13);
    EXPECT_EQ(REG(UARTCR), CR_UARTEN | CR_TXE | CR_RXE);
}

TEST(a_disabled_uart_stuck_busy_does_not_hang_init)
{
    memset(uart, 0, sizeof(uart));
    REG(UARTFR) = FR_BUSY;                      /* data left in the FIFO of a disabled UART */
    pl011_init((uintptr_t)uart, 48000000, 115200);
    EXPECT_EQ(REG(UARTIBRD), 26);
}

TEST(an_enabled_uart_stuck_busy_is_waited_for_boundedly)
{
    memset(uart, 0, sizeof(uart));
    REG(UARTCR) = CR_UARTEN | CR_TXE;
    REG(UARTFR) = FR_BUSY;                      /* never drains (CTS held, say) */
    pl011_init((uintptr_t)uart, 48000000, 115200);
    EXPECT_EQ(REG(UARTFBRD), 3);
}
