/* SPDX-License-Identifier: Apache-2.0 */
/*
 * atk-vgic: attacks the virtual GIC from two vCPUs while the victim beats on another CPU.
 * Each attempt is an "action" line (tests count them). It ends by halting with its PL011's
 * level interrupt enabled and the line high.
 */
#include "gic.h"

volatile uint64_t last_esr, last_far;       /* ../hostile/vectors.S records injected faults */

#ifndef AIM_MS
#define AIM_MS 20                           /* how long each aim of finding 1 is held */
#endif

enum { CMD_NONE, CMD_RACE, CMD_OFF };
static volatile uint32_t cmd, cmd_done, vcpu1_up;
static uint32_t actions;

static void action(const char *what)
{
    guest_printf("atk-vgic: action %u: %s", ++actions, what);
}

#define SGI_WAKE 15

static void run_on_vcpu1(uint32_t c)
{
    cmd_done = 0;
    cmd = c;
    mmio_write32(D(GICD_SGIR), (2u << 16) | SGI_WAKE);
    guest_printf("atk-vgic: vcpu1 command %u done %u", c, wait_for(&cmd_done, 1));
}

/* vCPU 1: clears and sets its own pending SGIs as fast as it can while vCPU 0 sends it SGIs. */
static void race_pend_registers(void)
{
    for (uint32_t i = 0; i < 3000; i++) {
        mmio_write8(D(GICD_SPENDSGIR + 3), 0xff);           /* sources beyond its vCPUs too */
        mmio_write32(D(GICD_CPENDSGIR), 0xffffffffu);
        mmio_write32(D(GICD_SPENDSGIR + 4), 0xffffffffu);
        mmio_write8(D(GICD_CPENDSGIR + 3), 0x01);
        mmio_write32(D(GICD_CPENDSGIR + 4), 0xffffffffu);
    }
}

void secondary_main(uint64_t vcpu)
{
    gic_cpu_on();
    guest_irqs(1);
    vcpu1_up++;
    for (;;) {
        __asm__ volatile("wfi" : : : "memory");     /* woken by SGI_WAKE: its CPU idles */
        uint32_t c = cmd;
        if (c == CMD_RACE) {
            cmd = CMD_NONE;
            race_pend_registers();
            cmd_done = 1;
        } else if (c == CMD_OFF) {
            cmd = CMD_NONE;
            cmd_done = 1;
            smccc_hvc(HVCFG_PSCI_CPU_OFF, 0, 0, 0);
        }
    }
}

static void set_target(uint8_t t)
{
    mmio_write8(D(GICD_ITARGETSR + UART_SPI), t);
}

static void spi_enable(int on)
{
    mmio_write32(D((on ? GICD_ISENABLER : GICD_ICENABLER) + 4 * (UART_SPI / 32)),
                 1u << (UART_SPI % 32));
}

static uint32_t spi_pending(void)
{
    return (mmio_read32(D(GICD_ISPENDR + 4 * (UART_SPI / 32))) >> (UART_SPI % 32)) & 1;
}

/* Its level SPI, enabled with a targets byte that names none of its vCPUs. */
static void untargeted(uint8_t target, const char *what)
{
    action(what);
    set_target(target);
    uint32_t high = uart_line_high();
    uint32_t before = seen[0][UART_SPI] + seen[1][UART_SPI];
    spi_enable(1);
    guest_delay_ms(60);
    guest_printf("atk-vgic: targets 0x%x reads back 0x%x, line %u, pending %u, taken %u", target,
                 mmio_read8(D(GICD_ITARGETSR + UART_SPI)), high, spi_pending(),
                 seen[0][UART_SPI] + seen[1][UART_SPI] - before);
    spi_enable(0);
    mmio_write32(U(UART_IMSC), 0);
}

