/* Virtual PL011 UARTs: emulated on stage-2 traps for partitions that have no UART of their own. */
#ifndef HV_VUART_H
#define HV_VUART_H

#include <stdint.h>

/* An access at `offset` in the current partition's virtual UART page; 0 if not emulable. */
int hv_vuart_access(uint64_t offset, int is_write, unsigned size, uint64_t *value);
/* A byte typed on the console for a partition (the one with the input focus); 0 when its
 * receive FIFO is full (the byte was not taken). */
int hv_vuart_receive(uint32_t partition, char c);
/* Back to reset state when the partition is (re)loaded. */
void hv_vuart_reset(uint32_t partition);

/* Console input: read what the operator typed, switch focus on Ctrl-a Ctrl-a Ctrl-a. */
void hv_console_input_init(void);
void hv_console_input_irq(void);
/* A guest made room in its receive FIFO: take console input again. */
void hv_console_input_resume(void);

#endif
