# SPDX-License-Identifier: Apache-2.0
"""Partition images, as inputs of the configuration: a prebuilt binary as given, or bare-metal
sources compiled and linked at the partition's IPA.

Images built from sources go to build/.cache/partitions/<name>-<digest>/, keyed by a digest of
the toolchain, flags, generated header and linker script and the sources; a hit also needs every
header the compiler read (its `.d` files) unchanged. `hvcfg check` builds them (it needs their
size and entry) and `hvcfg build` reuses them. This module reports facts; rules.py decides what
is wrong with them.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from elftools.common.exceptions import ELFError
from elftools.elf.elffile import ELFFile
from elftools.elf.sections import SymbolTableSection

from . import codegen, digest, toolchain
from .model import Partition, System

ELF_MAGIC = b"\x7fELF"
ENTRY_SYMBOL = "_start"


@dataclass(frozen=True)
class PartitionImage:
    """The raw binary loaded at a partition's memory[0] and what is known about it."""

    path: Path
    size: int
    is_elf: bool                 # a prebuilt "binary" that is an ELF file
    elf: Path | None = None      # built from sources: the linked ELF
    entry: int | None = None     # built from sources: the address of _start, None if undefined
    link_base: int | None = None  # built from sources: where the binary's first byte is linked


def prebuilt(path: Path) -> PartitionImage:
    with path.open("rb") as f:
        head = f.read(len(ELF_MAGIC))
    return PartitionImage(path, path.stat().st_size, head == ELF_MAGIC)


def _digest(parts: list[bytes]) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(len(part).to_bytes(8, "little") + part)
    return h.hexdigest()


def _file_digest(path: Path) -> str:
    return digest.sha256(path) if path.is_file() else "<missing>"


def built(tc: toolchain.Toolchain, system: System, p: Partition, cache: Path,
          jobs: toolchain.Jobs) -> PartitionImage:
    """The image of a partition built from sources: from the cache, or compiled into it (its
    tool runs by `jobs`). Raises toolchain.ToolFailed when its sources do not compile or link."""
    header = codegen.render_partition_header(system, p, system.inputs)
    script = codegen.render_partition_ld(p, system.inputs)
    defines = tuple(f"-D{name}={value}" for name, value in p.defines)
    includes = [str(d.resolve()) for d in p.image.include_dirs]
    key = _digest([tc.prefix.encode(), repr((tc.cflags, tc.ldflags, defines,
                                             str(p.spec_dir.resolve()), includes)).encode(),
                   header.encode(), script.encode()]
                  + [f"{s.resolve()}\0{_file_digest(s)}".encode() for s in p.image.sources])
    entry_dir = cache / "partitions" / f"{codegen.ident(p.name)}-{key[:20]}"
    if not _valid(entry_dir):
        tmp = entry_dir.with_name(f"{entry_dir.name}.tmp-{os.getpid()}")
        shutil.rmtree(tmp, ignore_errors=True)
        try:
            _build(tc, jobs, p, tmp, header, script, defines)
            shutil.rmtree(entry_dir, ignore_errors=True)
            tmp.rename(entry_dir)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    elf, binary = entry_dir / f"{p.name}.elf", entry_dir / f"{p.name}.bin"
    entry, link_base = _entry(elf)
    return PartitionImage(binary, binary.stat().st_size, False, elf, entry, link_base)


def _build(tc: toolchain.Toolchain, jobs: toolchain.Jobs, p: Partition, out: Path, header: str,
           script: str, defines: tuple[str, ...]) -> None:
    gen = out / "gen"
    gen.mkdir(parents=True)
    (gen / "partition_config.h").write_text(header)
    (gen / "partition.ld").write_text(script)
    elf = out / f"{p.name}.elf"
    toolchain.compile_and_link(tc, jobs, list(p.image.sources),
                               [gen, p.spec_dir, *p.image.include_dirs],
                               gen / "partition.ld", out / "obj", elf, defines, deps=True)
    toolchain.objcopy_binary(tc, elf, out / f"{p.name}.bin", jobs)
    inputs = {str(f.resolve()): _file_digest(f) for f in toolchain.depfile_inputs(out / "obj")
              if out.resolve() not in f.resolve().parents}
    (out / "inputs.json").write_text(json.dumps(inputs, indent=1, sort_keys=True))


def _valid(entry_dir: Path) -> bool:
    """A complete cache entry whose recorded inputs (headers included) are unchanged."""
    record = entry_dir / "inputs.json"
    if not record.is_file():
        return False
    try:
        inputs = json.loads(record.read_text())
    except ValueError:
        return False
    return all(_file_digest(Path(f)) == digest for f, digest in inputs.items())


def _entry(elf: Path) -> tuple[int | None, int | None]:
    """(address of _start or None, address of the first loaded byte) of a linked partition."""
    with elf.open("rb") as f:
        try:
            image = ELFFile(f)
            loads = [seg["p_paddr"] for seg in image.iter_segments()
                     if seg["p_type"] == "PT_LOAD" and seg["p_filesz"]]
            symtab = image.get_section_by_name(".symtab")
            found = symtab.get_symbol_by_name(ENTRY_SYMBOL) \
                if isinstance(symtab, SymbolTableSection) else None
        except ELFError:
            return None, None
    entry = next((s["st_value"] for s in found or () if s["st_shndx"] != "SHN_UNDEF"), None)
    return entry, min(loads) if loads else None
