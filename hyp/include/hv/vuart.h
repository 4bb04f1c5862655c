/* SPDX-License-Identifier: Apache-2.0 */
/* Virtual PL011 UARTs: emulated on stage-2 traps for partitions that have no UART of their own. */
#ifndef HV_VUART_H
#define HV_VUART_H

#include <stdint.h>

#include "hv/mmio.h"

/* An access at `offset` in the current partition's virtual UART page (an hv_mmio_handler);
 * HV_MMIO_FAULT if not emulable. */
enum hv_mmio_result hv_vuart_access(uint64_t offset, int is_write, unsigned size, uint64_t *value);
/* A byte typed on the console for a partition (the one with the input focus). When its
 * receive buffer is full the byte is dropped and counted, the count reported (rate-limited)
 * when a byte fits again, when the focus moves away, or at its reset. */
void hv_vuart_receive(uint32_t partition, char c);
/* Report the dropped input bytes not yet reported (the focus moves away). */
void hv_vuart_report_dropped(uint32_t partition);
/* Back to reset state when the partition is (re)loaded: input held for it is gone. */
void hv_vuart_reset(uint32_t partition);

/* Console input: read what the operator typed, switch focus on HV_FOCUS_KEY three times. */
void hv_console_input_init(void);
void hv_console_input_irq(void);
/* The EL2 timer's interrupt: the pause after a pass of input is over (console_input.c). */
void hv_console_input_timer(void);
/* The partition that has the input focus: its output is shown as it is written. */
uint32_t hv_console_input_focus(void);

/* Ctrl-]: QEMU's stdio mux (`hvcfg run`), screen, minicom and picocom all take Ctrl-a. */
#define HV_FOCUS_KEY      0x1d
#define HV_FOCUS_KEY_NAME "Ctrl-]"

#endif
