# SPDX-License-Identifier: Apache-2.0
"""Guest device trees: each partition's DTB, derived from the board DT and the System model.

A guest sees exactly what it was given (docs/guest-devicetree.md): its vCPUs numbered from 0,
PSCI through HVC, its RAM at its IPAs, the virtual GIC, the architected timer, its own devices
copied from the board DT (with the fixed clocks they reference) and /chosen. Nothing else of
the board DT ever appears. The blob is written by a small FDT serializer below (pyfdt's writer
wants typed properties and would re-guess raw bytes); pyfdt parses it back like any board DTB.
Output is deterministic: the same System, partition and board DTB give the same bytes.
"""
from __future__ import annotations

import re
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .board import Reg, _cells, _DtError, _Node, _parse_tree, _strings
from .model import Partition, System

if TYPE_CHECKING:           # channels imports this module; the views are only passed in
    from .channels import EndView

GIC_PHANDLE = 1
GICV2_COMPATIBLE = ("arm,cortex-a15-gic", "arm,gic-400")
GICD_SIZE = 0x1000               # the GICv2 distributor register map
GICC_SIZE = 0x2000               # the guest's CPU interface (mapped onto GICV)
PSCI_COMPATIBLE = ("arm,psci-1.0", "arm,psci-0.2", "arm,psci")
PL011_COMPATIBLE = "arm,pl011"
PPI_CPU_MASK = 0xFF00            # bits [15:8] of a GIC PPI specifier's flags cell

# Properties never copied from a board device: they name other nodes by phandle (which the
# guest does not have), describe children (which are not copied), or are rewritten here.
_DROPPED = frozenset({
    "phandle", "linux,phandle", "reg", "interrupts", "interrupts-extended", "interrupt-parent",
    "interrupt-map", "interrupt-map-mask", "clocks", "clock-names", "assigned-clocks",
    "assigned-clock-parents", "assigned-clock-rates", "resets", "reset-names", "dmas",
    "dma-names", "phys", "phy-names", "phy-handle", "power-domains", "power-domain-names",
    "pinctrl-names", "gpios", "iommus", "iommu-map", "iommu-map-mask", "msi-parent", "msi-map",
    "msi-map-mask", "memory-region", "memory-region-names", "nvmem-cells", "nvmem-cell-names",
    "mboxes", "mbox-names", "sram", "syscon", "interconnects", "interconnect-names",
    "operating-points-v2", "thermal-sensors", "cooling-device", "remote-endpoint", "cpu", "cpus",
    "next-level-cache", "ranges", "dma-ranges", "#address-cells", "#size-cells",
})
_DROPPED_PATTERN = re.compile(r"^(pinctrl-\d+|.*-gpios?|.*-supply|.*-syscon|.*,.*-handle)$")


# -------------------------------------------------------------------------- output tree + FDT

@dataclass
class DtNode:
    """A node of the tree being generated: properties keep their order and raw bytes."""

    name: str
    props: list[tuple[str, bytes]] = field(default_factory=list)
    children: list[DtNode] = field(default_factory=list)


def _u32s(*values: int) -> bytes:
    return struct.pack(f">{len(values)}I", *values)


def _u64s(*values: int) -> bytes:
    return b"".join(struct.pack(">Q", v) for v in values)


def _strs(*values: str) -> bytes:
    return b"".join(v.encode() + b"\0" for v in values)


def _regs(regs: tuple[Reg, ...] | list[Reg]) -> bytes:
    """`reg` in the guest root's 2 address + 2 size cells."""
    return _u64s(*(v for r in regs for v in (r.base, r.size)))


def serialize(root: DtNode) -> bytes:
    """A version 17 flattened device tree: header, empty reservation map, structure, strings."""
    struct_blk, strings = bytearray(), bytearray()
    offsets: dict[str, int] = {}

    def emit(node: DtNode) -> None:
        name = node.name.encode() + b"\0"
        struct_blk.extend(_u32s(1) + name + b"\0" * (-len(name) % 4))
        for prop, value in node.props:
            if prop not in offsets:
                offsets[prop] = len(strings)
                strings.extend(prop.encode() + b"\0")
            struct_blk.extend(_u32s(3, len(value), offsets[prop]) + value
                              + b"\0" * (-len(value) % 4))
        for child in node.children:
            emit(child)
        struct_blk.extend(_u32s(2))

    emit(root)
    struct_blk.extend(_u32s(9))
    header_size, rsvmap = 40, bytes(16)
    off_struct = header_size + len(rsvmap)
    off_strings = off_struct + len(struct_blk)
    total = off_strings + len(strings)
    header = _u32s(0xD00DFEED, total, off_struct, off_strings, header_size, 17, 16, 0,
                   len(strings), len(struct_blk))
    return header + rsvmap + bytes(struct_blk) + bytes(strings)


