# SPDX-License-Identifier: Apache-2.0
"""The Raspberry Pi 4 boot folder (kernel8.img, config.txt) and `hvcfg flash`."""
from __future__ import annotations

import argparse
import struct
from pathlib import Path

import pytest

from hvcfg import bootfolder, cli, digest, package, pipeline
from hvcfg.bootfolder import flash, write_boot_folder
from hvcfg.diagnostics import ConfigError

ROOT = Path(__file__).resolve().parent.parent
RPI4_YAML = ROOT / "boards" / "rpi4.yaml"


def fake_image(path: Path, size: int = 4096, text_offset: int = 0) -> Path:
    """Enough of an arm64 Image for the header check: `b .+0x40`, text_offset, magic."""
    blob = bytearray(size)
    struct.pack_into("<IIQQQ", blob, 0, 0x14000010, 0, text_offset, size,
                     0x2 if text_offset else 0xa)
    blob[0x38:0x3C] = package.ARM64_MAGIC
    path.write_bytes(bytes(blob))
    return path


def config_settings(text: str) -> dict[str, str]:
    """Active `key=value` lines of a config.txt (comments and [filters] skipped)."""
    out = {}
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith(("#", "[")):
            key, _, value = line.partition("=")
            out[key] = value
    return out


def sd_card(d: Path) -> Path:
    """A directory that looks like a Pi 4 FAT boot partition."""
    d.mkdir(parents=True, exist_ok=True)
    for name in ("start4.elf", "fixup4.dat", "bcm2711-rpi-4-b.dtb"):
        (d / name).write_bytes(b"firmware " + name.encode())
    return d


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> pipeline.BuildResult:
    """boards/rpi4.yaml, built once (about 2 s)."""
    return pipeline.build(RPI4_YAML, tmp_path_factory.mktemp("build"))


# ---------------------------------------------------------------- the folder

def test_boot_folder_of_the_real_build(built: pipeline.BuildResult) -> None:
    boot = write_boot_folder(built.out_dir, built.bin)
    assert boot == built.out_dir / "boot"
    assert sorted(p.name for p in boot.iterdir()) == ["config.txt", "kernel8.img"]
    kernel = boot / "kernel8.img"
    assert kernel.read_bytes() == built.bin.read_bytes()
    header = package.check_image(kernel)
    assert header.valid and header.magic == b"ARM\x64"
    assert header.image_size >= kernel.stat().st_size
    text = (boot / "config.txt").read_text()
    assert digest.sha256(kernel) in text


def test_config_txt_says_what_the_firmware_needs(tmp_path: Path) -> None:
    boot = write_boot_folder(tmp_path, fake_image(tmp_path / "hyp.bin"))
    text = (boot / "config.txt").read_text()
    settings = config_settings(text)
    assert settings["arm_64bit"] == "1"
    assert settings["enable_uart"] == "1"
    assert settings["kernel"] == "kernel8.img"
    assert settings["dtoverlay"] == "disable-bt"           # UART0 (PL011) on GPIO 14/15
    assert settings["enable_gic"] == "1"
    # what the hypervisor relies on, stated (tests/test_pi_firmware.py: from the board file)
    assert settings["init_uart_clock"] == "48000000" and settings["init_uart_baud"] == "115200"
    assert settings["gpu_mem"] == "76"
    assert "armstub" not in settings                       # the built-in armstub: spin table
    # optional ones are there, commented
    assert "#uart_2ndstage=1" in text.splitlines()
    assert "[pi4]" in text
    assert "#kernel_address=0x200000" in text.splitlines()     # text_offset 0: anywhere


def test_config_txt_suggests_the_link_address(tmp_path: Path) -> None:
    """The commented kernel_address is where the image runs without copying itself."""
    boot = write_boot_folder(tmp_path, fake_image(tmp_path / "hyp.bin", text_offset=0x38000000))
    assert "#kernel_address=0x38000000" in (boot / "config.txt").read_text().splitlines()


