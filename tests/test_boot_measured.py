# SPDX-License-Identifier: Apache-2.0
"""Measured boot: the hypervisor hashes every image after copying it into place (the fs-verity
digest, its leaves hashed by every CPU); a partition whose image was tampered with after the
build does not start, and the others do.

`hvcfg run` never boots a changed image (its verified stamp no longer matches: it rebuilds), so
the changed copies here are booted the way `hvcfg run` boots, but directly."""
from __future__ import annotations

import io
import json
import re
import shutil
import struct
import subprocess
from pathlib import Path

import pytest
from elftools.elf.elffile import ELFFile

from hvcfg import pipeline, serialrelay, toolchain
from qemu_run import run_to_power_off

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.qemu


def boot(build_dir: Path, uart_dir: Path) -> str:
    """Boot what build_dir holds (no rebuild: the inputs did not change, so `run` boots it)."""
    return run_to_power_off("boards/qemu-virt.yaml", build_dir, 90, uart_dir, rebuild=False)


def boot_changed(result: pipeline.BuildResult, image: bytes, tmp: Path) -> str:
    """Boot a changed copy of hyp.bin with hvcfg run's QEMU command and UART relay (UARTs
    other than the console in tmp/uartN.log); the console text."""
    changed = tmp / "changed-hyp.bin"
    changed.write_bytes(image)
    system = result.analysis.system
    q = system.board_spec.qemu
    assert q is not None
    out = io.BytesIO()
    relay = serialrelay.Relay(system, q.serials, tmp, out)
    assert relay.run(toolchain.qemu_run_command(q, changed, (), relay.sockets), 90) == 0
    return out.getvalue().decode().replace("\r", "")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    build_dir = tmp_path_factory.mktemp("measured") / "build"
    result = pipeline.build(ROOT / "boards/qemu-virt.yaml", build_dir)
    return build_dir, result


def test_digests_printed_at_boot_match_the_build(built, tmp_path):
    build_dir, result = built
    console = boot(build_dir, tmp_path)
    manifest = json.loads(result.manifest.read_text())
    tool = shutil.which("fsverity")
    assert tool, "fsverity missing: run scripts/bootstrap"
    for part in manifest["partitions"]:
        for blob in part["blobs"]:
            # what the boot log prints is what `fsverity digest` prints for the same file
            expected = subprocess.run([tool, "digest", blob["file"]], capture_output=True,
                                      text=True, check=True).stdout.split()[0]
            assert expected == f"sha256:{blob['fsverity-sha256']}"
            assert re.search(rf"\[hyp\] {part['name']}: {blob['what']} fsverity-{expected} "
                             rf"\({blob['size']} bytes\)\n", console), blob
        assert part["fsverity-sha256"] == part["blobs"][0]["fsverity-sha256"]
    assert "MISMATCH" not in console
    # every CPU of the board takes part in the load phase (4 on qemu-virt)
    m = re.search(r"\[hyp\] load phase: (\d+) units on (\d) CPU\(s\) \(at most (\d+) on one\)",
                  console)
    assert m and 1 <= int(m[2]) <= 4 and int(m[3]) <= int(m[1]), m
    # the header's text_offset made QEMU load the image where it was linked: no copy at boot
    hyp = manifest["hyp.bin"]
    assert int(hyp["text_offset"], 16) == int(hyp["link_base"], 16) - 0x4000_0000
    assert f"[hyp] image loaded at its link address {hyp['link_base']}" in console


def test_image_loaded_elsewhere_copies_itself(built, tmp_path):
    """A loader that ignores text_offset (U-Boot booti, the Pi firmware) may put the image at any
    2 MiB boundary: with text_offset 0 QEMU loads it at RAM + 2 MiB, and it relocates itself."""
    _, result = built
    blob = bytearray(result.bin.read_bytes())
    struct.pack_into("<QQQ", blob, 8, 0, struct.unpack_from("<Q", blob, 16)[0], 0xa)
    console = boot_changed(result, bytes(blob), tmp_path)
    link_base = json.loads(result.manifest.read_text())["hyp.bin"]["link_base"]
    assert f"[hyp] image loaded at 0x40200000, copied to its link address {link_base}" in console
    assert "MISMATCH" not in console
    assert "[smp] vcpu1: heartbeat 8" in console


def test_tampered_image_does_not_start_others_do(built, tmp_path):
    _, result = built
    link_base = int(json.loads(result.manifest.read_text())["hyp.bin"]["link_base"], 16)
    with result.elf.open("rb") as f:
        section = ELFFile(f).get_section_by_name(".image.rogue")
        offset = section["sh_addr"] - link_base + 0x40
    blob = bytearray(result.bin.read_bytes())
    blob[offset] ^= 0xff                       # one flipped byte in rogue's pristine image
    console = boot_changed(result, bytes(blob), tmp_path)
    assert re.search(r"\[hyp\] rogue: image fsverity-sha256:[0-9a-f]{64} .* MISMATCH", console)
    assert "[hyp] rogue: measurement mismatch -> not started" in console
    assert "[rogue]" not in console
    assert "[smp] vcpu1: heartbeat 8" in console
    assert "ticker: heartbeat 12" in (tmp_path / "uart1.log").read_text()
