# SPDX-License-Identifier: Apache-2.0
"""The `hvcfg` command line. The only module that decides what is printed and the exit status.

The commands layer: it calls the pipeline (rules, build, verify) and the modules below it,
prints their results and maps their exceptions to exit statuses. Nothing below it prints.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import traceback
from collections.abc import Callable
from pathlib import Path

from . import __version__, bootfolder, pipeline, scaffold, serialrelay, surface, toolchain
from .diagnostics import ConfigError, Diagnostic, cannot_write, error
from .verify import register as register_verify
from .xsa import commands as xsa_commands


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
    print(f"      {result.elf}, {result.memory_map}, {result.memory_map.with_suffix('.svg')}, "
          f"{result.manifest}")
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
        raise ConfigError(error("E094", f"board '{spec.name}' has no QEMU description "
                                "(board.devicetree.qemu): it cannot be run here", spec.pos))
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
    """The partition's device tree as DTS: the very blob `build` stores (rules.PartitionPlan)."""
    analysis = pipeline.analyse(args.config, args.build_dir)
    plan = analysis.plans.get(args.partition)
    if plan is None:
        names = ", ".join(p.name for p in analysis.system.partitions)
        raise ConfigError(error("E043", f"no partition '{args.partition}' in {args.config}",
                                analysis.system.partitions_pos, hint=f"partitions: {names}"))
    print(toolchain.dtb_to_dts(plan.dtb), end="")
    return 0


def cmd_flash(args: argparse.Namespace) -> int:
    # Whether there is anything to flash follows from the device tree: ask before building.
    system = pipeline.analyse(args.config, args.build_dir).system
    if not bootfolder.needs_boot_folder(system):
        raise ConfigError(error(
            "E094", f"board '{system.board_spec.name}' is not a Raspberry Pi 4 (its device "
            f"tree's compatible is {', '.join(system.board.compatible) or 'empty'}): there is no "
            "boot folder to flash", system.board_spec.pos))
    system = build_if_stale(args).system
    boot = pipeline.out_dir(system, args.build_dir) / bootfolder.BOOT_DIR
    for path in bootfolder.flash(boot, args.boot_dir, args.force):
        print(f"wrote {path}")
    for d in bootfolder.boot_partition_warnings(args.boot_dir):
        print(d.render(), file=sys.stderr)
    print(f"{args.boot_dir}: ready; put the card in the Pi 4 and watch UART0 "
          "(GPIO 14/15, 115200 8N1), see docs/rpi4.md")
    return 0


def cmd_surface(args: argparse.Namespace) -> int:
    analysis = build_if_stale(args)
    out = pipeline.out_dir(analysis.system, args.build_dir)
    s = surface.compute(analysis.system, out / "hyp.elf", out / "gen", pipeline.HYP_DIR)
    if args.json:
        print(json.dumps(surface.to_json(s), indent=2))
    else:
        print(surface.render_text(s), end="")
    return 0


def _this_command() -> str:
    """How to run the hvcfg that is running, from any directory: the absolute path it was
    started by, or `hvcfg` when it was found on PATH (or run as a module)."""
    argv0 = Path(sys.argv[0])
    if argv0.name == "hvcfg" and argv0.parent != Path():
        return os.path.abspath(argv0)
    return "hvcfg"


def cmd_new_partition(args: argparse.Namespace) -> int:
    new = scaffold.new_partition(args.name, args.dir or Path("partitions") / args.name)
    try:
        new.directory.mkdir(parents=True)
    except OSError as e:        # a parent that is a file, no permission, a race
        raise ConfigError(cannot_write(new.directory, e)) from None
    for name, text in new.files.items():
        (new.directory / name).write_text(text)
        print(f"wrote {new.directory / name}")
    board = new.directory / new.board
    print(f"run it alone:  {_this_command()} run {board}\n"
          f"add it to a board: copy the partitions: entry of {board} (docs/partitions.md)")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hvcfg", description="Build a static ARM64 separation hypervisor from a board YAML.")
    parser.add_argument("--version", action="version", version=f"hvcfg {__version__}")
    parser.add_argument("--build-dir", type=Path, default=Path("build"),
                        help="where outputs go (default: build)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("check", help="validate a configuration; writes only caches (build/.cache:"
                       " a QEMU board's DTB, partition images), nothing into build/<board>/")
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

    p = sub.add_parser(
        "flash", help="build if stale, then copy the Pi 4 boot folder onto an SD card's boot "
        "partition")
    p.add_argument("config", type=Path)
    p.add_argument("--boot-dir", type=Path, required=True,
                   help="the mounted FAT boot partition (holds start4.elf and fixup4.dat)")
    p.add_argument("--force", action="store_true",
                   help="copy even when DIR does not look like a Pi 4 boot partition")
    p.add_argument("--rebuild", action="store_true", help="build even when up to date")
    p.set_defaults(func=cmd_flash)

    p = sub.add_parser("surface", help="list every entry point a partition can reach and "
                       "the hypervisor code behind it",
                       description="Attack surface of a configuration "
                                   "(docs/attack-surface.md). Builds first if stale.")
    p.add_argument("config", type=Path, metavar="BOARD.yaml")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--rebuild", action="store_true", help="build even when up to date")
    p.set_defaults(func=cmd_surface)

    p = sub.add_parser("new", help="create a partition that builds, prints and blinks",
                       description="Scaffolding (docs/partitions.md).")
    new_sub = p.add_subparsers(dest="what", metavar="{partition}", required=True)
    p = new_sub.add_parser("partition", help="a bare-metal partition directory: partition.yaml, "
                           "main.c and a board that runs it alone")
    p.add_argument("name", metavar="NAME", help="the partition's name (a C identifier)")
    p.add_argument("--dir", type=Path, help="where (default: partitions/NAME); must not exist")
    p.set_defaults(func=cmd_new_partition)

    xsa_commands.register(sub)
    register_verify(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    func: Callable[[argparse.Namespace], int] = args.func
    try:
        return func(args)
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
