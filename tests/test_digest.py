# SPDX-License-Identifier: Apache-2.0
"""File digests are computed once per version of a file, and a new version is hashed again."""
from __future__ import annotations

import hashlib
from pathlib import Path

from hvcfg import digest, fsverity


def test_a_file_is_read_once_per_version(tmp_path: Path) -> None:
    reads: list[bytes] = []

    def counted(data: bytes) -> str:
        reads.append(data)
        return hashlib.sha256(data).hexdigest()

    of_file = digest.per_file_version(counted)
    f = tmp_path / "kernel"
    f.write_bytes(b"A" * 4096)
    first = of_file(f)
    assert of_file(f) == first and of_file(tmp_path / "." / "kernel") == first
    assert len(reads) == 1
    f.write_bytes(b"B" * 4096)              # same size, new contents: a new version
    assert of_file(f) == hashlib.sha256(b"B" * 4096).hexdigest() != first
    assert len(reads) == 2


def test_the_cached_digests_are_the_plain_ones(tmp_path: Path) -> None:
    f = tmp_path / "blob"
    f.write_bytes(bytes(range(256)) * 40)
    assert digest.sha256(f) == hashlib.sha256(f.read_bytes()).hexdigest()
    assert fsverity.file_digest(f) == fsverity.digest(f.read_bytes()).hex()
