"""Dose guards (screening/plans.py): Devine is not used below 152.4 cm, a basis above the protocol's mg/kg of
actual body weight is warned, and no dose is ever zero, negative or computed from an unknown."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from screening.assessment import Assessment
from screening.definition import Definition
from screening.engine import assess
from screening.model import PerKgDose, Plan
from screening.plans import (
    DEVINE_MIN_HEIGHT_CM,
    DEVINE_NOT_VALID,
    WeightDose,
    body_weights,
    chosen_dose,
    weight_doses,
)

IV = "iv-ketamine-induction"
ESKETAMINE = "esketamine-induction"
ON = dt.date(2026, 11, 18)


def _assess(intake: Definition, **answers: Any) -> Assessment:
    return assess(intake, {k: v for k, v in answers.items() if v is not None}, assessed_on=ON)


def _doses(intake: Definition, **answers: Any) -> dict[str, WeightDose]:
    assessment = _assess(intake, **answers)
    return {dose.basis: dose for dose in weight_doses(intake, assessment, intake.plans[IV])}


def test_the_iv_plan_is_per_kg(intake: Definition) -> None:
    dose = intake.plans[IV].dose
    assert isinstance(dose, PerKgDose) and dose.mg_per_kg == 0.5
    assert DEVINE_MIN_HEIGHT_CM == 152.4


@pytest.mark.parametrize(
    ("height", "ideal_kg"),
    [(151, None), (152.3, None), (152.4, 45.5), (153, 46.0), (168, 59.6)],
)
def test_devine_is_not_computed_below_152_4_cm(
    intake: Definition, height: float, ideal_kg: float | None
) -> None:
    doses = _doses(intake, sex_at_birth="female", height_cm=height, weight_kg=81.5)
    ideal, adjusted = doses["ideal"], doses["adjusted"]
    assert ideal.weight_kg == ideal_kg
    if ideal_kg is None:
        assert ideal.dose_mg is None and adjusted.dose_mg is None and adjusted.weight_kg is None
        assert ideal.reason == f"{DEVINE_NOT_VALID}; height {height:g} cm"
        assert adjusted.reason == "needs ideal body weight, which is not computed"
    else:
        assert ideal.dose_mg == round(0.5 * ideal_kg, 1) and ideal.reason is None
        assert adjusted.dose_mg is not None and adjusted.dose_mg > 0
    # the actual-weight dose never depends on height
    assert doses["actual"].dose_mg == 40.8 and doses["actual"].warning is None


def test_a_100_cm_entry_gives_no_ideal_weight_anywhere(intake: Definition) -> None:
    """The engine's raw Devine value for 100 cm would be 2.6 kg; the guards never show it."""
    assessment = _assess(intake, sex_at_birth="male", height_cm=100, weight_kg=40)
    weights = body_weights(intake, assessment)
    assert weights["ideal"].kg is None and weights["ideal"].reason is not None
    assert weights["ideal"].reason.startswith(DEVINE_NOT_VALID)
    assert weights["adjusted"].kg is None
    assert weights["actual"].kg == 40
    line = chosen_dose(intake, assessment, intake.plans[IV], "ideal")
    assert "not computed" in line and DEVINE_NOT_VALID in line and " 0 mg" not in line
    assert "2.6" not in line


def test_tall_thin_man_ideal_and_adjusted_doses_are_warned(intake: Definition) -> None:
    doses = _doses(intake, sex_at_birth="male", height_cm=190, weight_kg=55)
    actual, ideal, adjusted = doses["actual"], doses["ideal"], doses["adjusted"]
    assert (actual.weight_kg, actual.dose_mg, actual.above_protocol, actual.warning) == (
        55,
        27.5,
        False,
        None,
    )
    assert ideal.weight_kg == 84.0 and ideal.dose_mg == 42.0
    assert adjusted.weight_kg == 72.4 and adjusted.dose_mg == 36.2
    for dose in (ideal, adjusted):
        assert dose.above_protocol and dose.mg_per_kg_actual is not None and dose.mg_per_kg_actual > 0.5
        assert dose.warning is not None and "more than the protocol's 0.5 mg/kg" in dose.warning
    assert ideal.mg_per_kg_actual == pytest.approx(42.0 / 55)
    assert "42 mg is 0.76 mg/kg of actual body weight" in (ideal.warning or "")
    assert "36.2 mg is 0.66 mg/kg of actual body weight" in (adjusted.warning or "")


def test_heavier_patient_gets_no_warning(intake: Definition) -> None:
    """Ideal and adjusted weight below actual weight give less than 0.5 mg/kg of actual weight."""
    doses = _doses(intake, sex_at_birth="female", height_cm=168, weight_kg=81.5)
    assert all(dose.warning is None and not dose.above_protocol for dose in doses.values())
    assert doses["ideal"].mg_per_kg_actual == pytest.approx(0.5 * 59.6 / 81.5)


def test_a_basis_barely_above_actual_still_prints_above_the_protocol(intake: Definition) -> None:
    # female, 168 cm: ideal 59.6 kg; actual 59.5 kg -> 0.5008 mg/kg
    ideal = _doses(intake, sex_at_birth="female", height_cm=168, weight_kg=59.5)["ideal"]
    assert ideal.above_protocol and ideal.warning is not None
    assert "0.501 mg/kg of actual body weight" in ideal.warning


