/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The virtual GICv2: list-register injection. Each partition's distributor is emulated in
 * vgic_dist.c; each vCPU's CPU interface is the hardware GICV (mapped at the guest's GICC), fed
 * through the list registers of GICH. Interrupts wait in software state until a list register
 * is free; more pending interrupts than list registers arm the underflow maintenance interrupt,
 * so none is lost. Physical interrupts go in with the HW bit: the guest's deactivation
 * deactivates them.
 *
 * No guest value ever selects a physical CPU or indexes an array without being mapped onto the
 * partition's own CPUs first (vgic_target_slot).
 *
 * Locks: each partition's distributor lock (d->lock) covers its virtual distributor and the
 * banked state (struct vgic_cpu) of its vCPUs, which other vCPUs of the same partition change
 * (SGIs). Physical distributor registers shared between partitions are only written with single
 * writes, or under gicv2.c's one global lock (GICD_ICFGR).
 */
#include "hv/config.h"
#include "hv/console.h"
#include "hv/gic.h"
#include "hv/gicv2_regs.h"
#include "hv/partition.h"
#include "hv/spinlock.h"
#include "hv/sysreg.h"
#include "hv/vcpu.h"
#include "hv/vgic.h"
#include "vgic_internal.h"

/* GICH (virtual interface control): hv/gicv2_regs.h; its fields here */
#define HCR_EN        (1u << 0)
#define HCR_UIE       (1u << 1)
#define MISR_EOI      (1u << 0)
#define VMCR_RESET    0x004c0000u  /* VBPR 2, VABPR 3, all else 0: the GICV reset values */

/* List register fields (GICv2) */
#define LR_VIRTID(lr) ((lr)&0x3ff)
#define LR_SRC(lr)    (((lr) >> 10) & 7)
#define LR_PHYS_SHIFT 10
#define LR_EOI        (1u << 19)
#define LR_PRIO_SHIFT 23
#define LR_PENDING    (1u << 28)
#define LR_ACTIVE     (1u << 29)
#define LR_STATE      (3u << 28)
#define LR_HW         (1u << 31)

/* Per CPU: something waits to go into the list registers. Outside struct vgic_cpu so that the
 * hypercall fast path in vectors.S can test it without a call. */
volatile uint32_t hv_vgic_work[HV_NCPUS];

#define dists hv_vgic_dists
#define vcpus hv_vgic_cpus

static inline volatile uint32_t *gich(uint32_t off)
{
    return (volatile uint32_t *)(HV_GICH_BASE + off);
}

void vgic_mark_work(uint32_t slot)
{
    hv_vgic_work[slot] = 1;
    if (slot != hv_cpu_slot())
        hv_gic_kick(slot);
}

void vgic_mark_partition(const struct hv_partition *p)
{
    for (uint32_t v = 0; v < p->nvcpus; v++)
        vgic_mark_work(p->cpu_slot[v]);
}

/* The list registers this CPU's vCPU uses (ELRSR: the empty ones). */
static uint32_t lrs_used(const struct vgic_cpu *vc)
{
    uint32_t all = vc->lrs;
    return ~*gich(GICH_ELRSR0) & all;
}

void vgic_lr_bits(uint32_t word, uint32_t *pending, uint32_t *active)
{
    *pending = *active = 0;
    for (uint32_t used = lrs_used(&vcpus[hv_cpu_slot()]); used; used &= used - 1) {
        uint32_t lr = *gich(GICH_LR(__builtin_ctz(used)));
        if (LR_VIRTID(lr) / 32 != word)
            continue;
        uint32_t m = 1u << (LR_VIRTID(lr) % 32);
        *pending |= lr & LR_PENDING ? m : 0;
        *active |= lr & LR_ACTIVE ? m : 0;
    }
}

