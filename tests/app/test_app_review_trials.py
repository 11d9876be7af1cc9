"""The review page's treatment criteria: every trial of the bundled screening with its answers in
words and whether it counts toward the criteria, as the engine counts it, with the reason in words;
the rule, its threshold and its sources beside the table."""

from __future__ import annotations

import re
from typing import Any

from streamlit.testing.v1 import AppTest

from tests.app.app_support import (
    COMPLETE_ANSWERS,
    PSYCHIATRIST,
    REVIEW_PAGE,
    AppEnv,
    all_text,
    open_app,
    seed_screening,
)
from ui.text import plain

COUNTS = "Counts toward Treatment-resistant depression criteria"
MSM = "Counts toward Maudsley staging (MSM)"
SERTRALINE = {
    "drug": "sertraline",
    "weeks": 10,
    "adequate_dose": True,
    "adherent": True,
    "improvement": "lt25",
}


def _review(app_env: AppEnv, trials: list[dict[str, Any]]) -> AppTest:
    with app_env.workflow() as workflow:
        identifier = seed_screening(workflow, {**COMPLETE_ANSWERS, "antidepressant_trials": trials})
    return open_app(PSYCHIATRIST, page=REVIEW_PAGE, screening=identifier)


def _unescaped(text: str) -> str:
    """A cell as the reader sees it (cells go through `ui.text.plain`, which escapes markup)."""
    return re.sub(r"\\(.)", r"\1", text)


def _trials(at: AppTest, heading: str = COUNTS) -> list[dict[str, str]]:
    """The rows of the table whose verdict column is `heading`, as the reader sees them."""
    tables = [t.value for t in at.table if plain(heading) in t.value.columns]
    assert len(tables) == 1
    return [
        {_unescaped(str(column)): _unescaped(str(value)) for column, value in row.items()}
        for _, row in tables[0].iterrows()
    ]


def test_one_trial_counts_and_a_four_week_trial_does_not(app_env: AppEnv) -> None:
    four_weeks = {
        "drug": "bupropion",
        "weeks": 4,
        "adequate_dose": True,
        "adherent": True,
        "improvement": "none",
    }
    at = _review(app_env, [SERTRALINE, four_weeks])
    assert _trials(at) == [
        {
            "Trial": "1",
            "Drug": "sertraline",
            "Weeks": "10 weeks",
            "Adequate dose": "Yes",
            "Adherent": "Yes",
            "Improvement": "Less than 25%",
            COUNTS: "Yes",
        },
        {
            "Trial": "2",
            "Drug": "bupropion",
            "Weeks": "4 weeks",
            "Adequate dose": "Yes",
            "Adherent": "Yes",
            "Improvement": "No improvement",
            COUNTS: "No — not met: Weeks is at least 6 weeks (4 weeks)",
        },
    ]
    # the row's name, the verdict, then the answers the rule reads
    assert list(_trials(at)[0]) == [
        "Trial",
        "Drug",
        COUNTS,
        "Weeks",
        "Adequate dose",
        "Adherent",
        "Improvement",
    ]
    # the count for Maudsley staging reads only the improvement
    assert _trials(at, MSM) == [
        {"Trial": "1", "Drug": "sertraline", "Improvement": "Less than 25%", MSM: "Yes"},
        {"Trial": "2", "Drug": "bupropion", "Improvement": "No improvement", MSM: "Yes"},
    ]
    text = _unescaped(all_text(at))
    assert "Treatment criteria" in text
    assert "**Adequate failed antidepressant trials: 1**" in text
    assert (
        "Needed for Treatment-resistant depression criteria: Adequate failed antidepressant trials"
        " is at least 2." in text
    )
    assert (
        "A trial counts when: Weeks is at least 6 weeks; Adequate dose is Yes; Adherent is Yes;"
        " Improvement is one of No improvement, Less than 25%, 25-49%." in text
    )
    assert "Source: Spravato US PI; Spravato EU SmPC; Sforzini 2022; Gaynes 2020" in text
    assert "Used by Maudsley staging (MSM)." in text
    assert "Source: Fekadu 2018" in text


