# SPDX-License-Identifier: Apache-2.0
"""The system model: what a configuration means, as frozen dataclasses.

Built from the validated YAML (load) and the board model (board) by `build_system`; every
object keeps the source position of the YAML node it came from so that checks can point at it.
Nothing here is placed yet: layout turns a System into physical addresses.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass, replace
from pathlib import Path

from . import guestlib, kernelsites
from .board import Board, DtDevice, Reg
from .diagnostics import CODES, ConfigError, Diagnostic, Pos, Related, error, warning
from .load import Doc, definition
from .units import format_range, parse_size

# The health monitor's actions, from the schema (in this order, the values of HV_FAULT_* in the
# generated hvcfg_config.h). A region's permission words are perms.PERMS.
FAULT_ACTIONS: tuple[str, ...] = tuple(definition("onFault")["properties"]["action"]["enum"])


@dataclass(frozen=True)
class QemuSpec:
    """How QEMU models the board: used to dump its DTB and to run it."""

    machine: str                 # e.g. "virt,virtualization=on,gic-version=2"
    cpu: str | None
    smp: int
    memory: int                  # bytes
    serials: int                 # number of -serial options (virt shows a 2nd PL011 with 2)


@dataclass(frozen=True)
class BoardSpec:
    name: str
    dtb: Path | None             # an explicit DTB file, or None when `qemu` produces it
    qemu: QemuSpec | None        # how `hvcfg run` boots it (and the DTB source without `dtb`)
    pos: Pos
    memory: tuple[Reg, ...] | None = None   # `board.memory`: replaces the DT's RAM banks
    memory_pos: Pos | None = None
    psci: str | None = None      # `board.psci`: the firmware's PSCI conduit, when the DT lacks it


@dataclass(frozen=True)
class MemRegion:
    base: int                    # physical address
    size: int
    ipa: int                     # guest physical address (defaults to base)
    perm: str                    # one of PERMS
    pos: Pos

    @property
    def end(self) -> int:
        return self.base + self.size

    @property
    def ipa_end(self) -> int:
        return self.ipa + self.size


PAGE = 0x1000


@dataclass(frozen=True)
class DeviceRef:
    ref: str                     # as written in YAML (path, label or alias)
    device: DtDevice
    pos: Pos
    ipa: int | None = None       # `{device, ipa}`: where the guest sees its first register

    @property
    def delta(self) -> int:
        """What every register of the device moves by in the partition's IPA space: whole
        pages (its first register's page goes to `ipa`'s page), so offsets within pages and
        between registers are kept."""
        if self.ipa is None or not self.device.regs:
            return 0
        return (self.ipa & ~(PAGE - 1)) - (self.device.regs[0].base & ~(PAGE - 1))

    @property
    def guest_regs(self) -> tuple[Reg, ...]:
        """The device's registers where the partition sees them."""
        return tuple(Reg(r.base + self.delta, r.size) for r in self.device.regs)


@dataclass(frozen=True)
class CpuRef:
    index: int                   # board CPU index (position in /cpus)
    pos: Pos


@dataclass(frozen=True)
class ImageSpec:
    """A partition's code: a prebuilt binary, or C/assembly sources the compiler builds."""

    binary: Path | None          # prebuilt raw binary loaded at the first region's IPA
    sources: tuple[Path, ...]    # bare-metal sources built by the compiler's toolchain
    pos: Pos
    include_dirs: tuple[Path, ...] = ()   # `lib`: its directory, on the include path
    lib: str | None = None                # `lib`: the guest library's name (guestlib)


@dataclass(frozen=True)
class FaultPolicy:
    action: str                  # one of FAULT_ACTIONS
    limit: int                   # restarts allowed before halting (restart only)
    pos: Pos


@dataclass(frozen=True)
class VuartSpec:
    """`vuart`: a virtual PL011; None fields take the console UART's (guestdt.vuart_location)."""

    ipa: int | None
    intid: int | None
    pos: Pos


@dataclass(frozen=True)
class IvshmemSpec:
    """`ivshmem`: present the partition's channels as ivshmem PCI functions behind an emulated
    ECAM host bridge at `ecam` (None: placed by pcihost.place)."""

    ecam: int | None
    pos: Pos