# -------------------------------------------------------------------------- reading the board DT

def _by_path(root: _Node) -> dict[str, _Node]:
    return {n.path: n for n in root.walk()}


def _phandle_table(root: _Node) -> dict[int, _Node]:
    table = {}
    for node in root.walk():
        for name in ("phandle", "linux,phandle"):
            raw = node.props.get(name)
            if raw and len(raw) == 4:
                table[struct.unpack(">I", raw)[0]] = node
    return table


def _interrupt_parent(node: _Node, phandles: dict[int, _Node]) -> _Node | None:
    at: _Node | None = node
    while at is not None:
        raw = at.props.get("interrupt-parent")
        if raw is not None:
            return phandles.get(_cells(raw)[0]) if len(raw) == 4 else None
        at = at.parent
    return None


def _gic_specifiers(node: _Node, gic: _Node, phandles: dict[int, _Node]) -> tuple[int, ...]:
    """The node's GIC interrupt specifiers (3 cells each), as written in the board DT.

    `interrupts` counts only when the interrupt parent is the GIC; from `interrupts-extended`
    only the entries addressed to the GIC are kept. Others go to controllers the guest lacks.
    """
    if "interrupts-extended" in node.props:
        cells, i = _cells(node.props["interrupts-extended"]), 0
        out: list[int] = []
        while i < len(cells):
            target = phandles.get(cells[i])
            if target is None or "#interrupt-cells" not in target.props:
                break
            n = _cells(target.props["#interrupt-cells"])[0]
            if target is gic:
                out.extend(cells[i + 1:i + 1 + n])
            i += 1 + n
        return tuple(out)
    if "interrupts" in node.props and _interrupt_parent(node, phandles) is gic:
        cells = _cells(node.props["interrupts"])
        return cells[:len(cells) - len(cells) % 3]
    return ()


def _is_pure_description(node: _Node, phandles: dict[int, _Node], seen: frozenset[int]) -> bool:
    """A clock provider the guest may get: no MMIO of its own, parents likewise."""
    if "reg" in node.props or "#clock-cells" not in node.props:
        return False
    refs = _clock_refs(node, phandles)
    return refs is not None and all(
        ph not in seen and _is_pure_description(phandles[ph], phandles, seen | {ph})
        for ph, _ in refs)


def _clock_refs(node: _Node,
                phandles: dict[int, _Node]) -> list[tuple[int, tuple[int, ...]]] | None:
    """`clocks` as (provider phandle, specifier) pairs; None if it cannot be decoded."""
    raw = node.props.get("clocks")
    if raw is None:
        return []
    cells, out, i = _cells(raw), [], 0
    while i < len(cells):
        provider = phandles.get(cells[i])
        if provider is None or "#clock-cells" not in provider.props:
            return None
        n = _cells(provider.props["#clock-cells"])[0]
        out.append((cells[i], tuple(cells[i + 1:i + 1 + n])))
        i += 1 + n
    return out


# -------------------------------------------------------------------------- building the guest DT

