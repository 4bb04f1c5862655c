"""Physical placement: the hypervisor's region and what goes where inside it, each partition's
stage-2 map and the hypervisor's EL2 map, and the translation tables for all of them.

The hypervisor region is cut into fixed windows so that every address (and so every table
descriptor) is known before the C code is compiled; the linker script asserts that each section
fits its window. Order inside the region, from its base:

    text (RX) | rodata (R) | data (RW) | page tables (R) | pristine images (R) | bss+stacks (RW)

Everything up to the end of the images is in hyp.bin; bss and stacks are zeroed at boot.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from . import tables
from .board import Gic, Reg
from .diagnostics import ConfigError, Related, error
from .model import MemRegion, Partition, System
from .units import format_size

PAGE = 0x1000
BLOCK_2M = 0x200000
TEXT_WINDOW = 512 * 1024
RODATA_WINDOW = 256 * 1024
DATA_WINDOW = 64 * 1024
BSS_WINDOW = 256 * 1024
STACK_SIZE = 16 * 1024
EL2_VA_LIMIT = 1 << 39      # tables.el2_tables: T0SZ = 25
IPA_LIMIT = 1 << 40         # tables.stage2_tables: T0SZ = 24

_S2_PERM = {"ro": "r", "rw": "rw", "rx": "rx", "rwx": "rwx"}


def align_up(value: int, align: int) -> int:
    return (value + align - 1) // align * align


def align_down(value: int, align: int) -> int:
    return value // align * align


@dataclass(frozen=True)
class Window:
    name: str
    base: int
    size: int
    perm: str               # EL2 permission: "rx", "r" or "rw"

    @property
    def end(self) -> int:
        return self.base + self.size


@dataclass(frozen=True)
class ImagePlacement:
    partition: str
    path: Path
    src: int                # pristine copy inside the hypervisor region
    dst: int                # physical address it is copied to before each start
    size: int


@dataclass(frozen=True)
class PartitionLayout:
    name: str
    index: int
    vmid: int
    mappings: tuple[tables.Mapping, ...]
    tables: tables.TableSet
    image: ImagePlacement


@dataclass(frozen=True)
class Layout:
    hyp_base: int
    hyp_size: int
    windows: tuple[Window, ...]         # in address order
    partitions: tuple[PartitionLayout, ...]
    el2_mappings: tuple[tables.Mapping, ...]
    el2_tables: tables.TableSet
    stack_size: int

    def window(self, name: str) -> Window:
        return next(w for w in self.windows if w.name == name)

    @property
    def load_end(self) -> int:
        """End of what hyp.bin holds (the images window's end)."""
        return self.window("images").end

    @property
    def table_sets(self) -> tuple[tables.TableSet, ...]:
        return tuple(p.tables for p in self.partitions) + (self.el2_tables,)


def place_hypervisor(system: System) -> Reg:
    """The hypervisor's physical region: as given, or the highest 2 MiB-aligned free RAM."""
    spec = system.hypervisor
    if spec.base is not None:
        return Reg(spec.base, spec.size)
    taken = [r for p in system.partitions for r in p.memory]
    for bank in sorted(system.board.ram, key=lambda b: b.base, reverse=True):
        top = align_down(bank.end, BLOCK_2M)
        while top - spec.size >= bank.base:
            base = top - spec.size
            clash = [r for r in taken if r.base < base + spec.size and base < r.end]
            if not clash:
                return Reg(base, spec.size)
            top = align_down(min(r.base for r in clash), BLOCK_2M)
    raise ConfigError(error(
        "E033", f"no free {format_size(spec.size)} of RAM for the hypervisor", spec.pos))


VGIC_CPU_IF_SIZE = 0x2000      # GICC_DIR lives in the second page


def partition_mappings(p: Partition, gic: Gic) -> tuple[tables.Mapping, ...]:
    """A partition's stage-2 map: its RAM with the declared permissions, its devices' pages,
    and its virtual GIC CPU interface (the guest's GICC IPA onto the physical GICV frame).
    The distributor page is left unmapped: every access traps and is emulated."""
    maps = [tables.Mapping(r.ipa, r.base, r.size, _S2_PERM[r.perm], "normal",
                           f"{p.name} RAM") for r in p.memory]
    for d in p.devices:
        for reg in d.device.regs:
            base = align_down(reg.base, PAGE)
            size = align_up(reg.end, PAGE) - base
            maps.append(tables.Mapping(base, base, size, "rw", "device", d.device.path))
    if gic.gicc is not None and gic.gicv is not None:
        maps.append(tables.Mapping(gic.gicc.base, gic.gicv.base, VGIC_CPU_IF_SIZE, "rw", "device",
                                   "GICV as GICC"))
    return tuple(sorted(maps, key=lambda m: m.va))


def _windows(base: int, pgtable_pages: int, image_sizes: list[int], ncpus: int) -> list[Window]:
    out: list[Window] = []
    cursor = base

    def add(name: str, size: int, perm: str) -> None:
        nonlocal cursor
        out.append(Window(name, cursor, align_up(size, PAGE), perm))
        cursor += align_up(size, PAGE)

    add("text", TEXT_WINDOW, "rx")
    add("rodata", RODATA_WINDOW, "r")
    add("data", DATA_WINDOW, "rw")
    add("pgtables", pgtable_pages * PAGE, "r")
    add("images", sum(align_up(s, PAGE) for s in image_sizes), "r")
    add("bss", BSS_WINDOW + ncpus * STACK_SIZE, "rw")
    return out


def _el2_mappings(windows: list[Window], system: System) -> tuple[tables.Mapping, ...]:
    maps = [tables.Mapping(w.base, w.base, w.size, w.perm, "normal", f"hyp {w.name}")
            for w in windows if w.size]
    console = system.hypervisor.console.device.regs[0]
    page = align_down(console.base, PAGE)
    maps.append(tables.Mapping(page, page, align_up(console.end, PAGE) - page, "rw", "device",
                               "console"))
    # The GIC distributor and CPU interface (the hypervisor's own interrupts).
    gic = system.board.gic
    for reg in (gic.gicd, gic.gicc, gic.gich):
        if reg is not None:
            page = align_down(reg.base, PAGE)
            maps.append(tables.Mapping(page, page, align_up(reg.end, PAGE) - page, "rw", "device",
                                       "GIC"))
    # Partition RAM, to load images, scrub on restart and check hypercall buffers; never X.
    for p in system.partitions:
        maps += [tables.Mapping(r.base, r.base, r.size, "rw", "normal", f"{p.name} RAM")
                 for r in p.memory]
    return tuple(sorted(maps, key=lambda m: m.va))


def compute_layout(system: System, hyp: Reg, image_sizes: dict[str, int],
                   image_paths: dict[str, Path]) -> Layout:
    """Place everything and build all translation tables. `image_sizes` by partition name."""
    s2_maps = [partition_mappings(p, system.board.gic) for p in system.partitions]
    _check_addresses(system, hyp, s2_maps)
    # Stage-2 table counts do not depend on where the tables live; EL2's depend on the
    # windows, which depend on the table count: iterate to the fixed point (two rounds).
    s2_pages = [align_up(len(tables.stage2_tables(m, 0).pages), 2) for m in s2_maps]
    ncpus = len(system.board.cpus)
    sizes = [image_sizes[p.name] for p in system.partitions]
    el2_pages = 1
    while True:
        windows = _windows(hyp.base, sum(s2_pages) + el2_pages, sizes, ncpus)
        el2_maps = _el2_mappings(windows, system)
        needed = len(tables.el2_tables(el2_maps, 0).pages)
        if needed <= el2_pages:
            break
        el2_pages = needed

    end = windows[-1].end
    if end > hyp.end:
        raise ConfigError(error(
            "E031", f"the hypervisor needs {format_size(end - hyp.base)} (code, tables, "
            f"{len(sizes)} partition image(s), stacks) but hypervisor.memory.size is "
            f"{format_size(hyp.size)}", system.hypervisor.pos))

    pgt = next(w for w in windows if w.name == "pgtables")
    cursor = pgt.base
    placed: list[PartitionLayout] = []
    img_cursor = next(w for w in windows if w.name == "images").base
    for index, (p, maps, npages) in enumerate(zip(system.partitions, s2_maps, s2_pages)):
        ts = tables.stage2_tables(maps, cursor)
        cursor += npages * PAGE
        image = ImagePlacement(p.name, image_paths[p.name], img_cursor, p.memory[0].base,
                               image_sizes[p.name])
        img_cursor += align_up(image.size, PAGE)
        placed.append(PartitionLayout(p.name, index, index + 1, maps, ts, image))
    el2 = tables.el2_tables(el2_maps, cursor)
    return Layout(hyp.base, hyp.size, tuple(windows), tuple(placed), el2_maps, el2, STACK_SIZE)


def _check_addresses(system: System, hyp: Reg, s2_maps: list[tuple[tables.Mapping, ...]]) -> None:
    """Addresses the tables cannot express are configuration errors, not crashes."""
    if hyp.end > EL2_VA_LIMIT:
        raise ConfigError(error("E040", f"hypervisor region ends at {hyp.end:#x}, beyond the "
                                f"EL2 map's {EL2_VA_LIMIT:#x}", system.hypervisor.pos))
    for p, maps in zip(system.partitions, s2_maps):
        for r in p.memory:
            if r.ipa_end > IPA_LIMIT or r.end > EL2_VA_LIMIT:
                raise ConfigError(error("E040", f"partition '{p.name}' region {r.base:#x} "
                                        f"(IPA {r.ipa:#x}) is beyond the 40-bit IPA / 39-bit "
                                        "EL2 range", r.pos))
        for m in maps:
            if m.va + m.size > IPA_LIMIT:
                raise ConfigError(error("E040", f"partition '{p.name}' device {m.name} at "
                                        f"{m.pa:#x} is beyond the 40-bit IPA range", p.pos))


def image_fits(p: Partition, size: int) -> MemRegion | None:
    """The region receiving the image, or None when the image does not fit in it."""
    first = p.memory[0]
    return first if size <= first.size else None


def describe(layout: Layout, system: System) -> str:
    """The text memory map written next to the image."""
    lines = [f"# memory map of {system.board_spec.name} (from {system.config_path})", "",
             "## physical", f"{'start':>18} {'end':>18} {'size':>8}  what"]
    rows: list[tuple[int, int, str]] = []
    rows += [(w.base, w.end, f"hypervisor {w.name} ({w.perm})") for w in layout.windows if w.size]
    for p in system.partitions:
        rows += [(r.base, r.end, f"partition {p.name} RAM ({r.perm}, IPA {r.ipa:#x})")
                 for r in p.memory]
        rows += [(reg.base, reg.end, f"partition {p.name} device {d.device.path}")
                 for d in p.devices for reg in d.device.regs]
    rows += [(reg.base, reg.end, f"hypervisor console {system.hypervisor.console.device.path}")
             for reg in system.hypervisor.console.device.regs]
    for start, end, what in sorted(rows):
        lines.append(f"{start:#018x} {end:#018x} {format_size(end - start):>8}  {what}")
    lines += ["", "## partition images (pristine copy -> load address)"]
    for pl in layout.partitions:
        lines.append(f"{pl.name}: {pl.image.size} bytes {pl.image.src:#x} -> {pl.image.dst:#x}")
    lines += ["", "## translation tables"]
    for pl in layout.partitions:
        lines.append(f"{pl.name}: stage 2, VMID {pl.vmid}, root {pl.tables.base:#x}, "
                     f"{len(pl.tables.pages)} page(s)")
    lines.append(f"hypervisor: EL2 stage 1, root {layout.el2_tables.base:#x}, "
                 f"{len(layout.el2_tables.pages)} page(s)")
    return "\n".join(lines) + "\n"
