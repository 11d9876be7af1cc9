"""Plan arithmetic for the review and the documents: doses per weight basis and session dates.

Pure functions of a definition, an assessment and the review's choices. Nothing here decides:
the psychiatrist chooses the plan, the weight basis and the start date.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from screening.assessment import Assessment
from screening.definition import Definition
from screening.model import WEIGHT_BASES, AdjustedBodyWeight, IdealBodyWeight, PerKgDose, Plan, WeightBasis

BASIS_LABELS: dict[WeightBasis, str] = {
    "actual": "Actual body weight",
    "ideal": "Ideal body weight (Devine)",
    "adjusted": "Adjusted body weight",
}


@dataclass(frozen=True)
class WeightDose:
    """The dose of a per-kg plan for one weight basis (None when the weight is unknown)."""

    basis: WeightBasis
    label: str
    weight_kg: float | None
    dose_mg: float | None
    why_unknown: str | None = None


@dataclass(frozen=True)
class Session:
    number: int
    day: int
    date: dt.date | None
    note: str | None


def body_weights(definition: Definition, assessment: Assessment) -> dict[WeightBasis, float | None]:
    """Actual, ideal and adjusted body weight from the assessment's answers and derived values."""
    ideal_id = next((d.id for d in definition.derived.values() if isinstance(d, IdealBodyWeight)), None)
    adjusted = next((d for d in definition.derived.values() if isinstance(d, AdjustedBodyWeight)), None)
    actual: float | None = None
    if adjusted is not None:
        state = assessment.items.get(adjusted.actual_kg)
        if state is not None and isinstance(state.value, (int, float)):
            actual = float(state.value)

    def derived(derived_id: str | None) -> float | None:
        value = assessment.derived.get(derived_id) if derived_id else None
        return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None

    return {
        "actual": actual,
        "ideal": derived(ideal_id),
        "adjusted": derived(adjusted.id if adjusted else None),
    }


def weight_doses(definition: Definition, assessment: Assessment, plan: Plan) -> list[WeightDose]:
    """The plan's dose for each weight basis; empty for a fixed-dose plan."""
    if not isinstance(plan.dose, PerKgDose):
        return []
    weights = body_weights(definition, assessment)
    result: list[WeightDose] = []
    for basis in WEIGHT_BASES:
        weight = weights[basis]
        why = None
        if weight is None:
            why = (
                "weight not recorded"
                if basis == "actual"
                else "needs weight, height and sex at birth (male or female)"
            )
        dose = round(plan.dose.mg_per_kg * weight, 1) if weight is not None else None
        result.append(WeightDose(basis, BASIS_LABELS[basis], weight, dose, why))
    return result


def sessions(plan: Plan, start_date: dt.date | None) -> list[Session]:
    """The plan's sessions, dated from the start date when one is set (day 1 = start date)."""
    return [
        Session(
            number=index,
            day=session.day,
            date=start_date + dt.timedelta(days=session.day - 1) if start_date else None,
            note=session.note,
        )
        for index, session in enumerate(plan.sessions, start=1)
    ]


def chosen_dose(definition: Definition, assessment: Assessment, plan: Plan, basis: WeightBasis | None) -> str:
    """One line describing the dose the psychiatrist chose, for the plan sections."""
    if not isinstance(plan.dose, PerKgDose):
        later = " or ".join(f"{mg:g} mg" for mg in plan.dose.later_session_mg)
        return f"First session {plan.dose.first_session_mg:g} mg; later sessions {later}."
    minutes = f" over {plan.dose.infusion_minutes} minutes" if plan.dose.infusion_minutes else ""
    if basis is None:
        return f"{plan.dose.mg_per_kg:g} mg/kg{minutes}; weight basis not chosen yet."
    dose = next(d for d in weight_doses(definition, assessment, plan) if d.basis == basis)
    if dose.dose_mg is None or dose.weight_kg is None:
        return f"{plan.dose.mg_per_kg:g} mg/kg{minutes} on {dose.label.lower()} ({dose.why_unknown})."
    return (
        f"{dose.dose_mg:g} mg ({plan.dose.mg_per_kg:g} mg/kg x {dose.weight_kg:g} kg,"
        f" {dose.label.lower()}){minutes}."
    )
