"""Sections 2 to 4 of the clinician summary: scores, treatment criteria, vitals, body measures and dose."""

from __future__ import annotations

from typing import Any

from reportlab.platypus import Flowable

from screening.describe import describe
from screening.documents.clinician.base import SummaryBase, bold, plain
from screening.documents.content import (
    EMPTY,
    answer_words,
    format_number,
    item_value,
    row_counts,
    value_words,
)
from screening.model import (
    AdjustedBodyWeight,
    Bmi,
    Count,
    GroupItem,
    IdealBodyWeight,
    PerKgDose,
    Plan,
    Test,
)
from screening.plans import body_weights, chosen_dose, weight_doses
from screening.typeset import StatusKind

__all__ = ["ScoreSections"]

_MET = {True: "\u2713 Met", False: "\u2716 Not met", None: "? Unknown (answers missing)"}
_COUNTED = {True: "\u2713 Yes", False: "\u2717 No", None: "? Unknown"}
_FIELD_WEIGHTS = {"text": 1.5, "choice": 1.4, "date": 1.1, "boolean": 0.95, "integer": 0.8, "number": 0.8}


class ScoreSections(SummaryBase):
    """Scores, treatment criteria with their repeating groups, measures and the dose table."""

    # ------------------------------------------------------------------ 2 scores

    def scores(self) -> list[Flowable]:
        if not self.a.scores:
            return []
        rows: list[list[Any]] = []
        for score_id, result in self.a.scores.items():
            spec = self.d.scores.get(score_id)
            sources = self.cite.labels(spec.source) if spec and spec.source else None
            first = self.w.cell(
                bold(plain(result.title)), small=[plain(f"Source: {sources}")] if sources else []
            )
            if result.value is None:
                value = self.w.cell(plain(EMPTY))
                band = self.w.cell(plain("Not computed"), small=[plain("inputs missing or not applicable")])
            else:
                value = self.w.cell(bold(plain(format_number(result.value))))
                band = self.w.cell(
                    bold(plain(result.band)) if result.band else plain(EMPTY),
                    small=[plain(result.band_meaning)] if result.band_meaning else [],
                )
            if result.minimum is not None and result.maximum is not None:
                span = f"{format_number(result.minimum)}\u2013{format_number(result.maximum)}"
            else:
                span = EMPTY
            bands = " \u00b7 ".join(
                f"{b.label} {format_number(b.min)}\u2013{format_number(b.max)}"
                for b in (spec.bands if spec else [])
            )
            rows.append(
                [first, value, band, self.w.cell(plain(span)), self.w.cell(None, small=[plain(bands)])]
            )
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
                small = [] if result.met is True else [plain(result.unmet)]
                note = notes.get(result.id)
                source_small = [f"{bold(plain('Note:'))} {plain(note)}"] if note else []
                rows.append(
                    [
                        self.w.cell(bold(plain(result.title))),
                        self.w.cell(bold(plain(_MET[result.met])), small=small),
                        self.w.cell(plain(self.cite.labels(result.source_ids)), small=source_small),
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
                        f"{bold(plain(test.title + ':'))} {plain(words)} "
                        + plain(f"(rule: {describe(test.when, self.d)})")
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
                    f"{bold(plain(f'Count {letter}, {count.count.title}:'))} {bold(plain(total_text))}. "
                    + plain(f"A {group.row_label.lower()} counts when: {count.criteria}.")
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
            cells: list[Any] = [self.w.cell(plain(str(index + 1)))]
            for field in group.fields:
                value = row.get(field.id)
                if value is None:
                    cells.append(self.w.cell(bold(plain("MISSING")) if field.required else plain(EMPTY)))
                    continue
                words = value_words(self.d, field, value)
                field_name = f"{group.name}, {group.row_label.lower()} {index + 1}: {field.name}"
                cells.append(self.w.cell(self.user(field_name, words)))
            for count in counts:
                cells.append(self.w.cell(bold(plain(_COUNTED[count.rows[index]]))))
            table_rows.append(cells)
        story.append(self.w.table(table_rows, header=header, weights=weights))
        return story

    # ------------------------------------------------------------------ 4 measures and dose

    def measures(self) -> list[Flowable]:
        first = self.d.sections[0].section if self.d.sections else None
        pairs: list[tuple[str, str]] = []
        for item in first.items if first else []:
            if item.value_type == "number":
                pairs.append((item.name, self.answer(item.id)))
        weights = body_weights(self.d, self.a)
        for derived in self.d.derived.values():
            if isinstance(derived, Bmi):
                pairs.append((derived.title, plain(answer_words(self.d, self.a, derived.id))))
            elif isinstance(derived, (IdealBodyWeight, AdjustedBodyWeight)):
                # The dose guards' value, not the engine's: never Devine below 152.4 cm.
                weight = weights["ideal" if isinstance(derived, IdealBodyWeight) else "adjusted"]
                words = (
                    answer_words(self.d, self.a, derived.id)
                    if weight.kg is not None
                    else f"Not computed: {weight.reason or 'unknown'}"
                )
                pairs.append((derived.title, plain(words)))
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
                    row += [self.w.cell(bold(plain(caption))), self.w.cell(markup)]
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
            amount_small = [plain(dose.reason)] if dose.dose_mg is None and dose.reason else []
            per_kg = f"{dose.mg_per_kg_actual:.2f} mg/kg" if dose.mg_per_kg_actual is not None else EMPTY
            per_kg_markup = bold(plain(f"\u26a0 {per_kg}")) if dose.above_protocol else plain(per_kg)
            chosen = dose.basis == basis
            mark = bold(plain("\u2713 CHOSEN")) if chosen else plain(EMPTY)
            style = bold if chosen else (lambda markup: markup)
            rows.append(
                [
                    self.w.cell(style(plain(dose.label))),
                    self.w.cell(style(plain(weight))),
                    self.w.cell(style(plain(amount)), small=amount_small),
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
                    StatusKind.CAUTION, "Dose check", [self.w.bullets(plain(warning) for warning in warnings)]
                ),
                self.w.space(4),
            ]
        if basis is None:
            notes.append(self.w.para(bold(plain("Weight basis not chosen yet.")), self.styles.small))
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
