/* SPDX-License-Identifier: Apache-2.0 */
/* Physical CPUs and the vCPU each one hosts: the partition/vCPU state machine (states and
 * who moves them: docs/architecture.md), the idle loop, entering a guest. */
#ifndef HV_VCPU_H
#define HV_VCPU_H

#include <stdint.h>

#include "hv/config.h"

/* A vCPU, as AFFINITY_INFO reports it. ON: its CPU runs (or is about to run) guest code of
 * the partition's current incarnation, or is in a trap from it. */
enum hv_vcpu_state { VCPU_OFF, VCPU_ON_PENDING, VCPU_ON };

/* A partition. HALTED is zero: a partition that never started is halted. */
enum hv_run_state { RUN_HALTED, RUN_RUNNING, RUN_STOPPING };

/* This CPU's slot in hv_cpus (TPIDR_EL2, set once at entry and never changed: the read is
 * not volatile, so the compiler may reuse it). */
#ifndef HV_HOST_SHIM                /* tests/host supplies its own */
static inline uint32_t hv_cpu_slot(void)
{
    uint64_t slot;
    __asm__("mrs %0, tpidr_el2" : "=r"(slot));
    return (uint32_t)slot;
}
#endif

enum hv_vcpu_state hv_vcpu_state(uint32_t slot);
enum hv_run_state hv_run_state(uint32_t partition);
/* PSCI CPU_ON semantics: 0, PSCI_ALREADY_ON (accepted before: ON_PENDING or ON), or
 * PSCI_INTERNAL_FAILURE while the partition is being stopped. */
int64_t hv_vcpu_request_start(uint32_t slot, uint64_t entry, uint64_t context);

/* A partition's life, driven by partition.c. Start: RUNNING, vCPU 0 requested. */
void hv_run_start(uint32_t partition);
/* RUNNING -> STOPPING (new incarnation, pending starts cancelled, caller's vCPU off); 0 if
 * the partition was not running (another CPU stops it). */
int hv_run_claim_stop(uint32_t partition);
/* STOPPING: kick the partition's other CPUs and wait until none runs guest code. */
void hv_run_wait_others_off(uint32_t partition);
/* STOPPING -> HALTED. */
void hv_run_halted(uint32_t partition);
/* PSCI CPU_OFF of the caller's vCPU; 1 when it was the last: the partition is then STOPPING
 * and the caller owns its stop. */
int hv_vcpu_off_self(uint32_t partition);

/* Mark this CPU's vCPU off (after releasing its vGIC state) and wait for a start request. */
void hv_cpu_idle(void) __attribute__((noreturn));
/* A kick arrived (IRQ taken from the guest): leave if this vCPU's incarnation is over. */
void hv_vcpu_handle_kick(void);
/* The incarnation this CPU's vCPU runs in (valid while it is ON). */
uint32_t hv_vcpu_gen(void);

#endif
