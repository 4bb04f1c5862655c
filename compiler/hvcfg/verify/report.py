# SPDX-License-Identifier: Apache-2.0
"""The verifier's result: findings with stable names, a summary, text and JSON renderings."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

# Every finding name the verifier can emit, with what it means. Names are stable: tests,
# scripts and docs/verify.md refer to them.
FINDINGS: dict[str, str] = {
    # the ELF itself
    "elf-segment-wx": "a loadable segment is both writable and executable",
    "elf-section-wx": "an allocated section is both writable and executable",
    "image-header": "the arm64 Image header would make a loader put the image somewhere other "
                    "than its link address, or reserve less than it uses",
    "elf-layout": "sections are not where the loader puts them (vaddr != paddr, tables or "
                  "images not loaded from the file or beyond __load_end)",
    # control register values (hv_boot_regs)
    "sctlr-wxn-clear": "SCTLR_EL2.WXN is not set in hv_boot_regs",
    "sctlr-mmu-off": "SCTLR_EL2.M is not set: the EL2 tables would not be used",
    "sctlr-unsupported": "SCTLR_EL2 selects something the verifier does not model (big-endian)",
    "hcr-stage2-off": "HCR_EL2.VM is clear or TGE is set: stage 2 would not translate",
    "hcr-trap-missing": "HCR_EL2 does not trap what isolation relies on (PTW, FMO, IMO, AMO, "
                        "TSC, TIDCP, TACR, TSW) or lets EL1 be AArch32 (RW)",
    "hcr-unsupported": "HCR_EL2 selects a mode the verifier does not model (E2H, FWB)",
    "vtcr-invalid": "VTCR_EL2 is not a valid 4 KiB-granule stage-2 configuration",
    "tcr-invalid": "TCR_EL2 is not a valid 4 KiB-granule EL2 configuration",
    "ttbr-invalid": "TTBR0_EL2 or a VTTBR_EL2 is misaligned or sets RES0 bits",
    # table structure (any tree)
    "table-unreadable": "a table is not in the image's loaded contents",
    "table-outside-pgtables": "a table lies outside the .pgtables section",
    "table-reused": "a table page is referenced by more than one descriptor",
    "reserved-descriptor": "a descriptor uses a reserved encoding (block at level 0 or 3)",
    "reserved-bits": "a descriptor sets bits that are RES0",
    "oa-out-of-range": "an output or table address exceeds the physical address size",
    "contiguous-inconsistent": "the Contiguous hint is set on leaves that are not 16 identical "
                               "aligned neighbours",
    "walk-too-large": "a tree has too many leaves to be a generated one",
    # partitions (stage 2)
    "partition-mismatch": "hv_partitions does not list the configuration's partitions",
    "s2-unexpected-mapping": "stage 2 maps an IPA the configuration does not give the partition",
    "s2-missing-mapping": "stage 2 does not map an IPA the configuration gives the partition",
    "s2-wrong-pa": "stage 2 maps an IPA to another physical address than configured",
    "s2-perm-mismatch": "stage 2 permissions differ from the configured ones",
    "s2-memtype-mismatch": "stage 2 memory type or shareability differs from the configured one",
    "s2-access-flag-clear": "a stage-2 leaf has AF = 0 (every access faults)",
    "s2-overlap": "two partitions map the same physical page (outside a channel between them)",
    "channel-table": "a partition's hv_channel_end table differs from its configured channels",
    "channel-memory": "a channel's memory is not free RAM (partition RAM, the hypervisor, "
                      "reserved memory, another channel, or no RAM at all), or the cold-boot "
                      "scrub table is not exactly the channels' memory",
    "seal-tables": "a sealed partition's second stage-2 table set is missing, unexpected or "
                   "has another VMID (docs/integrity.md)",
    "seal-ranges-mismatch": "the sealed ranges, BL targets, patchable text (IPA, size, the PA "
                            "EL2 patches at) or probed rodata recorded in the image are not the "
                            "ones the kernel layout and the partition's RAM give",
    "seal-sites-mismatch": "a sealed partition's patch-site tables (static keys, ftrace's "
                           "calls) in the image are not sorted, not inside the text or not the "
                           "kernel's site file (docs/integrity.md)",
    "s2-maps-hypervisor": "a partition maps hypervisor memory",
    "s2-maps-pgtables": "a partition maps a page-table page",
    "s2-maps-image": "a partition maps a pristine partition image",
    "s2-maps-gic": "a partition maps a GIC frame the hypervisor owns (GICD, GICC, GICH, GICR)",
    "s2-vmid-duplicate": "two partitions use the same VMID",
    "s2-maps-emulated": "a partition's stage 2 maps a page the hypervisor emulates for it (its "
                        "distributor, its virtual UART): accesses would not trap",
    "s2-gicv-misplaced": "the GICV frame is mapped elsewhere than the GICC IPA, or the GICC IPA "
                         "does not map the GICV frame",
    "emulated-mismatch": "hv_partitions emulates the distributor or a UART elsewhere than the "
                         "configuration (and the guest's device tree) says",
    "entry-mismatch": "a partition's entry_ipa is not its memory[0].ipa",
    "entry-not-executable": "a partition's entry point is not mapped readable and executable",
    "entry-not-in-image": "a partition's entry point is not on the loaded image (an empty image, "
                          "or one loaded elsewhere)",
    "dtb-unmapped": "a partition's device tree IPA (x0 at entry) is not mapped readable onto "
                    "the loaded DTB",
    "ram-table-mismatch": "a partition's hv_region array differs from its configured memory",
    "blob-mismatch": "a blob copies from outside the pristine images or into memory the "
                     "partition does not own",
    # the hypervisor's placement
    "hyp-outside-region": "an allocated section of the image lies outside hypervisor.memory",
    "hyp-outside-ram": "hypervisor memory (sections, hypervisor.memory) is not RAM of the board",
    "hyp-reserved": "hypervisor memory overlaps memory the board reserves (/memreserve/, "
                    "/reserved-memory, spin-table release addresses)",
    # the hypervisor's own map (EL2)
    "el2-wx": "an EL2 mapping is both writable and executable",
    "el2-exec-outside-text": "an EL2 mapping outside the text window is executable",
    "el2-perm-mismatch": "an EL2 mapping's permissions differ from its section's/window's",
    "el2-memtype-mismatch": "an EL2 mapping has the wrong memory type",
    "el2-not-identity": "an EL2 mapping does not map a VA to the same PA",
    "el2-unexpected-mapping": "EL2 maps something that is neither hypervisor, partition RAM, "
                              "console nor GIC",
    "el2-missing-mapping": "EL2 does not map a section, the console or partition RAM",
    "el2-access-flag-clear": "an EL2 leaf has AF = 0 (every access faults)",
    # embedded images
    "image-digest-mismatch": "an embedded image's SHA-256 differs from a recorded digest",
    "image-missing": "a recorded image has no .image.<name> section",
    "image-unrecorded": "an .image.<name> section has no recorded digest",
    "image-digest-unavailable": "no digest source (manifest.json, in-image table) is available",
}


MAX_PER_KIND = 16


@dataclass(frozen=True)
class Finding:
    name: str                    # one of FINDINGS
    subject: str                 # a partition name, "el2", "image:<name>", "elf", "regs"
    message: str
    details: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def __post_init__(self) -> None:
        if self.name not in FINDINGS:
            raise ValueError(f"unknown finding name {self.name!r}")

    def render(self) -> str:
        return f"{self.name}: {self.subject}: {self.message}"

    def to_json(self) -> dict:
        return {"name": self.name, "subject": self.subject, "message": self.message,
                **({"details": self.details} if self.details else {})}


@dataclass
class Report:
    elf: str
    config: str | None
    findings: list[Finding] = field(default_factory=list)
    partitions: list[dict] = field(default_factory=list)   # summary rows
    el2: dict = field(default_factory=dict)
    images: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    _counts: dict = field(default_factory=dict, repr=False)

    @property
    def clean(self) -> bool:
        return not self.findings

    @property
    def names(self) -> set[str]:
        return {f.name for f in self.findings}

    def add(self, name: str, subject: str, message: str, **details: Any) -> None:
        """Record a finding; past MAX_PER_KIND of one name for one subject (a tree full of
        garbage), the rest are only counted in a note."""
        f = Finding(name, subject, message, details)
        if f in self.findings:
            return
        key = (name, subject)
        n = self._counts.get(key, 0) + 1
        self._counts[key] = n
        if n <= MAX_PER_KIND:
            self.findings.append(f)

    def finish(self) -> None:
        for (name, subject), n in sorted(self._counts.items()):
            if n > MAX_PER_KIND:
                self.notes.append(f"{n - MAX_PER_KIND} more {name} finding(s) for {subject} "
                                  "not listed")

    def render(self) -> str:
        lines = [f"verify {self.elf}" + (f" (config {self.config})" if self.config else "")]
        for p in self.partitions:
            lines.append(f"  partition {p['name']}: VMID {p['vmid']}, stage-2 root "
                         f"{p['root']}, {p['pages']} page(s) mapped, {p['tables']} table page(s)")
        if self.el2:
            lines.append(f"  hypervisor EL2: root {self.el2['root']}, {self.el2['pages']} "
                         f"page(s) mapped, {self.el2['tables']} table page(s), WXN "
                         f"{'set' if self.el2.get('wxn') else 'CLEAR'}")
        for im in self.images:
            lines.append(f"  image {im['name']}: {im['size']} bytes, fsverity-sha256:"
                         f"{im['fsverity-sha256']}, sha256 {im['sha256']}, checked against "
                         f"{', '.join(im['checked_against']) or 'nothing'}")
        lines += [f"  note: {n}" for n in self.notes]
        if self.findings:
            lines.append(f"{len(self.findings)} finding(s):")
            lines += [f"  {f.render()}" for f in self.findings]
        else:
            lines.append("clean: 0 findings")
        return "\n".join(lines)

    def to_json(self) -> dict:
        return {"elf": self.elf, "config": self.config, "clean": self.clean,
                "partitions": self.partitions, "el2": self.el2, "images": self.images,
                "notes": self.notes, "findings": [f.to_json() for f in self.findings]}

    def dumps(self) -> str:
        return json.dumps(self.to_json(), indent=2) + "\n"
