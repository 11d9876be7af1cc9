"""What every section of the clinician summary builds on: the screening being summarised, the
document's writer, and the helpers that name items and turn answers into markup."""

from __future__ import annotations

from collections.abc import Sequence

from reportlab.platypus import Flowable

from screening.answers import Ref
from screening.assessment import Assessment
from screening.config import ClinicSettings
from screening.definition import Definition
from screening.documents.content import (
    DECISION_WORDS,
    AmendmentNote,
    Citations,
    LifecycleNote,
    answer_words,
    chosen_plan,
)
from screening.documents.writer import Writer
from screening.model import GroupItem
from screening.typeset import text_markup

__all__ = ["ARROW", "SummaryBase", "bold", "plain"]

ARROW = "\u2192"  # →, drawn by the body font


def bold(markup: str) -> str:
    return f"<b>{markup}</b>"


def plain(text: str) -> str:
    """The document's own words as markup (escaped; no user text)."""
    return text_markup(text, isolate=False)


class SummaryBase:
    """The inputs of one clinician summary; each section of the summary is a subclass's method."""

    def __init__(
        self,
        *,
        definition: Definition,
        assessment: Assessment,
        settings: ClinicSettings,
        writer: Writer,
        citations: Citations,
        amendments: Sequence[AmendmentNote],
        lifecycle: LifecycleNote,
    ) -> None:
        self.d = definition
        self.a = assessment
        self.settings = settings
        self.w = writer
        self.styles = writer.styles
        self.cite = citations
        self.amendments = amendments
        self.lifecycle = lifecycle
        self.review = assessment.review
        self.plan = chosen_plan(definition, assessment)
        self.signed = lifecycle.signed
        self.reopened = lifecycle.reopened
        self.problem_items = _problems_by_item(assessment)
        self.section = 0

    # ------------------------------------------------------------------ helpers

    def h1(self, title: str) -> list[Flowable]:
        self.section += 1
        # Room for the heading, a line or two and the start of a table.
        return self.w.heading(f"{self.section}  {title}", room=self.w.heading_room * 1.8)

    def user(self, field: str, text: str | None) -> str:
        return self.w.user(field, text)

    def item_label(self, item_id: str) -> str:
        return self.d.title_of(item_id)

    def missing_label(self, ref: Ref) -> str:
        """A readable name for a missing answer (an item, or a row or field of a group)."""
        if ref.item == "assessed_on":
            return "Date of the screening"
        group = self.d.items.get(ref.item)
        if ref.row is not None and isinstance(group, GroupItem):
            name = f"{group.name}, {group.row_label.lower()} {ref.row}"
            field = self.d.group_field(group, ref.field) if ref.field else None
            return f"{name}: {field.name}" if field else name
        return self.item_label(ref.item)

    def answer(self, ref: str) -> str:
        """Markup for an item's answer (user text checked), derived value or score, in words."""
        words = answer_words(self.d, self.a, ref)
        if self.d.kind_of(ref) == "item":
            return self.user(self.item_label(ref), words)
        return plain(words)

    def decision_words(self) -> str:
        decision = self.review.decision if self.review else None
        return DECISION_WORDS.get(decision, decision) if decision else ""


def _problems_by_item(assessment: Assessment) -> dict[str, list[str]]:
    result: dict[str, list[str]] = {}
    for problem in assessment.problems:
        item = problem.where.item
        detail = problem.message if problem.item == item else f"{problem.item}: {problem.message}"
        result.setdefault(item, []).append(detail)
    return result
