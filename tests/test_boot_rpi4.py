# SPDX-License-Identifier: Apache-2.0
"""boards/rpi4.yaml on QEMU's raspi4b: the real Pi 4 DTB, spin-table secondaries, no PSCI
firmware (the hypervisor never issues an SMC), GIC-400 through the same vGIC, power-off through
the PM watchdog."""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from qemu_run import HVCFG, ROOT, spawn_run

pytestmark = pytest.mark.qemu


@pytest.fixture(scope="module")
def console(tmp_path_factory):
    if not (ROOT / "build/guests/rpi4/bcm2711-rpi-4-b.dtb").exists():
        pytest.fail("the Pi 4 DTB is missing: run scripts/bootstrap (scripts/fetch-guests)")
    proc = subprocess.run([HVCFG, "--build-dir", str(tmp_path_factory.mktemp("rpi4") / "build"),
                           "run", "boards/rpi4.yaml", "--rebuild", "--timeout", "90"],
                          cwd=ROOT, capture_output=True, text=True, stdin=subprocess.DEVNULL,
                          timeout=180)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc.stdout.replace("\r", "")


def test_banner_on_the_pi(console):
    assert "[hyp] hvcfg 0.1.0 on rpi4: 3 partition(s), 4 CPU(s), EL2 MMU on" in console


def test_isolation_attacker_handled_by_policy_others_keep_running(console):
    faults = re.findall(r"\[hyp\] rogue: stage-2 fault: write of 4 bytes at ipa=0x11100000 "
                        r"pc=0x[0-9a-f]+ esr=0x[0-9a-f]+ -> (.*)", console)
    assert faults == ["restart", "restart", "halt (restart limit reached)"]
    halted = console.index("[hyp] rogue: halted")
    assert "[smp] vcpu1: heartbeat" in console[halted:]
    before = re.search(r"\[smp\] victim checksum before: (0x[0-9a-f]+)", console).group(1)
    after = re.search(r"\[smp\] victim checksum after: (0x[0-9a-f]+)", console).group(1)
    assert before == after


def test_the_pi_image_never_issues_an_smc(tmp_path):
    """No PSCI firmware on the Pi: an SMC from EL2 would never return."""
    from hvcfg import pipeline
    result = pipeline.build(ROOT / "boards/rpi4.yaml", tmp_path / "build")
    dis = subprocess.run(["aarch64-linux-gnu-objdump", "-d", str(result.elf)],
                         capture_output=True, text=True, check=True).stdout
    assert not re.search(r"\tsmc\t", dis)
    assert "hv_platform_cpu_on" in dis


def test_partitions_on_different_cores_one_started_with_cpu_on(console):
    assert "[hyp] heartbeat: starting vCPU 0 on CPU 0" in console
    assert "[hyp] smp: starting vCPU 0 on CPU 1" in console     # a spin-table secondary
    assert "[smp] CPU_ON vcpu1 -> 0" in console                   # PSCI emulated, no firmware
    assert "[smp] vcpu1: up" in console
    assert "[heartbeat] heartbeat 5" in console


def test_clean_power_off_through_the_watchdog(console):
    assert console.rstrip().endswith("[hyp] no partition left running: powering off")


def test_linux_with_two_vcpus_on_the_pi_next_to_a_heartbeat(tmp_path):
    """Linux reaches /init with 2 vCPUs while the heartbeat goes on, before and after Linux
    powers itself off (QEMU is stopped by the test: the heartbeat would go on for minutes)."""
    if not (ROOT / "build/guests/rpi4/Image").exists():
        pytest.fail("the generic kernel is missing: run scripts/bootstrap (scripts/fetch-guests)")
    child, log = spawn_run("boards/rpi4-linux.yaml", tmp_path / "build", 400)
    try:
        child.expect(r"\[linux\] hvcfg-linux: init reached")
        child.expect(r"\[linux\] hvcfg-linux: \S+-arm64, 2 CPU\(s\), console ttyAMA0")
        child.expect(r"\[hyp\] linux: halted")
        child.expect(r"\[heartbeat\] heartbeat \d+")      # goes on after Linux
    finally:
        child.terminate(force=True)
    out = log.getvalue().replace("\r", "")
    assert re.search(r"\[heartbeat\] heartbeat \d+", out[:out.index("init reached")])


# ---------------------------------------------------------------- what a real Pi 4 relies on

