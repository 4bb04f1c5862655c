/* SPDX-License-Identifier: Apache-2.0 */
/* For tests that #include hyp/gic/vgic.c: "this CPU's" GICH as memory (list registers, ELRSR0,
 * HCR: a test sets ELRSR0 to match the list registers) and the physical GIC calls vgic.c makes,
 * doing nothing. Include after counting_lock.h and before vgic.c; the test supplies
 * hv_gic_kick, and vgic_machine.h (after vgic.c) the partitions, CPUs and vGIC state (with
 * VGIC_LR_SHIM_WITH_DIST defined the test includes vgic_dist.c too, which has the state and
 * vgic_cpu_reset). */
#ifndef VGIC_LR_SHIM_H
#define VGIC_LR_SHIM_H

#include <stdint.h>

#include "hv/config.h"

static uint32_t fake_gich[0x200 / 4];
#undef HV_GICH_BASE
#define HV_GICH_BASE ((uintptr_t)fake_gich)

/* GICC_IAR as a test sets it (1023: nothing pending); shim_on_ack and shim_on_eoi, if set, run
 * as GICC_IAR is read and GICC_EOIR written. */
static uint32_t shim_iar = 1023;
static void (*shim_on_ack)(void);
uint32_t hv_gic_ack(void)
{
    if (shim_on_ack)
        shim_on_ack();
    return shim_iar;
}
static void (*shim_on_eoi)(void);
void hv_gic_eoi(uint32_t iar)
{
    if (shim_on_eoi)
        shim_on_eoi();
}
void hv_gic_deactivate(uint32_t iar)
{
}
void hv_gic_set_enabled(uint32_t intid, int enabled)
{
}
void hv_gic_clear_active(uint32_t intid)
{
}
void hv_gic_activate_word(uint32_t word, uint32_t bits, int active)
{
}
static void (*shim_on_sync)(void);
void hv_gic_sync(void)
{
    if (shim_on_sync)
        shim_on_sync();
}
void hv_gic_pend_word(uint32_t word, uint32_t bits, int pend)
{
}
void hv_log(const char *fmt, ...)
{
}
#ifndef VGIC_LR_SHIM_WITH_DIST /* a test that also includes vgic_dist.c has the real one */
struct vgic_cpu;
void vgic_cpu_reset(struct vgic_cpu *vc)
{
}
#endif

#endif
