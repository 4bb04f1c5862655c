# SPDX-License-Identifier: Apache-2.0
"""`hvcfg surface`: every entry point a partition can reach, and the hypervisor code behind it.

For each partition: the exception-vector entries it can cause (traps), the hypercalls it is
granted, the PSCI/SMCCC functions every partition has, emulated MMIO registers, the interrupts
it owns and the shared regions it takes part in. Each entry point names its handler functions
(a static map, below, from entry point to symbols); the sizes come from the built ELF's symbol
table (pyelftools), and "reach" is the code reachable from those handlers through direct
branches found in the ELF's .text. A handler symbol missing from the ELF means the feature was
compiled out: it is reported as absent, never guessed.

Totals for the configuration: .text bytes of the whole image, bytes reachable from all
partitions' entry points, and compiled SLOC: non-blank, non-comment lines of the hyp/ sources
this configuration compiles (codegen.hyp_sources), the headers they include, and the generated
files. docs/attack-surface.md explains the model.

The entry-point tables below are data: tests/test_surface.py checks them against the C sources
(case labels of hv_psci_call and hv_trap_lower_sync) and the ELF, so they cannot drift
silently; hypercalls come from their one table, hyp/hypercalls.yaml. Emulated devices (vGIC,
virtual UART) add their MMIO registers with `register_mmio_provider`.
"""
from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from elftools.elf.constants import SH_FLAGS
from elftools.elf.elffile import ELFFile
from elftools.elf.sections import SymbolTableSection

from . import channels, codegen, hypercalls, pcihost, smccc
from .guestdt import vuart_location
from .model import Partition, System

# ------------------------------------------------------------------ the static entry-point map

VECTOR_SYNC = ("lower_sync", "hv_trap_lower_sync")       # vectors.S stub, traps.c dispatcher
SMCCC = VECTOR_SYNC + ("hv_smccc_call",)                  # HVC and trapped SMC
HEALTH = ("hv_fault",)                                    # the health monitor (core/partition.c)
# the physical IRQ path (the GICC accessors and the kick test are inline in these)
IRQ_PATH = ("lower_irq", "hv_trap_lower_irq", "hv_irq_device", "hv_vcpu_handle_kick")


@dataclass(frozen=True)
class EntrySpec:
    """One entry point before it is looked up in an ELF."""

    kind: str                    # trap, hypercall, psci, mmio, irq, shared
    name: str                    # short name, e.g. "HVC", "console", "CPU_ON", "INTID 33"
    detail: str                  # one line for people
    symbols: tuple[str, ...]     # handler functions, outermost first


@dataclass(frozen=True)
class Trap:
    name: str
    detail: str
    ec: str | None               # its EC_* row in hv_trap_lower_sync's table, if any
    symbols: tuple[str, ...]


