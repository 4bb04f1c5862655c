# SPDX-License-Identifier: Apache-2.0
"""`hvcfg verify` proves the emulated PCI host bridge's pages of a partition with `ivshmem`
(its ECAM window and BAR0 register pages, channels.bridge) unmapped at stage 2, so that every
access traps into hyp/pci/: a stage-2 table that maps them is flagged (s2-maps-emulated)."""
from __future__ import annotations

import pytest

from hvcfg import channels, pipeline
from hvcfg.verify import verify_elf
from qemu_run import ROOT
from test_verify_mutations import _copy, _copy_s2, mutated_report

BOARD = ROOT / "tests" / "boards" / "qemu-virt-fuzz.yaml"     # the fuzzer has `ivshmem`
FUZZ_DATA = 0x40100000


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return pipeline.build(BOARD, tmp_path_factory.mktemp("verify-ivshmem"))


def test_the_bridge_pages_are_proved_unmapped(built, tmp_path):
    system = built.analysis.system
    host = channels.bridge(system, system.partitions[0])
    assert host is not None and host.regs == host.ecam + 0x100000
    report = verify_elf(_copy(built, tmp_path), system)
    assert "s2-maps-emulated" not in report.names, report.render()


@pytest.mark.parametrize("page,what", [("ecam", "the PCI ECAM window"),
                                       ("regs", "the ivshmem register pages")])
def test_a_stage2_mapping_over_the_bridge_is_flagged(built, tmp_path, page, what):
    system = built.analysis.system
    host = channels.bridge(system, system.partitions[0])
    assert host is not None
    ipa = getattr(host, page)
    # the page gets the descriptor of one of the fuzzer's RAM pages (its channels share the
    # 2 MiB, so the level-3 table is there): guest accesses would reach RAM, not trap
    report = mutated_report(built, tmp_path, _copy_s2(0, FUZZ_DATA, 0, ipa))
    text = report.render()
    assert "s2-maps-emulated" in report.names, text
    assert what in text, text
