/* A ticket-free test-and-set spinlock: enough for the console, the only shared EL2 state. */
#ifndef HV_SPINLOCK_H
#define HV_SPINLOCK_H

#include <stdint.h>

typedef struct { volatile uint32_t locked; } hv_spinlock_t;

static inline void hv_spin_lock(hv_spinlock_t *l)
{
    while (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE))
        while (__atomic_load_n(&l->locked, __ATOMIC_RELAXED))
            __asm__ volatile("yield");  /* QEMU's single-threaded TCG runs the holder then */
}

static inline void hv_spin_unlock(hv_spinlock_t *l)
{
    __atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}

#endif
