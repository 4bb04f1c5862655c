/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The fuzzer's exception handlers. A synchronous exception (from lib/vectors.S through
 * el1_sync in entry.S) is counted and the faulting instruction skipped, so that every
 * forbidden attempt comes back and the run goes on (on_fault: inject). IRQs taken in an IRQ
 * window are acknowledged and completed, and their sources quietened.
 */
#include "fuzz.h"
#include "../lib/gicv2.h"
#include "../../hyp/include/hv/pci_regs.h"

#define EC_BRK_LOW   0x30            /* 0x30..0x35: breakpoint, step, watchpoint */
#define EC_WATCH_CUR 0x35
#define SPSR_D       (1UL << 9)
#define SPSR_SS      (1UL << 21)
#define VTIMER_PPI   27
#define PTIMER_PPI   30
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

#if defined(HVCFG_PCI_REGS_BASE) && HVCFG_CHANNEL_COUNT > 0
#define FZ_DOORBELLS HVCFG_CHANNEL_COUNT
/* Channel k's ivshmem function: its BAR0 registers and its ECAM header (device = index). */
static uint64_t doorbell_regs(int k)
{
    return HVCFG_PCI_REGS_BASE + fz_channels[k].index * 0x1000UL;
}
#else
#define FZ_DOORBELLS 0
#endif

/* FUZZ_ARM_DOORBELLS: every doorbell line is raised, as a peer's ring raises it (the victim's
 * halt rings every peer), and delivered to vCPU 0, whatever the random writes did to the
 * distributor, its CPU interface and the function: the line stays high until vCPU 0's handler
 * quietens it (the other vCPUs may stop, with a CPU_OFF, before they could). */
void fz_arm_doorbells(void)
{
    mmio_write32(D(GICD_CTLR), 1);
    mmio_write32(C(GICC_PMR), 0xff);
    mmio_write32(C(GICC_CTLR), 1);
    for (int k = 0; k < FZ_DOORBELLS; k++) {
        uint32_t intid = fz_channels[k].doorbell_intid;
        if (!intid)
            continue;
        mmio_write8(D(GICD_IPRIORITYR + intid), 0xa0);
        mmio_write8(D(GICD_ITARGETSR + intid), 1);
        mmio_write32(D(GICD_ISENABLER + intid / 32 * 4), 1u << (intid % 32));
#ifdef HVCFG_PCI_ECAM_BASE
        mmio_write32(HVCFG_PCI_ECAM_BASE + ((uint64_t)fz_channels[k].index << PCI_ECAM_DEV_SHIFT) +
                         PCI_COMMAND,
                     PCI_COMMAND_MEMORY); /* Interrupt Disable clear (the status half: RO) */
#endif
        mmio_write32(doorbell_regs(k) + IVSHMEM_INTR_MASK, 1);
        mmio_write32(doorbell_regs(k) + IVSHMEM_INTR_STATUS, 1);
    }
}

/* Quieten the device behind an interrupt just taken. A level-sensitive line that stays high
 * is signalled again as soon as it is completed: a handler that only completes it keeps its
 * vCPU in the IRQ window for good (the guest livelocks itself; the hypervisor only delivers).
 * So every source of this partition that can hold a line high is masked or cleared here: both
 * EL1 timers, the virtual UART, the passed-through UART, each channel's doorbell. Nothing else
 * is: an interrupt with no device behind it (SGIs, ISPENDR) that keeps coming back is the
 * hypervisor's fault, and the run's hang reports it. Returns 1 for a channel's doorbell. */
static int quieten(uint32_t intid)
{
    if (intid == VTIMER_PPI)
        __asm__ volatile("msr cntv_ctl_el0, %0" : : "r"(2UL)); /* masked */
    else if (intid == PTIMER_PPI)
        __asm__ volatile("msr cntp_ctl_el0, %0" : : "r"(2UL));
    else if (intid == VUART_SPI)
        mmio_write32(VUART_IPA + UARTIMSC, 0);
#ifdef HVCFG_UART_BASE
    else if (intid == OWN_SPI)
        mmio_write32(HVCFG_UART_BASE + UARTIMSC, 0);
#endif
    for (int k = 0; k < FZ_DOORBELLS; k++) {
        if (fz_channels[k].doorbell_intid == intid) {
            (void)mmio_read32(doorbell_regs(k) + IVSHMEM_INTR_STATUS); /* the read clears it */
            return 1;
        }
    }
    return 0;
}

void irq_handler(void)
{
    uint32_t v = fz_vcpu();
    struct fz_cpu *c = &fz_cpus[v < NCPUS ? v : 0];

    for (int n = 0; n < 8; n++) {
        uint32_t iar = mmio_read32(C(GICC_IAR));
        uint32_t intid = iar & 0x3ff;
        if (intid >= 1020)
            break;
        c->irqs++;
        c->doorbell_irqs += (uint64_t)quieten(intid);
        mmio_write32(C(GICC_EOIR), iar);
    }
}
