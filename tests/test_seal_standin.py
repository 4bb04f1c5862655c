# SPDX-License-Identifier: Apache-2.0
"""Kernel sealing with a stand-in kernel (tests/seal/standin.S, docs/integrity.md): a small
arm64 Image that calls `seal` itself and then writes its own text and rodata, next to the
heartbeat partition. Complements tests/test_seal_linux.py (the real kernel) with what Linux
cannot be made to do on purpose: the `seal` call, an allowed patch checked word for word, each
refusal class, and on_violation other than `block`."""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from hvcfg import hypbuild, hypercalls, kernelsites, smccc, surface, toolchain
from qemu_run import ROOT, run_to_power_off
from test_seal_build import write_layout

pytestmark = pytest.mark.qemu

SOURCE = ROOT / "tests" / "seal" / "standin.S"
TEXT, RODATA = (0, 0x2000), (0x2000, 0x3000)

# The stand-in kernel next to the heartbeat; @NAME@, @DT@ (extra `devicetree` lines), @IMAGE@
# and @K@ (extra keys of the kernel's partition) filled in by board().
BOARD = """\
board:
  name: @NAME@
  devicetree:@DT@
    qemu: {machine: "virt,virtualization=on,gic-version=2", cpu: cortex-a53, smp: 2,
           memory: 1G, serials: 1}
hypervisor:
  console: /pl011@9000000
  memory: {size: 16M}
partitions:
  - name: k
    cpus: [0]
    memory: [{base: 0x40000000, size: 2M, perm: rwx}]
    image: {binary: @IMAGE@}@K@
  - include: @HEARTBEAT@
    cpus: [1]
    memory:
      - {base: 0x41000000, size: 1M, perm: rx}
      - {base: 0x41100000, size: 1M}
    defines: {PERIOD_MS: 100, BEATS: 5}
"""


def board(tmp: Path, name: str, image: str, kernel_keys: list[str], dt: str = "") -> Path:
    path = tmp / "board.yaml"
    path.write_text(BOARD.replace("@NAME@", name).replace("@DT@", f"\n    {dt}" if dt else "")
                    .replace("@IMAGE@", image)
                    .replace("@K@", "".join(f"\n    {k}" for k in kernel_keys))
                    .replace("@HEARTBEAT@", str(ROOT / "partitions/heartbeat/partition.yaml")))
    return path


def assemble(tmp: Path, source: Path, name: str, ids: dict[str, int]) -> tuple[Path, Path]:
    """An Image from `source` (its ids from the compiler's tables on the command line):
    (the ELF, the raw binary)."""
    tc = toolchain.find_toolchain(hypbuild.load(hypbuild.HYP_DIR))
    elf, binary = tmp / f"{name}.elf", tmp / f"{name}.bin"
    subprocess.run([tc.tool("gcc"), "-nostdlib", "-static", "-Wl,-Ttext=0", "-Wl,-e,_start",
                    "-Wl,--build-id=none", *(f"-D{k}={v:#x}" for k, v in ids.items()),
                    str(source), "-o", str(elf)], check=True)
    subprocess.run([tc.tool("objcopy"), "-O", "binary", str(elf), str(binary)], check=True)
    return elf, binary


def standin(tmp: Path) -> None:
    """Build standin.bin with the ids from hypercalls.yaml, and its kernel layout."""
    elf, binary = assemble(tmp, SOURCE, "standin", {
        "HC_SEAL": hypercalls.by_name()["seal"].fid,
        "HC_CONSOLE": hypercalls.by_name()["console"].fid,
        "PSCI_SYSTEM_OFF": smccc.constants()["PSCI_SYSTEM_OFF"]})
    assert len(binary.read_bytes()) > RODATA[1]   # the image, then its unsealed scratch page
    tc = toolchain.find_toolchain(hypbuild.load(hypbuild.HYP_DIR))
    nm = subprocess.run([tc.tool("nm"), str(elf)], capture_output=True, text=True, check=True)
    addr = {f[2]: int(f[0], 16) for f in (ln.split() for ln in nm.stdout.splitlines())
            if len(f) == 3}
    # its static keys all branch to key_target; site_call is a traced function's call;
    # site_plain and site_bl are no patch sites
    keys = sorted((addr[s], addr["key_target"]) for s in ("site_nop", "site_brk", "site_far"))
    write_layout(binary, TEXT, RODATA, 0x40, {"ftrace_caller": addr["fake_ftrace_caller"]},
                 kernelsites.KernelSites(tuple(keys), (addr["site_call"],)))


