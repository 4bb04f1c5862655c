# SPDX-License-Identifier: Apache-2.0
"""Issue 12 finding 10: only a verified build is ever used.

A build whose image fails `verify` must be refused by every consumer (run, flash, surface) with
E047, every time, and never reach QEMU or an SD card. The failing build is produced the way the
review produced it: two partitions' devices in one 4 KiB page, with `check`'s rules for it (E046,
and E061 under it) switched off, so that only verify catches it. Outputs changed after a build
are never used.
"""
from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from pathlib import Path
from types import SimpleNamespace

import pytest

from hvcfg import checks, cli, layout, pipeline, rules, serialrelay, stamp

ROOT = Path(__file__).resolve().parent.parent
BLOB = ROOT / "tests" / "negative" / "partitions" / "blob.bin"

BOARD = """\
board:
  name: gate
  devicetree: {{qemu: {{machine: "virt,virtualization=on,gic-version=2", cpu: cortex-a53, \
smp: 2, memory: 1G}}}}
hypervisor:
  console: /pl011@9000000
  memory: {{size: 16M}}
partitions:
  - name: a
    cpus: [0]
    memory: [{{base: 0x40000000, size: 2M, perm: rx}}]
    devices: [{first}]
    image: {{binary: {blob}}}
  - name: b
    cpus: [1]
    memory: [{{base: 0x40400000, size: 2M, perm: rx}}]
    devices: [{second}]
    image: {{binary: {blob}}}
"""
FIRST = "/virtio_mmio@a000000"
SHARED = "/virtio_mmio@a000200"      # the same page as a's device
SEPARATE = "/virtio_mmio@a001000"    # a page of its own


@pytest.fixture(autouse=True)
def virtio_passable(monkeypatch: pytest.MonkeyPatch) -> None:
    """QEMU virt's virtio-mmio transports are its only devices that share a page, which these
    tests need; they are also bus masters, which E062 refuses (test_checks, tests/negative),
    beside the point here."""
    monkeypatch.setattr(checks, "_not_passable", lambda system: [])


def board(tmp: Path, second: str, first: str = FIRST) -> Path:
    path = tmp / "gate.yaml"
    path.write_text(BOARD.format(blob=BLOB, first=first, second=second))
    return path


@pytest.fixture
def only_verify_sees_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """`check` as it was before E046 and E061: the shared page reaches the build and its
    verification. (Without E046 alone, E061 refuses it: test_e061_catches_what_e046_misses.)"""
    monkeypatch.setattr(checks, "_device_pages", lambda system: [])
    monkeypatch.setattr(rules, "stage2_over_hypervisor", lambda system, hyp: [])


