# SPDX-License-Identifier: Apache-2.0
"""The build: a configuration `check` accepted (rules.analyse) -> layout -> generated C ->
the hypervisor compiled and linked -> verified image. Every rule ran in `check`; what can fail
here is a bug (an internal error), or verification (E047), which means one too.

Outputs are produced in a staging directory, verified there (hvcfg.verify) and moved into
build/<board>/ with their verified stamp (stamp.py) only when every step succeeded, so a failed
build never leaves partial output behind. An image that fails verification is moved to
build/<board>.rejected/ for inspection, without hyp.bin or boot/, and build/<board>/ is removed.
"""
from __future__ import annotations

import dataclasses
import hashlib
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from . import bootfolder, codegen, hypbuild, memmap_svg, package, stamp, toolchain
from . import layout as layout_mod
from .diagnostics import ConfigError, error
from .model import System
from .rules import Analysis, analyse, dtb_path
from .verify import verify_elf

__all__ = ["Analysis", "BuildResult", "VerifyFailed", "analyse", "build", "ensure_built",
           "is_up_to_date", "load_system", "out_dir"]

HYP_DIR = hypbuild.HYP_DIR
PACKAGE_DIR = Path(__file__).resolve().parent


@dataclass(frozen=True)
class BuildResult:
    analysis: Analysis
    out_dir: Path
    elf: Path
    bin: Path
    memory_map: Path
    manifest: Path
    verify_summary: str             # the last line of the verification report


class VerifyFailed(ConfigError):
    """The built image does not match its configuration: nothing was installed."""

    def __init__(self, report_text: str, elf: Path, rejected: Path, final: Path):
        self.report_text = report_text
        super().__init__(error(
            "E047", f"{elf} failed verification; {final} was removed and nothing in it can be "
            f"run or flashed (the rejected output, without hyp.bin, is in {rejected})", None))


def out_dir(system: System, build_root: Path) -> Path:
    """build/<board file name>: two board files for one board (say, two demos) do not collide."""
    return build_root / system.config_path.stem


def load_system(config: Path, build_root: Path = Path("build")) -> System:
    return analyse(config, build_root).system


def _tree_files(root: Path) -> list[Path]:
    return sorted(f for f in root.rglob("*") if f.is_file() and "__pycache__" not in f.parts)


def fingerprint(system: System, dtb_inputs: tuple[Path, ...] = ()) -> str:
    """A digest of everything a build reads: unchanged means the image is up to date."""
    h = hashlib.sha256()
    files = list(system.inputs) + list(dtb_inputs)
    # Every file of hyp/ (sources, build.mk, hypercalls.yaml, asm-offsets.sed) and of the
    # compiler (code, templates, schemas).
    files += _tree_files(HYP_DIR) + _tree_files(PACKAGE_DIR)
    for p in system.partitions:
        files += list(p.image.sources) + ([p.image.binary] if p.image.binary else [])
        files += [p.initrd] if p.initrd else []
    for f in files:
        h.update(str(f.resolve()).encode())
        h.update(f.read_bytes() if f.exists() else b"<missing>")
    h.update(repr(system.board).encode())
    return h.hexdigest()


def build(config: Path, build_root: Path = Path("build"),
          analysis: Analysis | None = None) -> BuildResult:
    """Build `config` (its analysis may be passed in when the caller already has it). The
    hypervisor's own sources start compiling as soon as the configuration's System is known,
    on the cores the partitions' compilations leave free (HypCompile)."""
    tc = toolchain.find_toolchain(hypbuild.load(HYP_DIR))
    staged: list[Path] = []       # the staging directory, once on_system made it
    try:
        with toolchain.Jobs() as jobs:
            early: list[HypCompile] = []

            def on_system(system: System) -> None:
                staged.append(_staging(build_root, out_dir(system, build_root)))
                try:
                    early.append(HypCompile.start(tc, jobs, system, staged[0]))
                except OSError:
                    pass    # an input the images layer diagnoses (E029, E085): start again below

            if analysis is None:
                analysis = analyse(config, build_root, jobs, on_system)
            else:
                on_system(analysis.system)
            if not early:           # every rule has passed: a failure now is one to report
                early.append(HypCompile.start(tc, jobs, analysis.system, staged[0]))
            final = out_dir(analysis.system, build_root)
            inputs_digest = fingerprint(analysis.system)    # while the hypervisor compiles
            result = _build_into(tc, jobs, analysis, early[0], staged[0], final)
        summary = _verify_staged(analysis, staged[0], final)
        stamp.write(staged[0], inputs_digest)           # the last file written
        _replace_dir(staged[0], final)
    except BaseException:
        for d in staged:
            shutil.rmtree(d, ignore_errors=True)
        raise
    return dataclasses.replace(result, verify_summary=summary)


def _staging(build_root: Path, final: Path) -> Path:
    staging = build_root / f".{final.name}.staging-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    (staging / "gen").mkdir()
    return staging


@dataclass
class HypCompile:
    """The hypervisor's own sources (hyp/), compiling in the background: they read only the
    generated hvcfg_config.h and asm-offsets.h, which depend on the System and not on the
    partitions' images, so they need not wait for the images layer."""

    sources: list[Path]
    compilation: toolchain.Compilation

    @staticmethod
    def start(tc: toolchain.Toolchain, jobs: toolchain.Jobs, system: System,
              staging: Path) -> HypCompile:
        gen = staging / "gen"
        (gen / "hvcfg_config.h").write_text(
            codegen.render_config_h(system, layout_mod.STACK_SIZE, system.inputs))
        try:
            (gen / "asm-offsets.h").write_text(toolchain.asm_offsets(   # the assembly's offsets
                tc, HYP_DIR / hypbuild.load(HYP_DIR).asm_offsets, [HYP_DIR / "include", gen],
                staging / "obj"))
        except toolchain.ToolFailed as exc:
            raise HypBuildFailed(str(exc)) from None
        sources = codegen.hyp_sources(system, HYP_DIR)
        return HypCompile(sources, toolchain.start_compile(
            tc, jobs, sources, [HYP_DIR / "include", gen], staging / "obj",
            priority=toolchain.BACKGROUND))


