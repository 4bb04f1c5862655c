"""The `hvcfg` command line. The only module that decides what is printed and the exit status."""
from __future__ import annotations

import argparse
import os
import sys
import traceback
from pathlib import Path

from . import __version__, pipeline, serialrelay, toolchain
from .diagnostics import ConfigError, Diagnostic


def _print_diagnostics(diags: list[Diagnostic] | tuple[Diagnostic, ...]) -> None:
    for d in diags:
        print(d.render(), file=sys.stderr)


def cmd_check(args: argparse.Namespace) -> int:
    analysis = pipeline.analyse(args.config, args.build_dir)
    _print_diagnostics(analysis.warnings)
    s = analysis.system
    print(f"{args.config}: ok: board {s.board_spec.name}, {len(s.partitions)} partition(s), "
          f"hypervisor at {analysis.hyp.base:#x}")
    return 0


def cmd_build(args: argparse.Namespace) -> int:
    result = pipeline.build(args.config, args.build_dir)
    _print_diagnostics(result.analysis.warnings)
    print(f"built {result.bin} ({result.bin.stat().st_size} bytes)")
    print(f"      {result.elf}, {result.memory_map}, {result.manifest}")
    print(f"verified {result.elf}: {result.verify_summary}")
    return 0


def build_if_stale(args: argparse.Namespace) -> pipeline.Analysis:
    """For commands that use an image: build it unless a verified build of the same inputs is
    there (pipeline.ensure_built; a build failing verification raises VerifyFailed, E047).
    Progress goes to stderr so that a command's own output stays clean."""
    analysis, result = pipeline.ensure_built(args.config, args.build_dir, args.rebuild)
    _print_diagnostics(analysis.warnings)
    if result is not None:
        print(f"built {result.bin}\nverified {result.elf}: {result.verify_summary}",
              file=sys.stderr)
    return analysis


def cmd_run(args: argparse.Namespace) -> int:
    analysis = build_if_stale(args)
    spec = analysis.system.board_spec
    if spec.qemu is None:
        print(f"hvcfg: board '{spec.name}' has no QEMU description (board.devicetree.qemu); "
              "it cannot be run here", file=sys.stderr)
        return 1
    image = pipeline.out_dir(analysis.system, args.build_dir) / "hyp.bin"
    extra = tuple(args.qemu_arg or ())
    if args.print_command:
        # Standalone, nothing filters the partitions' UARTs: they go nowhere.
        print(" ".join(toolchain.qemu_run_command(spec.qemu, image, extra)))
        return 0
    if args.uart_dir:
        args.uart_dir.mkdir(parents=True, exist_ok=True)
    relay = serialrelay.Relay(analysis.system, spec.qemu.serials, args.uart_dir)
    cmd = toolchain.qemu_run_command(spec.qemu, image, extra, relay.sockets)
    return relay.run(cmd, args.timeout)


def cmd_dt(args: argparse.Namespace) -> int:
    from . import guestdt
    print(guestdt.render_dts(args.config, args.partition, args.build_dir), end="")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hvcfg", description="Build a static ARM64 separation hypervisor from a board YAML.")
    parser.add_argument("--version", action="version", version=f"hvcfg {__version__}")
    parser.add_argument("--build-dir", type=Path, default=Path("build"),
                        help="where outputs go (default: build)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("check", help="validate a configuration; write nothing")
    p.add_argument("config", type=Path)
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("build", help="build build/<board>/hyp.bin and friends")
    p.add_argument("config", type=Path)
    p.set_defaults(func=cmd_build)

    p = sub.add_parser("dt", help="print a partition's generated device tree as DTS")
    p.add_argument("config", type=Path)
    p.add_argument("partition")
    p.set_defaults(func=cmd_dt)

    p = sub.add_parser("run", help="build if stale, then boot in QEMU on this terminal")
    p.add_argument("config", type=Path)
    p.add_argument("--timeout", type=float, default=None, help="stop QEMU after this many seconds")
    p.add_argument("--rebuild", action="store_true", help="build even when up to date")
    p.add_argument("--print-command", action="store_true", help="print the QEMU command only")
    p.add_argument("--qemu-arg", action="append", help="extra QEMU argument (repeatable)")
    p.add_argument("--uart-dir", type=Path, help="write UARTs other than the first (filtered, "
                   "unlabelled) to DIR/uartN.log instead of this terminal (where each line is "
                   "filtered and labelled [partition:uartN])")
    p.set_defaults(func=cmd_run)

    from .xsa import commands as xsa_commands
    xsa_commands.register(sub)
    from . import bootfolder, surface
    from .verify import register as register_verify
    bootfolder.register(sub)
    surface.register(sub)
    register_verify(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except pipeline.VerifyFailed as exc:
        print(exc.report_text, file=sys.stderr)
        _print_diagnostics(exc.diagnostics)
        return 1
    except ConfigError as exc:
        _print_diagnostics(exc.diagnostics)
        return 1
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a bug in hvcfg, not bad input: say so briefly
        if os.environ.get("HVCFG_DEBUG"):
            traceback.print_exc()
        print(f"hvcfg: internal error: {type(exc).__name__}: {exc}\n"
              "  hint: this is a bug in hvcfg; rerun with HVCFG_DEBUG=1 for details and report it",
              file=sys.stderr)
        return 70


if __name__ == "__main__":
    sys.exit(main())
