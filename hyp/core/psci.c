/* SPDX-License-Identifier: Apache-2.0 */
/*
 * PSCI 1.1 for guests, emulated and scoped to the calling partition: CPU_ON reaches only its
 * own vCPUs, SYSTEM_OFF and SYSTEM_RESET stop or restart only the partition. Nothing is
 * forwarded to the firmware.
 */
#include "hv/config.h"
#include "hv/console.h"
#include "hv/hypercall.h"
#include "hv/partition.h"
#include "hv/psci.h"
#include "hv/traps.h"
#include "hv/vcpu.h"

#define PSCI_VERSION_1_1     0x10001
#define SMCCC_VERSION_1_1    0x10001
#define MIGRATE_NOT_REQUIRED 2      /* Trusted OS absent or needs no migration */

/* The guest's MPIDR for vCPU n is n in Aff0 (VMPIDR_EL2); anything else names no vCPU. */
static int vcpu_of_mpidr(const struct hv_partition *p, uint64_t mpidr, uint32_t *vcpu)
{
    if ((mpidr & ~0xffUL) != 0 || (mpidr & 0xff) >= p->nvcpus)
        return 0;
    *vcpu = (uint32_t)(mpidr & 0xff);
    return 1;
}

static int64_t cpu_on(const struct hv_partition *p, uint64_t mpidr, uint64_t entry, uint64_t ctx)
{
    uint32_t vcpu;

    if (!vcpu_of_mpidr(p, mpidr, &vcpu))
        return PSCI_INVALID_PARAMETERS;
    if (!hv_guest_executable(p, entry))  /* an entry point must be executable */
        return PSCI_INVALID_ADDRESS;
    return hv_vcpu_request_start(p->cpu_slot[vcpu], entry, ctx);
}

static int64_t affinity_info(const struct hv_partition *p, uint64_t mpidr, uint64_t level)
{
    uint32_t vcpu;

    if (level != 0 || !vcpu_of_mpidr(p, mpidr, &vcpu))
        return PSCI_INVALID_PARAMETERS;
    switch (hv_vcpu_state(p->cpu_slot[vcpu])) {
    case VCPU_ON:
        return PSCI_AFF_ON;
    case VCPU_ON_PENDING:
        return PSCI_AFF_ON_PENDING;
    default:
        return PSCI_AFF_OFF;
    }
}

/* Exactly the function ids hv_psci_call answers: SMC64 variants only where PSCI has one and
 * this code implements it (CPU_ON, AFFINITY_INFO), so FEATURES never promises a call that
 * would then answer NOT_SUPPORTED. */
static int64_t features(uint32_t fid)
{
    switch (fid) {
    case PSCI_VERSION:
    case PSCI_CPU_OFF:
    case PSCI_CPU_ON:
    case PSCI_CPU_ON_64:
    case PSCI_AFFINITY_INFO:
    case PSCI_AFFINITY_INFO_64:
    case PSCI_MIGRATE_INFO_TYPE:
    case PSCI_SYSTEM_OFF:
    case PSCI_SYSTEM_RESET:
    case PSCI_FEATURES:
    case SMCCC_VERSION:
        return PSCI_SUCCESS;
    default:
        return PSCI_NOT_SUPPORTED;
    }
}

int hv_psci_call(struct hv_regs *regs, uint32_t fid)
{
    uint32_t idx = hv_current_partition();
    const struct hv_partition *p = &hv_partitions[idx];
    int smc32 = !(fid & PSCI_SMC64);
    /* SMC32 calls take 32-bit arguments: ignore the upper halves the guest left behind. */
    uint64_t a1 = smc32 ? (uint32_t)regs->x[1] : regs->x[1];
    uint64_t a2 = smc32 ? (uint32_t)regs->x[2] : regs->x[2];
    uint64_t a3 = smc32 ? (uint32_t)regs->x[3] : regs->x[3];
    int64_t ret;

    switch (fid) {
    case SMCCC_VERSION:
        ret = SMCCC_VERSION_1_1;
        break;
    case SMCCC_ARCH_FEATURES:
        ret = hv_smccc_arch_features((uint32_t)a1);
        break;
    case PSCI_VERSION:
        ret = PSCI_VERSION_1_1;
        break;
    case PSCI_FEATURES:
        ret = features((uint32_t)a1);
        break;
    case PSCI_CPU_ON:
    case PSCI_CPU_ON_64:
        ret = cpu_on(p, a1, a2, a3);
        break;
    case PSCI_AFFINITY_INFO:
    case PSCI_AFFINITY_INFO_64:
        ret = affinity_info(p, a1, a2);
        break;
    case PSCI_MIGRATE_INFO_TYPE:
        ret = MIGRATE_NOT_REQUIRED;
        break;
    case PSCI_CPU_OFF:
        hv_partition_vcpu_off(idx);
    case PSCI_SYSTEM_OFF:
        hv_log("%s: PSCI SYSTEM_OFF", p->name);
        hv_partition_halt(idx);
    case PSCI_SYSTEM_RESET:
        hv_log("%s: PSCI SYSTEM_RESET", p->name);
        hv_partition_restart(idx, 0);
    default:
        return 0;
    }
    regs->x[0] = (uint64_t)ret;
    return 1;
}
