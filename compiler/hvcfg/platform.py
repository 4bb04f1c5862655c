# SPDX-License-Identifier: Apache-2.0
"""The per-board part of the hypervisor, chosen from the board's device tree: how secondary CPUs
are started and how the machine powers off (hyp/platform/)."""
from __future__ import annotations

from .board import Board, DtDevice
from .model import System

PM_COMPATIBLES = ("brcm,bcm2711-pm", "brcm,bcm2835-pm", "brcm,bcm2835-pm-wdt")
QEMU_VIRT_COMPATIBLE = "linux,dummy-virt"


def stage2_blocks(board: Board) -> bool:
    """Whether stage 2 maps 2 MiB and 1 GiB blocks where they fit (fewer TLB entries and shorter
    nested walks on hardware), or only 4 KiB pages. Pages on QEMU's virt machine, which only
    exists emulated: QEMU's TCG records each TLB entry with the larger of the stage-1 and stage-2
    page sizes and flushes the whole TLB on a TLBI by VA inside such a large page, so with blocks
    every page-granular invalidation of a Linux guest is a full flush (docs/benchmarks.md)."""
    return QEMU_VIRT_COMPATIBLE not in board.compatible


def uses_psci(system: System) -> bool:
    return _psci_smc(system.board)


def _psci_smc(board: Board) -> bool:
    return board.psci is not None and board.psci.method == "smc"


def pm_device(system: System) -> DtDevice | None:
    """The BCM283x power-management block, for boards without PSCI (power-off)."""
    return _pm_device(system.board)


def _pm_device(board: Board) -> DtDevice | None:
    return next((d for d in board.devices.values()
                 if d.enabled and d.regs and any(c in PM_COMPATIBLES for c in d.compatible)), None)


def pm_base(system: System) -> int:
    pm = pm_device(system)
    return pm.regs[0].base if pm is not None and not uses_psci(system) else 0


def board_feature(board: Board) -> str | None:
    """The board part of the hypervisor (a feature of hyp/build.mk): PSCI through SMC, or spin
    table + PM watchdog; None when the board offers neither (rules.py: E012)."""
    if _psci_smc(board):
        return "PLATFORM_PSCI_SMC"                      # CPU_ON and SYSTEM_OFF through PSCI
    if all(c.enable_method == "spin-table" for c in board.cpus[1:]) and _pm_device(board):
        return "PLATFORM_SPIN_TABLE"
    return None


def feature(system: System) -> str:
    found = board_feature(system.board)
    if found is None:
        raise RuntimeError("a checked board has no platform support (E012 missed)")
    return found
