# SPDX-License-Identifier: Apache-2.0
"""The security process in code: the support matrix (support), the fact model of a compiled
system (facts), the `affects` expression language (expr), advisories (advisories), bug triage
against xsa/POLICY.md (triage) and their CLI subcommands (commands)."""
from .advisories import Advisory, Result, check, check_facts, load_advisories, load_advisory, to_osv
from .facts import FACT_SCHEMA, FeatureUse, feature_uses, system_facts
from .support import Support, load_support, support_warnings
from .triage import CRITERIA, Decision, Report, triage

__all__ = [
    "Advisory", "Result", "check", "check_facts", "load_advisories", "load_advisory", "to_osv",
    "FACT_SCHEMA", "FeatureUse", "feature_uses", "system_facts",
    "Support", "load_support", "support_warnings",
    "CRITERIA", "Decision", "Report", "triage",
]
