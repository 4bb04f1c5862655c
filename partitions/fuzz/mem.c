/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Memory accesses in every form (fz_access: widths 1-8, pairs, sign-extending, acquire/release,
 * exclusive, writeback, unprivileged, SIMD, cache maintenance, prefetch, XZR and callee-saved
 * registers) at random offsets of every page that matters: its emulated GICD and virtual UART,
 * the GICC (GICV) page, its own read-only code, its scratch RAM, and pages it was not given
 * (unmapped, the victim's RAM, the hypervisor's RAM and GICH, IPAs past the IPA size), its
 * channels (one it may write, one it may only read). Then
 * targeted register writes to its vGIC distributor, virtual UART and passed-through UART.
 */
#include "fuzz.h"
#include "../lib/gicv2.h"

enum target {
    T_GICD,
    T_VUART,
    T_GICC,
    T_CODE,
    T_SCRATCH,
    T_UNMAPPED,
    T_VICTIM,
    T_HYP,
    T_GICH,
    T_RANDOM,
    T_HIGH,
    T_CHANNEL,              /* its channels: rw and ro (a write there faults, by policy) */
    T_NTARGETS
};

static const uint64_t access_size[FZ_NFORMS] = {
    1, 2, 4, 8, 1, 2, 4, 8, 8, 16, 8,  16, 1, 2, 4,  2,
    4, 4, 4, 4, 4, 4, 4, 4, 4, 4,  64, 64, 8, 4, 16, 16,
};

static uint64_t target_addr(uint64_t *rng, enum target t)
{
    uint64_t r = fz_next(rng);
    switch (t) {
    case T_GICD:
        return HVCFG_GICD_BASE + r % 0x1000;
    case T_VUART:
        return VUART_IPA + r % 0x1000;
    case T_GICC:
        return HVCFG_GICC_BASE + r % 0x2000;
    case T_CODE:
        return HVCFG_MEM_BASE + r % HVCFG_MEM_SIZE;
    case T_SCRATCH:
        return (uint64_t)&fz_scratch[64 + r % (sizeof(fz_scratch) - 128)];
    case T_UNMAPPED:
        return HVCFG_UNMAPPED_IPA + r % 0x10000;
    case T_VICTIM:
        return VICTIM_IPA + r % 0x100000;
    case T_HYP:
        return HYP_PA + r % 0x1000000;
    case T_GICH:
        return GICH_PA + r % 0x1000;
    case T_RANDOM:
        return r & 0xffffffffffUL;
    case T_CHANNEL:
#if HVCFG_CHANNEL_COUNT > 0
        return fz_channels[r % HVCFG_CHANNEL_COUNT].ipa +
               (r >> 8) % fz_channels[r % HVCFG_CHANNEL_COUNT].size;
#else
        return HVCFG_UNMAPPED_IPA + r % 0x10000;
#endif
    default:
        return r >> (r % 16);              /* far beyond the IPA size */
    }
}

static uint64_t value_arg(uint64_t *rng)
{
    static const uint64_t v[] = {0, ~0UL, 1, 0xff, 0x80, 0x7f, 0xffff, 0x80000000, 0x0a, 0x1b};
    return fz_below(rng, 3) ? fz_next(rng) : v[fz_below(rng, 10)];
}

enum fz_kind fz_mem_action(struct fz_cpu *c)
{
    unsigned form = (unsigned)fz_below(&c->rng, FZ_NFORMS);
    enum target t = (enum target)fz_below(&c->rng, T_NTARGETS);
    uint64_t addr = target_addr(&c->rng, t);
    if (fz_below(&c->rng, 4))       /* mostly naturally aligned; else wherever it fell */
        addr &= ~(access_size[form] - 1);
    uint64_t value = value_arg(&c->rng);

    c->forms_targets[form] |= 1u << t;
    c->last_args[0] = form;
    c->last_args[1] = addr;
    c->last_args[2] = value;
    FZ_BEGIN(c, K_MEM, "mem form %u target %u addr 0x%lx value 0x%lx", form, t, addr, value);
    fz_access(form, addr, value);
    return K_MEM;
}

/* Distributor registers (lib/gicv2.h), the interesting ones more often: routing, enables,
 * pending, SGIs. */

static uint32_t intid_arg(uint64_t *rng)
{
    static const uint32_t ids[] = {OWN_SPI, VUART_SPI, 27, 26, 30, 23, 25, 0,  1,    15,   16,
                                   31,      32,        33, 34, 40, 41, 63, 64, 1019, 1020, 1023};
    return fz_below(rng, 2) ? ids[fz_below(rng, sizeof(ids) / sizeof(ids[0]))]
                            : (uint32_t)fz_below(rng, 1024);
}

