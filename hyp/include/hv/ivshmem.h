/* SPDX-License-Identifier: Apache-2.0 */
/* Channels presented to a guest as ivshmem PCI functions behind an emulated ECAM host bridge
 * (hyp/pci/ecam.c, hyp/pci/ivshmem.c; docs/linux-guests.md). Built in only when some partition
 * has `ivshmem` (HV_HAS_IVSHMEM). */
#ifndef HV_IVSHMEM_H
#define HV_IVSHMEM_H

#include <stdint.h>

#include "hv/mmio.h"

struct hv_partition;

/* The current partition's ECAM window (an hv_mmio_handler): bus 0, 1 MiB. A function that does
 * not exist reads all-ones and ignores writes, as a PCI bus does; never a fault. */
enum hv_mmio_result hv_ecam_access(uint64_t offset, int is_write, unsigned size, uint64_t *value);
/* Configuration space of the current partition's function `fn` (< its nfn) at `reg`
 * (< PCI_CFG_SIZE, aligned to `size`): what hv_ecam_access decoded. */
enum hv_mmio_result hv_ivshmem_config_access(uint32_t fn, uint32_t reg, int is_write, unsigned size,
                                             uint64_t *value);
/* The current partition's BAR0 pages (an hv_mmio_handler): 32-bit registers only. */
enum hv_mmio_result hv_ivshmem_regs_access(uint64_t offset, int is_write, unsigned size,
                                           uint64_t *value);
/* The peer rang channel end `end` of partition p (from any CPU): IntrStatus is set and INTx
 * follows (hv_channel_deliver). An end p does not present is ignored. */
void hv_ivshmem_doorbell(const struct hv_partition *p, uint32_t end);
/* Partition `pidx` is (re)loaded: every function back to its reset state, INTx low. */
void hv_ivshmem_reset(uint32_t pidx);

#endif
