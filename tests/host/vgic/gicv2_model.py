# SPDX-License-Identifier: Apache-2.0
"""A GICv2 distributor as the GIC Architecture Specification (v2, IHI 0048B, chapter 4) defines
its programmers' model, for the reference test of the hypervisor's emulation
(tests/test_vgic_model.py). Only what software can observe through the distributor registers,
with no CPU interface consuming interrupts. Written from the specification's register
descriptions; where the specification leaves a choice to the implementation, `Choices` says
what hvcfg's virtual GIC implements (docs/architecture.md, "Interrupts")."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

REFUSED = None                  # an access the register does not support (a fault at EL2)


@dataclass(frozen=True)
class Choices:
    """IMPLEMENTATION DEFINED aspects."""
    priority_mask: int = 0xF8   # 5 priority bits: what a GICH_LR carries
    sgis_always_enabled: bool = True            # as GIC-400: ICENABLER0[15:0] WI, read 1
    ppi_config: int = 0x00000000                # GICD_ICFGR1: PPIs level, read-only
    spi_target_reset: int = 0x01                # SPI targets start at CPU interface 0
    iidr: int = 0x0200143B                      # GIC-400, implementer Arm
    # GICD_PIDR4-7, PIDR0-3, CIDR0-3 at 0xFD0..0xFFC: a GIC-400 (ICPIDR2[7:4] = 2: GICv2)
    ids: tuple[int, ...] = (0x04, 0, 0, 0, 0x90, 0xB4, 0x2B, 0, 0x0D, 0xF0, 0x05, 0xB1)


@dataclass
class Cpu:
    """Banked state of one CPU interface: SGIs 0-15 and PPIs 16-31."""
    enabled: set[int] = field(default_factory=set)
    pending: set[int] = field(default_factory=set)          # PPIs
    active: set[int] = field(default_factory=set)
    priority: dict[int, int] = field(default_factory=dict)
    sgi_sources: dict[int, set[int]] = field(default_factory=dict)


@dataclass
class Distributor:
    ncpus: int
    lines: int                  # 32 * (ITLinesNumber + 1)
    choices: Choices = Choices()
    ctlr: int = 0
    cpus: list[Cpu] = field(default_factory=list)
    enabled: set[int] = field(default_factory=set)          # SPIs
    pending: set[int] = field(default_factory=set)
    active: set[int] = field(default_factory=set)
    priority: dict[int, int] = field(default_factory=dict)
    target: dict[int, int] = field(default_factory=dict)
    edge: set[int] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.cpus = [Cpu() for _ in range(self.ncpus)]
        for c in self.cpus:
            if self.choices.sgis_always_enabled:
                c.enabled |= set(range(16))
        for i in range(32, self.lines):
            self.target[i] = self.choices.spi_target_reset

    # ---- per-interrupt state ---------------------------------------------------------------

    def implemented(self, intid: int) -> bool:
        return intid < min(self.lines, 1020)

    def _enabled(self, cpu: int, i: int) -> bool:
        return i in (self.cpus[cpu].enabled if i < 32 else self.enabled)

    def _pending(self, cpu: int, i: int) -> bool:
        if i < 16:
            return bool(self.cpus[cpu].sgi_sources.get(i))
        return i in (self.cpus[cpu].pending if i < 32 else self.pending)

    def _active(self, cpu: int, i: int) -> bool:
        return i in (self.cpus[cpu].active if i < 32 else self.active)

    def _set(self, cpu: int, kind: str, i: int, on: bool) -> None:
        banked = i < 32
        store: set[int] = getattr(self.cpus[cpu] if banked else self, kind)
        if on:
            store.add(i)
        else:
            store.discard(i)

    def _cpu_mask(self) -> int:
        return (1 << self.ncpus) - 1

    # ---- registers ---------------------------------------------------------------------------

    def read(self, cpu: int, off: int, size: int) -> int | None:
        if not self._size_ok(off, size):
            return REFUSED
        word = off & ~3
        value = self._read_word(cpu, word)
        shift = 8 * (off & 3)
        return (value >> shift) & ((1 << (8 * size)) - 1)

    def write(self, cpu: int, off: int, size: int, value: int) -> bool:
        if not self._size_ok(off, size):
            return False
        value &= (1 << (8 * size)) - 1
        if size == 4:
            self._write_word(cpu, off, value)
        else:                   # byte-accessible registers: one field per byte
            self._write_byte(cpu, off, value)
        return True

    @staticmethod
    def _byte_accessible(off: int) -> bool:
        return 0x400 <= off < 0xC00 or 0xF10 <= off < 0xF30

    def _size_ok(self, off: int, size: int) -> bool:
        if off % size:
            return False
        return size == 4 or (size == 1 and self._byte_accessible(off))

    def _bits(self, cpu: int, off: int, base: int, test: Callable[[int, int], bool]) -> int:
        first = (off - base) * 8
        return sum(1 << b for b in range(32)
                   if self.implemented(first + b) and test(cpu, first + b))

    def _read_word(self, cpu: int, off: int) -> int:
        if off == 0x000:
            return self.ctlr
        if off == 0x004:
            return (self.lines // 32 - 1) | ((self.ncpus - 1) << 5)  # SecurityExtn 0
        if off == 0x008:
            return self.choices.iidr
        if 0x100 <= off < 0x200:
            return self._bits(cpu, off, 0x100 if off < 0x180 else 0x180, self._enabled)
        if 0x200 <= off < 0x300:
            return self._bits(cpu, off, 0x200 if off < 0x280 else 0x280, self._pending)
        if 0x300 <= off < 0x400:
            return self._bits(cpu, off, 0x300 if off < 0x380 else 0x380, self._active)
        if 0x400 <= off < 0x800:
            return self._bytes(off, 0x400, lambda i: self._priority(cpu, i))
        if 0x800 <= off < 0xC00:
            return self._bytes(off, 0x800, lambda i: self._target(cpu, i))
        if 0xC00 <= off < 0xD00:
            n = (off - 0xC00) // 4
            if n == 0:
                return 0xAAAAAAAA                       # SGIs: edge-triggered, read-only
            if n == 1:
                return self.choices.ppi_config
            return sum(2 << (2 * f) for f in range(16)
                       if self.implemented(16 * n + f) and 16 * n + f in self.edge)
        if 0xF10 <= off < 0xF30:
            base = 0xF10 if off < 0xF20 else 0xF20
            return self._bytes(off, base, lambda s: sum(
                1 << src for src in self.cpus[cpu].sgi_sources.get(s, set())), limit=False)
        if 0xFD0 <= off < 0x1000:
            return self.choices.ids[(off - 0xFD0) // 4]
        return 0                                        # SGIR (write-only), reserved: RAZ

    def _bytes(self, off: int, base: int, get: Callable[[int], int], limit: bool = True) -> int:
        first = off - base
        return sum(get(first + b) << (8 * b) for b in range(4)
                   if not limit or self.implemented(first + b))

    def _priority(self, cpu: int, i: int) -> int:
        return (self.cpus[cpu].priority if i < 32 else self.priority).get(i, 0)

    def _target(self, cpu: int, i: int) -> int:
        if self.ncpus == 1:
            return 0                    # uniprocessor: GICD_ITARGETSR RAZ/WI
        if i < 32:
            return 1 << cpu             # SGIs, PPIs: the reading CPU's own interface
        return self.target[i]

    def _write_word(self, cpu: int, off: int, v: int) -> None:
        if 0x400 <= off < 0xC00 or 0xF10 <= off < 0xF30:
            for b in range(4):
                self._write_byte(cpu, off + b, (v >> (8 * b)) & 0xFF)
            return
        if off == 0x000:
            self.ctlr = v & 1           # EnableGrp0 (no Group 1 without grouping)
        elif 0x100 <= off < 0x400:
            base = off & ~0x7F
            kind = {0x100: "enabled", 0x180: "enabled", 0x200: "pending", 0x280: "pending",
                    0x300: "active", 0x380: "active"}[base]
            setting = base in (0x100, 0x200, 0x300)
            first = (off - base) * 8
            for b in range(32):
                i = first + b
                if not (v >> b) & 1 or not self.implemented(i):
                    continue
                if kind == "pending" and i < 16:
                    continue            # SGI pending only through SGIR / S/CPENDSGIR
                if kind == "enabled" and i < 16 and not setting and \
                        self.choices.sgis_always_enabled:
                    continue
                self._set(cpu, kind, i, setting)
        elif 0xC00 <= off < 0xD00:
            n = (off - 0xC00) // 4
            if n >= 2:
                for f in range(16):
                    i = 16 * n + f
                    if self.implemented(i):
                        if (v >> (2 * f + 1)) & 1:
                            self.edge.add(i)
                        else:
                            self.edge.discard(i)
        elif off == 0xF00:
            self._sgir(cpu, v)
        # everything else: read-only or reserved, writes ignored

    def _write_byte(self, cpu: int, off: int, v: int) -> None:
        if 0x400 <= off < 0x800:
            i = off - 0x400
            if self.implemented(i):
                (self.cpus[cpu].priority if i < 32 else self.priority)[i] = \
                    v & self.choices.priority_mask
        elif 0x800 <= off < 0xC00:
            i = off - 0x800
            if self.ncpus > 1 and i >= 32 and self.implemented(i):
                self.target[i] = v & self._cpu_mask()   # bits of absent interfaces RAZ/WI
        elif 0xF10 <= off < 0xF30:
            sgi = (off - 0xF10) % 16
            sources = self.cpus[cpu].sgi_sources.setdefault(sgi, set())
            for src in range(self.ncpus):
                if (v >> src) & 1:
                    if off >= 0xF20:
                        sources.add(src)
                    else:
                        sources.discard(src)

    def _sgir(self, cpu: int, v: int) -> None:
        sgi, targets, flt = v & 0xF, (v >> 16) & 0xFF, (v >> 24) & 3
        if flt == 1:
            targets = self._cpu_mask() & ~(1 << cpu)
        elif flt == 2:
            targets = 1 << cpu
        elif flt == 3:
            return                      # reserved
        for t in range(self.ncpus):
            if (targets >> t) & 1:
                self.cpus[t].sgi_sources.setdefault(sgi, set()).add(cpu)


@dataclass
class System:
    """Partitions as the harness configures them: (vCPUs, lines) and the CPU slots of each."""
    parts: list[Distributor]
    slots: list[tuple[int, int]]        # slot -> (partition, vCPU)

    def read(self, slot: int, off: int, size: int) -> int | None:
        p, v = self.slots[slot]
        return self.parts[p].read(v, off, size)

    def write(self, slot: int, off: int, size: int, value: int) -> bool:
        p, v = self.slots[slot]
        return self.parts[p].write(v, off, size, value)
