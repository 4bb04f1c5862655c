# SPDX-License-Identifier: Apache-2.0
"""Every rule that can reject a configuration, and the order they run in: `hvcfg check`.

`analyse` is what `hvcfg check` runs and what `hvcfg build` starts from. `build` then only
compiles and links the hypervisor and verifies the image: a failure there is an internal
error (a bug in hvcfg), never a mistake in the configuration.

Layers. Each reads only what the layers above it produced. A layer runs only when the layers
it depends on found no error (its input would be meaningless: a System cannot be built on a
board DT that could not be read, an image cannot be placed in regions that overlap); inside a
layer every rule runs and every finding is collected, sorted by source position.

    schema      YAML files -> Doc: syntax, JSON Schema, includes               load.py
    devicetree  Doc -> board DTB -> Board; what the hypervisor needs of it     board.py, here
    model       Doc + Board -> System: names resolved, files present           model.py
    semantics   System + the hypervisor's region: memory, CPUs, devices,       checks.py
                interrupts, address ranges, permissions, names
    placement   the stage-2 maps against what the hypervisor keeps             here
    images      partition images (built from sources into build/.cache),       here, partimage.py
                loads, guest device trees, the hypervisor region's windows

RULES lists every code a configuration can produce, its layer and the modules that raise it:
the parsing layers raise while they parse, every other rule lives here or in checks.py
(tests/test_rules.py holds the code base to the table). Codes for other inputs (command
arguments and outputs: E043, E044, E089; verification of a built image: E047; xsa/ files:
E050-E056) are not listed.
"""
from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from . import board as board_mod
from . import (
    channels,
    checks,
    guestdt,
    hypbuild,
    integrity,
    layout,
    load,
    model,
    partimage,
    pcihost,
    platform,
    toolchain,
)
from .board import Board, Reg
from .diagnostics import ConfigError, Diagnostic, Related, Severity, error
from .model import BoardSpec, Partition, System
from .units import align_up, format_range, format_size
from .xsa.support import support_warnings


@dataclass(frozen=True)
class Rule:
    code: str
    layer: str
    modules: tuple[str, ...]    # the modules that raise it


def _rule(code: str, layer: str, *modules: str) -> Rule:
    return Rule(code, layer, modules)


RULES: tuple[Rule, ...] = (
    *(_rule(c, "schema", "load") for c in ("E001", "E002", "E003", "E004", "E005", "E006",
                                           "E007")),
    _rule("E010", "devicetree", "board", "toolchain"),  # no DTB file; QEMU cannot dump it
    _rule("E011", "devicetree", "board", "rules"),  # not a valid flattened device tree
    _rule("E012", "devicetree", "board", "rules"),  # lacks what the hypervisor needs
    _rule("E097", "devicetree", "rules"),           # a Pi 4's RAM over GPU memory
    _rule("E027", "model", "model"),
    _rule("E029", "model", "model", "rules"),  # missing; unreadable at the images layer
    _rule("E096", "model", "model"),   # a source of image.sources that image.lib builds too
    _rule("E041", "model", "model", "checks"),
    _rule("W003", "model", "model"),
    *(_rule(c, "semantics", "checks") for c in (
        "E020", "E021", "E022", "E023", "E024", "E025", "E026", "E028", "E030", "E032",
        "E035", "E036", "E037", "E038", "E040", "E045", "E046", "E048", "E059", "E060",
        "E062", "E063", "E064", "E065", "W002", "W007")),
    *(_rule(c, "semantics", "channel_checks") for c in (
        "E066", "E067", "E068", "E069", "E070", "E071", "E072", "E073", "E074", "E075", "E076",
        "E077")),
    *(_rule(c, "semantics", "pci_checks") for c in ("E080", "E081", "E082", "E083", "E084")),
    _rule("E033", "semantics", "rules"),         # no room for the hypervisor
    _rule("E061", "placement", "rules"),
    _rule("E031", "images", "rules"),
    _rule("E034", "images", "rules"),
    _rule("E039", "images", "rules", "toolchain", "hypbuild"),  # no build; no compiler; build.mk
    _rule("E049", "images", "rules"),
    _rule("E057", "images", "rules"),
    _rule("E058", "images", "rules"),
    *(_rule(c, "images", "integrity") for c in ("E085", "E086", "E087", "E092")),
    *(_rule(c, "semantics", "integrity") for c in ("E088", "E090", "E091")),
    _rule("W006", "semantics", "integrity"),
    _rule("W001", "semantics", "xsa.support"),
)