@dataclass
class _Builder:
    """Collects the clock nodes the partition's devices reference, renumbering phandles."""

    phandles: dict[int, _Node]
    names: set[str]
    clocks: list[DtNode] = field(default_factory=list)
    renumbered: dict[int, int] = field(default_factory=dict)   # board phandle -> guest phandle

    def clock_props(self, node: _Node) -> list[tuple[str, bytes]]:
        """`clocks` (renumbered) and `clock-names`, or nothing if a clock cannot be given."""
        refs = _clock_refs(node, self.phandles)
        if not refs or not all(_is_pure_description(self.phandles[ph], self.phandles,
                                                    frozenset({ph})) for ph, _ in refs):
            return []
        cells = [c for ph, spec in refs for c in (self.clock(ph), *spec)]
        props = [("clocks", _u32s(*cells))]
        if "clock-names" in node.props:
            props.append(("clock-names", node.props["clock-names"]))
        return props

    def clock(self, board_phandle: int) -> int:
        if board_phandle not in self.renumbered:
            source = self.phandles[board_phandle]
            guest = GIC_PHANDLE + 1 + len(self.renumbered)
            self.renumbered[board_phandle] = guest
            props = [(k, v) for k, v in source.props.items() if not _dropped(k)]
            props += self.clock_props(source)
            props.append(("phandle", _u32s(guest)))
            self.clocks.append(DtNode(self.unique(source.name), props))
        return self.renumbered[board_phandle]

    def unique(self, name: str) -> str:
        base, n = name, 1
        while name in self.names:
            name, n = f"{base}-{n}", n + 1
        self.names.add(name)
        return name


def _dropped(name: str) -> bool:
    return name in _DROPPED or bool(_DROPPED_PATTERN.match(name))


def _node_name(name: str, regs: tuple[Reg, ...]) -> str:
    """A board node's name with its unit address rewritten to the guest (= CPU) address."""
    base = name.split("@", 1)[0]
    return f"{base}@{regs[0].base:x}" if regs else base


def _vcpu_mask(spec: tuple[int, ...], vcpus: int) -> tuple[int, ...]:
    """PPI specifiers name the CPUs they reach in flags bits [15:8]: the partition's vCPUs."""
    out = list(spec)
    for i in range(0, len(out) - 2, 3):
        if out[i] == 1 and out[i + 2] & PPI_CPU_MASK:
            out[i + 2] = (out[i + 2] & ~PPI_CPU_MASK) | (((1 << min(vcpus, 8)) - 1) << 8)
    return tuple(out)


def _timer_node(root: _Node, gic: _Node, phandles: dict[int, _Node], vcpus: int) -> DtNode:
    board_timer = next((n for n in root.walk() if {"arm,armv8-timer", "arm,armv7-timer"}
                        & set(_strings(n.props.get("compatible")))), None)
    spec: tuple[int, ...] = ()
    if board_timer is not None:
        spec = _gic_specifiers(board_timer, gic, phandles)
    if len(spec) < 12:           # no usable board node: the architected PPIs, level-low
        spec = (1, 13, 0xF08, 1, 14, 0xF08, 1, 11, 0xF08, 1, 10, 0xF08)
    props = [("compatible", _strs("arm,armv8-timer")),
             ("interrupts", _u32s(*_vcpu_mask(spec[:12], vcpus)))]
    for name in ("always-on", "clock-frequency"):
        if board_timer is not None and name in board_timer.props:
            props.append((name, board_timer.props[name]))
    return DtNode("timer", props)


def _cpus_node(system: System, partition: Partition, by_path: dict[str, _Node]) -> DtNode:
    cpus = DtNode("cpus", [("#address-cells", _u32s(1)), ("#size-cells", _u32s(0))])
    for n, ref in enumerate(partition.cpus):
        # The compatible of the physical CPU the vCPU runs on: what MIDR_EL1 tells the guest.
        phys = by_path[system.board.cpus[ref.index].path]
        compatible = phys.props.get("compatible") or by_path[system.board.cpus[0].path].props.get(
            "compatible", _strs("arm,armv8"))
        cpus.children.append(DtNode(f"cpu@{n:x}", [
            ("device_type", _strs("cpu")), ("compatible", compatible),
            ("reg", _u32s(n)), ("enable-method", _strs("psci"))]))
    return cpus


def _gic_node(system: System) -> DtNode:
    gic = system.board.gic
    if gic.gicc is None:
        raise RuntimeError("a checked board has no GICv2 CPU interface (E012 missed)")
    return DtNode(f"interrupt-controller@{gic.gicd.base:x}", [
        ("compatible", _strs(*GICV2_COMPATIBLE)),
        ("#interrupt-cells", _u32s(3)),
        ("#address-cells", _u32s(0)),
        ("interrupt-controller", b""),
        ("reg", _regs([Reg(gic.gicd.base, GICD_SIZE), Reg(gic.gicc.base, GICC_SIZE)])),
        ("phandle", _u32s(GIC_PHANDLE)),
    ])


