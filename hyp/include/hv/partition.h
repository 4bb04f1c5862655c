/* SPDX-License-Identifier: Apache-2.0 */
/* Partitions at run time: loading, starting, stopping, restarting, and the health monitor. */
#ifndef HV_PARTITION_H
#define HV_PARTITION_H

#include <stdint.h>

#include "hv/config.h"
#include "hv/frame.h"
#include "hv/vcpu.h"

#define HV_NO_PARTITION 0xffffffffu

enum hv_fault_kind {
    HV_FAULT_KIND_ABORT,            /* inject: synchronous data/instruction abort */
    HV_FAULT_KIND_UNDEF,            /* inject: undefined instruction */
    HV_FAULT_KIND_SERROR,           /* inject: virtual SError (HCR_EL2.VSE) */
};

/* The partition (index) whose vCPU this physical CPU runs. */
static inline uint32_t hv_current_partition(void)
{
    return hv_cpus[hv_cpu_slot()].partition;
}

/* ... and its configuration. The empty asm makes GCC compute the address once: otherwise it
 * redoes the multiply by sizeof(struct hv_partition) for each member it reads (5 instructions
 * on the GICD read fast path, measured with scripts/bench-traps). */
static inline const struct hv_partition *hv_current_partition_config(void)
{
    const struct hv_partition *p = &hv_partitions[hv_current_partition()];
    __asm__("" : "+r"(p));
    return p;
}

void hv_partitions_load_all(void);
/* Where each CPU goes after its own initialisation: its partition's vCPU 0, or idle. */
void hv_cpu_start(uint32_t slot) __attribute__((noreturn));

/* Stop a partition on all its CPUs (this CPU included). */
void hv_partition_halt(uint32_t idx) __attribute__((noreturn));
/* Stop, scrub, reload and start a partition again. `fault`: by the health monitor (counted
 * toward on_fault's limit by hv_fault); else requested (PSCI SYSTEM_RESET), counted toward
 * on_reset's limit: beyond it the partition is halted. */
void hv_partition_restart(uint32_t idx, int fault) __attribute__((noreturn));
/* PSCI CPU_OFF of this CPU's vCPU; the partition stops when its last vCPU is off. */
void hv_partition_vcpu_off(uint32_t idx) __attribute__((noreturn));
uint64_t hv_partition_cntvoff(uint32_t idx);

/* Health monitor: log the event and apply the partition's on_fault policy. Returns only
 * when the policy is `inject` (the guest resumes in its exception handler). */
void hv_fault(struct hv_regs *regs, enum hv_fault_kind kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The same with an action of its own (HV_FAULT_*) and the event already written: the
 * integrity monitor's on_violation (stage2/seal.c). */
void hv_fault_as(struct hv_regs *regs, enum hv_fault_kind kind, uint32_t action, const char *event);

void hv_inject_exception(struct hv_regs *regs, enum hv_fault_kind kind);

#endif
