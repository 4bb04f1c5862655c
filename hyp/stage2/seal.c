/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Kernel sealing (docs/integrity.md). hvcfg built two stage-2 table sets for a sealed
 * partition; sealing is switching VTTBR_EL2 from the first to the second, once per
 * incarnation: nothing here edits a table. A partition is sealed in incarnation g when
 * sealed_gen[idx] == g + 1, so a restart (a new incarnation) starts unsealed by itself.
 *
 * Once sealed, the kernel's writes to its own text arrive here as stage-2 permission faults.
 * The only writes performed are Linux's own run-time patches: one aligned 32-bit store at one of
 * the kernel's own patch sites (its static keys and ftrace's calls, from its vmlinux) replacing
 * one of that site's two instructions by the other. Everything else is a violation
 * (on_violation).
 *
 * sealed-strict (FEAT_XNX): the sealed tables also make everything but the text (and KPTI's
 * trampoline) execute-never at EL1, so EL1 executing anywhere else after the seal is a stage-2
 * instruction abort here, a violation too.
 */
#include "hv/console.h"
#include "hv/gic.h"
#include "hv/hypercall.h"
#include "hv/partition.h"
#include "hv/seal.h"
#include "hv/sysreg.h"
#include "hv/traps.h"
#include "hv/vcpu.h"

#define INSN_NOP    0xd503201fu
#define INSN_B_MASK 0xfc000000u
#define INSN_B      0x14000000u
#define INSN_BL     0x94000000u
#define SITES       16            /* violation sites reported once each, per partition */

#define PAR_PA_MASK 0x0000fffffffff000ul

static uint32_t sealed_gen[HV_NPARTITIONS];     /* incarnation + 1 that is sealed, 0: none */
static uint32_t el0_seen[HV_NPARTITIONS];       /* incarnation + 1 whose EL0 has run */
static uint64_t next_probe[HV_NPARTITIONS];     /* counter value before which not to probe */

/* Per partition: patches done, violations refused, and the sites already reported. */
static struct {
    uint64_t patches;
    uint64_t patch_ticks;           /* counter ticks spent deciding and doing them */
    uint64_t violations;
    uint64_t fetches;               /* of them: EL1 fetches outside the text (sealed-strict) */
    uint64_t site[SITES];
} stats[HV_NPARTITIONS];

#ifndef HV_HOST_SHIM
/* This VMID's TLB entries (both table sets share the partition's VMID): on every CPU for the
 * sealing vCPU, on this CPU only for the others as they switch (the sealer's broadcast came
 * first; a local flush drops what this CPU refilled from the unsealed tables since). */
static void tlbi_vmid(int broadcast)
{
    if (broadcast)
        __asm__ volatile("tlbi vmalls12e1is\n\tdsb ish\n\tisb" : : : "memory");
    else
        __asm__ volatile("tlbi vmalls12e1\n\tdsb nsh\n\tisb" : : : "memory");
}

/* The cache rule (aarch64/cache.c) for the one word EL2 patches: clean+invalidate to the
 * point of coherency before reading what the guest wrote there (a vCPU with its MMU off wrote
 * around the cache) and after writing it, then the old instruction out of every I-cache. */
static void site_before_read(const uint32_t *site)
{
    __asm__ volatile("dsb ish\n\tdc civac, %0\n\tdsb ish" : : "r"(site) : "memory");
}

static void insn_written(const uint32_t *site)
{
    __asm__ volatile("dc civac, %0\n\tdsb ish\n\tic ivau, %0\n\tdsb ish\n\tisb"
                     :
                     : "r"(site)
                     : "memory");
}
#else
static void tlbi_vmid(int broadcast);           /* tests/host/test_seal.c */
static void site_before_read(const uint32_t *site);
static void insn_written(const uint32_t *site);
#endif

static int is_sealed(uint32_t idx)
{
    return __atomic_load_n(&sealed_gen[idx], __ATOMIC_ACQUIRE) == hv_vcpu_gen() + 1;
}

uint64_t hv_seal_vttbr(const struct hv_partition *p)
{
    return p->integrity && is_sealed((uint32_t)(p - hv_partitions)) ? p->integrity->sealed_vttbr
                                                                    : p->vttbr;
}

/* Move this CPU to the sealed tables; TLB entries filled from the unsealed ones go. */
static void switch_to_sealed(const struct hv_partition *p, int broadcast)
{
    write_sysreg(vttbr_el2, p->integrity->sealed_vttbr);
    isb();
    tlbi_vmid(broadcast);
}

