# SPDX-License-Identifier: Apache-2.0
"""Board model: what the hypervisor needs to know about a board, read from its flattened DT.

Addresses here are CPU physical addresses (every `ranges` on the path applied) and interrupts
are GIC INTIDs (SPI n -> 32 + n, PPI n -> 16 + n): the conversion happens in this module only.
"""
from __future__ import annotations

import contextlib
import io
import struct
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pyfdt.pyfdt import FdtBlobParse

from .diagnostics import ConfigError, Pos, error


@dataclass(frozen=True)
class Reg:
    base: int
    size: int

    @property
    def end(self) -> int:
        return self.base + self.size


@dataclass(frozen=True)
class DtDevice:
    path: str
    labels: tuple[str, ...]
    compatible: tuple[str, ...]
    regs: tuple[Reg, ...]        # CPU physical addresses
    intids: tuple[int, ...]      # GIC INTIDs
    enabled: bool                # status absent or "okay"/"ok"
    # Why the device can reach memory or interrupts beyond its registers (a DMA master, an MSI
    # frame: see bus_master_reason); None for a device that only answers register accesses.
    bus_master: str | None = None


@dataclass(frozen=True)
class Cpu:
    index: int                   # position in /cpus, the number YAML `cpus:` uses
    path: str
    mpidr: int                   # affinity value from `reg`
    enable_method: str           # "psci" or "spin-table"
    release_addr: int | None     # spin-table cpu-release-addr
    compatible: tuple[str, ...] = ()     # the core ("arm,cortex-a72"): its features (integrity)


@dataclass(frozen=True)
class Psci:
    method: str                  # conduit the hypervisor uses: "smc" or "hvc"
    compatible: tuple[str, ...]


@dataclass(frozen=True)
class Gic:
    path: str
    version: int                 # 2 or 3
    gicd: Reg
    gicc: Reg | None             # v2 CPU interface
    gich: Reg | None             # v2 virtual interface control
    gicv: Reg | None             # v2 virtual CPU interface
    gicr: tuple[Reg, ...]        # v3 redistributors
    maintenance_intid: int | None


@dataclass(frozen=True)
class Timer:
    secure_phys: int             # INTIDs
    nonsecure_phys: int
    virt: int
    hyp: int


@dataclass(frozen=True)
class Board:
    source: str                  # the DTB file this came from
    model: str
    compatible: tuple[str, ...]
    ram: tuple[Reg, ...]
    cpus: tuple[Cpu, ...]
    psci: Psci | None
    gic: Gic
    timer: Timer | None
    devices: dict[str, DtDevice] = field(hash=False)   # by full path
    labels: dict[str, str] = field(hash=False)         # label -> path
    aliases: dict[str, str] = field(hash=False)        # alias -> path
    stdout_path: str | None = None
    dt_ram: tuple[Reg, ...] | None = None   # the DT's own memory banks when the board file's
                                            # `board.memory` replaced them; None: same as ram
    reserved: tuple[Reg, ...] = ()          # /memreserve/ entries and static /reserved-memory
                                            # regions: RAM that firmware (or a loader) owns

    def find_device(self, ref: str) -> DtDevice | None:
        """Resolve a DT path, a label (optionally written &label) or an alias."""
        ref = ref.lstrip("&")
        path = ref if ref.startswith("/") else self.labels.get(ref) or self.aliases.get(ref)
        return self.devices.get(path) if path else None


# --------------------------------------------------------------------------------------------
# Parser: DTB -> Board.  Only this section reads device-tree cells; everything downstream
# sees CPU physical addresses and GIC INTIDs.
# --------------------------------------------------------------------------------------------

GIC_V2_COMPATIBLES = ("arm,cortex-a15-gic", "arm,gic-400", "arm,gic-v2")
GIC_V3_COMPATIBLES = ("arm,gic-v3",)
TIMER_COMPATIBLES = ("arm,armv8-timer", "arm,armv7-timer")


