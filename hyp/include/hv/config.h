/*
 * The shape of the generated configuration. hvcfg fills these tables (gen/hvcfg_config.c)
 * and the constants in gen/hvcfg_config.h; nothing here is decided at run time.
 */
#ifndef HV_CONFIG_H
#define HV_CONFIG_H

#include "hvcfg_config.h"

#define HV_FAULT_HALT    0
#define HV_FAULT_RESTART 1
#define HV_FAULT_INJECT  2

#ifndef __ASSEMBLER__
#include <stdint.h>

struct hv_region {
    uint64_t pa;
    uint64_t size;
};

struct hv_partition {
    const char *name;
    uint64_t vttbr;                 /* stage-2 root PA | VMID << 48 */
    uint64_t entry_ipa;
    uint64_t dtb_ipa;               /* passed in x0; 0 while there is no guest DT */
    uint64_t image_src;             /* pristine image, in memory no partition maps */
    uint64_t image_dst;             /* PA the image is copied to */
    uint64_t image_size;
    const struct hv_region *ram;    /* scrubbed before every start */
    uint32_t nram;
    uint32_t nvcpus;
    uint32_t on_fault;              /* HV_FAULT_* */
    uint32_t restart_limit;
};

struct hv_cpu {
    uint64_t mpidr;                 /* physical CPU */
    uint32_t partition;             /* index into hv_partitions */
    uint32_t vcpu;                  /* the partition's own CPU number */
};

_Static_assert(sizeof(struct hv_cpu) == 16, "head.S walks hv_cpus in 16-byte steps");

extern const struct hv_partition hv_partitions[HV_NPARTITIONS];
extern const struct hv_cpu hv_cpus[HV_NCPUS];
#endif

#endif
