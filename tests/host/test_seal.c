/* SPDX-License-Identifier: Apache-2.0 */
/* The sealed-kernel patch decoder (hyp/stage2/seal.c, docs/integrity.md), red team 5: only one
 * aligned 32-bit store into the text is ever performed, and only at the kernel's own patch
 * sites with that site's instructions: at a static key NOP or B to its own target, at a traced
 * function's call NOP or BL to ftrace's entries, at ftrace's call site a BL into the text; at
 * both edges of the text and of the site tables, for both signs of the branch offset;
 * everything else is a violation, reported once per site. sealed-strict: an EL1 fetch the
 * sealed tables refused is a violation too, never skipped; the partition does not start
 * without FEAT_XNX. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define HV_HAS_INTEGRITY 1
#define HV_SEAL_BLOCK    0          /* as generated (hyp/check/hvcfg_config.h) */
#define HV_SEAL_INJECT   1
#define HV_SEAL_HALT     2
#define HV_SEAL_RESTART  3

#include "check.h"
#include "../../hyp/stage2/seal.c"

#define TEXT_IPA 0x40000000UL
#define TEXT     0x4000UL           /* 4 pages of text, then a page of rodata */
#define NOP      0xd503201fu
#define BRK      0xd4200000u
#define FTRACE   (TEXT_IPA + 0x1000)    /* ftrace_caller */
#define CALLSITE (TEXT_IPA + 0x1100)    /* ftrace_call */
#define KEY      (TEXT_IPA + 0x2000)    /* a static key, whose B goes to KEY_DEST */
#define KEY_DEST (TEXT_IPA + 0x1000)
#define GRAPH    (TEXT_IPA + 0x2800)    /* ftrace_graph_call -> ftrace_graph_caller: a jump */
#define GRAPH_TO (TEXT_IPA + 0x1200)    /* site of kernels that have one (not arm64 6.1) */
#define TRACED   (TEXT_IPA + 0x2100)    /* a traced function's call */
#define PLAIN    (TEXT_IPA + 0x2200)    /* a NOP the kernel never patches */

/* The patch sites, offsets from the text, sorted; both ends of the text are sites. */
static const uint32_t jump_sites[] = {0x0, 0x8, 0x2000, 0x2800, 0x3ffc};
static const uint32_t jump_targets[] = {0x3ffc, 0x4, 0x1000, 0x1200, 0x3ff8};
static const uint32_t ftrace_sites[] = {0x10, 0x2100, 0x3ff0};

static uint32_t text[(TEXT + 0x1000) / 4];
#define NOEXEC_IPA (TEXT_IPA + 0x800000)    /* from here on the partition declared no `x` */

/* The partition's declared memory (hyp/core/guestmem.c, tested in test_guestmem.c). */
int hv_guest_executable(const struct hv_partition *p, uint64_t ipa)
{
    return ipa >= TEXT_IPA && ipa < NOEXEC_IPA;
}

static const struct hv_seal_range ranges[] = {
    {.ipa = TEXT_IPA, .size = TEXT, .kind = HV_SEAL_RANGE_TEXT},
    {.ipa = TEXT_IPA + TEXT, .size = 0x1000, .kind = HV_SEAL_RANGE_RODATA},
};

static struct hv_integrity integrity = {
    .sealed_vttbr = 0x1234000,
    .text_ipa = TEXT_IPA,
    .text_size = TEXT,
    .rodata_ipa = TEXT_IPA + TEXT,
    .rodata_size = 0x1000,
    .vectors_offset = 0x800,
    .ranges = ranges,
    .nranges = 2,
    .on_violation = HV_SEAL_BLOCK,
    .bl_targets = {FTRACE},
    .bl_sites = {CALLSITE},
    .nbl_targets = 1,
    .nbl_sites = 1,
    .jump_sites = jump_sites,
    .jump_targets = jump_targets,
    .ftrace_sites = ftrace_sites,
    .njumps = sizeof(jump_sites) / sizeof(jump_sites[0]),
    .nftrace_sites = sizeof(ftrace_sites) / sizeof(ftrace_sites[0]),
};

