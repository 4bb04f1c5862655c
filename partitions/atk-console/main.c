/* SPDX-License-Identifier: Apache-2.0 */
/*
 * atk-console: attacks the console every partition shares (tests/test_attack_console*.py).
 * MODE (a define from the board) chooses the attack; the flooding ones run on every vCPU at
 * once for ATTACK_MS of the partition's virtual counter, then vCPU 0 stops the others, waits
 * for its output budget to refill, prints what it did and powers its partition off.
 *   1 newlines: console hypercalls of 256 newlines (256 empty lines a call)
 *   2 long lines: 256 bytes without a newline (max-length lines), with ESC sequences, BEL and
 *     a forged "[hyp]" prefix in them
 *   3 vuart flood: 80-byte lines written a byte at a time to the virtual UART (vuart: true)
 *   4 fault loop: reads of an unmapped IPA under the inject policy, a health-monitor event each
 *   5 deaf: a virtual-UART partition that never reads what is typed for it; when its receive
 *     FIFO has been full for DEAF_RESET_MS it leaves a partial output line and faults (the
 *     board's policy restarts it): neither the input nor the line may reach the next incarnation
 *   6 listen: a virtual-UART partition that prints each line typed for it ("off" stops it)
 *   7 spin: no attack, every vCPU busy in a guest loop: the control for the victim's periods
 *     (under QEMU -icount all vCPUs share one host thread, round robin, so busy neighbours
 *     alone delay the victim's beats by up to QEMU's time slice)
 *   8 forge while focused: with the input focus (its output shown as it is written), it writes
 *     lines that try to look like the hypervisor's through its virtual UART, a byte at a time,
 *     leaving partial lines shown for a while before it continues them with CR, BS, cursor
 *     movement, erase and other escape sequences (ESC[6n among them), one attempt each,
 *     announced first (`atk: try N ...`); then an unterminated one, and it powers off
 * A virtual UART is at the board console UART's address: the board passes it as VUART_BASE.
 * Its own reports go through the console hypercall (guest_printf), under the same budget.
 */
#include "../lib/guest.h"

#ifndef ATTACK_MS
#define ATTACK_MS 600
#endif
#ifndef DEAF_RESET_MS
#define DEAF_RESET_MS 1500
#endif
#ifndef START_MS
#define START_MS 60                 /* let the victim start beating first */
#endif

#define UARTDR  0x00
#define UARTFR  0x18
#define FR_RXFE (1u << 4)
#define FR_RXFF (1u << 6)

volatile uint64_t last_esr, last_far;      /* ../hostile/vectors.S records each exception */
static volatile uint32_t stop;
static volatile uint64_t attempts[HVCFG_NCPUS];
static char buf[256];

static uint64_t ms_now(void)
{
    uint64_t t, freq;
    __asm__ volatile("isb; mrs %0, cntvct_el0" : "=r"(t));
    __asm__ volatile("mrs %0, cntfrq_el0" : "=r"(freq));
    return t / (freq / 1000);
}

/* One round of the attack; returns the number of forbidden or flooding actions it made. */
static uint64_t attack_once(void)
{
    switch (MODE) {
    case 1:
    case 2:
        smccc_hvc(HVCFG_HC_CONSOLE, (uint64_t)buf, sizeof(buf), 0);
        return 1;
#ifdef VUART_BASE
    case 3:
        for (int i = 0; i < 80; i++)
            mmio_write32(VUART_BASE + UARTDR, i == 79 ? '\n' : 'v');
        return 80;
#endif
    case 4:
        (void)*(volatile uint32_t *)HVCFG_UNMAPPED_IPA;
        return 1;
    case 7:
        for (volatile int i = 0; i < 100; i++)
            ;
        return 0;
    }
    return 0;
}

static void flood(uint64_t vcpu)
{
    while (!stop)
        attempts[vcpu] += attack_once();
}

void secondary_main(uint64_t vcpu)
{
    guest_install_vectors();
    flood(vcpu);
    smccc_hvc(HVCFG_PSCI_CPU_OFF, 0, 0, 0);
}

static void prepare(void)
{
    for (unsigned i = 0; i < sizeof(buf); i++)
        buf[i] = MODE == 1 ? '\n' : (char)('a' + i % 26);
    if (MODE == 2) {
        static const char forged[] = "\r[hyp] victim: forged\x1b[2J\x1b]0;title\x07\x7f\x80\t";
        for (unsigned i = 0; i < sizeof(forged) - 1; i++)
            buf[40 + i] = forged[i];
    }
}

/* Long enough for the budget to take the vCPUs' last partial line (up to 4 units), this report
 * (2) and what the open line may have charged past the burst (up to 15, hyp/core/pconsole.c)
 * at the hypervisor's 64 units a second: 21 units are 330 ms. 100 ms let the report through only
 * when the flood happened to end on a short line. */
#define REPORT_PAUSE_MS 400