static void routing(void)
{
    /* Issue 12 finding 1: the byte past the hypervisor's CPU-interface table was vCPU 0's
     * banked enables for SGIs 0-7, so ITARGETSR 0 routed the SPI to the CPUs set there. */
    action("ITARGETSR 0, its SGI 0-7 enables aimed at each CPU in turn, then enable its level SPI");
    for (uint32_t cpu = 0; cpu < 8; cpu++) {
        mmio_write32(D(GICD_ISENABLER), 0xffff);
        mmio_write32(D(GICD_ICENABLER), 0xffu & ~(1u << cpu));     /* leaves 1 << cpu */
        set_target(0);
        uart_line_high();
        spi_enable(1);
        guest_delay_ms(AIM_MS);
        spi_enable(0);
        mmio_write32(U(UART_IMSC), 0);
    }
    guest_printf("atk-vgic: SGI enables after clearing 0-7: 0x%x",
                 mmio_read32(D(GICD_ISENABLER)) & 0xffff);
    mmio_write32(D(GICD_ISENABLER), 0xffff);
    untargeted(0x00, "ITARGETSR 0, then enable its level SPI with the line high");
    untargeted(0xfc, "ITARGETSR naming only CPUs it does not have, then enable");

    action("ITARGETSR 0xff: its two vCPUs and six it does not have");
    set_target(0xff);
    spi_enable(1);
    uint32_t b0 = seen[0][UART_SPI], b1 = seen[1][UART_SPI];
    uart_line_high();
    wait_for(&seen[0][UART_SPI], b0 + 1);
    guest_printf("atk-vgic: targets 0xff reads back 0x%x, taken on vcpu0 %u vcpu1 %u",
                 mmio_read8(D(GICD_ITARGETSR + UART_SPI)), seen[0][UART_SPI] - b0,
                 seen[1][UART_SPI] - b1);

    action("CPU_OFF its vCPU 1 while its level SPI targets it with the line high, then CPU_ON");
    set_target(0x02);
    run_on_vcpu1(CMD_OFF);
    while (smccc_hvc(HVCFG_PSCI_AFFINITY_INFO_64, 1, 0, 0).x0 != 1)    /* OFF */
        ;
    b1 = seen[1][UART_SPI];
    uart_line_high();
    guest_delay_ms(60);
    uint32_t up = vcpu1_up;
    int64_t on = smccc_hvc(HVCFG_PSCI_CPU_ON_64, 1, (uint64_t)_secondary_start, 1).x0;
    uint32_t back = wait_for(&vcpu1_up, up + 1);
    guest_printf("atk-vgic: CPU_ON %ld, vcpu1 back %u, its SPI taken on vcpu1 %u", on, back,
                 wait_for(&seen[1][UART_SPI], b1 + 1));
    spi_enable(0);
    mmio_write32(U(UART_IMSC), 0);
}

static void sgis(void)
{
    uint32_t got = 0;

    action("SGIR flood at CPUs it does not have (target list 0xfc)");
    for (uint32_t i = 0; i < 3000; i++)
        mmio_write32(D(GICD_SGIR), (0xfcu << 16) | (i & 0xf));
    action("SGIR flood with the reserved target filter 3");
    for (uint32_t i = 0; i < 3000; i++)
        mmio_write32(D(GICD_SGIR), (3u << 24) | (0xffu << 16) | (i & 0xf));
    guest_delay_ms(5);
    for (uint32_t s = 0; s < SGI_WAKE; s++)
        got += seen[0][s] + seen[1][s];
    guest_printf("atk-vgic: SGIs taken after both floods: %u", got);

    action("CPENDSGIR/SPENDSGIR race: vCPU 1 pends and clears while vCPU 0 sends it SGIs");
    cmd_done = 0;
    cmd = CMD_RACE;
    mmio_write32(D(GICD_SGIR), (2u << 16) | SGI_WAKE);
    for (uint32_t i = 0; !cmd_done && i < 200000; i++)
        mmio_write32(D(GICD_SGIR), (2u << 16) | (i & 0xf));
    guest_printf("atk-vgic: race done %u, SGIs with a source it does not have: %u",
                 wait_for(&cmd_done, 1), bad_source);

    action("SPENDSGIR with sources it does not have");
    mmio_write8(D(GICD_SPENDSGIR + 7), 0xfc);
    guest_printf("atk-vgic: SPENDSGIR sources 0xfc read back 0x%x",
                 mmio_read8(D(GICD_SPENDSGIR + 7)));
}

#define PTIMER_PPI 30
static volatile uint32_t ptimer_storm;

#define GICC_DIR          0x1000
#define GICC_CTLR_EOIMODE (1u << 9)
#define SGI_SPLIT         13
#define SGI_LOWER         12        /* pending at a lower priority meanwhile */
#define SPLIT_BOUND       100       /* taken more often: the livelock, which its handler ends */
static volatile uint32_t split_on, split_base, split_iar;

/* The physical timer with a compare value of 0 fires at once, every time it is deactivated:
 * its handler lets it fire 2,000 times, then stops it. SGI_SPLIT taken over SPLIT_BOUND times
 * turns its CPU interface off, so that the test reports a count rather than hanging. */
void atk_irq_hook(uint32_t intid)
{
    if (intid == PTIMER_PPI && ++ptimer_storm >= 2000)
        __asm__ volatile("msr cntp_ctl_el0, %0" : : "r"(0UL));
    if (intid == SGI_SPLIT && split_on) {
        split_iar = last_iar[0];
        if (seen[0][SGI_SPLIT] - split_base > SPLIT_BOUND)
            mmio_write32(C(GICC_CTLR), 0);
    }
}

