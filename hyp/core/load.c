/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The load phase on every CPU that takes part (docs/architecture.md, "Load phase").
 *
 * A job is a list of units over some partitions: one per 512 KiB span of a blob (copy it from
 * its pristine source, clean it to PoC, hash its 128 leaves into a level-1 node of the blob's
 * fs-verity tree) and one per 2 MiB chunk of RAM (scrub it, blobs' ranges left out: the copy
 * writes those). The units write disjoint memory, so no unit waits for another: a CPU claims
 * the next unit with one atomic add until none is left; whichever CPUs come, early or late,
 * the work gets done. The CPU that opened the job waits for the last unit, then combines each
 * blob's nodes into its digest (hv_load_verify) before the partition may start.
 *
 * Who takes part: at boot every CPU of the board (the secondaries start before the load, not
 * after); at a restart the partition's own CPUs only (the others run other partitions). A CPU
 * that hashed leaves registers and v0-v31 holding data of the partitions it loaded; it enters
 * a guest only through hv_vcpu_enter, which zeroes x0-x30 and resets v0-v31 (guest_reset.c).
 */
#include "hv/cache.h"
#include "hv/config.h"
#include "hv/console.h"
#include "hv/fsverity.h"
#include "hv/gic.h"
#include "hv/lib.h"
#include "hv/load.h"
#include "hv/sysreg.h"
#include "hv/vcpu.h"

#define SCRUB_CHUNK (2UL << 20)
#define CLOSED      (1UL << 62)     /* `next` of a job no CPU may claim from */
#define LINE        64              /* scrub and copy granule: hv_zero_clean_range's block */

enum { T_SCRUB, T_COPY, T_HASH, T_KINDS };

struct job {
    uint64_t next;                  /* the next unit to claim (atomic); >= CLOSED: closed */
    uint32_t first, count;          /* partitions first .. first + count - 1 */
    uint32_t units;
    uint32_t done;                  /* units finished (atomic) */
    uint32_t cpus;                  /* CPUs that did at least one unit (atomic) */
    uint32_t most;                  /* the most units one CPU did (atomic) */
    int cold;                       /* first load since reset: scrub only what is not zero */
    uint64_t ticks[T_KINDS];        /* CPU time per kind, summed over CPUs (atomic) */
};

/* [0 .. HV_NPARTITIONS): each partition's restart job; the last: the boot job. Closed until
 * opened: a partition's idle CPUs call hv_load_help at every wake-up, also before its first
 * restart, and a claim taken then (a `next` of 0, 1, ...) would still count once the job opens
 * under it, so that a unit runs twice and `done` reaches `units` before the last one is done
 * (tests/host/test_load_job.c). Every claim on a closed job is >= CLOSED, never a unit. */
static struct job jobs[HV_NPARTITIONS + 1] = {[0 ... HV_NPARTITIONS] = {.next = CLOSED}};
#define BOOT_JOB (&jobs[HV_NPARTITIONS])

static uint8_t scratch[HV_NCPUS][2 * FSV_BLOCK] __attribute__((aligned(64)));

static uint64_t align_up(uint64_t x, uint64_t a)
{
    return (x + a - 1) & ~(a - 1);
}

/* A unit: span `span` of blob `blob`, or scrub chunk `chunk` of RAM region `region`. */
struct unit {
    const struct hv_partition *p;
    const struct hv_blob *blob;     /* NULL: a scrub unit */
    const struct hv_region *region;
    uint64_t index;                 /* the span or chunk */
    uint8_t (*node)[SHA256_DIGEST]; /* the blob's first node */
};

/* The first level-1 node of each blob in hv_load_nodes (generated: room for all blobs of all
 * partitions, in table order). */
static uint8_t (*first_node(uint32_t idx, uint32_t blob))[SHA256_DIGEST]
{
    uint64_t n = 0;

    for (uint32_t i = 0; i < idx; i++)
        for (uint32_t b = 0; b < hv_partitions[i].nblobs; b++)
            n += hv_fsv_nodes(hv_partitions[i].blobs[b].size);
    for (uint32_t b = 0; b < blob; b++)
        n += hv_fsv_nodes(hv_partitions[idx].blobs[b].size);
    return &hv_load_nodes[n];
}

static uint64_t scrub_chunks(const struct hv_region *r)
{
    return align_up(r->size, SCRUB_CHUNK) / SCRUB_CHUNK;
}

/* Unit i of a job, or 0 past the last. Spans first (copy and hash: the costly ones), then the
 * scrub chunks, so that the small scrubs even out the CPUs' finishing times. */
static int unit_at(const struct job *j, uint64_t i, struct unit *u)
{
    for (uint32_t idx = j->first; idx < j->first + j->count; idx++) {
        const struct hv_partition *p = &hv_partitions[idx];
        for (uint32_t b = 0; b < p->nblobs; b++) {
            uint64_t n = hv_fsv_nodes(p->blobs[b].size);
            if (i < n) {
                *u = (struct unit){p, &p->blobs[b], 0, i, first_node(idx, b)};
                return 1;
            }
            i -= n;
        }
    }
    for (uint32_t idx = j->first; idx < j->first + j->count; idx++) {
        const struct hv_partition *p = &hv_partitions[idx];
        for (uint32_t r = 0; r < p->nram; r++) {
            uint64_t n = scrub_chunks(&p->ram[r]);
            if (i < n) {
                *u = (struct unit){p, 0, &p->ram[r], i, 0};
                return 1;
            }
            i -= n;
        }
    }
    return 0;
}