class _DtError(Exception):
    """A malformed property inside an otherwise readable DTB (becomes E011)."""


class _DtUnsupported(Exception):
    """A well-formed DTB lacking something the hypervisor needs (becomes E012)."""


@dataclass(eq=False)
class _Node:
    name: str
    path: str
    parent: _Node | None
    props: dict[str, bytes] = field(default_factory=dict)
    children: list[_Node] = field(default_factory=list)

    def walk(self) -> Iterator[_Node]:
        yield self
        for child in self.children:
            yield from child.walk()


def parse_dtb(path: Path, pos: Pos | None = None, ram: tuple[Reg, ...] | None = None) -> Board:
    """Read a flattened device tree and return the board model.

    Raises ConfigError with E010 (file missing), E011 (not a valid DTB) or E012 (a DT the
    hypervisor cannot use: no memory, no CPUs, no GIC). `pos` is where the YAML named the DTB.
    `ram` (the board file's `board.memory`) replaces the DT's memory banks, which are kept in
    `Board.dt_ram`; a DT without usable memory nodes is then not an error.
    """
    path = Path(path)
    try:
        blob = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(error("E010", f"device tree blob {path} does not exist", pos)) from None
    except OSError as exc:
        raise ConfigError(error("E010", f"cannot read device tree blob {path}: {exc.strerror}",
                                pos)) from None
    try:
        root, memreserve = _parse_fdt(blob)
        return _build_board(str(path), root, pos, ram, memreserve)
    except _DtError as exc:
        raise ConfigError(error("E011", f"{path}: {exc}", pos)) from None
    except _DtUnsupported as exc:
        raise ConfigError(error("E012", f"{path}: {exc}", pos)) from None


# -- flattened tree ------------------------------------------------------------------------

_FDT_MAGIC = 0xD00DFEED
_FDT_BEGIN_NODE, _FDT_END_NODE, _FDT_PROP, _FDT_NOP, _FDT_END = 1, 2, 3, 4, 9


def _parse_tree(blob: bytes) -> _Node:
    return _parse_fdt(blob)[0]


def _parse_fdt(blob: bytes) -> tuple[_Node, tuple[Reg, ...]]:
    """Parse with pyfdt's FdtBlobParse, keeping every property's raw bytes; also return the
    /memreserve/ entries of the blob's memory reservation block.

    pyfdt's node objects guess each property's type (strings, words or bytes) and lose
    information doing so, so the tree is rebuilt here from the parser's raw tag stream.
    """
    if len(blob) < 40 or struct.unpack_from(">I", blob, 0)[0] != _FDT_MAGIC:
        raise _DtError("not a flattened device tree (bad magic)")
    total = struct.unpack_from(">I", blob, 4)[0]
    if total > len(blob):
        raise _DtError(f"truncated: header says {total} bytes, file has {len(blob)}")
    chatter = io.StringIO()
    try:
        with contextlib.redirect_stdout(chatter):   # pyfdt prints unknown tags
            parsed = FdtBlobParse(io.BytesIO(blob[:total]))
            tags = parsed.fdt_dt_tags
            memreserve = tuple(Reg(int(e["address"]), int(e["size"]))
                               for e in parsed.fdt_reserve_entries if e["size"])
    except Exception as exc:  # pyfdt raises bare Exception, struct.error, TypeError...
        raise _DtError(f"cannot parse: {exc or type(exc).__name__}") from None
    if chatter.getvalue():
        raise _DtError(f"cannot parse: {chatter.getvalue().strip()}")
    return _tags_to_tree(tags), memreserve


