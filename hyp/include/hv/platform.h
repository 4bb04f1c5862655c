/* The per-board part of the hypervisor: power and CPU bring-up (hyp/platform/). */
#ifndef HV_PLATFORM_H
#define HV_PLATFORM_H

#include <stdint.h>

void hv_platform_power_off(void) __attribute__((noreturn));

#endif
