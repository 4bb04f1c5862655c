# SPDX-License-Identifier: Apache-2.0
"""The built hypervisor ELF as the verifier sees it: sections, segments, symbols, the bytes
the loader puts in memory, and the layout of the configuration structs (from DWARF).

Nothing here knows how the compiler produced the image; everything is read from the file.
Every failure to read the file becomes a VerifyError with a clear message, never a traceback.
"""
from __future__ import annotations

import bisect
import struct
from dataclasses import dataclass, field
from pathlib import Path

from elftools.common.exceptions import ELFError, ELFParseError
from elftools.dwarf.die import DIE
from elftools.elf.constants import P_FLAGS, SH_FLAGS
from elftools.elf.elffile import ELFFile
from elftools.elf.sections import SymbolTableSection

from .. import perms


class VerifyError(Exception):
    """The image cannot be verified at all (unreadable ELF, missing symbol, bad config)."""


EM_AARCH64 = "EM_AARCH64"


@dataclass(frozen=True)
class Section:
    name: str
    addr: int
    size: int
    alloc: bool
    write: bool
    execute: bool
    nobits: bool
    offset: int

    @property
    def end(self) -> int:
        return self.addr + self.size

    @property
    def perm(self) -> str:
        return perms.word(True, self.write, self.execute)


@dataclass(frozen=True)
class Segment:
    index: int
    vaddr: int
    paddr: int
    offset: int
    filesz: int
    memsz: int
    read: bool
    write: bool
    execute: bool


@dataclass(frozen=True)
class Symbol:
    name: str
    value: int
    size: int


@dataclass(frozen=True)
class StructLayout:
    """Member offsets and the size of one C struct, and where they came from."""

    name: str
    size: int
    offsets: dict[str, int]
    member_sizes: dict[str, int] = field(default_factory=dict)
    source: str = "dwarf"

    def has(self, member: str) -> bool:
        return member in self.offsets


# The layout the verifier assumes when the ELF carries no DWARF (a stripped image). It is the
# layout of hyp/include/hv/config.h at the time of writing; proposed static asserts in
# config.h keep the two in step (docs/verify.md).
FALLBACK_LAYOUTS: dict[str, StructLayout] = {
    "hv_boot_regs": StructLayout("hv_boot_regs", 48, {
        "mair_el2": 0, "tcr_el2": 8, "ttbr0_el2": 16, "sctlr_el2": 24, "vtcr_el2": 32,
        "hcr_el2": 40}, source="fixed"),
    "hv_partition": StructLayout("hv_partition", 104, {
        "name": 0, "vttbr": 8, "entry_ipa": 16, "dtb_ipa": 24, "blobs": 32, "ram": 40,
        "nblobs": 48, "nram": 52}, {"nblobs": 4, "nram": 4}, source="fixed"),
    "hv_region": StructLayout("hv_region", 32, {
        "ipa": 0, "pa": 8, "size": 16, "readable": 24, "writable": 25, "executable": 26},
        {"readable": 1, "writable": 1, "executable": 1}, source="fixed"),
    "hv_blob": StructLayout("hv_blob", 64, {
        "src": 0, "dst": 8, "size": 16, "what": 24, "fsverity": 32}, {"fsverity": 32},
        source="fixed"),
    # Nested in hv_partition (members `vgic`, `vuart`); without DWARF their place there is
    # unknown and the emulated-page proofs say so in a note.
    "hv_vgic_config": StructLayout("hv_vgic_config", 8, {"gicd_ipa": 0}, source="fixed"),
    "hv_vuart_config": StructLayout("hv_vuart_config", 16, {
        "ipa": 0, "intid": 8, "present": 12}, {"intid": 4, "present": 4}, source="fixed"),
    "hv_ivshmem_config": StructLayout("hv_ivshmem_config", 24, {
        "ecam_ipa": 0, "regs_ipa": 8, "nfn": 16, "ivposition": 20},
        {"nfn": 4, "ivposition": 4}, source="fixed"),
    # hv_partition.channels -> nchannels of these (config.h); without DWARF their place in
    # hv_partition is unknown and the channel proofs say so in a note.
    "hv_channel_end": StructLayout("hv_channel_end", 48, {
        "ipa": 0, "pa": 8, "size": 16, "peer": 24, "peer_end": 28, "ring_intid": 32,
        "doorbell_intid": 36, "writable": 40},
        {"peer": 4, "peer_end": 4, "ring_intid": 4, "doorbell_intid": 4, "writable": 1},
        source="fixed"),
    # Kernel sealing (integrity:), pointed to by hv_partition.integrity: read only with DWARF.
    "hv_integrity": StructLayout("hv_integrity", 144, {
        "sealed_vttbr": 0, "text_ipa": 8, "text_size": 16, "text_pa": 24, "rodata_ipa": 32,
        "rodata_size": 40, "ranges": 56, "nranges": 64, "strict": 104, "jump_sites": 112,
        "jump_targets": 120, "ftrace_sites": 128, "njumps": 136, "nftrace_sites": 140},
        {"nranges": 4, "strict": 4, "njumps": 4, "nftrace_sites": 4}, source="fixed"),
    "hv_seal_range": StructLayout("hv_seal_range", 24, {"ipa": 0, "size": 8, "kind": 16},
                                  {"kind": 4}, source="fixed"),
}


