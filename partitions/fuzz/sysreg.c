/* SPDX-License-Identifier: Apache-2.0 */
/*
 * System-register accesses across the encodings: MRS and MSR for op0 2 and 3 with every op1,
 * CRn, CRm and op2, and SYS (op0 1: cache, TLB and address-translation maintenance), through
 * the tables of sysregs.S. Each access either works, is UNDEFINED at EL1, or traps to the
 * hypervisor; none may hurt the hypervisor or another partition.
 *
 * Not written, because they would only stop the fuzzer without exercising the hypervisor:
 * SCTLR_EL1 (MMU and caches on with no tables), VBAR_EL1 (its own vectors), SPSel (its stack).
 * DAIF is written with D, A and F kept set (a debug exception, SError or FIQ would have no
 * handler to come back from); the loop masks DAIF again after every action.
 */
#include "fuzz.h"

/* The 15-bit index of op0 (2 or 3), op1, CRn, CRm, op2 in the MRS/MSR tables. */
#define ENC(op0, op1, crn, crm, op2) \
    (((op0)-2) << 14 | (op1) << 11 | (crn) << 7 | (crm) << 3 | (op2))
#define SCTLR_EL1 ENC(3, 0, 1, 0, 0)
#define VBAR_EL1  ENC(3, 0, 12, 0, 0)
#define SPSEL     ENC(3, 0, 4, 2, 0)
#define DAIF      ENC(3, 3, 4, 2, 1)
#define DAIF_DAF  (0x2c0UL)             /* D, A, F */

typedef uint64_t (*stub_fn)(uint64_t);

static uint32_t encoding(uint64_t *rng)
{
    /* Half uniform; half where the registers are: op1 0 and 3 (EL1, EL0), CRn 0-14. */
    if (fz_below(rng, 2))
        return (uint32_t)fz_below(rng, 0x8000);
    static const uint32_t op1s[] = {0, 0, 0, 3, 3, 1, 4, 5};
    uint32_t op0 = 2 + (uint32_t)(fz_below(rng, 4) != 0);
    return ENC(op0, op1s[fz_below(rng, 8)], (uint32_t)fz_below(rng, 16),
               (uint32_t)fz_below(rng, 16), (uint32_t)fz_below(rng, 8));
}

enum fz_kind fz_sysreg_action(struct fz_cpu *c)
{
    uint64_t r = fz_below(&c->rng, 10);

    if (r < 4) {
        uint32_t enc = encoding(&c->rng);
        FZ_BEGIN(c, K_MRS, "mrs 0x%x", enc);
        ((stub_fn)(fz_mrs_table + 8 * enc))(0);
        return K_MRS;
    }
    if (r < 8) {
        uint32_t enc = encoding(&c->rng);
        uint64_t v = fz_below(&c->rng, 2) ? fz_next(&c->rng) : fz_arg(&c->rng);
        if (enc == SCTLR_EL1 || enc == VBAR_EL1 || enc == SPSEL)
            enc = ENC(3, 0, 13, 0, 4);                  /* TPIDR_EL1 instead */
        if (enc == DAIF)
            v |= DAIF_DAF;
        FZ_BEGIN(c, K_MSR, "msr 0x%x 0x%lx", enc, v);
        ((stub_fn)(fz_msr_table + 8 * enc))(v);
        return K_MSR;
    }
    uint32_t enc = (uint32_t)fz_below(&c->rng, 0x4000);
    uint64_t v = fz_arg(&c->rng);
    FZ_BEGIN(c, K_SYS, "sys 0x%x 0x%lx", enc, v);
    ((stub_fn)(fz_sys_table + 8 * enc))(v);
    return K_SYS;
}
