/*
 * Spectre on the CPUs hvcfg runs on, decided per physical CPU by MIDR_EL1 (the guest sees the
 * same MIDR: VPIDR_EL2). Cortex-A35/A53/A55 are affected by none of Spectre-v2, -v4 (SSB) or
 * -BHB. Cortex-A57/A72 (the Pi 4) are affected by all three: on every entry from a guest, EL2
 * runs the k = 8 branch loop that overwrites the branch history (BHB; Linux's and TF-A's count
 * for these cores) and turns its MMU off and on again, which invalidates these cores' branch
 * predictor (v2; TF-A's wa_cve_2017_5715_mmu at EL3, here at EL2 whose map is an identity
 * map, so the code runs on at the same address). A guest's ARCH_WORKAROUND_1/3 call is then
 * already done by the time it reaches the handler. SSB is not mitigated (it would take
 * CPUACTLR_EL1's load-pass-store disable, which firmware sets if it does): NOT_SUPPORTED.
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

enum exposure { UNAFFECTED, MITIGATED_AT_ENTRY, UNKNOWN };

static enum exposure this_cpu(void)
{
    switch (read_sysreg(midr_el1) & MIDR_PART_MASK) {
    case MIDR_CORTEX_A35: case MIDR_CORTEX_A53: case MIDR_CORTEX_A55:
        return UNAFFECTED;
    case MIDR_CORTEX_A57: case MIDR_CORTEX_A72:
        return MITIGATED_AT_ENTRY;
    default:
        return UNKNOWN;
    }
}

uint64_t hv_vectors_for_cpu(void)
{
    return (uint64_t)(this_cpu() == MITIGATED_AT_ENTRY ? hv_vectors_bhb : hv_vectors);
}

int64_t hv_spectre_features(uint32_t fid)
{
    enum exposure e = this_cpu();

    if (fid == SMCCC_ARCH_WORKAROUND_2)
        return e == UNAFFECTED ? SMCCC_RET_NOT_REQUIRED : SMCCC_RET_NOT_SUPPORTED;
    if (e == UNAFFECTED)
        return SMCCC_RET_UNAFFECTED;
    if (e == MITIGATED_AT_ENTRY)
        return SMCCC_RET_SUCCESS;
    if (fid == SMCCC_ARCH_WORKAROUND_1 && PFR0_CSV2(read_sysreg(id_aa64pfr0_el1)) != 0)
        return SMCCC_RET_UNAFFECTED;
    return SMCCC_RET_NOT_SUPPORTED;
}
