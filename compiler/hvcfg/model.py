"""The system model: what a configuration means, as frozen dataclasses.

Built from the validated YAML (load) and the board model (board) by `build_system`; every
object keeps the source position of the YAML node it came from so that checks can point at it.
Nothing here is placed yet: layout turns a System into physical addresses.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .board import Board, DtDevice
from .diagnostics import Pos

PERMS = ("ro", "rw", "rx", "rwx")
FAULT_ACTIONS = ("halt", "restart", "inject")


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
    qemu: QemuSpec | None
    pos: Pos


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


@dataclass(frozen=True)
class DeviceRef:
    ref: str                     # as written in YAML (path, label or alias)
    device: DtDevice
    pos: Pos


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


@dataclass(frozen=True)
class FaultPolicy:
    action: str                  # one of FAULT_ACTIONS
    limit: int                   # restarts allowed before halting (restart only)
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
    spec_dir: Path               # directory of the partition file (sources are relative to it)

    @property
    def entry_ipa(self) -> int:
        return self.memory[0].ipa


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
