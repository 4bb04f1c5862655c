/*
 * Entry of a bare-metal partition at EL1h, MMU off: set a stack, copy .data from the image
 * into its writable region, clear BSS, call main.
 */
    .section .text.start, "ax"
    .global _start
_start:
    adrp    x1, __stack_top
    add     x1, x1, :lo12:__stack_top
    mov     sp, x1
    adrp    x1, __data_load
    add     x1, x1, :lo12:__data_load
    adrp    x2, __data_start
    add     x2, x2, :lo12:__data_start
    adrp    x3, __data_end
    add     x3, x3, :lo12:__data_end
1:  cmp     x2, x3
    b.hs    2f
    ldr     x4, [x1], #8
    str     x4, [x2], #8
    b       1b
2:  adrp    x1, __bss_start
    add     x1, x1, :lo12:__bss_start
    adrp    x2, __bss_end
    add     x2, x2, :lo12:__bss_end
3:  cmp     x1, x2
    b.hs    4f
    str     xzr, [x1], #8
    b       3b
4:  bl      main
5:  wfi
    b       5b
