"""The engine hands other layers places and notices in parts, never text to parse back: missing
answers and rejected answers carry a `Ref` (item, row, field), review notices a code and ids."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from screening.answers import Ref
from screening.definition import Definition
from screening.engine import assess

ASSESSED_ON = dt.date(2026, 11, 20)

ONE_TRIAL_INCOMPLETE = [{"drug": "sertraline", "weeks": 8, "adherent": True, "improvement": "none"}]


def test_ref_path_forms() -> None:
    assert Ref("phq9_1").path == "phq9_1"
    assert Ref("antidepressant_trials", 2).path == "antidepressant_trials[2]"
    assert Ref("antidepressant_trials", 3, "adequate_dose").path == "antidepressant_trials[3].adequate_dose"


def test_a_missing_field_of_a_row_is_named_in_parts(intake: Definition) -> None:
    result = assess(intake, {"antidepressant_trials": ONE_TRIAL_INCOMPLETE}, assessed_on=ASSESSED_ON)
    assert Ref("antidepressant_trials", 1, "adequate_dose") in result.missing_refs
    assert "antidepressant_trials[1].adequate_dose" in result.missing


def test_a_missing_assessment_date_is_a_ref(intake: Definition) -> None:
    result = assess(intake, {}, assessed_on=None)
    assert result.missing_refs[0] == Ref("assessed_on")


def test_a_rejected_row_field_is_named_in_parts(intake: Definition) -> None:
    answers: dict[str, Any] = {"antidepressant_trials": [{"drug": "x", "weeks": "eight"}]}
    result = assess(intake, answers, assessed_on=ASSESSED_ON)
    refs = [problem.where for problem in result.problems]
    assert Ref("antidepressant_trials", 1, "weeks") in refs


def test_review_notices_carry_a_code_and_the_ids(intake: Definition) -> None:
    result = assess(
        intake,
        {"glaucoma": True},
        assessed_on=ASSESSED_ON,
        review={"decision": "proceed", "acknowledged": {"ci.abs.pregnant": "n/a", "ci.abs.pregnancy": "n/a"}},
    )
    assert result.review is not None
    codes = {finding.code: finding.ids for finding in result.review.findings}
    # A known flag that did not fire, and an id no rule of the questionnaire has (a typo).
    assert codes["unmatched_acknowledgement"] == ["ci.abs.pregnant"]
    assert codes["unknown_acknowledgement"] == ["ci.abs.pregnancy"]
    assert result.review.unmatched_acknowledgements == ["ci.abs.pregnant", "ci.abs.pregnancy"]
    assert result.review.unknown_acknowledgements == ["ci.abs.pregnancy"]
    (unknown,) = [f for f in result.review.findings if f.code == "unknown_acknowledgement"]
    assert "did you mean 'ci.abs.pregnant'?" in unknown.text
    assert "ci.rel.glaucoma" in codes["proceed_unacknowledged"]
    assert [finding.text for finding in result.review.findings] == result.review.notices


TRIAL_ROWS = st.lists(
    st.fixed_dictionaries(
        {},
        optional={
            "drug": st.just("sertraline"),
            "weeks": st.integers(0, 30),
            "adequate_dose": st.booleans(),
            "adherent": st.booleans(),
            "improvement": st.sampled_from(["none", "lt25", "25to49", "ge50", "remission"]),
        },
    ),
    max_size=4,
)


@settings(max_examples=60, deadline=None)
@given(trials=TRIAL_ROWS, phq9_1=st.none() | st.just("several_days"), dated=st.booleans())
def test_missing_and_missing_refs_always_agree(
    intake: Definition, trials: list[dict[str, Any]], phq9_1: str | None, dated: bool
) -> None:
    answers = {"antidepressant_trials": trials, "phq9_1": phq9_1}
    result = assess(intake, answers, assessed_on=ASSESSED_ON if dated else None)
    assert [ref.path for ref in result.missing_refs] == result.missing
