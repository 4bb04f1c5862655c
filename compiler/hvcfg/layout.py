# SPDX-License-Identifier: Apache-2.0
"""Physical placement: the hypervisor's region and what goes where inside it, each partition's
stage-2 map and the hypervisor's EL2 map, and the translation tables for all of them.

The hypervisor region is cut into fixed windows so that every address (and so every table
descriptor) is known before the C code is compiled; the linker script asserts that each section
fits its window. Order inside the region, from its base:

    text (RX) | rodata (R) | data (RW) | page tables (R) | pristine images (R) | bss+stacks (RW)

Everything up to the end of the images is in hyp.bin; bss and stacks are zeroed at boot.
"""
from __future__ import annotations

import re
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from . import channels, integrity, platform, tables
from .board import Gic, Reg
from .model import PAGE, Partition, System
from .tables import Mapping, TableSet
from .units import align_down, align_up, format_range, format_size, overlaps

BLOCK_2M = 0x200000
TEXT_WINDOW = 512 * 1024
RODATA_WINDOW = 256 * 1024
DATA_WINDOW = 64 * 1024
BSS_WINDOW = 256 * 1024
STACK_SIZE = 16 * 1024
EL2_VA_LIMIT = 1 << 39      # tables.el2_tables: T0SZ = 25
IPA_LIMIT = 1 << 40         # tables.stage2_tables: T0SZ = 24



@dataclass(frozen=True)
class Window:
    name: str
    base: int
    size: int
    perm: str               # EL2 permission: "rx", "ro" or "rw" (perms.PERMS)

    @property
    def end(self) -> int:
        return self.base + self.size


DTB_SLOT = 0x10000          # the guest DT's place: the last 64 KiB of the first writable region
KERNEL_ALIGN = 0x200000     # an arm64 Image is loaded at a 2 MiB-aligned base + text_offset


@dataclass(frozen=True)
class Blob:
    """A file copied into a partition's RAM before each start, from a pristine copy."""

    partition: str
    what: str               # "image", "initrd", "dtb"
    path: Path
    src: int                # pristine copy inside the hypervisor region
    dst: int                # physical address it is copied to before each start
    ipa: int                # where the guest sees it
    size: int

    @property
    def section(self) -> str:
        """The ELF section holding the pristine copy."""
        name = re.sub(r"[^A-Za-z0-9_]", "_", self.partition)
        return f".image.{name}" if self.what == "image" else f".blob.{name}.{self.what}"


@dataclass(frozen=True)
class GuestLoad:
    """Where a partition's pieces go, as IPAs: decided before the guest DT is generated."""

    entry_ipa: int
    image_ipa: int
    image_end: int          # end of the image's effective size (an Image's BSS included)
    initrd_ipa: int | None
    dtb_ipa: int
    kernel: bool = False                # an arm64 Image (needs a 2 MiB-aligned memory[0])
    initrd_end: int | None = None

    @property
    def used_end(self) -> int:
        """End of everything loaded into memory[0] (image, then initrd)."""
        return self.initrd_end if self.initrd_end is not None else self.image_end


def arm64_image_header(path: Path) -> tuple[int, int] | None:
    """(text_offset, image_size) of an arm64 Image, or None for a raw binary. Reads the
    64-byte header only (a guest kernel is tens of MiB)."""
    with path.open("rb") as f:
        head = f.read(64)
    if len(head) < 64 or head[0x38:0x3C] != b"ARM\x64":
        return None
    text_offset, image_size = struct.unpack_from("<QQ", head, 8)
    return text_offset, image_size


def dtb_ipa(p: Partition) -> int:
    """The guest DT goes into the last DTB_SLOT bytes of the partition's first writable region."""
    region = next((r for r in p.memory if "w" in r.perm), p.memory[0])
    return region.ipa_end - DTB_SLOT


def guest_load(p: Partition, image: Path, initrd_size: int | None) -> GuestLoad:
    """Place the image (an arm64 Image at its text_offset), the initrd after it and the DT.

    Pure placement: whether it all fits is rules.py's E034 (`load_problem`)."""
    first = p.memory[0]
    header = arm64_image_header(image)
    size = image.stat().st_size
    offset = 0
    if header is not None:
        offset, effective = header
        size = max(size, effective)
    image_ipa = first.ipa + offset
    image_end = image_ipa + size
    initrd_ipa = align_up(image_end, KERNEL_ALIGN) if initrd_size is not None else None
    initrd_end = initrd_ipa + initrd_size if initrd_ipa is not None and initrd_size else None
    return GuestLoad(image_ipa, image_ipa, image_end, initrd_ipa, dtb_ipa(p),
                     header is not None, initrd_end)


