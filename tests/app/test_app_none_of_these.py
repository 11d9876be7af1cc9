"""Answering many yes/no questions at once, and choices that exclude each other, in the intake:
"None of these" under a block of yes/no history questions answers No only to the questions left
unanswered (each saved and audited as its own answer, a Yes kept), and the medication list's
"None of these" and a medication class replace each other in the widget. Messages name options
and rules in words, not by their codes."""

from __future__ import annotations

from typing import Any

from streamlit.testing.v1 import AppTest

from screening.answers import Problem, Ref
from screening.items import GroupItem
from tests.app.app_support import (
    COORDINATOR,
    INTAKE_PAGE,
    NO_HISTORY,
    AppEnv,
    answer,
    assert_ok,
    intake_definition,
    open_app,
    section_of,
    seed_screening,
    widget,
)
from ui import widgets
from ui.summary import rule_words

HISTORY_BLOCK = [item_id for item_id in NO_HISTORY if item_id not in ("pregnant", "breastfeeding")] + [
    "hypertension_history"
]
"""The medical history's yes/no questions asked of every patient (pregnancy is asked on its own)."""

PATIENT: dict[str, Any] = {"patient_name": "Ana Silva", "sex_at_birth": "female"}


def _block_button(at: AppTest, identifier: str) -> Any:
    buttons = [b for b in at.button if b.key == f"none-of-these:{identifier}:ketamine_hypersensitivity"]
    return buttons[0] if buttons else None


def _open_history(identifier: str) -> AppTest:
    return open_app(COORDINATOR, page=INTAKE_PAGE, screening=identifier, section=section_of("porphyria"))


def test_blocks_are_the_unconditional_yes_no_runs_of_the_screenings_own_sections() -> None:
    definition = intake_definition()
    blocks = {
        view.id: [[item.id for item in block] for block in widgets.yes_no_blocks(definition, view)]
        for view in definition.sections
    }
    assert sorted(blocks["medical_history"][0]) == sorted(HISTORY_BLOCK)
    assert len(blocks["medical_history"]) == 1
    # an included instrument (the ASQ) is asked question by question; short runs get no button
    assert blocks["asq"] == [] and blocks["logistics"] == [] and blocks["trd_history"] == []


def test_none_of_these_answers_only_the_unanswered_and_keeps_a_yes(app_env: AppEnv) -> None:
    given = {**PATIENT, "heart_disease": True, "glaucoma": False}
    with app_env.workflow() as workflow:
        identifier = seed_screening(workflow, given)
        before = workflow.store.get_screening(identifier).revision
    at = _open_history(identifier)
    button = _block_button(at, identifier)
    assert button is not None and button.label == "No to all the others"
    button.click().run()
    assert_ok(at)

    with app_env.workflow() as workflow:
        detail = workflow.store.get_screening(identifier)
        history = workflow.history(identifier)
    answers = detail.answers
    assert answers["heart_disease"] is True and answers["glaucoma"] is False
    newly = [item_id for item_id in HISTORY_BLOCK if item_id not in given]
    assert all(answers[item_id] is False for item_id in newly)
    # pregnancy is never answered for the clinician
    assert "pregnant" not in answers and "breastfeeding" not in answers
    # one event, and one history entry, for each answer given by the button
    events = [e for e in detail.events if e.seq > before]
    assert sorted(str(e.payload["item"]) for e in events) == sorted(newly)
    assert all(
        e.kind == "answer_set" and e.payload == {**e.payload, "old": None, "new": False} for e in events
    )
    entries = [e for e in history if e.revision > before]
    assert sorted(str(e.target) for e in entries) == sorted(newly)
    assert all(e.kind == "answer" and e.new_words == "No" for e in entries)
    # the radios show the saved answers, and nothing is left for the button to do
    assert widget(at, "porphyria").value is False and widget(at, "heart_disease").value is True
    assert _block_button(at, identifier) is None


def test_none_of_these_with_nothing_answered_yet(app_env: AppEnv) -> None:
    with app_env.workflow() as workflow:
        identifier = seed_screening(workflow, PATIENT)
    at = _open_history(identifier)
    button = _block_button(at, identifier)
    assert button is not None and button.label == "None of these"
    assert str(len(HISTORY_BLOCK)) in str(button.help)
    button.click().run()
    assert_ok(at)
    with app_env.workflow() as workflow:
        answers = workflow.store.get_screening(identifier).answers
    assert {item_id: answers.get(item_id) for item_id in HISTORY_BLOCK} == dict.fromkeys(HISTORY_BLOCK, False)


def test_medication_none_and_a_class_replace_each_other_in_the_widget(app_env: AppEnv) -> None:
    with app_env.workflow() as workflow:
        identifier = seed_screening(workflow, {**PATIENT, "medication_classes": ["maoi", "opioid"]})
    at = open_app(
        COORDINATOR, page=INTAKE_PAGE, screening=identifier, section=section_of("medication_classes")
    )
    answer(at, "medication_classes", ["maoi", "opioid", "none"])
    assert widget(at, "medication_classes").value == ["none"]
    assert not [e for e in at.error if "combined" in str(e.value)]
    with app_env.workflow() as workflow:
        assert workflow.store.get_screening(identifier).answers["medication_classes"] == ["none"]
    answer(at, "medication_classes", ["none", "benzodiazepine"])
    assert widget(at, "medication_classes").value == ["benzodiazepine"]
    with app_env.workflow() as workflow:
        assert workflow.store.get_screening(identifier).answers["medication_classes"] == ["benzodiazepine"]


def test_exclusive_choice() -> None:
    exclusive = frozenset({"none"})
    assert widgets.exclusive_choice(["maoi"], ["maoi", "none"], exclusive) == ["none"]
    assert widgets.exclusive_choice(["none"], ["none", "opioid"], exclusive) == ["opioid"]
    assert widgets.exclusive_choice(["maoi", "opioid"], ["maoi"], exclusive) == ["maoi"]
    assert widgets.exclusive_choice([], ["opioid", "maoi"], exclusive) == ["opioid", "maoi"]


def test_messages_name_options_and_rules_in_words() -> None:
    definition = intake_definition()
    medications = definition.items["medication_classes"]
    message = "'none' cannot be combined with other choices"
    assert widgets.answer_words(definition, medications, message) == (
        "“None of these” cannot be combined with other choices"
    )
    assert rule_words(definition, ["ci.rel.hypertension_history", "trd_criteria", "gone"]) == (
        f"{definition.rules_by_id['ci.rel.hypertension_history'].title}, "
        "Treatment-resistant depression criteria, gone"
    )


def test_a_problem_in_a_group_row_is_placed_in_words() -> None:
    trials = intake_definition().items["antidepressant_trials"]
    assert isinstance(trials, GroupItem)
    weeks = Problem(
        "antidepressant_trials[2].weeks", "expected a number", Ref("antidepressant_trials", 2, "weeks")
    )
    assert widgets.problem_place(trials, weeks) == "Trial 2, Weeks"
    row = Problem("antidepressant_trials[3]", "expected a mapping", Ref("antidepressant_trials", 3))
    assert widgets.problem_place(trials, row) == "Trial 3"
