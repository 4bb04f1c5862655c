# SPDX-License-Identifier: Apache-2.0
"""verify reads the chosen IPAs from the configuration (issue 13, item 6): a device moved with
`{device, ipa}` must be mapped there, the virtual UART emulated at `vuart.ipa`; an image built
for other IPAs is refused."""
from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from hvcfg import pipeline
from hvcfg.verify import verify_elf

ROOT = Path(__file__).resolve().parent.parent
BOARD = ROOT / "tests" / "boards" / "qemu-virt-remap.yaml"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> pipeline.BuildResult:
    return pipeline.build(BOARD, tmp_path_factory.mktemp("verify-remap"))


def _names(report) -> set[str]:
    return {f.name for f in report.findings}


def test_the_moved_image_verifies(built) -> None:
    report = verify_elf(built.elf, built.analysis.system)
    assert not report.findings, [f.message for f in report.findings]


def test_a_device_expected_elsewhere_is_a_finding(built) -> None:
    system = built.analysis.system
    p = system.partitions[0]
    unmoved = dataclasses.replace(p, devices=tuple(dataclasses.replace(d, ipa=None)
                                                   for d in p.devices))
    report = verify_elf(built.elf, dataclasses.replace(system, partitions=(unmoved,)))
    assert {"s2-unexpected-mapping", "s2-missing-mapping"} <= _names(report)


def test_a_vuart_expected_elsewhere_is_a_finding(built) -> None:
    system = built.analysis.system
    p = system.partitions[0]
    vuart = dataclasses.replace(p.vuart, ipa=None)          # the console UART's page
    report = verify_elf(built.elf, dataclasses.replace(
        system, partitions=(dataclasses.replace(p, vuart=vuart),)))
    assert "emulated-mismatch" in _names(report)
