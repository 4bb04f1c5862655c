/* SPDX-License-Identifier: Apache-2.0 */
/* PL011 UART (Arm PrimeCell UART r1p5), transmit path for the hypervisor console. */
#include "hv/pl011.h"

#define UARTDR    0x000
#define UARTFR    0x018
#define UARTIBRD  0x024
#define UARTFBRD  0x028
#define UARTLCR_H 0x02c
#define UARTCR    0x030
#define UARTIMSC  0x038

#define FR_BUSY   (1u << 3)
#define FR_RXFE   (1u << 4)
#define FR_TXFF   (1u << 5)
#define IMSC_RXIM (1u << 4)
#define IMSC_RTIM (1u << 6)
#define LCR_FEN   (1u << 4)
#define LCR_WLEN8 (3u << 5)
#define CR_UARTEN (1u << 0)
#define CR_TXE    (1u << 8)
#define CR_RXE    (1u << 9)

static inline void reg_write(uintptr_t base, uint32_t off, uint32_t v)
{
    *(volatile uint32_t *)(base + off) = v;
}

static inline uint32_t reg_read(uintptr_t base, uint32_t off)
{
    return *(volatile uint32_t *)(base + off);
}

void pl011_init(uintptr_t base, uint32_t clock, uint32_t baud)
{
    if (!clock && (reg_read(base, UARTCR) & (CR_UARTEN | CR_TXE)) == (CR_UARTEN | CR_TXE))
        return;                     /* the firmware's setup, at a rate we cannot compute */
    /* Let the firmware's last characters leave, then reprogram with the UART disabled (the
     * PL011 TRM's order: disable, wait for BUSY to clear, flush, write, enable). A disabled
     * UART with data in its FIFO stays BUSY: wait only while enabled, and boundedly (a 32-byte
     * FIFO at 9600 baud drains in 33 ms; a poll takes well over 100 ns). */
    const uint32_t busy_polls = 1000000;
    for (uint32_t n = 0; (reg_read(base, UARTCR) & CR_UARTEN) && n < busy_polls; n++)
        if (!(reg_read(base, UARTFR) & FR_BUSY))
            break;
    reg_write(base, UARTCR, 0);
    reg_write(base, UARTLCR_H, 0);  /* flushes the transmit FIFO */
    if (clock) {
        /* 64 * clock / (16 * baud), rounded: 6 fraction bits. 48 MHz, 115200: 26 + 3/64. */
        uint32_t div = (uint32_t)((4ULL * clock + baud / 2) / baud);
        reg_write(base, UARTIBRD, div >> 6);
        reg_write(base, UARTFBRD, div & 0x3f);
    }
    reg_write(base, UARTLCR_H, LCR_FEN | LCR_WLEN8); /* also latches IBRD/FBRD */
    reg_write(base, UARTIMSC, 0);
    reg_write(base, UARTCR, CR_UARTEN | CR_TXE | CR_RXE);
}

void pl011_putc(uintptr_t base, char c)
{
    while (reg_read(base, UARTFR) & FR_TXFF)
        ;
    reg_write(base, UARTDR, (uint8_t)c);
}

void pl011_set_rx_irq(uintptr_t base, int on)
{
    reg_write(base, UARTIMSC, on ? IMSC_RXIM | IMSC_RTIM : 0);
}

int pl011_getc(uintptr_t base)
{
    if (reg_read(base, UARTFR) & FR_RXFE)
        return -1;
    return (int)(reg_read(base, UARTDR) & 0xff);
}
