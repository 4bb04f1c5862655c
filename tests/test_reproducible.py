# SPDX-License-Identifier: Apache-2.0
"""Identical inputs give identical outputs in any checkout: generated files name their inputs
relative to the board file (codegen.provenance) and never by where the build ran."""
from __future__ import annotations

import shutil
from pathlib import Path

from hvcfg import pipeline, rules

ROOT = Path(__file__).resolve().parent.parent


def _checkout(where: Path) -> Path:
    """A copy of the inputs of boards/qemu-virt-hello.yaml, laid out as in the project."""
    shutil.copytree(ROOT / "partitions/hello", where / "partitions/hello")
    shutil.copytree(ROOT / "partitions/lib", where / "partitions/lib")
    (where / "boards").mkdir()
    shutil.copy(ROOT / "boards/qemu-virt-hello.yaml", where / "boards")
    return where / "boards/qemu-virt-hello.yaml"


def _outputs(out: Path) -> dict[str, bytes]:
    """The build's generated files and the partitions' (built by check into the cache, in a
    directory named <partition>-<digest of its inputs, paths included>)."""
    cache = rules.cache_dir(out.parent)
    files = [*out.glob("gen/*"), out / "hyp.bin", out / "memory-map.txt", out / "memory-map.svg"]
    parts = [*cache.glob("partitions/*/gen/*"), *cache.glob("partitions/*/*.bin")]
    return {**{str(f.relative_to(out)): f.read_bytes() for f in files},
            **{_without_digest(f.relative_to(cache)): f.read_bytes() for f in parts}}


def _without_digest(rel: Path) -> str:
    kind, entry, *rest = rel.parts
    return "/".join([kind, entry.rsplit("-", 1)[0], *rest])


def test_two_checkouts_build_the_same_files(tmp_path):
    a = pipeline.build(_checkout(tmp_path / "a"), tmp_path / "a/build")
    # The same DTB: QEMU's dump differs from run to run (/chosen seeds), so the second
    # checkout gets the first one's, as it would get the same DTB file.
    shutil.copytree(rules.cache_dir(tmp_path / "a/build"),
                    rules.cache_dir(tmp_path / "one/more/b/build"),
                    ignore=shutil.ignore_patterns("partitions"))
    b = pipeline.build(_checkout(tmp_path / "one/more/b"), tmp_path / "one/more/b/build")
    first, second = _outputs(a.out_dir), _outputs(b.out_dir)
    assert "gen/hvcfg_config.h" in first
    assert any(n.endswith("/gen/partition_config.h") for n in first)
    assert sorted(first) == sorted(second)
    assert [name for name in first if first[name] != second[name]] == []
    for name, data in first.items():
        assert str(tmp_path).encode() not in data, name