/* As many as unit_at enumerates. */
static uint32_t count_units(const struct job *j)
{
    uint64_t n = 0;

    for (uint32_t idx = j->first; idx < j->first + j->count; idx++) {
        const struct hv_partition *p = &hv_partitions[idx];
        for (uint32_t b = 0; b < p->nblobs; b++)
            n += hv_fsv_nodes(p->blobs[b].size);
        for (uint32_t r = 0; r < p->nram; r++)
            n += scrub_chunks(&p->ram[r]);
    }
    return (uint32_t)n;
}

/* Where a blob lies, as the scrub leaves it out: whole 64-byte blocks (blobs are page aligned,
 * layout.py; the copy zeroes the rest of the last block). */
static void blob_range(const struct hv_blob *b, uint64_t *start, uint64_t *end)
{
    *start = b->dst & ~(uint64_t)(LINE - 1);
    *end = align_up(b->dst + b->size, LINE);
}

/* Zero [a, b) except the partition's blobs: the gaps in address order. */
static void scrub(const struct hv_partition *p, uint64_t a, uint64_t b, int cold)
{
    while (a < b) {
        uint64_t gap_end = b, skip_to = b;
        for (uint32_t i = 0; i < p->nblobs; i++) {
            uint64_t s, e;
            blob_range(&p->blobs[i], &s, &e);
            if (e <= a || s >= gap_end)
                continue;
            gap_end = s > a ? s : a;    /* the lowest blob that overlaps what is left */
            skip_to = e;
        }
        if (gap_end > a && cold)    /* direct calls: `hvcfg surface` follows those */
            hv_zero_clean_range_cold(a, gap_end - a);
        else if (gap_end > a)
            hv_zero_clean_range(a, gap_end - a);
        a = skip_to;
    }
}

static void run_unit(struct job *j, const struct unit *u, hv_sha256_blocks_fn blocks, uint8_t *buf,
                     uint64_t t[T_KINDS])
{
    uint64_t t0 = hv_counter();

    if (!u->blob) {
        uint64_t a = u->region->pa + u->index * SCRUB_CHUNK;
        uint64_t left = u->region->size - u->index * SCRUB_CHUNK;
        scrub(u->p, a, a + (left < SCRUB_CHUNK ? left : SCRUB_CHUNK), j->cold);
        t[T_SCRUB] += hv_counter() - t0;
        return;
    }
    const struct hv_blob *b = u->blob;
    uint64_t off = u->index * FSV_SPAN;
    uint64_t len = b->size - off < FSV_SPAN ? b->size - off : FSV_SPAN;
    uint64_t end = off + len == b->size ? align_up(b->size, LINE) : off + len;
    memcpy((void *)(b->dst + off), (const void *)(b->src + off), len);
    memset((void *)(b->dst + off + len), 0, end - off - len);   /* the last block's rest */
    hv_dcache_clean_inval_range(b->dst + off, end - off);      /* the cache rule, rule 1 */
    uint64_t t1 = hv_counter();
    /* Hashed where the guest will read it, after the clean and invalidate: the digest is of
     * memory, what a guest with its MMU off reads (docs/architecture.md, "Cache rule"). */
    hv_fsv_span(blocks, (const uint8_t *)(b->dst + off), len, b->size, buf, u->node[u->index]);
    t[T_COPY] += t1 - t0;
    t[T_HASH] += hv_counter() - t1;
}

/* Claim and run units until none is left. */
static void work(struct job *j)
{
    hv_sha256_blocks_fn blocks = hv_sha256_best();
    uint8_t *buf = scratch[hv_cpu_slot()];
    uint64_t t[T_KINDS] = {0};
    uint32_t did = 0;
    struct unit u;

    for (;;) {
        uint64_t i = __atomic_fetch_add(&j->next, 1, __ATOMIC_ACQ_REL);
        if (i >= j->units || !unit_at(j, i, &u))
            break;
        run_unit(j, &u, blocks, buf, t);
        /* The unit's share of the log before it counts as done: the opener logs once `done`
         * is `units`, and a CPU still adding after that would be missing there (a restart
         * whose units a helper took all: "0 of its 2 CPU(s)") or land in the next job. */
        if (++did == 1)
            __atomic_add_fetch(&j->cpus, 1, __ATOMIC_RELAXED);
        uint32_t most = __atomic_load_n(&j->most, __ATOMIC_RELAXED);
        while (did > most && !__atomic_compare_exchange_n(&j->most, &most, did, 0, __ATOMIC_RELAXED,
                                                          __ATOMIC_RELAXED))
            ; /* `most` reloaded: bounded by the CPUs' increments */
        for (int k = 0; k < T_KINDS; k++) {
            __atomic_add_fetch(&j->ticks[k], t[k], __ATOMIC_RELAXED);
            t[k] = 0;
        }
        __atomic_add_fetch(&j->done, 1, __ATOMIC_RELEASE);
        sev(); /* the opener may wait */
    }
}

