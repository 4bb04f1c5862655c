/* SPDX-License-Identifier: Apache-2.0 */
/*
 * EL2 exception vectors. Every exception saves the interrupted context as a struct hv_regs
 * frame on this CPU's stack and calls C; returning from C restores the frame and erets.
 */
#include "asm-offsets.h"             /* FRAME_*, VGIC_WORK_SIZE: generated from the C structs */
#include "hv/config.h"
#include "hv/frame.h"
#include "hv/sysreg.h"

/* Offset of x<n> in the frame: struct hv_regs holds x0..x30 as one uint64_t array. */
#define X(n) (FRAME_X0 + 8 * (n))

/* The pair loads and stores below rely on these neighbours. */
.if FRAME_ELR != FRAME_X30 + 8 || FRAME_SPSR != FRAME_ELR + 8 || FRAME_X30 != X(30)
.error "struct hv_regs: x30, elr and spsr must follow each other"
.endif

/* Register pairs x2..x17 and x20..x29 to and from the frame (x0, x1, x18, x19 are handled by
 * each path: the fast paths need x0 and x1 as scratch first). */
.macro stp_x2_x17
    stp     x2, x3, [sp, #X(2)]
    stp     x4, x5, [sp, #X(4)]
    stp     x6, x7, [sp, #X(6)]
    stp     x8, x9, [sp, #X(8)]
    stp     x10, x11, [sp, #X(10)]
    stp     x12, x13, [sp, #X(12)]
    stp     x14, x15, [sp, #X(14)]
    stp     x16, x17, [sp, #X(16)]
.endm

.macro ldp_x2_x17
    ldp     x2, x3, [sp, #X(2)]
    ldp     x4, x5, [sp, #X(4)]
    ldp     x6, x7, [sp, #X(6)]
    ldp     x8, x9, [sp, #X(8)]
    ldp     x10, x11, [sp, #X(10)]
    ldp     x12, x13, [sp, #X(12)]
    ldp     x14, x15, [sp, #X(14)]
    ldp     x16, x17, [sp, #X(16)]
.endm

.macro stp_x20_x29
    stp     x20, x21, [sp, #X(20)]
    stp     x22, x23, [sp, #X(22)]
    stp     x24, x25, [sp, #X(24)]
    stp     x26, x27, [sp, #X(26)]
    stp     x28, x29, [sp, #X(28)]
.endm

/* The rest of a full frame once x0 and x1 are in it. */
.macro save_rest
    stp_x2_x17
    stp     x18, x19, [sp, #X(18)]
    stp_x20_x29
    mrs     x21, elr_el2
    mrs     x22, spsr_el2
    stp     x30, x21, [sp, #FRAME_X30]
    str     x22, [sp, #FRAME_SPSR]
.endm

.macro save_frame
    sub     sp, sp, #FRAME_SIZE
    stp     x0, x1, [sp, #X(0)]
    save_rest
.endm

.macro restore_frame_and_eret
    ldp     x30, x21, [sp, #FRAME_X30]
    ldr     x22, [sp, #FRAME_SPSR]
    msr     elr_el2, x21
    msr     spsr_el2, x22
    ldp     x0, x1, [sp, #X(0)]
    ldp_x2_x17
    ldp     x18, x19, [sp, #X(18)]
    ldp     x20, x21, [sp, #X(20)]
    ldp     x22, x23, [sp, #X(22)]
    ldp     x24, x25, [sp, #X(24)]
    ldp     x26, x27, [sp, #X(26)]
    ldp     x28, x29, [sp, #X(28)]
    add     sp, sp, #FRAME_SIZE
    eret
    dsb     nsh                     /* speculation barrier after eret */
    isb
.endm

.macro vector target
    .balign 0x80
    b       \target
.endm

    .section .text.vectors, "ax"
    .balign 0x800
    .global hv_vectors
hv_vectors:
    vector  el2_sp0_unexpected      /* current EL, SP_EL0: sync, irq, fiq, serror */
    vector  el2_sp0_unexpected
    vector  el2_sp0_unexpected
    vector  el2_sp0_unexpected
    vector  el2_sync                /* current EL, SP_ELx */
    vector  el2_irq
    vector  el2_fiq
    vector  el2_serror
    vector  lower_sync              /* lower EL, AArch64 */
    vector  lower_irq
    vector  lower_fiq
    vector  lower_serror
    vector  lower32                 /* lower EL, AArch32: never granted */
    vector  lower32
    vector  lower32
    vector  lower32

/*
 * The same vectors for CPUs that need Spectre-v2 and Spectre-BHB mitigation on entry from a
 * guest (Cortex-A57/A72, chosen per CPU by aarch64/spectre.c): before anything else, the k = 8
 * branch loop replaces the guest's branch history, then SCTLR_EL2.M off and on invalidates the
 * branch predictor (EL2 is identity mapped: the next instruction is at the same address either
 * way; no memory access happens while the MMU is off). x0 and x1 are kept on the stack
 * meanwhile. Entries from EL2 itself need neither.
 */
.macro vector_mitigated target
    .balign 0x80
    stp     x0, x1, [sp, #-16]!
    mov     x0, #8
1:  b       2f
2:  subs    x0, x0, #1
    b.ne    1b
    dsb     nsh
    isb
    mrs     x1, sctlr_el2
    bic     x0, x1, #1              /* SCTLR_EL2.M */
    msr     sctlr_el2, x0
    isb
    msr     sctlr_el2, x1
    isb
    ldp     x0, x1, [sp], #16
    b       \target
.endm

    .balign 0x800
    .global hv_vectors_bhb
hv_vectors_bhb:
    vector  el2_sp0_unexpected
    vector  el2_sp0_unexpected
    vector  el2_sp0_unexpected
    vector  el2_sp0_unexpected
    vector  el2_sync
    vector  el2_irq
    vector  el2_fiq
    vector  el2_serror
    vector_mitigated lower_sync
    vector_mitigated lower_irq
    vector_mitigated lower_fiq
    vector_mitigated lower_serror
    vector_mitigated lower32
    vector_mitigated lower32
    vector_mitigated lower32
    vector_mitigated lower32

.macro unexpected kind
    save_frame
    mov     x0, sp
    mov     x1, #\kind
    bl      hv_trap_unexpected      /* does not return */
    b       hv_park
.endm

el2_sp0_unexpected: unexpected HV_EXC_EL2_SP0
el2_sync:           unexpected HV_EXC_EL2_SYNC
el2_irq:            unexpected HV_EXC_EL2_IRQ
el2_fiq:            unexpected HV_EXC_EL2_FIQ
el2_serror:         unexpected HV_EXC_EL2_SERROR

/*
 * Fast paths. HVC (every hypercall and PSCI call), physical IRQs and data aborts that turn out
 * to be emulated MMIO save only what C code may clobber (x0-x18, x30, ELR, SPSR): x19-x29 are
 * callee-saved, so they still hold the guest's values when C returns, and a path that needs
 * them in the frame (hv_stage2_mmio_fast declining) completes the frame then.
 */
.macro save_partial                 /* x0, x1 already in the frame */
    stp_x2_x17
    mrs     x0, elr_el2
    mrs     x1, spsr_el2
    stp     x18, x19, [sp, #X(18)]
    stp     x30, x0, [sp, #FRAME_X30]
    str     x1, [sp, #FRAME_SPSR]
.endm

.if VGIC_WORK_SIZE != 4
.error "hv_vgic_work[]: flush_if_work loads 32-bit flags"
.endif
.macro flush_if_work                /* hv_vgic_flush only when this CPU has work for it */
    mrs     x0, tpidr_el2
    adrp    x1, hv_vgic_work
    add     x1, x1, :lo12:hv_vgic_work
    ldr     w1, [x1, x0, lsl #2]
    cbz     w1, 1f
    bl      hv_vgic_flush
1:
.endm

.macro restore_partial_and_eret
    ldp     x30, x0, [sp, #FRAME_X30]
    ldr     x1, [sp, #FRAME_SPSR]
    msr     elr_el2, x0
    msr     spsr_el2, x1
    ldp_x2_x17
    ldr     x18, [sp, #X(18)]
    ldp     x0, x1, [sp, #X(0)]
    add     sp, sp, #FRAME_SIZE
    eret
    dsb     nsh
    isb
.endm

lower_sync:
    sub     sp, sp, #FRAME_SIZE
    stp     x0, x1, [sp, #X(0)]
    mrs     x0, esr_el2
    lsr     x0, x0, #ESR_EC_SHIFT   /* EC (ISS2 set above it: the full path, which masks) */
    cmp     x0, #EC_HVC64
    b.eq    lower_hvc
    cmp     x0, #EC_DABT_LOW
    b.ne    lower_sync_full
    save_partial
    mov     x0, sp
    bl      hv_stage2_mmio_fast
    cbz     w0, lower_sync_complete
    flush_if_work
    restore_partial_and_eret

lower_hvc:
    save_partial
    mov     x0, sp
    bl      hv_smccc_call
    flush_if_work
    restore_partial_and_eret

lower_sync_complete:                /* a partial frame: add x20-x29 (x19 is in) and go on */
    stp_x20_x29
    b       lower_sync_call

lower_sync_full:                    /* x0 and x1 are in the frame already */
    save_rest
lower_sync_call:
    mov     x0, sp
    bl      hv_trap_lower_sync
    bl      hv_vgic_flush
    restore_frame_and_eret

.macro lower_event kind
    save_frame
    mov     x0, sp
    mov     x1, #\kind
    bl      hv_trap_lower_other
    bl      hv_vgic_flush
    restore_frame_and_eret
.endm

/* A physical IRQ: the partial frame too (nothing behind hv_trap_lower_irq reads x19-x29 from
 * it; a vCPU whose incarnation ends there never returns to it). */
lower_irq:
    sub     sp, sp, #FRAME_SIZE
    stp     x0, x1, [sp, #X(0)]
    save_partial
    mov     x0, sp
    bl      hv_trap_lower_irq
    flush_if_work
    restore_partial_and_eret

lower_fiq:      lower_event HV_EXC_LOWER_FIQ
lower_serror:   lower_event HV_EXC_LOWER_SERROR
lower32:        lower_event HV_EXC_LOWER_AARCH32

/*
 * hv_enter_guest(const struct hv_regs *regs): load the frame and eret into the guest, with this
 * CPU's stack reset to empty so that the next trap starts clean. Never returns. The frame may
 * live on this very stack: it is read through x0 only, after SP moved (EL2 runs with DAIF
 * masked, so nothing can write below SP meanwhile).
 */
    .section .text, "ax"
    .global hv_enter_guest
hv_enter_guest:
    mrs     x1, tpidr_el2
    ldr     x2, =__stacks_start
    ldr     x3, =HV_STACK_SIZE
    madd    x1, x1, x3, x2
    add     sp, x1, x3
    ldp     x30, x21, [x0, #FRAME_X30]
    ldr     x22, [x0, #FRAME_SPSR]
    msr     elr_el2, x21
    msr     spsr_el2, x22
    ldp     x2, x3, [x0, #X(2)]
    ldp     x4, x5, [x0, #X(4)]
    ldp     x6, x7, [x0, #X(6)]
    ldp     x8, x9, [x0, #X(8)]
    ldp     x10, x11, [x0, #X(10)]
    ldp     x12, x13, [x0, #X(12)]
    ldp     x14, x15, [x0, #X(14)]
    ldp     x16, x17, [x0, #X(16)]
    ldp     x18, x19, [x0, #X(18)]
    ldp     x20, x21, [x0, #X(20)]
    ldp     x22, x23, [x0, #X(22)]
    ldp     x24, x25, [x0, #X(24)]
    ldp     x26, x27, [x0, #X(26)]
    ldp     x28, x29, [x0, #X(28)]
    ldp     x0, x1, [x0, #X(0)]
    eret
    dsb     nsh
    isb

    .ltorg
