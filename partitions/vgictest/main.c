/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vgictest: exercises the virtual GIC from a bare-metal guest with two vCPUs.
 *  - ownership: an SPI it does not own cannot be enabled (reads back 0), its own can;
 *    ITARGETSR cannot name a CPU it does not have;
 *  - SGIs between its two vCPUs, both ways;
 *  - SGIs sent to vCPU 1 while it is off, before its PSCI CPU_ON and right after CPU_ON returns
 *    (before it has entered): each taken once its CPU interface is on (GICv2 keeps an SGI
 *    pending for a CPU interface that is off);
 *  - a burst of 15 SGIs pended at once (more than the 4 list registers): all delivered;
 *  - the virtual timer interrupt (PPI 27) firing on both vCPUs;
 *  - a whole GIC for every INTID in range (issue 13): the priority bits (the same for all),
 *    ITARGETSR and byte accesses kept, a purely virtual SPI pended by ISPENDR and delivered,
 *    hardware pending state read through (a disabled timer PPI that expired, a disabled SPI
 *    whose line is high), the EL1 physical timer (PPI 30), the ID registers;
 *  - its configured distributor (partition.yaml `vgic`): GICD_TYPER's line count, its configured
 *    virtual INTID (HVCFG_VIRQ_0) pended by GICD_ISPENDR and delivered, the first INTID beyond
 *    the lines RAZ/WI.
 */
#include "../lib/gicv2.h"

#define OWN_SPI     40      /* the second PL011's interrupt: given to this partition */
#define FOREIGN_SPI 33      /* the first PL011's: the hypervisor's console */
#define TIMER_PPI   27
#define PTIMER_PPI  30      /* EL1 physical timer */
#define VIRT_SPI    50      /* no device behind it: a purely virtual interrupt */
#define SGI_OFF     7       /* to vCPU 1 before its CPU_ON */
#define SGI_ON      8       /* to vCPU 1 right after its CPU_ON returned */
#define UART_IMSC   0x38
#define UART_TXIM   (1u << 5)
#define U(off)      (HVCFG_UART_BASE + (off))

static volatile uint32_t seen[2][HVCFG_GIC_LINES];   /* per vCPU, per INTID */
static volatile uint32_t vcpu1_ready, vcpu1_done, sgis_sent;
static volatile uint32_t vcpu1_early[3];    /* at its start: SGI_OFF, SGI_ON, any other SGI */

static uint64_t my_vcpu(void)
{
    uint64_t mpidr;
    __asm__ volatile("mrs %0, mpidr_el1" : "=r"(mpidr));
    return mpidr & 0xff;
}

void irq_handler(void)
{
    uint32_t iar = mmio_read32(C(GICC_IAR));
    uint32_t intid = iar & 0x3ff;
    if (intid < HVCFG_GIC_LINES) {
        seen[my_vcpu()][intid]++;
        if (intid == TIMER_PPI)
            __asm__ volatile("msr cntv_ctl_el0, %0" : : "r"(0UL));     /* one shot */
        if (intid == PTIMER_PPI)
            __asm__ volatile("msr cntp_ctl_el0, %0" : : "r"(0UL));
        if (intid == OWN_SPI)
            mmio_write32(U(UART_IMSC), 0);                              /* line low */
    }
    mmio_write32(C(GICC_EOIR), iar);
}

static void cpu_interface_on(void)
{
    gicv2_cpu_interface_on(1u << TIMER_PPI);
}

static int wait_for(volatile uint32_t *what, uint32_t value)
{
    for (uint32_t spins = 0; spins < 50000000u; spins++)
        if (*what >= value)
            return 1;
    return 0;
}

/* The SGIs vCPU 0 sent this vCPU before its CPU_ON and after the call returned: taken as soon
 * as its CPU interface is on and interrupts are unmasked. The 50 ms count from vCPU 0's word
 * that both are sent (its host thread may be descheduled between them); a lost one never
 * comes. */
