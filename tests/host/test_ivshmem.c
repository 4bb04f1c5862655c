/* SPDX-License-Identifier: Apache-2.0 */
/* The emulated ECAM host bridge and ivshmem functions (hyp/pci/): what Linux's enumeration and
 * uio_pci_generic rely on, and what a hostile guest can do with configuration space and the
 * BAR0 registers (nothing moves, nothing outside the header is decoded, no access size or
 * offset reaches past the state). */
#include <stdlib.h>
#include <string.h>

#include "check.h"

#include "counting_lock.h"

#define HV_HAS_CHANNELS 1
#define HV_HAS_IVSHMEM  1
#define HV_NCHANNELS    2
#include "../../hyp/pci/ecam.c"
#include "../../hyp/pci/ivshmem.c"

#define ECAM 0x10000000UL
#define REGS 0x10100000UL

/* Partition 0: two channel ends as ivshmem functions; end 0 of 12 KiB with a doorbell in (BAR
 * rounds up to 16 KiB), end 1 one page, no doorbell in, ends[1] of its channel. Partition 1:
 * a channel end but no ivshmem. */
static const struct hv_channel_end ends0[2] = {
    {.ipa = 0x10204000, .size = 0x3000, .doorbell_intid = 40, .writable = 1},
    {.ipa = 0x10201000, .size = 0x1000},
};
static const struct hv_channel_end ends1[1] = {{.ipa = 0x80000000, .size = 0x1000}};

const struct hv_partition hv_partitions[HV_NPARTITIONS] = {
    {.name = "lin",
     .channels = ends0,
     .nchannels = 2,
     .ivshmem = {.ecam_ipa = ECAM, .regs_ipa = REGS, .nfn = 2, .ivposition = 2}},
    {.name = "bm", .channels = ends1, .nchannels = 1},
};
const struct hv_cpu hv_cpus[HV_NCPUS] = {{.partition = 0}, {.partition = 1}};

static struct {
    uint32_t pidx, intid;
    int level, calls;
} line;

void hv_vgic_set_level(uint32_t pidx, uint32_t intid, int level)
{
    line.pidx = pidx;
    line.intid = intid;
    line.level = level;
    line.calls++;
}

static struct {
    const struct hv_partition *p;
    uint32_t end;
    int calls;
} rang;

int hv_channel_ring(const struct hv_partition *p, uint64_t end)
{
    rang.p = p;
    rang.end = (uint32_t)end;
    rang.calls++;
    return 0;
}

static int state_calls;

const struct hv_channel_end *hv_channel_state(uint32_t pidx, uint64_t end,
                                              struct hv_channel_gen *out)
{
    state_calls++;
    *out = (struct hv_channel_gen){.generation = 100 + end, .peer_generation = 200 + end};
    return &hv_partitions[pidx].channels[end];
}

static void on(uint32_t slot)
{
    host_sysreg.tpidr_el2 = slot;
}

static void reset(void)
{
    CHECK(lock_errors == 0);
    memset(state, 0, sizeof(state));
    memset(&line, 0, sizeof(line));
    memset(&rang, 0, sizeof(rang));
    on(0);
}

static uint64_t cfg_read(uint32_t dev, uint32_t fn, uint32_t reg, unsigned size)
{
    uint64_t v = 0x5a5a5a5a5a5a5a5aUL;
    uint64_t off = (uint64_t)dev << PCI_ECAM_DEV_SHIFT | (uint64_t)fn << PCI_ECAM_FN_SHIFT | reg;

    CHECK(hv_ecam_access(off, 0, size, &v) == HV_MMIO_HANDLED);
    return size == 4 ? v & 0xffffffffUL : v & ((1UL << (8 * size)) - 1);   /* as mmio.c */
}

static void cfg_write(uint32_t dev, uint32_t reg, unsigned size, uint64_t v)
{
    CHECK(hv_ecam_access((uint64_t)dev << PCI_ECAM_DEV_SHIFT | reg, 1, size, &v) ==
          HV_MMIO_HANDLED);
}