def test_boot_folder_is_replaced_whole(tmp_path: Path) -> None:
    (tmp_path / "boot").mkdir()
    (tmp_path / "boot" / "stale.txt").write_text("old")
    boot = write_boot_folder(tmp_path, fake_image(tmp_path / "hyp.bin"))
    assert sorted(p.name for p in boot.iterdir()) == ["config.txt", "kernel8.img"]


@pytest.mark.parametrize("content", [b"\0" * 128, b"ARM\x64", b""])
def test_boot_folder_refuses_a_non_image(tmp_path: Path, content: bytes) -> None:
    """Zeros, or a file shorter than the 64-byte header: hyp.bin is the build's own output, so
    a bad one is an internal error (exit 70 from the CLI), and nothing is written."""
    junk = tmp_path / "hyp.bin"
    junk.write_bytes(content)
    with pytest.raises(RuntimeError, match="arm64 Image header"):
        write_boot_folder(tmp_path, junk)
    assert not (tmp_path / "boot").exists()


# ---------------------------------------------------------------- flash

@pytest.fixture
def boot(tmp_path: Path) -> Path:
    return write_boot_folder(tmp_path / "out", fake_image(tmp_path / "hyp.bin"))


def test_flash_onto_a_boot_partition(boot: Path, tmp_path: Path) -> None:
    card = sd_card(tmp_path / "sd")
    written = flash(boot, card, force=False)
    assert written == [card / "config.txt", card / "kernel8.img"]
    assert (card / "kernel8.img").read_bytes() == (boot / "kernel8.img").read_bytes()
    assert (card / "start4.elf").read_bytes() == b"firmware start4.elf"    # untouched


@pytest.mark.parametrize("missing", ["start4.elf", "fixup4.dat"])
def test_flash_refuses_without_firmware(boot: Path, tmp_path: Path, missing: str) -> None:
    card = sd_card(tmp_path / "sd")
    (card / missing).unlink()
    before = sorted(p.name for p in card.iterdir())
    with pytest.raises(ConfigError) as info:
        flash(boot, card, force=False)
    (d,) = info.value.diagnostics
    assert d.code == "E044" and d.name == "not-a-boot-partition"
    assert missing in d.message and "--force" in d.hint
    assert sorted(p.name for p in card.iterdir()) == before               # nothing written


