/*
 * The virtual GICv2. Each partition has an emulated distributor (GICD traps on stage 2); each
 * vCPU's CPU interface is the hardware GICV (mapped at the guest's GICC), fed through the list
 * registers of GICH. Interrupts wait in software state until a list register is free; more
 * pending interrupts than list registers arm the underflow maintenance interrupt, so none is
 * lost. Physical interrupts go in with the HW bit: the guest's deactivation deactivates them.
 *
 * Ownership is enforced here: a partition reads zero from and cannot change interrupts it does
 * not own, can target only its own vCPUs, and its SGIs reach only its own vCPUs. A passed-through
 * SPI is enabled at the physical distributor only while the guest enables it and targets one of
 * its own vCPUs, and is then routed to that vCPU's CPU (sync_hw): no guest value ever selects a
 * physical CPU or indexes an array without being mapped onto the partition's own CPUs first.
 *
 * Locks: each partition's distributor lock (d->lock) covers its virtual distributor and the
 * banked state (struct vgic_cpu) of its vCPUs, which other vCPUs of the same partition change
 * (SGIs). Physical distributor registers shared between partitions are only written with single
 * writes, or under gicv2.c's one global lock (GICD_ICFGR).
 */
#include "hv/config.h"
#include "hv/console.h"
#include "hv/gic.h"
#include "hv/lib.h"
#include "hv/mmio.h"
#include "hv/partition.h"
#include "hv/spinlock.h"
#include "hv/sysreg.h"
#include "hv/vcpu.h"
#include "hv/vgic.h"

#define WORDS (HV_GIC_LINES / 32)

/* GICH (virtual interface control) */
#define GICH_HCR   0x000
#define GICH_VTR   0x004
#define GICH_VMCR  0x008
#define GICH_APR   0x0f0
#define GICH_MISR  0x010
#define GICH_EISR0 0x020
#define GICH_ELRSR0 0x030
#define GICH_LR(n) (0x100 + 4 * (n))
#define HCR_EN     (1u << 0)
#define HCR_UIE    (1u << 1)
#define MISR_EOI   (1u << 0)
#define VMCR_RESET 0x004c0000u  /* VBPR 2, VABPR 3, all else 0: the GICV reset values */

/* List register fields (GICv2) */
#define LR_VIRTID(lr)   ((lr) & 0x3ff)
#define LR_SRC(lr)      (((lr) >> 10) & 7)
#define LR_PHYS_SHIFT   10
#define LR_EOI          (1u << 19)
#define LR_PRIO_SHIFT   23
#define LR_PENDING      (1u << 28)
#define LR_ACTIVE       (1u << 29)
#define LR_STATE        (3u << 28)
#define LR_HW           (1u << 31)

/* Distributor registers */
#define GICD_CTLR       0x000
#define GICD_TYPER      0x004
#define GICD_IIDR       0x008
#define GICD_IGROUPR    0x080
#define GICD_ISENABLER  0x100
#define GICD_ICENABLER  0x180
#define GICD_ISPENDR    0x200
#define GICD_ICPENDR    0x280
#define GICD_ISACTIVER  0x300
#define GICD_ICACTIVER  0x380
#define GICD_IPRIORITYR 0x400
#define GICD_ITARGETSR  0x800
#define GICD_ICFGR      0xc00
#define GICD_SGIR       0xf00
#define GICD_CPENDSGIR  0xf10
#define GICD_SPENDSGIR  0xf20
#define GICD_ID         0xfd0
#define IIDR_VALUE      0x0200143bu     /* GIC-400, implementer Arm */

struct vgic_dist {
    hv_spinlock_t lock;
    uint32_t ctlr;
    uint32_t enabled[WORDS];
    uint32_t pending[WORDS];    /* software pending (ISPENDR, emulated devices) */
    uint32_t hw_pending[WORDS]; /* physically active, waiting for a list register */
    uint32_t line[WORDS];       /* emulated level-sensitive lines that are high */
    uint32_t level[WORDS];      /* ... and wait for a list register */
    uint32_t edge[WORDS];
    uint8_t priority[HV_GIC_LINES];
    uint8_t target[HV_GIC_LINES];
};

struct vgic_cpu {               /* the vCPU on one physical CPU: banked SGI/PPI state */
    uint32_t enabled;
    uint32_t pending;
    uint32_t hw_pending;
    uint8_t sgi_src[16];
    uint8_t priority[32];
    uint32_t nlrs;
};

