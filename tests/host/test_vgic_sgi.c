/* SPDX-License-Identifier: Apache-2.0 */
/* A vCPU's pending SGIs across its stop and start (hyp/gic/vgic.c hv_vgic_vcpu_stop/_start,
 * vgic_dist.c vgic_cpu_reset and hv_vgic_partition_reset). GICv2 keeps an SGI pending in the
 * distributor for a CPU interface that is off and delivers it when it comes up: a sibling's SGI
 * sent between a vCPU's PSCI CPU_ON and its first entry, or while it is off, must reach it, and
 * so must one its list registers held merely pending when it stopped. They are the partition's
 * incarnation's: a load (hv_vgic_partition_reset) drops them, so none reaches the next one. */
#include <string.h>

#include "check.h"

#include "counting_lock.h"

#define VGIC_LR_SHIM_WITH_DIST
#include "vgic_lr_shim.h"

#include "../../hyp/gic/vgic.c"
#include "../../hyp/gic/vgic_dist.c"

#include "vgic_machine.h"

static unsigned kicks[HV_NCPUS];
void hv_gic_kick(uint32_t slot)
{
    if (slot < HV_NCPUS)
        kicks[slot]++;
}

/* What vgic_dist.c calls besides: no hardware lines in this partition. */
void hv_gic_route(uint32_t intid, uint32_t slot)
{
}
void hv_gic_set_edge(uint32_t intid, int edge)
{
}
uint32_t hv_gic_pending_word(uint32_t word)
{
    return 0;
}
uint32_t hv_gic_active_word(uint32_t word)
{
    return 0;
}
int hv_mmio_emulate(struct hv_regs *regs, uint64_t iss, uint64_t ipa, const struct hv_partition *p)
{
    return 0;
}

#define LR(n)  fake_gich[GICH_LR(n) / 4]
#define ELRSR0 fake_gich[GICH_ELRSR0 / 4]
#define SGI(n) (1u << (n))

static void on_cpu(uint32_t slot)
{
    host_sysreg.tpidr_el2 = slot;
}

/* A guest's word write to its distributor from the vCPU on CPU `slot`. */
static void gicd_write(uint32_t slot, uint32_t off, uint32_t value)
{
    uint64_t v = value;

    on_cpu(slot);
    CHECK(hv_vgic_dist_access(off, 1, 4, &v) == HV_MMIO_HANDLED);
}

/* The partition as a load leaves it, vCPU 0 running with its distributor on, vCPU 1 off
 * (stopped: its CPU went through hv_cpu_idle). */
static void load(void)
{
    memset(hv_vgic_dists, 0, sizeof(hv_vgic_dists));
    memset(hv_vgic_cpus, 0, sizeof(hv_vgic_cpus));
    memset(fake_gich, 0, sizeof(fake_gich));
    memset((void *)hv_vgic_work, 0, sizeof(hv_vgic_work));
    memset(kicks, 0, sizeof(kicks));
    fake_gich[GICH_VTR / 4] = 3; /* 4 list registers */
    ELRSR0 = 0xf;
    for (uint32_t p = 0; p < HV_NPARTITIONS; p++)
        hv_vgic_partition_reset(p);
    on_cpu(0);
    hv_vgic_vcpu_start();
    gicd_write(0, GICD_CTLR, 1);
    on_cpu(1);
    hv_vgic_vcpu_stop();
}

/* The pending SGIs of the vCPU on `slot`, a bit each, and their sources' union. */
static uint32_t sgis(uint32_t slot)
{
    return hv_vgic_cpus[slot].pending & 0xffffu;
}

static uint32_t sources(uint32_t slot)
{
    uint32_t all = 0;
    for (uint32_t i = 0; i < 16; i++)
        all |= hv_vgic_cpus[slot].sgi_src[i];
    return all;
}

/* vCPU 0 sends SGI 3 to vCPU 1 while it is off (after its CPU_ON, before its first entry): it
 * waits, kicks the idle CPU (harmless: it finds nothing to enter), and goes into a list
 * register as vCPU 1 starts, from source vCPU 0. Before the fix the start's reset dropped it. */
