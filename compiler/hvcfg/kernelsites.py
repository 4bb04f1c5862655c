# SPDX-License-Identifier: Apache-2.0
"""The kernel's own patch sites (docs/integrity.md): the file `IMAGE.sites` next to a sealed
kernel's Image, written by scripts/kernel-layout from the kernel's debug vmlinux and read by
integrity.py (the hypervisor's site tables) and `hvcfg verify`.

Standard library only: scripts/kernel-layout imports this module with the system python3, so
the format is written down once. Little-endian, offsets from `_text`, both lists sorted:

  8 bytes   MAGIC
  u32       number of jump sites J,  u32 number of ftrace sites F
  J x (u32 site, u32 target)   a static key's instruction (`__jump_table`): NOP or `B target`
  F x u32 site                 a traced function's call (`__mcount_loc` + 4): NOP or a BL to
                               ftrace's entries

About 6,300 + 36,800 sites, 197 KB, for Debian's 6.1 cloud kernel. Binary rather than JSON
because it is the hypervisor's table as it is (a JSON list would be twice the size); the
layout records its SHA-256, which binds it to the layout and so (E086) to the Image.
"""
from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass
from pathlib import Path

MAGIC = b"hvsites\x01"
HEADER = struct.Struct("<8sII")
JUMP = struct.Struct("<II")
INSN = 4


@dataclass(frozen=True)
class KernelSites:
    """A kernel's patch sites, offsets from `_text`."""

    jumps: tuple[tuple[int, int], ...]      # (site, target), by site
    ftrace: tuple[int, ...]                 # the word a traced function's call toggles

    def encode(self) -> bytes:
        return (HEADER.pack(MAGIC, len(self.jumps), len(self.ftrace))
                + b"".join(JUMP.pack(s, t) for s, t in self.jumps)
                + struct.pack(f"<{len(self.ftrace)}I", *self.ftrace))


NO_SITES = KernelSites((), ())


def sites_path(image: Path) -> Path:
    """Where the patch sites of an Image are: next to it, like its layout."""
    return image.with_name(image.name + ".sites")


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _increasing(values: list[int], what: str) -> None:
    for a, b in zip(values, values[1:], strict=False):
        if b <= a:
            raise ValueError(f"{what} {b:#x} follows {a:#x}: not sorted, or repeated")


def decode(data: bytes, text: tuple[int, int]) -> KernelSites:
    """The sites in `data` for a text of offsets [text[0], text[1]); ValueError says what is
    wrong: every site and target an instruction of that text, each list strictly increasing,
    no site in both (the hypervisor would not know which instructions belong there)."""
    if len(data) < HEADER.size:
        raise ValueError(f"{len(data)} bytes, shorter than its header")
    magic, njump, nftrace = HEADER.unpack_from(data)
    if magic != MAGIC:
        raise ValueError(f"magic {magic!r}, expected {MAGIC!r}")
    want = HEADER.size + njump * JUMP.size + nftrace * INSN
    if len(data) != want:
        raise ValueError(f"{len(data)} bytes, its header says {want}")
    jumps = [JUMP.unpack_from(data, HEADER.size + i * JUMP.size) for i in range(njump)]
    ftrace = list(struct.unpack_from(f"<{nftrace}I", data, HEADER.size + njump * JUMP.size))
    for what, values in (("jump site", [s for s, _ in jumps]),
                         ("jump target", [t for _, t in jumps]), ("ftrace site", ftrace)):
        bad = next((v for v in values if v % INSN or not text[0] <= v < text[1]), None)
        if bad is not None:
            raise ValueError(f"{what} {bad:#x} is not an instruction of the text "
                             f"[{text[0]:#x}, {text[1]:#x})")
    _increasing([s for s, _ in jumps], "jump site")
    _increasing(ftrace, "ftrace site")
    both = sorted({s for s, _ in jumps} & set(ftrace))
    if both:
        raise ValueError(f"site {both[0]:#x} is both a jump site and an ftrace site")
    return KernelSites(tuple(jumps), tuple(ftrace))
