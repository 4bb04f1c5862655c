/* SPDX-License-Identifier: Apache-2.0 */
/* The load phase's jobs (hyp/core/load.c, docs/architecture.md "Load phase"): a unit is claimed
 * by exactly one CPU, also by a CPU of the partition whose idle loop ran hv_load_help before
 * the partition's first restart opened its job; and a load leaves every byte of the
 * partition's RAM either zero or a copy of its blob, with the digest of what the guest reads. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

/* After every `done` increment (work() wakes the opener there): what the opener, waiting for
 * `done` to reach `units`, would log at that instant. */
static void after_done(void);
#undef sev
#define sev() after_done()

#include "../../hyp/core/load.c"

static uint32_t seen_cpus, seen_most;
static uint64_t seen_ticks;

static void after_done(void)
{
    struct job *j = &jobs[0];
    if (__atomic_load_n(&j->done, __ATOMIC_ACQUIRE) < j->units)
        return;
    seen_cpus = j->cpus;
    seen_most = j->most;
    seen_ticks = j->ticks[T_SCRUB] + j->ticks[T_COPY] + j->ticks[T_HASH];
}

/* The hypervisor's functions load.c calls, over host memory. */
hv_sha256_blocks_fn hv_sha256_best(void)
{
    return hv_sha256_blocks_generic;
}

void hv_dcache_clean_inval_range(uintptr_t start, size_t len)
{
}

void hv_zero_clean_range(uintptr_t start, size_t len)
{
    memset((void *)start, 0, len);
}

void hv_zero_clean_range_cold(uintptr_t start, size_t len)
{
    memset((void *)start, 0, len);
}

void hv_icache_inval_all(void)
{
}

static unsigned kicks;

void hv_gic_kick(uint32_t slot)
{
    kicks++;
}

void hv_log(const char *fmt, ...)
{
}

/*
 * Partition 0: one RAM region of 2 MiB + 12 KiB (not a multiple of the scrub chunk), an image
 * of 512 KiB + 5000 bytes (two spans, an unaligned end) at its start and a "dtb" of 4096 bytes
 * (exactly one block) that straddles the first chunk's end. Both CPUs are its own.
 */
#define RAM_SIZE ((2UL << 20) + 0x3000)
#define IMG_SIZE (FSV_SPAN + 5000)
#define DTB_OFF  ((2UL << 20) - 0x1000)
#define DTB_SIZE 4096UL

static uint8_t *ram_buf, *img_src, *dtb_src;
static struct hv_region ram[1];
static struct hv_blob blobs[2];
const struct hv_partition hv_partitions[HV_NPARTITIONS] = {
    {.name = "p",
     .blobs = blobs,
     .nblobs = 2,
     .ram = ram,
     .nram = 1,
     .nvcpus = 2,
     .cpu_slot = {0, 1}},
    {.name = "q"},
};
const struct hv_cpu hv_cpus[HV_NCPUS] = {{.partition = 0, .vcpu = 0}, {.partition = 0, .vcpu = 1}};
uint8_t hv_load_nodes[8][32];

static void reference_digest(const uint8_t *data, uint64_t size, uint8_t digest[SHA256_DIGEST])
{
    static uint8_t nodes[8][SHA256_DIGEST], buf[2 * FSV_BLOCK];
    for (uint64_t i = 0; i < hv_fsv_nodes(size); i++) {
        uint64_t off = i * FSV_SPAN;
        hv_fsv_span(hv_sha256_blocks_generic, data + off,
                    size - off < FSV_SPAN ? size - off : FSV_SPAN, size, buf, nodes[i]);
    }
    hv_fsv_digest_from_nodes(hv_sha256_blocks_generic, nodes[0], size, buf, digest);
}

static void set_up(void)
{
    if (!ram_buf) {
        ram_buf = aligned_alloc(4096, RAM_SIZE);
        img_src = malloc(IMG_SIZE);
        dtb_src = malloc(DTB_SIZE);
    }
    for (uint64_t i = 0; i < IMG_SIZE; i++)
        img_src[i] = (uint8_t)(i * 7 + 1);
    for (uint64_t i = 0; i < DTB_SIZE; i++)
        dtb_src[i] = (uint8_t)(i * 13 + 5);
    memset(ram_buf, 0xaa, RAM_SIZE);  /* what the last incarnation left */
    ram[0] = (struct hv_region){.ipa = 0x40000000, .pa = (uintptr_t)ram_buf, .size = RAM_SIZE};
    blobs[0] = (struct hv_blob){
        .src = (uintptr_t)img_src, .dst = (uintptr_t)ram_buf, .size = IMG_SIZE, .what = "image"};
    blobs[1] = (struct hv_blob){.src = (uintptr_t)dtb_src,
                                .dst = (uintptr_t)ram_buf + DTB_OFF,
                                .size = DTB_SIZE,
                                .what = "dtb"};
    reference_digest(img_src, IMG_SIZE, blobs[0].fsverity);
    reference_digest(dtb_src, DTB_SIZE, blobs[1].fsverity);
    memset(hv_load_nodes, 0, sizeof(hv_load_nodes));
}

