# SPDX-License-Identifier: Apache-2.0
"""Mutation tests for `hvcfg verify`: corrupt a built hyp.elf in many ways, each must be flagged
with the right finding. 100% detection is the bar; the unmutated image must verify clean.

Descriptor addresses are found here with plain index arithmetic on the raw bytes (not with
the verifier's walker), so a walker bug cannot hide a missed mutation.
"""
from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from hvcfg import pipeline
from hvcfg.verify import verify_elf
from hvcfg.verify.elfimage import ElfImage

ROOT = Path(__file__).resolve().parent.parent
BOARD = ROOT / "boards" / "qemu-virt.yaml"

ADDR = ((1 << 48) - 1) & ~0xFFF
SMP_CODE, SMP_DATA = 0x40000000, 0x40100000
TICKER_CODE, TICKER_DATA = 0x41000000, 0x41100000
TICKER_UART = 0x09040000
GICD = 0x08000000
GICC = 0x08010000


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("verify-build")
    return pipeline.build(BOARD, tmp)


class Image:
    """A copy of the built ELF that a mutation patches in place."""

    def __init__(self, path: Path):
        self.path = path
        self.elf = ElfImage(path)
        self.buf = bytearray(path.read_bytes())

    # -- raw access ---------------------------------------------------------------------
    def off(self, pa: int) -> int:
        off = self.elf.file_offset(pa)
        assert off is not None, hex(pa)
        return off

    def u64(self, pa: int) -> int:
        return int.from_bytes(self.buf[self.off(pa):self.off(pa) + 8], "little")

    def set_u64(self, pa: int, value: int) -> None:
        self.buf[self.off(pa):self.off(pa) + 8] = value.to_bytes(8, "little")

    def update(self, pa: int, fn: Callable[[int], int]) -> None:
        self.set_u64(pa, fn(self.u64(pa)))

    def save(self) -> None:
        self.path.write_bytes(bytes(self.buf))

    # -- image facts --------------------------------------------------------------------
    def sec(self, name: str) -> int:
        s = self.elf.section(name)
        assert s is not None, name
        return s.addr

    def sym(self, name: str) -> int:
        return self.elf.symbol(name).value

    def field(self, struct: str, member: str) -> int:
        return self.elf.layouts[struct].offsets[member]

    def partition(self, index: int) -> int:
        return self.sym("hv_partitions") + index * self.elf.layouts["hv_partition"].size

    def vttbr_addr(self, index: int) -> int:
        return self.partition(index) + self.field("hv_partition", "vttbr")

    def reg_addr(self, reg: str) -> int:
        return self.sym("hv_boot_regs") + self.field("hv_boot_regs", reg)

    # -- descriptors (start level 1 in both regimes; 2 concatenated pages for stage 2) --
    def s2_desc(self, index: int, ipa: int, level: int = 3) -> int:
        root = self.u64(self.vttbr_addr(index)) & ADDR
        return self._desc(root, (ipa >> 30) & 0x3FF, ipa, level)

    def el2_desc(self, va: int, level: int = 3) -> int:
        root = self.u64(self.reg_addr("ttbr0_el2")) & ADDR
        return self._desc(root, (va >> 30) & 0x1FF, va, level)

    def _desc(self, root: int, idx1: int, addr: int, level: int) -> int:
        at = root + 8 * idx1
        for lvl, shift in ((2, 21), (3, 12)):
            if level < lvl:
                break
            d = self.u64(at)
            assert d & 3 == 3, f"no table at level {lvl - 1} for {addr:#x}"
            at = (d & ADDR) + 8 * ((addr >> shift) & 0x1FF)
        return at


def _bits(clear: int = 0, set_: int = 0) -> Callable[[int], int]:
    return lambda d: (d & ~clear) | set_


def _pa(new: int) -> Callable[[int], int]:
    return lambda d: (d & ~ADDR) | new


def _swap_vttbr(m: Image) -> None:
    a, b = m.u64(m.vttbr_addr(0)), m.u64(m.vttbr_addr(1))
    m.set_u64(m.vttbr_addr(0), b)
    m.set_u64(m.vttbr_addr(1), a)


