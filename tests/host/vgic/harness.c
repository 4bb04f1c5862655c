/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Host harness for tests/test_vgic_model.py: hyp/gic/vgic_dist.c, the hypervisor's virtual
 * distributor, compiled for the host with a simulated physical distributor and empty list
 * registers. Reads commands on stdin, one per line, and answers each on stdout:
 *   reset                      every partition and vCPU from its reset state
 *   r SLOT OFFSET SIZE         a read from the vCPU on CPU SLOT: the value in hex, or "refused"
 *   w SLOT OFFSET SIZE VALUE   a write: "ok" or "refused"
 * The simulated physical distributor exits with status 3 when the emulation touches an
 * interrupt the accessing partition does not own in hardware, or another CPU's banked PPIs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hv/config.h"
#include "hv/gic.h"
#include "hv/vgic.h"
#include "vgic_internal.h"

#define W(intid) [(intid) / 32] = 1u << ((intid) % 32)

const struct hv_partition hv_partitions[HV_NPARTITIONS] = {
    {.name = "three",
     .nvcpus = 3,
     .cpu_slot = {0, 1, 2},
     .vgic = {.nlines = 96, .typer = 2 | (2 << 5), .hw = {[1] = 1u << 8, [2] = 1u << 6}}},
    {.name = "uni",
     .nvcpus = 1,
     .cpu_slot = {3},
     .vgic = {.nlines = 64, .typer = 1, .hw = {W(33)}}},
};
const struct hv_cpu hv_cpus[HV_NCPUS] = {{0, 0, 0}, {0, 0, 1}, {0, 0, 2}, {0, 1, 0}};

uint32_t host_slot;
volatile uint32_t hv_vgic_work[HV_NCPUS];

/* ---- the simulated physical distributor ------------------------------------------------- */

static struct {
    uint32_t enabled[32], pending[32], active[32];     /* word 0: banked, see ppi */
    uint32_t ppi_enabled[HV_NCPUS], ppi_pending[HV_NCPUS], ppi_active[HV_NCPUS];
    uint8_t target[1024];
} phys;

static void foreign(const char *what, uint32_t word, uint32_t bits)
{
    printf("FOREIGN %s word %u bits %#x from CPU %u\n", what, word, bits, host_slot);
    exit(3);
}

/* The bits of `word` the accessing CPU's partition owns in hardware. */
static uint32_t owned(uint32_t word)
{
    const struct hv_partition *p = &hv_partitions[hv_cpus[host_slot].partition];
    if (word == 0)
        return VGIC_HW_PPIS;
    return word < VGIC_WORDS ? p->vgic.hw[word] : 0;
}

static uint32_t *bank(uint32_t *spi, uint32_t *ppi, uint32_t word)
{
    return word == 0 ? &ppi[host_slot] : &spi[word];
}

static void update(const char *what, uint32_t *spi, uint32_t *ppi, uint32_t word, uint32_t bits,
                   int set)
{
    if (word >= 32 || (bits & ~owned(word)))
        foreign(what, word, bits);
    uint32_t *r = bank(spi, ppi, word);
    *r = set ? *r | bits : *r & ~bits;
}

void hv_gic_set_enabled(uint32_t intid, int enabled)
{
    update("enable", phys.enabled, phys.ppi_enabled, intid / 32, 1u << (intid % 32), enabled);
}

void hv_gic_route(uint32_t intid, uint32_t slot)
{
    if (intid < 32 || !(owned(intid / 32) & (1u << (intid % 32))))
        foreign("route", intid / 32, 1u << (intid % 32));
    const struct hv_partition *p = &hv_partitions[hv_cpus[host_slot].partition];
    int mine = 0;
    for (uint32_t v = 0; v < p->nvcpus; v++)
        mine |= p->cpu_slot[v] == slot;
    if (!mine)
        foreign("route to another partition's CPU", intid / 32, slot);
    phys.target[intid] = (uint8_t)(1u << slot);
}

uint32_t hv_gic_pending_word(uint32_t word)
{
    return word < 32 ? *bank(phys.pending, phys.ppi_pending, word) : 0;
}

uint32_t hv_gic_active_word(uint32_t word)
{
    return word < 32 ? *bank(phys.active, phys.ppi_active, word) : 0;
}

