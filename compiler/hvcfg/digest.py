# SPDX-License-Identifier: Apache-2.0
"""Digests of files, computed once per version of a file: a build names the same guest kernel
(tens of MiB) in the provenance header of every generated file, the manifest and the fs-verity
table; each digest of it is computed once. A version is the file's path, size, inode and
modification and change times: writing the file makes a new version."""
from __future__ import annotations

import functools
import hashlib
import os
from collections.abc import Callable
from pathlib import Path


def per_file_version(of_bytes: Callable[[bytes], str]) -> Callable[[Path], str]:
    """`of_bytes` of a file's contents, cached per version of the file."""
    @functools.lru_cache(maxsize=128)
    def of_version(path: str, _size: int, _ino: int, _mtime: int, _ctime: int) -> str:
        return of_bytes(Path(path).read_bytes())

    def of_file(path: Path) -> str:
        st = os.stat(path)
        return of_version(os.path.abspath(path), st.st_size, st.st_ino, st.st_mtime_ns,
                          st.st_ctime_ns)
    return of_file


sha256 = per_file_version(lambda data: hashlib.sha256(data).hexdigest())
"""A file's SHA-256, hex (what `sha256sum` prints)."""