void vgic_lr_clear(uint32_t word, uint32_t bits, uint32_t state)
{
    uint32_t slot = hv_cpu_slot(), take = 0;

    take |= state & VGIC_LR_PENDING ? LR_PENDING : 0;
    take |= state & VGIC_LR_ACTIVE ? LR_ACTIVE : 0;
    for (uint32_t used = lrs_used(&vcpus[slot]); bits && used; used &= used - 1) {
        uint32_t n = (uint32_t)__builtin_ctz(used), lr = *gich(GICH_LR(n)), id = LR_VIRTID(lr);
        if (id / 32 != word || !(bits & (1u << (id % 32))) || !(lr & take))
            continue;
        lr &= ~take;
        if (!(lr & LR_STATE)) {
            if (lr & LR_HW)
                hv_gic_clear_active((lr >> LR_PHYS_SHIFT) & 0x3ff);
            else if ((lr & LR_EOI) && id >= 32 && id < HV_GIC_LINES) {
                struct vgic_dist *d = &dists[hv_cpus[slot].partition];
                d->level[word] |= d->line[word] & (1u << (id % 32));    /* still high? */
            }
            lr = 0;
            hv_vgic_work[slot] = 1;         /* what waited for it (LR_EOI, a full set) goes in */
        }
        *gich(GICH_LR(n)) = lr;
    }
}

/* ---- injection -------------------------------------------------------------------------- */

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
    hv_log("CPU %u (%s): interrupt %u of %s arrived here: masked at the distributor", hv_cpu_slot(),
           pidx < HV_NPARTITIONS ? hv_partitions[pidx].name : "idle", intid,
           owner < HV_NPARTITIONS ? hv_partitions[owner].name : "no partition");
}

/* The partition's own SPI, under its distributor lock: it stays active (so it cannot fire
 * again) and virtually pending until its target vCPU takes it, even if that vCPU is off now or
 * the guest moved it. Returns whether a vCPU is to be told (its slot in *target). */
static int record_spi(struct vgic_dist *d, uint32_t pidx, uint32_t intid, uint32_t *target)
{
    d->hw_pending[intid / 32] |= 1u << (intid % 32);
    return vgic_target_slot(&hv_partitions[pidx], d->target[intid], target);
}

static int own_spi(uint32_t intid, uint32_t pidx)
{
    return intid >= 32 && intid < HV_GIC_LINES && pidx < HV_NPARTITIONS &&
           hv_vgic_owner(intid) == pidx;
}

void hv_vgic_physical_irq(uint32_t iar, int running)
{
    uint32_t intid = iar & 0x3ff, slot = hv_cpu_slot(), target;
    uint32_t pidx = hv_cpus[slot].partition;

    if (intid < 32 && (VGIC_HW_PPIS & (1u << intid))) {
        if (!running) {                     /* fired as its vCPU stopped: the timer is off now */
            hv_gic_deactivate(iar);
            return;
        }
        vcpus[slot].hw_pending |= 1u << intid;
        hv_vgic_work[slot] = 1;
        return;
    }
    if (!own_spi(intid, pidx)) {
        stray(iar, pidx);
        return;
    }
    struct vgic_dist *d = &dists[pidx];
    hv_spin_lock(&d->lock);
    int to = record_spi(d, pidx, intid, &target);
    hv_spin_unlock(&d->lock);
    if (to)
        vgic_mark_work(target);
}

