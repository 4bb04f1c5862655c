"""Measured boot: the hypervisor hashes every image after copying it into place; a partition whose
image was tampered with after the build does not start, and the others do."""
from __future__ import annotations

import hashlib
import io
import json
import re
import sys
from pathlib import Path

import pexpect
import pytest
from elftools.elf.elffile import ELFFile

from hvcfg import pipeline

ROOT = Path(__file__).resolve().parent.parent
HVCFG = str(Path(sys.executable).with_name("hvcfg"))

pytestmark = pytest.mark.qemu


def boot(build_dir: Path, uart_dir: Path) -> str:
    log = io.StringIO()
    child = pexpect.spawn(HVCFG, ["--build-dir", str(build_dir), "run", "boards/qemu-virt.yaml",
                                  "--timeout", "90", "--uart-dir", str(uart_dir)],
                          cwd=str(ROOT), encoding="utf-8", timeout=90, logfile=log)
    child.expect(r"\[hyp\] no partition left running: powering off")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    return log.getvalue().replace("\r", "")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    build_dir = tmp_path_factory.mktemp("measured") / "build"
    result = pipeline.build(ROOT / "boards/qemu-virt.yaml", build_dir)
    return build_dir, result


def test_digests_printed_at_boot_match_the_build(built, tmp_path):
    build_dir, result = built
    console = boot(build_dir, tmp_path)
    manifest = json.loads(result.manifest.read_text())
    for part in manifest["partitions"]:
        assert re.search(rf"\[hyp\] {part['name']}: image sha256 {part['sha256']} ", console)
    assert "MISMATCH" not in console


def test_tampered_image_does_not_start_others_do(built, tmp_path):
    build_dir, result = built
    link_base = int(json.loads(result.manifest.read_text())["hyp.bin"]["link_base"], 16)
    with result.elf.open("rb") as f:
        section = ELFFile(f).get_section_by_name(".image.rogue")
        offset = section["sh_addr"] - link_base + 0x40
    blob = bytearray(result.bin.read_bytes())
    blob[offset] ^= 0xff                       # one flipped byte in rogue's pristine image
    result.bin.write_bytes(bytes(blob))
    console = boot(build_dir, tmp_path)        # inputs unchanged: `run` boots this very image
    assert re.search(r"\[hyp\] rogue: image sha256 [0-9a-f]{64} .* MISMATCH", console)
    assert "[hyp] rogue: measurement mismatch -> not started" in console
    assert "[rogue]" not in console
    assert "[smp] vcpu1: heartbeat 8" in console
    assert "ticker: heartbeat 12" in (tmp_path / "uart1.log").read_text()
