"""The clinician summary: what the screening found, for the psychiatrist to review and sign.

Sections, in order (SPEC 6):

* header: clinic, patient, date of birth and age, MRN, screening date, reviewing clinician;
* a suicide-risk box when the assessment has ``crisis`` (the crisis flags and the crisis lines);
* the status box: the status in words, symbol and border, and next to it where the screening
  stands (draft, signed with the decision, or reopened); what the status means and what was done
  about it (still to review while a draft, reviewed and signed, or to review and sign again after
  the amendment that reopened it, with why); what is missing, rules that could not be evaluated
  and the review's notices;
* 1 Flags: severity, title and id, what triggered it with the answer given, action, sources and
  the rule's note, the psychiatrist's acknowledgement; then acknowledgements that match no flag
  and relative flags still without a note;
* 2 Scores with value, band, range and every band;
* 3 Treatment criteria: each requirement met or not with its sources, the counts over repeating
  groups with the rule that counts a row, and each row (e.g. antidepressant trial) marked as
  counted or not, as the engine counts it;
* 4 Vitals, body measures and dose: the first section's measurements, BMI, ideal and adjusted
  body weight (or why they are not computed), and the dose of each per-kg plan on each weight
  basis with the chosen one marked, its mg/kg of actual body weight, and a dose check that warns
  when a basis gives more mg/kg of actual body weight than the protocol;
* 5 Benefits and risks of the chosen plan (every plan when none is chosen), with figures and
  numbered citations;
* 6 Proposed plan: protocol, regulatory status, dose (with the dose check's warning for the chosen
  basis), sessions dated on the clinic's treatment days with every move said in words,
  monitoring, observation, discharge, after each session, and no driving until the next day after
  sleep;
* 7 Decision and signature (blank lines while unsigned; a reopened screening shows its old
  signature as no longer standing and blank lines for the new one) and 8 Amendments (when, who,
  why, and each change from the old value to the new one);
* Appendix: every item in questionnaire order with its answer in words, items not asked with the
  reason, required items missing, answers that were not accepted;
* Sources: the numbered list of every source cited above.

The footer of every page names the patient, the questionnaire id, version and SHA-256 prefix, the
generation time, "Page X of Y", and says the psychiatrist decides (and that a draft is not signed,
or that a reopened screening needs re-signing). A reopened screening also has a banner at the top
of every page (``documents.build_documents``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Flowable

from screening.answers import Ref
from screening.assessment import Assessment, FlagResult
from screening.config import ClinicSettings
from screening.definition import Definition
from screening.describe import describe
from screening.model import (
    AdjustedBodyWeight,
    Bmi,
    Count,
    GroupItem,
    IdealBodyWeight,
    IntegerItem,
    NumberItem,
    PerKgDose,
    Plan,
    Test,
)
from screening.plans import body_weights, chosen_dose, dose_for, schedule, treatment_days_words, weight_doses
from screening.report.common import Writer
from screening.report.content import (
    DECISION_WORDS,
    EMPTY,
    AmendmentNote,
    Citations,
    LifecycleNote,
    age_years,
    answer_words,
    chosen_plan,
    evidence_for,
    format_date,
    format_moment,
    format_number,
    item_value,
    lifecycle_status_words,
    reopened_since,
    row_counts,
    value_words,
)
from screening.report.pdfkit import StatusKind, TextParagraph, text_markup
from screening.vocabulary import STATUS_MEANING

__all__ = ["clinician_footer", "clinician_story"]


_SESSION_WEIGHTS = {False: [0.7, 0.7, 1.7, 0.7, 0.7, 1.7], True: [0.6, 1.0, 1.7, 0.6, 1.0, 1.7]}
"""Column weights of the sessions table; a plan with phases prints the week in the day column."""


class _Status:
    """A status in the status box: its look, its word, what the engine found, and what that asks of
    the psychiatrist before the review is signed."""

    def __init__(self, kind: StatusKind, word: str, found: str, to_do: str) -> None:
        self.kind, self.word, self.found, self.to_do = kind, word, found, to_do


_STATUS: dict[str, _Status] = {
    "contraindicated": _Status(
        StatusKind.STOP,
        "CONTRAINDICATED",
        STATUS_MEANING["contraindicated"],
        "Do not treat while it stands; see the flags.",
    ),
    "needs_review": _Status(
        StatusKind.CAUTION,
        "NEEDS REVIEW",
        STATUS_MEANING["needs_review"],
        "It needs the psychiatrist's documented review before treatment.",
    ),
    "candidate": _Status(
        StatusKind.POSITIVE,
        "CANDIDATE",
        STATUS_MEANING["candidate"],
        "The psychiatrist decides.",
    ),
    "incomplete": _Status(
        StatusKind.INFO,
        "INCOMPLETE",
        STATUS_MEANING["incomplete"],
        "The status may change when they are answered.",
    ),
}

_SEVERITY = {
    "absolute": ("\u2716", "ABSOLUTE", "do not treat"),
    "relative": ("\u26a0", "RELATIVE", "review and note needed"),
    "caution": ("\u25b2", "CAUTION", "adjust plan or monitoring"),
    "info": ("\u2139", "INFO", "for information"),
}

#: Notes longer than this print in full below the flags table (the table shows how they start).
_NOTE_IN_TABLE = 600
_NOTE_START = 280
_FIELD_WEIGHTS = {"text": 1.5, "choice": 1.4, "date": 1.1, "boolean": 0.95, "integer": 0.8, "number": 0.8}
_ARROW = "\u2192"  # →, drawn by the body font
_MET = {True: "\u2713 Met", False: "\u2716 Not met", None: "? Unknown (answers missing)"}
_COUNTED = {True: "\u2713 Yes", False: "\u2717 No", None: "? Unknown"}


def _b(markup: str) -> str:
    return f"<b>{markup}</b>"


def _t(text: str) -> str:
    """The document's own words as markup (escaped; no user text)."""
    return text_markup(text, isolate=False)


