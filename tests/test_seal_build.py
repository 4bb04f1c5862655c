# SPDX-License-Identifier: Apache-2.0
"""Kernel sealing at build time (issue 15, docs/integrity.md): the two stage-2 table sets of a
sealed partition, their proof by `hvcfg verify`, and mutations of the image that it must catch.
A small stand-in arm64 Image with a layout written for it keeps this independent of the
Debian kernel (tests/test_seal_linux.py boots that one)."""
from __future__ import annotations

import hashlib
import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

import test_verify_mutations as verify_mutations
from hvcfg import integrity, kernelsites, layout, pipeline, tables
from hvcfg.diagnostics import ConfigError
from hvcfg.model import kernel_layout_path
from hvcfg.rules import analyse
from hvcfg.verify import VerifyError, verify_elf

ROOT = Path(__file__).resolve().parent.parent
KERNEL = ROOT / "tests" / "negative" / "partitions" / "kernel.bin"
ADDR = ((1 << 48) - 1) & ~0xFFF
BASE = 0x40000000
TEXT, RODATA = (0x0, 0x1000), (0x1000, 0x2000)
NO_SITES = kernelsites.NO_SITES
# two static keys and three ftrace calls, the last at the text's last word
SITES = kernelsites.KernelSites(((0x100, 0x200), (0x300, 0x104)), (0x400, 0x800, 0xFFC))
TEXT_VA = 0xFFFF800008000000        # where a stand-in's _text is linked (arm64's KIMAGE_VADDR)

BOARD = """\
board:
  name: seal-build
  devicetree:
    qemu: {machine: "virt,virtualization=on,gic-version=2", cpu: cortex-a53, smp: 4,
           memory: 1G, serials: 2}
hypervisor:
  console: /pl011@9000000
  memory: {size: 16M}
partitions:
  - name: k
    cpus: [0]
    memory: [{base: 0x40000000, size: 4M, perm: rwx}]
    image: {binary: kernel.bin}
    bootargs: "BOOTARGS"
    integrity: {kernel: sealed, on_violation: inject}
"""


def with_tables(data: bytes, sites: kernelsites.KernelSites) -> tuple[bytes, dict[str, int]]:
    """`data` with the tables that declare `sites` appended as a linker lays them out in an
    arm64 Image (a relative `__jump_table`, a zeroed `__mcount_loc` and the `.rela.dyn`
    relocations that fill it in; a function's entry is its ftrace site - 4), and their
    bounds as layout symbols."""
    at = -len(data) % 16 + len(data)
    jump = b"".join(kernelsites.JUMP_ENTRY.pack(s - (at + 16 * i), t - (at + 16 * i + 4), 0)
                    for i, (s, t) in enumerate(sites.jumps))
    mcount = at + len(jump)
    rela = b"".join(kernelsites.RELA.pack(TEXT_VA + mcount + 8 * i,
                                          kernelsites.R_AARCH64_RELATIVE, TEXT_VA + f - 4)
                    for i, f in enumerate(sites.ftrace))
    rela_at = mcount + 8 * len(sites.ftrace)
    bounds = (at, mcount, mcount, rela_at, rela_at, rela_at + len(rela))
    tables = jump + bytes(8 * len(sites.ftrace)) + rela
    return (data.ljust(at, b"\0") + tables,
            dict(zip(kernelsites.JUMP_TABLE + kernelsites.MCOUNT_LOC + kernelsites.RELA_DYN,
                     bounds, strict=True)))


