/* SPDX-License-Identifier: Apache-2.0 */
/* Emulated MMIO regions (hyp/stage2/mmio.c): registration refuses what could make a lookup
 * wrong, a lookup never computes base + size, and hv_mmio_emulate turns the data abort's
 * syndrome into a checked access and writes the result back as the instruction would. */
#include <string.h>

#include "check.h"
#include "../../hyp/stage2/mmio.c"

/* The configuration mmio.c reads: partition 0 with a distributor and a virtual UART, 1 with a
 * distributor only. */
const struct hv_partition hv_partitions[HV_NPARTITIONS] = {
    {.name = "p0", .vgic = {.gicd_ipa = 0x8000000}, .vuart = {.ipa = 0x9000000, .present = 1}},
    {.name = "p1", .vgic = {.gicd_ipa = 0x8000000}},
};

static struct {
    int calls;
    uint64_t off;
    int is_write;
    unsigned size;
    uint64_t in;
    uint64_t out;                   /* what a load returns */
    enum hv_mmio_result result;
} dev;

static enum hv_mmio_result device(uint64_t off, int is_write, unsigned size, uint64_t *value)
{
    dev.calls++;
    dev.off = off;
    dev.is_write = is_write;
    dev.size = size;
    dev.in = *value;
    if (!is_write)
        *value = dev.out;
    return dev.result;
}

enum hv_mmio_result hv_vgic_dist_access(uint64_t off, int is_write, unsigned size, uint64_t *value)
{
    return device(off, is_write, size, value);
}

enum hv_mmio_result hv_vuart_access(uint64_t off, int is_write, unsigned size, uint64_t *value)
{
    return device(0x100000 + off, is_write, size, value);  /* tells the two apart */
}

static int logged;
void hv_log(const char *fmt, ...)
{
    logged++;
}

static void reset(void)
{
    memset(tables, 0, sizeof(tables));
    memset(&dev, 0, sizeof(dev));
    dev.result = HV_MMIO_HANDLED;
    logged = 0;
}

/* A data abort's ISS: valid syndrome, access size 1 << sas, register rt, direction. */
static uint64_t iss(unsigned sas, unsigned rt, int write)
{
    return ISS_ISV | ((uint64_t)sas << 22) | ((uint64_t)rt << 16) | (write ? ISS_WNR : 0);
}

TEST(registration_refuses_what_a_lookup_could_get_wrong)
{
    reset();
    CHECK(!hv_mmio_register(HV_NPARTITIONS, 0x1000, 0x1000, device));     /* no partition */
    CHECK(!hv_mmio_register(0, 0x1000, 0x1000, NULL));
    CHECK(!hv_mmio_register(0, 0x1000, 0, device));                      /* empty */
    CHECK(!hv_mmio_register(0, 0x1004, 0x1000, device));                 /* unaligned */
    CHECK(!hv_mmio_register(0, 0x1000, 0xffc, device));
    CHECK(!hv_mmio_register(0, 0xfffffffffffff000UL, 0x2000, device));   /* wraps past 2^64 */
    CHECK(hv_mmio_register(0, 0xfffffffffffff000UL, 0x1000, device));    /* ends at 2^64 */
    CHECK(hv_mmio_register(0, 0x1000, 0x1000, device));
    CHECK(!hv_mmio_register(0, 0x1ff8, 0x10, device));                   /* overlaps the end */
    CHECK(!hv_mmio_register(0, 0x0, 0x1008, device));                    /* ... the start */
    CHECK(!hv_mmio_register(0, 0x0, 0x10000, device));                   /* ... all of it */
    CHECK(hv_mmio_register(0, 0x2000, 0x1000, device));                  /* adjacent: fine */
    CHECK(hv_mmio_register(0, 0x0, 0x1000, device));
    CHECK(!hv_mmio_register(0, 0x10000, 0x1000, device));                /* table full */
    CHECK(hv_mmio_register(1, 0x1000, 0x1000, device));                  /* per partition */
}

TEST(lookup_at_the_edges)
{
    reset();
    CHECK(hv_mmio_register(0, 0x1000, 0x1000, device));
    CHECK(hv_mmio_register(0, 0xfffffffffffff000UL, 0x1000, device));
    CHECK(find(&tables[0], 0x0fff) == NULL);
    CHECK(find(&tables[0], 0x1000) == &tables[0].region[0]);
    CHECK(find(&tables[0], 0x1fff) == &tables[0].region[0]);
    CHECK(find(&tables[0], 0x2000) == NULL);
    CHECK(find(&tables[0], 0xffffffffffffffffUL) == &tables[0].region[1]);
    CHECK(find(&tables[0], 0xffffffffffffefffUL) == NULL);
    CHECK(find(&tables[1], 0x1000) == NULL);                 /* partition 1 has none */
}

