/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Random SMCCC calls (HVC and SMC, every immediate the fuzzer knows) and PSCI sequences.
 * Function ids are biased toward the ranges the hypervisor implements; arguments toward
 * boundaries and pointers anywhere. After each call the registers SMCCC says the callee
 * preserves are compared: a change is a leak or corruption by the hypervisor.
 */
#include "fuzz.h"

uint64_t fz_arg(uint64_t *rng)
{
    static const uint64_t boundaries[] = {
        0,
        1,
        2,
        3,
        0xff,
        0x100,
        0x101,
        0xfff,
        0x1000,
        0x7fffffff,
        0x80000000,
        0xffffffff,
        0x100000000UL,
        0x7fffffffffffffffUL,
        0x8000000000000000UL,
        ~0UL,
        ~0UL - 0xfff,
    };
    uint64_t r = fz_next(rng);
    switch (fz_below(rng, 11)) {
    case 0:
        return boundaries[r % (sizeof(boundaries) / sizeof(boundaries[0]))];
    case 1:
        return (uint64_t)&fz_scratch[r % sizeof(fz_scratch)];
    case 2:
        return HVCFG_MEM_BASE + r % HVCFG_MEM_SIZE;                 /* its own code */
    case 3:
        return HVCFG_MEM_BASE + HVCFG_MEM_SIZE - r % 64;            /* straddles its end */
    case 4:
        return VICTIM_IPA + r % 0x100000;
    case 5:
        return HVCFG_UNMAPPED_IPA + r % 0x10000;
    case 6:
        return HYP_PA + r % 0x1000000;
    case 7:
        return HVCFG_GICD_BASE + r % 0x1000;
    case 8:
        return r % 16;
    case 9:
        return r >> (r & 63);
    default:
        return r;
    }
}

static uint32_t fid_of(struct fz_cpu *c, enum fz_kind *kind)
{
    /* SMCCC_VERSION, ARCH_FEATURES, SOC_ID, WORKAROUND_1/2/3, ... (0xffff: random) */
    static const uint32_t arch_ids[12] = {0,      1,      2,      3,      4,      0x3fff,
                                          0x7fff, 0x8000, 0x8001, 0x8002, 0x8003, 0xffff};
    uint64_t *rng = &c->rng;
    uint32_t fast64 = (fz_next(rng) & 1) ? HVCFG_PSCI_SMC64 : 0;
    uint32_t low = (uint32_t)fz_next(rng);
    uint32_t fid;

    switch (fz_below(rng, 6)) {
    case 0:                         /* SMCCC architecture: version, features, workarounds */
        *kind = K_HVC_ARCH;
        fid = 0x80000000u | fast64 | arch_ids[low % 12];
        if (fid == (0x80000000u | fast64 | 0xffff))
            fid = 0x80000000u | fast64 | (low >> 16);
        break;
    case 1:                         /* PSCI */
        *kind = K_HVC_PSCI;
        fid = 0x84000000u | fast64 | (low & 0x1f);
        break;
    case 2:
    case 3:                 /* vendor hypervisor: hvcfg's own calls, UID, revision */
        *kind = K_HVC_VENDOR;
        fid = 0x86000000u | fast64 |
              (low & 1   ? low >> 1 & 0xf
               : low & 2 ? 0xff00 | (low >> 2 & 0xff)
                         : low >> 16);
        break;
    case 4:                         /* another owner (SiP, OEM, trusted OS...) */
        *kind = K_HVC_OWNER;
        fid = 0x80000000u | fast64 | ((low % 64) << 24) | (low >> 20 & 0xff);
        break;
    default:
        *kind = K_HVC_RANDOM;
        fid = low;
    }
    /* Calls that end or start a vCPU or the partition have their own actions, paced. */
    uint32_t f = fid & ~HVCFG_PSCI_SMC64;
    if (f == HVCFG_PSCI_CPU_OFF || f == HVCFG_PSCI_CPU_ON || f == HVCFG_PSCI_SYSTEM_OFF ||
        f == HVCFG_PSCI_SYSTEM_RESET || f == 0x84000012 /* SYSTEM_RESET2 */)
        fid = HVCFG_PSCI_VERSION;   /* instead */
    return fid;
}

/* What the doorbell and channel_info calls must answer for channel index `index`: 0 for its
 * own channels (the doorbell: only where it may ring), -1 (and no fault) for anything else. */
static int64_t channel_result(uint32_t fid, uint64_t index)
{
#if HVCFG_CHANNEL_COUNT > 0
    if (index < HVCFG_CHANNEL_COUNT)
        return fid == HVCFG_HC_CHANNEL_INFO || (fz_channels[index].flags & HVCFG_CHANNEL_CAN_RING)
                   ? 0
                   : -1;
#endif
    (void)fid;
    (void)index;
    return -1;
}