/* Set up while closed (no CPU can claim), then open with one release store. */
static void open_job(struct job *j, uint32_t first, uint32_t count, int cold)
{
    __atomic_store_n(&j->next, CLOSED, __ATOMIC_RELAXED);
    j->first = first;
    j->count = count;
    j->cold = cold;
    j->units = count_units(j);
    /* The level-1 nodes of the last load hold the same hashes: a unit that never ran must fail
     * the measurement, not pass on them. */
    for (uint32_t idx = first; idx < first + count; idx++)
        for (uint32_t b = 0; b < hv_partitions[idx].nblobs; b++)
            memset(first_node(idx, b), 0,
                   hv_fsv_nodes(hv_partitions[idx].blobs[b].size) * SHA256_DIGEST);
    j->done = 0;
    j->cpus = 0;
    j->most = 0;
    for (int k = 0; k < T_KINDS; k++)
        j->ticks[k] = 0;
    __atomic_store_n(&j->next, 0, __ATOMIC_RELEASE);
}

/* The opener: work, then wait for the units other CPUs still run (hypervisor code only, no
 * guest involved: bounded), and close. The copies are cleaned to PoC; instruction caches of
 * every CPU are invalidated once. */
static void finish_job(struct job *j)
{
    work(j);
    while (__atomic_load_n(&j->done, __ATOMIC_ACQUIRE) < j->units)
        wfe();
    __atomic_store_n(&j->next, CLOSED, __ATOMIC_RELAXED);
    hv_icache_inval_all();
}

void hv_load_open_boot(void)
{
    open_job(BOOT_JOB, 0, HV_NPARTITIONS, 1);
    dsb(ish); /* before any secondary starts */
}

void hv_load_help_boot(void)
{
    work(BOOT_JOB);
}

static unsigned long us(uint64_t ticks)
{
    return (unsigned long)(ticks * 1000000 / read_sysreg(cntfrq_el0));
}

void hv_load_finish_boot(void)
{
    struct job *j = BOOT_JOB;
    uint64_t t0 = hv_counter();

    finish_job(j);
    uint64_t wall = hv_counter() - t0;
    hv_log("load phase: %u units on %u CPU(s) (at most %u on one), %lu counter ticks = %lu us; "
           "CPU time scrub %lu us, copy %lu us, hash %lu us",
           j->units, j->cpus, j->most, (unsigned long)wall, us(wall), us(j->ticks[T_SCRUB]),
           us(j->ticks[T_COPY]), us(j->ticks[T_HASH]));
}

void hv_load_partition(uint32_t idx)
{
    const struct hv_partition *p = &hv_partitions[idx];
    uint32_t self = hv_cpu_slot();

    uint64_t t0 = hv_counter();

    open_job(&jobs[idx], idx, 1, 0);
    for (uint32_t v = 0; v < p->nvcpus; v++)
        if (p->cpu_slot[v] != self)
            hv_gic_kick(p->cpu_slot[v]); /* idle in WFI: hv_cpu_idle calls hv_load_help */
    finish_job(&jobs[idx]);
    hv_log("%s: reloaded: %u units on %u of its %u CPU(s), %lu us", p->name, jobs[idx].units,
           jobs[idx].cpus, p->nvcpus, us(hv_counter() - t0));
}

void hv_load_help(uint32_t idx)
{
    if (__atomic_load_n(&jobs[idx].next, __ATOMIC_ACQUIRE) < CLOSED)
        work(&jobs[idx]);
}

int hv_load_verify(uint32_t idx, int verbose)
{
    static const char hex[] = "0123456789abcdef";
    const struct hv_partition *p = &hv_partitions[idx];
    uint8_t *buf = scratch[hv_cpu_slot()];
    int ok = 1;

    for (uint32_t i = 0; i < p->nblobs; i++) {
        const struct hv_blob *b = &p->blobs[i];
        uint8_t digest[SHA256_DIGEST];
        char text[2 * SHA256_DIGEST + 1];

        hv_fsv_digest_from_nodes(hv_sha256_best(), first_node(idx, i)[0], b->size, buf, digest);
        for (int k = 0; k < SHA256_DIGEST; k++) {
            text[2 * k] = hex[digest[k] >> 4];
            text[2 * k + 1] = hex[digest[k] & 0xf];
        }
        text[2 * SHA256_DIGEST] = '\0';
        int same = memcmp(digest, b->fsverity, SHA256_DIGEST) == 0;
        if (verbose || !same)
            hv_log("%s: %s fsverity-sha256:%s (%lu bytes)%s", p->name, b->what, text,
                   (unsigned long)b->size, same ? "" : " MISMATCH");
        ok &= same;
    }
    return ok;
}
