/* SPDX-License-Identifier: Apache-2.0 */
/*
 * remap: prints through a passed-through PL011 that the board file moved to another IPA
 * (`devices: [{device, ipa}]`, HVCFG_UART_BASE is that IPA; without one, through the console
 * hypercall) and through its virtual UART at the IPA `vuart: {ipa}` chose (HVCFG_VUART_BASE),
 * then reads REMAP_UART_PA, a UART's physical address its stage 2 does not map: the hypervisor
 * must stop it there. The same source runs on QEMU virt and the Pi 4 with the same IPAs.
 */
#include <stdint.h>

#include "../lib/guest.h"

#define UARTDR  0x00
#define UARTFR  0x18
#define UARTCR  0x30
#define FR_TXFF (1u << 5)

#define STR_(x) #x
#define STR(x)  STR_(x)

static void vuart_puts(const char *s)
{
    mmio_write32(HVCFG_VUART_BASE + UARTCR, 0x301);        /* UARTEN | TXE | RXE */
    for (; *s; s++) {
        while (mmio_read32(HVCFG_VUART_BASE + UARTFR) & FR_TXFF)
            ;
        mmio_write32(HVCFG_VUART_BASE + UARTDR, (uint8_t)*s);
    }
}

int main(uint64_t dtb)
{
    (void)dtb;
#ifdef HVCFG_UART_BASE
    guest_printf("remap: PL011 at IPA 0x%lx", (uint64_t)HVCFG_UART_BASE);
#else
    guest_printf("remap: no PL011 of its own (console hypercall)");
#endif
    vuart_puts(
        "remap: virtual UART at IPA " STR(HVCFG_VUART_BASE) ", INTID " STR(HVCFG_VUART_INTID) "\n");
    guest_printf("remap: reading the PL011's physical address 0x%lx", (uint64_t)REMAP_UART_PA);
    volatile uint32_t *old = (volatile uint32_t *)REMAP_UART_PA;
    guest_printf("remap: read 0x%x there?!", *old);
    return 0;
}