static void gicd_write(struct fz_cpu *c)
{
    static const uint32_t word_regs[] = {GICD_ISENABLER, GICD_ICENABLER, GICD_ISPENDR, GICD_ICPENDR,
                                         GICD_ISACTIVER};
    uint32_t intid = intid_arg(&c->rng), off, v = (uint32_t)value_arg(&c->rng);
    unsigned form = 6;              /* str w */

    switch (fz_below(&c->rng, 8)) {
    case 0:                         /* route: 0, its own vCPUs, others, all */
        off = GICD_ITARGETSR + intid;
        v = (uint32_t)fz_below(&c->rng, 2) ? (uint32_t)fz_below(&c->rng, 16) : v;
        form = fz_below(&c->rng, 2) ? 4 : 6;
        break;
    case 1:
    case 2:                 /* enable/disable/pend/unpend/activate one or many */
        off = word_regs[fz_below(&c->rng, 5)] + intid / 32 * 4;
        v = fz_below(&c->rng, 2) ? 1u << (intid % 32) : v;
        break;
    case 3: {                       /* SGI: every target filter, list and id */
        uint32_t filter = (uint32_t)fz_below(&c->rng, 4), list = (uint32_t)fz_below(&c->rng, 256);
        off = GICD_SGIR;
        v = fz_below(&c->rng, 2) ? filter << 24 | list << 16 | (v & 0xf) : v;
        break;
    }
    case 4:                         /* SGI pending state, any bytes */
        off = (fz_below(&c->rng, 2) ? GICD_CPENDSGIR : GICD_SPENDSGIR) +
              (uint32_t)fz_below(&c->rng, 16);
        form = fz_below(&c->rng, 2) ? 4 : 6;
        break;
    case 5:
        off = GICD_IPRIORITYR + intid;
        form = fz_below(&c->rng, 2) ? 4 : 6;
        break;
    case 6:
        off = GICD_ICFGR + intid / 16 * 4;
        break;
    default:
        off = GICD_CTLR;
        v &= 1;
    }
    if (form == 6)
        off &= ~3u;
    FZ_BEGIN(c, K_GICD, "gicd form %u off 0x%x value 0x%x", form, off, v);
    fz_access(form, HVCFG_GICD_BASE + off, v);
}

/* The virtual UART's registers: data (text, newlines, escapes), masks, clears, control. */
static void vuart_write(struct fz_cpu *c)
{
    static const uint32_t regs[] = {0x00, 0x00, 0x00, 0x04, 0x18, 0x24, 0x28, 0x2c,
                                    0x30, 0x34, 0x38, 0x3c, 0x40, 0x44, 0x48, 0xfe0};
    /* and what the console's line discipline interprets: BS, TAB, CSI digits and finals */
    static const uint8_t bytes[] = {'\n', '\r', 0x1b, '[', 0,   0x7f, 0xff, 'x',
                                    0x01, '\b', '\t', '9', 'D', 'K',  'C',  ']'};
    uint32_t off = regs[fz_below(&c->rng, 16)];
    uint32_t v = off == 0 && fz_below(&c->rng, 2) ? bytes[fz_below(&c->rng, sizeof(bytes))]
                                                  : (uint32_t)value_arg(&c->rng);
    unsigned form = fz_below(&c->rng, 4) ? 6 : 2;       /* mostly writes */
    FZ_BEGIN(c, K_VUART, "vuart form %u off 0x%x value 0x%x", form, off, v);
    fz_access(form, VUART_IPA + off, v);
}

/* Its own passed-through UART raising (or not) its interrupt: TX, RX timeout, errors. */
static void uart_irq(struct fz_cpu *c)
{
#ifdef HVCFG_UART_BASE
    uint32_t imsc = (uint32_t)fz_next(&c->rng) & 0x7ff;
    FZ_BEGIN(c, K_UART_IRQ, "uart imsc 0x%x", imsc);
    mmio_write32(HVCFG_UART_BASE + 0x38, imsc);
    if (fz_below(&c->rng, 2))
        mmio_write32(HVCFG_UART_BASE + 0x44, (uint32_t)fz_next(&c->rng) & 0x7ff);  /* ICR */
#else
    (void)c;
#endif
}

enum fz_kind fz_device_action(struct fz_cpu *c)
{
    uint64_t r = fz_below(&c->rng, 10);
    if (r < 6) {
        gicd_write(c);
        return K_GICD;
    }
    if (r < 9) {
        vuart_write(c);
        return K_VUART;
    }
    uart_irq(c);
    return K_UART_IRQ;
}