/* Every byte of the partition's RAM is its blob's or zero. */
static int ram_is_loaded(void)
{
    for (uint64_t off = 0; off < RAM_SIZE; off++) {
        uint8_t want = 0;
        if (off < IMG_SIZE)
            want = img_src[off];
        else if (off >= DTB_OFF && off < DTB_OFF + DTB_SIZE)
            want = dtb_src[off - DTB_OFF];
        if (ram_buf[off] != want)
            return 0;
    }
    return 1;
}

/*
 * First in this file: no job of partition 0 has been opened yet. CPU 1 of the partition idles
 * before the partition's first restart: its idle loop runs hv_load_help(0) at every wake-up (an
 * interrupt, a kick). The job was never opened. Its claim, the atomic add at
 * the top of work(), may land just before the stop owner opens the job and its read of `units` just
 * after: that claim must be worthless, or unit i runs twice (on CPU 1 and on whichever CPU claims
 * it in the open job), `done` counts it twice, and the owner verifies and starts the partition
 * while its last unit still copies, scrubs or hashes (and, for a blob of one span, its node of the
 * last load passed the measurement regardless: a_unit_that_never_ran_fails_the_measurement).
 */
TEST(a_claim_before_the_first_restart_opens_its_job_is_worthless)
{
    set_up();
    host_sysreg.cntfrq_el0 = 1;
    host_sysreg.tpidr_el2 = 1;
    for (int wake = 0; wake < 3; wake++)
        hv_load_help(0);            /* idle loop wake-ups, no restart yet */
    uint64_t i = __atomic_fetch_add(&jobs[0].next, 1, __ATOMIC_ACQ_REL);    /* CPU 1's claim */
    host_sysreg.tpidr_el2 = 0;
    open_job(&jobs[0], 0, 1, 0);    /* the stop owner opens the first restart's job */
    CHECK(i >= jobs[0].units);      /* CPU 1 then reads `units`: it must find nothing to do */
}

TEST(a_restart_leaves_ram_zero_or_blobs_and_measures_them)
{
    set_up();
    host_sysreg.cntfrq_el0 = 1;
    host_sysreg.tpidr_el2 = 0;
    hv_load_partition(0);
    CHECK(ram_is_loaded());
    CHECK(hv_load_verify(0, 0));
    EXPECT_EQ(jobs[0].done, jobs[0].units);
    EXPECT_EQ(kicks, 1);            /* its other CPU only */
}

/* The same after a restart: the job closed, CPU 1's late claim finds nothing in the next. */
TEST(a_claim_between_two_restarts_is_worthless)
{
    set_up();
    host_sysreg.cntfrq_el0 = 1;
    host_sysreg.tpidr_el2 = 0;
    hv_load_partition(0);
    host_sysreg.tpidr_el2 = 1;
    hv_load_help(0);
    uint64_t i = __atomic_fetch_add(&jobs[0].next, 1, __ATOMIC_ACQ_REL);
    host_sysreg.tpidr_el2 = 0;
    open_job(&jobs[0], 0, 1, 0);
    CHECK(i >= jobs[0].units);
}

/* A unit that never ran fails the measurement: the nodes of the last load (the same hashes)
 * do not stand in for it. hv_load_verify combines a blob's nodes in place, but a blob of one
 * span (at most 512 KiB: a DTB, a small image) has no level above: its node survives. */
TEST(a_unit_that_never_ran_fails_the_measurement)
{
    set_up();
    host_sysreg.cntfrq_el0 = 1;
    host_sysreg.tpidr_el2 = 0;
    hv_load_partition(0);
    CHECK(hv_load_verify(0, 0));
    open_job(&jobs[0], 0, 1, 0);
    struct unit u;
    uint64_t t[T_KINDS] = {0};
    for (uint32_t i = 0; i < jobs[0].units; i++) {
        CHECK(unit_at(&jobs[0], i, &u));
        if (u.blob == &blobs[1])
            continue;   /* the dtb's one span: a blob of one node keeps it through the verify */
        run_unit(&jobs[0], &u, hv_sha256_blocks_generic, scratch[0], t);
    }
    CHECK(!hv_load_verify(0, 0));
}

/* A helper CPU takes every unit of a restart before the owner gets to its own work(): once
 * `done` reaches `units`, the owner may log at once, and the log must already count the
 * helper ("reloaded: N units on 1 of its 2 CPU(s) (at most N on one)"). */
TEST(the_log_counts_a_helper_before_its_last_unit_is_done)
{
    set_up();
    host_sysreg.cntfrq_el0 = 1;
    host_sysreg.cntpct_el0 = 0;
    host_sysreg.tpidr_el2 = 0;
    open_job(&jobs[0], 0, 1, 0);    /* the owner opens and kicks ... */
    host_sysreg.tpidr_el2 = 1;
    host_sysreg.cntpct_el0 = 5;
    hv_load_help(0);                /* ... and CPU 1 takes every unit */
    EXPECT_EQ(jobs[0].done, jobs[0].units);
    EXPECT_EQ(seen_cpus, 1);
    EXPECT_EQ(seen_most, jobs[0].units);
    EXPECT_EQ(seen_ticks, jobs[0].ticks[T_SCRUB] + jobs[0].ticks[T_COPY] + jobs[0].ticks[T_HASH]);
    host_sysreg.tpidr_el2 = 0;
    finish_job(&jobs[0]);
    CHECK(hv_load_verify(0, 0));
}