@dataclass(frozen=True)
class VgicSpec:
    """`vgic`: the virtual distributor's lines (None: computed, codegen.vgic_lines) and the
    purely virtual SPIs."""

    lines: int | None
    virtual: tuple[int, ...]
    pos: Pos
    virtual_pos: tuple[Pos, ...] = ()


@dataclass(frozen=True)
class IntegritySpec:
    """`integrity`: the kernel's sealing (docs/integrity.md)."""

    kernel: str                  # "sealed" or "sealed-strict" (integrity.SEALED, STRICT)
    on_violation: str            # "block", "inject", "halt", "restart"
    pos: Pos


@dataclass(frozen=True)
class ResetPolicy:
    limit: int                   # requested restarts (PSCI SYSTEM_RESET) before halting
    pos: Pos


@dataclass(frozen=True)
class Partition:
    name: str
    pos: Pos
    cpus: tuple[CpuRef, ...]
    memory: tuple[MemRegion, ...]  # memory[0] receives the image
    devices: tuple[DeviceRef, ...]
    image: ImageSpec
    hypercalls: tuple[str, ...]
    on_fault: FaultPolicy
    on_reset: ResetPolicy
    spec_dir: Path               # directory of the partition file (sources are relative to it)
    cpus_pos: Pos | None = None  # the `cpus:` list (for E036)
    hypercalls_pos: tuple[Pos, ...] = ()   # one per hypercall (for E038)
    vuart: VuartSpec | None = None         # a virtual PL011 emulated by the hypervisor
    ivshmem: IvshmemSpec | None = None     # channels as PCI devices (pcihost.py)
    vgic: VgicSpec | None = None           # None only in hand-built test models
    bootargs: str = ""
    initrd: Path | None = None
    defines: tuple[tuple[str, str], ...] = ()  # (macro, C value) for images built from sources
    integrity: IntegritySpec | None = None

    @property
    def reset_limit(self) -> int:
        return self.on_reset.limit

    @property
    def entry_ipa(self) -> int:
        return self.memory[0].ipa


@dataclass(frozen=True)
class ChannelEnd:
    """One end of a channel: a partition (by name; checks resolve it, E066) and its access."""

    partition: str
    access: str                  # "rw" or "ro"
    ipa: int | None              # None: channels.place chooses it
    pos: Pos

    @property
    def writable(self) -> bool:
        return self.access == "rw"


@dataclass(frozen=True)
class Doorbell:
    """`SENDER->RECEIVER`: the sender rings, the receiver gets a virtual interrupt."""

    sender: str
    receiver: str
    pos: Pos


@dataclass(frozen=True)
class Channel:
    """A top-level `channels:` entry: shared memory between exactly two partitions."""

    name: str
    size: int
    ends: tuple[ChannelEnd, ...]    # exactly two in a checked system (E068)
    doorbells: tuple[Doorbell, ...]
    pos: Pos
    size_pos: Pos

    def end_of(self, partition: str) -> ChannelEnd | None:
        return next((e for e in self.ends if e.partition == partition), None)

    def rings(self) -> list[tuple[str, str]]:
        """Its valid doorbells (sender, receiver): between its two distinct ends, the first of
        each direction, in order (checks report the others: E073, E075)."""
        names = {e.partition for e in self.ends}
        out: list[tuple[str, str]] = []
        for d in self.doorbells:
            pair = (d.sender, d.receiver)
            if d.sender != d.receiver and {d.sender, d.receiver} <= names and pair not in out:
                out.append(pair)
        return out


# Calls every partition that is an end of a channel is granted, without asking (hypercalls.yaml).
CHANNEL_HYPERCALLS = ("doorbell", "channel_info")


@dataclass(frozen=True)
class HypervisorSpec:
    console: DeviceRef
    base: int | None             # None: layout places it
    size: int
    pos: Pos


@dataclass(frozen=True)
class System:
    config_path: Path
    board_spec: BoardSpec
    board: Board
    hypervisor: HypervisorSpec
    partitions: tuple[Partition, ...]
    inputs: tuple[Path, ...]     # every file read, for the generated files' provenance header
    partitions_pos: Pos | None = None   # the `partitions:` list (for E035)
    warnings: tuple[Diagnostic, ...] = ()   # found while building the model (W003)
    channels: tuple[Channel, ...] = ()

    def channels_of(self, partition: str) -> tuple[Channel, ...]:
        """The channels `partition` is an end of, in `channels:` order: its channel indices."""
        return tuple(c for c in self.channels if c.end_of(partition) is not None)


