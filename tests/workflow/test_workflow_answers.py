"""Creating, reading and answering through the `Workflow` (docs/contract.md §4): many answers are one
transaction, refused answers save nothing and their messages carry no answer, and the status the
workflow records inside each write is the engine's status of the stored answers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import Engine, event

from screening.workflow import Conflict, ConflictError, NotFound, Refused, Workflow
from tests.workflow.workflow_support import (
    ANSWERS,
    ASSESSED_ON,
    COORDINATOR,
    PSYCHIATRIST,
    REVIEW,
    assert_consistent,
    changed,
    draft,
)


def test_a_new_screening_is_an_empty_draft(wf: Workflow) -> None:
    created = wf.create(COORDINATOR, questionnaire="ketamine-trd-intake", assessed_on=ASSESSED_ON)

    assert created.lifecycle == "draft"
    assert created.status == "incomplete"
    assert created.decision is None
    assert created.answers == {}
    assert created.review is None
    assert created.assessed_on == ASSESSED_ON
    assert created.signature is None and not created.locked and not created.discarded
    assert created.definition.id == "ketamine-trd-intake"
    fetched = wf.get(created.id)
    assert (fetched.id, fetched.revision, fetched.answers) == (created.id, created.revision, {})
    (listed,) = wf.screenings()
    assert (listed.id, listed.lifecycle, listed.status, listed.decision) == (
        created.id,
        "draft",
        "incomplete",
        None,
    )
    assert_consistent(wf, created.id)


def test_an_unknown_screening_is_not_found(wf: Workflow) -> None:
    with pytest.raises(NotFound) as raised:
        wf.get("no-such-screening")
    assert isinstance(raised.value, LookupError)


def test_an_unknown_questionnaire_is_refused(wf: Workflow) -> None:
    with pytest.raises(Refused) as raised:
        wf.create(COORDINATOR, questionnaire="no-such-questionnaire", assessed_on=ASSESSED_ON)
    assert raised.value.rule == "questionnaire"
    assert wf.screenings() == []


def test_many_answers_in_one_call_are_saved_in_one_transaction(wf: Workflow) -> None:
    created = wf.create(COORDINATOR, assessed_on=ASSESSED_ON)

    answered = wf.answer(created.id, ANSWERS, user=COORDINATOR, base_revision=created.revision)

    assert answered.answers == wf.get(created.id).answers
    assert set(answered.answers) == set(ANSWERS)
    assert answered.answers["antidepressant_trials"] == ANSWERS["antidepressant_trials"]
    assert answered.status == "needs_review"
    assert [flag.id for flag in answered.assessment.flags if flag.severity != "caution"] == [
        "ci.rel.hypertension_history"
    ]
    entries = [entry for entry in wf.history(created.id) if entry.kind == "answer"]
    assert {entry.target for entry in entries} == set(ANSWERS)
    # one write: one moment, one user, consecutive revisions ending at the screening's revision
    assert len({entry.at for entry in entries}) == 1
    assert {entry.user_name for entry in entries} == {COORDINATOR.name}
    assert [entry.revision for entry in entries] == list(range(created.revision + 1, answered.revision + 1))
    assert_consistent(wf, created.id)


def test_create_takes_initial_answers(wf: Workflow) -> None:
    created = draft(wf)
    assert set(created.answers) == set(ANSWERS)
    assert created.status == "needs_review"
    assert_consistent(wf, created.id)


def test_none_clears_an_answer(wf: Workflow) -> None:
    screening = draft(wf)
    cleared = wf.answer(screening.id, {"phq9_4": None}, user=COORDINATOR, base_revision=screening.revision)
    assert "phq9_4" not in cleared.answers
    assert cleared.status == "incomplete"
    assert "phq9_4" in cleared.assessment.missing
    (entry,) = [e for e in wf.history(screening.id) if e.revision == cleared.revision]
    assert (entry.kind, entry.target, entry.old_words, entry.new_words) == (
        "answer",
        "phq9_4",
        "Nearly every day",
        "not answered",
    )
    assert_consistent(wf, screening.id)


@pytest.mark.parametrize(
    "bad",
    [
        {"heart_diseases": True},
        {"Heart_Disease": True},
        {"phq10_1": "several_days"},
    ],
    ids=["misspelt", "wrong case", "another instrument"],
)
def test_an_unknown_item_is_refused_naming_it_and_nothing_is_saved(wf: Workflow, bad: dict[str, Any]) -> None:
    screening = wf.create(COORDINATOR, assessed_on=ASSESSED_ON)
    (item_id,) = bad
    with pytest.raises(Refused) as raised:
        wf.answer(
            screening.id,
            {"heart_disease": True, "patient_name": "Ana Silva", **bad},
            user=COORDINATOR,
            base_revision=screening.revision,
        )
    assert raised.value.rule == "unknown_item"
    assert item_id in str(raised.value)
    assert getattr(raised.value, "item_id", None) == item_id
    after = wf.get(screening.id)
    assert (after.revision, after.answers) == (screening.revision, {})
    assert "Ana Silva" not in str(raised.value)


# (item, a value it does not accept, the text of that value that must not appear in the message)
INVALID = [
    ("weight_kg", 400, "400"),
    ("weight_kg", 19.25, "19.25"),
    ("weight_kg", "81.5", "81.5"),
    ("systolic_bp", 121.5, "121.5"),
    ("spo2", 49, "49"),
    ("heart_disease", "zzz-affirmative", "zzz-affirmative"),
    ("heart_disease", 1, None),
    ("phq9_1", "zzz-most-days", "zzz-most-days"),
    ("medication_classes", ["zzz-herbal-remedy"], "zzz-herbal-remedy"),
    ("date_of_birth", "02/07/1985", "02/07/1985"),
    ("date_of_birth", "1899-12-31", "1899-12-31"),
    ("date_of_birth", dt.date(2026, 11, 19), "2026-11-19"),  # after the screening date
    ("date_of_birth", dt.datetime(1985, 7, 2, 8, 30), "1985-07-02"),
    ("patient_name", "Zyxwvut " * 30, "Zyxwvut"),
    ("patient_name", "Ana\x00Silva", "Ana"),
    ("antidepressant_trials", [{"drug": "zzz-drug", "weeks": -3}], "zzz-drug"),
]


@pytest.mark.parametrize(
    ("item_id", "value", "shown"), INVALID, ids=[f"{i}-{n}" for n, (i, *_) in enumerate(INVALID)]
)
def test_a_value_the_item_does_not_accept_is_refused_without_repeating_it(
    wf: Workflow, item_id: str, value: Any, shown: str | None
) -> None:
    screening = wf.create(COORDINATOR, assessed_on=ASSESSED_ON, answers={"glaucoma": False})
    with pytest.raises(Refused) as raised:
        wf.answer(
            screening.id,
            {"heart_disease": False, item_id: value},
            user=COORDINATOR,
            base_revision=screening.revision,
        )
    error = raised.value
    assert error.rule == "invalid_answer"
    assert getattr(error, "item_id", None) == item_id
    assert item_id in str(error)
    if shown is not None:
        assert shown not in str(error)
    after = wf.get(screening.id)
    assert after.revision == screening.revision
    assert item_id not in after.answers and "heart_disease" not in after.answers
    assert_consistent(wf, screening.id)


def test_initial_answers_are_checked_too(wf: Workflow) -> None:
    with pytest.raises(Refused) as raised:
        wf.create(COORDINATOR, assessed_on=ASSESSED_ON, answers={"weight_kg": 400, "heart_disease": True})
    assert raised.value.rule == "invalid_answer"
    with pytest.raises(Refused) as raised:
        wf.create(COORDINATOR, assessed_on=ASSESSED_ON, answers={"date_of_birth": dt.date(2026, 12, 1)})
    assert raised.value.rule == "invalid_answer"
    assert wf.screenings() == []


def test_a_conflict_in_a_batch_saves_none_of_it(wf: Workflow) -> None:
    screening = draft(wf)
    base = screening.revision
    wf.answer(screening.id, {"weight_kg": 82.35}, user=PSYCHIATRIST, base_revision=base)

    with pytest.raises(Conflict) as raised:
        wf.answer(screening.id, {"glaucoma": True, "weight_kg": 79.65}, user=COORDINATOR, base_revision=base)
    conflict = raised.value
    assert isinstance(conflict, ConflictError)
    assert (conflict.item_id, conflict.changed_by, conflict.current_value) == (
        "weight_kg",
        PSYCHIATRIST.name,
        82.35,
    )
    assert "82.35" not in str(conflict) and "79.65" not in str(conflict)
    after = wf.get(screening.id)
    assert after.answers["glaucoma"] is False
    assert after.answers["weight_kg"] == 82.35
    assert_consistent(wf, screening.id)


def test_dates_are_accepted_as_dates_and_stored_as_iso_text(wf: Workflow) -> None:
    screening = wf.create(COORDINATOR, assessed_on=dt.date(2026, 11, 18))
    answered = wf.answer(
        screening.id,
        {"date_of_birth": dt.date(1985, 7, 2)},
        user=COORDINATOR,
        base_revision=screening.revision,
    )
    assert answered.answers["date_of_birth"] == "1985-07-02"
    assert answered.assessment.derived["age_years"] == 41
    same_day = wf.answer(
        screening.id,
        {"date_of_birth": dt.date(2026, 11, 18)},
        user=COORDINATOR,
        base_revision=answered.revision,
    )
    assert same_day.answers["date_of_birth"] == "2026-11-18"
    assert same_day.assessment.derived["age_years"] == 0
    assert_consistent(wf, screening.id)


def test_the_screening_date_moves_ages(wf: Workflow) -> None:
    screening = draft(wf)
    assert screening.assessment.derived["age_years"] == 41
    moved = wf.set_assessed_on(
        screening.id, dt.date(2051, 1, 1), user=COORDINATOR, base_revision=screening.revision
    )
    assert moved.assessed_on == dt.date(2051, 1, 1)
    assert moved.assessment.derived["age_years"] == 65
    assert "ci.rel.age_65_plus" in moved.assessment.fired
    (entry,) = [e for e in wf.history(screening.id) if e.revision == moved.revision]
    assert (entry.kind, entry.target, entry.old_words, entry.new_words) == (
        "date",
        "assessed_on",
        "2026-11-18",
        "2051-01-01",
    )
    assert_consistent(wf, screening.id)


def test_the_screening_date_cannot_move_before_the_date_of_birth(wf: Workflow) -> None:
    screening = draft(wf)
    born = screening.answers["date_of_birth"]
    with pytest.raises(Refused) as raised:
        wf.set_assessed_on(
            screening.id, dt.date(1980, 1, 1), user=COORDINATOR, base_revision=screening.revision
        )
    assert (raised.value.rule, getattr(raised.value, "item_id", None)) == ("invalid_answer", "date_of_birth")
    assert born not in str(raised.value) and raised.value.detail
    assert wf.get(screening.id).assessed_on == screening.assessed_on


# Each step: who writes what; after each one the stored status must be the engine's.
STEPS: list[tuple[str, dict[str, Any]]] = [
    ("answers", {"patient_name": "Ana Silva", "current_psychosis": True}),
    ("answers", changed(ANSWERS, {"current_psychosis": True})),
    ("answers", {"current_psychosis": False}),
    ("answers", {"heart_disease": True, "glaucoma": True}),
    ("review", {"decision": "defer", "protocol": "esketamine-induction"}),
    ("answers", {"hypertension_history": False, "heart_disease": False, "glaucoma": False}),
    ("answers", {"phq9_9": "several_days"}),
    ("review", changed(REVIEW, None)),
    ("answers", {"phq9_9": None}),
    ("date", {"assessed_on": dt.date(2027, 7, 2)}),
    ("answers", {"phq9_9": "not_at_all", "pregnant": True}),
]


def test_the_recorded_status_is_the_engines_status_after_every_write(wf: Workflow) -> None:
    screening = wf.create(COORDINATOR, assessed_on=ASSESSED_ON)
    seen_statuses = set()
    for kind, values in STEPS:
        if kind == "answers":
            screening = wf.answer(screening.id, values, user=COORDINATOR, base_revision=screening.revision)
        elif kind == "review":
            screening = wf.review(screening.id, values, user=PSYCHIATRIST, base_revision=screening.revision)
        else:
            screening = wf.set_assessed_on(
                screening.id, values["assessed_on"], user=COORDINATOR, base_revision=screening.revision
            )
        seen_statuses.add(assert_consistent(wf, screening.id).status)
    assert seen_statuses == {"contraindicated", "incomplete", "needs_review", "candidate"}


def test_the_list_shows_status_lifecycle_and_decision_and_filters_on_them(wf: Workflow) -> None:
    candidate = draft(wf, {"hypertension_history": False, "patient_name": "Ana Silva"})
    contraindicated = draft(wf, {"current_psychosis": True, "patient_name": "Bo Chen"})
    contraindicated = wf.review(
        contraindicated.id,
        {"decision": "do_not_proceed"},
        user=PSYCHIATRIST,
        base_revision=contraindicated.revision,
    )
    wf.sign(contraindicated.id, user=PSYCHIATRIST, base_revision=contraindicated.revision)

    listed = {summary.id: summary for summary in wf.screenings()}
    assert (listed[candidate.id].status, listed[candidate.id].decision, listed[candidate.id].lifecycle) == (
        "candidate",
        None,
        "draft",
    )
    signed_one = listed[contraindicated.id]
    assert (signed_one.status, signed_one.decision, signed_one.lifecycle) == (
        "contraindicated",
        "do_not_proceed",
        "signed",
    )
    assert [s.id for s in wf.screenings(status="contraindicated")] == [contraindicated.id]
    assert [s.id for s in wf.screenings(decision="do_not_proceed")] == [contraindicated.id]
    assert [s.id for s in wf.screenings(lifecycle="draft")] == [candidate.id]
    assert [s.id for s in wf.screenings(signed=True)] == [contraindicated.id]
    assert [s.id for s in wf.screenings(search="bo chen")] == [contraindicated.id]
    for screening_id in listed:
        assert_consistent(wf, screening_id)


def test_answers_are_checked_at_the_date_stored_when_they_are_written(
    open_workflow: Callable[[], Workflow],
) -> None:
    """A workflow checks answers inside the write, at the screening date stored then: not at the
    date of the screening it kept, which another process may have moved since."""
    ours, theirs = open_workflow(), open_workflow()  # two app processes
    screening = ours.get(ours.create(COORDINATOR, assessed_on=dt.date(2026, 11, 20)).id)  # on screen
    moved = theirs.set_assessed_on(
        screening.id, dt.date(2026, 1, 15), user=PSYCHIATRIST, base_revision=screening.revision
    )
    # a date of birth before the kept date (2026-11-20) but after the stored one (2026-01-15)
    with pytest.raises(Refused) as raised:
        ours.answer(
            screening.id,
            {"date_of_birth": dt.date(2026, 6, 1)},
            user=COORDINATOR,
            base_revision=moved.revision,
        )
    assert raised.value.rule == "invalid_answer"
    assert "2026-06-01" not in str(raised.value)
    assert theirs.get(screening.id).answers == {}
    # the same answer at a date it fits is saved, and the other process sees it
    born = ours.answer(
        screening.id, {"date_of_birth": dt.date(2025, 6, 1)}, user=COORDINATOR, base_revision=moved.revision
    )
    assert born.assessed_on == dt.date(2026, 1, 15) and born.assessment.derived["age_years"] == 0
    assert theirs.get(screening.id).answers == {"date_of_birth": "2025-06-01"}
    # the other way round: an answer that does not fit the date kept, but fits the one stored now
    back = dt.date(2026, 11, 20)
    theirs.set_assessed_on(screening.id, back, user=PSYCHIATRIST, base_revision=born.revision)
    later = ours.answer(
        screening.id, {"date_of_birth": dt.date(2026, 6, 1)}, user=COORDINATOR, base_revision=born.revision
    )
    assert later.answers["date_of_birth"] == "2026-06-01" and later.assessed_on == dt.date(2026, 11, 20)
    assert_consistent(ours, screening.id)


def test_a_save_of_a_kept_screening_reads_nothing_before_its_write(wf: Workflow, raw_engine: Engine) -> None:
    """The questionnaire a screening pins never changes: a save of a screening the workflow keeps
    (at any revision) checks against it without reading the screening first. The first statement
    of the save is its write's (on SQLite, BEGIN IMMEDIATE)."""
    screening = wf.get(draft(wf).id)  # as a page shows it: kept at its revision
    statements: list[str] = []

    def record(_connection: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        statements.append(" ".join(statement.split()).upper())

    engine = wf.store._engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        saved = wf.answer(screening.id, {"phq9_1": "nearly_every_day"}, user=COORDINATOR, base_revision=1)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert saved.answers["phq9_1"] == "nearly_every_day"
    if wf.store.dialect == "sqlite":
        assert statements[0] == "BEGIN IMMEDIATE", statements[:2]
    assert not any(statement.startswith("SELECT SCREENINGS.REVISION") for statement in statements)
    assert_consistent(wf, screening.id)
