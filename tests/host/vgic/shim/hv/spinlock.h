/* SPDX-License-Identifier: Apache-2.0 */
/* Host harness: one thread, so the distributor lock only has to exist. */
#ifndef HV_SPINLOCK_H
#define HV_SPINLOCK_H

#include <stdint.h>

typedef struct {
    uint32_t held;
} hv_spinlock_t;

void host_lock(hv_spinlock_t *l);       /* harness.c: checks that locks are balanced */
void host_unlock(hv_spinlock_t *l);
#define hv_spin_lock   host_lock
#define hv_spin_unlock host_unlock

#endif