class ElfImage:
    """A loaded view of an AArch64 little-endian executable."""

    def __init__(self, path: Path):
        self.path = Path(path)
        try:
            self.data = self.path.read_bytes()
        except OSError as exc:
            raise VerifyError(f"{path}: cannot read: {exc.strerror or exc}") from None
        try:
            self._parse()
        except VerifyError:
            raise
        except (ELFError, ELFParseError, struct.error, ValueError, OverflowError, KeyError,
                IndexError, AttributeError, TypeError, AssertionError, EOFError) as exc:
            # what pyelftools raises on a corrupt file
            raise VerifyError(f"{path}: not a readable ELF file ({type(exc).__name__}: {exc})") \
                from None

    # ------------------------------------------------------------------ parsing
    def _parse(self) -> None:
        import io
        elf = ELFFile(io.BytesIO(self.data))
        self._elf = elf
        if elf.elfclass != 64 or not elf.little_endian:
            raise VerifyError(f"{self.path}: not a 64-bit little-endian ELF")
        if elf["e_machine"] != EM_AARCH64:
            raise VerifyError(f"{self.path}: machine is {elf['e_machine']}, not AArch64")
        self.entry = elf["e_entry"]
        self.sections: list[Section] = []
        for s in elf.iter_sections():
            flags = s["sh_flags"]
            self.sections.append(Section(
                s.name, s["sh_addr"], s["sh_size"], bool(flags & SH_FLAGS.SHF_ALLOC),
                bool(flags & SH_FLAGS.SHF_WRITE), bool(flags & SH_FLAGS.SHF_EXECINSTR),
                s["sh_type"] == "SHT_NOBITS", s["sh_offset"]))
        self.segments: list[Segment] = []
        for i, seg in enumerate(elf.iter_segments()):
            if seg["p_type"] != "PT_LOAD":
                continue
            fl = seg["p_flags"]
            self.segments.append(Segment(
                i, seg["p_vaddr"], seg["p_paddr"], seg["p_offset"], seg["p_filesz"],
                seg["p_memsz"], bool(fl & P_FLAGS.PF_R), bool(fl & P_FLAGS.PF_W),
                bool(fl & P_FLAGS.PF_X)))
            if seg["p_offset"] + seg["p_filesz"] > len(self.data):
                raise VerifyError(f"{self.path}: segment {i} extends beyond the end of the file "
                                  "(truncated ELF?)")
        if not self.segments:
            raise VerifyError(f"{self.path}: no loadable segment")
        self.symbols: dict[str, Symbol] = {}
        symtab = elf.get_section_by_name(".symtab")
        if not isinstance(symtab, SymbolTableSection):
            raise VerifyError(f"{self.path}: no symbol table (stripped ELF?); verify needs "
                              "hv_boot_regs, hv_partitions and hv_pgtables")
        for sym in symtab.iter_symbols():
            if sym.name:
                self.symbols.setdefault(sym.name, Symbol(sym.name, sym["st_value"],
                                                         sym["st_size"]))
        # Physical memory the loader fills from the file: (pa, file offset, size), sorted.
        self._chunks = sorted((s.paddr, s.offset, s.filesz) for s in self.segments if s.filesz)
        self._starts = [c[0] for c in self._chunks]
        self.layouts = self._struct_layouts()

    def _struct_layouts(self) -> dict[str, StructLayout]:
        wanted = set(FALLBACK_LAYOUTS)
        found: dict[str, StructLayout] = {}
        if not self._elf.has_dwarf_info():
            return dict(FALLBACK_LAYOUTS)
        try:
            dwarf = self._elf.get_dwarf_info()
            for cu in dwarf.iter_CUs():
                for die in cu.iter_DIEs():
                    if (die.tag != "DW_TAG_structure_type"
                            or "DW_AT_byte_size" not in die.attributes):
                        continue
                    nattr = die.attributes.get("DW_AT_name")
                    name = nattr.value.decode() if nattr else ""
                    if name not in wanted or name in found:
                        continue
                    offsets: dict[str, int] = {}
                    sizes: dict[str, int] = {}
                    for m in die.iter_children():
                        if m.tag != "DW_TAG_member" or "DW_AT_name" not in m.attributes:
                            continue
                        loc = m.attributes.get("DW_AT_data_member_location")
                        if loc is None or not isinstance(loc.value, int):
                            continue
                        mname = m.attributes["DW_AT_name"].value.decode()
                        offsets[mname] = loc.value
                        size = _type_size(m)
                        if size is not None:
                            sizes[mname] = size
                    found[name] = StructLayout(name, die.attributes["DW_AT_byte_size"].value,
                                               offsets, sizes)
                if len(found) == len(wanted):
                    break
        except Exception:   # broken DWARF: fall back to the documented layout
            found = {}
        return {n: found.get(n, FALLBACK_LAYOUTS[n]) for n in wanted}

    # ------------------------------------------------------------------ access
    def symbol(self, name: str) -> Symbol:
        try:
            return self.symbols[name]
        except KeyError:
            raise VerifyError(f"{self.path}: symbol {name} not found; is this a hvcfg "
                              "hypervisor image?") from None

    def section(self, name: str) -> Section | None:
        return next((s for s in self.sections if s.name == name), None)

    @property
    def alloc_sections(self) -> list[Section]:
        return [s for s in self.sections if s.alloc and s.size]

    def read(self, pa: int, size: int) -> bytes | None:
        """Bytes the loader places at physical address `pa`, or None when any of them is not
        loaded from the file (outside every segment, or zero-filled .bss)."""
        if size < 0 or pa < 0:
            return None
        i = bisect.bisect_right(self._starts, pa) - 1
        if i < 0:
            return None
        start, off, filesz = self._chunks[i]
        if pa + size > start + filesz:
            return None
        return self.data[off + pa - start: off + pa - start + size]

    def file_offset(self, pa: int) -> int | None:
        """The offset in the file of the byte loaded at `pa` (for tests that patch images)."""
        i = bisect.bisect_right(self._starts, pa) - 1
        if i < 0:
            return None
        start, off, filesz = self._chunks[i]
        return off + pa - start if pa < start + filesz else None

    def u64(self, pa: int) -> int | None:
        b = self.read(pa, 8)
        return None if b is None else int.from_bytes(b, "little")

    def uint(self, pa: int, size: int) -> int | None:
        b = self.read(pa, size)
        return None if b is None else int.from_bytes(b, "little")

    def cstring(self, pa: int, limit: int = 256) -> str | None:
        out = bytearray()
        for i in range(limit):
            b = self.read(pa + i, 1)
            if b is None:
                return None
            if b == b"\0":
                return out.decode("utf-8", "replace")
            out += b
        return None

    def section_bytes(self, sec: Section) -> bytes:
        if sec.nobits:
            return bytes(sec.size)
        return self.data[sec.offset: sec.offset + sec.size]


def _type_size(die: DIE) -> int | None:
    """The byte size of a member's type, following typedefs, qualifiers and arrays."""
    try:
        t = die.get_DIE_from_attribute("DW_AT_type")
        count = 1
        for _ in range(16):
            if "DW_AT_byte_size" in t.attributes and t.tag != "DW_TAG_array_type":
                size: int = t.attributes["DW_AT_byte_size"].value
                return count * size
            if t.tag == "DW_TAG_array_type":
                for sub in t.iter_children():
                    if sub.tag == "DW_TAG_subrange_type":
                        if "DW_AT_count" in sub.attributes:
                            count *= sub.attributes["DW_AT_count"].value
                        elif "DW_AT_upper_bound" in sub.attributes:
                            count *= sub.attributes["DW_AT_upper_bound"].value + 1
            if t.tag == "DW_TAG_pointer_type":
                return count * 8
            t = t.get_DIE_from_attribute("DW_AT_type")
    except Exception:
        return None
    return None