def test_flash_force(boot: Path, tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    assert flash(boot, plain, force=True) == [plain / "config.txt", plain / "kernel8.img"]
    fresh = tmp_path / "new" / "dir"                                     # created with --force
    with pytest.raises(ConfigError) as info:
        flash(boot, fresh, force=False)
    assert info.value.diagnostics[0].code == "E044" and not fresh.exists()
    assert len(flash(boot, fresh, force=True)) == 2


def test_flash_never_onto_a_file(boot: Path, tmp_path: Path) -> None:
    f = tmp_path / "file"
    f.write_text("x")
    for force in (False, True):
        with pytest.raises(ConfigError) as info:
            flash(boot, f, force=force)
        assert info.value.diagnostics[0].code == "E044"


def test_flash_keeps_the_cards_config_once(boot: Path, tmp_path: Path) -> None:
    card = sd_card(tmp_path / "sd")
    (card / "config.txt").write_text("# Raspberry Pi OS\ndtparam=audio=on\n")
    flash(boot, card, force=False)
    backup = card / "config.txt.hvcfg-old"
    assert backup.read_text() == "# Raspberry Pi OS\ndtparam=audio=on\n"
    (card / "config.txt").write_text("edited\n")
    flash(boot, card, force=False)                                      # a second flash
    assert backup.read_text() == "# Raspberry Pi OS\ndtparam=audio=on\n"
    assert (card / "config.txt").read_text() == (boot / "config.txt").read_text()
    assert not (card / "kernel8.img.hvcfg-old").exists()


# ---------------------------------------------------------------- `hvcfg flash`

def parser() -> argparse.ArgumentParser:
    return cli.build_parser()


def test_flash_command_line() -> None:
    args = parser().parse_args(["flash", "boards/rpi4.yaml", "--boot-dir", "/media/sd"])
    assert args.func is cli.cmd_flash and args.boot_dir == Path("/media/sd")
    assert args.force is False and args.config == Path("boards/rpi4.yaml")
    assert parser().parse_args(["flash", "b.yaml", "--boot-dir", "d", "--force"]).force
    with pytest.raises(SystemExit):
        parser().parse_args(["flash", "b.yaml"])                         # --boot-dir required


def test_cmd_flash_up_to_date_build(built: pipeline.BuildResult, tmp_path: Path,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    """An up-to-date build is not rebuilt; its boot folder goes onto the card."""
    build_root = built.out_dir.parent
    card = sd_card(tmp_path / "sd")
    args = parser().parse_args(["--build-dir", str(build_root), "flash", str(RPI4_YAML),
                                "--boot-dir", str(card)])
    assert args.func(args) == 0, capsys.readouterr()
    out = capsys.readouterr().out
    assert f"wrote {card / 'kernel8.img'}" in out and "built" not in out
    assert (card / "kernel8.img").read_bytes() == built.bin.read_bytes()
    assert config_settings((card / "config.txt").read_text())["kernel"] == "kernel8.img"


def test_cmd_flash_refuses_and_writes_nothing(built: pipeline.BuildResult, tmp_path: Path) -> None:
    build_root = built.out_dir.parent
    empty = tmp_path / "empty"
    empty.mkdir()
    args = parser().parse_args(["--build-dir", str(build_root), "flash", str(RPI4_YAML),
                                "--boot-dir", str(empty)])
    with pytest.raises(ConfigError) as info:
        args.func(args)
    assert info.value.diagnostics[0].code == "E044"
    assert not list(empty.iterdir())


def test_needs_boot_folder(built: pipeline.BuildResult) -> None:
    assert bootfolder.needs_boot_folder(built.analysis.system)
    from dataclasses import replace
    other = replace(built.analysis.system.board, compatible=("linux,dummy-virt",))
    assert not bootfolder.needs_boot_folder(replace(built.analysis.system, board=other))


def test_cmd_flash_on_a_board_without_boot_folder_is_e094(built: pipeline.BuildResult,
                                                         tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """`flash` on a QEMU board is a coded error at the board (issue 18), not a bare exit 1;
    whether a board has a boot folder follows its device tree, not its name."""
    from dataclasses import replace
    system = built.analysis.system
    qemu = replace(system, board=replace(system.board, compatible=("linux,dummy-virt",)))
    monkeypatch.setattr(pipeline, "analyse", lambda *a: replace(built.analysis, system=qemu))
    monkeypatch.setattr(cli, "build_if_stale", lambda args: pytest.fail("built for nothing"))
    card = sd_card(tmp_path / "sd")
    args = parser().parse_args(["flash", str(RPI4_YAML), "--boot-dir", str(card)])
    with pytest.raises(ConfigError) as info:
        args.func(args)
    d = info.value.diagnostics[0]
    assert d.code == "E094" and "linux,dummy-virt" in d.message and d.pos == system.board_spec.pos
    assert sorted(p.name for p in card.iterdir()) == ["bcm2711-rpi-4-b.dtb", "fixup4.dat",
                                                      "start4.elf"]


def test_cmd_run_on_a_board_without_qemu_is_e094(built: pipeline.BuildResult,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """A board with only a DTB file cannot be run in QEMU: a coded error, not a bare exit 1."""
    from dataclasses import replace
    system = built.analysis.system
    no_qemu = replace(system, board_spec=replace(system.board_spec, qemu=None))
    monkeypatch.setattr(cli, "build_if_stale",
                        lambda args: replace(built.analysis, system=no_qemu))
    args = parser().parse_args(["run", str(RPI4_YAML)])
    with pytest.raises(ConfigError) as info:
        args.func(args)
    d = info.value.diagnostics[0]
    assert d.code == "E094" and "board.devicetree.qemu" in d.message
