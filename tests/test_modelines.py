# SPDX-License-Identifier: Apache-2.0
"""Editor support (issue 18): every board and partition file names its JSON Schema in a
yaml-language-server modeline, with a path that resolves from the file to the right schema."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from hvcfg.load import BOARD_SCHEMA, PARTITION_SCHEMA, SCHEMA_DIR
from hvcfg.scaffold import MODELINE, modeline

ROOT = Path(__file__).resolve().parent.parent
FILES = sorted(p for d in ("boards", "partitions", "tests/boards")
               for p in (ROOT / d).rglob("*.yaml"))


def test_there_are_files_to_check() -> None:
    assert len(FILES) > 20


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_board_and_partition_file_names_its_schema(path: Path) -> None:
    text = path.read_text()
    data = yaml.safe_load(text)
    schema = BOARD_SCHEMA if isinstance(data, dict) and "board" in data else PARTITION_SCHEMA
    want = modeline(path, schema)
    lines = [ln for ln in text.splitlines()[:3] if ln.startswith(MODELINE)]
    assert lines, f"{path}: add as line 2 (after the SPDX line): {want}"
    target = (path.parent / lines[0][len(MODELINE):]).resolve()
    assert target == (SCHEMA_DIR / schema).resolve(), f"{path}: should be {want}"
