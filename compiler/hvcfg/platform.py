# SPDX-License-Identifier: Apache-2.0
"""The per-board part of the hypervisor, chosen from the board's device tree: how secondary CPUs
are started and how the machine powers off (hyp/platform/)."""
from __future__ import annotations

from dataclasses import dataclass, replace

from .board import Board, DtDevice, Psci, Reg
from .model import BoardSpec, System
from .units import UNITS

PM_COMPATIBLES = ("brcm,bcm2711-pm", "brcm,bcm2835-pm", "brcm,bcm2835-pm-wdt")
QEMU_VIRT_COMPATIBLE = "linux,dummy-virt"
BCM2711_COMPATIBLES = ("brcm,bcm2711", "raspberrypi,4-model-b")
BCM2711_GPIO_COMPATIBLE = "brcm,bcm2711-gpio"

# The BCM2711's PL011s (by CPU physical address) and the GPIO pins the hypervisor muxes them to
# (BCM2711 ARM Peripherals, 5.3 "Alternative Function Assignments"): TXD, RXD, and the GPFSEL
# function code (0b100 = ALT0, 0b011 = ALT4). `release`: pins the firmware may have given the
# same UART (UART0 on GPIO 32/33, ALT3, for Bluetooth when dtoverlay=disable-bt did not apply),
# set back to inputs so that the UART's RXD has one source.
ALT0, ALT3, ALT4 = 0b100, 0b111, 0b011


@dataclass(frozen=True)
class UartPins:
    gpio_base: int                   # the GPIO block (CPU physical)
    tx: int
    rx: int
    function: int                    # GPFSEL code for both
    release: tuple[int, ...]         # pins to take away from this UART if they select it
    release_function: int


BCM2711_UART_PINS = {
    0xfe201000: (14, 15, ALT0, (32, 33), ALT3),   # UART0
    0xfe201400: (0, 1, ALT4, (), 0),              # UART2
    0xfe201600: (4, 5, ALT4, (), 0),              # UART3
    0xfe201800: (8, 9, ALT4, (), 0),              # UART4
    0xfe201a00: (12, 13, ALT4, (), 0),            # UART5
}
# The PL011 clock the Pi 4 firmware programs (config.txt init_uart_clock; its default, and
# written into the generated config.txt so that both agree) and the console's rate.
BCM2711_UART_CLOCK = 48_000_000
CONSOLE_BAUD = 115200


# The Pi 4's memory split: the firmware gives the ARM [0, 1 GiB - gpu_mem) as its first bank
# (config.txt gpu_mem, in MiB; 76 by default, at least 16) and the GPU the rest of the first GiB.
MIB = UNITS["M"]
PI4_GPU_TOP = 0x40000000
PI4_DEFAULT_GPU_MEM = 76
PI4_MIN_GPU_MEM = 16
# TF-A (armstub=bl31.bin) on the Pi 4: resident in [0, 0x80000), which it reserves in the DT
# it patches at boot (a DT hvcfg does not read: the board file says `psci: smc`).
TFA_ARMSTUB = "bl31.bin"
TFA_RESERVED = (0, 0x80000)           # base, size


def with_declared_psci(board: Board, spec: BoardSpec) -> Board:
    """The board as its firmware presents it when the board file says `psci: smc` and the DT
    has no psci node: PSCI through SMC, CPUs started through it (no spin table), and on a
    Pi 4 TF-A's resident memory reserved, as TF-A writes into the DT it patches at boot."""
    if spec.psci is None or board.psci is not None:
        return board
    cpus = tuple(replace(c, enable_method="psci", release_addr=None) for c in board.cpus)
    reserved = board.reserved
    if is_bcm2711(board):
        reserved = tuple(sorted(set(reserved) | {Reg(TFA_RESERVED[0], TFA_RESERVED[1])},
                                key=lambda r: r.base))
    return replace(board, psci=Psci(method=spec.psci, compatible=("arm,psci-1.0",)), cpus=cpus,
                   reserved=reserved)


def is_bcm2711(board: Board) -> bool:
    return any(c in BCM2711_COMPATIBLES for c in board.compatible)


def pi4_gpu_mem(board: Board) -> int | None:
    """The gpu_mem (MiB) that board.memory's first bank declares on a BCM2711: its end is
    1 GiB - gpu_mem. None when it declares no valid split (rules: E097)."""
    if not is_bcm2711(board):
        return None
    first = next((r for r in board.ram if r.base == 0), None)
    if first is None or first.end > PI4_GPU_TOP - PI4_MIN_GPU_MEM * MIB or first.end % MIB:
        return None
    return (PI4_GPU_TOP - first.end) // MIB


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


def console_pins(system: System) -> UartPins | None:
    """On a BCM2711, the GPIO pins of the console PL011: the hypervisor muxes them itself
    instead of relying on the firmware (dtoverlay=disable-bt). None elsewhere."""
    board = system.board
    if not is_bcm2711(board):
        return None
    row = BCM2711_UART_PINS.get(system.hypervisor.console.device.regs[0].base)
    gpio = next((d for d in board.devices.values()
                 if d.regs and BCM2711_GPIO_COMPATIBLE in d.compatible), None)
    if row is None or gpio is None:
        return None
    tx, rx, function, release, release_function = row
    return UartPins(gpio.regs[0].base, tx, rx, function, release, release_function)


def console_clock(system: System) -> int:
    """The console UART's reference clock when the board fixes it (the BCM2711's 48 MHz), so
    the hypervisor programs the baud rate itself; 0: keep the firmware's rate."""
    return BCM2711_UART_CLOCK if is_bcm2711(system.board) else 0


def features(system: System) -> frozenset[str]:
    """The board's hyp/build.mk features: CPU start and power-off (feature()), and the console
    pin mux where the board needs one."""
    extra = {"PLATFORM_BCM2711_UART"} if console_pins(system) else set()
    return frozenset({feature(system)} | extra)


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