def _verify_staged(analysis: Analysis, staging: Path, final: Path) -> str:
    """Verify the staged image; on findings move it aside (unbootable) and raise VerifyFailed."""
    report = verify_elf(staging / "hyp.elf", analysis.system)
    if report.clean:
        return report.render().splitlines()[-1]
    rejected = final.with_name(f"{final.name}.rejected")
    shutil.rmtree(rejected, ignore_errors=True)
    for unbootable in (staging / "hyp.bin", staging / bootfolder.BOOT_DIR):
        if unbootable.is_dir():
            shutil.rmtree(unbootable)
        else:
            unbootable.unlink(missing_ok=True)
    staging.rename(rejected)
    shutil.rmtree(final, ignore_errors=True)
    raise VerifyFailed(report.render(), final / "hyp.elf", rejected, final)


def _build_into(tc: toolchain.Toolchain, jobs: toolchain.Jobs, analysis: Analysis,
                hyp: HypCompile, staging: Path, final: Path) -> BuildResult:
    """Everything `check` did not: store the partitions' files, generate the hypervisor's
    configuration, compile, link and package it. Nothing here can fail on a configuration
    `check` accepted: a failure is an internal error (HypBuildFailed)."""
    system = analysis.system
    files = {}
    for p in system.partitions:
        plan = analysis.plans[p.name]
        out = staging / "partitions" / p.name
        out.mkdir(parents=True, exist_ok=True)
        dtb_path(staging, p.name).write_bytes(plan.dtb)
        image = plan.image.path
        if plan.image.elf is not None:      # built from sources: the output holds its ELF too
            shutil.copyfile(plan.image.elf, out / f"{p.name}.elf")
            image = out / f"{p.name}.bin"
            shutil.copyfile(plan.image.path, image)
        files[p.name] = plan.files(dtb_path(staging, p.name), image)
    lay = layout_mod.compute_layout(system, analysis.hyp, files)
    inputs = system.inputs
    gen = staging / "gen"
    texts = {
        "hvcfg_config.c": codegen.render_config_c(system, lay, inputs),
        "pgtables.s": codegen.render_pgtables(system, lay, inputs),
        "images.s": codegen.render_images(lay, inputs, gen),
        "hyp.ld": codegen.render_linker_script(system, lay, inputs),
        "features.mk": codegen.features_mk(system),
    }
    for name, text in texts.items():
        (gen / name).write_text(text)
    # Generated assembly is .s, not .S: never preprocessed, so a partition called `linux`
    # is not turned into `1` by the C preprocessor.
    generated = toolchain.start_compile(
        tc, jobs, [gen / "hvcfg_config.c", gen / "pgtables.s", gen / "images.s"],
        [HYP_DIR / "include", gen], staging / "obj", first=len(hyp.sources))
    # What needs no image is written while the hypervisor compiles. Texts name the directory
    # the outputs end up in, not the staging one.
    (staging / "memory-map.txt").write_text(layout_mod.describe(lay, system))
    (staging / "memory-map.svg").write_text(
        memmap_svg.from_layout(lay, system, layout_mod.placed_regions(lay, system)))
    elf = staging / "hyp.elf"
    binary = staging / "hyp.bin"
    try:
        hyp.compilation.wait()
        generated.wait()
        toolchain.link(tc, jobs, hyp.compilation.objs + generated.objs, gen / "hyp.ld", elf)
        toolchain.objcopy_binary(tc, elf, binary, jobs)
    except toolchain.ToolFailed as exc:
        raise HypBuildFailed(str(exc)) from None
    if bootfolder.needs_boot_folder(system):
        bootfolder.write_boot_folder(staging, binary,     # the Pi firmware's SD-card folder
                                     bootfolder.firmware_settings(system))
    (staging / "manifest.json").write_text(
        package.manifest(system, lay, binary).replace(str(staging), str(final)))
    return BuildResult(analysis, final, final / "hyp.elf", final / "hyp.bin",
                       final / "memory-map.txt", final / "manifest.json", "")


class HypBuildFailed(RuntimeError):
    """The hypervisor did not compile or link for a configuration `check` accepted: a bug."""


def _replace_dir(new: Path, final: Path) -> None:
    old = final.with_name(f".{final.name}.old-{os.getpid()}")
    if final.exists():
        final.rename(old)
    new.rename(final)
    shutil.rmtree(old, ignore_errors=True)


def ensure_built(config: Path, build_root: Path = Path("build"), rebuild: bool = False
                 ) -> tuple[Analysis, BuildResult | None]:
    """Analyse once; build (and verify) unless build_root holds a verified build of exactly
    these inputs (or when `rebuild`). The BuildResult is None when it did. The only way for a
    consumer to get at build outputs: a build that fails verification raises VerifyFailed."""
    analysis = analyse(config, build_root)
    if rebuild or not is_up_to_date(analysis, build_root):
        return analysis, build(config, build_root, analysis)
    return analysis, None


def is_up_to_date(analysis: Analysis, build_root: Path) -> bool:
    """build/<board>/ holds a verified build of these inputs, unchanged since."""
    out = out_dir(analysis.system, build_root)
    return stamp.problem(out, fingerprint(analysis.system)) is None
