/* SPDX-License-Identifier: Apache-2.0 */
/* Synchronous traps from a guest are dispatched by exception class (hyp/aarch64/traps.c): each
 * class with a handler reaches it, every other value of ESR_EL2.EC (all 64) reaches the health
 * monitor, and syndrome bits outside EC never select a different entry. Physical IRQs taken
 * from a guest: one acknowledge for one interrupt, more while the CPU interface signals them. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "../../hyp/aarch64/traps.c"

static struct {
    int smccc, abort_data, abort_insn, sysreg, fault;
    enum hv_fault_kind fault_kind;
    uint64_t esr;
    int sysreg_emulates;
    char msg[160];
} seen;

void hv_smccc_call(struct hv_regs *regs)
{
    seen.smccc++;
}

void hv_stage2_abort(struct hv_regs *regs, uint64_t esr, int is_instruction)
{
    is_instruction ? seen.abort_insn++ : seen.abort_data++;
    seen.esr = esr;
}

int hv_trap_sysreg(struct hv_regs *regs, uint64_t esr)
{
    seen.sysreg++;
    return seen.sysreg_emulates;
}

void hv_fault(struct hv_regs *regs, enum hv_fault_kind kind, const char *fmt, ...)
{
    va_list ap;

    seen.fault++;
    seen.fault_kind = kind;
    va_start(ap, fmt);
    vsnprintf(seen.msg, sizeof(seen.msg), fmt, ap);
    va_end(ap);
}

/* A CPU interface for the physical-IRQ path: GICC_IAR hands out `iars` in turn (then 1023),
 * ISR_EL1.I says whether any is left; every acknowledge, EOI, deactivation and what each
 * interrupt reached is counted. */
static struct {
    uint32_t iars[8];
    unsigned n, next, acks, eois, dirs, device, forwarded, kicks;
} gicc;

static void signal(void)
{
    host_sysreg.isr_el1 = gicc.next < gicc.n ? ISR_EL1_I : 0;
}
uint32_t hv_gic_ack(void)
{
    uint32_t iar = gicc.next < gicc.n ? gicc.iars[gicc.next++] : 1023;

    gicc.acks++;
    signal();
    return iar;
}
void hv_gic_eoi(uint32_t iar)
{
    gicc.eois++;
}
void hv_gic_deactivate(uint32_t iar)
{
    gicc.dirs++;
}
enum hv_irq_result hv_irq_device(uint32_t iar)
{
    if ((iar & 0x3ff) != HV_GIC_MAINT_INTID)
        return HV_IRQ_NOT_OURS;
    gicc.device++;
    hv_gic_deactivate(iar);
    return HV_IRQ_HANDLED;
}
void hv_vgic_physical_irq(uint32_t iar, int running)
{
    gicc.forwarded++;
}
void hv_vcpu_handle_kick(void)
{
    gicc.kicks++;
}
void hv_console_panic(void)
{
}
void hv_log(const char *fmt, ...)
{
}
void hv_platform_power_off(void)
{
    abort();
}

static void trap(uint64_t esr, struct hv_regs *regs)
{
    memset(&seen, 0, sizeof(seen));
    host_sysreg.esr_el2 = esr;
    hv_trap_lower_sync(regs);
}

static uint64_t esr_of(uint32_t ec)
{
    return (uint64_t)ec << ESR_EC_SHIFT | ESR_IL | 0x1234;
}

TEST(each_handled_class_reaches_its_handler)
{
    struct hv_regs regs = {.elr = 0x1000};

    trap(esr_of(EC_HVC64), &regs);
    EXPECT_EQ(seen.smccc, 1);
    EXPECT_EQ(regs.elr, 0x1000);                    /* ELR already past an HVC */
    trap(esr_of(EC_SMC64), &regs);
    EXPECT_EQ(seen.smccc, 1);
    EXPECT_EQ(regs.elr, 0x1004);                    /* ... not past a trapped SMC */
    trap(esr_of(EC_DABT_LOW), &regs);
    EXPECT_EQ(seen.abort_data, 1);
    EXPECT_EQ(seen.esr, esr_of(EC_DABT_LOW));
    trap(esr_of(EC_IABT_LOW), &regs);
    EXPECT_EQ(seen.abort_insn, 1);
    seen.sysreg_emulates = 1;
    host_sysreg.esr_el2 = esr_of(EC_SYS64);
    hv_trap_lower_sync(&regs);
    EXPECT_EQ(seen.sysreg, 1);
    EXPECT_EQ(seen.fault, 0);
}