static void early_sgis(void)
{
    while (!sgis_sent)                      /* vCPU 0 always sets it */
        __asm__ volatile("yield");
    for (uint32_t ms = 0; ms < 50 && !(seen[1][SGI_OFF] && seen[1][SGI_ON]); ms++)
        guest_delay_ms(1);
    for (uint32_t sgi = 0; sgi < 16; sgi++)
        vcpu1_early[sgi == SGI_OFF ? 0 : sgi == SGI_ON ? 1 : 2] += seen[1][sgi];
}

void secondary_main(uint64_t vcpu)
{
    cpu_interface_on();
    guest_irqs(1);
    early_sgis();
    vcpu1_ready = 1;
    wait_for(&seen[1][5], 1);               /* SGI 5 from vCPU 0 ... */
    mmio_write32(D(GICD_SGIR), (1u << 16) | 6);      /* ... answered with SGI 6 to vCPU 0 */
    guest_timer_in_ticks(1000);
    wait_for(&seen[1][TIMER_PPI], 1);
    vcpu1_done = 1;
    smccc_hvc(HVCFG_PSCI_CPU_OFF, 0, 0, 0);
}

/* The load forms a driver may use on emulated registers, each checked against what the
 * instruction does on a real device: the hypervisor writes the value back as that instruction
 * would (sign or zero extension, W or X destination, XZR). */
static void load_forms(void)
{
    uint64_t sb_x, sb_w, ub_w, sw_x, w, after = 0;
    uint64_t prio = D(GICD_IPRIORITYR), enabler = D(GICD_ISENABLER);

    mmio_write32(enabler, 1u << 31);                /* bank bit 31: a negative word */
    __asm__ volatile("ldrsb %0, [%1]" : "=r"(sb_x) : "r"(prio) : "memory");
    __asm__ volatile("ldrsb %w0, [%1]" : "=r"(sb_w) : "r"(prio) : "memory");
    __asm__ volatile("ldrb %w0, [%1]" : "=r"(ub_w) : "r"(prio) : "memory");
    __asm__ volatile("ldrsw %0, [%1]" : "=r"(sw_x) : "r"(enabler) : "memory");
    __asm__ volatile("mov %0, #-1\n\tldr %w0, [%1]" : "=&r"(w) : "r"(enabler) : "memory");
    __asm__ volatile("ldr wzr, [%1]\n\tmov %0, #1" : "=r"(after) : "r"(enabler) : "memory");
    /* x19-x29 are not in the fast path's partial frame: the same read takes the full path */
    uint64_t typer_fast, typer_full;
    __asm__ volatile("ldr %w0, [%2]\n\tldr w20, [%2]\n\tmov %1, x20"
                     : "=&r"(typer_fast), "=r"(typer_full)
                     : "r"(D(GICD_TYPER))
                     : "x20", "memory");
    mmio_write32(D(GICD_ICENABLER), 1u << 31);
    guest_printf("loads: GICD_TYPER into x0-x18 0x%lx, into x20 0x%lx", typer_fast, typer_full);
    guest_printf("loads: ldrsb x 0x%lx, ldrsb w 0x%lx, ldrb w 0x%lx", sb_x, sb_w, ub_w);
    guest_printf("loads: ldrsw x 0x%lx, ldr w 0x%lx, ldr wzr then next insn %lu", sw_x, w, after);
}

static uint32_t bit_of(uint32_t base, uint32_t intid)
{
    return (mmio_read32(D(base + 4 * (intid / 32))) >> (intid % 32)) & 1;
}

static void set_bit_of(uint32_t base, uint32_t intid)
{
    mmio_write32(D(base + 4 * (intid / 32)), 1u << (intid % 32));
}

/* Every INTID's priority field: 0xff written, the implemented bits read back, the same mask
 * for all (what an architecture test checks before it trusts priority masking). */
static void priority_bits(uint32_t lines)
{
    uint32_t differ = 0, mask = 0;

    for (uint32_t i = 0; i < lines; i++) {
        uint8_t old = mmio_read8(D(GICD_IPRIORITYR + i));
        mmio_write8(D(GICD_IPRIORITYR + i), 0xff);
        uint32_t got = mmio_read8(D(GICD_IPRIORITYR + i));
        if (i == 0)
            mask = got;
        differ += got != mask;
        mmio_write8(D(GICD_IPRIORITYR + i), old);
    }
    guest_printf("priority 0xff reads back 0x%x; INTIDs with another mask: %u of %u", mask, differ,
                 lines);
}