uint32_t hv_vgic_idle_ack(int *recorded)
{
    uint32_t pidx = hv_cpus[hv_cpu_slot()].partition, target;
    /* The acknowledge lock, not the distributor's: the guest's distributor traffic delays this
     * CPU's own interrupts (console input, kicks: red team 12) only while another idle CPU of
     * the partition records an SPI here (docs/architecture.md, "Locks"); only a stop of its
     * partition and that partition's idle CPUs take it. A CPU of no partition takes none. */
    struct vgic_dist *d = pidx < HV_NPARTITIONS ? &dists[pidx] : 0;
    int to = 0;

    if (d)
        hv_spin_lock(&d->ack_lock);
    uint32_t iar = hv_gic_ack();
    if ((iar & 0x3ff) < GIC_FIRST_SPECIAL)
        hv_gic_eoi(iar);            /* the priority drop first, as ever (then the record) */
    *recorded = own_spi(iar & 0x3ff, pidx);
    if (*recorded) {                /* own_spi: pidx, so d, is valid */
        hv_spin_lock(&d->lock);
        to = record_spi(d, pidx, iar & 0x3ff, &target);
        hv_spin_unlock(&d->lock);
    }
    if (d)
        hv_spin_unlock(&d->ack_lock);
    if (to)
        vgic_mark_work(target);
    return iar;
}

void hv_vgic_set_level(uint32_t pidx, uint32_t intid, int level)
{
    const struct hv_partition *p = &hv_partitions[pidx];
    struct vgic_dist *d = &dists[pidx];
    uint32_t m = 1u << (intid % 32), rose, target = 0;

    hv_spin_lock(&d->lock);
    rose = level && !(d->line[intid / 32] & m);
    if (!level) {
        d->line[intid / 32] &= ~m;
        d->level[intid / 32] &= ~m;
    } else if (rose) {
        d->line[intid / 32] |= m;
        d->level[intid / 32] |= m;
    }
    int to = rose && vgic_target_slot(p, d->target[intid], &target);
    hv_spin_unlock(&d->lock);
    /* Only a rising edge is news: while the line stays high the vGIC samples it again itself
     * wherever a copy leaves a list register (the guest's deactivation: LR_EOI's maintenance
     * interrupt; vgic_lr_clear, evict, hv_vgic_vcpu_stop; a partition reset). So a device
     * model that reports "still high" (a peer's doorbell flood while IntrStatus & IntrMask)
     * costs no kick, not even after a flush consumed `level` (red team 4, review). Only the
     * vCPU the line targets is kicked, as for hv_vgic_pend_virtual. */
    if (to)
        vgic_mark_work(target);
}

int hv_vgic_pend_virtual(uint32_t pidx, uint32_t intid)
{
    if (pidx >= HV_NPARTITIONS)
        return 0;
    const struct hv_partition *p = &hv_partitions[pidx];
    if (intid < 32 || intid >= p->vgic.nlines || intid >= HV_GIC_LINES ||
        intid >= GIC_FIRST_SPECIAL || vgic_bit(p->vgic.hw, intid))
        return 0;
    struct vgic_dist *d = &dists[pidx];
    uint32_t m = 1u << (intid % 32), was, target = 0;
    uint8_t targets;

    hv_spin_lock(&d->lock);
    was = d->pending[intid / 32] & m;
    d->pending[intid / 32] |= m;
    targets = d->target[intid];
    hv_spin_unlock(&d->lock);
    int to = !was && vgic_target_slot(p, targets, &target);
    /* Already pending: whoever set it marked the work (after its unlock), so a flood of
     * pends costs the target's CPUs no further kick: one pending bit, one interrupt. Only the
     * vCPU the line targets is kicked (the one flush() gives it to), as for a passed-through
     * SPI: a peer's doorbells never interrupt the receiver's other vCPUs. A later retarget,
     * enable or GICD_CTLR write marks the partition itself. */
    if (to)
        vgic_mark_work(target);
    return 1;
}

/* A list register is being emptied: its interrupt goes back to software state. A physical one
 * stays active at the GIC (hw_pending: placed again); a copy the guest has not taken stays
 * pending; an emulated level line's copy (LR_EOI) samples the line again. LR_EOI alone does not
 * make a copy a level line's: place() sets it on an ISPENDR copy a level merged into, and on a
 * hardware line's software copy that the physical interrupt waits behind, so a pending copy is
 * also recorded as pending (spurious at worst, never lost). Call with d->lock held. */
