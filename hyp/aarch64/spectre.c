/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Spectre on the CPUs hvcfg runs on, decided per physical CPU by MIDR_EL1 (the guest sees the
 * same MIDR: VPIDR_EL2). Cortex-A35/A53/A55 are affected by none of Spectre-v2, -v4 (SSB) or
 * -BHB. Cortex-A57/A72 (the Pi 4) are affected by all three. On every entry from a guest, EL2
 * runs the k = 8 branch loop that overwrites the branch history (BHB; Linux's and TF-A's count
 * for these cores, valid at any exception level) and then turns its MMU off and on again, the
 * way TF-A invalidates these cores' branch predictor (wa_cve_2017_5715_mmu) - at EL3. That it
 * does the same at EL2 is not documented by Arm, and Linux, KVM and Xen call EL3 firmware
 * instead; the Pi 4 has none. So the hardening stays (it costs 35 instructions per entry and
 * may help) but is not claimed: ARCH_WORKAROUND_1 and _3 (which covers v2 too) answer
 * NOT_SUPPORTED on these cores, and Linux then uses its own BHB loop and reports v2 as
 * vulnerable, which is the truth we can vouch for (docs/architecture.md). SSB is not mitigated
 * (it would take CPUACTLR_EL1's load-pass-store disable): NOT_SUPPORTED.
 * Other CPUs: v2 per ID_AA64PFR0_EL1.CSV2, the rest unknown (NOT_SUPPORTED).
 */
#include "hv/spectre.h"
#include "hv/sysreg.h"

/* MIDR_EL1 implementer and part number: variant and revision do not change the answers */
#define MIDR_PART_MASK  0xff00fff0UL
#define MIDR_CORTEX_A35 0x4100d040UL
#define MIDR_CORTEX_A53 0x4100d030UL
#define MIDR_CORTEX_A55 0x4100d050UL
#define MIDR_CORTEX_A57 0x4100d070UL
#define MIDR_CORTEX_A72 0x4100d080UL
#define PFR0_CSV2(pfr0) (((pfr0) >> 56) & 0xf)

extern char hv_vectors[], hv_vectors_bhb[];

enum exposure { UNAFFECTED, HARDENED_ENTRY, UNKNOWN };

static enum exposure this_cpu(void)
{
    switch (read_sysreg(midr_el1) & MIDR_PART_MASK) {
    case MIDR_CORTEX_A35:
    case MIDR_CORTEX_A53:
    case MIDR_CORTEX_A55:
        return UNAFFECTED;
    case MIDR_CORTEX_A57:
    case MIDR_CORTEX_A72:
        return HARDENED_ENTRY;
    default:
        return UNKNOWN;
    }
}

uint64_t hv_vectors_for_cpu(void)
{
    return (uint64_t)(this_cpu() == HARDENED_ENTRY ? hv_vectors_bhb : hv_vectors);
}

int64_t hv_spectre_features(uint32_t fid)
{
    enum exposure e = this_cpu();

    if (fid == SMCCC_ARCH_WORKAROUND_2)
        return e == UNAFFECTED ? SMCCC_RET_NOT_REQUIRED : SMCCC_RET_NOT_SUPPORTED;
    if (e == UNAFFECTED)
        return SMCCC_RET_UNAFFECTED;
    if (e == HARDENED_ENTRY)
        return SMCCC_RET_NOT_SUPPORTED;     /* hardened, not proven: see above */
    if (fid == SMCCC_ARCH_WORKAROUND_1 && PFR0_CSV2(read_sysreg(id_aa64pfr0_el1)) != 0)
        return SMCCC_RET_UNAFFECTED;
    return SMCCC_RET_NOT_SUPPORTED;
}
