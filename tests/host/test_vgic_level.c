/* SPDX-License-Identifier: Apache-2.0 */
/* An emulated level line (hv_vgic_set_level: the ivshmem INTx, the virtual UART) as a peer's
 * doorbell flood drives it: red team 4 found that every set_level(1) kicked every CPU of the
 * partition, even with the line already high and waiting, so that a peer ringing a Linux end
 * whose IntrMask is set cost that partition one EL2 entry per ring (the contract: a flood costs
 * the receiver at most one pending interrupt). Only the list-register-free half of vgic.c runs
 * here: set_level and the work marks. */
#include <string.h>

#include "check.h"

#include "counting_lock.h"

#include "vgic_lr_shim.h"

#include "../../hyp/gic/vgic.c"
#include "vgic_machine.h"

static int kicks;
void hv_gic_kick(uint32_t slot)
{
    kicks++;
}

/* A doorbell flood into a line that is already high, with the receiver's vCPU flushing between
 * the rings as it does on every return to the guest: the flush moves the copy into a list
 * register (consuming `level`), so "was it waiting already" said no to each further ring and
 * each one kicked every vCPU of the partition (1000 rings: 2000 kicks). A line that stays high
 * is no news: the vGIC samples it again when the copy leaves the list register. */
TEST(a_line_held_high_by_a_flood_kicks_once)
{
    struct vgic_dist *d = &hv_vgic_dists[0];

    memset(hv_vgic_dists, 0, sizeof(hv_vgic_dists));
    memset(fake_gich, 0, sizeof(fake_gich));
    memset((void *)hv_vgic_work, 0, sizeof(hv_vgic_work));
    d->ctlr = 1;
    d->enabled[1] = 1u << 8;            /* SPI 40 */
    d->target[40] = 2;                  /* vCPU 1 */
    hv_vgic_cpus[1].lrs = 0xf;
    kicks = 0;
    for (int i = 0; i < 1000; i++) {
        host_sysreg.tpidr_el2 = 5;      /* the ringing CPU: none of the partition's */
        hv_vgic_set_level(0, 40, 1);    /* each doorbell while IntrStatus & IntrMask */
        host_sysreg.tpidr_el2 = 1;      /* vCPU 1 returns to its guest */
        fake_gich[GICH_ELRSR0 / 4] = fake_gich[GICH_LR(0) / 4] ? 0xe : 0xf;
        hv_vgic_work[1] = 1;
        hv_vgic_flush();
    }
    EXPECT_EQ(kicks, 1);                /* the line rose once; only its target is kicked */
    EXPECT_EQ(fake_gich[GICH_LR(0) / 4] & (LR_STATE | LR_EOI | 0x3ff), LR_PENDING | LR_EOI | 40);
    EXPECT_EQ(d->line[1], 1u << 8);
    EXPECT_EQ(d->level[1], 0);          /* in the list register, not waiting twice */
    /* the guest deactivates it, the line still high: the maintenance interrupt samples it
     * again, with no call from the device model */
    fake_gich[GICH_LR(0) / 4] = 0;
    fake_gich[GICH_ELRSR0 / 4] = 0xf;
    fake_gich[GICH_HCR / 4] = HCR_EN;
    fake_gich[GICH_MISR / 4] = MISR_EOI;
    fake_gich[GICH_EISR0 / 4] = 1;
    hv_vgic_maintenance();
    EXPECT_EQ(d->level[1], 1u << 8);
    hv_vgic_flush();
    EXPECT_EQ(fake_gich[GICH_LR(0) / 4] & (LR_STATE | 0x3ff), LR_PENDING | 40);
    /* low, then high again: a new interrupt, one kick */
    host_sysreg.tpidr_el2 = 5;
    hv_vgic_set_level(0, 40, 0);
    EXPECT_EQ(d->level[1], 0);
    EXPECT_EQ(d->line[1], 0);
    kicks = 0;
    hv_vgic_set_level(0, 40, 1);
    EXPECT_EQ(kicks, 1);
    CHECK(lock_errors == 0);
}

/* A level line's copy sits pending in vCPU 1's list registers when vCPU 1 goes off (PSCI
 * CPU_OFF: Linux takes a CPU offline with its interrupts masked, after moving their targets):
 * the line is still high, so the SPI must reach the vCPU that remains, as a GIC's pending state
 * outlives a CPU interface. hv_vgic_vcpu_stop dropped the copy with `level` already consumed:
 * the interrupt was lost until the device lowered and raised its line again (a uio_pci_generic
 * end waited for good unless the peer rang again). An edge SPI (a doorbell into a bare-metal
 * partition) pending in the dropped list register was lost the same way. */
