/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A virtual PL011 (Arm PrimeCell UART r1p5 programmer's model), complete enough for Linux's
 * amba-pl011 driver and earlycon: data, flags, baud and line control, interrupt mask, raw and
 * masked status, clear, and the peripheral/PrimeCell IDs the AMBA bus probes. Transmitted
 * bytes become "[<partition>] ..." lines on the hypervisor console (whole lines, or shown as
 * written while the partition has the input focus: core/pconsole.c); received bytes come
 * from the console while the partition has the input focus; when its RX buffer is full they
 * are dropped and counted (the hypervisor never waits for a guest to read). The TX FIFO never
 * fills: a write completes at once and raises TXIS, as QEMU's model does; the byte goes to the
 * partition's line buffer (core/pconsole.c), which takes the console lock only for a whole
 * line or one update of the focused partition's open line. The interrupt is a level-sensitive
 * virtual SPI: high while RIS & IMSC is not zero.
 */
#include "hv/config.h"
#include "hv/console.h"
#include "hv/partition.h"
#include "hv/pconsole.h"
#include "hv/spinlock.h"
#include "hv/vgic.h"
#include "hv/vuart.h"

#define UARTDR    0x000
#define UARTRSR   0x004
#define UARTFR    0x018
#define UARTILPR  0x020
#define UARTIBRD  0x024
#define UARTFBRD  0x028
#define UARTLCR_H 0x02c
#define UARTCR    0x030
#define UARTIFLS  0x034
#define UARTIMSC  0x038
#define UARTRIS   0x03c
#define UARTMIS   0x040
#define UARTICR   0x044
#define UARTDMACR 0x048
#define UARTID    0xfe0

#define FR_RXFE   (1u << 4)
#define FR_TXFF   (1u << 5)
#define FR_RXFF   (1u << 6)
#define FR_TXFE   (1u << 7)
#define INT_RX    (1u << 4)
#define INT_TX    (1u << 5)
#define INT_RT    (1u << 6)
#define INT_ALL   0x7ffu

#define RX_FIFO   32              /* what the guest sees (FR.RXFF) */
/* What it holds: room for a burst as QEMU's terminal delivers one (a line typed in one go,
 * 36 bytes in tests/test_boot_linux.py), which arrives faster than a guest's interrupt
 * handler reads; beyond it bytes are dropped, as a real UART's overrun loses them. */
#define RX_BUF    64

struct vuart {
    hv_spinlock_t lock;
    uint32_t ibrd, fbrd, lcr_h, cr, ifls, imsc;
    uint32_t tx_raw;            /* TXIS: set by a write, cleared by ICR */
    char rx[RX_BUF];
    uint32_t rx_head, rx_count;
    uint32_t rx_dropped;        /* bytes typed for it while the RX FIFO was full */
    int line;                   /* the level last given to the vGIC */
};

static struct vuart vuarts[HV_NPARTITIONS];

static uint32_t flags(uint32_t rx_count)
{
    return FR_TXFE | (rx_count ? 0 : FR_RXFE) | (rx_count >= RX_FIFO ? FR_RXFF : 0);
}

static uint32_t raw_status(const struct vuart *u)
{
    return u->tx_raw | (u->rx_count ? INT_RX | INT_RT : 0);
}

/* The interrupt line follows the masked status; call with the lock held. The vGIC hears only
 * changes: a console byte costs a flag read and a data write (two traps, earlycon three), and
 * reporting an unchanged level took the partition's vGIC lock in each, against its other vCPUs'
 * list-register flushes (docs/benchmarks.md, "Linux boot"). Only this device drives the line,
 * and a reset (`force`) reports it whatever it was. */
static void update_line(uint32_t pidx, struct vuart *u, int force)
{
    int level = (raw_status(u) & u->imsc) != 0;

    if (level != u->line || force)
        hv_vgic_set_level(pidx, hv_partitions[pidx].vuart.intid, level);
    u->line = level;
}

static void report_dropped(uint32_t pidx, uint32_t n)
{
    if (n)
        hv_log_event(pidx, "console input: %u bytes dropped (its receive FIFO was full)", n);
}

void hv_vuart_reset(uint32_t pidx)
{
    struct vuart *u = &vuarts[pidx];

    hv_spin_lock(&u->lock);
    u->ibrd = u->fbrd = u->lcr_h = u->imsc = u->tx_raw = 0;
    u->cr = 0x300;                  /* TXE | RXE, as after reset */
    u->ifls = 0x12;
    u->rx_head = 0;                 /* input typed for the previous incarnation is gone */
    __atomic_store_n(&u->rx_count, 0, __ATOMIC_RELAXED);   /* read unlocked by FR */
    uint32_t dropped = u->rx_dropped;
    u->rx_dropped = 0;
    update_line(pidx, u, 1);
    hv_spin_unlock(&u->lock);
    report_dropped(pidx, dropped);
}

void hv_vuart_report_dropped(uint32_t pidx)
{
    struct vuart *u = &vuarts[pidx];

    hv_spin_lock(&u->lock);
    uint32_t dropped = u->rx_dropped;
    u->rx_dropped = 0;
    hv_spin_unlock(&u->lock);
    report_dropped(pidx, dropped);
}

enum hv_mmio_result hv_vuart_access(uint64_t off, int is_write, unsigned size, uint64_t *value)
{
    static const uint8_t ids[8] = {0x11, 0x10, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1};
    uint32_t pidx = hv_current_partition();
    struct vuart *u = &vuarts[pidx];
    uint32_t v = (uint32_t)*value;
    uint32_t r = 0;

    if (off & 3)
        return 0;                   /* byte and halfword accesses to the low byte only */
    if (off == UARTFR && !is_write) {
        /* Polled before (earlycon: and after) every byte: answered without the lock, from one
         * load of the count, the instant a flag register shows (a read changes nothing). */
        *value = flags(__atomic_load_n(&u->rx_count, __ATOMIC_RELAXED));
        return 1;
    }
    hv_spin_lock(&u->lock);
    switch (off) {
    case UARTDR:
        if (is_write) {
            char c = (char)v;
            hv_spin_unlock(&u->lock);
            hv_pconsole_write(pidx, &c, 1);
            hv_spin_lock(&u->lock);
            u->tx_raw = INT_TX;
        } else if (u->rx_count) {
            r = (uint8_t)u->rx[u->rx_head];
            u->rx_head = (u->rx_head + 1) % RX_BUF;
            __atomic_store_n(&u->rx_count, u->rx_count - 1, __ATOMIC_RELAXED);
        }
        break;
    case UARTFR: /* a write: read-only, ignored */
        break;
    case UARTIBRD:
        if (is_write)
            u->ibrd = v & 0xffff;
        r = u->ibrd;
        break;
    case UARTFBRD:
        if (is_write)
            u->fbrd = v & 0x3f;
        r = u->fbrd;
        break;
    case UARTLCR_H:
        if (is_write)
            u->lcr_h = v & 0xff;
        r = u->lcr_h;
        break;
    case UARTCR:
        if (is_write)
            u->cr = v & 0xff87;
        r = u->cr;
        break;
    case UARTIFLS:
        if (is_write)
            u->ifls = v & 0x3f;
        r = u->ifls;
        break;
    case UARTIMSC:
        if (is_write)
            u->imsc = v & INT_ALL;
        r = u->imsc;
        break;
    case UARTRIS:
        r = raw_status(u);
        break;
    case UARTMIS:
        r = raw_status(u) & u->imsc;
        break;
    case UARTICR:
        if (is_write && (v & INT_TX))
            u->tx_raw = 0;
        break;
    case UARTRSR:
    case UARTILPR:
    case UARTDMACR:
        break; /* no errors, no IrDA, no DMA: RAZ/WI */
    default:
        if (off >= UARTID && off < UARTID + 0x20)
            r = ids[(off - UARTID) / 4];
        break;
    }
    update_line(pidx, u, 0);
    hv_spin_unlock(&u->lock);
    if (!is_write)
        *value = r;
    return 1;
}

void hv_vuart_receive(uint32_t pidx, char c)
{
    struct vuart *u = &vuarts[pidx];
    uint32_t dropped = 0;

    hv_spin_lock(&u->lock);
    if (u->rx_count < RX_BUF) {
        u->rx[(u->rx_head + u->rx_count) % RX_BUF] = c;
        __atomic_store_n(&u->rx_count, u->rx_count + 1, __ATOMIC_RELAXED);
        dropped = u->rx_dropped; /* the guest reads again: the run of drops is over */
        u->rx_dropped = 0;
    } else if (u->rx_dropped != UINT32_MAX) {
        u->rx_dropped++;
    }
    update_line(pidx, u, 0);
    hv_spin_unlock(&u->lock);
    report_dropped(pidx, dropped);
}
