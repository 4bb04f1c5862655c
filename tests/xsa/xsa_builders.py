# SPDX-License-Identifier: Apache-2.0
"""Hand-built Systems for the xsa tests: no DTB, no QEMU, no loader."""
from __future__ import annotations

from pathlib import Path

from hvcfg.board import Board, Cpu, DtDevice, Gic, Psci, Reg, Timer
from hvcfg.diagnostics import Pos
from hvcfg.model import (
    BoardSpec,
    CpuRef,
    DeviceRef,
    FaultPolicy,
    HypervisorSpec,
    ImageSpec,
    MemRegion,
    Partition,
    ResetPolicy,
    System,
)

FIXTURES = Path(__file__).resolve().parent / "fixtures"
CFG = "boards/test.yaml"

UART0 = DtDevice("/pl011@9000000", ("uart0",), ("arm,pl011", "arm,primecell"),
                 (Reg(0x09000000, 0x1000),), (33,), True)
UART1 = DtDevice("/pl011@9040000", (), ("arm,pl011", "arm,primecell"),
                 (Reg(0x09040000, 0x1000),), (40,), True)
RTC = DtDevice("/pl031@9010000", (), ("arm,pl031", "arm,primecell"),
               (Reg(0x09010000, 0x1000),), (34,), True)


def make_board(gic_version: int = 2, ncpus: int = 4) -> Board:
    gic = Gic("/intc@8000000", gic_version, Reg(0x08000000, 0x10000),
              Reg(0x08010000, 0x10000) if gic_version == 2 else None,
              Reg(0x08030000, 0x10000) if gic_version == 2 else None,
              Reg(0x08040000, 0x10000) if gic_version == 2 else None,
              () if gic_version == 2 else (Reg(0x080A0000, 0xF60000),), 25)
    devices = {d.path: d for d in (UART0, UART1, RTC)}
    return Board(source="test.dtb", model="linux,dummy-virt", compatible=("linux,dummy-virt",),
                 ram=(Reg(0x40000000, 0x40000000),),
                 cpus=tuple(Cpu(i, f"/cpus/cpu@{i}", i, "psci", None) for i in range(ncpus)),
                 psci=Psci("smc", ("arm,psci-1.0",)), gic=gic, timer=Timer(29, 30, 27, 26),
                 devices=devices, labels={"uart0": UART0.path}, aliases={})


def make_partition(name: str, line: int, cpus: tuple[int, ...] = (0,),
                   hypercalls: tuple[str, ...] = (), devices: tuple[DtDevice, ...] = (),
                   on_fault: str = "halt", perms: tuple[str, ...] = ("rw",)) -> Partition:
    base = 0x60000000 + line * 0x1000000
    return Partition(
        name=name, pos=Pos(CFG, line, 5),
        cpus=tuple(CpuRef(c, Pos(CFG, line + 1, 12 + 3 * k)) for k, c in enumerate(cpus)),
        memory=tuple(MemRegion(base + k * 0x200000, 0x200000, base + k * 0x200000, perm,
                               Pos(CFG, line + 3 + k, 9)) for k, perm in enumerate(perms)),
        devices=tuple(DeviceRef(d.path, d, Pos(CFG, line + 2, 15)) for d in devices),
        image=ImageSpec(None, (Path("start.S"),), Pos(CFG, line, 5)),
        hypercalls=hypercalls,
        on_fault=FaultPolicy(on_fault, 3 if on_fault == "restart" else 0, Pos(CFG, line + 8, 15)),
        on_reset=ResetPolicy(10, Pos(CFG, line + 9, 15)),
        spec_dir=Path("partitions") / name)


def make_system(*partitions: Partition, gic_version: int = 2,
                board_name: str = "qemu-virt") -> System:
    board = make_board(gic_version)
    return System(config_path=Path(CFG),
                  board_spec=BoardSpec(board_name, None, None, Pos(CFG, 2, 3)),
                  board=board,
                  hypervisor=HypervisorSpec(DeviceRef("/pl011@9000000", UART0, Pos(CFG, 10, 12)),
                                            None, 16 << 20, Pos(CFG, 9, 3)),
                  partitions=tuple(partitions), inputs=(Path(CFG),))