static void storage(void)
{
    mmio_write32(D(GICD_ITARGETSR + 48), 0x01020301u);
    guest_printf("ITARGETSR 48-51 <- 0x01020301 -> reads back 0x%x",
                 mmio_read32(D(GICD_ITARGETSR + 48)));
    mmio_write32(D(GICD_IPRIORITYR + 48), 0x10203040u);
    mmio_write8(D(GICD_IPRIORITYR + 49), 0x88);
    guest_printf("IPRIORITYR 48-51 <- 0x10203040, byte 49 <- 0x88 -> 0x%x, byte 50 0x%x",
                 mmio_read32(D(GICD_IPRIORITYR + 48)), mmio_read8(D(GICD_IPRIORITYR + 50)));
    mmio_write32(D(GICD_ICFGR + 4 * (VIRT_SPI / 16)), 2u << (2 * (VIRT_SPI % 16)));
    guest_printf("ICFGR virtual SPI edge -> reads back %u",
                 (mmio_read32(D(GICD_ICFGR + 4 * (VIRT_SPI / 16))) >> (2 * (VIRT_SPI % 16))) & 3);
    mmio_write32(D(GICD_ICFGR + 4 * (VIRT_SPI / 16)), 0);
    uint32_t pidr2 = mmio_read32(D(GICD_PIDR2));
    guest_printf("ICPIDR2 0x%x: GIC architecture version %u, CIDR0 0x%x, IIDR 0x%x", pidr2,
                 (pidr2 >> 4) & 0xf, mmio_read32(D(GICD_CIDR0)), mmio_read32(D(GICD_IIDR)));
}

/* SPI 50 has no device: pended by ISPENDR, held while disabled, delivered once enabled. */
static void virtual_spi(void)
{
    mmio_write8(D(GICD_IPRIORITYR + VIRT_SPI), 0x80);
    mmio_write8(D(GICD_ITARGETSR + VIRT_SPI), 0x01);
    set_bit_of(GICD_ISPENDR, VIRT_SPI);
    guest_delay_ms(2);
    guest_printf("virtual SPI %d pended while disabled: pending %u, taken %u", VIRT_SPI,
                 bit_of(GICD_ISPENDR, VIRT_SPI), seen[0][VIRT_SPI]);
    set_bit_of(GICD_ISENABLER, VIRT_SPI);
    uint32_t taken = wait_for(&seen[0][VIRT_SPI], 1);
    guest_printf("virtual SPI %d enabled: taken %u, pending %u, active %u", VIRT_SPI, taken,
                 bit_of(GICD_ISPENDR, VIRT_SPI), bit_of(GICD_ISACTIVER, VIRT_SPI));
    set_bit_of(GICD_ISACTIVER, VIRT_SPI);
    set_bit_of(GICD_ISPENDR, VIRT_SPI);
    guest_delay_ms(2);
    guest_printf("virtual SPI %d set active, pended again: active %u, taken %u", VIRT_SPI,
                 bit_of(GICD_ISACTIVER, VIRT_SPI), seen[0][VIRT_SPI]);
    set_bit_of(GICD_ICACTIVER, VIRT_SPI);
    guest_printf("virtual SPI %d deactivated: taken again %u", VIRT_SPI,
                 wait_for(&seen[0][VIRT_SPI], 2));
    set_bit_of(GICD_ICENABLER, VIRT_SPI);
}

/* The lines the configuration gave: its virtual INTID is delivered like any other, the first
 * INTID past the lines keeps nothing (a GIC with that many lines has no such interrupt). */