static void lr_to_dist(struct vgic_cpu *vc, struct vgic_dist *d, uint32_t lr)
{
    uint32_t id = LR_VIRTID(lr), w = id / 32, m = 1u << (id % 32);
    int pending = (lr & LR_PENDING) != 0;

    if (id >= HV_GIC_LINES || !(lr & LR_STATE))
        return; /* never placed by flush / empty: nothing to keep */
    if (lr & LR_HW) {
        if (id < 32)
            vc->hw_pending |= m;
        else
            d->hw_pending[w] |= m; /* still active at the distributor */
    } else if (id < 16 && pending) {
        vc->sgi_src[id] |= (uint8_t)(1u << LR_SRC(lr));
        vc->pending |= m;
    } else if (id < 32) {
        vc->pending |= pending ? m : 0;
    } else {
        if (lr & LR_EOI)
            d->level[w] |= m & d->line[w]; /* still high: deliver again */
        if (pending && !(d->level[w] & m))
            d->pending[w] |= m;
    }
}

/* No list register is free: one that holds a merely pending interrupt of lower priority than
 * `prio` goes back to software state, so that interrupts a guest gave the lowest priority (which
 * its priority mask never lets through) cannot fill the list registers and wedge its vCPU.
 * Each eviction puts a higher-priority interrupt in, so flushing ends. Returns the LR or -1.
 * The evicted interrupt leaves this flush pass's `deferred` set: whatever it was waiting for
 * (its copy's deactivation) is gone with the copy, so the pass must consider it again. */
static int evict(struct vgic_cpu *vc, struct vgic_dist *d, uint32_t used, uint8_t prio,
                 uint32_t *deferred)
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
    uint32_t lr = *gich(GICH_LR(victim)), id = LR_VIRTID(lr);
    *gich(GICH_LR(victim)) = 0;
    if (id < HV_GIC_LINES)
        deferred[id / 32] &= ~(1u << (id % 32));
    lr_to_dist(vc, d, lr);
    return victim;
}

/* A list register that holds one interrupt, pending: a physical one with the HW bit, an SGI
 * with its source, an emulated level line's copy with the EOI bit (the line is sampled again
 * when the guest is done with it). */
static inline uint32_t lr_value(uint32_t intid, uint32_t src, uint8_t prio, int hw, int level)
{
    uint32_t lr = intid | ((uint32_t)(prio >> 3) << LR_PRIO_SHIFT) | LR_PENDING;

    if (hw)
        lr |= LR_HW | (intid << LR_PHYS_SHIFT);
    else if (intid < 16)
        lr |= src << LR_PHYS_SHIFT;
    else if (level)
        lr |= LR_EOI;
    return lr;
}

/* Place one interrupt; returns 1 when it is in a list register (or merged with one there), 2
 * when it is, in a list register another interrupt was evicted from (evict), 0 when no list
 * register is free, -1 when it must wait for the guest's deactivation of the copy
 * in a list register (its EOI bit brings a maintenance interrupt then). ELRSR is read first so
 * that only list registers in use are read (each GICH read is an MMIO access).
 *
 * One list register per INTID, whatever the SGI source: two with the same VirtualID are
 * UNPREDICTABLE (GICv2, GICH_LRn). On QEMU the guest's IAR then acknowledges through the first
 * one while the second stays pending: a guest that leaves the first active (GICV_CTLR.EOImode,
 * no GICV_DIR) takes the interrupt again after every return, forever. */