# Exception-vector entries from a lower EL (AArch64, then AArch32). `ec` ties each synchronous
# class to its row of the exception-class table in hyp/aarch64/traps.c (checked by a test).
TRAPS: tuple[Trap, ...] = (
    Trap("HVC", "sync: HVC (EC 0x16), SMCCC dispatch", "EC_HVC64", SMCCC),
    Trap("SMC", "sync: SMC trapped by HCR_EL2.TSC (EC 0x17), SMCCC dispatch", "EC_SMC64", SMCCC),
    Trap("data abort", "sync: data abort, stage 2 (EC 0x24) -> health monitor", "EC_DABT_LOW",
         VECTOR_SYNC + ("hv_stage2_abort",) + HEALTH),
    Trap("instruction abort", "sync: instruction abort, stage 2 (EC 0x20) -> health monitor",
         "EC_IABT_LOW", VECTOR_SYNC + ("hv_stage2_abort",) + HEALTH),
    Trap("system register", "sync: MSR/MRS trapped (EC 0x18): debug, trace, PMU (MDCR_EL2, "
         "CPTR_EL2.TTA), ACTLR_EL1 (TACR) read as zero; IMPLEMENTATION DEFINED (TIDCP), set/way "
         "(TSW) -> health monitor", "EC_SYS64",
         VECTOR_SYNC + ("hv_trap_sysreg",) + HEALTH),
    Trap("other sync", "sync: any other trapped class -> health monitor", None,
         VECTOR_SYNC + HEALTH),
    Trap("IRQ", "physical IRQ while the guest runs (HCR_EL2.IMO)", None, IRQ_PATH),
    Trap("FIQ", "physical FIQ (HCR_EL2.FMO) -> health monitor", None,
         ("lower_fiq", "hv_trap_lower_other") + HEALTH),
    Trap("SError", "SError (HCR_EL2.AMO) -> health monitor (inject: a virtual SError)", None,
         ("lower_serror", "hv_trap_lower_other") + HEALTH),
    Trap("AArch32", "any exception from an AArch32 EL1 (never: HCR_EL2.RW; AArch32 EL0 "
         "traps arrive as AArch64) -> health monitor", None,
         ("lower32", "hv_trap_lower_other") + HEALTH),
)


def hypercall_symbols(hc: hypercalls.Hypercall) -> tuple[str, ...]:
    """A hypercall's handler functions, outermost first (hyp/hypercalls.yaml)."""
    return (hc.handler,) + hc.reaches


@dataclass(frozen=True)
class PsciFunction:
    name: str
    macros: tuple[str, ...]      # hv/psci.h's names of every function id hv_psci_call answers
    symbols: tuple[str, ...]

    @property
    def fids(self) -> tuple[int, ...]:
        return tuple(smccc.constants()[m] for m in self.macros)


# Exactly the case labels of hv_psci_call in hyp/core/psci.c (checked by a test); the ids are
# those of hv/psci.h. Every partition can call all of them; they are scoped to the caller's own
# vCPUs.
PSCI_FUNCTIONS: tuple[PsciFunction, ...] = tuple(
    PsciFunction(name, macros, ("hv_psci_call",) + extra) for name, macros, extra in (
        ("SMCCC_VERSION", ("SMCCC_VERSION",), ()),
        ("SMCCC_ARCH_FEATURES", ("SMCCC_ARCH_FEATURES",),
         ("hv_smccc_arch_features", "hv_spectre_features")),
        ("PSCI_VERSION", ("PSCI_VERSION",), ()),
        ("PSCI_FEATURES", ("PSCI_FEATURES",), ()),
        ("CPU_ON", ("PSCI_CPU_ON", "PSCI_CPU_ON_64"), ("hv_vcpu_request_start",)),
        ("AFFINITY_INFO", ("PSCI_AFFINITY_INFO", "PSCI_AFFINITY_INFO_64"), ("hv_vcpu_state",)),
        ("MIGRATE_INFO_TYPE", ("PSCI_MIGRATE_INFO_TYPE",), ()),
        ("CPU_OFF", ("PSCI_CPU_OFF",), ("hv_partition_vcpu_off",)),
        ("SYSTEM_OFF", ("PSCI_SYSTEM_OFF",), ("hv_partition_halt",)),
        ("SYSTEM_RESET", ("PSCI_SYSTEM_RESET",), ("hv_partition_restart",)),
    ))

# Emulated MMIO: a provider returns, for one partition, one EntrySpec (kind "mmio") per
# register it emulates, e.g. EntrySpec("mmio", "GICD_ISENABLER0", "0x08000100, 4 bytes, rw",
# ("hv_vgic_mmio", ...)). The vGIC and the virtual UART register theirs here.
MmioProvider = Callable[[System, Partition], Iterable[EntrySpec]]
MMIO_PROVIDERS: list[MmioProvider] = []


def register_mmio_provider(provider: MmioProvider) -> MmioProvider:
    """Add a source of emulated MMIO registers (usable as a decorator)."""
    if provider not in MMIO_PROVIDERS:
        MMIO_PROVIDERS.append(provider)
    return provider