void hv_seal_sync(void)
{
    uint32_t idx = hv_current_partition();
    const struct hv_partition *p = hv_current_partition_config();

    if (p->integrity && is_sealed(idx) && read_sysreg(vttbr_el2) != p->integrity->sealed_vttbr)
        switch_to_sealed(p, 0);
}

static void seal(const char *why)
{
    uint32_t idx = hv_current_partition();
    const struct hv_partition *p = hv_current_partition_config();
    uint32_t mine = hv_vcpu_gen() + 1;
    uint32_t seen = __atomic_load_n(&sealed_gen[idx], __ATOMIC_ACQUIRE);

    /* Only this incarnation's vCPUs run now (a stop waits for all of them before a new one
     * starts), so the one CAS that moves sealed_gen to `mine` is the sealing. */
    int first = seen != mine && __atomic_compare_exchange_n(&sealed_gen[idx], &seen, mine, 0,
                                                            __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
    switch_to_sealed(p, first);
    if (!first)
        return;
    /* The partition's other vCPUs switch at their kick (hv_seal_sync); an idle one enters on
     * the sealed tables (hv_seal_vttbr). */
    for (uint32_t v = 0; v < p->nvcpus; v++)
        if (p->cpu_slot[v] != hv_cpu_slot())
            hv_gic_kick(p->cpu_slot[v]);
    uint64_t ticks = hv_counter() - hv_partition_cntvoff(idx);
    hv_log("%s: kernel sealed: text %lu KiB, rodata %lu KiB (%s, %lu ms after start)", p->name,
           (unsigned long)(p->integrity->text_size >> 10),
           (unsigned long)(p->integrity->rodata_size >> 10), why,
           (unsigned long)(ticks * 1000 / read_sysreg(cntfrq_el0)));
}

/* Has the kernel write-protected its read-only data in its own stage 1 (Linux's
 * mark_rodata_ro, after its init code ran and before it starts init)? VBAR_EL1 points into
 * the kernel's text, so it gives the kernel's virtual address of the rodata's first page
 * whatever KASLR chose; that page must translate to the IPA the build expects (else VBAR_EL1
 * was not the kernel's vectors, e.g. KPTI's trampoline at EL0: ask again later) and must not
 * be writable. */
static int rodata_protected(const struct hv_integrity *in)
{
    uint64_t va = read_sysreg(vbar_el1) - in->vectors_offset + (in->rodata_ipa - in->text_ipa);
    uint64_t r = hv_at_s1e1(va, 0);
    uint64_t w = hv_at_s1e1(va, 1);
    return !(r & 1) && (r & PAR_PA_MASK) == in->rodata_ipa && (w & 1);
}

void hv_seal_guest_event(const struct hv_regs *regs)
{
    uint32_t idx = hv_current_partition();
    const struct hv_partition *p = hv_current_partition_config();
    uint32_t mine = hv_vcpu_gen() + 1;

    if (is_sealed(idx))
        return;
    /* Linux runs user-mode helpers before it has write-protected its rodata (and writes its
     * __ro_after_init data until then): user space having run is not enough on its own. The
     * word all vCPUs share is written once per incarnation, not at every exit from EL0. */
    int seen = __atomic_load_n(&el0_seen[idx], __ATOMIC_RELAXED) == mine;
    if (!seen && (regs->spsr & (SPSR_M_AARCH32 | SPSR_M_MASK)) == SPSR_M_EL0T)
        __atomic_store_n(&el0_seen[idx], mine, __ATOMIC_RELAXED), seen = 1;
    if (!seen)
        return;
    /* Probing costs two AT walks: at most once a millisecond, so a kernel that never
     * write-protects its rodata (rodata=off, W006) does not pay them at every exit. */
    uint64_t now = hv_counter();
    if (now < __atomic_load_n(&next_probe[idx], __ATOMIC_RELAXED))
        return;
    __atomic_store_n(&next_probe[idx], now + read_sysreg(cntfrq_el0) / 1000, __ATOMIC_RELAXED);
    if (rodata_protected(p->integrity))
        seal("user space ran, kernel rodata read-only");
}

void hv_hc_seal(struct hv_regs *regs)
{
    uint32_t idx = hv_current_partition();

    if (!hv_current_partition_config()->integrity) {
        regs->x[0] = (uint64_t)-1;  /* SMCCC NOT_SUPPORTED: nothing to seal (check: E088) */
        return;
    }
    if (!is_sealed(idx))
        seal("sealed on request");
    regs->x[0] = 0;
}

static const struct hv_seal_range *range_of(const struct hv_integrity *in, uint64_t ipa)
{
    for (uint32_t i = 0; i < in->nranges; i++)
        if (ipa - in->ranges[i].ipa < in->ranges[i].size)
            return &in->ranges[i];
    return NULL;
}

static int among(const uint64_t *list, uint32_t n, uint64_t ipa)
{
    for (uint32_t i = 0; i < n; i++)    /* n: generated, at most the array's length */
        if (list[i] == ipa)
            return 1;
    return 0;
}

/* The index of `off` among the n strictly increasing offsets of `sites` (generated), or n.
 * Halving: at most 33 steps for any n; `off` (the guest's) is compared, never an index. */
static uint32_t site_index(const uint32_t *sites, uint32_t n, uint64_t off)
{
    uint32_t lo = 0, hi = n;

    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (sites[mid] == off)
            return mid;
        if (sites[mid] < off)
            lo = mid + 1;
        else
            hi = mid;
    }
    return n;
}

