/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Emulated MMIO regions, per partition: each device model the configuration gives a partition
 * is registered once at boot with its base, size and handler, and a stage-2 data abort in a
 * region goes to its handler (hv_mmio_emulate). The table is written only by the boot CPU
 * before any partition runs; afterwards it is read-only.
 */
#include "hv/config.h"
#include "hv/console.h"
#include "hv/ivshmem.h"
#include "hv/mmio.h"
#include "hv/pci_regs.h"
#include "hv/sysreg.h"
#include "hv/vgic.h"
#include "hv/vuart.h"

#define DEVICE_PAGE 0x1000UL
/* Regions start and end on this boundary: an access (at most 4 bytes, naturally aligned:
 * hv_mmio_emulate) that starts in a region ends in it. */
#define ALIGN       8UL

/* A partition's regions, ended by one with no handler (the last entry is always that). The
 * rows have the stride of hv_partitions, so that the trap path finds partition p's row at p's
 * byte offset in hv_partitions, without dividing by sizeof(struct hv_partition). */
union mmio_table {
    struct hv_mmio_region region[HV_MMIO_MAX_REGIONS + 1];
    uint8_t stride[sizeof(struct hv_partition)];
};

_Static_assert(sizeof(union mmio_table) == sizeof(struct hv_partition),
               "a row of regions no larger than a partition's configuration");

static union mmio_table tables[HV_NPARTITIONS];

static const union mmio_table *table_of(const struct hv_partition *p)
{
    return (const union mmio_table *)((uintptr_t)tables +
                                      ((uintptr_t)p - (uintptr_t)hv_partitions));
}

/* [a, a + as) and [b, b + bs) intersect; neither wraps (checked at registration). */
static int overlaps(uint64_t a, uint64_t as, uint64_t b, uint64_t bs)
{
    return a - b < bs || b - a < as;
}

int hv_mmio_register(uint32_t pidx, uint64_t base, uint64_t size, hv_mmio_handler handler)
{
    if (pidx >= HV_NPARTITIONS || !handler || size == 0 || ((base | size) & (ALIGN - 1)) ||
        size - 1 > UINT64_MAX - base)
        return 0;
    struct hv_mmio_region *r = tables[pidx].region;
    uint32_t n = 0;
    for (; r[n].handler; n++)
        if (overlaps(base, size, r[n].base, r[n].size))
            return 0;
    if (n >= HV_MMIO_MAX_REGIONS)
        return 0;
    r[n] = (struct hv_mmio_region){base, size, handler};
    return 1;
}

/* The region of `table` that holds `ipa`, or NULL. Regions do not overlap (hv_mmio_register),
 * so there is at most one. */
static const struct hv_mmio_region *find(const union mmio_table *table, uint64_t ipa)
{
    for (const struct hv_mmio_region *r = table->region; r->handler; r++)
        if (ipa - r->base < r->size)    /* below the base it wraps: no base + size computed */
            return r;
    return NULL;
}

int hv_mmio_emulate(struct hv_regs *regs, uint64_t iss, uint64_t ipa, const struct hv_partition *p)
{
    if (!(iss & ISS_ISV))
        return 0;
    unsigned size = 1u << ISS_SAS(iss);
    unsigned rt = ISS_SRT(iss);
    int is_write = (iss & ISS_WNR) != 0;
    uint64_t value = is_write && rt != 31 ? regs->x[rt] : 0;

    /* Emulated registers are at most 32 bits and naturally aligned: anything else (a guest can
     * map the page as Normal memory and make unaligned accesses) is a fault, never an offset
     * the device models would have to bound themselves; with regions ALIGN-aligned, it lies
     * wholly inside the one region it starts in. */
    if (size == 8 || (ipa & (size - 1)))
        return 0;
    const struct hv_mmio_region *r = find(table_of(p), ipa);
    /* NOT_MINE from the device (it does not decode this offset) is no device: both faults */
    if (!r || r->handler(ipa - r->base, is_write, size, &value) != HV_MMIO_HANDLED)
        return 0;
    if (is_write)
        regs->elr += 4;
    else    /* a device model may leave bits above the access size: drop them */
        hv_mmio_complete_load(regs, iss, size, value & ((1UL << (8 * size)) - 1));
    return 1;
}

static void must_register(uint32_t pidx, uint64_t base, uint64_t size, hv_mmio_handler handler,
                          const char *what)
{
    /* Refused only for a configuration hvcfg rejects: the device stays unmapped (every access
     * a stage-2 fault), which fails closed. */
    if (!hv_mmio_register(pidx, base, size, handler))
        hv_log("partition %s: %s at 0x%lx not emulated (region refused)", hv_partitions[pidx].name,
               what, (unsigned long)base);
}

void hv_mmio_init(void)
{
    for (uint32_t i = 0; i < HV_NPARTITIONS; i++) {
        const struct hv_partition *p = &hv_partitions[i];
        must_register(i, p->vgic.gicd_ipa, DEVICE_PAGE, hv_vgic_dist_access, "GIC distributor");
#ifdef HV_HAS_VUART
        if (p->vuart.present)
            must_register(i, p->vuart.ipa, DEVICE_PAGE, hv_vuart_access, "virtual UART");
#endif
#ifdef HV_HAS_IVSHMEM
        /* nfn is at most one bus's devices: the pages below cannot wrap (registration checks) */
        if (p->ivshmem.nfn && p->ivshmem.nfn <= PCI_DEVICES_PER_BUS) {
            must_register(i, p->ivshmem.ecam_ipa, PCI_ECAM_BUS_SIZE, hv_ecam_access,
                          "PCI ECAM window");
            must_register(i, p->ivshmem.regs_ipa, p->ivshmem.nfn * DEVICE_PAGE,
                          hv_ivshmem_regs_access, "ivshmem registers");
        }
#endif
    }
}
