# SPDX-License-Identifier: Apache-2.0
"""The cache rule (docs/architecture.md, "Cache rule") in the built image. QEMU models no
caches, so a missing clean or invalidate never shows in a boot test: these read the
disassembly of real builds (boards/rpi4.yaml, the board where it matters, and a board with a
sealed kernel, whose patch path writes guest memory at EL2) and assert that every EL2 path over
guest memory has its maintenance, in the right order, of the right kind.
tests/host/test_guestmem.c checks the read path's behaviour against a cache model."""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from hvcfg import pipeline

ROOT = Path(__file__).resolve().parent.parent
BOARDS = {"rpi4": ROOT / "boards" / "rpi4.yaml",
          "sealed": ROOT / "tests" / "boards" / "seal-linux-alone.yaml"}
OBJDUMP = "aarch64-linux-gnu-objdump"
MAINT = "hv_dcache_clean_inval_range"
_FUNC = re.compile(r"^[0-9a-f]+ <([^>]+)>:$")


@pytest.fixture(scope="module", params=sorted(BOARDS))
def functions(request, tmp_path_factory) -> dict[str, list[str]]:
    """Each function of hyp.elf -> its instructions (mnemonic and operands)."""
    if shutil.which(OBJDUMP) is None:
        pytest.fail(f"{OBJDUMP} missing: run scripts/bootstrap")
    out = tmp_path_factory.mktemp("cache-rule")
    result = pipeline.build(BOARDS[request.param], out)
    text = subprocess.run([OBJDUMP, "-d", "--no-show-raw-insn", str(result.elf)],
                          capture_output=True, text=True, check=True, timeout=120).stdout
    funcs: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in text.splitlines():
        m = _FUNC.match(line)
        if m:
            current = funcs.setdefault(m.group(1), [])
        elif current is not None and re.match(r"^\s+[0-9a-f]+:\t", line):
            current.append(line.split(":\t", 1)[1].strip().replace("\t", " "))
    return funcs


def _calls(insns: list[str], callee: str) -> list[int]:
    return [i for i, s in enumerate(insns) if s.startswith("bl ") and s.endswith(f"<{callee}>")]


def test_guest_read_cleans_and_invalidates_before_it_copies(functions):
    """hv_guest_read (the console hypercall's buffer, and every later EL2 read of a guest's
    buffer): the maintenance comes first, then the copy. (A board whose partitions are not
    granted the console call has none.)"""
    if "hv_guest_read" not in functions:
        pytest.skip("no partition of this board reads guest buffers at EL2")
    body = functions["hv_guest_read"]
    maint, copy = _calls(body, MAINT), _calls(body, "memcpy")
    assert maint and copy, body
    assert max(maint) < min(copy), "the buffer is copied before its lines are dropped"


def test_maintenance_is_clean_and_invalidate(functions):
    body = functions[MAINT]
    dc = [i for i, s in enumerate(body) if s.startswith("dc civac")]
    dsb = [i for i, s in enumerate(body) if s.startswith("dsb sy")]
    assert dc, body
    assert dsb and min(dsb) < min(dc), "the guest's earlier stores must complete first"
    assert max(dsb) > max(dc), "the maintenance must complete before the data is used"


def test_no_clean_only_and_no_stray_invalidate(functions):
    """DC CVAC leaves a valid line that an uncached guest write makes stale: none anywhere.
    DC IVAC discards dirty data: only head.S's, over what it wrote itself with the MMU off."""
    cvac = [f for f, body in functions.items() if any(s.startswith("dc cvac") for s in body)]
    ivac = [f for f, body in functions.items() if any(s.startswith("dc ivac") for s in body)]
    assert cvac == []
    assert ivac == ["hv_dcache_inval_range_early"]


def test_every_write_into_partition_ram_is_cleaned_and_invalidated(functions):
    """The scrub writes and cleans block by block; the blob copies (image, DTB) are cleaned
    and invalidated before they are measured, so the digest is of what a guest with its MMU
    off reads: memory."""
    for scrub in ("hv_zero_clean_range", "hv_zero_clean_range_cold"):
        assert any(s.startswith("dc civac") for s in functions[scrub]), scrub
    # core/load.c: run_unit copies a span (memcpy, memset of the last block's rest), cleans it,
    # hashes it (hv_fsv_span); inlined into work() at -O2.
    loaders = [f for f in ("run_unit", "work") if f in functions and _calls(functions[f], "memcpy")]
    assert loaders, "no function copies the partition blobs"
    for f in loaders:
        body = functions[f]
        writes = _calls(body, "memcpy") + _calls(body, "memset")
        maint = _calls(body, MAINT)
        hashes = _calls(body, "hv_fsv_span") + _calls(body, "hv_sha256_digest")
        assert hashes, f"{f}: the copy is not measured here"
        assert maint and all(any(w < m for m in maint) for w in writes), f
        assert all(any(m < h for m in maint) for h in hashes), f"{f}: measured before the clean"


def test_a_patched_instruction_is_cleaned_and_invalidated(functions):
    """The sealed kernel's allowed patches (stage2/seal.c): EL2 reads the old instruction after
    a clean+invalidate and writes the new one, then cleans+invalidates it before the I-cache
    invalidation; only in the sealed build."""
    sites = [f for f, body in functions.items() if any(s.startswith("ic ivau") for s in body)]
    if "hv_seal_abort" not in functions:
        assert sites == []
        return
    assert sites, "no function invalidates a patched instruction"
    for f in sites:
        body = functions[f]
        ic = min(i for i, s in enumerate(body) if s.startswith("ic ivau"))
        dc = [i for i, s in enumerate(body) if s.startswith("dc civac")]
        assert len(dc) >= 2 and dc[0] < ic and any(d < ic for d in dc[1:]), f