# ---------------------------------------------------------------- building a System from a Doc

def board_spec_from_doc(doc: Doc) -> BoardSpec:
    """The board's identity and DT source from a validated Doc.

    `pos` is the position of `board.devicetree.file` or `board.devicetree.qemu`, the place a
    DTB problem (E010/E011/E012) should point at. With both `file` and `qemu`, the DTB is the
    file (never dumped from QEMU) and `qemu` only says how `hvcfg run` boots the board.
    """
    board = doc.data["board"]
    dt = board["devicetree"]
    qemu = None
    if "qemu" in dt:
        q = dt["qemu"]
        qemu = QemuSpec(machine=q["machine"], cpu=q.get("cpu"), smp=q["smp"],
                        memory=parse_size(q["memory"]), serials=q["serials"])
    memory, memory_pos = None, None
    if "memory" in board:
        memory = tuple(sorted((Reg(b["base"], parse_size(b["size"])) for b in board["memory"]),
                              key=lambda r: r.base))
        memory_pos = doc.pos(("board", "memory"))
    psci = board.get("psci")
    if "file" in dt:
        where_ = ("board", "devicetree", "file")
        return BoardSpec(board["name"], doc.dir_of(where_) / dt["file"], qemu, doc.pos(where_),
                         memory, memory_pos, psci)
    return BoardSpec(board["name"], None, qemu, doc.pos(("board", "devicetree", "qemu")),
                     memory, memory_pos, psci)


def apply_board_memory(board: Board, spec: BoardSpec) -> tuple[Board, tuple[Diagnostic, ...]]:
    """`board.memory`, when given, replaces the DT's RAM banks; W003 names both when they differ.

    The DT's own banks are `board.dt_ram`, or `board.ram` when that is None (board.parse_dtb
    keeps them in dt_ram when its `ram` argument replaced them, which is how a DT with no
    usable memory node still parses).
    """
    if spec.memory is None:
        return board, ()
    dt_ram = board.dt_ram if board.dt_ram is not None else board.ram
    board = replace(board, ram=spec.memory, dt_ram=dt_ram)
    if spec.memory == dt_ram:
        return board, ()

    def show(banks: tuple[Reg, ...]) -> str:
        return ", ".join(format_range(b.base, b.size) for b in banks)

    dt = show(dt_ram) if dt_ram else "none (no memory node with a non-empty reg)"
    source = _show_path(Path(board.source).resolve())
    return board, (warning("W003", f"board.memory {show(spec.memory)} is used instead of the "
                           f"device tree's memory: {dt} ({source})", spec.memory_pos),)


def _similar_devices(board: Board, ref: str, prefer: str | None = None) -> str:
    names = sorted(board.devices) + sorted(board.labels) + sorted(board.aliases)
    close = difflib.get_close_matches(ref.lstrip("&"), names, n=4, cutoff=0.5)
    if not close and prefer:
        close = [p for p, d in sorted(board.devices.items()) if prefer in d.compatible][:4]
    if not close:
        close = [p for p, d in sorted(board.devices.items()) if d.enabled and d.regs][:4]
    return ("similar: " + ", ".join(close) + "; " if close else "") + CODES["E027"][1]


def _device(board: Board, ref: str, pos: Pos, errors: list[Diagnostic],
            prefer: str | None = None) -> DeviceRef | None:
    dev = board.find_device(ref)
    if dev is None:
        errors.append(error("E027", f"no device '{ref}' in the board's device tree "
                                    f"({board.source})", pos,
                            hint=_similar_devices(board, ref, prefer)))
        return None
    return DeviceRef(ref, dev, pos)


def _passed_through(board: Board, item: str | dict, pos: Pos, errors: list[Diagnostic]
                    ) -> DeviceRef | None:
    """A `devices` item: a name, or {device, ipa}."""
    if isinstance(item, str):
        return _device(board, item, pos, errors)
    ref = _device(board, item["device"], pos, errors)
    return replace(ref, ipa=item["ipa"]) if ref is not None else None


def _vuart(doc: Doc, at: tuple[str | int, ...], value: bool | dict) -> VuartSpec | None:
    if value is False:
        return None
    chosen = value if isinstance(value, dict) else {}
    return VuartSpec(chosen.get("ipa"), chosen.get("intid"), doc.pos(at + ("vuart",)))


