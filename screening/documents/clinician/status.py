"""The top of the clinician summary: header, suicide-risk box, status box, and section 1, Flags."""

from __future__ import annotations

import datetime as dt
from typing import Any

from reportlab.platypus import Flowable

from screening.assessment import FlagResult
from screening.documents.clinician.base import SummaryBase, bold, plain
from screening.documents.content import (
    EMPTY,
    age_years,
    answer_words,
    item_value,
    lifecycle_status_words,
    reopened_since,
)
from screening.typeset import StatusKind, TextParagraph
from screening.vocabulary import STATUS_MEANING

__all__ = ["StatusSections"]


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


class StatusSections(SummaryBase):
    """Header, crisis box, status box and the flags section."""

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
            return [TextParagraph(plain(caption), label), TextParagraph(markup, s.table_cell)]

        rows = [
            [
                *pair("Patient", bold(self.user("Patient name", name))),
                *pair("MRN", self.user("MRN", item_value(self.a, "mrn"))),
            ],
            [*pair("Date of birth", plain(born_text)), *pair("Screening date", plain(screened))],
            [
                *pair("Sex at birth", plain(sex)),
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
            plain("Suicide risk outranks scheduling: follow the clinic's crisis protocol now."),
        ]
        lines.append(
            self.w.bullets(
                f"{bold(plain(flag.title))}: {plain(flag.action)}" for flag in self.a.flags if flag.crisis
            )
        )
        lines.append(
            [
                self.w.para(bold(plain("Crisis resources for the patient:"))),
                *self.w.bullets(self.crisis_lines()),
            ]
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

    def status_box(self) -> Flowable:
        status = _STATUS[self.a.status]
        heading = f"Status: {status.word}  \u00b7  {lifecycle_status_words(self.lifecycle)}"
        lines: list[str | Flowable | list[Flowable]] = []
        if self.signed:
            decision = self.decision_words() or "no decision recorded"
            lines.append(
                plain(
                    f"{status.found} The psychiatrist reviewed the screening and signed the decision:"
                    f" {decision} (see Decision and signature)."
                )
            )
        elif self.reopened:
            lines.append(plain(status.found))
            lines += self.reopened_lines()
        else:
            lines.append(plain(f"{status.found} {status.to_do}"))
            lines.append(
                bold(
                    plain(
                        "Draft: the review is not signed. Nothing here is a decision until the"
                        " psychiatrist signs."
                    )
                )
            )
        if self.a.missing:
            missing = ", ".join(self.missing_label(ref) for ref in self.a.missing_refs)
            lines.append(f"{bold(plain(f'Missing ({len(self.a.missing)}):'))} {plain(missing)}")
        if self.a.undetermined and self.a.status == "incomplete":
            count = len(self.a.undetermined)
            lines.append(
                f"{bold(plain('Could not be evaluated:'))} "
                + plain(f"{count} rule{'s' * (count != 1)}, until the missing answers are given.")
            )
        elif self.a.undetermined:
            titles = "; ".join(self.rule_title(rule_id) for rule_id in self.a.undetermined)
            lines.append(f"{bold(plain('Could not be evaluated:'))} {plain(titles)}")
        if self.a.problems:
            lines.append(
                f"{bold(plain('Answers not accepted:'))} "
                + plain(f"{len(self.a.problems)}; they count as unanswered (see the appendix).")
            )
        if self.review is not None:
            for notice in self.review.notices:
                lines.append(f"{bold(plain('Review:'))} {plain(notice)}")
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
            bold(self.user("Lifecycle", sentence)),
            bold(
                plain(
                    "The signed decision no longer stands: the psychiatrist must review the screening"
                    " again and sign it."
                )
            ),
        ]
        if self.lifecycle.because:
            lines.append(
                [
                    self.w.para(plain("Why it needs re-signing:")),
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
                        self.w.cell(bold(plain(flag.title)), small=[plain(flag.id)]),
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
            story.append(
                self.w.para(f"{bold(plain('Relative flags without a psychiatrist note:'))} {plain(titles)}")
            )
        if review is not None and review.unmatched_acknowledgements:
            titles = "; ".join(self.rule_title(flag_id) for flag_id in review.unmatched_acknowledgements)
            story.append(
                self.w.para(
                    f"{bold(plain('Acknowledgements of flags that did not fire:'))} {plain(titles)}. "
                    + plain("They are kept in the record but apply to nothing.")
                )
            )
        return story

    def flag_row(self, flag: FlagResult) -> list[Any]:
        symbol, word, meaning = _SEVERITY[flag.severity]
        severity = self.w.cell(bold(plain(f"{symbol} {word}")), small=[plain(meaning)])
        triggers = [f"{plain(self.item_label(ref))}: {self.answer(ref)}" for ref in flag.triggered_by]
        what = self.w.cell(bold(plain(flag.title)), small=[plain(flag.id)])
        if triggers:
            what.append(self.w.para(plain("Triggered by:"), self.w.cell_small))
            what += self.w.bullets(triggers, cell=True)
        if flag.crisis:
            what.append(
                self.w.para(bold(plain("Suicide risk: crisis resources shown.")), self.styles.table_cell)
            )
        small = []
        if not flag.verified:
            small.append(plain("Rule not verified against its primary source."))
        if flag.note:
            small.append(f"{bold(plain('Note:'))} {plain(flag.note)}")
        source = self.w.cell(plain(self.cite.labels(flag.source_ids)), small=small)
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
                    plain(
                        f"Continued: the full note ({len(flag.acknowledgement):,} characters)"
                        " follows the table."
                    )
                ],
            )
        elif flag.acknowledgement:
            note = self.w.cell(self.user(f"Acknowledgement note of {flag.id}", flag.acknowledgement))
        elif flag.severity == "relative":
            note = self.w.cell(
                bold(plain("Not acknowledged")), small=[plain("A note is needed before proceeding.")]
            )
        else:
            note = self.w.cell(plain(EMPTY))
        return [severity, what, self.w.cell(plain(flag.action)), source, note]
