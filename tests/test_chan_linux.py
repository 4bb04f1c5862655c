# SPDX-License-Identifier: Apache-2.0
"""Channels from Linux user space (tests/boards/chan-linux-qemu.yaml): unmodified Debian Linux
finds its channels as ivshmem PCI functions behind the emulated ECAM host bridge, binds Debian's
uio_pci_generic, and `hvchan ping` gets answers computed by the bare-metal chanpong through a
request and a reply channel with doorbells; it reads the one-way telemetry. Then Linux user
space attacks: a doorbell it does not have, random configuration-space writes to every function
and ECAM reads of functions that do not exist, a store into the read-only telemetry (an abort
injected by policy: SIGBUS, Linux lives on). chanpong (tests/victim.py heartbeat) keeps its beat
and keeps answering. One boot for all of it (Linux boots slowly under TCG)."""
from __future__ import annotations

import re

import pexpect
import pytest

import linux_shell
from qemu_run import ROOT, spawn_run, stop_and_keep
from victim import heartbeat

BOARD = "tests/boards/chan-linux-qemu.yaml"
GUESTS = ROOT / "build" / "guests" / "linux"

pytestmark = pytest.mark.qemu


def shell(child: pexpect.spawn, command: str, timeout: int = 60) -> str:
    """Run a command in the guest shell (linux_shell.run); its output lines and, last, its
    exit status as `rc=N`."""
    out, rc = linux_shell.run(child, command, timeout)
    return "\n".join([*out.splitlines(), f"rc={rc}"])


def telemetry(child: pexpect.spawn) -> tuple[int, int, int]:
    """chanpong's telemetry words: requests served, beats, doorbell interrupts."""
    out = shell(child, "hvchan dump telemetry 3")
    m = re.search(r"^telemetry: (\d+) (\d+) (\d+)$", out, re.M)
    assert m, out
    return int(m.group(1)), int(m.group(2)), int(m.group(3))


def ping(child: pexpect.spawn, count: int) -> str:
    out = shell(child, f"hvchan ping req reply {count}", timeout=120)
    assert out.endswith("rc=0"), out
    assert "WRONG" not in out
    assert re.search(rf"^ping req: {count} round trips, median \d+\.\d+ us", out, re.M), out
    return out


@pytest.fixture(scope="module")
def linux(tmp_path_factory):
    if not (GUESTS / "Image").exists():
        pytest.fail("build/guests/linux/Image is missing: run scripts/bootstrap")
    child, log = spawn_run(BOARD, tmp_path_factory.mktemp("chan-linux") / "build", 420)
    child.expect(r"press Enter within \d+ s for a shell", timeout=300)
    child.sendline("")
    child.expect(r"Enter 'help' for a list", timeout=30)
    shell(child, "stty cols 400")          # long commands are not wrapped in the echo
    yield child, log
    stop_and_keep(child, log, "test-chan-linux-console.log")


def test_linux_enumerates_one_ivshmem_function_per_channel(linux):
    child, log = linux
    # The kernel's own log, not the console's copy: the hypervisor's per-partition console rate
    # limit may suppress lines of the boot's bursts ("[hyp] linux: 5 lines suppressed").
    text = shell(child, "dmesg | grep -E 'PCI|pci'")
    assert "PCI: OF: PROBE_ONLY enabled" in text
    for dev in range(3):
        assert f"pci 0000:00:0{dev}.0: [1af4:1110] type 00 class 0x050000" in text
    assert "BAR 2 [mem 0x58108000-0x5810bfff 64bit pref]" in text   # 12K telemetry: 16K BAR
    assert not re.search(r"pci .*(can't claim|no compatible bridge window|reassign)", text)
    out = shell(child, "hvchan list")
    assert re.search(r"^req 0000:00:00\.0 size 0x1000 end 0 generation 1 peer 1 uio \d+$",
                     out, re.M), out
    assert re.search(r"^reply 0000:00:01\.0 size 0x1000 end 1 generation 1 peer 1", out, re.M)
    assert re.search(r"^telemetry 0000:00:02\.0 size 0x4000 end 1 generation 1", out, re.M)


def test_hvchan_ping_gets_the_bare_metal_answer(linux):
    child, log = linux
    out = ping(child, 5)
    assert "request 3 value 1002 -> answer 3013 (ok)" in out      # 1002 * 3 + 7 by chanpong
    irqs = shell(child, "cat /proc/interrupts")
    m = re.search(r"^\s*\d+:\s+(\d+)\s+(\d+)\s+GIC-0\s+\d+ Level\s+uio_pci_generic", irqs, re.M)
    # Answers came as INTx. Not one per ping: hvchan waits only when the answer is not there
    # yet, and a doorbell while INTx is still disabled (uio's handler, until hvchan unmasks in
    # its next wait) is the same pending interrupt as the one after it (coalescing).
    assert m and int(m.group(1)) + int(m.group(2)) >= 1, irqs


def test_telemetry_is_one_way(linux):
    child, log = linux
    served, beats, rings = telemetry(child)
    # rings: chanpong's doorbell interrupts, published at its beats (so they lag) and coalesced
    assert served >= 5 and rings >= 1
    child.expect(r"\[chanpong\] victim: beat \d+", timeout=30)
    child.expect(r"\[chanpong\] victim: beat \d+", timeout=30)
    assert telemetry(child)[1] > beats                            # chanpong writes, Linux reads