TEST(an_sgi_sent_to_a_vcpu_that_is_off_is_delivered_when_it_starts)
{
    load();
    memset(kicks, 0, sizeof(kicks));
    gicd_write(0, GICD_SGIR, (2u << 16) | 3);
    EXPECT_EQ(sgis(1), SGI(3));
    EXPECT_EQ(hv_vgic_cpus[1].sgi_src[3], 1u);
    EXPECT_EQ(kicks[1], 1u);
    on_cpu(1);
    hv_vgic_vcpu_stop(); /* a later idle pass (CPU_OFF, a restart of the loop) keeps it too */
    EXPECT_EQ(sgis(1), SGI(3));
    ELRSR0 = 0xf;
    hv_vgic_vcpu_start();
    /* flushed at the entry itself: no trap of the guest needed */
    EXPECT_EQ(LR(0) & (LR_STATE | LR_HW | (7u << 10) | 0x3ffu), LR_PENDING | (0u << 10) | 3u);
    EXPECT_EQ(sgis(1), 0u);
    EXPECT_EQ(sources(1), 0u);
    CHECK(lock_errors == 0);
}

/* vCPU 1 runs and stops (CPU_OFF) with SGIs in its list registers: SGI 4 merely pending, SGI 9
 * active and pending again, SGI 2 only active (its handler runs), a virtual PPI pending. The
 * pending SGIs go back to the distributor with their source, kept for its next start; the
 * active one and the PPI end with the run. */
TEST(an_sgi_pending_in_a_list_register_at_stop_comes_back)
{
    load();
    on_cpu(1);
    ELRSR0 = 0xf;
    hv_vgic_vcpu_start();
    LR(0) = lr_value(4, 0, 0xa0, 0, 0);
    LR(1) = (lr_value(2, 0, 0xa0, 0, 0) & ~LR_STATE) | LR_ACTIVE;
    LR(2) = lr_value(9, 0, 0xa0, 0, 0) | LR_ACTIVE;
    LR(3) = lr_value(20, 0, 0xa0, 0, 0);
    ELRSR0 = 0;
    hv_vgic_vcpu_stop();
    EXPECT_EQ(sgis(1), SGI(4) | SGI(9));
    EXPECT_EQ(hv_vgic_cpus[1].sgi_src[4], 1u);
    EXPECT_EQ(hv_vgic_cpus[1].sgi_src[9], 1u);
    EXPECT_EQ(hv_vgic_cpus[1].sgi_src[2], 0u);
    EXPECT_EQ(hv_vgic_cpus[1].pending & ~0xffffu, 0u); /* the PPI: dropped */
    for (uint32_t n = 0; n < 4; n++)
        EXPECT_EQ(LR(n), 0u);
    /* the next start puts them into list registers (this fake ELRSR0 does not follow the
     * writes, so each lands in list register 0: what matters is that both left the records) */
    ELRSR0 = 0xf;
    hv_vgic_vcpu_start();
    EXPECT_EQ(sgis(1), 0u);
    EXPECT_EQ(sources(1), 0u);
    EXPECT_EQ(LR(0) & (LR_STATE | 0x3f0u), LR_PENDING);
    CHECK(lock_errors == 0);
}

/* The partition is loaded again (a restart): every SGI its old incarnation left pending for
 * any of its vCPUs, sent while the target was off or put back at its stop, is dropped, and the
 * restarted vCPU starts with empty list registers. Another partition's reset touches none. */