def test_every_failed_part_of_the_rule_is_named(app_env: AppEnv) -> None:
    short = {
        "drug": "vortioxetine",
        "weeks": 3,
        "adequate_dose": False,
        "adherent": True,
        "improvement": "ge50",
    }
    at = _review(app_env, [SERTRALINE, short])
    rows = _trials(at)
    assert rows[1]["Adequate dose"] == "No"
    assert rows[1]["Improvement"] == "50% or more"
    assert rows[1][COUNTS] == (
        "No — not met: Weeks is at least 6 weeks (3 weeks); Adequate dose is Yes (No);"
        " Improvement is one of No improvement, Less than 25%, 25-49% (50% or more)"
    )
    assert _trials(at, MSM)[1][MSM] == (
        "No — not met: Improvement is one of No improvement, Less than 25%, 25-49% (50% or more)"
    )


def test_a_trial_with_a_missing_answer_is_unknown(app_env: AppEnv) -> None:
    no_weeks = {"drug": "bupropion", "adequate_dose": True, "adherent": True, "improvement": "none"}
    at = _review(app_env, [SERTRALINE, no_weeks])
    rows = _trials(at)
    assert rows[1]["Weeks"] == "Not answered"
    assert rows[1][COUNTS] == "Unknown — not answered: Weeks"
    assert _trials(at, MSM)[1][MSM] == "Yes"
    text = _unescaped(all_text(at))
    assert "**Adequate failed antidepressant trials: not computed (answers missing)**" in text


def test_trial_answers_show_as_text_never_as_markup_or_codes(app_env: AppEnv) -> None:
    hostile = "**sertraline** <b>50</b> [link](http://x) :red[x]"
    at = _review(app_env, [{**SERTRALINE, "drug": hostile}])
    table = next(t.value for t in at.table if plain(COUNTS) in t.value.columns)
    assert table["Drug"].iloc[0] == plain(hostile)
    cells = " ".join(str(value) for value in table.to_numpy().ravel())
    assert not re.search(r"\b(lt25|25to49|ge50|True|False)\b", cells)


def test_no_trials_listed(app_env: AppEnv) -> None:
    at = _review(app_env, [])
    assert not [t for t in at.table if plain(COUNTS) in t.value.columns]
    text = _unescaped(all_text(at))
    assert "**Adequate failed antidepressant trials: 0**" in text
    assert "No trial listed." in text


def test_a_computed_trigger_shows_with_its_unit(app_env: AppEnv) -> None:
    with app_env.workflow() as workflow:
        identifier = seed_screening(workflow, {**COMPLETE_ANSWERS, "weight_kg": 95.0, "height_cm": 166})
    text = _unescaped(all_text(open_app(PSYCHIATRIST, page=REVIEW_PAGE, screening=identifier)))
    assert "Triggered by:* Body-mass index: 34.5 kg/m²" in text


def test_proceed_is_named_by_its_words_in_findings_and_labels(app_env: AppEnv) -> None:
    no_weeks = {"drug": "bupropion", "adequate_dose": True, "adherent": True, "improvement": "none"}
    with app_env.workflow() as workflow:
        identifier = seed_screening(
            workflow,
            {**COMPLETE_ANSWERS, "antidepressant_trials": [SERTRALINE, no_weeks]},
            review={"decision": "proceed"},
        )
    at = open_app(PSYCHIATRIST, page=REVIEW_PAGE, screening=identifier)
    errors = [str(error.value) for error in at.error]
    assert "'Proceed' is not possible while required answers are missing." in errors
    assert not [error for error in errors if "'proceed'" in error]
    labels = [area.label for area in at.text_area]
    assert "Psychiatrist's acknowledgement (required before 'Proceed')" in labels
    assert "Psychiatrist's note on the unmet requirement (required before 'Proceed')" in labels
