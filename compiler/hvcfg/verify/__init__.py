# SPDX-License-Identifier: Apache-2.0
"""verify: an independent check of the built image (docs/verify.md).

    report = verify_elf(Path("build/qemu-virt/hyp.elf"))          # config from manifest.json
    report = verify_elf(elf, system)                               # a System already analysed
    report.clean, report.findings, report.render(), report.dumps()

Reads the final ELF, finds the translation tables through hv_boot_regs, hv_partitions and
hv_pgtables, walks them as the MMU would (walker.py, no code shared with hvcfg.tables) and
proves the rules in rules.py against what the configuration grants. A file that cannot be
verified at all raises VerifyError (a message, never a traceback, in the CLI).
"""
from __future__ import annotations

import json
from pathlib import Path

from ..model import System
from .command import register
from .elfimage import ElfImage, VerifyError
from .report import FINDINGS, Finding, Report
from .rules import BlobDigests, DigestSource, ManifestDigests, Verifier

__all__ = ["verify_elf", "register", "Report", "Finding", "FINDINGS", "VerifyError",
           "DigestSource", "ManifestDigests", "BlobDigests", "load_manifest", "system_for"]


def load_manifest(elf: Path) -> dict | None:
    """manifest.json next to the ELF, or None when there is none."""
    path = Path(elf).with_name("manifest.json")
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise VerifyError(f"{path}: unreadable manifest ({exc})") from None
    if not isinstance(data, dict):
        raise VerifyError(f"{path}: manifest is not a JSON object")
    return data


def _find_config(recorded: str, elf: Path) -> Path:
    p = Path(recorded)
    if p.is_absolute():
        return p
    # Relative to the directory hvcfg was run from: try here, then the ELF's ancestors.
    for base in [Path.cwd(), *Path(elf).resolve().parents]:
        if (base / p).is_file():
            return base / p
    raise VerifyError(f"the configuration {recorded} recorded in manifest.json was not found "
                      "(give it with --config)")


def system_for(config: Path, build_root: Path) -> System:
    """The System a board file describes (checked as `hvcfg check` does)."""
    from .. import pipeline
    return pipeline.analyse(config, build_root).system


def verify_elf(elf: Path, system: System | None = None, *, config: Path | None = None,
               build_root: Path | None = None, manifest: dict | None = None,
               digest_sources: list[DigestSource] | None = None) -> Report:
    """Verify `elf` against `system` (or the configuration `config`, or the one recorded in
    manifest.json next to the ELF). Raises VerifyError when the image cannot be read, and
    hvcfg's ConfigError when the configuration itself is bad."""
    elf = Path(elf)
    img = ElfImage(elf)
    if manifest is None:
        manifest = load_manifest(elf)
    if system is None:
        if config is None:
            if manifest is None or "config" not in manifest:
                raise VerifyError(f"{elf}: no manifest.json with the configuration next to it; "
                                  "give the board file with --config")
            config = _find_config(str(manifest["config"]), elf)
        root = build_root if build_root is not None else elf.resolve().parent.parent
        system = system_for(config, root)
    report = Report(str(elf), str(system.config_path))
    if digest_sources is None:
        sources: list[DigestSource] = [ManifestDigests(manifest)] if manifest is not None else []
        verifier = Verifier(img, system, report, sources, blob_digests=True)
    else:
        verifier = Verifier(img, system, report, list(digest_sources), blob_digests=False)
    verifier.run()
    report.finish()
    return report
