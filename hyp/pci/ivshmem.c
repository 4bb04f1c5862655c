/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ivshmem PCI functions (vendor 0x1af4, device 0x1110; QEMU's ivshmem-doorbell in INTx mode),
 * one per channel end of a partition with `ivshmem`: a type 0 configuration header, BAR0 (the
 * registers, a trapped page), BAR2 (the channel memory, mapped at stage 2 by hvcfg: never
 * trapped here), INTx pin A wired through the guest DT's interrupt-map to the end's doorbell
 * INTID.
 *
 * Nothing a guest writes moves memory: the BARs are fixed by hvcfg. A BAR reads its address;
 * after a write with every address bit set (the sizing write of PCI 3.0 section 6.2.5.1) it
 * reads the size mask, until the next write to it; no write changes the address. The guest DT
 * asks Linux to keep the BARs (`linux,pci-probe-only`).
 *
 * INTx follows PCI 3.0 section 6.2: the function's interrupt request is IntrStatus & IntrMask;
 * the status register's Interrupt Status bit shows it; the line to the vGIC is high while it
 * is set and the command register's Interrupt Disable bit is clear (uio_pci_generic masks
 * through that bit in its handler and user space unmasks it). A doorbell sets IntrStatus, a
 * read of IntrStatus clears it: the pending bit coalesces, a flood costs one interrupt.
 *
 * One lock per partition guards its functions' state; it is taken by the partition's own
 * vCPUs (register and configuration accesses) and by the peers' doorbells, each for a few
 * stores and one hv_vgic_set_level (which takes the vGIC distributor lock after it: never
 * the other way round). No path holds two of these locks.
 */
#include "hv/channel.h"
#include "hv/config.h"
#include "hv/ivshmem.h"
#include "hv/lib.h"
#include "hv/partition.h"
#include "hv/pci_regs.h"
#include "hv/spinlock.h"
#include "hv/vgic.h"

/* Command bits a guest can set: memory space, bus master (kept, no effect: ivshmem does no
 * DMA), Interrupt Disable. I/O space stays 0: no I/O BAR. */
#define COMMAND_WRITABLE (PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER | PCI_COMMAND_INTX_DISABLE)
#define REGS_PAGE        0x1000UL
#define BAR_ALL          0xffffffffu

struct fn_state {
    uint32_t intr_mask, intr_status;
    /* what was last written to BAR0, BAR2, BAR3: only "every address bit set" means anything */
    uint32_t bar_written[3];
    uint16_t command;
    uint8_t interrupt_line; /* scratch for the OS (PCI 3.0 6.2.4): no effect */
    uint8_t line; /* the level last given to the vGIC (hv_ivshmem_reset: low) */
};

static struct {
    hv_spinlock_t lock;
    struct fn_state fn[PCI_DEVICES_PER_BUS];
} state[HV_NPARTITIONS];

static int intx_request(const struct fn_state *s)
{
    return (s->intr_status & s->intr_mask) != 0;
}

/* Function n of partition p: its channel end. n < p->ivshmem.nfn, checked where n enters. */
static const struct hv_channel_end *end_of(const struct hv_partition *p, uint32_t n)
{
    return &p->channels[n];
}

/* Partition p presents function n (and the end behind it exists): nfn = nchannels <= 32
 * (PCI_DEVICES_PER_BUS), as hvcfg generates it and verify checks it (mmio.c emulates nothing for
 * a larger nfn). A guest's n is clamped after its check as well (hv_index_nospec), so that a
 * mispredicted check cannot index state[].fn[] or p->channels[] beyond the partition's
 * functions under speculation (red team 4). */
static int presents(const struct hv_partition *p, uint64_t n)
{
    return n < p->ivshmem.nfn;
}

/* The INTx line follows the state; call with the lock held. Only a change reaches the vGIC:
 * a line that stays high is sampled again by the vGIC itself when the guest is done with its
 * copy (hv_vgic_set_level), so a peer's doorbell flood into a function whose line is high, or
 * masked (uio_pci_generic's handler masks it), takes only this lock, not the partition's
 * distributor lock, and kicks no vCPU (red team 4). */
static void update_line(uint32_t pidx, uint32_t n, struct fn_state *s)
{
    uint32_t intid = end_of(&hv_partitions[pidx], n)->doorbell_intid;
    uint8_t level = intx_request(s) && !(s->command & PCI_COMMAND_INTX_DISABLE);

    if (intid && level != s->line)
        hv_vgic_set_level(pidx, intid, level);
    s->line = level;
}

