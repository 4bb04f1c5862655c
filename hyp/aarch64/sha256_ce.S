/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SHA-256 block function with the Armv8 SHA-256 instructions (FEAT_SHA256).
 *
 * void hv_sha256_blocks_ce(uint32_t state[8], const uint8_t *data, size_t blocks)
 *
 * Written in assembly because the C version with intrinsics compiled (with -mstrict-align) to
 * byte loads and a message schedule on the stack: 626 instructions per 64-byte block. This one
 * keeps the 64 round constants in v16-v31 and the schedule in v0-v3, fully unrolled: about 120
 * per block. The only hypervisor code that uses SIMD registers: it runs while a partition is
 * being (re)loaded, when no partition's state lives in them on this CPU (they are not part of a
 * vCPU's saved context, and no partition runs on this CPU meanwhile).
 *
 * Registers: v0-v3 message schedule W[4i..4i+3], v4/v5 = ABCD/EFGH, v6/v7 = their values at
 * the start of the block, v8 = ABCD before a round pair, v9 = W + K; v16-v31 = K[0..63].
 * v8-v15 are callee-saved (low 64 bits) in AAPCS64: only v8 and v9 are used, saved on entry.
 */
    .arch   armv8-a+crypto
    .text
    .balign 16

/* Four rounds on schedule register \w with constants \k. */
.macro rounds4 w, k
    add     v9.4s, \w\().4s, \k\().4s
    mov     v8.16b, v4.16b
    sha256h q4, q5, v9.4s
    sha256h2 q5, q8, v9.4s
.endm

/* Four rounds on \w0, and the four schedule words twelve rounds later into \w0 (from \w0..\w3):
 * the add reads \w0 before the schedule overwrites it. */
.macro rounds4_sched w0, w1, w2, w3, k
    add     v9.4s, \w0\().4s, \k\().4s
    sha256su0 \w0\().4s, \w1\().4s
    mov     v8.16b, v4.16b
    sha256h q4, q5, v9.4s
    sha256h2 q5, q8, v9.4s
    sha256su1 \w0\().4s, \w2\().4s, \w3\().4s
.endm

/* Sixteen rounds with schedule, the four schedule registers taking turns. */
.macro rounds16_sched k0, k1, k2, k3
    rounds4_sched v0, v1, v2, v3, \k0
    rounds4_sched v1, v2, v3, v0, \k1
    rounds4_sched v2, v3, v0, v1, \k2
    rounds4_sched v3, v0, v1, v2, \k3
.endm

    .global hv_sha256_blocks_ce
    .type   hv_sha256_blocks_ce, %function
hv_sha256_blocks_ce:
    cbz     x2, 2f
    stp     d8, d9, [sp, #-16]!
    adrp    x3, hv_sha256_k
    add     x3, x3, :lo12:hv_sha256_k
    ld1     {v16.4s-v19.4s}, [x3], #64
    ld1     {v20.4s-v23.4s}, [x3], #64
    ld1     {v24.4s-v27.4s}, [x3], #64
    ld1     {v28.4s-v31.4s}, [x3]
    ld1     {v4.4s, v5.4s}, [x0]
1:
    ld1     {v0.16b-v3.16b}, [x1], #64
    rev32   v0.16b, v0.16b
    rev32   v1.16b, v1.16b
    rev32   v2.16b, v2.16b
    rev32   v3.16b, v3.16b
    mov     v6.16b, v4.16b
    mov     v7.16b, v5.16b
    /* Rounds 0-47 also compute W[16..63]. */
    rounds16_sched v16, v17, v18, v19
    rounds16_sched v20, v21, v22, v23
    rounds16_sched v24, v25, v26, v27
    rounds4 v0, v28                 /* rounds 48-63: the schedule is complete */
    rounds4 v1, v29
    rounds4 v2, v30
    rounds4 v3, v31
    add     v4.4s, v4.4s, v6.4s
    add     v5.4s, v5.4s, v7.4s
    subs    x2, x2, #1
    b.ne    1b
    st1     {v4.4s, v5.4s}, [x0]
    ldp     d8, d9, [sp], #16
2:
    ret
    .size   hv_sha256_blocks_ce, . - hv_sha256_blocks_ce