def write_layout(image: Path, text: tuple[int, int], rodata: tuple[int, int],
                 hashed_from: int, symbols: dict[str, int] | None = None,
                 sites: kernelsites.KernelSites = NO_SITES,
                 file_sites: kernelsites.KernelSites | None = None) -> None:
    """A kernel layout and patch sites for a stand-in Image, as scripts/kernel-layout writes
    them for Linux: the Image gets tables declaring `sites` (with_tables), the site file
    `file_sites` (default: the same)."""
    data, bounds = with_tables(image.read_bytes(), sites)
    image.write_bytes(data)
    encoded = (sites if file_sites is None else file_sites).encode()
    kernelsites.sites_path(image).write_bytes(encoded)
    doc = {"format": integrity.LAYOUT_FORMAT, "kernel": "stand-in", "from": "a test",
           "text_va": TEXT_VA, "image_sha256": hashlib.sha256(data).hexdigest(),
           "symbols": {"vectors": 0x800, **bounds, **(symbols or {})},
           "text": {"start": text[0], "end": text[1], "hashed_from": hashed_from,
                    "sha256": hashlib.sha256(data[hashed_from:text[1]]).hexdigest()},
           "rodata": {"start": rodata[0], "end": rodata[1]},
           "sites": {"sha256": kernelsites.digest(encoded), "jump": len(sites.jumps),
                     "ftrace": len(sites.ftrace)}}
    kernel_layout_path(image).write_text(json.dumps(doc))


def board(tmp: Path, bootargs: str = "console=ttyAMA0") -> Path:
    shutil.copy(KERNEL, tmp / "kernel.bin")
    write_layout(tmp / "kernel.bin", TEXT, RODATA, 0x100, sites=SITES)
    path = tmp / "board.yaml"
    path.write_text(BOARD.replace("BOOTARGS", bootargs))
    return path


def test_sealed_mappings_cut_only_the_sealed_ranges() -> None:
    ram = tables.Mapping(BASE, 0x80000000, 0x400000, "rwx", "normal", "k RAM")
    seal = integrity.KernelSeal((integrity.SealRange("text", BASE, 0x1000),
                                 integrity.SealRange("rodata", BASE + 0x1000, 0x1000)),
                                Path("x"), "k", 0x800)
    got = integrity.sealed_mappings((ram,), seal)
    assert [(m.va, m.pa, m.size, m.perm) for m in got] == [
        (BASE, 0x80000000, 0x1000, "rx"), (BASE + 0x1000, 0x80001000, 0x1000, "rx"),
        (BASE + 0x2000, 0x80002000, 0x3fe000, "rwx")]


def test_w006_rodata_off(tmp_path: Path) -> None:
    found = [d for d in analyse(board(tmp_path, "rodata=off"), tmp_path / "b").warnings
             if d.code == "W006"]
    assert len(found) == 1 and "rodata=off" in found[0].message
    assert not [d for d in analyse(board(tmp_path), tmp_path / "b").warnings
                if d.code == "W006"]


def _valid_layout(tmp: Path) -> dict:
    return json.loads(kernel_layout_path(tmp / "kernel.bin").read_text())


CORRUPT_LAYOUTS = {
    "list top level": lambda doc: [doc],
    "float offset": lambda doc: {**doc, "text": {**doc["text"], "end": float(TEXT[1])}},
    "bool offset": lambda doc: {**doc, "rodata": {**doc["rodata"], "start": True}},
    "string symbol": lambda doc: {**doc, "symbols": {"vectors": "0x800"}},
    "missing key": lambda doc: {k: v for k, v in doc.items() if k != "rodata"},
    "text not a mapping": lambda doc: {**doc, "text": 3},
    "offset past the Image": lambda doc: {**doc, "rodata": {"start": RODATA[0],
                                                             "end": 1 << 40}},
}


@pytest.mark.parametrize("corrupt", CORRUPT_LAYOUTS, ids=list(CORRUPT_LAYOUTS))
def test_a_corrupt_kernel_layout_is_e085_at_the_integrity_key(tmp_path: Path,
                                                               corrupt: str) -> None:
    """A hand-edited or truncated layout is a diagnostic at the partition's integrity key,
    not a traceback."""
    path = board(tmp_path)
    layout = kernel_layout_path(tmp_path / "kernel.bin")
    layout.write_text(json.dumps(CORRUPT_LAYOUTS[corrupt](_valid_layout(tmp_path))))
    with pytest.raises(ConfigError) as exc:
        analyse(path, tmp_path / "b")
    errors = exc.value.diagnostics
    assert [d.code for d in errors] == ["E085"]
    assert "unreadable" in errors[0].message and errors[0].pos is not None
    assert errors[0].pos.line == BOARD[:BOARD.index("integrity:")].count("\n") + 1