/* Per CPU: something waits to go into the list registers. Outside struct vgic_cpu so that the
 * hypercall fast path in vectors.S can test it without a call. */
volatile uint32_t hv_vgic_work[HV_NCPUS];

static struct vgic_dist dists[HV_NPARTITIONS];
static struct vgic_cpu vcpus[HV_NCPUS];

static inline volatile uint32_t *gich(uint32_t off)
{
    return (volatile uint32_t *)(HV_GICH_BASE + off);
}

static inline int bit(const uint32_t *map, uint32_t i)
{
    return (map[i / 32] >> (i % 32)) & 1;
}

static const struct hv_partition *cur(uint32_t *pidx)
{
    *pidx = hv_current_partition();
    return &hv_partitions[*pidx];
}

/* The CPU a targets byte delivers an SPI to: that of the lowest of the partition's vCPUs it
 * names (GICv2 delivers a multi-target SPI to one of them; always the same one here, for
 * physical and virtual SPIs alike). 0 when it names none of them: the SPI is not forwarded. */
static int target_slot(const struct hv_partition *p, uint8_t target, uint32_t *slot)
{
    for (uint32_t v = 0; v < p->nvcpus && v < 8; v++) {
        if (target & (1u << v)) {
            *slot = p->cpu_slot[v];
            return *slot < HV_NCPUS;
        }
    }
    return 0;
}

/* A passed-through SPI's physical state from its virtual one (d->lock held): enabled and routed
 * to its target's CPU while the guest enables it and targets one of its own vCPUs, otherwise
 * disabled at the distributor, where its line stays pending until it is forwarded again. */
static void sync_hw(const struct hv_partition *p, const struct vgic_dist *d, uint32_t intid)
{
    uint32_t slot;

    if (intid < 32 || intid >= HV_GIC_LINES || !bit(p->vgic.hw, intid))
        return;
    if (bit(d->enabled, intid) && target_slot(p, d->target[intid], &slot)) {
        hv_gic_route(intid, slot);
        hv_gic_set_enabled(intid, 1);
    } else {
        hv_gic_set_enabled(intid, 0);
    }
}

static void mark_work(uint32_t slot)
{
    hv_vgic_work[slot] = 1;
    if (slot != hv_cpu_slot())
        hv_gic_kick(slot);
}

/* ---- distributor emulation ------------------------------------------------------------ */

static uint32_t own_mask(const struct hv_partition *p, uint32_t word)
{
    return word < WORDS ? p->vgic.owned[word] : 0;
}

static void mark_partition(const struct hv_partition *p);

static void set_enable(const struct hv_partition *p, struct vgic_dist *d, struct vgic_cpu *vc,
                       uint32_t word, uint32_t bits, int on)
{
    if (word == 0) {                        /* banked SGIs and PPIs of this vCPU */
        if (!on)
            bits &= ~0xffffu;               /* GIC-400: SGIs are always enabled */
        vc->enabled = on ? vc->enabled | bits : vc->enabled & ~bits;
        if (bits & (1u << HV_VTIMER_INTID))
            hv_gic_set_enabled(HV_VTIMER_INTID, on);
        hv_vgic_work[hv_cpu_slot()] = 1;
        return;
    }
    bits &= own_mask(p, word);
    if (!bits)
        return;
    d->enabled[word] = on ? d->enabled[word] | bits : d->enabled[word] & ~bits;
    for (uint32_t hw = bits & p->vgic.hw[word]; hw; hw &= hw - 1)
        sync_hw(p, d, word * 32 + (uint32_t)__builtin_ctz(hw));
    mark_partition(p);
}

static void send_sgi(const struct hv_partition *p, uint32_t value)
{
    uint32_t self = hv_cpus[hv_cpu_slot()].vcpu;
    uint32_t all = (1u << p->nvcpus) - 1;
    uint32_t targets;

    switch ((value >> 24) & 3) {
    case 0: targets = (value >> 16) & 0xff; break;
    case 1: targets = all & ~(1u << self); break;
    case 2: targets = 1u << self; break;
    default: return;
    }
    targets &= all;                         /* only the partition's own vCPUs */
    for (uint32_t v = 0; v < p->nvcpus; v++) {
        if (!(targets & (1u << v)))
            continue;
        uint32_t slot = p->cpu_slot[v];
        struct vgic_cpu *vc = &vcpus[slot];
        vc->sgi_src[value & 0xf] |= (uint8_t)(1u << self);
        vc->pending |= 1u << (value & 0xf);
        mark_work(slot);
    }
}