def _tags_to_tree(tags: list[tuple[int, Any]]) -> _Node:
    root: _Node | None = None
    cur: _Node | None = None
    for tag, value in tags:
        if tag == _FDT_BEGIN_NODE:
            if cur is None:
                if root is not None:
                    raise _DtError("more than one root node")
                root = cur = _Node("", "/", None)
            else:
                child_path = ("" if cur.path == "/" else cur.path) + "/" + value
                child = _Node(value, child_path, cur)
                cur.children.append(child)
                cur = child
        elif tag == _FDT_END_NODE:
            if cur is None:
                raise _DtError("unbalanced end of node")
            cur = cur.parent
        elif tag == _FDT_PROP:
            if cur is None:
                raise _DtError("property outside any node")
            name, raw = value
            cur.props[name] = bytes(raw)
    if root is None or cur is not None:
        raise _DtError("no complete root node")
    return root


# -- property decoding ---------------------------------------------------------------------

def _cells(raw: bytes) -> tuple[int, ...]:
    if len(raw) % 4:
        raise _DtError(f"property of {len(raw)} bytes is not a list of 32-bit cells")
    return struct.unpack(f">{len(raw) // 4}I", raw)


def _strings(raw: bytes | None) -> tuple[str, ...]:
    text = (raw or b"").rstrip(b"\0")
    return tuple(s.decode("ascii", "replace") for s in text.split(b"\0")) if text else ()


def _string(node: _Node, name: str) -> str | None:
    raw = node.props.get(name)
    return _strings(raw)[0] if raw else None


def _u32(node: _Node, name: str, default: int) -> int:
    raw = node.props.get(name)
    if raw is None:
        return default
    cells = _cells(raw)
    if len(cells) != 1:
        raise _DtError(f"{node.path}: {name} must be one cell")
    return cells[0]


def _number(cells: tuple[int, ...] | list[int]) -> int:
    value = 0
    for cell in cells:
        value = (value << 32) | cell
    return value


def _address_cells(node: _Node) -> int:
    return _u32(node, "#address-cells", 2)


def _size_cells(node: _Node) -> int:
    return _u32(node, "#size-cells", 1)


def _split(cells: tuple[int, ...], widths: tuple[int, ...], what: str) -> list[tuple[int, ...]]:
    """Split a cell list into records of numbers of the given cell widths."""
    step = sum(widths)
    if step == 0 or len(cells) % step:
        raise _DtError(f"{what}: {len(cells)} cells is not a multiple of {step}")
    records = []
    for i in range(0, len(cells), step):
        fields, at = [], i
        for w in widths:
            fields.append(_number(cells[at:at + w]))
            at += w
        records.append(tuple(fields))
    return records


def _raw_regs(node: _Node) -> list[tuple[int, int]]:
    """`reg` entries in the parent bus's address space."""
    raw = node.props.get("reg")
    if not raw or node.parent is None:
        return []
    ac, sc = _address_cells(node.parent), _size_cells(node.parent)
    if sc == 0:
        return [(rec[0], 0) for rec in _split(_cells(raw), (ac,), f"{node.path}: reg")]
    return [(a, s) for a, s in _split(_cells(raw), (ac, sc), f"{node.path}: reg")]


def _translate(node: _Node, base: int, size: int) -> int | None:
    """Bus address of `node`'s reg -> CPU physical address, or None if not memory-mapped.

    Walks every ancestor bus: empty `ranges` is identity, absent `ranges` ends translation.
    """
    bus = node.parent
    while bus is not None and bus.parent is not None:
        if "ranges" not in bus.props:
            return None
        raw = bus.props["ranges"]
        if raw:
            widths = (_address_cells(bus), _address_cells(bus.parent), _size_cells(bus))
            for child, parent, length in _split(_cells(raw), widths, f"{bus.path}: ranges"):
                if child <= base and base + size <= child + length:
                    base = parent + (base - child)
                    break
            else:
                return None
        bus = bus.parent
    return base


def _regs(node: _Node) -> tuple[Reg, ...] | None:
    """Translated regs; None when the node's regs are not CPU addresses."""
    out = []
    for base, size in _raw_regs(node):
        cpu = _translate(node, base, size)
        if cpu is None:
            return None
        out.append(Reg(cpu, size))
    return tuple(out)


