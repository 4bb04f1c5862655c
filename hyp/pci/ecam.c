/* SPDX-License-Identifier: Apache-2.0 */
/*
 * An emulated generic ECAM host bridge (Linux: pci-host-ecam-generic), one bus: decodes the
 * function an access is for and hands it to that function's model. The window is never mapped
 * at stage 2, so every configuration access traps here; mmio.c has already refused anything
 * that is not a naturally aligned access of at most 4 bytes. Device n, function 0 is the
 * partition's channel end n (hyp/pci/ivshmem.c); every other function does not exist: reads
 * all-ones (how a PCI bus answers for no device, what an OS enumerating expects) and ignores
 * writes. There is no host bridge function: Linux does not need one.
 */
#include "hv/config.h"
#include "hv/ivshmem.h"
#include "hv/partition.h"
#include "hv/pci_regs.h"

enum hv_mmio_result hv_ecam_access(uint64_t off, int is_write, unsigned size, uint64_t *value)
{
    const struct hv_partition *p = hv_current_partition_config();
    uint32_t dev = (uint32_t)(off >> PCI_ECAM_DEV_SHIFT) % PCI_DEVICES_PER_BUS;
    uint32_t fn = (uint32_t)(off >> PCI_ECAM_FN_SHIFT) % 8;

    /* The region is one bus (mmio.c registered PCI_ECAM_BUS_SIZE, off is below it), nfn is at
     * most its devices (mmio.c registers nothing otherwise): the one place an absent function
     * is told from a present one. */
    if (fn == 0 && dev < p->ivshmem.nfn)
        return hv_ivshmem_config_access(dev, (uint32_t)off % PCI_CFG_SIZE, is_write, size, value);
    if (!is_write)
        *value = ~0UL;              /* mmio.c keeps the access's size of it */
    return HV_MMIO_HANDLED;
}
