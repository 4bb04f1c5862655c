/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A hostile stand-in kernel for tests/test_xnx_standin.py (sealed-strict, docs/integrity.md):
 * an arm64 Image whose "text" is its first 8 KiB and "rodata" the next 4 KiB. It writes code
 * (one RET) into its RAM outside the text and calls it: before the seal that runs; then it
 * asks to be sealed (the `seal` hypercall) and does the same again, with new code and with the
 * rodata's first word: EL1 may no longer execute either, the hypervisor refuses the fetch and
 * (block, inject) gives it an instruction abort, which its vector says and returns from.
 * MMU off: VA = IPA. HC_SEAL, HC_CONSOLE, PSCI_SYSTEM_OFF from the compiler's command line.
 */
#include "image.h"      /* the arm64 Image header, _start, `say` */

#define RET 0xd65f03c0
#define EC_IABT_CUR 0x21

    /* x1 = where to write a RET and call it; say what happened (x19 = 1 once the abort
     * vector ran for this call). */
try:
    stp     x29, x30, [sp, #-16]!
    ldr     w2, =RET
    str     w2, [x1]
    dc      civac, x1                   /* MMU off: fetches read memory, not the D-cache */
    dsb     ish
    ic      iallu
    dsb     ish
    isb
    mov     x19, #0
    blr     x1                          /* a refused fetch returns here through `vectors` */
    cbnz    x19, 1f
    say     m_ran, m_ran_len
    b       2f
1:  say     m_refused, m_refused_len
2:  ldp     x29, x30, [sp], #16
    ret

main:
    adr     x0, vectors
    msr     vbar_el1, x0
    adr     x0, stack_top
    mov     sp, x0
    isb
    adr     x1, code_before             /* RAM outside the text, before the seal: runs */
    bl      try

    ldr     w0, =HC_SEAL
    hvc     #0
    say     m_sealed, m_sealed_len

    adr     x1, code_after              /* injected code in RAM after the seal: refused */
    bl      try
    adr     x1, table                   /* the rodata (read-only now: jump to what is there) */
    bl      rodata_call
    adr     x1, code_before             /* the same page as before the seal: refused too */
    bl      try

    ldr     w0, =PSCI_SYSTEM_OFF
    hvc     #0
3:  wfi
    b       3b

    /* Call the rodata's first word (a RET the image put there) as it is. */
rodata_call:
    stp     x29, x30, [sp, #-16]!
    mov     x19, #0
    blr     x1
    cbnz    x19, 1f
    say     m_ro_ran, m_ro_ran_len
    b       2f
1:  say     m_ro_refused, m_ro_refused_len
2:  ldp     x29, x30, [sp], #16
    ret

    .ltorg

    /* EL1h synchronous exceptions (VBAR_EL1 + 0x200): an instruction abort at EL1 is the
     * refused fetch. Return to the caller (x30: its BLR's return address). */
    .balign 0x800
vectors:
    .skip   0x200
    mrs     x0, esr_el1
    lsr     x0, x0, #26
    cmp     x0, #EC_IABT_CUR
    b.ne    4f
    mov     x19, #1
    msr     elr_el1, x30
    eret
4:  say     m_other, m_other_len
5:  wfi
    b       5b
    .balign 0x800

m_ran:          .ascii "xnx: code in RAM ran\n"
    .equ m_ran_len, . - m_ran
m_refused:      .ascii "xnx: code in RAM refused\n"
    .equ m_refused_len, . - m_refused
m_sealed:       .ascii "xnx: sealed\n"
    .equ m_sealed_len, . - m_sealed
m_ro_ran:       .ascii "xnx: rodata ran\n"
    .equ m_ro_ran_len, . - m_ro_ran
m_ro_refused:   .ascii "xnx: rodata refused\n"
    .equ m_ro_refused_len, . - m_ro_refused
m_other:        .ascii "xnx: unexpected exception\n"
    .equ m_other_len, . - m_other

    .balign 0x2000                      /* text [0, 0x2000), rodata [0x2000, 0x3000) */
table:
    ret
    .balign 0x1000
image_end:

    .section .data.scratch, "aw"        /* after the image: unsealed RAM */
    .balign 0x1000
code_before:
    .long   0
    .balign 0x1000
code_after:
    .long   0
    .balign 16
    .skip   0x400
stack_top:
