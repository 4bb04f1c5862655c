/* SPDX-License-Identifier: Apache-2.0 */
/* For tests that #include hypervisor code that takes hv_spinlock_t: the ticket lock's assembly
 * is aarch64, so a counting lock instead, which also checks balance (lock_errors: a lock taken
 * while held, or released while not held). Include before the code under test. */
#ifndef COUNTING_LOCK_H
#define COUNTING_LOCK_H

#define HV_SPINLOCK_H
typedef struct {
    int held;
} hv_spinlock_t;
static int lock_errors;
static inline void hv_spin_lock(hv_spinlock_t *l)
{
    lock_errors += l->held++ != 0;
}
static inline void hv_spin_unlock(hv_spinlock_t *l)
{
    lock_errors += --l->held != 0;
}

#endif