# A data abort in a registered region goes to its handler through hv_mmio_emulate's table (an
# indirect call the reach does not follow, so the rows name the handler).
MMIO_PATH = VECTOR_SYNC + ("hv_stage2_abort", "hv_mmio_emulate")


@register_mmio_provider
def vgic_distributor(system: System, p: Partition) -> Iterable[EntrySpec]:
    """Every partition's GICD page (hyp/stage2/mmio.c, hv_mmio_init)."""
    yield EntrySpec("mmio", "GIC distributor (emulated)",
                    f"{system.board.gic.gicd.base:#x}, 4 KiB, 1/2/4-byte accesses",
                    MMIO_PATH + ("hv_vgic_dist_access",))


@register_mmio_provider
def virtual_uart(system: System, p: Partition) -> Iterable[EntrySpec]:
    """A partition's virtual PL011 (`vuart`)."""
    if p.vuart is not None:
        yield EntrySpec("mmio", "virtual UART (emulated PL011)",
                        f"{vuart_location(system, p)[0]:#x}, 4 KiB, 1/2/4-byte accesses",
                        MMIO_PATH + ("hv_vuart_access",))


@register_mmio_provider
def _ivshmem(system: System, p: Partition) -> Iterable[EntrySpec]:
    """The emulated PCI host bridge's pages of a partition with `ivshmem` (pcihost.py)."""
    host = channels.bridge(system, p)
    if host is None:
        return []
    names = [e.name for e in channels.ends(system, p)]
    return [EntrySpec("mmio", name, detail, symbols)
            for name, detail, symbols in pcihost.surface_entries(host, names)]


def entry_specs(system: System, p: Partition) -> list[EntrySpec]:
    """Every entry point partition `p` can reach, in display order."""
    specs = [EntrySpec("trap", t.name, t.detail, t.symbols) for t in TRAPS]
    for h in p.hypercalls:
        hc = hypercalls.by_name().get(h)
        if hc is None:       # granted in YAML but unknown (check refuses it): say so, not hide it
            specs.append(EntrySpec("hypercall", h, "not in hyp/hypercalls.yaml", ()))
        else:
            specs.append(EntrySpec("hypercall", h, f"{hc.fid:#x} (HV_HC_{hc.macro}_FID)",
                                   hypercall_symbols(hc)))
    for f in PSCI_FUNCTIONS:
        specs.append(EntrySpec("psci", f.name, " / ".join(f"{i:#x}" for i in f.fids), f.symbols))
    for provider in MMIO_PROVIDERS:
        specs.extend(provider(system, p))
    for d in p.devices:
        for intid in d.device.intids:
            specs.append(EntrySpec("irq", f"INTID {intid}", f"{d.device.path} (passed through)",
                                   IRQ_PATH))
    for c in system.channels_of(p.name):
        end = c.end_of(p.name)
        access = end.access if end is not None else "?"
        specs.append(EntrySpec("shared", c.name, f"channel memory ({access}), mapped, no "
                               "hypervisor code behind it", ()))
    return specs


# ------------------------------------------------------------------ the ELF: symbols and branches

@dataclass(frozen=True)
class Function:
    name: str
    addr: int
    size: int
    sized_by: str                # "st_size", or "next symbol" for assembly labels


@dataclass
class ElfCode:
    """Functions of an ELF's executable sections and the direct branches between them."""

    text_size: int                                     # size of the .text section
    functions: list[Function]                          # sorted by address
    by_name: dict[str, list[Function]]
    calls: dict[Function, set[Function]] = field(default_factory=dict)
    indirect: dict[Function, int] = field(default_factory=dict)   # BLR/BR count per function

    def lookup(self, name: str) -> list[Function]:
        """Symbols named `name`, or GCC's clones of it (name.constprop.0, name.isra.0 ...)."""
        found = list(self.by_name.get(name, ()))
        if not found:
            found = [f for n, fs in self.by_name.items() if n.startswith(name + ".") for f in fs]
        return found

    def reachable(self, roots: Iterable[Function]) -> set[Function]:
        seen: set[Function] = set()
        todo = list(roots)
        while todo:
            f = todo.pop()
            if f in seen:
                continue
            seen.add(f)
            todo.extend(self.calls.get(f, ()))
        return seen


