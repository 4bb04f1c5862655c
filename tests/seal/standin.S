/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A stand-in kernel for tests/test_seal_standin.py: an arm64 Image (its header says so) whose
 * "text" is its first 8 KiB and "rodata" the next 4 KiB, with a kernel layout written for it by
 * the test. It asks to be sealed (the `seal` hypercall), then makes writes a kernel could make
 * to itself and says which took effect: an allowed patch (NOP -> B to the target its layout's
 * site file declares for that static key) and four refused ones (a BRK, a branch out of the
 * text, a B at a NOP the site file does not declare, a rodata word), and a BL to its stand-in
 * ftrace entry at a declared ftrace site (allowed) and NOP over an existing call (refused).
 * MMU off: VA = IPA. The test reads the sites' addresses from the ELF (site_*, key_target).
 * HC_SEAL, HC_CONSOLE and PSCI_SYSTEM_OFF come from the compiler's command line (hypercalls.yaml).
 */
#include "image.h"      /* the arm64 Image header, _start, `say` */

    /* x1 = site, w2 = word to store there: store it, then say "<name>: unchanged" when the
     * site still holds what it held (x3 = message for unchanged, x4 for changed, x5 = length) */
check:
    ldr     w6, [x1]
    str     w2, [x1]
    ldr     w7, [x1]
    cmp     w6, w7
    csel    x1, x3, x4, eq
    mov     x2, x5
    ldr     w0, =HC_CONSOLE
    hvc     #0
    ret

    /* w2 = B from x1 to x6 */
b_insn:
    sub     x6, x6, x1
    asr     x6, x6, #2
    and     x6, x6, #0x3ffffff
    movz    w7, #0x1400, lsl #16
    orr     w2, w6, w7
    ret

main:
key_target:                             /* where the static key at site_nop branches to */
    adr     x1, table + 8               /* before the seal its rodata is writable */
    mov     w2, #0x5a
    adr     x3, m_open_unchanged
    adr     x4, m_open_changed
    mov     x5, #m_open_len
    bl      check

    ldr     w0, =HC_SEAL
    hvc     #0
    say     m_sealed, m_sealed_len

    adr     x1, site_nop                /* allowed: NOP -> B to the key's own target */
    adr     x6, key_target
    bl      b_insn
    adr     x3, m_patch_missing
    adr     x4, m_patch_done
    mov     x5, #m_patch_len
    bl      check

    /* The cost of one allowed patch as the guest sees it (B -> NOP back at the same site),
     * minus the same store to unsealed memory: under -icount with a 1 GHz counter, the
     * instructions of the whole trap (scripts/bench-seal). */
    adr     x1, site_nop
    ldr     w2, =0xd503201f
    adr     x3, scratch
    isb
    mrs     x8, cntvct_el0
    isb
    str     w2, [x1]
    isb
    mrs     x9, cntvct_el0
    isb
    mrs     x10, cntvct_el0
    isb
    str     w2, [x3]
    isb
    mrs     x11, cntvct_el0
    sub     x9, x9, x8
    sub     x11, x11, x10
    sub     x12, x9, x11
    adr     x1, m_cost_value            /* 16 hex digits into the message */
    add     x1, x1, #15
    mov     x4, #16
