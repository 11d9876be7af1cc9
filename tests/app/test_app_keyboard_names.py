"""Keyboard and screen-reader use of the intake: the focus moves to the first question of a section
the user turns to (and stays put on the reruns that saving answers makes), the widgets of a
repeating group's rows are named with their row, and numbered questions show their number."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from screening.items import GroupItem
from tests.app.app_support import (
    COORDINATOR,
    INTAKE_PAGE,
    PSYCHIATRIST,
    AppEnv,
    answer,
    assert_ok,
    elements_with_key,
    go_to_section,
    key_of,
    open_app,
    screening_id,
    section_of,
    seed_screening,
)
from ui import widgets
from ui.state import key_class, question_key

TRIALS = section_of("antidepressant_trials")
SIGNABLE_REVIEW = {
    "protocol": "iv-ketamine-induction",
    "weight_basis": "actual",
    "start_date": "2026-12-01",
    "decision": "proceed",
    "acknowledged": {"ci.rel.hypertension_history": "Controlled on amlodipine."},
}
ASQ = section_of("asq_1")


def _focus_scripts(at: AppTest) -> list[str]:
    return [str(element.proto.body) for element in at.html if "focus move" in str(element.proto.body)]


def _focus_target(at: AppTest, item_id: str) -> str:
    return "." + key_class(question_key(screening_id(at), item_id))


def test_the_focus_moves_to_the_first_question_of_the_section_chosen_once(app_env: AppEnv) -> None:
    identifier = seed_screening(app_env.workflow(), {"patient_name": "Lena Oduya"})
    at = open_app(COORDINATOR, page=INTAKE_PAGE, screening=identifier, section=0)
    assert _focus_scripts(at) == []  # opening the page leaves the focus where the browser puts it

    at.button(key="next").click().run()
    assert_ok(at)
    scripts = _focus_scripts(at)
    assert len(scripts) == 1 and _focus_target(at, "phq9_1") in scripts[0]

    answer(at, "phq9_1", "several_days")  # saving an answer reruns the page: the focus stays put
    assert _focus_scripts(at) == []

    go_to_section(at, ASQ)
    scripts = _focus_scripts(at)
    assert len(scripts) == 1 and _focus_target(at, "asq_1") in scripts[0]

    at.button(key="previous").click().run()
    assert_ok(at)
    scripts = _focus_scripts(at)
    assert len(scripts) == 1 and _focus_target(at, "gad7_1") in scripts[0]


def test_a_locked_screening_keeps_the_focus_on_the_section_buttons(app_env: AppEnv) -> None:
    identifier = seed_screening(app_env.workflow(), review=SIGNABLE_REVIEW, signer=PSYCHIATRIST)
    at = open_app(PSYCHIATRIST, page=INTAKE_PAGE, screening=identifier, section=0)
    at.button(key="next").click().run()
    assert_ok(at)
    assert at.radio(key=key_of(at, "phq9_1")).disabled
    assert _focus_scripts(at) == []  # nothing to fill: no field to move to


def test_each_question_is_drawn_in_a_container_the_focus_script_can_find(app_env: AppEnv) -> None:
    identifier = seed_screening(app_env.workflow(), {"patient_name": "Lena Oduya"})
    at = open_app(COORDINATOR, page=INTAKE_PAGE, screening=identifier, section=ASQ)
    for item_id in ("asq_1", "asq_declined"):
        assert len(elements_with_key(at, question_key(identifier, item_id))) == 1
    assert elements_with_key(at, question_key(identifier, "asq_5")) == []  # not asked: not drawn
    assert key_class(question_key(identifier, "asq_1")) == f"st-key-question-{identifier}-asq_1"


def test_the_widgets_of_a_trial_name_their_row(app_env: AppEnv) -> None:
    identifier = seed_screening(app_env.workflow())  # two trials: sertraline, bupropion
    at = open_app(COORDINATOR, page=INTAKE_PAGE, screening=identifier, section=TRIALS)

    def label(kind: str, row: str, field: str) -> str:
        return str(getattr(at, kind)(key=key_of(at, "antidepressant_trials", row, field)).label)

    assert label("text_input", "0", "drug") == "Trial 1: Drug"
    assert label("number_input", "1", "weeks") == "Trial 2: Weeks"
    assert label("radio", "1", "adequate_dose") == "Trial 2: Adequate dose"
    assert label("radio", "0", "adherent") == "Trial 1: Adherent"
    assert label("selectbox", "1", "improvement") == "Trial 2: Improvement"
    remove = at.button(key=f"remove:{identifier}:antidepressant_trials:1")
    assert remove.label == "Remove trial 2"

    at.button(key=f"remove:{identifier}:antidepressant_trials:0").click().run()
    assert_ok(at)
    # The row left is now the first: its widgets are named after its new place.
    drug = at.text_input(key=key_of(at, "antidepressant_trials", "1", "drug"))
    assert drug.value == "bupropion" and drug.label == "Trial 1: Drug"
    assert at.button(key=f"remove:{identifier}:antidepressant_trials:1").label == "Remove trial 1"


def test_the_row_noun_comes_from_the_group_definition() -> None:
    group = GroupItem.model_validate(
        {
            "id": "courses",
            "type": "group",
            "text": "Courses of ECT",
            "row_label": "Course",
            "fields": [{"id": "sessions", "type": "integer", "label": "Sessions", "text": "How many?"}],
        }
    )
    assert widgets.row_name(group, 2) == "Course 3"
    assert widgets.field_label(group, 0, group.fields[0]) == "Course 1: Sessions"


def test_numbered_questions_show_their_number(app_env: AppEnv) -> None:
    at = open_app(COORDINATOR)
    at.button(key="new-screening").click().run()
    assert_ok(at)
    go_to_section(at, ASQ)
    first = at.radio(key=key_of(at, "asq_1"))
    assert first.label == "1.\N{NO-BREAK SPACE}In the past few weeks, have you wished you were dead?"
    assert str(at.radio(key=key_of(at, "asq_4")).label).startswith("4.\N{NO-BREAK SPACE}Have you ever")
    # A question without a number is shown as it is written.
    declined = at.radio(key=key_of(at, "asq_declined"))
    assert declined.label == "Did the patient decline to answer any of these questions? (optional)"
    answer(at, "asq_1", True)
    acuity = at.radio(key=key_of(at, "asq_5"))
    assert acuity.label == "5.\N{NO-BREAK SPACE}Are you having thoughts of killing yourself right now?"