def run(tmp: Path, action: str) -> str:
    standin(tmp)
    path = board(tmp, "seal-standin", "standin.bin",
                 ["hypercalls: [console, seal]",
                  f"integrity: {{kernel: sealed, on_violation: {action}}}"])
    return run_to_power_off(str(path), tmp / "build", 120)


def test_seal_call_allowed_patch_and_refusals_under_block(tmp_path: Path) -> None:
    out = run(tmp_path, "block")
    assert re.search(r"\[hyp\] k: kernel sealed: text 8 KiB, rodata 4 KiB \(sealed on request",
                     out), out
    lines = [ln.strip() for ln in re.findall(r"\[k\] (standin: [^\n]*)", out)]
    assert re.fullmatch(r"standin: patch cost 0x[0-9a-f]{16} instructions", lines.pop(3))
    assert lines == ["standin: unsealed at start", "standin: sealed", "standin: patch done",
                     "standin: bl patch done", "standin: call unchanged",
                     "standin: brk unchanged", "standin: far unchanged",
                     "standin: plain unchanged", "standin: rodata unchanged"], out
    blocked = re.findall(r"integrity: write to sealed kernel (text|read-only data) at "
                         r"ipa=0x[0-9a-f]+ pc=0x[0-9a-f]+ blocked \(violation (\d)\)", out)
    assert blocked == [("text", "1"), ("text", "2"), ("text", "3"), ("text", "4"),
                       ("read-only data", "5")], out
    assert re.search(r"k: integrity: 1 kernel patches done", out), out
    assert re.search(r"k: integrity: 3 kernel patches done \(\d+ counter ticks each in the "
                     r"decoder, on average\), 5 writes refused", out), out
    # the victim next to it: all its beats, and it stopped by itself
    assert re.findall(r"\[heartbeat\] heartbeat (\d+)", out)[-5:] == ["1", "2", "3", "4", "5"]
    # `hvcfg surface`'s map names real functions for the seal call and the sealed abort path
    code = surface.read_elf(tmp_path / "build" / "board" / "hyp.elf")
    names = set(surface.hypercall_symbols(hypercalls.by_name()["seal"]))
    names |= {"hv_seal_abort", "hv_seal_guest_event", "hv_hc_seal"}
    assert sorted(n for n in names if not code.lookup(n)) == []


def test_violation_under_halt_stops_only_the_stand_in(tmp_path: Path) -> None:
    out = run(tmp_path, "halt")
    lines = [ln.strip() for ln in re.findall(r"\[k\] (standin: [^\n]*)", out)]
    assert lines[:3] == ["standin: unsealed at start", "standin: sealed",
                         "standin: patch done"] and lines[4] == "standin: bl patch done", out
    assert len(lines) == 5, out
    assert re.search(r"write to sealed kernel text at ipa=0x[0-9a-f]+ pc=0x[0-9a-f]+ blocked "
                     r"\(violation 1\) -> halt", out), out
    assert "[hyp] k: halted" in out
    assert re.findall(r"\[heartbeat\] heartbeat (\d+)", out)[-5:] == ["1", "2", "3", "4", "5"]