def _branch_target(word: int, pc: int) -> tuple[int | None, bool]:
    """(target, unconditional) of a direct AArch64 branch at pc; (None, ...) otherwise."""
    def sext(v: int, bits: int) -> int:
        return v - (1 << bits) if v & (1 << (bits - 1)) else v
    top6 = word >> 26
    if top6 in (0b000101, 0b100101):                          # B, BL
        return pc + 4 * sext(word & 0x3ffffff, 26), top6 == 0b000101
    if (word >> 24) == 0b01010100 and not word & 0x10:        # B.cond
        return pc + 4 * sext((word >> 5) & 0x7ffff, 19), False
    if ((word >> 25) & 0x3f) == 0b011010:                     # CBZ, CBNZ
        return pc + 4 * sext((word >> 5) & 0x7ffff, 19), False
    if ((word >> 25) & 0x3f) == 0b011011:                     # TBZ, TBNZ
        return pc + 4 * sext((word >> 5) & 0x3fff, 14), False
    return None, False


def _is_terminal(word: int) -> bool:
    """B, BR, RET, ERET: control never falls through to the next instruction."""
    return (word >> 26) == 0b000101 or (word & 0xfffffc1f) in (0xd61f0000, 0xd65f0000) \
        or word == 0xd69f03e0


def read_elf(path: Path) -> ElfCode:
    """Functions (from .symtab) of the ELF's executable sections, and the call graph of direct
    branches among them. Assembly labels have no st_size: they extend to the next symbol."""
    with open(path, "rb") as fh:
        elf = ELFFile(fh)
        text = elf.get_section_by_name(".text")
        text_size = text["sh_size"] if text is not None else 0
        exec_secs = {i: s for i, s in enumerate(elf.iter_sections())
                     if s["sh_flags"] & SH_FLAGS.SHF_EXECINSTR and s["sh_type"] == "SHT_PROGBITS"}
        data = {i: (s["sh_addr"], s.data()) for i, s in exec_secs.items()}
        raw: list[tuple[int, int, str, int]] = []          # (section, addr, name, st_size)
        for sec in elf.iter_sections():
            if not isinstance(sec, SymbolTableSection):
                continue
            for sym in sec.iter_symbols():
                shndx = sym["st_shndx"]
                if not isinstance(shndx, int) or shndx not in exec_secs:
                    continue
                if sym["st_info"]["type"] not in ("STT_FUNC", "STT_NOTYPE") \
                        or not sym.name or sym.name.startswith(("$", ".L")):
                    continue
                raw.append((shndx, sym["st_value"], sym.name, sym["st_size"]))
    functions: list[Function] = []
    for shndx in exec_secs:
        base, blob = data[shndx]
        syms = sorted((a, n, s) for sec, a, n, s in raw if sec == shndx)
        addrs = sorted({a for a, _, _ in syms})
        end = base + len(blob)
        for a, n, s in syms:
            if s:
                functions.append(Function(n, a, s, "st_size"))
            else:
                i = bisect.bisect_right(addrs, a)
                functions.append(Function(n, a, (addrs[i] if i < len(addrs) else end) - a,
                                          "next symbol"))
    functions.sort(key=lambda f: (f.addr, -f.size, f.name))
    by_name: dict[str, list[Function]] = {}
    for f in functions:
        by_name.setdefault(f.name, []).append(f)
    code = ElfCode(text_size, functions, by_name)
    _call_graph(code, [(base, blob) for base, blob in data.values()])
    return code


