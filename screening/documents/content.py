"""What the documents say, worked out without any layout: answers in words, dates, the chosen plan,
which handout blocks and evidence apply, and the numbered sources. Which rows of a repeating group
each count takes is `screening.rows` (re-exported here).

Everything here reads a :class:`~screening.definition.Definition` and an
:class:`~screening.assessment.Assessment` and nothing else. Scores, flags and statuses are never
recomputed: they are printed as the assessment has them. Where a document needs a truth value the
assessment does not carry (a handout block's ``show_if``), it asks the engine's
:class:`~screening.engine.Evaluator` with the assessment's accepted answers, so the documents and
the engine cannot disagree.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from screening.assessment import Assessment, ItemState
from screening.definition import Definition
from screening.engine import Evaluator
from screening.model import (
    AgeYears,
    ChoiceItem,
    Evidence,
    GroupItem,
    HandoutBlock,
    Item,
    MultiChoiceItem,
    Option,
    Plan,
)
from screening.rows import RowCount, row_counts
from screening.vocabulary import (
    DECISION_WORDS,
    LIFECYCLE_WORDS,
    format_number,
    number_with_unit,
    signed_sentence,
)

__all__ = [
    "DECISION_WORDS",
    "EMPTY",
    "AmendmentNote",
    "ChangeNote",
    "Citations",
    "LifecycleNote",
    "RowCount",
    "accepted_answers",
    "age_years",
    "answer_words",
    "chosen_plan",
    "day_month_year",
    "evidence_for",
    "format_date",
    "format_moment",
    "format_number",
    "handout_blocks",
    "lifecycle_of",
    "lifecycle_status_words",
    "long_date",
    "reopened_notice",
    "reopened_since",
    "row_counts",
    "value_words",
]

#: What an empty optional field prints as.
EMPTY = "—"

# Names are spelt out here rather than taken from strftime, whose %A and %B follow the process
# locale: the same input must give the same bytes on every machine.
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


# ---------------------------------------------------------------------------------------------
# Numbers, dates and times


@dataclass(frozen=True)
class ChangeNote:
    """One value an amendment changed, in words: "Heart disease", "No", "Yes"."""

    what: str
    old: str
    new: str


@dataclass(frozen=True)
class AmendmentNote:
    """An amendment of a signed screening, from the audit trail: when, who (the name as printed),
    why, and what changed from what to what."""

    at: dt.datetime
    by: str
    reason: str
    changes: tuple[ChangeNote, ...] = ()


@dataclass(frozen=True)
class LifecycleNote:
    """Where the screening stands, for the documents.

    `state` is draft, signed or reopened; `sentence` says it in words ("Signed: proceed, 5 flags
    acknowledged"; "Reopened after an amendment on 2026-12-02: Heart disease now Yes. Needs
    re-signing"); `because` lists why a reopened screening's signed decision no longer stands.
    `since` is when it was reopened. `signed_by` and `signed_at` are the last signature: the one
    that stands while signed, the one that no longer stands once reopened (None when not known).
    `signer_authenticated` says whether the signer's identity was verified by a sign-in: False for
    a signature given in local mode, which the clinician summary says under it; None when not
    known (documents built from an answers file).
    """

    state: str
    sentence: str
    because: tuple[str, ...] = ()
    since: dt.datetime | None = None
    signed_by: str | None = None
    signed_at: dt.datetime | None = None
    signer_authenticated: bool | None = None

    @property
    def reopened(self) -> bool:
        return self.state == "reopened"

    @property
    def signed(self) -> bool:
        return self.state == "signed"


def lifecycle_of(assessment: Assessment) -> LifecycleNote:
    """The lifecycle of a screening known only from its answers file: signed when the review has
    ``signed_at``, else a draft (a file cannot say that a screening was reopened)."""
    review = assessment.review
    if review is None or review.signed_at is None:
        return LifecycleNote(state="draft", sentence=f"{LIFECYCLE_WORDS['draft']}: not signed")
    return LifecycleNote(
        state="signed",
        sentence=signed_sentence(review.decision, len(review.acknowledged)),
        signed_by=review.clinician,
        signed_at=review.signed_at,
    )


def lifecycle_status_words(note: LifecycleNote) -> str:
    """The lifecycle in a few words, for next to the status: "Signed: proceed, 5 flags
    acknowledged", "Draft: not signed", "Reopened: needs re-signing"."""
    if note.signed:
        return note.sentence if note.sentence.startswith(LIFECYCLE_WORDS["signed"]) else "Signed"
    if note.reopened:
        return LIFECYCLE_WORDS["reopened"]
    return f"{LIFECYCLE_WORDS['draft']}: not signed"


def reopened_since(note: LifecycleNote, amendments: Sequence[AmendmentNote]) -> dt.datetime | None:
    """When a reopened screening was reopened: the note's time, else the last amendment's (only a
    signed screening can be amended, so the last amendment of a reopened one is what reopened it)."""
    if note.since is not None:
        return note.since
    return amendments[-1].at if amendments else None


def reopened_notice(since: dt.datetime | None) -> str:
    """The clinician's notice on every page of a reopened screening (no patient data in it)."""
    when = f" on {since.date().isoformat()}" if since is not None else ""
    return f"Reopened after an amendment{when}: needs re-signing. The signed decision no longer stands."


def format_date(day: dt.date) -> str:
    """ISO date with the weekday, for clinicians: ``2026-12-02 (Wed)``."""
    return f"{day.isoformat()} ({_WEEKDAYS[day.weekday()][:3]})"


def long_date(day: dt.date) -> str:
    """A date a patient reads without ambiguity in any country: ``Wednesday 2 December 2026``."""
    return f"{_WEEKDAYS[day.weekday()]} {day.day} {_MONTHS[day.month - 1]} {day.year}"


def day_month_year(day: dt.date) -> str:
    """``20 November 2026``."""
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


def format_moment(moment: dt.datetime) -> str:
    """``2026-11-20 15:30 UTC`` or ``2026-11-20 15:30 UTC+01:00``; a naive time prints without zone."""
    text = f"{moment:%Y-%m-%d %H:%M}"
    offset = moment.utcoffset()
    if offset is None:
        return text
    minutes = int(offset.total_seconds()) // 60
    if minutes == 0:
        return f"{text} UTC"
    sign = "+" if minutes > 0 else "-"
    hours, minutes = divmod(abs(minutes), 60)
    return f"{text} UTC{sign}{hours:02d}:{minutes:02d}"


# ---------------------------------------------------------------------------------------------
# Answers in words


def value_words(definition: Definition, item: Item, value: Any, *, scores: bool = False) -> str:
    """One accepted answer in words: option labels, yes/no labels, numbers with units.

    With ``scores``, a scored option also shows its points: ``Nearly every day (3)``.

    A repeating group gives one line per row (``Trial 1: Drug sertraline; Weeks 8 weeks; …``).
    ``None`` prints as :data:`EMPTY`. Text answers are returned as they are: they are user text and
    must still go through the safe markup path.
    """
    if value is None:
        return EMPTY
    return item.document_words(value, _Wording(definition), scores=scores)


class _Wording:
    """How the documents write the parts of an answer (`screening.items.DocumentWording`)."""

    def __init__(self, definition: Definition) -> None:
        self.definition = definition

    @property
    def empty(self) -> str:
        return EMPTY

    def options(self, item: ChoiceItem | MultiChoiceItem) -> list[Option]:
        return self.definition.options(item)

    def option(self, item: ChoiceItem | MultiChoiceItem, code: str) -> Option | None:
        return self.definition.option(item, code)

    def number(self, value: int | float, unit: str | None) -> str:
        return number_with_unit(value, unit)

    def row(self, group: GroupItem, row: Any) -> str:
        return row_words(self.definition, group, row)


def row_words(definition: Definition, group: GroupItem, row: Mapping[str, Any]) -> str:
    """One row of a group: ``Drug sertraline; Weeks 8 weeks; Adequate dose Yes; …``."""
    parts = []
    for field in group.fields:
        value = row.get(field.id)
        parts.append(f"{field.name} {value_words(definition, field, value)}")
    return "; ".join(parts)


def answer_words(definition: Definition, assessment: Assessment, ref: str) -> str:
    """An item's answer, or a derived value or score, in words (for "triggered by")."""
    kind = definition.kind_of(ref)
    if kind == "item":
        state = assessment.items.get(ref)
        return value_words(definition, definition.items[ref], state.value if state else None)
    if kind == "derived":
        value = assessment.derived.get(ref)
        if value is None:
            return "not computed"
        if isinstance(value, bool):
            return "Yes" if value else "No"
        if isinstance(value, (int, float)):
            return number_with_unit(value, definition.derived[ref].unit)
        return str(value)
    if kind == "score":
        score = assessment.scores.get(ref)
        if score is None or score.value is None:
            return "not computed"
        band = f" ({score.band})" if score.band else ""
        return f"{format_number(score.value)}{band}"
    return EMPTY


def accepted_answers(assessment: Assessment) -> dict[str, Any]:
    """The accepted answers of the items that were asked, as the engine's evaluator reads them."""
    return {item_id: state.value for item_id, state in assessment.items.items() if state.value is not None}


def item_value(assessment: Assessment, item_id: str) -> Any:
    state: ItemState | None = assessment.items.get(item_id)
    return state.value if state is not None else None


def age_years(definition: Definition, assessment: Assessment) -> int | None:
    """The patient's age from the first age derived value, if the definition has one."""
    for derived in definition.derived.values():
        if isinstance(derived, AgeYears):
            value = assessment.derived.get(derived.id)
            return value if isinstance(value, int) and not isinstance(value, bool) else None
    return None


# ---------------------------------------------------------------------------------------------
# The plan, handout blocks and evidence


def chosen_plan(definition: Definition, assessment: Assessment) -> Plan | None:
    """The plan the psychiatrist chose in the review, or None."""
    review = assessment.review
    if review is None or review.protocol is None:
        return None
    return definition.plans.get(review.protocol)


def _applies(plans: Sequence[str], plan: Plan | None) -> bool:
    """Content for ``plans`` (empty: every plan) applies to the chosen plan, or to any when none is."""
    return not plans or plan is None or plan.id in plans


def evidence_for(
    definition: Definition, plan: Plan | None, assessment: Assessment | None = None, *, unknown: bool = False
) -> list[Evidence]:
    """The evidence entries of the chosen plan (all of them when no plan is chosen).

    With an ``assessment``, an entry with a ``show_if`` (e.g. an age group) is kept only when the
    condition is true for the patient; with ``unknown`` also when it cannot be decided (the
    clinician summary shows both age groups while the age is not known, the handout neither).
    """
    entries = [entry for entry in definition.evidence if _applies(entry.plans, plan)]
    if assessment is None:
        return entries
    evaluator = Evaluator(definition, accepted_answers(assessment), assessment.assessed_on)
    kept = []
    for entry in entries:
        truth = True if entry.show_if is None else evaluator.truth(entry.show_if)
        if truth is True or (unknown and truth is None):
            kept.append(entry)
    return kept


def handout_blocks(definition: Definition, assessment: Assessment, plan: Plan | None) -> list[HandoutBlock]:
    """The handout blocks for this patient, in questionnaire order.

    A block is kept when it applies to the chosen plan (any plan when none is chosen) and its
    ``show_if`` is *true* for the patient's answers; unknown counts as not shown, as everywhere.
    """
    evaluator = Evaluator(definition, accepted_answers(assessment), assessment.assessed_on)
    return [
        block
        for block in definition.handout
        if _applies(block.plans, plan) and (block.show_if is None or evaluator.truth(block.show_if) is True)
    ]


# ---------------------------------------------------------------------------------------------
# Sources


class Citations:
    """Sources numbered in the order a document first cites them, for the list at its end."""

    def __init__(self, definition: Definition) -> None:
        self.definition = definition
        self.order: list[str] = []

    def number(self, source_id: str) -> int | None:
        if source_id not in self.definition.sources:
            return None
        if source_id not in self.order:
            self.order.append(source_id)
        return self.order.index(source_id) + 1

    def labels(self, source_ids: Sequence[str]) -> str:
        """``Spravato US PI [1]; Ketalar US label [2] (not verified)``, or :data:`EMPTY`."""
        parts: list[str] = []
        for source_id in source_ids:
            source = self.definition.sources.get(source_id)
            number = self.number(source_id)
            if source is None or number is None:
                parts.append(source_id)
                continue
            unverified = "" if source.verified else " (not verified)"
            parts.append(f"{source.short} [{number}]{unverified}")
        return "; ".join(parts) if parts else EMPTY
