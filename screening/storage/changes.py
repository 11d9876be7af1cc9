"""Changes to one target of a screening (an answer, the review or the assessment date): what a
write would change, whether it conflicts with the writer's base revision, and applying it."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from screening.storage.errors import ConflictField
from screening.storage.judge import State
from screening.storage.records import EventKind, JsonValue
from screening.storage.rows import current_review, json_object, loads
from screening.storage.schema import AnswerRow, ReviewRow, ScreeningRow
from screening.storage.search import replace_search_terms
from screening.storage.values import MRN_ITEM, PATIENT_NAME_ITEM, canonical_json, search_key


@dataclass(frozen=True, slots=True)
class Change:
    """A write to one target (an answer, the review or the assessment date) before it is applied.

    `old` is the value stored now and `last_revision` the revision that last changed the target
    (None when it was never set).
    """

    field: ConflictField
    item_id: str | None
    old: JsonValue
    new: JsonValue
    last_revision: int | None

    @property
    def changed(self) -> bool:
        return canonical_json(self.old) != canonical_json(self.new)

    @property
    def label(self) -> str:
        return f"answer {self.item_id!r}" if self.field == "answer" else self.field

    def conflicts_with(self, base_revision: int) -> bool:
        return self.last_revision is not None and self.last_revision > base_revision

    @property
    def kind(self) -> EventKind:
        if self.field == "answer":
            return "answer_cleared" if self.new is None else "answer_set"
        return "review_saved" if self.field == "review" else "assessed_on_set"

    def payload(self) -> dict[str, JsonValue]:
        if self.field == "answer":
            return {"item": self.item_id, "old": self.old, "new": self.new}
        return {"old": self.old, "new": self.new}

    def apply(self, session: Session, row: ScreeningRow, seq: int) -> None:
        if self.field == "answer" and self.item_id is not None:
            answer = session.get(AnswerRow, (row.id, self.item_id))
            if answer is None:
                answer = AnswerRow(screening_id=row.id, item_id=self.item_id)
                session.add(answer)
            answer.value_json = None if self.new is None else canonical_json(self.new)
            answer.revision = seq
            denormalise(row, self.item_id, self.new)
            if self.item_id in (PATIENT_NAME_ITEM, MRN_ITEM):  # the list's search terms follow the keys
                replace_search_terms(session.connection(), row.id, row.patient_name_key, row.mrn_key)
        elif self.field == "review":
            review = session.get(ReviewRow, row.id)
            if review is None:
                review = ReviewRow(screening_id=row.id)
                session.add(review)
            review.review_json = canonical_json(self.new)
            review.revision = seq
            decision = self.new.get("decision") if isinstance(self.new, dict) else None
            row.decision = decision if isinstance(decision, str) else None
        elif self.field == "assessed_on" and isinstance(self.new, str):
            row.assessed_on = date.fromisoformat(self.new)
            row.assessed_on_revision = seq


def answer_change(session: Session, row: ScreeningRow, item_id: str, new: JsonValue) -> Change:
    stored = session.get(AnswerRow, (row.id, item_id))
    old = None if stored is None else loads(stored.value_json)
    return Change("answer", item_id, old, new, None if stored is None else stored.revision)


def review_change(session: Session, row: ScreeningRow, new: dict[str, JsonValue]) -> Change:
    """A change of the review; no review counts as an empty one."""
    stored = session.get(ReviewRow, row.id)
    old = {} if stored is None else json_object(stored.review_json)
    return Change("review", None, old, new, None if stored is None else stored.revision)


def assessed_on_change(row: ScreeningRow, new: date) -> Change:
    old = row.assessed_on.isoformat()
    return Change("assessed_on", None, old, new.isoformat(), row.assessed_on_revision)


def changed_since(session: Session, row: ScreeningRow, base_revision: int) -> list[Change]:
    """Every target changed after `base_revision`, as changes to their current values."""
    changes = [
        Change("answer", a.item_id, loads(a.value_json), loads(a.value_json), a.revision)
        for a in session.scalars(
            select(AnswerRow).where(AnswerRow.screening_id == row.id, AnswerRow.revision > base_revision)
        )
    ]
    review = session.get(ReviewRow, row.id)
    if review is not None and review.revision > base_revision:
        current = json_object(review.review_json)
        changes.append(Change("review", None, current, current, review.revision))
    if row.assessed_on_revision > base_revision:
        current_date = row.assessed_on.isoformat()
        changes.append(Change("assessed_on", None, current_date, current_date, row.assessed_on_revision))
    if not changes:  # cannot happen while content_revision is kept right; name the screening itself
        changes.append(Change("review", None, current_review(session, row), None, row.content_revision))
    return changes


def state_after(before: State, changes: list[Change]) -> State:
    """`before` with `changes` applied (not yet written)."""
    answers = dict(before.answers)
    review = dict(before.review)
    assessed_on = before.assessed_on
    for change in changes:
        if change.field == "answer" and change.item_id is not None:
            if change.new is None:
                answers.pop(change.item_id, None)
            else:
                answers[change.item_id] = change.new
        elif change.field == "review":
            review = dict(change.new) if isinstance(change.new, dict) else {}
        elif change.field == "assessed_on" and isinstance(change.new, str):
            assessed_on = date.fromisoformat(change.new)
    return replace(before, answers=answers, review=review, assessed_on=assessed_on)


def denormalise(row: ScreeningRow, item_id: str, value: JsonValue) -> None:
    text = value if isinstance(value, str) and value.strip() else None
    if item_id == PATIENT_NAME_ITEM:
        row.patient_name = text
        row.patient_name_key = search_key(text) if text else None
    elif item_id == MRN_ITEM:
        row.mrn = text
        row.mrn_key = search_key(text) if text else None
