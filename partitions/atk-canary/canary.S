/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Canary rounds: every general register the guest has holds a value derived from a seed
 * (x30 = seed, x(n) = ror(x(n+1), 7) + 0x5a5 for n = 29..1; canary.h computes the same) while
 * one instruction, or a spin, runs; then all of x0-x30 are stored for the caller to compare.
 * Each entry: (seed, arg, out[31]); arg goes in x0 before the instruction. Callee-saved
 * registers and LR are kept on the stack, so these are ordinary C functions.
 */
    .section .text, "ax"

.macro prologue
    sub     sp, sp, #112
    stp     x19, x20, [sp, #0]
    stp     x21, x22, [sp, #16]
    stp     x23, x24, [sp, #32]
    stp     x25, x26, [sp, #48]
    stp     x27, x28, [sp, #64]
    stp     x29, x30, [sp, #80]
    str     x2, [sp, #96]
    mov     x30, x0
    mov     x0, x1
    ror     x29, x30, #7
    add     x29, x29, #0x5a5
    ror     x28, x29, #7
    add     x28, x28, #0x5a5
    ror     x27, x28, #7
    add     x27, x27, #0x5a5
    ror     x26, x27, #7
    add     x26, x26, #0x5a5
    ror     x25, x26, #7
    add     x25, x25, #0x5a5
    ror     x24, x25, #7
    add     x24, x24, #0x5a5
    ror     x23, x24, #7
    add     x23, x23, #0x5a5
    ror     x22, x23, #7
    add     x22, x22, #0x5a5
    ror     x21, x22, #7
    add     x21, x21, #0x5a5
    ror     x20, x21, #7
    add     x20, x20, #0x5a5
    ror     x19, x20, #7
    add     x19, x19, #0x5a5
    ror     x18, x19, #7
    add     x18, x18, #0x5a5
    ror     x17, x18, #7
    add     x17, x17, #0x5a5
    ror     x16, x17, #7
    add     x16, x16, #0x5a5
    ror     x15, x16, #7
    add     x15, x15, #0x5a5
    ror     x14, x15, #7
    add     x14, x14, #0x5a5
    ror     x13, x14, #7
    add     x13, x13, #0x5a5
    ror     x12, x13, #7
    add     x12, x12, #0x5a5
    ror     x11, x12, #7
    add     x11, x11, #0x5a5
    ror     x10, x11, #7
    add     x10, x10, #0x5a5
    ror     x9, x10, #7
    add     x9, x9, #0x5a5
    ror     x8, x9, #7
    add     x8, x8, #0x5a5
    ror     x7, x8, #7
    add     x7, x7, #0x5a5
    ror     x6, x7, #7
    add     x6, x6, #0x5a5
    ror     x5, x6, #7
    add     x5, x5, #0x5a5
    ror     x4, x5, #7
    add     x4, x4, #0x5a5
    ror     x3, x4, #7
    add     x3, x3, #0x5a5
    ror     x2, x3, #7
    add     x2, x2, #0x5a5
    ror     x1, x2, #7
    add     x1, x1, #0x5a5
.endm

.macro variant name, insn
    .global \name
    .type   \name, %function
\name:
    prologue
    \insn
    b       canary_out
.endm

/* canary_spin(seed, spins, out): a loop of `spins` iterations with every register live. */
    .global canary_spin
    .type   canary_spin, %function
canary_spin:
    prologue
1:  subs    x0, x0, #1
    b.ne    1b
    b       canary_out

/* canary_hvc(seed, fid, out): one HVC with x0 = fid and the canaries in x1-x30. */
variant canary_hvc, "hvc #0"

/* canary_load_<r>(seed, addr, out): `ldr w<r>, [addr]` (addr in x0, so r = 0 replaces it). */
variant canary_load_0, "ldr w0, [x0]"
variant canary_load_1, "ldr w1, [x0]"
variant canary_load_2, "ldr w2, [x0]"
variant canary_load_3, "ldr w3, [x0]"
variant canary_load_4, "ldr w4, [x0]"
variant canary_load_5, "ldr w5, [x0]"
variant canary_load_6, "ldr w6, [x0]"
variant canary_load_7, "ldr w7, [x0]"
variant canary_load_8, "ldr w8, [x0]"
variant canary_load_9, "ldr w9, [x0]"
variant canary_load_10, "ldr w10, [x0]"
variant canary_load_11, "ldr w11, [x0]"
variant canary_load_12, "ldr w12, [x0]"
variant canary_load_13, "ldr w13, [x0]"
variant canary_load_14, "ldr w14, [x0]"
variant canary_load_15, "ldr w15, [x0]"
variant canary_load_16, "ldr w16, [x0]"
variant canary_load_17, "ldr w17, [x0]"
variant canary_load_18, "ldr w18, [x0]"
variant canary_load_19, "ldr w19, [x0]"
variant canary_load_20, "ldr w20, [x0]"
variant canary_load_21, "ldr w21, [x0]"
variant canary_load_22, "ldr w22, [x0]"
variant canary_load_23, "ldr w23, [x0]"
variant canary_load_24, "ldr w24, [x0]"
variant canary_load_25, "ldr w25, [x0]"
variant canary_load_26, "ldr w26, [x0]"
variant canary_load_27, "ldr w27, [x0]"
variant canary_load_28, "ldr w28, [x0]"
variant canary_load_29, "ldr w29, [x0]"
variant canary_load_30, "ldr w30, [x0]"

/* canary_store_<r>(seed, addr, out): `str w<r>, [addr]`; _zr stores wzr. */
variant canary_store_1, "str w1, [x0]"
variant canary_store_2, "str w2, [x0]"
variant canary_store_3, "str w3, [x0]"
variant canary_store_4, "str w4, [x0]"
variant canary_store_5, "str w5, [x0]"
variant canary_store_6, "str w6, [x0]"
variant canary_store_7, "str w7, [x0]"
variant canary_store_8, "str w8, [x0]"
variant canary_store_9, "str w9, [x0]"
variant canary_store_10, "str w10, [x0]"
variant canary_store_11, "str w11, [x0]"
variant canary_store_12, "str w12, [x0]"
variant canary_store_13, "str w13, [x0]"
variant canary_store_14, "str w14, [x0]"
variant canary_store_15, "str w15, [x0]"
variant canary_store_16, "str w16, [x0]"
variant canary_store_17, "str w17, [x0]"
variant canary_store_18, "str w18, [x0]"
variant canary_store_19, "str w19, [x0]"
variant canary_store_20, "str w20, [x0]"
variant canary_store_21, "str w21, [x0]"
variant canary_store_22, "str w22, [x0]"
variant canary_store_23, "str w23, [x0]"
variant canary_store_24, "str w24, [x0]"
variant canary_store_25, "str w25, [x0]"
variant canary_store_26, "str w26, [x0]"
variant canary_store_27, "str w27, [x0]"
variant canary_store_28, "str w28, [x0]"
variant canary_store_29, "str w29, [x0]"
variant canary_store_30, "str w30, [x0]"
variant canary_store_zr, "str wzr, [x0]"

canary_out:
    str     x1, [sp, #104]
    ldr     x1, [sp, #96]
    str     x0, [x1, #0]
    stp     x2, x3, [x1, #16]
    stp     x4, x5, [x1, #32]
    stp     x6, x7, [x1, #48]
    stp     x8, x9, [x1, #64]
    stp     x10, x11, [x1, #80]
    stp     x12, x13, [x1, #96]
    stp     x14, x15, [x1, #112]
    stp     x16, x17, [x1, #128]
    stp     x18, x19, [x1, #144]
    stp     x20, x21, [x1, #160]
    stp     x22, x23, [x1, #176]
    stp     x24, x25, [x1, #192]
    stp     x26, x27, [x1, #208]
    stp     x28, x29, [x1, #224]
    str     x30, [x1, #240]
    ldr     x2, [sp, #104]
    str     x2, [x1, #8]
    ldp     x19, x20, [sp, #0]
    ldp     x21, x22, [sp, #16]
    ldp     x23, x24, [sp, #32]
    ldp     x25, x26, [sp, #48]
    ldp     x27, x28, [sp, #64]
    ldp     x29, x30, [sp, #80]
    add     sp, sp, #112
    ret

    .section .rodata, "a"
    .balign 8
    .global canary_loads
canary_loads:                       /* by target register, 0-30 */
    .quad   canary_load_0
    .quad   canary_load_1
    .quad   canary_load_2
    .quad   canary_load_3
    .quad   canary_load_4
    .quad   canary_load_5
    .quad   canary_load_6
    .quad   canary_load_7
    .quad   canary_load_8
    .quad   canary_load_9
    .quad   canary_load_10
    .quad   canary_load_11
    .quad   canary_load_12
    .quad   canary_load_13
    .quad   canary_load_14
    .quad   canary_load_15
    .quad   canary_load_16
    .quad   canary_load_17
    .quad   canary_load_18
    .quad   canary_load_19
    .quad   canary_load_20
    .quad   canary_load_21
    .quad   canary_load_22
    .quad   canary_load_23
    .quad   canary_load_24
    .quad   canary_load_25
    .quad   canary_load_26
    .quad   canary_load_27
    .quad   canary_load_28
    .quad   canary_load_29
    .quad   canary_load_30
    .global canary_stores
canary_stores:                      /* by source register, 1-30, then wzr */
    .quad   canary_store_1
    .quad   canary_store_2
    .quad   canary_store_3
    .quad   canary_store_4
    .quad   canary_store_5
    .quad   canary_store_6
    .quad   canary_store_7
    .quad   canary_store_8
    .quad   canary_store_9
    .quad   canary_store_10
    .quad   canary_store_11
    .quad   canary_store_12
    .quad   canary_store_13
    .quad   canary_store_14
    .quad   canary_store_15
    .quad   canary_store_16
    .quad   canary_store_17
    .quad   canary_store_18
    .quad   canary_store_19
    .quad   canary_store_20
    .quad   canary_store_21
    .quad   canary_store_22
    .quad   canary_store_23
    .quad   canary_store_24
    .quad   canary_store_25
    .quad   canary_store_26
    .quad   canary_store_27
    .quad   canary_store_28
    .quad   canary_store_29
    .quad   canary_store_30
    .quad   canary_store_zr
