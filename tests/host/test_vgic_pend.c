/* SPDX-License-Identifier: Apache-2.0 */
/* hv_vgic_pend_virtual (hyp/gic/vgic.c), the pend behind a channel's doorbell: a flood costs
 * the receiver one pending bit and wakes only the vCPU the line targets, once per 0->1 of its
 * pending bit (a receiver's other vCPUs are not interrupted by someone else's doorbells). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "counting_lock.h" /* one thread: the distributor lock only has to balance */
#include "check.h"
#define HV_PTIMER_INTID 30      /* not in shim/hvcfg_config.h: only vgic.c needs it */
#include "vgic_lr_shim.h"

#include "../../hyp/gic/vgic.c"

#include "vgic_machine.h"
static unsigned kicks[HV_NCPUS];

void hv_gic_kick(uint32_t slot)
{
    if (slot < HV_NCPUS)
        kicks[slot]++;
}

#define DOORBELL 40

static void setup(void)
{
    memset(hv_vgic_dists, 0, sizeof hv_vgic_dists);
    memset(kicks, 0, sizeof kicks);
    memset((void *)hv_vgic_work, 0, sizeof hv_vgic_work);
    hv_vgic_dists[0].target[DOORBELL] = 1;      /* the doorbell targets vCPU 0 only */
    host_sysreg.tpidr_el2 = 7;                  /* the sender's CPU: not the receiver's */
}

TEST(a_flood_pends_once_and_kicks_the_target_once)
{
    setup();
    for (int i = 0; i < 1000; i++)
        CHECK(hv_vgic_pend_virtual(0, DOORBELL));
    EXPECT_EQ(hv_vgic_dists[0].pending[DOORBELL / 32], 1u << (DOORBELL % 32));
    EXPECT_EQ(kicks[0], 1u);
}

TEST(a_flood_does_not_interrupt_the_receivers_other_vcpus)
{
    setup();
    /* The receiver takes each doorbell as it comes (its flush moves the pending bit into a list
     * register): every ring is then a 0->1. Only vCPU 0, which the line targets, may be woken. */
    for (int i = 0; i < 100; i++) {
        CHECK(hv_vgic_pend_virtual(0, DOORBELL));
        hv_vgic_dists[0].pending[DOORBELL / 32] = 0;
    }
    EXPECT_EQ(kicks[0], 100u);
    EXPECT_EQ(kicks[1], 0u);
}

TEST(the_target_moved_to_vcpu_1_is_the_one_woken)
{
    setup();
    hv_vgic_dists[0].target[DOORBELL] = 2;
    CHECK(hv_vgic_pend_virtual(0, DOORBELL));
    EXPECT_EQ(kicks[0], 0u);
    EXPECT_EQ(kicks[1], 1u);
}

TEST(lines_it_may_not_pend_are_refused)
{
    setup();
    CHECK(!hv_vgic_pend_virtual(0, 31));
    CHECK(!hv_vgic_pend_virtual(0, 64));
    CHECK(!hv_vgic_pend_virtual(0, 1020));
    CHECK(!hv_vgic_pend_virtual(HV_NPARTITIONS, DOORBELL));
    EXPECT_EQ(kicks[0] + kicks[1], 0u);
}