static int place(struct vgic_cpu *vc, struct vgic_dist *d, uint32_t intid, uint32_t src,
                 uint8_t prio, int hw, int level, uint32_t *deferred)
{
    uint32_t all = vc->lrs;
    uint32_t empty = *gich(GICH_ELRSR0) & all;

    for (uint32_t used = ~empty & all; used; used &= used - 1) {
        uint32_t n = (uint32_t)__builtin_ctz(used);
        uint32_t lr = *gich(GICH_LR(n));
        if (!(lr & LR_STATE) || LR_VIRTID(lr) != intid)
            continue;
        if (intid < 16 && LR_SRC(lr) != src) {
            *gich(GICH_LR(n)) = lr | LR_EOI; /* another source's copy: after it is done */
            return -1;
        }
        if (hw && !(lr & LR_HW)) {
            /* The physical interrupt meets a software copy (ISPENDR): its only record must not
             * be dropped, or it stays active at the GIC for good. A pending copy becomes the
             * HW one; behind an active copy it waits, and the guest's EOI of that copy brings
             * the maintenance interrupt that places it. */
            if (!(lr & LR_ACTIVE)) {
                *gich(GICH_LR(n)) =
                    (lr & ~(LR_EOI | (0x3ffu << LR_PHYS_SHIFT))) | LR_HW | (intid << LR_PHYS_SHIFT);
                return 1;
            }
            *gich(GICH_LR(n)) = lr | LR_EOI;
            return -1;
        }
        if (level && !(lr & (LR_HW | LR_EOI)))
            *gich(GICH_LR(n)) = lr | LR_EOI; /* merged into a copy (ISPENDR): re-sample */
        if (lr & LR_PENDING || hw || level)
            return 1; /* already pending there / a HW one takes no more */
        *gich(GICH_LR(n)) = lr | LR_PENDING;
        return 1;
    }
    int free_lr = empty ? __builtin_ctz(empty) : evict(vc, d, ~empty & all, prio, deferred);
    if (free_lr < 0)
        return 0;
    *gich(GICH_LR((uint32_t)free_lr)) = lr_value(intid, src, prio, hw, level);
    return empty ? 1 : 2;
}

/* The interrupts of a bit-per-interrupt word that flush() may place on this vCPU (SPIs: before
 * their target check), except those deferred in this pass. An interrupt the guest made active
 * (ISACTIVER) waits until it is deactivated. */
static inline uint32_t priv_candidates(const struct vgic_cpu *vc, uint32_t deferred)
{
    return ((vc->pending & ~vc->active) | vc->hw_pending) & vc->enabled & ~deferred;
}

static inline uint32_t spi_candidates(const struct vgic_dist *d, uint32_t w, uint32_t deferred)
{
    return (((d->pending[w] | d->level[w]) & ~d->active[w]) | d->hw_pending[w]) & d->enabled[w] &
           ~deferred;
}

/* What goes into a list register for interrupt `intid` (a candidate): its SGI source, whether
 * it is the physical interrupt (HW), or an emulated level line's copy. */
struct pick {
    uint32_t intid, src;
    uint8_t prio;
    int hw, level;
};

/* 0 when the distributor is off and it is not a hardware PPI (only those go in then: they
 * were acknowledged at EL2), or an SGI without a source (cannot happen under the lock: the
 * stale pending bit is dropped). */
static inline __attribute__((always_inline)) int
pick(struct vgic_cpu *vc, const struct vgic_dist *d, uint32_t intid, struct pick *k)
{
    uint32_t w = intid / 32, m = 1u << (intid % 32);

    *k = (struct pick){intid, 0, 0, 0, 0};
    if (intid >= 32) {
        k->prio = d->priority[intid];
        k->hw = (d->hw_pending[w] & m) != 0;
        k->level = !k->hw && (d->level[w] & m) && !(d->pending[w] & m);
        return 1;
    }
    if (!d->ctlr && !(vc->hw_pending & m))
        return 0;
    k->prio = vc->priority[intid];
    if (intid >= 16) {
        k->hw = (vc->hw_pending & m) != 0;
        return 1;
    }
    if (!vc->sgi_src[intid]) { /* one SGI source at a time */
        vc->pending &= ~m;
        return 0;
    }
    k->src = (uint32_t)__builtin_ctz(vc->sgi_src[intid]);
    return 1;
}