def _enabled(node: _Node) -> bool:
    return _string(node, "status") in (None, "okay", "ok")


# -- interrupts ------------------------------------------------------------------------------

def _phandles(root: _Node) -> dict[int, _Node]:
    table = {}
    for node in root.walk():
        for name in ("phandle", "linux,phandle"):
            if name in node.props:
                table[_u32(node, name, 0)] = node
    return table


def _interrupt_parent(node: _Node, phandles: dict[int, _Node]) -> _Node | None:
    at: _Node | None = node
    while at is not None:
        if "interrupt-parent" in at.props:
            return phandles.get(_u32(at, "interrupt-parent", 0))
        at = at.parent
    return None


def _gic_intid(spec: tuple[int, ...], version: int) -> int | None:
    """A GIC interrupt specifier <type number flags> -> INTID."""
    kind, number = spec[0], spec[1]
    if kind == 0:
        return 32 + number                          # SPI
    if kind == 1:
        return 16 + number                          # PPI
    if version == 3 and kind == 2:
        return 4096 + number                        # extended SPI
    if version == 3 and kind == 3:
        return 1056 + number                        # extended PPI
    return None


def _intids(node: _Node, gic: _Node, version: int, phandles: dict[int, _Node]) -> tuple[int, ...]:
    """INTIDs of the interrupts `node` sends to the GIC (others are not the GIC's to route)."""
    gic_cells = _u32(gic, "#interrupt-cells", 3)
    if gic_cells < 3:
        raise _DtError(f"{gic.path}: #interrupt-cells is {gic_cells}, the GIC binding needs 3")
    specs: list[tuple[int, ...]] = []
    if "interrupts-extended" in node.props:
        cells = _cells(node.props["interrupts-extended"])
        i = 0
        while i < len(cells):
            target = phandles.get(cells[i])
            if target is None or "#interrupt-cells" not in target.props:
                break                               # cannot know the specifier length
            n = _u32(target, "#interrupt-cells", 0)
            if target is gic:
                specs.append(cells[i + 1:i + 1 + n])
            i += 1 + n
    elif "interrupts" in node.props and _interrupt_parent(node, phandles) is gic:
        cells = _cells(node.props["interrupts"])
        specs = [cells[i:i + gic_cells] for i in range(0, len(cells) - gic_cells + 1, gic_cells)]
    out = (_gic_intid(tuple(s), version) for s in specs if len(s) >= 2)
    return tuple(i for i in out if i is not None)


# -- board pieces ----------------------------------------------------------------------------

def _find_gic(root: _Node) -> tuple[_Node, int] | None:
    for node in root.walk():
        compatible = _strings(node.props.get("compatible"))
        if "interrupt-controller" not in node.props:
            continue
        if any(c in GIC_V3_COMPATIBLES for c in compatible):
            return node, 3
        if any(c in GIC_V2_COMPATIBLES for c in compatible):
            return node, 2
    return None


def _gic(node: _Node, version: int, maintenance: tuple[int, ...]) -> Gic:
    regs = _regs(node) or ()
    if not regs:
        raise _DtUnsupported(f"{node.path}: the GIC has no memory-mapped reg")

    def at(i: int) -> Reg | None:
        return regs[i] if i < len(regs) else None

    if version == 2:
        return Gic(node.path, 2, regs[0], at(1), at(2), at(3), (),
                   maintenance[0] if maintenance else None)
    n = _u32(node, "#redistributor-regions", 1)
    return Gic(node.path, 3, regs[0], at(1 + n), at(2 + n), at(3 + n), tuple(regs[1:1 + n]),
               maintenance[0] if maintenance else None)


