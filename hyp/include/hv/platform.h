/* SPDX-License-Identifier: Apache-2.0 */
/* The per-board part of the hypervisor: power and CPU bring-up (hyp/platform/). */
#ifndef HV_PLATFORM_H
#define HV_PLATFORM_H

#include <stdint.h>

void hv_platform_power_off(void) __attribute__((noreturn));
/* Start a physical CPU at entry (EL2, MMU off) with x0 = context; 0 on success. */
int64_t hv_platform_cpu_on(uint64_t mpidr, uint64_t entry, uint64_t context);
/* Mux the console UART's pins (boards where the compiler defines HV_HAS_CONSOLE_PINS). */
void hv_platform_console_pins(void);

#endif
