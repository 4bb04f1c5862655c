/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The fuzzer's assembly: its synchronous exception entry (el1_sync, for lib/vectors.S), the
 * entry of vCPUs it starts with PSCI CPU_ON (fz_entry and a page of branches to it, so that
 * any word-aligned entry in that page is a valid one), the SMCCC call with every argument
 * register set (fz_call), and one memory access in each of the forms a guest can use
 * (fz_access).
 */
#include "partition_config.h"
#include "../lib/caller_saved.h"
#define FZ_NFORMS 32            /* fuzz.h agrees */

    .section .text, "ax"

/* Record the exception (fz_sync in C) and resume where fz_sync says: after the faulting
 * instruction, or at ELR when that already is the preferred return (an HVC/SMC whose
 * failure the hypervisor injected, a debug exception). */
    .global el1_sync
el1_sync:
    push_caller_saved
    mrs     x0, esr_el1
    mrs     x1, elr_el1
    mrs     x2, far_el1
    bl      fz_sync
    msr     elr_el1, x0
    pop_caller_saved
    eret

/* A vCPU started by CPU_ON, x0 = context (any value: the stack comes from MPIDR, never from
 * it). */
    .global fz_entry
fz_entry:
    msr     daifset, #0xf
    mrs     x1, mpidr_el1
    and     x1, x1, #0xff
    cmp     x1, #HVCFG_NCPUS
    b.hs    9f
    adrp    x2, __stack_top
    add     x2, x2, :lo12:__stack_top
    mov     x3, #HVCFG_STACK_PER_VCPU
    msub    x2, x1, x3, x2
    mov     sp, x2
    adrp    x2, guest_vectors
    add     x2, x2, :lo12:guest_vectors
    msr     vbar_el1, x2
    isb
    bl      fz_secondary
9:  wfi
    b       9b

/* One page of `b fz_entry`: CPU_ON may name any word in it. */
    .balign 4096
    .global fz_entry_sled
fz_entry_sled:
    .rept 1024
    b       fz_entry
    .endr

/* void fz_call(uint64_t x[19], unsigned conduit): x0-x17 from the array, one HVC or SMC (the
 * conduit picks which, and which immediate), x0-x18 back into the array. */
    .global fz_call
fz_call:
    stp     x29, x30, [sp, #-32]!
    str     x0, [sp, #16]
    mov     x18, x0
    adr     x30, fz_call_insns
    add     x30, x30, x1, lsl #3
    ldp     x0, x1, [x18, #0]
    ldp     x2, x3, [x18, #16]
    ldp     x4, x5, [x18, #32]
    ldp     x6, x7, [x18, #48]
    ldp     x8, x9, [x18, #64]
    ldp     x10, x11, [x18, #80]
    ldp     x12, x13, [x18, #96]
    ldp     x14, x15, [x18, #112]
    ldp     x16, x17, [x18, #128]
    br      x30
    .global fz_call_insns, fz_call_insns_end
fz_call_insns:                      /* 8 bytes each: the call, then back */
    hvc     #0
    b       1f
    smc     #0
    b       1f
    hvc     #1
    b       1f
    hvc     #0xffff
    b       1f
    smc     #0x1234
    b       1f
fz_call_insns_end:
1:  mov     x30, x18                /* what the hypervisor left in x18 */
    ldr     x18, [sp, #16]
    stp     x0, x1, [x18, #0]
    stp     x2, x3, [x18, #16]
    stp     x4, x5, [x18, #32]
    stp     x6, x7, [x18, #48]
    stp     x8, x9, [x18, #64]
    stp     x10, x11, [x18, #80]
    stp     x12, x13, [x18, #96]
    stp     x14, x15, [x18, #112]
    stp     x16, x17, [x18, #128]
    str     x30, [x18, #144]
    ldp     x29, x30, [sp], #32
    ret

/* uint64_t fz_access(unsigned form, uint64_t addr, uint64_t value): one load or store of
 * the given form at addr (forms in fuzz.h, 16 bytes of code each); a load's value. */
    .global fz_access
fz_access:
    stp     x20, x25, [sp, #-16]!
    mov     x3, x0
    mov     x0, #0
    cmp     x3, #FZ_NFORMS
    b.hs    2f
    adr     x4, 1f
    add     x4, x4, x3, lsl #4
    br      x4
.macro form a, b=nop, c=nop
    .balign 16
    \a
    \b
    \c
    b       2f
.endm
    .balign 16
1:  form    "ldrb w0, [x1]"
    form    "ldrh w0, [x1]"
    form    "ldr w0, [x1]"
    form    "ldr x0, [x1]"
    form    "strb w2, [x1]"
    form    "strh w2, [x1]"
    form    "str w2, [x1]"
    form    "str x2, [x1]"
    form    "ldp w0, w3, [x1]"
    form    "ldp x0, x3, [x1]"
    form    "stp w2, w2, [x1]"
    form    "stp x2, x2, [x1]"
    form    "ldrsb x0, [x1]"
    form    "ldrsh x0, [x1]"
    form    "ldrsw x0, [x1]"
    form    "ldrsh w0, [x1]"
    form    "ldar w0, [x1]"
    form    "stlr w2, [x1]"
    form    "str wzr, [x1]"
    form    "ldr wzr, [x1]"
    form    "ldr w20, [x1]", "mov x0, x20"
    form    "mov x25, x2", "str w25, [x1]"
    form    "ldr w0, [x1], #4"
    form    "str w2, [x1, #4]!"
    form    "ldxr w0, [x1]"
    form    "stxr w3, w2, [x1]"
    form    "dc civac, x1"
    form    "dc zva, x1"
    form    "prfm pldl1keep, [x1]"
    form    "ldtr w0, [x1]"
    form    "ld1 {v0.16b}, [x1]"
    form    "st1 {v0.16b}, [x1]"
2:  ldp     x20, x25, [sp], #16
    ret
