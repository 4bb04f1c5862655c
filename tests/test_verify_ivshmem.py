# SPDX-License-Identifier: Apache-2.0
"""`hvcfg verify` proves the emulated PCI host bridge's pages of a partition with `ivshmem`
(its ECAM window and BAR0 register pages, channels.bridge) unmapped at stage 2, so that every
access traps into hyp/pci/: a stage-2 table that maps them is flagged (s2-maps-emulated)."""
from __future__ import annotations

import pytest

from hvcfg import channels, pipeline
from hvcfg.verify import verify_elf
from qemu_run import ROOT
from test_verify_mutations import _copy, _copy_s2, _nested, mutated_report

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
    assert not report.names, report.render()            # clean, emulated pages read back


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


@pytest.mark.parametrize("field,delta", [("ecam_ipa", 0x100000), ("regs_ipa", -0x1000),
                                         ("nfn", 1)])
def test_a_bridge_recorded_elsewhere_is_flagged(built, tmp_path, field, delta):
    """hv_partitions[i].ivshmem must say what the configuration (and the guest's device tree)
    says: a moved window would trap somewhere else than where the guest looks."""
    def mutate(m):
        at = _nested(m, 0, "ivshmem", "hv_ivshmem_config", field)
        if field == "nfn":
            m.buf[m.off(at)] += delta
        else:
            m.set_u64(at, m.u64(at) + delta)
    report = mutated_report(built, tmp_path, mutate)
    assert "emulated-mismatch" in report.names, report.render()
