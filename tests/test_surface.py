# SPDX-License-Identifier: Apache-2.0
"""`hvcfg surface`: the entry-point map against the C sources, numbers against the ELF read
independently (binutils), and the compile-out test: what a configuration does not grant is not
in its binary."""
from __future__ import annotations

import io
import json
import re
import subprocess
from contextlib import redirect_stdout
from pathlib import Path

import pytest

from hvcfg import cli, codegen, hypercalls, integrity, pipeline, smccc, surface, toolchain

ROOT = Path(__file__).resolve().parent.parent
HYP = ROOT / "hyp"


# ------------------------------------------------------------------ the map against the C sources

def _function_body(path: Path, signature: str) -> str:
    text = path.read_text()
    start = text.index(signature)
    brace = text.index("{", start)
    depth = 0
    for i in range(brace, len(text)):
        depth += {"{": 1, "}": -1}.get(text[i], 0)
        if depth == 0:
            return text[brace:i + 1]
    raise AssertionError(f"unbalanced braces after {signature}")


def _case_labels(body: str) -> list[str]:
    body = re.sub(r"/\*.*?\*/", "", body, flags=re.S)
    return [c.strip() for c in re.findall(r"\bcase\s+([^:]+):", body)]


def test_psci_list_matches_the_case_labels_of_hv_psci_call():
    body = _function_body(HYP / "core/psci.c", "int hv_psci_call(")
    in_c = {smccc.evaluate(label, smccc.constants()) for label in _case_labels(body)}
    listed = [fid for f in surface.PSCI_FUNCTIONS for fid in f.fids]
    assert len(listed) == len(set(listed)), "a function id listed twice"
    assert set(listed) == in_c, (
        f"surface.PSCI_FUNCTIONS lists {sorted(map(hex, set(listed) - in_c))} that psci.c does "
        f"not handle and misses {sorted(map(hex, in_c - set(listed)))}")
    assert all(f.symbols[0] == "hv_psci_call" for f in surface.PSCI_FUNCTIONS)


def test_trap_classes_match_the_handled_rows_of_the_ec_table():
    # hv_trap_lower_sync dispatches through ec_table (aarch64/traps.c): the classes with a
    # handler there are the ones surface.TRAPS lists; every other class reaches trap_unhandled.
    text = (HYP / "aarch64/traps.c").read_text()
    rows = re.findall(r"^\s*\[(EC_\w+)\]\s*=\s*\{(\w+),", text, re.M)
    assert rows, "no ec_table rows found"
    assert {ec for ec, handler in rows if handler != "NULL"} == \
        {t.ec for t in surface.TRAPS if t.ec}
    body = _function_body(HYP / "aarch64/traps.c", "void hv_trap_lower_sync(")
    assert "trap_unhandled" in body, "classes without a handler must reach the health monitor"


def test_trap_stubs_are_the_lower_el_vectors():
    plain, mitigated = (HYP / "aarch64/vectors.S").read_text().split("hv_vectors_bhb:")
    targets = re.findall(r"^\s*vector\s+(\w+)", plain, re.M)
    assert len(targets) == 16
    stubs = {t.symbols[0] for t in surface.TRAPS}
    assert set(targets[8:]) == stubs       # entries 8..15: lower EL, AArch64 then AArch32
    # The Spectre-mitigating table (Cortex-A57/A72) reaches the same stubs after mitigating.
    assert re.findall(r"^\s*vector\s+(\w+)", mitigated, re.M) == targets[:8]
    assert re.findall(r"^\s*vector_mitigated\s+(\w+)", mitigated, re.M) == targets[8:]


def test_sloc_counts_code_lines_only():
    text = ('/* a header\n * comment */\n#include "x.h"\n\nint a; // trailing\n'
            '// only a comment\nchar *s = "/* not a comment */";\n  /* x */ int b; /* y\n'
            '*/\n    \nmov x0, x1   /* asm */\n')
    assert surface.sloc(text) == 5


# ------------------------------------------------------------------ two builds

def _variant_without_hypercalls(tmp: Path) -> Path:
    """boards/qemu-virt-hello.yaml with its include made absolute and no hypercalls granted."""
    text = (ROOT / "boards/qemu-virt-hello.yaml").read_text()
    text = text.replace("include: ../partitions/", f"include: {ROOT}/partitions/")
    assert str(ROOT) in text
    text = text.replace("    on_fault: {action: halt}", "    on_fault: {action: halt}\n"
                        "    hypercalls: []")
    path = tmp / "boards" / "no-hypercalls.yaml"
    path.parent.mkdir(parents=True)
    path.write_text(text)
    return path


