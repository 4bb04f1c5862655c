/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The state a guest finds at its first instruction, before any code of its own changes it:
 * SP (SP_EL1) into x20, x1-x30 ORed together into x21 (x0 is the DT address). Then the usual
 * start (lib/start.S, included under another name), which leaves x20-x28 alone, and `main`
 * below stores both where C can read them.
 */
    .section .text.start, "ax"
    .global _start
_start:
    orr     x21, x21, x1
    orr     x21, x21, x2
    orr     x21, x21, x3
    orr     x21, x21, x4
    orr     x21, x21, x5
    orr     x21, x21, x6
    orr     x21, x21, x7
    orr     x21, x21, x8
    orr     x21, x21, x9
    orr     x21, x21, x10
    orr     x21, x21, x11
    orr     x21, x21, x12
    orr     x21, x21, x13
    orr     x21, x21, x14
    orr     x21, x21, x15
    orr     x21, x21, x16
    orr     x21, x21, x17
    orr     x21, x21, x18
    orr     x21, x21, x19
    orr     x21, x21, x20
    orr     x21, x21, x22
    orr     x21, x21, x23
    orr     x21, x21, x24
    orr     x21, x21, x25
    orr     x21, x21, x26
    orr     x21, x21, x27
    orr     x21, x21, x28
    orr     x21, x21, x29
    orr     x21, x21, x30
    mov     x20, sp
    b       lib_start

#define _start lib_start
#include "../lib/start.S"

    .section .text, "ax"
    .global main
main:
    adrp    x1, entry_sp
    str     x20, [x1, :lo12:entry_sp]
    adrp    x1, entry_gprs
    str     x21, [x1, :lo12:entry_gprs]
    b       regs_main