TEST(a_load_drops_every_sgi_of_the_old_incarnation)
{
    load();
    gicd_write(0, GICD_SGIR, (2u << 16) | 3);       /* to vCPU 1, which is off */
    gicd_write(0, GICD_SGIR, (2u << 24) | 7);       /* to itself */
    on_cpu(0);
    LR(0) = lr_value(11, 1, 0xa0, 0, 0);            /* from vCPU 1, not taken yet */
    ELRSR0 = 0xe;
    hv_vgic_vcpu_stop();                            /* the restart stops vCPU 0 too */
    EXPECT_EQ(sgis(1), SGI(3));
    EXPECT_EQ(sgis(0), SGI(7) | SGI(11));

    hv_vgic_partition_reset(1);                     /* not its partition */
    EXPECT_EQ(sgis(1), SGI(3));
    EXPECT_EQ(sgis(0), SGI(7) | SGI(11));

    hv_vgic_partition_reset(0);
    for (uint32_t slot = 0; slot < 2; slot++) {
        EXPECT_EQ(sgis(slot), 0u);
        EXPECT_EQ(sources(slot), 0u);
    }
    for (uint32_t slot = 0; slot < 2; slot++) {
        on_cpu(slot);
        ELRSR0 = 0xf;
        hv_vgic_vcpu_start();
        EXPECT_EQ(LR(0), 0u);
    }
    CHECK(lock_errors == 0);
}

/* Not an SGI, the same rule: a passed-through SPI that an idle CPU of the partition (vCPU 1's,
 * off) acknowledges around a stop of the partition (the restart's reset) must not reach the
 * next incarnation (red teams 9 to 12). The idle CPU reads GICC_IAR under the partition's
 * acknowledge lock, drops the priority, and records the SPI before releasing it; the stop holds
 * that lock too, so it comes wholly before the acknowledge or wholly after the record (and then
 * clears it). The guest's distributor lock is not held while it acknowledges. */
static unsigned acks, eois;

static void on_ack(void)
{
    acks++;
    EXPECT_EQ(hv_vgic_dists[0].ack_lock.held, 1);
    EXPECT_EQ(hv_vgic_dists[0].lock.held, 0);
}

static unsigned syncs;
static void stop_holds_the_acknowledge_lock(void)
{
    syncs++;
    EXPECT_EQ(hv_vgic_dists[0].ack_lock.held, 1);
}

static void on_eoi(void) /* the priority drop, before the record */
{
    eois++;
    EXPECT_EQ(hv_vgic_dists[0].hw_pending[1], 0u);
}

TEST(an_spi_acknowledged_by_an_idle_cpu_is_recorded_under_the_lock_a_stop_takes)
{
    const uint32_t spi = 40, w = spi / 32, m = 1u << (spi % 32);
    int recorded;

    load();
    on_cpu(1);
    shim_iar = spi;
    shim_on_ack = on_ack;
    shim_on_eoi = on_eoi;
    EXPECT_EQ(hv_vgic_idle_ack(&recorded), spi);
    EXPECT_EQ(recorded, 1);
    EXPECT_EQ(acks, 1u);
    EXPECT_EQ(eois, 1u);
    EXPECT_EQ(hv_vgic_dists[0].hw_pending[w] & m, m);
    EXPECT_EQ(hv_vgic_dists[0].ack_lock.held, 0);

    /* The stop after the record: nothing left for the next incarnation; it holds the
     * acknowledge lock until its writes have reached the GIC (red team 13: the test passed with
     * the stop's lock removed). */
    shim_on_sync = stop_holds_the_acknowledge_lock;
    hv_vgic_partition_reset(0);
    EXPECT_EQ(syncs, 1u);
    EXPECT_EQ(hv_vgic_dists[0].hw_pending[w], 0u);
    shim_on_sync = 0;

    /* Not the partition's (a kick here): dropped, left to the caller, nothing recorded. */
    shim_iar = 0;
    EXPECT_EQ(hv_vgic_idle_ack(&recorded), 0u);
    EXPECT_EQ(recorded, 0);
    EXPECT_EQ(eois, 2u);
    shim_iar = 1023; /* nothing pending: no priority drop */
    EXPECT_EQ(hv_vgic_idle_ack(&recorded), 1023u);
    EXPECT_EQ(eois, 2u);
    shim_on_ack = 0;
    shim_on_eoi = 0;
    CHECK(lock_errors == 0);
}