static void run_flood(void)
{
    prepare();
    guest_delay_ms(START_MS);
    for (uint64_t v = 1; v < HVCFG_NCPUS; v++)
        smccc_hvc(HVCFG_PSCI_CPU_ON_64, v, (uint64_t)_secondary_start, v);
    uint64_t end = ms_now() + ATTACK_MS;
    while (ms_now() < end)
        attempts[0] += attack_once();
    stop = 1;
    guest_delay_ms(REPORT_PAUSE_MS);    /* the budget refills: this line gets out */
#ifdef VUART_BASE
    mmio_write32(VUART_BASE + UARTDR, '\n');     /* end the vCPUs' last partial line */
#endif
    if (MODE == 2)          /* the same for console calls: the report must not depend on where */
        smccc_hvc(HVCFG_HC_CONSOLE, (uint64_t) "\n", 1, 0);   /* the last one was cut */
    uint64_t total = 0;
    for (int v = 0; v < HVCFG_NCPUS; v++)
        total += attempts[v];
    guest_printf("atk: mode %d: %lu actions from %d vCPUs in %d ms", MODE, total, HVCFG_NCPUS,
                 ATTACK_MS);
}

#ifdef VUART_BASE
static uint32_t uart_fr(void)
{
    return mmio_read32(VUART_BASE + UARTFR);
}

static void deaf(void)
{
    static const char partial[] = "deaf: partial line, no newline";

    guest_printf("deaf: up, rx FIFO %s", uart_fr() & FR_RXFE ? "empty" : "NOT empty");
    while (!(uart_fr() & FR_RXFF))
        guest_delay_ms(1);
    guest_delay_ms(DEAF_RESET_MS);
    guest_printf("deaf: rx FIFO still full, never read; leaving a partial line and faulting");
    for (unsigned i = 0; i < sizeof(partial) - 1; i++)
        mmio_write32(VUART_BASE + UARTDR, (uint8_t)partial[i]);
    (void)*(volatile uint32_t *)HVCFG_UNMAPPED_IPA;
    guest_printf("deaf: fault returned?!");
}

struct forge {
    const char *what;
    const char *parts[3];           /* written in turn, FORGE_PAUSE_MS apart */
};

#define FORGE_PAUSE_MS 50

static const struct forge forges[] = {
    {"partial then CR", {"[hyp] forged partial", "\r[hyp] forged after CR", "\r\n"}},
    {"partial then BS", {"xxxxxxxx", "\b\b\b\b\b\b\b\b\b\b\b\b[hyp] forged over BS", "\n"}},
    {"cursor far left", {"abc", "\x1b[999D[hyp] forged far left", "\x1b[K\n"}},
    {"erase line and CR", {"abc", "\x1b[2K\r[hyp] forged erase line", "\n"}},
    {"cursor up", {"abc", "\x1b[1A\x1b[2K[hyp] forged cursor up", "\n"}},
    {"cursor position query", {"query ", "\x1b[6n", " answered?\n"}},
    {"colours and title", {"\x1b[31m[hyp] forged red\x1b[0m", "\x1b]0;pwned\x07 title", "\n"}},
    {"clear screen and home", {"\x1b[2J\x1b[H", "[hyp] forged after clear", "\n"}},
    {"tabs to the cut",
     {"\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t", "\t[hyp] forged after the cut",
      "\n"}},
};

static void vuart_puts(const char *s)
{
    for (; *s; s++)
        mmio_write32(VUART_BASE + UARTDR, (uint8_t)*s);
}

static void forge_focused(void)
{
    uint32_t n = sizeof(forges) / sizeof(forges[0]);

    for (uint32_t i = 0; i < n; i++) {
        guest_printf("atk: try %u %s", i + 1, forges[i].what);
        for (int k = 0; k < 3 && forges[i].parts[k]; k++) {
            vuart_puts(forges[i].parts[k]);
            guest_delay_ms(FORGE_PAUSE_MS);
        }
    }
    guest_printf("atk: mode 8: %u attempts done", n);
    vuart_puts("[hyp] forged unterminated at power-off");
    guest_delay_ms(FORGE_PAUSE_MS);
    guest_system_off();
}

static void listen(void)
{
    char line[64];
    unsigned n = 0;

    guest_printf("listen: up");
    for (;;) {
        if (uart_fr() & FR_RXFE) {
            guest_delay_ms(1);          /* a trap per poll is slow to emulate: poll gently */
            continue;
        }
        char c = (char)mmio_read32(VUART_BASE + UARTDR);
        if (c != '\r' && c != '\n') {
            if (n < sizeof(line) - 1)
                line[n++] = c;
            continue;
        }
        line[n] = '\0';
        if (n)
            guest_printf("listen: got %s", line);
        if (n == 3 && line[0] == 'o' && line[1] == 'f' && line[2] == 'f')
            guest_system_off();
        n = 0;
    }
}
#endif

int main(uint64_t dtb)
{
    guest_install_vectors();
    guest_printf("atk: mode %d on %d vCPUs", MODE, HVCFG_NCPUS);
#ifdef VUART_BASE
    if (MODE == 5)
        deaf();
    if (MODE == 6)
        listen();
    if (MODE == 8)
        forge_focused();
#endif
    run_flood();
    guest_system_off();
}
