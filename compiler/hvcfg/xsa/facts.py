# SPDX-License-Identifier: Apache-2.0
"""The fact model: what advisories' `affects` predicates and the support matrix can see of a
compiled System, as plain data (dicts, lists, str, int, bool; never None).

The fact dictionary (documented for users in xsa/README.md; FACT_SCHEMA below is the source of
truth and the expression type checker uses it):

    version                  str   hvcfg version the system is built with
    board.name               str   board file's board.name (e.g. "qemu-virt")
    board.model              str   DT /model
    board.compatible         [str] DT root compatible strings
    board.gic_version        int   2 or 3
    board.cpus               int   CPUs in the board's DT
    board.enable_method      str   "psci", "spin-table" or "mixed"
    board.psci_conduit       str   "smc", "hvc", or "none" when the board has no PSCI firmware
    hypervisor.console       str   DT path of the hypervisor's UART
    hypervisor.memory_size   int   bytes
    partitions               list of records:
      name                   str
      cpus                   int   number of CPUs (vCPUs)
      cpu_ids                [int] board CPU indices
      hypercalls             [str] hypercalls granted (e.g. "console", "identity")
      devices                [str] DT paths of passed-through devices
      compatibles            [str] every compatible string of those devices
      irqs                   [int] INTIDs owned through those devices
      passthrough            bool  at least one device passed through
      on_fault               str   "halt", "restart" or "inject"
      fault_limit            int   restarts allowed before halting
      reset_limit            int   requested restarts (PSCI SYSTEM_RESET) allowed before halting
      perms                  [str] distinct permissions of its regions ("ro", "rw", "rx", "rwx")
      regions                int   number of memory regions
      memory_size            int   bytes of RAM in all its regions
      writable_executable    bool  some region is "rwx"
      smp                    bool  more than one CPU (PSCI CPU_ON reachable for secondaries)
      shared_memory          [str] names of shared regions (channels) it takes part in
    shared_memory            [str] names of all shared regions (channels) in the system
    features                 [str] feature ids enabled (ids of xsa/SUPPORT.yaml), sorted; the
                                   board's is the entry whose `compatible` the DT root has

Adding a fact is compatible; renaming or removing one breaks advisories and needs a
search through xsa/advisories/.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .. import __version__
from ..diagnostics import Pos
from ..model import Channel, Partition, System

PARTITION_SCHEMA: dict[str, Any] = {
    "name": "str", "cpus": "int", "cpu_ids": ["int"], "hypercalls": ["str"], "devices": ["str"],
    "compatibles": ["str"], "irqs": ["int"], "passthrough": "bool", "on_fault": "str",
    "fault_limit": "int", "reset_limit": "int", "perms": ["str"], "regions": "int",
    "memory_size": "int", "writable_executable": "bool", "smp": "bool", "shared_memory": ["str"],
}

FACT_SCHEMA: dict[str, Any] = {
    "version": "str",
    "board": {"name": "str", "model": "str", "compatible": ["str"], "gic_version": "int",
              "cpus": "int", "enable_method": "str", "psci_conduit": "str"},
    "hypervisor": {"console": "str", "memory_size": "int"},
    "partitions": [PARTITION_SCHEMA],
    "shared_memory": ["str"],
    "features": ["str"],
}

# YAML paths (as a position-carrying loader keys them) -> Pos; used to point at list items
# that the model keeps as plain strings, e.g. ("partitions", 0, "hypercalls", 1).
Positions = Mapping[tuple[Any, ...], Pos]


@dataclass(frozen=True)
class FeatureUse:
    """One place where a configuration enables a feature of xsa/SUPPORT.yaml."""

    feature: str         # feature id, e.g. "hypercall/console"
    subject: str         # what enables it, in words: 'partition "linux"'
    pos: Pos | None


def _channels(system: System) -> tuple[Channel, ...]:
    return system.channels


def _channel_members(channel: Channel) -> set[str]:
    return {e.partition for e in channel.ends}


# A board feature of xsa/SUPPORT.yaml -> the device-tree root compatibles that identify its
# hardware (Support.board_compatibles): support follows the hardware, not `board.name`.
BoardIds = Mapping[str, tuple[str, ...]]
UNLISTED_BOARD = "board/unlisted"


def board_feature(system: System, board_ids: BoardIds) -> str:
    """The board feature whose hardware the system's device tree is (its root compatible), or
    UNLISTED_BOARD: renaming a board file's `board.name` changes neither."""
    found = [fid for fid, compatibles in board_ids.items()
             if set(compatibles) & set(system.board.compatible)]
    return found[0] if found else UNLISTED_BOARD