TEST(init_registers_each_partitions_devices)
{
    reset();
    hv_mmio_init();
    EXPECT_EQ(logged, 0);
    CHECK(find(&tables[0], 0x8000000) && find(&tables[0], 0x9000ffc));
    CHECK(find(&tables[1], 0x8000ffc));
    CHECK(find(&tables[1], 0x9000000) == NULL);              /* no virtual UART there */
    CHECK(find(&tables[0], 0x8001000) == NULL);
}

TEST(a_load_is_written_back_and_stepped_over)
{
    struct hv_regs regs = {.elr = 0x400000};

    reset();
    hv_mmio_init();
    dev.out = 0xffffffffcafe1234UL;                 /* a model leaving bits above the size */
    regs.x[5] = 0x5555;
    CHECK(hv_mmio_emulate(&regs, iss(1, 5, 0), 0x8000102, &hv_partitions[0]));
    EXPECT_EQ(dev.calls, 1);
    EXPECT_EQ(dev.off, 0x102);
    EXPECT_EQ(dev.size, 2);
    CHECK(!dev.is_write);
    EXPECT_EQ(regs.x[5], 0x1234);                   /* zero-extended halfword */
    EXPECT_EQ(regs.elr, 0x400004);
    /* LDRSH w7: sign-extended into 32 bits */
    dev.out = 0x8001;
    CHECK(hv_mmio_emulate(&regs, iss(1, 7, 0) | ISS_SSE, 0x8000000, &hv_partitions[0]));
    EXPECT_EQ(regs.x[7], 0xffff8001UL);
    /* LDRSB x8: into 64 bits */
    dev.out = 0x80;
    CHECK(hv_mmio_emulate(&regs, iss(0, 8, 0) | ISS_SSE | ISS_SF, 0x8000003, &hv_partitions[0]));
    EXPECT_EQ(regs.x[8], 0xffffffffffffff80UL);
    /* a load into XZR changes no register */
    struct hv_regs before = regs;
    CHECK(hv_mmio_emulate(&regs, iss(2, 31, 0), 0x8000004, &hv_partitions[0]));
    CHECK(memcmp(regs.x, before.x, sizeof(regs.x)) == 0);
}

TEST(a_store_passes_the_register_and_the_right_device)
{
    struct hv_regs regs = {.elr = 0x1000};

    reset();
    hv_mmio_init();
    regs.x[3] = 0x41;
    CHECK(hv_mmio_emulate(&regs, iss(2, 3, 1), 0x9000000, &hv_partitions[0]));
    CHECK(dev.is_write);
    EXPECT_EQ(dev.off, 0x100000);                   /* the virtual UART, offset 0 */
    EXPECT_EQ(dev.in, 0x41);
    EXPECT_EQ(regs.elr, 0x1004);
    CHECK(hv_mmio_emulate(&regs, iss(2, 31, 1), 0x9000000, &hv_partitions[0]));
    EXPECT_EQ(dev.in, 0);                           /* XZR stores zero */
}

TEST(what_is_not_emulated_is_refused_without_calling_a_device)
{
    struct hv_regs regs = {.elr = 0x1000};

    reset();
    hv_mmio_init();
    CHECK(!hv_mmio_emulate(&regs, iss(2, 0, 0) & ~ISS_ISV, 0x8000000, &hv_partitions[0]));
    CHECK(!hv_mmio_emulate(&regs, iss(3, 0, 0), 0x8000000, &hv_partitions[0]));   /* 8 bytes */
    CHECK(!hv_mmio_emulate(&regs, iss(2, 0, 0), 0x8000002, &hv_partitions[0]));   /* unaligned */
    CHECK(!hv_mmio_emulate(&regs, iss(1, 0, 0), 0x8000fff, &hv_partitions[0]));
    CHECK(!hv_mmio_emulate(&regs, iss(2, 0, 0), 0x7fffffc, &hv_partitions[0]));   /* below */
    CHECK(!hv_mmio_emulate(&regs, iss(2, 0, 0), 0x9000000, &hv_partitions[1]));   /* not p1's */
    EXPECT_EQ(dev.calls, 0);
    EXPECT_EQ(regs.elr, 0x1000);
}

TEST(a_device_that_refuses_or_declines_is_a_fault)
{
    struct hv_regs regs = {.elr = 0x1000};

    reset();
    hv_mmio_init();
    regs.x[1] = 0x77;
    dev.result = HV_MMIO_FAULT;
    CHECK(!hv_mmio_emulate(&regs, iss(2, 1, 0), 0x8000000, &hv_partitions[0]));
    dev.result = HV_MMIO_NOT_MINE;
    CHECK(!hv_mmio_emulate(&regs, iss(2, 1, 0), 0x8000000, &hv_partitions[0]));
    EXPECT_EQ(dev.calls, 2);
    EXPECT_EQ(regs.x[1], 0x77);                     /* nothing written back */
    EXPECT_EQ(regs.elr, 0x1000);                    /* nor stepped over */
}