def _flip_byte(pa_of: Callable[[Image], int]) -> Callable[[Image], None]:
    def apply(m: Image) -> None:
        off = m.off(pa_of(m))
        m.buf[off] ^= 0x5A
    return apply


def _segment_wx(m: Image) -> None:
    phoff = int.from_bytes(m.buf[0x20:0x28], "little")
    phentsize = int.from_bytes(m.buf[0x36:0x38], "little")
    for i in range(int.from_bytes(m.buf[0x38:0x3A], "little")):
        at = phoff + i * phentsize
        if int.from_bytes(m.buf[at:at + 4], "little") == 1:          # the first PT_LOAD: text
            m.buf[at + 4] |= 0x2                                       # PF_W
            return
    raise AssertionError("no PT_LOAD")


def _move_section(name: str, addr: int) -> Callable[[Image], None]:
    """Patch a section header's sh_addr: the hypervisor's memory is where its sections are."""
    def apply(m: Image) -> None:
        from elftools.elf.elffile import ELFFile
        with open(m.path, "rb") as f:
            elf = ELFFile(f)
            index = next(i for i, s in enumerate(elf.iter_sections()) if s.name == name)
            at = elf["e_shoff"] + index * elf["e_shentsize"] + 0x10        # Elf64_Shdr.sh_addr
        m.buf[at:at + 8] = addr.to_bytes(8, "little")
    return apply


def _nested(m: Image, index: int, member: str, struct: str, field: str) -> int:
    """Address of hv_partitions[index].<member>.<field> (a nested struct)."""
    return m.partition(index) + m.field("hv_partition", member) + m.field(struct, field)


def _copy_s2(src_index: int, src_ipa: int, dst_index: int, dst_ipa: int
             ) -> Callable[[Image], None]:
    """Partition dst_index's page at dst_ipa gets the descriptor of src's page at src_ipa."""
    return lambda m: m.set_u64(m.s2_desc(dst_index, dst_ipa), m.u64(m.s2_desc(src_index,
                                                                                src_ipa)))