def _unsorted(data: bytes) -> bytes:
    """SITES with its last two ftrace sites swapped."""
    return data[:-8] + data[-4:] + data[-8:-4]


CORRUPT_SITES = {
    "missing": (None, "no kernel patch sites"),
    "truncated": (lambda data: data[:-2], "unreadable"),
    "another magic": (lambda data: b"hvsites\x02" + data[8:], "unreadable"),
    "unsorted": (_unsorted, "not sorted"),
    "a site past the text": (lambda data: data[:-4] + TEXT[1].to_bytes(4, "little"),
                             "not an instruction of the text"),
    "another build's": (lambda data: kernelsites.KernelSites(SITES.jumps, SITES.ftrace[:2])
                        .encode(), "another kernel build's"),
}


@pytest.mark.parametrize("corrupt", CORRUPT_SITES, ids=list(CORRUPT_SITES))
def test_a_missing_or_corrupt_site_file_is_e092_naming_it(tmp_path: Path, corrupt: str) -> None:
    """The patch sites are an input like the layout: a missing, malformed or other build's
    file is E092 at the integrity key, naming the file, never a traceback or empty tables."""
    path = board(tmp_path)
    sites = kernelsites.sites_path(tmp_path / "kernel.bin")
    edit, says = CORRUPT_SITES[corrupt]
    if edit is None:
        sites.unlink()
    else:
        sites.write_bytes(edit(sites.read_bytes()))
    with pytest.raises(ConfigError) as exc:
        analyse(path, tmp_path / "b")
    errors = exc.value.diagnostics
    assert [d.code for d in errors] == ["E092"]
    assert says in errors[0].message and str(sites) in errors[0].message, errors[0].message
    assert errors[0].pos is not None
    assert errors[0].pos.line == BOARD[:BOARD.index("integrity:")].count("\n") + 1


# Site files that are well-formed and recorded in the layout (sites.sha256 updated) but declare
# other sites than the stand-in Image's own tables (SITES): red team 7, F1
FORGED = {
    # the reviewer's case: a NOP (then a BL) named by no __jump_table entry, target +8
    "an extra static key": (SITES.jumps + ((0x500, 0x508),), SITES.ftrace,
                            "jump site (0x500, target 0x508) is declared by the file but not "
                            "by the Image's tables"),
    "a static key retargeted": (((0x100, 0x208),) + SITES.jumps[1:], SITES.ftrace,
                                "jump site (0x100, target 0x200) is in the Image's tables but "
                                "not in the file"),
    "a static key missing": (SITES.jumps[1:], SITES.ftrace, "jump site (0x100, target 0x200) "
                             "is in the Image's tables but not in the file"),
    "an extra ftrace site": (SITES.jumps, (0x400, 0x600, 0x800, 0xFFC), "ftrace site 0x600 is "
                             "declared by the file but not by the Image's tables"),
    "an ftrace site missing": (SITES.jumps, (0x400, 0xFFC), "ftrace site 0x800 is in the "
                               "Image's tables but not in the file"),
}


@pytest.mark.parametrize("forged", FORGED, ids=list(FORGED))
def test_a_site_file_not_the_images_own_is_e092(tmp_path: Path, forged: str) -> None:
    """The site file may declare exactly what the Image's own __jump_table and __mcount_loc
    declare in [_stext, _etext): an extra site (which root could flip to `B +8` or to a BL into
    ftrace once sealed), a missing or retargeted one is E092 naming the file and the site."""
    path = board(tmp_path)
    jumps, ftrace, says = FORGED[forged]
    image = tmp_path / "kernel.bin"
    shutil.copy(KERNEL, image)
    write_layout(image, TEXT, RODATA, 0x100, sites=SITES,
                 file_sites=kernelsites.KernelSites(jumps, ftrace))
    with pytest.raises(ConfigError) as exc:
        analyse(path, tmp_path / "b")
    errors = exc.value.diagnostics
    assert [d.code for d in errors] == ["E092"], errors
    sites = kernelsites.sites_path(image)
    assert says in errors[0].message and str(sites) in errors[0].message, errors[0].message


