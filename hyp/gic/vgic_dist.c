/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The virtual GICv2 distributor of each partition: a whole GIC for every INTID below its
 * GICD_TYPER.ITLinesNumber, emulated on stage-2 data aborts (docs/architecture.md, "Interrupts").
 *
 * The registers are a table: one descriptor per register family (offsets, bits per interrupt,
 * access sizes, read and write handlers). One dispatcher applies the rules every family shares
 * (access size, RAZ/WI for INTIDs beyond the partition's lines, the bytes an access covers);
 * the handlers only know their own state. SGIs and PPIs are banked per vCPU (struct vgic_cpu).
 *
 * Virtual and hardware INTIDs: every INTID in range has its state here (priority, targets,
 * configuration, enable, pending, active). Only the INTIDs the partition owns in hardware
 * (p->vgic.hw, and the timer PPIs) reach the physical distributor, each with a single
 * write-1-to-act write of its own bits (or GICD_ICFGR under gicv2.c's lock); their pending and
 * active state is read from it. Any other INTID is purely virtual: pended by GICD_ISPENDR (or a
 * device model), delivered through the list registers like any other.
 *
 * Locks: the partition's distributor lock (d->lock) covers its distributor and its vCPUs'
 * banked state, which other vCPUs of the same partition change (SGIs).
 */
#include "hv/config.h"
#include "hv/gic.h"
#include "hv/gicv2_regs.h"
#include "hv/mmio.h"
#include "hv/partition.h"
#include "hv/spinlock.h"
#include "hv/vcpu.h"
#include "hv/vgic.h"
#include "vgic_internal.h"

#define IIDR_VALUE 0x0200143bu          /* GIC-400, implementer Arm */

_Static_assert(HV_GIC_LINES % 32 == 0 && HV_GIC_LINES <= 1024, "whole words of INTIDs");

struct vgic_dist hv_vgic_dists[HV_NPARTITIONS];
struct vgic_cpu hv_vgic_cpus[HV_NCPUS];

/* One access, as the handlers see it. */
struct ctx {
    const struct hv_partition *p;
    struct vgic_dist *d;
    struct vgic_cpu *vc;
    uint32_t slot;                      /* this physical CPU */
    uint32_t self;                      /* its vCPU number in the partition */
};

/* ---- routing ------------------------------------------------------------------------------ */

/* The CPU interfaces a partition has: one per vCPU (GICD_TYPER.CPUNumber + 1). */
static uint8_t cpu_mask(const struct hv_partition *p)
{
    return (uint8_t)((1u << (p->nvcpus < 8 ? p->nvcpus : 8)) - 1);
}

/* A passed-through SPI's physical state from its virtual one (d->lock held): enabled and routed
 * to its target's CPU while the guest enables it and targets one of its own vCPUs, otherwise
 * disabled at the distributor, where its line stays pending until it is forwarded again. */
static void sync_hw(const struct hv_partition *p, const struct vgic_dist *d, uint32_t intid)
{
    uint32_t slot;

    if (intid < 32 || intid >= HV_GIC_LINES || !vgic_bit(p->vgic.hw, intid))
        return;
    if (vgic_bit(d->enabled, intid) && vgic_target_slot(p, d->target[intid], &slot)) {
        hv_gic_route(intid, slot);
        hv_gic_set_enabled(intid, 1);
    } else {
        hv_gic_set_enabled(intid, 0);
    }
}

/* The INTIDs of a bit-per-interrupt word that have hardware behind: this CPU's timer PPIs in
 * the banked word, the partition's passed-through SPIs above. */
static uint32_t hw_bits(const struct ctx *c, uint32_t word)
{
    return word == 0 ? VGIC_HW_PPIS : c->p->vgic.hw[word];
}

static void changed(const struct ctx *c, uint32_t word)
{
    if (word == 0)
        hv_vgic_work[c->slot] = 1;
    else
        vgic_mark_partition(c->p);
}

/* ---- CTLR, TYPER, IIDR, identification ---------------------------------------------------- */

static uint32_t rd_ctlr(const struct ctx *c, uint32_t i, uint32_t arg)
{
    (void)i, (void)arg;
    return c->d->ctlr;
}

static void wr_ctlr(const struct ctx *c, uint32_t i, uint32_t v, uint32_t mask, uint32_t arg)
{
    (void)i, (void)arg;
    c->d->ctlr = v & mask & 1;          /* EnableGrp0; no Group 1 (no Security Extensions) */
    vgic_mark_partition(c->p);
}

static uint32_t rd_typer(const struct ctx *c, uint32_t i, uint32_t arg)
{
    (void)i, (void)arg;
    return c->p->vgic.typer;
}

static uint32_t rd_iidr(const struct ctx *c, uint32_t i, uint32_t arg)
{
    (void)c, (void)i, (void)arg;
    return IIDR_VALUE;
}

/* GICD_PIDR4-7, PIDR0-3, CIDR0-3 of a GIC-400: ICPIDR2[7:4] = 2, GICv2. */
static uint32_t rd_id(const struct ctx *c, uint32_t i, uint32_t arg)
{
    static const uint8_t ids[12] = {0x04, 0, 0, 0, 0x90, 0xb4, 0x2b, 0, 0x0d, 0xf0, 0x05, 0xb1};
    (void)c, (void)arg;
    return i < 12 ? ids[i] : 0;
}

/* ---- enable, pending, active: one bit per interrupt ---------------------------------------- */

static uint32_t rd_enable(const struct ctx *c, uint32_t w, uint32_t arg)
{
    (void)arg;
    return w == 0 ? c->vc->enabled : c->d->enabled[w];
}

static void wr_enable(const struct ctx *c, uint32_t w, uint32_t v, uint32_t mask, uint32_t on)
{
    uint32_t bits = v & mask;

    if (w == 0) {
        if (!on)
            bits &= ~0xffffu;           /* GIC-400: SGIs are always enabled */
        c->vc->enabled = on ? c->vc->enabled | bits : c->vc->enabled & ~bits;
        /* A timer PPI is enabled at the distributor only while the guest enables it: a level
         * line left high while it is disabled cannot interrupt EL2 (its pending state still
         * reads through GICD_ISPENDR). This CPU's banked registers: its own vCPU's. */
        for (uint32_t hw = bits & VGIC_HW_PPIS; hw; hw &= hw - 1)
            hv_gic_set_enabled((uint32_t)__builtin_ctz(hw), (int)on);
    } else {
        uint32_t *en = &c->d->enabled[w];
        *en = on ? *en | bits : *en & ~bits;
        for (uint32_t hw = bits & c->p->vgic.hw[w]; hw; hw &= hw - 1)
            sync_hw(c->p, c->d, w * 32 + (uint32_t)__builtin_ctz(hw));
    }
    if (bits)
        changed(c, w);
}

static uint32_t rd_pending(const struct ctx *c, uint32_t w, uint32_t arg)
{
    uint32_t lr_pend, lr_act, hw = hw_bits(c, w);
    (void)arg;

    vgic_lr_bits(w, &lr_pend, &lr_act);
    /* Hardware lines: what the physical distributor holds (a PPI's bank is this CPU's, the
     * vCPU's own), e.g. a disabled timer that expired, or a disabled SPI whose line is high. */
    uint32_t phys = hv_gic_pending_word(w) & hw;
    if (w == 0)
        return c->vc->pending | c->vc->hw_pending | phys | lr_pend;
    return c->d->pending[w] | c->d->hw_pending[w] | c->d->level[w] | phys | lr_pend;
}

static void wr_pending(const struct ctx *c, uint32_t w, uint32_t v, uint32_t mask, uint32_t set)
{
    uint32_t bits = v & mask, hw = bits & hw_bits(c, w);
    uint32_t *sw = w == 0 ? &c->vc->pending : &c->d->pending[w];
    uint32_t *held = w == 0 ? &c->vc->hw_pending : &c->d->hw_pending[w];

    if (w == 0)
        bits &= ~0xffffu; /* SGIs: only through SGIR, SPENDSGIR, CPENDSGIR */
    hw &= bits;
    bits &= ~hw;
    if (set) {
        hv_gic_pend_word(w, hw, 1); /* the distributor signals it, as from its device */
        *sw |= bits;
    } else {
        /* Acknowledged by EL2 but not yet with the guest: no longer pending, so the physical
         * interrupt is deactivated (a level line still high pends again, as it should). */
        hv_gic_pend_word(w, hw, 0);
        hv_gic_activate_word(w, hw & *held, 0);
        *held &= ~hw;
        *sw &= ~bits;
        vgic_lr_clear(w, hw | bits, VGIC_LR_PENDING);
    }
    if (hw | bits)
        changed(c, w);
}

static uint32_t rd_active(const struct ctx *c, uint32_t w, uint32_t arg)
{
    uint32_t lr_pend, lr_act, hw = hw_bits(c, w);
    (void)arg;

    vgic_lr_bits(w, &lr_pend, &lr_act);
    /* A hardware interrupt is physically active from EL2's acknowledge on; for the guest it is
     * active once it has taken it from a list register (or set it with ISACTIVER). */
    uint32_t held = w == 0 ? c->vc->hw_pending : c->d->hw_pending[w];
    uint32_t phys = hv_gic_active_word(w) & hw & ~held & ~lr_pend;
    return (w == 0 ? c->vc->active : c->d->active[w]) | lr_act | phys;
}

static void wr_active(const struct ctx *c, uint32_t w, uint32_t v, uint32_t mask, uint32_t set)
{
    uint32_t bits = v & mask, hw = bits & hw_bits(c, w);
    uint32_t *sw = w == 0 ? &c->vc->active : &c->d->active[w];
    uint32_t held = w == 0 ? c->vc->hw_pending : c->d->hw_pending[w];
    uint32_t lr_pend, lr_act;

    bits &= ~hw;
    if (set) {
        hv_gic_activate_word(w, hw, 1);
        *sw |= bits;
    } else {
        vgic_lr_bits(w, &lr_pend, &lr_act);
        /* Physically active but only pending for the guest (held, or pending in a list
         * register): not active, nothing to clear. A list register that empties here
         * deactivates its physical interrupt itself. */
        vgic_lr_clear(w, hw | bits, VGIC_LR_ACTIVE);
        hv_gic_activate_word(w, hw & ~held & ~lr_pend, 0);
        *sw &= ~bits;
    }
    if (hw | bits)
        changed(c, w);
}

/* ---- priority, targets: one byte per interrupt -------------------------------------------- */

static uint8_t *prio_byte(const struct ctx *c, uint32_t intid)
{
    return intid < 32 ? &c->vc->priority[intid] : &c->d->priority[intid];
}

static uint32_t rd_priority(const struct ctx *c, uint32_t i, uint32_t arg)
{
    uint32_t r = 0;
    (void)arg;

    for (uint32_t b = 0; b < 4; b++)
        r |= (uint32_t)*prio_byte(c, 4 * i + b) << (8 * b);
    return r;
}

static void wr_priority(const struct ctx *c, uint32_t i, uint32_t v, uint32_t mask, uint32_t arg)
{
    (void)arg;
    for (uint32_t b = 0; b < 4; b++)
        if (mask & (0xffu << (8 * b)))
            *prio_byte(c, 4 * i + b) = (uint8_t)((v >> (8 * b)) & VGIC_PRIO_MASK);
    hv_vgic_work[c->slot] = 1; /* may now displace a list register (evict) */
}

static uint32_t rd_target(const struct ctx *c, uint32_t i, uint32_t arg)
{
    uint32_t r = 0;
    (void)arg;

    if (c->p->nvcpus < 2)
        return 0; /* uniprocessor: RAZ/WI, everything goes to vCPU 0 */
    for (uint32_t b = 0; b < 4; b++) {
        uint32_t intid = 4 * i + b; /* SGIs and PPIs: the reading CPU's own interface */
        uint8_t t = intid < 32 ? (uint8_t)(1u << c->self) : c->d->target[intid];
        r |= (uint32_t)t << (8 * b);
    }
    return r;
}

static void wr_target(const struct ctx *c, uint32_t i, uint32_t v, uint32_t mask, uint32_t arg)
{
    int retargeted = 0;
    (void)arg;

    if (c->p->nvcpus < 2 || i < 8)
        return; /* uniprocessor, or SGI/PPI targets: read-only */
    for (uint32_t b = 0; b < 4; b++) {
        uint32_t intid = 4 * i + b;
        if (!(mask & (0xffu << (8 * b))))
            continue;
        /* Bits for CPU interfaces the partition does not have are RAZ/WI (GICv2): what is
         * kept names only its own vCPUs, so no value can route anywhere else. */
        uint8_t t = (uint8_t)(v >> (8 * b)) & cpu_mask(c->p);
        retargeted |= c->d->target[intid] != t;
        c->d->target[intid] = t;
        sync_hw(c->p, c->d, intid);
    }
    if (retargeted)
        vgic_mark_partition(c->p); /* what waits for the new target goes there now */
}

/* ---- configuration: two bits per interrupt ------------------------------------------------ */

static uint32_t rd_config(const struct ctx *c, uint32_t i, uint32_t arg)
{
    uint32_t r = 0;
    (void)arg;

    if (i < 2)
        return i == 0 ? 0xaaaaaaaau : 0; /* SGIs edge, PPIs level: read-only */
    for (uint32_t f = 0; f < 16; f++)
        if (vgic_bit(c->d->edge, 16 * i + f))
            r |= 2u << (2 * f);
    return r;
}

static void wr_config(const struct ctx *c, uint32_t i, uint32_t v, uint32_t mask, uint32_t arg)
{
    (void)arg;
    if (i < 2)
        return;
    for (uint32_t f = 0; f < 16; f++) {
        uint32_t intid = 16 * i + f, edge = (v >> (2 * f + 1)) & 1;
        if (!(mask & (2u << (2 * f))) || edge == (uint32_t)vgic_bit(c->d->edge, intid))
            continue;
        c->d->edge[intid / 32] ^= 1u << (intid % 32);
        if (vgic_bit(c->p->vgic.hw, intid)) {
            /* Changing Int_config of an enabled interrupt is UNPREDICTABLE (GICv2). */
            hv_gic_set_enabled(intid, 0);
            hv_gic_set_edge(intid, (int)edge);
            sync_hw(c->p, c->d, intid);
        }
    }
}

/* ---- SGIs ------------------------------------------------------------------------------- */

static void wr_sgir(const struct ctx *c, uint32_t i, uint32_t v, uint32_t mask, uint32_t arg)
{
    uint32_t all = cpu_mask(c->p), targets;
    (void)i, (void)mask, (void)arg;

    switch ((v >> 24) & 3) {
    case 0:
        targets = (v >> 16) & 0xff;
        break;
    case 1:
        targets = all & ~(1u << c->self);
        break;
    case 2:
        targets = 1u << c->self;
        break;
    default:
        return;
    }
    targets &= all; /* only the partition's own vCPUs */
    for (uint32_t t = 0; t < c->p->nvcpus; t++) {
        if (!(targets & (1u << t)))
            continue;
        uint32_t slot = c->p->cpu_slot[t];
        struct vgic_cpu *vc = &hv_vgic_cpus[slot];
        vc->sgi_src[v & 0xf] |= (uint8_t)(1u << c->self);
        vc->pending |= 1u << (v & 0xf);
        vgic_mark_work(slot);
    }
}

/* GICD_CPENDSGIR / SPENDSGIR: a byte per SGI, a bit per source vCPU. */
static uint32_t rd_sgi_pend(const struct ctx *c, uint32_t i, uint32_t arg)
{
    uint32_t r = 0;
    (void)arg;

    for (uint32_t b = 0; b < 4; b++)
        r |= (uint32_t)c->vc->sgi_src[4 * i + b] << (8 * b);
    return r;
}

static void wr_sgi_pend(const struct ctx *c, uint32_t i, uint32_t v, uint32_t mask, uint32_t set)
{
    struct vgic_cpu *vc = c->vc;

    for (uint32_t b = 0; b < 4; b++) {
        uint32_t sgi = 4 * i + b;
        uint8_t src = (uint8_t)((v & mask) >> (8 * b)) & cpu_mask(c->p);
        vc->sgi_src[sgi] = set ? vc->sgi_src[sgi] | src : vc->sgi_src[sgi] & (uint8_t)~src;
        vc->pending = vc->sgi_src[sgi] ? vc->pending | (1u << sgi) : vc->pending & ~(1u << sgi);
    }
    hv_vgic_work[c->slot] = 1;
}

/* ---- the register map ------------------------------------------------------------------- */

#define SZ_B 1u /* access sizes a family allows (bit = size in bytes) */
#define SZ_W 4u

struct vgic_reg {
    uint16_t base, end; /* offsets [base, end) */
    uint8_t bits; /* per interrupt (1, 2, 8): beyond the lines RAZ/WI;
                   * 0: not per interrupt */
    uint8_t sizes; /* SZ_B | SZ_W */
    uint8_t arg; /* for the handlers: set (1) / clear (0) */
    uint8_t nolock; /* reads of configuration constants */
    /* i: the index of the 32-bit register in the family (the first INTID is 32 * i / bits) */
    uint32_t (*read)(const struct ctx *c, uint32_t i, uint32_t arg);
    /* v: the register's new value in the bytes of mask (and the INTIDs in range) */
    void (*write)(const struct ctx *c, uint32_t i, uint32_t v, uint32_t mask, uint32_t arg);
};

/* First match wins, so the most frequent accesses come first (SGIR: every IPI; the enables:
 * every interrupt handler of some guests); the last entry is every other offset: reserved,
 * RAZ/WI, word access. */
static const struct vgic_reg regs[] = {
    {GICD_SGIR, GICD_SGIR + 4, 0, SZ_W, 0, 0, 0, wr_sgir}, /* GICD_SGIR: write-only */
    {GICD_ISENABLER, GICD_ICENABLER, 1, SZ_W, 1, 0, rd_enable, wr_enable}, /* GICD_ISENABLER */
    {GICD_ICENABLER, GICD_ISPENDR, 1, SZ_W, 0, 0, rd_enable, wr_enable}, /* GICD_ICENABLER */
    {GICD_ISPENDR, GICD_ICPENDR, 1, SZ_W, 1, 0, rd_pending, wr_pending}, /* GICD_ISPENDR */
    {GICD_ICPENDR, GICD_ISACTIVER, 1, SZ_W, 0, 0, rd_pending, wr_pending}, /* GICD_ICPENDR */
    {GICD_ISACTIVER, GICD_ICACTIVER, 1, SZ_W, 1, 0, rd_active, wr_active}, /* GICD_ISACTIVER */
    {GICD_ICACTIVER, GICD_IPRIORITYR, 1, SZ_W, 0, 0, rd_active, wr_active}, /* GICD_ICACTIVER */
    {GICD_IPRIORITYR, GICD_ITARGETSR, 8, SZ_B | SZ_W, 0, 0, rd_priority,
     wr_priority}, /* GICD_IPRIORITYR */
    {GICD_ITARGETSR, GICD_ICFGR, 8, SZ_B | SZ_W, 0, 0, rd_target, wr_target}, /* GICD_ITARGETSR */
    {GICD_ICFGR, GICD_ICFGR + 0x100, 2, SZ_W, 0, 0, rd_config, wr_config}, /* GICD_ICFGR */
    {GICD_CTLR, GICD_TYPER, 0, SZ_W, 0, 0, rd_ctlr, wr_ctlr}, /* GICD_CTLR */
    {GICD_TYPER, GICD_IIDR, 0, SZ_W, 0, 1, rd_typer, 0}, /* GICD_TYPER */
    {GICD_IIDR, GICD_IIDR + 4, 0, SZ_W, 0, 1, rd_iidr, 0}, /* GICD_IIDR */
    {GICD_IGROUPR, GICD_ISENABLER, 1, SZ_W, 0, 0, 0, 0}, /* GICD_IGROUPR: Group 0 */
    {GICD_CPENDSGIR, GICD_SPENDSGIR, 0, SZ_B | SZ_W, 0, 0, rd_sgi_pend,
     wr_sgi_pend}, /* GICD_CPENDSGIR */
    {GICD_SPENDSGIR, GICD_SPENDSGIR + 0x10, 0, SZ_B | SZ_W, 1, 0, rd_sgi_pend,
     wr_sgi_pend}, /* GICD_SPENDSGIR */
    {GICD_PIDR4, GICD_SIZE, 0, SZ_W, 0, 1, rd_id, 0}, /* GICD_PIDR4-7/0-3, CIDR0-3 */
    {0, GICD_SIZE, 0, SZ_W, 0, 1, 0, 0}, /* reserved */
};

static const struct vgic_reg *find_reg(uint32_t off)
{
    const struct vgic_reg *r = regs;
    while ((uint32_t)(off - r->base) >= (uint32_t)(r->end - r->base))
        r++; /* ends at the last entry, which takes any offset */
    return r;
}

/* The fields of register i of a per-interrupt family that are INTIDs below `lines`. */
static uint32_t in_range(const struct vgic_reg *r, uint32_t i, uint32_t lines)
{
    if (!r->bits)
        return 0xffffffffu;
    uint32_t first = 32 * i / r->bits, count = 32 / r->bits;
    if (first >= lines)
        return 0;
    if (first + count <= lines)
        return 0xffffffffu;
    return (1u << ((lines - first) * r->bits)) - 1;
}

static uint32_t nlines(const struct hv_partition *p)
{
    uint32_t n = p->vgic.nlines < HV_GIC_LINES ? p->vgic.nlines : HV_GIC_LINES;
    return n < GIC_FIRST_SPECIAL ? n : GIC_FIRST_SPECIAL;
}

enum hv_mmio_result hv_vgic_dist_access(uint64_t offset, int is_write, unsigned size,
                                        uint64_t *value)
{
    uint32_t slot = hv_cpu_slot(), pidx = hv_cpus[slot].partition;
    const struct hv_partition *p = &hv_partitions[pidx];
    const struct ctx c = {p, &hv_vgic_dists[pidx], &hv_vgic_cpus[slot], slot, hv_cpus[slot].vcpu};
    uint32_t off = (uint32_t)offset & 0xfff;
    const struct vgic_reg *r = find_reg(off);

    if (!(r->sizes & size) || (off & (size - 1)))
        return HV_MMIO_FAULT; /* not an access GICv2 allows on this register */
    uint32_t i = ((off & ~3u) - r->base) / 4, shift = 8 * (off & 3);
    uint32_t bytes = (size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1) << shift;
    uint32_t mask = bytes & in_range(r, i, nlines(p));
    int lock = !(r->nolock && !is_write);

    /* A register with no field in range is RAZ/WI here: a handler only ever sees registers of
     * INTIDs below the lines, which its arrays (HV_GIC_LINES, a multiple of 32) cover whole. */
    if (!mask || (is_write ? !r->write : !r->read)) {
        if (!is_write)
            *value = 0;
        return HV_MMIO_HANDLED;
    }
    if (lock)
        hv_spin_lock(&c.d->lock);
    if (!is_write)
        *value = (r->read(&c, i, r->arg) & mask) >> shift;
    else
        r->write(&c, i, (uint32_t)(*value << shift) & mask, mask, r->arg);
    if (lock)
        hv_spin_unlock(&c.d->lock);
    return HV_MMIO_HANDLED;
}

/* Word reads that need no lock: constants of the configuration and this vCPU's banked enables
 * (only this vCPU changes them). The register's value, or -1 for any other offset. */
static inline int64_t read_nolock(const struct hv_partition *p, uint64_t off)
{
    switch (off) {
    case GICD_TYPER:
        return p->vgic.typer;
    case GICD_IIDR:
        return IIDR_VALUE;
    case GICD_ISENABLER:
    case GICD_ICENABLER:
        return hv_vgic_cpus[hv_cpu_slot()].enabled;
    default:
        return -1;
    }
}

int hv_vgic_dist_read_fast(struct hv_regs *regs, uint64_t iss, uint64_t off,
                           const struct hv_partition *p)
{
    int64_t value = read_nolock(p, off);

    if (value < 0)
        return hv_mmio_emulate(regs, iss, p->vgic.gicd_ipa + off, p);
    hv_mmio_complete_load(regs, iss, 4, (uint64_t)value);
    return 1;
}

/* ---- reset -------------------------------------------------------------------------------- */

void vgic_cpu_reset(struct vgic_cpu *vc)
{
    vc->pending &= 0xffffu; /* SGIs stay pending (sgi_src): the incarnation's, not the run's */
    vc->active = 0;
    vc->hw_pending = 0;
    vc->enabled = 0xffff; /* SGIs are always enabled on GIC-400 */
    for (uint32_t i = 0; i < 32; i++)
        vc->priority[i] = 0;
}

void hv_vgic_partition_stop(uint32_t pidx)
{
    if (pidx >= HV_NPARTITIONS)
        return;
    const struct hv_partition *p = &hv_partitions[pidx];
    struct vgic_dist *d = &hv_vgic_dists[pidx];

    hv_spin_lock(&d->ack_lock); /* no idle CPU of it acknowledges meanwhile: hv_vgic_idle_ack */
    hv_spin_lock(&d->lock);
    for (uint32_t w = 1; w < VGIC_WORDS; w++) {
        uint32_t hw = p->vgic.hw[w];
        for (uint32_t b = hw; b; b &= b - 1) {
            uint32_t intid = w * 32 + (uint32_t)__builtin_ctz(b);
            hv_gic_set_enabled(intid, 0);
            hv_gic_set_edge(intid, 0); /* its reset configuration: level */
        }
        /* Whoever acknowledged them, whatever the records say (every vCPU is off), and
         * whatever the last incarnation pended: a level line still high pends again. */
        hv_gic_activate_word(w, hw, 0);
        hv_gic_pend_word(w, hw, 0);
        d->enabled[w] = 0;
        d->hw_pending[w] = 0;
    }
    /* An idle CPU acknowledges under ack_lock (hv_vgic_idle_ack): the writes above must have
     * reached the distributor before it can (posted Device writes: red team 10), so that its
     * acknowledge cannot return an SPI released here. */
    hv_gic_sync();
    hv_spin_unlock(&d->lock);
    hv_spin_unlock(&d->ack_lock);
}

void hv_vgic_partition_reset(uint32_t pidx)
{
    const struct hv_partition *p = &hv_partitions[pidx];
    struct vgic_dist *d = &hv_vgic_dists[pidx];

    hv_vgic_partition_stop(pidx); /* enabled and hw_pending cleared there */
    hv_spin_lock(&d->lock);
    d->ctlr = 0;
    /* A new incarnation starts with no SGI pending. Every vCPU of the old one is off (no load
     * while one is ON: hv_run_wait_others_off), and each sent its last SGI under this lock
     * before it went off, so none can come after this. vgic_cpu_reset keeps them otherwise. */
    for (uint32_t v = 0; v < p->nvcpus; v++) {
        uint32_t slot = p->cpu_slot[v];
        if (slot >= HV_NCPUS)
            continue;
        struct vgic_cpu *vc = &hv_vgic_cpus[slot];
        vc->pending &= ~0xffffu;
        for (uint32_t i = 0; i < 16; i++)
            vc->sgi_src[i] = 0;
    }
    for (uint32_t w = 0; w < VGIC_WORDS; w++) {
        d->pending[w] = 0;
        d->active[w] = 0;
        d->edge[w] = 0;
        d->level[w] = d->line[w];
    }
    /* SPI targets start at vCPU 0 (GICv2 leaves them UNKNOWN; Linux expects a CPU there). */
    for (uint32_t intid = 0; intid < HV_GIC_LINES; intid++) {
        d->priority[intid] = 0;
        d->target[intid] = 1;
    }
    hv_spin_unlock(&d->lock);
}
