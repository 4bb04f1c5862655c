# SPDX-License-Identifier: Apache-2.0
"""scripts/bootstrap says what it is doing (issue 18): every line of its own is stamped with the
seconds elapsed, and it ends by saying where the tool is. Run on a machine where everything is
installed (as after `make test`'s own bootstrap), it only checks and takes seconds."""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_bootstrap_reports_progress_and_the_tool() -> None:
    r = subprocess.run([str(ROOT / "scripts" / "bootstrap")], cwd=ROOT, capture_output=True,
                       text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    own = [ln for ln in r.stdout.splitlines() if ln.startswith("bootstrap:")]
    assert own and all(re.match(r"bootstrap: (\[ *\d+s\] |       pip: )", ln) for ln in own), own
    steps = " ".join(own)
    for step in ("system packages", "Python environment", "Linux guest", "ready:"):
        assert step in steps
    assert "./hvcfg" in own[-1]