def load_limit(p: Partition, load: GuestLoad) -> int:
    """Where what is loaded into memory[0] must end: the DT slot, when it is in memory[0]."""
    first = p.memory[0]
    dtb = load.dtb_ipa
    return first.ipa_end if dtb < first.ipa or dtb >= first.ipa_end else dtb


def ipa_to_pa(p: Partition, ipa: int) -> int:
    r = next(r for r in p.memory if r.ipa <= ipa < r.ipa_end)
    return r.base + (ipa - r.ipa)


@dataclass(frozen=True)
class PartitionLayout:
    name: str
    index: int
    vmid: int
    mappings: tuple[tables.Mapping, ...]
    tables: tables.TableSet
    blobs: tuple[Blob, ...]     # image first
    load: GuestLoad
    # integrity: the sealed stage-2 map and tables, right after `tables`, and what they seal
    sealed_mappings: tuple[Mapping, ...] = ()      # (`tables` is a field name here)
    sealed_tables: TableSet | None = None
    seal: integrity.KernelSeal | None = None

    @property
    def image(self) -> Blob:
        return self.blobs[0]


@dataclass(frozen=True)
class Layout:
    hyp_base: int
    hyp_size: int
    windows: tuple[Window, ...]         # in address order
    partitions: tuple[PartitionLayout, ...]
    el2_mappings: tuple[tables.Mapping, ...]
    el2_tables: tables.TableSet

    def window(self, name: str) -> Window:
        return next(w for w in self.windows if w.name == name)

    @property
    def load_end(self) -> int:
        """End of what hyp.bin holds (the images window's end)."""
        return self.window("images").end

    @property
    def table_sets(self) -> tuple[tables.TableSet, ...]:
        sealed = tuple(p.sealed_tables for p in self.partitions if p.sealed_tables is not None)
        return tuple(p.tables for p in self.partitions) + sealed + (self.el2_tables,)


def reserved_ranges(system: System) -> list[tuple[str, int, int]]:
    """RAM nobody may take, as (what, start, end): the DT's /memreserve/ and /reserved-memory
    regions (firmware, the Pi's armstub and spin table in page 0) and the spin-table release
    pages. Placement avoids them; checks.py refuses what a configuration puts on them (E045)."""
    out = [(f"reserved memory {format_range(r.base, r.size)} of the board's device tree",
            r.base, r.end) for r in system.board.reserved]
    out += [(f"the spin-table release page {format_range(f.base, f.end - f.base)}",
             f.base, f.end) for f in hypervisor_frames(system) if f.memtype == "normal"
            and not any(r.base <= f.base and f.end <= r.end for r in system.board.reserved)]
    return out


def free_hypervisor_region(system: System) -> Reg | None:
    """The hypervisor's physical region: as given, or the highest 2 MiB-aligned free RAM;
    None when there is none (rules.py reports E033)."""
    spec = system.hypervisor
    if spec.base is not None:
        return Reg(spec.base, spec.size)
    taken = [(lo, hi) for _, lo, hi in reserved_ranges(system)]
    taken += [(r.base, r.end) for p in system.partitions for r in p.memory]
    # The base itself 2 MiB-aligned whatever the size (the stage-2 roots inside need 8 KiB).
    base = _free_range(system.board.ram, taken, spec.size, BLOCK_2M)
    return Reg(base, spec.size) if base is not None else None


def channel_memory(system: System, hyp: Reg) -> dict[str, int | None]:
    """Each channel's physical base (None: no room, E076): free RAM outside every partition,
    the hypervisor's region and reserved memory, taken top-down below the hypervisor, in
    `channels:` order, aligned as channels.alignment says."""
    taken = [(lo, hi) for _, lo, hi in reserved_ranges(system)]
    taken += [(r.base, r.end) for p in system.partitions for r in p.memory]
    taken.append((hyp.base, hyp.end))
    out: dict[str, int | None] = {}
    for c in system.channels:
        found = _free_range(system.board.ram, taken, c.size, channels.alignment(c.size))
        if found is not None:
            taken.append((found, found + c.size))
        out[c.name] = found
    return out


