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

The sites are also derived again from the Image's own tables (`from_image`, with the bounds the
layout records): `__jump_table` is position-independent, and `__mcount_loc`'s addresses are the
addends of its R_AARCH64_RELATIVE relocations in the Image's `.rela.dyn`; `select` is the one
rule both scripts/kernel-layout and that derivation apply, so a site file can declare only what
the booted kernel's tables declare (E092).
"""
from __future__ import annotations

import hashlib
import struct
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

MAGIC = b"hvsites\x01"
HEADER = struct.Struct("<8sII")
JUMP = struct.Struct("<II")
INSN = 4
JUMP_ENTRY = struct.Struct("<iiq")      # arm64 `struct jump_entry`: {s32 code; s32 target; s64 key}
RELA = struct.Struct("<QQQ")            # Elf64_Rela {r_offset; r_info; r_addend}, unsigned
R_AARCH64_RELATIVE = 1027
# Layout symbols (offsets from _text) bounding the tables the sites are derived from
JUMP_TABLE = ("__start___jump_table", "__stop___jump_table")
MCOUNT_LOC = ("__start_mcount_loc", "__stop_mcount_loc")
RELA_DYN = ("__rela_start", "__rela_end")
TABLES = JUMP_TABLE + MCOUNT_LOC + RELA_DYN
INSN_NOP = 0xD503201F


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


def jump_entries(table: bytes, at: int) -> list[tuple[int, int]]:
    """(code, target) of each `__jump_table` entry in `table`, which lies at `at`: each field
    is relative to its own address, so the result is in `at`'s units (VA or Image offset)."""
    out = []
    for off in range(0, len(table) - len(table) % JUMP_ENTRY.size, JUMP_ENTRY.size):
        code, target, _key = JUMP_ENTRY.unpack_from(table, off)
        out.append((at + off + code, at + off + 4 + target))
    return out


def mcount_entries(locs: bytes, at: int, relas: Iterable[bytes]) -> list[int]:
    """The addresses `__mcount_loc` (u64 words at VA `at`) lists: a word, or for a relocatable
    kernel (the words are zero) the addend of its R_AARCH64_RELATIVE relocation in `relas`."""
    n = len(locs) // 8
    found = dict(zip(range(at, at + 8 * n, 8), struct.unpack_from(f"<{n}Q", locs), strict=True))
    for rela in relas:
        for off in range(0, len(rela) - len(rela) % RELA.size, RELA.size):
            r_offset, r_info, addend = RELA.unpack_from(rela, off)
            if r_offset in found and r_info & 0xFFFFFFFF == R_AARCH64_RELATIVE:
                found[r_offset] = addend
    return list(found.values())


def select(jumps: Iterable[tuple[int, int]], functions: Iterable[int], text: tuple[int, int]
           ) -> KernelSites:
    """The patch sites of the text [text[0], text[1]) (`_stext`, `_etext`: init text is freed)
    among `__jump_table`'s (site, target) pairs and `__mcount_loc`'s function entries (the
    call ftrace toggles is the second of -fpatchable-function-entry=2's NOPs: entry + 4);
    ValueError if one site has two targets. Nothing else is a site: a site must come from the
    kernel's own tables, which the compiler reads again in the Image (a layout's symbol could
    name any word; so ftrace's graph call, which 6.1's arm64 kernel does not have, is none)."""
    pairs: dict[int, int] = {}
    for site, target in jumps:
        if text[0] <= site < text[1] and pairs.setdefault(site, target) != target:
            raise ValueError(f"jump site {site:#x} has two targets")
    return KernelSites(tuple(sorted(pairs.items())),
                       tuple(sorted(f + INSN for f in set(functions) if text[0] <= f < text[1])))


def branch(site: int, target: int) -> int:
    """`B target` at `site`."""
    return 0x14000000 | ((target - site) >> 2 & 0x03FFFFFF)


def check_words(sites: KernelSites, word: Callable[[int], int]) -> None:
    """ValueError unless each site holds what its kind starts with in the built kernel
    (`word(site)`, in the sites' units): a static key NOP or `B` to its target, a traced
    function's entry two NOPs (else another ftrace scheme)."""
    for site, dest in sites.jumps:
        w = word(site)
        if w != INSN_NOP and w != branch(site, dest):
            raise ValueError(f"jump site {site:#x} holds {w:#010x}, neither NOP nor B {dest:#x}")
    for call in sites.ftrace:
        if word(call - INSN) != INSN_NOP or word(call) != INSN_NOP:
            raise ValueError(f"function entry {call - INSN:#x} does not start with two NOPs "
                             "(not -fpatchable-function-entry=2: another ftrace scheme)")


def from_image(image: bytes, symbols: dict[str, int], text_va: int, text: tuple[int, int]
               ) -> KernelSites:
    """The patch sites the Image's own tables declare, offsets from `_text`: `symbols` are the
    layout's (offsets of the TABLES bounds), `text_va` the link-time address of `_text`, `text`
    (`_stext`, `_etext`). ValueError if a bound is missing, a table not whole 8-aligned entries
    of the Image's data after the text, or a site's word in the Image not one it may hold."""
    def span(names: tuple[str, str], entry: int) -> bytes:
        """The table between two symbols: whole entries, data of the Image past the text."""
        if any(n not in symbols for n in names):
            raise ValueError(f"the layout has no {names[0]}/{names[1]}")
        lo, hi = symbols[names[0]], symbols[names[1]]
        if not text[1] <= lo <= hi <= len(image) or lo % 8 or (hi - lo) % entry:
            raise ValueError(f"{names[0]}..{names[1]} [{lo:#x}, {hi:#x}) is not a table of "
                             f"{entry}-byte entries in the {len(image):#x}-byte Image past "
                             f"its text (which ends at {text[1]:#x})")
        return image[lo:hi]

    jumps = jump_entries(span(JUMP_TABLE, JUMP_ENTRY.size), symbols[JUMP_TABLE[0]])
    entries = mcount_entries(span(MCOUNT_LOC, 8), text_va + symbols[MCOUNT_LOC[0]],
                             [span(RELA_DYN, RELA.size)])
    sites = select(jumps, (e - text_va for e in entries), text)
    check_words(sites, lambda off: int.from_bytes(image[off:off + INSN], "little"))
    return sites


def first_difference(have: KernelSites, want: KernelSites, have_is: str = "the file") -> str:
    """The first site where `have` (`have_is`: a site file) and `want` (the Image's tables)
    differ."""
    lists = (("jump site", list(have.jumps), list(want.jumps)),
             ("ftrace site", [(f,) for f in have.ftrace], [(f,) for f in want.ftrace]))
    for what, a, b in lists:
        sa, sb = set(a), set(b)
        differ = sorted(sa ^ sb)
        if differ:
            first = differ[0]
            shown = (f"({first[0]:#x}, target {first[1]:#x})" if len(first) == 2
                     else f"{first[0]:#x}")
            return (f"{what} {shown} is " + (f"declared by {have_is} but not by the Image's "
                                              "tables" if first in sa else
                                              f"in the Image's tables but not in {have_is}"))
    raise ValueError("the two are the same")


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