# (name, mutation, expected finding)
MUTATIONS: list[tuple[str, Callable[[Image], None], str]] = [
    ("s2 S2AP write on rx code", lambda m: m.update(m.s2_desc(0, SMP_CODE), _bits(set_=1 << 7)),
     "s2-perm-mismatch"),
    ("s2 S2AP read cleared on data", lambda m: m.update(m.s2_desc(0, SMP_DATA),
                                                        _bits(clear=1 << 6)), "s2-perm-mismatch"),
    ("s2 XN cleared on data", lambda m: m.update(m.s2_desc(0, SMP_DATA + 0x5000),
                                                 _bits(clear=1 << 54)), "s2-perm-mismatch"),
    ("s2 XN set on code", lambda m: m.update(m.s2_desc(0, SMP_CODE), _bits(set_=1 << 54)),
     "s2-perm-mismatch"),
    ("s2 MemAttr normal -> device", lambda m: m.update(m.s2_desc(0, SMP_DATA),
                                                       _bits(clear=0xF << 2, set_=0x1 << 2)),
     "s2-memtype-mismatch"),
    ("s2 MemAttr device -> normal", lambda m: m.update(m.s2_desc(1, TICKER_UART),
                                                       _bits(set_=0xF << 2)),
     "s2-memtype-mismatch"),
    ("s2 shareability inner -> non", lambda m: m.update(m.s2_desc(0, SMP_DATA),
                                                        _bits(clear=3 << 8)),
     "s2-memtype-mismatch"),
    ("s2 access flag cleared", lambda m: m.update(m.s2_desc(0, SMP_DATA), _bits(clear=1 << 10)),
     "s2-access-flag-clear"),
    ("s2 page into another partition", lambda m: m.update(m.s2_desc(0, SMP_DATA),
                                                          _pa(TICKER_DATA)), "s2-overlap"),
    ("s2 page into hypervisor text", lambda m: m.update(m.s2_desc(0, SMP_DATA),
                                                        _pa(m.sec(".text"))),
     "s2-maps-hypervisor"),
    ("s2 page into a page table", lambda m: m.update(m.s2_desc(0, SMP_DATA),
                                                     _pa(m.sec(".pgtables") + 0x1000)),
     "s2-maps-pgtables"),
    ("s2 page into a pristine image", lambda m: m.update(m.s2_desc(2, 0x42100000),
                                                         _pa(m.sec(".image.ticker"))),
     "s2-maps-image"),
    ("s2 block mapping GICD added", lambda m: m.set_u64(m.s2_desc(1, GICD, level=2),
                                                         GICD | (1 << 54) | 0x4C5),
     "s2-maps-gic"),
    ("s2 extend a mapping", lambda m: m.set_u64(m.s2_desc(0, 0x40200000, level=2),
                                                0x40200000 | (1 << 54) | 0x7FD),
     "s2-unexpected-mapping"),
    ("s2 table descriptor -> block", lambda m: m.update(m.s2_desc(0, SMP_CODE, level=1),
                                                        _bits(clear=2)), "s2-maps-hypervisor"),
    ("s2 page descriptor at level 1", lambda m: m.set_u64(m.s2_desc(0, SMP_CODE, level=1),
                                                          m.u64(m.s2_desc(0, SMP_CODE))),
     "table-outside-pgtables"),
    ("s2 block at level 3 (reserved)", lambda m: m.update(m.s2_desc(0, SMP_CODE + 0x3000),
                                                          _bits(clear=2)), "reserved-descriptor"),
    ("s2 RES0 bits in a table descriptor", lambda m: m.update(m.s2_desc(0, SMP_CODE, level=1),
                                                              _bits(set_=1 << 60)),
     "reserved-bits"),
    ("s2 output address beyond PS", lambda m: m.update(m.s2_desc(0, SMP_DATA),
                                                       _bits(set_=1 << 44)), "oa-out-of-range"),
    ("s2 contiguous hint on one page", lambda m: m.update(m.s2_desc(0, SMP_CODE),
                                                          _bits(set_=1 << 52)),
     "contiguous-inconsistent"),
    ("s2 table shared with another partition",
     lambda m: m.set_u64(m.s2_desc(0, SMP_CODE, level=2),
                         m.u64(m.s2_desc(1, TICKER_CODE, level=2))), "table-reused"),
    ("vttbr of two partitions swapped", _swap_vttbr, "s2-unexpected-mapping"),
    ("vttbr points at code", lambda m: m.update(m.vttbr_addr(0), _pa(m.sec(".text"))),
     "table-outside-pgtables"),
    ("vttbr misaligned root", lambda m: m.update(m.vttbr_addr(0), lambda v: v + 0x1000),
     "ttbr-invalid"),
    ("duplicate VMID", lambda m: m.update(m.vttbr_addr(1), lambda v: (v & ADDR) | (1 << 48)),
     "s2-vmid-duplicate"),
    ("Image text_offset off by 2 MiB", lambda m: m.update(m.sym("_head") + 8,
                                                          lambda v: v + 0x200000),
     "image-header"),
    ("Image header says anywhere with a text_offset", lambda m: m.update(m.sym("_head") + 24,
                                                                         _bits(set_=0x8)),
     "image-header"),
    ("Image image_size short of BSS", lambda m: m.update(m.sym("_head") + 16,
                                                         lambda v: v - 0x1000),
     "image-header"),
    ("WXN cleared", lambda m: m.update(m.reg_addr("sctlr_el2"), _bits(clear=1 << 19)),
     "sctlr-wxn-clear"),
    ("EL2 MMU off", lambda m: m.update(m.reg_addr("sctlr_el2"), _bits(clear=1)),
     "sctlr-mmu-off"),
    ("HCR_EL2.VM cleared", lambda m: m.update(m.reg_addr("hcr_el2"), _bits(clear=1)),
     "hcr-stage2-off"),
    ("HCR_EL2.TIDCP cleared", lambda m: m.update(m.reg_addr("hcr_el2"), _bits(clear=1 << 20)),
     "hcr-trap-missing"),
    ("HCR_EL2.PTW cleared", lambda m: m.update(m.reg_addr("hcr_el2"), _bits(clear=1 << 2)),
     "hcr-trap-missing"),
    ("HCR_EL2.TACR cleared", lambda m: m.update(m.reg_addr("hcr_el2"), _bits(clear=1 << 21)),
     "hcr-trap-missing"),
    ("VTCR with 512 concatenated roots", lambda m: m.update(m.reg_addr("vtcr_el2"),
                                                            _bits(clear=0x3F, set_=16)),
     "vtcr-invalid"),
    ("TCR with a 64K granule", lambda m: m.update(m.reg_addr("tcr_el2"), _bits(set_=1 << 14)),
     "tcr-invalid"),
    ("EL2 text page writable", lambda m: m.update(m.el2_desc(m.sec(".text")),
                                                  _bits(clear=1 << 7)), "el2-wx"),
    ("EL2 bss page executable", lambda m: m.update(m.el2_desc(m.sec(".bss")),
                                                   _bits(clear=1 << 54)),
     "el2-exec-outside-text"),
    ("EL2 rodata page executable", lambda m: m.update(m.el2_desc(m.sec(".rodata")),
                                                      _bits(clear=1 << 54)),
     "el2-exec-outside-text"),
    ("EL2 page tables writable", lambda m: m.update(m.el2_desc(m.sec(".pgtables")),
                                                    _bits(clear=1 << 7)), "el2-perm-mismatch"),
    ("EL2 text not executable", lambda m: m.update(m.el2_desc(m.sec(".text")),
                                                   _bits(set_=1 << 54)), "el2-perm-mismatch"),
    ("EL2 text page into partition RAM", lambda m: m.update(m.el2_desc(m.sec(".text") + 0x1000),
                                                            _pa(SMP_CODE)), "el2-not-identity"),
    ("EL2 rodata as device memory", lambda m: m.update(m.el2_desc(m.sec(".rodata")),
                                                       _bits(set_=1 << 2)),
     "el2-memtype-mismatch"),
    ("MAIR attr0 non-cacheable", lambda m: m.update(m.reg_addr("mair_el2"),
                                                    lambda v: (v & ~0xFF) | 0x44),
     "el2-memtype-mismatch"),
    ("EL2 unexpected block (virtio)", lambda m: m.set_u64(m.el2_desc(0x0A000000, level=2),
                                                          0x0A000000 | (1 << 54) | 0x445),
     "el2-unexpected-mapping"),
    ("EL2 data page unmapped", lambda m: m.set_u64(m.el2_desc(m.sec(".rodata")), 0),
     "el2-missing-mapping"),
    ("TTBR0_EL2 points at a stage-2 tree", lambda m: m.set_u64(
        m.reg_addr("ttbr0_el2"), m.u64(m.vttbr_addr(0)) & ADDR), "el2-missing-mapping"),
    ("image byte changed", _flip_byte(lambda m: m.sec(".image.ticker") + 0x40),
     "image-digest-mismatch"),
    ("in-image digest changed", _flip_byte(
        lambda m: m.u64(m.partition(2) + m.field("hv_partition", "blobs"))
        + m.field("hv_blob", "fsverity")), "image-digest-mismatch"),
    ("hv_region PA into another partition", lambda m: m.set_u64(
        m.u64(m.partition(0) + m.field("hv_partition", "ram"))
        + m.elf.layouts["hv_region"].size + m.field("hv_region", "pa"), TICKER_DATA),
     "ram-table-mismatch"),
    ("blob destination in another partition", lambda m: m.set_u64(
        m.u64(m.partition(0) + m.field("hv_partition", "blobs")) + m.field("hv_blob", "dst"),
        TICKER_CODE), "blob-mismatch"),
    ("blob source outside the images", lambda m: m.set_u64(
        m.u64(m.partition(1) + m.field("hv_partition", "blobs")) + m.field("hv_blob", "src"),
        SMP_CODE), "blob-mismatch"),
    ("partition name pointer swapped", lambda m: m.set_u64(
        m.partition(0) + m.field("hv_partition", "name"),
        m.u64(m.partition(1) + m.field("hv_partition", "name"))), "partition-mismatch"),
    ("text segment made writable", _segment_wx, "elf-segment-wx"),
    # what booting needs at all: the hypervisor in RAM, emulated pages trapping, a real entry
    ("hypervisor section in flash", _move_section(".rodata", 0x0), "hyp-outside-ram"),
    ("hypervisor section on a virtio page", _move_section(".rodata", 0x0A000000),
     "hyp-outside-ram"),
    ("hypervisor section below hypervisor.memory", _move_section(".bss", 0x7E000000),
     "hyp-outside-region"),
    ("RAM page at the emulated GICD IPA", _copy_s2(0, SMP_DATA, 0, GICD), "s2-maps-emulated"),
    ("emulated GICD recorded on a RAM page", lambda m: m.set_u64(
        _nested(m, 0, "vgic", "hv_vgic_config", "gicd_ipa"), SMP_DATA), "s2-maps-emulated"),
    ("emulated GICD moved", lambda m: m.set_u64(
        _nested(m, 1, "vgic", "hv_vgic_config", "gicd_ipa"), GICD + 0x20000),
     "emulated-mismatch"),
    ("virtual UART over RAM", lambda m: (
        m.set_u64(_nested(m, 0, "vuart", "hv_vuart_config", "ipa"), SMP_DATA),
        m.buf.__setitem__(m.off(_nested(m, 0, "vuart", "hv_vuart_config", "present")), 1)),
     "s2-maps-emulated"),
    ("GICV frame also at the GICD IPA", _copy_s2(0, GICC, 0, GICD), "s2-gicv-misplaced"),
    ("GICC IPA onto RAM", _copy_s2(0, SMP_DATA, 0, GICC), "s2-gicv-misplaced"),
    ("entry point in a data region", lambda m: m.set_u64(
        m.partition(0) + m.field("hv_partition", "entry_ipa"), SMP_DATA), "entry-not-executable"),
    ("entry page made non-executable", lambda m: m.update(m.s2_desc(1, TICKER_CODE),
                                                          _bits(set_=1 << 54)),
     "entry-not-executable"),
    ("entry point past the image", lambda m: m.set_u64(
        m.partition(0) + m.field("hv_partition", "entry_ipa"), SMP_CODE + 0x80000),
     "entry-not-in-image"),
    ("image blob emptied", lambda m: m.set_u64(
        m.u64(m.partition(2) + m.field("hv_partition", "blobs")) + m.field("hv_blob", "size"), 0),
     "entry-not-in-image"),
    ("entry_ipa not memory[0]", lambda m: m.set_u64(
        m.partition(1) + m.field("hv_partition", "entry_ipa"), TICKER_CODE + 0x1000),
     "entry-mismatch"),
    ("device tree IPA unmapped", lambda m: m.set_u64(
        m.partition(2) + m.field("hv_partition", "dtb_ipa"), 0x50000000), "dtb-unmapped"),
    ("device tree IPA off the DTB", lambda m: m.set_u64(
        m.partition(2) + m.field("hv_partition", "dtb_ipa"), 0x42100000), "dtb-unmapped"),
]


