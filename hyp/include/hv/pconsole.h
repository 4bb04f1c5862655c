/* SPDX-License-Identifier: Apache-2.0 */
/* Partition console output: whole lines "[<partition>] text" on the hypervisor console. */
#ifndef HV_PCONSOLE_H
#define HV_PCONSOLE_H

#include <stdint.h>

#include "hv/config.h"
#include "hv/console.h"

/* A partition's output budget (console hypercall and virtual UART together), in units of up
 * to 64 characters on the wire: a line costs 1 + w / 64 units, w counting its "[name] " prefix
 * and CR LF too (a full 240-character line of "linux" 4), and a "lines suppressed" summary is
 * charged the same way. A burst of HV_PCONSOLE_BURST units, then HV_PCONSOLE_PER_SECOND units a
 * second: at most 64 x 64 = 4 KB/s, about 36% of a 115200-baud UART, so that one partition
 * cannot keep the console busy by itself for longer than its burst lasts (1024 units: about
 * 9 s of the UART, once; 16 s of quiet fill it again). The burst holds a whole Debian boot log
 * three times over (about 345 units to /init, 370 on the Pi 4): a boot is output at once, and
 * with 256 units its last lines (/init's first) were dropped whenever the boot ran fast. How
 * long another partition's line waits does not depend on it: the console lock is taken per
 * line. Lines beyond the budget are dropped, counted and summarised
 * "[hyp] <partition>: N lines suppressed". */
#define HV_PCONSOLE_BURST       1024
#define HV_PCONSOLE_PER_SECOND  64
#define HV_PCONSOLE_CHARS       64u
#define HV_PCONSOLE_UNITS(wire) (1u + (uint32_t)(wire) / HV_PCONSOLE_CHARS)

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
