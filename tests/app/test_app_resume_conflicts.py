"""Nothing is lost: a screening resumes after a server restart where it was; two people working on
the same screening see each other's answers, and a clash on one answer is shown, not overwritten."""

from __future__ import annotations

import datetime as dt

from streamlit.testing.v1 import AppTest

from tests.app.app_support import (
    COMPLETE_ANSWERS,
    COORDINATOR,
    INTAKE_PAGE,
    OTHER_COORDINATOR,
    PSYCHIATRIST,
    REVIEW_PAGE,
    AppEnv,
    add_trial,
    all_text,
    answer,
    assert_ok,
    current_section,
    go_to_section,
    key_of,
    open_app,
    restart_server,
    screening_id,
    section_of,
    seed_screening,
    widget,
)

PHQ9 = section_of("phq9_1")


def _stored(app_env: AppEnv, identifier: str) -> dict[str, object]:
    with app_env.workflow() as workflow:
        return dict(workflow.store.get_screening(identifier, events=False).answers)


def _conflict_warnings(at: AppTest) -> list[str]:
    return [str(w.value) for w in at.warning if str(w.value).startswith("Not saved:")]


def test_screening_resumes_after_a_server_restart_with_its_answers_and_section(app_env: AppEnv) -> None:
    at = open_app(COORDINATOR)
    at.button(key="new-screening").click().run()
    answer(at, "patient_name", "Aiyana Redcloud")  # the first answer creates the screening
    identifier = screening_id(at)
    answer(at, "date_of_birth", "1990-06-15")
    go_to_section(at, section_of("episode_duration_months"))
    answer(at, "episode_duration_months", 14)
    add_trial(at, {"drug": "fluoxetine", "weeks": 12, "improvement": "25to49"})
    url = dict(at.query_params)
    assert url == {"id": identifier, "section": str(section_of("episode_duration_months"))}

    restart_server()
    again = open_app(COORDINATOR, page=INTAKE_PAGE, screening=url["id"], section=int(url["section"]))
    assert current_section(again) == section_of("episode_duration_months")
    assert again.header[0].value == "Depression and treatment history"
    assert again.title[0].value == "Aiyana Redcloud"
    assert widget(again, "episode_duration_months").value == 14
    drugs = [w.value for w in again.text_input if w.key and w.key.endswith(":drug")]
    assert drugs == ["fluoxetine"]
    improvement = next(s for s in again.selectbox if s.key and s.key.endswith(":improvement"))
    assert improvement.value == "25to49"
    go_to_section(again, 0)
    assert widget(again, "date_of_birth").value == dt.date(1990, 6, 15)


def test_same_answer_changed_by_two_users_shows_both_values_and_keeps_the_input(app_env: AppEnv) -> None:
    with app_env.workflow() as workflow:
        identifier = seed_screening(workflow, {"patient_name": "Ezra Quill"})
    a = open_app(COORDINATOR, page=INTAKE_PAGE, screening=identifier, section=PHQ9)
    b = open_app(OTHER_COORDINATOR, page=INTAKE_PAGE, screening=identifier, section=PHQ9)

    answer(a, "phq9_4", "several_days")
    answer(b, "phq9_4", "nearly_every_day")  # B still saw no answer when choosing
    warnings = _conflict_warnings(b)
    assert len(warnings) == 1
    assert "Casey Coordinator changed this" in warnings[0]
    assert "Their answer: Several days. Yours: Nearly every day." in warnings[0]
    assert widget(b, "phq9_4").value == "nearly_every_day"  # B's input is kept on screen
    assert _stored(app_env, identifier)["phq9_4"] == "several_days"  # but not saved over A's

    # the notice stays through unrelated reruns, and B's other answers still save
    answer(b, "phq9_5", "not_at_all")
    assert len(_conflict_warnings(b)) == 1 and widget(b, "phq9_4").value == "nearly_every_day"

    b.button(key=f"mine:{identifier}:phq9_4").click().run()
    assert_ok(b)
    assert not _conflict_warnings(b)
    assert widget(b, "phq9_4").value == "nearly_every_day"
    assert _stored(app_env, identifier)["phq9_4"] == "nearly_every_day"

    a.run()  # A's next rerun shows B's answer
    assert widget(a, "phq9_4").value == "nearly_every_day"
    assert widget(a, "phq9_5").value == "not_at_all"