def _cpus(root: _Node) -> tuple[Cpu, ...] | None:
    cpus = _child(root, "cpus")
    if cpus is None:
        return None
    out: list[Cpu] = []
    for node in cpus.children:
        is_cpu = _string(node, "device_type") == "cpu" or node.name.split("@")[0] == "cpu"
        if not is_cpu or "reg" not in node.props or not _enabled_cpu(node):
            continue
        reg = _raw_regs(node)
        release = node.props.get("cpu-release-addr")
        out.append(Cpu(index=len(out), path=node.path, mpidr=reg[0][0] if reg else 0,
                       enable_method=_string(node, "enable-method") or "none",
                       release_addr=_number(_cells(release)) if release else None,
                       compatible=_strings(node.props.get("compatible"))))
    return tuple(out)


def _enabled_cpu(node: _Node) -> bool:
    # "disabled" on a CPU means parked until its enable-method starts it; only "fail*" removes it.
    return not (_string(node, "status") or "").startswith("fail")


def _child(node: _Node, name: str) -> _Node | None:
    for child in node.children:
        if child.name == name or child.name.split("@")[0] == name:
            return child
    return None


def _psci(root: _Node) -> Psci | None:
    for node in root.walk():
        compatible = _strings(node.props.get("compatible"))
        if any(c.startswith("arm,psci") for c in compatible) and _enabled(node):
            return Psci(method=_string(node, "method") or "smc", compatible=compatible)
    return None


def _timer(root: _Node, gic: _Node, version: int, phandles: dict[int, _Node]) -> Timer | None:
    for node in root.walk():
        if any(c in TIMER_COMPATIBLES for c in _strings(node.props.get("compatible"))):
            ids = _intids(node, gic, version, phandles)
            if len(ids) >= 4:
                return Timer(secure_phys=ids[0], nonsecure_phys=ids[1], virt=ids[2], hyp=ids[3])
    return None


def _is_memory(node: _Node) -> bool:
    return _string(node, "device_type") == "memory"


def _ram(root: _Node) -> tuple[Reg, ...]:
    banks: list[Reg] = []
    for node in root.walk():
        if _is_memory(node) and _enabled(node):
            banks.extend(r for r in (_regs(node) or ()) if r.size)
    return tuple(sorted(banks, key=lambda r: r.base))


def _reserved_memory(root: _Node) -> tuple[Reg, ...]:
    """Static regions under /reserved-memory (a `reg`, enabled). Dynamic pools (`size` and
    `alloc-ranges` only, such as Linux's CMA) reserve nothing until an OS allocates them."""
    node = _child(root, "reserved-memory")
    if node is None:
        return ()
    return tuple(r for child in node.children if _enabled(child)
                 for r in (_regs(child) or ()) if r.size)


def _path_table(node: _Node | None) -> dict[str, str]:
    """`__symbols__` / `aliases`: property name -> node path."""
    if node is None:
        return {}
    return {name: _strings(raw)[0] for name, raw in node.props.items()
            if raw and name not in ("phandle", "linux,phandle", "name")}


def _devices(root: _Node, gic: _Node, version: int, phandles: dict[int, _Node],
             labels: dict[str, str]) -> dict[str, DtDevice]:
    """Every node with `reg` except RAM and reserved memory; regs () if not memory-mapped."""
    by_path: dict[str, list[str]] = {}
    for label, target in labels.items():
        by_path.setdefault(target, []).append(label)
    devices = {}
    for node in root.walk():
        if "reg" not in node.props or node.parent is None or _is_memory(node):
            continue
        if node.path.startswith("/reserved-memory/"):
            continue
        devices[node.path] = DtDevice(
            path=node.path,
            labels=tuple(by_path.get(node.path, ())),
            compatible=_strings(node.props.get("compatible")),
            regs=_regs(node) or (),
            intids=_intids(node, gic, version, phandles),
            enabled=_enabled(node),
            bus_master=bus_master_reason(node.props.keys(),
                                         _strings(node.props.get("compatible")),
                                         _string(node, "device_type")),
        )
    return devices


