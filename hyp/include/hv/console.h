/* The hypervisor console: whole lines, never interleaved between CPUs. */
#ifndef HV_CONSOLE_H
#define HV_CONSOLE_H

#include <stdarg.h>
#include <stddef.h>

void hv_console_init(void);
/* One line prefixed "[hyp] "; fmt knows %s %c %d %u %x %p and l, 0, width modifiers. */
void hv_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* One line prefixed "[<prefix>] ". */
void hv_log_prefixed(const char *prefix, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
size_t hv_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);

#endif
