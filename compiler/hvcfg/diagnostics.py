# SPDX-License-Identifier: Apache-2.0
"""Diagnostics: every user-facing error or warning, with a stable code, positions and a hint.

A stage that finds bad input returns or raises Diagnostics; only the CLI prints them.
The code table below is the single list of codes: docs/errors.md is generated from it
and the negative test corpus keeps one bad input per code.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


@dataclass(frozen=True)
class Pos:
    """A source position: file, 1-based line and column."""

    file: str
    line: int
    col: int = 1

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Related:
    """A second object a diagnostic is about (e.g. the other side of an overlap)."""

    message: str
    pos: Pos | None


@dataclass(frozen=True)
class Diagnostic:
    code: str
    message: str
    pos: Pos | None
    hint: str = ""
    related: tuple[Related, ...] = ()
    severity: Severity = Severity.ERROR

    @property
    def name(self) -> str:
        return CODES[self.code][0]

    def render(self) -> str:
        where = f"{self.pos}: " if self.pos else ""
        lines = [f"{where}{self.severity.value} {self.code} {self.name}: {self.message}"]
        for rel in self.related:
            rwhere = f"{rel.pos}: " if rel.pos else ""
            lines.append(f"  {rwhere}note: {rel.message}")
        if self.hint:
            lines.append(f"  hint: {self.hint}")
        return "\n".join(lines)


class ConfigError(Exception):
    """Raised with one or more error diagnostics; the CLI prints them and exits 1."""

    def __init__(self, diagnostics: list[Diagnostic] | Diagnostic):
        if isinstance(diagnostics, Diagnostic):
            diagnostics = [diagnostics]
        self.diagnostics = list(diagnostics)
        super().__init__("\n".join(d.render() for d in self.diagnostics))


def _known(code: str) -> None:
    if code not in CODES:
        raise KeyError(f"diagnostic code {code} is not in diagnostics.CODES")


def error(code: str, message: str, pos: Pos | None, hint: str = "",
          related: tuple[Related, ...] | list[Related] = ()) -> Diagnostic:
    _known(code)
    return Diagnostic(code, message, pos, hint or CODES[code][1], tuple(related))


def warning(code: str, message: str, pos: Pos | None, hint: str = "",
            related: tuple[Related, ...] | list[Related] = ()) -> Diagnostic:
    _known(code)
    return Diagnostic(code, message, pos, hint or CODES[code][1], tuple(related), Severity.WARNING)


def cannot_write(output: object, exc: OSError) -> Diagnostic:
    """E089: a command cannot create or write its output `output` (a parent is a file, no
    permission, a full disk): what failed on which path, never a traceback."""
    failed = f": {exc.filename}" if exc.filename is not None else ""
    return error("E089", f"cannot create or write {output}: {exc.strerror or exc}{failed}", None)


# code -> (name, default hint). Codes are stable: never renumber, only append.
CODES: dict[str, tuple[str, str]] = {
    # input files and schema (load)
    "E001": ("yaml-syntax", "fix the YAML syntax at the position shown"),
    "E002": ("unknown-key", "remove the key or check its spelling against docs/configuration.md"),
    "E003": ("wrong-type", "give a value of the type shown"),
    "E004": ("missing-key", "add the required key"),
    "E005": ("invalid-value", "use one of the allowed values shown in docs/configuration.md"),
    "E006": ("file-not-found",
             "check the path; relative paths are relative to the file that names them"),
    "E007": ("include-conflict",
             "set each key either in the included file or in the board file, not both"),
    # board device tree (board)
    "E010": ("dtb-missing", "check board.devicetree, or run `hvcfg build` to produce a QEMU DTB"),
    "E011": ("dtb-corrupt", "the file is not a valid flattened device tree; regenerate it"),
    "E012": ("dtb-unsupported", "the board's device tree lacks something the hypervisor needs"),
    # semantic checks (checks)
    "E020": ("memory-overlap", "memory regions must be disjoint, within a partition and between "
             "partitions; move or shrink one region"),
    "E021": ("memory-overlaps-hypervisor",
             "move the region or the hypervisor (hypervisor.memory.base)"),
    "E022": ("memory-overlaps-device", "RAM regions may not cover device MMIO; move the region"),
    "E023": ("memory-outside-ram", "regions must lie inside a RAM bank of the board's device tree"),
    "E024": ("misaligned-region", "bases and sizes must be multiples of 4 KiB (0x1000)"),
    "E025": ("cpu-not-on-board", "use a CPU index listed by the board's /cpus node"),
    "E026": ("cpu-duplicate", "each physical CPU belongs to exactly one partition, once"),
    "E027": ("device-not-found", "name a device by its DT path (/soc/uart@...) or label"),
    "E028": ("device-duplicate", "a device belongs to exactly one partition (or the hypervisor)"),
    "E029": ("image-missing",
             "build or fetch the partition image, or fix image: in the partition file"),
    "E030": ("ipa-overlap", "a partition's regions must not overlap in its own address space"),
    "E031": ("hypervisor-too-small", "increase hypervisor.memory.size"),
    "E032": ("name-duplicate", "give every partition a unique name"),
    "E033": ("no-ram-for-hypervisor", "give hypervisor.memory.base, or leave room in RAM"),
    "E034": ("image-too-large",
             "the image does not fit the partition's first memory region; grow it"),
    "E035": ("no-partitions", "declare at least one partition"),
    "E036": ("no-cpus", "give the partition at least one CPU"),
    "E037": ("irq-duplicate", "an interrupt belongs to exactly one partition"),
    "E038": ("unknown-hypercall", "use a hypercall listed in docs/hypercalls.md"),
    "E039": ("build-failed", "the toolchain reported an error; see its output above"),
    "E040": ("address-too-high", "the address is beyond what the translation tables can map"),
    "E041": ("console-not-uart", "hypervisor.console must name a PL011 UART node"),
    "E043": ("unknown-partition", "name a partition declared under partitions: in the board file"),
    "E044": ("not-a-boot-partition",
             "name the mounted FAT boot partition of a Pi 4 SD card (it holds start4.elf and "
             "fixup4.dat), or pass --force"),
    "E045": ("memory-reserved",
             "the board's device tree reserves this RAM (/memreserve/, /reserved-memory, "
             "spin-table release addresses); move the region"),
    "E046": ("device-page-shared",
             "MMIO is mapped in whole 4 KiB pages: give devices that share a page to the same "
             "partition, or leave them to the hypervisor"),
    "E047": ("image-failed-verification",
             "the image does not match its configuration (findings above): run, flash and "
             "surface refuse it until a build verifies; unless something changed the build "
             "directory, this is an hvcfg bug: report it"),
    "E048": ("region-too-small-for-dtb",
             "a partition's device tree goes into the last 64 KiB of its first writable region "
             "(memory[0] when none is writable): make that region at least 64 KiB"),
    "E049": ("image-is-elf",
             "image.binary is loaded as a raw binary: convert the ELF with `objcopy -O binary`, "
             "or give its sources as image.sources"),
    # partition images and entry (rules, checks); E050-E056 are taken by xsa below
    "E057": ("image-empty",
             "the partition's image has no bytes: check image.binary, or that the sources define "
             "code"),
    "E058": ("entry-symbol",
             "a partition built from sources starts at `_start`, which must be the image's first "
             "byte (section .text.start, as partitions/lib/start.S does)"),
    "E059": ("entry-not-executable",
             "memory[0] receives the image and the partition starts executing there: give it "
             "perm rx (or rwx)"),
    "E060": ("name-reserved",
             "rename the partition: 'hyp' and 'uart<N>' label the console lines of the "
             "hypervisor and of unowned UARTs"),
    "E061": ("stage2-maps-hypervisor",
             "a partition's stage 2 may map neither the hypervisor's memory nor the pages it "
             "drives; move the region or device"),
    "E062": ("device-not-passable",
             "a bus master (DMA, MSI) reaches all physical memory past stage 2 and hvcfg has no "
             "IOMMU: give the device to no partition"),
    "E063": ("vgic-lines-too-few",
             "vgic.lines must be above every INTID the partition owns (its devices', its virtual"
             " UART's, vgic.virtual); leave it out for the default"),
    "E064": ("intid-two-meanings",
             "an SPI of a partition is a device's, the virtual UART's or a purely virtual line "
             "(vgic.virtual), never two of them; devices keep their hardware INTIDs"),
    "E097": ("gpu-memory-overlap",
             "on a Raspberry Pi 4 the first RAM bank is [0, 1 GiB - gpu_mem) with gpu_mem at "
             "least 16 MiB (76 MiB by default): end board.memory's bank at 0 at 0x3b400000 "
             "or lower, on a whole MiB"),
    "E065": ("ipa-misaligned",
             "stage 2 moves whole 4 KiB pages: a moved device's ipa is page-aligned or keeps the"
             " device's offset in its page; vuart.ipa is page-aligned"),
    # channels (channel_checks)
    "E066": ("channel-unknown-partition",
             "a channel's end names a partition by its `name`; check the spelling"),
    "E067": ("channel-to-itself",
             "a channel connects two different partitions"),
    "E068": ("channel-ends",
             "a channel has exactly two ends; use one channel per pair of partitions"),
    "E069": ("channel-size",
             "a channel's size is a multiple of 4 KiB, at most 1 GiB"),
    "E070": ("channel-name-duplicate",
             "give each channel a unique name: guests find channels by name"),
    "E071": ("channel-ipa-overlap",
             "a channel's ipa must be over nothing else the partition sees (RAM, devices, the "
             "virtual GIC and UART, its other channels); leave ipa out for a free one"),
    "E072": ("channel-ipa-invalid",
             "a channel's ipa is 4 KiB-aligned and the channel ends inside the 40-bit IPA "
             "space"),
    "E073": ("doorbell-not-between-ends",
             "write a doorbell SENDER->RECEIVER with the names of the channel's two ends"),
    "E074": ("doorbell-no-line",
             "a doorbell takes a free virtual SPI above the receiver's own INTIDs: raise "
             "vgic.lines (or leave it out) or drop doorbells"),
    "E075": ("doorbell-duplicate",
             "each direction of a channel has at most one doorbell"),
    "E076": ("channel-no-memory",
             "the compiler found no free RAM for the channel outside every partition, the "
             "hypervisor and reserved memory: shrink it or a partition's memory"),
    "E077": ("channel-unwritable",
             "at least one end of a channel has access rw"),
    # channels as PCI devices (pcihost)
    "E080": ("ivshmem-without-channels",
             "`ivshmem` presents a partition's channels as PCI devices: make the partition an "
             "end of a channel, or remove `ivshmem`"),
    "E081": ("ivshmem-window-overlap",
             "the PCI host bridge (ECAM, then the BAR window) must be over nothing else the "
             "partition sees; move `ivshmem: {ecam: ...}` or leave it out"),
    "E082": ("ivshmem-channel-ipa",
             "an ivshmem partition's channels are BARs the compiler places in the bridge's "
             "window: remove `ipa` from its ends"),
    "E083": ("ivshmem-too-many-channels",
             "one PCI bus presents at most 32 devices: give the partition at most 32 channels"),
    "E084": ("ivshmem-window-invalid",
             "the ECAM base is 1 MiB aligned and the whole bridge window ends below 4 GiB"),
    # kernel sealing (integrity.py, docs/integrity.md)
    "E085": ("kernel-layout-missing",
             "scripts/kernel-layout derives it, from the kernel's -dbg package, for the fetched "
             "Debian guest kernel (build/guests/linux/Image) only; for another kernel, write "
             "IMAGE.layout.json in the format docs/integrity.md describes"),
    "E086": ("kernel-layout-mismatch",
             "the layout belongs to another kernel build: run scripts/kernel-layout again"),
    "E087": ("integrity-not-a-kernel",
             "integrity seals an arm64 Linux Image lying in one rwx memory region"),
    "E088": ("seal-without-integrity",
             "the `seal` call needs integrity: {kernel: sealed} in the same partition"),
    "E090": ("integrity-strict-without-xnx",
             "use integrity: {kernel: sealed} on this board, or a board whose cores have "
             "FEAT_XNX (Armv8.2 cores such as Cortex-A55/A76, QEMU's `max`)"),
    "E091": ("integrity-strict-unknown-cpu",
             "hvcfg knows FEAT_XNX of the cores in integrity.XNX_CORES only (fail closed): use "
             "integrity: {kernel: sealed}, or add the core with its TRM's ID_AA64MMFR1_EL1.XNX"),
    "E092": ("kernel-sites-invalid",
             "scripts/kernel-layout writes IMAGE.sites together with IMAGE.layout.json (run it "
             "again); for another kernel, derive both from that kernel's vmlinux in the format "
             "docs/integrity.md describes"),
    # warnings
    "W001": ("not-security-supported",
             "see xsa/SUPPORT.yaml: advisories do not cover this feature"),
    "W002": ("writable-executable",
             "rwx lets a guest write code it then runs; use rx for code and rw for data"),
    "W003": ("board-memory-override",
             "the board file's memory differs from the device tree; the board file wins"),
    "W006": ("integrity-never-sealed",
             "with rodata=off the kernel never write-protects its rodata: leave it out"),
    "W007": ("output-goes-nowhere",
             "grant it `hypercalls: [console]` or pass a PL011 through (devices:), as `hvcfg new "
             "partition` does"),
    "W009": ("boot-partition-lacks-overlay",
             "copy overlays/disable-bt.dtbo from the Raspberry Pi firmware's boot/ folder onto "
             "the card (Raspberry Pi OS cards have it)"),
    "W010": ("boot-partition-lacks-dtb",
             "copy bcm2711-rpi-4-b.dtb from the Raspberry Pi firmware's boot/ folder onto the "
             "card (Raspberry Pi OS cards have it)"),
    # security process inputs: SUPPORT.yaml, advisories, bug reports (xsa)
    "E050": ("advisory-invalid",
             "fix the advisory to match schema/advisory.schema.json; see xsa/README.md"),
    "E051": ("expression-syntax", "fix the `affects` expression; the grammar is in xsa/README.md"),
    "E052": ("expression-type",
             "use a fact listed in xsa/README.md with operands of matching types"),
    "E053": ("support-invalid", "fix xsa/SUPPORT.yaml to match schema/support.schema.json"),
    "E054": ("report-invalid",
             "fix the report to match schema/triage.schema.json; see xsa/POLICY.md"),
    "E055": ("unknown-feature", "name a feature listed in xsa/SUPPORT.yaml"),
    "E056": ("advisory-duplicate",
             "give each advisory a unique id equal to its file name (XSA-NNN.yaml)"),
    # a newcomer's commands (issue 18): fail closed, with a code
    "E093": ("advisories-missing",
             "--advisories names an existing directory of XSA-NNN.yaml files (default "
             "xsa/advisories): a missing one would give a clean bill for nothing checked"),
    "E094": ("not-for-this-board",
             "`flash` needs a board with a boot folder (a Raspberry Pi 4: device tree compatible "
             "brcm,bcm2711); `run` needs board.devicetree.qemu"),
    "E095": ("new-partition-refused",
             "choose a partition name that is a C identifier (letters, digits, _; at most 31), "
             "not 'hyp' or 'uart<N>', and a directory that does not exist yet"),
    "E089": ("output-unwritable",
             "name an output directory whose parents are directories you may write (or "
             "create), on a file system with room"),
    "E096": ("library-source-twice",
             "`image.lib` already adds the library's sources (start.S, vectors.S, guest.c): "
             "remove them from image.sources"),
}