static void configured_lines(void)
{
    _Static_assert(HVCFG_VIRQ_COUNT >= 1, "partition.yaml gives vgic.virtual");
    mmio_write8(D(GICD_IPRIORITYR + HVCFG_VIRQ_0), 0x80);
    mmio_write8(D(GICD_ITARGETSR + HVCFG_VIRQ_0), 0x01);
    set_bit_of(GICD_ISPENDR, HVCFG_VIRQ_0);
    set_bit_of(GICD_ISENABLER, HVCFG_VIRQ_0);
    guest_printf("configured virtual INTID %d pended by ISPENDR: taken %u", HVCFG_VIRQ_0,
                 wait_for(&seen[0][HVCFG_VIRQ_0], 1));
    set_bit_of(GICD_ICENABLER, HVCFG_VIRQ_0);

    const uint32_t past = HVCFG_GIC_LINES;
    mmio_write8(D(GICD_IPRIORITYR + past), 0x80);
    mmio_write8(D(GICD_ITARGETSR + past), 0x01);
    set_bit_of(GICD_ISENABLER, past);
    set_bit_of(GICD_ISPENDR, past);
    guest_printf("INTID %u (past the lines): priority 0x%x, target 0x%x, enabled %u, pending %u",
                 past, mmio_read8(D(GICD_IPRIORITYR + past)), mmio_read8(D(GICD_ITARGETSR + past)),
                 bit_of(GICD_ISENABLER, past), bit_of(GICD_ISPENDR, past));
}

/* Hardware pending state reads through while the guest has the interrupt disabled. */
static void hw_pending(void)
{
    uint64_t ctl;

    mmio_write32(D(GICD_ICENABLER), 1u << TIMER_PPI);
    guest_timer_in_ticks(100);
    do
        __asm__ volatile("mrs %0, cntv_ctl_el0" : "=r"(ctl));
    while (!(ctl & 4));                                 /* ISTATUS: expired */
    uint32_t pending = bit_of(GICD_ISPENDR, TIMER_PPI);
    __asm__ volatile("msr cntv_ctl_el0, %0\n\tisb" : : "r"(0UL));
    guest_printf("disabled virtual timer expired: pending %u, taken %u; stopped: pending %u",
                 pending, seen[0][TIMER_PPI], bit_of(GICD_ISPENDR, TIMER_PPI));
    mmio_write32(D(GICD_ISENABLER), 1u << TIMER_PPI);

    mmio_write32(U(UART_IMSC), UART_TXIM);              /* its PL011's level line high */
    guest_delay_ms(2);
    pending = bit_of(GICD_ISPENDR, OWN_SPI);
    mmio_write32(U(UART_IMSC), 0);
    guest_delay_ms(1);
    guest_printf("disabled SPI %d with its line high: pending %u, taken %u; line low: pending %u",
                 OWN_SPI, pending, seen[0][OWN_SPI], bit_of(GICD_ISPENDR, OWN_SPI));
    /* ISPENDR of a hardware SPI pends it at the distributor: taken once enabled. */
    set_bit_of(GICD_ISPENDR, OWN_SPI);
    set_bit_of(GICD_ISENABLER, OWN_SPI);
    guest_printf("hardware SPI %d pended by ISPENDR, enabled: taken %u", OWN_SPI,
                 wait_for(&seen[0][OWN_SPI], 1));
    set_bit_of(GICD_ICENABLER, OWN_SPI);
}

static void physical_timer(void)
{
    mmio_write32(D(GICD_ISENABLER), 1u << PTIMER_PPI);
    __asm__ volatile("msr cntp_tval_el0, %0\n\tmsr cntp_ctl_el0, %1\n\tisb"
                     :
                     : "r"(1000UL), "r"(1UL)
                     : "memory");
    guest_printf("physical timer (CNTP) on vcpu0 fired PPI %d: %u", PTIMER_PPI,
                 wait_for(&seen[0][PTIMER_PPI], 1));
}

