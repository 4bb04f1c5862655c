/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The shape of the generated configuration. hvcfg fills these tables (gen/hvcfg_config.c)
 * and the constants in gen/hvcfg_config.h; nothing here is decided at run time.
 */
#ifndef HV_CONFIG_H
#define HV_CONFIG_H

#include "hvcfg_config.h"

#define HV_MAX_VCPUS 8

#ifndef __ASSEMBLER__
#include <stdint.h>

/* A piece of a partition copied into its RAM before each start: the image, its DTB. */
struct hv_blob {
    uint64_t src;                   /* pristine copy in memory no partition maps */
    uint64_t dst;                   /* physical address in the partition's RAM */
    uint64_t size;
    const char *what;               /* "image", "dtb" */
    /* fs-verity digest (SHA-256, 4 KiB blocks): recorded at build time, checked after every
     * copy (core/load.c) */
    uint8_t fsverity[32];
};

/* A RAM region of a partition: IPA -> PA, for checking and copying guest buffers. */
struct hv_region {
    uint64_t ipa;
    uint64_t pa;
    uint64_t size;
    uint8_t readable;
    uint8_t writable;
    uint8_t executable;
    uint8_t pad[5];
};

/* The partition's virtual GIC: where its distributor is, which interrupts it owns. */
struct hv_vgic_config {
    uint64_t gicd_ipa;              /* emulated distributor (4 KiB) */
    /* `vgic.lines`: 32 * (GICD_TYPER.ITLinesNumber + 1), <= HV_GIC_LINES (the most of any
     * partition); every INTID below is the partition's (gic/vgic_dist.c) */
    uint32_t nlines;
    uint32_t typer;                 /* GICD_TYPER: ITLinesNumber, CPUNumber = vCPUs - 1 */
    /* physical (passed-through) SPIs: only these reach the physical distributor; every other
     * INTID below nlines is purely virtual */
    uint32_t hw[HV_GIC_LINES / 32];
};

/* A virtual PL011 the hypervisor emulates for the partition (present = 0: none). */
struct hv_vuart_config {
    uint64_t ipa;
    uint32_t intid;
    uint32_t present;
};

/* One end of a channel (top-level `channels:`), in the partition's own table: the index in it is
 * the guest's channel index (the order of `channels:`). Memory zeroed at cold boot only. */
struct hv_channel_end {
    uint64_t ipa;                   /* where this partition sees the memory */
    uint64_t pa;
    uint64_t size;
    uint32_t peer;                  /* partition index of the other end */
    uint32_t peer_end;              /* index of the other end in the peer's table */
    uint32_t ring_intid;            /* INTID this end's doorbell pends in the peer; 0: none */
    uint32_t doorbell_intid;        /* INTID the peer's doorbell pends here; 0: none */
    uint8_t writable;
    uint8_t pad[7];
};

/* A channel's memory, scrubbed once at cold boot (hv_channel_mems[HV_NCHANNELS]). */
struct hv_channel_mem {
    uint64_t pa;
    uint64_t size;
};

/* The emulated ECAM host bridge (bus 0 only, 1 MiB) in front of a partition's ivshmem PCI
 * functions (hyp/pci/): device n, function 0 presents the partition's channel end n (BAR2 at
 * the end's ipa, INTx = its doorbell_intid). nfn = 0: none, and no ECAM window. Function n's
 * registers (BAR0) are the trapped page at regs_ipa + n * 4 KiB. */
struct hv_ivshmem_config {
    uint64_t ecam_ipa;
    uint64_t regs_ipa;
    uint32_t nfn;                   /* = nchannels, <= 32 (PCI_DEVICES_PER_BUS) */
    uint32_t ivposition;            /* bit n: end n is ends[1] of its channel (IVPosition) */
};

/* Kernel sealing (docs/integrity.md): what the sealed stage-2 tables narrow, by kind. */
enum hv_seal_range_kind {
    HV_SEAL_RANGE_TEXT,             /* the only kind patched (static keys, ftrace) */
    HV_SEAL_RANGE_RODATA,           /* the read-only data (stage 2 leaves both executable) */
};

struct hv_seal_range {
    uint64_t ipa;
    uint64_t size;
    uint32_t kind;                  /* enum hv_seal_range_kind */
    uint32_t pad;
};