TEST(an_spi_pending_in_a_stopped_vcpu_goes_to_another)
{
    struct vgic_dist *d = &hv_vgic_dists[0];

    memset(hv_vgic_dists, 0, sizeof(hv_vgic_dists));
    memset(fake_gich, 0, sizeof(fake_gich));
    d->ctlr = 1;
    d->enabled[1] = (1u << 8) | (1u << 9);           /* SPIs 40 (level) and 41 (edge) */
    d->target[40] = d->target[41] = 2;               /* vCPU 1 */
    hv_vgic_cpus[0].lrs = hv_vgic_cpus[1].lrs = 0xf;
    fake_gich[GICH_VTR / 4] = 3;
    host_sysreg.tpidr_el2 = 1;                       /* vCPU 1's CPU */
    /* one at a time: the fake ELRSR0 does not follow the list registers by itself */
    fake_gich[GICH_ELRSR0 / 4] = 0xf;
    hv_vgic_set_level(0, 40, 1);
    hv_vgic_flush();
    fake_gich[GICH_ELRSR0 / 4] = 0xe;
    CHECK(hv_vgic_pend_virtual(0, 41));
    hv_vgic_flush();
    fake_gich[GICH_ELRSR0 / 4] = 0xc;
    EXPECT_EQ(fake_gich[GICH_LR(0) / 4] & (LR_STATE | 0x3ff), LR_PENDING | 40);
    EXPECT_EQ(fake_gich[GICH_LR(1) / 4] & (LR_STATE | 0x3ff), LR_PENDING | 41);
    EXPECT_EQ(d->level[1] | d->pending[1], 0);       /* both in the list registers now */
    /* the guest moves them to vCPU 0, then vCPU 1 goes off without taking them */
    d->target[40] = d->target[41] = 1;
    kicks = 0;
    hv_vgic_vcpu_stop();
    EXPECT_EQ(fake_gich[GICH_LR(0) / 4] | fake_gich[GICH_LR(1) / 4], 0);
    /* both wait in the distributor again, and vCPU 0's CPU is told */
    EXPECT_EQ(d->level[1], 1u << 8);
    EXPECT_EQ(d->pending[1], 1u << 9);
    CHECK(kicks > 0 || hv_vgic_work[0]);
    CHECK(lock_errors == 0);
}

/* A copy carrying LR_EOI is not always a level line's: place() sets it on an ISPENDR copy a
 * level merged into (the line may be low again by now) and on a hardware line's software copy
 * that the physical interrupt waits behind. hv_vgic_vcpu_stop took every LR_EOI copy for a
 * level line's and sampled the line: a guest's pending ISPENDR interrupt was lost. It now goes
 * through the same lr_to_dist as an eviction. */
TEST(a_pending_copy_with_eoi_outlives_its_vcpu)
{
    struct vgic_dist *d = &hv_vgic_dists[0];

    memset(hv_vgic_dists, 0, sizeof(hv_vgic_dists));
    memset(fake_gich, 0, sizeof(fake_gich));
    hv_vgic_cpus[1].lrs = 0xf;
    fake_gich[GICH_VTR / 4] = 3;
    host_sysreg.tpidr_el2 = 1;
    fake_gich[GICH_LR(0) / 4] = LR_PENDING | LR_EOI | 42;  /* ISPENDR copy, level merged, low */
    fake_gich[GICH_LR(1) / 4] = LR_ACTIVE | LR_EOI | 43;   /* a level copy taken, line high */
    fake_gich[GICH_LR(2) / 4] = LR_PENDING | LR_EOI | 44;  /* a level copy, line high */
    fake_gich[GICH_ELRSR0 / 4] = 0x8;
    d->line[1] = (1u << 11) | (1u << 12);
    hv_vgic_vcpu_stop();
    EXPECT_EQ(d->pending[1], 1u << 10);
    EXPECT_EQ(d->level[1], (1u << 11) | (1u << 12));
    EXPECT_EQ(fake_gich[GICH_LR(0) / 4] | fake_gich[GICH_LR(1) / 4] | fake_gich[GICH_LR(2) / 4], 0);
    CHECK(lock_errors == 0);
}