@dataclass(frozen=True)
class PartitionPlan:
    """What one partition is given, decided by `check`: its image, where everything goes
    and its device tree (the exact bytes build writes and `hvcfg dt` prints)."""

    image: partimage.PartitionImage
    load: layout.GuestLoad
    dtb: bytes
    initrd: Path | None
    seal: integrity.KernelSeal | None = None

    def files(self, dtb_path: Path, image_path: Path | None = None) -> layout.PartitionFiles:
        """Its blobs, image first, with the device tree stored at `dtb_path` (and the image
        at `image_path` when it was copied)."""
        blobs = [layout.BlobFile("image", image_path or self.image.path, self.load.image_ipa,
                                 self.image.size)]
        if self.initrd is not None and self.load.initrd_ipa is not None:
            blobs.append(layout.BlobFile("initrd", self.initrd, self.load.initrd_ipa,
                                         self.initrd.stat().st_size))
        blobs.append(layout.BlobFile("dtb", dtb_path, self.load.dtb_ipa, len(self.dtb)))
        return layout.PartitionFiles(self.load, tuple(blobs), self.seal)


@dataclass(frozen=True)
class Analysis:
    system: System
    hyp: Reg                                # the hypervisor's physical region
    warnings: tuple[Diagnostic, ...]
    board_dtb: Path
    plans: dict[str, PartitionPlan]         # by partition name


def cache_dir(build_root: Path) -> Path:
    return build_root / ".cache"


def dtb_path(out: Path, name: str) -> Path:
    """Where a partition's device tree is stored inside an output directory."""
    return out / "partitions" / name / f"{name}.dtb"


def analyse(config: Path, build_root: Path = Path("build"), jobs: toolchain.Jobs | None = None,
            on_system: Callable[[System], None] | None = None) -> Analysis:
    """Run every rule on `config`; raises ConfigError with every error found. Partition images
    are compiled by `jobs` (a pool of this call's own when None). `on_system` is called with
    the System once every rule before the images layer passed: `build` starts compiling the
    hypervisor there, so that it shares the cores with the partitions' compilations."""
    if jobs is None:
        with toolchain.Jobs() as own:
            return analyse(config, build_root, own, on_system)
    doc = load.load_config(config)
    spec = model.board_spec_from_doc(doc)
    dtb = toolchain.ensure_dtb(spec, cache_dir(build_root))
    board = platform.with_declared_psci(board_mod.parse_dtb(dtb, spec.pos, ram=spec.memory), spec)
    _stop_on(board_rules(board, spec))
    system = model.build_system(doc, board, spec)
    hyp = layout.free_hypervisor_region(system)
    found = list(system.warnings) + list(support_warnings(system))
    if hyp is None:
        raise ConfigError(_errors(found + checks.check(system, None, system.hypervisor.size) + [
            error("E033", f"no free {format_size(system.hypervisor.size)} of RAM for the "
                  "hypervisor", system.hypervisor.pos)]))
    found += checks.check(system, hyp.base, hyp.size) + integrity.check(system)
    _stop_on(found)
    _stop_on(stage2_over_hypervisor(system, hyp))
    if on_system is not None:
        on_system(system)
    plans, image_errors = _plans(system, dtb, build_root, jobs)
    _stop_on(image_errors)
    _stop_on(hypervisor_size(system, hyp, plans))
    return Analysis(system, hyp, tuple(found), dtb, plans)


def _errors(found: list[Diagnostic]) -> list[Diagnostic]:
    return sorted((d for d in found if d.severity is Severity.ERROR), key=_pos_key)


def _stop_on(found: list[Diagnostic]) -> None:
    if _errors(found):
        raise ConfigError(_errors(found))


def _pos_key(d: Diagnostic) -> tuple[str, int, int]:
    return (d.pos.file, d.pos.line, d.pos.col) if d.pos else ("", 0, 0)


# ---------------------------------------------------------------- devicetree