/* The kinds of the kernel's own patch sites: what may be written there. */
enum site_kind {
    SITE_NONE,          /* not a patch site: nothing is written */
    SITE_JUMP,          /* a static key: NOP or B to its own target */
    SITE_FTRACE,        /* a traced function's call: NOP or BL to one of ftrace's entries */
    SITE_FTRACE_CALL,   /* ftrace's call of the tracer: BL into the text */
};

/* Which site `ipa` (inside the text) is; a static key's B target in *target. ftrace's calls
 * are looked up first: turning a tracer on or off patches every one of them. */
static enum site_kind site_at(const struct hv_integrity *in, uint64_t ipa, uint64_t *target)
{
    uint64_t off = ipa - in->text_ipa;

    if (site_index(in->ftrace_sites, in->nftrace_sites, off) < in->nftrace_sites)
        return SITE_FTRACE;
    uint32_t i = site_index(in->jump_sites, in->njumps, off);
    if (i < in->njumps) {
        *target = in->text_ipa + in->jump_targets[i];
        return SITE_JUMP;
    }
    return among(in->bl_sites, in->nbl_sites, ipa) ? SITE_FTRACE_CALL : SITE_NONE;
}

/* One of the two instructions Linux patches in and out at a site of this kind at `ipa`. So
 * no other instruction of the text is ever replaced, no branch is written anywhere else, and
 * a static key can only branch where its own __jump_table entry says (docs/integrity.md). */
static int patchable(const struct hv_integrity *in, enum site_kind kind, uint64_t jump_target,
                     uint32_t insn, uint64_t ipa)
{
    uint32_t op = insn & INSN_B_MASK;
    int64_t offset = (int64_t)((uint64_t)(insn & 0x03ffffffu) << 38) >> 36;   /* imm26 * 4 */
    uint64_t target = ipa + (uint64_t)offset;

    switch (kind) {
    case SITE_JUMP:
        return insn == INSN_NOP || (op == INSN_B && target == jump_target);
    case SITE_FTRACE:
        return insn == INSN_NOP ||
               (op == INSN_BL && among(in->bl_targets, in->nbl_targets, target));
    case SITE_FTRACE_CALL:
        return op == INSN_BL && target - in->text_ipa < in->text_size;
    case SITE_NONE:
        break;
    }
    return 0;
}

/* The write of one allowed patch: the faulting store, decoded from the syndrome, done through
 * EL2's own mapping of the partition's RAM if it is at one of the kernel's patch sites and
 * both the instruction there now and the new one are that site's. A plain store: every write
 * to the site comes through here (stage 2 maps it read-only), so whatever a racing vCPU's
 * patch left there is patchable too. Returns 0 when the store is not such a patch. */
static int patch(struct hv_regs *regs, const struct hv_integrity *in, uint64_t iss, uint64_t ipa)
{
    if (!(iss & ISS_ISV) || (iss & ISS_SAS_MASK) != ISS_SAS_WORD || (ipa & 3) ||
        (iss & ISS_S1PTW) || ipa - in->text_ipa >= in->text_size ||
        (read_sysreg(sctlr_el1) & SCTLR_EE))  /* the register's bytes are not memory's */
        return 0;
    uint64_t jump_target = 0;
    enum site_kind kind = site_at(in, ipa, &jump_target);
    if (kind == SITE_NONE)
        return 0;
    unsigned rt = ISS_SRT(iss);
    uint32_t new = rt == 31 ? 0 : (uint32_t)regs->x[rt];    /* register 31 is XZR here */
    uint32_t *site = (uint32_t *)(in->text_pa + (ipa - in->text_ipa));
    site_before_read(site);
    uint32_t old = __atomic_load_n(site, __ATOMIC_RELAXED);
    if (!patchable(in, kind, jump_target, old, ipa) || !patchable(in, kind, jump_target, new, ipa))
        return 0;
    __atomic_store_n(site, new, __ATOMIC_RELAXED);
    insn_written(site);
    regs->elr += 4;
    return 1;
}

