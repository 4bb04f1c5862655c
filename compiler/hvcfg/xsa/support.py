# SPDX-License-Identifier: Apache-2.0
"""The support matrix (xsa/SUPPORT.yaml): loading it, and warning (W001) for every feature a
configuration enables that is not security-supported."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..diagnostics import ConfigError, Diagnostic, Pos, error, warning
from ..model import System
from .facts import Positions, feature_uses
from .source import Doc, load_yaml, validate

STATUSES = ("supported", "experimental", "unsupported")
REPO_ROOT = Path(__file__).resolve().parents[3]


def default_support_path() -> Path:
    """xsa/SUPPORT.yaml of the source tree this package runs from."""
    return REPO_ROOT / "xsa" / "SUPPORT.yaml"


@dataclass(frozen=True)
class Feature:
    id: str
    status: str          # one of STATUSES
    summary: str
    rationale: str
    pos: Pos
    compatible: tuple[str, ...] = ()   # board features: DT root compatibles of the hardware

    @property
    def supported(self) -> bool:
        return self.status == "supported"


@dataclass(frozen=True)
class Support:
    release: str
    features: dict[str, Feature] = field(hash=False)
    path: Path | None = None

    def get(self, feature_id: str) -> Feature | None:
        return self.features.get(feature_id)

    def status(self, feature_id: str) -> str:
        """A feature's status; a feature the matrix does not list counts as unsupported."""
        f = self.features.get(feature_id)
        return f.status if f else "unsupported"

    def is_supported(self, feature_id: str) -> bool:
        return self.status(feature_id) == "supported"

    def board_compatibles(self) -> dict[str, tuple[str, ...]]:
        """Board feature id -> the DT root compatibles that identify its hardware."""
        return {fid: f.compatible for fid, f in self.features.items() if f.compatible}


def parse_support(doc: Doc) -> Support:
    validate(doc, "support.schema.json", "E053", "support matrix")
    features = {
        fid: Feature(fid, entry["status"], entry["summary"], entry["rationale"],
                     doc.pos(("features", fid)), tuple(entry.get("compatible", ())))
        for fid, entry in doc.data["features"].items()
    }
    return Support(doc.data["release"], features, doc.path)


def load_support(path: Path | None = None) -> Support:
    """Load and validate SUPPORT.yaml (default: the source tree's); ConfigError E053 if invalid."""
    return parse_support(load_yaml(path or default_support_path()))


def support_warnings(system: System, support: Support | None = None,
                     positions: Positions | None = None) -> list[Diagnostic]:
    """W001 for every place the system enables a feature that is not `supported`.

    `positions` optionally maps YAML paths such as ("partitions", 0, "hypercalls", 1) to
    positions, so that list items the model keeps as plain strings are pointed at exactly;
    without it such warnings point at the enclosing partition.
    """
    support = support or load_support()
    out = []
    for use in feature_uses(system, positions, board_ids=support.board_compatibles()):
        feature = support.get(use.feature)
        if feature is None:
            msg = (f"{use.subject} enables {use.feature}, which xsa/SUPPORT.yaml does not list: "
                   f"it is not security-supported")
        elif feature.supported:
            continue
        else:
            msg = (f"{use.subject} enables {use.feature}, which is {feature.status}: "
                   f"{feature.summary}")
        out.append(warning("W001", msg, use.pos))
    return out


def require_feature(support: Support, feature_id: str, pos: Pos | None) -> Feature:
    """The feature entry, or ConfigError E055 naming the known ids."""
    feature = support.get(feature_id)
    if feature is None:
        raise ConfigError(error("E055", f"unknown feature {feature_id!r} "
                                        f"(known: {', '.join(sorted(support.features))})", pos))
    return feature
