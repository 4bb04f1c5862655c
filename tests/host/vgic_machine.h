/* SPDX-License-Identifier: Apache-2.0 */
/* The machine of the vGIC host tests: partition 0 has two vCPUs, on CPUs 0 and 1; partition 1
 * has none here (a doorbell's sender, or a partition whose state must not change). Include after
 * hyp/gic/vgic.c (and after vgic_dist.c when VGIC_LR_SHIM_WITH_DIST: it defines the vGIC state). */
#ifndef VGIC_MACHINE_H
#define VGIC_MACHINE_H

const struct hv_partition hv_partitions[HV_NPARTITIONS] = {
    {.name = "two", .nvcpus = 2, .cpu_slot = {0, 1}, .vgic = {.nlines = 64, .typer = 1 | 1 << 5}},
    {.name = "other", .nvcpus = 0, .vgic = {.nlines = 64}},
};
const struct hv_cpu hv_cpus[HV_NCPUS] = {{.partition = 0, .vcpu = 0}, {.partition = 0, .vcpu = 1}};
const uint8_t hv_irq_owner[HV_GIC_LINES];
#ifndef VGIC_LR_SHIM_WITH_DIST
struct vgic_dist hv_vgic_dists[HV_NPARTITIONS];
struct vgic_cpu hv_vgic_cpus[HV_NCPUS];
#endif

#endif
