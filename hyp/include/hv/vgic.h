/* SPDX-License-Identifier: Apache-2.0 */
/* The virtual GICv2 of each partition: an emulated distributor and list-register injection. */
#ifndef HV_VGIC_H
#define HV_VGIC_H

#include <stdint.h>

#include "hv/frame.h"
#include "hv/mmio.h"

/* Emulated GICD access at `offset` in the partition's distributor page (an hv_mmio_handler).
 * HV_MMIO_FAULT when the access is not one the GICv2 architecture allows (the caller raises a
 * health event). */
enum hv_mmio_result hv_vgic_dist_access(uint64_t offset, int is_write, unsigned size,
                                        uint64_t *value);
/* The stage-2 fast path for a word read at `off` in partition p's (the current one's)
 * distributor page:
 * the registers drivers poll most need no lock, being constants of the configuration (TYPER,
 * IIDR) or this vCPU's banked enables (only this vCPU changes them); any other register goes
 * to hv_mmio_emulate. Returns as hv_mmio_emulate does. */
struct hv_partition;
int hv_vgic_dist_read_fast(struct hv_regs *regs, uint64_t iss, uint64_t off,
                           const struct hv_partition *p);

/* A physical interrupt this CPU acknowledged (IAR, priority dropped) that is not one of the
 * hypervisor's own; `running`: taken from this CPU's guest (1) or while idle (0).
 * - the virtual timer PPI: injected into the vCPU running here (idle: deactivated);
 * - an SPI of this CPU's partition, from a running guest only (an idle CPU's go through
 *   hv_vgic_idle_ack): kept active and virtually pending until its target vCPU takes it (also
 *   while that vCPU is off, and the guest moved it);
 * - anything else (no routing sends it here): masked at the physical distributor,
 *   deactivated and reported once. Never a loop: each is left active or masked. */
void hv_vgic_physical_irq(uint32_t iar, int running);
/* An idle CPU's GICC_IAR and, for an interrupt, its priority drop (GICC_EOIR), under its
 * partition's acknowledge lock; an SPI of the partition is recorded (as hv_vgic_physical_irq
 * would) before that lock is released, and *recorded says so. A stop of the partition
 * (hv_vgic_partition_stop holds the same lock until its writes have reached the GIC) then
 * comes wholly before the acknowledge, which can no longer return one of the SPIs it
 * released, or wholly after the record, which it clears (red teams 9 to 12). */
uint32_t hv_vgic_idle_ack(int *recorded);
/* An emulated device's level-sensitive line goes high or low. Only a rising edge pends it and
 * kicks the vCPU it targets; while it stays high the vGIC samples it again whenever a copy
 * leaves a list register, so "still high" is no news (a device model may skip the call). */
void hv_vgic_set_level(uint32_t partition, uint32_t intid, int level);
/* Pend a purely virtual SPI of partition `partition` (`vgic.virtual`, edge: pending until a
 * vCPU takes it), as GICD_ISPENDR does, and have the vCPU it targets look: a channel's doorbell
 * into a partition without ivshmem (core/channel.c). Returns 0 for a partition index out of
 * range or an INTID that is not one of its virtual lines (an SGI/PPI, beyond its lines, or
 * hardware). */
int hv_vgic_pend_virtual(uint32_t partition, uint32_t intid);
/* Move pending interrupts into free list registers; call before returning to the guest. */
void hv_vgic_flush(void);
/* Per CPU slot: nonzero when hv_vgic_flush has work (the exception vector tests it). */
extern volatile uint32_t hv_vgic_work[];
/* The GIC maintenance interrupt fired on this CPU. */
void hv_vgic_maintenance(void);

/* This CPU's vCPU stops: every physical interrupt it holds (HW list registers, pending PPIs)
 * is deactivated, the virtual timer disabled, the list registers, GICH_APR, GICH_VMCR and
 * GICH_HCR cleared. Safe at any time and idempotent. */
void hv_vgic_vcpu_stop(void);
/* This CPU's vCPU starts from the architectural reset state of its CPU interface (it first
 * does hv_vgic_vcpu_stop, so that nothing of an earlier incarnation survives). */
void hv_vgic_vcpu_start(void);
/* A partition halts (call once none of its vCPUs runs): every passed-through SPI is disabled
 * at the physical distributor, set back to level, and deactivated if it was left active. */
void hv_vgic_partition_stop(uint32_t partition);
/* A partition is (re)loaded: hv_vgic_partition_stop, then its virtual distributor starts
 * from reset state. */
void hv_vgic_partition_reset(uint32_t partition);
/* Which partition owns a physical interrupt (HV_NO_PARTITION if none). */
uint32_t hv_vgic_owner(uint32_t intid);

#endif