/* The interrupt is in a list register: take it out of software state. Returns nonzero when it
 * is still waiting for this vCPU all the same (another SGI source, a software copy besides the
 * hardware one): over-estimating costs one more pass, never an interrupt. */
static inline __attribute__((always_inline)) uint32_t
placed(struct vgic_cpu *vc, struct vgic_dist *d, const struct pick *k)
{
    uint32_t id = k->intid, w = id / 32, m = 1u << (id % 32);

    if (id < 16) {
        vc->sgi_src[id] &= (uint8_t) ~(1u << k->src);
        if (!vc->sgi_src[id])
            vc->pending &= ~m;
        return vc->pending & m;
    }
    if (id < 32) {
        if (k->hw)
            vc->hw_pending &= ~m;
        else
            vc->pending &= ~m;
        return (vc->pending | vc->hw_pending) & m;
    }
    if (k->hw)
        d->hw_pending[w] &= ~m;
    else if (k->level)
        d->level[w] &= ~m; /* back when the guest EOIs and it is still high */
    else
        d->pending[w] &= ~m;
    return (d->pending[w] | d->level[w] | d->hw_pending[w]) & m;
}

/* Place what waits for this vCPU, highest priority first, until none is left or the list
 * registers are full (returns 1 then). d->lock held. `self`: this vCPU's bit in a targets byte;
 * `words`: the partition's words of INTIDs.
 *
 * Interrupts deferred in this pass (place() -1: a copy is in a list register until the guest
 * deactivates it) do not hold back the others. Flushing ends: each eviction strictly raises the
 * priorities held in the list registers, and between evictions each step places a source or
 * defers an interrupt (only an eviction undefers one). */
static __attribute__((noinline)) int flush_pass(struct vgic_cpu *vc, struct vgic_dist *d,
                                                uint32_t self, uint32_t words)
{
    uint32_t deferred[VGIC_WORDS] = {0};

    if (!d->ctlr)
        words = 1; /* distributor off: no SPI goes in */
    for (;;) {
        /* The highest-priority deliverable interrupt (lowest value; lowest INTID on ties), and
         * how many there are: with one, placing it leaves none (unless it stays pending or an
         * eviction put another back), and the pass ends without scanning again. Only the set
         * bits are visited, in ascending INTID order (strict < keeps the lowest). */
        uint32_t best = HV_GIC_LINES, best_prio = 0x100, ncand = 0;
        for (uint32_t c = priv_candidates(vc, deferred[0]); c; c &= c - 1) {
            uint32_t i = (uint32_t)__builtin_ctz(c);
            ncand++;
            if (vc->priority[i] < best_prio)
                best = i, best_prio = vc->priority[i];
        }
        for (uint32_t w = 1; w < words; w++) {
            for (uint32_t c = spi_candidates(d, w, deferred[w]); c; c &= c - 1) {
                uint32_t intid = w * 32 + (uint32_t)__builtin_ctz(c);
                uint32_t t = d->target[intid];
                if ((t & -t) != self)
                    continue; /* the lowest vCPU it names is another one */
                ncand++;
                if (d->priority[intid] < best_prio)
                    best = intid, best_prio = d->priority[intid];
            }
        }
        struct pick k;
        if (best == HV_GIC_LINES)
            return 0;
        if (!pick(vc, d, best, &k)) {
            if (best < 16 && d->ctlr)
                continue; /* a stale SGI bit, dropped */
            return 0;
        }
        int done = place(vc, d, best, k.src, k.prio, k.hw, k.level, deferred);
        if (done <= 0) {
            if (done == 0)
                return 1;
            deferred[best / 32] |= 1u << (best % 32); /* back at the copy's deactivation */
            continue;
        }
        if (placed(vc, d, &k) == 0 && ncand == 1 && done == 1)
            return 0;
    }
}

/* The usual case, without the pass: exactly one interrupt waits for this vCPU and every list
 * register is empty (so none holds a copy of it, and priorities decide nothing): it goes into
 * list register 0, as flush_pass would put it. Returns -1 for anything else (flush_pass then). */
