/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hostile: tries, one after another, what a partition must not do. Its policy is `inject`, so
 * each attempt comes back to it as an exception (recorded by vectors.S) and it goes on.
 */
#include "../lib/guest.h"

volatile uint64_t last_esr, last_far;

static void report(const char *what)
{
    guest_printf("%s: injected EC=0x%lx FAR=0x%lx", what, (last_esr >> 26) & 0x3f, last_far);
    last_esr = 0;
    last_far = 0;
}

int main(uint64_t dtb)
{
    guest_install_vectors();
    guest_printf("hostile: up");

    /* 1. read memory no one gave it */
    (void)*(volatile uint32_t *)HVCFG_UNMAPPED_IPA;
    report("unmapped read");

    /* 2. write its own code, mapped rx */
    *(volatile uint32_t *)HVCFG_MEM_BASE = 0xd503201f;
    report("write to rx code");

    /* 3. a console hypercall whose buffer is outside its memory */
    struct smccc_res r = smccc_hvc(HVCFG_HC_CONSOLE, HVCFG_UNMAPPED_IPA, 16, 0);
    report("console hypercall, foreign buffer");
    guest_printf("hostile: that call returned %ld", r.x0);

    /* 4. an oversized console hypercall */
    r = smccc_hvc(HVCFG_HC_CONSOLE, HVCFG_MEM_BASE, 4096, 0);
    report("console hypercall, 4096 bytes");

    /* 5. set/way cache maintenance (trapped by HCR_EL2.TSW) */
    __asm__ volatile("dc isw, %0" : : "r"(0UL));
    report("dc isw");

    /* 6. a hypercall it was not granted: quietly NOT_SUPPORTED, no event */
    guest_printf("identity (not granted) -> %ld", smccc_hvc(HVCFG_HC_IDENTITY, 0, 0, 0).x0);

    guest_printf("hostile: still alive, SYSTEM_OFF");
    guest_system_off();
}
