# SPDX-License-Identifier: Apache-2.0
"""Packaging: the bootable hyp.bin (an arm64 Image) and the manifest of what it contains."""
from __future__ import annotations

import json
import struct
from dataclasses import dataclass
from pathlib import Path

from . import digest, fsverity
from .layout import Layout
from .model import System

ARM64_MAGIC = b"ARM\x64"
HEADER_SIZE = 64
# flags bits 2:0: little endian (bit 0 clear), 4 KiB pages (bits 2:1 = 1)
FLAGS_LE_4K = 0x2
FLAG_ANYWHERE = 0x8         # flags bit 3: the 2 MiB-aligned base may be anywhere in RAM


def image_flags(text_offset: int) -> int:
    """hyp.bin's header flags: load at RAM base + text_offset, or, with text_offset 0, anywhere
    (the image then copies itself to its link address)."""
    return FLAGS_LE_4K | (0 if text_offset else FLAG_ANYWHERE)


@dataclass(frozen=True)
class ImageHeader:
    """The 64-byte arm64 Image header (Documentation/arch/arm64/booting.rst)."""

    code0: int
    text_offset: int
    image_size: int
    flags: int
    magic: bytes

    @classmethod
    def parse(cls, blob: bytes) -> ImageHeader:
        code0, _code1, text_offset, image_size, flags = struct.unpack_from("<IIQQQ", blob, 0)
        return cls(code0, text_offset, image_size, flags, blob[0x38:0x3C])

    @property
    def valid(self) -> bool:
        return self.magic == ARM64_MAGIC and (self.code0 >> 26) == 0b000101   # a B instruction


def read_header(path: Path) -> ImageHeader:
    """The header of the file at `path` as an arm64 Image's (zeros past its end); only the
    header is read."""
    with path.open("rb") as f:
        return ImageHeader.parse(f.read(HEADER_SIZE).ljust(HEADER_SIZE, b"\0"))


def check_image(path: Path) -> ImageHeader:
    header = read_header(path)
    if not header.valid:
        raise RuntimeError(f"{path} does not start with a valid arm64 Image header")
    return header


def manifest(system: System, layout: Layout, hyp_bin: Path) -> str:
    """A JSON record of the build: digests of the image and of every partition image: the
    fs-verity digest the hypervisor checks and prints at boot (`fsverity digest FILE`) and the
    plain SHA-256 (`sha256sum FILE`)."""
    header = check_image(hyp_bin)
    data = {
        "board": system.board_spec.name,
        "config": str(system.config_path),
        "hyp.bin": {"sha256": digest.sha256(hyp_bin), "size": hyp_bin.stat().st_size,
                    "image_size": header.image_size, "link_base": hex(layout.hyp_base),
                    "text_offset": hex(header.text_offset)},
        "partitions": [
            {"name": pl.name, "image": str(pl.image.path),
             "fsverity-sha256": fsverity.file_digest(pl.image.path),
             "sha256": digest.sha256(pl.image.path),
             "size": pl.image.size, "load": hex(pl.image.dst), "vmid": pl.vmid,
             "stage2_root": hex(pl.tables.base), "entry_ipa": hex(pl.load.entry_ipa),
             "blobs": [{"what": b.what, "file": str(b.path), "section": b.section,
                        "fsverity-sha256": fsverity.file_digest(b.path),
                        "sha256": digest.sha256(b.path), "size": b.size, "load": hex(b.dst),
                        "ipa": hex(b.ipa)} for b in pl.blobs]}
            for pl in layout.partitions
        ],
    }
    return json.dumps(data, indent=2) + "\n"
