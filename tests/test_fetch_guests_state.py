# SPDX-License-Identifier: Apache-2.0
"""scripts/fetch-guests' cache: the channels initramfs packs the uio modules of every kernel in
its .deb cache, and its key follows what is packed, not the command line: alternating runs with
and without --no-rpi4 neither rebuild it nor drop the generic kernel's modules. Runs the
script's fetch() on a scratch build/guests with its makers replaced (no apt, no dpkg)."""
from __future__ import annotations

import argparse
from pathlib import Path

from scripts_module import load_script


def test_initramfs_does_not_depend_on_no_rpi4(tmp_path: Path, monkeypatch) -> None:
    fg = load_script("fetch-guests")
    out = tmp_path / "guests"
    monkeypatch.setattr(fg, "OUT", out)
    monkeypatch.setattr(fg, "DEBS", out / "debs")
    monkeypatch.setattr(fg, "STATE", out / "state.json")
    (out / "debs").mkdir(parents=True)
    names = {"kernel": "linux-image-cloud_1_arm64.deb", "busybox": "busybox-static_1_arm64.deb",
             "generic": "linux-image-generic_1_arm64.deb",
             "tfa": "arm-trusted-firmware_1_arm64.deb"}
    for name in names.values():
        (out / "debs" / name).write_bytes(b"")
    fg.STATE.write_text(fg.json.dumps({"debs": names}))
    packed: list[list[str]] = []

    def made(outs: list[Path], name: str) -> dict:
        for p in outs:
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_bytes(b"x")
        return {"name": name, "lines": [name]}

    monkeypatch.setattr(fg, "make_kernel", lambda d: made([out / "linux" / "Image"], "k"))
    monkeypatch.setattr(fg, "make_rpi4_dtb", lambda d: made(
        [out / "rpi4" / fg.RPI4_DTB, out / "rpi4" / "Image"], "g"))
    monkeypatch.setattr(fg, "make_tfa", lambda d: made([out / "tfa" / "rpi4" / "bl31.bin"], "t"))

    def make_initramfs(bdeb: Path, kdebs: list[Path]) -> dict:
        packed.append(sorted(d.name for d in kdebs))
        return made([out / "linux" / "initramfs.cpio.gz", out / "linux" / fg.CHANNELS_INITRAMFS],
                    "b")
    monkeypatch.setattr(fg, "make_initramfs", make_initramfs)

    for no_rpi4 in (False, True, False, True):
        fg.fetch(argparse.Namespace(refresh=False, no_rpi4=no_rpi4))
    assert packed == [sorted([names["kernel"], names["generic"]])]     # built once, both kernels
