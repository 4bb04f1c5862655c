/* SPDX-License-Identifier: Apache-2.0 */
/*
 * PCI register maps the hypervisor emulates (PCI Local Bus Specification 3.0, PCI Firmware 3.2
 * / PCIe Base 4.0 section 7.2.2 for ECAM) and the ivshmem device's BAR0 registers (QEMU's
 * docs/specs/ivshmem-spec.rst, plus two read-only registers of hvcfg's own). Written once: the
 * hypervisor's emulation (hyp/pci/) and the Linux tool (guests/hvchan) include it. Offsets and
 * values only, no code.
 */
#ifndef HV_PCI_REGS_H
#define HV_PCI_REGS_H

/* ECAM: one 4 KiB configuration space per function, bus << 20 | device << 15 | function << 12 */
#define PCI_ECAM_BUS_SHIFT            20
#define PCI_ECAM_DEV_SHIFT            15
#define PCI_ECAM_FN_SHIFT             12
#define PCI_ECAM_BUS_SIZE             (1UL << PCI_ECAM_BUS_SHIFT) /* one bus: 32 devices x 8 fns */
#define PCI_CFG_SIZE                  0x1000
#define PCI_DEVICES_PER_BUS           32

/* Type 0 configuration header */
#define PCI_VENDOR_ID                 0x00
#define PCI_DEVICE_ID                 0x02
#define PCI_COMMAND                   0x04
#define PCI_STATUS                    0x06
#define PCI_CLASS_REVISION            0x08 /* revision [7:0], prog-if, subclass, base class */
#define PCI_CACHE_LINE_SIZE           0x0c /* cache line, latency timer, header type, BIST */
#define PCI_BASE_ADDRESS_0            0x10
#define PCI_BASE_ADDRESS_5            0x24
#define PCI_SUBSYSTEM_VENDOR_ID       0x2c
#define PCI_SUBSYSTEM_ID              0x2e
#define PCI_ROM_ADDRESS               0x30
#define PCI_CAPABILITY_LIST           0x34
#define PCI_INTERRUPT_LINE            0x3c /* interrupt line, pin, min_gnt, max_lat */
#define PCI_INTERRUPT_PIN             0x3d
#define PCI_STD_HEADER_END            0x40

#define PCI_COMMAND_MEMORY            0x0002
#define PCI_COMMAND_MASTER            0x0004
#define PCI_COMMAND_INTX_DISABLE      0x0400
#define PCI_STATUS_INTERRUPT          0x0008

#define PCI_BASE_ADDRESS_MEM_TYPE_64  0x4
#define PCI_BASE_ADDRESS_MEM_PREFETCH 0x8
#define PCI_INTERRUPT_PIN_INTA        1

/* ivshmem (QEMU's ivshmem-doorbell in INTx mode): ids and BARs */
#define IVSHMEM_VENDOR_ID             0x1af4
#define IVSHMEM_DEVICE_ID             0x1110
#define IVSHMEM_SUBSYSTEM_ID          0x1100
#define IVSHMEM_REVISION              1
#define IVSHMEM_CLASS                 0x0500 /* memory controller, RAM */
#define IVSHMEM_BAR_REGS              0 /* 32-bit memory BAR: the registers below */
#define IVSHMEM_BAR_MEM               2 /* 64-bit prefetchable memory BAR: the shared memory */
#define IVSHMEM_REGS_SIZE             0x100

/* BAR0 registers, all 32 bits */
#define IVSHMEM_INTR_MASK             0x00 /* RW: bit 0 lets IntrStatus raise INTx */
#define IVSHMEM_INTR_STATUS           0x04 /* RW; a read returns it and clears it */
#define IVSHMEM_IV_POSITION           0x08 /* RO: this end's index in the channel (0 or 1) */
#define IVSHMEM_DOORBELL              0x0c /* WO: any value rings the peer */
#define IVSHMEM_GENERATION            0x10 /* RO (hvcfg): this end's generation */
#define IVSHMEM_PEER_GENERATION       0x14 /* RO (hvcfg): the peer end's generation */

#endif
