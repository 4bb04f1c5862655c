"""Board model: what the hypervisor needs to know about a board, read from its flattened DT.

Addresses here are CPU physical addresses (every `ranges` on the path applied) and interrupts
are GIC INTIDs (SPI n -> 32 + n, PPI n -> 16 + n): the conversion happens in this module only.
"""
from __future__ import annotations

from dataclasses import dataclass, field


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


@dataclass(frozen=True)
class Cpu:
    index: int                   # position in /cpus, the number YAML `cpus:` uses
    path: str
    mpidr: int                   # affinity value from `reg`
    enable_method: str           # "psci" or "spin-table"
    release_addr: int | None     # spin-table cpu-release-addr


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

    def find_device(self, ref: str) -> DtDevice | None:
        """Resolve a DT path, a label (optionally written &label) or an alias."""
        ref = ref.lstrip("&")
        path = ref if ref.startswith("/") else self.labels.get(ref) or self.aliases.get(ref)
        return self.devices.get(path) if path else None