int main(uint64_t dtb)
{
    cpu_interface_on();
    mmio_write32(D(GICD_CTLR), 1);
    uint32_t typer = mmio_read32(D(GICD_TYPER));
    guest_printf("vgictest: GICD_TYPER lines=%u cpus=%u", 32 * ((typer & 0x1f) + 1),
                 ((typer >> 5) & 7) + 1);

    load_forms();
    priority_bits(32 * ((typer & 0x1f) + 1));
    storage();

    mmio_write32(D(GICD_ISENABLER + 4 * (FOREIGN_SPI / 32)), 1u << (FOREIGN_SPI % 32));
    guest_printf("enable foreign SPI %d -> reads back %u", FOREIGN_SPI,
                 (mmio_read32(D(GICD_ISENABLER + 4 * (FOREIGN_SPI / 32))) >> (FOREIGN_SPI % 32)) &
                     1);
    mmio_write32(D(GICD_ISENABLER + 4 * (OWN_SPI / 32)), 1u << (OWN_SPI % 32));
    guest_printf("enable own SPI %d -> reads back %u", OWN_SPI,
                 (mmio_read32(D(GICD_ISENABLER + 4 * (OWN_SPI / 32))) >> (OWN_SPI % 32)) & 1);
    mmio_write32(D(GICD_ICENABLER + 4 * (OWN_SPI / 32)), 1u << (OWN_SPI % 32));
    mmio_write32(D(GICD_ISENABLER + 4 * 31), 0xffffffffu);     /* INTIDs 992..1023: no lines */
    guest_printf("enable beyond the lines -> reads back 0x%x",
                 mmio_read32(D(GICD_ISENABLER + 4 * 31)));
    mmio_write8(D(GICD_ITARGETSR + OWN_SPI), 0xff);
    guest_printf("ITARGETSR own SPI <- 0xff -> reads back 0x%x",
                 mmio_read8(D(GICD_ITARGETSR + OWN_SPI)));
    guest_printf("ITARGETSR foreign SPI -> reads back 0x%x",
                 mmio_read8(D(GICD_ITARGETSR + FOREIGN_SPI)));

    mmio_write32(D(GICD_SGIR), (2u << 16) | SGI_OFF);         /* vCPU 1 is off */
    smccc_hvc(HVCFG_PSCI_CPU_ON_64, 1, (uint64_t)_secondary_start, 1);
    mmio_write32(D(GICD_SGIR), (2u << 16) | SGI_ON);          /* before or after its entry */
    sgis_sent = 1;
    wait_for(&vcpu1_ready, 1);
    guest_printf("SGIs to vcpu1 before it ran: SGI %d (before CPU_ON) taken %u, SGI %d (after) "
                 "taken %u, other SGIs %u",
                 SGI_OFF, vcpu1_early[0], SGI_ON, vcpu1_early[1], vcpu1_early[2]);
    guest_irqs(1);
    mmio_write32(D(GICD_SGIR), (2u << 16) | 5);      /* SGI 5 to vCPU 1 */
    guest_printf("SGI 5 to vcpu1, answer SGI 6 received: %u", wait_for(&seen[0][6], 1));

    /* A burst: 15 different SGIs pended on myself with interrupts masked, then unmasked. */
    guest_irqs(0);
    for (uint32_t sgi = 1; sgi < 16; sgi++)
        seen[0][sgi] = 0;
    for (uint32_t sgi = 1; sgi < 16; sgi++)
        mmio_write32(D(GICD_SGIR), (2u << 24) | sgi);
    uint32_t early = 0;
    for (uint32_t sgi = 1; sgi < 16; sgi++)
        early += seen[0][sgi];
    guest_irqs(1);
    for (volatile int i = 0; i < 100000; i++)
        ;
    uint32_t got = 0;
    for (uint32_t sgi = 1; sgi < 16; sgi++)
        got += seen[0][sgi] != 0;
    guest_printf(
        "burst of 15 SGIs (more than the list registers): %u of 15 delivered, %u while masked", got,
        early);

    virtual_spi();
    configured_lines();
    hw_pending();
    physical_timer();

    guest_timer_in_ticks(1000);
    guest_printf("virtual timer on vcpu0 fired: %u", wait_for(&seen[0][TIMER_PPI], 1));
    guest_printf("virtual timer on vcpu1 fired: %u", wait_for(&vcpu1_done, 1));
    guest_printf("vgictest: done");
    guest_system_off();
}