def pi4_memory_split(board: Board, spec: BoardSpec) -> list[Diagnostic]:
    """E097: on a Raspberry Pi 4 the RAM the board declares must leave the GPU its share of the
    first GiB. The generated config.txt then sets gpu_mem to exactly that share, so the firmware
    cannot put the GPU over the hypervisor or a partition (a larger gpu_mem shrinks the bank)."""
    if not platform.is_bcm2711(board):
        return []
    gpu_mem = platform.pi4_gpu_mem(board)
    top = platform.PI4_GPU_TOP
    first = next((r for r in board.ram if r.base == 0), None)
    gpu_lo = top - (gpu_mem or platform.PI4_MIN_GPU_MEM) * platform.MIB
    inside = [r for r in board.ram if r.base < top and r.end > gpu_lo]
    if gpu_mem is not None and not inside:
        return []
    if inside:
        what = (f"RAM {format_range(inside[0].base, inside[0].size)} reaches into "
                f"{format_range(gpu_lo, top - gpu_lo)}, GPU memory on a Raspberry Pi 4 (the "
                f"first GiB above the first bank; gpu_mem >= {platform.PI4_MIN_GPU_MEM} MiB)")
    elif first is not None:
        what = (f"the first RAM bank {format_range(first.base, first.size)} does not end on "
                "a whole MiB: the Pi 4 firmware gives the ARM [0, 1 GiB - gpu_mem MiB)")
    else:
        what = "no RAM bank starts at 0: the Pi 4 firmware's first bank is [0, 1 GiB - gpu_mem)"
    return [error("E097", what + ": the hypervisor or a partition there would share memory "
                  "with the VideoCore", spec.memory_pos or spec.pos)]


def _dt_name(spec: BoardSpec) -> str:
    """The board DT as the user named it (a QEMU dump lives in a cache file they never wrote)."""
    if spec.dtb is not None:
        return f"the device tree {spec.dtb}"
    machine = spec.qemu.machine if spec.qemu is not None else "?"
    return f"the device tree of QEMU machine '{machine}'"


GICV2_MAX_CPUS = 8


def board_rules(board: Board, spec: BoardSpec) -> list[Diagnostic]:
    """E012: what the hypervisor and its guests' device trees need of the board's DT."""
    gic, dt, out = board.gic, _dt_name(spec), []

    def unsupported(what: str, hint: str) -> None:
        out.append(error("E012", f"{dt} {what}", spec.pos, hint=hint))
    if gic.version != 2:
        unsupported(f"has a GICv{gic.version} ({gic.path}); hvcfg virtualises GICv2 only",
                    "use a board (or QEMU machine option gic-version=2) with a GICv2")
    else:
        missing = [name for name, reg in (("GICC", gic.gicc), ("GICH", gic.gich),
                                          ("GICV", gic.gicv)) if reg is None]
        if missing:
            unsupported(f"describes the GIC {gic.path} without its {', '.join(missing)} "
                        "register frame(s): the hypervisor needs the virtualisation extensions",
                        "use a DT whose GIC `reg` lists GICD, GICC, GICH and GICV (for QEMU: "
                        "virt with virtualization=on)")
        if len(board.cpus) > GICV2_MAX_CPUS:
            unsupported(f"has {len(board.cpus)} CPUs; a GICv2 addresses at most "
                        f"{GICV2_MAX_CPUS} (ITARGETSR, SGI targets and sources are 8-bit)",
                        "describe at most 8 CPUs in the board's DT")
        if gic.maintenance_intid is None:
            unsupported(f"gives the GIC {gic.path} no maintenance interrupt (`interrupts`)",
                        "the GIC node's `interrupts` must name its maintenance PPI (9 on "
                        "most boards)")
    if board.timer is None:
        unsupported("has no architected timer node (compatible arm,armv8-timer) with its "
                    "four interrupts", "add the timer node the board's vendor DT has")
    out += pi4_memory_split(board, spec)
    if platform.board_feature(board) is None:
        unsupported("offers neither PSCI through SMC nor spin-table CPUs with a BCM283x "
                    "power-management block: hvcfg cannot start CPUs or power off on it",
                    "use a DT with a /psci node (method = \"smc\")")
    return out


# ---------------------------------------------------------------- placement

