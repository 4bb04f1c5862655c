/* Partitions at run time: loading, starting, stopping, and the health monitor. */
#ifndef HV_PARTITION_H
#define HV_PARTITION_H

#include <stdint.h>

#include "hv/config.h"
#include "hv/frame.h"

#define HV_NO_PARTITION 0xffffffffu

enum hv_fault_kind {
    HV_FAULT_KIND_ABORT,            /* inject: synchronous data/instruction abort */
    HV_FAULT_KIND_UNDEF,            /* inject: undefined instruction */
};

/* This CPU's slot in hv_cpus (TPIDR_EL2). */
static inline uint32_t hv_cpu_slot(void)
{
    uint64_t slot;
    __asm__ volatile("mrs %0, tpidr_el2" : "=r"(slot));
    return (uint32_t)slot;
}

void hv_partitions_load_all(void);
void hv_vcpu_run(uint32_t slot) __attribute__((noreturn));

/* Health monitor: log the event and apply the partition's on_fault policy. Returns only
 * when the policy is `inject` (the guest resumes in its exception handler). */
void hv_fault(struct hv_regs *regs, enum hv_fault_kind kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

void hv_inject_exception(struct hv_regs *regs, enum hv_fault_kind kind);

#endif