class _Summary:
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
        return _t(words)

    # ------------------------------------------------------------------ the story

    def story(self) -> list[Flowable]:
        story: list[Flowable] = [*self.header()]
        if self.a.crisis:
            story.append(self.crisis_box())
        story.append(self.status_box())
        story += self.flags()
        story += self.scores()
        story += self.criteria()
        story += self.measures()
        story += self.evidence()
        story += self.plan_section()
        story += self.signature()
        story += self.amendment_section()
        story += self.appendix()
        story += self.sources()
        return story

    def header(self) -> list[Flowable]:
        s = self.styles
        title = "Ketamine screening: clinician summary"
        name = item_value(self.a, "patient_name")
        born = item_value(self.a, "date_of_birth")
        age = age_years(self.d, self.a)
        born_text = EMPTY
        if isinstance(born, dt.date):
            born_text = born.isoformat() + (f" (age {age})" if age is not None else "")
        sex = answer_words(self.d, self.a, "sex_at_birth") if "sex_at_birth" in self.d.items else EMPTY
        clinician = self.review.clinician if self.review else None
        screened = self.a.assessed_on.isoformat() if self.a.assessed_on else "Not recorded"
        label = s.table_header

        def pair(caption: str, markup: str) -> list[Any]:
            return [TextParagraph(_t(caption), label), TextParagraph(markup, s.table_cell)]

        rows = [
            [
                *pair("Patient", _b(self.user("Patient name", name))),
                *pair("MRN", self.user("MRN", item_value(self.a, "mrn"))),
            ],
            [*pair("Date of birth", _t(born_text)), *pair("Screening date", _t(screened))],
            [
                *pair("Sex at birth", _t(sex)),
                *pair("Reviewing clinician", self.user("Reviewing clinician", clinician)),
            ],
        ]
        return [
            self.w.para(self.user("Clinic name", self.settings.name), s.small),
            self.w.text(title, s.title),
            *self.lifecycle_line(),
            self.w.text(f"{self.d.title}, version {self.d.version}", s.small),
            self.w.space(4),
            self.w.table(rows, weights=[1.1, 2.2, 1.2, 2.0]),
        ]

    def crisis_box(self) -> Flowable:
        lines: list[str | Flowable | list[Flowable]] = [
            _t("Suicide risk outranks scheduling: follow the clinic's crisis protocol now."),
        ]
        lines.append(
            self.w.bullets(f"{_b(_t(flag.title))}: {_t(flag.action)}" for flag in self.a.flags if flag.crisis)
        )
        lines.append(
            [self.w.para(_b(_t("Crisis resources for the patient:"))), *self.w.bullets(self.crisis_lines())]
        )
        return self.w.markup_box(StatusKind.STOP, "SUICIDE RISK SCREEN POSITIVE", lines)

    def crisis_lines(self) -> list[str]:
        lines = [
            f"{self.user('Crisis line label', line.label)}: {self.user('Crisis line contact', line.contact)}"
            for line in self.settings.crisis_lines
        ]
        lines.append(f"Emergency: call {self.user('Emergency number', self.settings.emergency_number)}")
        return lines

    def lifecycle_line(self) -> list[Flowable]:
        """Under the title: what an unsigned summary is."""
        if self.signed:
            return []
        words = "REOPENED \u2014 NEEDS RE-SIGNING" if self.reopened else "DRAFT \u2014 NOT SIGNED"
        return [self.w.text(words, self.w.h2_style)]

    def decision_words(self) -> str:
        decision = self.review.decision if self.review else None
        return DECISION_WORDS.get(decision, decision) if decision else ""

    def status_box(self) -> Flowable:
        status = _STATUS[self.a.status]
        heading = f"Status: {status.word}  \u00b7  {lifecycle_status_words(self.lifecycle)}"
        lines: list[str | Flowable | list[Flowable]] = []
        if self.signed:
            decision = self.decision_words() or "no decision recorded"
            lines.append(
                _t(
                    f"{status.found} The psychiatrist reviewed the screening and signed the decision:"
                    f" {decision} (see Decision and signature)."
                )
            )
        elif self.reopened:
            lines.append(_t(status.found))
            lines += self.reopened_lines()
        else:
            lines.append(_t(f"{status.found} {status.to_do}"))
            lines.append(
                _b(
                    _t(
                        "Draft: the review is not signed. Nothing here is a decision until the"
                        " psychiatrist signs."
                    )
                )
            )
        if self.a.missing:
            missing = ", ".join(self.missing_label(ref) for ref in self.a.missing_refs)
            lines.append(f"{_b(_t(f'Missing ({len(self.a.missing)}):'))} {_t(missing)}")
        if self.a.undetermined and self.a.status == "incomplete":
            count = len(self.a.undetermined)
            lines.append(
                f"{_b(_t('Could not be evaluated:'))} "
                + _t(f"{count} rule{'s' * (count != 1)}, until the missing answers are given.")
            )
        elif self.a.undetermined:
            titles = "; ".join(self.rule_title(rule_id) for rule_id in self.a.undetermined)
            lines.append(f"{_b(_t('Could not be evaluated:'))} {_t(titles)}")
        if self.a.problems:
            lines.append(
                f"{_b(_t('Answers not accepted:'))} "
                + _t(f"{len(self.a.problems)}; they count as unanswered (see the appendix).")
            )
        if self.review is not None:
            for notice in self.review.notices:
                lines.append(f"{_b(_t('Review:'))} {_t(notice)}")
        return self.w.markup_box(status.kind, heading, lines)

    def reopened_lines(self) -> list[str | Flowable | list[Flowable]]:
        """Why a reopened screening's signed decision no longer stands (status box and section 7)."""
        sentence = self.lifecycle.sentence.strip()
        if not sentence.startswith("Reopened"):
            since = reopened_since(self.lifecycle, self.amendments)
            sentence = "Reopened after an amendment" + (f" on {since.date().isoformat()}" if since else "")
        if not sentence.endswith((".", "!", "?")):
            sentence += "."
        lines: list[str | Flowable | list[Flowable]] = [
            _b(self.user("Lifecycle", sentence)),
            _b(
                _t(
                    "The signed decision no longer stands: the psychiatrist must review the screening"
                    " again and sign it."
                )
            ),
        ]
        if self.lifecycle.because:
            lines.append(
                [
                    self.w.para(_t("Why it needs re-signing:")),
                    *self.w.bullets(self.user("Reopened because", why) for why in self.lifecycle.because),
                ]
            )
        return lines

    def rule_title(self, rule_id: str) -> str:
        rule = self.d.rules_by_id.get(rule_id)
        return f"{rule.title} ({rule_id})" if rule else rule_id

    # ------------------------------------------------------------------ 1 flags

    def flags(self) -> list[Flowable]:
        story: list[Flowable] = [*self.h1("Flags")]
        if not self.a.flags:
            story.append(self.w.text("No flag fired for these answers."))
        else:
            header = ["Severity", "Flag and what triggered it", "Action", "Source", "Psychiatrist's note"]
            rows = [self.flag_row(flag) for flag in self.a.flags]
            story.append(self.w.table(rows, header=header, weights=[1.3, 2.35, 1.7, 1.65, 1.75]))
            long_notes = [
                flag
                for flag in self.a.flags
                if flag.acknowledgement and len(flag.acknowledgement) > _NOTE_IN_TABLE
            ]
            if long_notes:
                story += self.w.heading("Psychiatrist's notes in full", 2)
                rows = [
                    [
                        self.w.cell(_b(_t(flag.title)), small=[_t(flag.id)]),
                        self.w.cell(self.user(f"Acknowledgement note of {flag.id}", flag.acknowledgement)),
                    ]
                    for flag in long_notes
                ]
                story.append(self.w.table(rows, header=["Flag", "Note"], weights=[1.5, 5.0]))
        review = self.review
        unacknowledged = (
            review.unacknowledged
            if review is not None
            else [flag.id for flag in self.a.flags if flag.severity == "relative"]
        )
        if unacknowledged:
            titles = "; ".join(self.rule_title(flag_id) for flag_id in unacknowledged)
            story.append(self.w.para(f"{_b(_t('Relative flags without a psychiatrist note:'))} {_t(titles)}"))
        if review is not None and review.unmatched_acknowledgements:
            titles = "; ".join(self.rule_title(flag_id) for flag_id in review.unmatched_acknowledgements)
            story.append(
                self.w.para(
                    f"{_b(_t('Acknowledgements of flags that did not fire:'))} {_t(titles)}. "
                    + _t("They are kept in the record but apply to nothing.")
                )
            )
        return story

    def flag_row(self, flag: FlagResult) -> list[Any]:
        symbol, word, meaning = _SEVERITY[flag.severity]
        severity = self.w.cell(_b(_t(f"{symbol} {word}")), small=[_t(meaning)])
        triggers = [f"{_t(self.item_label(ref))}: {self.answer(ref)}" for ref in flag.triggered_by]
        what = self.w.cell(_b(_t(flag.title)), small=[_t(flag.id)])
        if triggers:
            what.append(self.w.para(_t("Triggered by:"), self.w.cell_small))
            what += self.w.bullets(triggers, cell=True)
        if flag.crisis:
            what.append(self.w.para(_b(_t("Suicide risk: crisis resources shown.")), self.styles.table_cell))
        small = []
        if not flag.verified:
            small.append(_t("Rule not verified against its primary source."))
        if flag.note:
            small.append(f"{_b(_t('Note:'))} {_t(flag.note)}")
        source = self.w.cell(_t(self.cite.labels(flag.source_ids)), small=small)
        if flag.acknowledgement and len(flag.acknowledgement) > _NOTE_IN_TABLE:
            field = f"Acknowledgement note of {flag.id}"
            start = (
                flag.acknowledgement[:_NOTE_START].rsplit(" ", 1)[0]
                if " " in flag.acknowledgement[:_NOTE_START]
                else flag.acknowledgement[:_NOTE_START]
            )
            note = self.w.cell(
                self.user(field, start + " \u2026"),
                small=[
                    _t(
                        f"Continued: the full note ({len(flag.acknowledgement):,} characters)"
                        " follows the table."
                    )
                ],
            )
        elif flag.acknowledgement:
            note = self.w.cell(self.user(f"Acknowledgement note of {flag.id}", flag.acknowledgement))
        elif flag.severity == "relative":
            note = self.w.cell(_b(_t("Not acknowledged")), small=[_t("A note is needed before proceeding.")])
        else:
            note = self.w.cell(_t(EMPTY))
        return [severity, what, self.w.cell(_t(flag.action)), source, note]

    # ------------------------------------------------------------------ 2 scores

    def scores(self) -> list[Flowable]:
        if not self.a.scores:
            return []
        rows: list[list[Any]] = []
        for score_id, result in self.a.scores.items():
            spec = self.d.scores.get(score_id)
            sources = self.cite.labels(spec.source) if spec and spec.source else None
            first = self.w.cell(_b(_t(result.title)), small=[_t(f"Source: {sources}")] if sources else [])
            if result.value is None:
                value = self.w.cell(_t(EMPTY))
                band = self.w.cell(_t("Not computed"), small=[_t("inputs missing or not applicable")])
            else:
                value = self.w.cell(_b(_t(format_number(result.value))))
                band = self.w.cell(
                    _b(_t(result.band)) if result.band else _t(EMPTY),
                    small=[_t(result.band_meaning)] if result.band_meaning else [],
                )
            if result.minimum is not None and result.maximum is not None:
                span = f"{format_number(result.minimum)}\u2013{format_number(result.maximum)}"
            else:
                span = EMPTY
            bands = " \u00b7 ".join(
                f"{b.label} {format_number(b.min)}\u2013{format_number(b.max)}"
                for b in (spec.bands if spec else [])
            )
            rows.append([first, value, band, self.w.cell(_t(span)), self.w.cell(None, small=[_t(bands)])])
        return [
            *self.h1("Scores"),
            self.w.table(
                rows, header=["Score", "Value", "Band", "Range", "Bands"], weights=[2.0, 0.9, 1.6, 0.8, 2.6]
            ),
        ]

    # ------------------------------------------------------------------ 3 criteria and trials

    def criteria(self) -> list[Flowable]:
        groups = [
            item
            for item in self.d.items.values()
            if isinstance(item, GroupItem)
            and any(isinstance(d, Count) and d.group == item.id and d.where for d in self.d.derived.values())
        ]
        if not self.a.requirements and not groups:
            return []
        story: list[Flowable] = [*self.h1("Treatment criteria")]
        if self.a.requirements:
            notes = {r.id: r.note for r in self.d.requirements}
            rows = []
            for result in self.a.requirements:
                small = [] if result.met is True else [_t(result.unmet)]
                note = notes.get(result.id)
                source_small = [f"{_b(_t('Note:'))} {_t(note)}"] if note else []
                rows.append(
                    [
                        self.w.cell(_b(_t(result.title))),
                        self.w.cell(_b(_t(_MET[result.met])), small=small),
                        self.w.cell(_t(self.cite.labels(result.source_ids)), small=source_small),
                    ]
                )
            story.append(
                self.w.table(rows, header=["Criterion", "Result", "Source"], weights=[2.0, 2.0, 2.8])
            )
        for test in self.d.derived.values():
            if isinstance(test, Test):
                value = self.a.derived.get(test.id)
                words = {True: "Yes", False: "No", None: "Unknown"}.get(value, str(value))
                story.append(
                    self.w.para(
                        f"{_b(_t(test.title + ':'))} {_t(words)} "
                        + _t(f"(rule: {describe(test.when, self.d)})")
                    )
                )
        for group in groups:
            story += self.group_table(group)
        return story

    def group_table(self, group: GroupItem) -> list[Flowable]:
        counts = row_counts(self.d, self.a, group.id)
        rows_value = item_value(self.a, group.id)
        rows = rows_value if isinstance(rows_value, list) else []
        story: list[Flowable] = [*self.w.heading(group.name, 2)]
        letters = [chr(ord("A") + index) if index < 26 else str(index + 1) for index in range(len(counts))]
        for letter, count in zip(letters, counts, strict=True):
            total = self.a.derived.get(count.count.id)
            total_text = "not computed" if total is None else format_number(total)
            story.append(
                self.w.para(
                    f"{_b(_t(f'Count {letter}, {count.count.title}:'))} {_b(_t(total_text))}. "
                    + _t(f"A {group.row_label.lower()} counts when: {count.criteria}.")
                )
            )
        state = self.a.items.get(group.id)
        if state is not None and not state.shown:
            story.append(self.w.text(f"Not asked: {state.not_asked_reason or 'hidden'}."))
            return story
        if not rows:
            story.append(self.w.text("None listed." if rows_value is not None else "Not answered."))
            return story
        header = ["#", *(field.name for field in group.fields), *(f"Count {letter}" for letter in letters)]
        weights = [
            0.3,
            *(_FIELD_WEIGHTS.get(field.type, 1.0) for field in group.fields),
            *(0.8 for _ in counts),
        ]
        table_rows: list[list[Any]] = []
        for index, row in enumerate(rows):
            cells: list[Any] = [self.w.cell(_t(str(index + 1)))]
            for field in group.fields:
                value = row.get(field.id)
                if value is None:
                    cells.append(self.w.cell(_b(_t("MISSING")) if field.required else _t(EMPTY)))
                    continue
                words = value_words(self.d, field, value)
                field_name = f"{group.name}, {group.row_label.lower()} {index + 1}: {field.name}"
                cells.append(self.w.cell(self.user(field_name, words)))
            for count in counts:
                cells.append(self.w.cell(_b(_t(_COUNTED[count.rows[index]]))))
            table_rows.append(cells)
        story.append(self.w.table(table_rows, header=header, weights=weights))
        return story

    # ------------------------------------------------------------------ 4 measures and dose

    def measures(self) -> list[Flowable]:
        first = self.d.sections[0].section if self.d.sections else None
        pairs: list[tuple[str, str]] = []
        for item in first.items if first else []:
            if isinstance(item, (IntegerItem, NumberItem)):
                pairs.append((item.name, self.answer(item.id)))
        weights = body_weights(self.d, self.a)
        for derived in self.d.derived.values():
            if isinstance(derived, Bmi):
                pairs.append((derived.title, _t(answer_words(self.d, self.a, derived.id))))
            elif isinstance(derived, (IdealBodyWeight, AdjustedBodyWeight)):
                # The dose guards' value, not the engine's: never Devine below 152.4 cm.
                weight = weights["ideal" if isinstance(derived, IdealBodyWeight) else "adjusted"]
                words = (
                    answer_words(self.d, self.a, derived.id)
                    if weight.kg is not None
                    else f"Not computed: {weight.reason or 'unknown'}"
                )
                pairs.append((derived.title, _t(words)))
        plans = [self.plan] if self.plan else list(self.d.plans.values())
        per_kg = [plan for plan in plans if isinstance(plan.dose, PerKgDose)]
        if not pairs and not per_kg:
            return []
        story: list[Flowable] = [*self.h1("Vitals, body measures and dose")]
        if pairs:
            rows: list[list[Any]] = []
            for index in range(0, len(pairs), 2):
                row: list[Any] = []
                for caption, markup in pairs[index : index + 2]:
                    row += [self.w.cell(_b(_t(caption))), self.w.cell(markup)]
                while len(row) < 4:
                    row.append(None)
                rows.append(row)
            story.append(self.w.table(rows, weights=[1.6, 1.4, 1.6, 1.4]))
        for plan in per_kg:
            story += self.dose_table(plan)
        if self.plan is not None and not isinstance(self.plan.dose, PerKgDose):
            basis = self.review.weight_basis if self.review else None
            line = f"Dose ({self.plan.title}): {chosen_dose(self.d, self.a, self.plan, basis)}"
            if basis:
                line += f" The recorded weight basis ({basis}) does not apply to this fixed-dose plan."
            story.append(self.w.text(line))
        return story

    def dose_table(self, plan: Plan) -> list[Flowable]:
        assert isinstance(plan.dose, PerKgDose)
        basis = self.review.weight_basis if self.review else None
        rows: list[list[Any]] = []
        doses = weight_doses(self.d, self.a, plan)
        for dose in doses:
            weight = f"{format_number(dose.weight_kg)} kg" if dose.weight_kg is not None else "Not known"
            amount = f"{format_number(dose.dose_mg)} mg" if dose.dose_mg is not None else "Not computed"
            amount_small = [_t(dose.reason)] if dose.dose_mg is None and dose.reason else []
            per_kg = f"{dose.mg_per_kg_actual:.2f} mg/kg" if dose.mg_per_kg_actual is not None else EMPTY
            per_kg_markup = _b(_t(f"\u26a0 {per_kg}")) if dose.above_protocol else _t(per_kg)
            chosen = dose.basis == basis
            mark = _b(_t("\u2713 CHOSEN")) if chosen else _t(EMPTY)
            style = _b if chosen else (lambda markup: markup)
            rows.append(
                [
                    self.w.cell(style(_t(dose.label))),
                    self.w.cell(style(_t(weight))),
                    self.w.cell(style(_t(amount)), small=amount_small),
                    self.w.cell(per_kg_markup),
                    self.w.cell(mark),
                ]
            )
        minutes = f" over {plan.dose.infusion_minutes} minutes" if plan.dose.infusion_minutes else ""
        caption = f"Dose at {format_number(plan.dose.mg_per_kg)} mg/kg{minutes}: {plan.title}"
        sources = sorted(
            {
                s
                for d in self.d.derived.values()
                if isinstance(d, (IdealBodyWeight, AdjustedBodyWeight))
                for s in d.source
            }
        )
        notes: list[Flowable] = []
        warnings = [dose.warning for dose in doses if dose.warning]
        if warnings:
            notes += [
                self.w.space(4),
                self.w.markup_box(
                    StatusKind.CAUTION, "Dose check", [self.w.bullets(_t(warning) for warning in warnings)]
                ),
                self.w.space(4),
            ]
        if basis is None:
            notes.append(self.w.para(_b(_t("Weight basis not chosen yet.")), self.styles.small))
        if sources:
            notes.append(
                self.w.text(
                    f"Ideal and adjusted body weight: {self.cite.labels(sources)}.", self.styles.small
                )
            )
        return [
            *self.w.heading(caption, 2),
            self.w.table(
                rows,
                header=["Weight basis", "Weight", "Dose", "Per kg of actual weight", "Chosen"],
                weights=[2.0, 1.0, 2.2, 1.3, 1.0],
            ),
            *notes,
        ]

    # ------------------------------------------------------------------ 5 evidence

    def evidence(self) -> list[Flowable]:
        entries = evidence_for(self.d, self.plan, self.a, unknown=True)
        if not entries:
            return []
        scope = self.plan.title if self.plan else "every plan (no protocol chosen yet)"
        story: list[Flowable] = [
            *self.h1("Benefits and risks"),
            self.w.text(f"For {scope}.", self.styles.small),
        ]
        for kind, title in (("benefit", "Benefits"), ("risk", "Risks")):
            rows: list[list[Any]] = []
            for entry in entries:
                if entry.kind != kind:
                    continue
                small = []
                if self.plan is None and entry.plans:
                    titles = ", ".join(self.d.plans[p].title if p in self.d.plans else p for p in entry.plans)
                    small.append(_t(f"Applies to: {titles}"))
                if entry.show_if is not None:
                    small.append(_t(f"For patients with: {describe(entry.show_if, self.d)}"))
                if entry.note:
                    small.append(_t(entry.note))
                source_small = (
                    [] if entry.verified else [_t("Figure not verified against its primary source.")]
                )
                rows.append(
                    [
                        self.w.cell(_t(entry.statement), small=small),
                        self.w.cell(_b(_t(entry.figure)) if entry.figure else _t(EMPTY)),
                        self.w.cell(_t(self.cite.labels(entry.source)), small=source_small),
                    ]
                )
            if rows:
                story += self.w.heading(title, 2)
                story.append(
                    self.w.table(rows, header=["Evidence", "Figure", "Source"], weights=[3.6, 1.5, 1.6])
                )
        return story

    # ------------------------------------------------------------------ 6 plan

    def plan_section(self) -> list[Flowable]:
        if not self.d.plans:
            return []
        story: list[Flowable] = [*self.h1("Proposed plan")]
        plan = self.plan
        if plan is None:
            story.append(self.w.para(_b(_t("No protocol chosen yet.")) + " " + _t("The plans available:")))
            choices = [
                [
                    self.w.cell(_b(_t(p.title))),
                    self.w.cell(_t(p.regulatory)),
                    self.w.cell(_t(p.dose.description)),
                    self.w.cell(_t(p.schedule)),
                ]
                for p in self.d.plans.values()
            ]
            story.append(
                self.w.table(
                    choices,
                    header=["Protocol", "Regulatory status", "Dose", "Schedule"],
                    weights=[1.6, 1.8, 2.2, 1.6],
                )
            )
            story += self.safety_lines()
            return story
        review = self.review
        basis = review.weight_basis if review else None
        start = review.start_date if review else None
        regulatory = _t(plan.regulatory)
        if plan.off_label:
            regulatory = f"{_b(_t('OFF-LABEL.'))} {regulatory}"
        plan_small = [] if plan.verified else [_t("Not verified against its primary sources.")]
        if plan.note:
            plan_small.append(_t(plan.note))
        chosen = dose_for(self.d, self.a, plan, basis) if basis else None
        dose_markups = [_b(_t(chosen_dose(self.d, self.a, plan, basis)))]
        if chosen is not None and chosen.warning:
            dose_markups.append(_b(_t(f"\u26a0 Dose check: {chosen.warning}")))
        rows: list[list[Any]] = [
            [self.w.cell(_b(_t("Protocol"))), self.w.cell(_b(_t(plan.title)), small=plan_small)],
            [self.w.cell(_b(_t("Drug and route"))), self.w.cell(_t(f"{plan.drug}; {plan.route}"))],
            [self.w.cell(_b(_t("Regulatory status"))), self.w.cell(regulatory)],
            [
                self.w.cell(_b(_t("Dose"))),
                self.w.cell(*dose_markups, small=[_t(plan.dose.description)]),
            ],
            [self.w.cell(_b(_t("Schedule"))), self.w.cell(_t(plan.schedule))],
            *self.phase_rows(plan),
            [self.w.cell(_b(_t("Start date"))), self.start_cell(plan, start)],
            [self.w.cell(_b(_t("Observation"))), self.w.cell(_t(plan.observation))],
            [self.w.cell(_b(_t("Sources"))), self.w.cell(_t(self.cite.labels(plan.source)))],
        ]
        story.append(self.w.table(rows, weights=[1.3, 5.0]))
        story += self.sessions_table(plan, start)
        story += self.safety_lines()
        for title, lines in (
            ("Monitoring", plan.monitoring),
            ("Discharge criteria", plan.discharge),
            ("Patient instructions before each session", plan.before_session),
            ("Patient instructions after each session", plan.after_session),
        ):
            if lines:
                story += self.w.heading(title, 2)
                story += self.w.bullets(_t(self.settings.fill(line)) for line in lines)
        return story

    def phase_rows(self, plan: Plan) -> list[list[Any]]:
        """The plan's phases and the steps before session 1 (e.g. REMS patient enrollment)."""
        rows: list[list[Any]] = []
        if plan.phases:
            phases = [
                _b(_t(f"{phase.title}, weeks {phase.weeks}: {phase.frequency.lower()}."))
                + (" " + _t(phase.description) if phase.description else "")
                for phase in plan.phases
            ]
            rows.append([self.w.cell(_b(_t("Phases"))), self.w.cell(*phases)])
        for step in plan.before_first_session:
            small = [_t(self.cite.labels(step.source))] if step.source else []
            rows.append(
                [
                    self.w.cell(_b(_t("Before session 1"))),
                    self.w.cell(_b(_t(step.title)), _t(step.text), small=small),
                ]
            )
        return rows

    def start_cell(self, plan: Plan, start: dt.date | None) -> list[Flowable]:
        """The start date; when it is not a treatment day, the first session's date and why."""
        if start is None:
            return self.w.cell(_t("Not set"))
        dated = schedule(plan, start, self.settings.treatment_weekdays)
        if dated.first_day is None or dated.first_day == start:
            return self.w.cell(_t(format_date(start)))
        return self.w.cell(
            _t(f"{format_date(start)} {_ARROW} first session {format_date(dated.first_day)}"),
            small=[_t(dated.start_note or "")],
        )

    def sessions_table(self, plan: Plan, start: dt.date | None) -> list[Flowable]:
        """The sessions in two column groups (read down, then across) on the clinic's treatment
        days; below the table the treatment days, what they moved and why, and the plan's notes."""
        moved_session = self.review.moved_session if self.review else None
        dated = schedule(plan, start, self.settings.treatment_weekdays, moved_session)
        planned = list(dated.sessions)
        half = (len(planned) + 1) // 2
        rows: list[list[Any]] = []
        for index in range(half):
            row: list[Any] = []
            for session in (planned[index], planned[index + half] if index + half < len(planned) else None):
                if session is None:
                    row += [None, None, None]
                    continue
                date = format_date(session.date) if session.date else "start date not set"
                mark = "*" if session.note else ""
                rescheduled = session.rescheduled_from is not None
                moved = "\u2020" if session.moved and not rescheduled else ""
                week = f" (wk {(session.day - 1) // 7 + 1})" if plan.phases else ""
                date_markup = _t(f"{date}{moved}") + (_b(_t(" \u2021 moved")) if rescheduled else "")
                row += [
                    self.w.cell(_b(_t(f"{session.number}{mark}"))),
                    self.w.cell(_t(f"day {session.day}{week}")),
                    self.w.cell(date_markup),
                ]
            rows.append(row)
        header = ["Session", "Day", "Date", "Session", "Day", "Date"]
        spacing = dated.spacing_days
        story: list[Flowable] = [
            *self.w.heading("Sessions", 2),
            self.w.table(rows, header=header, weights=_SESSION_WEIGHTS[bool(plan.phases)]),
            self.w.text(
                f"Dated on the clinic's treatment days ({treatment_days_words(dated.treatment_days)}),"
                f" at least {spacing} day{'s' * (spacing != 1)} apart as in the protocol.",
                self.styles.small,
            ),
        ]
        if dated.course_note:
            note = _t(dated.course_note)
            story.append(self.w.para(_b(note) if dated.longer_days else note, self.styles.small))
        for session in dated.moved:
            if session.rescheduled_from is not None:  # the psychiatrist's move says it (below)
                continue
            story.append(self.w.text(f"\u2020 Session {session.number}: {session.moved}", self.styles.small))
        if dated.move_note:
            mark = "\u2021 " if dated.move_applied else "\u26a0 "
            note = _t(mark + dated.move_note)
            story.append(self.w.para(_b(note) if dated.move_warnings else note, self.styles.small))
        for session in planned:
            if session.note:
                story.append(self.w.text(f"* Session {session.number}: {session.note}", self.styles.small))
        return story

    def safety_lines(self) -> list[Flowable]:
        lines = [
            f"{_b(_t('Blood pressure:'))} "
            + _t("before the session, at about 40 minutes, and before discharge."),
            f"{_b(_t('Driving:'))} "
            + _t("no driving or operating machinery until the next day after a restful sleep."),
        ]
        return [
            self.w.space(4),
            self.w.markup_box(StatusKind.INFO, "At every session", [self.w.bullets(lines)]),
        ]

    # ------------------------------------------------------------------ 7 decision, 8 amendments

    def signature(self) -> list[Flowable]:
        review = self.review
        decision = self.decision_words()
        story: list[Flowable] = [*self.h1("Decision and signature")]
        if self.signed:
            signer = self.lifecycle.signed_by or (review.clinician if review else None)
            signed_at = review.signed_at if review and review.signed_at else self.lifecycle.signed_at
            rows = [
                [self.w.cell(_b(_t("Decision"))), self.w.cell(_b(_t(decision or "Not recorded")))],
                [self.w.cell(_b(_t("Signed by"))), self.w.cell(_b(self.user("Reviewing clinician", signer)))],
                [
                    self.w.cell(_b(_t("Signed at"))),
                    self.w.cell(_t(format_moment(signed_at) if signed_at else "Not recorded")),
                ],
            ]
            story.append(self.w.table(rows, weights=[1.3, 5.0]))
            story.append(
                self.w.text(
                    "Signed in the screening application; this printout needs no further signature.",
                    self.styles.small,
                )
            )
            return story
        blank = "_" * 34
        decision_small: list[str] = []
        rows = []
        if self.reopened:
            story.append(
                self.w.para(
                    _b(
                        _t(
                            "REOPENED: the signed decision no longer stands. It needs the psychiatrist's"
                            " review and a new signature."
                        )
                    )
                )
            )
            if self.lifecycle.because:
                story += self.w.bullets(self.user("Reopened because", why) for why in self.lifecycle.because)
            if decision:
                decision_small.append(_t("Not signed: it stands only once the psychiatrist signs again."))
            rows += self.previous_signature()
        else:
            story.append(self.w.para(_b(_t("NOT SIGNED: this summary is a draft."))))
        rows[:0] = [
            [
                self.w.cell(_b(_t("Decision"))),
                self.w.cell(_b(_t(decision)) if decision else _t("Not recorded"), small=decision_small),
            ]
        ]
        rows += [
            [
                self.w.cell(_b(_t("Reviewing psychiatrist"))),
                self.w.cell(
                    self.user("Reviewing clinician", review.clinician)
                    if review and review.clinician
                    else _t(blank)
                ),
            ],
            [self.w.cell(_b(_t("Signature"))), self.w.cell(_t(blank))],
            [self.w.cell(_b(_t("Date and time"))), self.w.cell(_t(blank))],
        ]
        story.append(self.w.table(rows, weights=[1.6, 4.7]))
        return story

    def previous_signature(self) -> list[list[Any]]:
        """The row of a reopened screening's old signature, shown as no longer standing."""
        signer, signed_at = self.lifecycle.signed_by, self.lifecycle.signed_at
        if not (signer and signer.strip()) and signed_at is None:
            return []
        who = f"{_t('by')} {self.user('Previous signer', signer)}" if signer and signer.strip() else ""
        when = _t(f"on {format_moment(signed_at)}") if signed_at is not None else ""
        return [
            [
                self.w.cell(_b(_t("Previously signed"))),
                self.w.cell(
                    " ".join(part for part in (who, when) if part),
                    small=[_b(_t("No longer stands: the screening was reopened by an amendment."))],
                ),
            ]
        ]

    def amendment_section(self) -> list[Flowable]:
        if not self.amendments:
            return []
        since = reopened_since(self.lifecycle, self.amendments) if self.reopened else None
        rows = []
        for number, note in enumerate(self.amendments, start=1):
            reopened = [_b(_t("Reopened the screening."))] if since is not None and note.at == since else []
            changes = [
                f"{_b(self.user(f'Amendment {number} change', change.what))}: "
                f"{self.user(f'Amendment {number} old value', change.old)}"
                f" {_t(_ARROW)} {self.user(f'Amendment {number} new value', change.new)}"
                for change in note.changes
            ]
            rows.append(
                [
                    self.w.cell(_t(format_moment(note.at)), small=reopened),
                    self.w.cell(self.user(f"Amendment {number} signer", note.by)),
                    self.w.cell(self.user(f"Amendment {number} reason", note.reason)),
                    self.w.cell(*changes) if changes else self.w.cell(_t("Not recorded")),
                ]
            )
        return [
            *self.h1("Amendments"),
            self.w.table(
                rows, header=["When", "By", "Reason", "What changed"], weights=[1.45, 1.35, 1.9, 2.6]
            ),
        ]

    # ------------------------------------------------------------------ appendix and sources

    def appendix(self) -> list[Flowable]:
        story: list[Flowable] = [*self.w.heading("Appendix: every answer")]
        story.append(
            self.w.text(
                "Every item in questionnaire order. Scored options show their points in brackets.",
                self.styles.small,
            )
        )
        missing = set(self.a.missing)
        for view in self.d.sections:
            rows = [self.answer_row(item.id, missing) for item in view.section.items]
            if rows:
                story += self.w.heading(view.title, 2)
                story.append(self.w.table(rows, header=["Item", "Answer"], weights=[3.0, 2.6]))
        other = [p for p in self.a.problems if p.where.item not in self.d.items]
        if other:
            story += self.w.heading("Other answers not accepted", 2)
            story += self.w.bullets(_t(str(problem)) for problem in other)
        return story

    def answer_row(self, item_id: str, missing: set[str]) -> list[Any]:
        item = self.d.items[item_id]
        state = self.a.items.get(item_id)
        label = self.w.cell(
            _b(_t(item.name)), small=[_t(item.text)] if item.label and item.text != item.label else []
        )
        cell: list[Flowable] = []
        for problem in self.problem_items.get(item_id, []):
            cell.append(self.w.para(_b(_t(f"\u2716 Not accepted: {problem}")), self.styles.table_cell))
        if state is None or not state.shown:
            reason = state.not_asked_reason if state and state.not_asked_reason else None
            cell.append(self.w.para(_b(_t("Not asked")), self.styles.table_cell))
            if reason:
                cell.append(self.w.para(_t(reason[0].upper() + reason[1:] + "."), self.w.cell_small))
        elif state.value is None:
            if item_id in missing:
                cell.append(self.w.para(_b(_t("MISSING (required)")), self.styles.table_cell))
            else:
                cell.append(self.w.para(_t(EMPTY), self.styles.table_cell))
                cell.append(self.w.para(_t("Optional; not answered."), self.w.cell_small))
        elif isinstance(item, GroupItem):
            cell += self.group_answer(item, state.value, missing)
        else:
            words = value_words(self.d, item, state.value, scores=True)
            cell.append(self.w.para(self.user(item.name, words), self.styles.table_cell))
        return [label, cell]

    def group_answer(self, group: GroupItem, rows: Any, missing: set[str]) -> list[Flowable]:
        if not isinstance(rows, list) or not rows:
            return [self.w.para(_t("None listed"), self.styles.table_cell)]
        lines: list[str] = []
        for number, row in enumerate(rows, start=1):
            parts = []
            for field in group.fields:
                value = row.get(field.id)
                if value is None:
                    path = f"{group.id}[{number}].{field.id}"
                    parts.append(f"{_t(field.name)} {_b(_t('MISSING')) if path in missing else _t(EMPTY)}")
                    continue
                words = value_words(self.d, field, value)
                field_name = f"{group.name}, {group.row_label.lower()} {number}: {field.name}"
                parts.append(f"{_t(field.name)} {self.user(field_name, words)}")
            lines.append(f"{_b(_t(f'{group.row_label} {number}:'))} " + "; ".join(parts))
        return [self.w.para(line, self.styles.table_cell) for line in lines]

    def sources(self) -> list[Flowable]:
        if not self.cite.order:
            return []
        style = ParagraphStyle(
            "clinician-source",
            parent=self.styles.body,
            fontSize=self.styles.table_cell.fontSize,
            leading=self.styles.table_cell.leading,
            leftIndent=22,
            firstLineIndent=-22,
            spaceAfter=3,
        )
        story: list[Flowable] = [*self.w.heading("Sources cited")]
        for number, source_id in enumerate(self.cite.order, start=1):
            source = self.d.sources[source_id]
            text = f"[{number}]\u2002{_t(source.citation)}"
            if source.url:
                text += f" {_t(source.url)}"
            if not source.verified:
                text += f" {_b(_t('Not verified.'))}"
                if source.note:
                    text += f" {_t(source.note)}"
            story.append(self.w.para(text, style))
        return story


