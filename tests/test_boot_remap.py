# SPDX-License-Identifier: Apache-2.0
"""A partition keeps the memory map its software was written for (issue 13, item 6): its
passed-through PL011 moved to another IPA, its virtual UART at a chosen IPA and INTID
(tests/boards/qemu-virt-remap.yaml, partitions/remap), and the same partition source with the
same IPAs on the Pi 4 (tests/boards/rpi4-remap.yaml)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from qemu_run import ROOT, run_to_power_off, run_with_uart

pytestmark = pytest.mark.qemu


@pytest.fixture(scope="module")
def boot(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, list[str]]:
    tmp: Path = tmp_path_factory.mktemp("remap")
    return run_with_uart("tests/boards/qemu-virt-remap.yaml", tmp, 60)


def test_prints_through_the_moved_pl011(boot: tuple[str, list[str]]) -> None:
    _, uart = boot
    assert "remap: PL011 at IPA 0x1c090000" in uart     # the board's 0x9040000, moved


def test_prints_through_the_virtual_uart_at_its_ipa(boot: tuple[str, list[str]]) -> None:
    console, _ = boot
    assert "[remap] remap: virtual UART at IPA 0x1c0a0000UL, INTID 100" in console


def test_the_physical_address_is_no_longer_mapped(boot: tuple[str, list[str]]) -> None:
    console, uart = boot
    assert "remap: reading the PL011's physical address 0x9040000" in uart
    assert "[hyp] remap: stage-2 fault: read of 4 bytes at ipa=0x9040000" in console
    assert not any("there?!" in line for line in uart)


def test_same_source_same_ipas_on_the_pi(tmp_path: Path) -> None:
    if not (ROOT / "build/guests/rpi4/bcm2711-rpi-4-b.dtb").exists():
        pytest.fail("the Pi 4 DTB is missing: run scripts/bootstrap (scripts/fetch-guests)")
    console = run_to_power_off("tests/boards/rpi4-remap.yaml", tmp_path / "build", 90)
    assert "[hyp] hvcfg 0.1.0 on rpi4" in console
    assert "[remap] remap: virtual UART at IPA 0x1c0a0000UL, INTID 100" in console
    # its RAM at the same IPA as on virt, from other physical memory
    assert re.search(r"\[hyp\] remap: loaded \d+ bytes at 0x10000000, entry 0x40000000", console)
    assert "[hyp] remap: stage-2 fault: read of 4 bytes at ipa=0xfe201000" in console