/* First time this site is refused? (A full table reports every further site.) */
static int first_at(uint32_t idx, uint64_t ipa)
{
    for (int i = 0; i < SITES; i++) {
        uint64_t seen = __atomic_load_n(&stats[idx].site[i], __ATOMIC_RELAXED);
        if (seen == ipa + 1)
            return 0;
        if (!seen && __atomic_compare_exchange_n(&stats[idx].site[i], &seen, ipa + 1, 0,
                                                 __ATOMIC_RELAXED, __ATOMIC_RELAXED))
            return 1;
        if (seen == ipa + 1)
            return 0;
    }
    return 1;
}

static const uint32_t violation_fault_action[] = {
    [HV_SEAL_BLOCK] = HV_FAULT_INJECT,
    [HV_SEAL_INJECT] = HV_FAULT_INJECT,
    [HV_SEAL_HALT] = HV_FAULT_HALT,
    [HV_SEAL_RESTART] = HV_FAULT_RESTART,
};

/* A refused write: under `block` the store is skipped (said once per site), else the health
 * monitor acts as on_violation says. */
static void violation(struct hv_regs *regs, const struct hv_integrity *in,
                      const struct hv_seal_range *r, uint64_t ipa)
{
    static const char *const kinds[] = {"text", "read-only data"};
    uint32_t idx = hv_current_partition();
    uint64_t n = __atomic_add_fetch(&stats[idx].violations, 1, __ATOMIC_RELAXED);
    int block = in->on_violation == HV_SEAL_BLOCK;
    char event[160];

    if (block)
        regs->elr += 4;
    if (block && !first_at(idx, ipa))
        return;
    hv_snprintf(event, sizeof(event),
                "integrity: write to sealed kernel %s at ipa=0x%lx pc=0x%lx blocked "
                "(violation %lu)",
                kinds[r->kind], (unsigned long)ipa, (unsigned long)regs->elr - (block ? 4 : 0),
                (unsigned long)n);
    if (block)
        hv_log_event(idx, "%s", event);
    else
        hv_fault_as(regs, HV_FAULT_KIND_ABORT, violation_fault_action[in->on_violation], event);
}

static int is_power_of_10(uint64_t n)
{
    while (n >= 10 && n % 10 == 0)
        n /= 10;
    return n == 1;
}

/* EL1 fetched outside the sealed text of a sealed-strict partition. Under `block` and
 * `inject` the guest gets the instruction abort (nothing can be skipped: the next instruction
 * would be fetched from the same place), reported once per site like a refused write;
 * `halt` and `restart` act at once. */
static void fetch_violation(struct hv_regs *regs, const struct hv_integrity *in, uint64_t ipa)
{
    uint32_t idx = hv_current_partition();
    uint64_t n = __atomic_add_fetch(&stats[idx].violations, 1, __ATOMIC_RELAXED);
    uint32_t action = violation_fault_action[in->on_violation];
    char event[160];

    __atomic_add_fetch(&stats[idx].fetches, 1, __ATOMIC_RELEASE); /* after violations */
    if (action == HV_FAULT_INJECT && !first_at(idx, ipa)) {
        hv_inject_exception(regs, HV_FAULT_KIND_ABORT);
        return;
    }
    hv_snprintf(event, sizeof(event),
                "integrity: execution outside sealed kernel text at ipa=0x%lx pc=0x%lx blocked "
                "(violation %lu)",
                (unsigned long)ipa, (unsigned long)regs->elr, (unsigned long)n);
    hv_fault_as(regs, HV_FAULT_KIND_ABORT, action, event);
}

