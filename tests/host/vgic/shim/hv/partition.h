/* SPDX-License-Identifier: Apache-2.0 */
/* Host harness: the partition of the current CPU. */
#ifndef HV_PARTITION_H
#define HV_PARTITION_H

#include <stdint.h>

#include "hv/config.h"
#include "hv/vcpu.h"

#define HV_NO_PARTITION 0xffffffffu

static inline uint32_t hv_current_partition(void)
{
    return hv_cpus[hv_cpu_slot()].partition;
}

#endif