def _boot_raw(result, image: Path, tmp: Path, monitor_at: str | None = None,
              commands: str = "") -> tuple[str, str]:
    """Boot `image` with `hvcfg run`'s QEMU command for the board, plus a monitor socket and
    the PL011's baud-rate trace. When the console shows `monitor_at`, the machine is stopped,
    `commands` are sent to the monitor and it goes on. Returns (console, monitor + trace)."""
    import socket
    import time

    from hvcfg import toolchain
    q = result.analysis.system.board_spec.qemu
    sock, trace = tmp / "mon.sock", tmp / "trace.log"
    cmd = toolchain.qemu_run_command(q, image, ("-monitor", f"unix:{sock},server=on,wait=off",
                                                "-trace", "pl011_baudrate_change",
                                                "-D", str(trace)))
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    console, answer = b"", b""
    deadline = time.monotonic() + 90
    try:
        assert proc.stdout is not None
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            console += line
            if monitor_at and monitor_at.encode() in line:
                with socket.socket(socket.AF_UNIX) as s:
                    s.connect(str(sock))
                    s.sendall(b"stop\n" + commands.encode() + b"cont\n")
                    s.settimeout(2)
                    while b"cont" not in answer:
                        answer += s.recv(65536)
                monitor_at = None
        proc.wait(timeout=max(1, deadline - time.monotonic()))
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    log = trace.read_text() if trace.exists() else ""
    return console.decode().replace("\r", ""), answer.decode(errors="replace") + log


@pytest.fixture(scope="module")
def pi_build(tmp_path_factory):
    from hvcfg import pipeline
    return pipeline.build(ROOT / "boards/rpi4.yaml", tmp_path_factory.mktemp("pi") / "build")


def test_hypervisor_sets_the_console_pins_and_baud_itself(pi_build, tmp_path):
    """QEMU starts with GPIO 14/15 as inputs and UART0's divisors zero (as a Pi 4 whose
    firmware did not apply dtoverlay=disable-bt and left the UART alone): the hypervisor muxes
    the pins to ALT0 with RXD pulled up, and programs 115200 at UART0's 48 MHz clock."""
    console, mon = _boot_raw(pi_build, pi_build.bin, tmp_path, "[heartbeat] heartbeat 1",
                             "xp /1wx 0xfe200004\nxp /1wx 0xfe2000e4\n")
    assert "[hyp] hvcfg 0.1.0 on rpi4" in console and "[heartbeat] heartbeat 5" in console
    gpfsel1 = int(re.search(r"00000000fe200004: (0x[0-9a-f]+)", mon).group(1), 16)
    pulls = int(re.search(r"00000000fe2000e4: (0x[0-9a-f]+)", mon).group(1), 16)
    assert (gpfsel1 >> 12) & 0x3f == 0b100_100                  # GPIO 14, 15: ALT0
    assert (pulls >> 28) & 0xf == 0b01_00                       # 15 pull-up, 14 none
    rates = re.findall(r"new baudrate (\d+) \(clk: (\d+)hz, ibrd: (\d+), fbrd: (\d+)\)", mon)
    assert rates, mon
    baud, clk, ibrd, fbrd = map(int, rates[-1])
    assert (ibrd, fbrd) == (26, 3) and abs(clk - 48_000_000) < 1000
    assert abs(baud - 115200) / 115200 < 0.005


def test_image_loaded_elsewhere_copies_itself_on_the_pi(pi_build, tmp_path):
    """The Pi firmware may ignore text_offset and load kernel8.img at 0x200000: with
    text_offset 0 QEMU's raspi4b does the same, and the image copies itself to its link
    address before anything else (the self-relocation path, on the Pi's machine)."""
    import struct
    blob = bytearray(pi_build.bin.read_bytes())
    struct.pack_into("<QQQ", blob, 8, 0, struct.unpack_from("<Q", blob, 16)[0], 0xa)
    moved = tmp_path / "moved-hyp.bin"
    moved.write_bytes(bytes(blob))
    console, _ = _boot_raw(pi_build, moved, tmp_path)
    assert "[hyp] image loaded at 0x200000, copied to its link address 0x38000000" in console
    assert "MISMATCH" not in console
    assert "[heartbeat] heartbeat 5" in console and "[smp] vcpu1: up" in console
    assert console.rstrip().endswith("[hyp] no partition left running: powering off")
