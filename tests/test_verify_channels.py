# SPDX-License-Identifier: Apache-2.0
"""Mutation tests of `hvcfg verify`'s channel proofs (tests/boards/chan-qemu.yaml): a channel
page is mapped into exactly its two ends with exactly their access, every other page stays
exclusive, and each partition's hv_channel_end table is its configured channels. Each mutation
of the built hyp.elf must be flagged; the unmutated image verifies clean.

Addresses come from the raw bytes with plain arithmetic (tests/test_verify_mutations.py's
Image), not from the verifier."""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from hvcfg import pipeline
from hvcfg.verify import verify_elf
from test_verify_mutations import Image, _bits, _copy, _pa, mutated_report

ROOT = Path(__file__).resolve().parent.parent
BOARD = ROOT / "tests" / "boards" / "chan-qemu.yaml"
PING, PONG = 0, 1                       # partition indices
PING_REQ, PONG_REQ = 0x40200000, 0x41200000     # channel req: chanping rw, chanpong ro
PING_REPLY = 0x50000000                 # channel reply: chanping ro (configured IPA)
PING_DATA, PONG_DATA = 0x40100000, 0x41100000
XN, S2AP_W = 1 << 54, 1 << 7


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return pipeline.build(BOARD, tmp_path_factory.mktemp("verify-chan"))


def end(m: Image, part: int, index: int, member: str) -> int:
    """Address of hv_partitions[part].channels[index].<member>."""
    table = m.u64(m.partition(part) + m.field("hv_partition", "channels"))
    return table + index * m.elf.layouts["hv_channel_end"].size + m.field("hv_channel_end",
                                                                          member)


def set_u32(m: Image, pa: int, value: int) -> None:
    m.buf[m.off(pa):m.off(pa) + 4] = value.to_bytes(4, "little")


def u32(m: Image, pa: int) -> int:
    return int.from_bytes(m.buf[m.off(pa):m.off(pa) + 4], "little")


def both_pa(new: Callable[[Image], int]) -> Callable[[Image], None]:
    """Both ends of `req` recorded at another PA, and their stage-2 pages moved there too."""
    def apply(m: Image) -> None:
        pa = new(m)
        m.set_u64(end(m, PING, 0, "pa"), pa)
        m.set_u64(end(m, PONG, 0, "pa"), pa)
        m.update(m.s2_desc(PING, PING_REQ), _pa(pa))
        m.update(m.s2_desc(PONG, PONG_REQ), _pa(pa))
    return apply


MUTATIONS: list[tuple[str, Callable[[Image], None], str]] = [
    ("ro end made writable", lambda m: m.update(m.s2_desc(PONG, PONG_REQ), _bits(set_=S2AP_W)),
     "s2-perm-mismatch"),
    ("ro end with a configured IPA made writable",
     lambda m: m.update(m.s2_desc(PING, PING_REPLY), _bits(set_=S2AP_W)), "s2-perm-mismatch"),
    ("channel page executable", lambda m: m.update(m.s2_desc(PING, PING_REQ),
                                                   _bits(clear=XN)), "s2-perm-mismatch"),
    ("channel page as device memory", lambda m: m.update(m.s2_desc(PING, PING_REQ),
                                                         _bits(clear=0xF << 2, set_=1 << 2)),
     "s2-memtype-mismatch"),
    ("channel page unmapped at one end", lambda m: m.set_u64(m.s2_desc(PONG, PONG_REQ), 0),
     "s2-missing-mapping"),
    ("RAM page onto channel memory", lambda m: m.update(
        m.s2_desc(PONG, PONG_DATA), _pa(m.u64(end(m, PING, 0, "pa")))), "s2-wrong-pa"),
    ("channel page onto another channel", lambda m: m.update(
        m.s2_desc(PONG, PONG_REQ), _pa(m.u64(end(m, PONG, 1, "pa")))), "s2-wrong-pa"),
    ("channel page onto the peer's RAM", lambda m: m.update(m.s2_desc(PING, PING_REQ),
                                                             _pa(PONG_DATA)), "s2-wrong-pa"),
    ("channel recorded over partition RAM", both_pa(lambda m: PONG_DATA), "channel-memory"),
    ("channel recorded in the hypervisor", both_pa(lambda m: m.sec(".bss")), "channel-memory"),
    ("one end's memory moved", lambda m: m.update(end(m, PING, 0, "pa"), lambda v: v - 0x1000),
     "channel-table"),
    ("size changed", lambda m: m.update(end(m, PONG, 2, "size"), lambda v: v + 0x1000),
     "channel-table"),
    ("ro end recorded writable", lambda m: m.buf.__setitem__(
        m.off(end(m, PONG, 0, "writable")), 1), "channel-table"),
    ("configured IPA changed", lambda m: m.update(end(m, PING, 1, "ipa"),
                                                  lambda v: v + 0x1000), "channel-table"),
    ("doorbell added against the configuration", lambda m: set_u32(
        m, end(m, PONG, 0, "ring_intid"), 33), "channel-table"),
    ("doorbell dropped", lambda m: set_u32(m, end(m, PING, 0, "ring_intid"), 0),
     "channel-table"),
    ("doorbell rings the wrong INTID", lambda m: set_u32(
        m, end(m, PING, 0, "ring_intid"), u32(m, end(m, PING, 0, "ring_intid")) + 1),
     "channel-table"),
    ("peer changed", lambda m: set_u32(m, end(m, PING, 0, "peer"), PING), "channel-table"),
    ("peer end changed", lambda m: set_u32(m, end(m, PING, 0, "peer_end"), 2),
     "channel-table"),
    ("a channel dropped from a table", lambda m: set_u32(
        m, m.partition(PONG) + m.field("hv_partition", "nchannels"), 2), "channel-table"),
    ("EL2 channel memory unmapped", lambda m: m.set_u64(
        m.el2_desc(m.u64(end(m, PING, 0, "pa"))), 0), "el2-missing-mapping"),
]


def test_unmutated_image_is_clean(built, tmp_path):
    report = verify_elf(_copy(built, tmp_path), built.analysis.system)
    assert report.clean, report.render()


@pytest.mark.parametrize("name,mutate,expected", MUTATIONS, ids=[m[0] for m in MUTATIONS])
def test_channel_mutation_is_flagged(built, tmp_path, name, mutate, expected):
    report = mutated_report(built, tmp_path, mutate)
    assert expected in report.names, f"{name}: expected {expected}, got:\n{report.render()}"