def test_keep_their_answer_drops_the_conflicting_input(app_env: AppEnv) -> None:
    with app_env.workflow() as workflow:
        identifier = seed_screening(workflow, {"patient_name": "Ezra Quill"})
    a = open_app(COORDINATOR, page=INTAKE_PAGE, screening=identifier, section=0)
    b = open_app(OTHER_COORDINATOR, page=INTAKE_PAGE, screening=identifier, section=0)
    answer(a, "weight_kg", 70.0)
    answer(b, "weight_kg", 107.0)
    warnings = _conflict_warnings(b)
    assert len(warnings) == 1 and "Their answer: 70 kg. Yours: 107 kg." in warnings[0]

    b.button(key=f"theirs:{identifier}:weight_kg").click().run()
    assert_ok(b)
    assert not _conflict_warnings(b)
    assert widget(b, "weight_kg").value == 70.0
    assert _stored(app_env, identifier)["weight_kg"] == 70
    # B can change it again now that they have seen A's answer: no conflict this time
    answer(b, "weight_kg", 71.5)
    assert not _conflict_warnings(b)
    assert _stored(app_env, identifier)["weight_kg"] == 71.5


def test_two_users_answering_different_items_never_conflict(app_env: AppEnv) -> None:
    with app_env.workflow() as workflow:
        identifier = seed_screening(workflow, {"patient_name": "Ezra Quill"})
    a = open_app(COORDINATOR, page=INTAKE_PAGE, screening=identifier, section=PHQ9)
    b = open_app(OTHER_COORDINATOR, page=INTAKE_PAGE, screening=identifier, section=PHQ9)
    for n in range(1, 5):
        answer(a, f"phq9_{n}", "several_days")
        answer(b, f"phq9_{n + 4}", "nearly_every_day")
        assert not _conflict_warnings(a) and not _conflict_warnings(b)
    assert "Someone else also changed this screening" in all_text(b)
    a.run()
    stored = _stored(app_env, identifier)
    for n in range(1, 9):
        expected = "several_days" if n <= 4 else "nearly_every_day"
        assert stored[f"phq9_{n}"] == expected
        assert widget(a, f"phq9_{n}").value == expected
        assert widget(b, f"phq9_{n}").value == expected or n <= 4  # B reruns last on its own answer
    with app_env.workflow() as workflow:  # every save recorded the status of all the answers stored
        listed = workflow.screenings()[0]
    assert listed.status_current and listed.status == "incomplete"


def test_review_changed_by_another_psychiatrist_is_a_conflict(app_env: AppEnv) -> None:
    with app_env.workflow() as workflow:
        identifier = seed_screening(workflow, COMPLETE_ANSWERS)
    colleague = PSYCHIATRIST.__class__(
        id="local:dr-lund", name="M. Lund", role="psychiatrist", authenticated=False, credentials="MD"
    )
    a = open_app(PSYCHIATRIST, page=REVIEW_PAGE, screening=identifier)
    b = open_app(colleague, page=REVIEW_PAGE, screening=identifier)
    a.radio(key=f"review:{identifier}:decision").set_value("defer").run()
    assert_ok(a)
    b.radio(key=f"review:{identifier}:decision").set_value("do_not_proceed").run()
    assert_ok(b)
    warnings = _conflict_warnings(b)
    assert len(warnings) == 1 and "R. Okafor changed this" in warnings[0]
    b.button(key=f"mine:{identifier}:review").click().run()
    assert_ok(b)
    assert not _conflict_warnings(b)
    with app_env.workflow() as workflow:
        review = workflow.store.get_screening(identifier, events=False).review
    assert review is not None and review["decision"] == "do_not_proceed"


def test_a_stale_sign_is_refused_until_the_changes_are_seen(app_env: AppEnv) -> None:
    with app_env.workflow() as workflow:
        identifier = seed_screening(workflow, COMPLETE_ANSWERS, review={"decision": "defer"})
    doc = open_app(PSYCHIATRIST, page=REVIEW_PAGE, screening=identifier)
    coordinator = open_app(COORDINATOR, page=INTAKE_PAGE, screening=identifier, section=0)
    answer(coordinator, "heart_rate", 88)
    assert key_of(coordinator, "heart_rate")
    doc.button(key=f"review:{identifier}:sign").click().run()
    assert_ok(doc)
    assert "Not signed: Casey Coordinator changed the screening after you opened it" in all_text(doc), (
        all_text(doc)
    )
    with app_env.workflow() as workflow:
        assert not workflow.store.get_screening(identifier, events=False).locked
    doc.run()  # the psychiatrist now sees the change, and can sign what is on the screen
    doc.button(key=f"review:{identifier}:sign").click().run()
    assert_ok(doc)
    assert "Signed and locked." in all_text(doc)