static uint32_t reg_read(uint32_t fn, uint32_t reg)
{
    uint64_t v = 0;
    CHECK(hv_ivshmem_regs_access(fn * 0x1000UL + reg, 0, 4, &v) == HV_MMIO_HANDLED);
    return (uint32_t)v;
}

static void reg_write(uint32_t fn, uint32_t reg, uint32_t value)
{
    uint64_t v = value;
    CHECK(hv_ivshmem_regs_access(fn * 0x1000UL + reg, 1, 4, &v) == HV_MMIO_HANDLED);
}

TEST(enumeration_sees_one_ivshmem_function_per_channel_end)
{
    reset();
    for (uint32_t dev = 0; dev < 2; dev++) {
        EXPECT_EQ(cfg_read(dev, 0, PCI_VENDOR_ID, 4), 0x11101af4);
        EXPECT_EQ(cfg_read(dev, 0, PCI_DEVICE_ID, 2), 0x1110);
        EXPECT_EQ(cfg_read(dev, 0, PCI_CLASS_REVISION, 4), 0x05000001);
        EXPECT_EQ(cfg_read(dev, 0, 0x0e, 1), 0);                    /* type 0, one function */
        EXPECT_EQ(cfg_read(dev, 0, PCI_SUBSYSTEM_VENDOR_ID, 4), 0x11001af4);
        EXPECT_EQ(cfg_read(dev, 0, PCI_CAPABILITY_LIST, 1), 0);
        EXPECT_EQ(cfg_read(dev, 0, PCI_ROM_ADDRESS, 4), 0);
        EXPECT_EQ(cfg_read(dev, 0, 0x100, 4), 0);                   /* no extended space */
        for (uint32_t fn = 1; fn < 8; fn++)
            EXPECT_EQ(cfg_read(dev, fn, PCI_VENDOR_ID, 4), 0xffffffff);
    }
    EXPECT_EQ(cfg_read(0, 0, PCI_INTERRUPT_PIN, 1), PCI_INTERRUPT_PIN_INTA);
    EXPECT_EQ(cfg_read(1, 0, PCI_INTERRUPT_PIN, 1), 0);            /* no doorbell in: no INTx */
    /* every other device of the bus: all-ones in every size, writes ignored */
    for (uint32_t dev = 2; dev < 32; dev++) {
        EXPECT_EQ(cfg_read(dev, 0, PCI_VENDOR_ID, 4), 0xffffffff);
        EXPECT_EQ(cfg_read(dev, 0, 0x3f, 1), 0xff);
        EXPECT_EQ(cfg_read(dev, 0, 0xffe, 2), 0xffff);
        cfg_write(dev, PCI_COMMAND, 2, 0xffff);
    }
    CHECK(memcmp(&state[0].fn[2], &(struct fn_state){0}, sizeof(struct fn_state)) == 0);
}

TEST(a_partition_without_ivshmem_sees_no_function)
{
    reset();
    on(1);
    EXPECT_EQ(cfg_read(0, 0, PCI_VENDOR_ID, 4), 0xffffffff);
    uint64_t v = 0;
    EXPECT_EQ(hv_ivshmem_regs_access(0, 0, 4, &v), HV_MMIO_NOT_MINE);
    hv_ivshmem_doorbell(&hv_partitions[1], 0);                     /* ignored */
    EXPECT_EQ(line.calls, 0);
}

TEST(bars_size_as_pci_says_and_never_move)
{
    reset();
    EXPECT_EQ(cfg_read(0, 0, 0x10, 4), REGS);
    EXPECT_EQ(cfg_read(1, 0, 0x10, 4), REGS + 0x1000);
    EXPECT_EQ(cfg_read(0, 0, 0x18, 4), 0x10204000 | 0xc);        /* 64-bit prefetchable */
    EXPECT_EQ(cfg_read(0, 0, 0x1c, 4), 0);
    EXPECT_EQ(cfg_read(0, 0, 0x14, 4), 0);                         /* BAR1: none */
    /* Linux's sizing: all-ones, read the mask, write the old value back */
    cfg_write(0, 0x10, 4, 0xffffffff);
    EXPECT_EQ(cfg_read(0, 0, 0x10, 4), 0xffffff00);                /* 256 bytes */
    cfg_write(0, 0x18, 4, 0xffffffff);
    cfg_write(0, 0x1c, 4, 0xffffffff);
    EXPECT_EQ(cfg_read(0, 0, 0x18, 4), 0xffffc00c);                /* 12 KiB -> 16 KiB */
    EXPECT_EQ(cfg_read(0, 0, 0x1c, 4), 0xffffffff);
    EXPECT_EQ(cfg_read(1, 0, 0x18, 4), 0x10201000 | 0xc);          /* the other: untouched */
    cfg_write(0, 0x10, 4, REGS);
    cfg_write(0, 0x18, 4, 0x10204000);
    cfg_write(0, 0x1c, 4, 0);
    EXPECT_EQ(cfg_read(0, 0, 0x10, 4), REGS);
    EXPECT_EQ(cfg_read(0, 0, 0x18, 4), 0x10204000 | 0xc);
    /* an attempt to move them: ignored */
    cfg_write(0, 0x10, 4, 0x40000000);
    cfg_write(0, 0x18, 4, 0x40000000);
    cfg_write(0, 0x1c, 4, 0x1);
    cfg_write(0, 0x12, 2, 0x4000);
    EXPECT_EQ(cfg_read(0, 0, 0x10, 4), REGS);
    EXPECT_EQ(cfg_read(0, 0, 0x18, 4), 0x10204000 | 0xc);
    EXPECT_EQ(cfg_read(0, 0, 0x1c, 4), 0);
    /* byte-wise sizing (all four bytes): the mask; one byte of it is not sizing */
    for (uint32_t b = 0; b < 4; b++)
        cfg_write(0, 0x10 + b, 1, 0xff);
    EXPECT_EQ(cfg_read(0, 0, 0x10, 4), 0xffffff00);
    EXPECT_EQ(cfg_read(0, 0, 0x11, 1), 0xff);
    cfg_write(0, 0x13, 1, 0x00);
    EXPECT_EQ(cfg_read(0, 0, 0x10, 4), REGS);
}

TEST(intx_follows_status_mask_and_interrupt_disable)
{
    reset();
    hv_ivshmem_doorbell(&hv_partitions[0], 0);                     /* masked: no line */
    EXPECT_EQ(line.level, 0);
    EXPECT_EQ(cfg_read(0, 0, PCI_STATUS, 2) & PCI_STATUS_INTERRUPT, 0);
    reg_write(0, IVSHMEM_INTR_MASK, 1);
    EXPECT_EQ(line.intid, 40);
    EXPECT_EQ(line.pidx, 0);
    EXPECT_EQ(line.level, 1);
    EXPECT_EQ(cfg_read(0, 0, PCI_STATUS, 2) & PCI_STATUS_INTERRUPT, PCI_STATUS_INTERRUPT);
    /* uio_pci_generic's handler: Interrupt Disable, the line drops, Interrupt Status stays */
    cfg_write(0, PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_INTX_DISABLE);
    EXPECT_EQ(line.level, 0);
    EXPECT_EQ(cfg_read(0, 0, PCI_COMMAND, 4),
              (PCI_STATUS_INTERRUPT << 16) | PCI_COMMAND_MEMORY | PCI_COMMAND_INTX_DISABLE);
    /* pci_intx_mask_supported: the bit reads back */
    EXPECT_EQ(cfg_read(0, 0, PCI_COMMAND, 2), PCI_COMMAND_MEMORY | PCI_COMMAND_INTX_DISABLE);
    /* user space: read (and so clear) IntrStatus, then unmask: stays low */
    EXPECT_EQ(reg_read(0, IVSHMEM_INTR_STATUS), 1);
    EXPECT_EQ(reg_read(0, IVSHMEM_INTR_STATUS), 0);
    cfg_write(0, 0x05, 1, 0);                                      /* as the uio HOWTO does */
    EXPECT_EQ(line.level, 0);
    EXPECT_EQ(cfg_read(0, 0, PCI_STATUS, 2), 0);
    /* a flood coalesces into the one pending bit, and reaches the vGIC once: the line rose
     * once (the vGIC samples a line that stays high itself) */
    int rose = line.calls;
    for (int i = 0; i < 1000; i++)
        hv_ivshmem_doorbell(&hv_partitions[0], 0);
    EXPECT_EQ(line.calls, rose + 1);
    EXPECT_EQ(line.level, 1);
    EXPECT_EQ(reg_read(0, IVSHMEM_INTR_STATUS), 1);
    EXPECT_EQ(line.level, 0);
    /* red team 4: a flood into a function whose INTx is masked (uio's handler) never reaches
     * the distributor (its lock is the receiver's vCPUs' own); only the unmask does */
    cfg_write(0, PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_INTX_DISABLE);
    int calls = line.calls;
    for (int i = 0; i < 1000; i++)
        hv_ivshmem_doorbell(&hv_partitions[0], 0);
    EXPECT_EQ(line.calls, calls);
    cfg_write(0, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
    EXPECT_EQ(line.calls, calls + 1);
    EXPECT_EQ(line.level, 1);
    EXPECT_EQ(reg_read(0, IVSHMEM_INTR_STATUS), 1);
    EXPECT_EQ(line.level, 0);
    /* command: only memory, master, interrupt disable are writable */
    cfg_write(0, PCI_COMMAND, 4, 0xffffffff);
    EXPECT_EQ(cfg_read(0, 0, PCI_COMMAND, 4), 0x0406);
}

TEST(a_function_without_doorbell_in_has_no_line)
{
    reset();
    reg_write(1, IVSHMEM_INTR_MASK, 1);
    hv_ivshmem_doorbell(&hv_partitions[0], 1);
    EXPECT_EQ(line.calls, 0);
    EXPECT_EQ(reg_read(1, IVSHMEM_INTR_STATUS), 1);
    hv_ivshmem_doorbell(&hv_partitions[0], 2);                     /* no such end */
    hv_ivshmem_doorbell(&hv_partitions[0], 0xffffffff);
    hv_ivshmem_doorbell(hv_partitions + HV_NPARTITIONS, 0);
    EXPECT_EQ(line.calls, 0);
}

TEST(bar0_registers)
{
    reset();
    EXPECT_EQ(reg_read(0, IVSHMEM_IV_POSITION), 0);
    EXPECT_EQ(reg_read(1, IVSHMEM_IV_POSITION), 1);
    reg_write(1, IVSHMEM_IV_POSITION, 0);                          /* read-only */
    EXPECT_EQ(reg_read(1, IVSHMEM_IV_POSITION), 1);
    state_calls = 0;
    EXPECT_EQ(reg_read(1, IVSHMEM_GENERATION), 101);
    EXPECT_EQ(reg_read(1, IVSHMEM_PEER_GENERATION), 201);
    EXPECT_EQ(state_calls, 2);                                     /* one lookup each */
    EXPECT_EQ(reg_read(0, IVSHMEM_DOORBELL), 0);
    EXPECT_EQ(rang.calls, 0);
    reg_write(1, IVSHMEM_DOORBELL, 0xdead);
    EXPECT_EQ(rang.calls, 1);
    CHECK(rang.p == &hv_partitions[0]);
    EXPECT_EQ(rang.end, 1);
    EXPECT_EQ(reg_read(0, 0xfc), 0);                               /* reserved: 0 */
    /* not 32 bits: refused; past the 256-byte BAR or past the functions: no device */
    uint64_t v = 0;
    EXPECT_EQ(hv_ivshmem_regs_access(IVSHMEM_DOORBELL, 1, 1, &v), HV_MMIO_FAULT);
    EXPECT_EQ(hv_ivshmem_regs_access(IVSHMEM_INTR_STATUS, 0, 2, &v), HV_MMIO_FAULT);
    EXPECT_EQ(hv_ivshmem_regs_access(0x100, 0, 4, &v), HV_MMIO_NOT_MINE);
    EXPECT_EQ(hv_ivshmem_regs_access(0xffc, 1, 4, &v), HV_MMIO_NOT_MINE);
    EXPECT_EQ(hv_ivshmem_regs_access(0x2000, 1, 4, &v), HV_MMIO_NOT_MINE);
    EXPECT_EQ(hv_ivshmem_regs_access(~0UL - 3, 1, 4, &v), HV_MMIO_NOT_MINE);
    EXPECT_EQ(rang.calls, 1);
}

TEST(reset_returns_every_function_to_its_reset_state)
{
    reset();
    reg_write(0, IVSHMEM_INTR_MASK, 1);
    hv_ivshmem_doorbell(&hv_partitions[0], 0);
    cfg_write(0, 0x10, 4, 0xffffffff);
    cfg_write(0, PCI_INTERRUPT_LINE, 1, 9);
    EXPECT_EQ(line.level, 1);
    hv_ivshmem_reset(0);
    EXPECT_EQ(line.level, 0);
    EXPECT_EQ(cfg_read(0, 0, 0x10, 4), REGS);
    EXPECT_EQ(cfg_read(0, 0, PCI_INTERRUPT_LINE, 1), 0);
    EXPECT_EQ(reg_read(0, IVSHMEM_INTR_MASK), 0);
    hv_ivshmem_reset(HV_NPARTITIONS);                              /* ignored */
}

/* Random configuration and register traffic anywhere in the windows: only the function's own
 * state changes, the identity and the BAR addresses read the same after a final restore, and
 * the sanitizers see nothing out of bounds. */
TEST(configuration_space_fuzz)
{
    reset();
    srand(14);
    for (int i = 0; i < 200000; i++) {
        unsigned size = 1u << (rand() % 3);
        uint64_t off = ((uint64_t)rand() << 8 ^ (uint64_t)rand()) % PCI_ECAM_BUS_SIZE;
        off &= ~(uint64_t)(size - 1);
        uint64_t v = (uint64_t)rand() << 32 | (uint64_t)rand();
        CHECK(hv_ecam_access(off, rand() & 1, size, &v) == HV_MMIO_HANDLED);
        uint64_t roff = ((uint64_t)rand() % 0x3000) & ~3UL;
        v = (uint64_t)rand();
        (void)hv_ivshmem_regs_access(roff, rand() & 1, 4, &v);
    }
    for (uint32_t dev = 0; dev < 2; dev++) {
        EXPECT_EQ(cfg_read(dev, 0, PCI_VENDOR_ID, 4), 0x11101af4);
        cfg_write(dev, 0x10, 4, 0);
        cfg_write(dev, 0x18, 4, 0);
        cfg_write(dev, 0x1c, 4, 0);
        EXPECT_EQ(cfg_read(dev, 0, 0x10, 4), REGS + dev * 0x1000);
        EXPECT_EQ(cfg_read(dev, 0, 0x18, 4), ends0[dev].ipa | 0xc);
        EXPECT_EQ(cfg_read(dev, 0, 0x1c, 4), 0);
    }
    static const struct fn_state zero;
    for (uint32_t n = 0; n < PCI_DEVICES_PER_BUS; n++) {
        CHECK(n < 2 || memcmp(&state[0].fn[n], &zero, sizeof(zero)) == 0);
        CHECK(memcmp(&state[1].fn[n], &zero, sizeof(zero)) == 0);
    }
    EXPECT_EQ(line.pidx, 0);
}
