/* SPDX-License-Identifier: Apache-2.0 */
/* Host harness: the stage-2 fast path is not exercised (harness.c stubs it). */
#ifndef HV_MMIO_H
#define HV_MMIO_H

#include <stdint.h>

#include "hv/frame.h"

struct hv_partition;
enum hv_mmio_result { HV_MMIO_FAULT = 0, HV_MMIO_HANDLED = 1, HV_MMIO_NOT_MINE = 2 };
int hv_mmio_emulate(struct hv_regs *regs, uint64_t iss, uint64_t ipa, const struct hv_partition *p);
void hv_mmio_complete_load(struct hv_regs *regs, uint64_t iss, unsigned size, uint64_t value);

#endif
