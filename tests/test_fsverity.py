# SPDX-License-Identifier: Apache-2.0
"""The fs-verity file digest, computed once in Python (compiler/hvcfg/fsverity.py, for the
build) and once in C (hyp/core/fsverity.c, for the hypervisor, compiled here for the host),
both against `fsverity digest` (Debian package fsverity, installed by scripts/bootstrap) at
the sizes where the tree changes shape."""
from __future__ import annotations

import random
import shutil
import subprocess
from pathlib import Path

import pytest

from hvcfg import fsverity

ROOT = Path(__file__).resolve().parent.parent
BLOCK = 4096
SPAN = 128 * BLOCK                  # data under one level-1 node

# Empty; within one block; one block; just over; one level-1 node; a second node; 128 nodes
# (two levels above the leaves); just over (a third level).
SIZES = [0, 1, 63, 64, 4095, BLOCK, BLOCK + 1, 2 * BLOCK, SPAN - 1, SPAN, SPAN + 1,
         3 * SPAN + 5000, 128 * SPAN, 128 * SPAN + 1]


@pytest.fixture(scope="module")
def tool() -> str:
    path = shutil.which("fsverity")
    if path is None:
        pytest.fail("fsverity missing: run scripts/bootstrap (Debian package fsverity)")
    return path


@pytest.fixture(scope="module")
def hyp_digest(tmp_path_factory) -> Path:
    """tests/host/fsverity_digest.c with hyp/core/{sha256,fsverity}.c."""
    out = tmp_path_factory.mktemp("fsverity")
    subprocess.run(["make", "-s", "-C", str(ROOT / "tests" / "host"), f"O={out}",
                    str(out / "fsverity_digest")], check=True)
    return out / "fsverity_digest"


def data_of(size: int) -> bytes:
    return random.Random(size).randbytes(size)


def by_tool(tool: str, path: Path) -> str:
    out = subprocess.run([tool, "digest", str(path)], capture_output=True, text=True,
                         check=True).stdout.split()[0]
    assert out.startswith("sha256:"), out
    return out.removeprefix("sha256:")


@pytest.mark.parametrize("size", SIZES)
def test_python_c_and_tool_agree(tool, hyp_digest, tmp_path, size):
    f = tmp_path / "blob"
    f.write_bytes(data_of(size))
    expected = by_tool(tool, f)
    assert fsverity.file_digest(f) == expected
    assert subprocess.run([str(hyp_digest), str(f)], capture_output=True, text=True,
                          check=True).stdout.strip() == expected


def test_every_block_counts(hyp_digest, tmp_path):
    """A change of one byte anywhere (first leaf, a middle span, the padded tail) changes both
    digests, and alike: no block is left out of the tree."""
    base = bytearray(data_of(3 * SPAN + 5000))
    f = tmp_path / "blob"
    seen = set()
    for pos in (0, BLOCK - 1, SPAN, 2 * SPAN + 7, len(base) - 1):
        mutated = bytearray(base)
        mutated[pos] ^= 1
        f.write_bytes(mutated)
        d = fsverity.file_digest(f)
        assert subprocess.run([str(hyp_digest), str(f)], capture_output=True, text=True,
                              check=True).stdout.strip() == d
        seen.add(d)
    assert len(seen) == 5


def test_trailing_zeros_change_the_digest(tool, tmp_path):
    """The tree pads the last block with zeros; the descriptor's size tells a file from the
    same file with zeros appended."""
    f, g = tmp_path / "f", tmp_path / "g"
    f.write_bytes(b"x" * 100)
    g.write_bytes(b"x" * 100 + b"\0")
    assert fsverity.merkle_root(f.read_bytes()) == fsverity.merkle_root(g.read_bytes())
    assert fsverity.file_digest(f) != fsverity.file_digest(g)
    assert by_tool(tool, g) == fsverity.file_digest(g)
