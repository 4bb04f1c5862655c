/* SPDX-License-Identifier: Apache-2.0 */
/*
 * atk-regs-trap's EL1 vectors. Every exception records which vector took it (last_vector). From
 * EL1 (an injected undefined instruction) hostile/vectors.S's el1_sync records ESR_EL1 and
 * FAR_EL1 and resumes after the instruction; from EL0 (AArch64 at 0x400, AArch32 at 0x600)
 * the EL1 code that started the EL0 task (run_el0) gets control back and reads them itself.
 */
.macro entry offset, then
    .balign 0x80
    stp     x0, x1, [sp, #-16]!
    mov     x0, #\offset
    adrp    x1, last_vector
    str     x0, [x1, :lo12:last_vector]
    ldp     x0, x1, [sp], #16
    b       \then
.endm

    .section .text, "ax"
    .balign 0x800
    .global trap_vectors
trap_vectors:
    entry   0x000, hang             /* EL1t */
    entry   0x080, hang
    entry   0x100, hang
    entry   0x180, hang
    entry   0x200, el1_sync         /* EL1h sync: hostile/vectors.S */
    entry   0x280, hang
    entry   0x300, hang
    entry   0x380, eret_now         /* EL1h SError: recorded, resume */
    entry   0x400, el0_return       /* lower EL, AArch64 */
    entry   0x480, hang
    entry   0x500, hang
    entry   0x580, el0_return
    entry   0x600, el0_return       /* lower EL, AArch32 */
    entry   0x680, hang
    entry   0x700, hang
    entry   0x780, el0_return

hang:
    b       .

eret_now:
    eret

/* run_el0(x0 = entry, x1 = SPSR for it, x2 = value for x1/r1): run code at EL0 until its first
 * exception; returns when that exception arrives at the 0x400 or 0x600 vector. */
    .global run_el0
run_el0:
    stp     x29, x30, [sp, #-96]!
    stp     x19, x20, [sp, #16]
    stp     x21, x22, [sp, #32]
    stp     x23, x24, [sp, #48]
    stp     x25, x26, [sp, #64]
    stp     x27, x28, [sp, #80]
    mov     x3, sp
    adrp    x4, saved_sp
    str     x3, [x4, :lo12:saved_sp]
    msr     elr_el1, x0
    msr     spsr_el1, x1
    mov     x1, x2
    eret

el0_return:
    adrp    x0, saved_sp
    ldr     x0, [x0, :lo12:saved_sp]
    mov     sp, x0
    ldp     x19, x20, [sp, #16]
    ldp     x21, x22, [sp, #32]
    ldp     x23, x24, [sp, #48]
    ldp     x25, x26, [sp, #64]
    ldp     x27, x28, [sp, #80]
    ldp     x29, x30, [sp], #96
    ret

/* EL0 code: one load from the address in x1/r1; one read of the debug channel's status. */
    .balign 8
    .global el0_a64_load
el0_a64_load:
    ldr     w0, [x1]
    b       .
    .global el0_a32_load
el0_a32_load:
    .word   0xe5910000              /* A32: ldr r0, [r1] */
    .word   0xeafffffe              /* A32: b . */
    .global el0_a64_dcc
el0_a64_dcc:
    mrs     x0, mdccsr_el0
    b       .
    .global el0_a32_dcc
el0_a32_dcc:
    .word   0xee100e11              /* A32: mrc p14, 0, r0, c0, c1, 0 (DBGDSCRint) */
    .word   0xeafffffe

    .section .bss
    .balign 8
saved_sp:
    .quad   0