def _call_graph(code: ElfCode, sections: list[tuple[int, bytes]]) -> None:
    starts = [f.addr for f in code.functions]

    def owner(addr: int) -> Function | None:
        """The smallest function containing addr."""
        i = bisect.bisect_right(starts, addr)
        best = None
        while i > 0:
            i -= 1
            f = code.functions[i]
            if f.addr <= addr < f.addr + f.size and (best is None or f.size < best.size):
                best = f
            if addr - f.addr > 0x100000:
                break
        return best

    def word_at(addr: int) -> int | None:
        for base, blob in sections:
            if base <= addr and addr + 4 <= base + len(blob):
                off = addr - base
                return int.from_bytes(blob[off:off + 4], "little")
        return None

    for f in code.functions:
        edges: set[Function] = set()
        terminal = False
        indirect = 0
        for pc in range(f.addr, f.addr + f.size - 3, 4):
            w = word_at(pc)
            if w is None:
                break
            if (w & 0xfffffc1f) in (0xd63f0000, 0xd61f0000):
                indirect += 1                                  # BLR / BR (not RET)
            terminal = terminal or _is_terminal(w)
            target, _ = _branch_target(w, pc)
            if target is None or f.addr <= target < f.addr + f.size:
                continue
            g = owner(target)
            if g is not None and g is not f:
                edges.add(g)
        if f.sized_by == "next symbol" and not terminal:       # an assembly label falling through
            nxt = owner(f.addr + f.size)
            if nxt is not None and nxt is not f:
                edges.add(nxt)
        code.calls[f] = edges
        if indirect:
            code.indirect[f] = indirect


# ------------------------------------------------------------------ SLOC

def sloc(text: str) -> int:
    """Non-blank lines that are not only comments (C and GNU-as-with-cpp: /* */ and //)."""
    count = 0
    in_block = False
    for line in text.splitlines():
        code = []
        i = 0
        quote = ""
        while i < len(line):
            c = line[i]
            if in_block:
                if line.startswith("*/", i):
                    in_block = False
                    i += 2
                else:
                    i += 1
                continue
            if quote:
                code.append(c)
                if c == "\\":
                    code.append(line[i + 1:i + 2])
                    i += 2
                    continue
                if c == quote:
                    quote = ""
                i += 1
                continue
            if line.startswith("/*", i):
                in_block = True
                i += 2
                continue
            if line.startswith("//", i):
                break
            if c in "\"'":
                quote = c
            code.append(c)
            i += 1
        if "".join(code).strip():
            count += 1
    return count


_INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


@dataclass(frozen=True)
class SourceFile:
    path: Path
    kind: str                    # "source", "header" or "generated"
    sloc: int


def compiled_files(system: System, hyp_dir: Path, gen_dir: Path) -> list[SourceFile]:
    """hyp/ sources this configuration compiles, generated sources, and every header they
    include (transitively, `#include "..."` in the include path the build uses)."""
    sources = list(codegen.hyp_sources(system, hyp_dir))
    generated = sorted(p for p in gen_dir.glob("*") if p.suffix in (".c", ".S", ".s"))
    include_dirs = [hyp_dir / "include", gen_dir]
    seen: dict[Path, str] = {}
    todo = [(p.resolve(), "source") for p in sources] + \
        [(p.resolve(), "generated") for p in generated]
    while todo:
        path, kind = todo.pop(0)
        if path in seen:
            continue
        seen[path] = kind
        for name in _INCLUDE.findall(path.read_text(errors="replace")):
            for d in [path.parent, *include_dirs]:
                cand = (d / name).resolve()
                if cand.is_file():
                    inc_kind = "generated" if cand.is_relative_to(gen_dir.resolve()) else "header"
                    todo.append((cand, inc_kind))
                    break
    return [SourceFile(p, k, sloc(p.read_text(errors="replace"))) for p, k in seen.items()]


