"""The patient handout: plain language, large type, headings a patient can scan.

Sections, in order:

* title, who it is for, the date and the clinic; a line saying the psychiatrist decides;
* a crisis box near the top when the assessment has ``crisis`` (or a handout block with
  ``emphasis: crisis`` is shown): the block's words, the crisis lines and the emergency number;
* "Your plan": the chosen plan's ``patient_summary``, whether it is off-label, where the decision
  stands (a reopened screening's plan is said not to be final until the psychiatrist signs again),
  and the session dates when a start date is set;
* the questionnaire's handout blocks, in order, for the chosen plan (every plan when none is
  chosen) and whose ``show_if`` is true for the patient's answers. ``warning`` blocks print in a
  box. The plan's ``before_session`` and ``after_session`` lines are merged into the block headed
  "Before each session" / "After each session" (or printed as such sections after "Your plan" when
  there is no such block). A line already printed is not printed again;
* "How it may help" and "Possible side effects and risks": the ``patient_text`` of the plan's
  evidence, placed after the introductory blocks (up to and including the first block that applies
  to every plan);
* "How to reach us": the clinic's name and phone (or "Ask the clinic for its phone number"), other
  contacts, the crisis lines and the emergency number; always printed.

Questionnaire text has its placeholders (``{emergency_number}``, ``{iv_fasting}``) filled from the
clinic settings (``ClinicSettings.fill``); evidence with a ``show_if`` (an age group) is printed only
when it is true for the patient.

The handout never shows flag ids, risk labels, scores or statuses. A reopened screening's handout
has :func:`handout_reopened_notice` at the top of every page (``build.build_documents``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence

from reportlab.platypus import CondPageBreak, Flowable

from screening.assessment import Assessment
from screening.config import ClinicSettings
from screening.definition import Definition
from screening.documents.content import (
    LifecycleNote,
    chosen_plan,
    day_month_year,
    evidence_for,
    handout_blocks,
    item_value,
    long_date,
)
from screening.documents.writer import Writer
from screening.model import HandoutBlock, Plan
from screening.plans import schedule, treatment_days_words
from screening.typeset import StatusKind, text_markup

__all__ = ["handout_footer", "handout_reopened_notice", "handout_story", "handout_title"]

BEFORE_HEADING = "Before each session"
AFTER_HEADING = "After each session"


def _t(text: str) -> str:
    return text_markup(text, isolate=False)


def _b(markup: str) -> str:
    return f"<b>{markup}</b>"


def _key(line: str) -> str:
    """Lines that differ only in case, spacing or punctuation are the same line."""
    return re.sub(r"[\W_]+", " ", line.casefold()).strip()


def handout_title(plan: Plan | None) -> str:
    return "Your ketamine treatment: what to know"


def handout_reopened_notice(since: dt.datetime | None) -> str:
    """The patient's notice on every page of a reopened screening, in plain words."""
    when = f" on {long_date(since.date())}" if since is not None else ""
    return (
        f"Not final: your screening changed{when}, after your psychiatrist signed it."
        " Your psychiatrist must check it and sign again."
    )