@pytest.mark.parametrize(
    ("sex", "reason"),
    [(None, "sex at birth not recorded"), ("intersex", "Devine's formula needs sex at birth male or female")],
)
def test_missing_or_other_sex_gives_no_ideal_dose(intake: Definition, sex: str | None, reason: str) -> None:
    doses = _doses(intake, sex_at_birth=sex, height_cm=170, weight_kg=70)
    assert doses["ideal"].dose_mg is None and doses["ideal"].reason == reason
    assert doses["adjusted"].dose_mg is None
    assert doses["actual"].dose_mg == 35.0


def test_missing_weight_gives_no_actual_or_adjusted_dose(intake: Definition) -> None:
    doses = _doses(intake, sex_at_birth="female", height_cm=168)
    assert doses["actual"].dose_mg is None and doses["actual"].reason == "weight not recorded"
    assert doses["adjusted"].dose_mg is None
    assert doses["adjusted"].reason == "needs actual body weight (weight not recorded)"
    ideal = doses["ideal"]
    assert ideal.dose_mg == 29.8 and not ideal.above_protocol
    assert ideal.warning == "29.8 mg cannot be checked against actual body weight (weight not recorded)."


def test_missing_height_gives_no_ideal_dose(intake: Definition) -> None:
    doses = _doses(intake, sex_at_birth="male", weight_kg=70)
    assert doses["ideal"].reason == "height not recorded"
    assert doses["adjusted"].reason == "needs ideal body weight, which is not computed"


def test_rejected_height_says_it_was_not_accepted(intake: Definition) -> None:
    doses = _doses(intake, sex_at_birth="male", height_cm=90, weight_kg=70)
    assert doses["ideal"].dose_mg is None
    assert doses["ideal"].reason is not None and doses["ideal"].reason.startswith("height not accepted: ")


def test_nothing_answered_gives_no_dose_at_all(intake: Definition) -> None:
    doses = _doses(intake)
    assert all(dose.dose_mg is None and dose.reason for dose in doses.values())


@pytest.mark.parametrize("weight", [0, -5])
def test_zero_or_negative_weight_is_refused_and_never_dosed(intake: Definition, weight: float) -> None:
    """Impossible weights are rejected by the item's range; no basis is dosed from them."""
    assessment = _assess(intake, sex_at_birth="female", height_cm=168, weight_kg=weight)
    assert any(problem.item == "weight_kg" for problem in assessment.problems)
    doses = {d.basis: d for d in weight_doses(intake, assessment, intake.plans[IV])}
    assert doses["actual"].dose_mg is None and doses["adjusted"].dose_mg is None
    assert (doses["actual"].reason or "").startswith("weight not accepted")


def test_chosen_dose_lines(intake: Definition) -> None:
    plan = intake.plans[IV]
    tall = _assess(intake, sex_at_birth="male", height_cm=190, weight_kg=55)
    assert chosen_dose(intake, tall, plan, "ideal") == (
        "42 mg (0.5 mg/kg x 84 kg, Devine ideal body weight) over 40 minutes."
    )
    assert chosen_dose(intake, tall, plan, None) == "0.5 mg/kg over 40 minutes; weight basis not chosen yet."
    short = _assess(intake, sex_at_birth="female", height_cm=140, weight_kg=50)
    assert chosen_dose(intake, short, plan, "adjusted") == (
        "0.5 mg/kg over 40 minutes on adjusted body weight \u2014 not computed: needs ideal body weight,"
        " which is not computed; choose another weight basis."
    )
    assert weight_doses(intake, short, intake.plans[ESKETAMINE]) == []


def _plan(intake: Definition) -> Plan:
    return intake.plans[IV]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    sex=st.sampled_from([None, "female", "male", "intersex", "unknown"]),
    height=st.one_of(st.none(), st.floats(min_value=100, max_value=250, allow_nan=False)),
    weight=st.one_of(st.none(), st.floats(min_value=20, max_value=350, allow_nan=False)),
)
def test_doses_are_never_nonsense(
    intake: Definition, sex: str | None, height: float | None, weight: float | None
) -> None:
    assessment = _assess(intake, sex_at_birth=sex, height_cm=height, weight_kg=weight)
    doses = {d.basis: d for d in weight_doses(intake, assessment, _plan(intake))}
    for dose in doses.values():
        if dose.dose_mg is None:
            assert dose.reason, dose  # never unknown without why
        else:
            assert dose.dose_mg > 0 and dose.weight_kg is not None and dose.weight_kg > 0
            assert dose.reason is None
    ideal_known = sex in ("female", "male") and height is not None and height >= DEVINE_MIN_HEIGHT_CM
    assert (doses["ideal"].dose_mg is not None) == ideal_known
    assert (doses["actual"].dose_mg is not None) == (weight is not None)
    assert (doses["adjusted"].dose_mg is not None) == (ideal_known and weight is not None)
    for dose in doses.values():
        if dose.dose_mg is not None and weight is not None:
            assert dose.weight_kg is not None
            assert dose.above_protocol == (dose.weight_kg > weight)
            assert (dose.warning is not None) == dose.above_protocol
