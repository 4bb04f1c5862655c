/* SPDX-License-Identifier: Apache-2.0 */
/* A tiny runtime for bare-metal test partitions: console, PSCI, hypercalls, time. */
#ifndef GUEST_H
#define GUEST_H

#include <stdarg.h>
#include <stdint.h>

#include "partition_config.h"

/* SMCCC / PSCI function ids and results are HVCFG_PSCI_* and HVCFG_SMCCC_*, hvcfg's own calls
 * HVCFG_HC_<NAME>: all in partition_config.h, generated from hyp/include/hv/psci.h and
 * hyp/hypercalls.yaml (docs/hypercalls.md). */

/* MMIO accessors as single loads and stores without writeback, as Linux's readl/writel: only
 * those give the hypervisor a syndrome (ESR ISV) it can emulate. */
static inline void mmio_write32(uint64_t addr, uint32_t v)
{
    __asm__ volatile("str %w0, [%1]" : : "rZ"(v), "r"(addr) : "memory");
}
static inline void mmio_write8(uint64_t addr, uint8_t v)
{
    __asm__ volatile("strb %w0, [%1]" : : "rZ"(v), "r"(addr) : "memory");
}
static inline uint32_t mmio_read32(uint64_t addr)
{
    uint32_t v;
    __asm__ volatile("ldr %w0, [%1]" : "=r"(v) : "r"(addr) : "memory");
    return v;
}
static inline uint8_t mmio_read8(uint64_t addr)
{
    uint32_t v;
    __asm__ volatile("ldrb %w0, [%1]" : "=r"(v) : "r"(addr) : "memory");
    return (uint8_t)v;
}

/* The generic timer as the guest sees it: physical and virtual counters (after an ISB, so not
 * read early) and their frequency. */
static inline uint64_t guest_cntpct(void)
{
    uint64_t t;
    __asm__ volatile("isb; mrs %0, cntpct_el0" : "=r"(t));
    return t;
}
static inline uint64_t guest_cntvct(void)
{
    uint64_t t;
    __asm__ volatile("isb; mrs %0, cntvct_el0" : "=r"(t));
    return t;
}
static inline uint64_t guest_cntfrq(void)
{
    uint64_t f;
    __asm__ volatile("mrs %0, cntfrq_el0" : "=r"(f));
    return f;
}
/* Its virtual timer fires `ticks` of the counter from now (enabled, unmasked). */
static inline void guest_timer_in_ticks(uint64_t ticks)
{
    __asm__ volatile("msr cntv_tval_el0, %0\n\tmsr cntv_ctl_el0, %1\n\tisb"
                     :
                     : "r"(ticks), "r"(1UL)
                     : "memory");
}

/* IRQs at EL1 unmasked (1) or masked (0). */
static inline void guest_irqs(int on)
{
    if (on)
        __asm__ volatile("msr daifclr, #2" : : : "memory");
    else
        __asm__ volatile("msr daifset, #2" : : : "memory");
}

struct smccc_res {
    int64_t x0;
    uint64_t x1, x2, x3;
};

struct smccc_res smccc_hvc(uint32_t fid, uint64_t a1, uint64_t a2, uint64_t a3);
struct smccc_res smccc_smc(uint32_t fid, uint64_t a1, uint64_t a2, uint64_t a3);

/* One whole line (the newline is added): on the partition's UART if it has one, else through
 * the console hypercall. */
void guest_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#ifdef HVCFG_UART_BASE
void guest_uart_write(const char *s, uint64_t n);   /* raw bytes to the partition's own UART */
#endif
void guest_delay_ms(uint32_t ms);
/* Keep a virtual timer deadline 100 us ahead (enabled, interrupt masked). Under -icount QEMU
 * runs the CPUs round-robin, each until the next timer deadline: without one, a busy CPU runs
 * for tens of ms of virtual time while the others wait, and a partition that measures time
 * (the victim) would measure QEMU's scheduling instead of the hypervisor. Owns CNTV. */
void guest_icount_slice(void);
/* Wait `ms` on the virtual counter with the slice deadline always ahead: re-armed (100 us out)
 * every 50 us, before it expires. Letting it expire first let QEMU's round robin leave this CPU
 * out for over a millisecond next to a busy neighbour; re-arming in every iteration costs QEMU
 * a recomputation of its timers each time (4x slower runs). For partitions that measure their
 * own period (the victim). */
void guest_wait_ms_sliced(uint32_t ms);
uint32_t guest_checksum(const volatile uint8_t *p, uint64_t len);
void guest_system_off(void) __attribute__((noreturn));
void secondary_main(uint64_t vcpu);

/* lib/vectors.S: IRQs from EL1h call irq_handler(); synchronous exceptions go to el1_sync. */
extern char guest_vectors[];
void irq_handler(void);
static inline void guest_install_vectors(void)
{
    __asm__ volatile("msr vbar_el1, %0\n\tisb" : : "r"(guest_vectors) : "memory");
}
extern void _secondary_start(void);

#endif
