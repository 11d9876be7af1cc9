"""Changes in words: what an amendment changed ("Heart disease now Yes") and each audit event
as entries of the history (patient data: for the screen and the documents, never for logs)."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from screening.definition import Definition
from screening.documents.content import value_words
from screening.lifecycle.results import HistoryEntry
from screening.storage import JsonValue
from screening.storage.judge import State
from screening.storage.records import AuditEvent
from screening.storage.values import canonical_json
from screening.vocabulary import (
    REVIEW_FIELD_WORDS,
    WEIGHT_BASIS_WORDS,
    decision_words,
    moved_session_words,
    status_words,
)


def change_words(definition: Definition, before: State, after: State) -> list[str]:
    """What an amendment changed, one sentence each: "Heart disease now Yes"."""
    words: list[str] = []
    for item_id in sorted(set(before.answers) | set(after.answers), key=_item_order(definition)):
        old, new = before.answers.get(item_id), after.answers.get(item_id)
        if canonical_json(old) != canonical_json(new):
            label, _old_words, new_words = answer_words(definition, item_id, old, new)
            words.append(f"{label} now {new_words}")
    if before.assessed_on != after.assessed_on:
        words.append(f"Screening date now {after.assessed_on.isoformat()}")
    for key in REVIEW_FIELD_WORDS:
        if key == "signed_at":
            continue
        old_value, new_value = before.review.get(key), after.review.get(key)
        if canonical_json(old_value) != canonical_json(new_value):
            words.append(f"{REVIEW_FIELD_WORDS[key]} now {review_words(definition, key, new_value)}")
    return words


def _item_order(definition: Definition) -> Any:
    order = {item_id: index for index, item_id in enumerate(definition.items)}
    return lambda item_id: (order.get(item_id, len(order)), item_id)


def answer_words(
    definition: Definition, item_id: str, old: JsonValue, new: JsonValue
) -> tuple[str, str, str]:
    item = definition.items.get(item_id)
    if item is None:
        return item_id, plain_words(old), plain_words(new)
    return item.name, _value_words(definition, item, old), _value_words(definition, item, new)


def _value_words(definition: Definition, item: Any, value: JsonValue) -> str:
    if value is None:
        return "not answered"
    try:
        return value_words(definition, item, value)
    except (TypeError, ValueError, AttributeError):  # a stored value of an unexpected shape
        return plain_words(value)


def plain_words(value: JsonValue) -> str:
    if value is None:
        return "not set"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def review_words(definition: Definition, key: str, value: JsonValue) -> str:
    if value is None:
        return "not set"
    if key == "decision" and isinstance(value, str):
        return decision_words(value)
    if key == "protocol" and isinstance(value, str):
        plan = definition.plans.get(value)
        return plan.title if plan is not None else value
    if key == "weight_basis" and isinstance(value, str):
        return WEIGHT_BASIS_WORDS.get(value, value)
    if key == "moved_session" and isinstance(value, dict):
        return moved_session_words(value)
    if key == "acknowledged" and isinstance(value, dict):
        titles = {rule.id: rule.title for rule in definition.rules}
        titles.update({requirement.id: requirement.title for requirement in definition.requirements})
        # the questionnaire's order, so that the same notes read the same wherever they are shown
        # (the stored review keeps its keys sorted, a request keeps the order it was typed in)
        order = {flag_id: index for index, flag_id in enumerate(titles)}
        notes = sorted(value.items(), key=lambda note: (order.get(note[0], len(order)), note[0]))
        return "; ".join(f"{titles.get(k, k)}: {v}" for k, v in notes) or "no notes"
    return plain_words(value)


def history_entries(definition: Definition, event: AuditEvent) -> list[HistoryEntry]:
    payload = event.payload
    base: dict[str, Any] = {
        "revision": event.seq,
        "at": event.at,
        "user_id": event.actor.id,
        "user_name": event.actor.name,
        "role": event.actor.role,
    }
    raw_reason = payload.get("reason")
    reason = raw_reason if isinstance(raw_reason, str) else None
    entries_of = _EVENT_ENTRIES.get(event.kind)
    return [] if entries_of is None else entries_of(definition, base, payload, reason)


def _created_entries(
    definition: Definition, base: dict[str, Any], payload: Mapping[str, JsonValue], reason: str | None
) -> list[HistoryEntry]:
    return [HistoryEntry(**base, kind="created", target=None, target_label=None, old=None, new=None)]


def _answer_entries(
    definition: Definition, base: dict[str, Any], payload: Mapping[str, JsonValue], reason: str | None
) -> list[HistoryEntry]:
    return [_answer_entry(definition, base, "answer", payload, None)]


def _date_entries(
    definition: Definition, base: dict[str, Any], payload: Mapping[str, JsonValue], reason: str | None
) -> list[HistoryEntry]:
    return [_date_entry(base, "date", payload, None)]


def _review_saved_entries(
    definition: Definition, base: dict[str, Any], payload: Mapping[str, JsonValue], reason: str | None
) -> list[HistoryEntry]:
    return _review_entries(definition, base, "review", payload, None)


def _signed_entries(
    definition: Definition, base: dict[str, Any], payload: Mapping[str, JsonValue], reason: str | None
) -> list[HistoryEntry]:
    decision = payload.get("decision")
    words = decision_words(decision if isinstance(decision, str) else None)
    return [
        HistoryEntry(
            **base,
            kind="signed",
            target="decision",
            target_label="Signed",
            old=None,
            new=decision,
            new_words=words,
        )
    ]


def _amended_entries(
    definition: Definition, base: dict[str, Any], payload: Mapping[str, JsonValue], reason: str | None
) -> list[HistoryEntry]:
    answers = payload.get("answers")
    entries = [
        _answer_entry(definition, base, "amended", entry, reason)
        for entry in (answers if isinstance(answers, list) else [])
        if isinstance(entry, dict)
    ]
    date_change = payload.get("assessed_on")
    if isinstance(date_change, dict):
        entries.append(_date_entry(base, "amended", date_change, reason))
    review_change = payload.get("review")
    if isinstance(review_change, dict):
        entries.extend(_review_entries(definition, base, "amended", review_change, reason))
    lifecycle = payload.get("lifecycle")
    if isinstance(lifecycle, dict) and lifecycle.get("new") == "reopened":
        because = payload.get("reopened_because")
        text = "; ".join(str(x) for x in because) if isinstance(because, list) else ""
        entries.append(
            HistoryEntry(
                **base,
                kind="reopened",
                target="lifecycle",
                target_label="Reopened: needs re-signing",
                old="signed",
                new="reopened",
                old_words="Signed",
                new_words=text,
                reason=reason,
            )
        )
    return entries


def _discarded_entries(
    definition: Definition, base: dict[str, Any], payload: Mapping[str, JsonValue], reason: str | None
) -> list[HistoryEntry]:
    return [
        HistoryEntry(
            **base,
            kind="discarded",
            target=None,
            target_label="Discarded",
            old=None,
            new=None,
            reason=reason,
        )
    ]


def _document_entries(
    definition: Definition, base: dict[str, Any], payload: Mapping[str, JsonValue], reason: str | None
) -> list[HistoryEntry]:
    """A document previewed, printed, downloaded or exported: `new` is the action ("print"), as
    the page recorded it in the details, and `new_words` its word ("Printed"). An event recorded
    before the action was (a download) says "Document" and has no action."""
    document = payload.get("document")
    details = payload.get("details")
    action = details.get("action") if isinstance(details, dict) else None
    verbs = {"preview": "Previewed", "print": "Printed", "download": "Downloaded", "export": "Exported"}
    verb = verbs.get(action) if isinstance(action, str) else None
    return [
        HistoryEntry(
            **base,
            kind="document",
            target=str(document),
            target_label=f"{verb or 'Document'} {document}",
            old=None,
            new=action if verb else None,
            new_words=verb or "",
        )
    ]


def _crisis_entries(
    definition: Definition, base: dict[str, Any], payload: Mapping[str, JsonValue], reason: str | None
) -> list[HistoryEntry]:
    rules = payload.get("rules")
    titles = {rule.id: rule.title for rule in definition.rules}
    named = [titles.get(str(rule), str(rule)) for rule in rules] if isinstance(rules, list) else []
    return [
        HistoryEntry(
            **base,
            kind="crisis_acknowledged",
            target="crisis",
            target_label="Suicide-risk alert seen; the patient's safety is being addressed",
            old=None,
            new=rules if isinstance(rules, list) else None,
            new_words="; ".join(named),
        )
    ]


def _status_entries(
    definition: Definition, base: dict[str, Any], payload: Mapping[str, JsonValue], reason: str | None
) -> list[HistoryEntry]:
    old, new = payload.get("old"), payload.get("new")
    return [
        HistoryEntry(
            **base,
            kind="status_changed",
            target="status",
            target_label="Status",
            old=old,
            new=new,
            old_words=status_words(str(old)) if isinstance(old, str) else "",
            new_words=status_words(str(new)) if isinstance(new, str) else "",
        )
    ]


_EVENT_ENTRIES: dict[
    str, Callable[[Definition, dict[str, Any], Mapping[str, JsonValue], str | None], list[HistoryEntry]]
] = {
    "screening_created": _created_entries,
    "answer_set": _answer_entries,
    "answer_cleared": _answer_entries,
    "assessed_on_set": _date_entries,
    "review_saved": _review_saved_entries,
    "signed": _signed_entries,
    "amended": _amended_entries,
    "discarded": _discarded_entries,
    "document_generated": _document_entries,
    "crisis_acknowledged": _crisis_entries,
    "status_changed": _status_entries,
}
"""The history entries of each kind of audit event (other kinds have none)."""


def _answer_entry(
    definition: Definition,
    base: dict[str, Any],
    kind: str,
    payload: Mapping[str, JsonValue],
    reason: str | None,
) -> HistoryEntry:
    item_id = str(payload.get("item"))
    old, new = payload.get("old"), payload.get("new")
    label, old_words, new_words = answer_words(definition, item_id, old, new)
    return HistoryEntry(
        **base,
        kind=kind,
        target=item_id,
        target_label=label,
        old=old,
        new=new,
        old_words=old_words,
        new_words=new_words,
        reason=reason,
    )


def _date_entry(
    base: dict[str, Any], kind: str, payload: Mapping[str, JsonValue], reason: str | None
) -> HistoryEntry:
    old, new = payload.get("old"), payload.get("new")
    return HistoryEntry(
        **base,
        kind=kind,
        target="assessed_on",
        target_label="Screening date",
        old=old,
        new=new,
        old_words=plain_words(old),
        new_words=plain_words(new),
        reason=reason,
    )


def _review_entries(
    definition: Definition,
    base: dict[str, Any],
    kind: str,
    payload: Mapping[str, JsonValue],
    reason: str | None,
) -> list[HistoryEntry]:
    raw_old, raw_new = payload.get("old"), payload.get("new")
    old = raw_old if isinstance(raw_old, dict) else {}
    new = raw_new if isinstance(raw_new, dict) else {}
    entries = []
    for key in REVIEW_FIELD_WORDS:
        if key == "signed_at":
            continue
        before, after = old.get(key), new.get(key)
        if canonical_json(before) == canonical_json(after):
            continue
        entries.append(
            HistoryEntry(
                **base,
                kind=kind,
                target=f"review.{key}",
                target_label=REVIEW_FIELD_WORDS[key],
                old=before,
                new=after,
                old_words=review_words(definition, key, before),
                new_words=review_words(definition, key, after),
                reason=reason,
            )
        )
    return entries
