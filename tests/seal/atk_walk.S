/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A hostile stand-in kernel for tests/test_seal_standin.py (red team 5): an arm64 Image with a
 * kernel layout (text [0, 0x2000), rodata [0x2000, 0x3000), vectors at 0x800) whose stage 1
 * makes the hypervisor's own address translation (AT S1E1R/W at EL2, the seal trigger's
 * "is rodata read-only yet?" probe) walk a translation table in a passed-through device page
 * where nothing answers. Without HCR_EL2.PTW such a walk reads the device; a bus error on that
 * read is a synchronous external abort on the walk, which an AT instruction takes as an
 * exception (QEMU does; the architecture allows it): at EL2, a hypervisor panic.
 *
 * 1. User space runs: EL0 reads the distributor with x20 (not the MMIO fast path), so the
 *    exception reaches hv_seal_guest_event from EL0t; an SVC brings it back to EL1.
 * 2. Stage 1 on: VA [1 GiB, 2 GiB) identity onto its RAM, [2 GiB, 3 GiB) onto IPA [0, 1 GiB)
 *    as Device (the distributor), and [0, 1 GiB) through a level-2 table at DEV_IPA: the
 *    device page (`rt-fake` in the test's device tree), whose bytes past DEV_SIZE nothing
 *    decodes. VBAR_EL1 is set so that the probe's VA (VBAR_EL1 - vectors + 0x2000) is 6 MiB:
 *    level-2 index 3, a descriptor at DEV_IPA + 0x18.
 * 3. Any exception from EL1 (a distributor read through x20) runs the probe.
 * MMU off until 2. HC_CONSOLE, PSCI_SYSTEM_OFF and DEV_IPA come from the compiler's command line.
 */
#include "image.h"      /* the arm64 Image header, _start, `say` */

main:
    say     m_start, m_start_len
    adr     x0, el1_vectors
    msr     vbar_el1, x0
    adr     x0, el0_code
    msr     elr_el1, x0
    mov     x0, #0x3c0                  /* EL0t, DAIF masked */
    msr     spsr_el1, x0
    adr     x0, el0_stack_top
    msr     sp_el0, x0
    mov     x21, #0x08000000            /* the distributor (emulated) */
    isb
    eret

el0_code:
    ldr     w20, [x21]                  /* a full-path stage-2 trap from EL0t */
    svc     #0                          /* back to EL1: el1_vectors + 0x400 */
1:  b       1b

back_at_el1:
    say     m_el0, m_el0_len
    /* stage-1 tables (in the unsealed scratch page after the image) */
    adr     x9, l1
    ldr     x0, =(DEV_IPA | 3)          /* [0, 1 GiB): table at the device page */
    str     x0, [x9]
    ldr     x0, =(0x40000000 | (1 << 10) | (3 << 8) | 1)   /* AF, inner shareable, attr 0 */
    str     x0, [x9, #8]
    ldr     x0, =(0x00000000 | (1 << 10) | (1 << 2) | 1)   /* AF, attr 1 (Device) */
    str     x0, [x9, #16]
    dsb     sy
    ldr     x0, =0x00ff                 /* attr 0 normal write-back, attr 1 Device-nGnRnE */
    msr     mair_el1, x0
    ldr     x0, =((25 << 0) | (1 << 8) | (1 << 10) | (3 << 12) | (1 << 23))  /* EPD1 */
    msr     tcr_el1, x0
    msr     ttbr0_el1, x9
    ldr     x0, =(0x600000 + 0x800 - 0x2000)   /* the probe's VA: 6 MiB */
    msr     vbar_el1, x0
    isb
    tlbi    vmalle1
    dsb     sy
    mrs     x0, sctlr_el1
    orr     x0, x0, #1                  /* M */
    msr     sctlr_el1, x0
    isb
    say     m_mmu, m_mmu_len
    mov     x21, #0x88000000            /* the distributor through [2 GiB, 3 GiB) */
    ldr     w20, [x21]                  /* an exception from EL1: the seal probe walks */
    say     m_alive, m_alive_len
    ldr     w0, =PSCI_SYSTEM_OFF
    hvc     #0
1:  wfi
    b       1b
    .ltorg

    .balign 0x800
el1_vectors:
    .rept   8
    b       .                           /* current EL: none expected */
    .balign 0x80
    .endr
    b       back_at_el1                 /* lower EL AArch64 sync: the SVC */
    .balign 0x80
    .rept   7
    b       .
    .balign 0x80
    .endr

m_start:    .ascii "atk: start\n"
    .equ m_start_len, . - m_start
m_el0:      .ascii "atk: user space ran\n"
    .equ m_el0_len, . - m_el0
m_mmu:      .ascii "atk: stage 1 on\n"
    .equ m_mmu_len, . - m_mmu
m_alive:    .ascii "atk: hypervisor survived the probe\n"
    .equ m_alive_len, . - m_alive

    .balign 0x2000                      /* text [0, 0x2000), rodata [0x2000, 0x3000) */
    .quad   0
    .balign 0x1000
image_end:

    .section .data.scratch, "aw"        /* after the image: unsealed */
    .balign 0x1000
l1:
    .fill   512, 8, 0
    .fill   256, 8, 0
el0_stack_top:
