# SPDX-License-Identifier: Apache-2.0
"""Channels presented as ivshmem PCI functions behind an emulated ECAM host bridge (partition
key `ivshmem`, docs/linux-guests.md): where the bridge's windows are, its guest device-tree
node, and its rules (E080-E084).

A partition with `ivshmem` sees, from one base address (`ivshmem: {ecam: ADDR}` or the first
free 1 MiB-aligned IPA above its RAM):

    base                      ECAM, bus 0 (1 MiB): trapped (hyp/pci/ecam.c)
    base + 1 MiB              the memory window (`ranges`, 32-bit): first one trapped 4 KiB
                              page of ivshmem registers (BAR0) per channel end, then each
                              channel's memory (BAR2), aligned to its BAR size (the channel
                              size rounded up to a power of two: PCI BARs are), mapped at
                              stage 2; the rest of a BAR past the channel is not mapped

Function n (device n, function 0) is the partition's channel end n (its channel index). The
hypervisor reads the same facts from the generated hv_ivshmem_config and hv_channel_end table.
"""
from __future__ import annotations

from dataclasses import dataclass

from .guestdt import DtNode, _u32s
from .model import Partition, System
from .units import align_up, format_range, overlaps

ECAM_SIZE = 1 << 20          # one bus (hyp/include/hv/pci_regs.h: PCI_ECAM_BUS_SIZE)
ECAM_ALIGN = 1 << 20
REGS_PAGE = 0x1000           # one trapped page per function (its 256-byte BAR0 at the start)
MAX_FUNCTIONS = 32           # devices on bus 0 (PCI_DEVICES_PER_BUS)
WINDOW_LIMIT = 1 << 32       # BAR0 is a 32-bit BAR, the window a 32-bit memory range
PCI_COMPATIBLE = "pci-host-ecam-generic"
IVSHMEM_COMPATIBLE = "pci1af4,1110"
CHANNEL_PROPERTY = "hvcfg,channel"
SIZE_PROPERTY = "hvcfg,size"       # the channel's bytes (64 bits, 2 cells): BAR2 may be larger
SPACE_MEM32 = 0x02000000     # phys.hi of a 32-bit non-prefetchable memory range (PCI binding)
DEV_SHIFT = 11               # the device number in phys.hi


def bar_size(size: int) -> int:
    """A channel's BAR2 size: its size rounded up to a power of two (at least a page)."""
    return max(REGS_PAGE, 1 << (size - 1).bit_length())


@dataclass(frozen=True)
class Bar:
    channel: str
    ipa: int
    size: int               # the BAR's (a power of two)


@dataclass(frozen=True)
class PciHost:
    """A partition's emulated host bridge: ECAM, BAR0 pages, BAR2s, in one window."""

    ecam: int
    regs: int               # function n's BAR0 page: regs + n * REGS_PAGE
    bars: tuple[Bar, ...]   # BAR2 of function n, in channel-index order
    end: int                # the end of the window (exclusive)

    @property
    def window(self) -> int:
        return self.regs

    @property
    def trapped(self) -> list[tuple[str, int, int]]:
        """What the hypervisor emulates (never mapped): (what, start, end)."""
        regs = len(self.bars) * REGS_PAGE
        return [(f"the PCI ECAM window {format_range(self.ecam, ECAM_SIZE)}", self.ecam,
                 self.ecam + ECAM_SIZE),
                (f"the ivshmem register pages {format_range(self.regs, regs)}", self.regs,
                 self.regs + regs)]


def _at(base: int, sizes: list[tuple[str, int]]) -> PciHost:
    regs = base + ECAM_SIZE
    cursor = regs + len(sizes) * REGS_PAGE
    bars = []
    for name, size in sizes:
        b = bar_size(size)
        cursor = align_up(cursor, b)
        bars.append(Bar(name, cursor, b))
        cursor += b
    return PciHost(base, regs, tuple(bars), align_up(cursor, ECAM_ALIGN))