const struct hv_partition hv_partitions[HV_NPARTITIONS] = {
    {.name = "k", .vttbr = 0x5678000, .nvcpus = 1, .cpu_slot = {0}, .integrity = &integrity},
    {.name = "other"},
};
const struct hv_cpu hv_cpus[HV_NCPUS] = {{.partition = 0}, {.partition = 1}};

static struct {
    int kicks, tlbis, local_tlbis, published, faults, logs, events, probes, injects;
    uint32_t fault_action;
    uint64_t at_va[2];
    uint64_t par[2];                /* what AT S1E1R / S1E1W report */
    char event[200];
} seen;

uint32_t hv_vcpu_gen(void)
{
    return 0;
}
void hv_gic_kick(uint32_t slot)
{
    seen.kicks++;
}
uint64_t hv_partition_cntvoff(uint32_t idx)
{
    return 0;
}
size_t hv_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    return (size_t)vsnprintf(buf, size, fmt, ap);
}
void hv_log(const char *fmt, ...)
{
    seen.logs++;
}
void hv_log_event(uint32_t partition, const char *fmt, ...)
{
    va_list ap;

    seen.events++;
    va_start(ap, fmt);
    vsnprintf(seen.event, sizeof(seen.event), fmt, ap);
    va_end(ap);
}
void hv_fault_as(struct hv_regs *regs, enum hv_fault_kind kind, uint32_t action, const char *event)
{
    seen.faults++;
    seen.fault_action = action;
    snprintf(seen.event, sizeof(seen.event), "%s", event);
}
void hv_inject_exception(struct hv_regs *regs, enum hv_fault_kind kind)
{
    seen.injects++;
}
static void tlbi_vmid(int broadcast)
{
    if (broadcast)
        seen.tlbis++;
    else
        seen.local_tlbis++;
}
uint64_t hv_at_s1e1(uint64_t va, int write)       /* stage2/abort.c keeps the guest's PAR */
{
    seen.at_va[write] = va;
    seen.probes++;
    return seen.par[write];
}
static void site_before_read(const uint32_t *site)
{
}
static void insn_written(const uint32_t *site)
{
    seen.published++;
}
size_t hv_snprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    int n = vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n < 0 ? 0 : (size_t)n;
}

static void fresh(void)
{
    memset(&seen, 0, sizeof(seen));
    memset(&stats, 0, sizeof(stats));
    sealed_gen[0] = el0_seen[0] = 0;
    next_probe[0] = 0;
    host_sysreg.cntpct_el0 = 0;
    for (size_t i = 0; i < sizeof(text) / 4; i++)
        text[i] = NOP;
    integrity.text_pa = (uint64_t)(uintptr_t)text;
    integrity.on_violation = HV_SEAL_BLOCK;
    integrity.strict = 0;
    integrity.njumps = sizeof(jump_sites) / sizeof(jump_sites[0]);
    integrity.nftrace_sites = sizeof(ftrace_sites) / sizeof(ftrace_sites[0]);
    sealed_gen[0] = 1;              /* incarnation 0 sealed */
}

static uint32_t *word(uint64_t ipa)
{
    return &text[(ipa - TEXT_IPA) / 4];
}

static uint32_t branch(uint32_t op, uint64_t from, int64_t to_minus_from)
{
    return op | ((uint32_t)(to_minus_from / 4) & 0x03ffffffu);
}

#define PERM_FSC 0x0fUL
#define STORE(rt, sas) \
    ((0x24UL << 26) | ISS_ISV | (sas) | ((uint64_t)(rt) << 16) | ISS_WNR | PERM_FSC)

/* One store of x5 = value at ipa, a 32-bit one unless esr says otherwise: 1 if the word there
 * changed to it. */
