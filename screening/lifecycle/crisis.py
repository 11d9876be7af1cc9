"""Suicide-risk alerts: which crisis flags of a screening still wait for somebody to acknowledge
them, and under which item each alert belongs.

A crisis flag (a rule with `crisis: true` that fires) is acknowledged when an acknowledgement in
the audit trail names its rule and was given on a revision that already held the latest answer to
every item that made it fire. A later answer to one of those items (the same rule firing again
on a changed answer) asks for a new acknowledgement. Pure: no storage, no Streamlit.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from screening.assessment import Assessment, FlagResult
from screening.definition import Definition
from screening.storage.records import AuditEvent


@dataclass(frozen=True, slots=True)
class CrisisAlert:
    """One crisis flag as the app shows it: the flag, the item its alert is drawn under (None when
    no answered item made it fire), and whether it was acknowledged."""

    flag: FlagResult
    item: str | None
    acknowledged: bool


def cause_items(definition: Definition, flag: FlagResult) -> list[str]:
    """The items whose answers made `flag` fire, in the questionnaire's order (a group's field
    counts as its group)."""
    items: list[str] = []
    for ref in flag.triggered_by:
        item_id = ref.split("[", 1)[0].split(".", 1)[0]
        if item_id in definition.items and item_id not in items:
            items.append(item_id)
    return items


def acknowledged_revisions(events: Iterable[AuditEvent]) -> dict[str, int]:
    """For each rule, the latest revision on which its alert was acknowledged."""
    seen: dict[str, int] = {}
    for event in events:
        if event.kind != "crisis_acknowledged":
            continue
        rules = event.payload.get("rules")
        revision = event.payload.get("seen_revision")
        if not isinstance(rules, list) or not isinstance(revision, int):
            continue
        for rule in rules:
            if isinstance(rule, str):
                seen[rule] = max(seen.get(rule, 0), revision)
    return seen


def crisis_alerts(
    definition: Definition,
    assessment: Assessment,
    answer_revisions: Mapping[str, int],
    events: Iterable[AuditEvent],
) -> list[CrisisAlert]:
    """Every crisis flag that fires, in the assessment's order, with its place and whether it
    was acknowledged since the answers that made it fire were last changed."""
    acknowledged = acknowledged_revisions(events)
    alerts: list[CrisisAlert] = []
    for flag in assessment.flags:
        if not flag.crisis:
            continue
        causes = cause_items(definition, flag)
        answered = [item for item in causes if item in answer_revisions]
        # the alert goes under the item answered last: the answer that made the rule fire
        place = max(answered, key=lambda item: answer_revisions[item]) if answered else None
        last_change = max((answer_revisions[item] for item in answered), default=0)
        seen = acknowledged.get(flag.id)
        alerts.append(CrisisAlert(flag, place, seen is not None and seen >= last_change))
    return alerts