def stage2_over_hypervisor(system: System, hyp: Reg) -> list[Diagnostic]:
    """E061: no stage-2 mapping (RAM, a device page) reaches a physical page the hypervisor
    keeps (its own region; the console, GIC, spin-table and power-management pages) or one
    another partition maps. The GIC CPU interface, which every partition maps onto the banked
    GICV frame, is the one designed exception. The semantic rules (E020-E022, E028, E045,
    E046) catch the usual ways to get here and say more; this one closes the class on the very
    maps the translation tables are built from."""
    gic = system.board.gic
    kept = [(f"the hypervisor's memory {format_range(hyp.base, hyp.size)}", hyp.base, hyp.end,
             system.hypervisor.pos)]
    kept += [(f"the hypervisor's {f.name} page(s) {format_range(f.base, f.end - f.base)}",
              f.base, f.end, system.board_spec.pos) for f in layout.hypervisor_frames(system)
             if f.el2]
    maps = [(p, m) for p in system.partitions
            for m in layout.partition_mappings(p, gic, layout.channel_mappings(system, hyp, p))
            if m.name != layout.GICV_MAPPING]
    out = []
    for i, (p, m) in enumerate(maps):
        # A channel's memory is mapped by its two ends (and by nobody else: E020-like clashes
        # of it with RAM are reported here too).
        others = kept + [(f"{m2.name} {format_range(m2.pa, m2.size)} of partition '{p2.name}'",
                          m2.pa, m2.pa + m2.size, p2.pos) for p2, m2 in maps[:i] if p2 is not p
                         and not (m2.name == m.name
                                  and m.name.startswith(layout.CHANNEL_MAPPING))]
        out += [error("E061", f"the stage 2 of partition '{p.name}' maps {m.name} "
                      f"{format_range(m.pa, m.size)} (IPA {m.va:#x}) over {what}", p.pos,
                      related=[Related(what, pos)])
                for what, lo, hi, pos in others if m.pa < hi and lo < m.pa + m.size]
    return out


# ---------------------------------------------------------------- images

def _plans(system: System, dtb: Path, build_root: Path, jobs: toolchain.Jobs
           ) -> tuple[dict[str, PartitionPlan], list[Diagnostic]]:
    """Every partition's image is built side by side (their compilations share `jobs`); the
    findings are then taken partition by partition, in configuration order."""
    tc = toolchain.find_toolchain(hypbuild.load(hypbuild.HYP_DIR)) \
        if any(p.image.sources for p in system.partitions) else None
    try:
        board_root = guestdt.board_tree(dtb)
    except guestdt.GuestTreeError as exc:
        return {}, [error("E011", str(exc), system.board_spec.pos)]
    # One thread a partition: each only hands its tool runs to `jobs` and waits for them.
    with ThreadPoolExecutor(max_workers=max(1, len(system.partitions))) as builds:
        images = [builds.submit(_image, tc, system, p, cache_dir(build_root), jobs)
                  for p in system.partitions]
    plans: dict[str, PartitionPlan] = {}
    out: list[Diagnostic] = []
    for p, image_of in zip(system.partitions, images, strict=True):
        try:
            image, problems = image_of.result()
            initrd_size = p.initrd.stat().st_size if p.initrd else None
        except OSError as exc:          # unreadable image or initrd, unwritable cache
            out.append(error("E029", f"partition '{p.name}': {exc.strerror}: {exc.filename}",
                             p.image.pos, hint="check the file's permissions (and build/'s)"))
            continue
        out += problems
        if image is None or problems:
            continue
        if initrd_size == 0:
            out.append(error("E057", f"partition '{p.name}': its initrd {p.initrd} is empty",
                             p.pos, hint="leave initrd: out, or give a non-empty archive"))
            continue
        load_ = layout.guest_load(p, image.path, initrd_size)
        problems = _fit(p, image, load_, initrd_size)
        initrd = (load_.initrd_ipa, load_.initrd_end or load_.initrd_ipa) \
            if load_.initrd_ipa is not None else None
        host = channels.bridge(system, p)
        ends = channels.ends(system, p)
        pci = pcihost.dt_node(host, [(e.name, e.doorbell_intid, e.size) for e in ends],
                              guestdt.GIC_PHANDLE) if host is not None else None
        try:
            blob = guestdt.guest_dtb(system, p, board_root, bootargs=p.bootargs,
                                     initrd=initrd, channels=ends, pci=pci)
        except guestdt.GuestTreeError as exc:
            out.append(error("E011", str(exc), system.board_spec.pos))
            continue
        if len(blob) > layout.DTB_SLOT:
            problems.append(error("E034", f"the device tree of partition '{p.name}' is "
                                  f"{len(blob)} bytes, more than its {layout.DTB_SLOT}-byte "
                                  "slot", p.pos,
                                  hint="shorten bootargs, or give the partition fewer devices"))
        seal = None
        if p.integrity is not None and not problems:
            seal, sealing = integrity.load_seal(p, image.path, load_.image_ipa, load_.kernel)
            problems += sealing
        out += problems
        plans[p.name] = PartitionPlan(image, load_, blob, p.initrd, seal)
    return plans, out