static int store(uint64_t ipa, uint64_t value, uint64_t esr)
{
    struct hv_regs regs;

    memset(&regs, 0, sizeof(regs));
    regs.x[5] = value;
    regs.elr = 0x1000;
    uint32_t before = ipa - TEXT_IPA < sizeof(text) ? *word(ipa & ~3UL) : 0;
    CHECK(hv_seal_abort(&regs, esr, ipa));
    CHECK(regs.elr == 0x1004);      /* done or skipped (block): never re-executed */
    return ipa - TEXT_IPA < sizeof(text) && *word(ipa & ~3UL) != before;
}

static uint32_t b_to(uint64_t from, uint64_t to)
{
    return branch(INSN_B, from, (int64_t)to - (int64_t)from);
}

TEST(a_static_key_takes_its_own_branch_and_no_other)
{
    fresh();
    CHECK(store(KEY, b_to(KEY, KEY_DEST), STORE(5, ISS_SAS_WORD)));
    CHECK(store(KEY, NOP, STORE(5, ISS_SAS_WORD)));
    EXPECT_EQ(seen.published, 2);
    /* Another instruction of the text, either end of it, one past or before it: refused. */
    CHECK(!store(KEY, b_to(KEY, KEY_DEST + 4), STORE(5, ISS_SAS_WORD)));
    CHECK(!store(KEY, b_to(KEY, TEXT_IPA), STORE(5, ISS_SAS_WORD)));
    CHECK(!store(KEY, b_to(KEY, TEXT_IPA + TEXT - 4), STORE(5, ISS_SAS_WORD)));
    CHECK(!store(KEY, b_to(KEY, TEXT_IPA - 4), STORE(5, ISS_SAS_WORD)));
    CHECK(!store(KEY, b_to(KEY, TEXT_IPA + TEXT), STORE(5, ISS_SAS_WORD)));
    CHECK(!store(KEY, branch(INSN_BL, KEY, (int64_t)FTRACE - (int64_t)KEY),
                 STORE(5, ISS_SAS_WORD)));              /* a BL at a static key */
    EXPECT_EQ(*word(KEY), NOP);
    EXPECT_EQ(stats[0].violations, 6);
    /* A key whose B was moved elsewhere (before the seal) cannot be patched back or on. */
    *word(KEY) = b_to(KEY, KEY_DEST + 8);
    CHECK(!store(KEY, NOP, STORE(5, ISS_SAS_WORD)));
}

TEST(a_nop_or_b_the_kernel_never_patches_stays_as_it_is)
{
    fresh();
    /* The weakness this closes: any NOP turned into a B into the text (skip a check). */
    CHECK(!store(PLAIN, b_to(PLAIN, PLAIN + 8), STORE(5, ISS_SAS_WORD)));
    CHECK(!store(KEY + 4, b_to(KEY + 4, KEY_DEST), STORE(5, ISS_SAS_WORD)));
    CHECK(!store(KEY - 4, b_to(KEY - 4, KEY_DEST), STORE(5, ISS_SAS_WORD)));
    CHECK(!store(PLAIN, branch(INSN_BL, PLAIN, (int64_t)FTRACE - (int64_t)PLAIN),
                 STORE(5, ISS_SAS_WORD)));              /* a BL at a non-ftrace site */
    /* An existing B (a tail call) is neither redirected nor removed. */
    *word(PLAIN) = b_to(PLAIN, TEXT_IPA + 0x3000);
    CHECK(!store(PLAIN, b_to(PLAIN, TEXT_IPA + 0x3004), STORE(5, ISS_SAS_WORD)));
    CHECK(!store(PLAIN, NOP, STORE(5, ISS_SAS_WORD)));
    EXPECT_EQ(seen.published, 0);
}

