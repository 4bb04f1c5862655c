"""Devices of one partition that share a 4 KiB page share one stage-2 mapping (this used to be
an internal error, ValueError from the table builder); across partitions it is E046."""
from __future__ import annotations

from pathlib import Path

from hvcfg import checks, layout, pipeline

ROOT = Path(__file__).resolve().parent.parent
BLOB = ROOT / "tests" / "negative" / "partitions" / "blob.bin"

BOARD = f"""\
board:
  name: pages
  devicetree: {{qemu: {{machine: "virt,virtualization=on,gic-version=2", cpu: cortex-a53, smp: 2, memory: 1G}}}}
hypervisor:
  console: /pl011@9000000
  memory: {{size: 16M}}
partitions:
  - name: a
    cpus: [0]
    memory: [{{base: 0x40000000, size: 2M}}]
    devices: [/virtio_mmio@a000000, /virtio_mmio@a000200, /virtio_mmio@a001000]
    image: {{binary: {BLOB}}}
"""


def test_one_partition_shares_its_own_page(tmp_path: Path) -> None:
    cfg = tmp_path / "pages.yaml"
    cfg.write_text(BOARD)
    analysis = pipeline.analyse(cfg, tmp_path / "build")
    part = analysis.system.partitions[0]
    assert layout.device_pages(part) == [
        (0xa000000, 0xa002000, "/virtio_mmio@a000000, /virtio_mmio@a000200, /virtio_mmio@a001000")]
    assert [d.code for d in checks.check(analysis.system, analysis.hyp.base, analysis.hyp.size)
            if d.severity.value == "error"] == []
    result = pipeline.build(cfg, tmp_path / "build", analysis)     # builds and verifies
    assert result.verify_summary.startswith("clean")