def test_a_site_named_by_the_layout_alone_is_e092(tmp_path: Path) -> None:
    """A layout symbol can name any word: ftrace's graph call named at a function's entry (a
    NOP) with a B to anywhere, declared in the site file too, is no site of the Image's own
    tables (review of stop 25: the layout's ftrace_graph_call/ftrace_graph_caller were taken
    as a site without any check)."""
    path = board(tmp_path)
    image = tmp_path / "kernel.bin"
    shutil.copy(KERNEL, image)
    graph = (0x3FC, 0x800)              # the entry of the function whose ftrace site is 0x400
    write_layout(image, TEXT, RODATA, 0x100, sites=SITES,
                 symbols={"ftrace_graph_call": graph[0], "ftrace_graph_caller": graph[1]},
                 file_sites=kernelsites.KernelSites(tuple(sorted(SITES.jumps + (graph,))),
                                                    SITES.ftrace))
    with pytest.raises(ConfigError) as exc:
        analyse(path, tmp_path / "b")
    assert [d.code for d in exc.value.diagnostics] == ["E092"]
    assert ("jump site (0x3fc, target 0x800) is declared by the file but not by the Image's "
            "tables") in exc.value.diagnostics[0].message


@pytest.mark.parametrize(("where", "says"), [
    (0x100, "jump site 0x100 holds 0xd65f03c0, neither NOP nor B 0x200"),
    (0x3FC, "function entry 0x3fc does not start with two NOPs"),
    (0x400, "function entry 0x3fc does not start with two NOPs")],
    ids=["static key", "entry", "call"])
def test_a_site_whose_word_in_the_image_is_not_its_own_is_e092(tmp_path: Path, where: int,
                                                                says: str) -> None:
    """Each site's word in the (hashed) Image is one it may hold: a static key NOP or B to its
    target, a traced function's entry two NOPs; a RET there is E092, as kernel-layout refuses it
    in the vmlinux (kernelsites.check_words)."""
    path = board(tmp_path)
    image = tmp_path / "kernel.bin"
    data = bytearray(KERNEL.read_bytes())
    data[where:where + 4] = (0xD65F03C0).to_bytes(4, "little")      # RET
    image.write_bytes(bytes(data))
    write_layout(image, TEXT, RODATA, 0x100, sites=SITES)
    with pytest.raises(ConfigError) as exc:
        analyse(path, tmp_path / "b")
    assert [d.code for d in exc.value.diagnostics] == ["E092"]
    assert says in exc.value.diagnostics[0].message


def test_the_images_tables_outside_the_text_or_image(tmp_path: Path) -> None:
    """Entries outside [_stext, _etext) (init text, freed) are no sites, as kernel-layout
    selects them; bounds that are no table of the Image's data (reversed, a partial entry, in
    the text) are E092, not a traceback (bounds past the Image are a malformed layout, E085)."""
    path = board(tmp_path)
    image = tmp_path / "kernel.bin"
    shutil.copy(KERNEL, image)
    write_layout(image, TEXT, RODATA, 0x100,
                 sites=kernelsites.KernelSites(((0x80, 0x84),) + SITES.jumps, (0x40,)
                                               + SITES.ftrace), file_sites=SITES)
    analyse(path, tmp_path / "b")
    lay = kernel_layout_path(image)
    doc = json.loads(lay.read_text())
    symbols = doc["symbols"]
    for name, value in (("__rela_end", symbols["__rela_start"] - 8),         # reversed
                        ("__stop___jump_table", symbols["__stop___jump_table"] - 8),  # a half
                        ("__start_mcount_loc", 0x800)):                      # in the text
        lay.write_text(json.dumps({**doc, "symbols": {**symbols, name: value}}))
        with pytest.raises(ConfigError) as exc:
            analyse(path, tmp_path / "b")
        assert [d.code for d in exc.value.diagnostics] == ["E092"]
        assert "cannot be read" in exc.value.diagnostics[0].message
        assert name in exc.value.diagnostics[0].message


