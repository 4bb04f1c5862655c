# SPDX-License-Identifier: Apache-2.0
"""sealed-strict at build time (issue 15's stronger mode, docs/integrity.md): the FEAT_XNX
check of the board's cores (E090, E091), the sealed tables that leave EL1 nothing executable
but the kernel text and KPTI's trampoline, and `hvcfg verify`'s proof of them with mutations.
The stand-in Image of tests/test_seal_build.py, with a layout that names a trampoline."""
from __future__ import annotations

from pathlib import Path

import pytest

import test_seal_build as seal_build
from hvcfg import integrity, pipeline, tables
from hvcfg.diagnostics import ConfigError
from hvcfg.rules import analyse
from test_seal_build import ADDR, BASE, Image, write_layout

TEXT, RODATA, TRAMP = (0x0, 0x1000), (0x1000, 0x3000), (0x2000, 0x3000)
SYMBOLS = dict(zip(integrity.TRAMP, TRAMP, strict=True))

BOARD = seal_build.BOARD         # its lines, for the positions of diagnostics


def board(tmp: Path, cpu: str = "max") -> Path:
    """test_seal_build's board, sealed-strict on `cpu`, its layout with a trampoline."""
    path = seal_build.board(tmp)
    write_layout(tmp / "kernel.bin", TEXT, RODATA, 0x100, SYMBOLS)
    strict = (path.read_text().replace("cpu: cortex-a53", f"cpu: {cpu}")
              .replace("kernel: sealed,", "kernel: sealed-strict,"))
    assert strict.count(f"cpu: {cpu}") == strict.count("sealed-strict") == 1
    path.write_text(strict)
    return path


def test_strict_mappings_leave_el1_only_the_text_and_the_trampoline() -> None:
    ram = tables.Mapping(BASE, 0x80000000, 0x400000, "rwx", "normal", "k RAM")
    seal = integrity.KernelSeal((integrity.SealRange("text", BASE, 0x1000),
                                 integrity.SealRange("rodata", BASE + 0x1000, 0x2000)),
                                Path("x"), "k", 0x800, strict=True,
                                el1_exec=((BASE, BASE + 0x1000), (BASE + 0x2000, BASE + 0x3000)))
    got = integrity.sealed_mappings((ram,), seal)
    assert [(m.va, m.pa, m.size, m.perm, m.el1_xn) for m in got] == [
        (BASE, 0x80000000, 0x1000, "rx", False),
        (BASE + 0x1000, 0x80001000, 0x1000, "rx", True),
        (BASE + 0x2000, 0x80002000, 0x1000, "rx", False),
        (BASE + 0x3000, 0x80003000, 0x3fd000, "rwx", True)]
    attrs = [tables.stage2_attrs(m) for m in got]
    assert [bool(a & tables.S2_XN_EL1) for a in attrs] == [False, True, False, True]
    assert not any(a & tables.XN for a in attrs)        # EL0 executes all of it


@pytest.mark.parametrize("cpu,code", [("cortex-a53", "E090"), ("cortex-a72", "E090"),
                                      ("cortex-a15", "E091")])
def test_strict_needs_feat_xnx(tmp_path: Path, cpu: str, code: str) -> None:
    with pytest.raises(ConfigError) as exc:
        analyse(board(tmp_path, cpu), tmp_path / "b")
    errors = exc.value.diagnostics
    assert [d.code for d in errors] == [code]
    assert cpu in errors[0].message and "'k'" in errors[0].message and errors[0].hint
    assert errors[0].pos is not None
    assert errors[0].pos.line == BOARD[:BOARD.index("integrity:")].count("\n") + 1
    assert errors[0].related[0].pos.line == BOARD[:BOARD.index("qemu:")].count("\n") + 1


def test_strict_on_a_core_with_feat_xnx_is_accepted(tmp_path: Path) -> None:
    analyse(board(tmp_path, "cortex-a76"), tmp_path / "b")


@pytest.mark.parametrize("tramp", [(0x2000, 0x2800), (0x3000, 0x4000), (0x2000, 0x2000)])
def test_a_trampoline_outside_the_rodata_is_e085(tmp_path: Path, tramp: tuple[int, int]) -> None:
    path = board(tmp_path)
    write_layout(tmp_path / "kernel.bin", TEXT, RODATA, 0x100, dict(zip(integrity.TRAMP, tramp,
                                                                        strict=True)))
    with pytest.raises(ConfigError) as exc:
        analyse(path, tmp_path / "b")
    assert [d.code for d in exc.value.diagnostics] == ["E085"]
    assert "trampoline" in exc.value.diagnostics[0].message


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("xnx-build")
    return pipeline.build(board(tmp), tmp / "build")