def _ivshmem(doc: Doc, at: tuple[str | int, ...], value: bool | dict) -> IvshmemSpec | None:
    if value is False:
        return None
    chosen = value if isinstance(value, dict) else {}
    return IvshmemSpec(chosen.get("ecam"), doc.pos(at + ("ivshmem",)))


def _vgic(doc: Doc, at: tuple[str | int, ...], value: dict) -> VgicSpec:
    where = at + ("vgic",)
    virtual = tuple(value["virtual"])
    return VgicSpec(value.get("lines"), virtual, doc.pos(where),
                    tuple(doc.pos(where + ("virtual", j)) for j in range(len(virtual))))


def _image(doc: Doc, i: int, errors: list[Diagnostic]) -> ImageSpec:
    at = ("partitions", i, "image")
    img = doc.data["partitions"][i]["image"]
    base = doc.dir_of(at)
    files: list[tuple[Path, tuple[str | int, ...]]] = []
    if "binary" in img:
        files.append((base / img["binary"], at + ("binary",)))
    for j, src in enumerate(img.get("sources", ())):
        files.append((base / src, at + ("sources", j)))
    for path, p in files:
        if not path.is_file():
            errors.append(error("E029", f"partition image file {_show_path(path)} does not exist",
                                doc.pos(p)))
    binary = base / img["binary"] if "binary" in img else None
    sources = tuple(base / s for s in img.get("sources", ()))
    if "lib" not in img:
        return ImageSpec(binary, sources, doc.pos(at))
    lib = guestlib.get(img["lib"])
    for j, src in enumerate(sources):
        if src.resolve() in {s.resolve() for s in lib.sources}:
            errors.append(error(
                "E096", f"{_show_path(src.resolve())} is in image.sources and in image.lib "
                f"'{lib.name}', which already builds it (a second _start or guest_printf)",
                doc.pos(at + ("sources", j)),
                related=[Related(f"image.lib: {lib.name}", doc.pos(at + ("lib",)))]))
    return ImageSpec(binary, lib.sources + sources, doc.pos(at), (lib.include_dir,), lib.name)