int hv_seal_fetch_abort(struct hv_regs *regs, uint64_t esr, uint64_t ipa)
{
    const struct hv_integrity *in = hv_current_partition_config()->integrity;
    uint64_t iss = ESR_ISS(esr);

    /* Only the sealed tables take EL1's execute permission away (never the unsealed ones),
     * and only a fetch itself, not its stage-1 walk (S1PTW: a read), is what they refuse. */
    if (!in || !in->strict || !FSC_IS_PERMISSION(ISS_FSC(iss)) || (iss & ISS_S1PTW) ||
        (regs->spsr & SPSR_M_AARCH32) || (regs->spsr & SPSR_M_MASK) == SPSR_M_EL0T ||
        !is_sealed(hv_current_partition()))
        return 0;
    /* Memory the configuration never made executable faulted before the seal too: that is the
     * health monitor's (on_fault), not a seal violation (red team 6). */
    if (!hv_guest_executable(hv_current_partition_config(), ipa))
        return 0;
    fetch_violation(regs, in, ipa);
    return 1;
}

/* ID_AA64MMFR1_EL1.XNX, bits [31:28], >= 1: stage-2 XN[1:0] (FEAT_XNX); an unsigned ID field,
 * where a higher value keeps what a lower one means (Arm ARM, the principles of the ID scheme). */
static int has_feat_xnx(void)
{
    return ((read_sysreg(id_aa64mmfr1_el1) >> 28) & 0xf) >= 1;
}

int hv_seal_can_start(uint32_t idx)
{
    const struct hv_partition *p = &hv_partitions[idx];

    if (!p->integrity || !p->integrity->strict || has_feat_xnx())
        return 1;
    hv_log("%s: integrity: sealed-strict needs FEAT_XNX, which CPU %u lacks "
           "(ID_AA64MMFR1_EL1.XNX = 0): its stage-2 EL1 execute-never bit would be ignored "
           "-> not started",
           p->name, hv_cpu_slot());
    return 0;
}

int hv_seal_abort(struct hv_regs *regs, uint64_t esr, uint64_t ipa)
{
    const struct hv_integrity *in = hv_current_partition_config()->integrity;
    uint64_t iss = ESR_ISS(esr);

    if (!in || !FSC_IS_PERMISSION(ISS_FSC(iss)))    /* not sealed, not a permission fault */
        return 0;
    const struct hv_seal_range *r = range_of(in, ipa);
    if (!r || !is_sealed(hv_current_partition()))
        return 0;                   /* not the sealed tables' fault: the health monitor's */
    /* Under QEMU's -icount with a 1 GHz counter one tick is one instruction: scripts/bench-seal
     * measures the decoder's cost with it. */
    uint64_t t0 = hv_counter();
    if ((iss & ISS_WNR) && patch(regs, in, iss, ipa)) {
        uint32_t idx = hv_current_partition();
        uint64_t ticks =
            __atomic_add_fetch(&stats[idx].patch_ticks, hv_counter() - t0, __ATOMIC_RELAXED);
        uint64_t n = __atomic_add_fetch(&stats[idx].patches, 1, __ATOMIC_RELAXED);
        if (is_power_of_10(n)) /* counted; said at 1, 10, 100, ... */
            hv_log_event(idx,
                         "integrity: %lu kernel patches done (%lu counter ticks each in "
                         "the decoder, on average)",
                         (unsigned long)n, (unsigned long)(ticks / n));
        return 1;
    }
    violation(regs, in, r, ipa);
    return 1;
}

void hv_seal_partition_reset(uint32_t idx)
{
    /* A new incarnation: its refused sites are said again (the counts run on). */
    for (int i = 0; i < SITES; i++)
        __atomic_store_n(&stats[idx].site[i], 0, __ATOMIC_RELAXED);
}

void hv_seal_report(uint32_t idx)
{
    const struct hv_partition *p = &hv_partitions[idx];

    if (!p->integrity)
        return;
    uint64_t n = __atomic_load_n(&stats[idx].patches, __ATOMIC_RELAXED);
    uint64_t ticks = __atomic_load_n(&stats[idx].patch_ticks, __ATOMIC_RELAXED);
    /* fetches first: each is counted in violations before it is in fetches, so the writes
     * refused (their difference) cannot come out negative while a vCPU still runs */
    uint64_t fetches = __atomic_load_n(&stats[idx].fetches, __ATOMIC_ACQUIRE);
    uint64_t violations = __atomic_load_n(&stats[idx].violations, __ATOMIC_ACQUIRE);
    char strict[64] = "";
    if (p->integrity->strict)
        hv_snprintf(strict, sizeof(strict), ", %lu EL1 fetches outside the text refused",
                    (unsigned long)fetches);
    hv_log("%s: integrity: %lu kernel patches done (%lu counter ticks each in the decoder, on "
           "average), %lu writes refused%s",
           p->name, (unsigned long)n, (unsigned long)(n ? ticks / n : 0),
           (unsigned long)(violations - fetches), strict);
}
