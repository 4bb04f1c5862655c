/* SPDX-License-Identifier: Apache-2.0 */
/* Guest buffers (hyp/core/guestmem.c): a range a guest passes is copied only when it lies wholly
 * in one readable RAM region of its own partition, whatever the sums of its values would do. */
#include <string.h>

#include "check.h"
#include "../../hyp/core/guestmem.c"

static uint8_t ram0[0x2000], ram1[0x1000];

static const struct hv_region regions[] = {
    {.ipa = 0x40000000, .size = sizeof(ram0), .readable = 1},
    {.ipa = 0xfffffffffffff000UL, .size = sizeof(ram1), .readable = 1},   /* ends at 2^64 */
    {.ipa = 0x50000000, .size = 0x1000, .readable = 0},                   /* not readable */
};

/* The partition the test's CPU runs: its RAM regions point at host buffers. */
static struct hv_region ram[3];
const struct hv_partition hv_partitions[HV_NPARTITIONS] = {{.name = "p", .ram = ram, .nram = 3}};
const struct hv_cpu hv_cpus[HV_NCPUS] = {{.partition = 0}, {.partition = 0}};

static void setup(void)
{
    memcpy(ram, regions, sizeof(ram));
    ram[0].pa = (uint64_t)(uintptr_t)ram0;
    ram[1].pa = (uint64_t)(uintptr_t)ram1;
    ram[2].pa = (uint64_t)(uintptr_t)ram0;
    for (unsigned i = 0; i < sizeof(ram0); i++)
        ram0[i] = (uint8_t)i;
    memset(ram1, 0xab, sizeof(ram1));
}

TEST(inside_a_region_is_copied)
{
    uint8_t buf[16];

    setup();
    CHECK(hv_guest_read(0x40000010, buf, sizeof(buf)));
    EXPECT_EQ(buf[0], 0x10);
    CHECK(hv_guest_read(0x40002000 - 16, buf, sizeof(buf)));    /* up to the last byte */
    EXPECT_EQ(buf[15], 0xff);
    CHECK(hv_guest_read(0x40002000, buf, 0));                   /* empty, at the end */
    CHECK(hv_guest_read(0xfffffffffffffff0UL, buf, 16));        /* the top of the space */
    EXPECT_EQ(buf[15], 0xab);
}

TEST(past_or_before_a_region_is_refused)
{
    uint8_t buf[32];

    setup();
    CHECK(!hv_guest_read(0x40002000 - 16, buf, 17));
    CHECK(!hv_guest_read(0x3ffffff0, buf, 32));                 /* starts below */
    CHECK(!hv_guest_read(0x40002000, buf, 1));
    CHECK(!hv_guest_read(0x50000000, buf, 4));                  /* not readable */
}

TEST(sums_that_wrap_are_refused)
{
    uint8_t buf[16];

    setup();
    /* ipa + len wraps to a small value inside region 0: a naive end check would pass */
    CHECK(!hv_guest_read(0x40000010, buf, UINT64_MAX - 0x10));
    CHECK(!hv_guest_read(0xfffffffffffffff0UL, buf, 17));       /* past 2^64 */
    CHECK(!hv_guest_read(0xfffffffffffffff0UL, buf, UINT64_MAX));
    CHECK(!hv_guest_read(UINT64_MAX, buf, 2));
}
