"""Facts of the data contract (docs/contract.md §1-§2) and of the intake's rules that the engine
tests check the bundled intake against.

They are written out here, not read from the questionnaire, so that a change of the YAML that
breaks the contract fails a test.
"""

from __future__ import annotations

import re
from typing import Any

from screening.definition import Definition

STATUS_RANK = {"contraindicated": 0, "incomplete": 1, "needs_review": 2, "candidate": 3}
"""Ordered toward `candidate`: a change of answers that adds risk never raises the rank."""

ABSOLUTE_HISTORY = (
    "ketamine_hypersensitivity",
    "aneurysmal_vascular_disease",
    "arteriovenous_malformation",
    "intracerebral_hemorrhage_history",
    "recent_cardiovascular_event",
    "current_psychosis",
    "current_mania",
)
"""The absolute-contraindication history row of docs/contract.md §1.1 (asked of everyone)."""

RELATIVE_HISTORY = (
    "psychosis_history",
    "bipolar_disorder",
    "substance_use_disorder_active",
    "substance_use_disorder_history",
    "hypertension_history",
    "heart_disease",
    "hypertensive_encephalopathy_history",
    "raised_intracranial_pressure",
    "glaucoma",
    "hyperthyroidism_uncontrolled",
    "pulmonary_disease_or_sleep_apnea",
    "hepatic_impairment",
    "bladder_symptoms",
    "porphyria",
)
"""The relative-contraindication history row of docs/contract.md §1.1 (asked of everyone)."""

ASKED_UNLESS_MALE = {"pregnant": "absolute", "breastfeeding": "relative"}
"""History items asked unless sex at birth is male, with their default severity in the intake."""

HISTORY_SEVERITY: dict[str, str] = {
    **dict.fromkeys(ABSOLUTE_HISTORY, "absolute"),
    **dict.fromkeys(RELATIVE_HISTORY, "relative"),
    **ASKED_UNLESS_MALE,
}

CONTRACT_KEYS = {"questionnaire", "status", "scores", "derived", "flags", "missing"}
FLAG_KEYS = {"id", "severity", "title", "action", "source", "triggered_by"}
OPTIONAL_FLAG_KEYS = {"note", "verified", "crisis", "acknowledgement"}
SEVERITY_ORDER = ("absolute", "relative", "caution", "info")
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_SEMVER = re.compile(r"^\d+\.\d+\.\d+$")


def contract_problems(contract: dict[str, Any], definition: Definition) -> list[str]:
    """Where an assessment JSON departs from the shape of docs/contract.md §2 (empty when it conforms)."""
    problems: list[str] = []
    missing_keys = CONTRACT_KEYS - set(contract)
    if missing_keys:
        problems.append(f"missing keys {sorted(missing_keys)}")
        return problems
    ref = contract["questionnaire"]
    if set(ref) != {"id", "version", "sha256"}:
        problems.append(f"questionnaire has keys {sorted(ref)}")
    elif (
        ref["id"] != definition.id
        or not _SEMVER.match(str(ref["version"]))
        or not _HEX64.match(str(ref["sha256"]))
    ):
        problems.append(f"questionnaire reference {ref}")
    if contract["status"] not in STATUS_RANK:
        problems.append(f"status {contract['status']!r}")
    problems.extend(_score_problems(contract["scores"], definition))
    if set(contract["derived"]) != set(definition.derived):
        problems.append(f"derived keys {sorted(contract['derived'])}")
    for key, value in contract["derived"].items():
        if value is not None and not isinstance(value, (bool, int, float, str)):
            problems.append(f"derived {key} is {type(value).__name__}")
    problems.extend(_flag_problems(contract["flags"], definition))
    missing = contract["missing"]
    if not isinstance(missing, list) or not all(isinstance(m, str) for m in missing):
        problems.append(f"missing is {missing!r}")
    elif len(set(missing)) != len(missing):
        problems.append(f"missing repeats an entry: {missing}")
    return problems


def _score_problems(scores: dict[str, Any], definition: Definition) -> list[str]:
    problems: list[str] = []
    if list(scores) != list(definition.scores):
        problems.append(f"score keys {list(scores)}")
    for score_id, result in scores.items():
        if set(result) != {"value", "band"}:
            problems.append(f"score {score_id} has keys {sorted(result)}")
            continue
        value, band = result["value"], result["band"]
        if (value is None) != (band is None):
            problems.append(f"score {score_id}: value {value!r} with band {band!r}")
            continue
        if value is None:
            continue
        spec = definition.scores.get(score_id)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or spec is None:
            problems.append(f"score {score_id} value {value!r}")
            continue
        labels = [b.label for b in spec.bands if b.min <= value <= b.max]
        if labels != [band]:
            problems.append(f"score {score_id}: {value} is in {labels}, not {band!r}")
    return problems


def _flag_problems(flags: list[dict[str, Any]], definition: Definition) -> list[str]:
    problems: list[str] = []
    known_refs = {*definition.items, *definition.derived, *definition.scores}
    ranks = []
    for flag in flags:
        keys = set(flag)
        if not keys >= FLAG_KEYS or keys - FLAG_KEYS - OPTIONAL_FLAG_KEYS:
            problems.append(f"flag keys {sorted(keys)}")
            continue
        rule = definition.rules_by_id.get(flag["id"])
        if rule is None or rule.severity != flag["severity"]:
            problems.append(f"flag {flag['id']} with severity {flag['severity']}")
            continue
        ranks.append(SEVERITY_ORDER.index(flag["severity"]))
        for key in ("title", "action", "source"):
            if not isinstance(flag[key], str) or not flag[key]:
                problems.append(f"flag {flag['id']}: {key} is {flag[key]!r}")
        triggers = flag["triggered_by"]
        if not triggers or not all(isinstance(t, str) and t in known_refs for t in triggers):
            problems.append(f"flag {flag['id']}: triggered_by {triggers!r}")
        for word, severity in (("ci.abs.", "absolute"), ("ci.rel.", "relative")):
            if flag["id"].startswith(word):
                if flag["severity"] != severity:
                    problems.append(f"flag {flag['id']} has severity {flag['severity']}")
                suffix = flag["id"].removeprefix(word)
                if suffix in definition.items and triggers != [suffix]:
                    problems.append(f"flag {flag['id']} is triggered by {triggers}, not [{suffix}]")
    if ranks != sorted(ranks):
        problems.append(f"flags are not ordered by severity: {[f['id'] for f in flags]}")
    return problems