def feature_uses(system: System, positions: Positions | None = None, *,
                 board_ids: BoardIds) -> tuple[FeatureUse, ...]:
    """Every feature the system enables, with the YAML position that enables it. `board_ids`
    (Support.board_compatibles) decides which board feature the hardware is."""
    positions = positions or {}
    board = system.board_spec
    hardware = ", ".join(system.board.compatible) or "no compatible"
    uses = [FeatureUse("core", "every configuration", board.pos),
            FeatureUse(board_feature(system, board_ids), f'board "{board.name}" ({hardware})',
                       board.pos),
            FeatureUse(f"vgic/v{system.board.gic.version}",
                       f"the board's GICv{system.board.gic.version}", board.pos)]
    for i, p in enumerate(system.partitions):
        who = f'partition "{p.name}"'
        uses.append(FeatureUse("psci", who, p.pos))
        if len(p.cpus) > 1:
            uses.append(FeatureUse("psci/cpu-on", who, p.cpus[1].pos))
        item_pos = tuple(getattr(p, "hypercalls_pos", ()) or ())
        for j, h in enumerate(p.hypercalls):
            pos = positions.get(("partitions", i, "hypercalls", j)) or \
                (item_pos[j] if j < len(item_pos) else p.pos)
            uses.append(FeatureUse(f"hypercall/{h}", who, pos))
        if p.vuart:
            uses.append(FeatureUse("vuart", who, p.pos))
        if p.ivshmem:
            uses.append(FeatureUse("ivshmem", who, p.ivshmem.pos))
        if p.integrity is not None:
            uses.append(FeatureUse("integrity", who, p.integrity.pos))
        for d in p.devices:
            uses.append(FeatureUse("passthrough", f"{who} device {d.device.path}", d.pos))
        uses.append(FeatureUse(f"on-fault/{p.on_fault.action}", who, p.on_fault.pos))
        for r in p.memory:
            uses.append(FeatureUse(f"region/{r.perm}", f"{who} region at {r.base:#x}", r.pos))
    for c in _channels(system):
        uses.append(FeatureUse("shared-memory", f'channel "{c.name}"', c.pos))
    return tuple(uses)


def _enable_method(system: System) -> str:
    methods = {c.enable_method for c in system.board.cpus}
    return methods.pop() if len(methods) == 1 else "mixed" if methods else "none"


def _partition_facts(p: Partition, channels: tuple[Channel, ...]) -> dict[str, Any]:
    perms = sorted({r.perm for r in p.memory})
    return {
        "name": p.name,
        "cpus": len(p.cpus),
        "cpu_ids": [c.index for c in p.cpus],
        "hypercalls": list(p.hypercalls),
        "devices": [d.device.path for d in p.devices],
        "compatibles": sorted({c for d in p.devices for c in d.device.compatible}),
        "irqs": sorted({i for d in p.devices for i in d.device.intids}),
        "passthrough": bool(p.devices),
        "on_fault": p.on_fault.action,
        "fault_limit": p.on_fault.limit,
        "reset_limit": p.reset_limit,
        "perms": perms,
        "regions": len(p.memory),
        "memory_size": sum(r.size for r in p.memory),
        "writable_executable": "rwx" in perms,
        "smp": len(p.cpus) > 1,
        "shared_memory": sorted(c.name for c in channels if p.name in _channel_members(c)),
    }


def system_facts(system: System, version: str = __version__, *,
                 board_ids: BoardIds) -> dict[str, Any]:
    """The fact dictionary of a compiled System (see the module docstring)."""
    b, channels = system.board, _channels(system)
    return {
        "version": version,
        "board": {
            "name": system.board_spec.name,
            "model": b.model,
            "compatible": list(b.compatible),
            "gic_version": b.gic.version,
            "cpus": len(b.cpus),
            "enable_method": _enable_method(system),
            "psci_conduit": b.psci.method if b.psci else "none",
        },
        "hypervisor": {
            "console": system.hypervisor.console.device.path,
            "memory_size": system.hypervisor.size,
        },
        "partitions": [_partition_facts(p, channels) for p in system.partitions],
        "shared_memory": sorted(c.name for c in channels),
        "features": sorted({u.feature for u in feature_uses(system, board_ids=board_ids)}),
    }


def conforms(facts: Mapping[str, Any], schema: Mapping[str, Any] = FACT_SCHEMA) -> bool:
    """Whether a fact dictionary has exactly the shape FACT_SCHEMA describes (used by tests
    and by anyone handing hand-made facts to advisories.check_facts)."""
    def ok(value: Any, t: Any) -> bool:
        if isinstance(t, dict):
            return isinstance(value, Mapping) and set(value) == set(t) and \
                all(ok(value[k], t[k]) for k in t)
        if isinstance(t, list):
            return isinstance(value, list) and all(ok(v, t[0]) for v in value)
        if t == "bool":
            return isinstance(value, bool)
        if t == "int":
            return isinstance(value, int) and not isinstance(value, bool)
        return isinstance(value, str)
    return ok(facts, dict(schema))
