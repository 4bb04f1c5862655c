/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Power-off through the BCM2835/BCM2711 power-management watchdog (the Raspberry Pi 4 has no
 * PSCI firmware), as Linux's bcm2835-wdt does: mark the reset as a halt (RSTS partition 63,
 * which the firmware honours), arm the watchdog with a short timeout and request a full reset.
 * QEMU's raspi4b exits on it (with -no-reboot, a reset exits too).
 */
#include "hv/config.h"
#include "hv/platform.h"
#include "hv/sysreg.h"

#define PM_RSTC         0x1c
#define PM_RSTS         0x20
#define PM_WDOG         0x24
#define PM_PASSWORD     0x5a000000u
#define PM_RSTS_HALT    0x00000555u    /* partition 63: "halt", not reboot */
#define PM_WDOG_TICKS   10u
#define PM_RSTC_FULLRST 0x00000020u

void hv_platform_power_off(void)
{
    volatile uint32_t *pm = (volatile uint32_t *)HV_PM_BASE;

    pm[PM_RSTS / 4] = PM_PASSWORD | PM_RSTS_HALT;
    pm[PM_WDOG / 4] = PM_PASSWORD | PM_WDOG_TICKS;
    pm[PM_RSTC / 4] = PM_PASSWORD | PM_RSTC_FULLRST;
    for (;;)
        wfi();
}