static int flush_one(struct vgic_cpu *vc, struct vgic_dist *d, uint32_t self, uint32_t words)
{
    uint32_t c = priv_candidates(vc, 0), intid = (uint32_t)__builtin_ctz(c | (1u << 31));

    if (c & (c - 1))
        return -1;
    for (uint32_t w = 1; d->ctlr && w < words; w++) {
        uint32_t s = spi_candidates(d, w, 0);
        if (!s)
            continue;
        if (c || (s & (s - 1)))
            return -1;
        uint32_t i = w * 32 + (uint32_t)__builtin_ctz(s), t = d->target[i];
        if ((t & -t) == self)
            c = s, intid = i; /* else: not this vCPU's, the only one waiting */
    }
    uint32_t all = vc->lrs;
    struct pick k;
    if (!c)
        return 0;
    if (!all || (*gich(GICH_ELRSR0) & all) != all || !pick(vc, d, intid, &k))
        return -1;
    *gich(GICH_LR(0)) = lr_value(intid, k.src, k.prio, k.hw, k.level);
    return placed(vc, d, &k) ? -1 : 0;
}

void hv_vgic_flush(void)
{
    uint32_t slot = hv_cpu_slot();

    if (!hv_vgic_work[slot])
        return;
    hv_vgic_work[slot] = 0;
    uint32_t pidx = hv_cpus[slot].partition, self = 1u << hv_cpus[slot].vcpu;
    uint32_t words = hv_partitions[pidx].vgic.nlines / 32;
    struct vgic_dist *d = &dists[pidx];
    struct vgic_cpu *vc = &vcpus[slot];

    hv_spin_lock(&d->lock);
    int full = flush_one(vc, d, self, words);
    if (full < 0)
        full = flush_pass(vc, d, self, words);
    hv_spin_unlock(&d->lock);
    /* More than fits: ask for the underflow maintenance interrupt to come back for the rest. */
    *gich(GICH_HCR) = HCR_EN | (full ? HCR_UIE : 0);
}

void hv_vgic_maintenance(void)
{
    struct vgic_cpu *vc = &vcpus[hv_cpu_slot()];
    uint32_t pidx = hv_current_partition();

    if (!(*gich(GICH_HCR) & HCR_EN) || pidx >= HV_NPARTITIONS)
        return; /* raised before this CPU's vCPU stopped */
    uint32_t misr = *gich(GICH_MISR);
    if (misr & MISR_EOI) {
        /* A level-sensitive emulated interrupt was deactivated: free its LR and sample the
         * lines again: one still high is delivered again (hv_vgic_set_level reports only
         * rising edges). */
        uint32_t eisr = *gich(GICH_EISR0);
        for (uint32_t done = eisr & vc->lrs; done; done &= done - 1)
            *gich(GICH_LR(__builtin_ctz(done))) = 0;
        struct vgic_dist *d = &dists[pidx];
        hv_spin_lock(&d->lock);
        for (uint32_t w = 1; w < VGIC_WORDS; w++)
            d->level[w] |= d->line[w]; /* still high: deliver again */
        hv_spin_unlock(&d->lock);
    }
    *gich(GICH_HCR) = HCR_EN;
    hv_vgic_work[hv_cpu_slot()] = 1;
}

