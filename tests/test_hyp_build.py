# SPDX-License-Identifier: Apache-2.0
"""hyp/ builds on its own: hyp/build.mk is the one list of sources and flags, read the same way
by make (hyp/Makefile) and by hvcfg (hypbuild.py); `make -C hyp check` compiles the hypervisor
against the sample configuration in hyp/check/, which is what hvcfg generates; the assembly's
offsets come from the C structs on both paths."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from hvcfg import codegen, hypbuild, hypercalls, pipeline
from hvcfg.diagnostics import ConfigError

ROOT = Path(__file__).resolve().parent.parent
HYP = ROOT / "hyp"
SAMPLE_BOARD = ROOT / "tests/boards/qemu-virt-fuzz.yaml"


def _make(*args: str, timeout: int = 300) -> str:
    if shutil.which("make") is None:
        pytest.fail("make missing: run scripts/bootstrap")
    proc = subprocess.run(["make", "-s", "-C", str(HYP), *args], capture_output=True, text=True,
                          timeout=timeout)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


@pytest.fixture(scope="module")
def spec() -> hypbuild.HypBuild:
    return hypbuild.load(HYP)


@pytest.fixture(scope="module")
def sample_build(tmp_path_factory) -> Path:
    """The sample board built by hvcfg: its gen/ directory."""
    out = tmp_path_factory.mktemp("hypbuild")
    result = pipeline.build(SAMPLE_BOARD, out)
    return result.out_dir / "gen"


def test_every_source_listed_exists_and_every_source_is_listed(spec):
    listed = set(spec.always) | {s for _, srcs in spec.by_feature for s in srcs}
    listed |= {hc.source for hc in hypercalls.table()}     # handler files: hypercalls.yaml
    for src in listed | {spec.asm_offsets}:
        assert (HYP / src).is_file(), src
    on_disk = {str(p.relative_to(HYP)) for ext in ("*.c", "*.S") for p in HYP.rglob(ext)}
    assert on_disk - listed == {spec.asm_offsets}, "sources build.mk does not name"


def test_features_are_the_ones_hvcfg_derives(spec):
    # Each CONFIG_<F> of build.mk is a feature codegen.hyp_features can produce (a hypercall's
    # handler file is in its row of hypercalls.yaml; build.mk lists only what else it needs).
    producible = {f"HC_{hc.macro}" for hc in hypercalls.table()}
    producible |= {"VUART", "CHANNELS", "IVSHMEM", "PLATFORM_PSCI_SMC", "PLATFORM_SPIN_TABLE",
                   "PLATFORM_BCM2711_UART", "INTEGRITY"}
    assert spec.features <= producible, spec.features - producible


@pytest.mark.parametrize("features", [
    frozenset(),
    frozenset({"PLATFORM_PSCI_SMC"}),
    frozenset({"HC_CONSOLE", "PLATFORM_PSCI_SMC"}),
    frozenset({"VUART", "HC_IDENTITY", "PLATFORM_SPIN_TABLE", "PLATFORM_BCM2711_UART"}),
    frozenset({"VUART", "HC_CONSOLE", "HC_IDENTITY", "PLATFORM_PSCI_SMC"}),
])
def test_make_and_hvcfg_read_the_same_sources(spec, tmp_path, features):
    (tmp_path / "features.mk").write_text(hypbuild.features_mk(features))
    by_make = _make(f"GEN={tmp_path}", "print-SRCS").split()
    by_hvcfg = spec.sources(features)
    assert len(by_hvcfg) == len(set(by_hvcfg)), "a source chosen twice"
    assert sorted(by_make) == sorted(by_hvcfg)
    # pconsole is shared by the console hypercall and the virtual UART: in only with one of them
    assert ("core/pconsole.c" in by_hvcfg) == bool({"HC_CONSOLE", "VUART"} & features)


def test_flags_are_the_ones_make_uses(spec, tmp_path):
    (tmp_path / "features.mk").write_text("")
    assert _make(f"GEN={tmp_path}", "print-CFLAGS").split() == list(spec.cflags)
    assert _make(f"GEN={tmp_path}", "print-LDFLAGS").split() == list(spec.ldflags)
    assert "-Werror" in spec.cflags and "-mgeneral-regs-only" in spec.cflags


@pytest.mark.parametrize("text, line", [
    ("srcs-y += a.c\nsrcs-y = b.c\n", 2),                      # only +=
    ("srcs-y += a.c\nifeq ($(X),y)\n", 2),                     # no conditionals
    ("srcs-y += a.c \\\n  $(OTHER)\n", 1),                     # no variables in values
    ("srcs-$(FOO) += a.c\n", 1),                               # features are CONFIG_<F>
])
def test_lines_outside_the_format_are_refused_with_their_line(text, line):
    with pytest.raises(ConfigError) as e:
        hypbuild.parse(text + "asm-offsets-y += x.c\n", "hyp/build.mk")
    d = e.value.diagnostics[0]
    assert d.code == "E039" and d.pos is not None and d.pos.line == line, d


def test_continuations_comments_and_feature_lists():
    spec = hypbuild.parse("# c\nsrcs-y += a.c \\\n   b.S # x\nsrcs-$(CONFIG_F) += c.c a.c\n"
                          "asm-offsets-y += o.c\nCFLAGS += -O2\n", "t.mk")
    assert spec.always == ("a.c", "b.S")
    assert spec.sources(frozenset()) == ["a.c", "b.S"]
    assert spec.sources(frozenset({"F"})) == ["a.c", "b.S", "c.c"]
    assert spec.asm_offsets == "o.c" and spec.cflags == ("-O2",)
    with pytest.raises(ConfigError):
        hypbuild.parse("asm-offsets-y += a.c b.c\n", "t.mk")


def test_sample_configuration_is_what_hvcfg_generates(sample_build):
    """hyp/check/ is the sample board's generated hvcfg_config.h (its provenance comment, which
    names this checkout's paths, left out) and features.mk. Regenerate: build the board and copy
    both (the header from the line after the comment)."""
    def body(text: str) -> str:         # after the provenance comment
        return text[text.index(" */\n", text.index("Inputs:")) + 4:]
    generated = (sample_build / "hvcfg_config.h").read_text()
    assert body((HYP / "check" / "hvcfg_config.h").read_text()) == body(generated)
    assert (HYP / "check" / "features.mk").read_text() == \
        (sample_build / "features.mk").read_text()


def test_make_check_compiles_and_generates_the_same_offsets(sample_build, tmp_path):
    out = _make("check", f"O={tmp_path}", "-j2", timeout=600)
    assert "sources compile" in out
    spec = hypbuild.load(HYP)
    features = frozenset(line.split()[0].removeprefix("CONFIG_") for line in
                         (HYP / "check" / "features.mk").read_text().splitlines()
                         if line.startswith("CONFIG_"))
    for src in spec.sources(features):
        assert (tmp_path / src).with_suffix(".o").is_file(), src
    # make and the pipeline turn the same structs into the same header
    assert (tmp_path / "asm-offsets.h").read_text() == (sample_build / "asm-offsets.h").read_text()


def test_asm_offsets_come_from_the_structs(sample_build):
    defs = {}
    for line in (sample_build / "asm-offsets.h").read_text().splitlines():
        if line.startswith("#define ") and "/*" in line:
            _, name, value = line.split()[:3]
            defs[name] = int(value)
    # struct hv_regs { uint64_t x[31], elr, spsr, pad; }: the frame is 34 words
    assert defs["FRAME_X0"] == 0 and defs["FRAME_X30"] == 30 * 8
    assert defs["FRAME_ELR"] == 31 * 8 and defs["FRAME_SPSR"] == 32 * 8
    assert defs["FRAME_SIZE"] == 34 * 8 and defs["FRAME_SIZE"] % 16 == 0
    assert [defs[f"BOOT_REGS_{r}"] for r in ("MAIR", "TCR", "TTBR0", "SCTLR")] == [0, 8, 16, 24]
    assert defs["CPU_SIZE"] == 16 and defs["CPU_MPIDR"] == 0
    # no hand-kept copy left in the hypervisor's headers
    for header in (HYP / "include" / "hv").glob("*.h"):
        text = header.read_text()
        for name in defs:
            assert f"#define {name} " not in text, (header, name)


def test_hyp_features_of_the_sample_board():
    analysis = pipeline.analyse(SAMPLE_BOARD)
    assert codegen.hyp_features(analysis.system) == \
        {"HC_CONSOLE", "HC_IDENTITY", "VUART", "PLATFORM_PSCI_SMC", "CHANNELS", "HC_DOORBELL",
         "HC_CHANNEL_INFO", "IVSHMEM"}
