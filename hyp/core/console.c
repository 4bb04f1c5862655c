/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The hypervisor console: formats a whole line into a buffer, then prints it under a lock so
 * that lines from different CPUs and partitions never interleave. The lock is held for one
 * line and nothing else (no formatting, no partition's buffer): with the fair lock, a line
 * waits for at most HV_NCPUS - 1 other lines (docs/architecture.md, "Console").
 */
#include <stdbool.h>

#include "hv/config.h"
#include "hv/console.h"
#include "hv/lib.h"
#include "hv/linedisc.h"
#include "hv/pl011.h"
#include "hv/platform.h"
#include "hv/ratelimit.h"
#include "hv/spinlock.h"
#include "hv/vuart.h"

#define LINE_MAX 256

static hv_spinlock_t console_lock;
/* The terminal line (under console_lock): open while the focused partition's unfinished line
 * is on it; any other line ends it first (hv/linedisc.h). */
#ifdef HV_HAS_VUART
static struct hv_ld_term term = {.owner = HV_LD_NOBODY};
static char term_out[HV_LD_UPDATE_MAX + 2];
#endif

void hv_console_init(void)
{
#ifdef HV_HAS_CONSOLE_PINS
    hv_platform_console_pins();     /* not left to the firmware (docs/rpi4.md) */
#endif
    pl011_init(HV_CONSOLE_BASE, HV_CONSOLE_CLOCK, HV_CONSOLE_BAUD);
}

static size_t put_char(char *buf, size_t size, size_t pos, char c)
{
    if (pos + 1 < size)
        buf[pos] = c;
    return pos + 1;
}

static size_t put_number(char *buf, size_t size, size_t pos, uint64_t v, unsigned base,
                         bool negative, unsigned width, char pad)
{
    char digits[24];
    unsigned n = 0;

    do {
        unsigned d = (unsigned)(v % base);
        digits[n++] = (char)(d < 10 ? '0' + d : 'a' + d - 10);
        v /= base;
    } while (v);
    if (negative)
        digits[n++] = '-';
    while (width > n) {
        pos = put_char(buf, size, pos, pad);
        width--;
    }
    while (n)
        pos = put_char(buf, size, pos, digits[--n]);
    return pos;
}

size_t hv_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    size_t pos = 0;

    for (; *fmt; fmt++) {
        if (*fmt != '%') {
            pos = put_char(buf, size, pos, *fmt);
            continue;
        }
        fmt++;
        char pad = ' ';
        unsigned width = 0;
        bool is_long = false;
        if (*fmt == '0') {
            pad = '0';
            fmt++;
        }
        while (*fmt >= '0' && *fmt <= '9')
            width = width * 10 + (unsigned)(*fmt++ - '0');
        while (*fmt == 'l') {
            is_long = true;
            fmt++;
        }
        switch (*fmt) {
        case 's': {
            const char *s = va_arg(ap, const char *);
            size_t len = strlen(s ? s : "(null)");
            for (; width > len; width--)
                pos = put_char(buf, size, pos, ' ');
            for (s = s ? s : "(null)"; *s; s++)
                pos = put_char(buf, size, pos, *s);
            break;
        }
        case 'c':
            pos = put_char(buf, size, pos, (char)va_arg(ap, int));
            break;
        case 'd': {
            int64_t v = is_long ? va_arg(ap, int64_t) : va_arg(ap, int);
            pos = put_number(buf, size, pos, v < 0 ? -(uint64_t)v : (uint64_t)v, 10, v < 0, width,
                             pad);
            break;
        }
        case 'u':
            pos = put_number(buf, size, pos, is_long ? va_arg(ap, uint64_t) : va_arg(ap, unsigned),
                             10, false, width, pad);
            break;
        case 'x':
            pos = put_number(buf, size, pos, is_long ? va_arg(ap, uint64_t) : va_arg(ap, unsigned),
                             16, false, width, pad);
            break;
        case 'p':
            pos = put_char(buf, size, pos, '0');
            pos = put_char(buf, size, pos, 'x');
            pos = put_number(buf, size, pos, (uintptr_t)va_arg(ap, void *), 16, false, 16, '0');
            break;
        case '%':
            pos = put_char(buf, size, pos, '%');
            break;
        default:
            pos = put_char(buf, size, pos, '?');
            break;
        }
    }
    if (size)
        buf[pos < size ? pos : size - 1] = '\0';
    return pos;
}

size_t hv_snprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    size_t n = hv_vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}

/* Set once a CPU panics: from then on lines go out without the lock (the panicking CPU may
 * hold it already, and the ticket lock is not re-entrant); the machine powers off next. */