TEST(the_first_and_last_sites_of_each_table_are_found)
{
    fresh();
    CHECK(store(TEXT_IPA, b_to(TEXT_IPA, TEXT_IPA + TEXT - 4), STORE(5, ISS_SAS_WORD)));
    uint64_t last = TEXT_IPA + TEXT - 4;
    CHECK(store(last, b_to(last, last - 4), STORE(5, ISS_SAS_WORD)));
    uint64_t first_call = TEXT_IPA + 0x10, last_call = TEXT_IPA + 0x3ff0;
    CHECK(store(first_call, branch(INSN_BL, first_call, (int64_t)FTRACE - (int64_t)first_call),
                STORE(5, ISS_SAS_WORD)));
    CHECK(store(last_call, branch(INSN_BL, last_call, (int64_t)FTRACE - (int64_t)last_call),
                STORE(5, ISS_SAS_WORD)));
    /* their neighbours are not sites */
    CHECK(!store(first_call + 4,
                 branch(INSN_BL, first_call + 4, (int64_t)FTRACE - (int64_t)(first_call + 4)),
                 STORE(5, ISS_SAS_WORD)));
    CHECK(!store(last_call - 4,
                 branch(INSN_BL, last_call - 4, (int64_t)FTRACE - (int64_t)(last_call - 4)),
                 STORE(5, ISS_SAS_WORD)));
    EXPECT_EQ(seen.published, 4);
}

TEST(with_empty_site_tables_only_ftraces_call_site_is_patched)
{
    fresh();
    integrity.njumps = 0;
    integrity.nftrace_sites = 0;
    CHECK(!store(KEY, b_to(KEY, KEY_DEST), STORE(5, ISS_SAS_WORD)));
    CHECK(!store(TEXT_IPA, b_to(TEXT_IPA, TEXT_IPA + TEXT - 4), STORE(5, ISS_SAS_WORD)));
    CHECK(!store(TRACED, branch(INSN_BL, TRACED, (int64_t)FTRACE - (int64_t)TRACED),
                 STORE(5, ISS_SAS_WORD)));
    *word(CALLSITE) = branch(INSN_BL, CALLSITE, 0x40);
    CHECK(store(CALLSITE, branch(INSN_BL, CALLSITE, (int64_t)TEXT_IPA - (int64_t)CALLSITE),
                STORE(5, ISS_SAS_WORD)));
    EXPECT_EQ(stats[0].violations, 3);
}

TEST(ftrace_graph_call_is_a_jump_site_to_ftrace_graph_caller)
{
    fresh();
    CHECK(store(GRAPH, b_to(GRAPH, GRAPH_TO), STORE(5, ISS_SAS_WORD)));
    CHECK(store(GRAPH, NOP, STORE(5, ISS_SAS_WORD)));
    CHECK(!store(GRAPH, b_to(GRAPH, FTRACE), STORE(5, ISS_SAS_WORD)));
    CHECK(!store(GRAPH, branch(INSN_BL, GRAPH, (int64_t)GRAPH_TO - (int64_t)GRAPH),
                 STORE(5, ISS_SAS_WORD)));
}

TEST(the_branch_offset_is_sign_extended_and_never_wraps_into_the_text)
{
    fresh();
    uint64_t site = TEXT_IPA + 8;   /* a static key whose target is the word before it */
    CHECK(store(site, INSN_B | 0x03ffffffu, STORE(5, ISS_SAS_WORD)));    /* -4: inside */
    *word(site) = NOP;
    CHECK(!store(TEXT_IPA, INSN_B | 0x03ffffffu, STORE(5, ISS_SAS_WORD)));   /* -4: before */
    CHECK(!store(site, INSN_B | 0x01ffffffu, STORE(5, ISS_SAS_WORD)));   /* +128 MiB - 4 */
    CHECK(!store(site, INSN_B | 0x02000000u, STORE(5, ISS_SAS_WORD)));   /* -128 MiB */
}

TEST(sites_at_the_texts_last_word_patch_past_it_and_in_rodata_do_not)
{
    fresh();
    uint64_t last = TEXT_IPA + TEXT - 4;
    CHECK(store(last, branch(INSN_B, last, -4), STORE(5, ISS_SAS_WORD)));
    CHECK(!store(TEXT_IPA + TEXT, branch(INSN_B, TEXT_IPA + TEXT, -8), STORE(5, ISS_SAS_WORD)));
    EXPECT_EQ(stats[0].violations, 1);
    CHECK(strstr(seen.event, "read-only data") != NULL);
}