def test_the_real_kernels_site_file_is_its_images_own() -> None:
    """Debian's kernel (scripts/kernel-layout): the site file is what the Image declares."""
    image = ROOT / "build" / "guests" / "linux" / "Image"
    path = kernel_layout_path(image)
    if not path.is_file() or json.loads(path.read_text()).get("format") != \
            integrity.LAYOUT_FORMAT:
        pytest.skip("no kernel layout of this format: scripts/kernel-layout derives it")
    data = image.read_bytes()
    lay = integrity.read_layout(kernel_layout_path(image), len(data))
    sites = lay.read_sites(image, data)
    assert len(sites.jumps) > 1000 and len(sites.ftrace) > 10000
    assert lay.image_sites(data) == sites


def test_verify_derives_the_sites_from_the_packaged_image(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch
                                                          ) -> None:
    """`hvcfg verify` does not trust the compiler: an image built (by a compiler that did not
    bind the sites) with the reviewer's forged site file is a finding, though its tables are
    the site file's."""
    path = board(tmp_path)
    image = tmp_path / "kernel.bin"
    shutil.copy(KERNEL, image)
    forged = kernelsites.KernelSites(SITES.jumps + ((0x500, 0x508),), SITES.ftrace + (0x1000 - 8,))
    forged = kernelsites.KernelSites(forged.jumps, tuple(sorted(forged.ftrace)))
    write_layout(image, TEXT, RODATA, 0x100, sites=SITES, file_sites=forged)
    with monkeypatch.context() as mp:
        mp.setattr(integrity.KernelLayout, "image_sites", lambda self, data: forged)
        built = pipeline.build(path, tmp_path / "build")
    found = [f for f in verify_elf(built.elf, built.analysis.system).findings
             if f.name == "seal-sites-mismatch"]
    assert len(found) == 1 and "packaged Image's own" in found[0].message, found
    assert ("jump site (0x500, target 0x508) is declared by the hypervisor's tables but not by "
            "the Image's" in found[0].message), found


PLANTED = {
    "a static key moved": ("jump_sites", 0, 0x104, "jump site (0x100, target 0x200) is in the "
                           "Image's tables but not in the hypervisor's tables"),
    "an ftrace site moved": ("ftrace_sites", 4, 0x600, "ftrace site 0x600 is declared by the "
                             "hypervisor's tables but not by the Image's"),
}


@pytest.mark.parametrize("planted", PLANTED, ids=list(PLANTED))
def test_verify_catches_a_site_planted_in_the_image(built, tmp_path: Path, planted: str) -> None:
    """A site moved to a word the Image does not declare is caught by the derivation from the
    packaged Image (and by the comparison with the site file), naming the first differing
    site."""
    table, at, value, says = PLANTED[planted]
    m = Image(built, tmp_path / "hyp.elf")
    m.set_u32(m.site_table(table) + at, value)
    m.save()
    found = [f.message for f in verify_elf(m.path, m.system).findings
             if f.name == "seal-sites-mismatch"]
    assert any("packaged Image's own" in f and says in f for f in found), found


def test_site_file_round_trip_and_limits() -> None:
    """The format kernelsites.py writes is the one it reads; both ends of the text are sites."""
    sites = kernelsites.KernelSites(((0, 0xFFC), (0xFFC, 0)), (4, 8))
    assert kernelsites.decode(sites.encode(), (0, 0x1000)) == sites
    assert kernelsites.decode(NO_SITES.encode(), (0, 0x1000)) == NO_SITES
    for bad, says in ((kernelsites.KernelSites(((0x10, 0x20),), (0x10,)), "both"),
                      (kernelsites.KernelSites((), (2,)), "not an instruction"),
                      (kernelsites.KernelSites(((0x10, 0x1000),), ()), "jump target")):
        with pytest.raises(ValueError, match=says):
            kernelsites.decode(bad.encode(), (0, 0x1000))


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("seal-build")
    return pipeline.build(board(tmp), tmp / "build")


