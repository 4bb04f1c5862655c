"""The compiler pipeline: YAML -> checked system model -> layout -> generated C -> image.

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

from . import board as board_mod
from . import bootfolder, checks, codegen, guestdt, hypbuild, layout as layout_mod, load, model, \
    package, stamp, toolchain
from .board import Reg
from .diagnostics import ConfigError, Diagnostic, Severity, error
from .model import Partition, System

HYP_DIR = Path(os.environ.get("HVCFG_HYP_DIR", Path(__file__).resolve().parents[2] / "hyp"))
PACKAGE_DIR = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Analysis:
    system: System
    hyp: Reg                       # the hypervisor's physical region
    warnings: tuple[Diagnostic, ...]


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


def cache_dir(build_root: Path) -> Path:
    return build_root / ".cache"


def analyse(config: Path, build_root: Path = Path("build")) -> Analysis:
    """Load, resolve and check a configuration; raises ConfigError with every error found."""
    doc = load.load_config(config)
    spec = model.board_spec_from_doc(doc)
    dtb = toolchain.ensure_dtb(spec, cache_dir(build_root))
    board = board_mod.parse_dtb(dtb, spec.pos, ram=spec.memory)
    system = model.build_system(doc, board, spec)
    hyp = layout_mod.place_hypervisor(system)
    diags = list(system.warnings) + checks.check(system, hyp.base, hyp.size) \
        + _support_warnings(system)
    errors = [d for d in diags if d.severity is Severity.ERROR]
    if errors:
        raise ConfigError(errors)
    return Analysis(system, hyp, tuple(diags))


def _support_warnings(system: System) -> list[Diagnostic]:
    try:
        from .xsa.support import support_warnings
    except ImportError:
        return []
    return list(support_warnings(system))


def load_system(config: Path, build_root: Path = Path("build")) -> System:
    return analyse(config, build_root).system


def fingerprint(system: System, dtb_inputs: tuple[Path, ...] = ()) -> str:
    """A digest of everything a build reads: unchanged means the image is up to date."""
    h = hashlib.sha256()
    files = list(system.inputs) + list(dtb_inputs)
    files += sorted(HYP_DIR.rglob("*.[chS]")) + sorted(PACKAGE_DIR.rglob("*.py"))
    files += sorted(PACKAGE_DIR.glob("templates/*"))
    for p in system.partitions:
        files += list(p.image.sources) + ([p.image.binary] if p.image.binary else [])
        files += [p.initrd] if p.initrd else []
    for f in files:
        h.update(str(f.resolve()).encode())
        h.update(f.read_bytes() if f.exists() else b"<missing>")
    h.update(repr(system.board).encode())
    return h.hexdigest()


def _build_partition(tc: toolchain.Toolchain, system: System, p: Partition, out: Path) -> Path:
    """A bare-metal partition built from sources, linked at its IPA, as a raw binary."""
    gen = out / "gen"
    gen.mkdir(parents=True, exist_ok=True)
    inputs = system.inputs
    (gen / "partition_config.h").write_text(
        codegen.render_partition_header(p, system.board.gic, inputs))
    (gen / "partition.ld").write_text(codegen.render_partition_ld(p, inputs))
    elf = out / f"{p.name}.elf"
    defines = tuple(f"-D{name}={value}" for name, value in p.defines)
    toolchain.compile_and_link(tc, list(p.image.sources), [gen, p.spec_dir], gen / "partition.ld",
                               out / "obj", elf, defines)
    binary = out / f"{p.name}.bin"
    toolchain.objcopy_binary(tc, elf, binary)
    return binary


def _partition_files(tc: toolchain.Toolchain, system: System, staging: Path, dtb: Path
                     ) -> tuple[dict[str, layout_mod.GuestLoad], dict[str, list[tuple[str, Path, int]]]]:
    """Each partition's image (built or prebuilt), initrd and generated device tree, placed."""
    loads: dict[str, layout_mod.GuestLoad] = {}
    files: dict[str, list[tuple[str, Path, int]]] = {}
    for p in system.partitions:
        out = staging / "partitions" / p.name
        image = p.image.binary if p.image.binary is not None else \
            _build_partition(tc, system, p, out)
        initrd_size = p.initrd.stat().st_size if p.initrd else None
        load = layout_mod.guest_load(p, image, initrd_size)
        initrd = (load.initrd_ipa, load.initrd_ipa + initrd_size) \
            if load.initrd_ipa is not None and initrd_size is not None else None
        blob = guestdt.guest_dtb(system, p, dtb, bootargs=p.bootargs, initrd=initrd)
        if len(blob) > layout_mod.DTB_SLOT:
            raise ConfigError(error("E034", f"the device tree of partition '{p.name}' is "
                                    f"{len(blob)} bytes, more than its {layout_mod.DTB_SLOT}-byte "
                                    "slot", p.pos))
        out.mkdir(parents=True, exist_ok=True)
        (out / f"{p.name}.dtb").write_bytes(blob)
        files[p.name] = [("image", image, load.image_ipa)]
        if p.initrd is not None and load.initrd_ipa is not None:
            files[p.name].append(("initrd", p.initrd, load.initrd_ipa))
        files[p.name].append(("dtb", out / f"{p.name}.dtb", load.dtb_ipa))
        loads[p.name] = load
    return loads, files