TEST(only_one_aligned_word_store_with_a_valid_syndrome_is_a_patch)
{
    fresh();
    uint64_t site = TEXT_IPA + 0x2000;
    uint32_t b = branch(INSN_B, site, -0x1000);
    CHECK(!store(site + 2, b, STORE(5, ISS_SAS_WORD)));             /* unaligned */
    CHECK(!store(site, b, STORE(5, 3UL << 22)));                    /* 8 bytes */
    CHECK(!store(site, b, STORE(5, 1UL << 22)));                    /* 2 bytes */
    CHECK(!store(site, b, STORE(5, ISS_SAS_WORD) & ~ISS_ISV));      /* pair, atomics, DC ZVA */
    CHECK(!store(site, b, STORE(5, ISS_SAS_WORD) | ISS_S1PTW));     /* a stage-1 walk */
    host_sysreg.sctlr_el1 = SCTLR_EE;                               /* big-endian EL1 */
    CHECK(!store(site, b, STORE(5, ISS_SAS_WORD)));
    host_sysreg.sctlr_el1 = 0;
    CHECK(!store(site, 0, STORE(31, ISS_SAS_WORD)));                /* XZR: 0 is UDF */
    EXPECT_EQ(seen.published, 0);
    CHECK(store(site, 0xffffffff00000000UL | b, STORE(5, ISS_SAS_WORD)));   /* W5 */
    EXPECT_EQ(*word(site), b);
}

TEST(bl_only_to_ftrace_at_its_sites_and_anywhere_only_at_its_call_site)
{
    fresh();
    uint64_t site = TRACED;
    CHECK(!store(site, branch(INSN_BL, site, (int64_t)TEXT_IPA - (int64_t)site),
                 STORE(5, ISS_SAS_WORD)));
    CHECK(store(site, branch(INSN_BL, site, (int64_t)FTRACE - (int64_t)site),
                STORE(5, ISS_SAS_WORD)));
    CHECK(store(site, NOP, STORE(5, ISS_SAS_WORD)));
    CHECK(!store(site, b_to(site, FTRACE), STORE(5, ISS_SAS_WORD)));     /* a B */
    *word(CALLSITE) = branch(INSN_BL, CALLSITE, 0x40);                  /* bl ftrace_stub */
    CHECK(store(CALLSITE, branch(INSN_BL, CALLSITE, (int64_t)TEXT_IPA - (int64_t)CALLSITE),
                STORE(5, ISS_SAS_WORD)));
    CHECK(!store(CALLSITE,
                 branch(INSN_BL, CALLSITE, (int64_t)(TEXT_IPA + TEXT) - (int64_t)CALLSITE),
                 STORE(5, ISS_SAS_WORD)));                              /* out of the text */
    CHECK(!store(CALLSITE, NOP, STORE(5, ISS_SAS_WORD)));               /* never a NOP */
    CHECK(!store(CALLSITE, b_to(CALLSITE, TEXT_IPA), STORE(5, ISS_SAS_WORD)));
    /* An existing call to another function can be neither removed nor redirected. */
    *word(site) = branch(INSN_BL, site, -0x800);     /* not ftrace's entry */
    CHECK(!store(site, NOP, STORE(5, ISS_SAS_WORD)));
    CHECK(!store(site, branch(INSN_BL, site, (int64_t)FTRACE - (int64_t)site),
                 STORE(5, ISS_SAS_WORD)));
    CHECK(!store(site, branch(INSN_B, site, -0x1000), STORE(5, ISS_SAS_WORD)));
}