/* BAR2's size mask: a BAR's size is a power of two (PCI 3.0 6.2.5.1), the channel's size
 * rounded up; hvcfg aligns the end's IPA to it and maps only the channel (the rest of the BAR
 * is a stage-2 fault, as any unmapped IPA). Sizes are 4 KiB multiples, so size >= 2. */
static uint64_t bar2_mask(const struct hv_channel_end *e)
{
    return e->size > (1UL << 63) ? 0 : ~((1UL << (64 - __builtin_clzl(e->size - 1))) - 1);
}

/* The slot in bar_written of the BAR dword at `reg`, and the address bits it decodes; -1 for
 * any other register. */
static int bar_slot(const struct hv_channel_end *e, uint32_t reg, uint32_t *bits)
{
    switch (reg) {
    case PCI_BASE_ADDRESS_0:
        *bits = (uint32_t) ~(IVSHMEM_REGS_SIZE - 1);
        return 0;
    case PCI_BASE_ADDRESS_0 + 4 * IVSHMEM_BAR_MEM:
        *bits = (uint32_t)bar2_mask(e) & ~0xfu;
        return 1;
    case PCI_BASE_ADDRESS_0 + 4 * IVSHMEM_BAR_MEM + 4:
        *bits = (uint32_t)(bar2_mask(e) >> 32);
        return 2;
    default:
        return -1;
    }
}

/* A BAR reads its size mask while the last write set every address bit, else its address. */
static int sizing(const struct hv_channel_end *e, const struct fn_state *s, uint32_t reg)
{
    uint32_t bits;
    int slot = bar_slot(e, reg, &bits);

    return slot >= 0 && (s->bar_written[slot] & bits) == bits;
}

static uint32_t config_read32(uint32_t pidx, uint32_t n, const struct fn_state *s, uint32_t reg)
{
    const struct hv_partition *p = &hv_partitions[pidx];
    const struct hv_channel_end *e = end_of(p, n);

    switch (reg) {
    case PCI_VENDOR_ID:
        return IVSHMEM_VENDOR_ID | (uint32_t)IVSHMEM_DEVICE_ID << 16;
    case PCI_COMMAND:
        return s->command | (uint32_t)(intx_request(s) ? PCI_STATUS_INTERRUPT : 0) << 16;
    case PCI_CLASS_REVISION:
        return IVSHMEM_REVISION | (uint32_t)IVSHMEM_CLASS << 16;
    case PCI_BASE_ADDRESS_0:
        return sizing(e, s, reg) ? (uint32_t) ~(IVSHMEM_REGS_SIZE - 1)
                                 : (uint32_t)(p->ivshmem.regs_ipa + n * REGS_PAGE);
    case PCI_BASE_ADDRESS_0 + 4 * IVSHMEM_BAR_MEM:
        return ((sizing(e, s, reg) ? (uint32_t)bar2_mask(e) : (uint32_t)e->ipa) & ~0xfu) |
               PCI_BASE_ADDRESS_MEM_TYPE_64 | PCI_BASE_ADDRESS_MEM_PREFETCH;
    case PCI_BASE_ADDRESS_0 + 4 * IVSHMEM_BAR_MEM + 4:
        return (uint32_t)((sizing(e, s, reg) ? bar2_mask(e) : e->ipa) >> 32);
    case PCI_SUBSYSTEM_VENDOR_ID:
        return IVSHMEM_VENDOR_ID | (uint32_t)IVSHMEM_SUBSYSTEM_ID << 16;
    case PCI_INTERRUPT_LINE:
        return s->interrupt_line | (uint32_t)(e->doorbell_intid ? PCI_INTERRUPT_PIN_INTA : 0) << 8;
    default:
        /* header type 0, single function; no BAR1/4/5, no ROM, no capabilities; nothing
         * beyond the header */
        return 0;
    }
}

/* A write of `v` (`bytes` of it) to the dword at `reg`: only these registers hold anything a
 * guest writes. */
static void config_write32(uint32_t pidx, uint32_t n, struct fn_state *s, uint32_t reg, uint32_t v,
                           uint32_t bytes)
{
    uint32_t bits;
    int slot = bar_slot(end_of(&hv_partitions[pidx], n), reg, &bits);

    if (slot >= 0) { /* kept for sizing only: the address never changes */
        s->bar_written[slot] = (s->bar_written[slot] & ~bytes) | (v & bytes);
        return;
    }
    switch (reg) {
    case PCI_COMMAND: /* the status half: no RW1C bit is ever set */
        if (bytes & 0xffff) {
            s->command = (uint16_t)((s->command & ~bytes) | (v & bytes & COMMAND_WRITABLE));
            update_line(pidx, n, s);
        }
        break;
    case PCI_INTERRUPT_LINE:
        if (bytes & 0xff)
            s->interrupt_line = (uint8_t)v;
        break;
    default:
        break;
    }
}

