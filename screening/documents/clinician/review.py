"""Sections 7 and 8 of the clinician summary (decision and signature, amendments), the appendix of
every answer, and the sources."""

from __future__ import annotations

from typing import Any

from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Flowable

from screening.documents.clinician.base import ARROW, SummaryBase, bold, plain
from screening.documents.content import EMPTY, format_moment, reopened_since, value_words
from screening.model import GroupItem

__all__ = ["UNVERIFIED_SIGNER", "ReviewSections"]

UNVERIFIED_SIGNER = "Signed in local mode: the signer's identity was not verified by a sign-in."
"""Printed under a signature given in local mode, where the signer typed their name: the summary
must not read as if the app had verified who signed."""


class ReviewSections(SummaryBase):
    """Signature, amendments, the appendix and the list of sources."""

    # ------------------------------------------------------------------ 7 decision, 8 amendments

    def signature(self) -> list[Flowable]:
        review = self.review
        decision = self.decision_words()
        story: list[Flowable] = [*self.h1("Decision and signature")]
        if self.signed:
            signer = self.lifecycle.signed_by or (review.clinician if review else None)
            signed_at = review.signed_at if review and review.signed_at else self.lifecycle.signed_at
            rows = [
                [self.w.cell(bold(plain("Decision"))), self.w.cell(bold(plain(decision or "Not recorded")))],
                [
                    self.w.cell(bold(plain("Signed by"))),
                    self.w.cell(bold(self.user("Reviewing clinician", signer))),
                ],
                [
                    self.w.cell(bold(plain("Signed at"))),
                    self.w.cell(plain(format_moment(signed_at) if signed_at else "Not recorded")),
                ],
            ]
            story.append(self.w.table(rows, weights=[1.3, 5.0]))
            if self.lifecycle.signer_authenticated is False:
                story.append(self.w.para(bold(plain(UNVERIFIED_SIGNER))))
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
                    bold(
                        plain(
                            "REOPENED: the signed decision no longer stands. It needs the psychiatrist's"
                            " review and a new signature."
                        )
                    )
                )
            )
            if self.lifecycle.because:
                story += self.w.bullets(self.user("Reopened because", why) for why in self.lifecycle.because)
            if decision:
                decision_small.append(plain("Not signed: it stands only once the psychiatrist signs again."))
            rows += self.previous_signature()
        else:
            story.append(self.w.para(bold(plain("NOT SIGNED: this summary is a draft."))))
        rows[:0] = [
            [
                self.w.cell(bold(plain("Decision"))),
                self.w.cell(
                    bold(plain(decision)) if decision else plain("Not recorded"), small=decision_small
                ),
            ]
        ]
        rows += [
            [
                self.w.cell(bold(plain("Reviewing psychiatrist"))),
                self.w.cell(
                    self.user("Reviewing clinician", review.clinician)
                    if review and review.clinician
                    else plain(blank)
                ),
            ],
            [self.w.cell(bold(plain("Signature"))), self.w.cell(plain(blank))],
            [self.w.cell(bold(plain("Date and time"))), self.w.cell(plain(blank))],
        ]
        story.append(self.w.table(rows, weights=[1.6, 4.7]))
        return story

    def previous_signature(self) -> list[list[Any]]:
        """The row of a reopened screening's old signature, shown as no longer standing."""
        signer, signed_at = self.lifecycle.signed_by, self.lifecycle.signed_at
        if not (signer and signer.strip()) and signed_at is None:
            return []
        who = f"{plain('by')} {self.user('Previous signer', signer)}" if signer and signer.strip() else ""
        when = plain(f"on {format_moment(signed_at)}") if signed_at is not None else ""
        return [
            [
                self.w.cell(bold(plain("Previously signed"))),
                self.w.cell(
                    " ".join(part for part in (who, when) if part),
                    small=[
                        bold(plain("No longer stands: the screening was reopened by an amendment.")),
                        *([plain(UNVERIFIED_SIGNER)] if self.lifecycle.signer_authenticated is False else []),
                    ],
                ),
            ]
        ]

    def amendment_section(self) -> list[Flowable]:
        if not self.amendments:
            return []
        since = reopened_since(self.lifecycle, self.amendments) if self.reopened else None
        rows = []
        for number, note in enumerate(self.amendments, start=1):
            reopened = (
                [bold(plain("Reopened the screening."))] if since is not None and note.at == since else []
            )
            changes = [
                f"{bold(self.user(f'Amendment {number} change', change.what))}: "
                f"{self.user(f'Amendment {number} old value', change.old)}"
                f" {plain(ARROW)} {self.user(f'Amendment {number} new value', change.new)}"
                for change in note.changes
            ]
            rows.append(
                [
                    self.w.cell(plain(format_moment(note.at)), small=reopened),
                    self.w.cell(self.user(f"Amendment {number} signer", note.by)),
                    self.w.cell(self.user(f"Amendment {number} reason", note.reason)),
                    self.w.cell(*changes) if changes else self.w.cell(plain("Not recorded")),
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
            story += self.w.bullets(plain(str(problem)) for problem in other)
        return story

    def answer_row(self, item_id: str, missing: set[str]) -> list[Any]:
        item = self.d.items[item_id]
        state = self.a.items.get(item_id)
        question = [plain(item.numbered_text)] if item.label and item.text != item.label else []
        label = self.w.cell(bold(plain(item.name)), small=question)
        cell: list[Flowable] = []
        for problem in self.problem_items.get(item_id, []):
            cell.append(self.w.para(bold(plain(f"\u2716 Not accepted: {problem}")), self.styles.table_cell))
        if state is None or not state.shown:
            reason = state.not_asked_reason if state and state.not_asked_reason else None
            cell.append(self.w.para(bold(plain("Not asked")), self.styles.table_cell))
            if reason:
                cell.append(self.w.para(plain(reason[0].upper() + reason[1:] + "."), self.w.cell_small))
        elif state.value is None:
            if item_id in missing:
                cell.append(self.w.para(bold(plain("MISSING (required)")), self.styles.table_cell))
            else:
                cell.append(self.w.para(plain(EMPTY), self.styles.table_cell))
                cell.append(self.w.para(plain("Optional; not answered."), self.w.cell_small))
        elif isinstance(item, GroupItem):
            cell += self.group_answer(item, state.value, missing)
        else:
            words = value_words(self.d, item, state.value, scores=True)
            cell.append(self.w.para(self.user(item.name, words), self.styles.table_cell))
        return [label, cell]

    def group_answer(self, group: GroupItem, rows: Any, missing: set[str]) -> list[Flowable]:
        if not isinstance(rows, list) or not rows:
            return [self.w.para(plain("None listed"), self.styles.table_cell)]
        lines: list[str] = []
        for number, row in enumerate(rows, start=1):
            parts = []
            for field in group.fields:
                value = row.get(field.id)
                if value is None:
                    path = f"{group.id}[{number}].{field.id}"
                    parts.append(
                        f"{plain(field.name)} {bold(plain('MISSING')) if path in missing else plain(EMPTY)}"
                    )
                    continue
                words = value_words(self.d, field, value)
                field_name = f"{group.name}, {group.row_label.lower()} {number}: {field.name}"
                parts.append(f"{plain(field.name)} {self.user(field_name, words)}")
            lines.append(f"{bold(plain(f'{group.row_label} {number}:'))} " + "; ".join(parts))
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
            text = f"[{number}]\u2002{plain(source.citation)}"
            if source.url:
                text += f" {plain(source.url)}"
            if not source.verified:
                text += f" {bold(plain('Not verified.'))}"
                if source.note:
                    text += f" {plain(source.note)}"
            story.append(self.w.para(text, style))
        return story
