# SPDX-License-Identifier: Apache-2.0
"""The fs-verity file digest: what `fsverity digest FILE` prints (Linux,
Documentation/filesystems/fsverity.rst, "File digest computation"), with the defaults: SHA-256,
4 KiB blocks, no salt. The hypervisor computes the same in C (hyp/core/fsverity.c), its leaves
on every CPU at once; tests/test_fsverity.py checks both against the `fsverity` tool.
"""
from __future__ import annotations

import hashlib
import struct
from collections.abc import Callable
from pathlib import Path

from .digest import per_file_version

BLOCK = 4096                    # log_blocksize 12: data and tree blocks
HASH = 32                       # SHA-256
ALGORITHM_SHA256 = 1            # FS_VERITY_HASH_ALG_SHA256
DESCRIPTOR = struct.Struct("<BBBBIQ64s32s144x")     # struct fsverity_descriptor, 256 bytes


def _hash_blocks(data: bytes) -> bytes:
    """One level of the Merkle tree: the hash of each block of `data`, the last one padded
    with zeros to a whole block, concatenated."""
    return b"".join(hashlib.sha256(data[i:i + BLOCK].ljust(BLOCK, b"\0")).digest()
                    for i in range(0, len(data), BLOCK))


def level1_nodes(size: int) -> int:
    """Nodes of the level above the leaves (one per 128 blocks): the units of the
    hypervisor's parallel hashing, for which it reserves room (hv_load_nodes)."""
    return -(-size // (BLOCK * (BLOCK // HASH)))


def merkle_root(data: bytes) -> bytes:
    """The root hash: all zeros for an empty file, the hash of the one block for a file of
    one block; above that, each level hashes the one below, until one hash is left."""
    if not data:
        return bytes(HASH)
    level = _hash_blocks(data)
    while len(level) > HASH:
        level = _hash_blocks(level)
    return level


def descriptor(data: bytes) -> bytes:
    """struct fsverity_descriptor: version 1, the algorithm, log2 of the block size, no salt,
    the file size and the root hash (zero padded to 64 bytes), reserved bytes zero."""
    return DESCRIPTOR.pack(1, ALGORITHM_SHA256, BLOCK.bit_length() - 1, 0, 0, len(data),
                           merkle_root(data), b"")


def digest(data: bytes) -> bytes:
    return hashlib.sha256(descriptor(data)).digest()


file_digest: Callable[[Path], str] = per_file_version(lambda data: digest(data).hex())
"""A file's fs-verity digest, hex, as `fsverity digest` prints it after `sha256:`."""
