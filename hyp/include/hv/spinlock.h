/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The hypervisor's only lock: a ticket lock, so it is fair. CPUs get the lock in the order
 * they asked for it, and a CPU holds at most one ticket per lock, so a waiter is overtaken by
 * at most HV_NCPUS - 1 critical sections however the others hammer the lock (a test-and-set
 * lock lets the CPU that just released it win again and again: the console starvation of
 * issue 12). Every bound on a shared lock is then "CPUs x longest critical section".
 */
#ifndef HV_SPINLOCK_H
#define HV_SPINLOCK_H

#include <stdint.h>

typedef struct {
    uint32_t next;                  /* the next ticket to hand out */
    uint32_t owner;                 /* the ticket that holds the lock */
} hv_spinlock_t;

static inline void hv_spin_lock(hv_spinlock_t *l)
{
    uint32_t ticket = __atomic_fetch_add(&l->next, 1, __ATOMIC_RELAXED);
    uint32_t owner;

    /* Our turn already: no wait. Else wait in WFE with the owner word in the exclusive monitor:
     * the unlock's store clears the monitor, an event that wakes this CPU (Linux's arm64
     * ticket locks did the same); a store between LDAXR and WFE leaves the event pending. */
    __asm__ volatile("1: ldaxr %w0, %1\n"
                     "   cmp %w0, %w2\n"
                     "   b.eq 2f\n"
                     "   wfe\n"
                     "   b 1b\n"
                     "2:"
                     : "=&r"(owner)
                     : "Q"(l->owner), "r"(ticket)
                     : "memory", "cc");
}

static inline void hv_spin_unlock(hv_spinlock_t *l)
{
    __atomic_store_n(&l->owner, l->owner + 1, __ATOMIC_RELEASE);
}

#endif
