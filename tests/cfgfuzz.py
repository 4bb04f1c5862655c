# SPDX-License-Identifier: Apache-2.0
"""The configuration fuzzer: mutate the project's board files, then hold hvcfg to its promise.

The promise (README, issue 17): for any input, `hvcfg check` either refuses it with a coded
error at file:line, or accepts it, and then `hvcfg build` (which compiles, links and verifies)
succeeds too; no input ever gives a traceback or exit 70.

A case is a base board file plus one to three mutations. Each case has its own seed
(`<SEED>:<index>`), so `make fuzz-config SEED=S N=n` is reproducible and a single case can be
replayed; every finding is written to build/fuzz-config/findings/ (the mutated YAML, what was
applied, and hvcfg's output). Mutations work on plain YAML data: the base board's `include`s
are inlined and every path made absolute, so that partition-file keys (name, image,
hypercalls...) can be mutated too. Addresses are drawn from the board itself (RAM edges, GIC,
UART and virtio frames, the hypervisor, other partitions) and from the translation regime's
edges (2^32, 2^40, 2^48).

Device-tree mutations (truncation, flipped bytes, a GIC without maintenance interrupt, a
GICv3 node, no memory, no CPUs) go through the same driver: the mutated DTB becomes the
board's `devicetree.file`.
"""
from __future__ import annotations

import contextlib
import copy
import functools
import io
import random
import re
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from hvcfg import cli, pipeline
from hvcfg.verify import FINDINGS

ROOT = Path(__file__).resolve().parent.parent
PAGE = 0x1000
MiB = 1 << 20

# A refusal must name its code and the place: `file:line:col: error E0NN name: ...`.
CODED = re.compile(r"^(?P<file>\S+?):(?P<line>\d+):(?P<col>\d+): error (?P<code>E\d{3}) ", re.M)
ANY_ERROR = re.compile(r"\berror (?P<code>E\d{3}) ", re.M)
VERIFY_FINDING = re.compile(r"^\s*(?P<name>[a-z0-9-]+): \S+: ", re.M)   # in verify's report


# ----------------------------------------------------------------------------- facts

@dataclass(frozen=True)
class Facts:
    """What a base board offers the mutators: addresses worth aiming at."""

    ram: tuple[tuple[int, int], ...]           # (base, size) of each RAM bank
    hyp: tuple[int, int]                       # the hypervisor's placed region
    mmio: tuple[tuple[str, int, int], ...]     # (DT path, base, size) of enabled devices
    gic: tuple[int, ...]                       # GICD, GICC, GICH, GICV bases (those present)
    ncpus: int
    dtb: Path                                  # the board's DTB (cached or given)


def board_facts(config: Path, build_root: Path) -> Facts:
    analysis = pipeline.analyse(config, build_root)
    board = analysis.system.board
    g = board.gic
    mmio = tuple((d.path, r.base, r.size) for d in board.devices.values() if d.enabled
                 for r in d.regs[:1] if r.size)
    dtb = Path(board.source)
    return Facts(tuple((r.base, r.size) for r in board.ram), (analysis.hyp.base, analysis.hyp.size),
                 mmio, tuple(r.base for r in (g.gicd, g.gicc, g.gich, g.gicv) if r is not None),
                 len(board.cpus), dtb)


# ----------------------------------------------------------------------------- flattening


def _absolutize_partition(entry: dict[str, Any], base_dir: Path) -> None:
    image = entry.get("image")
    if isinstance(image, dict):
        if isinstance(image.get("binary"), str):
            image["binary"] = str((base_dir / image["binary"]).resolve())
        if isinstance(image.get("sources"), list):
            image["sources"] = [str((base_dir / s).resolve()) if isinstance(s, str) else s
                                for s in image["sources"]]
    if isinstance(entry.get("initrd"), str):
        entry["initrd"] = str((base_dir / entry["initrd"]).resolve())


def flatten(config: Path) -> dict[str, Any]:
    """The board file as plain data, includes inlined and every path absolute."""
    doc = yaml.safe_load(config.read_text())
    here = config.resolve().parent
    dt = doc["board"]["devicetree"]
    if isinstance(dt.get("file"), str):
        dt["file"] = str((here / dt["file"]).resolve())
    parts = []
    for entry in doc.get("partitions") or []:
        entry = dict(entry)
        _absolutize_partition(entry, here)
        inc = entry.pop("include", None)
        if inc is not None:
            inc_path = (here / inc).resolve()
            included = yaml.safe_load(inc_path.read_text()) or {}
            _absolutize_partition(included, inc_path.parent)
            entry = {**included, **entry}
        parts.append(entry)
    doc["partitions"] = parts
    return doc


