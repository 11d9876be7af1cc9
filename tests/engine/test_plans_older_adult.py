"""Esketamine day 1 at 28 mg from 65 (EU SmPC; a parameter of the intake since version 1.1).

The dose line of a fixed-dose plan follows the patient's age; while the age is unknown it gives
both first doses and never guesses; a clinic that follows the US label sets the parameter to 56.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml

from screening.definition import Definition
from screening.engine import assess
from screening.loading import load_catalog
from screening.model import Parameter
from screening.plans import chosen_dose

ROOT = Path(__file__).resolve().parents[2]
BASE = yaml.safe_load((ROOT / "tests" / "cases" / "base" / "candidate.yaml").read_text(encoding="utf-8"))
ASSESSED_ON: dt.date = BASE["assessed_on"]  # 2026-11-20
PLAN = "esketamine-induction"

OLDER = "First session 28 mg (age 65 or older); later sessions 28 mg, 56 mg or 84 mg."
YOUNGER = "First session 56 mg; later sessions 56 mg or 84 mg."
UNKNOWN = (
    "First session 56 mg, or 28 mg at 65 or older (age not known);"
    " later sessions 56 mg or 84 mg (28 mg, 56 mg or 84 mg at 65 or older)."
)


def dose_line(definition: Definition, **changes: Any) -> str:
    answers = {**BASE["answers"], **changes}
    answers = {key: value for key, value in answers.items() if value is not None}
    result = assess(definition, answers, assessed_on=ASSESSED_ON)
    return chosen_dose(definition, result, definition.plans[PLAN], None)


@pytest.mark.parametrize(
    ("born", "expected"),
    [
        (dt.date(1961, 11, 20), OLDER),  # 65 on the day
        (dt.date(1961, 11, 21), YOUNGER),  # 64, the day before the birthday
        (dt.date(1950, 1, 1), OLDER),
        (dt.date(2000, 1, 1), YOUNGER),
    ],
)
def test_the_first_dose_follows_the_age(intake: Definition, born: dt.date, expected: str) -> None:
    assert dose_line(intake, date_of_birth=born) == expected


def test_an_unknown_age_gives_both_and_never_guesses(intake: Definition) -> None:
    assert dose_line(intake, date_of_birth=None) == UNKNOWN


def test_the_day_1_dose_and_the_age_are_parameters(intake: Definition) -> None:
    parameter = intake.parameters["esketamine_first_dose_older_mg"]
    assert (parameter.value, parameter.unit) == (28, "mg")
    assert "eu_smpc" in parameter.source and parameter.note and "56 mg" in parameter.note
    us_label = parameter.model_copy(update={"value": 56})
    parameters = {**intake.questionnaire.parameters, "esketamine_first_dose_older_mg": us_label}
    following_us = dataclasses.replace(
        intake, questionnaire=intake.questionnaire.model_copy(update={"parameters": parameters})
    )
    assert dose_line(following_us, date_of_birth=dt.date(1950, 1, 1)).startswith(
        "First session 56 mg (age 65"
    )
    seventy = {**parameters, "older_adult_age": Parameter(title="Older adult", value=70)}
    later_age = dataclasses.replace(
        intake, questionnaire=intake.questionnaire.model_copy(update={"parameters": seventy})
    )
    assert dose_line(later_age, date_of_birth=dt.date(1958, 1, 1)) == YOUNGER  # 68


def test_version_1_0_0_had_no_dose_by_age() -> None:
    pinned = load_catalog([ROOT / "tests" / "fixtures" / "questionnaires-1.0.0"], run_examples=False)
    definition = pinned.get("ketamine-trd-intake")
    assert definition is not None and definition.version == "1.0.0"
    answers = {key: value for key, value in BASE["answers"].items() if key in definition.items}
    result = assess(definition, {**answers, "date_of_birth": dt.date(1950, 1, 1)}, assessed_on=ASSESSED_ON)
    assert chosen_dose(definition, result, definition.plans[PLAN], None) == YOUNGER
