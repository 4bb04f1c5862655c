/* Physical CPUs and the vCPU each one hosts: mailboxes, the idle loop, entering a guest. */
#ifndef HV_VCPU_H
#define HV_VCPU_H

#include <stdint.h>

#include "hv/config.h"

enum hv_vcpu_state { VCPU_OFF, VCPU_ON_PENDING, VCPU_ON };

/* This CPU's slot in hv_cpus (TPIDR_EL2, set once at entry and never changed: the read is
 * not volatile, so the compiler may reuse it). */
static inline uint32_t hv_cpu_slot(void)
{
    uint64_t slot;
    __asm__("mrs %0, tpidr_el2" : "=r"(slot));
    return (uint32_t)slot;
}

enum hv_vcpu_state hv_vcpu_state(uint32_t slot);
/* PSCI CPU_ON semantics: 0, or PSCI_ALREADY_ON / PSCI_ON_PENDING. */
int64_t hv_vcpu_request_start(uint32_t slot, uint64_t entry, uint64_t context);
/* Stop the vCPU on another physical CPU and wait until it is off. */
void hv_vcpu_stop_remote(uint32_t slot);
/* Enter this CPU's vCPU now (the caller has loaded the partition). */
void hv_vcpu_enter(uint32_t slot, uint64_t entry, uint64_t context) __attribute__((noreturn));
/* Mark the vCPU on that CPU off (it is not running guest code any more). */
void hv_vcpu_mark_off(uint32_t slot);
/* Mark this CPU's vCPU off and wait for a start request. */
void hv_cpu_idle(void) __attribute__((noreturn));
/* A kick arrived (IRQ taken from the guest): act on this CPU's mailbox. */
void hv_vcpu_handle_kick(void);

#endif