class _Handout:
    def __init__(
        self,
        definition: Definition,
        assessment: Assessment,
        settings: ClinicSettings,
        writer: Writer,
        generated_at: dt.datetime,
        *,
        lifecycle: LifecycleNote,
    ) -> None:
        self.d = definition
        self.a = assessment
        self.settings = settings
        self.w = writer
        self.styles = writer.styles
        self.generated_at = generated_at
        self.plan = chosen_plan(definition, assessment)
        self.review = assessment.review
        self.lifecycle = lifecycle
        self.blocks = handout_blocks(definition, assessment, self.plan)
        self.printed: set[str] = set()

    # ------------------------------------------------------------------ helpers

    def fresh(self, lines: Iterable[str]) -> list[str]:
        """The lines not printed yet (and marks them printed)."""
        kept = []
        for line in map(self.settings.fill, lines):
            key = _key(line)
            if key and key not in self.printed:
                self.printed.add(key)
                kept.append(line)
        return kept

    def section(
        self, heading: str, paragraphs: Sequence[str] = (), bullets: Sequence[str] = ()
    ) -> list[Flowable]:
        paragraphs, bullets = self.fresh(paragraphs), self.fresh(bullets)
        if not paragraphs and not bullets:
            return []
        story: list[Flowable] = [*self.w.heading(self.settings.fill(heading))]
        story += [self.w.text(paragraph) for paragraph in paragraphs]
        story += self.w.bullets(_t(bullet) for bullet in bullets)
        return story

    def contact_lines(self) -> list[str]:
        user = self.w.user
        lines = [
            f"{_b(user('Crisis line label', line.label))}: {user('Crisis line contact', line.contact)}"
            for line in self.settings.crisis_lines
        ]
        emergency = user("Emergency number", self.settings.emergency_number)
        lines.append(f"{_b(_t('Emergency:'))} {_t('call')} {emergency}")
        return lines

    # ------------------------------------------------------------------ the story

    def story(self) -> list[Flowable]:
        story: list[Flowable] = [*self.opening()]
        crisis_blocks = [block for block in self.blocks if block.emphasis == "crisis"]
        if self.a.crisis or crisis_blocks:
            story += [self.w.space(6), self.crisis_box(crisis_blocks), self.w.space(4)]
        story += self.plan_section()
        plan_before = list(self.plan.before_session) if self.plan else []
        plan_after = list(self.plan.after_session) if self.plan else []
        headings = {_key(block.heading) for block in self.blocks}
        if plan_before and _key(BEFORE_HEADING) not in headings:
            story += self.section(BEFORE_HEADING, bullets=plan_before)
        if plan_after and _key(AFTER_HEADING) not in headings:
            story += self.section(AFTER_HEADING, bullets=plan_after)
        evidence_done = False
        for block in self.blocks:
            if block.emphasis == "crisis":
                continue
            extra: list[str] = []
            if _key(block.heading) == _key(BEFORE_HEADING):
                extra = plan_before
            elif _key(block.heading) == _key(AFTER_HEADING):
                extra = plan_after
            story += self.block(block, extra)
            if not evidence_done and not block.plans and block.emphasis == "normal":
                story += self.evidence()
                evidence_done = True
        if not evidence_done:
            story += self.evidence()
        story += self.contact()
        return story

    def opening(self) -> list[Flowable]:
        s = self.styles
        name = item_value(self.a, "patient_name")
        story: list[Flowable] = [self.w.text(handout_title(self.plan), s.title)]
        story.append(self.w.para(f"{_b(_t('For:'))} {self.w.user('Patient name', name, empty='')}"))
        story.append(self.w.para(f"{_b(_t('Date:'))} {_t(long_date(self.generated_at.date()))}"))
        story.append(self.w.para(f"{_b(_t('From:'))} {self.w.user('Clinic name', self.settings.name)}"))
        story.append(
            self.w.text(
                "This sheet is about the treatment we talked about. Your psychiatrist decides with you if"
                " it is right for you. Please ask us about anything that is not clear."
            )
        )
        return story

    def crisis_box(self, blocks: Sequence[HandoutBlock]) -> Flowable:
        heading = "If you have thoughts of hurting yourself"
        if blocks:
            heading = self.settings.fill(blocks[0].heading)
        lines: list[str | Flowable | list[Flowable]] = []
        for block in blocks:
            lines += [_t(p) for p in self.fresh(block.paragraphs)]
            bullets = self.fresh(block.bullets)
            if bullets:
                lines.append(self.w.bullets(_t(b) for b in bullets))
        if not blocks:
            lines.append(_t("Help is there any time, day or night. You are not alone."))
        lines.append([self.w.para(_b(_t("Get help now:"))), *self.w.bullets(self.contact_lines())])
        return self.w.markup_box(StatusKind.CAUTION, heading, lines)

    def plan_section(self) -> list[Flowable]:
        story: list[Flowable] = [*self.w.heading("Your plan")]
        plan, review = self.plan, self.review
        decision = review.decision if review else None
        signed = self.lifecycle.signed
        reopened = self.lifecycle.reopened
        if plan is None:
            story.append(
                self.w.text(
                    "Your psychiatrist has not chosen a treatment plan yet. This sheet tells you about"
                    " the treatments the clinic offers."
                )
            )
            return story
        if decision == "do_not_proceed" and not reopened:
            # never "you will get ketamine…" above a decision not to start it
            story.append(
                self.w.text(
                    "Your psychiatrist has decided not to start this treatment now. Please talk with them"
                    " about other choices."
                )
            )
            return story
        story.append(self.w.text(self.settings.fill(plan.patient_summary)))
        explained = any(
            "off-label" in " ".join([b.heading, *b.paragraphs, *b.bullets]).lower() for b in self.blocks
        )
        if plan.off_label and not explained:
            story.append(
                self.w.para(
                    f"{_b(_t('Off-label:'))} "
                    + _t(
                        "this use of the medicine is not approved for depression. Doctors may still use it"
                        " when they think it can help."
                    )
                )
            )
        if reopened:
            story.append(
                self.w.para(
                    f"{_b(_t('Not final yet.'))} "
                    + _t(
                        "Something in your screening changed after your psychiatrist signed it. Your"
                        " psychiatrist will check it again and sign it before this plan is final."
                    )
                )
            )
        elif decision == "do_not_proceed":
            story.append(
                self.w.text(
                    "Your psychiatrist has decided not to start this treatment now. Please talk with them"
                    " about other choices."
                )
            )
        elif decision == "defer":
            story.append(
                self.w.text(
                    "Your psychiatrist wants more tests or checks before you start. We will tell you what"
                    " comes next."
                )
            )
        elif decision is None:
            story.append(self.w.text("Your psychiatrist has not made a final decision yet."))
        elif not signed:
            story.append(self.w.text("This plan is not final until your psychiatrist signs it."))
        if decision == "do_not_proceed":
            return story
        start = review.start_date if review else None
        moved_session = review.moved_session if review else None
        calendar = schedule(plan, start, self.settings.treatment_weekdays, moved_session)
        dated = [s for s in calendar.sessions if s.date is not None]
        phases = [phase.patient_text for phase in plan.phases if phase.patient_text]
        if phases:
            story.append(self.w.text("How often you come:"))
            story += self.w.bullets(_t(line) for line in phases)
        for step in plan.before_first_session:
            if step.patient_text:
                story.append(self.w.text(step.patient_text))
        if dated:
            dated_phases = {session.phase for session in plan.sessions}
            first = "first " if any(phase.id not in dated_phases for phase in plan.phases) else ""
            planned = f"Your {first}{len(dated)} sessions are planned for these days"
            story.append(self.w.text(planned + (", if your psychiatrist signs again:" if reopened else ":")))
            rows = [
                [
                    self.w.cell(_t(f"Session {s.number}")),
                    self.w.cell(
                        _b(_t(long_date(s.date))) + (_t(" (new date)") if s.rescheduled_from else "")
                    ),
                ]
                for s in dated
                if s.date
            ]
            story.append(self.w.table(rows, weights=[1.0, 3.0]))
            if calendar.longer_days and calendar.course_days:
                story.append(
                    self.w.text(
                        f"The clinic gives treatments {treatment_days_words(calendar.treatment_days)},"
                        f" so your sessions take {calendar.course_days} days, not the usual"
                        f" {calendar.protocol_days}."
                    )
                )
        else:
            story.append(self.w.text("We will give you the dates of your sessions."))
        return story

    def block(self, block: HandoutBlock, extra: Sequence[str]) -> list[Flowable]:
        if block.emphasis == "warning":
            paragraphs, bullets = self.fresh(block.paragraphs), self.fresh([*extra, *block.bullets])
            if not paragraphs and not bullets:
                return []
            lines: list[str | Flowable | list[Flowable]] = [_t(p) for p in paragraphs]
            if bullets:
                lines.append(self.w.bullets(_t(b) for b in bullets))
            return [
                self.w.space(8),
                self.w.markup_box(StatusKind.CAUTION, self.settings.fill(block.heading), lines),
                self.w.space(4),
            ]
        return self.section(block.heading, block.paragraphs, [*extra, *block.bullets])

    def evidence(self) -> list[Flowable]:
        """Benefits, then risks; with no plan chosen, what applies to one plan is under its name."""
        entries = [entry for entry in evidence_for(self.d, self.plan, self.a) if entry.patient_text]
        story: list[Flowable] = []
        for kind, heading in (("benefit", "How it may help"), ("risk", "Possible side effects and risks")):
            chosen = [entry for entry in entries if entry.kind == kind]
            groups: list[tuple[str | None, list[str]]] = [
                (None, [e.patient_text for e in chosen if e.patient_text and (self.plan or not e.plans)])
            ]
            if self.plan is None:
                for plan in self.d.plans.values():
                    texts = [e.patient_text for e in chosen if e.patient_text and plan.id in e.plans]
                    groups.append((plan.title.split(",")[0], texts))
            part: list[Flowable] = []
            for title, texts in groups:
                fresh = self.fresh(texts)
                if not fresh:
                    continue
                if title is not None:
                    part += self.w.heading(title, 2)
                part += self.w.bullets(_t(text) for text in fresh)
            if part:
                story += [*self.w.heading(heading), *part]
        return story

    def contact(self) -> list[Flowable]:
        s = self.settings
        phone = (
            f"{_b(_t('Phone:'))} {self.w.user('Clinic phone', s.phone)}"
            if s.phone
            else _b(_t("Ask the clinic for its phone number."))
        )
        clinic = [self.w.para(_b(self.w.user("Clinic name", s.name))), self.w.para(phone)]
        for label, field, value in (
            ("Address:", "Clinic address", s.address),
            ("Email:", "Clinic email", s.email),
            ("Hours:", "Clinic hours", s.hours),
        ):
            if value:
                clinic.append(self.w.para(f"{_b(_t(label))} {self.w.user(field, value)}"))
        crisis = [
            self.w.para(_b(_t("If you feel unsafe or have thoughts of hurting yourself:"))),
            *self.w.bullets(self.contact_lines()),
        ]
        return [
            CondPageBreak(self.w.heading_room * 1.5),
            self.w.space(10),
            self.w.markup_box(StatusKind.INFO, "How to reach us", [clinic, crisis]),
        ]


def handout_story(
    definition: Definition,
    assessment: Assessment,
    settings: ClinicSettings,
    writer: Writer,
    generated_at: dt.datetime,
    *,
    lifecycle: LifecycleNote,
) -> list[Flowable]:
    """The flowables of the patient handout (a fresh list on every call)."""
    return _Handout(definition, assessment, settings, writer, generated_at, lifecycle=lifecycle).story()


def handout_footer(settings: ClinicSettings, generated_at: dt.datetime) -> list[str]:
    return [f"{settings.name} \u00b7 {day_month_year(generated_at.date())}"]