def _free_range(banks: tuple[Reg, ...], taken: list[tuple[int, int]], size: int, align: int
                ) -> int | None:
    """The highest `align`-aligned base of `size` free bytes in `banks` outside `taken`."""
    for bank in sorted(banks, key=lambda b: b.base, reverse=True):
        top = align_down(bank.end, align)
        while top - size >= bank.base:
            base = align_down(top - size, align)
            if base < bank.base:
                break
            clash = [(lo, hi) for lo, hi in taken if overlaps(lo, hi, base, base + size)]
            if not clash:
                return base
            top = align_down(min(lo for lo, _ in clash), align)
    return None


def channel_mappings(system: System, hyp: Reg, p: Partition) -> tuple[tables.Mapping, ...]:
    """The partition's channels at stage 2: Normal memory, never executable, with its end's
    access ("rw" or "ro"), named `channel <name>` (a channel without memory, E076, is left
    out: check stops before anything is built)."""
    pas = channel_memory(system, hyp)
    return tuple(tables.Mapping(e.ipa, pa, e.size, "rw" if e.writable else "ro", "normal",
                                f"{CHANNEL_MAPPING}{e.name}")
                 for e in channels.ends(system, p) if (pa := pas[e.name]) is not None)


CHANNEL_MAPPING = "channel "       # the name of a channel's mapping: "channel <name>"


# Room a loader needs after the image for the DTB it passes (QEMU puts it at the next 2 MiB
# boundary after the image and refuses to boot if that is outside RAM).
DTB_ROOM = BLOCK_2M


def image_load_offset(system: System, layout: Layout) -> int:
    """text_offset for hyp.bin's Image header: the link address minus the lowest RAM base.

    A loader that honours it (QEMU -kernel loads at RAM base + text_offset) then puts the image
    where it was linked, and the boot CPU need not copy tens of MiB of partition images with
    its MMU off. 0 ("load anywhere", the image relocates itself) when the link address is the
    RAM base (QEMU would add 2 MiB) or when a DTB placed after the image would not fit in the
    hypervisor's RAM bank."""
    ram_base = min(b.base for b in system.board.ram)
    offset = layout.hyp_base - ram_base
    bank = next((b for b in system.board.ram
                 if b.base <= layout.hyp_base < b.end), None)
    if offset <= 0 or bank is None or align_up(layout.load_end, BLOCK_2M) + DTB_ROOM > bank.end:
        return 0
    return offset


# The one mapping every partition has onto the same physical frame (the banked GICV), by name:
# device mappings are named by their DT path, which starts with "/".
GICV_MAPPING = "GICV as GICC"
VGIC_CPU_IF_SIZE = channels.VGIC_CPU_IF_SIZE


def _page_span(reg: Reg) -> tuple[int, int]:
    return align_down(reg.base, PAGE), align_up(reg.end, PAGE)


class DevicePages(NamedTuple):
    """Physical pages of passed-through MMIO and where the partition sees them."""

    base: int           # physical, page-aligned
    end: int
    path: str           # the DT node(s), ", "-separated
    delta: int = 0      # IPA - PA (`devices: [{device, ipa}]`)

    @property
    def ipa(self) -> int:
        return self.base + self.delta


def device_pages(p: Partition) -> list[DevicePages]:
    """A partition's passed-through MMIO as whole pages: devices of one partition that share a
    page (and are seen at the same place) share its mapping (checks reject sharing across
    owners)."""
    spans = sorted((d.delta, *_page_span(reg), d.device.path) for d in p.devices
                   for reg in d.device.regs if reg.size)
    merged: list[DevicePages] = []
    for delta, lo, hi, path in spans:
        if merged and merged[-1].delta == delta and lo <= merged[-1].end:
            last = merged[-1]
            merged[-1] = last._replace(end=max(last.end, hi), path=last.path
                                       if path in last.path.split(", ")
                                       else f"{last.path}, {path}")
        else:
            merged.append(DevicePages(lo, hi, path, delta))
    return sorted(merged, key=lambda m: (m.base, m.delta))


def partition_mappings(p: Partition, gic: Gic, shared: tuple[tables.Mapping, ...] = ()
                       ) -> tuple[tables.Mapping, ...]:
    """A partition's stage-2 map: its RAM with the declared permissions, its devices' pages,
    its virtual GIC CPU interface (the guest's GICC IPA onto the physical GICV frame) and its
    channels (`shared`: channel_mappings). The distributor page is left unmapped: every access
    traps and is emulated."""
    maps = [tables.Mapping(r.ipa, r.base, r.size, r.perm, "normal",
                           f"{p.name} RAM") for r in p.memory]
    maps += shared
    maps += [tables.Mapping(m.ipa, m.base, m.end - m.base, "rw", "device", m.path)
             for m in device_pages(p)]
    if gic.gicc is not None and gic.gicv is not None:
        maps.append(tables.Mapping(gic.gicc.base, gic.gicv.base, VGIC_CPU_IF_SIZE, "rw", "device",
                                   GICV_MAPPING))
    return tuple(sorted(maps, key=lambda m: m.va))