/* One SGI pending from both its vCPUs while GICV_CTLR.EOImode 1 keeps each one it takes active
 * (GICC_EOIR only drops the priority) until its GICC_DIR: the second source must wait for
 * that, in a list register of its own it would be signalled and never acknowledged (the
 * fuzzer's livelock, docs/testing-attacks.md); a lower-priority SGI must not wait with it. */
static void eoi_split(void)
{
    action("SGI 13 pending from both its vCPUs under EOImode 1, each deactivated late by DIR");
    guest_irqs(0);
    mmio_write32(C(GICC_CTLR), 1u | GICC_CTLR_EOIMODE);
    mmio_write8(D(GICD_IPRIORITYR + SGI_LOWER), 0xb0);
    split_base = seen[0][SGI_SPLIT];
    uint32_t lower = seen[0][SGI_LOWER];
    split_on = 1;
    mmio_write8(D(GICD_SPENDSGIR + SGI_SPLIT), 0x03);      /* sources vCPU 0 and vCPU 1 */
    mmio_write8(D(GICD_SPENDSGIR + SGI_LOWER), 0x01);
    guest_irqs(1);
    guest_delay_ms(5);
    uint32_t first = seen[0][SGI_SPLIT] - split_base, iar1 = split_iar;
    lower = seen[0][SGI_LOWER] - lower;
    mmio_write32(C(GICC_CTLR), 1u | GICC_CTLR_EOIMODE);
    mmio_write32(C(GICC_DIR), SGI_LOWER);
    mmio_write32(C(GICC_DIR), iar1);
    guest_delay_ms(5);
    uint32_t second = seen[0][SGI_SPLIT] - split_base, iar2 = split_iar;
    mmio_write32(C(GICC_DIR), iar2);
    guest_delay_ms(5);
    split_on = 0;
    mmio_write32(C(GICC_CTLR), 1);
    mmio_write8(D(GICD_IPRIORITYR + SGI_LOWER), 0xa0);
    guest_printf("atk-vgic: SGI 13 from sources 0x3 under EOImode 1: taken %u (SGI 12 below it "
                 "%u), after DIR %u, after both %u, sources 0x%x",
                 first, lower, second, seen[0][SGI_SPLIT] - split_base,
                 (1u << ((iar1 >> 10) & 7)) | (1u << ((iar2 >> 10) & 7)));
}

/* Issue 13's new guest-reachable paths: virtual-only lines, the physical pending and active
 * state of its hardware lines, a level line high while disabled, the physical timer. */
static void conformance_paths(void)
{
    action("ISPENDR storm on 14 virtual-only SPIs, enabled and targeted at both vCPUs in turn");
    for (uint32_t i = 50; i < 64; i++)
        mmio_write8(D(GICD_ITARGETSR + i), (uint8_t)(1u << (i & 1)));
    mmio_write32(D(GICD_ISENABLER + 4), 0xfffc0000u);
    uint32_t before[64], lines = 0;
    for (uint32_t i = 50; i < 64; i++)
        before[i] = seen[0][i] + seen[1][i];
    for (uint32_t i = 0; i < 3000; i++)
        mmio_write32(D(GICD_ISPENDR + 4), 0xfffc0000u);
    guest_delay_ms(5);
    mmio_write32(D(GICD_ICENABLER + 4), 0xfffc0000u);
    for (uint32_t i = 50; i < 64; i++)
        lines += seen[0][i] + seen[1][i] > before[i];
    guest_printf("atk-vgic: virtual SPIs taken during the storm: %u of 14 lines", lines);

    action("pend, clear, activate, deactivate its hardware SPI and timer PPIs in a loop");
    spi_enable(1);
    mmio_write32(D(GICD_ISENABLER), (1u << TIMER_PPI) | (1u << PTIMER_PPI));
    for (uint32_t i = 0; i < 2000; i++) {
        uint32_t spi = 1u << (UART_SPI % 32), ppis = (1u << TIMER_PPI) | (1u << PTIMER_PPI);
        mmio_write32(D(GICD_ISPENDR + 4), spi);
        mmio_write32(D(GICD_ISACTIVER + 4), spi);
        mmio_write32(D(GICD_ISPENDR), ppis);
        mmio_write32(D(GICD_ISACTIVER), ppis);
        mmio_write32(D(GICD_ICACTIVER + 4), spi);
        mmio_write32(D(GICD_ICPENDR), ppis);
        mmio_write32(D(GICD_ICACTIVER), ppis);
        mmio_write32(D(GICD_ICPENDR + 4), spi);
    }
    mmio_write32(D(GICD_ICENABLER), 1u << PTIMER_PPI);
    set_target(0x01);
    uint32_t b = seen[0][UART_SPI];
    uart_line_high();
    guest_printf("atk-vgic: after the loop, active SPI %u PPIs 0x%x, its SPI taken %u",
                 (mmio_read32(D(GICD_ISACTIVER + 4)) >> (UART_SPI % 32)) & 1,
                 mmio_read32(D(GICD_ISACTIVER)) & ((1u << TIMER_PPI) | (1u << PTIMER_PPI)),
                 wait_for(&seen[0][UART_SPI], b + 1));

    action("its level SPI disabled with the line held high");
    spi_enable(0);
    b = seen[0][UART_SPI];
    uint32_t high = uart_line_high();
    guest_delay_ms(60);
    guest_printf("atk-vgic: disabled, line %u: pending %u, taken %u", high, spi_pending(),
                 seen[0][UART_SPI] - b);
    spi_enable(1);
    guest_printf("atk-vgic: enabled again: taken %u", wait_for(&seen[0][UART_SPI], b + 1));
    spi_enable(0);
    mmio_write32(U(UART_IMSC), 0);

    action("physical timer with compare value 0: an interrupt storm on its own CPU");
    mmio_write32(D(GICD_ISENABLER), 1u << PTIMER_PPI);
    __asm__ volatile("msr cntp_cval_el0, xzr\n\tmsr cntp_ctl_el0, %0\n\tisb" : : "r"(1UL));
    guest_printf("atk-vgic: physical timer storm stopped by its handler: %u",
                 wait_for(&ptimer_storm, 2000));
    mmio_write32(D(GICD_ICENABLER), 1u << PTIMER_PPI);
}