static volatile uint32_t panicking;

void hv_console_line(const char *prefix, const char *text)
{
    int locked = !panicking;

    if (locked)
        hv_spin_lock(&console_lock);
#ifdef HV_HAS_VUART
    char brk[2];
    for (size_t i = 0, n = hv_ld_term_close(&term, brk); i < n; i++)
        pl011_putc(HV_CONSOLE_BASE, brk[i]);
#endif
    pl011_putc(HV_CONSOLE_BASE, '[');
    for (const char *p = prefix; *p; p++)
        pl011_putc(HV_CONSOLE_BASE, *p);
    pl011_putc(HV_CONSOLE_BASE, ']');
    pl011_putc(HV_CONSOLE_BASE, ' ');
    for (const char *p = text; *p; p++)
        pl011_putc(HV_CONSOLE_BASE, *p);
    pl011_putc(HV_CONSOLE_BASE, '\r');
    pl011_putc(HV_CONSOLE_BASE, '\n');
    if (locked)
        hv_spin_unlock(&console_lock);
}

#ifdef HV_HAS_VUART
static void put_out(size_t n)
{
    for (size_t i = 0; i < n; i++)
        pl011_putc(HV_CONSOLE_BASE, term_out[i]);
}

size_t hv_console_show(uint32_t partition, const struct hv_ld *ld)
{
    size_t n = 0;

    hv_spin_lock(&console_lock);
    /* The focus again, under the lock: a switch (console_input.c) stores the new focus and then
     * announces it, which ends the open line under this lock. The caller's look may be older
     * than both; the partition that lost the focus must not reopen the line after that. */
    if (hv_console_input_focus() == partition) {
        n = hv_ld_term_show(&term, partition, hv_partitions[partition].name, ld, term_out);
        put_out(n);
    }
    hv_spin_unlock(&console_lock);
    return n;
}

size_t hv_console_finish(uint32_t partition, const struct hv_ld *ld, int *was_open)
{
    hv_spin_lock(&console_lock);
    size_t n =
        hv_ld_term_finish(&term, partition, hv_partitions[partition].name, ld, term_out, was_open);
    put_out(n);
    hv_spin_unlock(&console_lock);
    return n;
}

void hv_console_forget(uint32_t partition)
{
    hv_spin_lock(&console_lock);
    if (term.owner == partition)
        put_out(hv_ld_term_close(&term, term_out));
    hv_spin_unlock(&console_lock);
}
#endif

void hv_console_panic(void)
{
    panicking = 1;
}

void hv_log(const char *fmt, ...)
{
    char line[LINE_MAX];
    va_list ap;

    va_start(ap, fmt);
    hv_vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    hv_console_line("hyp", line);
}

void hv_log_prefixed(const char *prefix, const char *fmt, ...)
{
    char line[LINE_MAX];
    va_list ap;

    va_start(ap, fmt);
    hv_vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    hv_console_line(prefix, line);
}

/* Health-monitor events: a bucket per partition, under a lock of its own that is held for the
 * bucket only (any CPU may report about any partition without waiting on that partition). */
struct event_state {
    hv_spinlock_t lock;
    struct hv_ratelimit budget;
};

static struct event_state events[HV_NPARTITIONS];

void hv_log_suppressed(uint32_t partition, uint32_t n, const char *what)
{
    if (n)
        hv_log("%s: %u %s suppressed", hv_partitions[partition].name, n, what);
}

void hv_log_event(uint32_t partition, const char *fmt, ...)
{
    struct event_state *e = &events[partition];
    char text[LINE_MAX];
    va_list ap;

    hv_spin_lock(&e->lock);
    int allowed = hv_ratelimit_take(&e->budget, HV_EVENT_PER_SECOND, HV_EVENT_BURST, 1);
    uint32_t suppressed =
        allowed ? hv_ratelimit_summary(&e->budget, HV_EVENT_PER_SECOND, HV_EVENT_BURST, 0) : 0;
    hv_spin_unlock(&e->lock);
    if (!allowed)
        return;

    hv_log_suppressed(partition, suppressed, "events");
    va_start(ap, fmt);
    hv_vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    hv_log("%s: %s", hv_partitions[partition].name, text);
}

void hv_log_event_reset(uint32_t partition)
{
    struct event_state *e = &events[partition];

    hv_spin_lock(&e->lock);
    uint32_t suppressed = hv_ratelimit_summary(&e->budget, HV_EVENT_PER_SECOND, HV_EVENT_BURST, 1);
    hv_spin_unlock(&e->lock);
    hv_log_suppressed(partition, suppressed, "events");
}