def test_a_doorbell_linux_does_not_have_does_nothing(linux):
    child, log = linux
    before = telemetry(child)
    for name in ("reply", "telemetry"):        # Linux's ends without a doorbell out
        assert shell(child, f"hvchan ring {name}").endswith("rc=0")
    child.expect(r"\[chanpong\] victim: beat \d+", timeout=30)
    child.expect(r"\[chanpong\] victim: beat \d+", timeout=30)
    after = telemetry(child)
    assert after[2] == before[2], (before, after)                 # no interrupt in chanpong
    assert after[0] == before[0]


def test_a_doorbell_flood_from_linux_costs_chanpong_little(linux):
    """Doorbells coalesce (a pending bit): 100,000 rings in a tight loop from user space cost
    chanpong at most one pending interrupt at a time, and its beat stays regular."""
    child, log = linux
    before, start = telemetry(child), len(log.getvalue())
    out = shell(child, "hvchan ring req 100000", timeout=300)
    assert "req: rang 100000 time(s)" in out, out
    # whole beat lines (heartbeat() reads only complete ones): waiting for "beat N" alone
    # returned before the line's period had arrived, and the count fell one short
    for _ in range(2):
        child.expect(r"\[chanpong\] victim: beat \d+ period_us \d+\r*\n", timeout=30)
    after = telemetry(child)
    assert after[0] == before[0]                                  # no request: nothing served
    assert after[2] - before[2] < 100000, (before, after)        # coalesced
    hb = heartbeat(log.getvalue()[start:].replace("\r", ""), "chanpong")
    assert hb.beats >= 2 and hb.worst_period_us < 1_500_000, hb  # PERIOD_MS 1000
    ping(child, 2)


def _rows(hexdump: str, offset: str) -> list[str]:
    """The hexdump rows at `offset` (one per function), bytes only."""
    return [ln[:58] for ln in hexdump.splitlines() if ln.startswith(offset)]


def test_configuration_space_fuzz_from_user_space(linux):
    child, log = linux
    before = shell(child, "for d in 0 1 2; do hexdump -C "
                   "/sys/bus/pci/devices/0000:00:0$d.0/config | head -4; done")
    # random bytes over every function's header, many times; then a rescan of the bus (Linux
    # reads every device's configuration space again, the 29 absent ones all-ones)
    fuzz = shell(child, "for i in $(seq 1 40); do for d in 0 1 2; do "
                 "dd if=/dev/urandom of=/sys/bus/pci/devices/0000:00:0$d.0/config bs=64 "
                 "count=1 seek=$((i % 4)) 2>/dev/null; done; done; echo fuzzed", timeout=120)
    assert "fuzzed" in fuzz
    rescan = shell(child, "echo 1 > /sys/bus/pci/rescan; ls /sys/bus/pci/devices")
    assert rescan.split() == ["0000:00:00.0", "0000:00:01.0", "0000:00:02.0", "rc=0"], rescan
    # the BARs (and identity) read the same: nothing moved (bytes 0x10-0x1f; the command and
    # status bytes may differ)
    after = shell(child, "for d in 0 1 2; do hexdump -C "
                  "/sys/bus/pci/devices/0000:00:0$d.0/config | head -4; done")
    assert _rows(before, "00000010") == _rows(after, "00000010")      # BAR0, BAR2, BAR3
    assert all(r.startswith("00000000  f4 1a 10 11") for r in _rows(after, "00000000")), after
    ping(child, 3)                                                 # and the channel still works
    assert "stage-2 fault" not in log.getvalue()


def test_a_store_into_the_read_only_channel_faults_by_policy(linux):
    child, log = linux
    served = telemetry(child)[0]
    out = shell(child, "hvchan poke telemetry 0 12345")
    assert "storing 12345" in out and "stored" not in out.replace("storing", ""), out
    assert re.search(r"Bus error|rc=135", out), out                # SIGBUS: the injected abort
    assert re.search(r"\[hyp\] linux: stage-2 fault: write of 4 bytes at ipa=0x58108000 .*inject",
                     log.getvalue()), log.getvalue()[-3000:]
    assert telemetry(child)[0] == served                           # the word is chanpong's
    ping(child, 2)                                                 # Linux lives on


def test_chanpong_kept_its_beat(linux):
    child, log = linux
    child.expect(r"\[chanpong\] victim: beat \d+", timeout=30)
    hb = heartbeat(log.getvalue().replace("\r", ""), "chanpong")
    assert hb.beats >= 10
    assert hb.worst_period_us < 1_500_000, hb                     # PERIOD_MS 1000


def test_hvchan_stays_inside_a_channel_that_is_not_a_power_of_two(linux):
    """Red team 4: BAR2 is the channel's size rounded up to a power of two and the rest of the
    BAR is not mapped (docs/guest-devicetree.md). hvchan bounded its accesses by the BAR's size
    (resource2), so `dump` of the 12 KiB telemetry read into the unmapped fourth 4 KiB (a
    stage-2 fault, SIGBUS by this board's policy), and `recv` clamped the length a hostile peer
    wrote in the channel to the BAR too (a peer could make the receiver fault: its `on_fault`,
    `restart` on other boards). hvchan takes the channel's size from the device tree
    (`hvcfg,size`)."""
    child, log = linux
    out = shell(child, "hvchan dump telemetry 4096")
    assert out.endswith("rc=0"), out[-500:]
    words = "".join(out.splitlines()[:-1]).split()      # the console cut the long line
    assert words[0] == "telemetry:" and len(words) == 1 + 0x3000 // 4, out[:200]   # 3072
    assert not re.search(r"stage-2 fault: read of 4 bytes at ipa=0x5810b000", log.getvalue())