def _show_path(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def define_value(value: int | str | bool) -> str:
    """A `defines:` value as C text: integers in hex, booleans 1/0, strings as written."""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return f"{value:#x}" if value >= 0 else str(value)
    return value


def _partition(doc: Doc, board: Board, i: int, errors: list[Diagnostic]) -> Partition:
    at: tuple[str | int, ...] = ("partitions", i)
    e = doc.data["partitions"][i]
    memory = tuple(
        MemRegion(base=r["base"], size=parse_size(r["size"]), ipa=r.get("ipa", r["base"]),
                  perm=r["perm"], pos=doc.pos(at + ("memory", j)))
        for j, r in enumerate(e["memory"]))
    devices = tuple(d for d in (_passed_through(board, item, doc.pos(at + ("devices", j)),
                                                errors)
                                for j, item in enumerate(e["devices"])) if d)
    fault = e["on_fault"]
    on_fault = FaultPolicy(fault["action"], fault["limit"], doc.pos(at + ("on_fault",)))
    on_reset = ResetPolicy(e["on_reset"]["limit"], doc.pos(at + ("on_reset",)))
    spec_dir = doc.includes[i].resolve().parent if i in doc.includes else doc.dir_of(())
    calls = e["hypercalls"]
    return Partition(
        name=e["name"], pos=doc.pos(at),
        cpus=tuple(CpuRef(c, doc.pos(at + ("cpus", j))) for j, c in enumerate(e["cpus"])),
        memory=memory, devices=devices, image=_image(doc, i, errors),
        hypercalls=tuple(calls), on_fault=on_fault, on_reset=on_reset, spec_dir=spec_dir,
        cpus_pos=doc.pos(at + ("cpus",)),
        hypercalls_pos=tuple(doc.pos(at + ("hypercalls", j)) for j in range(len(calls))),
        defines=tuple((k, define_value(v)) for k, v in e["defines"].items()),
        vuart=_vuart(doc, at, e["vuart"]), vgic=_vgic(doc, at, e["vgic"]),
        ivshmem=_ivshmem(doc, at, e["ivshmem"]),
        bootargs=e["bootargs"],
        initrd=_initrd(doc, i, errors),
        integrity=_integrity(doc, at, e.get("integrity")))


def kernel_layout_path(image: Path) -> Path:
    """Where the kernel layout of an Image is (scripts/kernel-layout writes it; integrity.py
    reads it): next to the Image. An input of the build like the Image itself."""
    return image.with_name(image.name + ".layout.json")


def _integrity(doc: Doc, at: tuple[str | int, ...], value: dict | None) -> IntegritySpec | None:
    if value is None:
        return None
    return IntegritySpec(value["kernel"], value["on_violation"],
                         doc.pos(at + ("integrity",)))


def _initrd(doc: Doc, i: int, errors: list[Diagnostic]) -> Path | None:
    at = ("partitions", i, "initrd")
    rel: str | None = doc.data["partitions"][i].get("initrd")
    if rel is None:
        return None
    path = doc.dir_of(at) / rel
    if not path.is_file():
        errors.append(error("E029", f"initrd file {_show_path(path)} does not exist", doc.pos(at),
                            hint="run scripts/fetch-guests (make bootstrap does) or fix initrd:"))
    return path


def _channels(doc: Doc) -> tuple[Channel, ...]:
    out = []
    for i, c in enumerate(doc.data["channels"]):
        at: tuple[str | int, ...] = ("channels", i)
        ends = tuple(ChannelEnd(e["partition"], e["access"], e.get("ipa"),
                                doc.pos(at + ("ends", j)))
                     for j, e in enumerate(c["ends"]))
        bells = []
        for j, text in enumerate(c["doorbells"]):
            sender, receiver = text.split("->", 1)
            bells.append(Doorbell(sender, receiver, doc.pos(at + ("doorbells", j))))
        out.append(Channel(c["name"], parse_size(c["size"]), ends, tuple(bells), doc.pos(at),
                           doc.pos(at + ("size",))))
    return tuple(out)


def _grant_channel_calls(partitions: tuple[Partition, ...], channels: tuple[Channel, ...]
                         ) -> tuple[Partition, ...]:
    """An end of a channel is granted the channel calls implicitly (docs/hypercalls.md)."""
    ends = {e.partition for c in channels for e in c.ends}
    return tuple(replace(p, hypercalls=p.hypercalls + tuple(
        h for h in CHANNEL_HYPERCALLS if h not in p.hypercalls)) if p.name in ends else p
        for p in partitions)


def build_system(doc: Doc, board: Board, board_spec: BoardSpec) -> System:
    """The System a validated Doc describes on `board`; ConfigError for E027, E029, E041."""
    errors: list[Diagnostic] = []
    board, notes = apply_board_memory(board, board_spec)
    hyp = doc.data["hypervisor"]
    cpos = doc.pos(("hypervisor", "console"))
    console = _device(board, hyp["console"], cpos, errors, prefer="arm,pl011")
    if console is not None and ("arm,pl011" not in console.device.compatible
                                or not console.device.regs):
        uarts = [p for p, d in sorted(board.devices.items()) if "arm,pl011" in d.compatible]
        errors.append(error(
            "E041", f"hypervisor.console '{console.ref}' is {console.device.path} "
            f"(compatible {', '.join(console.device.compatible) or 'none'}), not a PL011 UART",
            cpos, hint=(f"PL011 UARTs on this board: {', '.join(uarts)}; " if uarts else "")
            + CODES["E041"][1]))
    partitions = tuple(_partition(doc, board, i, errors)
                       for i in range(len(doc.data["partitions"])))
    if errors or console is None:
        raise ConfigError(errors)
    mem = hyp["memory"]
    hypervisor = HypervisorSpec(console, mem.get("base"), parse_size(mem["size"]),
                                doc.pos(("hypervisor", "memory")))
    channels = _channels(doc)
    partitions = _grant_channel_calls(partitions, channels)
    images = [p for part in partitions for p in
              ((part.image.binary,) if part.image.binary else part.image.sources)]
    layouts = [path for part in partitions
               if part.integrity is not None and part.image.binary is not None
               for path in (kernel_layout_path(part.image.binary),
                            kernelsites.sites_path(part.image.binary))]
    inputs = tuple(dict.fromkeys([*doc.files, Path(board.source), *images, *layouts]))
    return System(config_path=doc.path, board_spec=board_spec, board=board,
                  hypervisor=hypervisor, partitions=partitions, inputs=inputs,
                  partitions_pos=doc.pos(("partitions",)), warnings=notes,
                  channels=channels)
