/* SPDX-License-Identifier: Apache-2.0 */
/* The start of the stand-in kernels of tests/test_seal_standin.py: an arm64 Image header whose
 * first instruction branches to the includer's `main` (its end is the includer's `image_end`),
 * and `say label, len`: the console hypercall (HC_CONSOLE from the compiler's command line). */
    .section .text, "ax"
    .global _start
_start:
    b       main                        /* code0: branch past the header */
    .long   0
    .quad   0                           /* text_offset */
    .quad   image_end - _start          /* image_size */
    .quad   0xa                         /* flags: LE, 4 KiB pages, anywhere */
    .quad   0, 0, 0
    .ascii  "ARM\x64"                   /* magic */
    .long   0

    .macro  say label, len
    adr     x1, \label
    mov     x2, #\len
    ldr     w0, =HC_CONSOLE
    hvc     #0
    .endm
