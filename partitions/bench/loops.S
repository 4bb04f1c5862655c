/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The timed loops of the bench partition, in assembly so that every iteration is exactly
 * `mov x0, x6; <op>; subs; b.ne` (4 instructions when <op> is one instruction). Each returns
 * the counter ticks the whole loop took, read with ISBs on both sides.
 *   uint64_t bench_<op>(uint64_t n, uint64_t arg, uint64_t value)
 * x6 = arg (function id or address), x7 = value. The hypervisor preserves x4..x30 across an
 * HVC or an emulated access, so x4 (start time), x5 (count), x6, x7 survive the operation.
 *
 * Also the EL1 vectors: IRQs from EL1h go to irq_handler() in C.
 */
.macro timed name, op, extra_nops=0
    .section .text, "ax"
    .balign 64
    .global \name
\name:
    mov     x5, x0
    mov     x6, x1
    mov     x7, x2
    isb
    mrs     x4, cntvct_el0
    isb
1:  mov     x0, x6
    \op
    .rept   \extra_nops
    nop
    .endr
    subs    x5, x5, #1
    b.ne    1b
    isb
    mrs     x0, cntvct_el0
    isb
    sub     x0, x0, x4
    ret
.endm

timed bench_nop,  "nop"
timed bench_hvc,  "hvc #0"
timed bench_ldr,  "ldr w1, [x6]"
timed bench_str,  "str w7, [x6]"
timed bench_smc,  "smc #0"
timed bench_mrs_actlr, "mrs x1, actlr_el1"     /* trapped (HCR_EL2.TACR), read as zero */
/* calibration: k nops per iteration, k + 3 instructions */
timed bench_nop2, "nop", 1
timed bench_nop9, "nop", 8