class Image(verify_mutations.Image):
    """A copy of the built ELF to patch (test_verify_mutations's), with sealing's places."""

    def __init__(self, built, dst: Path):
        shutil.copy(built.elf, dst)
        super().__init__(dst)
        self.system = built.analysis.system

    def integrity(self) -> int:
        lay = self.elf.layouts["hv_partition"]
        return self.u64(self.elf.symbol("hv_partitions").value + lay.offsets["integrity"])

    def leaf(self, root: int, ipa: int) -> int:
        """Address of the level-3 descriptor of `ipa` (plain index arithmetic, no walker)."""
        at = root + 8 * ((ipa >> 30) & 0x3FF)
        for shift in (21, 12):
            at = (self.u64(at) & ADDR) + 8 * ((ipa >> shift) & 0x1FF)
        return at

    def site_table(self, member: str) -> int:
        return self.u64(self.integrity() + self.field("hv_integrity", member))

    def set_u32(self, pa: int, value: int) -> None:
        self.buf[self.off(pa):self.off(pa) + 4] = value.to_bytes(4, "little")

    def findings(self) -> set[str]:
        self.save()
        return {f.name for f in verify_elf(self.path, self.system).findings}


def test_the_rodata_window_grows_by_the_site_tables(built) -> None:
    """The site tables are constant data of their kernel's size (about 193 KiB for Debian's):
    the hypervisor's rodata window grows by them (in 64 KiB steps), so that any number of
    sealed partitions links, or does not fit the hypervisor's memory (E031)."""
    script = (built.out_dir / "gen" / "hyp.ld").read_text()
    window = int(re.search(r"SIZEOF\(\.rodata\) <= (0x[0-9a-f]+)", script).group(1), 16)
    assert window == layout.RODATA_WINDOW + 0x10000 >= layout.RODATA_WINDOW + 8 * len(
        SITES.jumps) + 4 * len(SITES.ftrace)


def test_two_partitions_sealing_one_kernel_share_its_site_tables(tmp_path: Path) -> None:
    """The tables are emitted once per kernel, and both partitions' hv_integrity verify."""
    path = board(tmp_path)
    path.write_text(path.read_text() + """\
  - name: k2
    cpus: [1]
    memory: [{base: 0x40800000, size: 4M, perm: rwx}]
    image: {binary: kernel.bin}
    integrity: {kernel: sealed}
""")
    result = pipeline.build(path, tmp_path / "build")
    config = (result.out_dir / "gen" / "hvcfg_config.c").read_text()
    assert re.findall(r"static const uint32_t (seal_\w+)\[", config) == [
        "seal_jump_sites_k", "seal_jump_targets_k", "seal_ftrace_k"]
    assert config.count(".ftrace_sites = seal_ftrace_k,") == 2
    assert verify_elf(result.elf, result.analysis.system).clean


def test_sealed_build_verifies_clean_and_seals_only_the_ranges(built) -> None:
    report = verify_elf(built.elf, built.analysis.system)
    assert report.clean, report.render()
    m = Image(built, built.elf.with_name("copy.elf"))
    sealed = m.u64(m.integrity() + m.field("hv_integrity", "sealed_vttbr")) & ADDR
    plain = m.u64(m.elf.symbol("hv_partitions").value + m.field("hv_partition", "vttbr")) & ADDR
    for ipa in (BASE + TEXT[0], BASE + RODATA[0]):
        assert not m.u64(m.leaf(sealed, ipa)) & tables.S2AP_W
        assert m.u64(m.leaf(plain, ipa)) & tables.S2AP_W
    after = BASE + RODATA[1]
    assert m.u64(m.leaf(sealed, after)) == m.u64(m.leaf(plain, after))