def _image(tc: toolchain.Toolchain | None, system: System, p: Partition, cache: Path,
           jobs: toolchain.Jobs) -> tuple[partimage.PartitionImage | None, list[Diagnostic]]:
    """The partition's image and what is wrong with it (E039, E049, E057, E058); `tc` is
    there whenever some partition has sources."""
    pos = p.image.pos
    if p.image.binary is not None:
        image = partimage.prebuilt(p.image.binary)
        if image.is_elf:
            return image, [error(
                "E049", f"partition '{p.name}': image.binary {p.image.binary} is an ELF file; "
                "the partition would execute its ELF header", pos,
                hint=f"convert it (objcopy -O binary {p.image.binary.name} "
                f"{p.image.binary.stem}.bin) or give its sources as image.sources")]
    else:
        try:
            image = partimage.built(tc or toolchain.find_toolchain(hypbuild.load(hypbuild.HYP_DIR)),
                                   system, p, cache, jobs)
        except toolchain.ToolFailed as exc:
            return None, [error("E039", f"partition '{p.name}': {exc}", pos,
                                hint="fix the partition's sources (the tool's output is above)")]
        first = p.memory[0]
        if image.entry is None:
            return image, [error("E058", f"partition '{p.name}': its sources define no "
                                 f"`{partimage.ENTRY_SYMBOL}`", pos)]
        if image.size and image.entry != first.ipa:
            return image, [error("E058", f"partition '{p.name}': `{partimage.ENTRY_SYMBOL}` is "
                                 f"at {image.entry:#x}, but the partition starts at its image's "
                                 f"first byte, IPA {first.ipa:#x}", pos,
                                 hint="put _start in section .text.start (partitions/lib/"
                                 "start.S does)")]
    if image.size == 0:
        return image, [error("E057", f"partition '{p.name}': its image {image.path} is empty",
                             pos)]
    return image, []


def _fit(p: Partition, image: partimage.PartitionImage, load_: layout.GuestLoad,
         initrd_size: int | None) -> list[Diagnostic]:
    """E034: the image (and initrd) fit memory[0] below the device tree slot."""
    first = p.memory[0]
    if load_.kernel and first.ipa % layout.KERNEL_ALIGN:
        return [error("E034", f"partition '{p.name}' boots an arm64 Image, which needs a "
                      f"2 MiB-aligned first region; its IPA is {first.ipa:#x}", first.pos,
                      hint="align memory[0] (base or ipa) to 2 MiB")]
    if load_.used_end > layout.load_limit(p, load_):
        size = load_.image_end - load_.image_ipa
        return [error("E034", f"partition '{p.name}': image ({size} bytes"
                      + (f", initrd {initrd_size} bytes" if initrd_size else "")
                      + f") and its device tree do not fit its first region "
                      f"({format_size(first.size)})", p.image.pos,
                      related=[Related("memory[0]", first.pos)])]
    return []


def hypervisor_size(system: System, hyp: Reg, plans: dict[str, PartitionPlan]
                    ) -> list[Diagnostic]:
    """E031: code, tables, the partitions' images and DTs and the stacks fit the region."""
    files = {name: plan.files(Path(f"{name}.dtb")) for name, plan in plans.items()}
    end = layout.hypervisor_windows(system, hyp, files).end
    if end <= hyp.end:
        return []
    return [error("E031", f"the hypervisor needs {format_size(end - hyp.base)} (code, tables, "
                  f"{sum(len(f.blobs) for f in files.values())} partition image(s) and DTs, "
                  f"stacks) but hypervisor.memory.size is {format_size(hyp.size)}",
                  system.hypervisor.pos, hint=f"make hypervisor.memory.size at least "
                  f"{format_size(align_up(end - hyp.base, layout.BLOCK_2M))}")]