void hv_gic_pend_word(uint32_t word, uint32_t bits, int pend)
{
    if (bits)
        update("pend", phys.pending, phys.ppi_pending, word, bits, pend);
}

void hv_gic_activate_word(uint32_t word, uint32_t bits, int active)
{
    if (bits)
        update("activate", phys.active, phys.ppi_active, word, bits, active);
}

void hv_gic_clear_active(uint32_t intid)
{
    hv_gic_activate_word(intid / 32, 1u << (intid % 32), 0);
}

void hv_gic_sync(void)
{
}

void hv_gic_set_edge(uint32_t intid, int edge)
{
    if (intid < 32 || !(owned(intid / 32) & (1u << (intid % 32))))
        foreign("configure", intid / 32, 1u << (intid % 32));
    (void)edge;
}

void hv_gic_kick(uint32_t slot)
{
    (void)slot;
}

/* ---- the list-register side (vgic.c): no list register holds anything here ---------------- */

void vgic_mark_work(uint32_t slot)
{
    hv_vgic_work[slot] = 1;
}

void vgic_mark_partition(const struct hv_partition *p)
{
    for (uint32_t v = 0; v < p->nvcpus; v++)
        vgic_mark_work(p->cpu_slot[v]);
}

void vgic_lr_bits(uint32_t word, uint32_t *pending, uint32_t *active)
{
    (void)word;
    *pending = *active = 0;
}

void vgic_lr_clear(uint32_t word, uint32_t bits, uint32_t state)
{
    (void)word, (void)bits, (void)state;
}

int hv_mmio_emulate(struct hv_regs *regs, uint64_t iss, uint64_t ipa, const struct hv_partition *p)
{
    (void)regs, (void)iss, (void)ipa, (void)p;
    return 0;
}

void hv_mmio_complete_load(struct hv_regs *regs, uint64_t iss, unsigned size, uint64_t value)
{
    (void)regs, (void)iss, (void)size, (void)value;
}

static int locks_held;
static const hv_spinlock_t *outer;     /* the lock held when locks_held is 1 */

/* The one nesting the vGIC has: a partition's distributor lock inside its acknowledge lock
 * (hv_vgic_partition_stop; docs/architecture.md, "Locks"). */
static int may_nest(const hv_spinlock_t *in, const hv_spinlock_t *l)
{
    for (uint32_t p = 0; p < HV_NPARTITIONS; p++)
        if (in == &hv_vgic_dists[p].ack_lock && l == &hv_vgic_dists[p].lock)
            return 1;
    return 0;
}

void host_lock(hv_spinlock_t *l)
{
    if (l->held++ || (locks_held && !(locks_held == 1 && may_nest(outer, l))))
        foreign("lock taken twice", 0, 0);
    if (locks_held++ == 0)
        outer = l;
}

void host_unlock(hv_spinlock_t *l)
{
    if (!l->held-- || !locks_held--)
        foreign("lock released but not held", 0, 0);
}

/* ---- commands --------------------------------------------------------------------------- */

static void reset(void)
{
    memset(&phys, 0, sizeof(phys));
    for (uint32_t pi = 0; pi < HV_NPARTITIONS; pi++) {
        host_slot = hv_partitions[pi].cpu_slot[0];
        hv_vgic_partition_reset(pi);
    }
    for (uint32_t s = 0; s < HV_NCPUS; s++)
        vgic_cpu_reset(&hv_vgic_cpus[s]);
}

int main(void)
{
    char line[128];

    reset();
    while (fgets(line, sizeof(line), stdin)) {
        unsigned slot, off, size;
        unsigned long long value = 0;
        char op;

        if (strncmp(line, "reset", 5) == 0) {
            reset();
            printf("ok\n");
            continue;
        }
        int n = sscanf(line, "%c %u %x %u %llx", &op, &slot, &off, &size, &value);
        if (n < 4 || slot >= HV_NCPUS || off >= 0x1000 || (op != 'r' && op != 'w')) {
            printf("bad command\n");
            return 2;
        }
        host_slot = slot;
        uint64_t v = value;
        int ok = hv_vgic_dist_access(off, op == 'w', size, &v);
        if (locks_held)
            foreign("lock left held", 0, 0);
        if (!ok)
            printf("refused\n");
        else if (op == 'r')
            printf("%llx\n", (unsigned long long)v);
        else
            printf("ok\n");
    }
    return 0;
}