def place(system: System, part: Partition, taken: list[tuple[int, int]]) -> PciHost | None:
    """The bridge of a partition with `ivshmem` (None without, or when it fits nowhere below
    4 GiB: E084) given the IPA ranges `taken` by everything else it sees (channels.bridge).
    Configured `ecam` is taken as is (pci_checks: E081, E084)."""
    if part.ivshmem is None:
        return None
    sizes = [(c.name, c.size) for c in system.channels_of(part.name)]
    if part.ivshmem.ecam is not None:
        return _at(part.ivshmem.ecam, sizes)
    base = align_up(max([r.ipa_end for r in part.memory] + [0]), ECAM_ALIGN)
    while True:
        host = _at(base, sizes)
        if host.end > WINDOW_LIMIT:
            return None
        clash = [hi for lo, hi in taken if overlaps(lo, hi, base, host.end)]
        if not clash:
            return host
        base = align_up(max(clash), ECAM_ALIGN)


# ---------------------------------------------------------------------------------------------
# the guest device tree

def _hi_lo(value: int) -> tuple[int, int]:
    return value >> 32, value & 0xffffffff


def dt_node(host: PciHost, functions: list[tuple[str, int, int]], gic_phandle: int) -> DtNode:
    """The host bridge node (docs/guest-devicetree.md): Linux's pci-host-ecam-generic with
    one child per function naming its channel (`hvcfg,channel`, read by hvchan) and giving
    its size (`hvcfg,size`: BAR2 is rounded up to a power of two, and the rest of it is not
    mapped). `functions`: (channel name, doorbell INTID or 0, channel size) of function n, in
    channel-index order."""
    size = host.end - host.window
    imap: list[int] = []
    children = []
    for n, (name, intid, chan_size) in enumerate(functions):
        if intid:                 # INTx pin A -> the end's doorbell SPI, level (GIC: 3 cells)
            imap += [n << DEV_SHIFT, 0, 0, 1, gic_phandle, 0, intid - 32, 4]
        children.append(DtNode(f"ivshmem@{n:x},0", [
            ("reg", _u32s(n << DEV_SHIFT, 0, 0, 0, 0)),
            ("compatible", IVSHMEM_COMPATIBLE.encode() + b"\0"),
            (CHANNEL_PROPERTY, name.encode() + b"\0"),
            (SIZE_PROPERTY, _u32s(*_hi_lo(chan_size)))]))
    props = [
        ("compatible", PCI_COMPATIBLE.encode() + b"\0"),
        ("device_type", b"pci\0"),
        ("#address-cells", _u32s(3)), ("#size-cells", _u32s(2)),
        ("#interrupt-cells", _u32s(1)),
        ("reg", _u32s(*_hi_lo(host.ecam), *_hi_lo(ECAM_SIZE))),
        ("bus-range", _u32s(0, 0)),
        ("ranges", _u32s(SPACE_MEM32, *_hi_lo(host.window), *_hi_lo(host.window),
                         *_hi_lo(size))),
        ("interrupt-map-mask", _u32s(0xf800, 0, 0, 7)),
    ]
    if imap:
        props.append(("interrupt-map", _u32s(*imap)))
    return DtNode(f"pcie@{host.ecam:x}", props, children)


# ---------------------------------------------------------------------------------------------
# the attack surface (hvcfg surface)

ECAM_SYMBOLS: tuple[str, ...] = ("hv_ecam_access", "hv_ivshmem_config_access")
REGS_SYMBOLS: tuple[str, ...] = ("hv_ivshmem_regs_access",)


def surface_entries(host: PciHost, names: list[str]) -> list[tuple[str, str, tuple[str, ...]]]:
    """(name, detail, handler symbols) of each emulated PCI page: the ECAM window and one BAR0
    register page per function (`names`: the channel of function n)."""
    out: list[tuple[str, str, tuple[str, ...]]] = [(
        "PCI ECAM", f"{host.ecam:#x}, 1 MiB, 1/2/4 bytes, rw: bus 0, functions "
        f"0-{len(names) - 1} (others read all-ones)", ECAM_SYMBOLS)]
    for n, name in enumerate(names):
        out.append((f"ivshmem BAR0 {name}", f"{host.regs + n * REGS_PAGE:#x}, 256 bytes, "
                    "4 bytes, rw (doorbell, IntrMask/Status, IVPosition, generations)",
                    REGS_SYMBOLS))
    return out
