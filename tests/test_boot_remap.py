"""A partition keeps the memory map its software was written for (issue 13, item 6): its
passed-through PL011 moved to another IPA, its virtual UART at a chosen IPA and INTID
(tests/boards/qemu-virt-remap.yaml, partitions/remap)."""
from __future__ import annotations

from pathlib import Path

import pytest

from qemu_run import run_with_uart

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
    assert "[remap] remap: virtual UART at its chosen IPA" in console


def test_the_physical_address_is_no_longer_mapped(boot: tuple[str, list[str]]) -> None:
    console, uart = boot
    assert "remap: reading the PL011's physical address 0x9040000" in uart
    assert "[hyp] remap: stage-2 fault: read of 4 bytes at ipa=0x9040000" in console
    assert not any("there?!" in line for line in uart)
