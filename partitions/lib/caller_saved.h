/* SPDX-License-Identifier: Apache-2.0 */
/* Assembly macros for EL1 exception entries of the test partitions that call C: the registers
 * C code may clobber (x0-x18, x30) saved on the stack in a 160-byte frame, and restored. */
#ifndef GUEST_CALLER_SAVED_H
#define GUEST_CALLER_SAVED_H

.macro push_caller_saved
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
.endm

.macro pop_caller_saved
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
.endm

#endif