@dataclass(frozen=True)
class HypFrame:
    """Physical pages the hypervisor keeps for itself: no partition may map them."""

    name: str           # as in the EL2 map: "console", "GIC", "spin table", ...
    path: str | None    # the DT node, when there is one
    base: int           # page-aligned
    end: int
    memtype: str        # "device", or "normal" for spin-table release words in RAM
    el2: bool           # mapped at EL2 (GICV is not: partitions reach it as their GICC)


def hypervisor_frames(system: System) -> list[HypFrame]:
    """The console, the GIC's frames, spin-table release pages and the power-management block:
    what the EL2 map holds besides the hypervisor's region and partition RAM, plus GICV."""
    out = []
    console = system.hypervisor.console.device
    out.append(HypFrame("console", console.path, *_page_span(console.regs[0]), "device", True))
    gic = system.board.gic
    for reg, el2 in ((gic.gicd, True), (gic.gicc, True), (gic.gich, True), (gic.gicv, False)):
        if reg is not None:
            out.append(HypFrame("GIC", gic.path, *_page_span(reg), "device", el2))
    out += [HypFrame("GIC", gic.path, *_page_span(reg), "device", False) for reg in gic.gicr]
    # Spin-table release addresses (written to start CPUs) and a BCM283x power-management
    # block (written to power off), on boards that have them instead of PSCI.
    release_pages = sorted({align_down(c.release_addr, PAGE) for c in system.board.cpus
                            if c.release_addr is not None})
    out += [HypFrame("spin table", None, pg, pg + PAGE, "normal", True) for pg in release_pages]
    if platform.pm_base(system):
        page = align_down(platform.pm_base(system), PAGE)
        pm = platform.pm_device(system)
        out.append(HypFrame("power management", pm.path if pm else None, page, page + PAGE,
                            "device", True))
    # The GPIO block that muxes the console's pins (BCM2711): a partition given it could take
    # the console's pins away.
    pins = platform.console_pins(system)
    if pins is not None:
        page = align_down(pins.gpio_base, PAGE)
        out.append(HypFrame("console pins", None, page, page + PAGE, "device", True))
    return out


def _windows(base: int, pgtable_pages: int, blob_sizes: list[int], ncpus: int,
             rodata_extra: int = 0) -> list[Window]:
    out: list[Window] = []
    cursor = base

    def add(name: str, size: int, perm: str) -> None:
        nonlocal cursor
        out.append(Window(name, cursor, align_up(size, PAGE), perm))
        cursor += align_up(size, PAGE)

    add("text", TEXT_WINDOW, "rx")
    # grown in 64 KiB steps: the windows after it keep the alignment they have without it
    # (the stage-2 roots need 8 KiB)
    add("rodata", RODATA_WINDOW + align_up(rodata_extra, DATA_WINDOW), "ro")
    add("data", DATA_WINDOW, "rw")
    add("pgtables", pgtable_pages * PAGE, "ro")
    add("images", sum(align_up(s, PAGE) for s in blob_sizes), "ro")
    add("bss", BSS_WINDOW + ncpus * STACK_SIZE, "rw")
    return out


def _el2_mappings(windows: list[Window], system: System, hyp: Reg
                  ) -> tuple[tables.Mapping, ...]:
    maps = [tables.Mapping(w.base, w.base, w.size, w.perm, "normal", f"hyp {w.name}")
            for w in windows if w.size]
    # The console, the GIC (the hypervisor's own interrupts), spin tables, power management.
    maps += [tables.Mapping(f.base, f.base, f.end - f.base, "rw", f.memtype, f.name)
             for f in hypervisor_frames(system) if f.el2]
    # Partition RAM, to load images, scrub on restart and check hypercall buffers; never X.
    for p in system.partitions:
        maps += [tables.Mapping(r.base, r.base, r.size, "rw", "normal", f"{p.name} RAM")
                 for r in p.memory]
    # Channel memory, to zero it at cold boot; never X.
    memory = channel_memory(system, hyp)
    maps += [tables.Mapping(pa, pa, c.size, "rw", "normal", f"{CHANNEL_MAPPING}{c.name}")
             for c in system.channels if (pa := memory[c.name]) is not None]
    return tuple(sorted(maps, key=lambda m: m.va))


