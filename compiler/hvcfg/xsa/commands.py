# SPDX-License-Identifier: Apache-2.0
"""CLI subcommands of the security process: `xsa check`, `xsa export` and `triage`.

`register(subparsers)` adds them to the main parser's subparsers; each sets `func`, a callable
taking the parsed arguments and returning the exit status. They print bad input as diagnostics
(exit 1) and never a traceback.
"""
from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

from ..diagnostics import ConfigError, cannot_write
from ..model import System
from .advisories import check, load_advisories, to_osv
from .support import REPO_ROOT, load_support
from .triage import CRITERIA, decide, load_report

DEFAULT_ADVISORIES = REPO_ROOT / "xsa" / "advisories"
DEFAULT_OSV_OUT = Path("build") / "osv"

EXIT_OK, EXIT_ERROR, EXIT_AFFECTED = 0, 1, 2


def _load_system(path: Path) -> System:
    """The compiled, checked System of a board file (hvcfg.pipeline, imported when needed)."""
    from ..pipeline import load_system
    return load_system(path)


def register(subparsers: Any, load_system: Callable[[Path], System] | None = None) -> None:
    """Add `xsa check`, `xsa export` and `triage`. `load_system` replaces
    hvcfg.pipeline.load_system (tests pass a stub)."""
    loader = load_system or _load_system

    xsa = subparsers.add_parser("xsa", help="security advisories: which apply to a configuration",
                                description="Security advisories (xsa/README.md).")
    xsa_sub = xsa.add_subparsers(dest="xsa_command", metavar="{check,export}", required=True)

    p = xsa_sub.add_parser("check", help="say which advisories apply to a board file and why")
    p.add_argument("board", type=Path, metavar="BOARD.yaml")
    p.add_argument("--advisories", type=Path, default=DEFAULT_ADVISORIES, metavar="DIR",
                   help=f"directory of XSA-NNN.yaml files (default: {DEFAULT_ADVISORIES})")
    p.set_defaults(func=lambda a: _guard(lambda: cmd_xsa_check(a.board, a.advisories, loader)))

    p = xsa_sub.add_parser("export", help="write every advisory as OSV JSON")
    p.add_argument("--advisories", type=Path, default=DEFAULT_ADVISORIES, metavar="DIR")
    p.add_argument("--out", type=Path, default=DEFAULT_OSV_OUT, metavar="DIR",
                   help=f"output directory (default: {DEFAULT_OSV_OUT})")
    p.set_defaults(func=lambda a: _guard(lambda: cmd_xsa_export(a.advisories, a.out)))

    p = subparsers.add_parser("triage", help="decide whether a bug report is a security issue",
                              description="Apply xsa/POLICY.md's criteria to a structured report "
                                          "(schema/triage.schema.json).")
    p.add_argument("report", type=Path, metavar="REPORT.yaml")
    p.add_argument("--support", type=Path, default=None, metavar="SUPPORT.yaml",
                   help="support matrix (default: xsa/SUPPORT.yaml)")
    p.set_defaults(func=lambda a: _guard(lambda: cmd_triage(a.report, a.support)))


def _guard(run: Callable[[], int], err: TextIO | None = None) -> int:
    try:
        return run()
    except ConfigError as exc:
        for d in exc.diagnostics:
            print(d.render(), file=err or sys.stderr)
        return EXIT_ERROR


def cmd_xsa_check(board: Path, advisories_dir: Path, loader: Callable[[Path], System],
                  out: TextIO | None = None) -> int:
    out = out or sys.stdout
    advisories = load_advisories(advisories_dir)
    system = loader(board)
    results = check(system, advisories)
    for r in results:
        verdict = "APPLIES" if r.applies else "does not apply"
        print(f"{r.advisory.id} [{r.advisory.rating}] {verdict}: {r.advisory.summary}", file=out)
        print(f"    because {r.why}", file=out)
    applying = [r.advisory.id for r in results if r.applies]
    print(f"{len(results)} advisories checked against {board}: "
          f"{len(applying)} apply{': ' + ', '.join(applying) if applying else ''}", file=out)
    return EXIT_AFFECTED if applying else EXIT_OK


def cmd_xsa_export(advisories_dir: Path, out_dir: Path, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    advisories = load_advisories(advisories_dir)
    documents = {out_dir / f"{adv.id}.json": json.dumps(to_osv(adv), indent=2) + "\n"
                 for adv in advisories}
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        for target, text in documents.items():
            target.write_text(text, encoding="utf-8")
            print(f"wrote {target}", file=out)
    except OSError as exc:
        raise ConfigError(cannot_write(out_dir, exc)) from None
    print(f"{len(advisories)} advisories exported to {out_dir}", file=out)
    return EXIT_OK


def cmd_triage(report_path: Path, support_path: Path | None, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    support = load_support(support_path)
    report = load_report(report_path, support)
    decision = decide(report, support)
    title = next(c.title for c in CRITERIA if c.id == decision.criterion)
    if report.title:
        print(f"report: {report.title}", file=out)
    print(f"decision: {'SECURITY ISSUE' if decision.is_security else 'not a security issue'}",
          file=out)
    print(f"criterion: {decision.criterion} ({title}), xsa/POLICY.md", file=out)
    print(f"reason: {decision.reason}", file=out)
    return EXIT_OK