def build(config: Path, build_root: Path = Path("build"),
          analysis: Analysis | None = None) -> BuildResult:
    """Build `config` (its analysis may be passed in when the caller already has it)."""
    analysis = analysis or analyse(config, build_root)
    system = analysis.system
    tc = toolchain.find_toolchain(hypbuild.load(HYP_DIR))
    final = out_dir(system, build_root)
    staging = build_root / f".{final.name}.staging-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        result = _build_into(tc, analysis, staging, final)
        summary = _verify_staged(analysis, staging, final)
        stamp.write(staging, fingerprint(system))           # the last file written
        _replace_dir(staging, final)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return dataclasses.replace(result, verify_summary=summary)


def _verify_staged(analysis: Analysis, staging: Path, final: Path) -> str:
    """Verify the staged image; on findings move it aside (unbootable) and raise VerifyFailed."""
    from .verify import verify_elf
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


def _build_into(tc: toolchain.Toolchain, analysis: Analysis, staging: Path, final: Path) -> BuildResult:
    system = analysis.system
    dtb = toolchain.ensure_dtb(system.board_spec, cache_dir(staging.parent))
    loads, files = _partition_files(tc, system, staging, dtb)
    lay = layout_mod.compute_layout(system, analysis.hyp, loads, files)
    inputs = system.inputs
    gen = staging / "gen"
    gen.mkdir()
    files = {
        "hvcfg_config.h": codegen.render_config_h(system, lay, inputs),
        "hvcfg_config.c": codegen.render_config_c(system, lay, inputs),
        "pgtables.s": codegen.render_pgtables(system, lay, inputs),
        "images.s": codegen.render_images(lay, inputs),
        "hyp.ld": codegen.render_linker_script(system, lay, inputs),
        "features.mk": hypbuild.features_mk(codegen.hyp_features(system)),
    }
    for name, text in files.items():
        (gen / name).write_text(text)
    (gen / "asm-offsets.h").write_text(toolchain.asm_offsets(       # the assembly's offsets
        tc, HYP_DIR / hypbuild.load(HYP_DIR).asm_offsets, [HYP_DIR / "include", gen],
        staging / "obj"))
    sources = codegen.hyp_sources(system, HYP_DIR)
    # Generated assembly is .s, not .S: never preprocessed, so a partition called `linux`
    # is not turned into `1` by the C preprocessor.
    sources += [gen / "hvcfg_config.c", gen / "pgtables.s", gen / "images.s"]
    elf = staging / "hyp.elf"
    toolchain.compile_and_link(tc, sources, [HYP_DIR / "include", gen], gen / "hyp.ld",
                               staging / "obj", elf)
    binary = staging / "hyp.bin"
    toolchain.objcopy_binary(tc, elf, binary)
    if bootfolder.needs_boot_folder(system):
        bootfolder.write_boot_folder(staging, binary)     # the Pi firmware's SD-card folder
    # Texts name the directory the outputs end up in, not the staging one.
    (staging / "memory-map.txt").write_text(layout_mod.describe(lay, system))
    (staging / "manifest.json").write_text(
        package.manifest(system, lay, binary).replace(str(staging), str(final)))
    return BuildResult(analysis, final, final / "hyp.elf", final / "hyp.bin",
                       final / "memory-map.txt", final / "manifest.json", "")


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
