/* SPDX-License-Identifier: Apache-2.0 */
/* Speculation side channels: what this CPU needs, what EL2 does about it (docs/architecture.md). */
#ifndef HV_SPECTRE_H
#define HV_SPECTRE_H

#include <stdint.h>

#define SMCCC_ARCH_WORKAROUND_1 0x80008000u /* Spectre-v2, CVE-2017-5715 */
#define SMCCC_ARCH_WORKAROUND_2 0x80007fffu /* Spectre-v4 (SSB), CVE-2018-3639 */
#define SMCCC_ARCH_WORKAROUND_3 0x80003fffu /* Spectre-BHB, CVE-2022-23960 (and v2) */

/* SMCCC_ARCH_FEATURES answers for the workaround calls (DEN0028) */
#define SMCCC_RET_UNAFFECTED    1 /* WORKAROUND_1/3: this CPU is not affected */
#define SMCCC_RET_NOT_SUPPORTED -1 /* no such call (affected and not mitigated, or unknown) */
#define SMCCC_RET_NOT_REQUIRED  -2 /* WORKAROUND_2: this CPU is not affected */

/* This CPU's EL2 vectors: with the branch-predictor and branch-history mitigation on every
 * entry from a guest where the CPU needs it (Cortex-A57/A72), else the plain ones. */
uint64_t hv_vectors_for_cpu(void);
/* SMCCC_ARCH_FEATURES(fid) for fid one of the workarounds, for this physical CPU. */
int64_t hv_spectre_features(uint32_t fid);

#endif
