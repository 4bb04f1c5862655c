/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Entry at EL2 from any arm64 Image loader (QEMU -kernel, U-Boot booti, the Pi firmware):
 * x0 = DTB, MMU off. The header's text_offset asks the loader to put the image at its link
 * address (decided by hvcfg's layout; see image_load_offset in layout.py); a loader that
 * ignores it may load the image anywhere 2 MiB aligned, so before anything else the image
 * copies itself to its link address if it is not there, then zeroes BSS, turns on the EL2
 * MMU with the generated tables and calls C.
 */
#include "asm-offsets.h"             /* BOOT_REGS_*, CPU_*: generated from the C structs */
#include "hv/config.h"
#include "hv/sysreg.h"

    .section .head, "ax"
    .global _head
_head:
    b       hv_entry                /* code0 */
    .long   0                       /* code1 */
    .quad   __hyp_text_offset       /* text_offset: link address - RAM base, or 0 */
    .quad   __hyp_image_size        /* image_size: everything up to the end of BSS/stacks */
    .quad   __hyp_image_flags       /* flags: little endian, 4 KiB pages, placement (ld script) */
    .quad   0, 0, 0                 /* res2..res4 */
    .ascii  "ARM\x64"               /* magic */
    .long   0                       /* res5 */

    .section .text.boot, "ax"
hv_entry:
    mov     x19, x0                 /* keep the firmware's DTB pointer for the banner */
    mrs     x1, CurrentEL
    lsr     x1, x1, #2
    cmp     x1, #2
    b.ne    wrong_el

    /* Self-relocate: copy [_head, __load_end) from where we run to where we are linked. */
    adr     x1, _head
    mov     x20, x1                 /* where the loader put us, for the banner */
    ldr     x2, =_head
    cmp     x1, x2
    b.eq    relocated
    ldr     x3, =__load_end
    sub     x3, x3, x2              /* bytes, a multiple of 16 (linker script) */
    cmp     x2, x1
    b.hi    copy_down
copy_up:                            /* dst below src: copy forwards */
    ldp     x4, x5, [x1], #16
    stp     x4, x5, [x2], #16
    subs    x3, x3, #16
    b.ne    copy_up
    b       copied
copy_down:                          /* dst above src: copy backwards, ranges may overlap */
    add     x1, x1, x3
    add     x2, x2, x3
1:  ldp     x4, x5, [x1, #-16]!
    stp     x4, x5, [x2, #-16]!
    subs    x3, x3, #16
    b.ne    1b
copied:
    /* Drop any stale cache lines over the copy, written with the MMU off. (An image the loader
     * put in place was cleaned to PoC by the loader, as the arm64 boot protocol requires.) */
    ldr     x0, =_head
    ldr     x1, =__load_end
    bl      hv_dcache_inval_range_early
    ic      iallu
    dsb     sy
    isb
    ldr     x4, =relocated
    br      x4

relocated:
    /* Zero BSS and stacks (MMU off: these writes go straight to memory). */
    ldr     x1, =__bss_start
    ldr     x2, =__bss_end
2:  cmp     x1, x2
    b.hs    3f
    stp     xzr, xzr, [x1], #16
    b       2b
3:
    /* ... and over BSS, zeroed with the MMU off. */
    ldr     x0, =__bss_start
    ldr     x1, =__bss_end
    bl      hv_dcache_inval_range_early

    /* Boot CPU: its slot in hv_cpus, found by MPIDR. */
    bl      hv_find_slot
    cmn     x0, #1
    b.eq    hv_park                 /* a CPU the configuration does not know: stay out */
    bl      hv_set_stack_and_percpu

    bl      hv_mmu_enable
    bl      hv_el2_debug_init       /* MDCR_EL2, HSTR_EL2: UNKNOWN at reset */
    mov     x0, x19
    mov     x1, x20
    bl      hv_main
    b       hv_park

/*
 * Secondary CPUs enter here, MMU off, from PSCI CPU_ON or a spin table (which passes nothing
 * in x0): each finds its slot by MPIDR, as the boot CPU does.
 */
    .global hv_secondary_entry
hv_secondary_entry:
    bl      hv_find_slot
    cmn     x0, #1
    b.eq    hv_park
    mov     x20, x0
    bl      hv_set_stack_and_percpu
    bl      hv_mmu_enable
    bl      hv_el2_debug_init
    mov     x0, x20
    bl      hv_secondary_main
    b       hv_park

/* x0 = CPU slot: SP = top of that slot's stack, TPIDR_EL2 = slot. Clobbers x1-x2. */
hv_set_stack_and_percpu:
    ldr     x1, =__stacks_start
    ldr     x2, =HV_STACK_SIZE
    madd    x1, x0, x2, x1          /* start + slot * size */
    add     x1, x1, x2              /* stacks grow down from the slot's top */
    mov     sp, x1
    msr     tpidr_el2, x0
    ret

/* x0 = this CPU's slot in hv_cpus (matched by MPIDR affinity), or -1. Clobbers x1-x3. */
hv_find_slot:
    mrs     x1, mpidr_el1
    ldr     x2, =0xff00ffffff
    and     x1, x1, x2
    ldr     x2, =hv_cpus
    mov     x0, #0
8:  cmp     x0, #HV_NCPUS
    b.hs    9f
    ldr     x3, [x2, #CPU_MPIDR]
    add     x2, x2, #CPU_SIZE
    cmp     x3, x1
    b.eq    10f
    add     x0, x0, #1
    b       8b
9:  mov     x0, #-1
10: ret

/* x0 = start, x1 = end: invalidate data cache lines to PoC (MMU off, no clean). */
hv_dcache_inval_range_early:
    mrs     x3, ctr_el0
    ubfx    x3, x3, #16, #4         /* DminLine: log2(words) */
    mov     x2, #4
    lsl     x2, x2, x3              /* line size in bytes */
    sub     x3, x2, #1
    bic     x0, x0, x3
4:  dc      ivac, x0
    add     x0, x0, x2
    cmp     x0, x1
    b.lo    4b
    dsb     sy
    ret

hv_mmu_enable:
    ldr     x1, =hv_boot_regs
    ldr     x0, [x1, #BOOT_REGS_MAIR]
    msr     mair_el2, x0
    ldr     x0, [x1, #BOOT_REGS_TCR]
    msr     tcr_el2, x0
    ldr     x0, [x1, #BOOT_REGS_TTBR0]
    msr     ttbr0_el2, x0
    isb
    tlbi    alle2
    dsb     ish
    isb
    ldr     x0, [x1, #BOOT_REGS_SCTLR]
    msr     sctlr_el2, x0
    isb
    adr     x0, hv_vectors
    msr     vbar_el2, x0
    isb
    ret

/* Refuse to run anywhere but EL2, saying so on the console (MMU off: physical UART). */
wrong_el:
    add     x1, x1, #'0'
    adr     x2, wrong_el_msg
    ldr     x3, =HV_CONSOLE_BASE
5:  ldrb    w4, [x2], #1
    cbz     w4, 7f
    cmp     w4, #'?'
    csel    w4, w1, w4, eq
6:  ldr     w5, [x3, #0x18]         /* UARTFR */
    tbnz    w5, #5, 6b              /* TXFF */
    str     w4, [x3]
    b       5b
7:  wfe
    b       7b
wrong_el_msg:
    .asciz  "[hyp] fatal: entered at EL?, hvcfg must be started at EL2\r\n"
    .balign 4

    .global hv_park
hv_park:
    wfi
    b       hv_park

    .ltorg
