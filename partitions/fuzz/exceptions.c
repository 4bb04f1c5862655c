/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The fuzzer's exception handlers. A synchronous exception (from lib/vectors.S through
 * el1_sync in entry.S) is counted and the faulting instruction skipped, so that every
 * forbidden attempt comes back and the run goes on (on_fault: inject). IRQs taken in an IRQ
 * window are acknowledged and completed, and their sources quietened.
 */
#include "fuzz.h"

#define EC_BRK_LOW   0x30            /* 0x30..0x35: breakpoint, step, watchpoint */
#define EC_WATCH_CUR 0x35
#define SPSR_D       (1UL << 9)
#define SPSR_SS      (1UL << 21)
#define GICC_IAR     0x0c
#define GICC_EOIR    0x10
#define TIMER_PPI    27
#define UARTIMSC     0x38

/* Returns where to resume. */
uint64_t fz_sync(uint64_t esr, uint64_t elr, uint64_t far)
{
    uint32_t v = fz_vcpu();
    struct fz_cpu *c = &fz_cpus[v < NCPUS ? v : 0];
    uint32_t ec = (uint32_t)(esr >> 26) & 0x3f;
    uint64_t after_call = elr - 4 - (uint64_t)fz_call_insns;

    (void)far;
    c->faults++;
    c->ec_seen |= 1UL << ec;
    if (ec >= EC_BRK_LOW && ec <= EC_WATCH_CUR) {
        /* A debug exception its own MSRs armed: disarm and re-execute. */
        uint64_t spsr;
        __asm__ volatile("msr mdscr_el1, xzr\n\tmrs %0, spsr_el1" : "=r"(spsr));
        __asm__ volatile("msr spsr_el1, %0\n\tisb" : : "r"((spsr | SPSR_D) & ~SPSR_SS));
        return elr;
    }
    /* An HVC or SMC whose failure the hypervisor injected returns past the call already. */
    if (after_call < (uint64_t)(fz_call_insns_end - fz_call_insns) && after_call % 8 == 0)
        return elr;
    return elr + 4;
}

void irq_handler(void)
{
    uint32_t v = fz_vcpu();
    struct fz_cpu *c = &fz_cpus[v < NCPUS ? v : 0];

    for (int n = 0; n < 8; n++) {
        uint32_t iar = mmio_read32(HVCFG_GICC_BASE + GICC_IAR);
        uint32_t intid = iar & 0x3ff;
        if (intid >= 1020)
            break;
        c->irqs++;
        if (intid == TIMER_PPI)
            __asm__ volatile("msr cntv_ctl_el0, %0" : : "r"(2UL));     /* masked */
        else if (intid == VUART_SPI)
            mmio_write32(VUART_IPA + UARTIMSC, 0);
#ifdef HVCFG_UART_BASE
        else if (intid == OWN_SPI)
            mmio_write32(HVCFG_UART_BASE + UARTIMSC, 0);
#endif
        mmio_write32(HVCFG_GICC_BASE + GICC_EOIR, iar);
    }
}
