/* SPDX-License-Identifier: Apache-2.0 */
/*
 * EL1 exception vectors for bare-metal test partitions (install with guest_install_vectors()).
 * A synchronous exception from EL1h goes to `el1_sync` (a partition may define it in assembly;
 * by default it stops there), an IRQ from EL1h to the C function irq_handler() with the
 * caller-saved registers preserved (by default it does nothing). Other entries stop.
 */
#include "caller_saved.h"
    .section .text, "ax"
    .balign 0x800
    .global guest_vectors
guest_vectors:
    .balign 0x80
    b       .                       /* EL1t: sync, irq, fiq, serror */
    .balign 0x80
    b       .
    .balign 0x80
    b       .
    .balign 0x80
    b       .
    .balign 0x80
    b       el1_sync                /* EL1h */
    .balign 0x80
    b       el1_irq
    .balign 0x80
    b       .
    .balign 0x80
    b       .

el1_irq:
    push_caller_saved
    bl      irq_handler
    pop_caller_saved
    eret

    .weak   el1_sync
el1_sync:
    b       .

    .weak   irq_handler
irq_handler:
    ret