def test_restart_starts_unsealed(tmp_path: Path) -> None:
    """on_violation: restart reloads the pristine image, unsealed: each incarnation can write
    its rodata before it seals again, until on_fault.limit (3) restarts, then it is halted."""
    out = run(tmp_path, "restart")
    lines = [ln.strip() for ln in re.findall(r"\[k\] (standin: [^\n]*)", out)]
    assert lines.count("standin: unsealed at start") == 4, out
    assert "standin: SEALED at start" not in lines
    assert len(re.findall(r"\[hyp\] k: kernel sealed: ", out)) == 4, out
    assert "restart limit reached" in out and "[hyp] k: halted" in out
    assert re.findall(r"\[heartbeat\] heartbeat (\d+)", out)[-5:] == ["1", "2", "3", "4", "5"]



ATK_WALK = ROOT / "tests" / "seal" / "atk_walk.S"
FAKE_DEVICE = 0x09050000        # nothing decodes it on QEMU virt (no SMMU): a bus error

def atk_walk_board(tmp: Path) -> Path:
    """QEMU virt's device tree plus a device of 0x100 bytes alone in its page (on hardware: any
    register block smaller than a page with nothing decoding the rest), the attacker's image and
    its kernel layout."""
    dts = tmp / "board.dts"
    subprocess.run(["qemu-system-aarch64", "-machine",
                    f"virt,virtualization=on,gic-version=2,dumpdtb={tmp / 'virt.dtb'}",
                    "-cpu", "cortex-a53", "-smp", "2", "-m", "1G", "-display", "none"],
                   check=True, capture_output=True, timeout=60)
    text = subprocess.run(["dtc", "-I", "dtb", "-O", "dts", str(tmp / "virt.dtb")],
                          check=True, capture_output=True, text=True).stdout
    fake = (f"\trt-fake@{FAKE_DEVICE:x} {{\n\t\tcompatible = \"rt,fake\";\n"
            f"\t\treg = <0x00 {FAKE_DEVICE:#x} 0x00 0x100>;\n\t}};\n")
    dts.write_text(text[:text.rindex("};")] + fake + "};\n")
    subprocess.run(["dtc", "-I", "dts", "-O", "dtb", "-o", str(tmp / "board.dtb"), str(dts)],
                   check=True, capture_output=True)
    _, binary = assemble(tmp, ATK_WALK, "atk", {
        "HC_CONSOLE": hypercalls.by_name()["console"].fid,
        "PSCI_SYSTEM_OFF": smccc.constants()["PSCI_SYSTEM_OFF"], "DEV_IPA": FAKE_DEVICE})
    write_layout(binary, TEXT, RODATA, 0x40)
    return board(tmp, "seal-atk-walk", "atk.bin",
                 ["hypercalls: [console]", "devices: [/rt-fake@9050000]",
                  "integrity: {kernel: sealed}"], dt="file: board.dtb")


def test_seal_probe_survives_a_stage1_walk_into_a_device_page(tmp_path: Path) -> None:
    """Red team 5: the seal trigger's AT S1E1R/W at EL2 walks the guest's stage 1 wherever the
    guest points it. A table in a passed-through device page where nothing answers gave a
    synchronous external abort at EL2 (the hypervisor panicked, every partition stopped). With
    HCR_EL2.PTW a stage-1 walk into Device memory is a stage-2 fault that AT reports in PAR_EL1:
    the probe says "not yet", the attacker goes on and the heartbeat too."""
    out = run_to_power_off(str(atk_walk_board(tmp_path)), tmp_path / "build", 120)
    assert "PANIC" not in out, out[-3000:]
    lines = [ln.strip() for ln in re.findall(r"\[k\] (atk: [^\n]*)", out)]
    assert lines == ["atk: start", "atk: user space ran", "atk: stage 1 on",
                     "atk: hypervisor survived the probe"], out[-3000:]
    assert "kernel sealed" not in out
    assert re.findall(r"\[heartbeat\] heartbeat (\d+)", out)[-5:] == ["1", "2", "3", "4", "5"]