enum fz_kind fz_call_action(struct fz_cpu *c)
{
    uint64_t x[19];
    enum fz_kind kind;
    uint32_t fid = fid_of(c, &kind);
    unsigned conduit = (unsigned)fz_below(&c->rng, 8);
    conduit = conduit < 4 ? 0 : conduit - 3; /* mostly hvc #0; smc #0, hvc #1/#0xffff, smc #imm */

    for (int i = 0; i < 19; i++)
        x[i] = 0x5a5a000000000000UL | ((uint64_t)i << 32) | (uint32_t)fz_next(&c->rng);
    x[0] = fz_below(&c->rng, 4) ? fid : ((uint64_t)fz_next(&c->rng) << 32) | fid;
    x[1] = fz_arg(&c->rng);
    x[2] = fz_arg(&c->rng);
    x[3] = fz_arg(&c->rng);
    if ((fid == HVCFG_HC_DOORBELL || fid == HVCFG_HC_CHANNEL_INFO) && fz_below(&c->rng, 2)) {
        /* a channel index: its own (0 .. count-1), just past them, or anything */
        kind = K_CHANNEL;
        x[1] = fz_below(&c->rng, 2) ? fz_below(&c->rng, HVCFG_CHANNEL_COUNT + 2) : x[1];
    }
    if ((fid & ~HVCFG_PSCI_SMC64) == (HVCFG_HC_CONSOLE & ~HVCFG_PSCI_SMC64) &&
        fz_below(&c->rng, 2)) {                                        /* console: a length */
        static const uint64_t lens[] = {0, 1, 255, 256, 257, 4096, ~0UL, 0x80000000UL};
        kind = K_CONSOLE;
        x[2] = fz_below(&c->rng, 2) ? fz_below(&c->rng, 300) : lens[fz_below(&c->rng, 8)];
    }
    FZ_BEGIN(c, kind, "call %u fid 0x%lx x1 0x%lx x2 0x%lx x3 0x%lx", conduit, x[0], x[1], x[2],
             x[3]);
    uint64_t before[19];
    for (int i = 0; i < 19; i++)
        before[i] = x[i];
    fz_call(x, conduit);
    if (kind == K_CHANNEL && conduit == 0 && (int64_t)x[0] != channel_result(fid, before[1]))
        FZ_VIOLATION(c, "fid 0x%x index 0x%lx -> %ld", fid, before[1], (int64_t)x[0]);
    /* Results in x0-x3 (identity also x4-x7, channel_info x4-x5); x4-x17 are preserved
     * (SMCCC 1.1), x18 too. */
    int first = fid == HVCFG_HC_IDENTITY ? 8 : fid == HVCFG_HC_CHANNEL_INFO ? 6 : 4;
    for (int i = first; i < 18; i++)
        if (x[i] != before[i])
            FZ_VIOLATION(c, "fid 0x%x changed x%d 0x%lx -> 0x%lx", fid, i, before[i], x[i]);
    if (x[18] != (uint64_t)x)
        FZ_VIOLATION(c, "fid 0x%x changed x18", fid);
    return kind;
}

/* A vCPU's MPIDR as PSCI names it: the right ones, or anything. */
static uint64_t mpidr_arg(struct fz_cpu *c, int valid)
{
    static const uint64_t bad[] = {
        NCPUS, 0xff, 0x100, 0x10000, 0x100000000UL, 1UL << 31 | 1 /* MPIDR.RES1 */, ~0UL, 8};
    return valid ? fz_below(&c->rng, NCPUS)
                 : (fz_below(&c->rng, 2) ? bad[fz_below(&c->rng, 8)] : fz_next(&c->rng));
}

/* A CPU_ON entry: fz_entry or a word of its sled (valid), or an address that is not executable
 * (its data, the victim's RAM, unmapped, the hypervisor's RAM...). Unaligned entries are not
 * made: a vCPU that starts there faults at once, before it could install its vectors. */
static uint64_t entry_arg(struct fz_cpu *c, int valid)
{
    if (valid)
        return fz_below(&c->rng, 2) ? (uint64_t)fz_entry
                                    : (uint64_t)fz_entry_sled + 4 * fz_below(&c->rng, 1024);
    /* Outside its RAM in both readings: CPU_ON's SMC32 form takes only the low 32 bits
     * (SMCCC: W registers), so 0x3a51c48400ba474 is the valid entry 0x400ba474 there. */
    uint64_t a;
    do
        a = fz_arg(&c->rng) & ~3UL;
    while ((a >= HVCFG_MEM_BASE && a < HVCFG_MEM_BASE + HVCFG_MEM_SIZE) ||
           ((uint32_t)a >= HVCFG_MEM_BASE && (uint32_t)a < HVCFG_MEM_BASE + HVCFG_MEM_SIZE));
    return a;
}