static uint32_t lr_count(void)
{
    uint32_t n = (*gich(GICH_VTR) & 0x3f) + 1;
    return n > 32 ? 32 : n; /* only ELRSR0's (GIC-400 and QEMU have 4) */
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

    *gich(GICH_HCR) = 0; /* no maintenance interrupts from here on */
    /* The timers cannot fire again once released */
    hv_gic_set_enabled(HV_VTIMER_INTID, 0);
    hv_gic_set_enabled(HV_PTIMER_INTID, 0);
    write_sysreg(cntv_ctl_el0, 0);
    write_sysreg(cntp_ctl_el0, 0);
    /* Physical interrupts the guest holds would stay active forever: release them. Virtual
     * SPIs are the partition's, not this vCPU's: one in a list register goes back to the
     * distributor (lr_to_dist), for the vCPU it targets now. An SGI the guest has not taken
     * goes back too (lr_to_dist: its source), kept for this vCPU's next start as on GICv2
     * (vgic_cpu_reset keeps it); an active one, and purely virtual PPIs, end with the run. */
    struct vgic_dist *d = lock ? &dists[hv_cpus[slot].partition] : 0;
    uint32_t back = 0;
    if (lock)
        hv_spin_lock(lock);
    for (uint32_t n = 0; n < nlrs; n++) {
        uint32_t lr = *gich(GICH_LR(n)), id = LR_VIRTID(lr);
        if ((lr & LR_HW) && (lr & LR_STATE))
            hv_gic_deactivate((lr >> LR_PHYS_SHIFT) & 0x3ff);
        else if (d && (lr & LR_STATE) && id >= 32 && id < HV_GIC_LINES) {
            lr_to_dist(vc, d, lr);
            back = 1;
        } else if (d && (lr & LR_PENDING) && id < 16) {
            lr_to_dist(vc, d, lr);
        }
        *gich(GICH_LR(n)) = 0;
    }
    /* The timers are the only physical PPIs a vCPU gets (hw_pending): banked, this CPU's,
     * deactivated and unpended (ISPENDR of a guest) whatever the records say. */
    hv_gic_activate_word(0, VGIC_HW_PPIS, 0);
    hv_gic_pend_word(0, VGIC_HW_PPIS, 0);
    *gich(GICH_APR) = 0; /* no active priority left in the CPU interface */
    *gich(GICH_VMCR) = VMCR_RESET;
    vgic_cpu_reset(vc);
    if (lock)
        hv_spin_unlock(lock);
    hv_vgic_work[slot] = 0;
    if (back) { /* red team 4: they were lost with the list registers */
        const struct hv_partition *p = &hv_partitions[hv_cpus[slot].partition];
        for (uint32_t v = 0; v < p->nvcpus; v++)
            if (p->cpu_slot[v] != slot)
                vgic_mark_work(p->cpu_slot[v]);
    }
}

void hv_vgic_vcpu_start(void)
{
    uint32_t slot = hv_cpu_slot();
    struct vgic_cpu *vc = &vcpus[slot];
    hv_spinlock_t *lock = vcpu_lock(slot);

    /* hv_cpu_idle released the list registers and physical interrupts (hv_vgic_vcpu_stop)
     * before this CPU could enter. The banked state starts from reset, except the SGIs its
     * siblings sent it while it was off (before its CPU_ON too), or that it had not taken when
     * it stopped: they are this incarnation's, and GICv2 keeps an SGI pending for a CPU
     * interface that is off. An earlier incarnation's cannot be among them: every load resets
     * them (hv_vgic_partition_reset) once all the old incarnation's vCPUs are off. */
    if (lock)
        hv_spin_lock(lock);
    vc->lrs = (uint32_t)((1ULL << lr_count()) - 1);
    vgic_cpu_reset(vc);
    if (lock)
        hv_spin_unlock(lock);
    /* What waits (those SGIs, SPIs: hw_pending) goes into the list registers now, not at the
     * first trap: the kicks that announced it were taken while the CPU was idle, and a guest
     * that enables its CPU interface and waits (WFI does not trap) may never trap otherwise. */
    *gich(GICH_HCR) = HCR_EN;
    hv_vgic_work[slot] = 1;
    if (lock)
        hv_vgic_flush();
}

uint32_t hv_vgic_owner(uint32_t intid)
{
    return intid < HV_GIC_LINES && hv_irq_owner[intid] != 0xff ? hv_irq_owner[intid]
                                                               : HV_NO_PARTITION;
}
