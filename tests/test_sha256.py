# SPDX-License-Identifier: Apache-2.0
"""The hypervisor's portable SHA-256 (hyp/core/sha256.c), compiled for the host and checked
against hashlib. Boards without the SHA-256 instructions (the Raspberry Pi 4) measure partition
images with it, and no QEMU CPU model lacks those instructions, so the QEMU tests never run it."""
from __future__ import annotations

import hashlib
import os
import random
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def sha256_tool(tmp_path_factory) -> Path:
    """tests/host/sha256_digest.c with hyp/core/sha256.c, built by tests/host/Makefile."""
    for tool in ("make", "cc"):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} missing: run scripts/bootstrap")
    out = tmp_path_factory.mktemp("sha256")
    subprocess.run(["make", "-s", "-C", str(ROOT / "tests" / "host"), f"O={out}",
                    str(out / "sha256_digest")], check=True)
    return out / "sha256_digest"


def digest(tool: Path, tmp_path: Path, data: bytes, offset: int = 0) -> str:
    f = tmp_path / "data.bin"
    f.write_bytes(data)
    return subprocess.run([str(tool), str(f), str(offset)], capture_output=True, text=True,
                          check=True).stdout.strip()


def test_fips_180_examples(sha256_tool, tmp_path):
    assert digest(sha256_tool, tmp_path, b"abc") == \
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert digest(sha256_tool, tmp_path, b"") == \
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


@pytest.mark.parametrize("offset", [0, 1, 2, 3])
def test_every_padding_case_and_alignment(sha256_tool, tmp_path, offset):
    """Lengths around one and two blocks (the length field fits, or spills into a second padding
    block), and data not 4-byte aligned (the byte-load path)."""
    rng = random.Random(offset)
    for n in list(range(0, 130)) + [1000, 4096, 65536 + 7]:
        data = bytes(rng.getrandbits(8) for _ in range(n))
        assert digest(sha256_tool, tmp_path, data, offset) == hashlib.sha256(data).hexdigest(), n


def test_a_mebibyte(sha256_tool, tmp_path):
    data = os.urandom(1 << 20)
    assert digest(sha256_tool, tmp_path, data) == hashlib.sha256(data).hexdigest()