/* Every offset of the distributor page: words everywhere, bytes where bytes are allowed,
 * then a few byte and halfword stores where only words are (refused: injected faults). */
static void sweep(void)
{
    static const uint32_t values[2] = {0xffffffffu, 0};
    uint32_t faults = 0;

    for (int v = 0; v < 2; v++) {
        action(v ? "GICD page: 0 to every word" : "GICD page: all-ones to every word");
        for (uint32_t off = 0; off < 0x1000; off += 4)
            mmio_write32(D(off), values[v]);
        action(v ? "GICD page: 0 to every byte of the byte registers"
                 : "GICD page: all-ones to every byte of the byte registers");
        for (uint32_t off = 0x400; off < 0xc00; off++)
            mmio_write8(D(off), (uint8_t)values[v]);
        for (uint32_t off = 0xf10; off < 0xf30; off++)
            mmio_write8(D(off), (uint8_t)values[v]);
    }
    action("GICD page: every word and byte read back");
    uint32_t sum = 0;
    for (uint32_t off = 0; off < 0x1000; off += 4)
        sum ^= mmio_read32(D(off));
    for (uint32_t off = 0x400; off < 0xc00; off++)
        sum ^= mmio_read8(D(off));
    action("GICD page: byte and halfword stores to word-only registers");
    static const uint32_t word_only[] = {0x000, 0x100, 0x180, 0xc08, 0xf00};
    for (uint32_t i = 0; i < sizeof(word_only) / sizeof(word_only[0]); i++) {
        last_esr = 0;
        mmio_write8(D(word_only[i] + 1), 0xff);
        faults += last_esr != 0;
        last_esr = 0;
        __asm__ volatile("strh %w0, [%1]" : : "r"(0xffff), "r"(D(word_only[i])) : "memory");
        faults += last_esr != 0;
    }
    guest_printf("atk-vgic: sweep done, %u of 10 narrow stores refused", faults);

    /* Its own GIC still works after all that. */
    mmio_write32(D(GICD_CTLR), 1);
    gic_cpu_on();
    uint32_t b = seen[0][9];
    mmio_write32(D(GICD_SGIR), (2u << 24) | 9);
    guest_printf("atk-vgic: after the sweep, SGI to itself taken %u", wait_for(&seen[0][9], b + 1));
}

int main(uint64_t dtb)
{
    gic_cpu_on();
    mmio_write32(D(GICD_CTLR), 1);
    guest_irqs(1);
    smccc_hvc(HVCFG_PSCI_CPU_ON_64, 1, (uint64_t)_secondary_start, 1);
    wait_for(&vcpu1_up, 1);
    guest_printf("atk-vgic: up, two vCPUs");

    routing();
    sgis();
    eoi_split();
    conformance_paths();
    sweep();

    action("halt with its level SPI enabled, targeted at vCPU 0 and the line high");
    set_target(0x01);
    guest_irqs(0);
    spi_enable(1);
    guest_printf("atk-vgic: line %u; %u actions; SYSTEM_OFF", uart_line_high(), actions);
    guest_system_off();
}