def _variant_with_a_channel(tmp: Path) -> Path:
    """boards/qemu-virt.yaml with its includes made absolute and a channel (with a doorbell)
    between two of its partitions: every hypercall is granted."""
    text = (ROOT / "boards/qemu-virt.yaml").read_text()
    text = text.replace("include: ../partitions/", f"include: {ROOT}/partitions/")
    text += ("\nchannels:\n  - {name: c, size: 4K, ends: [{partition: smp, access: rw}, "
             "{partition: ticker, access: ro}], doorbells: [smp->ticker]}\n")
    path = tmp / "boards" / "qemu-virt-channel.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


@pytest.fixture(scope="module")
def builds(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("surface")
    none = pipeline.build(_variant_without_hypercalls(tmp), tmp / "build")
    full = pipeline.build(_variant_with_a_channel(tmp), tmp / "build")
    assert [h.name for h in codegen.hypercalls_used(full.analysis.system)] == [
        "console", "identity", "doorbell", "channel_info"]
    assert codegen.hypercalls_used(none.analysis.system) == []
    return {"full": full, "none": none, "root": tmp / "build"}


def _surface(result: pipeline.BuildResult) -> surface.Surface:
    return surface.compute(result.analysis.system, result.elf, result.out_dir / "gen",
                           pipeline.HYP_DIR)


def _nm(elf: Path) -> dict[str, list[tuple[int, int | None]]]:
    """name -> [(address, size or None)] from binutils nm, for text symbols."""
    nm = toolchain.find_toolchain().tool("nm")
    out = subprocess.run([nm, "-S", "--defined-only", str(elf)], check=True,
                         capture_output=True, text=True).stdout
    syms: dict[str, list[tuple[int, int | None]]] = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 4 and parts[2] in "tT":
            syms.setdefault(parts[3], []).append((int(parts[0], 16), int(parts[1], 16)))
        elif len(parts) == 3 and parts[1] in "tT":
            syms.setdefault(parts[2], []).append((int(parts[0], 16), None))
    return syms


def _text_section_size(elf: Path) -> int:
    readelf = toolchain.find_toolchain().tool("readelf")
    out = subprocess.run([readelf, "-SW", str(elf)], check=True, capture_output=True,
                         text=True).stdout
    m = re.search(r"\]\s+\.text\s+PROGBITS\s+[0-9a-f]+\s+[0-9a-f]+\s+([0-9a-f]+)", out)
    assert m, out
    return int(m.group(1), 16)


def test_every_mapped_symbol_exists_when_its_feature_is_used(builds):
    """The static map names real functions: in a build that uses every feature, none is
    absent (a rename or an inlined helper in the map fails here)."""
    code = surface.read_elf(builds["full"].elf)
    names = {s for t in surface.TRAPS for s in t.symbols}
    # `seal` can be granted only with integrity (a Linux Image, E087/E088): the full build
    # cannot have it; tests/test_seal_standin.py checks its symbols in a sealed build.
    names |= {s for h in hypercalls.table() if h.name != integrity.SEAL_CALL
              for s in surface.hypercall_symbols(h)}
    names |= {s for f in surface.PSCI_FUNCTIONS for s in f.symbols}
    assert sorted(n for n in names if not code.lookup(n)) == []


def test_numbers_agree_with_binutils(builds):
    for result in builds.values():
        if not isinstance(result, pipeline.BuildResult):
            continue
        s = _surface(result)
        assert s.text_bytes == _text_section_size(result.elf)
        nm = _nm(result.elf)
        addrs = sorted({a for v in nm.values() for a, _ in v})
        text_end = min(addrs) + s.text_bytes
        for p in s.partitions:
            for e in p.entries:
                for h in e.handlers:
                    assert h.present == (h.symbol in nm), (p.name, e.name, h.symbol)
                    if not h.present:
                        continue
                    expected = 0
                    for addr, size in nm[h.symbol]:
                        if size is None:      # assembly label: up to the next symbol
                            later = [a for a in addrs if a > addr]
                            size = (later[0] if later else text_end) - addr
                        expected += size
                    assert h.bytes == expected, (h.symbol, h.bytes, expected)
                distinct = {f for h in e.handlers for f in h.functions}
                assert e.bytes == sum(f.size for f in distinct)
                assert e.bytes <= e.reach_bytes <= s.text_bytes
            assert max(e.reach_bytes for e in p.entries) <= sum(f.size for f in p.reach)
        assert sum(f.size for f in s.reach) <= s.text_bytes


def test_unused_hypercalls_are_compiled_out(builds):
    full_nm, none_nm = _nm(builds["full"].elf), _nm(builds["none"].elf)
    for sym in ("hv_hc_console_write", "hv_hc_identity", "hv_guest_read", "hv_hc_doorbell",
                "hv_channel_ring"):
        assert sym in full_nm, f"{sym} missing from the configuration that grants it"
        assert sym not in none_nm, f"{sym} linked into a configuration that grants no hypercall"
    # what every configuration has is in both
    for sym in ("hv_psci_call", "hv_smccc_call", "hv_stage2_abort", "hv_fault"):
        assert sym in full_nm and sym in none_nm
    none = _surface(builds["none"])
    assert [n for n, _ in none.not_granted] == sorted(h.name for h in hypercalls.table())
    assert not any(h.present for _, hs in none.not_granted for h in hs)
    # all but `seal`, which only a partition with integrity (a Linux Image) can be granted
    assert [n for n, _ in _surface(builds["full"]).not_granted] == [integrity.SEAL_CALL]
    assert none.text_bytes < _surface(builds["full"]).text_bytes


def test_hypercall_entries_only_for_granted_partitions(builds):
    s = _surface(builds["full"])
    granted = {p.name: set(p.hypercalls) for p in builds["full"].analysis.system.partitions}
    channel = {"doorbell", "channel_info"}      # the channel's two ends, without asking
    assert granted == {"smp": {"console"} | channel, "ticker": channel,
                       "rogue": {"console", "identity"}}
    for p in s.partitions:
        calls = {e.name for e in p.entries if e.kind == "hypercall"}
        assert calls == granted[p.name]
        for e in p.entries:
            if e.kind == "hypercall":
                assert not e.absent, (p.name, e.name)
        # every partition has the traps and all of PSCI
        assert [e.name for e in p.entries if e.kind == "psci"] == \
            [f.name for f in surface.PSCI_FUNCTIONS]
        assert [e.name for e in p.entries if e.kind == "trap"] == [t.name for t in surface.TRAPS]
    ticker = next(p for p in s.partitions if p.name == "ticker")
    assert [e.name for e in ticker.entries if e.kind == "irq"] == ["INTID 40"]   # its PL011
    assert [(e.name, e.detail) for e in ticker.entries if e.kind == "shared"] == [
        ("c", "channel memory (ro), mapped, no hypervisor code behind it")]
    for p in _surface(builds["none"]).partitions:
        assert not [e for e in p.entries if e.kind == "hypercall"]


def test_sloc_follows_the_compiled_sources(builds):
    full, none = _surface(builds["full"]), _surface(builds["none"])
    full_paths = {f.path.name for f in full.files}
    none_paths = {f.path.name for f in none.files}
    assert {"hc_console.c", "hc_identity.c"} <= full_paths
    assert not {"hc_console.c", "hc_identity.c"} & none_paths
    assert {"hvcfg_config.c", "hvcfg_config.h", "pgtables.s"} <= none_paths
    assert "psci.h" in none_paths and "hypercall.h" in none_paths    # headers, transitively
    for f in full.files:
        assert f.sloc == surface.sloc(f.path.read_text())
    console = next(f for f in full.files if f.path.name == "hc_console.c")
    assert 0 < console.sloc < len(console.path.read_text().splitlines())
    assert full.sloc("source") - none.sloc("source") >= console.sloc
    assert full.sloc() == sum(f.sloc for f in full.files)


def test_mmio_providers_add_entries(builds, monkeypatch):
    def fake_vgic(system, p):
        yield surface.EntrySpec("mmio", "GICD_CTLR", "0x8000000, 4 bytes, rw", ("hv_gic_kick",))
    monkeypatch.setattr(surface, "MMIO_PROVIDERS", [])
    surface.register_mmio_provider(fake_vgic)
    s = _surface(builds["none"])
    (e,) = [e for e in s.partitions[0].entries if e.kind == "mmio"]
    assert e.name == "GICD_CTLR" and e.bytes > 0 and not e.absent


def test_command_text_and_json(builds):
    parser = cli.build_parser()
    config = ROOT / "boards/qemu-virt.yaml"

    args = parser.parse_args(["--build-dir", str(builds["root"]), "surface", str(config), "--json"])
    buf = io.StringIO()
    with redirect_stdout(buf):
        assert args.func(args) == 0
    data = json.loads(buf.getvalue())
    elf = builds["root"] / "qemu-virt" / "hyp.elf"
    assert data["totals"]["text_bytes"] == _text_section_size(elf)
    by_name = {p["name"]: p for p in data["partitions"]}
    assert set(by_name) == {"smp", "ticker", "rogue"}
    consoles = {n for n, p in by_name.items()
                if any(e["kind"] == "hypercall" and e["name"] == "console"
                       for e in p["entry_points"])}
    assert consoles == {"smp", "rogue"}
    assert data["totals"]["sloc"]["total"] == sum(f["sloc"] for f in data["totals"]["files"])

    args = parser.parse_args(["--build-dir", str(builds["root"]), "surface", str(config)])
    buf = io.StringIO()
    with redirect_stdout(buf):
        assert args.func(args) == 0
    text = buf.getvalue()
    assert "partition ticker:" in text and "hv_hc_console_write(" in text
    assert re.search(r"configuration: \.text \d+ bytes", text)
    assert re.search(r"compiled SLOC: \d+", text)
