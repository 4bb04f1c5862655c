# SPDX-License-Identifier: Apache-2.0
"""`hvcfg verify ELF [--config BOARD.yaml] [--json]`: exit 0 clean, 1 findings, 2 unverifiable."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def cmd_verify(args: argparse.Namespace) -> int:
    from ..diagnostics import ConfigError
    from . import VerifyError, verify_elf
    build_root = getattr(args, "build_dir", None)
    try:
        report = verify_elf(args.elf, config=args.config,
                            build_root=build_root if args.config else None)
    except VerifyError as exc:
        print(f"hvcfg verify: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except ConfigError as exc:
        for d in exc.diagnostics:
            print(d.render(), file=sys.stderr)
        print("hvcfg verify: error: the configuration the image is checked against is invalid",
              file=sys.stderr)
        return EXIT_ERROR
    if args.json:
        sys.stdout.write(report.dumps())
    else:
        print(report.render())
    return EXIT_CLEAN if report.clean else EXIT_FINDINGS


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]
             ) -> argparse.ArgumentParser:
    """Add `verify` to hvcfg's subcommands (cli.build_parser's `sub`)."""
    p = subparsers.add_parser(
        "verify", help="prove the built image's tables and digests against the configuration",
        description="Walk every translation table in a built hyp.elf as the MMU would and "
                    "check it against the board file (docs/verify.md). Exit status: 0 clean, "
                    "1 findings, 2 the image or configuration cannot be read.")
    p.add_argument("elf", type=Path, help="build/<board>/hyp.elf")
    p.add_argument("--config", type=Path, default=None,
                   help="the board file (default: the one recorded in manifest.json)")
    p.add_argument("--json", action="store_true", help="print a machine-readable report")
    p.set_defaults(func=cmd_verify)
    return p