MUTATIONS = {
    "text writable once sealed": ("s2-perm-mismatch", lambda m: m.set_u64(
        m.leaf(m.u64(m.integrity()) & ADDR, BASE), m.u64(m.leaf(m.u64(m.integrity()) & ADDR, BASE))
        | tables.S2AP_W)),
    "rodata writable once sealed": ("s2-perm-mismatch", lambda m: m.set_u64(
        m.leaf(m.u64(m.integrity()) & ADDR, BASE + 0x1000),
        m.u64(m.leaf(m.u64(m.integrity()) & ADDR, BASE + 0x1000)) | tables.S2AP_W)),
    "sealed root is the unsealed one": ("s2-perm-mismatch", lambda m: m.set_u64(
        m.integrity(), m.u64(m.elf.symbol("hv_partitions").value
                             + m.field("hv_partition", "vttbr")))),
    "sealed range moved": ("seal-ranges-mismatch", lambda m: m.set_u64(
        m.u64(m.integrity() + m.field("hv_integrity", "ranges")), BASE + 0x1000)),
    "a BL target the layout does not give": ("seal-ranges-mismatch", lambda m: (
        m.set_u64(m.integrity() + m.field("hv_integrity", "bl_targets"), BASE + 0x40),
        m.set_u64(m.integrity() + m.field("hv_integrity", "nbl_targets"),
                  1 | (m.u64(m.integrity() + m.field("hv_integrity", "nbl_targets"))
                       & ~0xFFFFFFFF)))),
    "integrity pointer cleared": ("seal-tables", lambda m: m.set_u64(
        m.elf.symbol("hv_partitions").value + m.field("hv_partition", "integrity"), 0)),
    # Red team 5: the fields the hypervisor's patch path uses (it writes at text_pa + (ipa -
    # text_ipa) for ipa - text_ipa < text_size) and the seal probe (rodata_ipa) were not read
    # back: a text_pa on another partition's RAM verified clean.
    "patch writes go to another PA": ("seal-ranges-mismatch", lambda m: m.set_u64(
        m.integrity() + m.field("hv_integrity", "text_pa"),
        m.u64(m.integrity() + m.field("hv_integrity", "text_pa")) + 0x200000)),
    "patchable text grown over the rodata": ("seal-ranges-mismatch", lambda m: m.set_u64(
        m.integrity() + m.field("hv_integrity", "text_size"),
        m.u64(m.integrity() + m.field("hv_integrity", "text_size")) + 0x1000)),
    "patchable text moved": ("seal-ranges-mismatch", lambda m: m.set_u64(
        m.integrity() + m.field("hv_integrity", "text_ipa"),
        m.u64(m.integrity() + m.field("hv_integrity", "text_ipa")) + 0x1000)),
    "probe looks at another page": ("seal-ranges-mismatch", lambda m: m.set_u64(
        m.integrity() + m.field("hv_integrity", "rodata_ipa"),
        m.u64(m.integrity() + m.field("hv_integrity", "rodata_ipa")) + 0x1000)),
    # Red team 7: the probe finds the kernel through vectors_offset (a wrong one never seals),
    # and on_violation is the configured policy (a changed one silently softens a refusal).
    "probe looks for the vectors elsewhere": ("seal-ranges-mismatch", lambda m: m.set_u64(
        m.integrity() + m.field("hv_integrity", "vectors_offset"),
        m.u64(m.integrity() + m.field("hv_integrity", "vectors_offset")) + 0x1000)),
    "refusals handled by another policy": ("seal-ranges-mismatch", lambda m: m.set_u32(
        m.integrity() + m.field("hv_integrity", "on_violation"),
        (m.u64(m.integrity() + m.field("hv_integrity", "on_violation")) & 0xFFFFFFFF) ^ 3)),
    # the kernel's own patch sites (docs/integrity.md): what the decoder may write where
    "a static key branches elsewhere": ("seal-sites-mismatch", lambda m: m.set_u32(
        m.site_table("jump_targets"), 0x180)),
    "static keys out of order": ("seal-sites-mismatch", lambda m: (
        m.set_u32(m.site_table("jump_sites"), 0x300),
        m.set_u32(m.site_table("jump_sites") + 4, 0x100))),
    "an ftrace site past the text": ("seal-sites-mismatch", lambda m: m.set_u32(
        m.site_table("ftrace_sites") + 8, TEXT[1])),
    "an ftrace site moved": ("seal-sites-mismatch", lambda m: m.set_u32(
        m.site_table("ftrace_sites") + 4, 0x600)),
    "an ftrace site dropped": ("seal-sites-mismatch", lambda m: m.set_u64(
        m.integrity() + m.field("hv_integrity", "nftrace_sites"),
        m.u64(m.integrity() + m.field("hv_integrity", "nftrace_sites")) - 1)),
    "sealed page maps another PA": ("s2-wrong-pa", lambda m: m.set_u64(
        m.leaf(m.u64(m.integrity()) & ADDR, BASE),
        (m.u64(m.leaf(m.u64(m.integrity()) & ADDR, BASE)) & ~ADDR) | (BASE + 0x200000))),
}