def _copy(built, tmp_path: Path) -> Path:
    out = tmp_path / "img"
    out.mkdir()
    shutil.copy(built.elf, out / "hyp.elf")
    shutil.copy(built.manifest, out / "manifest.json")
    return out / "hyp.elf"


def test_unmutated_image_is_clean(built, tmp_path):
    report = verify_elf(_copy(built, tmp_path), built.analysis.system)
    assert report.clean, report.render()
    assert [p["name"] for p in report.partitions] == ["smp", "ticker", "rogue"]
    assert all(im["checked_against"] == ["manifest.json", "hv_blob.fsverity"]
               for im in report.images)


def test_at_least_twenty_kinds():
    assert len(MUTATIONS) >= 20
    assert len({name for name, _, _ in MUTATIONS}) == len(MUTATIONS)


def mutated_report(built, tmp_path: Path, mutate: Callable[[Image], None]):
    """verify's report on a copy of the built image after `mutate` (which must change it)."""
    elf = _copy(built, tmp_path)
    m = Image(elf)
    before = bytes(m.buf)
    mutate(m)
    assert bytes(m.buf) != before, "the mutation changed nothing"
    m.save()
    return verify_elf(elf, built.analysis.system)


@pytest.mark.parametrize("name,mutate,expected", MUTATIONS, ids=[m[0] for m in MUTATIONS])
def test_mutation_is_flagged(built, tmp_path, name, mutate, expected):
    report = mutated_report(built, tmp_path, mutate)
    assert expected in report.names, f"{name}: expected {expected}, got:\n{report.render()}"


