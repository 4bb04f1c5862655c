# SPDX-License-Identifier: Apache-2.0
"""Partitions built from sources by `check`: cached under build/.cache, reused by `build`,
rebuilt when a header they include changes."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from hvcfg import partimage, rules

ROOT = Path(__file__).resolve().parent.parent

BOARD = """\
board:
  name: cachetest
  devicetree: {qemu: {machine: "virt,virtualization=on,gic-version=2", cpu: cortex-a53, smp: 4,
                      memory: 1G, serials: 2}}
hypervisor:
  console: /pl011@9000000
  memory: {size: 16M}
partitions:
  - name: p
    cpus: [0]
    memory: [{base: 0x40000000, size: 1M, perm: rx}, {base: 0x40100000, size: 1M}]
    image: {sources: [start.S, main.c]}
"""

MAIN = """\
#include "value.h"
volatile unsigned long sink;
void main(void) { sink = VALUE; for (;;) { } }
void secondary_main(unsigned long vcpu) { (void)vcpu; for (;;) { } }
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copy(ROOT / "partitions" / "lib" / "start.S", tmp_path / "start.S")
    (tmp_path / "main.c").write_text(MAIN)
    (tmp_path / "value.h").write_text("#define VALUE 0x1111\n")
    (tmp_path / "b.yaml").write_text(BOARD)
    return tmp_path


def _image(project: Path) -> partimage.PartitionImage:
    return rules.analyse(project / "b.yaml", project / "build").plans["p"].image


def test_built_once_reused_and_rebuilt_on_header_change(project: Path) -> None:
    first = _image(project)
    assert first.elf is not None and first.entry == 0x40000000 and first.size > 0
    assert (project / "build" / ".cache") in first.path.parents
    stamp = first.path.stat().st_mtime_ns
    again = _image(project)
    assert again.path == first.path and again.path.stat().st_mtime_ns == stamp   # reused
    old = first.path.read_bytes()
    (project / "value.h").write_text("#define VALUE 0x2222\n")     # not a listed source
    changed = _image(project)
    assert changed.path.read_bytes() != old
    assert not (project / "build" / "b").exists()                  # check writes no output


def test_source_change_is_a_new_entry(project: Path) -> None:
    first = _image(project)
    (project / "main.c").write_text(MAIN.replace("sink = VALUE", "sink = VALUE + 1"))
    second = _image(project)
    assert second.path.parent != first.path.parent