def mutation_is_caught(built, path: Path, mutation: tuple[str, Callable[[Image], object]]
                       ) -> None:
    """One mutation kind applied to a copy of the built image: verify names its finding
    (tests/test_xnx_build.py runs its own kinds through this too)."""
    finding, mutate = mutation
    m = Image(built, path)
    mutate(m)
    assert finding in m.findings()


@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_verify_catches(built, tmp_path: Path, name: str) -> None:
    mutation_is_caught(built, tmp_path / "hyp.elf", MUTATIONS[name])


def test_the_kernel_layout_is_a_build_input(tmp_path: Path) -> None:
    """A changed layout rebuilds (the fingerprint) and is named in gen/'s provenance."""
    system = analyse(board(tmp_path), tmp_path / "b").system
    layout = tmp_path / "kernel.bin.layout.json"
    assert layout in system.inputs
    before = pipeline.fingerprint(system)
    layout.write_text(layout.read_text() + "\n")
    assert pipeline.fingerprint(system) != before
    sites = kernelsites.sites_path(tmp_path / "kernel.bin")
    assert sites in system.inputs
    before = pipeline.fingerprint(system)
    sites.write_bytes(sites.read_bytes() + b"\0")
    assert pipeline.fingerprint(system) != before


def test_kernel_layout_script_writes_the_format_the_compiler_reads() -> None:
    """scripts/kernel-layout runs on the system python without hvcfg, so it keeps its own
    FORMAT: it must be the one integrity.py accepts."""
    script = (ROOT / "scripts" / "kernel-layout").read_text()
    found = re.findall(r"^FORMAT = (\d+)$", script, re.MULTILINE)
    assert found == [str(integrity.LAYOUT_FORMAT)]


def test_verify_of_a_corrupt_site_file_is_a_message(built) -> None:
    """`hvcfg verify` re-reads the site file too: a corrupt one is a VerifyError naming it."""
    system = built.analysis.system
    sites = kernelsites.sites_path(system.partitions[0].image.binary)
    good = sites.read_bytes()
    try:
        sites.write_bytes(good[:-1])
        with pytest.raises(VerifyError, match="kernel patch sites of partition k .* unreadable"):
            verify_elf(built.elf, system)
    finally:
        sites.write_bytes(good)
    assert not verify_elf(built.elf, system).findings


def test_verify_of_a_corrupt_layout_is_a_message(built) -> None:
    """`hvcfg verify` re-reads the layout: a corrupt one is a VerifyError naming it (the CLI
    prints it), not a traceback."""
    system = built.analysis.system
    layout = kernel_layout_path(system.partitions[0].image.binary)
    good = layout.read_text()
    try:
        layout.write_text(json.dumps([json.loads(good)]))
        with pytest.raises(VerifyError, match="kernel layout of partition k is unreadable"):
            verify_elf(built.elf, system)
    finally:
        layout.write_text(good)
    assert not verify_elf(built.elf, system).findings