# ------------------------------------------------------------------ the surface

@dataclass(frozen=True)
class Handler:
    symbol: str
    present: bool
    bytes: int                   # 0 when absent
    functions: tuple[Function, ...]


@dataclass(frozen=True)
class EntryPoint:
    kind: str
    name: str
    detail: str
    handlers: tuple[Handler, ...]
    bytes: int                   # handler functions' own bytes (distinct functions)
    reach: frozenset[Function]   # everything reachable from the handlers

    @property
    def reach_bytes(self) -> int:
        return sum(f.size for f in self.reach)

    @property
    def absent(self) -> tuple[str, ...]:
        return tuple(h.symbol for h in self.handlers if not h.present)


@dataclass(frozen=True)
class PartitionSurface:
    name: str
    cpus: tuple[int, ...]
    hypercalls: tuple[str, ...]
    devices: tuple[str, ...]
    entries: tuple[EntryPoint, ...]

    @property
    def reach(self) -> frozenset[Function]:
        return frozenset(f for e in self.entries for f in e.reach)


@dataclass(frozen=True)
class Surface:
    board: str
    elf: Path
    text_bytes: int
    partitions: tuple[PartitionSurface, ...]
    files: tuple[SourceFile, ...]
    not_granted: tuple[tuple[str, tuple[Handler, ...]], ...]  # hypercalls nobody is granted
    indirect: tuple[tuple[str, int], ...]   # reachable functions with indirect branches

    @property
    def reach(self) -> frozenset[Function]:
        return frozenset(f for p in self.partitions for f in p.reach)

    def sloc(self, kind: str | None = None) -> int:
        return sum(f.sloc for f in self.files if kind is None or f.kind == kind)


def _entry(code: ElfCode, spec: EntrySpec) -> EntryPoint:
    handlers = _handlers(code, spec.symbols)
    roots = {f for h in handlers for f in h.functions}
    return EntryPoint(spec.kind, spec.name, spec.detail, handlers,
                      sum(f.size for f in roots), frozenset(code.reachable(roots)))


def _handlers(code: ElfCode, symbols: Iterable[str]) -> tuple[Handler, ...]:
    out = []
    for s in symbols:
        fs = tuple(code.lookup(s))
        out.append(Handler(s, bool(fs), sum(f.size for f in fs), fs))
    return tuple(out)


def compute(system: System, elf: Path, gen_dir: Path, hyp_dir: Path) -> Surface:
    """The attack surface of a built configuration."""
    code = read_elf(elf)
    parts = []
    for p in system.partitions:
        entries = tuple(_entry(code, s) for s in entry_specs(system, p))
        parts.append(PartitionSurface(p.name, tuple(c.index for c in p.cpus), p.hypercalls,
                                      tuple(d.device.path for d in p.devices), entries))
    used = set(codegen.hypercalls_used(system))
    not_granted = tuple((hc.name, _handlers(code, hypercall_symbols(hc)))
                        for hc in sorted(hypercalls.table(), key=lambda h: h.name)
                        if hc not in used)
    reach = frozenset(f for p in parts for f in p.reach)
    indirect = tuple(sorted((f.name, n) for f, n in code.indirect.items() if f in reach))
    files = tuple(sorted(compiled_files(system, hyp_dir, gen_dir),
                         key=lambda f: ({"source": 0, "header": 1, "generated": 2}[f.kind],
                                        str(f.path))))
    return Surface(system.board_spec.name, elf, code.text_size, tuple(parts), files,
                   not_granted, indirect)


# ------------------------------------------------------------------ output