TEST(no_other_instruction_is_replaced_nor_written)
{
    fresh();
    uint64_t site = TEXT_IPA + 0x2000;
    *word(site) = 0x8b020020;       /* add x0, x1, x2 */
    CHECK(!store(site, NOP, STORE(5, ISS_SAS_WORD)));
    *word(site) = NOP;
    CHECK(!store(site, BRK, STORE(5, ISS_SAS_WORD)));               /* a kprobe */
    CHECK(!store(site, 0x54000000, STORE(5, ISS_SAS_WORD)));        /* b.eq */
    CHECK(!store(site, 0xd61f0000, STORE(5, ISS_SAS_WORD)));        /* br x0 */
    EXPECT_EQ(seen.published, 0);
    /* Reported once for the site, counted every time. */
    EXPECT_EQ(seen.events, 1);
    EXPECT_EQ(stats[0].violations, 4);
    /* A new incarnation reports its sites afresh; the count runs on. */
    hv_seal_partition_reset(0);
    CHECK(!store(site, BRK, STORE(5, ISS_SAS_WORD)));
    EXPECT_EQ(seen.events, 2);
    EXPECT_EQ(stats[0].violations, 5);
}

TEST(not_sealed_or_not_a_permission_fault_is_not_the_seals)
{
    fresh();
    struct hv_regs regs;
    memset(&regs, 0, sizeof(regs));
    CHECK(!hv_seal_abort(&regs, (STORE(5, ISS_SAS_WORD) & ~0x3fUL) | 0x07, TEXT_IPA));
    CHECK(!hv_seal_abort(&regs, STORE(5, ISS_SAS_WORD), TEXT_IPA + TEXT + 0x1000));
    sealed_gen[0] = 0;
    CHECK(!hv_seal_abort(&regs, STORE(5, ISS_SAS_WORD), TEXT_IPA));
}

TEST(the_probe_seals_only_when_rodata_translates_as_expected_and_is_read_only)
{
    fresh();
    sealed_gen[0] = 0;
    struct hv_regs regs;
    memset(&regs, 0, sizeof(regs));
    host_sysreg.cntfrq_el0 = 1000;                  /* the seal says when */
    host_sysreg.vbar_el1 = 0xffff800008000800UL;    /* vectors at text + 0x800 */
    host_sysreg.par_el1 = 0xabc;                    /* the guest's */
    regs.spsr = 0;                                  /* EL0t: user space ran */
    seen.par[0] = TEXT_IPA + TEXT;                  /* readable at the expected IPA */
    seen.par[1] = 1;                                /* not writable */
    seen.par[0] = TEXT_IPA;                         /* ... but another page: no */
    hv_seal_guest_event(&regs);
    CHECK(!is_sealed(0));
    EXPECT_EQ(seen.at_va[0], 0xffff800008000000UL + TEXT);
    seen.par[0] = TEXT_IPA + TEXT;
    seen.par[1] = TEXT_IPA + TEXT;                  /* writable: not yet */
    regs.spsr = 5;                                  /* EL1h */
    host_sysreg.cntpct_el0 += 1;                    /* a millisecond later (cntfrq 1000) */
    hv_seal_guest_event(&regs);
    CHECK(!is_sealed(0));
    seen.par[1] = 1;
    int probes = seen.probes;
    hv_seal_guest_event(&regs);                     /* the same millisecond: no probe */
    EXPECT_EQ(seen.probes, probes);
    CHECK(!is_sealed(0));
    host_sysreg.cntpct_el0 += 1;
    hv_seal_guest_event(&regs);
    CHECK(is_sealed(0));
    EXPECT_EQ(host_sysreg.vttbr_el2, integrity.sealed_vttbr);
    EXPECT_EQ(seen.tlbis, 1);                       /* the sealer broadcasts once */
    hv_seal_sync();                                 /* a vCPU on the old tables: local */
    EXPECT_EQ(seen.local_tlbis, 0);                 /* (this one already switched) */
}

#define FETCH(fsc) ((0x20UL << 26) | (fsc))      /* instruction abort from a lower EL */
#define SPSR_EL1H  5