static int64_t psci(struct fz_cpu *c, uint32_t fid, uint64_t a1, uint64_t a2, uint64_t a3)
{
    int smc = fz_below(&c->rng, 4) == 0;
    return (smc ? smccc_smc : smccc_hvc)(fid, a1, a2, a3).x0;
}

enum fz_kind fz_psci_action(struct fz_cpu *c, uint32_t self)
{
    uint64_t r = fz_below(&c->rng, 1000);
    uint32_t on = fz_below(&c->rng, 2) ? HVCFG_PSCI_CPU_ON_64 : HVCFG_PSCI_CPU_ON;

    if ((int64_t)r < FUZZ_RESET_PERMILLE && fz_may_reset()) {
        int race = fz_below(&c->rng, 2);
        uint64_t target = mpidr_arg(c, 1), entry = entry_arg(c, 1);
        FZ_BEGIN(c, race ? K_ON_RESET : K_RESET, "%s",
                 race ? "CPU_ON + SYSTEM_RESET" : "SYSTEM_RESET");
        fz_summary(race ? "CPU_ON + SYSTEM_RESET after" : "SYSTEM_RESET after");
        if (race)
            smccc_hvc(HVCFG_PSCI_CPU_ON_64, target, entry, 0);
        smccc_hvc(HVCFG_PSCI_SYSTEM_RESET, 0, 0, 0);
        FZ_VIOLATION(c, "SYSTEM_RESET returned");
        return K_RESET;
    }
    if (r < 350) {
        uint64_t target = mpidr_arg(c, 1), entry = entry_arg(c, 1), ctx = fz_arg(&c->rng);
        FZ_BEGIN(c, K_CPU_ON, "CPU_ON 0x%x %lu 0x%lx 0x%lx", on, target, entry, ctx);
        int64_t ret = psci(c, on, target, entry, ctx);
        /* ALREADY_ON once accepted (never ON_PENDING), INTERNAL_FAILURE while the partition
         * is being stopped by another vCPU (docs/hypercalls.md) */
        if (ret != 0 && ret != -4 && ret != -6)
            FZ_VIOLATION(c, "CPU_ON %lu -> %ld", target, ret);
        return K_CPU_ON;
    }
    if (r < 600) {
        int bad_mpidr = fz_below(&c->rng, 2);
        uint64_t target = mpidr_arg(c, !bad_mpidr), entry = entry_arg(c, bad_mpidr);
        FZ_BEGIN(c, K_CPU_ON_BAD, "CPU_ON bad 0x%x 0x%lx 0x%lx", on, target, entry);
        int64_t ret = psci(c, on, target, entry, fz_arg(&c->rng));
        if (ret == 0)
            FZ_VIOLATION(c, "CPU_ON 0x%lx entry 0x%lx accepted", target, entry);
        return K_CPU_ON_BAD;
    }
    if (r < 700 && self != 0) { /* vCPU 0 never turns itself off: it ends the run */
        FZ_BEGIN(c, K_CPU_OFF, "CPU_OFF");
        psci(c, HVCFG_PSCI_CPU_OFF, fz_arg(&c->rng), fz_arg(&c->rng), 0);
        FZ_VIOLATION(c, "CPU_OFF returned");
        return K_CPU_OFF;
    }
    uint64_t target = mpidr_arg(c, fz_below(&c->rng, 2)),
             level = fz_below(&c->rng, 4) ? 0 : fz_arg(&c->rng);
    FZ_BEGIN(c, K_AFFINITY, "AFFINITY_INFO %lu %lu", target, level);
    int64_t ret =
        psci(c, fz_below(&c->rng, 2) ? HVCFG_PSCI_AFFINITY_INFO_64 : HVCFG_PSCI_AFFINITY_INFO,
             target, level, fz_arg(&c->rng));
    if (ret != 0 && ret != 1 && ret != 2 && ret != -2)
        FZ_VIOLATION(c, "AFFINITY_INFO %lu %lu -> %ld", target, level, ret);
    return K_AFFINITY;
}

/* The end of the run: SYSTEM_OFF, or, half the time, a CPU_ON right before it (the partition
 * must still stop and the machine power off). */
void fz_cpu_on_then_off(struct fz_cpu *c)
{
    if (NCPUS > 1 && (FUZZ_END_RACE == 2 || (FUZZ_END_RACE == 1 && fz_below(&c->rng, 2)))) {
        FZ_LOG("fuzz: CPU_ON + SYSTEM_OFF");
        smccc_hvc(HVCFG_PSCI_CPU_ON_64, 1 + fz_below(&c->rng, NCPUS - 1), (uint64_t)fz_entry, 0);
    } else {
        FZ_LOG("fuzz: SYSTEM_OFF");
    }
    guest_system_off();
}