def _show(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _handler_json(h: Handler) -> dict[str, Any]:
    return {"symbol": h.symbol, "present": h.present, "bytes": h.bytes,
            "functions": [{"name": f.name, "address": f.addr, "bytes": f.size,
                           "sized_by": f.sized_by} for f in h.functions]}


def to_json(s: Surface) -> dict[str, Any]:
    reach = s.reach
    return {
        "board": s.board,
        "elf": str(s.elf),
        "totals": {
            "text_bytes": s.text_bytes,
            "reachable_bytes": sum(f.size for f in reach),
            "reachable_functions": sorted({f.name for f in reach}),
            "sloc": {"total": s.sloc(), "source": s.sloc("source"), "header": s.sloc("header"),
                     "generated": s.sloc("generated")},
            "files": [{"path": str(f.path), "kind": f.kind, "sloc": f.sloc} for f in s.files],
            "indirect_branches": [{"function": n, "count": c} for n, c in s.indirect],
        },
        "partitions": [{
            "name": p.name,
            "cpus": list(p.cpus),
            "hypercalls": list(p.hypercalls),
            "devices": list(p.devices),
            "reachable_bytes": sum(f.size for f in p.reach),
            "entry_points": [{
                "kind": e.kind, "name": e.name, "detail": e.detail,
                "bytes": e.bytes, "reachable_bytes": e.reach_bytes,
                "absent": list(e.absent),
                "handlers": [_handler_json(h) for h in e.handlers],
            } for e in p.entries],
        } for p in s.partitions],
        "not_granted": [{"hypercall": name, "handlers": [_handler_json(h) for h in hs]}
                        for name, hs in s.not_granted],
    }


def render_text(s: Surface) -> str:
    out: list[str] = [f"attack surface of {s.board} ({_show(s.elf)})", ""]
    for p in s.partitions:
        out.append(f"partition {p.name}: CPUs {', '.join(map(str, p.cpus))}; hypercalls: "
                   f"{', '.join(p.hypercalls) or 'none'}; "
                   f"devices: {', '.join(p.devices) or 'none'}")
        rows = [("kind", "entry point", "bytes", "reach", "handlers (bytes)")]
        for e in p.entries:
            hs = " ".join(f"{h.symbol}({h.bytes})" if h.present else f"{h.symbol}(ABSENT)"
                          for h in e.handlers) or "-"
            rows.append((e.kind, f"{e.name}: {e.detail}" if e.kind != "trap" else e.detail,
                         str(e.bytes), str(e.reach_bytes), hs))
        w = [max(len(r[i]) for r in rows) for i in range(4)]
        for r in rows:
            out.append(f"  {r[0]:<{w[0]}}  {r[1]:<{w[1]}}  {r[2]:>{w[2]}}  {r[3]:>{w[3]}}  {r[4]}")
        absent = sorted({a for e in p.entries for a in e.absent})
        if absent:
            out.append(f"  absent from the image (compiled out): {', '.join(absent)}")
        out.append(f"  reachable from {p.name}: {sum(f.size for f in p.reach)} bytes in "
                   f"{len({f.name for f in p.reach})} functions")
        out.append("")
    for name, handlers in s.not_granted:
        state = ", ".join(f"{h.symbol} {'PRESENT' if h.present else 'absent'}"
                          for h in handlers)
        out.append(f"hypercall {name}: granted to no partition; {state}")
    if s.not_granted:
        out.append("")
    reach = s.reach
    out.append(f"configuration: .text {s.text_bytes} bytes; reachable from partitions "
               f"{sum(f.size for f in reach)} bytes in {len({f.name for f in reach})} functions")
    out.append(f"compiled SLOC: {s.sloc()} ({s.sloc('source')} in "
               f"{sum(f.kind == 'source' for f in s.files)} hyp/ sources, {s.sloc('header')} in "
               f"{sum(f.kind == 'header' for f in s.files)} headers, {s.sloc('generated')} "
               f"generated)")
    if s.indirect:
        out.append("indirect branches in reachable code (not followed): "
                   + ", ".join(f"{n} ({c})" for n, c in s.indirect))
    return "\n".join(out) + "\n"
