# SPDX-License-Identifier: Apache-2.0
"""A hand-made board and a tiny system writer shared by test_model.py and test_checks.py."""
from __future__ import annotations

import textwrap
from pathlib import Path

from hvcfg.board import Board, Cpu, DtDevice, Gic, Reg

M = 1 << 20


def dev(path: str, compatible: tuple[str, ...], base: int, intids: tuple[int, ...],
        enabled: bool = True, labels: tuple[str, ...] = ()) -> DtDevice:
    return DtDevice(path, labels, compatible, (Reg(base, 0x1000),), intids, enabled)


def hand_board(ram: tuple[Reg, ...] = (Reg(0x40000000, 1 << 30),), ncpus: int = 4) -> Board:
    """Like QEMU virt: two PL011s, an RTC, a GPIO sharing uart1's SPI, a disabled device."""
    devices = [
        dev("/pl011@9000000", ("arm,pl011", "arm,primecell"), 0x9000000, (33,),
            labels=("uart0",)),
        dev("/pl011@9040000", ("arm,pl011", "arm,primecell"), 0x9040000, (40,),
            labels=("uart1",)),
        dev("/pl031@9010000", ("arm,pl031", "arm,primecell"), 0x9010000, (34,)),
        dev("/pl061@9030000", ("arm,pl061",), 0x9030000, (40,)),          # shares SPI 8
        dev("/pmu@9060000", ("arm,armv8-pmuv3",), 0x9060000, (23,)),      # a PPI
        dev("/timer@9070000", ("arm,armv8-timer",), 0x9070000, (23, 30)),  # the same PPI
        dev("/off@9050000", ("vendor,off",), 0x9050000, (50,), enabled=False),
        dev("/ram-dev@40400000", ("vendor,sram",), 0x40400000, (51,)),   # MMIO inside RAM
        DtDevice("/cpus/cpu@0", (), ("arm,cortex-a53",), (Reg(0, 0),), (), True),
    ]
    return Board(
        source="hand.dtb", model="hand", compatible=("linux,dummy-virt",), ram=ram,
        cpus=tuple(Cpu(i, f"/cpus/cpu@{i}", i, "psci", None) for i in range(ncpus)),
        psci=None, gic=Gic("/intc@8000000", 2, Reg(0x8000000, 0x10000), None, None, None, (),
                           25),
        timer=None, devices={d.path: d for d in devices},
        labels={label: d.path for d in devices for label in d.labels},
        aliases={"serial0": "/pl011@9000000"})


HEAD = """\
board:
  name: test
  devicetree: {file: hand.dtb}
hypervisor:
  console: CONSOLE
  memory: {size: 16M}
"""


def write_system(d: Path, partitions: str, console: str = "/pl011@9000000",
                 extra_files: tuple[str, ...] = ("a.bin",)) -> Path:
    """A board file at d/b.yaml whose `partitions:` body is `partitions` (dedented)."""
    for name in extra_files:
        (d / name).write_bytes(b"\0" * 16)
    body = textwrap.indent(textwrap.dedent(partitions), "  ")
    path = d / "b.yaml"
    path.write_text(HEAD.replace("CONSOLE", console) + "partitions:" +
                    (" []\n" if not body.strip() else "\n" + body), encoding="utf-8")
    return path
