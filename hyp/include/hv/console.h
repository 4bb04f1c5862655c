/* SPDX-License-Identifier: Apache-2.0 */
/* The hypervisor console: whole lines, never interleaved between CPUs. */
#ifndef HV_CONSOLE_H
#define HV_CONSOLE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

void hv_console_init(void);
/* One line prefixed "[hyp] "; fmt knows %s %c %d %u %x %p and l, 0, width modifiers. */
void hv_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* One line prefixed "[<prefix>] ". */
void hv_log_prefixed(const char *prefix, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* "[<prefix>] <text>" as it is: the text is at most one line of printable characters. */
void hv_console_line(const char *prefix, const char *text);
struct hv_ld;
/* The focused partition's unfinished line, shown at once as the terminal's open line (a prompt,
 * an echo); returns the bytes written (core/linedisc.c). Nothing (0) for a partition that does
 * not have the input focus, looked at under the console lock. */
size_t hv_console_show(uint32_t partition, const struct hv_ld *ld);
/* Its line is finished: if it is open on the terminal, complete it there (*was_open = 1) and
 * return the bytes written; else nothing (*was_open = 0). */
size_t hv_console_finish(uint32_t partition, const struct hv_ld *ld, int *was_open);
/* The partition is reset: its open line, if any, ends here. */
void hv_console_forget(uint32_t partition);
/* A panic: print without the console lock from now on (it may be held by this CPU). */
void hv_console_panic(void);
size_t hv_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
size_t hv_snprintf(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A line "[hyp] <partition>: ..." about something a partition did (health-monitor events):
 * rate-limited per partition (HV_EVENT_BURST, then HV_EVENT_PER_SECOND); what is dropped is
 * counted and summarised as "[hyp] <partition>: N events suppressed" before its next event
 * that goes out, or when it is reset. */
void hv_log_event(uint32_t partition, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "[hyp] <partition>: N <what> suppressed", if N is not 0. */
void hv_log_suppressed(uint32_t partition, uint32_t n, const char *what);
/* The partition is (re)loaded: report events suppressed so far. */
void hv_log_event_reset(uint32_t partition);

#define HV_EVENT_BURST      16
#define HV_EVENT_PER_SECOND 4

#endif