# Devices that master the bus or inject interrupts by themselves. Without an IOMMU (hvcfg has
# none) such a device, given to a partition, reads and writes any physical address: other
# partitions' memory, the hypervisor's code. Known by their DT properties (the bindings'
# way of saying "I do DMA" or "I send MSIs") or by a compatible that does DMA without saying so.
BUS_MASTER_PROPERTIES = ("dmas", "dma-coherent", "iommus", "iommu-map", "msi-parent",
                         "msi-map", "msi-controller")
BUS_MASTER_COMPATIBLES = (
    "qemu,fw-cfg-mmio",              # fw-cfg's DMA interface writes anywhere
    "virtio,mmio",                   # virtqueues live in memory the device reads and writes
    "pci-host-ecam-generic", "pci-host-cam-generic", "brcm,bcm2711-pcie",   # PCIe hosts
    "arm,gic-v2m-frame",             # an MSI frame: writes to it raise physical SPIs
    "brcm,bcm2835-dma", "brcm,bcm2711-dma", "arm,pl330", "arm,pl080", "arm,pl081",
    "brcm,bcm2835-mbox",             # the Pi's firmware mailbox takes physical buffer addresses
    "brcm,bcm2711-genet-v5", "brcm,bcm2711-emmc2", "brcm,bcm2835-sdhci", "brcm,bcm2835-sdhost",
    "snps,dwc2", "generic-xhci", "generic-ehci", "generic-ohci", "brcm,bcm2711-v3d",
)


def bus_master_reason(props: Iterable[str], compatible: tuple[str, ...],
                      device_type: str | None) -> str | None:
    """Why a device is a bus master (see BUS_MASTER_*), or None."""
    found = [f"its node has `{p}`" for p in BUS_MASTER_PROPERTIES if p in props]
    found += [f"it is `{c}`" for c in compatible if c in BUS_MASTER_COMPATIBLES]
    if device_type == "pci":
        found.append("it is a PCI host bridge")
    return "; ".join(found) or None


def _stdout_path(root: _Node, aliases: dict[str, str]) -> str | None:
    chosen = _child(root, "chosen")
    value = _string(chosen, "stdout-path") if chosen else None
    if value is None and chosen is not None:
        value = _string(chosen, "linux,stdout-path")
    if not value:
        return None
    value = value.split(":", 1)[0]
    return value if value.startswith("/") else aliases.get(value)


def _build_board(source: str, root: _Node, pos: Pos | None,
                 ram_override: tuple[Reg, ...] | None = None,
                 memreserve: tuple[Reg, ...] = ()) -> Board:
    dt_ram = _ram(root)
    ram = tuple(sorted(ram_override, key=lambda r: r.base)) if ram_override else dt_ram
    cpus = _cpus(root)
    found = _find_gic(root)
    missing = []
    if not ram:
        missing.append(error("E012", f"{source}: no memory node (device_type = \"memory\") "
                                     "with a non-empty reg", pos))
    if not cpus:
        missing.append(error("E012", f"{source}: no /cpus node with cpu@ children", pos))
    if found is None:
        missing.append(error("E012", f"{source}: no GIC interrupt controller (compatible "
                                     f"{', '.join(GIC_V2_COMPATIBLES + GIC_V3_COMPATIBLES)})", pos))
    if missing or cpus is None or found is None:
        raise ConfigError(missing)
    gic_node, version = found
    phandles = _phandles(root)
    labels = _path_table(_child(root, "__symbols__"))
    aliases = _path_table(_child(root, "aliases"))
    return Board(
        source=source,
        model=_string(root, "model") or "",
        compatible=_strings(root.props.get("compatible")),
        ram=ram,
        cpus=cpus,
        psci=_psci(root),
        gic=_gic(gic_node, version, _intids(gic_node, gic_node, version, phandles)),
        timer=_timer(root, gic_node, version, phandles),
        devices=_devices(root, gic_node, version, phandles, labels),
        labels=labels,
        aliases=aliases,
        stdout_path=_stdout_path(root, aliases),
        dt_ram=dt_ram if ram_override else None,
        reserved=tuple(sorted(memreserve + _reserved_memory(root), key=lambda r: r.base)),
    )
