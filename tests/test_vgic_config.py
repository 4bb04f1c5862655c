# SPDX-License-Identifier: Apache-2.0
"""The generated per-partition virtual GIC (issue 13): each partition's line count and
GICD_TYPER in hv_partitions, HV_GIC_LINES the most of them, the purely virtual lines in the
bare-metal header; `vgic.lines` out of range is a schema error."""
from __future__ import annotations

import re
from pathlib import Path

from hvcfg import codegen, layout, pipeline
from hvcfg.diagnostics import ConfigError

ROOT = Path(__file__).resolve().parent.parent

CONFIG = """\
board:
  name: vgiccfg
  devicetree:
    qemu: {machine: "virt,virtualization=on,gic-version=2", cpu: cortex-a53, smp: 4,
           memory: 1G, serials: 2}
hypervisor:
  console: /pl011@9000000
  memory: {size: 16M}
partitions:
  - name: a
    cpus: [0]
    memory: [{base: 0x40000000, size: 2M, perm: rx}]
    devices: [/pl011@9040000]
    image: {binary: blob.bin}
  - name: b
    cpus: [1, 2]
    memory: [{base: 0x40200000, size: 2M, perm: rx}]
    image: {binary: blob.bin}
    vgic: {virtual: [200, 33]}
"""


def _analyse(tmp_path: Path, text: str) -> pipeline.Analysis:
    (tmp_path / "blob.bin").write_bytes(b"\x1f\x20\x03\xd5" * 4)       # nops
    cfg = tmp_path / "b.yaml"
    cfg.write_text(text)
    return pipeline.analyse(cfg, tmp_path / "build")


def test_lines_and_typer_per_partition(tmp_path: Path) -> None:
    analysis = _analyse(tmp_path, CONFIG)
    system = analysis.system
    files = {name: plan.files(tmp_path / f"{name}.dtb") for name, plan in analysis.plans.items()}
    for name, plan in analysis.plans.items():
        (tmp_path / f"{name}.dtb").write_bytes(plan.dtb)
    lay = layout.compute_layout(system, analysis.hyp, files)
    header = codegen.render_config_h(system, layout.STACK_SIZE, ())
    assert re.search(r"#define HV_GIC_LINES\s+224\b", header)      # b's, the most
    table = codegen.render_config_c(system, lay, ())
    lines = re.findall(r"\.nlines = (\d+),", table)
    typers = re.findall(r"\.typer = (0x[0-9a-f]+),", table)
    assert lines == ["64", "224"]                                 # a: INTID 40; b: 200
    assert typers == ["0x1", hex((224 // 32 - 1) | (1 << 5))]     # b has two vCPUs
    assert ".owned" not in table
    b = codegen.render_partition_header(system, system.partitions[1], ())
    assert re.search(r"#define HVCFG_VIRQ_COUNT\s+2\b", b)
    assert re.search(r"#define HVCFG_VIRQ_0\s+200\b", b)          # in the order configured
    assert re.search(r"#define HVCFG_VIRQ_1\s+33\b", b)
    assert re.search(r"#define HVCFG_GIC_LINES\s+224\b", b)
    a = codegen.render_partition_header(system, system.partitions[0], ())
    assert re.search(r"#define HVCFG_VIRQ_COUNT\s+0\b", a) and "HVCFG_VIRQ_0" not in a


def test_lines_out_of_range_are_schema_errors(tmp_path: Path) -> None:
    for bad in ("100", "32", "1056"):
        text = CONFIG.replace("{virtual: [200, 33]}", f"{{lines: {bad}}}")
        try:
            _analyse(tmp_path, text)
        except ConfigError as exc:
            assert [d.code for d in exc.diagnostics] == ["E005"], bad
            assert exc.diagnostics[0].pos is not None and exc.diagnostics[0].pos.line == 19
        else:
            raise AssertionError(f"vgic.lines {bad} accepted")
