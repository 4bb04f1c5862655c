/* SPDX-License-Identifier: Apache-2.0 */
/* hv_vgic_flush's shortcut (hyp/gic/vgic.c, flush_one: one waiting interrupt, every list
 * register empty, straight into list register 0) against the full pass (flush_pass) it stands
 * in for: from the same random distributor and vCPU state, whenever the shortcut takes the
 * case, both must leave the same list registers, the same software state and the same answer
 * (the underflow request). Random states cover SGIs with several sources, timer PPIs held at
 * EL2, level lines, hardware SPIs, active and disabled lines, priorities, SPI targets naming
 * either vCPU or none, and the distributor off. */
#include <string.h>

#include "check.h"

#include "counting_lock.h"

#include "vgic_lr_shim.h"

#include "../../hyp/gic/vgic.c"
#include "vgic_machine.h"

void hv_gic_kick(uint32_t slot)
{
}

static uint64_t seed = 0x9e3779b97f4a7c15ull;
static uint32_t rnd(void)
{
    seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
    return (uint32_t)(seed >> 16);
}

/* None (most often), one or two bits of 32: so that one waiting interrupt is common. */
static uint32_t sparse(uint32_t allowed)
{
    uint32_t v = 0;

    for (uint32_t n = rnd() % 8 < 6 ? 0 : 1 + rnd() % 2; n; n--)
        v |= 1u << (rnd() % 32);
    return v & allowed;
}

static void random_state(uint32_t slot)
{
    struct vgic_dist *d = &hv_vgic_dists[0];
    struct vgic_cpu *vc = &hv_vgic_cpus[slot];

    memset(d, 0, sizeof(*d));
    memset(vc, 0, sizeof(*vc));
    d->ctlr = rnd() % 8 != 0;
    d->enabled[1] = rnd() % 4 ? ~0u : sparse(~0u);
    d->pending[1] = sparse(~0u);
    d->level[1] = sparse(~0u);
    d->hw_pending[1] = sparse(~0u);
    d->active[1] = sparse(~0u);
    for (uint32_t i = 0; i < HV_GIC_LINES; i++) {
        d->priority[i] = (uint8_t)(rnd() & VGIC_PRIO_MASK);
        d->target[i] = (uint8_t)(rnd() % 4);   /* none, vCPU 0, vCPU 1, both */
    }
    vc->lrs = 0xf;
    vc->enabled = rnd() % 4 ? ~0u : 0xffffu | sparse(~0xffffu);
    vc->active = sparse(~0u);
    vc->hw_pending = sparse(VGIC_HW_PPIS);
    vc->pending = sparse(0xffff0000u & ~VGIC_HW_PPIS);
    for (uint32_t i = 0; i < 16; i++) {
        vc->sgi_src[i] = rnd() % 40 ? 0 : (uint8_t)(1 + rnd() % 3); /* one or two sources */
        vc->pending |= vc->sgi_src[i] ? 1u << i : 0;
    }
    for (uint32_t i = 0; i < 32; i++)
        vc->priority[i] = (uint8_t)(rnd() & VGIC_PRIO_MASK);
    memset(fake_gich, 0, sizeof(fake_gich));
    fake_gich[GICH_ELRSR0 / 4] = 0xf;                /* every list register empty */
}

TEST(the_shortcut_leaves_what_the_pass_leaves)
{
    static struct vgic_dist d0;
    static struct vgic_cpu vc0;
    static uint32_t gich0[0x200 / 4];
    unsigned taken = 0, placed_one = 0, declined = 0;

    for (int round = 0; round < 20000; round++) {
        uint32_t slot = rnd() % 2, self = 1u << hv_cpus[slot].vcpu;
        struct vgic_dist *d = &hv_vgic_dists[0];
        struct vgic_cpu *vc = &hv_vgic_cpus[slot];

        random_state(slot);
        d0 = *d, vc0 = *vc;
        int fast = flush_one(vc, d, self, 2);
        if (fast < 0) {
            declined++;                 /* hv_vgic_flush runs the pass: nothing to compare */
            continue;
        }
        taken++;
        placed_one += fake_gich[GICH_LR(0) / 4] != 0;
        struct vgic_dist d1 = *d;
        struct vgic_cpu vc1 = *vc;
        memcpy(gich0, fake_gich, sizeof(gich0));
        /* the same start, through the pass */
        *d = d0, *vc = vc0;
        memset(fake_gich, 0, sizeof(fake_gich));
        fake_gich[GICH_ELRSR0 / 4] = 0xf;
        int full = flush_pass(vc, d, self, 2);
        EXPECT_EQ(full, fast);
        for (uint32_t n = 0; n < 4; n++)
            EXPECT_EQ(fake_gich[GICH_LR(n) / 4], gich0[GICH_LR(n) / 4]);
        CHECK(memcmp(d, &d1, sizeof(d1)) == 0);
        CHECK(memcmp(vc, &vc1, sizeof(vc1)) == 0);
    }
    /* every kind of outcome happened */
    CHECK(taken > 1000);
    CHECK(placed_one > 500);
    CHECK(declined > 1000);
}

/* The pass takes over whatever the shortcut does not decide: two waiting interrupts, or a list
 * register in use (it may hold a copy of the one waiting). */
TEST(the_shortcut_declines_two_interrupts_or_a_list_register_in_use)
{
    struct vgic_dist *d = &hv_vgic_dists[0];
    struct vgic_cpu *vc = &hv_vgic_cpus[0];

    random_state(0);
    memset(d->pending, 0, sizeof(d->pending));
    memset(d->level, 0, sizeof(d->level));
    memset(d->hw_pending, 0, sizeof(d->hw_pending));
    memset(d->active, 0, sizeof(d->active));
    vc->pending = vc->hw_pending = vc->active = 0;
    memset(vc->sgi_src, 0, sizeof(vc->sgi_src));
    d->ctlr = 1;
    d->enabled[1] = ~0u;
    d->target[40] = d->target[41] = 1;
    d->pending[1] = 1u << 8;
    fake_gich[GICH_ELRSR0 / 4] = 0xe;               /* list register 0 in use */
    EXPECT_EQ(flush_one(vc, d, 1, 2), -1);
    EXPECT_EQ(d->pending[1], 1u << 8);              /* untouched */
    fake_gich[GICH_ELRSR0 / 4] = 0xf;
    d->pending[1] |= 1u << 9;
    EXPECT_EQ(flush_one(vc, d, 1, 2), -1);
    d->pending[1] = 1u << 8;
    EXPECT_EQ(flush_one(vc, d, 1, 2), 0);
    EXPECT_EQ(fake_gich[GICH_LR(0) / 4] & (LR_STATE | 0x3ff), LR_PENDING | 40);
    EXPECT_EQ(d->pending[1], 0);
    CHECK(lock_errors == 0);
}