def _device_node(name: str, node: _Node, regs: tuple[Reg, ...], vcpus: int, gic: _Node,
                 builder: _Builder) -> DtNode:
    """A passed-through device: reg where the partition sees it (its IPA), GIC interrupts
    (the hardware INTIDs: the virtual GIC forwards them 1:1), clocks."""
    props: list[tuple[str, bytes]] = [(k, v) for k, v in node.props.items() if not _dropped(k)]
    if regs:
        props.append(("reg", _regs(regs)))
    spec = _gic_specifiers(node, gic, builder.phandles)
    if spec:
        props.append(("interrupts", _u32s(*_vcpu_mask(spec, vcpus))))
    props += builder.clock_props(node)
    return DtNode(name, props)


VUART_CLOCK_HZ = 24_000_000     # what the emulated PL011 claims to run at (any value works)


def vuart_location(system: System, partition: Partition) -> tuple[int, int]:
    """(IPA, INTID) of a partition's virtual UART: `vuart: {ipa, intid}` where given, else
    where the board's console UART is (its page, its interrupt), so that a guest finds its
    console where it would on the bare board."""
    dev = system.hypervisor.console.device
    chosen = partition.vuart
    ipa = chosen.ipa if chosen is not None and chosen.ipa is not None else dev.regs[0].base
    intid = chosen.intid if chosen is not None and chosen.intid is not None else \
        (dev.intids[0] if dev.intids else 0)
    return ipa, intid


def _vuart_nodes(system: System, partition: Partition, builder: _Builder) -> list[DtNode]:
    """The virtual PL011 and the fixed clock Linux's amba-pl011 driver insists on."""
    ipa, intid = vuart_location(system, partition)
    clock_phandle = GIC_PHANDLE + 1 + len(builder.renumbered) + 100
    clock = DtNode(builder.unique("vuart-clk"), [
        ("compatible", _strs("fixed-clock")), ("#clock-cells", _u32s(0)),
        ("clock-frequency", _u32s(VUART_CLOCK_HZ)), ("clock-output-names", _strs("vuart-clk")),
        ("phandle", _u32s(clock_phandle))])
    uart = DtNode(builder.unique(f"pl011@{ipa:x}"), [
        ("compatible", _strs(PL011_COMPATIBLE, "arm,primecell")),
        ("reg", _regs([Reg(ipa, 0x1000)])),
        ("interrupts", _u32s(0, intid - 32, 4)),
        ("clocks", _u32s(clock_phandle, clock_phandle)),
        ("clock-names", _strs("uartclk", "apb_pclk"))])
    return [uart, clock]


VIRTUAL_INTERRUPTS = "hvcfg-virtual-interrupts"
VIRTUAL_INTERRUPTS_COMPATIBLE = "hvcfg,virtual-interrupts"


def _virtual_interrupts_node(intids: tuple[int, ...]) -> DtNode:
    """`vgic.virtual`: SPIs with no device behind, edge-triggered, in the order configured
    (docs/guest-devicetree.md)."""
    spec = [v for i in intids for v in (0, i - 32, 1)]
    return DtNode(VIRTUAL_INTERRUPTS, [("compatible", _strs(VIRTUAL_INTERRUPTS_COMPATIBLE)),
                                       ("interrupts", _u32s(*spec))])


CHANNEL_COMPATIBLE = "hvcfg,channel"


def _channel_node(e: EndView) -> DtNode:
    """One channel as this end sees it (docs/guest-devicetree.md, "Channels"): not `memory`,
    so that no guest takes it for RAM."""
    props = [("compatible", _strs(CHANNEL_COMPATIBLE)), ("reg", _regs([Reg(e.ipa, e.size)])),
             ("label", _strs(e.name)), ("hvcfg,index", _u32s(e.index)),
             ("hvcfg,end", _u32s(e.position)), ("hvcfg,peer", _strs(e.peer))]
    if not e.writable:
        props.append(("read-only", b""))
    if e.ring_intid:
        props.append(("hvcfg,can-ring", b""))
    if e.doorbell_intid:
        props.append(("interrupts", _u32s(0, e.doorbell_intid - 32, 1)))
    return DtNode(f"channel@{e.ipa:x}", props)