static uint64_t read_bits(const uint32_t *spis, uint32_t banked, const struct hv_partition *p,
                          uint32_t word)
{
    return word == 0 ? banked : (spis[word] & own_mask(p, word));
}

/* Bytes of IPRIORITYR / ITARGETSR: banked for INTIDs 0..31, per partition above. */
static uint8_t *byte_reg(struct vgic_dist *d, struct vgic_cpu *vc, uint32_t base, uint32_t intid)
{
    if (base == GICD_IPRIORITYR)
        return intid < 32 ? &vc->priority[intid] : &d->priority[intid];
    return &d->target[intid];
}

static int byte_access(const struct hv_partition *p, struct vgic_dist *d, struct vgic_cpu *vc,
                       uint32_t base, uint32_t off, int is_write, unsigned size, uint64_t *value)
{
    uint32_t first = off - base;
    uint32_t self = hv_cpus[hv_cpu_slot()].vcpu;
    int retargeted = 0;

    if (size != 1 && size != 4)
        return 0;
    if (!is_write)
        *value = 0;
    for (uint32_t i = 0; i < size; i++) {
        uint32_t intid = first + i;
        int owned = intid < 32 || (intid < HV_GIC_LINES && bit(p->vgic.owned, intid));
        if (!owned)
            continue;                       /* read as zero, writes ignored */
        if (base == GICD_ITARGETSR && intid < 32) {
            if (!is_write)
                *value |= (uint64_t)(1u << self) << (8 * i);
            continue;                       /* banked targets are read-only */
        }
        uint8_t *reg = byte_reg(d, vc, base, intid);
        if (!is_write) {
            *value |= (uint64_t)*reg << (8 * i);
            continue;
        }
        uint8_t v = (uint8_t)(*value >> (8 * i));
        if (base == GICD_ITARGETSR) {
            v &= (uint8_t)((1u << p->nvcpus) - 1);      /* only its own vCPUs */
            retargeted |= *reg != v;
            *reg = v;
            sync_hw(p, d, intid);
        } else {
            *reg = v & 0xf8;                /* 32 priority levels, as GICH_LR holds */
        }
    }
    if (retargeted)
        mark_partition(p);                  /* what waits for the new target goes there now */
    return 1;
}

