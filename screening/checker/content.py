"""Plans, evidence and handout blocks: sources and plans they name, session days and phases,
doses by age, and the placeholders in text for patients."""

from __future__ import annotations

from screening.checker.conditions import check_condition
from screening.checker.context import Context, Loc
from screening.checker.references import parameter, placeholders, plans, sources
from screening.issues import did_you_mean
from screening.model import AgeYears, FixedDose, OlderAdultDose, ParamRef, Plan


def check_content(ctx: Context) -> None:
    q = ctx.q
    for index, plan in enumerate(q.plans):
        loc: Loc = ("plans", index)
        sources(ctx, plan.source, (*loc, "source"))
        days = [session.day for session in plan.sessions]
        if days != sorted(set(days)):
            ctx.add("session-days-order", (*loc, "sessions"), plan=plan.id)
        _plan_phases(ctx, plan, loc)
        if isinstance(plan.dose, FixedDose) and plan.dose.older_adult is not None:
            _older_adult_dose(ctx, plan.id, plan.dose.older_adult, (*loc, "dose", "older_adult"))
        placeholders(ctx, plan.patient_summary, (*loc, "patient_summary"))
        for key in ("before_session", "after_session"):
            for line_index, line in enumerate(getattr(plan, key)):
                placeholders(ctx, line, (*loc, key, line_index))
    for index, entry in enumerate(q.evidence):
        loc = ("evidence", index)
        sources(ctx, entry.source, (*loc, "source"))
        plans(ctx, entry.plans, (*loc, "plans"))
        if not entry.source:
            ctx.add("evidence-without-source", (*loc, "id"), ref=entry.id)
        if entry.show_if is not None:
            check_condition(ctx, entry.show_if, (*loc, "show_if"), None)
        if entry.patient_text:
            placeholders(ctx, entry.patient_text, (*loc, "patient_text"))
    for index, block in enumerate(q.handout):
        loc = ("handout", index)
        sources(ctx, block.source, (*loc, "source"))
        plans(ctx, block.plans, (*loc, "plans"))
        if block.show_if is not None:
            check_condition(ctx, block.show_if, (*loc, "show_if"), None)
        placeholders(ctx, block.heading, (*loc, "heading"))
        for key in ("paragraphs", "bullets"):
            for line_index, line in enumerate(getattr(block, key)):
                placeholders(ctx, line, (*loc, key, line_index))
    sources(ctx, q.source, ("source",))


def _plan_phases(ctx: Context, plan: Plan, loc: Loc) -> None:
    """Phase ids unique within the plan; every session's phase one of them; step sources known."""
    first: dict[str, int] = {}
    for index, phase in enumerate(plan.phases):
        if phase.id in first:
            ctx.add("duplicate-phase", (*loc, "phases", index, "id"), plan=plan.id, ref=phase.id)
        first.setdefault(phase.id, index)
    for index, session in enumerate(plan.sessions):
        if session.phase is not None and session.phase not in first:
            hint = did_you_mean(session.phase, list(first))
            ctx.add(
                "unknown-phase", (*loc, "sessions", index, "phase"), hint, plan=plan.id, ref=session.phase
            )
    for index, step in enumerate(plan.before_first_session):
        sources(ctx, step.source, (*loc, "before_first_session", index, "source"))


def _older_adult_dose(ctx: Context, plan_id: str, dose: OlderAdultDose, loc: Loc) -> None:
    """Doses by age need the screening's age and parameters that are positive numbers."""
    if not any(isinstance(spec, AgeYears) for spec in ctx.d.derived.values()):
        ctx.add("dose-by-age-without-age", loc, plan=plan_id)
    for key in ("from_age", "first_session_mg"):
        operand = getattr(dose, key)
        known, value = parameter(ctx, operand, (*loc, key))
        if not known or not isinstance(operand, ParamRef):
            continue
        positive = key == "first_session_mg"
        if isinstance(value, bool) or not isinstance(value, (int, float)) or (positive and value <= 0):
            quality = "positive " if positive else ""
            ctx.add(
                "parameter-not-number",
                (*loc, key),
                param=operand.param,
                quality=quality,
                setting=key,
                plan=plan_id,
            )