TEST(a_system_register_it_does_not_emulate_is_the_health_monitors)
{
    struct hv_regs regs = {.elr = 0x2000};

    trap(esr_of(EC_SYS64), &regs);                  /* hv_trap_sysreg says no */
    EXPECT_EQ(seen.sysreg, 1);
    EXPECT_EQ(seen.fault, 1);
    EXPECT_EQ(seen.fault_kind, HV_FAULT_KIND_UNDEF);
    CHECK(strstr(seen.msg, "system register access (EC=0x18)") != NULL);
}

TEST(every_other_class_is_the_health_monitors)
{
    struct hv_regs regs = {0};
    int handled = 0;

    for (uint32_t ec = 0; ec <= ESR_EC_MASK; ec++) {
        trap(esr_of(ec), &regs);
        int calls = seen.smccc + seen.abort_data + seen.abort_insn + seen.sysreg;
        if (ec == EC_HVC64 || ec == EC_SMC64 || ec == EC_DABT_LOW || ec == EC_IABT_LOW ||
            ec == EC_SYS64) {
            handled++;
            continue;
        }
        EXPECT_EQ(calls, 0);
        EXPECT_EQ(seen.fault, 1);
        EXPECT_EQ(seen.fault_kind, HV_FAULT_KIND_UNDEF);
    }
    EXPECT_EQ(handled, 5);
}

TEST(bits_outside_ec_select_nothing_else)
{
    struct hv_regs regs = {0};

    /* ISS2 (bits 32 and up) and a full ISS: still the HVC entry, by EC alone */
    trap(0xffffffff00000000UL | esr_of(EC_HVC64) | 0x1ffffff, &regs);
    EXPECT_EQ(seen.smccc, 1);
    /* all-ones: EC 0x3f, no handler, no read outside the table (ASan would stop here) */
    trap(~0UL, &regs);
    EXPECT_EQ(seen.fault, 1);
}

TEST(class_names_are_bounded)
{
    CHECK(strcmp(hv_ec_name(EC_DABT_LOW), "data abort (lower EL)") == 0);
    CHECK(strcmp(hv_ec_name(0x3e), "other") == 0);
    CHECK(strcmp(hv_ec_name(64), "other") == 0);            /* beyond the EC field */
    CHECK(strcmp(hv_ec_name(UINT32_MAX), "other") == 0);
}

static void irq(const uint32_t *iars, unsigned n)
{
    struct hv_regs regs = {0};

    memset(&gicc, 0, sizeof(gicc));
    memcpy(gicc.iars, iars, n * sizeof(*iars));
    gicc.n = n;
    signal();
    hv_trap_lower_irq(&regs);
}

/* The usual IRQ, a kick: one GICC_IAR read (none that returns 1023), the priority drop, the
 * deactivation, the kick handled once. */
TEST(one_interrupt_is_one_acknowledge)
{
    const uint32_t kick = HV_SGI_KICK | (1u << 10);     /* from CPU 1 */

    irq(&kick, 1);
    EXPECT_EQ(gicc.acks, 1);
    EXPECT_EQ(gicc.eois, 1);
    EXPECT_EQ(gicc.dirs, 1);
    EXPECT_EQ(gicc.kicks, 1);
    EXPECT_EQ(gicc.forwarded, 0);
}

/* While the interface still signals one, it is taken in the same exception; each reaches its
 * owner; several kicks are handled once, after the loop. */
TEST(interrupts_still_signalled_are_taken_in_the_same_exception)
{
    const uint32_t iars[] = {HV_SGI_KICK, 40, HV_GIC_MAINT_INTID, HV_SGI_KICK | (1u << 10)};

    irq(iars, 4);
    EXPECT_EQ(gicc.acks, 4);
    EXPECT_EQ(gicc.eois, 4);
    EXPECT_EQ(gicc.dirs, 3);                            /* not SPI 40: the guest's, HW bit */
    EXPECT_EQ(gicc.device, 1);
    EXPECT_EQ(gicc.forwarded, 1);
    EXPECT_EQ(gicc.kicks, 1);
}

/* A spurious acknowledge (the interrupt went away, or another CPU took an SPI) ends the loop
 * with nothing handled, even if ISR_EL1 said one was there. */
TEST(a_spurious_acknowledge_ends_it)
{
    const uint32_t spurious = 1023;

    irq(&spurious, 1);
    EXPECT_EQ(gicc.acks, 1);
    EXPECT_EQ(gicc.eois, 0);
    EXPECT_EQ(gicc.kicks, 0);
}
