/* SPDX-License-Identifier: Apache-2.0 */
/* Partition console output: whole lines "[<partition>] text" on the hypervisor console. */
#ifndef HV_PCONSOLE_H
#define HV_PCONSOLE_H

#include <stdint.h>

#include "hv/config.h"
#include "hv/console.h"

/* A partition's output budget (console hypercall and virtual UART together), in units of up
 * to 64 characters: a line of n characters costs 1 + n / 64 units (a full 240-character line
 * 4). A burst of HV_PCONSOLE_BURST units, then HV_PCONSOLE_PER_SECOND units a second: 64 short
 * lines or 16 full ones a second, at most ~4.4 KB/s, under 40% of a 115200-baud UART, so one
 * partition cannot keep the console busy by itself. The burst holds a whole Debian boot log
 * three times over (about 300 units to /init, 320 on the Pi 4): a boot is output at once, and
 * with 256 units its last lines (/init's first) were dropped whenever the boot ran fast. It
 * bounds how much a partition prints before the rate applies, not how long others' lines wait
 * (one line each: the console lock is taken per line). Lines beyond it are dropped, counted
 * and summarised "[hyp] <partition>: N lines suppressed". */
#define HV_PCONSOLE_BURST      1024
#define HV_PCONSOLE_PER_SECOND 64
#define HV_PCONSOLE_CHARS      64u
#define HV_PCONSOLE_UNITS(len) (1u + (uint32_t)(len) / HV_PCONSOLE_CHARS)

#if defined(HV_HAS_VUART) || defined(HV_HAS_HC_CONSOLE)
/* Add bytes of a partition's output (core/linedisc.c interprets them): finished lines are
 * printed whole; an unfinished one waits in the partition's own buffer, or, for the partition
 * with the input focus, is shown at once as the terminal's open line. */
void hv_pconsole_write(uint32_t partition, const char *buf, uint64_t len);
/* The partition is (re)loaded: forget its partial line, report what was suppressed. */
void hv_pconsole_reset(uint32_t partition);
#else
static inline void hv_pconsole_reset(uint32_t partition)
{
    hv_log_event_reset(partition);
}
#endif

#endif