def guest_tree(system: System, partition: Partition, board_root: _Node, *, bootargs: str = "",
               initrd: tuple[int, int] | None = None,
               channels: tuple[EndView, ...] = ()) -> DtNode:
    """The partition's device tree as a DtNode (see guest_dtb)."""
    by_path = _by_path(board_root)
    phandles = _phandle_table(board_root)
    gic = by_path[system.board.gic.path]
    vcpus = len(partition.cpus)
    board = system.board
    model = f"hvcfg partition {partition.name} on {board.model or system.board_spec.name}"
    root = DtNode("", [
        ("#address-cells", _u32s(2)), ("#size-cells", _u32s(2)),
        ("compatible", _strs("hvcfg,partition", *board.compatible)),
        ("model", _strs(model)),
        ("interrupt-parent", _u32s(GIC_PHANDLE)),
    ])
    root.children.append(_cpus_node(system, partition, by_path))
    root.children.append(DtNode("psci", [("compatible", _strs(*PSCI_COMPATIBLE)),
                                         ("method", _strs("hvc"))]))
    for region in sorted(partition.memory, key=lambda r: r.ipa):
        root.children.append(DtNode(f"memory@{region.ipa:x}", [
            ("device_type", _strs("memory")), ("reg", _regs([Reg(region.ipa, region.size)]))]))
    root.children.append(_gic_node(system))
    root.children.append(_timer_node(board_root, gic, phandles, vcpus))

    builder = _Builder(phandles, {c.name for c in root.children} | {"chosen", "aliases"})
    devices = sorted(partition.devices, key=lambda d: (d.guest_regs[0].base if d.guest_regs
                                                       else -1, d.device.path))
    guest_names = {d.device.path: builder.unique(_node_name(by_path[d.device.path].name,
                                                            d.guest_regs)) for d in devices}
    for d in devices:
        root.children.append(_device_node(guest_names[d.device.path], by_path[d.device.path],
                                          d.guest_regs, vcpus, gic, builder))
    stdout = next((f"/{guest_names[ref.device.path]}" for ref in partition.devices  # YAML order
                   if PL011_COMPATIBLE in ref.device.compatible), None)
    root.children.extend(builder.clocks)
    if partition.vgic is not None and partition.vgic.virtual:
        root.children.append(_virtual_interrupts_node(partition.vgic.virtual))
    if partition.vuart:
        vuart = _vuart_nodes(system, partition, builder)
        root.children.extend(vuart)
        stdout = f"/{vuart[0].name}"            # the virtual UART is the console
    root.children.extend(_channel_node(e) for e in channels)

    chosen = DtNode("chosen")
    if stdout:
        chosen.props.append(("stdout-path", _strs(stdout)))
        root.children.append(DtNode("aliases", [("serial0", _strs(stdout))]))
    if bootargs:
        chosen.props.append(("bootargs", _strs(bootargs)))
    if initrd is not None:
        start, end = initrd
        chosen.props += [("linux,initrd-start", _u64s(start)), ("linux,initrd-end", _u64s(end))]
    root.children.append(chosen)
    return root


class GuestTreeError(Exception):
    """The board DTB cannot be read the way a guest tree needs (rules.py: E011)."""


def board_tree(board_dtb: Path) -> _Node:
    """The board DTB as the tree guest trees are cut from: read once per configuration, not once
    per partition."""
    try:
        return _parse_tree(Path(board_dtb).read_bytes())
    except (_DtError, OSError) as exc:
        raise GuestTreeError(f"{board_dtb}: {exc}") from None


def guest_dtb(system: System, partition: Partition, board_root: _Node, *, bootargs: str = "",
              initrd: tuple[int, int] | None = None,
              channels: tuple[EndView, ...] = ()) -> bytes:
    """The partition's flattened device tree, cut from the board's tree (board_tree) it was
    analysed with.

    `initrd` is (start IPA, end IPA) of an initial ramdisk in the partition's RAM;
    `channels` its channel table (channels.ends).
    """
    try:
        tree = guest_tree(system, partition, board_root, bootargs=bootargs, initrd=initrd,
                          channels=channels)
    except _DtError as exc:
        raise GuestTreeError(f"{system.board.source}: {exc}") from None
    return serialize(tree)