static uint32_t active_bits(uint32_t word)
{
    struct vgic_cpu *vc = &vcpus[hv_cpu_slot()];
    uint32_t bits = 0;
    for (uint32_t n = 0; n < vc->nlrs; n++) {
        uint32_t lr = *gich(GICH_LR(n));
        if ((lr & LR_ACTIVE) && LR_VIRTID(lr) / 32 == word)
            bits |= 1u << (LR_VIRTID(lr) % 32);
    }
    return bits;
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
        return vcpus[hv_cpu_slot()].enabled;
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

enum hv_mmio_result hv_vgic_dist_access(uint64_t off, int is_write, unsigned size,
                                        uint64_t *value)
{
    uint32_t pidx;
    const struct hv_partition *p = cur(&pidx);
    struct vgic_dist *d = &dists[pidx];
    struct vgic_cpu *vc = &vcpus[hv_cpu_slot()];
    uint32_t word = (uint32_t)(off & 0x7f) / 4;
    int ok = 1;

    if (!is_write && size == 4) {
        int64_t nolock = read_nolock(p, off);
        if (nolock >= 0) {
            *value = (uint64_t)nolock;
            return 1;
        }
    }
    if (off >= GICD_IPRIORITYR && off < GICD_IPRIORITYR + 0x400) {
        hv_spin_lock(&d->lock);
        ok = byte_access(p, d, vc, GICD_IPRIORITYR, (uint32_t)off, is_write, size, value);
        hv_spin_unlock(&d->lock);
        return ok;
    }
    if (off >= GICD_ITARGETSR && off < GICD_ITARGETSR + 0x400) {
        hv_spin_lock(&d->lock);
        ok = byte_access(p, d, vc, GICD_ITARGETSR, (uint32_t)off, is_write, size, value);
        hv_spin_unlock(&d->lock);
        return ok;
    }
    if (off >= GICD_CPENDSGIR && off < GICD_SPENDSGIR + 0x10) {
        if (size != 1 && size != 4)
            return 0;
        uint32_t first = (uint32_t)(off & 0xf);
        if (!is_write)
            *value = 0;
        /* Other vCPUs' SGIs (send_sgi) and this vCPU's flush change the same state. */
        hv_spin_lock(&d->lock);
        for (uint32_t i = 0; i < size; i++) {
            uint32_t sgi = first + i;
            if (!is_write) {
                *value |= (uint64_t)vc->sgi_src[sgi] << (8 * i);
                continue;
            }
            uint8_t src = (uint8_t)(*value >> (8 * i)) & (uint8_t)((1u << p->nvcpus) - 1);
            if (off >= GICD_SPENDSGIR)
                vc->sgi_src[sgi] |= src;
            else
                vc->sgi_src[sgi] &= (uint8_t)~src;
            vc->pending = vc->sgi_src[sgi] ? vc->pending | (1u << sgi) : vc->pending & ~(1u << sgi);
        }
        hv_spin_unlock(&d->lock);
        hv_vgic_work[hv_cpu_slot()] = 1;
        return 1;
    }
    if (size != 4)
        return 0;                           /* every other register is word-accessed */

    uint32_t v = (uint32_t)*value;
    uint64_t r = 0;
    /* Bit-per-interrupt registers beyond the lines this configuration has: RAZ/WI, and never
     * an index past the arrays. */
    if (off >= GICD_IGROUPR && off < GICD_IPRIORITYR && word >= WORDS) {
        if (!is_write)
            *value = 0;
        return 1;
    }
    hv_spin_lock(&d->lock);
    switch (off & ~0x7fUL) {
    case GICD_CTLR:
        if (off == GICD_CTLR) {             /* TYPER and IIDR reads: read_nolock */
            if (is_write)
                d->ctlr = v & 1;
            r = d->ctlr;
        }
        break;
    case GICD_IGROUPR:
        break;                              /* group 0 only: RAZ/WI */
    case GICD_ISENABLER:
    case GICD_ICENABLER:
        if (is_write)
            set_enable(p, d, vc, word, v, (off & ~0x7fUL) == GICD_ISENABLER);
        r = read_bits(d->enabled, vc->enabled, p, word);
        break;
    case GICD_ISPENDR:
    case GICD_ICPENDR:
        if (is_write) {
            int set = (off & ~0x7fUL) == GICD_ISPENDR;
            if (word == 0) {
                v &= 0xffff0000u;           /* SGIs pend only through SGIR/SPENDSGIR */
                vc->pending = set ? vc->pending | v : vc->pending & ~v;
                hv_vgic_work[hv_cpu_slot()] = 1;
            } else {
                v &= own_mask(p, word);
                d->pending[word] = set ? d->pending[word] | v : d->pending[word] & ~v;
                mark_partition(p);
            }
        }
        /* A passed-through SPI that is not forwarded stays pending at the distributor. */
        r = word == 0 ? vc->pending | vc->hw_pending
                      : ((d->pending[word] | d->hw_pending[word] |
                          (hv_gic_pending_word(word) & p->vgic.hw[word])) & own_mask(p, word));
        break;
    case GICD_ISACTIVER:
    case GICD_ICACTIVER:
        r = active_bits(word) & (word == 0 ? 0xffffffffu : own_mask(p, word));
        break;                              /* writes ignored: the LRs own active state */
    case GICD_ICFGR:
    case GICD_ICFGR + 0x80: {
        uint32_t cword = (uint32_t)(off - GICD_ICFGR) / 4;     /* 16 INTIDs per word */
        if (cword < 2) {
            r = cword == 0 ? 0xaaaaaaaau : 0;                 /* SGIs edge, PPIs level */
            break;
        }
        for (uint32_t i = 0; i < 16; i++) {
            uint32_t intid = cword * 16 + i;
            if (intid >= HV_GIC_LINES || !bit(p->vgic.owned, intid))
                continue;
            if (is_write && ((v >> (2 * i + 1)) & 1) != (uint32_t)bit(d->edge, intid)) {
                int edge = (v >> (2 * i + 1)) & 1;
                d->edge[intid / 32] ^= 1u << intid % 32;
                if (bit(p->vgic.hw, intid)) {
                    /* Changing Int_config of an enabled interrupt is UNPREDICTABLE (GICv2). */
                    hv_gic_set_enabled(intid, 0);
                    hv_gic_set_edge(intid, edge);
                    sync_hw(p, d, intid);
                }
            }
            if (bit(d->edge, intid))
                r |= 2u << (2 * i);
        }
        break;
    }
    case GICD_SGIR:
        if (off == GICD_SGIR && is_write)
            send_sgi(p, v);
        break;
    case GICD_ID:
        if (off >= GICD_ID) {
            static const uint8_t ids[12] = {0x04, 0, 0, 0, 0x90, 0xb4, 0x2b, 0,
                                            0x0d, 0xf0, 0x05, 0xb1};
            r = ids[(off - GICD_ID) / 4];   /* PIDR4..7, PIDR0..3, CIDR0..3 */
        }
        break;
    default:
        break;                              /* reserved: RAZ/WI */
    }
    hv_spin_unlock(&d->lock);
    if (!is_write)
        *value = r;
    return 1;
}

/* ---- injection -------------------------------------------------------------------------- */

static void mark_partition(const struct hv_partition *p)
{
    for (uint32_t v = 0; v < p->nvcpus; v++)
        mark_work(p->cpu_slot[v]);
}

/* Reported once per INTID: interrupts that reached a CPU whose partition does not own them. */
static uint32_t stray_reported[32];

/* Not this CPU's partition's interrupt (no routing does this: defence in depth). Masked at the
 * distributor, so that it cannot come back in a loop, deactivated, and reported once. */
static void stray(uint32_t iar, uint32_t pidx)
{
    uint32_t intid = iar & 0x3ff, m = 1u << (intid % 32);
    uint32_t owner = hv_vgic_owner(intid);

    hv_gic_set_enabled(intid, 0);           /* SGIs cannot be masked; only EL2 sends them */
    hv_gic_deactivate(iar);
    if (__atomic_fetch_or(&stray_reported[intid / 32], m, __ATOMIC_RELAXED) & m)
        return;
    hv_log("CPU %u (%s): interrupt %u of %s arrived here: masked at the distributor",
           hv_cpu_slot(), pidx < HV_NPARTITIONS ? hv_partitions[pidx].name : "idle", intid,
           owner < HV_NPARTITIONS ? hv_partitions[owner].name : "no partition");
}

void hv_vgic_physical_irq(uint32_t iar, int running)
{
    uint32_t intid = iar & 0x3ff, slot = hv_cpu_slot(), target;
    uint32_t pidx = hv_cpus[slot].partition;

    if (intid == HV_VTIMER_INTID) {
        if (!running) {                     /* fired as its vCPU stopped: the timer is off now */
            hv_gic_deactivate(iar);
            return;
        }
        vcpus[slot].hw_pending |= 1u << intid;
        hv_vgic_work[slot] = 1;
        return;
    }
    if (intid < 32 || intid >= HV_GIC_LINES || pidx >= HV_NPARTITIONS ||
        hv_vgic_owner(intid) != pidx) {
        stray(iar, pidx);
        return;
    }
    /* The partition's own SPI: it stays active (so it cannot fire again) and virtually pending
     * until its target vCPU takes it, even if that vCPU is off now or the guest moved it. */
    struct vgic_dist *d = &dists[pidx];
    hv_spin_lock(&d->lock);
    d->hw_pending[intid / 32] |= 1u << (intid % 32);
    int to = target_slot(&hv_partitions[pidx], d->target[intid], &target);
    hv_spin_unlock(&d->lock);
    if (to)
        mark_work(target);
}

void hv_vgic_set_level(uint32_t pidx, uint32_t intid, int level)
{
    struct vgic_dist *d = &dists[pidx];
    uint32_t m = 1u << (intid % 32);

    hv_spin_lock(&d->lock);
    if (level) {
        d->line[intid / 32] |= m;
        d->level[intid / 32] |= m;
    } else {
        d->line[intid / 32] &= ~m;
        d->level[intid / 32] &= ~m;
    }
    hv_spin_unlock(&d->lock);
    if (level)
        mark_partition(&hv_partitions[pidx]);
}

/* No list register is free: one that holds a merely pending interrupt of lower priority than
 * `prio` goes back to software state, so that interrupts a guest gave the lowest priority (which
 * its priority mask never lets through) cannot fill the list registers and wedge its vCPU.
 * Each eviction puts a higher-priority interrupt in, so flushing ends. Returns the LR or -1. */
static int evict(struct vgic_cpu *vc, struct vgic_dist *d, uint32_t used, uint8_t prio)
{
    int victim = -1;
    uint32_t lowest = prio >> 3;

    for (; used; used &= used - 1) {
        uint32_t n = (uint32_t)__builtin_ctz(used), lr = *gich(GICH_LR(n));
        uint32_t lr_prio = (lr >> LR_PRIO_SHIFT) & 0x1f;
        if ((lr & LR_STATE) == LR_PENDING && lr_prio > lowest)
            lowest = lr_prio, victim = (int)n;
    }
    if (victim < 0)
        return -1;
    uint32_t lr = *gich(GICH_LR(victim)), id = LR_VIRTID(lr), w = id / 32, m = 1u << (id % 32);
    *gich(GICH_LR(victim)) = 0;
    if (id >= HV_GIC_LINES)
        return victim;                      /* never placed by flush: nothing to keep */
    if (lr & LR_HW) {
        if (id < 32)
            vc->hw_pending |= m;
        else
            d->hw_pending[w] |= m;          /* still active at the distributor */
    } else if (id < 16) {
        vc->sgi_src[id] |= (uint8_t)(1u << LR_SRC(lr));
        vc->pending |= m;
    } else if (id < 32) {
        vc->pending |= m;
    } else if ((lr & LR_EOI) && !(hv_current_partition_config()->vgic.hw[w] & m)) {
        d->level[w] |= m & d->line[w];      /* an emulated level line: if still high */
    } else {                                /* (EOI on a HW line's copy: place's deferral) */
        d->pending[w] |= m;
    }
    return victim;
}

/* Place one interrupt; returns 1 when it is in a list register (or merged with one there), 0
 * when no list register is free, -1 when it must wait for the guest's EOI of a copy (a
 * maintenance interrupt comes then). ELRSR is read first so that only list registers in use
 * are read (each GICH read is an MMIO access). */
static int place(struct vgic_cpu *vc, struct vgic_dist *d, uint32_t intid, uint32_t src,
                 uint8_t prio, int hw, int level)
{
    uint32_t all = (uint32_t)((1ULL << vc->nlrs) - 1);
    uint32_t empty = *gich(GICH_ELRSR0) & all;

    for (uint32_t used = ~empty & all; used; used &= used - 1) {
        uint32_t n = (uint32_t)__builtin_ctz(used);
        uint32_t lr = *gich(GICH_LR(n));
        if (!(lr & LR_STATE) || LR_VIRTID(lr) != intid || (intid < 16 && LR_SRC(lr) != src))
            continue;
        if (hw && !(lr & LR_HW)) {
            /* The physical interrupt meets a software copy (ISPENDR): its only record must not
             * be dropped, or it stays active at the GIC for good. A pending copy becomes the
             * HW one; behind an active copy it waits, and the guest's EOI of that copy brings
             * the maintenance interrupt that places it. */
            if (!(lr & LR_ACTIVE)) {
                *gich(GICH_LR(n)) = (lr & ~(LR_EOI | (0x3ffu << LR_PHYS_SHIFT))) | LR_HW |
                                    (intid << LR_PHYS_SHIFT);
                return 1;
            }
            *gich(GICH_LR(n)) = lr | LR_EOI;
            return -1;
        }
        if (lr & LR_PENDING || hw || level)
            return 1;                       /* already pending there / a HW one takes no more */
        *gich(GICH_LR(n)) = lr | LR_PENDING;
        return 1;
    }
    int free_lr = empty ? __builtin_ctz(empty) : evict(vc, d, ~empty & all, prio);
    if (free_lr < 0)
        return 0;
    uint32_t n = (uint32_t)free_lr;
    uint32_t lr = intid | ((uint32_t)(prio >> 3) << LR_PRIO_SHIFT) | LR_PENDING;
    if (hw)
        lr |= LR_HW | (intid << LR_PHYS_SHIFT);
    else if (intid < 16)
        lr |= src << LR_PHYS_SHIFT;
    else if (level)
        lr |= LR_EOI;                       /* re-sample the line when the guest is done */
    *gich(GICH_LR(n)) = lr;
    return 1;
}

void hv_vgic_flush(void)
{
    uint32_t slot = hv_cpu_slot();
    struct vgic_cpu *vc = &vcpus[slot];

    if (!hv_vgic_work[slot])
        return;
    hv_vgic_work[slot] = 0;
    uint32_t pidx = hv_cpus[slot].partition;
    const struct hv_partition *p = &hv_partitions[pidx];
    struct vgic_dist *d = &dists[pidx];
    uint32_t self = 1u << hv_cpus[slot].vcpu;
    int full = 0;

    hv_spin_lock(&d->lock);
    while (!full) {
        /* The highest-priority deliverable interrupt (lowest value; lowest INTID on ties). */
        uint32_t best = HV_GIC_LINES, best_prio = 0x100;
        /* Only the set bits are visited, in ascending INTID order (strict < keeps the lowest). */
        uint32_t priv = (vc->pending | vc->hw_pending) & vc->enabled;
        for (; priv; priv &= priv - 1) {
            uint32_t i = (uint32_t)__builtin_ctz(priv);
            if (vc->priority[i] < best_prio)
                best = i, best_prio = vc->priority[i];
        }
        for (uint32_t w = 1; d->ctlr && w < p->vgic.nlines / 32; w++) {
            uint32_t cand = (d->pending[w] | d->hw_pending[w] | d->level[w]) & d->enabled[w];
            for (; cand; cand &= cand - 1) {
                uint32_t intid = w * 32 + (uint32_t)__builtin_ctz(cand);
                if ((d->target[intid] & self) &&
                    (d->target[intid] & -d->target[intid]) == self &&
                    d->priority[intid] < best_prio)
                    best = intid, best_prio = d->priority[intid];
            }
        }
        if (best == HV_GIC_LINES || (best < 32 && !d->ctlr && !(vc->hw_pending & (1u << best))))
            break;
        uint32_t m = 1u << (best % 32);
        if (best < 16) {                    /* one SGI source at a time */
            if (!vc->sgi_src[best]) {       /* cannot happen under the lock; never ctz(0) */
                vc->pending &= ~m;
                continue;
            }
            uint32_t src = (uint32_t)__builtin_ctz(vc->sgi_src[best]);
            if (place(vc, d, best, src, vc->priority[best], 0, 0) <= 0) {
                full = 1;
                break;
            }
            vc->sgi_src[best] &= (uint8_t)~(1u << src);
            if (!vc->sgi_src[best])
                vc->pending &= ~m;
        } else if (best < 32) {
            int hw = (vc->hw_pending & m) != 0;
            int placed = place(vc, d, best, 0, vc->priority[best], hw, 0);
            if (placed <= 0) {
                full = placed == 0;
                break;                      /* deferred: back at the copy's EOI */
            }
            if (hw)
                vc->hw_pending &= ~m;
            else
                vc->pending &= ~m;
        } else {
            uint32_t w = best / 32;
            int hw = (d->hw_pending[w] & m) != 0;
            int level = !hw && (d->level[w] & m) && !(d->pending[w] & m);
            int placed = place(vc, d, best, 0, d->priority[best], hw, level);
            if (placed <= 0) {
                full = placed == 0;
                break;                      /* deferred: back at the copy's EOI */
            }
            if (hw)
                d->hw_pending[w] &= ~m;
            else if (level)
                d->level[w] &= ~m;          /* back when the guest EOIs and it is still high */
            else
                d->pending[w] &= ~m;
        }
    }
    hv_spin_unlock(&d->lock);
    /* More than fits: ask for the underflow maintenance interrupt to come back for the rest. */
    *gich(GICH_HCR) = HCR_EN | (full ? HCR_UIE : 0);
}

void hv_vgic_maintenance(void)
{
    struct vgic_cpu *vc = &vcpus[hv_cpu_slot()];
    uint32_t pidx = hv_current_partition();

    if (!(*gich(GICH_HCR) & HCR_EN) || pidx >= HV_NPARTITIONS)
        return;                             /* raised before this CPU's vCPU stopped */
    uint32_t misr = *gich(GICH_MISR);
    if (misr & MISR_EOI) {
        /* A level-sensitive emulated interrupt was deactivated: free its LR; the device model
         * raises the line again (hv_vgic_set_level) if it is still high. */
        uint32_t eisr = *gich(GICH_EISR0);
        for (uint32_t n = 0; n < vc->nlrs; n++)
            if (eisr & (1u << n))
                *gich(GICH_LR(n)) = 0;
        struct vgic_dist *d = &dists[pidx];
        hv_spin_lock(&d->lock);
        for (uint32_t w = 1; w < WORDS; w++)
            d->level[w] |= d->line[w];      /* still high: deliver again */
        hv_spin_unlock(&d->lock);
    }
    *gich(GICH_HCR) = HCR_EN;
    hv_vgic_work[hv_cpu_slot()] = 1;
}

static uint32_t lr_count(void)
{
    uint32_t n = (*gich(GICH_VTR) & 0x3f) + 1;
    return n > 32 ? 32 : n;                 /* only ELRSR0's (GIC-400 and QEMU have 4) */
}

/* The lock of the partition this CPU serves, which other vCPUs take to send it SGIs. */
static hv_spinlock_t *vcpu_lock(uint32_t slot)
{
    uint32_t pidx = hv_cpus[slot].partition;
    return pidx < HV_NPARTITIONS ? &dists[pidx].lock : 0;
}

void hv_vgic_vcpu_stop(void)
{
    uint32_t slot = hv_cpu_slot();
    struct vgic_cpu *vc = &vcpus[slot];
    hv_spinlock_t *lock = vcpu_lock(slot);
    uint32_t nlrs = lr_count();

    *gich(GICH_HCR) = 0;                    /* no maintenance interrupts from here on */
    hv_gic_set_enabled(HV_VTIMER_INTID, 0); /* the timer cannot fire again once released */
    write_sysreg(cntv_ctl_el0, 0);
    /* Physical interrupts the guest holds would stay active forever: release them. */
    for (uint32_t n = 0; n < nlrs; n++) {
        uint32_t lr = *gich(GICH_LR(n));
        if ((lr & LR_HW) && (lr & LR_STATE))
            hv_gic_deactivate((lr >> LR_PHYS_SHIFT) & 0x3ff);
        *gich(GICH_LR(n)) = 0;
    }
    /* The timer is the only physical PPI a vCPU gets (hw_pending): banked, this CPU's, cleared
     * whatever the records say. */
    hv_gic_clear_active(HV_VTIMER_INTID);
    *gich(GICH_APR) = 0;                    /* no active priority left in the CPU interface */
    *gich(GICH_VMCR) = VMCR_RESET;
    if (lock)
        hv_spin_lock(lock);
    vc->hw_pending = 0;
    vc->pending = 0;
    memset(vc->sgi_src, 0, sizeof(vc->sgi_src));
    if (lock)
        hv_spin_unlock(lock);
    hv_vgic_work[slot] = 0;
}

void hv_vgic_vcpu_start(void)
{
    uint32_t slot = hv_cpu_slot();
    struct vgic_cpu *vc = &vcpus[slot];
    hv_spinlock_t *lock = vcpu_lock(slot);

    /* hv_cpu_idle released the list registers and physical interrupts (hv_vgic_vcpu_stop)
     * before this CPU could enter; SGIs an earlier incarnation sent it since are dropped. */
    if (lock)
        hv_spin_lock(lock);
    vc->nlrs = lr_count();
    vc->pending = 0;
    memset(vc->sgi_src, 0, sizeof(vc->sgi_src));
    vc->enabled = 0xffff;                   /* SGIs are always enabled on GIC-400 */
    memset(vc->priority, 0, sizeof(vc->priority));
    if (lock)
        hv_spin_unlock(lock);
    hv_vgic_work[slot] = 1;                 /* SPIs may wait for this vCPU (hw_pending) */
    *gich(GICH_HCR) = HCR_EN;
}

void hv_vgic_partition_stop(uint32_t pidx)
{
    if (pidx >= HV_NPARTITIONS)
        return;
    const struct hv_partition *p = &hv_partitions[pidx];
    struct vgic_dist *d = &dists[pidx];

    hv_spin_lock(&d->lock);
    for (uint32_t w = 1; w < WORDS; w++) {
        for (uint32_t hw = p->vgic.hw[w]; hw; hw &= hw - 1) {
            uint32_t intid = w * 32 + (uint32_t)__builtin_ctz(hw);
            hv_gic_set_enabled(intid, 0);
            hv_gic_set_edge(intid, 0);          /* its reset configuration: level */
            hv_gic_clear_active(intid);         /* whoever acknowledged it, whatever the
                                                 * records say: every vCPU is off */
        }
        d->enabled[w] = 0;
        d->hw_pending[w] = 0;
    }
    hv_spin_unlock(&d->lock);
}

void hv_vgic_partition_reset(uint32_t pidx)
{
    struct vgic_dist *d = &dists[pidx];

    hv_vgic_partition_stop(pidx);           /* enabled and hw_pending cleared there */
    hv_spin_lock(&d->lock);
    d->ctlr = 0;
    memset(d->pending, 0, sizeof(d->pending));
    memset(d->edge, 0, sizeof(d->edge));
    memset(d->priority, 0, sizeof(d->priority));
    for (uint32_t w = 0; w < WORDS; w++)
        d->level[w] = d->line[w];
    /* Targets start at vCPU 0, as a GIC's SPIs start routed to no CPU but Linux expects. */
    for (uint32_t intid = 32; intid < HV_GIC_LINES; intid++)
        d->target[intid] = 1;
    hv_spin_unlock(&d->lock);
}

uint32_t hv_vgic_owner(uint32_t intid)
{
    return intid < HV_GIC_LINES && hv_irq_owner[intid] != 0xff ? hv_irq_owner[intid]
                                                               : HV_NO_PARTITION;
}