def test_reserved_hypervisor_memory_is_flagged(built, tmp_path):
    """A board that reserves a page of the hypervisor (the configuration side of the proof)."""
    import dataclasses

    from hvcfg.board import Reg
    system = built.analysis.system
    hyp = built.analysis.hyp
    board = dataclasses.replace(system.board, reserved=(Reg(hyp.base + 0x3000, 0x1000),))
    report = verify_elf(_copy(built, tmp_path), dataclasses.replace(system, board=board))
    assert report.names == {"hyp-reserved"}, report.render()


def test_hypervisor_outside_board_ram_is_flagged(built, tmp_path):
    """RAM that ends below the hypervisor: every hypervisor page is outside it."""
    import dataclasses

    from hvcfg.board import Reg
    system = built.analysis.system
    ram = (Reg(0x40000000, built.analysis.hyp.base - 0x40000000),)
    report = verify_elf(_copy(built, tmp_path),
                        dataclasses.replace(system, board=dataclasses.replace(system.board,
                                                                              ram=ram)))
    assert "hyp-outside-ram" in report.names, report.render()


@pytest.mark.parametrize("kind", ["sha256", "fsverity-sha256"])
def test_manifest_digest_mismatch(built, tmp_path, kind):
    elf = _copy(built, tmp_path)
    manifest = json.loads((elf.parent / "manifest.json").read_text())
    manifest["partitions"][0][kind] = "0" * 64
    (elf.parent / "manifest.json").write_text(json.dumps(manifest))
    report = verify_elf(elf, built.analysis.system)
    assert {f.subject for f in report.findings if f.name == "image-digest-mismatch"} == \
        {"image:smp"}