/* One EL1 (or, spsr 0, EL0) fetch fault at ipa: whether it was the seal's. */
static int fetch(uint64_t ipa, uint64_t esr, uint64_t spsr)
{
    struct hv_regs regs;

    memset(&regs, 0, sizeof(regs));
    regs.elr = 0xffff000012345000UL;
    regs.spsr = spsr;
    int taken = hv_seal_fetch_abort(&regs, esr, ipa);
    EXPECT_EQ(regs.elr, 0xffff000012345000UL);      /* a fetch is never skipped */
    return taken;
}

TEST(strict_an_el1_fetch_fault_is_a_violation_injected_and_reported_once_per_site)
{
    fresh();
    integrity.strict = 1;
    uint64_t ram = TEXT_IPA + 0x100000;
    CHECK(fetch(ram, FETCH(PERM_FSC), SPSR_EL1H));
    EXPECT_EQ(seen.faults, 1);
    EXPECT_EQ(seen.fault_action, HV_FAULT_INJECT);  /* block cannot skip a fetch */
    CHECK(strstr(seen.event, "execution outside sealed kernel text at ipa=0x40100000 "
                             "pc=0xffff000012345000 blocked (violation 1)") != NULL);
    CHECK(fetch(ram, FETCH(PERM_FSC), SPSR_EL1H));  /* the same site: injected, not said */
    EXPECT_EQ(seen.faults, 1);
    EXPECT_EQ(seen.injects, 1);
    CHECK(fetch(ram + 4, FETCH(PERM_FSC), SPSR_EL1H));
    EXPECT_EQ(seen.faults, 2);
    EXPECT_EQ(stats[0].violations, 3);
    EXPECT_EQ(stats[0].fetches, 3);
    integrity.on_violation = HV_SEAL_HALT;
    CHECK(fetch(ram, FETCH(PERM_FSC), SPSR_EL1H));  /* halt acts at every site */
    EXPECT_EQ(seen.fault_action, HV_FAULT_HALT);
}

TEST(a_fetch_fault_that_is_not_el1_after_a_strict_seal_is_the_health_monitors)
{
    fresh();
    integrity.strict = 1;
    uint64_t ram = TEXT_IPA + 0x100000;
    CHECK(!fetch(ram, FETCH(PERM_FSC), 0));                         /* EL0t */
    CHECK(!fetch(ram, FETCH(PERM_FSC), SPSR_EL1H | SPSR_M_AARCH32)); /* AArch32 */
    CHECK(!fetch(ram, FETCH(0x07), SPSR_EL1H));                     /* translation fault */
    CHECK(!fetch(ram, FETCH(PERM_FSC) | ISS_S1PTW, SPSR_EL1H));     /* its stage-1 walk */
    sealed_gen[0] = 0;
    CHECK(!fetch(ram, FETCH(PERM_FSC), SPSR_EL1H));                 /* not sealed yet */
    sealed_gen[0] = 1;
    CHECK(!fetch(NOEXEC_IPA, FETCH(PERM_FSC), SPSR_EL1H));          /* never executable */
    integrity.strict = 0;
    CHECK(!fetch(ram, FETCH(PERM_FSC), SPSR_EL1H));                 /* not strict */
    EXPECT_EQ(seen.faults + seen.injects, 0);
    EXPECT_EQ(stats[0].violations, 0);
}

TEST(a_strict_partition_starts_only_with_feat_xnx)
{
    fresh();
    CHECK(hv_seal_can_start(0));                    /* sealed, not strict: any CPU */
    CHECK(hv_seal_can_start(1));                    /* no integrity */
    integrity.strict = 1;
    host_sysreg.id_aa64mmfr1_el1 = 0x0fffffffUL;    /* every field but XNX set */
    CHECK(!hv_seal_can_start(0));
    EXPECT_EQ(seen.logs, 1);
    host_sysreg.id_aa64mmfr1_el1 = 1UL << 28;
    CHECK(hv_seal_can_start(0));
    host_sysreg.id_aa64mmfr1_el1 = 2UL << 28;       /* a later value keeps the meaning */
    CHECK(hv_seal_can_start(0));
}