# ----------------------------------------------------------------------------- mutations

@dataclass
class Ctx:
    """One case: its random source, the base's facts, and a directory for made-up files."""

    rng: random.Random
    facts: Facts
    scratch: Path
    applied: list[str] = field(default_factory=list)

    def address(self) -> int:
        return self.rng.choice(_addresses(self.facts, self.rng))

    def size(self) -> int | str:
        return self.rng.choice([0, PAGE - 1, PAGE, PAGE + 1, 64 * 1024 - PAGE, 64 * 1024,
                                2 * MiB, "1M", "16M", "1G", "4G", 1 << 32, 1 << 40,
                                (1 << 48) - PAGE, self.rng.randrange(1, 1 << 24)])


def _addresses(f: Facts, rng: random.Random) -> list[int]:
    out = [0, PAGE - 1, PAGE, 0x1001, 1 << 32, (1 << 32) - PAGE, 1 << 39, 1 << 40, 1 << 44,
           (1 << 48) - PAGE, 1 << 48, (1 << 48) + PAGE, (1 << 52) - PAGE]
    for base, size in f.ram:
        out += [base, base + PAGE, base - PAGE, base + size - PAGE, base + size, base + size - MiB,
                base + size // 2 + 0x800]
    hb, hs = f.hyp
    out += [hb, hb + hs - PAGE, hb - PAGE, hb + hs, hb + 0x10000]
    out += list(f.gic) + [g + PAGE for g in f.gic]
    out += [b for _, b, _ in f.mmio] + [rng.choice(f.mmio)[1] + 0x200] if f.mmio else []
    return out


Doc = dict[str, Any]
Mutator = Callable[[Doc, Ctx], str]


def _part(doc: Doc, ctx: Ctx) -> tuple[int, dict[str, Any]] | None:
    parts = doc.get("partitions") or []
    if not parts:
        return None
    i = ctx.rng.randrange(len(parts))
    return i, parts[i]


def _region(doc: Doc, ctx: Ctx) -> tuple[str, dict[str, Any]] | None:
    got = _part(doc, ctx)
    if got is None or not got[1].get("memory"):
        return None
    i, p = got
    j = ctx.rng.randrange(len(p["memory"]))
    return f"partitions[{i}].memory[{j}]", p["memory"][j]


def _set_region(key: str, value: Callable[[Ctx], Any]) -> Callable[[Doc, Ctx], str]:
    """A mutator setting `key` of a random region to `value(ctx)`."""
    def mutate(doc: Doc, ctx: Ctx) -> str:
        r = _region(doc, ctx)
        if r is None:
            return "noop"
        r[1][key] = value(ctx)
        shown = f"{r[1][key]:#x}" if isinstance(r[1][key], int) else repr(r[1][key])
        return f"{r[0]}.{key} = {shown}"
    mutate.__name__ = f"m_region_{key}"
    return mutate


m_region_base = _set_region("base", Ctx.address)
m_region_ipa = _set_region("ipa", Ctx.address)
m_region_size = _set_region("size", Ctx.size)
m_region_perm = _set_region("perm", lambda ctx: ctx.rng.choice(["ro", "rw", "rx", "rwx", "x",
                                                                 "RW"]))


def m_region_swap(doc: Doc, ctx: Ctx) -> str:
    """The entry region becomes the data region (and the other way round)."""
    got = _part(doc, ctx)
    if got is None or len(got[1].get("memory") or []) < 2:
        return "noop"
    mem = got[1]["memory"]
    mem[0], mem[1] = mem[1], mem[0]
    return f"partitions[{got[0]}].memory[0] <-> memory[1]"


def m_region_add(doc: Doc, ctx: Ctx) -> str:
    got = _part(doc, ctx)
    if got is None:
        return "noop"
    region: dict[str, Any] = {"base": ctx.address(), "size": ctx.rng.choice([PAGE, MiB, 2 * MiB])}
    if ctx.rng.random() < 0.5:
        region["ipa"] = ctx.address()
    got[1].setdefault("memory", []).append(region)
    return f"partitions[{got[0]}].memory += {region}"


def m_region_steal(doc: Doc, ctx: Ctx) -> str:
    """A region of one partition at (or inside) another's or the hypervisor's memory."""
    r = _region(doc, ctx)
    if r is None:
        return "noop"
    others = [m for p in doc["partitions"] for m in p.get("memory") or [] if m is not r[1]]
    targets = [m["base"] for m in others if isinstance(m.get("base"), int)]
    targets += [ctx.facts.hyp[0], ctx.facts.hyp[0] + ctx.facts.hyp[1] - PAGE]
    hyp = doc["hypervisor"]["memory"]
    if isinstance(hyp.get("base"), int):
        targets.append(hyp["base"])
    r[1]["base"] = ctx.rng.choice(targets) + ctx.rng.choice([0, PAGE, MiB // 2])
    return f"{r[0]}.base = {r[1]['base']:#x} (another's memory)"


def m_region_drop(doc: Doc, ctx: Ctx) -> str:
    got = _part(doc, ctx)
    if got is None or not got[1].get("memory"):
        return "noop"
    got[1]["memory"].pop(ctx.rng.randrange(len(got[1]["memory"])))
    return f"partitions[{got[0]}].memory: one region dropped"


def m_hyp_base(doc: Doc, ctx: Ctx) -> str:
    doc["hypervisor"]["memory"]["base"] = ctx.address()
    return f"hypervisor.memory.base = {doc['hypervisor']['memory']['base']:#x}"


def m_hyp_size(doc: Doc, ctx: Ctx) -> str:
    doc["hypervisor"]["memory"]["size"] = ctx.rng.choice(
        [PAGE, 64 * 1024, "1M", "2M", "4M", "8M", 0x1801000, "64M", "512M", "1G", "3G", 0x100800])
    return f"hypervisor.memory.size = {doc['hypervisor']['memory']['size']!r}"


def m_devices(doc: Doc, ctx: Ctx) -> str:
    got = _part(doc, ctx)
    if got is None:
        return "noop"
    choices = [path for path, _, _ in ctx.facts.mmio]
    dev = ctx.rng.choice(choices + ["/nonexistent", doc["hypervisor"]["console"], "&x", "/"])
    devs = got[1].setdefault("devices", [])
    if ctx.rng.random() < 0.2 and devs:
        devs.append(devs[0])
        return f"partitions[{got[0]}].devices: {devs[0]} twice"
    devs.append(dev)
    return f"partitions[{got[0]}].devices += {dev}"


def m_name(doc: Doc, ctx: Ctx) -> str:
    got = _part(doc, ctx)
    if got is None:
        return "noop"
    others = [p.get("name") for p in doc["partitions"] if p is not got[1]]
    got[1]["name"] = ctx.rng.choice(
        ["hyp", "HYP", "hv", "int", "static", "main", "_start", "hv_partitions", "NULL", "linux",
         "x", "a" * 31, "a" * 32, "1abc", "", "a-b", "unix", "__x"] + [o for o in others if o])
    return f"partitions[{got[0]}].name = {got[1]['name']!r}"


def m_on_fault(doc: Doc, ctx: Ctx) -> str:
    got = _part(doc, ctx)
    if got is None:
        return "noop"
    pol: dict[str, Any] = {"action": ctx.rng.choice(["halt", "restart", "inject", "reboot"])}
    if ctx.rng.random() < 0.6:
        pol["limit"] = ctx.rng.choice([0, 1, 255, 256, 1 << 31, (1 << 32) - 1, 1 << 32, 1 << 63,
                                       -1])
    got[1]["on_fault"] = pol
    return f"partitions[{got[0]}].on_fault = {pol}"


def _set_partition(key: str, value: Callable[[Ctx], Any]) -> Callable[[Doc, Ctx], str]:
    """A mutator setting `key` of a random partition to `value(ctx)`."""
    def mutate(doc: Doc, ctx: Ctx) -> str:
        got = _part(doc, ctx)
        if got is None:
            return "noop"
        got[1][key] = value(ctx)
        return f"partitions[{got[0]}].{key} = {str(got[1][key])[:40]!r}"
    mutate.__name__ = f"m_{key}"
    return mutate


m_cpus = _set_partition("cpus", lambda ctx: ctx.rng.choice(
    [[], [0, 0], [ctx.facts.ncpus], [ctx.facts.ncpus + 100], [-1], list(range(ctx.facts.ncpus)),
     [ctx.rng.randrange(ctx.facts.ncpus)], ["0"], [1 << 40]]))
m_hypercalls = _set_partition("hypercalls", lambda ctx: ctx.rng.choice(
    [[], ["console", "console"], ["identity"], ["console", "identity"], ["nope"], ["CONSOLE"]]))
m_on_reset = _set_partition("on_reset", lambda ctx: {
    "limit": ctx.rng.choice([0, 1, 1000000, 1000001, -1])})
m_vuart = _set_partition("vuart", lambda ctx: ctx.rng.choice([
    True, {}, {"ipa": ctx.address()}, {"intid": ctx.rng.choice([32, 40, 100, 1019, 1020, 31])},
    {"ipa": ctx.rng.choice(ctx.facts.gic) + ctx.rng.choice([0, 0x100]), "intid": 64}]))
m_vgic = _set_partition("vgic", lambda ctx: {
    k: v for k, v in (("lines", ctx.rng.choice([32, 64, 96, 100, 128, 1024, 1056, None])),
                      ("virtual", ctx.rng.choice([[], [32], [40], [100], [100, 100], [31],
                                                  [1019], [1020], [64, 65, 200], None])))
    if v is not None})


def m_device_ipa(doc: Doc, ctx: Ctx) -> str:
    """A device passed through at a chosen IPA: page-aligned or not, over RAM, the GIC, another
    device, beyond the IPA space."""
    got = _part(doc, ctx)
    if got is None:
        return "noop"
    path = ctx.rng.choice([path for path, _, _ in ctx.facts.mmio])
    ipa = ctx.rng.choice([ctx.address(), ctx.rng.choice(ctx.facts.gic),
                          ctx.rng.choice([b for _, b, _ in ctx.facts.mmio]), 1 << 40,
                          0x1c090000]) + ctx.rng.choice([0, 0, 0x400, 0x800])
    got[1].setdefault("devices", []).append({"device": path, "ipa": ipa})
    return f"partitions[{got[0]}].devices += {{device: {path}, ipa: {ipa:#x}}}"
m_bootargs = _set_partition("bootargs", lambda ctx: ctx.rng.choice(
    ["x" * 70000, 'a "quoted" \\ arg', "line\nbreak", "é ü", "\x00", ""]))


def _scratch_file(ctx: Ctx, name: str, data: bytes) -> str:
    path = ctx.scratch / name
    if not path.exists():
        path.write_bytes(data)
    return str(path)


def _image_file(ctx: Ctx) -> tuple[str, str]:
    kind = ctx.rng.choice(["elf", "empty", "tiny", "big", "nonexistent", "directory"])
    data = {
        "elf": (b"\x7fELF\x02\x01\x01" + bytes(9) + b"\x02\x00\xb7\x00" + bytes(44)) * 16,
        "empty": b"",
        "tiny": (0x14000000).to_bytes(4, "little"),             # b .
        "big": bytes(3 * MiB),
    }.get(kind)
    if kind == "nonexistent":
        return kind, str(ctx.scratch / "nonexistent.bin")
    if kind == "directory":
        return kind, str(ctx.scratch)
    assert data is not None
    return kind, _scratch_file(ctx, f"{kind}.bin", data)


def m_image(doc: Doc, ctx: Ctx) -> str:
    got = _part(doc, ctx)
    if got is None:
        return "noop"
    choice = ctx.rng.random()
    if choice < 0.5:
        kind, path = _image_file(ctx)
        got[1]["image"] = {"binary": path}
        return f"partitions[{got[0]}].image.binary = <{kind}>"
    if choice < 0.75:
        src = _scratch_file(ctx, "nostart.c",
                            b"int not_start(void) { for (;;) { } }\n")
        got[1]["image"] = {"sources": [src]}
        return f"partitions[{got[0]}].image.sources = [a C file with no _start]"
    src = _scratch_file(ctx, "empty.S", b"")
    got[1]["image"] = {"sources": [src]}
    return f"partitions[{got[0]}].image.sources = [an empty .S]"


def m_initrd(doc: Doc, ctx: Ctx) -> str:
    got = _part(doc, ctx)
    if got is None:
        return "noop"
    kind, path = _image_file(ctx)
    got[1]["initrd"] = path
    return f"partitions[{got[0]}].initrd = <{kind}>"


def m_partitions(doc: Doc, ctx: Ctx) -> str:
    parts = doc.get("partitions") or []
    what = ctx.rng.choice(["none", "clone", "drop"])
    if what == "none" or not parts:
        doc["partitions"] = []
        return "partitions = []"
    if what == "clone":
        parts.append(copy.deepcopy(ctx.rng.choice(parts)))
        return "a partition cloned"
    parts.pop(ctx.rng.randrange(len(parts)))
    return "a partition dropped"


def m_board_memory(doc: Doc, ctx: Ctx) -> str:
    base, size = ctx.facts.ram[0]
    doc["board"]["memory"] = ctx.rng.choice([
        [{"base": base, "size": size // 2}],
        [{"base": base, "size": size}, {"base": base + size // 2, "size": size}],
        [{"base": 0, "size": PAGE}],
        [{"base": base, "size": size + (1 << 40)}],
        [{"base": (1 << 48) - (1 << 30), "size": 1 << 30}],
    ])
    return f"board.memory = {doc['board']['memory']}"


def m_dtb(doc: Doc, ctx: Ctx) -> str:
    """Replace the board's DTB by a mutated copy (dtb_mutations)."""
    name, blob = ctx.rng.choice(dtb_mutations(ctx.facts.dtb, ctx.rng))
    path = ctx.scratch / f"{ctx.rng.getrandbits(32):08x}-{name}.dtb"
    path.write_bytes(blob)
    doc["board"]["devicetree"]["file"] = str(path)
    return f"board.devicetree.file = <DTB: {name}>"


MUTATORS: dict[str, Mutator] = {f.__name__[2:]: f for f in (
    m_region_base, m_region_ipa, m_region_size, m_region_perm, m_region_swap, m_region_add,
    m_region_steal, m_region_drop, m_hyp_base, m_hyp_size, m_cpus, m_devices, m_name,
    m_hypercalls, m_on_fault, m_on_reset, m_vuart, m_vgic, m_device_ipa, m_bootargs, m_image,
    m_initrd, m_partitions, m_board_memory, m_dtb)}


# ----------------------------------------------------------------------------- DTB mutations

def _dts(blob: bytes) -> str:
    return subprocess.run(["dtc", "-q", "-I", "dtb", "-O", "dts", "-"], input=blob,
                          capture_output=True, check=True, timeout=30).stdout.decode()


def _dtb(dts: str) -> bytes:
    return subprocess.run(["dtc", "-q", "-f", "-I", "dts", "-O", "dtb", "-"], input=dts.encode(),
                          capture_output=True, check=True, timeout=30).stdout


def _edit_node(dts: str, node: re.Pattern[str], edit: Callable[[str], str]) -> str:
    """Apply `edit` to the body of the first node whose header matches `node`."""
    m = node.search(dts)
    if m is None:
        return dts
    depth, i = 1, m.end()
    while depth:
        depth += {"{": 1, "}": -1}.get(dts[i], 0)
        i += 1
    return dts[:m.end()] + edit(dts[m.end():i - 1]) + dts[i - 1:]


_GIC = re.compile(r"\n\s*intc@[0-9a-f]+ \{")
_MEMORY = re.compile(r"\n\s*memory@[0-9a-f]+ \{")
_CPUS = re.compile(r"\n\s*cpus \{")


def _drop_prop(prop: str) -> Callable[[str], str]:
    return lambda body: re.sub(rf"\n\s*{prop} = [^;]*;", "", body, count=1)


def _set_prop(prop: str, value: str) -> Callable[[str], str]:
    return lambda body: re.sub(rf"(\n\s*{prop} = )[^;]*;", rf"\g<1>{value};", body, count=1)


def _structural(dts: str) -> list[tuple[str, str]]:
    return [
        ("gic-no-maintenance-irq", _edit_node(dts, _GIC, _drop_prop("interrupts"))),
        ("gic-v3", _edit_node(dts, _GIC, _set_prop("compatible", '"arm,gic-v3"'))),
        ("gic-one-reg", _edit_node(dts, _GIC, _set_prop("reg", "<0x00 0x8000000 0x00 0x10000>"))),
        ("gic-no-reg", _edit_node(dts, _GIC, _drop_prop("reg"))),
        ("gic-unknown", _edit_node(dts, _GIC, _set_prop("compatible", '"foo,bar"'))),
        ("no-memory", _MEMORY.sub("\n\tnot-memory {", _edit_node(dts, _MEMORY,
                                                                _drop_prop("device_type")))),
        ("memory-size-0", _edit_node(dts, _MEMORY, _set_prop("reg", "<0 0x40000000 0 0>"))),
        ("no-cpus", _CPUS.sub("\n\tnot-cpus {", dts, count=1)),
        ("cpus-empty", re.sub(r"\n\s*cpu@[0-9a-f]+ \{", "\n\t\tnot-cpu {", dts)),
        ("timer-no-interrupts", _edit_node(dts, re.compile(r"\n\s*timer \{"),
                                           _drop_prop("interrupts"))),
        ("no-psci", re.sub(r"\n\s*psci \{", "\n\tnot-psci {", dts, count=1)),
        ("uart-no-reg", _edit_node(dts, re.compile(r"\n\s*pl011@9000000 \{"),
                                   _drop_prop("reg"))),
        ("address-cells-3", re.sub(r"#address-cells = <0x02>;", "#address-cells = <0x03>;", dts,
                                   count=1)),
    ]


@functools.cache
def structural_mutations(dtb: Path) -> tuple[tuple[str, bytes], ...]:
    """Edits of the DTB's meaning (each a DTB that dtc compiles), by name."""
    dts = _dts(dtb.read_bytes())
    return tuple((name, _dtb(text)) for name, text in _structural(dts) if text != dts)


def dtb_mutations(dtb: Path, rng: random.Random) -> list[tuple[str, bytes]]:
    """Byte-level and structural mutations of one DTB."""
    blob = dtb.read_bytes()
    out: list[tuple[str, bytes]] = []
    for n in (0, 3, 39, 40, 64, len(blob) // 2, len(blob) - 1):
        out.append((f"truncated-{n}", blob[:n]))
    for _ in range(4):
        buf = bytearray(blob)
        for _ in range(rng.randint(1, 4)):
            buf[rng.randrange(len(buf))] ^= 1 << rng.randrange(8)
        out.append(("bitflip", bytes(buf)))
    header = bytearray(blob)
    header[8:12] = (len(blob) + 64).to_bytes(4, "big")          # off_dt_struct beyond the end
    out.append(("struct-offset-beyond", bytes(header)))
    return out + list(structural_mutations(dtb))


# ----------------------------------------------------------------------------- the driver

@dataclass(frozen=True)
class Run:
    rc: int
    out: str


def hvcfg(argv: list[str]) -> Run:
    """`hvcfg ARGV` in this process (the CLI's own exception handling included)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            rc = cli.main(argv)
        except SystemExit as exc:                           # argparse
            rc = exc.code if isinstance(exc.code, int) else 2
    return Run(rc, out.getvalue() + err.getvalue())


@dataclass(frozen=True)
class Outcome:
    check: Run
    build: Run | None

    def problem(self) -> tuple[str, str] | None:
        """(kind, detail) when the promise is broken; None when it holds."""
        for stage, run in (("check", self.check), ("build", self.build)):
            if run is None:
                continue
            if run.rc == 70 or "Traceback" in run.out or "internal error" in run.out:
                m = re.search(r"internal error: (\w+)", run.out)
                return f"{stage}-internal-error", m[1] if m else "traceback"
        if self.check.rc not in (0, 1):
            return "check-exit", str(self.check.rc)
        if self.check.rc == 1:
            errors = ANY_ERROR.findall(self.check.out)
            if not errors:
                return "check-uncoded", self.check.out.strip().splitlines()[0][:120]
            if len(CODED.findall(self.check.out)) < len(errors):
                return "check-no-position", ",".join(sorted(set(errors)))
            return None
        assert self.build is not None
        if self.build.rc != 0:
            codes = ANY_ERROR.findall(self.build.out)
            code = codes[0] if codes else f"exit {self.build.rc}"
            if code == "E047":
                names = sorted(set(VERIFY_FINDING.findall(self.build.out)) & set(FINDINGS))
                return "build-refused", f"E047 {' '.join(names)}"
            return "build-refused", f"{code} {_gist(self.build.out)}".strip()
        if "clean" not in self.build.out:
            return "build-not-verified", _gist(self.build.out)
        return None


def _gist(out: str) -> str:
    for pattern in (r"cannot find entry symbol", r"relocation truncated",
                    r"region `\w+' overflowed",
                    r"will not fit", r"undefined reference", r"section .* overlaps"):
        if re.search(pattern, out):
            return pattern.replace("\\", "")
    return ""


def run_case(config: Path, build_root: Path, keep: bool = False) -> Outcome:
    """check, then build when check accepted; the build's output is removed unless `keep`."""
    check = hvcfg(["--build-dir", str(build_root), "check", str(config)])
    if check.rc != 0:
        return Outcome(check, None)
    build = hvcfg(["--build-dir", str(build_root), "build", str(config)])
    if not keep:
        for leftover in build_root.glob(f"{config.stem}*"):
            shutil.rmtree(leftover, ignore_errors=True)
    return Outcome(check, build)


@dataclass(frozen=True)
class Case:
    name: str                 # <seed>-<index>
    base: Path
    applied: tuple[str, ...]  # descriptions of the mutations, in order
    ops: tuple[str, ...]      # mutator names
    path: Path                # the mutated board file


def make_case(seed: str, index: int, bases: list[Path], facts: dict[Path, Facts], out: Path,
              only: tuple[str, ...] = ()) -> Case:
    """Case `index` of `seed`: the same arguments always give the same file. `only` restricts
    the mutators drawn from (all of MUTATORS when empty)."""
    rng = random.Random(f"{seed}:{index}")
    base = rng.choice(bases)
    scratch = out / "files"
    scratch.mkdir(parents=True, exist_ok=True)
    ctx = Ctx(rng, facts[base], scratch)
    doc = flatten(base)
    pool = sorted(only or MUTATORS)
    names = [rng.choice(pool) for _ in range(rng.choice([1, 1, 1, 2, 3]))]
    applied = [MUTATORS[name](doc, ctx) for name in names]
    name = f"{seed}-{index}"
    path = out / "cases" / f"fz-{name}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    header = f"# fuzz-config case {name}: base {base.relative_to(ROOT)}\n" + \
        "".join(f"#   {a}\n" for a in applied)
    path.write_text(header + yaml.safe_dump(doc, sort_keys=False, width=100))
    return Case(name, base, tuple(applied), tuple(names), path)


@dataclass(frozen=True)
class Finding:
    case: Case
    kind: str
    detail: str
    output: str

    def signature(self) -> tuple[str, str]:
        return self.kind, self.detail


def record(finding: Finding, out: Path) -> Path:
    """Write the mutated YAML and hvcfg's output under out/findings/; return the YAML's path."""
    d = out / "findings"
    d.mkdir(parents=True, exist_ok=True)
    dst = d / finding.case.path.name
    shutil.copy(finding.case.path, dst)
    dst.with_suffix(".txt").write_text(
        f"{finding.kind}: {finding.detail}\nbase: {finding.case.base}\n"
        + "".join(f"  {a}\n" for a in finding.case.applied) + "\n" + finding.output)
    return dst


def fuzz(seed: str, n: int, bases: list[Path], out: Path, only: tuple[str, ...] = (),
         progress: Callable[[Case, Outcome], None] | None = None) -> tuple[list[Finding], int]:
    """Run cases 0..n-1 of `seed`; return the findings and how many cases reached `build`."""
    build_root = out / "root"
    facts = {b: board_facts(b, build_root) for b in bases}
    findings: list[Finding] = []
    built = 0
    for i in range(n):
        case = make_case(seed, i, bases, facts, out, only)
        outcome = run_case(case.path, build_root)
        built += outcome.build is not None
        if progress:
            progress(case, outcome)
        problem = outcome.problem()
        if problem is not None:
            text = outcome.check.out + (outcome.build.out if outcome.build else "")
            finding = Finding(case, problem[0], problem[1], text)
            record(finding, out)
            findings.append(finding)
    return findings, built