@dataclass(frozen=True)
class BlobFile:
    """A file a partition is given (its image, initrd or device tree) and its place."""

    what: str               # "image", "initrd", "dtb"
    path: Path
    ipa: int
    size: int


@dataclass(frozen=True)
class PartitionFiles:
    """What is loaded into one partition: where (GuestLoad) and which files, image first."""

    load: GuestLoad
    blobs: tuple[BlobFile, ...]
    seal: integrity.KernelSeal | None = None    # integrity: {kernel: sealed}


@dataclass(frozen=True)
class RegionPlan:
    """The hypervisor region cut into windows, before any table is placed."""

    windows: tuple[Window, ...]
    stage2_maps: tuple[tuple[tables.Mapping, ...], ...]     # per partition, in order
    stage2_pages: tuple[int, ...]                           # table pages per partition

    @property
    def end(self) -> int:
        return self.windows[-1].end


def hypervisor_windows(system: System, hyp: Reg, files: dict[str, PartitionFiles]) -> RegionPlan:
    """The hypervisor region's windows, each partition's stage-2 map and its table page count.

    The last window may end beyond `hyp` (rules.py reports E031 then)."""
    s2_maps = [partition_mappings(p, system.board.gic, channel_mappings(system, hyp, p))
               for p in system.partitions]
    # Stage-2 table counts do not depend on where the tables live; EL2's depend on the
    # windows, which depend on the table count: iterate to the fixed point (two rounds).
    blocks = platform.stage2_blocks(system.board)
    s2_pages = [align_up(len(tables.stage2_tables(m, 0, blocks=blocks).pages), 2)
                + _sealed_pages(m, files[p.name].seal, blocks)
                for p, m in zip(system.partitions, s2_maps, strict=True)]
    ncpus = len(system.board.cpus)
    sizes = [b.size for p in system.partitions for b in files[p.name].blobs]
    # sealed kernels' patch-site tables are constant data of the size their kernels give
    # (once per kernel: partitions sealing the same one share them, codegen.py)
    site_tables = sum({f.seal.site_tables(): f.seal.table_bytes for f in files.values()
                       if f.seal is not None}.values())
    el2_pages = 1
    while True:
        windows = _windows(hyp.base, sum(s2_pages) + el2_pages, sizes, ncpus, site_tables)
        needed = len(tables.el2_tables(_el2_mappings(windows, system, hyp), 0).pages)
        if needed <= el2_pages:
            return RegionPlan(tuple(windows), tuple(s2_maps), tuple(s2_pages))
        el2_pages = needed


def _sealed_pages(maps: tuple[tables.Mapping, ...], seal: integrity.KernelSeal | None,
                  blocks: bool) -> int:
    """Table pages of a sealed partition's second stage-2 set (0 without integrity)."""
    if seal is None:
        return 0
    sealed = integrity.sealed_mappings(maps, seal)
    return align_up(len(tables.stage2_tables(sealed, 0, blocks=blocks).pages), 2)


def compute_layout(system: System, hyp: Reg, files: dict[str, PartitionFiles]) -> Layout:
    """Place everything and build all translation tables, for a system `check` accepted."""
    plan = hypervisor_windows(system, hyp, files)
    if plan.end > hyp.end:
        raise RuntimeError("the hypervisor region overflows in a checked system (E031 missed)")
    windows, s2_maps, s2_pages = list(plan.windows), plan.stage2_maps, plan.stage2_pages
    el2_maps = _el2_mappings(windows, system, hyp)
    blocks = platform.stage2_blocks(system.board)
    cursor = next(w for w in windows if w.name == "pgtables").base
    placed: list[PartitionLayout] = []
    img_cursor = next(w for w in windows if w.name == "images").base
    per_partition = zip(system.partitions, s2_maps, s2_pages, strict=True)
    for index, (p, maps, npages) in enumerate(per_partition):
        ts = tables.stage2_tables(maps, cursor, blocks=blocks)
        seal = files[p.name].seal
        sealed_maps: tuple[tables.Mapping, ...] = ()
        sealed_ts = None
        if seal is not None:
            sealed_maps = integrity.sealed_mappings(maps, seal)
            sealed_ts = tables.stage2_tables(sealed_maps, cursor + align_up(len(ts.pages), 2)
                                             * PAGE, blocks=blocks)
        cursor += npages * PAGE
        blobs = []
        for f in files[p.name].blobs:
            blobs.append(Blob(p.name, f.what, f.path, img_cursor, ipa_to_pa(p, f.ipa), f.ipa,
                              f.size))
            img_cursor += align_up(f.size, PAGE)
        placed.append(PartitionLayout(p.name, index, index + 1, maps, ts, tuple(blobs),
                                      files[p.name].load, sealed_maps, sealed_ts, seal))
    el2 = tables.el2_tables(el2_maps, cursor)
    return Layout(hyp.base, hyp.size, tuple(windows), tuple(placed), el2_maps, el2)


