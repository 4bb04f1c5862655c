/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The console's pins on a BCM2711 (Raspberry Pi 4): GPIO function select and pull resistors,
 * set by the hypervisor instead of relying on the firmware's dtoverlay=disable-bt (which only
 * applies when overlays/disable-bt.dtbo and the board's DTB are on the card). The pins, their
 * function and the GPIO block's address are the compiler's (platform.py, from the board DT);
 * the register layout is BCM2711 ARM Peripherals, chapter 5 (GPFSELn: 3 bits per pin, ten pins
 * per register; GPIO_PUP_PDN_CNTRL_REGn: 2 bits per pin, sixteen pins per register).
 */
#include "hv/config.h"
#include "hv/platform.h"

#define GPFSEL0            0x00
#define GPIO_PUP_PDN_CNTRL 0xe4     /* REG0; REG1..3 follow */
#define FSEL_INPUT         0u
#define PULL_NONE          0u
#define PULL_UP            1u       /* 0b01 on the BCM2711 (the BCM2835's GPPUD differs) */

static volatile uint32_t *gpio_reg(uint32_t off)
{
    return (volatile uint32_t *)(HV_GPIO_BASE + off);
}

static uint32_t fsel(uint32_t pin)
{
    return (*gpio_reg(GPFSEL0 + 4 * (pin / 10)) >> (3 * (pin % 10))) & 7u;
}

static void set_fsel(uint32_t pin, uint32_t func)
{
    volatile uint32_t *r = gpio_reg(GPFSEL0 + 4 * (pin / 10));
    uint32_t shift = 3 * (pin % 10);
    *r = (*r & ~(7u << shift)) | (func << shift);
}

static void set_pull(uint32_t pin, uint32_t pull)
{
    volatile uint32_t *r = gpio_reg(GPIO_PUP_PDN_CNTRL + 4 * (pin / 16));
    uint32_t shift = 2 * (pin % 16);
    *r = (*r & ~(3u << shift)) | (pull << shift);
}

void hv_platform_console_pins(void)
{
#ifdef HV_CONSOLE_RELEASE_PINS
    static const uint32_t release[] = {HV_CONSOLE_RELEASE_PINS};

    /* Another pin set routed to the same UART (UART0 on GPIO 32/33 for Bluetooth) goes back
     * to input first: the UART's RXD then has one source. */
    for (uint32_t i = 0; i < sizeof(release) / sizeof(release[0]); i++)
        if (fsel(release[i]) == HV_CONSOLE_RELEASE_FUNC)
            set_fsel(release[i], FSEL_INPUT);
#endif
    /* TXD driven, no pull; RXD pulled up: an unconnected line idles high, not as a stream of
     * break conditions (as the Pi's own DT sets UART0's pins). */
    set_pull(HV_CONSOLE_TX_PIN, PULL_NONE);
    set_pull(HV_CONSOLE_RX_PIN, PULL_UP);
    set_fsel(HV_CONSOLE_TX_PIN, HV_CONSOLE_PIN_FUNC);
    set_fsel(HV_CONSOLE_RX_PIN, HV_CONSOLE_PIN_FUNC);
}