def test_e061_catches_what_e046_misses(tmp_path: Path, capfd: pytest.CaptureFixture[str],
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """The review's case, devices of two partitions in one page, with E046 switched off:
    `check` still refuses it (E061, on the stage-2 maps themselves), and so does `build`."""
    monkeypatch.setattr(checks, "_device_pages", lambda system: [])
    cfg = board(tmp_path, SHARED)
    for command in ("check", "build"):
        assert hvcfg(tmp_path / "build", command, str(cfg)) == 1
        err = capfd.readouterr().err
        assert " E061 " in err and "/virtio_mmio@a000000" in err and "E047" not in err
    assert not (tmp_path / "build" / "gate").exists()


@pytest.fixture
def no_qemu(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """Record instead of booting; the gate tests assert it stays empty."""
    booted: list[list[str]] = []

    def fake_popen(cmd: list[str], **_kw: object) -> None:
        booted.append(list(cmd))
        raise AssertionError("QEMU started")
    # Only the relay's view of subprocess: the toolchain still runs (QEMU's DTB dump, gcc).
    monkeypatch.setattr(serialrelay, "subprocess", SimpleNamespace(
        Popen=fake_popen, PIPE=subprocess.PIPE, TimeoutExpired=subprocess.TimeoutExpired))
    return booted


def hvcfg(build: Path, *argv: str) -> int:
    return cli.main(["--build-dir", str(build), *argv])


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_check_now_rejects_the_shared_page(tmp_path: Path, capfd: pytest.CaptureFixture[str]
                                           ) -> None:
    cfg = board(tmp_path, SHARED)
    assert hvcfg(tmp_path / "build", "check", str(cfg)) == 1
    err = capfd.readouterr().err
    assert f"{cfg}:16:" in err and " E046 " in err and f"{cfg}:11:" in err, err


def test_failed_verification_is_refused_by_every_consumer(
        tmp_path: Path, capfd: pytest.CaptureFixture[str], only_verify_sees_it: None,
        no_qemu: list[list[str]]) -> None:
    build = tmp_path / "build"
    cfg = board(tmp_path, SEPARATE)
    # A good build of this board file first: the bad one must not leave it usable either.
    assert hvcfg(build, "build", str(cfg)) == 0, capfd.readouterr()
    assert (build / "gate" / "verified").is_file()
    cfg = board(tmp_path, SHARED)
    assert hvcfg(build, "build", str(cfg)) == 1
    err = capfd.readouterr().err
    assert "s2-overlap" in err and " E047 image-failed-verification" in err, err
    assert not (build / "gate").exists(), "the failed build (or the old one) is still in place"
    rejected = build / "gate.rejected"
    assert (rejected / "hyp.elf").is_file() and not (rejected / "hyp.bin").exists()
    assert not (rejected / "verified").exists()

    card = tmp_path / "sd"
    tries = {
        "run": ["run", str(cfg)],
        "run again": ["run", str(cfg)],                 # the review's second `hvcfg run`
        "run --print-command": ["run", "--print-command", str(cfg)],
        "flash": ["flash", str(cfg), "--boot-dir", str(card), "--force"],
        "surface": ["surface", str(cfg)],
    }
    for what, argv in tries.items():
        print(f"hostile: {what} of a build that failed verification")
        assert hvcfg(build, *argv) == 1, what
        out, err = capfd.readouterr()
        # flash refuses a board without a boot folder (QEMU virt) before building: E094
        code = " E094 " if what == "flash" else " E047 "
        assert code in err and "hint:" in err, (what, err)
        assert "qemu-system" not in out, (what, out)
        assert not (build / "gate").exists(), what
    assert no_qemu == [], "QEMU was started on an unverified image"
    assert not card.exists(), "flash wrote to the card"


def test_changed_outputs_are_never_used(tmp_path: Path, capfd: pytest.CaptureFixture[str],
                                        no_qemu: list[list[str]]) -> None:
    build = tmp_path / "build"
    cfg = board(tmp_path, SEPARATE)
    assert hvcfg(build, "build", str(cfg)) == 0
    out = build / "gate"
    pristine = tmp_path / "pristine"
    shutil.copytree(out, pristine)
    good = {name: sha(out / name) for name in ("hyp.bin", "hyp.elf", "manifest.json")}
    capfd.readouterr()
    assert hvcfg(build, "run", "--print-command", str(cfg)) == 0
    assert "built" not in capfd.readouterr().err        # verified and unchanged: used as is
    analysis = pipeline.analyse(cfg, build)

    def flip_bin() -> None:
        data = bytearray((out / "hyp.bin").read_bytes())
        data[0x1000] ^= 0xFF
        (out / "hyp.bin").write_bytes(bytes(data))

    def forge_fingerprint() -> None:
        text = json.loads((out / "verified").read_text())
        text["fingerprint"] = "0" * 64
        (out / "verified").write_text(json.dumps(text))

    def plant_boot() -> None:
        (out / "boot").mkdir()
        (out / "boot" / "kernel8.img").write_bytes(b"x")

    tampers = {
        "flip a byte of hyp.bin": (flip_bin, "hyp.bin changed after it was verified"),
        "replace hyp.elf": (lambda: (out / "hyp.elf").write_bytes(b"\x7fELF junk"),
                            "hyp.elf changed"),
        "edit manifest.json": (lambda: (out / "manifest.json").write_text("{}"),
                               "manifest.json changed"),
        "delete the stamp": (lambda: (out / "verified").unlink(), "no verified build"),
        "forge the stamp's fingerprint": (forge_fingerprint, "built from other inputs"),
        "plant a boot/ folder": (plant_boot, "does not hold the files that were verified"),
        "truncate the stamp": (lambda: (out / "verified").write_text("{"), "unreadable"),
        "delete hyp.bin": (lambda: (out / "hyp.bin").unlink(),
                           "does not hold the files that were verified"),
    }
    fp = pipeline.fingerprint(analysis.system)
    for what, (tamper, why) in tampers.items():
        print(f"hostile: {what}, then use the build")
        tamper()
        problem = stamp.problem(out, fp)
        assert problem is not None and why in problem, (what, problem)
        assert not pipeline.is_up_to_date(analysis, build), what
        shutil.rmtree(out)
        shutil.copytree(pristine, out)
        assert pipeline.is_up_to_date(analysis, build), what
    # Through the command line: a changed image is rebuilt (and verified), never booted as is.
    flip_bin()
    assert hvcfg(build, "run", "--print-command", str(cfg)) == 0
    out_text, err = capfd.readouterr()
    assert "built" in err and "verified" in err, err
    assert {n: sha(out / n) for n in good} == good
    assert str(out / "hyp.bin") in out_text
    assert no_qemu == []


def test_tampered_build_that_no_longer_verifies_is_refused(
        tmp_path: Path, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        no_qemu: list[list[str]]) -> None:
    """The stamp is checked before use even when a rebuild cannot produce a good image."""
    build = tmp_path / "build"
    cfg = board(tmp_path, SEPARATE)
    assert hvcfg(build, "build", str(cfg)) == 0
    (build / "gate" / "hyp.bin").write_bytes(b"tampered")
    monkeypatch.setattr(checks, "_device_pages", lambda system: [])
    monkeypatch.setattr(rules, "stage2_over_hypervisor", lambda system, hyp: [])
    cfg = board(tmp_path, SHARED)
    capfd.readouterr()
    assert hvcfg(build, "run", str(cfg)) == 1
    assert " E047 " in capfd.readouterr().err
    assert no_qemu == [] and not (build / "gate").exists()


def test_stamp_lists_what_consumers_read(tmp_path: Path) -> None:
    result = pipeline.build(board(tmp_path, SEPARATE), tmp_path / "build")
    stamp = json.loads((result.out_dir / "verified").read_text())
    assert sorted(stamp["files"]) == ["hyp.bin", "hyp.elf", "manifest.json"]
    assert stamp["files"]["hyp.bin"] == sha(result.bin)
    assert stamp["fingerprint"] == pipeline.fingerprint(result.analysis.system)


PI_BOARD = """\
board:
  name: gate-pi
  devicetree:
    file: {dtb}
  memory:
    - {{base: 0x0, size: 0x3b400000}}
hypervisor:
  console: /soc/serial@7e201000
  memory: {{base: 0x38000000, size: 16M}}
partitions:
  - name: a
    cpus: [0]
    memory: [{{base: 0x10000000, size: 2M, perm: rx}}]
    devices: [/soc/pwm@7e20c000]
    image: {{binary: {blob}}}
  - name: b
    cpus: [1]
    memory: [{{base: 0x10400000, size: 2M, perm: rx}}]
    devices: [/soc/pwm@7e20c800]
    image: {{binary: {blob}}}
"""


def test_flash_never_copies_a_pi_image_that_failed_verification(
        tmp_path: Path, capfd: pytest.CaptureFixture[str], only_verify_sees_it: None) -> None:
    dtb = ROOT / "build" / "guests" / "rpi4" / "bcm2711-rpi-4-b.dtb"
    if not dtb.is_file():
        pytest.fail(f"{dtb} missing: run scripts/fetch-guests (scripts/bootstrap does)")
    cfg = tmp_path / "gate-pi.yaml"
    cfg.write_text(PI_BOARD.format(dtb=dtb, blob=BLOB))
    card = tmp_path / "sd"
    card.mkdir()
    for name in ("start4.elf", "fixup4.dat"):
        (card / name).write_bytes(b"firmware")
    for attempt in ("flash", "flash again"):
        print(f"hostile: {attempt} a Pi build that failed verification")
        assert hvcfg(tmp_path / "build", "flash", str(cfg), "--boot-dir", str(card)) == 1
        err = capfd.readouterr().err
        assert "s2-overlap" in err and " E047 " in err, err
        assert sorted(p.name for p in card.iterdir()) == ["fixup4.dat", "start4.elf"]
    rejected = tmp_path / "build" / "gate-pi.rejected"
    assert (rejected / "hyp.elf").is_file()
    assert not (rejected / "boot").exists() and not (rejected / "hyp.bin").exists()


def test_one_partition_may_share_its_own_page(tmp_path: Path) -> None:
    """Devices of one partition in one page share one stage-2 mapping (this used to be an
    internal error, ValueError from the table builder); across partitions it is E046."""
    cfg = board(tmp_path, "/virtio_mmio@a002000", f"{FIRST}, {SHARED}, /virtio_mmio@a001000")
    analysis = pipeline.analyse(cfg, tmp_path / "build")
    assert layout.device_pages(analysis.system.partitions[0]) == [
        (0xa000000, 0xa002000, f"{FIRST}, {SHARED}, /virtio_mmio@a001000", 0)]
    result = pipeline.build(cfg, tmp_path / "build", analysis)     # builds and verifies
    assert result.verify_summary.startswith("clean")
