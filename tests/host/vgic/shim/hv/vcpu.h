/* SPDX-License-Identifier: Apache-2.0 */
/* Host harness: the "current CPU" is the one the test's access comes from. */
#ifndef HV_VCPU_H
#define HV_VCPU_H

#include <stdint.h>

#include "hv/config.h"

extern uint32_t host_slot;

static inline uint32_t hv_cpu_slot(void)
{
    return host_slot;
}

#endif
