/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Entry of a bare-metal partition at EL1h, MMU off. vCPU 0 enters at _start (x0 = its DT or 0):
 * it copies .data into its writable region, clears BSS and calls main(). Other vCPUs enter at
 * _secondary_start through PSCI CPU_ON with x0 = their vCPU number, and call secondary_main().
 * Each vCPU gets its own stack below __stack_top.
 */
#include "partition_config.h"

    .section .text.start, "ax"
    .global _start
_start:
    mov     x19, x0
    mov     x0, #0
    bl      set_stack
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
4:  mov     x0, x19
    bl      main
5:  wfi
    b       5b

    .global _secondary_start
_secondary_start:
    mov     x19, x0
    bl      set_stack
    mov     x0, x19
    bl      secondary_main
6:  wfi
    b       6b

/* x0 = vCPU number: SP = __stack_top - n * HVCFG_STACK_PER_VCPU. Clobbers x1, x2. */
set_stack:
    adrp    x1, __stack_top
    add     x1, x1, :lo12:__stack_top
    mov     x2, #HVCFG_STACK_PER_VCPU
    msub    x1, x0, x2, x1
    mov     sp, x1
    ret

    .weak   secondary_main