struct hv_integrity {
    uint64_t sealed_vttbr;          /* the sealed stage-2 root PA | VMID << 48 */
    uint64_t text_ipa;              /* the kernel text, the one range patches may touch */
    uint64_t text_size;
    uint64_t text_pa;
    uint64_t rodata_ipa;            /* the read-only data, whose first page tells when the */
    uint64_t rodata_size;           /* kernel has write-protected it in its own stage 1 */
    uint64_t vectors_offset;        /* VBAR_EL1 - this = the kernel's VA of text_ipa (KASLR) */
    const struct hv_seal_range *ranges;
    uint32_t nranges;
    uint32_t on_violation;          /* HV_SEAL_* (generated, from integrity.on_violation) */
    /* A BL written over a NOP must target one of bl_targets (ftrace's entries); only at
     * bl_sites (ftrace's call site) may a BL be retargeted anywhere in the text. */
    uint64_t bl_targets[HV_SEAL_BL_TARGETS];
    uint64_t bl_sites[HV_SEAL_BL_SITES];
    uint32_t nbl_targets;
    uint32_t nbl_sites;
    /* sealed-strict: the sealed tables make everything but the text (and KPTI's trampoline)
     * execute-never at EL1 (stage-2 XN[1:0] = 0b01, FEAT_XNX); an EL1 fetch fault there is a
     * violation, and the partition does not start on a CPU without FEAT_XNX. */
    uint32_t strict;
    /* The kernel's own patch sites (scripts/kernel-layout, IMAGE.sites), offsets from
     * text_ipa, strictly increasing: the only words patched besides bl_sites. At
     * jump_sites[i] (a static key) only NOP and B to jump_targets[i]; at ftrace_sites[i] (a
     * traced function's call) only NOP and BL to bl_targets. */
    const uint32_t *jump_sites;
    const uint32_t *jump_targets;
    const uint32_t *ftrace_sites;
    uint32_t njumps;
    uint32_t nftrace_sites;
};

struct hv_partition {
    const char *name;
    uint64_t vttbr;                 /* stage-2 root PA | VMID << 48 */
    uint64_t entry_ipa;
    uint64_t dtb_ipa;               /* passed in x0 to vCPU 0 */
    const struct hv_blob *blobs;
    const struct hv_region *ram;    /* scrubbed before every start */
    uint32_t nblobs;
    uint32_t nram;
    uint32_t nvcpus;
    uint32_t cpu_slot[HV_MAX_VCPUS];/* vCPU n runs on physical CPU slot cpu_slot[n] */
    uint32_t on_fault;              /* HV_FAULT_* (generated, from on_fault.action) */
    uint32_t restart_limit;         /* restarts by the health monitor (on_fault.limit) */
    uint32_t reset_limit;           /* requested restarts, PSCI SYSTEM_RESET (on_reset.limit) */
    uint32_t hypercalls;            /* bit set of HV_HC_* granted (hyp/hypercalls.yaml) */
    struct hv_vgic_config vgic;
    struct hv_vuart_config vuart;
    const struct hv_channel_end *channels;  /* NULL when it is an end of no channel */
    uint32_t nchannels;
    struct hv_ivshmem_config ivshmem;
    const struct hv_integrity *integrity;   /* NULL: not sealed (integrity: absent) */
};

/* EL2 control register values, read by head.S (offsets: aarch64/asm-offsets.c) and vcpu.c,
 * and by `hvcfg verify` in the ELF. */
struct hv_boot_regs {
    uint64_t mair_el2;
    uint64_t tcr_el2;
    uint64_t ttbr0_el2;
    uint64_t sctlr_el2;
    uint64_t vtcr_el2;
    uint64_t hcr_el2;
};

struct hv_cpu {
    uint64_t mpidr;                 /* physical CPU */
    uint32_t partition;             /* index into hv_partitions, or HV_NO_PARTITION */
    uint32_t vcpu;                  /* the partition's own CPU number */
};

/* Spin-table boards: where each CPU waits for its entry address (0: not a spin-table CPU). */
struct hv_spin_entry {
    uint64_t mpidr;
    uint64_t release_addr;
};

extern const struct hv_boot_regs hv_boot_regs;
extern const struct hv_partition hv_partitions[HV_NPARTITIONS];
extern const struct hv_cpu hv_cpus[HV_NCPUS];
extern const uint8_t hv_irq_owner[HV_GIC_LINES];
extern const struct hv_spin_entry hv_spin_table[HV_NCPUS];   /* partition index, 0xff: none */
/* Room for the level-1 fs-verity nodes of every blob (core/load.c): one per 512 KiB of each,
 * summed. Sized in hvcfg_config.c, so that this header does not depend on the images. */
extern uint8_t hv_load_nodes[][32];
#if defined(HV_HAS_CHANNELS) && HV_NCHANNELS > 0
extern const struct hv_channel_mem hv_channel_mems[HV_NCHANNELS];
#endif
#endif

#endif
