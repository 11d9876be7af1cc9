"""Sections 5 and 6 of the clinician summary: benefits and risks, and the proposed plan."""

from __future__ import annotations

import datetime as dt
from typing import Any

from reportlab.platypus import Flowable

from screening.describe import describe
from screening.documents.clinician.base import ARROW, SummaryBase, bold, plain
from screening.documents.content import EMPTY, evidence_for, format_date
from screening.model import Plan
from screening.plans import chosen_dose, dose_for, schedule, treatment_days_words
from screening.typeset import StatusKind

__all__ = ["PlanSections"]

_SESSION_WEIGHTS = {False: [0.7, 0.7, 1.7, 0.7, 0.7, 1.7], True: [0.6, 1.0, 1.7, 0.6, 1.0, 1.7]}
"""Column weights of the sessions table; a plan with phases prints the week in the day column."""


class PlanSections(SummaryBase):
    """Evidence for the plan, and the plan with its sessions and safety lines."""

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
                    small.append(plain(f"Applies to: {titles}"))
                if entry.show_if is not None:
                    small.append(plain(f"For patients with: {describe(entry.show_if, self.d)}"))
                if entry.note:
                    small.append(plain(entry.note))
                source_small = (
                    [] if entry.verified else [plain("Figure not verified against its primary source.")]
                )
                rows.append(
                    [
                        self.w.cell(plain(entry.statement), small=small),
                        self.w.cell(bold(plain(entry.figure)) if entry.figure else plain(EMPTY)),
                        self.w.cell(plain(self.cite.labels(entry.source)), small=source_small),
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
            story.append(
                self.w.para(bold(plain("No protocol chosen yet.")) + " " + plain("The plans available:"))
            )
            choices = [
                [
                    self.w.cell(bold(plain(p.title))),
                    self.w.cell(plain(p.regulatory)),
                    self.w.cell(plain(p.dose.description)),
                    self.w.cell(plain(p.schedule)),
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
        regulatory = plain(plan.regulatory)
        if plan.off_label:
            regulatory = f"{bold(plain('OFF-LABEL.'))} {regulatory}"
        plan_small = [] if plan.verified else [plain("Not verified against its primary sources.")]
        if plan.note:
            plan_small.append(plain(plan.note))
        chosen = dose_for(self.d, self.a, plan, basis) if basis else None
        dose_markups = [bold(plain(chosen_dose(self.d, self.a, plan, basis)))]
        if chosen is not None and chosen.warning:
            dose_markups.append(bold(plain(f"\u26a0 Dose check: {chosen.warning}")))
        rows: list[list[Any]] = [
            [self.w.cell(bold(plain("Protocol"))), self.w.cell(bold(plain(plan.title)), small=plan_small)],
            [self.w.cell(bold(plain("Drug and route"))), self.w.cell(plain(f"{plan.drug}; {plan.route}"))],
            [self.w.cell(bold(plain("Regulatory status"))), self.w.cell(regulatory)],
            [
                self.w.cell(bold(plain("Dose"))),
                self.w.cell(*dose_markups, small=[plain(plan.dose.description)]),
            ],
            [self.w.cell(bold(plain("Schedule"))), self.w.cell(plain(plan.schedule))],
            *self.phase_rows(plan),
            [self.w.cell(bold(plain("Start date"))), self.start_cell(plan, start)],
            [self.w.cell(bold(plain("Observation"))), self.w.cell(plain(plan.observation))],
            [self.w.cell(bold(plain("Sources"))), self.w.cell(plain(self.cite.labels(plan.source)))],
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
                story += self.w.bullets(plain(self.settings.fill(line)) for line in lines)
        return story

    def phase_rows(self, plan: Plan) -> list[list[Any]]:
        """The plan's phases and the steps before session 1 (e.g. REMS patient enrollment)."""
        rows: list[list[Any]] = []
        if plan.phases:
            phases = [
                bold(plain(f"{phase.title}, weeks {phase.weeks}: {phase.frequency.lower()}."))
                + (" " + plain(phase.description) if phase.description else "")
                for phase in plan.phases
            ]
            rows.append([self.w.cell(bold(plain("Phases"))), self.w.cell(*phases)])
        for step in plan.before_first_session:
            small = [plain(self.cite.labels(step.source))] if step.source else []
            rows.append(
                [
                    self.w.cell(bold(plain("Before session 1"))),
                    self.w.cell(bold(plain(step.title)), plain(step.text), small=small),
                ]
            )
        return rows

    def start_cell(self, plan: Plan, start: dt.date | None) -> list[Flowable]:
        """The start date; when it is not a treatment day, the first session's date and why."""
        if start is None:
            return self.w.cell(plain("Not set"))
        dated = schedule(plan, start, self.settings.treatment_weekdays)
        if dated.first_day is None or dated.first_day == start:
            return self.w.cell(plain(format_date(start)))
        return self.w.cell(
            plain(f"{format_date(start)} {ARROW} first session {format_date(dated.first_day)}"),
            small=[plain(dated.start_note or "")],
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
                date_markup = plain(f"{date}{moved}") + (bold(plain(" \u2021 moved")) if rescheduled else "")
                row += [
                    self.w.cell(bold(plain(f"{session.number}{mark}"))),
                    self.w.cell(plain(f"day {session.day}{week}")),
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
            note = plain(dated.course_note)
            story.append(self.w.para(bold(note) if dated.longer_days else note, self.styles.small))
        for session in dated.moved:
            if session.rescheduled_from is not None:  # the psychiatrist's move says it (below)
                continue
            story.append(self.w.text(f"\u2020 Session {session.number}: {session.moved}", self.styles.small))
        if dated.move_note:
            mark = "\u2021 " if dated.move_applied else "\u26a0 "
            note = plain(mark + dated.move_note)
            story.append(self.w.para(bold(note) if dated.move_warnings else note, self.styles.small))
        for session in planned:
            if session.note:
                story.append(self.w.text(f"* Session {session.number}: {session.note}", self.styles.small))
        return story

    def safety_lines(self) -> list[Flowable]:
        lines = [
            f"{bold(plain('Blood pressure:'))} "
            + plain("before the session, at about 40 minutes, and before discharge."),
            f"{bold(plain('Driving:'))} "
            + plain("no driving or operating machinery until the next day after a restful sleep."),
        ]
        return [
            self.w.space(4),
            self.w.markup_box(StatusKind.INFO, "At every session", [self.w.bullets(lines)]),
        ]
