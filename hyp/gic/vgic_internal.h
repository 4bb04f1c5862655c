/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the two halves of the virtual GIC share: the distributor's state (vgic_dist.c, the
 * emulated registers) and the list-register side (vgic.c, injection). Not for other modules.
 */
#ifndef HV_VGIC_INTERNAL_H
#define HV_VGIC_INTERNAL_H

#include <stdint.h>

#include "hv/config.h"
#include "hv/spinlock.h"

#define VGIC_WORDS     (HV_GIC_LINES / 32)

/* Implemented priority bits: 5 (values 0x00, 0x08 .. 0xf8), the same for every INTID. A GICv2
 * list register carries priority[7:3] (GICH_LR bits 27:23); more bits in the distributor would
 * order interrupts that the CPU interface cannot tell apart. */
#define VGIC_PRIO_MASK 0xf8u

/* The PPIs with hardware behind: the EL1 virtual and physical timers, forwarded with the HW bit
 * to the vCPU on the CPU they fire on. Every other PPI is purely virtual. */
#define VGIC_HW_PPIS   ((1u << HV_VTIMER_INTID) | (1u << HV_PTIMER_INTID))
_Static_assert(HV_VTIMER_INTID >= 16 && HV_VTIMER_INTID < 32 && HV_PTIMER_INTID >= 16 &&
                   HV_PTIMER_INTID < 32 && HV_PTIMER_INTID != HV_GIC_MAINT_INTID &&
                   HV_VTIMER_INTID != HV_GIC_MAINT_INTID,
               "the timers are PPIs, not EL2's");

struct vgic_dist {
    hv_spinlock_t lock;
    hv_spinlock_t ack_lock;         /* a stop vs its idle CPUs' acknowledges: hv_vgic_idle_ack */
    uint32_t ctlr;
    uint32_t enabled[VGIC_WORDS];
    uint32_t pending[VGIC_WORDS];   /* software pending (ISPENDR of virtual lines, devices) */
    uint32_t active[VGIC_WORDS];    /* software active (ISACTIVER of virtual lines) */
    uint32_t hw_pending[VGIC_WORDS];/* physically active, waiting for a list register */
    uint32_t line[VGIC_WORDS];      /* emulated level-sensitive lines that are high */
    uint32_t level[VGIC_WORDS];     /* ... and wait for a list register */
    uint32_t edge[VGIC_WORDS];      /* GICD_ICFGR Int_config[1] */
    uint8_t priority[HV_GIC_LINES];
    uint8_t target[HV_GIC_LINES];
};

struct vgic_cpu {               /* the vCPU on one physical CPU: banked SGI/PPI state */
    uint32_t enabled;
    uint32_t pending;           /* SGIs (any source) and virtual PPIs */
    uint32_t active;            /* software active (ISACTIVER0) */
    uint32_t hw_pending;        /* timer PPIs acknowledged at EL2, waiting for a list register */
    uint8_t sgi_src[16];
    uint8_t priority[32];
    uint32_t lrs;               /* the list registers this CPU has, a bit each (GICH_VTR) */
};

extern struct vgic_dist hv_vgic_dists[HV_NPARTITIONS];
extern struct vgic_cpu hv_vgic_cpus[HV_NCPUS];
extern volatile uint32_t hv_vgic_work[HV_NCPUS];

static inline int vgic_bit(const uint32_t *map, uint32_t i)
{
    return (map[i / 32] >> (i % 32)) & 1;
}

/* The CPU a targets byte delivers an SPI to: that of the lowest of the partition's vCPUs it
 * names (GICv2 delivers a multi-target SPI to one of them; always the same one here, for
 * physical and virtual SPIs alike). 0 when it names none of them: the SPI is not forwarded.
 * Inline: every pend and routing change asks. */
static inline int vgic_target_slot(const struct hv_partition *p, uint8_t target, uint32_t *slot)
{
    uint32_t named = target & ((1u << (p->nvcpus < 8 ? p->nvcpus : 8)) - 1);

    if (!named)
        return 0;
    *slot = p->cpu_slot[__builtin_ctz(named)];
    return *slot < HV_NCPUS;
}

/* vgic_dist.c */
/* The banked state of a vCPU that stops or starts, from reset (lock of its partition held),
 * except its pending SGIs (sgi_src, pending bits 0-15): as on GICv2, SGIs wait in the
 * distributor for a CPU interface that is off. They belong to the partition's incarnation:
 * hv_vgic_partition_reset drops them. */
void vgic_cpu_reset(struct vgic_cpu *vc);

/* vgic.c: the list-register side, on this CPU */
void vgic_mark_work(uint32_t slot);
void vgic_mark_partition(const struct hv_partition *p);
#define VGIC_LR_PENDING 1u
#define VGIC_LR_ACTIVE  2u
/* INTIDs of `word` that this CPU's list registers hold pending, and active. */
void vgic_lr_bits(uint32_t word, uint32_t *pending, uint32_t *active);
/* Take `state` (VGIC_LR_*) off the INTIDs `bits` of `word` in this CPU's list registers; a
 * physical interrupt whose list register empties is deactivated at the distributor. The lock
 * of this CPU's partition is held. */
void vgic_lr_clear(uint32_t word, uint32_t bits, uint32_t state);

#endif
