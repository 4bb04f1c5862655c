/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The hostile partition's synchronous exception handler (its vector table is lib/vectors.S):
 * every exception is recorded (ESR_EL1, FAR_EL1) and execution resumes after the offending
 * instruction, so that the partition can try one forbidden thing after another under the
 * `inject` policy.
 */
    .section .text, "ax"
    .global el1_sync
el1_sync:
    stp     x0, x1, [sp, #-16]!
    mrs     x0, esr_el1
    adrp    x1, last_esr
    str     x0, [x1, :lo12:last_esr]
    mrs     x0, far_el1
    adrp    x1, last_far
    str     x0, [x1, :lo12:last_far]
    /* Resume after the instruction that faulted. An exception injected for an HVC already
     * points past the HVC (its preferred return address), so do not skip a second time. */
    mrs     x0, elr_el1
    ldur    w1, [x0, #-4]
    ldr     w0, =0xd4000002         /* hvc #0 */
    cmp     w1, w0
    mrs     x0, elr_el1
    add     x1, x0, #4
    csel    x0, x0, x1, eq
    msr     elr_el1, x0
    ldp     x0, x1, [sp], #16
    eret