@dataclass(frozen=True)
class Placed:
    """One range of the physical address space and who has it: what memory-map.txt lists and
    memory-map.svg draws. `kind` is "partition" (RAM), "device" (passed through), "hypervisor"
    (a window of its region), "console" (the hypervisor's UART); other kinds (channels) are
    drawn too, in a colour of their own."""

    base: int
    end: int
    kind: str
    owner: str         # the partition's name, "hypervisor", or the region's own name
    label: str


def placed_regions(layout: Layout, system: System) -> list[Placed]:
    """Every placed range of the system, in address order."""
    rows = [Placed(w.base, w.end, "hypervisor", "hypervisor", f"hypervisor {w.name} ({w.perm})")
            for w in layout.windows if w.size]
    for p in system.partitions:
        rows += [Placed(r.base, r.end, "partition", p.name,
                        f"partition {p.name} RAM ({r.perm}, IPA {r.ipa:#x})") for r in p.memory]
        rows += [Placed(reg.base, reg.end, "device", p.name,
                        f"partition {p.name} device {d.device.path}"
                        + (f" (IPA {reg.base + d.delta:#x})" if d.delta else ""))
                 for d in p.devices for reg in d.device.regs]
    console = system.hypervisor.console.device
    rows += [Placed(reg.base, reg.end, "console", "hypervisor",
                    f"hypervisor console {console.path}") for reg in console.regs]
    pas = channel_memory(system, Reg(layout.hyp_base, layout.hyp_size))
    for c in system.channels:
        pa = pas[c.name]
        if pa is not None:
            ends = ", ".join(f"{e.partition} {e.access}" for e in c.ends)
            rows.append(Placed(pa, pa + c.size, "channel", c.name, f"channel {c.name} ({ends})"))
    return sorted(rows, key=lambda r: (r.base, r.end, r.label))


def describe(layout: Layout, system: System) -> str:
    """The text memory map written next to the image."""
    lines = [f"# memory map of {system.board_spec.name} (from {system.config_path.name})", "",
             "## physical", f"{'start':>18} {'end':>18} {'size':>8}  what"]
    for r in placed_regions(layout, system):
        lines.append(f"{r.base:#018x} {r.end:#018x} {format_size(r.end - r.base):>8}  {r.label}")
    lines += ["", "## partition images (pristine copy -> load address)"]
    for pl in layout.partitions:
        for b in pl.blobs:
            lines.append(f"{pl.name} {b.what}: {b.size} bytes {b.src:#x} -> {b.dst:#x} "
                         f"(IPA {b.ipa:#x})")
        lines.append(f"{pl.name}: entry IPA {pl.load.entry_ipa:#x}, x0 = DT at IPA "
                     f"{pl.load.dtb_ipa:#x}")
    if system.channels:
        lines += ["", "## channels (per end: channel index, IPA, access, doorbell INTIDs)"]
    for p in system.partitions:
        lines += [f"{p.name}: [{e.index}] {e.name} at IPA {e.ipa:#x} ({format_size(e.size)}, "
                  f"{'rw' if e.writable else 'ro'}), rings {e.peer} with INTID "
                  f"{e.ring_intid or '-'}, rung with INTID {e.doorbell_intid or '-'}"
                  for e in channels.ends(system, p)]
    lines += ["", "## translation tables"]
    for pl in layout.partitions:
        lines.append(f"{pl.name}: stage 2, VMID {pl.vmid}, root {pl.tables.base:#x}, "
                     f"{len(pl.tables.pages)} page(s)")
        if pl.sealed_tables is not None:
            lines.append(f"{pl.name}: stage 2 once sealed, root {pl.sealed_tables.base:#x}, "
                         f"{len(pl.sealed_tables.pages)} page(s)")
    lines.append(f"hypervisor: EL2 stage 1, root {layout.el2_tables.base:#x}, "
                 f"{len(layout.el2_tables.pages)} page(s)")
    return "\n".join(lines) + "\n"
