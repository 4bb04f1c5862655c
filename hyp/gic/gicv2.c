/* SPDX-License-Identifier: Apache-2.0 */
/*
 * GICv2 / GIC-400 at EL2: the distributor and this CPU's interface. The CPU interface runs with
 * EOImode 1: the hypervisor drops priority (GICC_EOIR) when it takes an interrupt, and the
 * deactivation happens either here (GICC_DIR, for the hypervisor's own interrupts) or through
 * a list register's HW bit when the guest deactivates the virtual interrupt.
 */
#include "hv/config.h"
#include "hv/gic.h"
#include "hv/gicv2_regs.h"
#include "hv/spinlock.h"
#include "hv/sysreg.h"

#define GICC_CTLR_ENABLE       (1u << 0)
#define GICC_CTLR_EOIMODENS    (1u << 9)
#define SGIR_TARGET_LIST_SHIFT 16

#define PRIO_HYP               0x00            /* the hypervisor's own interrupts */
#define PRIO_GUEST             0xa0            /* every interrupt forwarded to a guest */

/* GIC CPU interface number of each slot's CPU (read from the banked GICD_ITARGETSR0). */
static uint8_t cpu_if_mask[HV_NCPUS];

/* The one lock for read-modify-writes of physical distributor registers that hold several
 * partitions' interrupts (GICD_ICFGR: 16 INTIDs a word). Held for one read and one write.
 * Every other update is a single write that touches only its own interrupt: set/clear-enable
 * registers are write-1-to-act, ITARGETSR and IPRIORITYR are byte-accessible. */
static hv_spinlock_t gicd_rmw_lock;

static inline volatile uint32_t *gicd(uint32_t off)
{
    return (volatile uint32_t *)(HV_GICD_BASE + off);
}

static inline volatile uint8_t *gicd8(uint32_t off)
{
    return (volatile uint8_t *)(HV_GICD_BASE + off);
}

static inline volatile uint32_t *gicc(uint32_t off)
{
    return (volatile uint32_t *)(HV_GICC_BASE + off);
}

void hv_gic_init_distributor(void)
{
    uint32_t lines = 32 * ((*gicd(GICD_TYPER) & 0x1f) + 1);

    *gicd(GICD_CTLR) = 0;
    for (uint32_t i = 32; i < lines; i += 32) {
        *gicd(GICD_ICENABLER + i / 8) = 0xffffffffu;
        *gicd(GICD_ICPENDR + i / 8) = 0xffffffffu;
        *gicd(GICD_ICACTIVER + i / 8) = 0xffffffffu;
    }
    for (uint32_t i = 32; i < lines; i++) {
        *gicd8(GICD_IPRIORITYR + i) = PRIO_GUEST;
        *gicd8(GICD_ITARGETSR + i) = 0;     /* routed when a partition enables it */
    }
    *gicd(GICD_CTLR) = 1;           /* forwarding on (Group 1 when seen from Non-secure) */
}

void hv_gic_init_cpu(uint32_t slot)
{
    cpu_if_mask[slot] = (uint8_t)(*gicd(GICD_ITARGETSR) & 0xff);
    *gicd(GICD_ICENABLER) = 0xffffffffu;
    *gicd(GICD_ICACTIVER) = 0xffffffffu;
    for (uint32_t i = 0; i < 32; i++)
        *gicd8(GICD_IPRIORITYR + i) = PRIO_GUEST;
    *gicd8(GICD_IPRIORITYR + HV_SGI_KICK) = PRIO_HYP;
    *gicd8(GICD_IPRIORITYR + HV_GIC_MAINT_INTID) = PRIO_HYP;
    *gicd8(GICD_IPRIORITYR + HV_HTIMER_INTID) = PRIO_HYP; /* enabled by console input only */
    *gicd(GICD_ISENABLER) = (1u << HV_SGI_KICK) | (1u << HV_GIC_MAINT_INTID);
    *gicc(GICC_PMR) = 0xff;
    *gicc(GICC_BPR) = 0;
    *gicc(GICC_CTLR) = GICC_CTLR_ENABLE | GICC_CTLR_EOIMODENS;
}

void hv_gic_sync(void)
{
    (void)*gicd(GICD_CTLR);
}

void hv_gic_kick(uint32_t slot)
{
    if (slot >= HV_NCPUS)
        return;
    dsb(ishst);                     /* the mailbox write before the interrupt */
    *gicd(GICD_SGIR) = ((uint32_t)cpu_if_mask[slot] << SGIR_TARGET_LIST_SHIFT) | HV_SGI_KICK;
}

void hv_gic_set_enabled(uint32_t intid, int enabled)
{
    if (intid >= GIC_FIRST_SPECIAL)
        return;
    *gicd((enabled ? GICD_ISENABLER : GICD_ICENABLER) + (intid / 32) * 4) = 1u << (intid % 32);
}

void hv_gic_route(uint32_t intid, uint32_t slot)
{
    if (intid >= 32 && intid < GIC_FIRST_SPECIAL && slot < HV_NCPUS)
        *gicd8(GICD_ITARGETSR + intid) = cpu_if_mask[slot];
}

uint32_t hv_gic_pending_word(uint32_t word)
{
    return word < 32 ? *gicd(GICD_ISPENDR + word * 4) : 0;
}

uint32_t hv_gic_active_word(uint32_t word)
{
    return word < 32 ? *gicd(GICD_ISACTIVER + word * 4) : 0;
}

void hv_gic_pend_word(uint32_t word, uint32_t bits, int pend)
{
    if (word < 32 && bits)
        *gicd((pend ? GICD_ISPENDR : GICD_ICPENDR) + word * 4) = bits;
}

void hv_gic_activate_word(uint32_t word, uint32_t bits, int active)
{
    if (word < 32 && bits)
        *gicd((active ? GICD_ISACTIVER : GICD_ICACTIVER) + word * 4) = bits;
}

void hv_gic_clear_active(uint32_t intid)
{
    if (intid < GIC_FIRST_SPECIAL)
        *gicd(GICD_ICACTIVER + (intid / 32) * 4) = 1u << (intid % 32);
}

void hv_gic_set_edge(uint32_t intid, int edge)
{
    if (intid < 32 || intid >= GIC_FIRST_SPECIAL)
        return;                     /* SGIs and PPIs: fixed or banked, never shared */
    volatile uint32_t *cfg = gicd(GICD_ICFGR + (intid / 16) * 4);
    uint32_t bit = 2u << ((intid % 16) * 2);
    hv_spin_lock(&gicd_rmw_lock);
    *cfg = edge ? (*cfg | bit) : (*cfg & ~bit);
    hv_spin_unlock(&gicd_rmw_lock);
}
