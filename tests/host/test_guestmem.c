/* SPDX-License-Identifier: Apache-2.0 */
/* Guest buffers (hyp/core/guestmem.c): a range a guest passes is copied only when it lies wholly
 * in one readable RAM region of its own partition, whatever the sums of its values would do;
 * and it is read under the cache rule (docs/architecture.md), checked against a cache model. */
#include <string.h>

#include "check.h"
#include "../../hyp/core/guestmem.c"

_Alignas(64) static uint8_t ram0[0x2000], ram1[0x1000];   /* in whole cache lines */

/*
 * A model of a data cache in front of memory, for what EL2 reads through its cacheable mapping:
 * ram0/ram1 are what such a read returns (memory, or a line the cache holds), mem0/mem1 are the
 * memory itself. A guest with its MMU off writes mem only (its stores bypass the cache), so
 * the lines over them go stale; hv_dcache_clean_inval_range drops the lines it covers (whole
 * 64-byte lines, as the hardware does), after which a read returns memory again. It is the
 * hypervisor's function, replaced here: calls on anything but guest RAM are counted as wrong.
 */
#define LINE 64
_Alignas(64) static uint8_t mem0[sizeof(ram0)], mem1[sizeof(ram1)];
static unsigned maint_calls, maint_outside;

static void model_lines(uint8_t *view, uint8_t *mem, size_t size, uintptr_t start, uintptr_t end)
{
    uintptr_t base = (uintptr_t)view;
    for (uintptr_t l = start & ~(uintptr_t)(LINE - 1); l < end; l += LINE)
        if (l >= base && l < base + size)
            memcpy(view + (l - base), mem + (l - base), LINE);
}

void hv_dcache_clean_inval_range(uintptr_t start, size_t len)
{
    int inside0 = start >= (uintptr_t)ram0 && start + len <= (uintptr_t)ram0 + sizeof(ram0);
    int inside1 = start >= (uintptr_t)ram1 && start + len <= (uintptr_t)ram1 + sizeof(ram1);

    maint_calls++;
    if (!inside0 && !inside1)
        maint_outside++;
    model_lines(ram0, mem0, sizeof(ram0), start, start + len);
    model_lines(ram1, mem1, sizeof(ram1), start, start + len);
}

/* A guest with its MMU off stores len bytes of v at offset off of region 0: memory only. */
static void guest_uncached_write(size_t off, uint8_t v, size_t len)
{
    memset(mem0 + off, v, len);
}

static const struct hv_region regions[] = {
    {.ipa = 0x40000000, .size = sizeof(ram0), .readable = 1},
    {.ipa = 0xfffffffffffff000UL, .size = sizeof(ram1), .readable = 1},   /* ends at 2^64 */
    {.ipa = 0x50000000, .size = 0x1000, .readable = 0, .executable = 1},  /* execute only */
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
    memcpy(mem0, ram0, sizeof(mem0));       /* memory and cache agree to begin with */
    memcpy(mem1, ram1, sizeof(mem1));
    maint_calls = maint_outside = 0;
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

TEST(uncached_guest_writes_are_read_not_stale_lines)
{
    uint8_t buf[100];

    setup();
    /* 100 bytes across three cache lines, starting mid-line: every byte comes from memory. */
    guest_uncached_write(0x30, 0x5a, sizeof(buf));
    CHECK(hv_guest_read(0x40000030, buf, sizeof(buf)));
    for (unsigned i = 0; i < sizeof(buf); i++)
        EXPECT_EQ(buf[i], 0x5a);
    EXPECT_EQ(maint_calls, 1);
    /* At the top of the address space too (region 1). */
    memset(mem1 + sizeof(mem1) - 16, 0x11, 16);
    CHECK(hv_guest_read(0xfffffffffffffff0UL, buf, 16));
    EXPECT_EQ(buf[0], 0x11);
    EXPECT_EQ(buf[15], 0x11);
    EXPECT_EQ(maint_outside, 0);
}

TEST(a_second_read_sees_the_guests_next_write)
{
    uint8_t buf[8];

    setup();
    guest_uncached_write(0x100, 1, sizeof(buf));
    CHECK(hv_guest_read(0x40000100, buf, sizeof(buf)));
    EXPECT_EQ(buf[7], 1);
    /* The read filled the line; the guest writes again, uncached: the next read must not
     * return what the first one left in the cache. */
    memcpy(ram0 + 0x100, buf, sizeof(buf));
    guest_uncached_write(0x100, 2, sizeof(buf));
    CHECK(hv_guest_read(0x40000100, buf, sizeof(buf)));
    EXPECT_EQ(buf[0], 2);
    EXPECT_EQ(buf[7], 2);
}

TEST(refused_ranges_get_no_maintenance)
{
    uint8_t buf[32];

    setup();
    /* Cache maintenance by VA on an address EL2 does not map would fault at EL2: a range is
     * validated before anything touches it. */
    CHECK(!hv_guest_read(0x3ffffff0, buf, 32));
    CHECK(!hv_guest_read(0x50000000, buf, 4));
    CHECK(!hv_guest_read(0x40000010, buf, UINT64_MAX - 0x10));
    EXPECT_EQ(maint_calls, 0);
}

TEST(executable_means_inside_a_region_declared_executable)
{
    setup();
    const struct hv_partition *p = &hv_partitions[0];
    CHECK(hv_guest_executable(p, 0x50000000));
    CHECK(hv_guest_executable(p, 0x50000fff));
    CHECK(!hv_guest_executable(p, 0x50001000));             /* one past its end */
    CHECK(!hv_guest_executable(p, 0x4fffffff));
    CHECK(!hv_guest_executable(p, 0x40000000));             /* readable, not executable */
    CHECK(!hv_guest_executable(p, 0xffffffffffffffffUL));   /* ends at 2^64, not executable */
    ram[1].executable = 1;                                  /* now it is: its edges, no wrap */
    CHECK(hv_guest_executable(p, 0xffffffffffffffffUL));
    CHECK(hv_guest_executable(p, 0xfffffffffffff000UL));
    CHECK(!hv_guest_executable(p, 0xffffffffffffefffUL));
}