def _problems_by_item(assessment: Assessment) -> dict[str, list[str]]:
    result: dict[str, list[str]] = {}
    for problem in assessment.problems:
        item = problem.where.item
        detail = problem.message if problem.item == item else f"{problem.item}: {problem.message}"
        result.setdefault(item, []).append(detail)
    return result


def clinician_story(
    *,
    definition: Definition,
    assessment: Assessment,
    settings: ClinicSettings,
    writer: Writer,
    citations: Citations,
    amendments: Sequence[AmendmentNote],
    lifecycle: LifecycleNote,
) -> list[Flowable]:
    """The flowables of the clinician summary (a fresh list on every call)."""
    return _Summary(
        definition=definition,
        assessment=assessment,
        settings=settings,
        writer=writer,
        citations=citations,
        amendments=amendments,
        lifecycle=lifecycle,
    ).story()


def clinician_footer(
    definition: Definition,
    assessment: Assessment,
    generated_at: dt.datetime,
    writer: Writer,
    lifecycle: LifecycleNote,
) -> list[str]:
    """The footer lines of every page (plain text; ``build_pdf`` prints them literally)."""
    name = item_value(assessment, "patient_name")
    born = item_value(assessment, "date_of_birth")
    patient = name if isinstance(name, str) and name.strip() else "Patient not named"
    writer.user("Patient name", patient)
    patient_line = f"Patient: {patient}" + (
        f" \u00b7 born {born.isoformat()}" if isinstance(born, dt.date) else ""
    )
    ref = assessment.questionnaire
    identity = (
        f"{ref.id} v{ref.version} \u00b7 sha256 {ref.sha256[:12]}"
        f" \u00b7 generated {format_moment(generated_at)}"
    )
    decides = "Decision support \u2014 the psychiatrist decides."
    if lifecycle.reopened:
        decides += " REOPENED: needs re-signing."
    elif not lifecycle.signed:
        decides += " DRAFT: not signed."
    return [patient_line, identity, decides]
