/*
 * EL1 exception vectors for bare-metal test partitions (install with guest_install_vectors()).
 * A synchronous exception from EL1h goes to `el1_sync` (a partition may define it in assembly;
 * by default it stops there), an IRQ from EL1h to the C function irq_handler() with the
 * caller-saved registers preserved (by default it does nothing). Other entries stop.
 */
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
    sub     sp, sp, #(20 * 8)
    stp     x0, x1, [sp, #0]
    stp     x2, x3, [sp, #16]
    stp     x4, x5, [sp, #32]
    stp     x6, x7, [sp, #48]
    stp     x8, x9, [sp, #64]
    stp     x10, x11, [sp, #80]
    stp     x12, x13, [sp, #96]
    stp     x14, x15, [sp, #112]
    stp     x16, x17, [sp, #128]
    stp     x18, x30, [sp, #144]
    bl      irq_handler
    ldp     x0, x1, [sp, #0]
    ldp     x2, x3, [sp, #16]
    ldp     x4, x5, [sp, #32]
    ldp     x6, x7, [sp, #48]
    ldp     x8, x9, [sp, #64]
    ldp     x10, x11, [sp, #80]
    ldp     x12, x13, [sp, #96]
    ldp     x14, x15, [sp, #112]
    ldp     x16, x17, [sp, #128]
    ldp     x18, x30, [sp, #144]
    add     sp, sp, #(20 * 8)
    eret

    .weak   el1_sync
el1_sync:
    b       .

    .weak   irq_handler
irq_handler:
    ret