enum hv_mmio_result hv_ivshmem_config_access(uint32_t n, uint32_t reg, int is_write, unsigned size,
                                             uint64_t *value)
{
    uint32_t pidx = hv_current_partition();
    /* ecam.c: n < nfn (else no device: all-ones), reg < PCI_CFG_SIZE; mmio.c: aligned to
     * size <= 4 */
    uint32_t dword = reg & ~3u, shift = 8 * (reg & 3);
    uint32_t bytes = size >= 4 ? BAR_ALL : ((1u << (8 * size)) - 1) << shift;

    n = (uint32_t)hv_index_nospec(n, hv_partitions[pidx].ivshmem.nfn);
    struct fn_state *s = &state[pidx].fn[n];
    hv_spin_lock(&state[pidx].lock);
    if (is_write)
        config_write32(pidx, n, s, dword, (uint32_t)*value << shift, bytes);
    else
        *value = (config_read32(pidx, n, s, dword) & bytes) >> shift;
    hv_spin_unlock(&state[pidx].lock);
    return HV_MMIO_HANDLED;
}

enum hv_mmio_result hv_ivshmem_regs_access(uint64_t off, int is_write, unsigned size,
                                           uint64_t *value)
{
    const struct hv_partition *p = hv_current_partition_config();
    uint32_t pidx = hv_current_partition();
    uint64_t n = off / REGS_PAGE, reg = off % REGS_PAGE;
    uint32_t r = 0, ring = 0;

    /* the rest of a function's page is no register: an access there is to no device */
    if (!presents(p, n) || reg >= IVSHMEM_REGS_SIZE)
        return HV_MMIO_NOT_MINE;
    if (size != 4) /* the registers are 32 bits wide, as in QEMU */
        return HV_MMIO_FAULT;
    n = hv_index_nospec(n, p->ivshmem.nfn);
    struct fn_state *s = &state[pidx].fn[n];
    hv_spin_lock(&state[pidx].lock);
    switch (reg) {
    case IVSHMEM_INTR_MASK:
        if (is_write) {
            s->intr_mask = (uint32_t)*value;
            update_line(pidx, (uint32_t)n, s);
        }
        r = s->intr_mask;
        break;
    case IVSHMEM_INTR_STATUS: /* a read returns and clears it (QEMU's model) */
        r = s->intr_status;
        s->intr_status = is_write ? (uint32_t)*value : 0;
        update_line(pidx, (uint32_t)n, s);
        break;
    case IVSHMEM_IV_POSITION:
        r = (p->ivshmem.ivposition >> n) & 1;
        break;
    case IVSHMEM_DOORBELL:
        ring = is_write;
        break;
    default:
        break;
    }
    hv_spin_unlock(&state[pidx].lock);
    /* Outside the lock: the peer's doorbell takes the peer's lock. An end without a doorbell
     * toward its peer ignores the write (hv_channel_ring refuses it). Generations are the
     * channel's, not this function's. */
    if (ring) {
        (void)hv_channel_ring(p, (uint32_t)n);
    } else if (reg == IVSHMEM_GENERATION || reg == IVSHMEM_PEER_GENERATION) {
        struct hv_channel_gen g;
        (void)hv_channel_state(pidx, (uint32_t)n, &g);
        r = reg == IVSHMEM_GENERATION ? g.generation : g.peer_generation;
    }
    if (!is_write)
        *value = r;
    return HV_MMIO_HANDLED;
}

void hv_ivshmem_doorbell(const struct hv_partition *p, uint32_t end)
{
    if (p < hv_partitions || p >= hv_partitions + HV_NPARTITIONS || !presents(p, end))
        return;
    uint32_t pidx = (uint32_t)(p - hv_partitions);
    struct fn_state *s = &state[pidx].fn[end];

    hv_spin_lock(&state[pidx].lock);
    s->intr_status = 1; /* QEMU sets it to 1: a pending bit, not a count */
    update_line(pidx, end, s);
    hv_spin_unlock(&state[pidx].lock);
}

void hv_ivshmem_reset(uint32_t pidx)
{
    if (pidx >= HV_NPARTITIONS)
        return;
    const struct hv_partition *p = &hv_partitions[pidx];

    hv_spin_lock(&state[pidx].lock);
    for (uint32_t n = 0; n < PCI_DEVICES_PER_BUS; n++) {
        state[pidx].fn[n] = (struct fn_state){0};
        if (presents(p, n) && end_of(p, n)->doorbell_intid) /* low, whatever was before */
            hv_vgic_set_level(pidx, end_of(p, n)->doorbell_intid, 0);
    }
    hv_spin_unlock(&state[pidx].lock);
}