2:  and     x5, x12, #0xf
    cmp     x5, #10
    add     x6, x5, #'0'
    add     x7, x5, #('a' - 10)
    csel    x6, x6, x7, lo
    strb    w6, [x1], #-1
    lsr     x12, x12, #4
    subs    x4, x4, #1
    b.ne    2b
    say     m_cost, m_cost_len

    adr     x1, site_call               /* allowed: NOP -> BL to ftrace's entry (stand-in) */
    adr     x6, fake_ftrace_caller
    sub     x6, x6, x1
    asr     x6, x6, #2
    and     x6, x6, #0x3ffffff
    movz    w7, #0x9400, lsl #16
    orr     w2, w6, w7
    adr     x3, m_bl_missing
    adr     x4, m_bl_done
    mov     x5, #m_bl_len
    bl      check

    adr     x1, site_bl                 /* refused: BL to another function -> NOP */
    ldr     w2, =0xd503201f
    adr     x3, m_call_unchanged
    adr     x4, m_call_changed
    mov     x5, #m_call_len
    bl      check

    adr     x1, site_brk                /* refused: NOP -> BRK (a kprobe) */
    ldr     w2, =0xd4200000
    adr     x3, m_brk_unchanged
    adr     x4, m_brk_changed
    mov     x5, #m_brk_len
    bl      check

    adr     x1, site_far                /* refused: NOP -> B 4 MiB ahead, out of the text */
    ldr     w2, =0x14100000
    adr     x3, m_far_unchanged
    adr     x4, m_far_changed
    mov     x5, #m_far_len
    bl      check

    adr     x1, site_plain              /* refused: a B at a NOP that is no patch site */
    adr     x6, key_target
    bl      b_insn
    adr     x3, m_plain_unchanged
    adr     x4, m_plain_changed
    mov     x5, #m_plain_len
    bl      check

    adr     x1, table                   /* refused: any write to rodata */
    mov     w2, #0
    adr     x3, m_ro_unchanged
    adr     x4, m_ro_changed
    mov     x5, #m_ro_len
    bl      check

    ldr     w0, =PSCI_SYSTEM_OFF
    hvc     #0
1:  wfi
    b       1b

site_nop:                               /* static keys (the site file's jump sites) */
    nop
site_brk:
    nop
site_far:
    nop
site_call:                              /* a traced function's call (an ftrace site) */
    nop
site_plain:                             /* a NOP the kernel never patches */
    nop
site_bl:
    bl      check                       /* an existing call: never executed, never removed */
fake_ftrace_caller:                     /* the layout names it ftrace_caller */
    ret
    .ltorg

m_open_changed:   .ascii "standin: unsealed at start  \n"
m_open_unchanged: .ascii "standin: SEALED at start    \n"
    .equ m_open_len, . - m_open_unchanged
m_sealed:   .ascii "standin: sealed\n"
    .equ m_sealed_len, . - m_sealed
m_patch_done:    .ascii "standin: patch done     \n"
m_patch_missing: .ascii "standin: patch MISSING  \n"
    .equ m_patch_len, . - m_patch_missing
m_bl_done:        .ascii "standin: bl patch done   \n"
m_bl_missing:     .ascii "standin: bl patch MISSING\n"
    .equ m_bl_len, . - m_bl_missing
m_call_unchanged: .ascii "standin: call unchanged  \n"
m_call_changed:   .ascii "standin: call CHANGED    \n"
    .equ m_call_len, . - m_call_changed
m_brk_unchanged: .ascii "standin: brk unchanged  \n"
m_brk_changed:   .ascii "standin: brk CHANGED    \n"
    .equ m_brk_len, . - m_brk_changed
m_far_unchanged: .ascii "standin: far unchanged  \n"
m_far_changed:   .ascii "standin: far CHANGED    \n"
    .equ m_far_len, . - m_far_changed
m_plain_unchanged: .ascii "standin: plain unchanged \n"
m_plain_changed:   .ascii "standin: plain CHANGED   \n"
    .equ m_plain_len, . - m_plain_changed
m_ro_unchanged:  .ascii "standin: rodata unchanged\n"
m_ro_changed:    .ascii "standin: rodata CHANGED  \n"
    .equ m_ro_len, . - m_ro_changed

    .balign 0x2000                      /* text [0, 0x2000), rodata [0x2000, 0x3000) */
table:
    .quad   0x1111111111111111
    .quad   0
    .balign 0x1000
image_end:

    .section .data.scratch, "aw"        /* after the image: unsealed, the message buffer too */
    .balign 0x1000
scratch:
    .long   0
m_cost:     .ascii "standin: patch cost 0x"
m_cost_value: .ascii "0000000000000000 instructions\n"
    .equ m_cost_len, . - m_cost