# ------------------------------------------------------------------ the command line

def _run_cli(argv: list[str], capsys) -> tuple[int, str, str]:
    import argparse

    from hvcfg.verify import register
    parser = argparse.ArgumentParser(prog="hvcfg")
    parser.add_argument("--build-dir", type=Path, default=Path("build"))
    register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(argv)
    code = args.func(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_clean_json(built, tmp_path, capsys):
    elf = _copy(built, tmp_path)
    code, out, _ = _run_cli(["verify", str(elf), "--json"], capsys)
    data = json.loads(out)
    assert code == 0 and data["clean"] and data["findings"] == []
    assert {p["name"]: p["pages"] > 0 for p in data["partitions"]} == \
        {"smp": True, "ticker": True, "rogue": True}
    assert data["el2"]["wxn"] is True


def test_cli_findings_exit_1(built, tmp_path, capsys):
    elf = _copy(built, tmp_path)
    m = Image(elf)
    m.update(m.reg_addr("sctlr_el2"), _bits(clear=1 << 19))
    m.save()
    code, out, _ = _run_cli(["--build-dir", str(built.out_dir.parent), "verify", str(elf),
                             "--config", str(BOARD)], capsys)
    assert code == 1 and "sctlr-wxn-clear: regs:" in out


@pytest.mark.parametrize("corrupt", [
    lambda b: b[:4096],                               # truncated
    lambda b: b"\x7fELF" + bytes(60),                # header only
    lambda b: b[:0x20] + b"\xff" * 8 + b[0x28:],     # e_phoff beyond the file
    lambda b: b[:0x28] + b"\x00\x00\x01\x00" + b[0x2c:],  # e_shoff beyond the file
])
def test_cli_corrupt_elf_is_a_clear_error(built, tmp_path, capsys, corrupt):
    elf = _copy(built, tmp_path)
    elf.write_bytes(corrupt(elf.read_bytes()))
    code, out, err = _run_cli(["verify", str(elf)], capsys)
    assert code == 2 and "hvcfg verify: error:" in err and "Traceback" not in err + out