def roots(m: Image) -> tuple[int, int]:
    """(unsealed, sealed) stage-2 roots of the partition."""
    sealed = m.u64(m.integrity() + m.field("hv_integrity", "sealed_vttbr")) & ADDR
    plain = m.u64(m.elf.symbol("hv_partitions").value + m.field("hv_partition", "vttbr")) & ADDR
    return plain, sealed


def test_strict_build_verifies_clean_and_takes_el1_exec_away(built) -> None:
    from hvcfg.verify import verify_elf
    report = verify_elf(built.elf, built.analysis.system)
    assert report.clean, report.render()
    m = Image(built, built.elf.with_name("copy.elf"))
    plain, sealed = roots(m)
    assert m.u64(m.integrity() + m.field("hv_integrity", "strict")) & 0xFFFFFFFF == 1
    el1_xn = {ipa: bool(m.u64(m.leaf(sealed, ipa)) & tables.S2_XN_EL1)
              for ipa in (BASE, BASE + 0x1000, BASE + 0x2000, BASE + 0x3000, BASE + 0x200000)}
    assert el1_xn == {BASE: False, BASE + 0x1000: True, BASE + 0x2000: False,
                      BASE + 0x3000: True, BASE + 0x200000: True}
    for ipa in el1_xn:
        assert not m.u64(m.leaf(sealed, ipa)) & tables.XN      # EL0 executes everything
        assert not m.u64(m.leaf(plain, ipa)) & tables.S2_XN_EL1


def _flip(m: Image, root: str, ipa: int, bit: int) -> None:
    at = m.leaf(roots(m)[root == "sealed"], ipa)
    m.set_u64(at, m.u64(at) ^ bit)


MUTATIONS = {
    "RAM EL1-executable once sealed": ("s2-perm-mismatch", lambda m: _flip(
        m, "sealed", BASE + 0x200000, tables.S2_XN_EL1)),
    "rodata EL1-executable once sealed": ("s2-perm-mismatch", lambda m: _flip(
        m, "sealed", BASE + 0x1000, tables.S2_XN_EL1)),
    "text not EL1-executable once sealed": ("s2-perm-mismatch", lambda m: _flip(
        m, "sealed", BASE, tables.S2_XN_EL1)),
    "trampoline not EL1-executable once sealed": ("s2-perm-mismatch", lambda m: _flip(
        m, "sealed", BASE + 0x2000, tables.S2_XN_EL1)),
    "RAM executable at EL1 only once sealed": ("s2-perm-mismatch", lambda m: _flip(
        m, "sealed", BASE + 0x200000, tables.XN)),
    "bit 53 in the unsealed tables": ("reserved-bits", lambda m: _flip(
        m, "plain", BASE + 0x200000, tables.S2_XN_EL1)),
    "strict flag cleared": ("seal-ranges-mismatch", lambda m: m.update(
        m.integrity() + m.field("hv_integrity", "strict"), lambda v: v & ~0xFFFFFFFF)),
}


@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_verify_catches(built, tmp_path: Path, name: str) -> None:
    seal_build.mutation_is_caught(built, tmp_path / "hyp.elf", MUTATIONS[name])


def test_a_hardware_board_is_judged_by_its_dt_cpu_compatible(tmp_path: Path) -> None:
    """boards/rpi4-linux.yaml's Linux made sealed-strict: the board has a DTB file, so the core
    is its CPU node's compatible, the Pi 4's Cortex-A72: E090."""
    root = Path(seal_build.ROOT)
    if not (root / "build" / "guests" / "rpi4" / "bcm2711-rpi-4-b.dtb").is_file():
        pytest.skip("needs the Pi 4's DTB (scripts/fetch-guests)")
    text = (root / "boards" / "rpi4-linux.yaml").read_text().replace("../", f"{root}/")
    anchor = "    ivshmem: true"
    assert text.count(anchor) == 1
    path = tmp_path / "rpi4.yaml"
    path.write_text(text.replace(anchor, "    integrity: {kernel: sealed-strict}\n" + anchor))
    with pytest.raises(ConfigError) as exc:
        analyse(path, tmp_path / "b")
    errors = exc.value.diagnostics
    assert [d.code for d in errors] == ["E090"]
    assert "/cpus/cpu@1 compatible arm,cortex-a72" in errors[0].message, errors[0].message
