/* SPDX-License-Identifier: Apache-2.0 */
/* The runtime behind guest.h. Freestanding: no libc, no FP. */
#include "guest.h"

#define UARTDR  0x00
#define UARTFR  0x18
#define UARTCR  0x30
#define FR_TXFF (1u << 5)

/* One SMCCC 1.1 call through `insn` (hvc or smc): arguments in x1-x3, results in x0-x3. */
#define SMCCC_CALL(insn, fid, a1, a2, a3)                                                         \
    ({                                                                                            \
        register uint64_t x0 __asm__("x0") = (fid);                                               \
        register uint64_t x1 __asm__("x1") = (a1);                                                \
        register uint64_t x2 __asm__("x2") = (a2);                                                \
        register uint64_t x3 __asm__("x3") = (a3);                                                \
        __asm__ volatile(insn " #0"                                                               \
                         : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3)                                 \
                         :                                                                        \
                         : "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11", "x12", "x13", "x14", \
                           "x15", "x16", "x17", "memory");                                        \
        (struct smccc_res){(int64_t)x0, x1, x2, x3};                                              \
    })

struct smccc_res smccc_hvc(uint32_t fid, uint64_t a1, uint64_t a2, uint64_t a3)
{
    return SMCCC_CALL("hvc", fid, a1, a2, a3);
}

struct smccc_res smccc_smc(uint32_t fid, uint64_t a1, uint64_t a2, uint64_t a3)
{
    return SMCCC_CALL("smc", fid, a1, a2, a3);
}

static uint64_t put(char *buf, uint64_t size, uint64_t pos, char c)
{
    if (pos + 1 < size)
        buf[pos] = c;
    return pos + 1;
}

static uint64_t put_num(char *buf, uint64_t size, uint64_t pos, uint64_t v, unsigned base, int neg)
{
    char d[24];
    int n = 0;
    do {
        d[n++] = "0123456789abcdef"[v % base];
        v /= base;
    } while (v);
    if (neg)
        pos = put(buf, size, pos, '-');
    while (n)
        pos = put(buf, size, pos, d[--n]);
    return pos;
}

static uint64_t format(char *buf, uint64_t size, const char *fmt, va_list ap)
{
    uint64_t pos = 0;
    for (; *fmt; fmt++) {
        if (*fmt != '%') {
            pos = put(buf, size, pos, *fmt);
            continue;
        }
        int is_long = 0;
        while (*++fmt == 'l')
            is_long = 1;
        switch (*fmt) {
        case 's':
            for (const char *s = va_arg(ap, const char *); *s; s++)
                pos = put(buf, size, pos, *s);
            break;
        case 'd': {
            int64_t v = is_long ? va_arg(ap, int64_t) : va_arg(ap, int);
            pos = put_num(buf, size, pos, v < 0 ? -(uint64_t)v : (uint64_t)v, 10, v < 0);
            break;
        }
        case 'u':
            pos = put_num(buf, size, pos, is_long ? va_arg(ap, uint64_t) : va_arg(ap, unsigned), 10,
                          0);
            break;
        case 'x':
            pos = put_num(buf, size, pos, is_long ? va_arg(ap, uint64_t) : va_arg(ap, unsigned), 16,
                          0);
            break;
        default:
            pos = put(buf, size, pos, *fmt);
        }
    }
    buf[pos < size ? pos : size - 1] = '\0';
    return pos < size ? pos : size - 1;
}

#ifdef HVCFG_UART_BASE
void guest_uart_write(const char *s, uint64_t n)
{
    volatile uint32_t *uart = (volatile uint32_t *)HVCFG_UART_BASE;
    uart[UARTCR / 4] = 0x301;               /* UARTEN | TXE | RXE */
    for (uint64_t i = 0; i < n; i++) {
        while (uart[UARTFR / 4] & FR_TXFF)
            ;
        uart[UARTDR / 4] = (uint8_t)s[i];
    }
}
#endif

void guest_printf(const char *fmt, ...)
{
    char line[200];
    va_list ap;
    va_start(ap, fmt);
    uint64_t n = format(line, sizeof(line) - 2, fmt, ap);
    va_end(ap);
#ifdef HVCFG_UART_BASE
    line[n++] = '\r';
    line[n++] = '\n';
    guest_uart_write(line, n);
#else
    line[n++] = '\n';
    smccc_hvc(HVCFG_HC_CONSOLE, (uint64_t)line, n, 0);
#endif
}

void guest_delay_ms(uint32_t ms)
{
    uint64_t freq, start, now;
    __asm__ volatile("mrs %0, cntfrq_el0" : "=r"(freq));
    __asm__ volatile("isb; mrs %0, cntvct_el0" : "=r"(start));
    do {
        __asm__ volatile("isb; mrs %0, cntvct_el0" : "=r"(now));
    } while (now - start < freq / 1000 * ms);
}

void guest_icount_slice(void)
{
    uint64_t now, freq;
    __asm__ volatile("isb; mrs %0, cntvct_el0; mrs %1, cntfrq_el0" : "=r"(now), "=r"(freq));
    __asm__ volatile("msr cntv_cval_el0, %0\n\tmsr cntv_ctl_el0, %1\n\tisb"
                     :
                     : "r"(now + freq / 10000), "r"(3UL));
}

void guest_wait_ms_sliced(uint32_t ms)
{
    uint64_t freq = guest_cntfrq(), start = guest_cntvct(), rearm = 0;

    for (uint64_t t = start; t - start < freq / 1000 * ms; t = guest_cntvct()) {
        if (t >= rearm) {
            guest_icount_slice();
            rearm = t + freq / 20000;
        }
    }
}

uint32_t guest_checksum(const volatile uint8_t *p, uint64_t len)
{
    uint32_t a = 1, b = 0;                  /* Adler-32 */
    for (uint64_t i = 0; i < len; i++) {
        a = (a + p[i]) % 65521;
        b = (b + a) % 65521;
    }
    return (b << 16) | a;
}

void guest_system_off(void)
{
    smccc_hvc(HVCFG_PSCI_SYSTEM_OFF, 0, 0, 0);
    for (;;)
        __asm__ volatile("wfi");
}
